"""Reading the base: a record's history, the live offer for LHÉO export, the dashboard counters.

The live offer is what partners may publish: records not withdrawn, sessions not
ended at the export date, and the actions and formations that still have one. The
counters are those of the SOFI dashboard (the seed's « Tableau de bord »), computed
from the same live view so `fasd stats` and `fasd export` never disagree.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from ..text import fold
from .base import BaseError
from .schema import etablissement, organisation, record, record_version, run

FAS_CODE = re.compile(r"^\d+(-\d+){0,2}$")
FAS_ENTITY = {1: "formation", 2: "action", 3: "session"}
FAS_CHAIN = ("session", "action", "formation")
STATUS_LABELS = {"actif": "actif", "retire": "retiré"}


def organisation_ids(conn: Connection, code: str | None) -> dict[int, str]:
    """Organisations by id: all of them, or the one of a SIRET / SIREN (BaseError when unknown)."""
    query = select(organisation.c.id, organisation.c.code)
    if code is not None:
        query = query.where(organisation.c.code == code[:9])
    found = {i: c for i, c in conn.execute(query)}
    if code is not None and not found:
        raise BaseError(f"aucun organisme de SIREN {code[:9]} dans la base.")
    return found


def establishments(conn: Connection) -> list[dict]:
    """Every establishment of the base: SIRET, name, its organisation's SIREN and name (the page's list)."""
    query = (
        select(etablissement.c.siret, etablissement.c.nom, organisation.c.code, organisation.c.nom.label("org"))
        .join(organisation, organisation.c.id == etablissement.c.organisation_id)
        .order_by(organisation.c.code, etablissement.c.siret)
    )
    return [
        {"siret": siret, "nom": nom or "", "siren": siren, "organisation": org or ""}
        for siret, nom, siren, org in conn.execute(query)
    ]


class Selection:
    """`--organisme` (repeatable): a SIREN selects every record of its organisation, a SIRET
    the records its establishment owns; none selects the whole base. BaseError when unknown."""

    def __init__(self, conn: Connection, codes=None) -> None:
        self.orgs: dict[int, str] = {}  # the organisations whose records are read
        self.whole: set[int] = set()  # organisations selected whole (by SIREN, or no selection)
        self.etabs: set[int] = set()  # establishments selected by SIRET
        if not codes:
            self.orgs = organisation_ids(conn, None)
            self.whole = set(self.orgs)
            return
        for code in codes:
            if len(code) != 14:
                found = organisation_ids(conn, code)
                self.orgs.update(found)
                self.whole.update(found)
                continue
            row = conn.execute(
                select(etablissement.c.id, etablissement.c.organisation_id, organisation.c.code)
                .join(organisation, organisation.c.id == etablissement.c.organisation_id)
                .where(etablissement.c.siret == code)
            ).first()
            if row is None:
                raise BaseError(f"aucun établissement de SIRET {code} dans la base.")
            self.orgs[row[1]] = row[2]
            self.etabs.add(row[0])

    def holds(self, row: dict) -> bool:
        return row["organisation_id"] in self.whole or row["etablissement_id"] in self.etabs


# -- history -------------------------------------------------------------------------------------
def history(conn: Connection, ref: str, org_code: str | None = None) -> list[dict]:
    """Every record whose key (or FAS code) is `ref`, each with its versions and their runs."""
    orgs = organisation_ids(conn, org_code)
    cond = [record.c.key == ref, record.c.key.startswith(ref.replace("\x1f", "") + "\x1f", autoescape=True)]
    if FAS_CODE.match(ref):
        parts = ref.split("-")
        cond.append((record.c.entity == FAS_ENTITY[len(parts)]) & (record.c.fas_code == int(parts[-1])))
    rows = (
        conn.execute(
            select(record)
            .where(or_(*cond), record.c.organisation_id.in_(list(orgs)))
            .order_by(record.c.entity, record.c.key)
        )
        .mappings()
        .all()
    )
    out = []
    for row in rows:
        chain, entity, key = [], row["entity"], row["key"]
        if entity in FAS_CHAIN:
            for step in FAS_CHAIN[FAS_CHAIN.index(entity) :]:
                found = conn.execute(
                    select(record.c.fas_code, record.c.parent_key).where(
                        record.c.organisation_id == row["organisation_id"], record.c.entity == step, record.c.key == key
                    )
                ).first()
                if found is None:
                    break
                chain.append(str(found.fas_code))
                key = found.parent_key
        versions = (
            conn.execute(
                select(
                    record_version.c.version,
                    record_version.c.change,
                    record_version.c.status,
                    record_version.c.fields,
                    record_version.c.content,
                    run.c.id.label("run"),
                    run.c.started_at,
                    run.c.today,
                    run.c.inputs,
                    run.c.perimetre,
                )
                .join(run, run.c.id == record_version.c.run_id)
                .where(record_version.c.record_id == row["id"])
                .order_by(record_version.c.version)
            )
            .mappings()
            .all()
        )
        out.append(
            {
                "entity": row["entity"],
                "key": row["key"].replace("\x1f", " / "),
                "organisation": orgs[row["organisation_id"]],
                "fas_code": row["fas_code"],
                "code_fas": "-".join(reversed(chain)) or None,
                "status": row["status"],
                "withdrawn_on": row["withdrawn_on"].isoformat() if row["withdrawn_on"] else None,
                "versions": [
                    {
                        "version": v["version"],
                        "change": v["change"],
                        "status": v["status"],
                        "run": v["run"],
                        "at": _iso(v["started_at"]),
                        "today": v["today"].isoformat(),
                        "perimetre": v["perimetre"],
                        "inputs": json.loads(v["inputs"]),
                        "fields": json.loads(v["fields"]) if v["fields"] else {},
                        "content": json.loads(v["content"]),
                    }
                    for v in versions
                ],
            }
        )
    return out


def _iso(value) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


# -- the live offer ----------------------------------------------------------------------------------
class Catalogue:
    """The offer records of some organisations or establishments (`codes`: SIRENs, SIRETs;
    None for all), the directory records they may name, loaded once; the live view on a date."""

    def __init__(self, conn: Connection, codes, today: dt.date):
        self.selection = Selection(conn, [codes] if isinstance(codes, str) else codes)
        self.orgs = self.selection.orgs
        self.today = today
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.others: dict[str, list[dict]] = defaultdict(list)  # directory records of the others
        cols = (
            record.c.id,
            record.c.organisation_id,
            record.c.etablissement_id,
            record.c.entity,
            record.c.key,
            record.c.parent_key,
            record.c.fas_code,
            record.c.status,
            record.c.content,
            record.c.updated_run_id,
        )
        directory = record.c.entity.in_(("site", "contact"))
        query = select(*cols).where(record.c.organisation_id.in_(list(self.orgs)) | directory).order_by(record.c.id)
        for found in conn.execute(query):
            row = found._asdict()
            if not self.selection.holds(row):
                if row["entity"] in ("site", "contact"):  # a subcontractor's site an offer may name
                    row["content"] = json.loads(row["content"])
                    self.others[row["entity"]].append(row)
                continue
            row["content"] = json.loads(row["content"])
            self.rows[row["entity"]].append(row)
        self.conn = conn

    def children(self, entity: str) -> dict[tuple[int, str], list[dict]]:
        out = defaultdict(list)
        for row in self.rows[entity]:
            out[(row["organisation_id"], row["parent_key"])].append(row)
        return out

    def session_live(self, row: dict) -> bool:
        end = row["content"].get("date_fin")
        return row["status"] == "actif" and (end is None or dt.date.fromisoformat(end) >= self.today)

    def tree(self):
        """(formation row, [(action row, [(session row, [dispositif rows])])]) of every formation."""
        actions, sessions, dispositifs = self.children("action"), self.children("session"), self.children("dispositif")
        for f in self.rows["formation"]:
            org = f["organisation_id"]
            yield (
                f,
                [
                    (a, [(s, dispositifs.get((org, s["key"]), [])) for s in sessions.get((org, a["key"]), [])])
                    for a in actions.get((org, f["key"]), [])
                ],
            )

    def live_offers(self, since: dt.date | None = None):
        """Nested offer records (records.jsonl shape, FAS codes in code_*) of the live offer."""
        touched = self.touched_runs(since) if since else None
        for f, actions in self.tree():
            if f["status"] != "actif":
                continue
            tree_runs = {f["updated_run_id"]}
            formation = {**f["content"], "code_formation": str(f["fas_code"]), "actions": []}
            for a, sessions in actions:
                tree_runs.add(a["updated_run_id"])  # a withdrawal changes the formation too
                tree_runs.update(r["updated_run_id"] for s, disps in sessions for r in [s, *disps])
                if a["status"] != "actif":
                    continue
                action = {**a["content"], "code_action": str(a["fas_code"]), "sessions": []}
                for s, disps in sessions:
                    if not self.session_live(s):
                        continue
                    live = [d["content"] for d in disps if d["status"] == "actif"]
                    if not live:
                        continue
                    action["sessions"].append({**s["content"], "code_session": str(s["fas_code"]), "dispositifs": live})
                if action["sessions"]:
                    formation["actions"].append(action)
            if not formation["actions"]:
                continue
            if touched is not None and not (tree_runs & touched):
                continue
            yield formation

    def touched_runs(self, since: dt.date) -> set[int]:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.timezone.utc)
        return set(self.conn.execute(select(run.c.id).where(run.c.started_at >= start)).scalars())

    def directory(self, entity: str) -> dict[str, dict]:
        """Sites or contacts by code; BaseError when two organisations use one code differently."""
        out: dict[str, dict] = {}
        owner: dict[str, int] = {}
        for row in self.rows[entity]:
            code = row["key"]
            if code in out and owner[code] != row["organisation_id"] and out[code] != row["content"]:
                raise BaseError(
                    f"deux organismes ont un {entity} de code {code} : exportez-les un par un avec --organisme."
                )
            out[code], owner[code] = row["content"], row["organisation_id"]
        for row in self.others[entity]:
            out.setdefault(row["key"], row["content"])
        return out

    # -- the dashboard ----------------------------------------------------------------------------
    def stats(self) -> dict:
        """The SOFI dashboard counters on `today` (the seed's « Tableau de bord »)."""
        soon = _add_month(self.today)
        counts = {k: 0 for k in COUNTERS}
        replaced = self.certifinfo_replaced()
        for f, actions in self.tree():
            for a, sessions in actions:
                action_live = False
                for s, disps in sessions:
                    live = self.session_live(s) and f["status"] == a["status"] == "actif"
                    if not live:
                        counts["sessions_inactives"] += 1
                        continue
                    action_live = True
                    content = s["content"]
                    counts["sessions_actives"] += 1
                    end = content.get("date_fin")
                    if end and dt.date.fromisoformat(end) <= soon:
                        counts["sessions_inactives_dans_moins_d_un_mois"] += 1
                    labels = {fold(str(d["content"].get("dispositif", ""))) for d in disps if d["status"] == "actif"}
                    for counter, word in DISPOSITIF_COUNTERS.items():
                        if any(word in label for label in labels):
                            counts[counter] += 1
                    if content.get("modalite_enseignement") in ("1", "2") or "à distance" in (
                        content.get("modalites_pedagogiques") or []
                    ):
                        counts["sessions_a_distance"] += 1
                counts["actions_actives" if action_live else "actions_inactives"] += 1
                if action_live and (f["organisation_id"], f["key"]) in replaced:
                    counts["actions_certifinfo_remplace"] += 1
        counts["formations"] = sum(1 for f in self.rows["formation"] if f["status"] == "actif")
        return counts

    def certifinfo_replaced(self) -> set[tuple[int, str]]:
        """Formations whose Certif Info code was changed by a later import."""
        ids = {f["id"]: (f["organisation_id"], f["key"]) for f in self.rows["formation"]}
        out = set()
        query = select(record_version.c.record_id, record_version.c.fields).where(
            record_version.c.change.in_(("modification", "reactivation")),
            record_version.c.fields.like("%code_certifinfo%"),
        )
        for rid, fields in self.conn.execute(query):
            if rid in ids and "code_certifinfo" in json.loads(fields):
                old, new = json.loads(fields)["code_certifinfo"]
                if old and new:
                    out.add(ids[rid])
        return out


DISPOSITIF_COUNTERS = {
    "sessions_programme_region": "programme region",
    "sessions_apprentissage": "apprentissage",
    "sessions_professionnalisation": "professionnalisation",
}

COUNTERS = {
    "sessions_actives": "Sessions de formation actives",
    "sessions_inactives_dans_moins_d_un_mois": "Sessions de formation inactives dans moins d'un mois",
    "sessions_inactives": "Sessions de formation inactives",
    "sessions_programme_region": "Sessions de formation du programme région",
    "sessions_apprentissage": "Sessions de formation en contrat d'apprentissage",
    "sessions_professionnalisation": "Sessions de formation en contrat de professionnalisation",
    "sessions_a_distance": "Sessions de formation ouvertes à distance",
    "actions_actives": "Actions de formation actives",
    "actions_inactives": "Actions de formation inactives",
    "actions_certifinfo_remplace": "Actions de formation dont le code Certifinfo a été remplacé",
    "formations": "Formations en ligne",
}


def _add_month(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
