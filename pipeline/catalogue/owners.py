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
    """The owner SIRET of each record of a run, and the base's ids of organisations and establishments.

    A run is applied chunk by chunk (engine/stream.py): `add` takes each chunk's offers,
    which hold their formations whole; the sites are those of the first chunk (the
    run's directory, the same in every chunk)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sites: dict = {}
        self.started = False  # the first chunk seen (its sites known)
        self.formations: dict = {}
        self.action_formation: dict = {}
        self.session_action: dict = {}
        self.contacts: dict[str, str] = {}
        self.unplaced: dict[str, tuple] = {}  # code_contact -> first (entity rank, field, order, SIRET) naming it
        self._order = 0
        self.names: dict[str, str] = {}
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

    def add(self, chunk) -> None:
        """The owners of one chunk's offers (its Result), and what they say of the contacts."""
        tables = chunk.tables
        if not self.started:
            self.started = True
            self.sites = site_sirets(tables)
            for _, siret, name in self.sites.values():
                self.names.setdefault(siret, name)
            self._place_contacts(tables)
        self.formations.update(getattr(chunk, "owners", None) or formation_owners(tables, self.sites))
        for k, v in self._first(tables["action"], "ref_action", "ref_formation").items():
            self.action_formation.setdefault(k, v)
        for k, v in self._first(tables["session"], "ref_action", "ref_session", swap=True).items():
            self.session_action.setdefault(k, v)
        self._contacts_named(tables)

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

    def _place_contacts(self, tables) -> None:
        """code_contact -> its site's SIRET; the others wait for an offer naming them."""
        codes, sites = column_values(tables["contact"], "code_contact"), column_values(tables["contact"], "code_site")
        for code, site in zip(codes, sites):
            if code is not None and code not in self.contacts:
                if site in self.sites:
                    self.contacts[code] = self.sites[site][1]
                else:
                    self.unplaced[code] = ()
        for code in list(self.unplaced):
            if code in self.contacts:
                del self.unplaced[code]

    def _contacts_named(self, tables) -> None:
        """A contact without a site goes under the owner of the first offer record naming it:
        formations before actions, sessions and dispositifs, then in reading order, over
        every chunk (as if the whole file were read at once)."""
        if not self.unplaced:
            return
        for rank, entity in enumerate(ENTITY_ORDER):
            fields = [f for e, f, target in DIRECTORY_LINKS if e == entity and target == "contact"]
            if entity in ("site", "contact") or not fields:
                continue
            table = tables[entity]
            refs = {name: column_values(table, name) for name in ("ref_formation", "ref_action", "ref_session")}
            for place, name in enumerate(fields):
                for i, value in enumerate(column_values(table, name)):
                    for code in value if isinstance(value, list) else [value]:
                        if code not in self.unplaced:
                            continue
                        rec = {k: v[i] if v else None for k, v in refs.items()}
                        siret = self._offer_siret(entity, rec)
                        self._order += 1
                        best = self.unplaced[code]
                        if siret is not None and (not best or (rank, place, self._order) < best[:3]):
                            self.unplaced[code] = (rank, place, self._order, siret)

    def contact_siret(self, code: str) -> str | None:
        if code in self.contacts:
            return self.contacts[code]
        best = self.unplaced.get(code)
        return best[3] if best else None

    def siret(self, entity: str, rec: dict) -> str | None:
        """The SIRET of the establishment a record goes under; None when it cannot be known."""
        if entity == "site":
            value = rec.get("siret")
            return value if isinstance(value, str) and len(value) == 14 else None
        if entity == "contact":
            return self.contact_siret(str(rec.get("code_contact")))
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
