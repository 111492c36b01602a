"""The SOFI dashboard (the seed's « Tableau de bord »): each counter is the length of its list.

The seed shows 8 session counters and 5 action counters, and behind each the list of
its records with the columns « Code FAS, Intitulé formation, Site dispensateur,
Commune lieu, Date début, Date fin, Code dispositif, Etat A/I ». Here every counter is
computed as `len()` of its list, so a counter always equals its list; the session
lists walk the published offer with the export's own rule (`Catalogue.live_dispositifs`),
so « Sessions de formation actives » are exactly the sessions `fasd export --base`
writes on that date. The action workflow counters read the actions as they now are in
the base (their state, validation.py). Rules: docs/catalogue.md, « Tableau de bord ».
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from ..model.text import fold
from .read import Catalogue

# key -> the seed's label (the --json keys of `fasd stats`); the 13 of the seed first
SEED_COUNTERS = {
    "sessions_actives": "Sessions de formation actives",
    "sessions_initiales_actives": "Sessions de formation initiales actives",
    "sessions_inactives_dans_moins_d_un_mois": "Sessions de formation inactives dans moins d'un mois",
    "sessions_inactives": "Sessions de formation inactives",
    "sessions_programme_region": "Sessions de formation du programme région",
    "sessions_apprentissage": "Sessions de formation en contrat d'apprentissage",
    "sessions_professionnalisation": "Sessions de formation en contrat de professionnalisation",
    "sessions_a_distance": "Sessions de formation ouvertes à distance",
    "actions_en_cours_de_saisie": "Actions de formation en cours de saisie",
    "actions_publiques_en_cours_de_saisie": "Actions de formation publique en cours de saisie",
    "actions_en_attente_validation": "Actions de formation en attente de validation par CARIF-OREF",
    "actions_en_attente_reponses": "Actions de formation en attente de réponses",
    "actions_certifinfo_remplace": "Actions de formation dont le code Certifinfo a été remplacé par le CARIF-OREF",
}
EXTRA_COUNTERS = {  # not on the seed's dashboard; kept for the page and the scripts
    "actions_actives": "Actions de formation actives",
    "actions_inactives": "Actions de formation inactives",
    "formations": "Formations en ligne",
}
COUNTERS = {**SEED_COUNTERS, **EXTRA_COUNTERS}
COLUMNS = (
    "Code FAS",
    "Intitulé formation",
    "Site dispensateur",
    "Commune lieu",
    "Date début",
    "Date fin",
    "Code dispositif",
    "Etat A/I",
)
DISPOSITIF_WORDS = {
    "sessions_programme_region": ("programme region",),
    "sessions_apprentissage": ("apprentissage",),
    "sessions_professionnalisation": ("professionnalisation",),
    # « initiales »: a dispositif of formation initiale (no Formacode public, no bundled dispositif: 0 unless a
    # Carif-Oref's dispositif list has one)
    "sessions_initiales_actives": ("formation initiale", "scolaire"),
}
# LHÉO dict-financeurs codes of public funds: État, collectivités, Pôle emploi, FSE and other European funds,
# ACSÉ, AGEFIPH, LADOM, OFII — « publique » in « Actions de formation publique en cours de saisie »
PUBLIC_FINANCEURS = frozenset({"2", "3", "4", "6", "7", "8", "9", "11", "12", "13", "14", "15", "18", "19", "20"})
WORKFLOW = {
    "actions_en_cours_de_saisie": "brouillon",
    "actions_en_attente_validation": "en_attente",
    "actions_en_attente_reponses": "en_attente_reponses",
}


def add_month(day: dt.date) -> dt.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value) -> str:
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


class Sites:
    """Sites by (organisation, code), else by code alone (a subcontractor's site)."""

    def __init__(self, cat: Catalogue):
        self.own = {(r["organisation_id"], r["key"]): r["content"] for r in cat.rows["site"]}
        self.any = {r["key"]: r["content"] for r in [*cat.others["site"], *cat.rows["site"]]}

    def get(self, org: int, code) -> dict:
        return self.own.get((org, code)) or self.any.get(code) or {}


def _row(fas: str, f: dict, a: dict, sessions: list[dict], disps: list[dict], sites: Sites, active: bool) -> dict:
    org = f["organisation_id"]
    first = sessions[0]["content"] if sessions else {}
    starts = sorted(s["content"]["date_debut"] for s in sessions if s["content"].get("date_debut"))
    ends = sorted(s["content"]["date_fin"] for s in sessions if s["content"].get("date_fin"))
    codes = dict.fromkeys(
        str(d["content"].get("ref_dispositif") or d["content"].get("dispositif") or "") for d in disps
    )
    return {
        "Code FAS": fas,
        "Intitulé formation": f["content"].get("intitule") or "",
        "Site dispensateur": sites.get(org, a["content"].get("code_site_dispensateur")).get("nom") or "",
        "Commune lieu": sites.get(org, first.get("code_site_lieu")).get("ville") or "",
        "Date début": _date(starts[0]) if starts else "",
        "Date fin": _date(ends[-1]) if ends else "",
        "Code dispositif": ", ".join(c for c in codes if c),
        "Etat A/I": "Actif" if active else "Inactif",
    }


def _labels(disps: list[dict]) -> set[str]:
    return {fold(str(d["content"].get("dispositif", ""))) for d in disps}


def session_lists(cat: Catalogue) -> dict[str, list[dict]]:
    """The session counters' lists, and the active / inactive actions and the formations online,
    on the published offer."""
    soon = add_month(cat.today)
    lists: dict[str, list[dict]] = defaultdict(list)
    sites = Sites(cat)
    for f, actions in cat.tree():
        formation_live = False
        for a, sessions in actions:
            action_live, action_sessions, action_disps = False, [], []
            for s, disps in sessions:
                fas = f"{f['fas_code']}-{a['fas_code']}-{s['fas_code']}"
                live = cat.live_dispositifs(f, a, s, disps)
                row = _row(fas, f, a, [s], live or [d for d in disps if d["status"] == "actif"], sites, bool(live))
                if not live:
                    lists["sessions_inactives"].append(row)
                    continue
                action_live = True
                action_sessions.append(s)
                action_disps.extend(live)
                content = s["content"]
                lists["sessions_actives"].append(row)
                end = content.get("date_fin")
                if end and dt.date.fromisoformat(end) <= soon:
                    lists["sessions_inactives_dans_moins_d_un_mois"].append(row)
                labels = _labels(live)
                for counter, words in DISPOSITIF_WORDS.items():
                    if any(word in label for label in labels for word in words):
                        lists[counter].append(row)
                if content.get("modalite_enseignement") in ("1", "2") or "à distance" in (
                    content.get("modalites_pedagogiques") or []
                ):
                    lists["sessions_a_distance"].append(row)
            if a["status"] != "actif" or f["status"] != "actif":
                continue
            fas = f"{f['fas_code']}-{a['fas_code']}"
            shown = action_sessions or [s for s, _ in sessions]
            row = _row(fas, f, a, shown, action_disps, sites, action_live)
            lists["actions_actives" if action_live else "actions_inactives"].append(row)
            formation_live = formation_live or action_live
        if formation_live:
            lists["formations"].append(
                {**_row(str(f["fas_code"]), f, {"content": {}}, [], [], sites, True), "Site dispensateur": ""}
            )
    return lists


def action_lists(cat: Catalogue) -> dict[str, list[dict]]:
    """The action workflow counters' lists, on the actions as they now are (not withdrawn)."""
    from ..model.dispositifs import current

    dispositifs = current()
    lists: dict[str, list[dict]] = defaultdict(list)
    sites = Sites(cat)
    for f, actions in cat.tree():
        for a, sessions in actions:
            if a["status"] != "actif" or f["status"] != "actif":
                continue
            live_sessions = [s for s, _ in sessions if s["status"] == "actif"]
            disps = [d for s, ds in sessions if s["status"] == "actif" for d in ds if d["status"] == "actif"]
            active = any(cat.session_live(s) for s in live_sessions)
            row = _row(f"{f['fas_code']}-{a['fas_code']}", f, a, live_sessions, disps, sites, active)
            for counter, state in WORKFLOW.items():
                if a["etat"] == state:
                    lists[counter].append(row)
            if a["etat"] == "brouillon":
                funders = {
                    getattr(dispositifs.get(str(d["content"].get("dispositif", ""))), "financeur", None) for d in disps
                }
                if funders & PUBLIC_FINANCEURS:
                    lists["actions_publiques_en_cours_de_saisie"].append(row)
            if a["certifinfo_remplace"]:
                lists["actions_certifinfo_remplace"].append(row)
    return lists


def lists(conn, codes, today: dt.date) -> dict[str, list[dict]]:
    """Every counter's list (COUNTERS keys), rows keyed by the seed's COLUMNS."""
    published = Catalogue(conn, codes, today)
    current = Catalogue(conn, codes, today, published=False)
    found = {**session_lists(published), **action_lists(current)}
    return {key: found.get(key, []) for key in COUNTERS}


def counters(found: dict[str, list[dict]]) -> dict[str, int]:
    """Each counter: the length of its list."""
    return {key: len(rows) for key, rows in found.items()}


def counter_key(value: str) -> str | None:
    """A counter named by its seed label (accents and case aside) or its key."""
    if value in COUNTERS:
        return value
    wanted = fold(value).strip()
    return next((key for key, label in COUNTERS.items() if fold(label) == wanted), None)
