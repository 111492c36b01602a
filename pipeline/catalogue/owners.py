"""Under which organisation and establishment each record of a run is written (issue 22).

The owner of an offer is decided once, by validators/organisation.py (the organisme
responsable of its sessions, else its site dispensateur): its formation, actions,
sessions and dispositifs go under that establishment. A site goes under the
establishment of its own SIRET: a subcontractor's site that an offer only uses is its
subcontractor's, never the uploader's. A contact goes under its site's establishment,
else under the owner of the first offer that names it. Organisations (SIREN) and
establishments (SIRET) are created as they are met, named after the site carrying them.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..model.fields import DIRECTORY_LINKS, ENTITY_ORDER
from ..validators.organisation import Scope, column_values, formation_owners, site_sirets
from .schema import etablissement, organisation


class Owners:
    """The owner SIRET of each record of a run, and the base's ids of organisations and establishments."""

    def __init__(self, conn: Connection, result) -> None:
        self.conn = conn
        tables = result.tables
        self.sites = site_sirets(tables)
        self.formations = getattr(result, "owners", None) or formation_owners(tables, self.sites)
        self.action_formation = self._first(tables["action"], "ref_action", "ref_formation")
        self.session_action = self._first(tables["session"], "ref_action", "ref_session", swap=True)
        self.contacts = self._contacts(tables)
        self.names: dict[str, str] = {}
        for _, siret, name in self.sites.values():
            self.names.setdefault(siret, name)
        self.org_ids: dict[str, int] = {}
        self.etab_ids: dict[str, tuple[int, int]] = {}  # SIRET -> (organisation id, establishment id)
        self.siret_of_id: dict[int, str] = {}
        self.used: set[str] = set()  # SIRETs records were written under in this run (their names checked)
        for eid, oid, siret in conn.execute(
            select(etablissement.c.id, etablissement.c.organisation_id, etablissement.c.siret)
        ):
            self.etab_ids[siret], self.siret_of_id[eid] = (oid, eid), siret
        for oid, code in conn.execute(select(organisation.c.id, organisation.c.code)):
            self.org_ids[code] = oid

    @staticmethod
    def _first(table, key: str, value: str, swap: bool = False) -> dict:
        keys, values = column_values(table, key), column_values(table, value)
        if swap:
            keys, values = values, keys
        out: dict = {}
        for k, v in zip(keys, values):
            if k is not None and k not in out:
                out[k] = v
        return out

    def formation_siret(self, ref) -> str | None:
        owner = self.formations.get(ref)
        return owner[0] if owner else None

    def _offer_siret(self, entity: str, rec: dict) -> str | None:
        if entity == "dispositif":
            entity, rec = "session", {"ref_action": self.session_action.get(rec.get("ref_session"))}
        if entity == "session":
            entity, rec = "action", {"ref_formation": self.action_formation.get(rec.get("ref_action"))}
        return self.formation_siret(rec.get("ref_formation"))  # a formation, or an action

    def _contacts(self, tables) -> dict[str, str]:
        """code_contact -> SIRET: its site's, else the owner of the first offer record naming it."""
        out: dict[str, str] = {}
        unplaced: set[str] = set()
        codes, sites = column_values(tables["contact"], "code_contact"), column_values(tables["contact"], "code_site")
        for code, site in zip(codes, sites):
            if code is not None and code not in out:
                if site in self.sites:
                    out[code] = self.sites[site][1]
                else:
                    unplaced.add(code)
        unplaced -= set(out)
        for entity in ENTITY_ORDER if unplaced else ():
            fields = [f for e, f, target in DIRECTORY_LINKS if e == entity and target == "contact"]
            if entity in ("site", "contact") or not fields:
                continue
            table = tables[entity]
            refs = {name: column_values(table, name) for name in ("ref_formation", "ref_action", "ref_session")}
            for name in fields:
                for i, value in enumerate(column_values(table, name)):
                    for code in value if isinstance(value, list) else [value]:
                        if code in unplaced and code not in out:
                            rec = {k: v[i] if v else None for k, v in refs.items()}
                            siret = self._offer_siret(entity, rec)
                            if siret is not None:
                                out[code] = siret
        return out

    def siret(self, entity: str, rec: dict) -> str | None:
        """The SIRET of the establishment a record goes under; None when it cannot be known."""
        if entity == "site":
            value = rec.get("siret")
            return value if isinstance(value, str) and len(value) == 14 else None
        if entity == "contact":
            return self.contacts.get(str(rec.get("code_contact")))
        return self._offer_siret(entity, rec)

    def establishment(self, siret: str) -> tuple[int, int]:
        """(organisation id, establishment id) of a SIRET, created when new; its name kept current."""
        name = (self.names.get(siret) or "")[:250] or None
        if siret in self.etab_ids:
            oid, eid = self.etab_ids[siret]
            if siret in self.used:
                return oid, eid
            self.used.add(siret)
            if name:
                self.conn.execute(
                    update(etablissement)
                    .where(etablissement.c.id == eid, etablissement.c.nom.is_distinct_from(name))
                    .values(nom=name)
                )
            return oid, eid
        siren = siret[:9]
        if siren not in self.org_ids:
            created = insert(organisation).values(code=siren, nom=name).returning(organisation.c.id)
            self.org_ids[siren] = self.conn.execute(created).scalar_one()
        oid = self.org_ids[siren]
        eid = self.conn.execute(
            insert(etablissement).values(organisation_id=oid, siret=siret, nom=name).returning(etablissement.c.id)
        ).scalar_one()
        self.etab_ids[siret], self.siret_of_id[eid] = (oid, eid), siret
        self.used.add(siret)
        return oid, eid

    def candidate_sirens(self) -> set[str]:
        """The SIRENs this run may write under: of its sites and of its offers' owners."""
        return {s[:9] for _, s, _ in self.sites.values()} | {owner[0][:9] for owner in self.formations.values()}

    def in_scope(self, scope: Scope | None, held: set[str]) -> tuple[set[int], set[int]]:
        """(establishment ids, organisation ids of their legacy records) a complete upload withdraws
        within: those of `--organisme`, else those the file holds (`held`, SIRETs)."""
        if scope is not None:
            etabs = {eid for siret, (_, eid) in self.etab_ids.items() if scope.holds(siret)}
            legacy = {oid for code, oid in self.org_ids.items() if code in scope.values}
        else:
            etabs = {self.etab_ids[s][1] for s in held if s in self.etab_ids}
            legacy = {self.org_ids[s[:9]] for s in held if s[:9] in self.org_ids}
        return etabs, legacy

    def held(self) -> set[str]:
        """The SIRETs owning the formations the file holds (read, accepted or not)."""
        return {owner[0] for owner in self.formations.values()}
