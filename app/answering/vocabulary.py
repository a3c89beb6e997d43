"""The corpus's words, as a question's words are checked against them: by stem, by a part of
a compound, through a Swedish synonym, or through an English–Swedish dictionary.

A question's content word becomes a `Term` with the ways it can be found in a text (its
`alternatives`: each a tuple of stems that must all be there, e.g. the two parts of a
compound the corpus does not use whole). A term with no alternative is a word no document
uses by any route ("simhall", "laddstolpar"): the answer then says the documents do not
mention it. Built once per loaded index.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from namndsok.index.lexical import tokenize

from .question import MONTHS, QUESTION_WORDS, WORD_RE, Question
from .wordlists import WordLists

_MID_WORD_RE = re.compile(r"(?<=[\w,)] )([^\W\d_]+(?:-[^\W\d_]+)*)", re.UNICODE)
# A past-tense or participle form says what happened, not what about ("ledde", "flyttades",
# "anmält"): such a word the corpus does not use does not make the subject unknown.
_VERB_SHAPE_RE = re.compile(r"(?:de|te|des|tes|ats|its|tt|dd|lt|nt)$")
_NOT_VERB_RE = re.compile(r"(?:ande|ende)$")

# an unknown word this long (or a capitalised name) makes the subject unknown
MIN_TELLING = 7
# a stem at least this long also matches inside a longer word ("avgift" in
# "parkeringsavgiften", "familjecentral" in "familjecentralsavtalet"); shorter ones only whole
MIN_PART = 5


@dataclass(frozen=True)
class Term:
    word: str  # as asked, lower-case unless the corpus writes it capitalised ("Minirosen")
    weight: float  # the rarer in the corpus, the heavier (BM25 idf)
    alternatives: tuple[tuple[str, ...], ...]  # stems that must all be found, any one tuple
    # a word the documents would not use if they spoke of the subject is a name or a noun; a
    # short word the corpus lacks is more often a verb form ("höll", "deltog") than a subject
    telling: bool = True

    @property
    def known(self) -> bool:
        return bool(self.alternatives)


def stem_of(word: str) -> str | None:
    toks = tokenize(word)
    return toks[0] if toks else None


def stem_matches(stem: str, tokens: set[str]) -> bool:
    if stem in tokens:
        return True
    return len(stem) >= MIN_PART and any(stem in t for t in tokens)


def _plain(stem: str) -> str:
    return stem.replace("ä", "a").replace("ö", "o")


def _english_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


class Vocabulary:
    """What the corpus says, word by word; `terms(question)` reads a question against it."""

    def __init__(self, vocabulary: dict, idf, chunk_texts: list[str], organs: list[str], lists: WordLists):
        # plain word stems of the BM25 vocabulary (not its character n-grams or identifiers)
        self.stems = frozenset(t for t in vocabulary if t and t[0] != "#" and not t[0].isdigit() and t[0] != "§")
        # a plural or a case that changes the vowel ("ledamot" / "ledamöter", "stad" / "städer")
        self._umlaut: dict[str, set[str]] = {}
        for t in self.stems:
            self._umlaut.setdefault(_plain(t), set()).add(t)
        self._idf = idf
        self.lists = lists
        self._parts: dict[str, bool] = {}
        self._case = self._casing(chunk_texts)
        # the organs' names say where, not what about ("produktionsutskottet", "VästKoms")
        self.context = frozenset(x for o in organs for x in (stem_of(w) for w in WORD_RE.findall(o)) if x)
        self._synonyms: dict[str, set[str]] = {}
        for word, syns in lists.synonyms.items():
            s = stem_of(word)
            if s:
                self._synonyms.setdefault(s, set()).update(x for x in (stem_of(y) for y in syns) if x)

    @staticmethod
    def _casing(texts: list[str]) -> dict[str, str]:
        """word → how the corpus writes it, for words it writes capitalised most of the time
        (names, acronyms): "minirosen" → "Minirosen", "kspu" → "KSPU"."""
        seen: Counter[str] = Counter()
        for t in texts:
            # only words inside a sentence: a heading or a sentence capitalises its first word
            seen.update(m[1] for m in _MID_WORD_RE.finditer(t))
        best: dict[str, tuple[int, str]] = {}
        lower: Counter[str] = Counter()
        for w, n in seen.items():
            lw = w.lower()
            if w == lw:
                lower[lw] += n
            elif n > best.get(lw, (0, ""))[0]:
                best[lw] = (n, w)
        return {lw: w for lw, (n, w) in best.items() if n > lower[lw]}

    def organs_named(self, q: Question) -> list[str]:
        """The stems of the organ names the question uses ("utbildningsnämnden" → utbildningsnämnd)."""
        return [s for s in (stem_of(w) for w in dict.fromkeys(q.words)) if s and self._context(s)]

    def _context(self, stem: str) -> bool:
        """The stem is (a form of) a word of an organ's name ("arbetsutskottets")."""
        return stem in self.context or any(len(c) >= MIN_PART and stem.startswith(c) for c in self.context)

    def truecase(self, word: str) -> str:
        return self._case.get(word, word)

    def known_stem(self, stem: str) -> bool:
        """The corpus uses this stem, whole or (when long enough) inside a longer word."""
        if stem in self.stems:
            return True
        if len(stem) < MIN_PART:
            return False
        if stem not in self._parts:
            self._parts[stem] = any(stem in t for t in self.stems)
        return self._parts[stem]

    def _swedish(self, word: str) -> tuple[tuple[str, ...], ...]:
        stem = stem_of(word)
        if not stem:
            return ()
        if self.known_stem(stem):
            return ((stem,),)
        alts = [(s,) for s in sorted(self._umlaut.get(_plain(stem), ()))]
        alts += [(s,) for s in sorted(self._synonyms.get(stem, ())) if s in self.stems]
        if alts:
            return tuple(alts)
        return self._compound(word)

    def _compound(self, word: str) -> tuple[tuple[str, ...], ...]:
        """A compound the corpus does not use whole, known when both its parts are
        ("skolbussarna" → skol + buss); a linking s is allowed ("parkeringsavgift")."""
        if len(word) < 7:
            return ()
        for i in range(3, len(word) - 2):
            head = word[:i]
            for tail in (word[i:], word[i + 1 :] if word[i] == "s" else None):
                if not tail or len(tail) < 3:
                    continue
                t, h = stem_of(tail), stem_of(head) or head
                if t and t in self.stems and (h in self.stems or (len(head) >= 4 and any(s.startswith(head) for s in self.stems))):
                    return ((head if h not in self.stems else h, t),)
        return ()

    def _english(self, word: str) -> tuple[tuple[str, ...], ...]:
        stem = stem_of(word)
        if stem and stem in self.stems:  # a name: "Minirosen", "Österåker"
            return ((stem,),)
        forms = [word, re.sub(r"ies$", "y", word), re.sub(r"es$", "", word), re.sub(r"s$", "", word)]
        out: list[tuple[str, ...]] = []
        for f in dict.fromkeys(forms):
            for sv in self.lists.english.get(f, ()):
                for alt in self._swedish(sv):
                    if alt not in out:
                        out.append(alt)
            if out:
                break
        return tuple(out)

    def terms(self, q: Question) -> list[Term]:
        """The question's content words (question words, stopwords and the organs' names out)."""
        stop = set(tokenize(" ".join(q.words)))  # tokenize drops stopwords: what survives is content
        english = _english_stopwords() if q.language != "sv" else frozenset()
        out: list[Term] = []
        for w in dict.fromkeys(q.words):
            if w in QUESTION_WORDS or w in english or w in MONTHS or len(w) < 2 or w in q.identifier_words:
                continue
            s = stem_of(w)
            if s is None or s not in stop or self._context(s):
                continue
            if q.language == "sv" and _VERB_SHAPE_RE.search(w) and not _NOT_VERB_RE.search(w):
                continue  # a verb form says what happened, not what about ("ledde", "anmält")
            alts = self._swedish(w) if q.language == "sv" else self._english(w)
            if not alts and q.language != "sv":
                continue  # an English word the small dictionary lacks says nothing about the documents
            weight = self._idf([s])[0] if alts and alts[0][0] == s else max(self._idf(["\0"]))
            named = next((a for a in q.asked_words if a.lower() == w and a[:1].isupper()), None)
            shown = self._case.get(w) or (named if named and not named.isupper() else None) or w
            out.append(Term(shown, float(weight), alts, telling=bool(named) or len(w) >= MIN_TELLING))
        return out

    def translated(self, q: Question) -> str | None:
        """For a question in another language: the words BM25 can match — its names (words the
        corpus uses as they are) and the dictionary's Swedish words for the rest."""
        if q.language == "sv":
            return None
        english = _english_stopwords()
        words: list[str] = []
        for w in dict.fromkeys(q.words):
            if w in english:
                continue
            stem = stem_of(w)
            if stem and stem in self.stems:
                words.append(w)
                continue
            forms = [w, re.sub(r"ies$", "y", w), re.sub(r"es$", "", w), re.sub(r"s$", "", w)]
            words += next((list(self.lists.english[f]) for f in forms if f in self.lists.english), [])
        return " ".join(words) or None

    def found(self, term: Term, tokens: set[str]) -> bool:
        """Whether a text (its lexical `tokens`) holds the term by one of its alternatives."""
        return any(all(stem_matches(s, tokens) for s in alt) for alt in term.alternatives)
