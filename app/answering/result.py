"""What `ask` returns: the outcome, the text, what it cites and why; one shape for the CLI's
JSON, the API and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from namndsok.model import Hit

NO_ANSWER = "Inget i handlingarna."  # the words of every no-answer

# an answer's marker "[2]": the citation it stands for (1-based)
MARKER_RE = re.compile(r"\[(\d{1,3})\]")


@dataclass
class Answer:
    question: str
    answer: str
    no_answer: bool
    citations: list[Hit]  # in the order of the markers [1], [2], …
    passages: list[Hit]  # everything retrieved, for "closest passages"
    mode: str = "extractive"  # or "generative" (a reader model's words), "facts" (from the protocol facts)
    note: str | None = None
    highlights: dict[int, list[str]] = field(default_factory=dict)  # citation index → sentences used
    flagged: list[str] = field(default_factory=list)  # citations the model invented, dropped
    no_answer_kind: str | None = None  # "nothing" or "near_miss" when no_answer
    decision: str | None = None  # "beslut" or "förslag" when the answer gives a decision
    language: str = "sv"
    confidence: float | None = None  # kept in the JSON for older clients; always None now
    # "answer" (a verified claim), "closest" (not verified: the closest places, each with its
    # best sentence, and why), "none" (the subject is not in the documents); see `reason`
    outcome: str = ""
    reason: str | None = None
    verify_score: float | None = None  # how well the claim is supported (eval's risk–coverage curve)

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "answer" if not self.no_answer else ("closest" if self.no_answer_kind == "near_miss" else "none")

    def to_json(self) -> dict[str, Any]:
        cites = []
        for n, h in enumerate(self.citations):
            d = h.to_json()
            d["marker"] = n + 1
            d["highlights"] = self.highlights.get(n, [])
            cites.append(d)
        return {
            "question": self.question,
            "outcome": self.outcome,
            "reason": self.reason,
            "answer": self.answer,
            "no_answer": self.no_answer,
            "no_answer_kind": self.no_answer_kind,
            "decision": self.decision,
            "language": self.language,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "citations": cites,
            "mode": self.mode,
            "note": self.note,
            "dropped_citations": self.flagged,
            "passages": [h.to_json() for h in self.passages] if self.no_answer else [],
        }
