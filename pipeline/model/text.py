"""Text folding shared by header matching and enumeration look-up."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9+]+")


class _NonCombining(dict):
    """str.translate table that drops combining marks, filled as characters are met
    (one `unicodedata.combining` per distinct character instead of per character)."""

    def __missing__(self, code: int):
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _NonCombining()


def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into single spaces.

    "Date début *" and "date_debut" both fold to "date debut"; used wherever a
    person's spelling must meet a canonical name.
    """
    text = str(text)
    if text.isascii():  # nothing to decompose: the same result, without the per-character work
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING)
    text = text.replace("œ", "oe").replace("Œ", "oe").lower()
    return _NON_ALNUM.sub(" ", text).strip()


def column_letter(index: int) -> str:
    """0-based column index to an Excel column letter (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
