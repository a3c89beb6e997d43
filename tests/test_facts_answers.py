"""Questions about people and positions answered from the protocol facts of the real corpus
index, cited to the chunks that hold them; `namndsok meeting` and `person` over a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from namndsok.app.answering.answer import Answerer
from namndsok.app.answering.facts import answer_from_facts, party_of_text

ROOT = Path(__file__).resolve().parent.parent
KSPU = "000_9df5db38a3213482.txt"
BUNDLE = "001_f2f29972cf11fb69.txt"


def _cited_text(searcher, ans) -> list[str]:
    return [h.chunk.text for h in ans.citations]


def test_the_index_holds_the_facts_of_both_corpus_protocols(searcher):
    meetings = sorted((p.meeting.organ, p.meeting.date) for p in searcher.index.facts)
    assert meetings == [("Kommunstyrelsens produktionsutskott", "2020-09-16"), ("VästKom Styrelse", "2023-06-22")]
    assert "facts.json" in searcher.index.manifest["files"]


def test_who_chaired_the_production_committee(searcher):
    ans = answer_from_facts("Vem var ordförande vid produktionsutskottets möte?", searcher)
    assert ans is not None and ans.outcome == "answer" and ans.reason is None
    assert "Michaela Fletcher (M)" in ans.answer and "VästKom" not in ans.answer
    assert ans.answer.rstrip().endswith("[1]")
    c = ans.citations[0].chunk
    assert c.source == KSPU and "Ordförande, §§ 10:1-10:8" in c.text
    assert any("Ordförande" in h for h in ans.highlights[0])


def test_no_reservations_is_a_cited_true_negative(searcher):
    ans = answer_from_facts("Vilka reservationer lämnades?", searcher)
    assert ans is not None and ans.outcome == "answer"
    assert "Inga reservationer antecknades vid Kommunstyrelsens produktionsutskott 2020-09-16 (§§ 10:1–10:8) [1]" in ans.answer
    assert "Inga reservationer antecknades vid VästKom Styrelse 2023-06-22 (§§ 40–48) [2]" in ans.answer
    assert [h.chunk.source for h in ans.citations] == [KSPU, BUNDLE]


def test_what_the_social_democrats_moved_on_the_citizens_proposal(searcher):
    ans = answer_from_facts("Vad yrkade Socialdemokraterna i ärendet om medborgarförslaget?", searcher)
    assert ans is not None
    assert "Ann-Christine Furustrand (S) yrkar bifall till åtgärder 2, 4 och 5" in ans.answer
    assert "Michaela Fletcher" not in ans.answer  # M's yrkande is not S's
    assert ans.citations[0].chunk.citation.section == "KSPU § 10:7"
    assert any("åtgärder 2, 4 och 5" in h for h in ans.highlights[0])


def test_a_person_by_name_and_the_outcome_of_a_paragraph(searcher):
    ans = answer_from_facts("Vad yrkade Ann-Christine Furustrand?", searcher)
    assert ans is not None and "§ 10:7" in ans.answer and "VästKom" not in ans.answer
    ans = answer_from_facts("Vilket yrkande vann i § 10:7?", searcher)
    assert ans is not None and "finner att produktionsutskottet beslutar enligt Michaela Fletchers (M) yrkande" in ans.answer


def test_attendance_and_absence(searcher):
    ans = answer_from_facts("Which VästKom board members were absent from the extra board meeting in June 2023?", searcher)
    assert ans is not None
    for name in ("Jonas Attenius", "Dan Nyberg", "Annette Carlson"):
        assert name in ans.answer
    assert "Miguel Odhner" not in ans.answer
    assert "Frånvarande" in ans.citations[0].chunk.text


def test_votes_and_jav_are_true_negatives_where_none_was_recorded(searcher):
    ans = answer_from_facts("Vem anmälde jäv vid produktionsutskottets sammanträde?", searcher)
    assert ans is not None and ans.answer.startswith("Inget jäv antecknades vid Kommunstyrelsens produktionsutskott 2020-09-16")


@pytest.mark.parametrize("question", [
    "Vad beslutade vi om Minirosen?",
    "Vad sa ordföranden om ekonomin?",  # names a role but asks no "who"
    "Who chaired the SRO consultation meeting between VGR and the municipalities in May 2023?",  # no parsed protocol
    "Vem är tillförordnad ordförande för Vision i Skärholmen?",
    "Did the committee vote on banning energy drinks in schools?",
])
def test_other_questions_go_to_the_normal_pipeline(searcher, question):
    assert answer_from_facts(question, searcher) is None


def test_ask_tries_the_facts_first(searcher):
    ans = Answerer(searcher).ask("Vilka reservationer lämnades?")
    assert ans.outcome == "answer" and ans.answer.startswith("Inga reservationer antecknades")
    assert ans.to_json()["citations"][0]["highlights"]


def test_party_names_map_to_letters():
    assert party_of_text("Vad yrkade Socialdemokraterna?") == "S"
    assert party_of_text("How did the Sweden Democrats vote?") == "SD"
    assert party_of_text("Vad tyckte Kristdemokraterna") == "KD"
    assert party_of_text("hur röstade MP") == "MP"


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_cli_meeting_list_summary_and_json(corpus_index):
    r = cli("meeting", "--index", str(corpus_index))
    assert r.returncode == 0, r.stderr
    assert "Kommunstyrelsens produktionsutskott 2020-09-16  §§ 10:1–10:8" in r.stdout and "VästKom Styrelse 2023-06-22" in r.stdout
    r = cli("meeting", "--organ", "produktionsutskott", "--date", "2020-09-16", "--index", str(corpus_index))
    assert r.returncode == 0, r.stderr
    assert "Ordförande: Michaela Fletcher (M), §§ 10:1-10:8" in r.stdout
    assert "Ann-Christine Furustrand (S) yrkar bifall till åtgärder 2, 4 och 5" in r.stdout
    assert "Inga reservationer antecknades." in r.stdout
    r = cli("meeting", "--organ", "VästKom", "--json", "--index", str(corpus_index))
    data = json.loads(r.stdout)
    assert len(data) == 1 and data[0]["complete"] and data[0]["paragraphs"][0] == "§ 40"
    assert {a["person"] for a in data[0]["attendance"] if a["kind"] == "frånvarande"} == {"Jonas Attenius", "Dan Nyberg", "Annette Carlson"}


def test_cli_person_and_party(corpus_index):
    r = cli("person", "Ann-Christine Furustrands", "--index", str(corpus_index))  # a genitive
    assert r.returncode == 0, r.stderr
    assert "yrkande: Ann-Christine Furustrand (S) – Ann-Christine Furustrand (S) yrkar bifall" in r.stdout
    assert "000_9df5db38a3213482.txt, KSPU § 10:7, rad 529" in r.stdout
    r = cli("person", "--party", "Moderaterna", "--json", "--index", str(corpus_index))
    rows = json.loads(r.stdout)
    assert {x["section"] for x in rows if x["kind"] == "yrkande"} == {f"KSPU § 10:{n}" for n in (4, 5, 6, 7, 8)}
    assert all(x["citation"]["line"] for x in rows)
    r = cli("person", "Nils Okänd", "--index", str(corpus_index))
    assert r.returncode == 0 and "Inget i protokollen om Nils Okänd." in r.stdout


@pytest.fixture(scope="module")
def own_searcher(tmp_path_factory):
    """A toy-embedder index of the protocols written for the tests (votes, reservations, jäv)."""
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from namndsok.index.search import Searcher

    root = tmp_path_factory.mktemp("own-protocols")
    ingest([ROOT / "tests" / "data" / "protocols"], root / "ix", create_embedder("toy"), progress=False)
    return Searcher.open(root / "ix")


def test_votes_reservations_jav_and_substitutes_from_the_test_protocols(own_searcher):
    ans = answer_from_facts("Hur röstade Sverigedemokraterna i byggnadsnämnden?", own_searcher)
    assert ans is not None and "§ 12: omröstning, 3 ja, 1 nej, 1 avstår – David Ek (SD) nej" in ans.answer
    assert "Omröstning" in ans.citations[0].chunk.text
    ans = answer_from_facts("Vilka reservationer lämnades i kommunfullmäktige?", own_searcher)
    assert ans is not None and "Olga Qvist (V) reserverar sig skriftligt mot beslutet, se bilaga 1." in ans.answer
    assert "Byggnadsnämnden" not in ans.answer
    ans = answer_from_facts("Vem anmälde jäv i socialnämnden?", own_searcher)
    assert ans is not None and ans.answer.startswith("§ 45: Åsa Öberg (L) anmälde jäv [1]")
    ans = answer_from_facts("Vilka tjänstgörande ersättare fanns i kultur- och fritidsnämnden?", own_searcher)
    assert ans is not None and "Lisa Ström (SD), tjänstgörande för Mona Dahlin, §§ 23-24" in ans.answer
    ans = answer_from_facts("Vilka var närvarande i valnämnden?", own_searcher)  # no närvarolista
    assert ans is not None and "har ingen närvarolista som kunde läsas" in ans.answer


def test_filters_restrict_the_facts(searcher):
    from namndsok.index.search import Filters

    ans = answer_from_facts("Vilka reservationer lämnades?", searcher, Filters(organ="VästKom"))
    assert ans is not None and "VästKom Styrelse" in ans.answer and "produktionsutskott" not in ans.answer
    assert answer_from_facts("Vilka reservationer lämnades?", searcher, Filters(doc_type="tjänsteutlåtande")) is None
    ans = answer_from_facts("Vem var ordförande?", searcher, Filters(date_from="2020", date_to="2020"))
    assert ans is not None and "Michaela Fletcher" in ans.answer and "Miguel Odhner" not in ans.answer
