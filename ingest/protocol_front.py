"""The front matter of a protocol: the meeting, the närvarolista and the roles, and the people
named in them (ingest/protocol.py reads the §§).

A name is kept as first written and matched across spellings and genitives ("Zethräus" =
"Zethraeus", "Fletchers" = "Fletcher"); a person's party is the one the närvarolista gives.
"""

from __future__ import annotations

import functools
import re

from namndsok.facts import Attendance, Cite, Meeting, Role
from namndsok.model import Section

from . import protocol_rules as R
from .lines import Line


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



def party_code(raw: str | None) -> str | None:
    if not raw or raw == "-":
        return None
    return raw.upper() if len(raw) <= 2 else raw



# ---------------------------------------------------------------- front matter


def meeting_of(front: list[Line], organ, date, cite, sec: Section | None) -> Meeting:
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


def attendance_of(front: list[Line], people: People, cite) -> tuple[list[Attendance], list[Role]]:
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
    party = party_code(m["party"])
    rest = (m["rest"] or "").strip() or None
    serving_for = paragraphs = None
    if rest:
        if f := R.SERVING_FOR_RE.search(rest):
            serving_for = people.add(f["name"], party_code(f["party"]))
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
    party = party_code(cells[i_party]) if i_party is not None and cells[i_party] else party_code(m["party"])
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
        sub_name = people.add(sm["name"], party_code(sm["party"]) or party)
        out.append(Attendance("ersättare", sub_name, party_code(sm["party"]) or party, c, name,
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
    party = party_code(m["party"])
    name = people.add(m["name"], party)
    out = []
    if m["present"]:
        out.append(Attendance("ledamot", name, party, c, function=(m["function"] or "").strip() or None))
    else:
        out.append(Attendance("frånvarande", name, party, c))
    if m["sub"]:
        sub_party = party_code(m["sub_party"]) or party
        out.append(Attendance("ersättare", people.add(m["sub"], sub_party), sub_party, c, name, m["paras"]))
    return out


def roles_in(region: list[Line], people: People, cite) -> list[Role]:
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
                name = people.add(p["name"], party_code(p["party"]))
                out.append(Role("justerare", name, party_code(p["party"]), None, cite(ln.start, ln.end)))
            elif (d := R.JUSTERING_DATE_RE.match(ln.text)) or (d := R.SIGNED_RE.match(ln.text)):
                out.append(Role("justeringsdatum", None, None, None, cite(ln.start, ln.end), date=d["date"]))
            continue
        role = R.ROLE_WORDS.get(re.sub(r"^(?:1:e|2:e)\s+", "", m["role"].lower()), m["role"].lower())
        paras = R.PARAS_RE.search(m["paras"])["paras"].strip() if m["paras"] else None
        found: tuple[str, str | None, Line] | None = None
        signed: str | None = None
        if m["rest"] and (p := R.PERSON_LINE_RE.match(m["rest"].strip(" .\t…"))):
            found = (p["name"], party_code(p["party"]), ln)
        else:
            prev = body[n - 1] if n else None
            prev_person = prev is not None and R.PERSON_LINE_RE.match(prev.text) and not R.ROLE_LINE_RE.match(prev.text)
            if names_before is None:
                names_before = bool(prev_person)
            if names_before and prev_person:
                p = R.PERSON_LINE_RE.match(prev.text)
                found = (p["name"], party_code(p["party"]), prev)
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
                        found = (p["name"], party_code(p["party"]), nxt)
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


def merge_roles(roles: list[Role]) -> list[Role]:
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
