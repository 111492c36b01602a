"""A reusable column mapping: `fasd colonnes INPUT` proposes it, `--colonnes` applies it.

An organisation exports from its own tool, with its own headers. `fasd colonnes`
writes, for every header of the file, the field it would be read as, how sure that is
(exact label, synonym, close spelling, content) and a few sample values. The person
edits the « champ » column once (a field name or label, or « ignorer ») and passes the
file to every later run with `--colonnes`: nightly jobs reuse it.

The file is `;`-separated, UTF-8 with BOM (opens in a French Excel):
fichier;feuille;colonne;en-tête;champ;libellé du champ;certitude;exemples
Only « en-tête » and « champ » are read back; « feuille », when filled, restricts the
entry to that sheet. Every proposal says how sure it is (column_evidence.py: sûre,
probable, à vérifier); a low one is written « à vérifier : champ » in « champ » and
is not used until the person keeps it by erasing « à vérifier : ». For an export
without references, a row « Intitulé + Ville ;ref_action » (or « (ligne) ;ref_action »)
says what the reference is computed from (readers/derived_refs.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..model.errors import InputError
from .column_evidence import CERTAIN, TO_CHECK, guess_by_values, nearest_field
from .derived_refs import key_entity, parse_sources
from .headers import (
    HOW_CLOSE,
    HOW_CONTENT,
    HOW_UNKNOWN,
    IGNORE,
    ColumnDecision,
    entity_of,
    field_spec,
    header_index,
)
from ..model.fields import ENTITIES, OFFER_ENTITIES, Kind
from ..model.text import fold

FILE_COLUMNS = ["fichier", "feuille", "colonne", "en-tête", "champ", "libellé du champ", "certitude", "exemples"]
# Kinds whose values say what they are (a column of SIRETs is a SIRET column).
TELLING_KINDS = {Kind.DATE, Kind.SIRET, Kind.EMAIL, Kind.URL, Kind.POSTCODE}
UNCONFIRMED = f"{TO_CHECK} :"  # the mark of a proposal the person has not kept yet


@dataclass
class ColumnMapping:
    """Header (folded) -> field name or IGNORE; per sheet first, then for any sheet."""

    path: str
    by_sheet: dict[tuple[str, str], str] = field(default_factory=dict)
    anywhere: dict[str, str] = field(default_factory=dict)
    # Header (folded) -> the field proposed « à vérifier » and left so: not used.
    unconfirmed: dict[str, str] = field(default_factory=dict)
    # Key field -> the folded headers its reference is computed from ([]: from the row),
    # for an export without references (readers/derived_refs.py).
    derived: dict[str, list[str]] = field(default_factory=dict)

    def lookup(self, header: str, entities: tuple[str, ...], sheet: str = "") -> str | None:
        """The field `header` maps to among `entities`, IGNORE, or None (no entry for it)."""
        key = fold(header)
        name = self.by_sheet.get((fold(sheet), key), self.anywhere.get(key))
        if name is None or name == IGNORE:
            return name
        return name if entity_of(name, entities) else None

    def ignored_why(self, header: str, sheet: str = "") -> str:
        """Why the mapping leaves a column out (for the Colonnes sheet)."""
        proposed = self.unconfirmed.get(fold(header))
        if proposed:
            return (
                f"proposition « {proposed} » à vérifier, non retenue : effacez « {UNCONFIRMED} » dans "
                f"{self.path} pour la garder"
            )
        return "ignorée à la demande du fichier de correspondance"


def _field_name(text: str) -> str | None:
    """A « champ » cell: an internal name, a label or synonym of any entity, or « ignorer »."""
    folded = fold(text)
    if folded in (fold(IGNORE), "ignore", "ignoree"):
        return IGNORE
    names = {f.name for e in ENTITIES.values() for f in e.fields}
    if text.strip() in names:
        return text.strip()
    for entities in (OFFER_ENTITIES, ("site",), ("contact",)):
        found = header_index(entities).get(folded)
        if found:
            return found
    return None


def load_mapping(path: Path) -> ColumnMapping:
    """Read a mapping file; InputError (exit 2) when it cannot be used as it is."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"fichier de correspondance illisible : {path} ({exc.strerror or exc}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    headers = {fold(h): h for h in (rows[0].keys() if rows else [])}
    if fold("en-tête") not in headers or fold("champ") not in headers:
        raise InputError(
            f"{path.name} : fichier de correspondance sans colonnes « en-tête » et « champ » ; "
            "produisez-le avec fasd colonnes FICHIER --out correspondance.csv."
        )
    header_col, field_col = headers[fold("en-tête")], headers[fold("champ")]
    sheet_col = headers.get(fold("feuille"))
    mapping = ColumnMapping(path.name)
    for number, row in enumerate(rows, start=2):
        header, wanted = (row.get(header_col) or "").strip(), (row.get(field_col) or "").strip()
        if not header or not wanted:
            continue
        unconfirmed = fold(wanted).startswith(fold(UNCONFIRMED).rstrip(" :"))
        if unconfirmed:
            wanted = wanted.split(":", 1)[1].strip() if ":" in wanted else ""
        name = _field_name(wanted) if wanted else IGNORE
        sources = parse_sources(header) if name is not None and key_entity(name) else None
        if (
            name is not None and sources is not None
        ):  # a reference computed from columns (« Mon + formation » stays a header)
            mapping.derived[name] = sources
            if not sources:
                continue  # « (ligne) »: no column of that name; « A + B » may also be one header
        if name is None:
            raise InputError(
                f"{path.name}, ligne {number} : champ « {wanted} » inconnu pour l'en-tête "
                f"« {header} » ; indiquez un champ du modèle (voir docs/codes.md et le modèle "
                "de classeur) ou « ignorer »."
            )
        if unconfirmed and name != IGNORE:
            mapping.unconfirmed[fold(header)] = name
            name = IGNORE
        sheet = (row.get(sheet_col) or "").strip() if sheet_col else ""
        if sheet:
            mapping.by_sheet[(fold(sheet), fold(header))] = name
        mapping.anywhere.setdefault(fold(header), name)
    return mapping


def propose(decisions: list[ColumnDecision]) -> list[ColumnDecision]:
    """The readers' decisions, with a guess for each unrecognised header: the field its
    words and values point to (column_evidence.nearest_field), else what its values look
    like. Each keeps its certainty."""
    out = []
    for d in decisions:
        if d.how == HOW_UNKNOWN:
            entities = _entities_of(d)
            taken = {x.field for x in decisions if x.source == d.source and x.sheet == d.sheet and x.field}
            guess = nearest_field(d.header, d.content, entities, taken)
            how = HOW_CLOSE
            if guess is None:
                guess, how = guess_by_values(d.content, entities, taken, TELLING_KINDS), HOW_CONTENT
            if guess is not None:
                d.field, d.how, d.certainty, d.why = guess.field, how, guess.certainty, guess.why
                d.entity = entity_of(d.field, entities)
        out.append(d)
    return out


def _entities_of(d: ColumnDecision) -> tuple[str, ...]:
    from .xlsx import SHEET_NAMES

    entity = SHEET_NAMES.get(fold(d.sheet))
    return (entity,) if entity else OFFER_ENTITIES


def write_mapping(decisions: list[ColumnDecision], out) -> None:
    """The proposal as the mapping file (`out`: a text stream)."""
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(FILE_COLUMNS)
    for d in decisions:
        entities = _entities_of(d)
        label = field_spec(d.field, entities).label.rstrip(" *") if d.field else ""
        champ = (f"{UNCONFIRMED} {d.field}" if d.certainty == TO_CHECK else d.field) if d.field else IGNORE
        writer.writerow([d.source, d.sheet, d.letter, d.header, champ, label, _certainty(d), " | ".join(d.samples)])


def _certainty(d: ColumnDecision) -> str:
    """« sûre (libellé exact) », « probable : en-tête proche de … », « à vérifier : … »."""
    if not d.field:
        return d.how
    if d.certainty in ("", CERTAIN):
        return f"{CERTAIN} ({d.how})"
    return f"{d.certainty} ({d.how}) : {d.why}"


def read_headers(paths: list[Path], mapping: ColumnMapping | None = None) -> list[ColumnDecision]:
    """Every header of every input as the readers see it (through `mapping` when given),
    without stopping on a file that is not understood (that is what the mapping is for)."""
    from ..model.findings import Findings
    from . import read_one

    findings = Findings()
    findings.explore = True
    findings.mapping = mapping
    for path in paths:
        read_one(Path(path), findings)
    return propose(findings.columns)
