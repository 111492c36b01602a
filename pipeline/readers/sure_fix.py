"""The value a refused cell should hold, when it can be told without guessing (issue 28 §7).

A cell the checks refuse (BAD_ENUM, BAD_FORMAT) sometimes says its value plainly in a form
they do not take: a closed-list label with its spaces lost (« sansniveauspécifique »), a
date in words (« lundi 7 septembre 2026 ») or year first (« 2026/09/07 »), a number with
its unit (« 1 200,50 € », « 35 h », « 12 places »). `sure_fix` returns the text the checks
accept for it, or None as soon as two readings are possible: the fix goes into the
finding's `fix` column and `fasd corriger` writes it into the user's copy; the import
itself still reports the cell (nothing is silently guessed).
"""

from __future__ import annotations

import datetime as dt
import re

from ..model.fields import Field, Kind
from ..model.lists import enumeration
from ..model.text import fold
from .dates import DAY_FIRST, MONTH_FIRST

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# « 7 septembre 2026 », « lundi 1er sept. 2026 » (folded: accents gone, punctuation as spaces)
IN_WORDS = re.compile(r"(?:(?:%s) )?(\d{1,2})(?: ?er)? ([a-z]+) (\d{4})" % "|".join(WEEKDAYS), re.ASCII)
YEAR_FIRST = re.compile(r"(\d{4})[/. ](\d{1,2})[/. ](\d{1,2})", re.ASCII)
SPACED = re.compile(r"(\d{1,2}) (\d{1,2}) (\d{4})", re.ASCII)

# A number's unit, by what the field holds: the unit a person writes after it.
MONEY_UNITS = ("€", "eur", "euro", "euros")
HOUR_UNITS = ("h", "heure", "heures", "hrs")
NUMBER = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f\u2009'’]\d{3})+(?:[.,]\d+)?|[+-]?\d+(?:[.,]\d+)?", re.ASCII)


def sure_fix(text: str, field: Field, order: str = DAY_FIRST) -> str | None:
    """The accepted spelling of `text` (one refused value, one element of a list) for
    `field`, or None. A list cell is fixed element by element by normalise.py."""
    if field.with_place:
        return None
    return _one_fix(text, field, order)


def _one_fix(text: str, field: Field, order: str) -> str | None:
    if field.kind is Kind.ENUM:
        return enum_fix(text, field.table or "")
    if field.kind is Kind.DATE:
        return date_fix(text, order)
    if field.kind.number and not field.percent:
        return number_fix(text, field)
    return None


def _compact(text: str) -> str:
    return fold(text).replace(" ", "")


def enum_fix(text: str, table: str) -> str | None:
    """The one label of the list that `text` spells once accents, case, spaces and
    punctuation are set aside (« sansniveauspécifique », « PROGRAMMEREGION - … »)."""
    target = _compact(text)
    if not target:
        return None
    enum = enumeration(table)
    found: dict[str, str] = {}  # choice code -> its first spelling that `text` spells
    for choice in enum.choices:
        for spelling in (choice.label, choice.code, *choice.aliases):
            if _compact(spelling) == target:
                found.setdefault(choice.code, spelling)
    if len(found) != 1:
        return None
    ((code, spelling),) = found.items()
    chosen = enum.by_code(code)
    if chosen is None:
        return None
    for written in (spelling, enum.short_label(chosen), chosen.label):
        if enum.match(written) is chosen:  # the spelling written back must read as this choice
            return written
    return None


def date_fix(text: str, order: str = DAY_FIRST) -> str | None:
    """A date in words, year first or spaced, written as the column writes its dates
    (jj/mm/aaaa, or mm/jj/aaaa in a column read month first)."""
    t = fold(text.replace("1er", "1 er"))
    date = None
    if m := IN_WORDS.fullmatch(t):
        month = MONTHS.get(m.group(2))
        if month is not None:
            date = _date(int(m.group(3)), month, int(m.group(1)))
    elif m := YEAR_FIRST.fullmatch(text.strip()):
        date = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := SPACED.fullmatch(t):
        d, mth = int(m.group(1)), int(m.group(2))
        if order == MONTH_FIRST:
            d, mth = mth, d
        date = _date(int(m.group(3)), mth, d)
    if date is None:
        return None
    return date.strftime("%m/%d/%Y" if order == MONTH_FIRST else "%d/%m/%Y")


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _units(field: Field) -> tuple[str, ...]:
    name = field.name
    if field.money:
        return MONEY_UNITS + (("ht",) if name.endswith("_ht") else ()) + (("ttc",) if name.endswith("_ttc") else ())
    if name.endswith("_h"):
        return HOUR_UNITS
    if "places" in name:
        return ("place", "places")
    return ()


def number_fix(text: str, field: Field) -> str | None:
    """A number followed by its field's unit, or grouped by thousands with an apostrophe or a
    thin space: the number alone, a decimal comma (« 1200,5 »)."""
    t = text.strip()
    m = NUMBER.match(t)
    if not m:
        return None
    rest = t[m.end() :].strip().lower().rstrip(".")
    units = _units(field)
    if rest:
        words = [w for w in re.split(r"\s+", rest.replace("€", " € ")) if w]
        if not words or any(w not in units for w in words):
            return None
    number = re.sub(r"[ \u00a0\u202f\u2009'’]", "", m.group(0))
    if re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", number):
        return None  # « 1,200 € »: 1,2 or 1 200, a choice for the person
    value = float(number.replace(",", "."))  # digits and one separator: NUMBER
    if field.kind is Kind.INT:
        if not value.is_integer():
            return None
        return str(int(value))
    return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
