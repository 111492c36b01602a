"""What a header's words and a column's values say about the field it holds.

Guessing by spelling alone proposed « Niveau de la formation » as « Site lieu » (one
shared word) and postcodes as « Date début » (an Excel serial number is a date too):
a user who accepted the proposals imported postcodes as dates. A guess here needs
evidence of two kinds and says how much it has:
- `spelling`: STRONG when every meaningful word of a label is in the header (each
  word as written or with a typo) and they make at least half of it, WEAK when they only share some words;
- `agreement`: whether the column's values have the shape the field needs, read
  strictly (a date written as a date, not a bare number; a URL; a code of its
  pattern; a number) — AGREE, CONTRADICT, or NEUTRAL for a field whose values can be
  anything (a text, a reference).
`nearest_field` combines them: a strong spelling the values do not contradict is
LIKELY, a weak one only counts when the values agree with a field whose values say
what they are, and a guess by the values alone is TO_CHECK.
"""

from __future__ import annotations

import difflib
import re
from itertools import islice
from dataclasses import dataclass

from ..model.fields import ENTITIES, Field, Kind
from .placeholders import is_placeholder
from ..model.text import fold

# How sure a reading of a header is, as the mapping file and the Colonnes sheet say it.
CERTAIN = "sûre"
LIKELY = "probable"
TO_CHECK = "à vérifier"

AGREE, NEUTRAL, CONTRADICT = "agree", "neutral", "contradict"
STRONG, WEAK = 2, 1

# Words that carry no meaning of their own in a header.
STOP_WORDS = frozenset(
    "a au aux avec ce cette d de des du en et l la le les ou par pour sa ses son sur un une dans".split()
)
# Words shared by many labels: one of them in common is not evidence of a field.
GENERIC_WORDS = frozenset("formation action session code numero n no nom site libelle intitule type".split())
WRITTEN_DATE = re.compile(
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?"
)
AGREE_SHARE = 0.8  # at least this share of the values fits: the values agree
CONTRADICT_SHARE = 0.5  # less than this share fits: they contradict


def words(text: str) -> list[str]:
    """The meaningful words of a header or label, folded, in the singular
    (« Codes postaux du lieu * » -> code, postaux, lieu)."""
    found = [w for w in re.split(r"[^a-z0-9]+", fold(text)) if w and w not in STOP_WORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found]


def likeness(header: str, label: str) -> float:
    return difflib.SequenceMatcher(None, " ".join(words(header)), " ".join(words(label))).ratio()


def _word_in(word: str, header_words: list[str]) -> bool:
    return any(
        w == word or (len(word) > 3 and difflib.SequenceMatcher(None, w, word).ratio() >= 0.85) for w in header_words
    )


def spelling(header: str, label: str) -> int:
    """STRONG, WEAK or 0: how strongly `header` spells `label`."""
    h, lab = " ".join(words(header)), " ".join(words(label))
    if not h or not lab:
        return 0
    header_words, label_words = h.split(), lab.split()
    found = [w for w in label_words if _word_in(w, header_words)]
    covers = len(found) * 2 >= len(header_words)  # « lieu » is not « Code postal du lieu »
    if len(found) == len(label_words) and covers and any(w not in GENERIC_WORDS for w in found):
        return STRONG
    return WEAK if any(w not in GENERIC_WORDS for w in found) else 0


def telling(f: Field) -> bool:
    """A field whose values say what they are (a date, an address, a number, a code of a pattern)."""
    return f.kind not in (Kind.TEXT, Kind.REF) and not (f.kind is Kind.CODE and not f.pattern)


def value_fits(value: str, f: Field) -> bool:
    """`value` has the shape field `f` needs, read strictly (see the module docstring)."""
    from .normalise import DATE_START, Unconvertible, convert_cell, split_multi
    from ..model.fields import PATTERNS

    text = value.strip()
    if f.kind is Kind.DATE:
        parts = split_multi(text, f) if f.multi else [text]
        shape = DATE_START.match if f.with_place else WRITTEN_DATE.fullmatch
        if not all(shape(p.strip()) for p in parts):
            return False  # 25500 (a postcode), 2026 (a year), « 9,10,11 » (months) are no written dates
    try:
        typed = convert_cell(text, f)
    except (Unconvertible, ValueError):
        return False
    items = typed if isinstance(typed, list) else [typed]
    if f.kind is Kind.SIRET:
        from stdnum.fr import siret

        return all(siret.is_valid(str(v)) for v in items)
    pattern = f.pattern if f.kind is not Kind.ENUM else None
    pattern = pattern or PATTERNS.get(f.kind)
    return pattern is None or all(re.fullmatch(pattern, str(v), re.ASCII) for v in items)


@dataclass(frozen=True)
class Agreement:
    verdict: str  # AGREE, NEUTRAL, CONTRADICT
    fit: int = 0
    seen: int = 0

    def __str__(self) -> str:
        return f"{self.fit}/{self.seen}"


def agreement(values: list[str], f: Field, limit: int = 200) -> Agreement:
    """What the non-blank values of a column say about field `f`."""
    filled = (v.strip() for v in values if v and v.strip())
    sample = list(islice((v for v in filled if not is_placeholder(v)), limit))  # a large sheet: its first values
    if not sample or not telling(f):
        return Agreement(NEUTRAL, 0, len(sample))
    fit = sum(value_fits(v, f) for v in sample)
    share = fit / len(sample)
    verdict = AGREE if share >= AGREE_SHARE else CONTRADICT if share < CONTRADICT_SHARE else NEUTRAL
    return Agreement(verdict, fit, len(sample))


@dataclass(frozen=True)
class Guess:
    field: str
    certainty: str  # LIKELY or TO_CHECK
    why: str


def _spellings(f: Field) -> list[str]:
    return [f.label, *f.synonyms]


def nearest_field(header: str, values: list[str], entities: tuple[str, ...], taken: set) -> Guess | None:
    """The field an unrecognised header most likely holds, with its certainty; None without evidence."""
    best: tuple | None = None
    for e in entities:
        for f in ENTITIES[e].fields:
            if f.name in taken:
                continue
            strength, like = max((spelling(header, s), likeness(header, s)) for s in _spellings(f))
            if not strength:
                continue
            said = agreement(values, f)
            if said.verdict == CONTRADICT or (strength == WEAK and (said.verdict != AGREE)):
                continue
            rank = (strength, said.verdict == AGREE, like)
            if best is None or rank > best[0]:
                best = (rank, f, said)
    label = lambda f: f.label.rstrip(" *")  # noqa: E731
    if best is not None:
        (strength, *_), f, said = best
        values_say = f" ; ses valeurs en ont la forme ({said})" if said.verdict == AGREE else ""
        if strength == STRONG:
            return Guess(f.name, LIKELY, f"en-tête proche de « {label(f)} »{values_say}")
        return Guess(f.name, TO_CHECK, f"en-tête qui ressemble à « {label(f)} »{values_say}")
    return None


def guess_by_values(values: list[str], entities: tuple[str, ...], taken: set, kinds) -> Guess | None:
    """A field of one of `kinds` whose shape nearly all the values have (a column of
    e-mail addresses): a guess the person must check."""
    for e in entities:
        for f in ENTITIES[e].fields:
            if f.kind in kinds and f.name not in taken and not f.multi:
                said = agreement(values, f, limit=50)
                if said.verdict == AGREE:
                    return Guess(
                        f.name, TO_CHECK, f"valeurs de la forme attendue par « {f.label.rstrip(' *')} » ({said})"
                    )
    return None
