"""Normalisation: the text cells of a raw table -> typed values.

Dates, numbers with a decimal comma, yes/no variants, enumerations by label or LHÉO
code, multi-valued cells, codes read as floats (`111669.0`). A cell that cannot be
converted is a finding (BAD_FORMAT or BAD_ENUM) and an empty typed value, never a
crash and never a silent blank. Each distinct cell text is converted once, so a
column of 100 000 sessions with a few hundred distinct dates costs a few hundred
conversions.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd

from .dates import DAY_FIRST, MONTH_FIRST, SLASHED, column_proof, sheet_order
from ..model.lists import closest, enumeration
from ..model.findings import Findings
from ..model.fields import PROVENANCE, Field, Kind
from .placeholders import blank_placeholders
from ..model.tables import Table
from ..model.text import fold
from .sure_fix import sure_fix

MULTI_SPLIT = re.compile(r"\s*[;\n\r|]+\s*")
MULTI_SPLIT_COMMA = re.compile(r"\s*[;,\n\r|]+\s*")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
BARE_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,24}(?::\d+)?(?:[/?#]\S*)?", re.IGNORECASE)
# A code written as a number with a zero fraction: `111669.0` (a float) or `111669,0` (a
# French spreadsheet's decimal). Two zeros at most: `44.000` is a postcode's dot, not a fraction.
FLOAT_ARTIFACT = re.compile(r"^(\d+)[.,]0{1,2}$", re.ASCII)
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
EXCEL_EPOCH = dt.date(1899, 12, 30)

YES = {fold(v) for v in ("oui", "o", "x", "1", "true", "vrai", "yes", "y")}
NO = {fold(v) for v in ("non", "n", "0", "false", "faux", "no")}

# What each kind expects, for BAD_FORMAT messages: (expected, how to fix).
EXPECTED = {
    Kind.DATE: ("une date", "écrivez la date au format jj/mm/aaaa, par exemple 07/09/2026."),
    Kind.INT: ("un nombre entier", "saisissez un nombre entier sans décimale, par exemple 12."),
    Kind.DECIMAL: ("un nombre", "saisissez un nombre, virgule pour les décimales, par exemple 1540,50."),
    Kind.SIRET: (
        "un SIRET valide",
        "14 chiffres dont le dernier est une clé de contrôle : recopiez-le depuis l'avis de situation Sirene.",
    ),
    Kind.EMAIL: ("une adresse électronique", "écrivez une adresse de la forme nom@domaine.fr."),
    Kind.URL: ("une adresse web", "écrivez une adresse complète commençant par https://."),
    Kind.PHONE: ("un numéro de téléphone", "10 chiffres commençant par 0, ou +33 suivi de 9 chiffres."),
    Kind.POSTCODE: ("un code postal", "5 chiffres, par exemple 44000."),
    Kind.CODE: ("un code de la forme attendue", "vérifiez le code ; exemple attendu : {example}."),
    Kind.REF: ("une référence", "recopiez la référence exacte de la ligne visée."),
}


class Unconvertible(ValueError):
    """A cell value that cannot be converted; args[0] is the offending part."""


def parse_date(text: str, order: str = DAY_FIRST) -> dt.date:
    """One date: jj/mm/aaaa (mm/jj/aaaa when the column is month first, see dates.py),
    aaaa-mm-jj, or an Excel serial number. A bare year (2020) is not a date."""
    t = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", t, re.ASCII)
    if m:
        d, mth, y = (int(x) for x in m.groups())
        if order == MONTH_FIRST:
            d, mth = mth, d
        if y < 100:
            y += 2000
        return _date(y, mth, d, text)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", t, re.ASCII)
    if m:
        y, mth, d = (int(x) for x in m.groups())
        return _date(y, mth, d, text)
    m = re.fullmatch(r"(\d{5,6})(?:[.,]\d+)?", t, re.ASCII)  # 4 digits or fewer: a year, not a serial
    if m and int(m.group(1)) <= 2958465:
        return EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    raise Unconvertible(text)


def _date(y: int, m: int, d: int, text: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise Unconvertible(text) from None


def parse_number(text: str) -> float:
    t = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "").replace("%", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    elif t.count(",") and t.count("."):  # 1.540,50 or 1,540.50
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    if not PLAIN_NUMBER.fullmatch(t):  # float() also takes "1_2", "nan", "inf" and non-ASCII digits
        raise Unconvertible(text)
    value = float(t)
    if not math.isfinite(value):  # 1e400
        raise Unconvertible(text)
    return value


def parse_bool(text: str) -> bool:
    f = fold(text)
    if f in YES:
        return True
    if f in NO:
        return False
    raise Unconvertible(text)


# Values pasted from SOFI's screens (seed): a site as « SIRET - code - nom - ville » (or
# « code - nom - Principal »), a contact as « code, nom - code site, organisme, SIRET ».
SOFI_DISPLAY = {
    "site": re.compile(r"^(?:\d[\d ]{12,17}\d\s+-\s+)?([^\s,]+)\s+-\s+\S.*$"),
    "contact": re.compile(r"^([^\s,]+)\s*,\s+\S.*$"),
}


def sofi_reference(text: str, field: Field) -> str:
    """The code inside a site or contact copied as SOFI displays it; other text as given."""
    pattern = SOFI_DISPLAY.get(field.links_to or "")
    if pattern is None:
        return text
    m = pattern.match(text)
    return m.group(1) if m else text


def clean_code(text: str, field: Field) -> str:
    t = FLOAT_ARTIFACT.sub(r"\1", text.strip())
    if field.kind is Kind.REF:
        t = sofi_reference(t, field)
    if field.kind.digits:
        t = re.sub(r"[\s.\-\u00a0]", "", t)
        if field.kind is Kind.POSTCODE and re.fullmatch(r"\d{4}", t):
            t = "0" + t  # Excel drops the leading zero of 01000
        return t
    if field.upper:
        t = re.sub(r"\s", "", t).upper()
    if field.prefix and t.isdigit():
        return field.prefix + t
    return t


DATE_START = re.compile(r"^\s*(\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})(?![\d/.\-])")
PLACE_SEPARATOR = re.compile(r"^\s*(?:à|a|-|,|:|–)?\s*")


def parse_information(text: str) -> dict:
    """« 12/03/2026 à Nantes » -> {"date": "2026-03-12", "lieu": "Nantes"}; the place is optional."""
    m = DATE_START.match(text)
    if not m:
        return {"date": parse_date(text).isoformat()}  # an Excel date cell or serial number
    day = parse_date(m.group(1)).isoformat()
    place = PLACE_SEPARATOR.sub("", text[m.end() :], count=1).strip()
    return {"date": day, "lieu": place} if place else {"date": day}


def _split_informations(text: str) -> list[str]:
    """Informations collectives: « ; » or line breaks; a comma only between two dates."""
    parts = []
    for part in MULTI_SPLIT.split(text.strip()):
        pieces = [p for p in re.split(r"\s*,\s*", part) if p]
        parts += pieces if len(pieces) > 1 and all(DATE_START.match(p) for p in pieces) else [part]
    return [p for p in parts if p]


def split_multi(text: str, field: Field) -> list[str]:
    if field.with_place:
        return _split_informations(text)
    pattern = MULTI_SPLIT if field.kind.free_text or field.comma_in_values else MULTI_SPLIT_COMMA
    return [p for p in pattern.split(text.strip()) if p]


def fix_url(text: str) -> str:
    """`lyceedekerneuzec.fr` or `www.x.fr/page` -> `http://…`: a web address without its
    scheme, fixed without guessing; anything else is left for the URL check."""
    t = text.strip()
    if not URL_SCHEME.match(t) and BARE_DOMAIN.fullmatch(t):
        return "http://" + t
    return t


def convert_one(text: str, field: Field, order: str = DAY_FIRST):
    """One non-empty cell -> typed value; raises Unconvertible with the bad part."""
    kind = field.kind
    if field.with_place:
        return parse_information(text)
    if kind is Kind.DATE:
        return parse_date(text, order)
    if kind is Kind.URL:
        return fix_url(text)
    if kind.number:
        value = parse_number(text)
        if field.percent and ("%" in text or value > 1):
            value = round(value / 100, 6)
        if kind is Kind.INT:
            if not value.is_integer():
                raise Unconvertible(text)
            return int(value)
        return value
    if kind is Kind.BOOL:
        return parse_bool(text)
    if kind is Kind.ENUM:
        choice = enumeration(field.table or "").match(text)
        if choice is None:
            raise Unconvertible(text)
        return choice.code
    if kind.coded:
        return clean_code(text, field)
    return text.strip()


class PartlyConvertible(Unconvertible):
    """A list cell some elements of which convert: args[0] names the bad ones, `values`
    holds the others (the record keeps them, as it keeps the good codes of a list)."""

    def __init__(self, bad: str, values: list) -> None:
        super().__init__(bad)
        self.values = values


def convert_cell(text: str, field: Field, order: str = DAY_FIRST):
    if field.multi:
        values, bad = [], []
        for part in split_multi(text, field):
            try:
                values.append(convert_one(part, field, order))
            except Unconvertible as exc:
                bad.append(exc.args[0])
        if bad:
            raise PartlyConvertible("; ".join(bad), values)
        return values
    return convert_one(text, field, order)


def normalise_table(table: Table, findings: Findings) -> None:
    """Fill `table.typed` and report the cells that do not convert.

    Placeholder cells (`-`, `NC`, `00000000`, see placeholders.py) are blanked in the raw
    table first, so every later check sees them as the empty cells they mean."""
    raw = table.raw
    typed = {}
    for field in table.spec.fields:
        raw[field.name] = blank_placeholders(raw[field.name])
    proofs = {f.name: column_proof(stripped_text(raw[f.name]).unique()) for f in table.spec.fields if f.single_date}
    fallback = sheet_order(list(proofs.values()))
    for field in table.spec.fields:
        text = stripped_text(raw[field.name])
        if not text.any():  # no input gave this column: skip the conversions
            typed[field.name] = _empty_column(field, raw.index)
            continue
        results: dict[str, object] = {}
        failures: dict[str, str] = {}
        distinct = text.unique()
        order = (proofs[field.name] or fallback) if field.name in proofs else DAY_FIRST
        for value in distinct:
            if value == "":
                continue
            try:
                results[value] = convert_cell(value, field, order)
            except Unconvertible as exc:
                failures[value] = exc.args[0]
                if isinstance(exc, PartlyConvertible) and exc.values:
                    results[value] = exc.values  # "96311; en centre": the bad element alone is left out
        if order == MONTH_FIRST:
            _report_month_first(table, field, text, findings, proven=proofs[field.name] == MONTH_FIRST)
        if field.kind is Kind.URL:
            _report_fixed(table, field, text, {v: r for v, r in results.items() if r != v}, findings)
        elif field.kind.coded:
            _report_fixed(table, field, text, _zero_fractions(field, results), findings)
        column = text.map(results)
        if field.single_date:
            column = pd.to_datetime(column, errors="coerce")
        typed[field.name] = column
        if failures:
            _report_failures(table, field, text, failures, findings, order)
    for name in PROVENANCE:
        typed[name] = raw[name]
    table.typed = pd.DataFrame(typed, index=raw.index)


def stripped_text(column: pd.Series) -> pd.Series:
    """column.fillna("").astype(str).str.strip() in one pass over the cells: pandas'
    string accessor costs several times more on columns of text cells."""
    cells = [v.strip() if v.__class__ is str else ("" if pd.isna(v) else str(v).strip()) for v in column.tolist()]
    return pd.Series(cells, index=column.index, dtype="str")


def _empty_column(field: Field, index) -> pd.Series:
    if field.single_date:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return pd.Series(None, index=index, dtype=object)


def _report_month_first(table, field, text, findings, proven: bool) -> None:
    """One warning per column read month first, on the first value that proves it."""
    for idx, value in text.items():
        m = SLASHED.match(value)
        if m and (int(m.group(2)) > 12 or not proven):
            reason = (
                f"« {value} » n'existe pas autrement" if proven else "comme les autres colonnes de dates du fichier"
            )
            findings.add(table, idx, "DATES_MONTH_FIRST", field.name, value=value, reason=reason)
            return


def _zero_fractions(field: Field, results: dict) -> dict:
    """Cells of a code holding a number with a zero fraction (`111669,0`) -> the code read."""
    fixed = {}
    for value, result in results.items():
        parts = split_multi(value, field) if field.multi else [value]
        if any(FLOAT_ARTIFACT.match(p.strip()) for p in parts):
            fixed[value] = "; ".join(result) if isinstance(result, list) else result
    return fixed


def _report_fixed(table, field, text, fixed: dict, findings) -> None:
    """VALUE_FIXED (information) on each cell whose value was fixed without guessing."""
    fixed = {v: r for v, r in fixed.items() if isinstance(r, str)}
    if not fixed:
        return
    for idx, value in text[text.isin(fixed.keys())].items():
        findings.add(table, idx, "VALUE_FIXED", field.name, value=value, fixed=fixed[value], fix=fixed[value])


def _sure_fix(text: str, field: Field, order: str) -> str | None:
    """The accepted spelling of a refused cell (readers/sure_fix.py); a list cell's when each
    of its refused elements has one."""
    if not field.multi:
        return sure_fix(text, field, order)
    parts, changed = [], False
    for part in split_multi(text, field):
        try:
            convert_one(part, field, order)
            parts.append(part)
        except Unconvertible:
            fixed = None if field.with_place else sure_fix(part, field, order)
            if fixed is None:
                return None
            parts.append(fixed)
            changed = True
    return "; ".join(parts) if changed else None


def _report_failures(table, field, text, failures, findings, order=DAY_FIRST):
    bad = text[text.isin(failures.keys())]
    nearest: dict[str, object] = {}  # closest() once per distinct bad value, not per cell (difflib is slow)
    fixes = {value: _sure_fix(value, field, order) for value in failures}  # once per distinct value
    for idx, value in bad.items():
        part = failures[value]
        fix = fixes[value]
        if field.kind.choice:
            allowed = "oui, non" if field.kind is Kind.BOOL else ", ".join(display_labels(field.table))
            if field.kind is Kind.ENUM and part not in nearest:
                nearest[part] = closest(field.table, part.split("; ")[0])
            near = nearest.get(part)
            findings.add(
                table,
                idx,
                "BAD_ENUM",
                field.name,
                value=value,
                bad=part,
                allowed=allowed,
                suggestion=f"Vouliez-vous dire « {near.label} » ?" if near else None,
                fix=fix,
            )
        else:
            expected, hint = EXPECTED.get(field.kind, EXPECTED[Kind.CODE])
            findings.add(
                table,
                idx,
                "BAD_FORMAT",
                field.name,
                value=value,
                bad=part,
                expected=expected,
                hint=hint.format(example=field.example or "—"),
                fix=fix,
            )


def display_labels(table_name: str, limit: int = 12) -> list[str]:
    """Labels short enough for a message: 'Niveau 4' rather than its whole definition."""
    labels = []
    enum = enumeration(table_name)
    for choice in enum.choices:
        labels.append(enum.short_label(choice))
    if len(labels) > limit:
        labels = labels[:limit] + ["… (voir la feuille Listes du modèle)"]
    return labels
