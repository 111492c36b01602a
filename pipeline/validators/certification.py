"""Certifying formations resolved against the certification reference, as the SOFI form does.

For each formation with « Référence Certif Info » = oui:
- find its certification by Certif Info code, else by RNCP / RS code (also when
  the reference is an RNCP export alone: the Certif Info code cannot be checked)
  (CERTIFINFO_UNKNOWN with near codes and close titles as suggestions;
  CERTIFINFO_AMBIGUOUS when an RNCP code names several Certif Info records);
- the RNCP / RS code given must be the record's (RNCP_MISMATCH);
- archived, or its fiche inactive with no end date: the formation is rejected;
  registration ended before a session starts: that session is rejected
  (CERTIFINFO_INACTIVE);
- blocs must be blocs of that certification (BLOC_UNKNOWN) and agree with the
  validation (BLOCS_VALIDATION): totale = all blocs (an empty cell selects them all,
  as SOFI does), partielle = at least one, not all;
- title, objective, programme, Formacodes, ROME codes, exit level and type come
  from the reference (TITLE_OVERRIDDEN warns when the title given differs).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..model.findings import Findings
from ..reference.model import Certification, Reference
from ..reference.search import tokens
from ..reference.text import certifinfo_code, fiche_code
from ..model.tables import Table
from ..model.text import fold
from .cross import session_formations
from .fields import flagged_cells

FILLED = (
    "intitule",
    "objectif_formation",
    "contenu_formation",
    "formacodes",
    "codes_rome",
    "niveau_sortie",
    "type_certification",
    "code_certifinfo",
    "code_rncp",
    "code_rs",
    "blocs",
    "libelles_blocs",
)
MAX_SUGGESTIONS = 5


def _text(value) -> str:
    if value is None or isinstance(value, list):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def suggest(reference: Reference, code: str, title: str = "") -> str:
    """Near codes and close titles, best first, each with its codes: the finding's suggestion."""
    scores: dict[str, float] = {}
    found: dict[str, Certification] = {}
    if code:
        for cert in reference.near_codes(code, limit=MAX_SUGGESTIONS):
            key = cert.label()
            found[key], scores[key] = cert, 1.0
    if title and tokens(title):
        for key_, score in reference.index.search(title, MAX_SUGGESTIONS):
            cert = reference._entry(key_)
            key = cert.label()
            found[key] = cert
            scores[key] = scores.get(key, 0.0) + score
    best = sorted(scores, key=lambda k: -scores[k])[:MAX_SUGGESTIONS]
    parts = []
    for key in best:
        cert = found[key]
        codes = ", ".join(
            c for c in (f"Certif Info {cert.code_certifinfo}" if cert.code_certifinfo else "", cert.fiche) if c
        )
        parts.append(f"{codes} « {cert.intitule} »")
    text = "Peut-être : " + " ; ".join(parts) if parts else "Aucune certification proche trouvée"
    if not reference.has_certifinfo:
        text += " (le référentiel chargé n'a pas de fiches Certif Info : indiquez le code RNCP ou RS)"
    return text


def sure_certifinfo(reference: Reference, code: str, rncp: str, rs: str, title: str) -> str | None:
    """The code to write for an unknown Certif Info code when the reference proposes one
    certification only: one current record at one edit of the code (a typo) that agrees with
    the RNCP / RS code given and is among the certifications the title finds. None otherwise."""
    near = [
        c
        for c in reference.near_codes(code, limit=50)
        if c.code_certifinfo
        and all(
            fiche_code(given, prefix) == own
            for given, prefix, own in ((rncp, "RNCP", c.code_rncp), (rs, "RS", c.code_rs))
            if given
        )
    ]
    if len(near) != 1 or near[0].archive:
        return None
    cert = near[0]
    if title and fold(title) != fold(cert.intitule or ""):
        hits = {key for key, _ in reference.index.search(title, MAX_SUGGESTIONS)}
        if cert.code_certifinfo not in hits:
            return None
    return cert.code_certifinfo


def replacements(reference: Reference, cert: Certification) -> str | None:
    """'Remplacée par RNCP36004 « … » (Certif Info 109868)', from the export's continuity file."""
    names = []
    for numero in cert.remplacee_par:
        found = reference.by_fiche(numero)
        if not found:
            names.append(numero)
            continue
        new = found[0]
        names.append(
            f"{numero} « {new.intitule} »" + (f" (Certif Info {new.code_certifinfo})" if new.code_certifinfo else "")
        )
    for code in cert.successeurs:
        successor = reference.by_certifinfo(code)
        names.append(f"Certif Info {code}" + (f" « {successor.intitule} »" if successor else ""))
    return "Remplacée par " + " ; ".join(names) if names else None


class Resolver:
    """The resolution of one formation table against one reference."""

    def __init__(self, tables: dict[str, Table], findings: Findings, reference: Reference):
        self.tables = tables
        self.table = tables["formation"]
        self.t = self.table.typed
        self.findings = findings
        self.reference = reference
        frame = findings.frame()
        self.flagged = flagged_cells(frame[frame["severity"] != "info"])  # a fixed code (VALUE_FIXED) is resolved
        self.ends: dict = {}  # formation index -> end of registration (sessions after it are rejected)
        # cells read as plain dicts and fills collected, then written once per column:
        # per-cell pandas access costs more than the resolution itself
        self.cells = {
            f: dict(zip(self.t.index, self.t[f].tolist()))
            for f in ("code_certifinfo", "code_rncp", "code_rs", "blocs", "validation")
        }
        self.given_title = dict(zip(self.table.raw.index, self.table.raw["intitule"].tolist()))
        self.updates: dict[str, dict] = {f: {} for f in FILLED}

    def is_flagged(self, idx, field: str) -> bool:
        return ("formation", int(idx), field) in self.flagged

    def add(self, idx, code: str, field: str | None, **kw) -> None:
        self.findings.add(self.table, idx, code, field, **kw)

    # -- finding the certification
    def certification(self, idx) -> tuple[Certification | None, bool]:
        """(certification, codes agree); None when it cannot be resolved (already reported)."""
        ci, rncp, rs = (_text(self.cells[f][idx]) for f in ("code_certifinfo", "code_rncp", "code_rs"))
        title = _text(self.given_title[idx])
        if ci and (self.reference.has_certifinfo or not (rncp or rs)):
            # (a reference without Certif Info records, an RNCP export alone, resolves by RNCP / RS code)
            if self.is_flagged(idx, "code_certifinfo"):
                return None, False
            cert = self.reference.by_certifinfo(certifinfo_code(ci))
            if cert is None:
                self.add(
                    idx,
                    "CERTIFINFO_UNKNOWN",
                    "code_certifinfo",
                    suggestion=suggest(self.reference, certifinfo_code(ci), title),
                    fix=sure_certifinfo(self.reference, certifinfo_code(ci), rncp, rs, title),
                )
                return None, False
            agree = True
            for field, given, expected in (("code_rncp", rncp, cert.code_rncp), ("code_rs", rs, cert.code_rs)):
                if given and not self.is_flagged(idx, field) and fiche_code(given) != expected:
                    empty = "un code RNCP vide" if field == "code_rncp" else "un code RS vide"
                    self.add(idx, "RNCP_MISMATCH", field, certifinfo=cert.code_certifinfo, expected=expected or empty)
                    agree = False
            return cert, agree
        field, numero = ("code_rncp", rncp) if rncp else ("code_rs", rs)
        if not numero or self.is_flagged(idx, field):
            return None, False  # no code at all: REQUIRED already reported
        found = self.reference.by_fiche(fiche_code(numero, "RS" if field == "code_rs" else "RNCP"))
        if len(found) > 1:
            current = [c for c in found if not c.archive]
            if len(current) != 1:
                self.add(
                    idx,
                    "CERTIFINFO_AMBIGUOUS",
                    field,
                    candidates=" ; ".join(f"{c.code_certifinfo} « {c.intitule} »" for c in found),
                )
                return None, False
            found = current
        if not found:
            self.add(idx, "CERTIFINFO_UNKNOWN", field, suggestion=suggest(self.reference, numero, title))
            return None, False
        return found[0], True

    # -- the rules
    def check_status(self, idx, cert: Certification) -> None:
        label = cert.code_certifinfo or cert.fiche
        field = (
            "code_certifinfo"
            if _text(self.cells["code_certifinfo"][idx])
            else ("code_rncp" if cert.code_rncp else "code_rs")
        )
        hint = replacements(self.reference, cert)
        if cert.archive:
            self.add(
                idx,
                "CERTIFINFO_INACTIVE",
                field,
                certification=label,
                reason="est archivée dans Certif Info",
                suggestion=hint,
            )
        elif cert.fiche_active is False and cert.date_fin is None:
            self.add(
                idx,
                "CERTIFINFO_INACTIVE",
                field,
                certification=label,
                reason=f"n'est plus active au RNCP / RS (fiche {cert.fiche} inactive)",
                suggestion=hint,
            )
        elif cert.date_fin is not None:
            self.ends[idx] = (cert.date_fin, label, hint)

    def check_blocs(self, idx, cert: Certification) -> None:
        if cert.blocs is None or self.is_flagged(idx, "blocs"):
            return  # the fiche is not in the loaded export: its blocs cannot be checked
        known = [code for code, _ in cert.blocs]
        value = self.cells["blocs"][idx]
        given = list(dict.fromkeys(value)) if isinstance(value, list) else []
        unknown = [b for b in given if b not in known]
        for bloc in unknown:
            owner = self.reference.bloc_owner.get(bloc)
            hint = f"Ce bloc appartient à la certification {owner}" if owner else None
            self.add(
                idx,
                "BLOC_UNKNOWN",
                "blocs",
                value=bloc,
                certification=cert.fiche,
                allowed=", ".join(known) or "aucun bloc",
                suggestion=hint,
            )
        validation = _text(self.cells["validation"][idx])
        if unknown or not validation:
            return
        problem = None
        if validation == "totale" and given and set(given) != set(known):
            missing = [b for b in known if b not in given]
            problem = (
                f"{len(given)} bloc(s) sur les {len(known)} de la certification {cert.fiche} ; "
                f"il manque {', '.join(missing)}"
            )
        elif validation == "partielle":
            if not known:
                problem = (
                    f"la certification {cert.fiche} n'a pas de blocs de compétences : choisissez la validation totale"
                )
            elif not given:
                problem = "aucun bloc de compétences indiqué : indiquez au moins un bloc de la certification"
            elif set(given) == set(known):
                problem = "tous les blocs de la certification sont indiqués : choisissez la validation totale"
        if problem:
            self.add(idx, "BLOCS_VALIDATION", "blocs", validation=validation, problem=problem)

    def check_title(self, idx, cert: Certification) -> None:
        given = _text(self.given_title[idx])
        if given and cert.intitule and fold(given) != fold(cert.intitule):
            self.add(idx, "TITLE_OVERRIDDEN", "intitule", reference_title=cert.intitule)

    def fill(self, idx, cert: Certification, agree: bool) -> None:
        """The reference's values, as SOFI shows them (not modifiable there)."""
        values = {
            "intitule": cert.intitule,
            "objectif_formation": cert.objectif,
            "contenu_formation": cert.programme,
            "type_certification": cert.type_certification,
            "niveau_sortie": cert.niveau_lheo,
            "formacodes": list(cert.formacodes[:5]),
            "codes_rome": list(cert.codes_rome[:5]),
        }
        if agree:
            values.update(code_certifinfo=cert.code_certifinfo, code_rncp=cert.code_rncp, code_rs=cert.code_rs)
        blocs = self.cells["blocs"][idx] if isinstance(self.cells["blocs"][idx], list) else []
        if _text(self.cells["validation"][idx]) == "totale" and cert.blocs:
            values["blocs"] = blocs = [code for code, _ in cert.blocs]
        if agree and cert.blocs:  # the bloc titles of the reference, in the order of the codes
            titles = dict(cert.blocs)
            values["libelles_blocs"] = [(titles.get(b) or b).replace(";", ",") for b in blocs]
        for field, value in values.items():
            if value:
                self.updates[field][idx] = value

    def write_fills(self) -> None:
        t = self.t
        for field, updates in self.updates.items():
            if not updates:
                continue
            values = t[field].astype(object).tolist()
            position = {idx: i for i, idx in enumerate(t.index)}
            for idx, value in updates.items():
                values[position[idx]] = value
            t[field] = pd.Series(values, index=t.index, dtype=object)

    def check_sessions(self) -> None:
        """CERTIFINFO_INACTIVE on each session starting after its certification's end."""
        if not self.ends or self.tables["session"].typed.empty:
            return
        sessions = self.tables["session"]
        f_idx = session_formations(self.tables)
        end = f_idx.map({i: pd.Timestamp(d) for i, (d, _, _) in self.ends.items()})
        starts = sessions.typed["date_debut"]
        bad = (starts > end).fillna(False).astype(bool)
        for s_idx in sessions.typed.index[bad]:
            date_fin, label, hint = self.ends[int(f_idx[s_idx])]
            self.findings.add(
                sessions,
                s_idx,
                "CERTIFINFO_INACTIVE",
                "date_debut",
                certification=label,
                suggestion=hint,
                reason=(
                    f"n'est plus enregistrée après le {date_fin:%d/%m/%Y} ; "
                    f"or la session commence le {starts[s_idx]:%d/%m/%Y}"
                ),
            )

    def run(self) -> None:
        t = self.t
        certified = (t["certifinfo"] == True).fillna(False).astype(bool)  # noqa: E712 - NA stays False
        for idx in t.index[certified]:
            cert, agree = self.certification(idx)
            if cert is None:
                continue
            self.check_status(idx, cert)
            if agree:
                self.check_blocs(idx, cert)
            self.check_title(idx, cert)
            self.fill(idx, cert, agree)
            self.check_type(idx, cert)
        self.write_fills()
        self.check_sessions()

    def check_type(self, idx, cert: Certification) -> None:
        """« Type de certification * » (seed): the reference's, else the cell; REQUIRED when
        neither gives it. (A code the reference does not know is already its own error.)"""
        if cert.type_certification or self.is_flagged(idx, "type_certification"):
            return
        if not _text(self.table.raw.at[idx, "type_certification"]):
            self.add(idx, "REQUIRED", "type_certification")


def resolve_certifications(
    tables: dict[str, Table], findings: Findings, reference: Reference, today: dt.date | None = None
) -> None:
    """Resolve every certifying formation; fill its typed columns in place; report findings."""
    table = tables["formation"]
    if table.typed is None or table.typed.empty or reference is None:
        return
    Resolver(tables, findings, reference).run()
