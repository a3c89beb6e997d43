"""Word lists that help where the embedding model is weak: Swedish synonyms and an
English–Swedish dictionary, read from small files shipped with namndsok (app/answering/data/).

The files are derived once from Debian's `mythes-sv` (Folkets synonymlexikon) and
`dict-freedict-eng-swe` by `python -m namndsok.app.answering.wordlists --build`, and filtered,
since both are noisy: a synonym pair is kept only when the two words share a third synonym
(a triangle: "kostnad"–"avgift" share "taxa") or when both words have at most two synonyms
(a specific pair: "simhall"–"badhus"); "lärare"–"idioter" shares nothing and is dropped.
FreeDict entries whose phonetic transcription belongs to a longer phrase than the headword
("place /pleisɔfwəːʃip/ kyrka") are dropped. A hand-written list of municipal words
(data/eng_swe_municipal.tsv) comes first.
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).with_name("data")
SYNONYMS_FILE = DATA / "synonyms_sv.tsv"
ENG_SWE_FILE = DATA / "eng_swe.tsv"
MUNICIPAL_FILE = DATA / "eng_swe_municipal.tsv"

MYTHES = Path("/usr/share/mythes/th_sv_SE_v2.dat")
FREEDICT = Path("/usr/share/dictd/freedict-eng-swe")


@dataclass(frozen=True)
class WordLists:
    """Swedish word → its synonyms; English word → Swedish words (all lower-case)."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path = DATA) -> "WordLists":
        english: dict[str, tuple[str, ...]] = {}
        for path in (folder / MUNICIPAL_FILE.name, folder / ENG_SWE_FILE.name):
            for word, values in _read_tsv(path).items():
                english.setdefault(word, values)  # the municipal list wins
        return cls(_read_tsv(folder / SYNONYMS_FILE.name), english)


def _read_tsv(path: Path) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        word, values = line.split("\t", 1)
        vals = tuple(v.strip().lower() for v in values.split(",") if v.strip())
        if vals:
            out[word.strip().lower()] = out.get(word.strip().lower(), ()) + vals
    return out


# ------------------------------------------------------------------ building the files


def filtered_synonyms(path: Path = MYTHES) -> dict[str, set[str]]:
    """One-word synonym pairs of mythes-sv that share a third synonym, or are specific."""
    lines = path.read_text(encoding="latin-1").split("\n")
    graph: dict[str, set[str]] = defaultdict(set)
    i = 1  # the first line names the encoding
    while i < len(lines):
        if not lines[i] or "|" not in lines[i]:
            i += 1
            continue
        word, count = lines[i].rsplit("|", 1)
        n = int(count) if count.isdigit() else 0
        for meaning in lines[i + 1 : i + 1 + n]:
            for syn in meaning.split("|")[1:]:
                syn = syn.strip().lower()
                if syn and " " not in syn and syn != word.lower() and " " not in word:
                    graph[word.lower()].add(syn)
                    graph[syn].add(word.lower())
        i += 1 + n
    kept: dict[str, set[str]] = defaultdict(set)
    for a, near in graph.items():
        for b in near:
            if (graph[a] & graph[b]) or (len(graph[a]) <= 2 and len(graph[b]) <= 2):
                kept[a].add(b)
    return kept


def freedict_entries(base: Path = FREEDICT) -> dict[str, set[str]]:
    """English headword → Swedish words from a dictd database (index + dict.dz)."""
    data = gzip.open(f"{base}.dict.dz").read()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def number(s: str) -> int:
        v = 0
        for ch in s:
            v = v * 64 + alphabet.index(ch)
        return v

    out: dict[str, set[str]] = defaultdict(set)
    for line in Path(f"{base}.index").read_text(encoding="utf-8").splitlines():
        head, off, size = line.split("\t")
        if head.startswith("00") or " " in head:
            continue
        body = data[number(off) : number(off) + number(size)].decode("utf-8").split("\n")
        m = re.match(r"\S+ /([^/]*)/", body[0])
        if m and len(m[1]) > 1.6 * len(head) + 3:  # the transcription of a longer phrase
            continue
        for line2 in body[1:]:
            line2 = re.sub(r"^\d+\.\s*", "", line2)
            for w in line2.split(","):
                w = w.strip().lower()
                if w and " " not in w:
                    out[head.lower()].add(w)
    return out


def build(folder: Path = DATA) -> None:
    syn = filtered_synonyms()
    eng = freedict_entries()
    folder.mkdir(parents=True, exist_ok=True)
    head = "# derived by `python -m namndsok.app.answering.wordlists --build`; see data/SOURCES.md\n"
    (folder / SYNONYMS_FILE.name).write_text(
        head + "".join(f"{w}\t{','.join(sorted(s))}\n" for w, s in sorted(syn.items())), encoding="utf-8")
    (folder / ENG_SWE_FILE.name).write_text(
        head + "".join(f"{w}\t{','.join(sorted(s))}\n" for w, s in sorted(eng.items()) if s), encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m namndsok.app.answering.wordlists", description=__doc__.split("\n\n")[0])
    p.add_argument("--build", action="store_true",
                   help="rebuild data/ from Debian's mythes-sv and dict-freedict-eng-swe (apt-get install them first)")
    if p.parse_args().build:
        build()


if __name__ == "__main__":
    main()
