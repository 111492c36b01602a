"""The FASD ↔ LHÉO 2.3 mapping as one table: where each FASD field lives in LHÉO.

One row per field of the FASD model (`pipeline/model/fields.py`): the LHÉO path where the
reader finds it (and where, for a standard field, the writer puts it), the number of
occurrences the XSD allows there, the conversion between the two vocabularies, and
how the field travels (standard element, nesting, or FASD extras). The reader
(`pipeline/readers/lheo_rows.py`) takes its element paths and the standard/extras
split from here, the writer (`pipeline/writers/lheo.py`) the standard/extras split,
and `docs/lheo-mapping.md` is generated from it (`make docs`; a test fails when the
committed file is stale, another when a field of the model or an XSD occurrence
does not match the table).

The table says *where*; the code tables themselves (`PARCOURS`, `CONTACT_TYPES`…)
are in `pipeline/lheo/codes.py`, and what needs logic (one LHÉO action per FASD
session, the funder of a dispositif name, free-text rythmes) stays in the reader and
the writer, named in the notes.

    python -m pipeline.lheo.mapping_doc > docs/lheo-mapping.md
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# How a field travels.
STD = "std"  # a standard LHÉO element: written and read
NESTING = "nesting"  # the parent key: implied by the nesting of the elements
EXTRAS = "extras"  # in <extras info="fasd"> (files of other producers: read from `path`, if any)

# Conversions between the FASD value and the LHÉO text.
TEXT = "text"
DATE = "date AAAAMMJJ"
MONEY = "money, 2 decimals"
INTEGER = "integer"
BOOLEAN = "0/1"
LIST = "one element per value"
JOINED = "values joined by `; `"


def code(table: str) -> str:
    """Conversion through a code table (lheo/codes.py or the LHÉO dictionary)."""
    return f"code: {table}"


@dataclass(frozen=True)
class Row:
    """One FASD field and its LHÉO home."""

    entity: str
    field: str
    path: str = ""  # LHÉO path from the root element (`formation/...`); "" when LHÉO has no home
    how: str = EXTRAS
    card: str = ""  # occurrences of the path's last element in its parent (XSD); "" for attributes
    conversion: str = TEXT
    notes: str = ""  # what the doc says after "std;" or "extras;"


F, A, S, D = "formation", "action", "session", "dispositif"
SITE, CONTACT = "site", "contact"
FA, FAS, FAO = "formation/action", "formation/action/session", "formation/action/organisme-financeur"

ROWS: tuple[Row, ...] = (
    # -- formation ------------------------------------------------------------------------
    Row(F, "ref_formation", "formation/@numero", STD, notes="missing: `F-L<line>`"),
    Row(F, "code_formation"),
    Row(F, "certifinfo", "formation/certifiante", STD, "1", BOOLEAN),
    Row(F, "code_certifinfo", "formation/certification/code-CERTIFINFO", STD, "0..1", notes="first `certification`"),
    Row(F, "code_rncp", "formation/certification/code-RNCP", STD, "0..1", notes="first `certification`"),
    Row(F, "code_rs", "formation/certification/code-RS", STD, "0..1", notes="first `certification`"),
    Row(
        F,
        "intitule",
        "formation/intitule-formation",
        STD,
        "1",
        notes="required by LHÉO: empty → placeholder « Non renseigné » + empty extra",
    ),
    Row(F, "objectif_general", "formation/objectif-general-formation", STD, "0..1", code("dict-AIS")),
    Row(F, "type_certification"),
    Row(F, "objectif_formation", "formation/objectif-formation", STD, "1", notes="placeholder as for intitule"),
    Row(F, "contenu_formation", "formation/contenu-formation", STD, "1", notes="placeholder as for intitule"),
    Row(F, "formacodes", "formation/domaine-formation/code-FORMACODE", STD, "0..5", LIST),
    Row(F, "codes_rome", "formation/domaine-formation/code-ROME", STD, "0..5", LIST),
    Row(
        F,
        "codes_nsf",
        "formation/domaine-formation/code-NSF",
        EXTRAS,
        "0..3",
        LIST,
        "3 characters only: codes like `331t` do not fit the XSD; foreign: `code-NSF`",
    ),
    Row(F, "niveau_sortie", "formation/code-niveau-sortie", STD, "0..1", code("dict-niveaux")),
    Row(
        F,
        "individualisation",
        "formation/action/session/blocs-competences/validation-blocs",
        EXTRAS,
        "1",
        code("VALIDATION"),
        "totale + individualisation → 2 mixte; foreign: from the first session's `validation-blocs`",
    ),
    Row(
        F,
        "validation",
        "formation/action/session/blocs-competences/validation-blocs",
        EXTRAS,
        "1",
        code("VALIDATION"),
        "dict-type-validation-blocs: partielle 0, totale 1; foreign: from the first session's `validation-blocs`",
    ),
    Row(
        F,
        "blocs",
        "formation/action/session/blocs-competences/bloc-competences/code-bloc",
        EXTRAS,
        "1",
        LIST,
        "written in every session with `reference-certification` (RNCP, else Certif Info); foreign: the first "
        "session's",
    ),
    Row(
        F,
        "libelles_blocs",
        "formation/action/session/blocs-competences/bloc-competences/libelle-bloc",
        EXTRAS,
        "1",
        LIST,
        "the bloc titles come from the reference; `libelle-bloc` repeats the code only when no "
        "title is known; not read back",
    ),
    Row(
        F,
        "url_formation",
        "formation/url-formation/urlweb",
        EXTRAS,
        "1..3",
        notes="URLs over 400 characters do not fit; foreign: `urlweb`",
    ),
    # -- action -----------------------------------------------------------------------------
    Row(A, "ref_action", "formation/action/@numero", STD, notes="missing: `<ref_formation>-A<line>`"),
    Row(A, "ref_formation", how=NESTING),
    Row(A, "code_action"),
    Row(
        A,
        "code_site_dispensateur",
        "formation/action/organisme-formateur/@numero",
        STD,
        notes="+ `SIRET-formateur`, `raison-sociale-formateur`: the trainer, of any SIREN (subcontracting); "
        "foreign without `organisme-formateur`: the responsible organisation",
    ),
    Row(A, "complement_intitule"),
    Row(A, "complement_programme"),
    Row(A, "objectifs"),
    Row(
        A,
        "resultats_attendus",
        "formation/resultats-attendus",
        EXTRAS,
        "1",
        notes="the formation carries its first action's; foreign: the formation's",
    ),
    Row(A, "plus_formation"),
    Row(A, "url_video"),
    Row(A, "url_pdf"),
    Row(A, "url_action", "formation/action/url-action/urlweb", EXTRAS, "1..3", notes="foreign: std"),
    Row(A, "type_equipement", "formation/action/equipement/type-equipement", EXTRAS, "1", notes="foreign: std"),
    Row(
        A,
        "cout_equipement",
        "formation/action/equipement/cout-indicatif-equipement",
        EXTRAS,
        "0..1",
        INTEGER,
        "foreign: std",
    ),
    Row(
        A,
        "commentaire_equipement",
        "formation/action/equipement/commentaire",
        EXTRAS,
        "0..1",
        notes="≤ 500 characters; foreign: std",
    ),
    Row(
        A,
        "niveau_entree",
        "formation/code-niveau-entree",
        EXTRAS,
        "1",
        code("dict-niveaux"),
        "the formation carries its first action's; foreign: the formation's",
    ),
    Row(
        A,
        "niveau_entree_obligatoire",
        "formation/action/niveau-entree-obligatoire",
        EXTRAS,
        "1",
        BOOLEAN,
        "required by LHÉO, optional in FASD; foreign: std",
    ),
    Row(
        A,
        "prerequis",
        "formation/action/conditions-specifiques",
        EXTRAS,
        "1",
        notes="« Aucune » when empty; foreign: std",
    ),
    Row(A, "commentaire_prerequis"),
    # -- session ----------------------------------------------------------------------------
    Row(S, "ref_session", "formation/action/session/@numero", STD, notes="missing: `<ref_action>-S<line>`"),
    Row(S, "ref_action", how=NESTING),
    Row(S, "code_session"),
    Row(
        S,
        "code_site_lieu",
        "formation/action/lieu-de-formation/@numero",
        STD,
        notes="+ SIRET, coordonnées; `adresse-inscription` repeats the place's address",
    ),
    Row(S, "date_debut", "formation/action/session/periode/debut", STD, "1", DATE, "empty → `00000000`"),
    Row(S, "date_fin", "formation/action/session/periode/fin", STD, "1", DATE, "empty → `99999999`"),
    Row(
        S,
        "entrees_sorties_permanentes",
        "formation/action/modalites-entrees-sorties",
        STD,
        "1",
        code("dict-modalites-es"),
    ),
    Row(
        S,
        "rythmes",
        "formation/action/rythme-formation",
        EXTRAS,
        "1",
        JOINED,
        "free text; foreign: the text, matched against the list (lheo/freetext.py)",
    ),
    Row(S, "periodes"),
    Row(
        S,
        "types_parcours",
        "formation/parcours-de-formation",
        EXTRAS,
        "1",
        code("PARCOURS"),
        "dict-type-parcours: collectif 1, individualisé 2, modulaire 3, mixte 4; the formation carries its "
        "first session's first; foreign: the formation's",
    ),
    Row(
        S,
        "modalites_pedagogiques",
        "formation/action/code-modalite-pedagogique",
        EXTRAS,
        "0..5",
        code("MODALITES_PEDAGOGIQUES"),
        "Formacode: alternance 95005, à distance 96029, en entreprise 96040, en organisme de formation 96002; "
        "AFEST and pédagogie adaptée have none; foreign: codes mapped back; another Formacode is outside "
        "SOFI's list (lheo profile: OUTSIDE_SOFI_LIST, kept in lheo.xml; sofi profile: BAD_ENUM)",
    ),
    Row(
        S,
        "modalite_enseignement",
        "formation/action/modalites-enseignement",
        STD,
        "1",
        code("dict-modalites-enseignement"),
    ),
    Row(
        S,
        "duree_centre_h",
        "formation/action/nombre-heures-centre",
        EXTRAS,
        "0..1",
        INTEGER,
        "integers only; foreign: std",
    ),
    Row(
        S,
        "duree_entreprise_h",
        "formation/action/nombre-heures-entreprise",
        EXTRAS,
        "0..1",
        INTEGER,
        "integers only; foreign: std",
    ),
    Row(S, "duree_hebdo_h"),
    Row(S, "commentaire_duree"),
    Row(S, "cycle_annee"),
    Row(S, "unite_entreprise"),
    Row(
        S,
        "code_site_responsable",
        "formation/organisme-formation-responsable/@numero",
        EXTRAS,
        notes="the owner of the offer (its SIRET); the formation carries its first session's; foreign: the formation's",
    ),
    Row(S, "etat_recrutement", "formation/action/session/etat-recrutement", STD, "0..1", code("dict-etat-recrutement")),
    Row(
        S,
        "modalites_recrutement",
        "formation/action/session/recrutement/modalite-recrutement",
        STD,
        "1",
        code("dict-modalite-recrutement"),
        "one `recrutement` per value",
    ),
    Row(
        S,
        "informations_collectives",
        "formation/action/date-information/date",
        EXTRAS,
        "1",
        DATE,
        "3 `date-information` at most; foreign: std",
    ),
    Row(S, "inscription_type"),
    Row(
        S,
        "inscription_debut",
        "formation/action/session/periode-inscription/periode/debut",
        EXTRAS,
        "1",
        DATE,
        "written when both dates are given (the first period); foreign: std",
    ),
    Row(
        S,
        "inscription_fin",
        "formation/action/session/periode-inscription/periode/fin",
        EXTRAS,
        "1",
        DATE,
        "as inscription_debut",
    ),
    Row(
        S,
        "referent_pmr",
        "formation/action/session/contact-session",
        EXTRAS,
        "0..n",
        code("CONTACT_TYPES"),
        "`type-contact` 1 (référent handicap); foreign: by type-contact",
    ),
    Row(
        S,
        "referent_mobilite",
        "formation/action/session/contact-session",
        EXTRAS,
        "0..n",
        code("CONTACT_TYPES"),
        "`type-contact` 2 (mobilité internationale); foreign: by type-contact",
    ),
    Row(
        S,
        "referent_prf",
        "formation/action/session/contact-session",
        EXTRAS,
        "0..n",
        code("CONTACT_TYPES"),
        "`type-contact` 3 (pédagogique); foreign: by type-contact",
    ),
    Row(S, "mail_liaison"),
    # -- dispositif -------------------------------------------------------------------------
    Row(
        D,
        "ref_dispositif",
        "formation/action/organisme-financeur/code-financeur",
        EXTRAS,
        "1",
        notes="foreign: the financeur code (`-2`, `-3`… when it repeats)",
    ),
    Row(D, "ref_session", how=NESTING),
    Row(
        D,
        "dispositif",
        "formation/action/organisme-financeur/code-financeur",
        EXTRAS,
        "1",
        code("dict-financeurs"),
        "from the name (`financeur_code`): the dispositif list's funder, else "
        'keywords: "région", "PRF" → 2 Conseil régional; "entreprise", "employeur" → 5 Entreprise; '
        '"individuel", "CPF", "personnel" → 10 Bénéficiaire; "Pôle emploi", "France Travail", '
        '"AIF" → 4; "OPCO" → 16; "AGEFIPH" → 7; "Transition Pro" → 17; "FSE" → 3; département → 8; '
        'commune → 9; "État" → 13; otherwise 0 Autre; first match wins, so "autres financements '
        '(entreprise, individuel)" → 5. Extras keep the name; foreign: the dict-financeurs label',
    ),
    Row(
        D,
        "publics",
        "formation/action/code-public-vise",
        EXTRAS,
        "1..10",
        LIST,
        "Formacode publics: union of the session's dispositifs; none → 80056 TOUT PUBLIC; foreign: the "
        "action's, in Formacode V12 (lheo/formacode.py)",
    ),
    Row(D, "codes_externes"),
    Row(D, "nb_places", "formation/action/organisme-financeur/nb-places-financees", STD, "0..1", INTEGER),
    Row(D, "nb_places_restantes"),
    Row(D, "effectif_minimal"),
    Row(D, "capacite_simultanee"),
    Row(D, "annee_cycle"),
    Row(D, "frais_ht"),
    Row(D, "taux_tva"),
    Row(
        D,
        "frais_ttc",
        "formation/action/prix-total-TTC",
        EXTRAS,
        "0..1",
        MONEY,
        "the first dispositif's; foreign: the action's when it is a number",
    ),
    Row(
        D,
        "frais_additionnels",
        "formation/action/frais-restants",
        EXTRAS,
        "0..1",
        MONEY,
        "the first dispositif's; foreign: the action's when it is a number",
    ),
    Row(D, "frais_certification"),
    Row(
        D,
        "prise_en_charge_frais",
        "formation/action/prise-en-charge-frais-possible",
        EXTRAS,
        "1",
        BOOLEAN,
        "1 if any dispositif says oui; foreign: the action's",
    ),
    # -- site and contact: paths inside the element that holds them ---------------------------
    Row(
        SITE,
        "code_site",
        "@numero",
        STD,
        notes="of the element; foreign without it: the SIRET, else `L` + a hash of name and address",
    ),
    Row(
        SITE,
        "siret",
        "SIRET-organisme-formation/SIRET",
        STD,
        "1",
        notes="also `SIRET-formateur/SIRET`, `SIRET-lieu-formation/SIRET`; required: `00000000000000` when unknown",
    ),
    Row(
        SITE,
        "nom",
        "nom-organisme",
        STD,
        "1",
        notes="also `raison-sociale`, `raison-sociale-formateur`, `coordonnees/adresse/denomination`",
    ),
    Row(
        SITE,
        "numero_activite",
        "numero-activite",
        STD,
        "1",
        notes="required in LHÉO: `00000000000` when unknown, read as empty",
    ),
    Row(
        SITE,
        "adresse",
        "coordonnees/adresse/ligne",
        STD,
        "1..4",
        conversion="lines of 50 characters, at most 4",
        notes="read back joined by a space",
    ),
    Row(SITE, "code_postal", "coordonnees/adresse/codepostal", STD, "1", notes="required: `00000` when unknown"),
    Row(SITE, "ville", "coordonnees/adresse/ville", STD, "1"),
    Row(SITE, "code_insee_commune", "coordonnees/adresse/code-INSEE-commune", STD, "0..1"),
    Row(SITE, "telephone", "coordonnees/telfixe/numtel", STD, "1..3", notes="foreign: else `portable/numtel`"),
    Row(SITE, "courriel", "coordonnees/courriel", STD, "0..1"),
    Row(SITE, "web", "coordonnees/web/urlweb", STD, "1..3"),
    Row(
        CONTACT, "code_contact", "@numero", STD, notes="of `contact-*`; foreign without it: `C` + a hash of the person"
    ),
    Row(CONTACT, "nom", "coordonnees/nom", STD, "0..1"),
    Row(CONTACT, "prenom", "coordonnees/prenom", STD, "0..1"),
    Row(CONTACT, "civilite", "coordonnees/civilite", STD, "0..1"),
    Row(CONTACT, "telephone", "coordonnees/telfixe/numtel", STD, "1..3", notes="foreign: else `portable/numtel`"),
    Row(CONTACT, "courriel", "coordonnees/courriel", STD, "0..1"),
    Row(CONTACT, "code_site", notes="annuaire extras only"),
)

# The elements that hold a site (its fields above are read inside them), and the
# directory extras under the root.
SITE_ELEMENTS = {
    "responsable": "formation/organisme-formation-responsable",
    "formateur": "formation/action/organisme-formateur",
    "lieu": "formation/action/lieu-de-formation",
}
ANNUAIRE_PATH = "lheo/extras[@info='fasd-annuaire']/extras[@info='{entity}']/extra[@info='{field}']"
OFFER_ENTITIES = (F, A, S, D)


@lru_cache(maxsize=None)
def rows(entity: str) -> tuple[Row, ...]:
    return tuple(r for r in ROWS if r.entity == entity)


@lru_cache(maxsize=None)
def row(entity: str, field: str) -> Row:
    return next(r for r in ROWS if r.entity == entity and r.field == field)


# Fields carried by the standard LHÉO elements (or the nesting); every other field of
# the entity travels in its fasd extras.
STANDARD: dict[str, frozenset[str]] = {
    e: frozenset(r.field for r in rows(e) if r.how in (STD, NESTING)) for e in OFFER_ENTITIES
}


@lru_cache(maxsize=None)
def read_paths(entity: str) -> dict[str, str]:
    """Field -> the LHÉO path it is read from in a file without FASD extras (the
    report's "column" of an LHÉO record)."""
    return {r.field: r.path for r in rows(entity) if r.path and r.how != NESTING}


@lru_cache(maxsize=None)
def steps(entity: str, field: str, under: str) -> tuple[str, ...]:
    """The child element names leading from the element at `under` to the field:
    `steps("formation", "url_formation", "formation")` is ("url-formation", "urlweb")."""
    path = row(entity, field).path
    if not path.startswith(under + "/"):
        raise ValueError(f"{entity}.{field}: {path} is not under {under}")
    return tuple(path[len(under) + 1 :].split("/"))
