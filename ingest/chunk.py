"""Cut each section into chunks with langchain-text-splitters, never across two sections.

Sizes suit multilingual-e5-small (512 tokens; Swedish runs about 3.5 characters a token,
so 900 characters plus the context line stays well inside). Separators prefer paragraph,
then line breaks, so a table row (one line, tab-separated) stays whole. The stored text is
a verbatim slice of the document; the context line (organ, § label, title) is added only
for embedding and BM25.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from namndsok.model import Chunk, Citation, Document, Section

CHUNK_CHARS = 900
OVERLAP_CHARS = 120
# parsed and kept in the document, but not searchable: e-signature audit trails
SKIPPED_KINDS = {"audit"}


def make_splitter(chunk_chars: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", " ", ""],
        add_start_index=True,
    )


def citation_for(doc: Document, section: Section, offset: int, end: int | None = None) -> Citation:
    """Where text from `offset` (to `end`) comes from; `ocr` when any of it was read by OCR."""
    return Citation(
        source=doc.source,
        title=doc.title,
        organ=section.organ or doc.organ,
        date=section.date or doc.date,
        section=section.label,
        section_title=section.title if section.title != section.label else None,
        dnr=section.dnr,
        page=doc.page_at(offset),
        doc_type=doc.doc_type,
        line=doc.line_at(offset),
        ocr=doc.ocr_between(offset, offset + 1 if end is None else end),
    )


def context_line(doc: Document, section: Section) -> str:
    parts = [section.organ or doc.organ or "", section.label]
    if section.title and section.title != section.label:
        parts.append(section.title)
    if section.dnr:
        parts.append(f"Dnr {section.dnr}")
    return " · ".join(p for p in parts if p)


def chunk_document(doc: Document, first_id: int = 0, splitter: RecursiveCharacterTextSplitter | None = None) -> list[Chunk]:
    splitter = splitter or make_splitter()
    chunks: list[Chunk] = []
    for si, section in enumerate(doc.sections):
        body = doc.text[section.start : section.end]
        if not body.strip() or section.kind in SKIPPED_KINDS:
            continue
        ctx = context_line(doc, section)
        for piece in splitter.create_documents([body]):
            rel = piece.metadata.get("start_index", -1)
            if rel < 0:  # langchain could not locate the piece; find it ourselves
                rel = body.find(piece.page_content)
            start = section.start + max(rel, 0)
            end = start + len(piece.page_content)
            chunks.append(Chunk(
                id=first_id + len(chunks),
                source=doc.source,
                doc_sha256=doc.sha256,
                text=doc.text[start:end],
                start=start,
                end=end,
                section_index=si,
                context=ctx,
                citation=citation_for(doc, section, start, end),
                decision=section.decision,
                decision_kind=section.decision_kind,
                dnr_key=section.dnr_key,
                section_title=section.title,
            ))
    return chunks
