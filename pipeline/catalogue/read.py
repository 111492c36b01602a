"""Reading the base: a record's history, the live offer for LHÉO export, the dashboard counters.

The live offer is what partners may publish: records not withdrawn, sessions not
ended at the export date, and the actions and formations that still have one. The
counters are those of the SOFI dashboard (the seed's « Tableau de bord »), computed
from the same live view so `fasd stats` and `fasd export` never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

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
                    record_version.c.decided_by,
                    record_version.c.decided_at,
                    record_version.c.note,
                    run.c.id.label("run"),
                    run.c.started_at,
                    run.c.today,
                    run.c.inputs,
                    run.c.perimetre,
                )
                .outerjoin(run, run.c.id == record_version.c.run_id)  # a decision has no run
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
                "etat": row["etat"],
                "published_version": row["published_version"],
                "versions": [
                    {
                        "version": v["version"],
                        "change": v["change"],
                        "status": v["status"],
                        "run": v["run"],
                        "at": _iso(v["decided_at"] or v["started_at"]),
                        "today": v["today"].isoformat() if v["today"] else None,
                        "perimetre": v["perimetre"],
                        "inputs": json.loads(v["inputs"]) if v["inputs"] else [],
                        "by": v["decided_by"],
                        "note": v["note"],
                        "fields": json.loads(v["fields"]) if v["fields"] else {},
                        "content": json.loads(v["content"]),
                    }
                    for v in versions
                ],
            }
        )
    return out


def _aware(value):
    """A timestamp as UTC-aware (SQLite gives them back naive)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def _iso(value) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


# -- the live offer ----------------------------------------------------------------------------------
class Catalogue:
    """The offer records of some organisations or establishments (`codes`: SIRENs, SIRETs;
    None for all), the directory records they may name, loaded once; the live view on a date.

    `published` (the default): each offer record as its published version (validation.py),
    the records never published left out: what partners get. Else the records as they now
    are in the base (the organisation's work in progress, for the workflow counters)."""

    def __init__(self, conn: Connection, codes, today: dt.date, *, published: bool = True):
        self.selection = Selection(conn, [codes] if isinstance(codes, str) else codes)
        self.orgs = self.selection.orgs
        self.today = today
        self.published = published
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.others: dict[str, list[dict]] = defaultdict(list)  # directory records of the others
        pub, pub_run = record_version.alias("pub"), run.alias("pub_run")
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
            record.c.published_version,
            record.c.etat,
            record.c.certifinfo_remplace,
            pub.c.status.label("published_status"),
            pub.c.content.label("published_content"),
            func.coalesce(pub.c.decided_at, pub_run.c.started_at).label("published_at"),
        )
        directory = record.c.entity.in_(("site", "contact"))
        query = (
            select(*cols)
            .select_from(
                record.outerjoin(
                    pub, and_(pub.c.record_id == record.c.id, pub.c.version == record.c.published_version)
                ).outerjoin(pub_run, pub_run.c.id == pub.c.run_id)
            )
            .where(record.c.organisation_id.in_(list(self.orgs)) | directory)
            .order_by(record.c.id)
        )
        for found in conn.execute(query):
            row = found._asdict()
            if published and row["entity"] not in ("site", "contact"):
                if row["published_version"] is None:
                    continue
                row["status"], row["content"] = row["published_status"], row["published_content"]
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

    def live_dispositifs(self, f: dict, a: dict, s: dict, disps: list[dict]) -> list[dict]:
        """The live dispositifs of a session that is live (itself, its action and formation not
        withdrawn, not ended); empty when the session is not in the live offer. The one rule of
        the export and of the dashboard's active sessions (dashboard.py)."""
        if f["status"] != "actif" or a["status"] != "actif" or not self.session_live(s):
            return []
        return [d for d in disps if d["status"] == "actif"]

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
        start = _start(since) if since else None
        for f, actions in self.tree():
            if f["status"] != "actif":
                continue
            tree_times = {_aware(f["published_at"])}
            formation = {**f["content"], "code_formation": str(f["fas_code"]), "actions": []}
            for a, sessions in actions:
                tree_times.add(_aware(a["published_at"]))  # a withdrawal changes the formation too
                tree_times.update(_aware(r["published_at"]) for s, disps in sessions for r in [s, *disps])
                if a["status"] != "actif":
                    continue
                action = {**a["content"], "code_action": str(a["fas_code"]), "sessions": []}
                for s, disps in sessions:
                    live = self.live_dispositifs(f, a, s, disps)
                    if not live:
                        continue
                    action["sessions"].append(
                        {
                            **s["content"],
                            "code_session": str(s["fas_code"]),
                            "dispositifs": [d["content"] for d in live],
                        }
                    )
                if action["sessions"]:
                    formation["actions"].append(action)
            if not formation["actions"]:
                continue
            if start is not None and not any(t is not None and t >= start for t in tree_times):
                continue
            yield formation

    def withdrawn_since(self, since: dt.date) -> list[dict]:
        """Formations, actions and sessions whose published version is a withdrawal made since
        `since` (LHÉO cannot carry a deletion: the companion file of `export --depuis`)."""
        start = _start(since)
        fas = {(r["organisation_id"], e, r["key"]): r for e in FAS_CHAIN for r in self.rows[e]}
        out = []
        for entity in ("formation", "action", "session"):
            for row in self.rows[entity]:
                at = _aware(row["published_at"])
                if row["status"] != "retire" or at is None or at < start:
                    continue
                chain, step, key = [], entity, row["key"]
                for step in FAS_CHAIN[FAS_CHAIN.index(entity) :]:
                    found = fas.get((row["organisation_id"], step, key))
                    if found is None:
                        break
                    chain.append(str(found["fas_code"]))
                    key = found["parent_key"]
                out.append(
                    {"entite": entity, "code_fas": "-".join(reversed(chain)), "retire_le": at.date().isoformat()}
                )
        return out

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
