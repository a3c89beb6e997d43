"""Personal data in a text as spans (kind, start, end), and the one function that masks them.

Ingest finds the spans (ingest/personal.py) and stores them with each document and chunk;
whatever shows text with the personal data hidden (`serve --redact`, `ingest --redact`)
masks through `mask`, which also says where every old offset lands in the new text, so
that sections, chunks, pages and sentence units still point at the right places.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, NamedTuple

# what is personal; an organisationsnummer is found and reported, but is not personal data
PERSONAL_KINDS = ("personnummer", "samordningsnummer", "telefon", "e-post", "adress")
ORGANISATION = "organisationsnummer"
KINDS = (*PERSONAL_KINDS, ORGANISATION)
# what a reader sees instead of the value
LABELS = {k: f"[{k}]" for k in PERSONAL_KINDS}
# the masks as they stand in a masked text (a search leaves them out of its terms)
LABEL_RE = re.compile("|".join(re.escape(v) for v in LABELS.values()))
# the note shown wherever masked text is shown (Swedish: it is shown to users)
MASKED_NOTE = ("Personuppgifter är maskerade: personnummer, samordningsnummer, telefonnummer, "
               "e-postadresser och adresser visas som [personnummer], [telefon], [e-post] och [adress].")


class Span(NamedTuple):
    """A stretch of text [start, end) holding one kind of identifying data."""

    kind: str
    start: int
    end: int


def spans_from_json(raw: Iterable) -> list[Span]:
    """Spans as stored in JSON ([kind, start, end] lists); absent in an older index."""
    return [Span(str(k), int(s), int(e)) for k, s, e in raw or []]


def personal(spans: Iterable[Span]) -> list[Span]:
    """The spans that are personal data (an organisationsnummer is not)."""
    return [s for s in spans if s.kind in LABELS]


@dataclass
class Masked:
    """A masked text, its spans (now each covering its label) and where old offsets went."""

    text: str
    spans: list[Span]
    _old_starts: list[int]
    _old_ends: list[int]
    _new_starts: list[int]
    _new_ends: list[int]

    def at(self, offset: int, end: bool = False) -> int:
        """Where an offset of the original text lies in the masked text. An offset inside a
        masked span goes to the mask's start, or (`end`: the end of a stretch) its end."""
        i = bisect.bisect_right(self._old_starts, offset) - 1
        if i < 0:
            return offset
        if offset >= self._old_ends[i]:  # after span i: shifted by what span i changed
            return offset - self._old_ends[i] + self._new_ends[i]
        if offset == self._old_starts[i]:
            return self._new_starts[i]
        return self._new_ends[i] if end else self._new_starts[i]

    @property
    def changed(self) -> bool:
        return bool(self.spans)


def mask(text: str, spans: Iterable[Span]) -> Masked:
    """`text` with every personal span replaced by its label ("[personnummer]"); the line
    breaks a span held are kept after its label, so that line numbers stay right. Spans that
    overlap an earlier one and organisationsnummer are left as they are."""
    out: list[str] = []
    kept: list[Span] = []
    olds, olde, news, newe = [], [], [], []
    at, shift = 0, 0
    for s in sorted(personal(spans), key=lambda s: (s.start, -s.end)):
        if s.start < at or s.end <= s.start or s.end > len(text):
            continue
        label = LABELS[s.kind] + "\n" * text.count("\n", s.start, s.end)
        out += [text[at:s.start], label]
        new_start = s.start + shift
        olds.append(s.start)
        olde.append(s.end)
        news.append(new_start)
        newe.append(new_start + len(label))
        kept.append(Span(s.kind, new_start, new_start + len(LABELS[s.kind])))
        shift += len(label) - (s.end - s.start)
        at = s.end
    out.append(text[at:])
    return Masked("".join(out), kept, olds, olde, news, newe)


def masked_kinds(text: str, spans: Iterable[Span]) -> list[str]:
    """The kinds whose label stands at its span in `text` (what a masked passage hides)."""
    return sorted({s.kind for s in personal(spans) if text[s.start:s.end] == LABELS[s.kind]})
