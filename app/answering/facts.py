"""Answers from protocol facts: roles, attendance, yrkanden, propositionsordning, votes,
reservations, protokollsanteckningar and jäv, each line cited to the chunk that holds it.

`answer_from_facts` returns None for a question that is not about these, so the normal
pipeline runs. A protocol the parser read completely gives true negatives ("Inga
reservationer antecknades vid … [1]"); one it did not read whole gives none.
"""

from __future__ import annotations

import re

from namndsok.facts import Cite, ProtocolFacts, continued
from namndsok.ingest.protocol import name_key
from namndsok.model import Hit

from .fact_question import (SUBJECT_MIN_SHARE, SUBJECT_MIN_WORDS, Scope, date_matches, names_of,
                            organ_score, party_of_text, scope_of, stems, subject_in, subject_in_words)
from .fact_absent import meeting_name, party_absent, substitute_lines
from .fact_absent import who as _who
from .fact_words import PARTY_FULL
from .result import NO_ANSWER, Answer

__all__ = ["answer_from_facts"]


def select_protocols(protocols: list[ProtocolFacts], scope: Scope, filters=None,
                     texts: dict[tuple[str, int], str] | None = None) -> list[ProtocolFacts]:
    out = []
    for p in protocols:
        organ = (p.meeting.organ or "").lower()
        if filters is not None:
            if getattr(filters, "organ", None) and filters.organ.lower() not in organ:
                continue
            if getattr(filters, "doc_type", None) not in (None, "", "protokoll", "kallelse"):
                continue  # a tjänsteutlåtande or a report holds no protocol
            if getattr(filters, "source", None) and filters.source != p.source:
                continue
            if getattr(filters, "date_from", None) and not (p.meeting.date and p.meeting.date >= filters.date_from):
                continue
            if getattr(filters, "date_to", None) and not (p.meeting.date and p.meeting.date <= filters.date_to):
                continue
        if scope.organ_words and not organ_score(scope.organ_words, p):
            continue
        if not date_matches(scope.date, p.meeting.date):
            continue
        if scope.paragraph and not any(lab.endswith(f"§ {scope.paragraph}") for lab in p.paragraphs):
            continue
        if len(scope.subject) >= SUBJECT_MIN_WORDS and texts is not None and not scope.paragraph:
            # (a § named and found in this protocol is reason enough)
            # "Who chaired the SRO meeting?" names a meeting that is no parsed protocol
            low = texts.get((p.sha256, p.meeting.cite.start), "")
            if sum(1 for w in scope.subject if subject_in(w, low)) < SUBJECT_MIN_SHARE * len(scope.subject):
                continue
        out.append(p)
    if scope.organ_words and out:
        # "kommunstyrelsen" is Kommunstyrelsen, not Kommunstyrelsens produktionsutskott
        best = max(organ_score(scope.organ_words, p) for p in out)
        out = [p for p in out if organ_score(scope.organ_words, p) == best]
    return out


class _Citer:
    """Markers for cited facts: one per chunk, in order of first use."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.hits: list[Hit] = []
        self.highlights: dict[int, list[str]] = {}
        self._by_chunk: dict[int, int] = {}
        self._docs = {d.sha256: d for d in searcher.documents}

    def mark(self, cite: Cite) -> str:
        chunk = self._chunk(cite)
        if chunk is None:
            return ""
        n = self._by_chunk.setdefault(chunk.id, len(self.hits))
        if n == len(self.hits):
            self.hits.append(Hit(chunk, 1.0, {"facts": 1.0}))
        doc = self._docs.get(cite.sha256)
        if doc is not None:
            for line in doc.text[cite.start:cite.end].split("\n"):
                line = line.strip()
                if line and line not in self.highlights.setdefault(n, []):
                    self.highlights[n].append(line)
        return f" [{n + 1}]"

    def _chunk(self, cite: Cite):
        best = None
        for c in _chunks_of(self.searcher).get(cite.sha256, []):
            if not (c.start <= cite.start < c.end):
                continue
            if c.end >= cite.end:
                return c
            best = best or c
        return best


def _cached(searcher, key: str, build):
    """A table built once per loaded index (kept on the searcher: a new index means a new searcher)."""
    cache = searcher.__dict__.setdefault("_protocol_facts_cache", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _chunks_of(searcher) -> dict[str, list]:
    def build():
        out: dict[str, list] = {}
        for c in searcher.chunks:
            out.setdefault(c.doc_sha256, []).append(c)
        return out
    return _cached(searcher, "chunks", build)


def _heading_before(doc, cite: Cite) -> Cite | None:
    """The list's heading ("Frånvarande", "Beslutande", "Övriga närvarande\tFunktion"): the
    nearest line above the first person, when it is short and names nobody."""
    if doc is None:
        return None
    end = doc.text.rfind("\n", 0, cite.start)
    while end > 0:
        start = doc.text.rfind("\n", 0, end) + 1
        line = doc.text[start:end].strip()
        if line:
            if len(line) <= 40 and "," not in line and not re.search(r"\(\w{1,3}\)", line):
                return Cite(cite.source, cite.sha256, cite.section, start, end)
            return None
        end = start - 1
    return None


def _genitive(name: str, party: str | None) -> str:
    """"Michaela Fletchers (M)": a Swedish genitive (no s after s, x or z)."""
    g = name if name[-1:].lower() in "sxz" else name + "s"
    return f"{g} ({party})" if party else g


def _section_matches(label: str, p: ProtocolFacts, scope: Scope, titles: dict) -> bool:
    return scope.sections is None or label in scope.sections


def _sections_asked(p: ProtocolFacts, scope: Scope, titles: dict, doc) -> list[str] | None:
    """The §§ a question is about: the one it names, else those whose title names its matter,
    else those whose text does; None (all) when it names no § and its words name no matter here."""
    labels = [lab for lab in p.paragraphs if not scope.paragraph or lab.endswith(f"§ {scope.paragraph}")]
    if scope.subject:
        want = scope.subject
        by_title = [lab for lab in labels if any(subject_in_words(w, stems(_title(titles, lab))) for w in want)]
        if by_title:
            return by_title
        if doc is not None:
            by_text = [lab for lab in labels if lab in titles
                       and any(subject_in_words(w, stems(doc.text[titles[lab].start:titles[lab].end])) for w in want)]
            if by_text:
                return by_text
    return labels if scope.paragraph else None


def _title(titles: dict, label: str) -> str:
    sec = titles.get(label)
    return sec.title if sec is not None else ""


def _titles(searcher, p: ProtocolFacts) -> dict:
    """§ label → its Section (title, start, end)."""
    doc = next((d for d in searcher.documents if d.sha256 == p.sha256), None)
    return {s.label: s for s in doc.sections} if doc else {}


_REMOTE_RE = re.compile(r"teams|zoom|skype|digital|distans|video|webb|online", re.IGNORECASE)
_SPAN_RE = re.compile(r"(\d{1,2})[.:](\d{2})\s*[-–]\s*(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})")
_MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NOUNS = {"yrkande": ("yrkande", "yrkanden"), "reservation": ("reservation", "reservationer"),
          "anteckning": ("protokollsanteckning", "protokollsanteckningar"), "jav": ("jäv", "jäv"),
          "vote": ("omröstning", "omröstningar")}
_NOUN_ASKED = {"yrkande": re.compile(r"yrkande", re.I), "reservation": re.compile(r"reservation", re.I),
               "anteckning": re.compile(r"anteckning", re.I), "jav": re.compile(r"jäv", re.I),
               "vote": re.compile(r"omröstning|votering|\bvotes\b", re.I)}
_NONE = {"yrkande": "Inga yrkanden", "reservation": "Inga reservationer", "anteckning": "Inga protokollsanteckningar",
         "jav": "Inget jäv", "vote": "Ingen omröstning"}


def _duration(time: str | None) -> str:
    """"08.00-08.48" → " (48 min)"; "" when the time is no span."""
    m = _SPAN_RE.search(time or "")
    if not m:
        return ""
    minutes = (int(m[3]) * 60 + int(m[4])) - (int(m[1]) * 60 + int(m[2]))
    if minutes <= 0:
        return ""
    h, mm = divmod(minutes, 60)
    return " (" + " ".join(x for x in (f"{h} tim" if h else "", f"{mm} min" if mm else "") if x) + ")"


def _signature(doc, p: ProtocolFacts, person: str) -> tuple[str, Cite] | None:
    """When `person` signed, from an e-signature line ("[Ulf Olsson (Jun 22, 2023 13:40 GMT+2)](#)")
    or the signing service's log ("e-signed by Ulf Olsson … Signature Date: 2023-06-22 - 11:40:58 AM GMT")."""
    text = doc.text
    start = p.meeting.cite.start
    name = re.escape(person).replace("\\ ", r"\s+")
    m = re.compile(name + r"\s*\\?\((\w{3})\w*\.? (\d{1,2}), (\d{4}),? (\d{1,2}:\d{2})(?::\d{2})? ?((?:GMT|UTC|CES?T)[+-]?\d*)\\?\)").search(text, start)
    if m and m[1].lower()[:3] in _MONTH_ABBR:
        when = f"{m[3]}-{_MONTH_ABBR.index(m[1].lower()[:3]) + 1:02d}-{int(m[2]):02d} kl. {m[4]} ({m[5]})"
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        return when, Cite(p.source, p.sha256, None, line_start, line_end if line_end >= 0 else m.end())
    m = re.compile(r"e-signed by " + name + r"[^\n]*\s+Signature Date: (\d{4}-\d{2}-\d{2}) - (\d{1,2}):(\d{2}):\d{2} (AM|PM) (GMT|UTC)").search(text, start)
    if m:
        hour = int(m[2]) % 12 + (12 if m[4] == "PM" else 0)
        sig = text.rfind("Signature Date", 0, m.end())
        return f"{m[1]} kl. {hour:02d}:{m[3]} ({m[5]})", Cite(p.source, p.sha256, None, sig, text.find("\n", sig))
    return None


def _justering_line(what: str, r, cit: "_Citer") -> str:
    """When a protocol was justerat; a deadline ("justeras senast måndag 21 september") is said as one."""
    said = _verbatim(cit, r.cite)
    if re.search(r"\bsenast\b", said, re.IGNORECASE):
        return f"{what} skulle justeras senast {r.date}: »{said}«{cit.mark(r.cite)}"
    return f"{what} justerades {r.date}{cit.mark(r.cite)}"


def _meeting_line(p: ProtocolFacts, cit: _Citer) -> str | None:
    m = p.meeting
    if not (m.place or m.time):
        return None
    where = f"Plats: {m.place}" if m.place else ""
    if m.place and _REMOTE_RE.search(m.place):
        where += " (på distans, inte fysiskt)"
    when = f"tid: {m.date or ''} kl. {m.time}{_duration(m.time)}".replace("  ", " ") if m.time else ""
    return f"{meeting_name(p)}: " + ", ".join(x for x in (where, when) if x) + cit.mark(m.cite)


def _scoped(scope: Scope, p: ProtocolFacts, titles: dict) -> tuple[str, Cite]:
    """How far a "none recorded" reaches, and where to cite it: the §§ asked about (named, or
    those on the matter) or the whole meeting."""
    secs = [lab for lab in (scope.sections or []) if lab in titles]
    if secs:
        sec = titles[secs[0]]
        names = secs[0] if len(secs) == 1 else ", ".join(secs[:-1]) + " och " + secs[-1]
        return f"i {names} ({meeting_name(p)})", Cite(p.source, p.sha256, secs[0], sec.start, min(sec.end, sec.start + 200))
    return f"vid {meeting_name(p)} ({p.range_label()})", p.meeting.cite


def _lines_for(p: ProtocolFacts, scope: Scope, cit: _Citer, titles: dict) -> list[str]:
    name = meeting_name(p)
    in_scope = lambda lab: _section_matches(lab, p, scope, titles)  # noqa: E731
    if scope.by_role and not scope.person:
        held = [r.person for r in p.roles if r.role == scope.by_role and r.person]
        scope = Scope(**{**vars(scope), "person": name_key(held[0]) if held else "\0"})
    person_ok = lambda n, party: ((scope.person is None or name_key(n) == scope.person)  # noqa: E731
                                  and (scope.party is None or party == scope.party))
    front = p.meeting.cite
    out: list[str] = []
    for kind in scope.kinds:
        if kind == "meeting":
            if line := _meeting_line(p, cit):
                out.append(line)
        elif kind == "signed":
            doc = cit._docs.get(p.sha256)
            wanted = [r for r in p.roles if r.person and r.role != "justeringsdatum"
                      and (name_key(r.person) == scope.person if scope.person else (not scope.roles or r.role in scope.roles))]
            for r in wanted:
                sig = _signature(doc, p, r.person) if doc is not None else None
                if sig:
                    out.append(f"{_who(r.person, r.party)} ({r.role}) skrev under protokollet från {name}: "
                               f"{sig[0]}" + "".join(dict.fromkeys((cit.mark(sig[1]), cit.mark(r.cite)))))
            if not out:
                out += [_justering_line(f"Protokollet från {name}", r, cit) for r in p.roles
                        if r.role == "justeringsdatum" and r.date]
        elif kind == "role":
            for r in p.roles:
                if r.role == "justeringsdatum":
                    if "justerare" in scope.roles:
                        out.append(_justering_line("Protokollet", r, cit))
                    continue
                if (not scope.roles or r.role in scope.roles) and r.person and _ordinal_ok(scope, r, cit):
                    where = f" (§§ {r.paragraphs})" if r.paragraphs else ""
                    marks = "".join(dict.fromkeys(cit.mark(c) for c in [r.cite, *r.also]))
                    out.append(f"{r.role.capitalize()} vid {name} var {_who(r.person, r.party)}{where}{marks}")
        elif kind == "attendance":
            out += _attendance_lines(p, scope, cit, person_ok)
        elif kind == "proposition":
            found = [x for x in p.propositions if in_scope(x.section)]
            if scope.contested:
                found = [x for x in found if len(x.put) >= 2]
                if not found:
                    out.append(f"Inga yrkanden ställdes mot varandra vid {name} ({p.range_label()}){cit.mark(front)}")
            if scope.times:
                found = [x for x in found if len(x.put) >= 2]
                n = len(found)
                times = "Ingen gång" if n == 0 else ("En gång" if n == 1 else f"{n} gånger")
                where = ", ".join(x.section for x in found)
                out.append(f"{times} ställdes två eller fler yrkanden mot varandra vid {name} ({p.range_label()})"
                           + (f": {where}" if where else "") + cit.mark(found[0].cite if found else front))
            for x in found:
                line = f"{x.section}: {' '.join(x.text.split())}{cit.mark(x.cite)}"
                won = [y for y in p.yrkanden if y.section == x.section and x.winner and name_key(y.person) == name_key(x.winner)]
                if won:
                    line += f"\nBeslutet blev enligt {_genitive(x.winner, x.winner_party)} yrkande: " \
                            f"{' '.join(won[0].text.split())}{cit.mark(won[0].cite)}"
                out.append(line)
        elif kind == "yrkande":
            found = [y for y in p.yrkanden if in_scope(y.section) and person_ok(y.person, y.party)
                     and (scope.yrkande_kind is None or y.kind == scope.yrkande_kind
                          or scope.yrkande_kind in y.text.lower())]
            out += _counted(scope, kind, found, p, titles, cit)
            if scope.yrkande_kind:  # "Återremitterades något ärende?": the yrkande and how it went
                for y in found:
                    out.append(f"{y.section}: {y.text}{cit.mark(y.cite)}")
                    out += [f"{x.section}: {' '.join(x.text.split())}{cit.mark(x.cite)}" for x in p.propositions
                            if x.section == y.section]
                continue
            for y in found:
                doc = cit._docs.get(p.sha256)
                whole = continued(doc.text, y.cite) if doc is not None else y.cite
                text = _verbatim(cit, whole) if whole is not y.cite else y.text
                out.append(f"{y.section}: {text}{cit.mark(whole)}")
        elif kind == "vote":
            found = [v for v in p.votes if in_scope(v.section)]
            out += _counted(scope, kind, found, p, titles, cit)
            for v in found:
                head = f"{v.section}: omröstning, {v.ja} ja, {v.nej} nej, {v.avstar or 0} avstår"
                mine = [f"{_who(n, pa)} {c}" for n, pa, c in v.votes
                        if person_ok(n, pa) and (scope.choice is None or c == scope.choice)]
                shown = mine and (scope.party or scope.person or scope.choice)
                out.append(head + (" – " + ", ".join(mine) if shown else "")
                           + cit.mark(v.cite))
        elif kind in ("reservation", "anteckning", "jav"):
            items = {"reservation": p.reservations, "anteckning": p.anteckningar, "jav": p.jav}[kind]
            found = [x for x in items if in_scope(x.section)
                     and (scope.party is None or x.party == scope.party)
                     and (scope.person is None or any(name_key(n) == scope.person for n in _persons_of(x)))]
            out += _counted(scope, kind, found, p, titles, cit)
            for x in found:
                if kind == "jav":
                    out.append(f"{x.section}: {_who(x.person, x.party)} anmälde jäv{cit.mark(x.cite)}")
                else:
                    out.append(f"{x.section}: {_verbatim(cit, x.cite)}{cit.mark(x.cite)}")
    return out


_ORDINAL_RE = re.compile(r"\b(1|2|3):e\b|\b(första|förste|andra|andre|tredje|first|second|third)\b", re.IGNORECASE)
_ORDINALS = {"första": "1", "förste": "1", "first": "1", "andra": "2", "andre": "2", "second": "2", "tredje": "3",
             "third": "3"}


def _ordinal_ok(scope: Scope, r, cit: _Citer) -> bool:
    """"1:e vice ordförande" is the one whose line says 1:e (or första)."""
    m = _ORDINAL_RE.search(scope.question) if r.role == "vice ordförande" else None
    if not m:
        return True
    want = m[1] or _ORDINALS[m[2].lower()]
    said = _verbatim(cit, r.cite).lower()
    return f"{want}:e" in said or any(w in said for w, n in _ORDINALS.items() if n == want)


def _counted(scope: Scope, kind: str, found: list, p: ProtocolFacts, titles: dict, cit: _Citer) -> list[str]:
    """The head of a list: a count when one was asked, "none recorded" when none is (a protocol
    read completely only), naming whose and which § when the question did."""
    if found:
        one, many = _NOUNS[kind]
        head = f"{len(found)} {one if len(found) == 1 else many} antecknades {_scoped(scope, p, titles)[0]}"
        return [head + cit.mark(found[0].cite)] if scope.count and _NOUN_ASKED[kind].search(scope.question) else []
    if not p.complete:
        return []
    where, cite = _scoped(scope, p, titles)
    who = ""
    if kind == "vote":
        pass  # a vote is the organ's, not a party's: "Ingen omröstning antecknades …"
    elif scope.person:
        shown = next((n for n in names_of(p) if name_key(n) == scope.person), scope.person)
        who = f" från {_who(shown, p.party_of(shown))}"
    elif scope.party:
        who = f" från {scope.party}"
    if kind == "yrkande" and scope.yrkande_kind:
        who = f" om {scope.yrkande_kind}{who}"  # "Inga yrkanden om återremiss …": the others are not denied
    return [f"{_NONE[kind]}{who} antecknades {where}{cit.mark(cite)}"]


def _attendance_lines(p: ProtocolFacts, scope: Scope, cit: _Citer, person_ok) -> list[str]:
    name = meeting_name(p)
    if not p.attendance:
        return [f"Protokollet från {name} har ingen närvarolista som kunde läsas{cit.mark(p.meeting.cite)}"]
    groups = {"ledamot": "Närvarande ledamöter", "ersättare": "Ersättare", "övrig": "Övriga närvarande",
              "frånvarande": "Frånvarande"}
    out: list[str] = []
    if scope.substitute and scope.person:
        # "Vem ersatte Jonas Attenius?": the ersättare who served for him, then his own line
        out = substitute_lines(p, scope, cit)
        scope = Scope(**{**vars(scope), "attendance": [], "substitute": False})
    asked = set(scope.attendance)
    if "beslutande" in asked:
        asked |= {"ledamot", "ersättare"}
    if scope.count and (not asked or "beslutande" in asked):
        # the beslutande: the ledamöter present and the ersättare serving for the absent
        voting = [a for a in p.attendance if (a.kind == "ledamot" or (a.kind == "ersättare" and a.serving_for))
                  and person_ok(a.person, a.party) and (scope.place is None or name_key(a.function or "") == name_key(scope.place))]
        if voting:
            out.append(f"{len(voting)} beslutande vid {name}{cit.mark(voting[0].cite)}")
    for k, title in groups.items():
        if asked and k not in asked:
            continue
        people = [a for a in p.attendance if a.kind == k and person_ok(a.person, a.party)
                  and (scope.place is None or name_key(a.function or "") == name_key(scope.place))]
        if not people:
            if k in scope.attendance and k != "ledamot" and p.complete and not (scope.person or scope.party):
                none = {"ersättare": "Inga ersättare", "övrig": "Inga övriga närvarande", "frånvarande": "Inga frånvarande"}[k]
                out.append(f"{none} antecknades i närvarolistan vid {name}{cit.mark(p.attendance[0].cite)}")
            continue
        heading = _heading_before(cit._docs.get(p.sha256), people[0].cite)
        parts = [("", cit.mark(heading))] if heading else []
        for a in people:
            extra = f", tjänstgörande för {a.serving_for}" if a.serving_for else ""
            extra += f", §§ {a.paragraphs}" if a.paragraphs else ""
            extra += f", {a.function}" if a.function else ""  # "1:e vice ordf.", "Ekonomidirektör", "Skövde"
            parts.append((_who(a.person, a.party) + extra, cit.mark(a.cite)))
        head = f"{title} vid {name}" + (f" ({len(people)})" if scope.count else "")
        marks = {m for _, m in parts}
        if len(marks) == 1:
            out.append(f"{head}: " + "; ".join(t for t, _ in parts if t) + marks.pop())
        else:
            out.append(f"{head}: " + "; ".join(t + m for t, m in parts if t))
    if scope.place and not out and p.complete:
        # nobody sat for it: said of the närvarolista, cited where it begins
        out.append(f"Ingen från {scope.place} antecknades i närvarolistan vid {name}{cit.mark(p.attendance[0].cite)}")
    return out


def protocol_texts(searcher, protocols: list[ProtocolFacts]) -> dict[tuple[str, int], str]:
    """Each protocol's text, lower-cased: from its front matter to the end of its last §."""
    docs = {d.sha256: d for d in searcher.documents}
    out = {}
    for p in protocols:
        doc = docs.get(p.sha256)
        if doc is None:
            continue
        ends = [s.end for s in doc.sections if s.label in p.paragraphs and s.start >= p.meeting.cite.start]
        out[(p.sha256, p.meeting.cite.start)] = doc.text[p.meeting.cite.start: max(ends, default=len(doc.text))].lower()
    return out


def _about_them(chosen: list[ProtocolFacts], scope: Scope) -> list[ProtocolFacts]:
    """A person's protocols only; a party's only where it sat (unless it sat nowhere)."""
    if scope.person:
        chosen = [p for p in chosen if any(name_key(n) == scope.person for n in names_of(p))]
    if scope.party:
        with_party = [p for p in chosen if any(a.party == scope.party for a in p.attendance)
                      or any(y.party == scope.party for y in p.yrkanden)]
        chosen = with_party or chosen
    return chosen


def _persons_of(x) -> list[str]:
    return list(getattr(x, "persons", None) or [getattr(x, "person", "")])


def _verbatim(cit: _Citer, cite: Cite) -> str:
    doc = cit._docs.get(cite.sha256)
    return re.sub(r"\s+", " ", doc.text[cite.start:cite.end]).strip() if doc else ""


def answer_from_facts(question: str, searcher, filters=None) -> Answer | None:
    """A cited answer from the protocol facts, or None when the question is not about them."""
    protocols: list[ProtocolFacts] = searcher.facts
    if not protocols:
        return None
    scope = scope_of(question, protocols)
    if scope is None:
        return None
    if scope.date and scope.date[1] is None and not any(date_matches(scope.date, p.meeting.date) for p in protocols):
        # "budget 2025" names a matter, not the meeting's year
        word = re.search(r"([a-zåäöé]+)\s+" + scope.date[0], question.lower())
        phrase = f"{word[1]} {scope.date[0]}" if word else None
        # ("Sammanträdestider 2021": a year in a § title names that matter)
        if (phrase and any(phrase in sec.title.lower() for p in protocols for sec in _titles(searcher, p).values())) \
                or any(scope.date[0] in sec.title for p in protocols for sec in _titles(searcher, p).values()
                       if sec.label in p.paragraphs):
            scope = Scope(**{**vars(scope), "date": None})
    texts = _cached(searcher, "texts", lambda: protocol_texts(searcher, protocols)) if len(scope.subject) >= SUBJECT_MIN_WORDS else None
    chosen = select_protocols(protocols, scope, filters, texts)
    chosen = _about_them(chosen, scope)
    if not chosen:
        return None
    cit = _Citer(searcher)
    if (absent := party_absent(chosen, scope, cit)) is not None:
        # "Hur röstade SD?" where no SD member sat: the protocol cannot say what the party did
        return Answer(question, f"{NO_ANSWER} {absent}", True, [], list(cit.hits), "facts", note="visar närvarolistan",
                      no_answer_kind="nothing", outcome="none", reason=absent)
    titles = {p.sha256 + str(p.meeting.cite.start): _titles(searcher, p) for p in chosen}
    t_of = lambda p: titles[p.sha256 + str(p.meeting.cite.start)]  # noqa: E731
    asked = [(p, _sections_asked(p, scope, t_of(p), cit._docs.get(p.sha256))) for p in chosen]
    if scope.subject and not scope.paragraph and any(secs is not None for _, secs in asked):
        asked = [(p, secs) for p, secs in asked if secs is not None]  # the protocols that hold the matter
    lines: list[str] = []
    for p, secs in asked:
        lines += _lines_for(p, Scope(**{**vars(scope), "sections": secs}), cit, t_of(p))
    lines = [ln for ln in lines if ln.rstrip().endswith("]")]  # a line must carry its source
    if not lines:
        return None
    return Answer(question, "\n".join(lines), False, cit.hits, list(cit.hits), "facts", highlights=cit.highlights,
                  outcome="answer", reason=None, note="Svar ur protokollens uppgifter (närvaro, yrkanden, beslut).")
