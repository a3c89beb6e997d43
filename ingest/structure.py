"""Find the structure of a committee document: header fields, parts of a bundle, sections.

A pure function of the text (`parse_structure`), driven by the patterns in rules.py:
1. header: document type, organ and meeting date from the first lines;
2. parts: a bundle (kallelse) holds attached documents — tjänsteutlåtanden, another
   organ's protocol, meeting notes — each opened by a recognisable first line, or, for a
   document with no header of its own, by a title line that names another agenda item;
3. sections inside each part: § paragraphs (continuation pages never open one), numbered
   items of a meeting record, one section per tjänsteutlåtande, one per other attachment;
4. per section: title, dnr (from its Dnr line, else from the agenda row of the same matter)
   and decision text (without running heads and feet, see running.py).
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from namndsok.identifiers import dnr_key, is_agenda_dnr_cell, is_dnr_label_line, normalise_para_label, parse_dnr_line
from namndsok.model import Document, Section

from . import rules
from .lines import Line, nonblank as _nonblank, split_lines
from .running import running_lines

log = logging.getLogger(__name__)

HEADER_LINES = 40  # how far into a document or part header fields are looked for


@dataclass
class Part:
    start: int  # line index
    end: int  # line index, exclusive
    kind: str  # memo, protocol, notes, agenda, attachment
    dnr: str | None = None  # from an agenda row that names this attachment


@dataclass
class AgendaRow:
    num: str
    title: str
    dnr: str | None


def _normalise_organ(organ: str) -> str | None:
    organ = re.sub(r"\s+", " ", organ).strip(" .:")
    if not organ:
        return None
    organ = organ[0].upper() + organ[1:]
    words = organ.split(" ")
    # "Kommunstyrelsens Produktionsutskott" → "Kommunstyrelsens produktionsutskott"
    if len(words) > 1 and words[0].endswith("s"):
        organ = " ".join([words[0]] + [w.lower() for w in words[1:]])
    return organ


def find_organ(lines: list[Line]) -> str | None:
    for ln in lines:
        for pat in rules.ORGAN_RULES:
            m = pat.match(ln.text)
            if m and (organ := _normalise_organ(m["organ"])):
                return organ
    return None


def find_date(lines: list[Line]) -> str | None:
    for ln in lines:
        for pat in rules.ISO_DATE_RULES:
            m = pat.match(ln.text)
            if m:
                return m["date"]
        m = rules.TEXT_DATE_RE.match(ln.text)
        if m:
            import dateparser  # heavy import, only for dates written in words

            parsed = dateparser.parse(m["date"], languages=["sv"])
            if parsed:
                return parsed.date().isoformat()
    return None


def find_doc_type(lines: list[Line]) -> str:
    for ln in lines:
        for pat, kind in rules.DOC_TYPE_RULES:
            if pat.search(ln.text):
                return kind
    return "other"


def parse_agenda(lines: list[Line]) -> list[AgendaRow]:
    """Agenda rows with a dnr column: item number, title, dnr."""
    rows = []
    for ln in lines:
        raw = ln.text
        m = rules.AGENDA_ROW_RE.match(raw)
        if not m:
            continue
        cells = [c.strip() for c in m["rest"].split("\t")]
        dnr = next((c for c in cells if is_agenda_dnr_cell(c)), None)
        if dnr:
            title = rules.AGENDA_TITLE_PREFIX_RE.sub("", m["title"].strip())
            rows.append(AgendaRow(m["num"], title, dnr))
    return rows


def _same_title(a: str, b: str) -> bool:
    a, b = a.lower().strip(" .-–"), b.lower().strip(" .-–")
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 12 and (a.startswith(b) or b.startswith(a))):
        return True
    if difflib.SequenceMatcher(None, a, b).ratio() >= 0.88:
        return True
    # "Uppföljning systematisk brandskyddsarbete 2023 (SBA)" ~ "Systematiskt brandskyddsarbete 2023"
    wa = {w[:6] for w in re.findall(r"\w{4,}", a)}
    wb = {w[:6] for w in re.findall(r"\w{4,}", b)}
    small = min(wa, wb, key=len)
    return len(small) >= 3 and len(wa & wb) / len(small) >= 0.99


def agenda_dnr_for(title: str, agenda: list[AgendaRow]) -> str | None:
    for row in agenda:
        if _same_title(title, row.title):
            return row.dnr
    return None


# ---------------------------------------------------------------- parts


def _looks_like(lines: list[Line], i: int, pattern: re.Pattern[str], window: int) -> bool:
    return any(pattern.match(ln.text) for ln in _nonblank(lines, i + 1, len(lines), window))


def _agenda_attachment_start(lines: list[Line], i: int, agenda: list[AgendaRow]) -> tuple[int, str] | None:
    """Where an attachment named in the agenda starts: its organ line next to its title line.

    "Utbildningsnämnden / Nämndplan med budget 2024" and "Handlingsplan digitalisering /
    Utbildningsnämnden Ale kommun" both open an attached document of the bundle.
    """
    text = lines[i].text
    if not rules.ORGAN_LINE_RE.match(text):
        return None
    nxt = _nonblank(lines, i + 1, len(lines), 1)
    if nxt and (dnr := agenda_dnr_for(nxt[0].text, agenda)):
        return i, dnr
    prev = [ln for ln in lines[max(0, i - 4) : i] if ln.text]
    if prev and (dnr := agenda_dnr_for(prev[-1].text, agenda)):
        return prev[-1].no, dnr
    return None


def _matter_title_start(lines: list[Line], i: int, agenda: list[AgendaRow], current: tuple[int, str, str | None]) -> str | None:
    """The dnr of another matter whose document starts at line i, inside an attachment.

    The familjecentral remiss missiv follows the internal control plan's last table with no
    header of its own: its title line names agenda item 7, not the plan's item 8. The cue is
    the layout (rules.MATTER_TITLE_RE and the lines around it) plus the agenda match."""
    start, kind, dnr = current
    text = lines[i].text
    if kind != "attachment" or i - start < rules.MATTER_TITLE_MIN_INTO_PART or not rules.MATTER_TITLE_RE.match(text):
        return None
    if rules.NUMBERED_HEADING_RE.match(text):
        return None
    prev = next((ln for ln in reversed(lines[start:i]) if ln.text), None)
    if prev is None or not ("\t" in prev.text or i - prev.no - 1 >= rules.MATTER_TITLE_GAP):
        return None
    nxt = _nonblank(lines, i + 1, len(lines), 1)
    if not nxt or len(nxt[0].text) < rules.PROSE_MIN_CHARS:
        return None
    found = agenda_dnr_for(text, agenda)
    if found and dnr_key(found) != (dnr_key(dnr) if dnr else None):
        return found
    return None


def find_parts(lines: list[Line], first_kind: str, agenda: list[AgendaRow]) -> list[Part]:
    starts: list[tuple[int, str, str | None]] = [(0, first_kind, None)]
    skip_until = -1  # lines of a memo header, where titles repeat agenda rows
    i = 0
    while i < len(lines):
        text = lines[i].text
        kind = None
        if text and i > skip_until:
            for pat, k in rules.PART_START_RULES:
                if pat.match(text):
                    kind = k
                    break
            if kind == "memo" and not _looks_like(lines, i, rules.MEMO_HEADER_RE, 6):
                kind = None  # "Tjänsteutlåtande" repeated as a page header
            if kind == "protocol" and not _looks_like(lines, i, rules.PROTOCOL_HEADER_RE, 6):
                kind = None
            if kind is None and agenda:
                found = _agenda_attachment_start(lines, i, agenda)
                if found and found[0] > starts[-1][0]:
                    starts.append((found[0], "attachment", found[1]))
                elif matter := _matter_title_start(lines, i, agenda, starts[-1]):
                    starts.append((i, "attachment", matter))
            if kind:
                prev = _nonblank(lines, starts[-1][0], i)
                if kind == "agenda" and starts[-1][1] == "agenda":
                    kind = None  # the agenda's second page
                elif len(prev) <= 2:  # only a heading so far: refine the current part's kind
                    starts[-1] = (starts[-1][0], kind if kind != "attachment" else starts[-1][1], starts[-1][2])
                else:
                    starts.append((i, kind, None))
            if kind == "memo":
                skip_until = i + 25
            if rules.CLOSING_RE.match(text):
                sig = _nonblank(lines, i + 1, len(lines), 1)
                if sig and sig[0].no + 1 < len(lines):
                    starts.append((sig[0].no + 1, "attachment", None))
                    i = sig[0].no + 1
                    continue
        i += 1
    parts = []
    for n, (s, k, d) in enumerate(starts):
        e = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        if _nonblank(lines, s, e):
            parts.append(Part(s, e, k, d))
    return parts


# ---------------------------------------------------------------- sections


def _decision(lines: list[Line], start: int, end: int) -> tuple[str | None, str | None]:
    """(text, kind) of the strongest decision marker in lines[start:end]."""
    found: dict[str, int] = {}
    for ln in lines[start:end]:
        for pat, kind in rules.DECISION_RULES:
            if pat.match(ln.text) and kind not in found:
                found[kind] = ln.no
        m = rules.GLUED_DECISION_RE.match(ln.text)
        if m and "beslut" not in found:
            found["beslut"] = ln.no
    for kind in ("beslut", "förslag"):
        if kind in found:
            at = found[kind]
            body: list[str] = []
            for ln in lines[at + 1 : end]:
                low = ln.text.lower().strip("*")
                if low in rules.SUBHEADINGS and body:
                    break
                if rules.CONTINUATION_RE.match(ln.text):
                    continue
                if ln.text:
                    body.append(ln.text)
                if sum(len(b) for b in body) > 1500:
                    break
            text = "\n".join(body).strip()
            if text:
                return text, kind
    return None, None


def _trimmed_end(lines: list[Line], start: int, end: int) -> int:
    body = _nonblank(lines, start, end)
    return body[-1].end if body else lines[start].end


def _memo_section(lines: list[Line], part: Part, agenda: list[AgendaRow]) -> Section:
    head = _nonblank(lines, part.start, part.end, 30)
    title_line = None
    for n, ln in enumerate(head):
        if ln.text.lower().strip("*:") in rules.SUBHEADINGS and n > 0:
            title_line = head[n - 1]
            break
    if title_line is None:
        title_line = head[min(len(head) - 1, 1)]
    title = title_line.text
    written = None
    placeholder = False
    for ln in head:
        if ln.no >= title_line.no:
            break
        d = parse_dnr_line(ln.text)
        if d:
            written = d
            break
        if is_dnr_label_line(ln.text):
            placeholder = True
    inferred = False
    if written is None:
        written = agenda_dnr_for(title, agenda) or part.dnr
        inferred = written is not None
        if placeholder and inferred:
            log.debug("dnr placeholder in %r; agenda row gives %s", title, written)
    text, kind = _decision(lines, title_line.no + 1, part.end)
    return Section(
        label=title, title=title, start=lines[part.start].start, end=_trimmed_end(lines, part.start, part.end),
        dnr=written, dnr_key=dnr_key(written) if written else None, dnr_inferred=inferred,
        decision=text, decision_kind=kind, kind="memo",
    )


def _paragraph_sections(lines: list[Line], part: Part, organ: str | None, date: str | None) -> list[Section]:
    heads = [ln for ln in lines[part.start : part.end] if rules.PARAGRAPH_RE.match(ln.text)]
    if not heads:
        return []
    sections = []
    for n, h in enumerate(heads):
        m = rules.PARAGRAPH_RE.match(h.text)
        assert m
        end = heads[n + 1].no if n + 1 < len(heads) else part.end
        label = normalise_para_label(m["label"])
        after = _nonblank(lines, h.no + 1, end, 3)
        written = None
        title = (m["title"] or "").strip()
        for ln in after[:2]:
            d = parse_dnr_line(ln.text)
            if d:
                written = d
                break
        if not title:
            cand = [ln for ln in after if not is_dnr_label_line(ln.text)]
            title = cand[0].text if cand else ""
        glued = rules.GLUED_DECISION_RE.match(title)
        if glued:
            title = glued["title"].strip()
        dec, kind = _decision(lines, h.no + 1, end)
        sections.append(Section(
            label=label, title=title, start=h.start, end=_trimmed_end(lines, h.no, end),
            dnr=written, dnr_key=dnr_key(written) if written else None,
            decision=dec, decision_kind=kind, organ=organ, date=date, kind="paragraph",
        ))
    return sections


def _item_sections(lines: list[Line], part: Part) -> list[Section]:
    """Numbered items 1., 2., 3. … of a meeting record, in sequence."""
    heads: list[tuple[Line, str, str]] = []
    expect = 1
    for ln in lines[part.start : part.end]:
        m = rules.ITEM_RE.match(ln.text)
        if m and int(m["num"]) == expect:
            heads.append((ln, m["num"], m["title"].strip()))
            expect += 1
    if len(heads) < 3:
        return []
    sections = []
    for n, (h, num, title) in enumerate(heads):
        end = heads[n + 1][0].no if n + 1 < len(heads) else part.end
        dec, kind = _decision(lines, h.no + 1, end)
        sections.append(Section(
            label=f"{num}.", title=title, start=h.start, end=_trimmed_end(lines, h.no, end),
            decision=dec, decision_kind=kind, kind="item",
        ))
    return sections


TITLE_LABEL_MAX = 200  # a longer "title" line is running text, not a name: its label is cut


def _short_label(title: str, limit: int = 90) -> str:
    """A label for a section named by its first line: a long line is cut at a word."""
    if len(title) <= limit:
        return title
    return title[: limit - 2].rsplit(" ", 1)[0].rstrip(" ,.;:–-") + " …"


def _single_section(lines: list[Line], part: Part, label: str, kind: str, title: str | None = None) -> Section:
    dnr = part.dnr
    return Section(
        label=label, title=title or label, start=lines[part.start].start, end=_trimmed_end(lines, part.start, part.end),
        dnr=dnr, dnr_key=dnr_key(dnr) if dnr else None, dnr_inferred=dnr is not None, kind=kind,
    )


def sections_of_part(lines: list[Line], part: Part, doc: Document, agenda: list[AgendaRow]) -> list[Section]:
    if part.kind == "memo":
        return [_memo_section(lines, part, agenda)]
    head = _nonblank(lines, part.start, part.end, HEADER_LINES)
    organ = date = None
    if part.start > 0:  # another organ's protocol inside a bundle
        organ, date = find_organ(head), find_date(head)
        organ = organ if organ != doc.organ else None
        date = date if date != doc.date else None
    body: list[Section] = []
    if part.kind in ("protocol", "notes", "agenda", "attachment"):
        body = _paragraph_sections(lines, part, organ, date)
    if not body and part.kind in ("protocol", "notes"):
        body = _item_sections(lines, part)
    for sec in body:
        sec.organ, sec.date = sec.organ or organ, sec.date or date
    first_line = head[0].text if head else ""
    if not body:
        if part.kind == "agenda":
            return [_single_section(lines, part, "Föredragningslista", "agenda")]
        titled = [ln.text for ln in head[:2] if not rules.ORGAN_LINE_RE.match(ln.text)]
        title = titled[0] if titled else first_line
        kind = "audit" if part.kind == "audit" else ("attachment" if part.start > 0 else "front")
        # a title line is the section's name, whole; only a first line of running text is cut
        label = title if titled and len(title) <= TITLE_LABEL_MAX else _short_label(title)
        sec = _single_section(lines, part, label, kind, title)
        if organ or date:
            sec.organ, sec.date = organ, date
        return [sec]
    out: list[Section] = []
    first = body[0]
    if _nonblank(lines, part.start, doc.line_at(first.start) - 1):
        # front matter before the first § (attendance, signatures) is a section of its own
        front_end = doc.line_at(first.start) - 1
        label = _short_label(first_line)
        out.append(Section(
            label=label, title=label, start=lines[part.start].start,
            end=_trimmed_end(lines, part.start, front_end), organ=organ, date=date, kind="front",
        ))
    return out + body


def parse_structure(doc: Document) -> Document:
    """Fill in doc.title, organ, date, doc_type and sections from doc.text."""
    lines = split_lines(doc.text)
    head = _nonblank(lines, 0, len(lines), HEADER_LINES)
    doc.doc_type = find_doc_type(head[:8])
    doc.organ = find_organ(head)
    doc.date = find_date(head)
    agenda = parse_agenda(lines) if doc.doc_type == "kallelse" else []
    first_kind = {
        "protokoll": "protocol", "kallelse": "agenda", "tjänsteutlåtande": "memo",
    }.get(doc.doc_type, "memo" if any(is_dnr_label_line(ln.text) for ln in head[:12]) else "attachment")
    parts = find_parts(lines, first_kind, agenda)
    sections: list[Section] = []
    for part in parts:
        sections.extend(sections_of_part(lines, part, doc, agenda))
    doc.sections = sections
    _decisions_without_running_lines(doc, lines)
    doc.title = _title(doc, head)
    log.debug("%s: %s, %s, %s, %d sections", doc.source, doc.doc_type, doc.organ, doc.date, len(sections))
    return doc


def _decisions_without_running_lines(doc: Document, lines: list[Line]) -> None:
    """Decision texts lose running heads and feet (running.py): § 48's decision ran on into
    the protocol's footer "Protokoll Styrelse VästKom 230622 Extrainsatt"."""
    drop = sorted(running_lines(doc, lines))
    if not drop:
        return
    for sec in doc.sections:
        if not sec.decision:
            continue
        first, last = doc.line_at(sec.start) - 1, doc.line_at(sec.end) - 1
        noise = {lines[i].text for i in drop if first <= i <= last}
        if noise:
            sec.decision = "\n".join(t for t in sec.decision.split("\n") if t not in noise).strip() or None
            if sec.decision is None:
                sec.decision_kind = None


def _title(doc: Document, head: list[Line]) -> str:
    for ln in head[:6]:
        if ln.text.startswith(("Sammanträdesprotokoll", "Protokoll till")):
            return ln.text
    if doc.doc_type == "kallelse":
        return f"Kallelse {doc.organ or ''} {doc.date or ''}".strip()
    if doc.sections and doc.sections[0].kind == "memo":
        return doc.sections[0].title
    return head[0].text if head else doc.source
