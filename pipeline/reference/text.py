"""Small parsers shared by the reference loaders: codes, levels, flags, dates, lists."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..text import fold

LIST_SPLIT = re.compile(r"[\s,;|]+")
LEVEL = re.compile(r"(\d)")
YES = {"oui", "o", "1", "true", "vrai", "yes", "y", "x", "archive", "archivee"}


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
    text = clean(value).lower()
    return text in YES or (bool(text) and fold(text) in YES)


def date(value) -> dt.date | None:
    """dd/mm/yyyy (France Compétences) or yyyy-mm-dd (canonical CSV)."""
    text = clean(value)
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def split_list(value) -> list[str]:
    return [p for p in LIST_SPLIT.split(clean(value)) if p]
