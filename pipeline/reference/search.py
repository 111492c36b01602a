"""Finding a certification the way a person remembers it: title words or a code nearly right.

Titles: accents, case and punctuation are ignored, small words dropped, and each
word of the query meets its closest word of a title (same word, prefix, or close
spelling: "soignante" meets "soignant"). A title scores by the share of the query
it covers, then by the share of its own words matched (a short exact title beats
a long one that merely contains the words).
Codes: every code at one edit of the given one (a digit changed, added, dropped,
or two neighbours swapped) that exists in the reference.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field

from ..model.text import fold

STOPWORDS = {
    "d",
    "de",
    "des",
    "du",
    "l",
    "la",
    "le",
    "les",
    "et",
    "en",
    "a",
    "au",
    "aux",
    "un",
    "une",
    "pour",
    "par",
    "sur",
}
CODE = re.compile(r"^\s*(?:(rncp|rs)\s*)?(\d{1,7})\s*$", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    return [w for w in fold(text).split() if w not in STOPWORDS]


def looks_like_code(text: str) -> bool:
    return bool(CODE.match(text))


def word_similarity(query: str, word: str) -> float:
    if query == word:
        return 1.0
    short, long_ = sorted((query, word), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return 0.9
    ratio = difflib.SequenceMatcher(None, query, word).ratio()
    return ratio if ratio >= 0.8 else 0.0


@dataclass
class TitleIndex:
    """Inverted index word -> entry keys, over Certif Info records and fiches without a record."""

    titles: dict[str, list[str]] = field(default_factory=dict)  # key -> title words
    postings: dict[str, set[str]] = field(default_factory=dict)  # word -> keys
    vocabulary: list[str] = field(default_factory=list)  # sorted words

    @classmethod
    def build(cls, reference) -> "TitleIndex":
        index = cls()
        entries = list(zip(reference.certifs.index, reference.certifs["intitule"]))
        linked = set(reference.certifs_by_fiche)
        entries += [
            (k, title) for k, title in zip(reference.fiches.index, reference.fiches["intitule"]) if k not in linked
        ]
        for key, title in entries:
            words = tokens(str(title))
            index.titles[key] = words
            for w in set(words):
                index.postings.setdefault(w, set()).add(key)
        index.vocabulary = sorted(index.postings)
        return index

    def _close_words(self, query: str) -> dict[str, float]:
        """Words of the vocabulary close to `query`, with their similarity."""
        out = {}
        if query in self.postings:
            out[query] = 1.0
        if len(query) >= 4:  # words starting with the query
            i = bisect.bisect_left(self.vocabulary, query)
            while i < len(self.vocabulary) and self.vocabulary[i].startswith(query):
                out.setdefault(self.vocabulary[i], 0.9)
                i += 1
        for w in difflib.get_close_matches(query, self.vocabulary, n=8, cutoff=0.8):
            out.setdefault(w, word_similarity(query, w))
        for n in range(4, len(query)):  # the query extends a word: "soignante" -> "soignant"
            prefix = query[:n]
            if prefix in self.postings:
                out.setdefault(prefix, 0.9)
        return out

    def search(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        query = list(dict.fromkeys(tokens(text)))
        if not query:
            return []
        scores: dict[str, float] = {}
        matched: dict[str, set[str]] = {}
        for q in query:
            best: dict[str, tuple[float, str]] = {}
            for word, sim in self._close_words(q).items():
                for key in self.postings[word]:
                    if key not in best or sim > best[key][0]:
                        best[key] = (sim, word)
            for key, (sim, word) in best.items():
                scores[key] = scores.get(key, 0.0) + sim
                matched.setdefault(key, set()).add(word)
        ranked = []
        for key, total in scores.items():
            coverage = total / len(query)
            own = len(matched[key]) / max(len(set(self.titles[key])), 1)
            ranked.append((coverage + 0.2 * own, key))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return [(key, score) for score, key in ranked[:limit] if score >= 0.35]


def _one_edit(digits: str) -> set[str]:
    """Digit strings at one substitution, insertion, deletion or adjacent swap."""
    out = set()
    for i in range(len(digits)):
        out.add(digits[:i] + digits[i + 1 :])
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i + 1 :])
        if i + 1 < len(digits):
            out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    for i in range(len(digits) + 1):
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i:])
    out.discard(digits)
    return {c for c in out if c and not c.startswith("0")}


def near_codes(reference, code: str) -> list[str]:
    """Keys (Certif Info codes or fiche numbers) at one edit of `code`; swaps and changes first."""
    m = CODE.match(code)
    if not m:
        return []
    prefix, digits = (m.group(1) or "").upper(), m.group(2).lstrip("0") or "0"
    variants = _one_edit(digits)
    same_length = sorted(v for v in variants if len(v) == len(digits))
    other = sorted(v for v in variants if len(v) != len(digits))
    keys = []
    for v in same_length + other:
        if prefix:
            numero = prefix + v
            if numero in reference.certifs_by_fiche:
                keys += reference.certifs_by_fiche[numero]
            elif numero in reference.fiches.index:
                keys.append(numero)
        elif v in reference.certifs.index:
            keys.append(v)
    return list(dict.fromkeys(keys))
