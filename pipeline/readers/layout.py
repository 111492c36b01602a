"""Where the offers are: which sheet of a workbook, which row holds the headers.

Producers' files put a hidden empty "Feuil1" or an "Instructions" cover sheet first, a
title row ("Organisme : | Institut …") above the headers, or no header at all. The
sheet and the row chosen are the ones whose cells match the most known column names
(headers.py); an input with no sheet holding anything, an empty CSV or one with only
its header is refused with one line that says what was looked at, instead of an
import of zero offers with exit 0 (headers that name nothing: grid.check_understood).
"""

from __future__ import annotations

from ..model.errors import InputError
from .headers import IGNORE, match_header
from ..model.fields import ENTITIES

HEADER_SEARCH_ROWS = 30  # a header below a long title block is still found
MIN_MATCHES = 2  # one matching cell is a coincidence ("Formation" in a title)


def _text(cell) -> str:
    if cell is None:
        return ""
    return cell.strip() if isinstance(cell, str) else str(cell).strip()


def header_score(row, entities: tuple[str, ...], mapping=None) -> int:
    """How many distinct known fields the cells of `row` name (by label, or by the
    `--colonnes` mapping when one is given)."""
    names = set()
    for cell in row:
        text = _text(cell)
        if text and len(text) < 200:
            name = match_header(text, entities)
            if not name and mapping is not None:
                mapped = mapping.lookup(text, entities)
                name = mapped if mapped and mapped != IGNORE else None
            if name:
                names.add(name)
    return len(names)


def best_header_row(
    rows: list, entities: tuple[str, ...] | None = None, limit: int = HEADER_SEARCH_ROWS, mapping=None
) -> tuple[int, int]:
    """(index, score) of the row naming the most known fields among the first `limit` rows
    (at least a third of its filled cells: a data row under a foreign header is not one).

    Without a row of MIN_MATCHES known names, the first row with two filled cells (the
    header of a sheet whose columns are all unknown), with score 0.
    """
    entities = entities or tuple(ENTITIES)
    best, best_score = None, 0
    for i, row in enumerate(rows[:limit]):
        score = header_score(row, entities, mapping)
        filled = sum(1 for c in row if _text(c))
        if score > best_score and score * 3 >= filled:  # a data row may hold a few words that are labels
            best, best_score = i, score
    if best is not None and best_score >= MIN_MATCHES:
        return best, best_score
    for i, row in enumerate(rows[:limit]):
        if sum(1 for c in row if _text(c)) >= 2:
            return i, 0
    return 0, 0


def choose_flat_sheet(
    sheets: dict, candidates: list[str], hidden: set[str], entities: tuple[str, ...], source: str
) -> str:
    """The candidate sheet whose header names the most offer fields; InputError when none does."""
    scored = []
    for order, name in enumerate(candidates):
        rows = sheets[name][0]
        _, score = best_header_row(rows, entities)
        scored.append((score, name not in hidden, -order, name))
    if scored:
        score, _, _, name = max(scored)
        if score >= MIN_MATCHES:
            return name
    filled = [n for n in candidates if _filled(sheets[n][0])]
    if filled:  # headers not recognised: grid.check_understood says which and what to do
        return min(filled, key=lambda n: (n in hidden, candidates.index(n)))
    looked = ", ".join(_describe(n, sheets[n][0], n in hidden) for n in candidates) or "aucune feuille"
    raise InputError(
        f"{source} : aucune feuille d'offres trouvée (ni Formations/Actions/Sessions/Dispositifs, "
        f"ni feuille remplie) ; feuilles lues : {looked}."
    )


def _filled(rows: list) -> bool:
    return any(_text(c) for row in rows[:HEADER_SEARCH_ROWS] for c in row)


def _describe(name: str, rows: list, hidden: bool) -> str:
    return f"« {name} » ({'masquée, ' if hidden else ''}vide)"


def require_header(rows: list, entities: tuple[str, ...], source: str) -> None:
    """A flat CSV must hold something, and rows below its header. (Headers that name no
    offer field are explained by grid.check_understood.)"""
    if not any(_text(c) for row in rows for c in row):
        raise InputError(f"{source} : fichier vide, aucune offre.")
    index, _ = best_header_row(rows, entities)
    if not any(_text(c) for row in rows[index + 1 :] for c in row):
        raise InputError(f"{source} : seulement la ligne d'en-tête (ligne {index + 1}), aucune offre dessous.")
