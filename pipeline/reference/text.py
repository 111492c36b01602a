"""Small parsers shared by the reference loaders: codes, levels, flags, dates, lists."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..readers.dates import DAY_FIRST
from ..readers.normalise import YES, Unconvertible, parse_date
from ..model.text import fold

LIST_SPLIT = re.compile(r"[\s,;|]+")
LEVEL = re.compile(r"(\d)")


def clean(value) -> str:
    """A cell as stripped text; NaN and None become ''."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def certifinfo_code(value) -> str:
    """'111669', '111669.0', ' 0111669 ' -> '111669'; anything else stays as written."""
    text = re.sub(r"\.0+$", "", clean(value))
    return text.lstrip("0") or text if text.isdigit() else text


def fiche_code(value, prefix: str = "RNCP") -> str:
    """'rncp 35830', '35830' -> 'RNCP35830'; 'RS5432' kept. Empty stays empty."""
    text = re.sub(r"\s", "", clean(value)).upper()
    if not text:
        return ""
    if text.isdigit():
        return prefix + text
    return text


def level(value) -> str:
    """European level '4' from '4', 'NIV4', 'Niveau 4'; '' when absent."""
    m = LEVEL.search(clean(value))
    return m.group(1) if m else ""


def flag(value) -> bool:
    """oui/non, 1/0, true/false… as the offer files accept them; 'archivé(e)' too."""
    text = clean(value).lower()
    if text in YES or text in ("", "non", "n", "0", "false", "no"):  # the common cases, without folding
        return text in YES
    return fold(text) in YES or fold(text) in ("archive", "archivee")


def date(value, order: str = DAY_FIRST) -> dt.date | None:
    """yyyy-mm-dd or dd/mm/yyyy (mm/dd/yy in a month-first column, see pipeline/readers/dates.py),
    with the offer files' parser; None when empty or not a date."""
    text = clean(value)
    if not text:
        return None
    try:
        return parse_date(text, order)
    except Unconvertible:
        return None


def split_list(value) -> list[str]:
    return [p for p in LIST_SPLIT.split(clean(value)) if p]
