"""The text a card shows: a passage (one chunk, or overlapping chunks of one section merged),
where its words and quoted sentences are, a snippet cut at word boundaries, and HTML with
marks and without the documents' markdown asterisks.

Offsets are kept in two frames: the passage's text (running heads left out, as in
`Chunk.text`) and the document's text, so that a link can land on the very sentence.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from namndsok.identifiers import PARA_SIGN_RE
from namndsok.index.lexical import tokenize
from namndsok.model import Chunk, Citation, Document, Section

SNIPPET_CHARS = 360
_WORD_RE = re.compile(r"\w+(?:[-:/]\w+)*", re.UNICODE)
# *emphasis* and **strong** as the documents' markdown writes them, within one line; a lone
# asterisk (a footnote mark: "VP 2021*", "*inkl. …") is text. Bold may be glued to a word
# ("saknades**Vägen dit**"), emphasis may not.
_STRONG_RE = re.compile(r"(\*\*)(?=[^\s*])([^*\n]*?[^\s*])\*\*")
_EMPH_RE = re.compile(r"(?<![\w*])(\*)(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])")
_BULLET_RE = re.compile(r"^([ \t]*)(?:- )?\* (?=\S)", re.MULTILINE)
_BLANKS_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+(?=\S)")
# HTML tags that a converted document kept as text ("<p> Beslut fattas …</p>")
_TAG_RE = re.compile(r"</?(?:p|br|b|i|em|strong|u|span|div)\s*/?>", re.IGNORECASE)
_CHECKBOX_RE = re.compile(r"<input type=\"checkbox\"(?P<on> checked(?:=\"[^\"]*\")?)?\s*/?>", re.IGNORECASE)
# a markdown link: its text is shown, "[…](#)" and escaped parentheses are not
_LINK_RE = re.compile(r"\[(?=[^\]\n]+\]\([^)\s]*\))(?P<text>[^\]\n]+)(?P<tail>\]\([^)\s]*\))")


@dataclass
class Passage:
    """A stretch of one document shown on a card."""

    doc: Document | None
    citation: Citation
    section: Section | None
    text: str
    start: int  # document offsets of the stretch, end exclusive
    end: int
    omitted: list[tuple[int, int]] = field(default_factory=list)  # document spans left out of text
    key: tuple[str, str, int] = ("", "", -1)  # (source, document hash, section index)

    @classmethod
    def of_chunk(cls, chunk: Chunk, doc: Document | None, section: Section | None) -> "Passage":
        return cls(doc, chunk.citation, section, chunk.text, chunk.start, chunk.end, list(chunk.omitted),
                   (chunk.source, chunk.doc_sha256, chunk.section_index))

    def overlaps(self, chunk: Chunk) -> bool:
        """Whether a chunk of the same section overlaps or touches this stretch."""
        return (chunk.source, chunk.doc_sha256, chunk.section_index) == self.key and chunk.start <= self.end \
            and chunk.end >= self.start

    def merge(self, chunk: Chunk) -> None:
        """Take in an overlapping chunk: the stretch grows to cover both, read from the document."""
        if self.doc is None:
            return
        self.start, self.end = min(self.start, chunk.start), max(self.end, chunk.end)
        self.omitted = sorted(set(self.omitted) | set(chunk.omitted))
        out, at = [], self.start
        for s, e in self.omitted:
            if e <= at or s >= self.end:
                continue
            out.append(self.doc.text[at:max(at, s)])
            at = max(at, e)
        out.append(self.doc.text[at:self.end])
        self.text = "".join(out)

    def doc_offset(self, t: int) -> int:
        """The document offset of position `t` in the text (omitted spans skipped)."""
        pos = self.start + t
        for s, e in self.omitted:
            if s < self.start:
                continue
            if s > pos:
                break
            pos += e - s  # a span at or before the position: the text skips it
        return pos


def query_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Spans of the words of `text` that match a word of the query (stemmed, stopwords out;
    identifiers such as 2023/428 and § 43 as the search reads them)."""
    wanted = set(tokenize(query))
    if not wanted:
        return []
    spans = []
    for m in _WORD_RE.finditer(text):
        toks = tokenize(m.group(0))
        if toks and any(t in wanted for t in toks):
            spans.append(m.span())
    for m in PARA_SIGN_RE.finditer(text):  # "§ 43" is one token of the query
        if tokenize(m.group(0)) and set(tokenize(m.group(0))) <= wanted:
            spans.append(m.span())
    return sorted(set(spans))


def sentence_span(text: str, sentence: str, from_pos: int = 0) -> tuple[int, int] | None:
    """Where a quoted sentence (whitespace made single spaces) stands in `text`."""
    words = sentence.split()
    if not words:
        return None
    m = re.compile(r"\s+".join(re.escape(w) for w in words)).search(text, from_pos)
    return m.span() if m else None


def window(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """A stretch of about `width` characters around the densest run of spans, cut at word
    boundaries (the whole text when it is short)."""
    if len(text) <= width * 1.3:
        return 0, len(text)
    first = last = 0
    if spans:
        best_n = 0
        for i, (s, _) in enumerate(spans):
            n = sum(1 for a, _ in spans[i:] if a < s + width)
            if n > best_n:
                first, best_n = s, n
        last = max(e for a, e in spans if first <= a < first + width)
    a = max(0, first - width // 4, last - width)
    b = min(len(text), max(a + width, last))
    if b == len(text):
        a = max(0, min(a, b - width))
    if a > 0:  # begin at a word: after the whitespace before it
        ws = re.search(r"\s", text[a:first] if first > a else text[a:])
        a = a + ws.end() if ws else a
    if b < len(text):  # end after a word
        cut = max(text.rfind(" ", max(a, last), b), text.rfind("\n", max(a, last), b))
        if cut > a:
            b = cut
        else:
            ws = re.search(r"\s", text[b:])
            b = b + ws.start() if ws else len(text)
    return a, b


def _cleanup_ops(text: str) -> dict[int, tuple[int, str]]:
    """Markdown to drop: position → (characters to skip, replacement)."""
    ops: dict[int, tuple[int, str]] = {}
    for m in _BULLET_RE.finditer(text):
        ops[m.start(0) + len(m[1])] = (m.end(0) - m.start(0) - len(m[1]), "• ")
    for m in _BLANKS_RE.finditer(text):  # a run of blank lines reads as one line break
        ops[m.start()] = (m.end() - m.start(), "\n")
    for m in _CHECKBOX_RE.finditer(text):
        ops[m.start()] = (m.end() - m.start(), "☑" if m["on"] else "☐")
    for m in _LINK_RE.finditer(text):
        ops[m.start()] = (1, "")
        ops[m.start("tail")] = (len(m["tail"]), "")
        for e in re.finditer(r"\\(?=[()])", m["text"]):  # "\(vgregion.se\)" → "(vgregion.se)"
            ops[m.start("text") + e.start()] = (1, "")
    for m in _TAG_RE.finditer(text):
        ops.setdefault(m.start(), (m.end() - m.start(), ""))
    for pattern in (_STRONG_RE, _EMPH_RE):
        for m in pattern.finditer(text):
            n = len(m[1])
            if m.start(1) not in ops and m.end(2) not in ops:
                # bold glued to the text around it was a heading of its own: "läsåret
                # 2019/2020**Produktionsutskottets beslut**" must not read "2019/2020Produktionsutskottets"
                before = m.start(1) > 0 and not text[m.start(1) - 1].isspace()
                after = m.end(2) + n < len(text) and not text[m.end(2) + n].isspace()
                ops[m.start(1)] = (n, " " if before else "")
                ops[m.end(2)] = (n, " " if after else "")
    return ops


def render(text: str, marks: list[tuple[int, int]] | None = None, mark_class: str = "", first_id: str | None = None,
           start: int = 0, end: int | None = None) -> str:
    """HTML of text[start:end]: escaped, markdown asterisks left out, bullets as •, and each
    span of `marks` (offsets in `text`) inside <mark> (the first with id `first_id`). The
    markdown is read in the whole text, so a cut never leaves half of a pair behind."""
    merged: list[list[int]] = []
    for s, e in sorted(marks or []):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        elif e > s:
            merged.append([s, e])
    ops = _cleanup_ops(text)
    cls = f' class="{mark_class}"' if mark_class else ""
    out: list[str] = []
    buf: list[str] = []
    n = len(text) if end is None else min(end, len(text))
    i, k, open_end, first = start, 0, None, first_id
    while k < len(merged) and merged[k][1] <= start:
        k += 1

    def flush() -> None:
        if buf:
            out.append(html.escape("".join(buf), quote=False))
            buf.clear()

    while i < n:
        if open_end is not None and i >= open_end:
            flush()
            out.append("</mark>")
            open_end = None
        if open_end is None and k < len(merged) and i >= merged[k][0]:
            flush()
            ident, first = (f' id="{first}"' if first else ""), None
            out.append(f"<mark{cls}{ident}>")
            open_end = merged[k][1]
            k += 1
        op = ops.get(i)
        if op is not None:
            skip, repl = op
            buf.append(repl)
            i += max(skip, 1)
            continue
        buf.append(text[i])
        i += 1
    flush()
    if open_end is not None:
        out.append("</mark>")
    return "".join(out)


# a figure grouped in thousands ("40 000", "1 250 000,5") and an ISO date ("2020-09-16"):
# never broken across lines ("5 / 000", "2020- / 09-16")
_WHOLE_RE = re.compile(r"(?<![\w])(?:\d{1,3}(?: \d{3})+(?:,\d+)?|\d{4}-\d\d-\d\d)(?![\w])")
_MARK_TAG_RE = re.compile(r"<mark[^>]*>|</mark>")
_FIGURE_RE = re.compile(r"[-–]?\s*[\d\s]+(?:,\d+)?\s*%?")


def _balanced(parts: list[str]) -> list[str]:
    """HTML pieces cut from one rendered text, each closing the <mark> it leaves open and
    reopening the one it was cut inside (without its id, which stays with the first)."""
    out, carry = [], ""
    for part in parts:
        text = carry + part
        tags = _MARK_TAG_RE.findall(text)
        carry = ""
        if tags and tags[-1] != "</mark>":
            carry = re.sub(r' id="[^"]*"', "", tags[-1])
            text += "</mark>"
        out.append(text)
    return out


def _table(rows: list[list[str]]) -> str:
    cells = []
    for row in rows:
        tds = []
        for cell in row:
            plain = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            cls = ' class="ns-fig"' if plain and _FIGURE_RE.fullmatch(plain) else ""
            tds.append(f"<td{cls}>{cell}</td>")
        cells.append(f"<tr>{''.join(tds)}</tr>")
    return f'<table class="ns-tab">{"".join(cells)}</table>'


def keep_whole(html_text: str) -> str:
    """Rendered text as a reader needs it on any screen: lines of tab-separated cells (a
    table's rows, "Invent ny/omb skola/fsk	2 000	10 000") as a table, so its year columns
    stand under their years, and figures and dates never broken across lines."""
    if "\t" in html_text:
        items: list[tuple[bool, str]] = []
        rows: list[list[str]] = []
        for line in _balanced(html_text.split("\n")):
            if "\t" in line:
                rows.append(_balanced(line.split("\t")))
                continue
            if rows:
                items.append((True, _table(rows)))
                rows = []
            items.append((False, line))
        if rows:
            items.append((True, _table(rows)))
        out = ""
        for n, (is_table, part) in enumerate(items):
            # a table is a block of its own: no line break of the text before or after it
            out += ("\n" if n and not is_table and not items[n - 1][0] else "") + part
        html_text = out
    return _WHOLE_RE.sub(lambda m: f'<span class="ns-nw">{m.group(0)}</span>', html_text)


def snippet_html(text: str, marks: list[tuple[int, int]], width: int = SNIPPET_CHARS, mark_class: str = "") -> tuple[str, int, int]:
    """A snippet around the marks, with "…" where it was cut: (html, start, end in text)."""
    a, b = window(text, marks, width)
    if b < len(text):  # no dangling bullet or dash before the cut
        b = a + len(text[a:b].rstrip(" \t\n*•-"))
    inner = render(text, marks, mark_class, start=a, end=b)
    return ("… " if a > 0 else "") + inner + (" …" if b < len(text) else ""), a, b
