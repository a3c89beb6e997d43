"""Protocol facts from a structured Document: a pure function, `protocol_facts(doc)`.

After parse_structure, every run of § sections of one organ and date (a protokoll, or another
organ's protocol inside a bundle) is one protocol. Its front matter (and the lines after its
last §, where a digitally signed protocol puts its justering) gives the meeting, the roles and
the närvarolista; each § gives yrkanden, propositionsordning, omröstning, reservationer,
protokollsanteckningar and jäv, by the patterns in protocol_rules.py. A protocol the parser
cannot read whole is still indexed as text; what is missing is one line in `notes` and the log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from namndsok.facts import Anteckning, Cite, Jav, Proposition, ProtocolFacts, Reservation, Role, Vote, Yrkande
from namndsok.model import Document, Section

from . import protocol_rules as R
from . import rules
from .lines import Line, split_lines
from .protocol_front import People, party_code, attendance_of, meeting_of, merge_roles, name_key, roles_in

__all__ = ["name_key", "protocol_facts"]

log = logging.getLogger(__name__)

TAIL_LINES = 40  # how far after the last § a justering block is looked for
TAIL_CHARS = 4000
_HEADINGS = rules.SUBHEADINGS | {"jäv", "omröstningsresultat", "reservationer", "protokollsanteckningar", "underskrifter"}
# a § without any of these words holds no yrkande, proposition, vote, reservation, note or jäv
# (plain substring tests on lower-cased text: an IGNORECASE alternation over a long § is slow)
_FACT_WORDS = ("yrka", "reserv", "jäv", "anteckn", "finner", "omröstning", "votering", "juster")


def _has_fact_words(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in _FACT_WORDS)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


@dataclass
class _Span:
    start: int
    end: int
    text: str  # whitespace made single spaces


def _paragraphs(lines: list[Line]) -> list[_Span]:
    """Runs of non-blank lines, each with its document span and its text on one line."""
    out, run = [], []
    for ln in lines + [Line(-1, 0, 0, "")]:
        if ln.text and ln.text.lower().strip(" :*") in _HEADINGS:  # "Propositionsordning" above its text
            if run:
                out.append(_Span(run[0].start, run[-1].end, " ".join(x.text for x in run)))
            out.append(_Span(ln.start, ln.end, ln.text))
            run = []
        elif ln.text:
            run.append(ln)
        elif run:
            out.append(_Span(run[0].start, run[-1].end, " ".join(x.text for x in run)))
            run = []
    return out


def _sentences(text: str, para: _Span, doc_text: str) -> list[_Span]:
    """The sentences of a paragraph with their document spans (found back in the raw text)."""
    out = []
    raw = doc_text[para.start:para.end]
    at = 0
    for piece in _SENTENCE_END_RE.split(para.text):
        first = piece.split(" ", 1)[0]
        i = raw.find(first, at)
        s = para.start + (i if i >= 0 else at)
        last = piece.rsplit(" ", 1)[-1]
        j = raw.find(last, max(at, i if i >= 0 else at))
        e = para.start + (j + len(last) if j >= 0 else len(raw))
        at = e - para.start
        out.append(_Span(s, e, piece))
    return out


# ---------------------------------------------------------------- protocols in a document


def _groups(doc: Document) -> list[list[Section]]:
    """Runs of front + § sections sharing organ and date, each holding at least one §."""
    groups: list[list[Section]] = []
    key = None
    for sec in doc.sections:
        k = (sec.organ or doc.organ, sec.date or doc.date)
        if sec.kind not in ("front", "paragraph"):
            key = None
            continue
        if sec.kind == "front" or k != key or not groups:
            groups.append([])
        groups[-1].append(sec)
        key = k
    out = []
    for g in groups:
        paras = [s for s in g if s.kind == "paragraph"]
        if not paras:
            continue
        front = g[0] if g[0].kind == "front" else None
        bundled = paras[0].organ is not None or paras[0].date is not None
        protocolish = front is not None and re.match(r"^(?:PROTOKOLL|Protokoll|Sammanträdesprotokoll|Protokollsutdrag)", front.label)
        if doc.doc_type == "protokoll" or (bundled and protocolish):
            out.append(g)
    return out


def protocol_facts(doc: Document) -> list[ProtocolFacts]:
    """Every protocol in a parsed document; [] (with one log line) when it holds none we can read."""
    try:
        groups = _groups(doc)
    except Exception as exc:  # sections of a shape never met: the document stays indexed as text
        log.warning("%s: protocol facts not read (%s: %s); indexed as text", doc.source, type(exc).__name__, exc)
        return []
    if not groups:
        if doc.doc_type == "protokoll":
            log.info("%s: a protocol without § numbers; indexed as text, no meeting facts read", doc.source)
        return []
    out = []
    for g in groups:
        try:
            out.append(_protocol(doc, g))
        except Exception as exc:  # a layout the rules never met must not stop the ingest
            log.warning("%s: protocol facts not read (%s: %s); indexed as text", doc.source, type(exc).__name__, exc)
    return out


def _region(doc: Document, start: int, end: int) -> list[Line]:
    """The lines of doc.text[start:end] with their document offsets (a bundle is large: only
    the protocol's own text is split)."""
    lines = split_lines(doc.text[start:end])
    for ln in lines:
        ln.start += start
        ln.end += start
    return lines


def _protocol(doc: Document, group: list[Section]) -> ProtocolFacts:
    paras = [s for s in group if s.kind == "paragraph"]
    front = group[0] if group[0].kind == "front" else None
    organ, date = paras[0].organ or doc.organ, paras[0].date or doc.date
    people = People()
    cite = lambda s, e, label=None: Cite(doc.source, doc.sha256, label, s, e)  # noqa: E731
    notes: list[str] = []
    front_lines = _region(doc, front.start, front.end) if front else []
    tail_lines = _tail(doc, paras[-1])
    meeting = meeting_of(front_lines, organ, date, cite, front)
    present, extra_roles = attendance_of(front_lines, people, cite)
    if not present:
        notes.append("ingen närvarolista lästes")
    roles = merge_roles(roles_in(front_lines, people, cite) + roles_in(tail_lines, people, cite) + extra_roles)
    facts = ProtocolFacts(doc.source, doc.sha256, meeting, False, [s.label for s in paras],
                          roles=roles, attendance=present, notes=notes)
    for sec in paras:
        _paragraph_facts(doc, sec, people, facts)
    for a in facts.attendance:  # a party learnt later (a yrkande) fills the list's gaps
        a.party = a.party or people.party(a.person)
    for r in facts.roles:
        if r.person:
            r.party = r.party or people.party(r.person)
    consecutive = _consecutive([s.label for s in paras])
    if not consecutive:
        notes.append("§-numreringen har luckor")
    if not any(r.role in ("ordförande", "justerare", "sekreterare") for r in roles):
        notes.append("inga roller (ordförande, sekreterare, justerare) lästes")
    facts.complete = consecutive and any(r.role in ("ordförande", "justerare", "sekreterare") for r in roles)
    if notes:
        log.info("%s: %s %s: %s", doc.source, organ or "", date or "", "; ".join(notes))
    return facts


def _tail(doc: Document, last: Section) -> list[Line]:
    """The last § and the lines after it, where an e-signed protocol keeps its justering block."""
    out = _region(doc, last.start, last.end)
    after = _region(doc, last.end, min(len(doc.text), last.end + TAIL_CHARS))
    for ln in after[1 : 1 + TAIL_LINES]:  # the first is the rest of the §'s last line
        if rules.PARAGRAPH_RE.match(ln.text) or any(p.match(ln.text) for p, k in rules.PART_START_RULES if k != "attachment"):
            break
        out.append(ln)
    return out


def _consecutive(labels: list[str]) -> bool:
    nums = []
    for lab in labels:
        m = re.search(r"§\s*(\d+)(?::(\d+))?", lab)
        if not m:
            return False
        nums.append(int(m[2]) if m[2] else int(m[1]))
    return all(b == a + 1 for a, b in zip(nums, nums[1:]))


# ---------------------------------------------------------------- inside a §


def _persons(text: str, people: People) -> list[tuple[str, str | None]]:
    out = []
    for m in R.PERSON_RE.finditer(text):
        party = party_code(m["party"])
        name = people.resolve(m["name"])
        out.append((name, party or people.party(name)))
    return out


def _paragraph_facts(doc: Document, sec: Section, people: People, facts: ProtocolFacts) -> None:
    if not _has_fact_words(doc.text[sec.start:sec.end]):  # most §§ record none: skip them cheaply
        return
    sec_lines = _region(doc, sec.start, sec.end)
    cite = lambda s, e: Cite(doc.source, doc.sha256, sec.label, s, e)  # noqa: E731
    label = sec.label
    paragraphs = _paragraphs(sec_lines)
    for para in paragraphs:
        if not _has_fact_words(para.text):
            continue
        if R.PROPOSITION_RE.match(para.text):
            facts.propositions.append(_proposition(para, people, label, cite))
            continue
        for sent in _sentences(para.text, para, doc.text):
            t = sent.text
            if " yrkar" in t or t.startswith("yrkar"):
                facts.yrkanden.extend(_yrkanden(sent, people, label, cite))
            if R.RESERVATION_RE.search(t) and (r := _reservation(sent, people, label, cite)):
                facts.reservations.append(r)
            elif R.ANTECKNING_RE.search(t) and (n := _anteckning(sent, para, people, label, cite)):
                facts.anteckningar.append(n)
            if "juster" in t:
                _chosen_justerare(sent, people, facts, cite)
                _justering_deadline(sent, facts, cite, doc.text)
            if R.JAV_RE.search(t) and not R.JAV_NOT_RE.search(t):
                for name, party in _persons(t, people):
                    facts.jav.append(Jav(label, name, party, cite(sent.start, sent.end)))
    if any(("omröstning" in p.text.lower() or "votering" in p.text.lower()) and R.VOTE_MARK_RE.search(p.text)
           for p in paragraphs):
        vote = _vote(sec_lines, people, label, cite)
        if vote:
            facts.votes.append(vote)


def _chosen_justerare(sent: _Span, people: People, facts: ProtocolFacts, cite) -> None:
    """A § that chooses the justerare is another source of that role (cited beside the signature)."""
    for pat in R.CHOSEN_JUSTERARE_RES:
        m = pat.search(sent.text)
        if not m:
            continue
        name = people.resolve(m["name"])
        role = next((r for r in facts.roles if r.role == "justerare" and r.person == name), None)
        if role is None:
            party = party_code(m["party"]) or people.party(name)
            facts.roles.append(Role("justerare", people.add(name, party), party, None, cite(sent.start, sent.end)))
        else:
            role.also.append(cite(sent.start, sent.end))
        return


def _justering_deadline(sent: _Span, facts: ProtocolFacts, cite, text: str) -> None:
    """"Protokollet justeras senast måndag 21 september": the justeringsdatum when no signature
    block gives one (the year is the meeting's, or the next one's for a January deadline in December;
    without a meeting date, the first year the protocol's front matter names: "den 16 september 2020")."""
    m = R.JUSTERING_DEADLINE_RE.search(sent.text)
    if not m or any(r.role == "justeringsdatum" for r in facts.roles):
        return
    front_year = re.search(r"\b(?:19|20)\d{2}\b(?!/)", text[facts.meeting.cite.start:sent.start])
    year_text = m["year"] or (facts.meeting.date or "")[:4] or (front_year[0] if front_year else None)
    if not year_text:
        return
    month = R.SV_MONTHS.index(m["month"].lower()) + 1
    year = int(year_text)
    if not m["year"] and facts.meeting.date and month < int(facts.meeting.date[5:7]):
        year += 1
    facts.roles.append(Role("justeringsdatum", None, None, None, cite(sent.start, sent.end),
                            date=f"{year}-{month:02d}-{int(m['day']):02d}"))


def _yrkande_kind(what: str) -> str:
    for pat, kind in R.YRKANDE_KIND_RULES:
        if pat.search(what):
            return kind
    return "eget"


def _yrkanden(sent: _Span, people: People, label: str, cite) -> list[Yrkande]:
    t = sent.text
    m = R.YRKAR_RE.search(t)
    who: list[tuple[str, str | None]] = []
    what = ""
    if m:
        who, what = _persons(m["who"], people), m["what"]
    else:
        inv = re.search(rf"\byrkar\s+(?P<name>{R.NAME})\s*{R.PARTY}(?P<what>.*)", t)
        if inv:
            name = people.resolve(inv["name"])
            who, what = [(name, party_code(inv["party"]) or people.party(name))], inv["what"]
    extra = re.match(r"^\s*,?\s*med instämmande (?:av|från)\s+(?P<with>.+?),\s*(?P<what>.*)$", what)
    if extra:
        who += _persons(extra["with"], people)
        what = extra["what"]
    kind = _yrkande_kind(what)
    out = []
    for name, party in who:
        name = people.add(name, party)
        out.append(Yrkande(label, name, party or people.party(name), kind, t, cite(sent.start, sent.end)))
    return out


def _proposition(para: _Span, people: People, label: str, cite) -> Proposition:
    m = R.PROPOSITION_RE.match(para.text)
    assert m
    put = [people.resolve(x["name"]) for x in R.PUT_RE.finditer(m["body"])]
    won = [people.resolve(x["name"]) for x in R.PUT_RE.finditer(m["finding"])]
    winner = won[0] if won else (put[0] if put and R.SO_IT_IS_RE.search(m["finding"]) and len(put) == 1 else None)
    return Proposition(label, list(dict.fromkeys(put)), winner, people.party(winner) if winner else None,
                       para.text, cite(para.start, para.end))


def _reservation(sent: _Span, people: People, label: str, cite) -> Reservation | None:
    t = sent.text
    persons = _persons(t, people)
    party = None
    if persons:
        parties = {p for _, p in persons}
        party = parties.pop() if len(parties) == 1 else None
    elif re.search(r"\breserver", t) and (g := R.PARTY_GROUP_RE.search(t)):
        party = R.PARTY_NAMES[g["group"].lower()] if g["group"] else g["letter"]
    else:
        return None
    against = R.RESERVATION_AGAINST_RE.search(t)
    bilaga = R.BILAGA_RE.search(t)
    return Reservation(label, [n for n, _ in persons], party, against["against"].strip() if against else None,
                       bool(R.WRITTEN_RE.search(t)), bilaga["bilaga"] if bilaga else None, cite(sent.start, sent.end))


def _anteckning(sent: _Span, para: _Span, people: People, label: str, cite) -> Anteckning | None:
    persons = _persons(sent.text, people)
    if not persons:
        return None
    parties = {p for _, p in persons}
    return Anteckning(label, [n for n, _ in persons], parties.pop() if len(parties) == 1 else None, para.text,
                      cite(para.start, para.end))


@dataclass
class _VoteHead:
    """The columns of a vote list table: the marks' columns and what an X there means."""
    marks: dict[int, str]
    party: int | None
    substitute: int | None


def _vote_table_head(text: str) -> _VoteHead | None:
    """A header row "…\tJa\tNej\tAvstår" (Ja next to Nej), with its party and ersättare columns."""
    cells = [c.strip() for c in text.split("\t")]
    low = [c.lower() for c in cells]
    at = next((i for i in range(len(low) - 1) if low[i] == "ja" and low[i + 1] == "nej"), None)
    if at is None or (at == 0 and cells[0]):  # "Ja" must not be the person column
        return None
    marks = {}
    for i in range(at, len(low)):
        if low[i] not in R.VOTE_COLUMN_HEADS:
            break
        marks[i] = R.VOTE_COLUMN_HEADS[low[i]]
    party = next((i for i, c in enumerate(cells[:at]) if R.VOTE_PARTY_HEAD_RE.match(c)), None)
    sub = next((i for i, c in enumerate(cells[1:at], 1) if R.VOTE_SUBSTITUTE_HEAD_RE.match(c)), None)
    return _VoteHead(marks, party, sub)


def _vote_table_row(text: str, head: _VoteHead, people: People) -> tuple[str, str | None, str] | None:
    """A row of a vote list table as (who voted, party, choice): exactly one mark under the
    mark columns; the ersättare in the ersättare column votes for the ledamot. None otherwise."""
    cells = [c.strip() for c in text.split("\t")]
    marks = [head.marks[i] for i, c in enumerate(cells) if i in head.marks and c in R.VOTE_MARKS]
    if len(marks) != 1 or any(c for i, c in enumerate(cells) if i in head.marks and c not in R.VOTE_MARKS):
        return None  # no mark, two marks or a word under a mark column: not read as a vote
    sub = cells[head.substitute] if head.substitute is not None and head.substitute < len(cells) else ""
    who = sub or cells[0]
    m = R.VOTE_PERSON_CELL_RE.match(who)
    if not m:
        return None
    party = party_code(m["party"])
    if party is None and head.party is not None and head.party < len(cells):
        party = party_code(cells[head.party] or None)
    name = people.add(m["name"], party)
    return name, party or people.party(name), marks[0]


def _vote(sec_lines: list[Line], people: People, label: str, cite) -> Vote | None:
    start = next((ln for ln in sec_lines if R.VOTE_MARK_RE.search(ln.text)), None)
    assert start is not None
    head: _VoteHead | None = None
    votes: list[tuple[str, str | None, str]] = []
    totals: dict[str, int | None] = {"ja": None, "nej": None, "avstar": None}
    ja_means = None
    end = start
    for ln in sec_lines[sec_lines.index(start):]:
        if "\t" in ln.text and (h := _vote_table_head(ln.text)):
            head = h
            end = ln
            continue
        if head is not None and "\t" in ln.text:
            if row := _vote_table_row(ln.text, head, people):
                votes.append(row)
                end = ln
                continue
        if (m := R.VOTE_ROW_RE.match(ln.text)) and not R.VOTE_HEAD_WORDS_RE.match(ln.text):
            cells = [c.strip() for c in (m["cells"] or "").split("\t")]
            word = R.VOTE_WORDS.get((m["word"] or "").lower()) or next(
                (R.VOTE_WORDS[c.lower()] for c in cells if c.lower() in R.VOTE_WORDS), None)
            if word:
                name = people.add(m["name"], party_code(m["party"]))
                votes.append((name, party_code(m["party"]) or people.party(name), word))
                end = ln
            continue
        if ja_means is None and (j := R.JA_MEANS_RE.search(ln.text)):
            ja_means = j["what"].strip()
        for key, pat in R.VOTE_TOTALS_RES.items():
            if totals[key] is None and (t := pat.search(ln.text)):
                totals[key] = int(next(g for g in t.groups() if g))
                end = ln
    if not votes and totals["ja"] is None:
        return None
    if votes and totals["ja"] is None:
        totals = {k: sum(1 for v in votes if v[2] == c) for k, c in (("ja", "ja"), ("nej", "nej"), ("avstar", "avstår"))}
    if totals["ja"] is not None and totals["avstar"] is None and votes:
        totals["avstar"] = sum(1 for v in votes if v[2] == "avstår")
    return Vote(label, totals["ja"], totals["nej"], totals["avstar"], votes, cite(start.start, end.end), ja_means)
