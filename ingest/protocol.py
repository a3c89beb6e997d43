"""Protocol facts from a structured Document: a pure function, `protocol_facts(doc)`.

After parse_structure, every run of § sections of one organ and date (a protokoll, or another
organ's protocol inside a bundle) is one protocol. Its front matter (and the lines after its
last §, where a digitally signed protocol puts its justering) gives the meeting, the roles and
the närvarolista; each § gives yrkanden, propositionsordning, omröstning, reservationer,
protokollsanteckningar and jäv, by the patterns in protocol_rules.py. A protocol the parser
cannot read whole is still indexed as text; what is missing is one line in `notes` and the log.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from namndsok.facts import (Anteckning, Attendance, Cite, Jav, Meeting, Proposition, ProtocolFacts, Reservation,
                            Role, Vote, Yrkande)
from namndsok.model import Document, Section

from . import protocol_rules as R
from . import rules
from .lines import Line, split_lines

log = logging.getLogger(__name__)

TAIL_LINES = 40  # how far after the last § a justering block is looked for
TAIL_CHARS = 4000
_HEADINGS = rules.SUBHEADINGS | {"jäv", "omröstningsresultat", "reservationer", "protokollsanteckningar", "underskrifter"}
# a § without any of these words holds no yrkande, proposition, vote, reservation, note or jäv
# (plain substring tests on lower-cased text: an IGNORECASE alternation over a long § is slow)
_FACT_WORDS = ("yrka", "reserv", "jäv", "anteckn", "finner", "omröstning", "votering")


def _has_fact_words(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in _FACT_WORDS)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """One key for the spellings of a name: "Zethräus" = "Zethraeus", case and hyphens aside."""
    low = re.sub(r"[\s-]+", " ", name.lower()).strip()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("å", "aa"), ("é", "e"), ("ü", "ue")):
        low = low.replace(a, b)
    return low


class People:
    """The people of one protocol: a name as first written (närvarolista, roles) and its party."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.parties: dict[str, str] = {}

    def add(self, name: str, party: str | None) -> str:
        canon = self.resolve(name, add=True)
        if party and party != "-" and canon not in self.parties:
            self.parties[canon] = party
        return canon

    def resolve(self, name: str, add: bool = False) -> str:
        """The name as first written; a genitive ("Fletchers") and a leading capitalised word
        ("Vidare Anna Ek") fall back to a known name."""
        name = re.sub(r"\s+", " ", name).strip()
        words = name.split(" ")
        for n in range(len(words) - 1):
            cand = " ".join(words[n:])
            for form in (cand, cand[:-1] if cand.endswith("s") else None):
                if form and name_key(form) in self.names:
                    return self.names[name_key(form)]
        if add:
            self.names[name_key(name)] = name
        return name

    def party(self, name: str) -> str | None:
        return self.parties.get(self.resolve(name))


@dataclass
class _Span:
    start: int
    end: int
    text: str  # whitespace made single spaces


def _party(raw: str | None) -> str | None:
    if not raw or raw == "-":
        return None
    return raw.upper() if len(raw) <= 2 else raw


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
    groups = _groups(doc)
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
    meeting = _meeting(front_lines, organ, date, cite, front)
    attendance, extra_roles = _attendance(front_lines, people, cite)
    if not attendance:
        notes.append("ingen närvarolista lästes")
    roles = _roles(front_lines, people, cite) + _roles(tail_lines, people, cite)
    roles = _merge_roles(roles + extra_roles)
    facts = ProtocolFacts(doc.source, doc.sha256, meeting, False, [s.label for s in paras],
                          roles=roles, attendance=attendance, notes=notes)
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


# ---------------------------------------------------------------- front matter


def _meeting(front: list[Line], organ, date, cite, sec: Section | None) -> Meeting:
    time = place = None
    used = []
    for ln in front[:60]:
        if time is None and (m := R.TIME_RE.search(ln.text)):
            time = re.sub(r"\s+", "", m["time"]).replace("–", "-")
            used.append(ln)
        if place is None and (m := R.PLACE_RE.match(ln.text)):
            place = m["place"].strip()
            used.append(ln)
    if used:
        s, e = min(x.start for x in used), max(x.end for x in used)
    else:
        s, e = (sec.start, min(sec.end, sec.start + 200)) if sec else (0, 0)
    return Meeting(organ, date, time, place, cite(s, e))


def _heading_kind(text: str) -> tuple[str, str] | None:
    head, _, rest = text.partition("\t")
    for pat, kind in R.ATTENDANCE_HEADINGS:
        if pat.match(head.strip()) or pat.match(text):
            return kind, (rest.strip() if not pat.match(text) else "")
    return None


def _attendance(front: list[Line], people: People, cite) -> tuple[list[Attendance], list[Role]]:
    out: list[Attendance] = []
    roles: list[Role] = []
    kind = None
    table: list[str] | None = None
    for ln in front:
        text = ln.text
        if not text:
            continue
        if R.ATTENDANCE_TABLE_HEAD_RE.match(text):
            table, kind = [c.strip().lower() for c in text.split("\t")], None
            continue
        if R.SPACED_TABLE_HEAD_RE.match(text):
            table, kind = ["spaced"], None
            continue
        if table == ["spaced"]:
            row = _spaced_row(text, people, cite(ln.start, ln.end))
            if row:
                out.extend(row)
                continue
            table = None
        if R.ATTENDANCE_END_RE.match(text):
            kind = table = None
            continue
        heading = _heading_kind(text)
        if heading:
            kind, table = heading[0], None
            if not heading[1]:
                continue
            text = heading[1]
        if table is not None:
            row = _table_row(table, text.split("\t") if "\t" in ln.text else [text], people, cite(ln.start, ln.end))
            if row:
                out.extend(row)
                continue
            table = None
        if kind is None:
            continue
        got = _person_line(kind, text, people, cite(ln.start, ln.end))
        if got is None:
            kind = None
            continue
        out.append(got)
    for a in out:
        fn = (a.function or "").lower()
        if a.kind == "ledamot" and fn.startswith("ordf"):
            roles.append(Role("ordförande", a.person, a.party, None, a.cite))
        elif a.kind == "ledamot" and "vice ordf" in fn:
            roles.append(Role("vice ordförande", a.person, a.party, None, a.cite))
    return out, roles


def _person_line(kind: str, text: str, people: People, c: Cite) -> Attendance | None:
    m = R.PERSON_LINE_RE.match(text)
    if not m:
        return None
    party = _party(m["party"])
    rest = (m["rest"] or "").strip() or None
    serving_for = paragraphs = None
    if rest:
        if f := R.SERVING_FOR_RE.search(rest):
            serving_for = people.add(f["name"], _party(f["party"]))
            kind = "ersättare"
        if p := R.PARAS_RE.search(rest):
            paragraphs = p["paras"].strip()
        if serving_for or paragraphs:
            rest = None if serving_for else rest
    name = people.add(m["name"], party)
    return Attendance(kind, name, party, c, serving_for, paragraphs, rest)


def _table_row(head: list[str], cells: list[str], people: People, c: Cite) -> list[Attendance] | None:
    """A närvarolista table row: party, ledamot (", ordförande"), present X, ersättare, §§."""
    cells = [x.strip() for x in cells] + [""] * max(0, len(head) - len(cells))
    col = lambda *names: next((i for i, h in enumerate(head) if any(h.startswith(n) for n in names)), None)  # noqa: E731
    i_party, i_name = col("parti"), col("ledam", "namn")
    if i_name is None or i_name >= len(cells):
        return None
    m = R.PERSON_LINE_RE.match(cells[i_name])
    if not m:
        return None
    party = _party(cells[i_party]) if i_party is not None and cells[i_party] else _party(m["party"])
    name = people.add(m["name"], party)
    i_present, i_sub, i_paras = col("närv"), col("ersättare", "tjänstg"), None
    for i, h in enumerate(head):
        if "§" in h and i != i_sub:
            i_paras = i
    present = i_present is None or cells[i_present].upper().startswith("X")
    sub = cells[i_sub] if i_sub is not None else ""
    paras = cells[i_paras] if i_paras is not None else ""
    out = []
    sm = R.PERSON_LINE_RE.match(sub) if sub else None
    if sm:
        sub_name = people.add(sm["name"], _party(sm["party"]) or party)
        out.append(Attendance("ersättare", sub_name, _party(sm["party"]) or party, c, name,
                              R.PARAS_RE.sub(r"\g<paras>", paras).strip() or None))
    if present:
        out.insert(0, Attendance("ledamot", name, party, c, function=(m["rest"] or "").strip() or None,
                                 paragraphs=None))
    elif not sm or paras:
        out.insert(0, Attendance("frånvarande", name, party, c))
    return out


def _spaced_row(text: str, people: People, c: Cite) -> list[Attendance] | None:
    """A närvarolista row whose cells lost their tabs (PDF text): see SPACED_TABLE_ROW_RE."""
    m = R.SPACED_TABLE_ROW_RE.match(text)
    if not m:
        return None
    party = _party(m["party"])
    name = people.add(m["name"], party)
    out = []
    if m["present"]:
        out.append(Attendance("ledamot", name, party, c, function=(m["function"] or "").strip() or None))
    else:
        out.append(Attendance("frånvarande", name, party, c))
    if m["sub"]:
        sub_party = _party(m["sub_party"]) or party
        out.append(Attendance("ersättare", people.add(m["sub"], sub_party), sub_party, c, name, m["paras"]))
    return out


def _roles(region: list[Line], people: People, cite) -> list[Role]:
    """Roles from a signature block ("Fredrik Zethraeus / Sekreterare, §§ 10:1-10:8", or
    "Sekreterare / [signature] / Johanna Hansson") and labelled lines ("Justerare\tBo Ek (M)")."""
    out: list[Role] = []
    body = [ln for ln in region if ln.text]
    names_before: bool | None = None
    for n, ln in enumerate(body):
        m = R.ROLE_LINE_RE.match(ln.text)
        if m is None:
            a = R.APPOINTED_JUSTERARE_RE.match(ln.text)
            if a and (p := R.PERSON_RE.search(a["rest"])):
                name = people.add(p["name"], _party(p["party"]))
                out.append(Role("justerare", name, _party(p["party"]), None, cite(ln.start, ln.end)))
            elif (d := R.JUSTERING_DATE_RE.match(ln.text)) or (d := R.SIGNED_RE.match(ln.text)):
                out.append(Role("justeringsdatum", None, None, None, cite(ln.start, ln.end), date=d["date"]))
            continue
        role = R.ROLE_WORDS.get(re.sub(r"^(?:1:e|2:e)\s+", "", m["role"].lower()), m["role"].lower())
        paras = R.PARAS_RE.search(m["paras"])["paras"].strip() if m["paras"] else None
        found: tuple[str, str | None, Line] | None = None
        signed: str | None = None
        if m["rest"] and (p := R.PERSON_LINE_RE.match(m["rest"].strip(" .\t…"))):
            found = (p["name"], _party(p["party"]), ln)
        else:
            prev = body[n - 1] if n else None
            prev_person = prev is not None and R.PERSON_LINE_RE.match(prev.text) and not R.ROLE_LINE_RE.match(prev.text)
            if names_before is None:
                names_before = bool(prev_person)
            if names_before and prev_person:
                p = R.PERSON_LINE_RE.match(prev.text)
                found = (p["name"], _party(p["party"]), prev)
            elif not names_before:
                for nxt in body[n + 1 : n + 6]:
                    s = R.SIGNATURE_RE.match(nxt.text)
                    if s and s["year"]:
                        signed = f"{s['year']}-{R.MONTHS_EN.get(s['mon'], 1):02d}-{int(s['day']):02d}"
                        continue
                    if s and s["iso"]:
                        signed = s["iso"]
                        continue
                    if re.fullmatch(r"[._…\s]+", nxt.text):
                        continue
                    if R.ROLE_LINE_RE.match(nxt.text):
                        break
                    p = R.PERSON_LINE_RE.match(nxt.text)
                    if p:
                        found = (p["name"], _party(p["party"]), nxt)
                    break
        if found is None:
            continue
        name = people.add(found[0], found[1])
        other = found[2]
        s, e = min(ln.start, other.start), max(ln.end, other.end)
        out.append(Role(role, name, found[1], paras, cite(s, e)))
        if role == "justerare" and signed:
            out.append(Role("justeringsdatum", None, None, None, cite(s, e), date=signed))
    return out


def _merge_roles(roles: list[Role]) -> list[Role]:
    """One role per (role, person): the signature block's § range fills the närvarolista's gap."""
    out: list[Role] = []
    for r in roles:
        same = next((o for o in out if o.role == r.role and o.person == r.person
                     and (r.person is not None or o.date == r.date)), None)
        if same is None:
            out.append(r)
        else:
            same.party = same.party or r.party
            same.paragraphs = same.paragraphs or r.paragraphs
    dates = [r for r in out if r.role == "justeringsdatum"]
    return [r for r in out if r.role != "justeringsdatum"] + dates[-1:]


# ---------------------------------------------------------------- inside a §


def _persons(text: str, people: People) -> list[tuple[str, str | None]]:
    out = []
    for m in R.PERSON_RE.finditer(text):
        party = _party(m["party"])
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
            if R.JAV_RE.search(t) and not R.JAV_NOT_RE.search(t):
                for name, party in _persons(t, people):
                    facts.jav.append(Jav(label, name, party, cite(sent.start, sent.end)))
    if any(("omröstning" in p.text.lower() or "votering" in p.text.lower()) and R.VOTE_MARK_RE.search(p.text)
           for p in paragraphs):
        vote = _vote(sec_lines, people, label, cite)
        if vote:
            facts.votes.append(vote)


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
            who, what = [(name, _party(inv["party"]) or people.party(name))], inv["what"]
    extra = re.match(rf"^\s*,?\s*med instämmande (?:av|från)\s+(?P<with>.+?),\s*(?P<what>.*)$", what)
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


def _vote(sec_lines: list[Line], people: People, label: str, cite) -> Vote | None:
    start = next((ln for ln in sec_lines if R.VOTE_MARK_RE.search(ln.text)), None)
    assert start is not None
    head: list[str] | None = None
    votes: list[tuple[str, str | None, str]] = []
    totals: dict[str, int | None] = {"ja": None, "nej": None, "avstar": None}
    ja_means = None
    end = start
    for ln in sec_lines[sec_lines.index(start):]:
        if R.VOTE_HEAD_RE.match(ln.text):
            head = [c.strip().lower() for c in ln.text.split("\t")][1:]
            end = ln
            continue
        if (m := R.VOTE_ROW_RE.match(ln.text)) and not R.VOTE_HEAD_WORDS_RE.match(ln.text):
            cells = [c.strip() for c in (m["cells"] or "").split("\t")]
            word = R.VOTE_WORDS.get((m["word"] or "").lower()) or next(
                (R.VOTE_WORDS[c.lower()] for c in cells if c.lower() in R.VOTE_WORDS), None)
            marks = [i for i, c in enumerate(cells) if c.upper() == "X"] if head is not None else []
            if word or (marks and marks[0] < len(head or [])):
                choice = word or {"ja": "ja", "nej": "nej"}.get((head or [])[marks[0]], "avstår")
                name = people.add(m["name"], _party(m["party"]))
                votes.append((name, _party(m["party"]) or people.party(name), choice))
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
