"""Question sets: the schema, loading, and the frozen dev/test split.

`eval/questions/` holds the `dev` files (tune on them), the `test` files (report only;
their sha256 are recorded in eval/RESULTS.md before any tuning and checked by the tests) and
`regression.jsonl` (the first 101 questions, written beside the earlier tuning). Each line
is one question; `kind` says what is asked, `style` how (a `paraphrase` shares no
distinctive word with its evidence), `lang` in which language. `evidence` (and
`evidence_alt`) are verbatim spans of the gold document that state the answer: a retrieved
passage is relevant when its text holds one of them (see metrics.passage_relevant).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTION_DIR = HERE / "questions"
SPLITS = ("dev", "test", "regression")
KINDS = ("fact", "amount", "decision", "person", "date", "dnr", "no_answer")
STYLES = ("paraphrase", "literal", "keyword")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    kind: str
    style: str = "literal"
    lang: str = "sv"
    doc: str | None = None
    evidence: str | None = None
    evidence_alt: tuple[str, ...] = field(default_factory=tuple)
    answer: str | None = None
    section: str | None = None  # § label as written in the heading ("§ 43", "KSPU § 10:3")
    section_title: str | None = None
    subsection: str | None = None  # innermost numbered heading line, as written
    dnr: str | None = None
    decision_kind: str | None = None  # "beslut" or "förslag" for decision questions
    near_miss: bool = False  # no_answer: the subject is in the corpus, the asked fact is not

    @property
    def answerable(self) -> bool:
        return self.kind != "no_answer"

    @property
    def evidences(self) -> list[str]:
        return [e for e in (self.evidence, *self.evidence_alt) if e]

    @property
    def group(self) -> str:
        """The reporting group: English questions, Swedish paraphrases, or the kind."""
        if self.kind == "no_answer":
            return "no_answer"
        if self.lang != "sv":
            return "english" if self.lang == "en" else "foreign"
        return "paraphrase" if self.style == "paraphrase" else self.kind


def load_questions(path: Path) -> list[Question]:
    names = {f.name for f in fields(Question)}
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            try:
                kw = {k: v for k, v in d.items() if k in names}
                kw["evidence_alt"] = tuple(kw.get("evidence_alt") or ())
                kw["near_miss"] = bool(kw.get("near_miss"))
                q = Question(**kw)
            except TypeError as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
            if q.kind not in KINDS or q.style not in STYLES:
                raise ValueError(f"{path}:{n}: kind {q.kind!r} / style {q.style!r} unknown")
            out.append(q)
    return out


# A split is its files: the 260 questions of 2026-11-26 and, since 2026-12-05, 80 on claims
# (60 unanswerable: a subject the corpus never mentions or a near miss; 20 answerable in
# everyday words) and 30 on who said what in the protocols. Each file is frozen on its own.
# protocol-dev2.jsonl (2026-12-05): 48 more on who said what, written from the two protocols
# before the fact questions were tuned on them (dev only). protocol-dev3.jsonl (2026-12-05): 50 more
# (12 English, 10 unanswerable) by other askers' words, written blind before the next tuning (dev only).
SPLIT_FILES = {
    "dev": ("dev.jsonl", "claims-dev.jsonl", "protocol-dev.jsonl", "protocol-dev2.jsonl", "protocol-dev3.jsonl"),
    "test": ("test.jsonl", "claims-test.jsonl", "protocol-test.jsonl"),
    "regression": ("regression.jsonl",),
}


def split_paths(split: str) -> list[Path]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return [QUESTION_DIR / name for name in SPLIT_FILES[split]]


def load_split(split: str) -> list[Question]:
    return [q for path in split_paths(split) for q in load_questions(path)]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
