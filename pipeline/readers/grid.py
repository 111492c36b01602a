"""A sheet as a grid of cells -> raw tables, whatever the file format.

The xlsx and CSV readers both end here: find the header row, match headers to
canonical fields, keep every cell as text with its Excel row number and column letter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..model.findings import Findings
from .column_evidence import CERTAIN
from .headers import (
    HOW_DUPLICATE,
    HOW_MAPPING,
    HOW_UNKNOWN,
    ColumnDecision,
    entity_of,
    field_spec,
    resolve_headers,
)
from ..model.fields import ENTITIES
from ..model.tables import SourceColumn, Table, conform
from ..model.text import column_letter, fold
from ..model.errors import InputError
from .columns import ColumnTexts
from .layout import best_header_row
from . import derived_refs
from .sessionless import capacity_of, derive_refs, is_sessionless, lacking


def cell_text(value) -> str:
    """A cell as the text a person sees: dates as jj/mm/aaaa, 111669.0 as 111669."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):  # shown as a French Excel shows it
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def find_header_row(rows: list[list], entities: tuple[str, ...] | None = None, mapping=None) -> int:
    """Index of the header row: the one naming the most known fields (readers/layout.py)."""
    return best_header_row(rows, entities, mapping=mapping)[0]


def grid_to_frame(
    rows: list[list],
    *,
    source: str,
    sheet: str,
    entities: tuple[str, ...],
    findings: Findings,
    first_row: int = 1,
    first_col: int = 0,
    mapping=None,
):
    """Turn rows of cells into a frame of canonical text columns plus provenance.

    Returns (frame, columns) where columns maps field -> SourceColumn. `first_row`
    is the Excel number of rows[0]; `first_col` the 0-based column of rows[0][0].
    Raises InputError for a sheet that was not understood (see `check_understood`).
    """
    if not rows:
        return pd.DataFrame(), {}
    header = read_header(
        rows,
        source=source,
        sheet=sheet,
        entities=entities,
        findings=findings,
        first_row=first_row,
        first_col=first_col,
        mapping=mapping,
    )
    numbers = getattr(rows, "numbers", None)  # Excel row numbers when empty runs were skipped
    h = header.index
    body = rows[h + 1 :]
    row_numbers = numbers[h + 1 :] if numbers else range(header.row + 1, header.row + 1 + len(body))
    frame = body_frame(body, header, row_numbers, header.texts)
    if (source, sheet) in findings.sessionless:
        frame = derive_refs(frame)
        findings.sessionless[(source, sheet)] = capacity_of(frame)
    return frame, header.columns


@dataclass
class Header:
    """What the header row of a sheet says: where it is, which column holds which field.

    Read once per sheet; `body_frame` then turns any run of the rows below it into a
    frame (the whole sheet, or one chunk of a large CSV read as a stream: stream.py)."""

    index: int  # position of the header row in the rows given
    row: int  # its Excel row number
    fields: dict[str, int]  # field -> 0-based position of its column in a row
    columns: dict[str, SourceColumn]
    decisions: list
    source: str
    sheet: str
    texts: ColumnTexts | None = None  # the columns below the header as text, for grid_to_frame
    derived: dict[str, list[int]] = field(default_factory=dict)  # ref -> the columns it is computed from


def read_header(
    rows: list[list],
    *,
    source: str,
    sheet: str,
    entities: tuple[str, ...],
    findings: Findings,
    first_row: int = 1,
    first_col: int = 0,
    mapping=None,
) -> Header:
    """Find and resolve the header row (UNKNOWN_COLUMN, MISSING_COLUMN findings; InputError
    for a sheet not understood). Content decisions look at the rows given below it."""
    mapping = mapping if mapping is not None else findings.mapping
    h = find_header_row(rows, entities, mapping)
    header = [cell_text(c) for c in rows[h]]
    while h + 1 < len(rows) and [cell_text(c) for c in rows[h + 1]] == header and any(header):
        h += 1  # a header merged over two rows: its copy below is no offer
    numbers = getattr(rows, "numbers", None)  # Excel row numbers when empty runs were skipped
    header_row_number = numbers[h] if numbers else first_row + h
    body = rows[h + 1 :]
    texts = ColumnTexts(body, cell_text)
    letters = [column_letter(first_col + j) for j in range(len(header))]
    decisions = resolve_headers(
        header,
        texts,
        entities,
        source=source,
        sheet=sheet,
        letters=letters,
        mapping=mapping,
    )
    findings.columns.extend(decisions)
    fields: dict[str, int] = {}
    columns: dict[str, SourceColumn] = {}
    for d in decisions:
        j = letters.index(d.letter)
        if d.field is None:
            if d.how in (HOW_UNKNOWN, HOW_DUPLICATE):
                findings.add_file(
                    "UNKNOWN_COLUMN",
                    source,
                    sheet,
                    row=header_row_number,
                    column=d.header,
                    letter=d.letter,
                    value=d.header,
                    closest=f" (peut-être « {d.suggestion} » ?)"
                    if d.suggestion
                    else (" (colonne en double)" if d.how == HOW_DUPLICATE else ""),
                )
            continue
        fields[d.field] = j
        columns[d.field] = SourceColumn(d.letter, d.header)
        if d.contradicted is not None:
            _warn_mismatch(d, texts(j), entities, findings, header_row_number, mapping)
    derived = _derived_refs(mapping, header, fields, entities, source, sheet, findings)
    check_understood(
        decisions,
        entities,
        source=source,
        sheet=sheet,
        findings=findings,
        has_rows=bool(body),
        header_row=header_row_number,
        mapping=mapping,
        also_read=set(derived),
    )
    return Header(h, header_row_number, fields, columns, decisions, source, sheet, texts, derived)


def _derived_refs(mapping, header, fields, entities, source, sheet, findings) -> dict[str, list[int]]:
    """The references the mapping computes from other columns (readers/derived_refs.py),
    each shown in the Colonnes sheet; InputError for a header the sheet does not have."""
    wanted = {
        name: sources
        for name, sources in getattr(mapping, "derived", {}).items()
        if entity_of(name, entities) and name not in fields
    }
    if not wanted:
        return {}
    derived, absent = derived_refs.plan(wanted, header, fields)
    if absent:
        raise InputError(
            f"{source} : le fichier de correspondance {mapping.path} calcule une référence à partir de "
            f"{_names(absent)}, absent(s) de la feuille « {sheet} » ; corrigez l'en-tête dans {mapping.path}."
        )
    for name, cols in derived.items():
        sources = " + ".join(header[j] for j in cols)
        findings.columns.append(
            ColumnDecision(
                source,
                sheet,
                "",
                derived_refs.FROM_ROW if not wanted[name] else sources,
                name,
                entity=entity_of(name, entities),
                how=HOW_MAPPING,
                why=f"référence calculée à partir de : {sources}",
                certainty=CERTAIN,
            )
        )
    return derived


def _warn_mismatch(d, values: list[str], entities, findings: Findings, row: int, mapping) -> None:
    """One warning for a column the mapping file names a field its values do not fit."""
    from .column_evidence import value_fits

    spec = field_spec(d.field, entities)
    sample = next((v.strip() for v in values if v and v.strip() and not value_fits(v, spec)), "")
    findings.add_file(
        "COLUMN_CONTENT_MISMATCH",
        d.source,
        d.sheet,
        entity=d.entity or entity_of(d.field, entities),
        row=row,
        column=d.header,
        letter=d.letter,
        value=d.header,
        field_label=spec.label.rstrip(" *"),
        mapping=getattr(mapping, "path", "le fichier de correspondance"),
        wrong=d.contradicted.seen - d.contradicted.fit,
        seen=d.contradicted.seen,
        sample=sample[:60],
    )


def body_frame(body: list[list], header: Header, row_numbers, texts: ColumnTexts | None = None) -> pd.DataFrame:
    """The rows below a header as a frame of field text columns plus provenance, blank rows
    left out; `row_numbers`: the Excel number of each row of `body`; `texts`: its columns
    as text when already made (read_header's, when `body` is the rows below the header)."""
    texts = texts if texts is not None else ColumnTexts(body, cell_text)
    data = {name: texts(j) for name, j in header.fields.items()}
    for name, cols in header.derived.items():
        data[name] = derived_refs.compute(texts, name, cols, len(body))
    frame = pd.DataFrame(data, dtype=object)
    frame["_source"] = header.source
    frame["_sheet"] = header.sheet
    frame["_row"] = list(row_numbers)
    frame["_line"] = None
    if header.fields:
        frame = frame.iloc[_filled_rows(data, len(body))]
    else:
        frame = frame.iloc[0:0]
    return frame.reset_index(drop=True)


def _names(labels: list[str], limit: int = 8, quote: bool = True) -> str:
    shown = ", ".join((f"« {x} »" if quote else x) for x in labels[:limit])
    return shown + (f" et {len(labels) - limit} autre(s)" if len(labels) > limit else "")


def check_understood(
    decisions,
    entities: tuple[str, ...],
    *,
    source: str,
    sheet: str,
    findings: Findings,
    has_rows: bool,
    header_row: int,
    mapping=None,
    also_read: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Stop (exit 2) on a sheet that was not understood; one MISSING_COLUMN per absent required column.

    Not understood: no key column of any entity, or keys but most required columns
    missing. Reading on would report every row as faulty (or, worse, nothing at all).
    A field the --defauts file gives a value to is not missing. The message says what
    to do next: run `fasd colonnes`, or, when a mapping was given, what it still lacks.
    """
    read = {d.field for d in decisions if d.field} | set(also_read)
    if findings.explore or (not decisions and not has_rows):
        return  # `fasd colonnes` looks at every header; an empty sheet has nothing to understand
    given = defaulted(findings, entities)
    keys = [e for e in entities if ENTITIES[e].key[0] in read]
    required = list(dict.fromkeys(f.name for e in entities for f in ENTITIES[e].fields if f.required))
    missing = [name for name in required if name not in read and name not in given]
    if not keys and is_sessionless(read, entities):
        findings.sessionless[(source, sheet)] = {}  # its rows get refs; every record « à compléter »
        return
    if not keys or len(missing) * 2 > len(required):
        label = lambda name: field_spec(name, entities).label.rstrip(" *")  # noqa: E731
        known = [d.header for d in decisions if d.field]
        unknown = [
            f"« {d.header} »" + (f" (proche de « {d.suggestion.rstrip(' *')} »)" if d.suggestion else "")
            for d in decisions
            if d.how == HOW_UNKNOWN
        ]
        key_labels = list(dict.fromkeys(label(ENTITIES[e].key[0]) for e in entities))
        what = (
            f"aucune colonne clé ({_names(key_labels)}) n'est reconnue"
            if not keys
            else f"{len(missing)} colonne(s) obligatoire(s) sur {len(required)} manquent "
            f"({_names([label(name) for name in missing])})"
        )
        session = set(ENTITIES["session"].names) if "session" in entities else set()
        if not keys and read and not read & session and lacking(read) != lacking(set()):
            what += f" ; lu comme un catalogue sans sessions, il y manque {_names(lacking(read), quote=False)}"
        where = f"{source}" + (f", feuille « {sheet} »" if sheet and sheet != source.rsplit(".", 1)[0] else "")
        raise InputError(
            f"{where} : fichier non compris : {what}. "
            f"Colonnes reconnues : {_names(known) if known else 'aucune'}. "
            f"Non reconnues : {_names(unknown, quote=False) if unknown else 'aucune'}. "
            + (
                _next_with_mapping(decisions, entities, mapping, keys, missing)
                if mapping is not None
                else f"Lancez « fasd colonnes {source} --out correspondance.csv », indiquez dans la colonne "
                f"« champ » le champ de chaque en-tête (ou « ignorer »), puis relancez avec "
                f"--colonnes correspondance.csv."
            )
        )
    for name in missing:
        f = field_spec(name, entities)
        for entity in entities:
            if name in ENTITIES[entity].by_name and ENTITIES[entity].field(name).required:
                findings.missing_columns.add((entity, source, sheet, name))
        findings.add_file(
            "MISSING_COLUMN",
            source,
            sheet,
            entity=entity_of(name, entities),
            row=header_row,
            column=f.label.rstrip(" *"),
            value="",
            field_label=f.label.rstrip(" *"),
        )


def defaulted(findings: Findings, entities: tuple[str, ...]) -> set[str]:
    """The fields of `entities` the --defauts file gives a value to, for every organisation."""
    defaults = getattr(findings, "defaults", None)
    if defaults is None:
        return set()
    return {name for (entity, name), by_org in defaults.values.items() if entity in entities and by_org.get("")}


def _next_with_mapping(decisions, entities, mapping, keys, missing) -> str:
    """What a user who gave --colonnes still has to do: name the columns in the mapping
    file, or give a common value with --defauts (not: run fasd colonnes again)."""
    from .defaults import KEY_FIELDS

    label = lambda name: field_spec(name, entities).label.rstrip(" *")  # noqa: E731
    path = getattr(mapping, "path", "le fichier de correspondance")
    steps = []
    if not keys:
        names = _names(list(dict.fromkeys(label(ENTITIES[e].key[0]) for e in entities)))
        steps.append(
            f"dans {path}, indiquez dans la colonne « champ » l'en-tête qui porte la référence ({names}), "
            "ou, sans telle colonne, ajoutez une ligne d'en-tête « (ligne) » (ou « Colonne A + Colonne B ») "
            "et de champ ref_formation, ref_action, ref_session pour la calculer à partir des cellules"
        )
    constant = [name for name in missing if name not in KEY_FIELDS]
    named = [name for name in missing if name in KEY_FIELDS] if keys else []  # no key at all: said above
    if named:
        steps.append(f"dans {path}, indiquez l'en-tête de {_names([label(n) for n in named])}")
    if constant:
        steps.append(
            f"indiquez dans {path} l'en-tête de {_names([label(n) for n in constant])}, ou donnez-leur "
            "une valeur commune avec --defauts (un fichier « champ;valeur »)"
        )
    proposed = getattr(mapping, "unconfirmed", {})
    unconfirmed = [
        f"« {d.header} » → {proposed[fold(d.header)]}"
        for d in decisions
        if d.how == HOW_MAPPING and not d.field and fold(d.header) in proposed
    ]
    if unconfirmed:
        steps.append(
            f"gardez les propositions à vérifier justes en effaçant « à vérifier : » ({_names(unconfirmed, quote=False)})"
        )
    text = " ; ".join(steps) or f"corrigez la colonne « champ » de {path}"
    return f"Pour compléter la correspondance : {text}, puis relancez."


def _filled_rows(data: dict[str, list[str]], n: int) -> list[int]:
    """Positions of the rows with at least one non-blank cell, in order.

    Columns are scanned only for the rows still blank so far: the first key column
    settles nearly every row, instead of stripping every cell of every column.
    """
    pending = list(range(n))
    for values in data.values():
        if not pending:
            break
        pending = [i for i in pending if not values[i].strip()]
    blank = set(pending)
    return [i for i in range(n) if i not in blank] if blank else list(range(n))


def entity_table(entity: str, frame: pd.DataFrame, source: str, sheet: str, columns: dict[str, SourceColumn]) -> Table:
    spec = ENTITIES[entity]
    own = {k: v for k, v in columns.items() if k in spec.by_name}
    return Table(entity, conform(entity, frame), {(source, sheet): own})
