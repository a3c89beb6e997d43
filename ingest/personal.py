"""Find personal data in a document's text at ingest: personnummer and samordningsnummer
(any written form, checked by the Luhn digit and a real date through the `personnummer`
library), Swedish phone numbers, e-mail addresses and street addresses with a postnummer;
organisationsnummer are found too, and kept apart as not personal.

What the documents are full of must never be taken for these: diarienummer ("2023/428",
"KS 2015/0119-100"), dates ("2020-09-16"), times ("08.00-08.48"), amounts ("10 000",
"-954 463"), § numbers. A number counts only when its digits stand alone (no digit, "/"
or "." beside them) and pass the checks; a phone number must start with 0 or +46 and have
8–10 digits; a run of digits without separators is a phone number only after "tel"/"tfn".
"""

from __future__ import annotations

import dataclasses
import re

from personnummer import personnummer as _pnr

from namndsok.model import Chunk, Document
from namndsok.personal import ORGANISATION, Span, mask

# YYYYMMDD-NNNN, YYMMDD-NNNN, YYMMDD+NNNN, with or without the sign; digits alone
_IDNUM_RE = re.compile(r"(?<![\d/.,:])(?<![\d/.,:]-)(?P<date>\d{8}|\d{6})(?P<sep>[-+]?)(?P<num>\d{4})(?![\d/]|[.,:-]\d)")
# 0 or +46, the area code, then the rest in groups separated by space or dash; a run of
# digits alone is handled separately (it needs a label)
_PHONE_RE = re.compile(
    r"(?<![\w/.,:+-])(?P<phone>(?:\+46[ \u00a0]?(?:\(0\)[ \u00a0]?)?|0)[1-9]\d{0,3}"
    r"(?:[ \u00a0]?[-–][ \u00a0]?|[ \u00a0])\d{2,4}(?:[ \u00a0-]\d{2,4}){0,3})(?![\w/]|[.,:]\d)"
)
_PHONE_LABEL_RE = re.compile(r"(?:tel|tfn|telefon|telefonnummer|mobil|mobilnr|mobilnummer|tel\.nr|telnr|sms)\b[.:;]?\s*$", re.IGNORECASE)
_PLAIN_PHONE_RE = re.compile(r"(?<![\w/.,:+-])(?P<phone>(?:\+46|0)[1-9]\d{6,8})(?![\w/]|[.,:]\d)")
# an address broken over lines before its "@" (an Exchange address in a forwarded mail:
# "<IMCEAEX-\n_o=Stockholm_ou=…\n@stockholm.se>")
_BROKEN_EMAIL_RE = re.compile(r"(?<![^\s<(\[])(?:[^\s<>()\[\]]+\n)+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
# a street (capitalised words) and its number, an optional part ("Box 503", "lgh 1102",
# "3 tr", "c/o …"), then the postnummer ("127 26", "12726") and the ort, on one or two lines
_WORD = r"[A-ZÅÄÖÉ][a-zåäöéü]+(?:[- ][A-ZÅÄÖÉa-zåäöéü][a-zåäöéü]+){0,3}"
_ADDRESS_RE = re.compile(
    rf"(?<![\w])(?P<street>{_WORD}[ \u00a0]\d{{1,4}}(?:[ \u00a0]?[A-Za-z])?(?![\w]))"
    r"(?P<extra>(?:,?[ \u00a0](?:Box|box|lgh|Lgh|c/o)[ \u00a0][\w ]{1,25}?|,?[ \u00a0]\d{1,2}[ \u00a0]?tr))?"
    r",?(?:[ \u00a0]{1,3}|[ \u00a0]*\n[ \u00a0]*)"
    rf"(?P<post>[1-9]\d{{2}}[ \u00a0]?\d{{2}})[ \u00a0]{{1,2}}(?P<ort>[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+(?:[- ][A-ZÅÄÖ][a-zåäö]+)?)(?![\w])"
)
# "Box 503, 127 26 Skärholmen" without a street
_BOX_RE = re.compile(
    r"(?<![\w])(?:Box|Postbox)[ \u00a0]\d{1,5},?(?:[ \u00a0]{1,3}|[ \u00a0]*\n[ \u00a0]*)"
    r"[1-9]\d{2}[ \u00a0]?\d{2}[ \u00a0]{1,2}[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+(?:[- ][A-ZÅÄÖ][a-zåäö]+)?(?![\w])"
)
# cheap first passes: the full patterns are tried only where these find something (detection
# ran at a third of the parsing time when every pattern scanned every character)
_IDNUM_GATE = re.compile(r"\d{6}(?:\d\d)?[-+]?\d{4}")
_EMAIL_AT_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_EMAIL_LOCAL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+\Z")
_POST_GATE = re.compile(r"[1-9]\d{2}[ \u00a0]?\d{2}[ \u00a0]{1,2}[A-ZÅÄÖ]")
# words that end a capitalised run but are not street names ("Totalt 954 463 …")
_NOT_STREETS = {"Totalt", "Summa", "Budget", "Utfall", "Prognos", "Sida", "Bilaga", "Punkt", "Paragraf", "Kap", "Dnr"}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 - i % 2)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def identity_kind(written: str) -> str | None:
    """"personnummer", "samordningsnummer" or "organisationsnummer" when a written number
    is a valid one (Luhn digit, and a real date for a person), else None."""
    m = _IDNUM_RE.fullmatch(written)
    if m is None:
        return None
    date, sep, num = m["date"], m["sep"], m["num"]
    if len(date) == 8 and date[:2] not in ("18", "19", "20"):
        return None
    try:
        p = _pnr.parse(date + sep + num)
    except _pnr.PersonnummerException:
        p = None
    if p is not None:
        return "samordningsnummer" if p.is_coordination_number() else "personnummer"
    # an organisationsnummer: NNNNNN-NNNN, its third digit 2 or more (never a month), Luhn
    ten = date[-6:] + num
    if len(date) == 6 or date[:2] == "16":
        if sep != "+" and int(ten[2]) >= 2 and _luhn_ok(ten):
            return ORGANISATION
    return None


def _overlaps(spans: list[Span], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def find_personal(text: str) -> list[Span]:
    """Every span of personal data (and every organisationsnummer) in `text`, in order,
    none overlapping another."""
    spans: list[Span] = []
    for at in _EMAIL_AT_RE.finditer(text):
        local = _EMAIL_LOCAL_RE.search(text, max(0, at.start() - 100), at.start())
        if local:
            spans.append(Span("e-post", local.start(), at.end()))
    if "\n@" in text:
        spans += [Span("e-post", m.start(), m.end()) for m in _BROKEN_EMAIL_RE.finditer(text)]
    for g in _IDNUM_GATE.finditer(text):
        m = _IDNUM_RE.match(text, g.start())
        kind = identity_kind(m[0]) if m else None
        if kind and not _overlaps(spans, m.start(), m.end()):
            spans.append(Span(kind, m.start(), m.end()))
    for g in _POST_GATE.finditer(text):
        # the street stands on the postnummer's line or the one before it
        first = text.rfind("\n", 0, max(0, text.rfind("\n", 0, g.start()))) + 1
        last = text.find("\n", g.end())
        last = len(text) if last < 0 else last
        for rx in (_ADDRESS_RE, _BOX_RE):
            for m in rx.finditer(text, first, last):
                if rx is _ADDRESS_RE and m["street"].split()[0] in _NOT_STREETS:
                    continue
                if not _overlaps(spans, m.start(), m.end()):
                    spans.append(Span("adress", m.start(), m.end()))
    for m in _PHONE_RE.finditer(text):
        end = _phone_end(m["phone"], m.start())
        if end is not None and not _overlaps(spans, m.start(), end):
            spans.append(Span("telefon", m.start(), end))
    for m in _PLAIN_PHONE_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if (8 <= _phone_digits(m["phone"]) <= 10 and _PHONE_LABEL_RE.search(text[max(line_start, m.start() - 30):m.start()])
                and not _overlaps(spans, m.start(), m.end())):
            spans.append(Span("telefon", m.start(), m.end()))
    return sorted(spans, key=lambda s: s.start)


def _phone_end(written: str, start: int) -> int | None:
    """Where a phone number written from `start` ends: its trailing groups are dropped
    while it has more than 10 digits ("08-123 45 67 2023" is a number and a year)."""
    while _phone_digits(written) > 10:
        cut = max(written.rfind(" "), written.rfind("\u00a0"), written.rfind("-"))
        if cut <= 0:
            return None
        written = written[:cut].rstrip(" \u00a0-–")
    return start + len(written) if _phone_digits(written) >= 8 else None


def _phone_digits(written: str) -> int:
    digits = re.sub(r"\D", "", written)
    if digits.startswith("46") and written.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    return len(digits)


def with_personal(doc: Document, redact: bool = False) -> Document:
    """The document with its personal data found (`doc.personal`); with `redact`, the text is
    masked first (page starts moved with it), so that nothing after this step ever holds
    the values — the spans then cover the labels."""
    spans = find_personal(doc.text)
    if not redact:
        doc.personal = spans
        return doc
    m = mask(doc.text, spans)
    orgs = [s for s in spans if s.kind == ORGANISATION]
    moved = sorted(m.spans + [Span(s.kind, m.at(s.start), m.at(s.end, end=True)) for s in orgs], key=lambda s: s.start)
    pages = [m.at(p) for p in doc.page_starts] if doc.page_starts else doc.page_starts
    return dataclasses.replace(doc, text=m.text, page_starts=pages, personal=moved)


def chunk_spans(doc: Document, chunk: Chunk) -> list[Span]:
    """The document's spans that fall in the chunk, as offsets into its text. A span cut by
    the chunk's edge or a left-out running head is kept for the part that is in the text."""
    out = []
    for s in doc.personal:
        if s.end <= chunk.start or s.start >= chunk.end:
            continue
        a, b = max(s.start, chunk.start), min(s.end, chunk.end)
        ta, tb = chunk.text_offset(a), chunk.text_offset(b)
        if tb > ta:
            out.append(Span(s.kind, ta, tb))
    return out
