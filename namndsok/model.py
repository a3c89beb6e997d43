"""The document model shared by every stage: ingest builds it, index stores it, app shows it.

Document → Section → Chunk flow from parsing to the index; a search returns Hits whose
Citation is what a reader sees. JSON conversion lives here so that the index and the CLI
agree on one shape.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any

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

    def page_at(self, offset: int) -> int | None:
        """1-based page holding a character offset, or None for text files."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)

    def line_at(self, offset: int) -> int:
        """1-based line number holding a character offset."""
        return self.text.count("\n", 0, offset) + 1

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
        }


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

    def format(self) -> str:
        """`Kommunstyrelsens produktionsutskott 2020-09-16 · KSPU § 10:3 · Dnr PU 2020/0011 · s. 3`"""
        head = " ".join(p for p in (self.organ, self.date) if p) or self.title or self.source
        parts = [head]
        if self.section:
            parts.append(self.section)
        if self.dnr:
            parts.append(f"Dnr {self.dnr}")
        if self.page is not None:
            parts.append(f"s. {self.page}")
        parts.append(self.source)
        return " · ".join(parts)


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
    context: str  # organ, § label and title, prefixed to the text for embedding only
    citation: Citation
    decision: str | None = None
    decision_kind: str | None = None
    dnr_key: str | None = None
    section_title: str | None = None

    def embed_text(self) -> str:
        return f"{self.context}\n{self.text}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Chunk":
        d = dict(d)
        d["citation"] = Citation(**d["citation"])
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
            "score": round(float(self.score), 6),
            "decision": self.chunk.decision,
            "decision_kind": self.chunk.decision_kind,
            "text": self.chunk.text,
        }
