"""`namndsok personuppgifter`: where the indexed documents hold personal data, per document
and §, by kind, line and page, for a registrator's review. The values themselves are shown
only when asked for (`--show`); organisationsnummer are listed apart, as not personal.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from namndsok.index.store import StoredIndex
from namndsok.ingest import PARSER_VERSION
from namndsok.ingest.personal import with_personal
from namndsok.model import Document
from namndsok.personal import ORGANISATION, PERSONAL_KINDS, Span


@dataclass
class Place:
    kind: str
    line: int
    page: int | None
    value: str | None  # None unless the values were asked for

    def to_json(self) -> dict:
        d = {"kind": self.kind, "line": self.line, "page": self.page}
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass
class SectionFindings:
    section: str | None  # the § label as written; None before the first section
    title: str | None
    places: list[Place] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(p.kind for p in self.places)
        return {k: c[k] for k in PERSONAL_KINDS if c[k]}

    def to_json(self) -> dict:
        return {"section": self.section, "title": self.title, "counts": self.counts(),
                "places": [p.to_json() for p in self.places]}


@dataclass
class DocumentFindings:
    source: str
    path: str
    title: str
    sections: list[SectionFindings]
    organisations: list[Place]  # organisationsnummer: found, but not personal data

    def to_json(self) -> dict:
        return {"source": self.source, "path": self.path, "title": self.title,
                "sections": [s.to_json() for s in self.sections],
                "organisationsnummer": [p.to_json() for p in self.organisations]}


def documents_with_personal(index: StoredIndex) -> list[Document]:
    """The index's documents with their personal data; an index written before ingest looked
    for it (parser version < 5) is searched now."""
    if index.manifest.get("parser_version", 0) >= PARSER_VERSION:
        return index.documents
    return [with_personal(dataclasses.replace(d)) for d in index.documents]


def findings(documents: list[Document], show: bool = False) -> list[DocumentFindings]:
    """Per document (those with anything found), its sections with personal data, in order."""
    out = []
    for doc in documents:
        if not doc.personal:
            continue
        by_section: dict[int, SectionFindings] = {}
        orgs = []
        for s in doc.personal:
            place = Place(s.kind, doc.line_at(s.start), doc.page_at(s.start), doc.text[s.start:s.end] if show else None)
            if s.kind == ORGANISATION:
                orgs.append(place)
                continue
            i = _section_of(doc, s)
            if i not in by_section:
                sec = doc.sections[i] if i >= 0 else None
                by_section[i] = SectionFindings(sec.label if sec else None, sec.title if sec and sec.title != sec.label else None)
            by_section[i].places.append(place)
        out.append(DocumentFindings(doc.source, doc.path, doc.title, [by_section[i] for i in sorted(by_section)], orgs))
    return out


def _section_of(doc: Document, s: Span) -> int:
    """The innermost (last starting) section holding the span; -1 when none does."""
    best = -1
    for i, sec in enumerate(doc.sections):
        if sec.start <= s.start < sec.end:
            best = i
    return best


def _where(places: list[Place]) -> str:
    lines = ", ".join(str(p.line) for p in places[:8]) + (" …" if len(places) > 8 else "")
    pages = sorted({p.page for p in places if p.page is not None})
    return f"rad {lines}" + (f"; s. {', '.join(map(str, pages))}" if pages else "")


def render(found: list[DocumentFindings], n_documents: int) -> str:
    """The report as a registrator reads it (Swedish)."""
    if not found:
        return f"Inga personuppgifter hittades i {n_documents} dokument."
    out = []
    total: Counter = Counter()
    for d in found:
        out.append(f"{d.source}" + (f" — {d.title}" if d.title else ""))
        for s in d.sections:
            # a § label and its title; a memo's label is its title already
            head = (" ".join(p for p in (s.section, s.title) if p) if s.section and "§" in s.section
                    else s.title or s.section) or "(före första paragrafen)"
            parts = []
            for kind in PERSONAL_KINDS:
                places = [p for p in s.places if p.kind == kind]
                if places:
                    total[kind] += len(places)
                    values = f" [{'; '.join(p.value or '' for p in places)}]" if places[0].value is not None else ""
                    parts.append(f"{kind} {len(places)} ({_where(places)}){values}")
            out.append(f"  {head}: " + ", ".join(parts))
        if d.organisations:
            total[ORGANISATION] += len(d.organisations)
            values = f" [{'; '.join(p.value or '' for p in d.organisations)}]" if d.organisations[0].value is not None else ""
            out.append(f"  organisationsnummer (inte personuppgifter): {len(d.organisations)} ({_where(d.organisations)}){values}")
    with_personal = sum(1 for d in found if d.sections)
    summary = ", ".join(f"{total[k]} {k}" for k in (*PERSONAL_KINDS, ORGANISATION) if total[k])
    out.append(f"\nTotalt: {summary}; personuppgifter i {with_personal} av {n_documents} dokument.")
    if not any(p.value for d in found for s in d.sections for p in s.places):
        out.append("Värdena visas inte; --show visar dem.")
    return "\n".join(out)

