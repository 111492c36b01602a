"""Applying a run's accepted records to the base: upsert, FAS codes, withdrawal, history.

Records are keyed by organisation (SIREN), entity and `ref_*`, and each is written under
its own owner (issue 22): an offer (formation, its actions, sessions, dispositifs) under
the establishment of its organisme responsable (validators/organisation.py), a site
under the SIREN and establishment of its SIRET, a contact under its site's (else under
the owner of the first offer naming it). One upload may so write under several
organisations; a complete upload withdraws only within the establishments of the upload. Only accepted records are
written; a record that was read but rejected keeps what the base holds (and, in a
complete upload, is not withdrawn either). FAS codes (formation, action and session
numbers) are given once, at creation: the SOFI code of the input when it has one,
else the next free number; they never change. An input SOFI code names the record to
update; a code that contradicts the base is a conflict, left aside and reported.
The caller owns the transaction: commit to apply, roll back for `--dry-run`.

A run is applied as it is checked, chunk by chunk (engine/stream.py, `on_chunk`):
`start` takes the lock and opens the run's row, `Apply.add_chunk` writes each chunk's
offers, `Apply.finish` the directory (sites, contacts: decided once the whole file is
read), the withdrawals of a complete upload (from the keys seen) and the history. A
whole Result is one chunk (api.apply).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..model.fields import DIRECTORY_ENTITIES as DIRECTORY, ENTITIES, ENTITY_ORDER, OFFER_ENTITIES as OFFER
from ..model.records import frame_records, plain_column
from .base import BaseError, acquire_lock, display
from .versions import canonical, diff
from ..writers.changes import Change, ChangeReport
from .options import PERIMETRES
from ..validators.organisation import upload_scope
from .owners import Owners
from .schema import record, record_version, run
from .rejected import rejected_keys, report_kept, under_rejected
from .reports import keep
from .validation import mark_import

SOFI_CODE = {"formation": "code_formation", "action": "code_action", "session": "code_session"}
PARENT_FIELD = {"contact": "code_site", "action": "ref_formation", "session": "ref_action", "dispositif": "ref_session"}
CHUNK = 500  # ids per IN list
BATCH = 2000  # records built, then written, at a time (memory: a batch, not the run)


def record_key(entity: str, rec: dict) -> str:
    """The key of a record in its organisation (a dispositif: its session and its ref or label)."""
    if entity == "dispositif":
        return f"{rec.get('ref_session') or ''}\x1f{rec.get('ref_dispositif') or rec.get('dispositif') or ''}"
    return str(rec[ENTITIES[entity].key[0]])


def read_keys(result, entity: str) -> set[str]:
    """Keys of every record read for the entity, accepted or rejected."""
    typed = result.tables[entity].typed
    if typed is None or typed.empty:
        return set()
    if entity == "dispositif":
        session = plain_column(typed["ref_session"])
        which = [r or l for r, l in zip(plain_column(typed["ref_dispositif"]), plain_column(typed["dispositif"]))]
        return {f"{s or ''}\x1f{w or ''}" for s, w in zip(session, which)}
    return {str(k) for k in plain_column(typed[ENTITIES[entity].key[0]]) if k is not None}


def organisation_code(value: str) -> str:
    """`--organisme` of the reading commands: a SIRET or a SIREN, spaces allowed, as digits."""
    digits = "".join(str(value).split())
    if not digits.isdigit() or len(digits) not in (9, 14):
        raise BaseError(f"--organisme « {value} » : attendu un SIRET (14 chiffres) ou un SIREN (9 chiffres).")
    return digits


def incoming_records(result, entity: str, size: int = BATCH):
    """Batches of (key, parent key, SOFI code, content, digest, fields), one per accepted
    record: a batch at a time, so that an entity's whole content is never held at once."""
    frame = result.accepted_frame(entity)
    parent = PARENT_FIELD.get(entity)
    sofi = SOFI_CODE.get(entity)
    # the « à compléter » mark travels into the base (issue 25: such an action is a draft), and a
    # formation read from LHÉO its producer's element (D8: what FASD does not model, records.py)
    origins = result.tables[entity].origins if entity == "formation" else {}
    missing = getattr(result, "incomplete", {}).get(entity, {})
    for start in range(0, len(frame), size):
        out = []
        for rec in frame_records(frame.iloc[start : start + size], entity, missing):
            provenance = rec.pop("provenance")
            del rec["complet"]
            origin = origins.get((provenance.get("source"), provenance.get("line"))) if origins else None
            if origin is not None:
                rec["lheo_origine"] = origin
            code = rec.pop(sofi, None) if sofi else None
            text, digest = canonical(rec)
            out.append(
                (
                    record_key(entity, rec),
                    rec.get(parent) if parent else None,
                    int(code) if code not in (None, "") else None,
                    text,
                    digest,
                    rec,
                )
            )
        yield out


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _contents(conn: Connection, ids: list[int]) -> dict[int, dict]:
    out = {}
    for part in _chunks(ids):
        for rid, text in conn.execute(select(record.c.id, record.c.content).where(record.c.id.in_(part))):
            out[rid] = json.loads(text)
    return out


class Apply:
    """One application of a run to the base, inside the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        report: ChangeReport,
        owners: Owners,
        run_id: int,
        today: dt.date,
        *,
        scope=None,
        perimetre: str = "partiel",
        hold=None,
        draft: bool = False,
        written_hook=None,
    ):
        self.conn, self.report = conn, report
        self.owners, self.run_id, self.today = owners, run_id, today
        self.scope, self.perimetre, self.hold, self.draft = scope, perimetre, hold, draft
        self.scoped: set[str] = {v[:9] for v in scope.values} if scope else set()  # SIRENs of --organisme
        self.read: dict[str, set[str]] = {e: set() for e in OFFER}  # keys read, accepted or not
        self.loaded: set[int] = set()  # organisations whose records `existing` holds
        self.next_code: dict[str, int] = {}
        self.codes_known = False  # next_code read from the base
        self.halved = hold is None  # tests: the writes paused once, half done
        self.changed: list[tuple[int, str, str]] = []  # (organisation, entity, key) created or changed
        # keyed (organisation id, entity, key): keys are unique within an organisation only
        self.existing: dict[tuple[int, str, str], dict] = {}
        self.fas: dict[tuple[int, str, str | None], int] = {}
        self.parent: dict[tuple[int, str, str | None], str | None] = {}
        self.org_of_change: dict[int, int] = {}  # id(Change) -> organisation id, for its FAS code
        self.present: set[int] = set()
        self.rejected: dict[str, set[str]] = {}  # read but rejected keys (rejected.py)
        self.seen: dict[tuple[int, str, str], bool] = {}  # accepted records applied -> à compléter (validation.py)
        self.creates: list[dict] = []
        self.updates: list[dict] = []
        self.versions: list[dict] = []
        self.pending: list[tuple[dict, dict, Change, dict]] = []  # (existing row, new values, change, fields)

    def load(self, org_ids: set[int]) -> None:
        org_ids = set(org_ids) - self.loaded
        self.loaded |= org_ids
        if not org_ids and self.codes_known:
            return
        cols = (
            record.c.id,
            record.c.organisation_id,
            record.c.etablissement_id,
            record.c.entity,
            record.c.key,
            record.c.parent_key,
            record.c.fas_code,
            record.c.status,
            record.c.digest,
            record.c.version,
        )
        # not the records this run created in an earlier chunk (an organisation first met
        # then): fas and parent know them, and holding their rows again costs the run's size
        earlier = or_(record.c.created_run_id.is_(None), record.c.created_run_id != self.run_id)
        query = select(*cols).where(record.c.organisation_id.in_(sorted(org_ids)), earlier)
        for found in self.conn.execute(query):
            row = found._asdict()
            k = (row["organisation_id"], row["entity"], row["key"])
            self.existing[k] = row
            self.fas[k] = row["fas_code"]
            self.parent[k] = row["parent_key"]
        if self.codes_known:
            return
        self.codes_known = True
        self.next_code = {
            e: (n or 0) + 1
            for e, n in self.conn.execute(
                select(record.c.entity, func.max(record.c.fas_code)).group_by(record.c.entity)
            )
        }

    def owners_of_codes(self, entity: str, codes: list[int]) -> dict[int, dict]:
        out = {}
        for part in _chunks(sorted(set(codes))):
            q = select(record.c.id, record.c.organisation_id, record.c.key, record.c.fas_code).where(
                record.c.entity == entity, record.c.fas_code.in_(part)
            )
            for row in self.conn.execute(q):
                out[row.fas_code] = row._asdict()
        return out

    def code_fas(self, org: int, entity: str, key: str) -> str | None:
        chain: list[str] = []
        e: str = entity
        k: str | None = key
        if e == "dispositif":
            e, k = "session", self.parent.get((org, entity, key))
        order = ("session", "action", "formation")
        if e not in order:
            return None
        for step in order[order.index(e) :]:
            code = self.fas.get((org, step, k))
            if code is None:
                return None
            chain.append(str(code))
            k = self.parent.get((org, step, k))
        return "-".join(reversed(chain))

    def add_chunk(self, chunk) -> None:
        """One chunk of the run (a Result holding whole formations): its offers written."""
        self.owners.add(chunk)
        self.load_owners()
        for entity in OFFER:  # in ENTITY_ORDER: parents first
            self.read[entity] |= read_keys(chunk, entity)
            self.entity(chunk, entity)
        self.flush()

    def load_owners(self) -> None:
        """The base's records of the organisations this run may write under (those met so far)."""
        ids = self.owners.org_ids
        self.load({ids[s] for s in self.owners.candidate_sirens() | self.scoped if s in ids})

    def settle_pending(self) -> None:
        """The pending modifications diffed into the report, noted as changed, forgotten."""
        self.diff_pending()
        self.changed += [(row["organisation_id"], row["entity"], values["key"]) for row, values, *_ in self.pending]
        self.pending = []

    def flush(self) -> None:
        """What is pending written, then forgotten (the base holds it)."""
        self.settle_pending()
        self.changed += [(c["organisation_id"], c["entity"], c["key"]) for c in self.creates]
        if not self.halved:  # tests only: kill or race the import half way through its writes
            half = len(self.creates) // 2
            rest, self.creates = self.creates[half:], self.creates[:half]
            self.write()
            self.hold("half")
            self.creates, self.updates, self.versions = rest, [], []
            self.halved = True
        self.write()
        self.creates, self.updates, self.versions = [], [], []

    def finish(self, result) -> ChangeReport:
        """After the last chunk (`result`: the run's): its sites and contacts, the withdrawals
        of a complete upload, the FAS codes of the changes, the run's history; the report."""
        report, owners = self.report, self.owners
        if self.perimetre == "complet" and not self.read["formation"]:
            raise BaseError(
                "--perimetre complet avec un fichier sans aucune formation : refusé, "
                "cela retirerait toute l'offre de l'organisme."
            )
        directory = Directory(result)
        if not owners.started:  # no chunk came (nothing to apply but the directory)
            owners.add(directory)
        self.load_owners()
        for entity in DIRECTORY:
            self.entity(directory, entity)
        self.settle_pending()  # the directory's changes in the report before it is sorted
        etabs, legacy = owners.in_scope(self.scope, owners.held())
        report.etablissements = sorted(owners.siret_of_id[e] for e in etabs)
        written = sorted({s[:9] for s in owners.used} | self.scoped)
        report.organisation = ", ".join(written)
        self.rejected = rejected_keys(self, self.read)
        report_kept(self, self.rejected)
        if self.perimetre == "complet":
            self.withdraw(self.read, etabs, legacy)
        self.fill_codes()
        order = {e: i for i, e in enumerate(ENTITY_ORDER)}
        report.changes.sort(key=lambda c: (order[c.entity], c.key))
        self.flush()
        mark_import(self.conn, self, draft=self.draft)
        if not report.dry_run:
            keep(self.conn, report)  # `fasd changements` writes it again, whatever becomes of the outputs
        self.conn.execute(
            update(run)
            .where(run.c.id == self.run_id)
            .values(
                organisation_id=owners.org_ids.get(written[0]) if len(written) == 1 else None,
                finished_at=dt.datetime.now(dt.timezone.utc),
                counts=json.dumps(report.summary()["total"]),
            )
        )
        return report

    def release(self) -> None:
        """What the run's application kept to decide, let go once its report is made: the
        outputs are written next, before the commit, and they are the run's peak of memory."""
        for held in (self.existing, self.fas, self.parent, self.org_of_change, self.seen, self.rejected):
            held.clear()
        self.present, self.changed, self.pending, self.read = set(), [], [], {}
        for owned in (self.owners.formations, self.owners.action_formation, self.owners.session_action):
            owned.clear()

    def entity(self, result, entity: str) -> None:
        for records in incoming_records(result, entity):
            self.records(entity, records)
            if len(self.creates) + len(self.pending) >= BATCH:
                self.flush()

    def records(self, entity: str, records: list[tuple]) -> None:
        """One batch of an entity's accepted records: each created, changed, or in conflict."""
        owners = {}
        codes = [r[2] for r in records if r[2] is not None]
        if codes:
            owners = self.owners_of_codes(entity, codes)
        for key, parent, code, text, digest, fields in records:
            siret = self.owners.siret(entity, fields)
            if siret is None:
                why = (
                    "ni son site ni une offre qui le nomme ne sont dans le fichier"
                    if entity == "contact"
                    else "aucun site de son offre n'a de SIRET valide"
                )
                self.conflict(None, entity, key, f"établissement inconnu : {why}")
                continue
            org, etab = self.owners.establishment(siret)
            k = (org, entity, key)
            row = self.existing.get(k)
            if code is not None:
                owner = owners.get(code)
                if owner is not None and owner["organisation_id"] != org:
                    self.conflict(
                        org, entity, key, f"le code SOFI {code} est celui d'un enregistrement d'un autre organisme"
                    )
                    continue
                if owner is not None and owner["key"] != key:
                    if row is not None:
                        self.conflict(
                            org,
                            entity,
                            key,
                            f"le code SOFI {code} est celui de « {owner['key']} », "
                            f"et « {key} » a déjà le code {row['fas_code']}",
                        )
                        continue
                    row = self.existing.pop((org, entity, owner["key"]))  # renamed: same record, new ref
                    self.existing[k] = row
                elif owner is None and row is not None and row["fas_code"] != code:
                    self.conflict(
                        org,
                        entity,
                        key,
                        f"la base lui a donné le code {row['fas_code']}, "
                        f"qui ne change jamais (code SOFI du fichier : {code})",
                    )
                    continue
            self.seen[k] = bool(fields.get("a_completer"))
            if row is None:
                self.create(org, etab, entity, key, parent, code, text, digest)
                continue
            self.present.add(row["id"])
            self.fas[k], self.parent[k] = row["fas_code"], parent
            renamed = row["key"] != key
            moved = row["etablissement_id"] != etab
            if row["digest"] == digest and row["status"] == "actif" and not renamed and not moved:
                self.report.count(entity, "inchange")
                continue
            if entity in DIRECTORY and self.scope is not None and not self.scope.holds(siret):
                # a subcontractor's site or contact, named by this upload: its owner's to change
                self.conflict(
                    org,
                    entity,
                    key,
                    f"{'site' if entity == 'site' else 'contact'} de l'établissement {siret}, hors des "
                    "établissements de l'envoi : la base garde sa version (seul cet organisme la modifie)",
                )
                continue
            kind = "reactivation" if row["status"] != "actif" else "modification"
            change = Change(entity, key, kind)
            self.org_of_change[id(change)] = org
            values = {
                "b_id": row["id"],
                "etablissement_id": etab,
                "key": key,
                "parent_key": parent,
                "status": "actif",
                "withdrawn_on": None,
                "version": row["version"] + 1,
                "digest": digest,
                "content": text,
                "updated_run_id": self.run_id,
            }
            self.pending.append((row, values, change, fields))

    def conflict(self, org: int | None, entity: str, key: str, reason: str) -> None:
        change = Change(entity, key, "conflit", reason=reason)
        if org is not None:
            self.org_of_change[id(change)] = org
        self.report.add(change)

    def create(self, org, etab, entity, key, parent, code, text, digest) -> None:
        if entity in SOFI_CODE:
            if code is None:
                code = self.next_code.get(entity, 1)
            self.next_code[entity] = max(self.next_code.get(entity, 1), code + 1)
        k = (org, entity, key)
        self.fas[k], self.parent[k] = code, parent
        self.creates.append(
            {
                "organisation_id": org,
                "etablissement_id": etab,
                "entity": entity,
                "key": key,
                "parent_key": parent,
                "fas_code": code,
                "status": "actif",
                "withdrawn_on": None,
                "version": 1,
                "digest": digest,
                "content": text,
                "created_run_id": self.run_id,
                "updated_run_id": self.run_id,
            }
        )
        change = Change(entity, key, "creation")
        self.org_of_change[id(change)] = org
        self.report.add(change)

    def withdraw(self, read: dict[str, set[str]], etabs: set[int], legacy: set[int]) -> None:
        """Complete upload: active offer records of the upload's establishments (`etabs`; records
        of revision 0001, without one, of the organisations `legacy`) neither applied nor read
        are withdrawn."""
        gone = [
            row
            for (_, entity, key), row in self.existing.items()
            if entity in OFFER
            and row["status"] == "actif"
            and row["id"] not in self.present
            and key not in read[entity]
            and not under_rejected(self, self.rejected, row)  # D1: a rejected record keeps its tree
            and (
                row["etablissement_id"] in etabs
                or (row["etablissement_id"] is None and row["organisation_id"] in legacy)
            )
        ]
        contents = _contents(self.conn, [row["id"] for row in gone])
        for row in gone:
            change = Change(
                row["entity"], row["key"], "retrait", fields={"etat": ["actif", f"retiré le {self.today.isoformat()}"]}
            )
            self.org_of_change[id(change)] = row["organisation_id"]
            self.report.add(change)
            self.updates.append(
                {
                    "b_id": row["id"],
                    "etablissement_id": row["etablissement_id"],
                    "key": row["key"],
                    "parent_key": row["parent_key"],
                    "status": "retire",
                    "withdrawn_on": self.today,
                    "version": row["version"] + 1,
                    "digest": row["digest"],
                    "content": json.dumps(
                        contents[row["id"]], sort_keys=True, ensure_ascii=False, separators=(",", ":")
                    ),
                    "updated_run_id": self.run_id,
                }
            )
            self.versions.append(
                {
                    "record_id": row["id"],
                    "version": row["version"] + 1,
                    "run_id": self.run_id,
                    "change": "retrait",
                    "status": "retire",
                    "content": self.updates[-1]["content"],
                    "fields": None,
                }
            )

    def diff_pending(self) -> None:
        old = _contents(self.conn, [row["id"] for row, *_ in self.pending])
        for row, values, change, fields in self.pending:
            change.fields = diff(old[row["id"]], fields)
            if row["key"] != values["key"]:
                change.fields = {"cle": [row["key"], values["key"]], **change.fields}
            if row["etablissement_id"] != values["etablissement_id"]:
                siret = self.owners.siret_of_id.get
                moved = [siret(row["etablissement_id"]), siret(values["etablissement_id"])]
                change.fields = {"etablissement": moved, **change.fields}
            self.report.add(change)
            self.updates.append(values)
            self.versions.append(
                {
                    "record_id": row["id"],
                    "version": values["version"],
                    "run_id": self.run_id,
                    "change": change.change,
                    "status": "actif",
                    "content": values["content"],
                    "fields": json.dumps(change.fields, ensure_ascii=False, default=str),
                }
            )

    def write(self) -> None:
        if self.creates:
            stmt = insert(record).returning(record.c.id, sort_by_parameter_order=True)
            ids = self.conn.execute(stmt, self.creates).scalars().all()
            self.versions.extend(
                {
                    "record_id": rid,
                    "version": 1,
                    "run_id": self.run_id,
                    "change": "creation",
                    "status": "actif",
                    "content": row["content"],
                    "fields": None,
                }
                for rid, row in zip(ids, self.creates)
            )
        if self.updates:
            change = (
                update(record)
                .where(record.c.id == bindparam("b_id"))
                .values(
                    etablissement_id=bindparam("etablissement_id"),
                    key=bindparam("key"),
                    parent_key=bindparam("parent_key"),
                    status=bindparam("status"),
                    withdrawn_on=bindparam("withdrawn_on"),
                    version=bindparam("version"),
                    digest=bindparam("digest"),
                    content=bindparam("content"),
                    updated_run_id=bindparam("updated_run_id"),
                )
            )
            self.conn.execute(change, self.updates)
        if self.versions:
            self.conn.execute(insert(record_version), self.versions)

    def fill_codes(self) -> None:
        for change in self.report.changes:
            org = self.org_of_change.get(id(change))
            if change.code_fas is None and org is not None:
                change.code_fas = self.code_fas(org, change.entity, change.key)


class Directory:
    """The sites and contacts of a run as decided once the whole file is read, shaped as the
    Result of a chunk for `incoming_records` and `Owners.add`."""

    def __init__(self, result) -> None:
        from ..model.tables import empty_table

        held = getattr(result, "directory", None) or {e: (result.tables[e], result.accepted[e]) for e in DIRECTORY}
        self.tables = {e: empty_table(e) for e in ENTITIES}
        self.accepted = {}
        for entity, (table, accepted) in held.items():
            self.tables[entity], self.accepted[entity] = table, accepted
        self.incomplete = {e: getattr(result, "incomplete", {}).get(e, {}) for e in DIRECTORY}
        self.owners: dict = {}

    def accepted_frame(self, entity: str):
        return self.tables[entity].typed[self.accepted[entity]]


def start(
    conn: Connection,
    *,
    base: str,
    inputs: list[dict],
    today: dt.date,
    organisation_value: str | tuple[str, ...] | list[str] | None = None,
    perimetre: str = "partiel",
    wait: float = 60.0,
    dry_run: bool = False,
    hold=None,
    draft: bool = False,
) -> Apply:
    """Lock the base and open the run's row, in the caller's transaction: the Apply that
    takes the run's chunks. `inputs`: the input files (versions.input_files).
    `draft` (`--brouillon`): the changed actions stay « en cours de saisie » (validation.py).

    `hold` (tests only) is called with "lock" before taking the lock and "half" once the
    first half of the first writes is done, so a test can kill or race the import there."""
    if perimetre not in PERIMETRES:
        raise BaseError(f"--perimetre « {perimetre} » : attendu partiel ou complet.")
    started = dt.datetime.now(dt.timezone.utc)
    if hold is not None:
        hold("lock")
    locked = acquire_lock(conn, wait)
    run_id = conn.execute(
        insert(run)
        .values(
            started_at=started,
            locked_at=locked,
            today=today,
            perimetre=perimetre,
            inputs=json.dumps(inputs, ensure_ascii=False),
        )
        .returning(run.c.id)
    ).scalar_one()
    report = ChangeReport(
        base=display(base),  # as shown: never a password in changes.json or a message
        organisation="",
        perimetre=perimetre,
        today=today,
        dry_run=dry_run,
        run_id=None if dry_run else run_id,
    )
    job = Apply(
        conn,
        report,
        Owners(conn),
        run_id,
        today,
        scope=upload_scope(organisation_value),
        perimetre=perimetre,
        hold=hold,
        draft=draft,
    )
    job.load_owners()  # those of --organisme (no chunk yet): what a complete upload withdraws within
    return job
