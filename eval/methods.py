"""The methods `namndsok eval` compares: the naive baseline and named SearchSettings.

Variants are built from the default settings, never by patching module constants:
`--variant "w5:bm25_weight=0.5,units_weight=1"`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from namndsok.index.settings import DEFAULT_INDEX, DEFAULT_SEARCH, IndexSettings, SearchSettings

METHODS: dict[str, Any] = {
    "naive": "naive",
    "bm25": DEFAULT_SEARCH.with_(mode="bm25"),
    "dense": DEFAULT_SEARCH.with_(mode="dense"),
    # the hybrid before issue 9: chunk vectors and BM25, reciprocal rank fusion
    "hybrid-rrf": DEFAULT_SEARCH.with_(fusion="rrf", units_weight=0.0, bm25_weight=1.0, foreign_bm25_factor=1.0),
    "hybrid": DEFAULT_SEARCH,
}
DEFAULT_METHODS = ("naive", "bm25", "dense", "hybrid-rrf", "hybrid")


def parse_variant(spec: str) -> tuple[str, SearchSettings]:
    """"NAME:key=value,key=value" → (NAME, the default settings with those values)."""
    name, _, body = spec.partition(":")
    if not name or not body:
        raise SystemExit(f"namndsok eval: --variant {spec!r} should read NAME:key=value,…")
    return name, DEFAULT_SEARCH.with_(**_changes(body, DEFAULT_SEARCH))


def parse_index_settings(body: str) -> IndexSettings:
    return DEFAULT_INDEX.with_(**_changes(body, DEFAULT_INDEX))


def _changes(body: str, default: Any) -> dict[str, Any]:
    names = {f.name for f in fields(default)}
    changes: dict[str, Any] = {}
    for part in body.split(","):
        key, _, raw = part.partition("=")
        key = key.strip()
        if key not in names:
            raise SystemExit(f"namndsok eval: unknown setting {key!r}; settings are {', '.join(sorted(names))}")
        current = getattr(default, key)
        if isinstance(current, bool):
            changes[key] = raw.strip().lower() in ("1", "true", "yes")
        elif isinstance(current, (int, float)):
            changes[key] = type(current)(float(raw))
        else:
            changes[key] = raw.strip()
    return changes
