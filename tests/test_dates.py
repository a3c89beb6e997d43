"""Date errors as a person meets them in a filter: a date that is written right but does not
exist is told so (not how to write dates), every wrong field is named, each sentence begins
with a capital, and the app says the same on every tab."""

from __future__ import annotations

import pytest

from conftest import CORPUS
from namndsok.dates import DateError, date_bounds, date_range


@pytest.fixture(scope="module")
def toy_index_app(tmp_path_factory):
    """The app's functions on a toy-embedded index of the corpus (no model needed)."""
    from namndsok.app.webapp import WebApp
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder

    root = tmp_path_factory.mktemp("toy") / "ix"
    assert ingest([CORPUS], root, create_embedder("toy"), progress=False).ok
    return WebApp(root)


@pytest.mark.parametrize("text,why", [
    ("2020-13-45", "det finns ingen månad 13"),
    ("2020-00", "det finns ingen månad 0"),
    ("2020-02-30", "februari 2020 har 29 dagar"),  # a leap year
    ("2021-02-29", "februari 2021 har 28 dagar"),
    ("2020-04-31", "april 2020 har 30 dagar"),
])
def test_a_month_or_day_that_does_not_exist_is_named(text, why):
    with pytest.raises(DateError) as err:
        date_range(text)
    assert err.value.swedish == f"Datumet '{text}' finns inte: {why}."
    assert "ÅÅÅÅ" not in err.value.swedish  # it is written right; the date itself is wrong


def test_text_that_is_no_date_is_told_how_to_write_one():
    with pytest.raises(DateError) as err:
        date_range("igår")
    assert err.value.swedish == "Datumet 'igår' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD."


def test_every_wrong_field_is_named_each_sentence_capitalised():
    with pytest.raises(DateError) as err:
        date_bounds("igår", "2020-13-45")
    msg = err.value.swedish
    assert msg == ("Från-datumet 'igår' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD. "
                   "Till-datumet '2020-13-45' finns inte: det finns ingen månad 13.")
    assert set(err.value.problems) == {"Från-datumet", "Till-datumet"}
    with pytest.raises(DateError) as err:
        date_bounds("", "igår")
    assert err.value.swedish.startswith("Till-datumet 'igår' ")
    with pytest.raises(DateError) as err:
        date_bounds("2021", "2020")
    assert err.value.swedish == "Från-datumet 2021 är efter till-datumet 2020."
    assert date_bounds("2020-02", "2020-02") == ("2020-02-01", "2020-02-29")


def test_the_same_sentence_on_every_tab(toy_index_app):
    """Fråga (Svar and Sök) and Beslut show the one sentence, nothing before it."""
    import html
    import re

    from namndsok.app.webapp import ALL

    want = "Från-datumet 'igår' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD. Till-datumet '2020-13-45' finns inte: det finns ingen månad 13."
    text = lambda page: html.unescape(re.sub(r"<[^>]+>", "", page))  # noqa: E731
    pages = [toy_index_app.ask_html("Minirosen", "Svar", ALL, ALL, "igår", "2020-13-45"),
             toy_index_app.ask_html("Minirosen", "Sök", ALL, ALL, "igår", "2020-13-45"),
             toy_index_app.decisions_html(ALL, ALL, "igår", "2020-13-45")]
    assert [text(p) for p in pages] == [want] * 3
    assert all('class="ns-error"' in p for p in pages)
