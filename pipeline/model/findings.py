"""Findings are data: one table with a fixed schema that every stage appends to.

A check names the record (entity + row index of its table), the field and the code,
and gives the message parameters; `Findings.add` looks up everything a person needs
to find the cell: file, sheet, Excel row, column header and letter, XML line, the
value as written, and the record's key.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .fields import ENTITIES, Field, Kind
from .codes import ERROR, RULES
from .tables import Table

COLUMNS = [
    "code",
    "severity",
    "entity",
    "key",
    "field",
    "source",
    "sheet",
    "row",
    "column",
    "cell",
    "line",
    "value",
    "message",
    "suggestion",
]
# The record whose own errors a cascade finding (PARENT_REJECTED, NO_CHILD) follows from:
# empty on the findings a person fixes (pipeline/model/causes.py). Not in report.csv.
CAUSE_COLUMNS = ["cause_entity", "cause_key"]
# The value a finding's cell should hold when the fix needs no guess (VALUE_FIXED), for
# `fasd corriger` (writers/corrected.py); empty when the person must decide. Not in report.csv.
FIX_COLUMNS = ["fix"]


# Format findings that an optional value may get without its record being rejected.
DROPPABLE_CODES = {"BAD_FORMAT", "BAD_ENUM", "TOO_LONG", "TOO_MANY", "OUT_OF_RANGE"}


def droppable(field: Field) -> bool:
    """An optional field whose bad value can be left out of the record (spec: issue 10 §5).

    Not a reference, nor a value that names the record (`identity`: SOFI codes,
    certification codes, blocs): a bad one of those stays an error."""
    return not field.required and not field.from_reference and field.kind is not Kind.REF and not field.identity


MAX_SHOWN = 500  # characters of a cell a finding repeats: a 10 MB cell must not make 100 MB of reports


def shorten(value):
    """A long text cut for the report, saying how long it was; records keep the whole value."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return f"{value[:MAX_SHOWN]}… [{len(value)} caractères]"
    return value


class _Params(dict):
    """str.format mapping that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key):
        return "{" + key + "}"


def record_key(table: Table, idx, cell=None) -> str:
    cell = cell or (lambda i, column: table.raw.at[i, column])
    if table.entity == "dispositif":
        session = _text(cell(idx, "ref_session"))
        which = _text(cell(idx, "ref_dispositif")) or _text(cell(idx, "dispositif"))
        return f"{session} / {which}" if which else session
    return _text(cell(idx, ENTITIES[table.entity].key[0]))


class _Cells:
    """Single cells of one raw table read from cached column arrays.

    DataFrame.at builds a Series per call; a large file with tens of thousands of
    findings made those look-ups the main cost of Findings.add.
    """

    def __init__(self, raw: pd.DataFrame) -> None:
        self.raw = raw
        self.arrays: dict[str, Any] = {}

    def __call__(self, idx, column: str):
        array = self.arrays.get(column)
        if array is None:
            array = self.arrays[column] = self.raw[column].to_numpy()
        return array[self.raw.index.get_loc(idx)]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _int_or_none(value):
    if value is None or pd.isna(value):
        return None
    return int(value)


class Findings:
    """The findings table under construction."""

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._cells: dict[int, _Cells] = {}
        # What the readers understood of each header (headers.ColumnDecision), for the
        # report's Colonnes sheet, and the required columns a sheet lacks:
        # (entity, source, sheet, field) -> its records are rejected by one MISSING_COLUMN.
        self.columns: list = []
        self.missing_columns: set[tuple[str, str, str, str]] = set()
        # How to read headers: the --colonnes mapping (mapping.ColumnMapping), and
        # explore=True for `fasd colonnes` (collect every header, never stop on a sheet).
        self.mapping: Any = None
        # The --defauts values (defaults.Defaults): a required column they fill is not missing.
        self.defaults = None
        # Flat sheets read as a catalogue without sessions (readers/sessionless.py):
        # (source, sheet) -> ref_action -> its capacity as written.
        self.sessionless: dict[tuple[str, str], dict[str, str]] = {}
        self.explore = False
        # --strict: a bad optional value is an error (its own code) instead of being left
        # out of the record with an OPTIONAL_DROPPED warning.
        self.strict = False
        # Keys of the earlier chunks when a file is checked in chunks (stream.py; validators/cross.py).
        self.seen_keys: dict | None = None
        # The sheets of each offer workbook as read (readers/xlsx.py), by path: report.xlsx
        # lays them out again instead of reading the file a second time.
        self.sheets: dict = {}

    def _cell_reader(self, table: Table) -> _Cells:
        cells = self._cells.get(id(table))
        if cells is None or cells.raw is not table.raw:
            cells = self._cells[id(table)] = _Cells(table.raw)
        return cells

    def __len__(self) -> int:
        return len(self._rows)

    def add(
        self,
        table: Table,
        idx,
        code: str,
        field: str | None = None,
        *,
        value=None,
        row: int | None = None,
        suggestion: str | None = None,
        cause: tuple[str, str] | None = None,
        fix: str | None = None,
        **params,
    ) -> str:
        """One finding on record `idx` of `table`, located at `field`'s cell; returns its code.

        `row` overrides the record's own row (a flat file repeats a formation on many
        rows; the faulty repeat is where the person must look). `cause`: (entity, key) of
        the record a cascade finding follows from (validators/cascade.py). A format finding on an
        optional field becomes OPTIONAL_DROPPED (warning) unless `strict`: the caller
        then leaves the value out of the record (see `droppable`).
        """
        raw = table.raw
        cell = self._cell_reader(table)
        source = cell(idx, "_source")
        sheet = cell(idx, "_sheet") or ""
        row = row if row is not None else _int_or_none(cell(idx, "_row"))
        line = _int_or_none(cell(idx, "_line"))
        column = table.columns.get((source, sheet), {}).get(field) if field else None
        if value is None and field and field in raw:
            value = _text(cell(idx, field))
        spec = ENTITIES[table.entity]
        label = column.header if column else (spec.field(field).label.rstrip(" *") if field in spec.by_name else "")
        if not self.strict and code in DROPPABLE_CODES and field in spec.by_name and droppable(spec.field(field)):
            original = _Params(params)
            original.update(field_label=label.rstrip(" *"), value=value)
            params = {
                "problem": RULES[code].template.format_map(original).rstrip("."),
                "hint": RULES[code].help.format_map(original).rstrip("."),
                "original": code,
            }
            code = "OPTIONAL_DROPPED"
        self._append(
            code,
            params,
            entity=table.entity,
            key=record_key(table, idx, cell),
            field=field or "",
            source=source,
            sheet=sheet,
            row=row,
            column=column.header if column else "",
            cell=f"{column.letter}{row}" if column and row and line is None else "",
            line=line,
            value=value,
            suggestion=suggestion,
            _index=idx,
            cause_entity=cause[0] if cause else "",
            cause_key=cause[1] if cause else "",
            fix=fix or "",
            field_label=label.rstrip(" *"),
            entity_label=spec.label.capitalize(),
        )
        return code

    def add_file(
        self,
        code: str,
        source: str,
        sheet: str = "",
        *,
        entity: str = "",
        row=None,
        column: str = "",
        letter: str = "",
        value="",
        suggestion: str | None = None,
        **params,
    ) -> None:
        """A finding about the file itself (a missing sheet, an unknown column)."""
        self._append(
            code,
            params,
            entity=entity,
            key="",
            field="",
            source=source,
            sheet=sheet,
            row=row,
            column=column,
            cell=f"{letter}{row}" if letter and row else "",
            line=None,
            value=value,
            suggestion=suggestion,
            _index=None,
        )

    def _append(self, code: str, params: dict, *, suggestion, **where) -> None:
        rule = RULES[code]
        params = {k: shorten(v) for k, v in params.items()}
        where["value"] = shorten(where.get("value"))
        values = _Params(params)
        values.update({k: v for k, v in where.items() if k not in values})
        values.setdefault("value", where.get("value"))
        help_text = rule.help.format_map(values)
        where.pop("field_label", None)
        where.pop("entity_label", None)
        self._rows.append(
            {
                "code": code,
                "severity": rule.severity,
                **where,
                "value": "" if where.get("value") is None else str(where["value"]),
                "message": rule.template.format_map(values),
                "suggestion": f"{suggestion} — {help_text}" if suggestion else help_text,
            }
        )

    def take(self, keep_out) -> list[dict]:
        """Remove and return the findings for which `keep_out(row)` is true (a profile
        turning some errors into what a record still needs, see profiles.py)."""
        taken = [r for r in self._rows if keep_out(r)]
        if taken:
            self._rows = [r for r in self._rows if not keep_out(r)]
        return taken

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self._rows, columns=COLUMNS + ["_index"] + CAUSE_COLUMNS + FIX_COLUMNS)
        for col in CAUSE_COLUMNS + FIX_COLUMNS:  # text, empty on causes (a column of no cascade is read as float)
            frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
        for col in ("row", "line"):
            frame[col] = frame[col].astype("Int64")
        return frame


def errors_by_record(findings: pd.DataFrame, entity: str) -> set:
    """Indexes of the records of `entity` that have at least one error finding."""
    mask = (findings["entity"] == entity) & (findings["severity"] == ERROR) & findings["_index"].notna()
    return set(findings.loc[mask, "_index"].astype(int))
