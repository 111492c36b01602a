"""Field rules of the dictionary (spec §3) as one pandera schema per entity.

The schemas are generated from `pipeline.model.fields`, so a field's rules live in one
place. Validation is lazy: pandera collects every failing cell of every column, and
each failure case becomes a finding through the check's position in its column.
A cell that already failed normalisation is not reported twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable

import pandas as pd
import pandera.pandas as pa
from stdnum.fr import siret as stdnum_siret

from ..model.enums import formacode_codes
from ..model.findings import Findings
from ..model.fields import ENTITIES, PATTERNS, Field, Kind, TextCheck
from ..readers.normalise import EXPECTED
from ..model.tables import Table

# Code lists a field's `known_codes` may name: how to load it, what a value must be.
KNOWN_CODES: dict[str, tuple[Callable[[], frozenset[str]], str]] = {
    "formacode": (formacode_codes, "un Formacode V12 de domaine"),
}


@dataclass(frozen=True)
class Meaning:
    """What a failing check means: its finding code and message parameters."""

    code: str
    params: tuple[tuple[str, str], ...] = ()
    element: Callable | None = None  # multi-valued field: the test of one element, to name the bad ones


def _each(test):
    """A check on a multi-valued column: every element of every list passes `test`."""
    return lambda s: s.map(lambda values: all(test(v) for v in values))


def _matches(pattern: str):
    return lambda s: s.astype(str).str.fullmatch(pattern, flags=re.ASCII)


def _format(field: Field, expected: str | None = None) -> Meaning:
    default_expected, hint = EXPECTED.get(field.kind, EXPECTED[Kind.CODE])
    return Meaning(
        "BAD_FORMAT", (("expected", expected or default_expected), ("hint", hint.format(example=field.example or "—")))
    )


def _range(field: Field) -> list[tuple[pa.Check, Meaning]]:
    checks = []
    code = field.range_code
    if field.minimum is not None:
        if field.min_exclusive:
            bound, expected = f"inférieur ou égal à {field.minimum:g}", f"strictement supérieur à {field.minimum:g}"
            check = pa.Check.gt(field.minimum)
        else:
            bound, expected = f"inférieur à {field.minimum:g}", f"supérieur ou égal à {field.minimum:g}"
            check = pa.Check.ge(field.minimum)
        checks.append(
            (
                check,
                Meaning(
                    code,
                    (("bound", bound), ("expected", expected), ("problem", f"doit être au moins {field.minimum:g}")),
                ),
            )
        )
    if field.maximum is not None:
        bound, expected = f"supérieur à {field.maximum:g}", f"inférieur ou égal à {field.maximum:g}"
        problem = f"doit valoir au plus {field.maximum:g}"
        checks.append(
            (
                pa.Check.le(field.maximum),
                Meaning(code, (("bound", bound), ("expected", expected), ("problem", problem))),
            )
        )
    return checks


def _text_check(extra: TextCheck) -> tuple[pa.Check, Meaning]:
    """A TextCheck of the model as a pandera check and its BAD_FORMAT meaning."""

    def found(s: pd.Series) -> pd.Series:
        return s.str.contains(extra.pattern, case=not extra.ignore_case, regex=True)

    check = pa.Check(found) if extra.present else pa.Check(lambda s: ~found(s))
    return check, Meaning("BAD_FORMAT", (("expected", extra.expected), ("hint", extra.hint)))


def field_checks(field: Field) -> list[tuple[pa.Check, Meaning]]:
    checks: list[tuple[pa.Check, Meaning]] = []
    if field.max_len:
        meaning = Meaning("TOO_LONG", (("max_len", str(field.max_len)),))
        if field.multi:
            short = lambda v: len(str(v)) <= field.max_len  # noqa: E731
            checks.append((pa.Check(_each(short)), replace(meaning, element=short)))
        else:
            checks.append((pa.Check.str_length(max_value=field.max_len), meaning))
    pattern = field.pattern or PATTERNS.get(field.kind)
    if pattern and field.kind is not Kind.ENUM:
        if field.multi:
            compiled = re.compile(pattern, re.ASCII)  # \d: ASCII digits only
            shaped = lambda v: compiled.fullmatch(str(v)) is not None  # noqa: E731
            checks.append((pa.Check(_each(shaped)), replace(_format(field), element=shaped)))
        else:
            checks.append((pa.Check(_matches(pattern)), _format(field)))
    if field.kind is Kind.SIRET:
        checks.append((pa.Check(lambda s: s.map(stdnum_siret.is_valid)), _format(field)))
    if field.known_codes:
        load, expected = KNOWN_CODES[field.known_codes]
        known = load()
        checks.append(
            (pa.Check(_each(lambda v: v in known)), replace(_format(field, expected), element=lambda v: v in known))
        )
    checks.extend(_text_check(extra) for extra in field.checks)
    if field.max_items:
        checks.append(
            (
                pa.Check(lambda s: s.map(len) <= field.max_items),
                Meaning("TOO_MANY", (("maximum", str(field.max_items)),)),
            )
        )
    checks.extend(_range(field))
    return checks


@lru_cache(maxsize=None)
def entity_schema(entity: str) -> tuple[pa.DataFrameSchema, dict[tuple[str, int], Meaning]]:
    """The pandera schema of an entity and, per (column, check number), its meaning."""
    columns = {}
    meanings: dict[tuple[str, int], Meaning] = {}
    for field in ENTITIES[entity].fields:
        checks = field_checks(field)
        for number, (_, meaning) in enumerate(checks):
            meanings[(field.name, number)] = meaning
        columns[field.name] = pa.Column(None, checks=[c for c, _ in checks], nullable=not field.required, required=True)
    return pa.DataFrameSchema(columns, name=entity), meanings


@lru_cache(maxsize=256)
def _subset(entity: str, columns: tuple[str, ...]) -> pa.DataFrameSchema:
    return entity_schema(entity)[0].select_columns(list(columns))


def validate_fields(table: Table, findings: Findings, already: set[tuple[str, int, str]]) -> None:
    """Run the entity's schema on its typed table; failures become findings."""
    if table.typed is None or table.typed.empty:
        return
    schema, meanings = entity_schema(table.entity)
    # An empty optional column cannot fail: leave it out (pandera costs per column).
    typed = table.typed
    columns = tuple(f.name for f in table.spec.fields if f.required or typed[f.name].notna().any())
    try:
        _subset(table.entity, columns).validate(typed[list(columns)], lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        absent = {(src, sheet, name) for entity, src, sheet, name in findings.missing_columns if entity == table.entity}
        dropped: list[tuple[int, str, Callable | None]] = []
        for case in cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                continue
            idx = int(case.index)
            if (table.entity, idx, case.column) in already:
                continue
            if case.check == "not_nullable":
                if absent and (typed.at[idx, "_source"], typed.at[idx, "_sheet"] or "", case.column) in absent:
                    continue  # the whole column is absent: one MISSING_COLUMN, not one REQUIRED per row
                meaning = Meaning("REQUIRED")
            else:
                meaning = meanings[(case.column, int(case.check_number))]
            params: dict[str, Any] = dict(meaning.params)
            value = table.typed.at[idx, case.column]
            if meaning.code == "TOO_LONG":
                params["length"] = len(str(table.raw.at[idx, case.column]).strip())
            if meaning.code == "TOO_MANY":
                params["count"] = len(value)
            already.add((table.entity, idx, case.column))
            bad = table.raw.at[idx, case.column]
            if meaning.element is not None and isinstance(value, list):
                # "21001; 21538": the message names the element that fails, not the whole list
                bad = "; ".join(str(v) for v in value if not meaning.element(v)) or bad
            code = findings.add(table, idx, meaning.code, case.column, bad=bad, **params)
            if code == "OPTIONAL_DROPPED":
                dropped.append((idx, case.column, meaning.element))
        for idx, column, element in dropped:  # a bad optional value is left out of the record
            value = table.typed.at[idx, column]
            if element is not None and isinstance(value, list):  # only the bad elements of a list
                kept = [v for v in value if element(v)]
                table.typed.at[idx, column] = kept or None
            else:
                table.typed.at[idx, column] = pd.NaT if table.typed[column].dtype.kind == "M" else None


def flagged_cells(findings_frame: pd.DataFrame) -> set[tuple[str, int, str]]:
    """(entity, index, field) of every cell that already has a finding."""
    f = findings_frame[findings_frame["_index"].notna()]
    return set(zip(f["entity"], f["_index"].astype(int), f["field"]))
