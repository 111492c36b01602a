"""Small hand-made offers for the tests: one valid offer, mutated one cell at a time.

`valid_offer()` returns entity -> list of records (field name -> cell text); the
writers turn it into a template workbook or a flat CSV with the labels of the model
as headers, so a test states exactly which cell it spoils.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES
from pipeline.engine.run import run

TODAY = dt.date(2026, 3, 1)
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

VALID = {
    "site": [
        {
            "code_site": "36364",
            "siret": "130 005 119 00032",
            "nom": "CARIFOREF DES PAYS DE LA LOIRE",
            "adresse": "2 rue de la Loire",
            "code_postal": "44000",
            "ville": "Nantes",
            "courriel": "offre@cariforef-pdl.org",
        },
    ],
    "contact": [
        {"code_contact": "1902", "nom": "auto saisie", "code_site": "36364"},
    ],
    "formation": [
        {
            "ref_formation": "F1",
            "certifinfo": "non",
            "intitule": "Prévention des TMS en établissement de santé",
            "objectif_general": "Professionnalisation",
            "objectif_formation": "Prévenir les TMS.",
            "contenu_formation": "Anatomie, gestes et postures.",
            "individualisation": "non",
            "validation": "totale",
            "formacodes": "31776",
        },
    ],
    "action": [
        {
            "ref_action": "A1",
            "ref_formation": "F1",
            "code_site_dispensateur": "36364",
            "resultats_attendus": "Attestation de formation.",
            "niveau_entree": "sans niveau spécifique",
        },
    ],
    "session": [
        {
            "ref_session": "S1",
            "ref_action": "A1",
            "code_site_lieu": "36364",
            "date_debut": "07/09/2026",
            "date_fin": "30/10/2026",
            "entrees_sorties_permanentes": "non",
            "rythmes": "continu; temps plein",
            "periodes": "cours de jour",
            "types_parcours": "collectif",
            "modalites_pedagogiques": "en organisme de formation",
            "modalite_enseignement": "présentiel",
            "duree_centre_h": "35",
            "code_site_responsable": "36364",
            "etat_recrutement": "ouvert",
            "referent_pmr": "1902",
            "referent_mobilite": "1902",
        },
    ],
    "dispositif": [
        {
            "ref_session": "S1",
            "ref_dispositif": "D1",
            "dispositif": "PROGRAMME REGION - Formations sanitaires et sociales",
            "publics": "demandeur d'emploi",
            "nb_places": "12",
            "frais_ht": "1000",
            "taux_tva": "20 %",
            "frais_ttc": "1200",
        },
    ],
}


def valid_offer() -> dict[str, list[dict]]:
    return copy.deepcopy(VALID)


def columns_of(offer: dict, entity: str) -> list[str]:
    """Fields used by any record of the entity, in model order."""
    used = {k for r in offer[entity] for k in r}
    return [name for name in ENTITIES[entity].names if name in used]


def write_workbook(path: Path, offer: dict, entities=None) -> Path:
    """The offer as a template workbook: one sheet per entity, SOFI labels as headers."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for entity in entities or ENTITIES:
        spec = ENTITIES[entity]
        ws = wb.create_sheet(spec.sheet)
        names = columns_of(offer, entity)
        ws.append([spec.field(n).label for n in names])
        for record in offer[entity]:
            ws.append([record.get(n, "") for n in names])
    wb.save(path)
    return path


def flat_rows(offer: dict) -> tuple[list[str], list[list[str]]]:
    """The offer as one row per session × dispositif, parents repeated."""
    names = []
    for e in OFFER_ENTITIES:
        names += [n for n in columns_of(offer, e) if n not in names]
    formations = {r["ref_formation"]: r for r in offer["formation"]}
    actions = {r["ref_action"]: r for r in offer["action"]}
    sessions = {r["ref_session"]: r for r in offer["session"]}
    rows = []
    for d in offer["dispositif"]:
        s = sessions[d["ref_session"]]
        a = actions[s["ref_action"]]
        f = formations[a["ref_formation"]]
        merged = {**f, **a, **s, **d}
        rows.append([merged.get(n, "") for n in names])
    return names, rows


def write_flat_csv(path: Path, offer: dict, *, encoding="utf-8-sig", delimiter=";", headers=None) -> Path:
    names, rows = flat_rows(offer)
    labels = headers or [_flat_label(n) for n in names]
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(labels)
        writer.writerows(rows)
    return path


def _flat_label(name: str) -> str:
    for e in OFFER_ENTITIES:
        if name in ENTITIES[e].by_name:
            return ENTITIES[e].field(name).label
    raise KeyError(name)


def run_offer(tmp_path: Path, offer: dict, *, today=TODAY, reference=None, strict=False):
    path = write_workbook(tmp_path / "offre.xlsx", offer)
    return run([path], today=today, reference=reference, strict=strict)


def codes(result) -> list[str]:
    return sorted(result.findings["code"])


def finding(result, code: str):
    """The single finding of `code` (fails the test when there is not exactly one)."""
    rows = result.findings[result.findings["code"] == code]
    shown = result.findings[["code", "entity", "field", "cell", "message"]]
    assert len(rows) == 1, f"{code}: {len(rows)} findings\n{shown}"
    return rows.iloc[0]


def invoke(*args):
    """Run the `fasd` command in-process; arguments may be paths or text."""
    return CliRunner().invoke(main, [str(a) for a in args])


SAMPLE_WORKBOOK = SAMPLES / "offre-sanitaire-social.xlsx"


def sample_with(tmp_path: Path, changes: dict, name: str = "offre.xlsx") -> Path:
    """A copy of the sample workbook with some cells changed.

    `changes` maps (entity, key, field) to the new cell value (None empties it); the key
    is the record's reference (a dispositif: (ref_session, ref_dispositif)). The cell is
    found by its sheet, the row of that key and the column headed by the field's label.
    """
    wb = openpyxl.load_workbook(SAMPLE_WORKBOOK)
    for (entity, key, field), value in changes.items():
        spec = ENTITIES[entity]
        ws = wb[spec.sheet]
        headers = {c.value: c.column for c in ws[1]}
        key_fields = ("ref_session", "ref_dispositif") if entity == "dispositif" else spec.key
        keys = key if isinstance(key, tuple) else (key,)
        key_columns = [headers[spec.field(k).label] for k in key_fields]
        rows = [r for r in range(2, ws.max_row + 1) if tuple(str(ws.cell(r, c).value) for c in key_columns) == keys]
        assert len(rows) == 1, (entity, key)
        label = spec.field(field).label
        if label not in headers:
            headers[label] = ws.max_column + 1
            ws.cell(1, headers[label], label)
        ws.cell(rows[0], headers[label]).value = value
    path = tmp_path / name
    wb.save(path)
    return path


def run_sample(tmp_path: Path, changes: dict, *, today=TODAY, reference="bundled", **kw):
    """Run the pipeline on the sample workbook with `changes` (see sample_with)."""
    if reference == "bundled":
        reference = bundled_reference()
    return run([sample_with(tmp_path, changes)], today=today, reference=reference, **kw)


_REFERENCE = []


def bundled_reference():
    """The bundled certification reference, loaded once for the whole test session."""
    if not _REFERENCE:
        from pipeline.reference import load_reference

        _REFERENCE.append(load_reference(None))
    return _REFERENCE[0]


def two_offers() -> dict:
    """The valid offer plus a second session with its dispositif: 2 formations' worth of rows."""
    offer = valid_offer()
    offer["formation"].append({**offer["formation"][0], "ref_formation": "F2"})
    offer["action"].append({**offer["action"][0], "ref_action": "A2", "ref_formation": "F2"})
    offer["session"].append({**offer["session"][0], "ref_session": "S2", "ref_action": "A2"})
    offer["dispositif"].append({**offer["dispositif"][0], "ref_session": "S2", "ref_dispositif": "D2"})
    return offer
