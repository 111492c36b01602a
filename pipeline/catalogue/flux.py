"""Flows to partners (issue 25, item 3): one LHÉO flow per partner, filtered as its entry says.

`partenaires.toml` names each partner and what concerns it (every key optional; a key
given must match):

    [partenaires.france-travail]
    dispositifs = ["PRF-SAN", "Contrat d'apprentissage"]   # dispositif codes or labels
    financeurs = ["2", "4"]                                  # LHÉO dict-financeurs codes
    publics = ["80011"]                                      # Formacode publics
    departements = ["44", "85"]                              # of the session's site lieu
    organismes = ["130005119"]                               # SIREN or SIRET of the owners

A session goes to the partner when its site lieu is in one of the départements and it
keeps at least one live dispositif matching the dispositifs, financeurs and publics
(only those dispositifs are sent); an action with no such session, a formation with no
such action are left out. Each partner gets `NAME.xml` (its whole published offer) and,
after its first flow, `NAME-delta.xml` with `NAME-delta.retraits.csv` (what changed or
was withdrawn since the day of its previous flow). Each flow is logged in the base
(`flux_log`): who got what, when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from pathlib import Path

from sqlalchemy import insert, select

from ..model.errors import InputError
from ..model.text import fold
from .schema import flux_log

KEYS = ("dispositifs", "financeurs", "publics", "departements", "organismes")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def load_partners(path: Path) -> dict[str, dict[str, list[str]]]:
    """The partners of the file; InputError (one French line) when it is not what we expect."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path} : illisible ({exc.strerror or exc}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} : fichier TOML invalide ({exc}).") from None
    partners = data.get("partenaires")
    if not isinstance(partners, dict) or not partners:
        raise InputError(f"{path} : aucune section [partenaires.NOM].")
    out = {}
    for name, entry in partners.items():
        if not NAME.match(name) or not isinstance(entry, dict):
            raise InputError(f"{path} : partenaire « {name} » : un nom de lettres, chiffres, . _ - et ses critères.")
        unknown = sorted(set(entry) - set(KEYS))
        if unknown:
            raise InputError(
                f"{path} : partenaire « {name} » : clé(s) inconnue(s) {', '.join(unknown)} "
                f"(attendu : {', '.join(KEYS)})."
            )
        criteria = {}
        for key, values in entry.items():
            if not isinstance(values, list) or not all(isinstance(v, (str, int)) for v in values):
                raise InputError(f'{path} : partenaire « {name} » : {key} attend une liste, par ex. {key} = ["44"].')
            criteria[key] = [str(v).strip() for v in values]
        out[name] = criteria
    return out


def department(site: dict) -> str:
    postcode = str(site.get("code_postal") or "")
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


class PartnerFilter:
    """Whether a session and its dispositifs concern a partner."""

    def __init__(self, criteria: dict[str, list[str]]):
        from ..model.dispositifs import current

        self.criteria = criteria
        self.catalogue = current()
        self.dispositifs = {fold(v) for v in criteria.get("dispositifs", [])}

    def dispositif(self, d: dict) -> bool:
        c = self.criteria
        entry = self.catalogue.get(str(d.get("dispositif", "")))
        if "dispositifs" in c:
            names = {fold(str(d.get("dispositif", ""))), fold(str(d.get("ref_dispositif", "")))}
            if entry is not None:
                names |= {fold(entry.code), fold(entry.label)}
            if not names & self.dispositifs:
                return False
        if "financeurs" in c and (entry is None or entry.financeur not in c["financeurs"]):
            return False
        if "publics" in c and not set(d.get("publics") or []) & set(c["publics"]):
            return False
        return True

    def offers(self, offers: list[dict], sites: dict[str, dict]) -> list[dict]:
        """The offers (nested records) cut to what concerns the partner."""
        out = []
        wanted = set(self.criteria.get("departements", []))
        for f in offers:
            actions = []
            for a in f["actions"]:
                sessions = []
                for s in a["sessions"]:
                    if wanted and department(sites.get(s.get("code_site_lieu"), {})) not in wanted:
                        continue
                    kept = [d for d in s["dispositifs"] if self.dispositif(d)]
                    if kept:
                        sessions.append({**s, "dispositifs": kept})
                if sessions:
                    actions.append({**a, "sessions": sessions})
            if actions:
                out.append({**f, "actions": actions})
        return out


def _digest(path: Path) -> dict:
    return {"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def write_flows(base: str, partners: dict[str, dict], out: Path, *, today: dt.date | None = None) -> list[dict]:
    """Each partner's flow (and delta since its previous one) in `out`, logged in the base."""
    from ..writers.lheo import write_offers
    from .api import _codes, _connection, withdrawn_path, write_withdrawn
    from .read import Catalogue

    day = today or dt.date.today()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    with _connection(base) as conn:
        for name, criteria in partners.items():
            keep = PartnerFilter(criteria)
            codes = _codes(criteria.get("organismes"))
            cat = Catalogue(conn, codes, day)
            sites, contacts = cat.directory("site"), cat.directory("contact")
            offers = keep.offers(list(cat.live_offers()), sites)
            files = []
            whole = out / f"{name}.xml"
            count = write_offers(offers, sites, contacts, whole)
            if count:
                files.append(_digest(whole))
            previous = conn.execute(
                select(flux_log.c.written_at)
                .where(flux_log.c.partenaire == name)
                .order_by(flux_log.c.written_at.desc())
                .limit(1)
            ).scalar()
            since = previous.date() if previous is not None else None
            delta_count = gone = None
            if since is not None:
                delta = out / f"{name}-delta.xml"
                changed = keep.offers(list(cat.live_offers(since)), sites)
                delta_count = write_offers(changed, sites, contacts, delta)
                # every withdrawal of the partner's organisations: a partner cannot tell which it had
                removed = cat.withdrawn_since(since)
                write_withdrawn(removed, withdrawn_path(delta))
                gone = len(removed)
                files += [_digest(delta)] if delta_count else []
                files.append(_digest(withdrawn_path(delta)))
            done.append(
                {
                    "partenaire": name,
                    "formations": count,
                    "depuis": since,
                    "delta_formations": delta_count,
                    "retraits": gone,
                    "files": files,
                }
            )
    with _connection(base) as conn, conn.begin():
        now = dt.datetime.now(dt.timezone.utc)
        for d in done:
            conn.execute(insert(flux_log).values(written_at=now, **{**d, "files": json.dumps(d["files"])}))
    return done
