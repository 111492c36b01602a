"""Validation before publication (issue 25): the state of each action, and what partners get.

In SOFI an organisation « envoie la saisie au Cariforef pour validation »: here the
import is that sending. Each action (with its sessions and dispositifs) has a state:

    brouillon            en cours de saisie (`fasd import --brouillon`, or à compléter)
    en_attente           en attente de validation (the default after an import)
    en_attente_reponses  en attente de réponses (the CARIF-OREF asked a question)
    validee              validée: published
    refusee              refusée, with a reason

Every offer record keeps a **published version** (`record.published_version`): the
one `fasd export --base` serves. An import writes new versions but never moves the
published one, so a validated action stays published as it was until its new version
is validated; validating an action publishes its current version, its sessions', its
dispositifs' and its formation's. A withdrawal (complete upload) is published at once:
the organisation no longer offers it. A base made with `fasd base init
--sans-validation` publishes every import at once. Each decision is a version of the
action in the history, with who and when (`record_version.decided_by/decided_at`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ..model.fields import OFFER_ENTITIES as OFFER
from .base import BaseError
from .schema import base_setting, record, record_version

STATES = {
    "brouillon": "en cours de saisie",
    "en_attente": "en attente de validation",
    "en_attente_reponses": "en attente de réponses",
    "validee": "validée",
    "refusee": "refusée",
}
DECISIONS = {"validation": "validee", "refus": "refusee", "question": "en_attente_reponses", "reponse": "en_attente"}
DECISION_LABELS = {"validation": "validation", "refus": "refus", "question": "question", "reponse": "réponse"}
DECIDABLE = ("en_attente", "en_attente_reponses", "refusee")  # a draft was not sent; a validated one is done
ANSWERABLE = ("en_attente_reponses",)  # the organisation's answer (on the page) to a question


# -- the base's setting ---------------------------------------------------------------------------
def validation_enabled(conn: Connection) -> bool:
    """True unless the base was made `--sans-validation`."""
    value = conn.execute(select(base_setting.c.value).where(base_setting.c.name == "validation")).scalar()
    return value != "non"


def set_validation(conn: Connection, enabled: bool) -> None:
    conn.execute(base_setting.delete().where(base_setting.c.name == "validation"))
    conn.execute(insert(base_setting).values(name="validation", value="oui" if enabled else "non"))


# -- what an import does to the states ------------------------------------------------------------
def mark_import(conn: Connection, job, *, draft: bool = False) -> None:
    """After an import's writes (`job`: upsert.Apply): publish at once without validation; else
    put every changed action (or one re-sent after a question, or a draft sent) to
    `en_attente`, or `brouillon` for a draft, and publish withdrawals at once."""
    from .certifinfo import clear_marks

    clear_marks(conn, job)
    run_id = job.run_id
    this_run = and_(record.c.updated_run_id == run_id, record.c.entity.in_(OFFER))
    if not validation_enabled(conn):
        conn.execute(update(record).where(this_run).values(published_version=record.c.version))
        conn.execute(
            update(record)
            .where(this_run, record.c.entity == "action", record.c.status == "actif")
            .values(etat="validee", etat_note=None)
        )
        return
    conn.execute(
        update(record)
        .where(this_run, record.c.status == "retire", record.c.published_version.isnot(None))
        .values(published_version=record.c.version)
    )
    parent = job.parent
    children = defaultdict(list)  # (org, formation key) -> action keys
    for (org, entity, key), up in parent.items():
        if entity == "action":
            children[(org, up)].append(key)

    def actions_of(org: int, entity: str, key: str | None) -> list[str]:
        if entity == "formation":
            return children.get((org, key), [])
        if entity == "dispositif":
            entity, key = "session", parent.get((org, "dispositif", key))
        if entity == "session":
            key = parent.get((org, "session", key))
        return [key] if key is not None else []

    touched = {(org, a) for org, e, k in job.changed if e in OFFER for a in actions_of(org, e, k)}
    seen = {(org, a) for (org, e, k) in job.seen if e != "formation" for a in actions_of(org, e, k)}
    incomplete = {(org, a) for (org, e, k), missing in job.seen.items() if missing for a in actions_of(org, e, k)}
    wanted = touched | seen
    if not wanted:
        return
    states: dict[str, list[int]] = defaultdict(list)
    by_org = defaultdict(set)
    for org, key in wanted:
        by_org[org].add(key)
    for org, keys in by_org.items():
        query = select(record.c.id, record.c.key, record.c.etat).where(
            record.c.organisation_id == org, record.c.entity == "action", record.c.status == "actif"
        )
        for rid, key, etat in conn.execute(query):
            if key not in keys:
                continue
            k = (org, key)
            if k not in touched and etat not in ("brouillon", "en_attente_reponses"):
                continue  # unchanged: a validated, waiting or refused action stays so
            new = "brouillon" if draft or k in incomplete else "en_attente"
            if new != etat:
                states[new].append(rid)
    for new, ids in states.items():
        for i in range(0, len(ids), 500):
            conn.execute(update(record).where(record.c.id.in_(ids[i : i + 500])).values(etat=new, etat_note=None))


# -- the CARIF-OREF's decisions ---------------------------------------------------------------------
def find_actions(conn: Connection, codes=(), *, organisations=None, everything: bool = False) -> list[dict]:
    """The actions named by FAS codes (F, F-A or F-A-S), or the waiting ones of some
    organisations / establishments (SIRET, SIREN), or all waiting ones; BaseError when a
    code names nothing."""
    from .read import Selection

    cols = (
        record.c.id,
        record.c.organisation_id,
        record.c.etablissement_id,
        record.c.key,
        record.c.parent_key,
        record.c.fas_code,
        record.c.etat,
        record.c.status,
    )
    found: dict[int, dict] = {}
    for code in codes:
        parts = str(code).strip().split("-")
        if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
            raise BaseError(f"code FAS « {code} » : attendu F, F-A ou F-A-S (des nombres), par ex. 19482-89393.")
        formation = conn.execute(
            select(record.c.organisation_id, record.c.key).where(
                record.c.entity == "formation", record.c.fas_code == int(parts[0])
            )
        ).first()
        query = select(*cols).where(record.c.entity == "action", record.c.status == "actif")
        if formation is not None and len(parts) == 1:
            query = query.where(record.c.organisation_id == formation[0], record.c.parent_key == formation[1])
        elif formation is not None:
            query = query.where(
                record.c.fas_code == int(parts[1]),
                record.c.organisation_id == formation[0],
                record.c.parent_key == formation[1],
            )
        rows = [r._asdict() for r in conn.execute(query)] if formation is not None else []
        if not rows:
            raise BaseError(f"aucune action en ligne de code FAS {code} dans la base.")
        found.update((r["id"], r) for r in rows)
    if organisations or everything:
        selection = Selection(conn, list(organisations or ()))
        query = select(*cols).where(
            record.c.entity == "action", record.c.status == "actif", record.c.etat == "en_attente"
        )
        found.update((r["id"], r) for r in map(lambda x: x._asdict(), conn.execute(query)) if selection.holds(r))
    return sorted(found.values(), key=lambda r: r["fas_code"] or 0)


def decide(conn: Connection, actions: list[dict], change: str, *, by: str, note: str | None = None) -> list[dict]:
    """Record one decision (validation, refus, question; or the organisation's reponse to a
    question) on each action that may take it: a new version of the action with who and
    when; a validation publishes the action's current tree, an answer sends the action
    back to validation. Returns the actions decided (those in a state that allows it)."""
    state = DECISIONS[change]
    allowed = ANSWERABLE if change == "reponse" else DECIDABLE
    now = dt.datetime.now(dt.timezone.utc)
    done = []
    for action in actions:
        if action["etat"] not in allowed:
            continue
        row = conn.execute(
            select(record.c.version, record.c.content, record.c.status).where(record.c.id == action["id"])
        ).one()
        version = row.version + 1
        fields = {"etat": [STATES.get(action["etat"] or "", action["etat"]), STATES[state]]}
        if change == "refus":
            fields["motif"] = [None, note]
        elif change in ("question", "reponse"):
            fields[change] = [None, note]
        conn.execute(
            insert(record_version).values(
                record_id=action["id"],
                version=version,
                run_id=None,
                change=change,
                status=row.status,
                content=row.content,
                fields=json.dumps(fields, ensure_ascii=False),
                decided_by=by,
                decided_at=now,
                note=note,
            )
        )
        values: dict = {"version": version, "etat": state, "etat_note": note}
        if change == "validation":
            values["published_version"] = version
            publish_tree(conn, action)
        conn.execute(update(record).where(record.c.id == action["id"]).values(**values))
        done.append({**action, "etat": state})
    return done


def publish_tree(conn: Connection, action: dict) -> None:
    """The current versions of an action's formation, sessions and their dispositifs become the published ones."""
    org = action["organisation_id"]
    publish = update(record).values(published_version=record.c.version)
    conn.execute(
        publish.where(
            record.c.organisation_id == org, record.c.entity == "formation", record.c.key == action["parent_key"]
        )
    )
    sessions = list(
        conn.execute(
            select(record.c.key).where(
                record.c.organisation_id == org, record.c.entity == "session", record.c.parent_key == action["key"]
            )
        ).scalars()
    )
    for i in range(0, len(sessions), 500):
        part = sessions[i : i + 500]
        conn.execute(
            publish.where(record.c.organisation_id == org, record.c.entity == "session", record.c.key.in_(part))
        )
        conn.execute(
            publish.where(
                record.c.organisation_id == org, record.c.entity == "dispositif", record.c.parent_key.in_(part)
            )
        )


# -- the waiting list ----------------------------------------------------------------------------------
def waiting(conn: Connection, organisations=None, states=("en_attente",)) -> list[dict]:
    """Actions in `states` of some organisations / establishments, each with its FAS code,
    its organisation, what changed since its published version (« nouvelle » if never published)
    and the version of each record of its tree."""
    from .read import Selection
    from .versions import diff

    selection = Selection(conn, list(organisations or ()))
    pub = record_version.alias("pub")
    cols = (
        record.c.id,
        record.c.organisation_id,
        record.c.etablissement_id,
        record.c.entity,
        record.c.key,
        record.c.parent_key,
        record.c.fas_code,
        record.c.status,
        record.c.etat,
        record.c.etat_note,
        record.c.version,
        record.c.published_version,
        record.c.content,
        pub.c.content.label("published"),
    )
    query = (
        select(*cols)
        .select_from(
            record.outerjoin(pub, and_(pub.c.record_id == record.c.id, pub.c.version == record.c.published_version))
        )
        .where(record.c.organisation_id.in_(list(selection.orgs)), record.c.entity.in_(OFFER))
    )
    rows: dict[str, dict] = defaultdict(dict)
    for found in conn.execute(query):
        row = found._asdict()
        rows[row["entity"]][(row["organisation_id"], row["key"])] = row
    sessions, dispositifs = defaultdict(list), defaultdict(list)
    for (org, _), row in rows["session"].items():
        sessions[(org, row["parent_key"])].append(row)
    for (org, _), row in rows["dispositif"].items():
        dispositifs[(org, row["parent_key"])].append(row)

    def changes(row: dict) -> dict | None:
        if row["published"] is None:
            return {"nouveau": True}
        fields = diff(json.loads(row["published"]), json.loads(row["content"]))
        return fields or None

    out = []
    for (org, key), action in rows["action"].items():
        if action["etat"] not in states or action["status"] != "actif" or not selection.holds(action):
            continue
        formation = rows["formation"].get((org, action["parent_key"]))
        tree = [("formation", formation)] if formation else []
        tree.append(("action", action))
        for s in sessions.get((org, key), []):
            tree.append(("session", s))
            tree.extend(("dispositif", d) for d in dispositifs.get((org, s["key"]), []))
        changed, versions = [], []
        for entity, row in tree:
            versions.append([entity, row["key"].replace("\x1f", " / "), row["version"]])
            what = changes(row)
            if what is not None:
                changed.append({"entity": entity, "key": row["key"].replace("\x1f", " / "), "fields": what})
        fas = f"{formation['fas_code']}-{action['fas_code']}" if formation else str(action["fas_code"])
        out.append(
            {
                "code_fas": fas,
                "id": action["id"],
                "version": action["version"],
                "ref_action": key,
                "organisation": selection.orgs[org],
                "intitule": json.loads(formation["content"]).get("intitule") if formation else None,
                "etat": action["etat"],
                "note": action["etat_note"],
                "changes": changed,
                "versions": versions,  # [entity, key, version] of its tree: what a decision saw
            }
        )
    out.sort(key=lambda a: (a["organisation"], [int(p) for p in a["code_fas"].split("-")]))
    return out
