"""The document model shared by every stage: ingest builds it, index stores it, app shows it.

Document → Section → Chunk flow from parsing to the index; a search returns Hits whose
Citation is what a reader sees. A chunk knows the numbered headings above it (heading_path)
and the table rows it holds (TableRow), so that a figure keeps its column header. JSON
conversion lives here so that the index and the CLI agree on one shape.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .personal import Span, masked_kinds, spans_from_json

# The version of what Chunk.embed_text() builds: an index written with another format embeds its
# chunks again instead of reusing vectors of text built differently. (Sentence units are keyed
# by their own text, which no header changes.)
EMBED_FORMAT = 2

DOC_TYPES = ("protokoll", "kallelse", "tjänsteutlåtande", "rapport", "other")
DECISION_KINDS = ("beslut", "förslag")


@dataclass
class Section:
    """A paragraph (§), a numbered item, a tjänsteutlåtande or an attachment in a document."""

    label: str  # as written: "KSPU § 10:3", "§ 43", "4.", or a tjänsteutlåtande's title
    title: str
    start: int  # character offsets into Document.text, end exclusive
    end: int
    dnr: str | None = None  # as written, without the "Dnr" prefix: "PU 2020/0011"
    dnr_key: str | None = None  # normalised, comparable form (see namndsok.identifiers)
    dnr_inferred: bool = False  # True when the dnr came from elsewhere (e.g. the agenda row)
    decision: str | None = None  # the decision or proposal text, verbatim
    decision_kind: str | None = None  # "beslut" or "förslag"
    organ: str | None = None  # set when a part of a bundle belongs to another organ
    date: str | None = None  # ISO date, set when it differs from the document's
    kind: str = "section"  # "paragraph", "item", "memo", "agenda", "attachment", "front"


@dataclass
class Document:
    """One ingested file: its text, where pages start, and its sections."""

    source: str  # the file name shown to users
    path: str  # absolute path at ingest time
    sha256: str
    text: str
    title: str = ""
    organ: str | None = None
    doc_type: str = "other"
    date: str | None = None  # ISO meeting or document date
    page_starts: list[int] | None = None  # offsets where PDF pages 1..n start; None for text
    sections: list[Section] = field(default_factory=list)
    ocr_pages: list[int] | None = None  # 1-based PDF pages whose text was read by OCR
    # personal data (and organisationsnummer) found at ingest, offsets into text (namndsok.personal)
    personal: list[Span] = field(default_factory=list)

    def __post_init__(self) -> None:
        # documents.json stores spans as [kind, start, end] lists; an older index has none
        self.personal = spans_from_json(self.personal)

    def ocr_between(self, start: int, end: int) -> bool:
        """Whether any text in [start, end) comes from a page read by OCR."""
        if not self.ocr_pages:
            return False
        first, last = self.page_at(start), self.page_at(max(start, end - 1))
        return any(first <= p <= last for p in self.ocr_pages)

    def page_at(self, offset: int) -> int | None:
        """1-based page holding a character offset, or None for text files."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)

    def line_at(self, offset: int) -> int:
        """1-based line number holding a character offset (O(log n): line starts are found
        once per text; counting newlines per call made chunking a large file quadratic)."""
        cached = self.__dict__.get("_line_starts")
        if cached is None or cached[0] is not self.text:
            starts = [m.end() for m in re.finditer("\n", self.text)]
            cached = self.__dict__["_line_starts"] = (self.text, starts)
        return bisect.bisect_right(cached[1], offset) + 1

    @property
    def n_pages(self) -> int | None:
        return len(self.page_starts) if self.page_starts else None

    def meta(self) -> dict[str, Any]:
        """Document fields without text or sections (what the index stores per document)."""
        return {
            "source": self.source,
            "path": self.path,
            "sha256": self.sha256,
            "title": self.title,
            "organ": self.organ,
            "doc_type": self.doc_type,
            "date": self.date,
            "page_starts": self.page_starts,
            "ocr_pages": self.ocr_pages,
            "personal": [list(p) for p in self.personal],
        }


@dataclass
class TableRow:
    """One row of a table, with the column headers it sits under: "2026" stays with "40 000"."""

    label: str  # the row's label cell as written: "Invent ny/omb skola/fsk"
    cells: list[tuple[str, str]]  # (column header, value as written) for each non-empty cell
    start: int  # offsets of the row's line in Document.text, end exclusive
    end: int
    unit: str | None = None  # "tkr" when the table says "belopp i tkr"
    group: str | None = None  # the row group of a grouped table: "Barnomsorg, barn 1-5 år"

    def render(self) -> str:
        """`Invent ny/omb skola/fsk – 2024: 2 000 tkr; 2025: 10 000 tkr; …`"""
        label = f"{self.group} › {self.label}" if self.group and self.label else (self.label or self.group or "")
        cells = "; ".join(f"{h}: {self.with_unit(v)}" if h else self.with_unit(v) for h, v in self.cells)
        return f"{label} – {cells}" if label else cells

    def with_unit(self, value: str) -> str:
        if self.unit and _NUMBER_ONLY_RE.match(value):
            return f"{value} {self.unit}"
        return value

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "TableRow":
        d = dict(d)
        d["cells"] = [(h, v) for h, v in d["cells"]]
        return cls(**d)


# a cell that is only a number (a unit can be added): "-8 078", "5 000", "1 243,4"
_NUMBER_ONLY_RE = re.compile(r"^[-−+]?\d[\d \u00a0]*(?:,\d+)?$")
# how much of a long heading a one-line citation shows
_HEADING_SHOWN = 60


def _shortened(heading: str) -> str:
    if len(heading) <= _HEADING_SHOWN:
        return heading
    return heading[: _HEADING_SHOWN].rsplit(" ", 1)[0] + " …"


@dataclass
class Citation:
    """Where a passage comes from, in the words a reader expects."""

    source: str
    title: str
    organ: str | None
    date: str | None
    section: str | None
    section_title: str | None
    dnr: str | None
    page: int | None
    doc_type: str = "other"
    line: int | None = None
    ocr: bool = False  # the passage's text was read by OCR from a scanned page
    heading_path: list[str] = field(default_factory=list)  # numbered headings above, outermost first

    def format(self) -> str:
        """`Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3 · Dnr PU 2020/0011 · s. 3`;
        below a section's headings: `… · Nämndplan med budget 2024 › 4 Ekonomisk sammanfattning
        › 4.2 Investeringsplan · Dnr 2023/450 · …` (a long heading is shortened); `s. 3 (OCR)`
        when the text was read by OCR."""
        head = " ".join(p for p in (self.organ, self.date) if p) or self.title or self.source
        parts = [head]
        where = " › ".join([self.section or ""] + [_shortened(h) for h in self.heading_path]).strip(" ›")
        if where:
            parts.append(where)
        parts += self.locator(ocr_alone="OCR")
        parts.append(self.source)
        return " · ".join(parts)

    def locator(self, ocr_alone: str | None = None) -> list[str]:
        """`Dnr PU 2020/0011`, `s. 3` (`s. 3 (OCR)`) as far as known; `ocr_alone` stands for a
        passage read by OCR that has no page number."""
        parts = [f"Dnr {self.dnr}"] if self.dnr else []
        if self.page is not None:
            parts.append(f"s. {self.page}" + (" (OCR)" if self.ocr else ""))
        elif self.ocr and ocr_alone:
            parts.append(ocr_alone)
        return parts


@dataclass
class Chunk:
    """A piece of one section, the unit that is embedded and retrieved."""

    id: int
    source: str
    doc_sha256: str
    text: str  # verbatim slice of the document
    start: int
    end: int
    section_index: int
    context: str  # the chunk's header: title, organ, § label, section title, headings, dnr
    citation: Citation
    decision: str | None = None
    decision_kind: str | None = None
    dnr_key: str | None = None
    section_title: str | None = None
    heading_path: list[str] = field(default_factory=list)  # numbered headings above, outermost first
    subsection: str | None = None  # the innermost heading as written, None when there is none
    rows: list[TableRow] = field(default_factory=list)  # table rows lying wholly inside the chunk
    # document spans [start, end) inside the chunk left out of `text`: running page heads and
    # feet. text == Document.text[start:end] with these spans cut out.
    omitted: list[tuple[int, int]] = field(default_factory=list)
    # personal data (and organisationsnummer) in `text`: (kind, start, end), offsets into text
    personal: list[Span] = field(default_factory=list)

    def embed_text(self) -> str:
        """What is embedded: a short header — the section's title and the headings above the
        chunk — then the text with each table row written out with its column headers. A
        longer header (document title, organ, dnr) made every chunk of a bundle look alike
        to the model: on the dev questions it cost 6 points of rank-1 accuracy
        (eval/RESULTS.md). The stored text stays verbatim."""
        head = " › ".join(p for p in [self.section_title or self.citation.section or "", *self.heading_path] if p)
        return f"{head}\n{self.rendered_text()}" if head else self.rendered_text()

    def lexical_text(self) -> str:
        """What BM25 indexes: the whole context header (title, organ, § label, section title,
        headings, dnr), so that a search naming any of them finds the chunk, then the text."""
        return f"{self.context}\n{self.rendered_text()}"

    def rendered_text(self) -> str:
        """The text with every table row replaced by `label – header: value; …`."""
        if not self.rows:
            return self.text
        out, at = [], 0
        for row in sorted(self.rows, key=lambda r: r.start):
            a, b = self.text_offset(row.start), self.text_offset(row.end)
            if a < at:  # overlapping rows never come from the parser; keep the text as is
                continue
            out += [self.text[at:a], row.render()]
            at = b
        out.append(self.text[at:])
        return "".join(out)

    def text_offset(self, doc_offset: int) -> int:
        """Where a document offset inside the chunk falls in `text` (omitted spans removed)."""
        cut = sum(min(e, doc_offset) - s for s, e in self.omitted if s < doc_offset)
        return doc_offset - self.start - cut

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Chunk":
        d = dict(d)
        d["citation"] = Citation(**d["citation"])
        d["rows"] = [TableRow.from_json(r) for r in d.get("rows", [])]
        d["omitted"] = [(s, e) for s, e in d.get("omitted", [])]
        d["personal"] = spans_from_json(d.get("personal"))
        return cls(**d)


@dataclass
class Hit:
    """A retrieved chunk with its score and rank contributions."""

    chunk: Chunk
    score: float
    why: dict[str, float] = field(default_factory=dict)  # per-retriever ranks/scores

    def to_json(self) -> dict[str, Any]:
        c = self.chunk.citation
        return {
            "source": c.source,
            "sha256": self.chunk.doc_sha256,
            "title": c.title,
            "organ": c.organ,
            "date": c.date,
            "section": c.section,
            "section_title": c.section_title,
            "dnr": c.dnr,
            "page": c.page,
            "doc_type": c.doc_type,
            "line": c.line,
            "ocr": c.ocr,
            "score": round(float(self.score), 6),
            "decision": self.chunk.decision,
            "decision_kind": self.chunk.decision_kind,
            "subsection": self.chunk.subsection,
            "heading_path": list(self.chunk.heading_path),
            "text": self.chunk.text,
            # the kinds of personal data masked in text ([] when nothing was masked)
            "masked": masked_kinds(self.chunk.text, self.chunk.personal),
        }
