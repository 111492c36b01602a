"""Header resolution: which field each column of a sheet is read as, and why.

Headers are matched leniently ("Date début *", "date_debut", "Date de début" are one
column). The template's and SOFI's labels (and their synonyms) win over internal field
names: `CertifInfo` is SOFI's label of the Certif Info code, even though `certifinfo` is
the internal name of the yes/no field. A spelling that could mean two fields is decided
by the column's content (digits -> the code, oui/non -> the yes/no field). A mapping
file (`fasd colonnes`, `--colonnes`) overrides all of this. Every decision is kept
(`ColumnDecision`) for the report's `Colonnes` sheet and `report.json`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field as dc_field
from functools import lru_cache

from . import column_evidence as evidence
from .column_evidence import (
    CERTAIN,
    CONTRADICT,
    STRONG,
    TO_CHECK,
    Agreement,
    Guess,
    agreement,
    nearest_field,
)
from ..model.fields import ENTITIES, Kind
from ..model.text import fold

# Columns our own outputs add to a sheet (report.xlsx): read back without complaint.
IGNORED_HEADERS = {fold(h) for h in ("Statut", "Statut de la ligne", "Constats")}

# How a header was matched, as the report and `fasd colonnes` say it.
HOW_MAPPING = "fichier de correspondance"
HOW_LABEL = "libellé exact"
HOW_SYNONYM = "synonyme"
HOW_NAME = "nom interne"
HOW_CONTENT = "contenu"
HOW_CLOSE = "orthographe proche"
HOW_DUPLICATE = "en double"
HOW_UNKNOWN = "non reconnue"
HOW_OURS = "colonne du rapport"
IGNORE = "ignorer"


@dataclass
class ColumnDecision:
    """What one header of one sheet was read as (field None: ignored)."""

    source: str
    sheet: str
    letter: str
    header: str
    field: str | None
    entity: str = ""
    how: str = ""
    why: str = ""
    samples: list[str] = dc_field(default_factory=list)
    suggestion: str | None = None  # nearest known label, for an unrecognised header
    content: list[str] = dc_field(default_factory=list, repr=False)  # first non-blank cells, for guesses
    certainty: str = ""  # column_evidence: CERTAIN, LIKELY or TO_CHECK ("" for a column not read)
    guess: Guess | None = dc_field(default=None, repr=False)  # what an unrecognised header may hold
    contradicted: Agreement | None = dc_field(default=None, repr=False)  # values against a mapped field

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "sheet": self.sheet,
            "column": self.letter,
            "header": self.header,
            "field": self.field or "",
            "entity": self.entity,
            "how": self.how,
            "why": self.why,
            "certainty": self.certainty,
            "samples": list(self.samples),
        }


@lru_cache(maxsize=None)
def header_candidates(entities: tuple[str, ...]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Folded spelling -> ((field, how), …), best first: labels, synonyms, then internal names.

    With several entities (the flat layout), a field name shared by a child and its
    parent (`ref_formation` in formations and actions) is one column, as intended.
    """
    ranked: dict[str, dict[str, tuple[int, str]]] = {}
    for name in entities:
        for f in ENTITIES[name].fields:
            spellings = [(0, HOW_LABEL, f.label)] + [(1, HOW_SYNONYM, s) for s in f.synonyms] + [(2, HOW_NAME, f.name)]
            for rank, how, spelling in spellings:
                options = ranked.setdefault(fold(spelling), {})
                if f.name not in options or rank < options[f.name][0]:
                    options[f.name] = (rank, how)
    return {
        spelling: tuple((name, how) for name, (_, how) in sorted(options.items(), key=lambda kv: kv[1][0]))
        for spelling, options in ranked.items()
    }


@lru_cache(maxsize=None)
def header_index(entities: tuple[str, ...]) -> dict[str, str]:
    """Folded spelling -> the field it means first."""
    return {spelling: options[0][0] for spelling, options in header_candidates(entities).items()}


PARENTHESES = re.compile(r"\([^()]*\)")


def header_options(header: str, entities: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
    """The fields `header` may mean by its spelling, best first; a remark in parentheses
    does not count (« Numéro UAI (pour localiser cette formation) » is « Numéro UAI »)."""
    candidates = header_candidates(entities)
    options = candidates.get(fold(header))
    if options is None and "(" in header:
        options = candidates.get(fold(PARENTHESES.sub(" ", header)))
    return options


def match_header(header: str, entities: tuple[str, ...]) -> str | None:
    options = header_options(header, entities)
    return options[0][0] if options else None


def entity_of(name: str, entities: tuple[str, ...]) -> str:
    """The first of `entities` that has the field (ref_formation: formation)."""
    return next((e for e in entities if name in ENTITIES[e].by_name), "")


def field_spec(name: str, entities: tuple[str, ...]):
    return ENTITIES[entity_of(name, entities)].field(name)


@lru_cache(maxsize=None)
def _labels(entities: tuple[str, ...]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for e in entities:
        for f in ENTITIES[e].fields:
            labels.setdefault(fold(f.label), f.label)
            for s in f.synonyms:
                labels.setdefault(fold(s), f.label)
    return labels


def closest_headers(header: str, entities: tuple[str, ...], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The template labels nearest to an unrecognised header by spelling alone (labels and
    synonyms): those it spells strongly first (column_evidence.spelling), then by likeness."""
    labels = _labels(entities)
    scored = []
    for folded, label in labels.items():
        strength = evidence.spelling(header, folded)
        ratio = difflib.SequenceMatcher(None, fold(header), folded).ratio()
        if strength == STRONG or (strength and ratio >= cutoff):
            scored.append((-strength, -ratio, label))
    return list(dict.fromkeys(label for *_, label in sorted(scored)))[:n]


def closest_header(header: str, entities: tuple[str, ...]) -> str | None:
    """The template label nearest to an unrecognised header, for the suggestion."""
    best = closest_headers(header, entities, n=1)
    return best[0] if best else None


def fits(value: str, f) -> bool:
    """True when `value` reads as a value of field `f` (converts, and has its code shape)."""
    from .normalise import Unconvertible, convert_cell

    try:
        typed = convert_cell(value, f)
    except Unconvertible:
        return False
    if f.pattern and not f.multi and f.kind is not Kind.ENUM:
        return re.fullmatch(f.pattern, str(typed)) is not None
    return True


def decide_by_content(
    options: tuple[tuple[str, str], ...], values: list[str], entities: tuple[str, ...]
) -> tuple[str, str]:
    """Among the fields a header may mean, the one its values fit best (ties: the label's).

    Returns (field, why)."""
    sample = [v.strip() for v in values if v and v.strip()][:200]
    if not sample:
        return options[0][0], "colonne vide : lue selon son libellé"
    scores = []
    for name, _ in options:
        spec = field_spec(name, entities)
        scores.append((sum(fits(v, spec) for v in sample), name))
    best = max(score for score, _ in scores)
    name = next(n for score, n in scores if score == best)
    spec = field_spec(name, entities)
    others = " ou ".join(f"« {field_spec(n, entities).label.rstrip(' *')} »" for n, _ in options)
    return name, (
        f"en-tête ambigu ({others}) : son contenu ({best}/{len(sample)} valeur(s) lisibles) "
        f"désigne « {spec.label.rstrip(' *')} »"
    )


def samples_of(values: list[str], n: int = 3) -> list[str]:
    """A few distinct non-blank values of a column, for `fasd colonnes` and the report."""
    out: list[str] = []
    for v in values:
        v = (v or "").strip()
        if v and v not in out:
            out.append(v[:60])
            if len(out) == n:
                break
    return out


def resolve_headers(
    header: list[str],
    column_values,
    entities: tuple[str, ...],
    *,
    source: str,
    sheet: str,
    letters: list[str],
    mapping=None,
) -> list[ColumnDecision]:
    """One decision per non-blank header cell, in sheet order.

    `column_values(j)` gives the text cells of column j (for content decisions and
    samples); `mapping` is a `ColumnMapping` read from `--colonnes`, or None.
    """
    decisions: list[ColumnDecision] = []
    taken: set[str] = set()
    for j, text in enumerate(header):
        text = (text or "").strip()
        if not text:
            continue
        values = column_values(j)
        d = ColumnDecision(source, sheet, letters[j], text, None, samples=samples_of(values))
        mapped = mapping.lookup(text, entities, sheet) if mapping is not None else None
        if mapped is not None:
            d.field, d.how = (None if mapped == IGNORE else mapped), HOW_MAPPING
            d.why = (
                mapping.ignored_why(text, sheet) if mapped == IGNORE else "indiquée par le fichier de correspondance"
            )
        elif fold(text) in IGNORED_HEADERS:
            d.how, d.why = HOW_OURS, "colonne ajoutée par le rapport de fasd"
        else:
            options = header_options(text, entities)
            if options:
                if len(options) > 1:
                    d.field, d.why = decide_by_content(options, values, entities)
                    d.how = HOW_CONTENT
                else:
                    d.field, d.how = options[0]
                    d.why = {
                        HOW_LABEL: "libellé du modèle ou de SOFI",
                        HOW_SYNONYM: "autre nom connu du champ",
                        HOW_NAME: "nom interne du champ",
                    }[d.how]
            else:
                d.how = HOW_UNKNOWN
                d.content = [v for v in values[:500] if v and v.strip()][:50]
                guess = d.guess = nearest_field(text, d.content, entities, taken)
                d.suggestion = field_spec(guess.field, entities).label if guess else None
                d.why = "en-tête inconnu" + (
                    f" (proposition {guess.certainty} : « {field_spec(guess.field, entities).plain_label} »)"
                    if guess
                    else ""
                )
        if d.field is not None and d.field in taken:
            d.how, d.why, d.field = HOW_DUPLICATE, f"« {d.field} » est déjà lu dans une colonne précédente", None
        if d.field is not None:
            _weigh(d, d.field, values, entities)
            taken.add(d.field)
            d.entity = entity_of(d.field, entities)
        decisions.append(d)
    return decisions


def _weigh(d: ColumnDecision, name: str, values: list[str], entities: tuple[str, ...]) -> None:
    """The certainty of a column read as field `name`: sure, unless its values contradict
    the field (the header alone never outweighs them: the person is told to check)."""
    said = agreement(values, field_spec(name, entities))
    d.certainty = CERTAIN
    if said.verdict == CONTRADICT:
        d.certainty = TO_CHECK
        d.why += f" ; mais {said.seen - said.fit} valeur(s) sur {said.seen} n'en ont pas la forme"
        if d.how == HOW_MAPPING:
            d.contradicted = said
