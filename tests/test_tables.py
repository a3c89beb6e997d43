"""Tables as rows (ingest/tables.py) on the corpus's own tables: each row keeps its column
headers. Expected cells are written from the documents (kallelse 001 lines 98–114, 496–511,
613–619, 623–686, 1491–1502; förvaltningsgrupp 003 lines 221–222)."""

from __future__ import annotations

import json

import pytest

from conftest import corpus_file
from namndsok.ingest.tables import rows_in_text, split_numeric_row
from namndsok.model import Chunk, TableRow


def _lines(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a corpus document, as one text."""
    return "\n".join(corpus_file(prefix).read_text(encoding="utf-8").split("\n")[first - 1 : last])


def _by_label(rows: list[TableRow]) -> dict[str, TableRow]:
    return {r.label: r for r in rows}


def test_investment_plan_keeps_its_years_and_unit():
    rows = _by_label(rows_in_text(_lines("001", 613, 619)))
    assert list(rows) == ["Byte av IT-system", "Reinvest skolor/förskolor", "IT-investeringar utbildning",
                          "Invent ny/omb skola/fsk"]
    invent = rows["Invent ny/omb skola/fsk"]
    assert invent.cells == [("2024", "2 000"), ("2025", "10 000"), ("2026", "40 000"), ("2027", "30 000")]
    assert invent.unit == "tkr"
    assert invent.render() == "Invent ny/omb skola/fsk – 2024: 2 000 tkr; 2025: 10 000 tkr; 2026: 40 000 tkr; 2027: 30 000 tkr"
    assert rows["Reinvest skolor/förskolor"].cells[3] == ("2027", "5000")


def test_rows_without_tabs_split_by_the_header_and_thousands_grouping():
    """The same plan as a PDF may give it: no tabs, spaces inside and between numbers."""
    text = _lines("001", 615, 619).replace("\t", " ")
    rows = _by_label(rows_in_text(text))
    assert [v for _, v in rows["Invent ny/omb skola/fsk"].cells] == ["2 000", "10 000", "40 000", "30 000"]
    assert [h for h, _ in rows["Invent ny/omb skola/fsk"].cells] == ["2024", "2025", "2026", "2027"]
    assert [v for _, v in rows["Reinvest skolor/förskolor"].cells] == ["5 000", "5 000", "5 000", "5000"]
    assert [v for _, v in rows["Byte av IT-system"].cells] == ["0", "0", "0", "0"]


@pytest.mark.parametrize("line,n,label,values", [
    ("Invent ny/omb skola/fsk 2 000 10 000 40 000 30 000", 4, "Invent ny/omb skola/fsk", ["2 000", "10 000", "40 000", "30 000"]),
    ("Reinvest skolor/förskolor 5 000 5 000 5 000 5000", 4, "Reinvest skolor/förskolor", ["5 000", "5 000", "5 000", "5000"]),
    # 001 line 511: one more group than the others in the last column
    ("Totalt -954 463 -954 463 -1 010 299", 3, "Totalt", ["-954 463", "-954 463", "-1 010 299"]),
    # 001 line 409: the label ends in a number of its own
    ("Genomsnittligt meritvärde efter årskurs 9 223,3 % 215,8 % 228,5 %", 3,
     "Genomsnittligt meritvärde efter årskurs 9", ["223,3 %", "215,8 %", "228,5 %"]),
    # 003 line 222: decimal commas
    ("Förvaltning - totalt 1 243,4 1 288,7 801,0 1 283,6 5,1", 5, "Förvaltning - totalt",
     ["1 243,4", "1 288,7", "801,0", "1 283,6", "5,1"]),
])
def test_split_numeric_row(line, n, label, values):
    assert split_numeric_row(line, n) == (label, values)


def test_split_numeric_row_refuses_a_wrong_count():
    assert split_numeric_row("Invent ny/omb skola/fsk 2 000 10 000", 4) is None


def test_budget_frames_two_line_header():
    """`…Belopp i tkr\t2023\t\t2024` over `\tPrognos\tBudget\tBudget`: 2023 spans two columns."""
    rows = _by_label(rows_in_text(_lines("001", 496, 511)))
    assert len(rows) == 14
    assert rows["Utvecklingsreserv"].cells == [("2023 Prognos", "-8 078"), ("2023 Budget", "-8 478"), ("2024 Budget", "-10 103")]
    assert rows["Totalt"].cells[2] == ("2024 Budget", "-1 010 299")
    assert rows["Totalt"].unit == "tkr"


def test_monthly_follow_up_headers():
    rows = _by_label(rows_in_text(_lines("001", 98, 114)))
    komvux = rows["Komvux"]
    assert komvux.cells[:3] == [("Budget tkr (ack)", "-10 463"), ("Utfall tkr (ack)", "-11 066"), ("Avvikelse Budget (ack)", "-603")]
    assert dict(rows["Grundskola köpta, sålda, skolskjuts"].cells)["Avvikelse Prognos (helår)"] == "-800"


def test_grouped_rows_and_a_repeated_header_after_a_page_break():
    rows = rows_in_text(_lines("001", 623, 686))
    first = rows[0]
    assert (first.group, first.label) == ("Barnomsorg, barn 1-5 år", "Antal barn i kommunala förskolor i Ale")
    assert first.cells == [("Utfall 2022", "1 833"), ("Utfall 2023", "1 868"), ("Budget 2024", "1 787")]
    # line 637, after the blank line and the repeated (mistyped) header of line 636
    after_break = next(r for r in rows if r.label == "- varav Ale-elever F-6 i kommunal verksamhet i annan kommun")
    assert after_break.group == "Grundskola Förskoleklass - årskurs 9"
    assert after_break.cells == [("Utfall 2022", "33"), ("Utfall 2023", "33"), ("Budget 2024", "42")]
    # an empty cell is not a value: "Antal barn i pedagogisk omsorg, kommunal i Ale  25  23  (none)"
    care = next(r for r in rows if r.label == "Antal barn i pedagogisk omsorg, kommunal i Ale")
    assert care.cells == [("Utfall 2022", "25"), ("Utfall 2023", "23")]
    assert not any(r.label in ("Verksamhet", "Elever årskurs F-6") for r in rows)  # headers and group lines


def test_risk_matrix_rows():
    rows = rows_in_text(_lines("001", 1491, 1502))
    assert [(r.group, r.label) for r in rows] == [
        ("Ekonomi", "Interkommunala ersättningar"), ("Ekonomi", "Interkommunala ersättningar"),
        ("Regelverk", "Beslutsberedning och beslutsfattande"), ("Regelverk", "Delegeringsordningen"),
    ]
    assert dict(rows[0].cells)["Sannolikhet"] == "3. Möjligt"
    assert dict(rows[0].cells)["Risikvärde"] == "12. Bör åtgärdas"


def test_statistics_with_a_unit_in_the_label_header():
    (row,) = rows_in_text(_lines("003", 221, 222))
    assert row.label == "Förvaltning - totalt" and row.unit == "mnkr"
    assert row.cells[0] == ("Utfall 2020", "1 243,4") and row.cells[4] == ("Avvikelse mot budget 2021", "5,1")


def test_tables_of_contents_agendas_and_prose_tables_give_no_rows():
    assert rows_in_text(_lines("001", 153, 173)) == []  # Nämndplan's table of contents
    assert rows_in_text(_lines("001", 25, 58)) == []  # the agenda: dnrs and times, no quantities
    assert rows_in_text(_lines("001", 3125, 3126)) == []  # "Uppfylls helt … / X"


def test_row_offsets_point_at_the_row():
    text = corpus_file("001").read_text(encoding="utf-8")
    for row in rows_in_text(text):
        line = text[row.start : row.end]
        assert "\n" not in line and line == line.strip()
        assert line.endswith(row.cells[-1][1])  # the row's last value ends its line


def test_rows_round_trip_through_chunk_json():
    row = TableRow("Invent ny/omb skola/fsk", [("2024", "2 000")], 10, 40, "tkr", None)
    from namndsok.model import Citation

    c = Chunk(0, "a.txt", "0", "x", 0, 50, 0, "", Citation("a.txt", "", None, None, None, None, None, None),
              rows=[row], omitted=[(20, 25)])
    back = Chunk.from_json(json.loads(json.dumps(c.to_json())))
    assert back == c and isinstance(back.rows[0], TableRow) and back.rows[0].cells == [("2024", "2 000")]
    assert back.omitted == [(20, 25)]
