"""Cut each section into chunks: at its numbered headings first, then with
langchain-text-splitters inside each block, never across two sections or two headings.

Sizes suit multilingual-e5-small (512 tokens; Swedish runs about 3.5 characters a token,
so 900 characters plus the header stays well inside). Separators prefer paragraph, then line
breaks, so a table row (one line) stays whole.

What a chunk holds:
- `text`: the document's own lines, verbatim, minus running heads and feet (running.py);
  `start`/`end` point into Document.text and `omitted` names the spans left out;
- `heading_path`/`subsection`: the numbered headings above it (headings.py);
- `rows`: the table rows inside it with their column headers (tables.py);
- `context`: the header embedded and BM25-indexed with it — document title, organ, § label,
  section title, heading path and dnr. Chunk.embed_text() is the one place that joins them.

Everything a chunk copies from its document and section (titles, headings, the decision) is
bounded (HEADER_PART_CHARS, DECISION_CHARS): a file of one long line has that line as its
title, and each of its hundreds of chunks would otherwise carry all of it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from namndsok.model import Chunk, Citation, Document, Section, TableRow

from .headings import find_headings, heading_paths
from .lines import Line, split_lines
from .personal import chunk_spans
from .running import running_lines
from .settings import DEFAULT_CHUNKING, ChunkSettings
from .tables import find_rows

HEADER_PART_CHARS = 300  # a title or heading copied into a chunk (the corpus's longest heading: 229)
DECISION_CHARS = 4000  # a section's decision copied into each of its chunks (the corpus's longest: 388)
# parsed and kept in the document, but not searchable: e-signature audit trails
SKIPPED_KINDS = {"audit"}
# sections whose numbered lines are not headings: an agenda lists its items by number
NO_HEADINGS_KINDS = {"agenda", "audit"}


def make_splitter(chunk_chars: int = DEFAULT_CHUNKING.chars, overlap: int = DEFAULT_CHUNKING.overlap) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars,
        chunk_overlap=min(overlap, chunk_chars // 4),
        separators=["\n\n", "\n", ". ", " ", ""],
        add_start_index=True,
    )


def bounded(text: str | None, limit: int = HEADER_PART_CHARS) -> str | None:
    """`text` cut to `limit` characters at a word, marked " …" (None stays None)."""
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 2]
    head = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return head.rstrip(" ,.;:–-") + " …"


def citation_for(doc: Document, section: Section, offset: int, heading_path: list[str] | None = None,
                 end: int | None = None) -> Citation:
    """Where text from `offset` (to `end`) comes from; `ocr` when any of it was read by OCR."""
    return Citation(
        source=doc.source,
        title=bounded(doc.title),
        organ=bounded(section.organ or doc.organ),
        date=section.date or doc.date,
        section=bounded(section.label),
        section_title=bounded(section.title) if section.title != section.label else None,
        dnr=section.dnr,
        page=doc.page_at(offset),
        doc_type=doc.doc_type,
        line=doc.line_at(offset),
        ocr=doc.ocr_between(offset, offset + 1 if end is None else end),
        heading_path=[bounded(h) for h in heading_path or []],
    )


def context_header(doc: Document, section: Section, heading_path: list[str]) -> str:
    """`Kallelse Utbildningsnämndens arbetsutskott 2023-12-06 · Nämndplan med budget 2024 ·
    4 Ekonomisk sammanfattning › 4.2 Investeringsplan · Dnr 2023/450`"""
    organ = section.organ or doc.organ or ""
    label, title = section.label, section.title
    if title and label.endswith(" …") and title.startswith(label[:-2]):
        label = ""  # a long first line shortened to a label: the title says it whole
    parts = [doc.title, organ if organ.lower() not in doc.title.lower() else "", label]
    if title and title != section.label:
        parts.append(title)
    parts = [bounded(p) for p in parts]
    if heading_path:
        parts.append(" › ".join(bounded(h) for h in heading_path))
    if section.dnr:
        parts.append(f"Dnr {section.dnr}")
    out: list[str] = []
    for p in parts:
        if p and p not in out:
            out.append(p)
    return " · ".join(out)


@dataclass
class _Block:
    """Lines of one section under one heading path."""

    lines: list[Line]
    path: list[str]
    end: int  # document offset where the block's text ends


def _blocks(doc: Document, section: Section, lines: list[Line]) -> list[_Block]:
    """The section split at its headings; a heading with no body before its first child
    joins the block that follows (the child's path names it anyway)."""
    if section.kind in NO_HEADINGS_KINDS:
        return [_Block(lines, [], section.end)]
    heads = find_headings([doc.text[ln.start : ln.end] for ln in lines])
    paths = heading_paths(heads)
    cuts = [(0, [])] + [(h.line, p) for h, p in zip(heads, paths)]
    blocks: list[_Block] = []
    for n, (first, path) in enumerate(cuts):
        last = cuts[n + 1][0] if n + 1 < len(cuts) else len(lines)
        body = lines[first:last]
        if blocks and not any(ln.text for ln in blocks[-1].lines[1:]) and blocks[-1].path:
            body = blocks.pop().lines + body  # a bare heading: keep it with its first child
        if any(ln.text for ln in body):
            blocks.append(_Block(body, path, section.end))
    for a, b in zip(blocks, blocks[1:]):
        a.end = b.lines[0].start
    return blocks


class _Text:
    """A block's text without its running lines, mapped back to document offsets."""

    def __init__(self, doc: Document, block: _Block, drop: set[int]):
        self.segments: list[tuple[int, int, int]] = []  # (text offset, document start, document end)
        self.omitted: list[tuple[int, int]] = []
        parts: list[str] = []
        pos = 0
        for k, ln in enumerate(block.lines):
            nxt = block.lines[k + 1].start if k + 1 < len(block.lines) else block.end
            a, b = ln.start, max(min(nxt, block.end), ln.start)
            if ln.no in drop:
                self.omitted.append((a, b))
                continue
            if self.segments and self.segments[-1][2] == a:  # contiguous: extend
                t, s, _ = self.segments[-1]
                self.segments[-1] = (t, s, b)
            else:
                self.segments.append((pos, a, b))
            parts.append(doc.text[a:b])
            pos += b - a
        self.text = "".join(parts)
        self._starts = [t for t, _, _ in self.segments]

    def doc_offset(self, t: int) -> int:
        i = bisect.bisect_right(self._starts, t) - 1
        ts, ds, _ = self.segments[i]
        return ds + (t - ts)

    def span(self, t0: int, t1: int) -> tuple[int, int, list[tuple[int, int]]]:
        """Document start, end and omitted spans of text[t0:t1] (t1 > t0)."""
        start, end = self.doc_offset(t0), self.doc_offset(t1 - 1) + 1
        return start, end, [(a, b) for a, b in self.omitted if start < a and b <= end]


def _rows(doc: Document, block: _Block, drop: set[int]) -> list[TableRow]:
    kept = [(ln.start, doc.text[ln.start : ln.end]) for ln in block.lines if ln.no not in drop]
    return find_rows(kept)


def _size_for(text: str, rows: list[TableRow], settings: ChunkSettings = DEFAULT_CHUNKING) -> int:
    """Chunk size for a block: rows written out with their headers are longer than the raw
    lines; a table-heavy block gets smaller chunks so that its embedded text still fits."""
    if not rows or not text:
        return settings.chars
    grown = sum(len(r.render()) - (r.end - r.start) for r in rows)
    ratio = (len(text) + max(grown, 0)) / len(text)
    return max(settings.min_chars, int(settings.chars / ratio)) if ratio > 1.1 else settings.chars


def _pieces(split: RecursiveCharacterTextSplitter, text: str, path: list[str]) -> list[tuple[int, str]]:
    """(offset, text) of the splitter's pieces; a piece holding nothing but the block's
    headings (a table too long to join them) is joined to the piece after it."""
    out: list[tuple[int, str]] = []
    at = 0
    for piece in split.create_documents([text]):
        content = piece.page_content
        rel = piece.metadata.get("start_index", -1)
        if rel < 0:  # langchain could not locate the piece; find it ourselves
            rel = text.find(content, at)
        at = rel = max(rel, 0)
        if out and all(ln.strip() in path for ln in out[-1][1].split("\n") if ln.strip()):
            first = out.pop()[0]
            content = text[first : rel + len(content)]
            rel = first
        out.append((rel, content))
    return out


def chunk_document(doc: Document, first_id: int = 0, splitter: RecursiveCharacterTextSplitter | None = None,
                   settings: ChunkSettings = DEFAULT_CHUNKING) -> list[Chunk]:
    """`splitter` fixes one splitter for every block (tests); by default each block gets one
    sized for its table rows, from `settings`."""
    lines = split_lines(doc.text)
    drop = running_lines(doc, lines)
    starts = [ln.start for ln in lines]
    splitters: dict[int, RecursiveCharacterTextSplitter] = {}
    chunks: list[Chunk] = []
    for si, section in enumerate(doc.sections):
        if not doc.text[section.start : section.end].strip() or section.kind in SKIPPED_KINDS:
            continue
        first = bisect.bisect_right(starts, section.start) - 1
        last = bisect.bisect_left(starts, section.end)
        for block in _blocks(doc, section, lines[first:last]):
            text = _Text(doc, block, drop)
            if not text.text.strip():
                continue
            rows = _rows(doc, block, drop)
            size = _size_for(text.text, rows, settings)
            split = splitter or splitters.setdefault(size, make_splitter(size, settings.overlap))
            ctx = context_header(doc, section, block.path)
            path = [bounded(h) for h in block.path]
            decision = bounded(section.decision, DECISION_CHARS)
            for rel, content in _pieces(split, text.text, block.path):
                start, end, omitted = text.span(rel, rel + len(content))
                chunks.append(Chunk(
                    id=first_id + len(chunks),
                    source=doc.source,
                    doc_sha256=doc.sha256,
                    text=content,
                    start=start,
                    end=end,
                    section_index=si,
                    context=ctx,
                    citation=citation_for(doc, section, start, block.path, end),
                    decision=decision,
                    decision_kind=section.decision_kind,
                    dnr_key=section.dnr_key,
                    section_title=bounded(section.title),
                    heading_path=list(path),
                    subsection=path[-1] if path else None,
                    rows=[r for r in rows if start <= r.start and r.end <= end],
                    omitted=omitted,
                ))
                chunks[-1].personal = chunk_spans(doc, chunks[-1])
    return chunks
