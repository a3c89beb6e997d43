"""What a source is, in the words a reader expects: "Tjänsteutlåtande 2016-03-20, till
Kommunfullmäktige", "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16", and the
reference a journalist pastes: "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16,
KSPU § 10:3, Dnr PU 2020/0011, s. 3".

A date means different things by document: a protocol's and a kallelse's date is the
meeting's, a tjänsteutlåtande's or a report's is the day it was written, addressed to the
organ named ("Till Kommunfullmäktige"). A part of a bundle with an organ of its own (a
VästKom protocol attached to a kallelse) is labelled as that part, with the bundle named.
Pure functions of the document model; nothing here reads the index.
"""

from __future__ import annotations

import re

from namndsok.model import Citation, Document, Section

# what a part of a bundle is, from its first section's title ("Mötesanteckning SRO", "PROTOKOLL")
_PART_KINDS = ("protokoll", "mötesanteckning", "minnesanteckning", "kallelse", "föredragningslista", "tjänsteutlåtande")
_ITEM_LABEL_RE = re.compile(r"^(\d{1,3})\.?$")
SHORT_TITLE = 70  # characters of a long title shown in a one-line label


def short(text: str | None, limit: int = SHORT_TITLE) -> str:
    """`text` cut at a word boundary with "…" when longer than `limit`."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return f"{cut} …"


def part_kind(doc: Document, section: Section | None) -> str | None:
    """For a section of a bundle part with its own organ: what that part is ("protokoll",
    "mötesanteckning"), from the title of the part's first section; else None."""
    if section is None or not section.organ:
        return None
    kind = None
    for s in doc.sections:
        if s.kind == "front" and s.organ == section.organ:
            words = s.title.strip().lower().split()
            kind = next((k for k in _PART_KINDS if words and words[0].startswith(k)), "handling")
        if s is section:
            break
    return kind or "handling"


TYPE_LABELS = {"other": "övrigt"}  # the model's value → what the page shows


def type_label(doc_type: str) -> str:
    """A document type as the page names it ("other" is "övrigt"; the value stays in links and the API)."""
    return TYPE_LABELS.get(doc_type, doc_type)


def document_label(doc_type: str, organ: str | None, date: str | None) -> str:
    """What a document is and what its date means, for a whole document."""
    organ = organ or ""
    when = date or "odaterad"
    if doc_type == "protokoll":
        return f"{organ}, protokoll {when}" if organ else f"Protokoll {when}"
    if doc_type == "kallelse":
        return f"{organ}, kallelse till sammanträdet {when}" if organ else f"Kallelse till sammanträdet {when}"
    if doc_type == "tjänsteutlåtande":
        return f"Tjänsteutlåtande {when}, till {organ}" if organ else f"Tjänsteutlåtande {when}"
    if doc_type == "rapport":
        return f"Rapport {when}, till {organ}" if organ else f"Rapport {when}"
    return ", ".join(p for p in (organ, date) if p) or "Handling"


def source_parts(doc: Document | None, section: Section | None, c: Citation) -> tuple[str, str | None]:
    """The label of the document a passage comes from and, for a part of a bundle with an
    organ of its own, the bundle it is in: ("SRO, mötesanteckning 2023-05-03",
    "Utbildningsnämndens arbetsutskott, kallelse till sammanträdet 2023-12-06")."""
    kind = part_kind(doc, section) if doc is not None else None
    if kind and doc is not None:
        return f"{c.organ}, {kind} {c.date or 'odaterad'}", document_label(doc.doc_type, doc.organ, doc.date)
    return document_label(c.doc_type, c.organ, c.date), None


def source_label(doc: Document | None, section: Section | None, c: Citation) -> str:
    """source_parts as one line: "SRO, mötesanteckning 2023-05-03 (i Utbildningsnämndens
    arbetsutskott, kallelse till sammanträdet 2023-12-06)"."""
    label, bundle = source_parts(doc, section, c)
    return f"{label} (i {bundle})" if bundle else label


def where(c: Citation, section: Section | None = None, title_limit: int = SHORT_TITLE, with_title: bool = True) -> str:
    """The place in the document: "KSPU § 10:3 Produktionsdirektören informerar", "punkt 10
    Samverkansavtal …", a tjänsteutlåtande's title; numbered headings below it with ›.
    `with_title` False leaves a labelled section's title out (a card that shows it already)."""
    if section is not None and section.kind == "front":
        return ""
    label = (c.section or "").strip()
    title = (c.section_title or (section.title if section is not None else "") or "").strip()
    if not with_title and label and title and label != title:
        title = ""
    m = _ITEM_LABEL_RE.match(label)
    bare = lambda s: s.rstrip(" …").strip()  # noqa: E731 - a label may be a shortened title
    if m:
        head = f"punkt {m[1]}" + (f" {short(title, title_limit)}" if title else "")
    elif title and (bare(title).startswith(bare(label)) or bare(label).startswith(bare(title))):
        head = short(max(title, label, key=len), title_limit)
    elif title and title != label:
        head = f"{label} {short(title, title_limit)}".strip()
    else:
        head = short(label, title_limit)
    return " › ".join([head] + [short(h, 50) for h in c.heading_path]) if head else " › ".join(c.heading_path)


def reference(doc: Document | None, section: Section | None, c: Citation) -> str:
    """A reference to paste: "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16,
    KSPU § 10:3, Dnr PU 2020/0011, s. 3"; a section known by its title is quoted."""
    parts = [source_label(doc, section, c)]
    label = (c.section or "").strip()
    m = _ITEM_LABEL_RE.match(label)
    if section is not None and section.kind == "front":
        pass
    elif m:
        title = c.section_title or (section.title if section is not None else "")
        parts.append(f"punkt {m[1]}" + (f" ”{short(title)}”" if title else ""))
    elif label and re.search(r"§|\d", label) and len(label) < 30:
        parts.append(label)
    elif label:
        parts.append(f"”{short(label)}”")
    if c.heading_path:
        parts.append(f"avsnitt {short(c.heading_path[-1], 50)}")
    parts += c.locator()
    return ", ".join(parts)


def document_title(doc: Document | None, c: Citation) -> str:
    """The document's own title (never its file name, unless it has no other)."""
    return (doc.title if doc is not None else c.title) or c.title or c.source
