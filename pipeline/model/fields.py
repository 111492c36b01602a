"""The FASD field dictionary (spec `fasd.md` §3) as data.

Every other module reads the fields from here: header matching, normalisation,
pandera schemas, the template workbook and the writers. Adding a field is adding a
line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a field holds: decides how a cell is read, checked, written and explained.

    A StrEnum, so `Kind.DATE == "date"` and the JSON / docs keep the plain names.
    """

    TEXT = "text"
    CODE = "code"
    SIRET = "siret"
    EMAIL = "email"
    URL = "url"
    PHONE = "phone"
    POSTCODE = "postcode"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    BOOL = "bool"
    ENUM = "enum"
    REF = "ref"

    @property
    def number(self) -> bool:
        return self in (Kind.INT, Kind.DECIMAL)

    @property
    def choice(self) -> bool:
        """A value among fixed ones (a list, oui / non): a bad one is BAD_ENUM."""
        return self in (Kind.ENUM, Kind.BOOL)

    @property
    def digits(self) -> bool:
        """Written with spaces, dots or dashes that mean nothing (SIRET, postcode, phone)."""
        return self in (Kind.SIRET, Kind.POSTCODE, Kind.PHONE)

    @property
    def coded(self) -> bool:
        """A code or reference: kept as text, float artefacts (`111669.0`) removed."""
        return self in (Kind.CODE, Kind.REF) or self.digits

    @property
    def free_text(self) -> bool:
        """Text or numbers: a comma inside a value is not a separator of a multi-valued cell."""
        return self in (Kind.TEXT, Kind.DECIMAL)

    @property
    def typed_in_excel(self) -> bool:
        """An Excel number or date column; every other kind is a text column in the template."""
        return self.number or self is Kind.DATE


@dataclass(frozen=True)
class TextCheck:
    """An extra check of a text field: its values must (or must not) contain `pattern`.

    A failure is BAD_FORMAT with `expected` and `hint` in the message.
    """

    pattern: str
    expected: str
    hint: str
    present: bool = True  # True: the pattern must be found; False: it must not
    ignore_case: bool = False


@dataclass(frozen=True)
class Field:
    """One canonical field of an entity, with every behaviour that is particular to it.

    `kind` says how its cells are read (see Kind). `multi` marks a multi-valued cell (a
    list once normalised). `table` names the enumeration of an enum field (see
    enums.py). The attributes after `help` replace what used to be branches on the
    field's name elsewhere: a new field (or a new rule on one) is declared here.
    """

    name: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    max_len: int | None = None
    table: str | None = None
    multi: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    pattern: str | None = None
    max_items: int | None = None
    from_reference: bool = False  # required unless the certification reference provides it
    required_if: str | None = None  # "certifying": required only for a certifying formation
    synonyms: tuple[str, ...] = ()
    help: str = ""
    example: str = ""
    links_to: str | None = None  # a ref: the entity whose key it names (parent, site, contact)
    range_code: str = "OUT_OF_RANGE"  # finding code of a number outside minimum / maximum
    known_codes: str | None = None  # each value must be in this code list (validators/fields.py KNOWN_CODES)
    prefix: str | None = None  # a code given as bare digits gets this prefix (111669 -> RNCP111669)
    upper: bool = False  # a code written with spaces or in lower case: compacted, upper-cased
    percent: bool = False  # a rate: 20 % and 20 mean 0.2
    money: bool = False  # an amount in euros (template format)
    with_place: bool = False  # dates each followed by an optional place (« 12/03/2026 à Nantes »)
    comma_in_values: bool = False  # multi-valued cell whose values contain commas: « ; » separates
    identity: bool = False  # optional but names the record: a bad value stays an error
    checks: tuple[TextCheck, ...] = ()  # extra checks of the field's text (BAD_FORMAT)
    exclusive: tuple[tuple[str, ...], ...] = ()  # groups of values of which a cell holds one at most
    alone: str | None = None  # a value that goes with no other (CONTRADICTORY_VALUES)
    plain_characters: bool = False  # SOFI refuses symbols, emojis, invisible characters (SPECIAL_CHARACTERS)
    status: str = ""  # the template's « obligatoire / facultatif » line, when particular

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))  # a typo in a kind fails at import

    @property
    def single_date(self) -> bool:
        """One date per cell: a datetime column once typed."""
        return self.kind is Kind.DATE and not self.multi

    @property
    def plain_label(self) -> str:
        """The label without its « * » (the mark of a required column)."""
        return self.label.rstrip(" *")


def F(name, label, kind="text", **kw) -> Field:
    if "synonyms" in kw:
        kw["synonyms"] = tuple(kw["synonyms"])
    return Field(name, label, kind, **kw)


@dataclass(frozen=True)
class Entity:
    name: str  # singular, used in findings: "session"
    sheet: str  # template sheet name: "Sessions"
    label: str  # French label for messages: "la session"
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    parent: str | None = None  # parent entity name
    parent_field: str | None = None  # field holding the parent key
    feminine: bool = False  # for French agreement in messages

    @property
    def none_such(self) -> str:
        """'aucune session', 'aucun site': for messages."""
        return f"{'aucune' if self.feminine else 'aucun'} {self.name}"

    def field(self, name: str) -> Field:
        return self.by_name[name]

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


# SOFI's "Objectifs" takes plain text or simple HTML: no tables, images or PDF.
RICH_CONTENT = r"<\s*(?:table|img|iframe|object|embed)\b|\.pdf\b|data:image/"

SITE = Entity(
    "site",
    "Sites",
    "le site",
    ("code_site",),
    (
        F(
            "code_site",
            "Code site *",
            "code",
            required=True,
            max_len=50,
            synonyms=["site", "site (code)", "code du site"],
            example="36364",
            help="Identifiant du site dans votre organisme ou dans SOFI.",
        ),
        F(
            "siret",
            "SIRET *",
            "siret",
            required=True,
            example="13000511900032",
            help="14 chiffres, les espaces sont acceptés.",
        ),
        F(
            "nom",
            "Nom du site *",
            "text",
            required=True,
            max_len=250,
            synonyms=["nom site", "raison sociale"],
            example="CARIFOREF DES PAYS DE LA LOIRE",
        ),
        F(
            "numero_activite",
            "Numéro de déclaration d'activité",
            "code",
            pattern=r"\d{11}",
            synonyms=["nda", "numero activite"],
            help="11 chiffres.",
        ),
        F("adresse", "Adresse *", "text", required=True, max_len=250),
        F(
            "code_postal",
            "Code postal *",
            "postcode",
            required=True,
            synonyms=["cp", "code postal du lieu", "code postal lieu"],
            example="44000",
        ),
        F("ville", "Ville *", "text", required=True, max_len=50, synonyms=["commune"]),
        F("code_insee_commune", "Code INSEE commune", "code", pattern=r"(\d{5}|2[AB]\d{3})", synonyms=["code insee"]),
        F("telephone", "Téléphone", "phone", synonyms=["tel", "telfixe"]),
        F("courriel", "Courriel", "email", synonyms=["email", "mail", "e-mail"]),
        F("web", "Site web", "url", synonyms=["url", "urlweb"]),
    ),
)

CONTACT = Entity(
    "contact",
    "Contacts",
    "le contact",
    ("code_contact",),
    (
        F("code_contact", "Code contact *", "code", required=True, max_len=50, synonyms=["contact"], example="1902"),
        F("nom", "Nom *", "text", required=True, max_len=50),
        F("prenom", "Prénom", "text", max_len=50),
        F("civilite", "Civilité", "enum", table="civilite"),
        F("telephone", "Téléphone", "phone", synonyms=["tel", "telfixe"]),
        F("courriel", "Courriel", "email", synonyms=["email", "mail", "e-mail"]),
        F("code_site", "Code site", "ref", max_len=50, links_to="site", synonyms=["site"]),
    ),
)

FORMATION = Entity(
    "formation",
    "Formations",
    "la formation",
    ("ref_formation",),
    (
        F(
            "ref_formation",
            "Réf. formation *",
            "code",
            required=True,
            max_len=50,
            synonyms=["reference formation", "ref formation", "numero formation"],
            example="F-DEAS",
        ),
        F(
            "code_formation",
            "Code formation SOFI",
            "code",
            pattern=r"\d+",
            identity=True,
            help="Numéro SOFI de la formation : à remplir seulement pour mettre à jour une formation existante.",
        ),
        F(
            "certifinfo",
            "Référence Certif Info *",
            "bool",
            required=True,
            synonyms=["certifiante", "reference certif info oui non"],
            example="oui",
        ),
        F(
            "code_certifinfo",
            "Code Certif Info",
            "code",
            pattern=r"\d{1,6}",
            identity=True,
            synonyms=["certifinfo", "code certifinfo"],
            example="111669",
            help="Obligatoire quand « Référence Certif Info » vaut oui.",
        ),
        F(
            "code_rncp",
            "Code RNCP",
            "code",
            pattern=r"RNCP\d{1,6}",
            identity=True,
            prefix="RNCP",
            upper=True,
            synonyms=["rncp"],
            example="RNCP35830",
        ),
        F("code_rs", "Code RS", "code", pattern=r"RS\d{1,6}", identity=True, prefix="RS", upper=True, synonyms=["rs"]),
        F(
            "intitule",
            "Intitulé *",
            "text",
            from_reference=True,
            max_len=255,
            synonyms=[
                "intitule formation",
                "intitule de la formation",
                "nom de la formation",
                "libelle de la formation",
                "intitule du diplome ou titre",
                "intitule du diplome ou du titre",
            ],
            example="Diplôme d'État d'aide-soignant - DEAS",
        ),
        F(
            "objectif_general",
            "Objectif général *",
            "enum",
            table="objectif_general",
            from_reference=True,
            example="Certification",
            status="Obligatoire pour une formation non certifiante ; « Certification » pour une formation "
            "certifiante (retenu quand la cellule est vide).",
            help="« Certification » pour une formation certifiante (rempli ainsi quand la cellule est vide), "
            "un autre objectif pour une formation non certifiante.",
        ),
        F(
            "type_certification",
            "Type de certification *",
            "text",
            max_len=255,
            required_if="certifying",
            status="Obligatoire pour une formation certifiante ; repris de la fiche Certif Info quand elle le donne.",
            synonyms=["diplome ou titre vise", "type de diplome"],
        ),
        F(
            "objectif_formation",
            "Objectif *",
            "text",
            from_reference=True,
            max_len=3000,
            synonyms=["objectif formation", "objectifs formation"],
        ),
        F(
            "contenu_formation",
            "Programme *",
            "text",
            from_reference=True,
            max_len=3000,
            synonyms=["contenu formation", "contenu"],
        ),
        F(
            "formacodes",
            "Formacodes",
            "code",
            multi=True,
            pattern=r"\d{5}",
            max_items=5,
            known_codes="formacode",
            synonyms=["formacode"],
            example="43436",
        ),
        F(
            "codes_rome",
            "Codes ROME",
            "code",
            multi=True,
            pattern=r"[A-N]\d{4}",
            max_items=5,
            upper=True,
            synonyms=["rome", "code rome"],
            example="J1501",
        ),
        F(
            "codes_nsf",
            "Codes NSF",
            "code",
            multi=True,
            pattern=r"\d{3}[a-zA-Z]?",
            max_items=3,
            synonyms=["nsf", "code nsf"],
        ),
        F(
            "niveau_sortie",
            "Niveau de sortie",
            "enum",
            table="niveaux",
            synonyms=["niveau de la formation", "niveau d etudes en sortie", "niveau du diplome"],
            example="Niveau 4",
        ),
        F(
            "individualisation",
            "Individualisation du parcours par bloc *",
            "bool",
            required_if="certifying",
            synonyms=[
                "souhaitez-vous individualiser le parcours par bloc de competences",
                "individualiser le parcours",
            ],
            example="non",
            help="Formation certifiante seulement. Non : la validation est totale, tous les blocs sont retenus.",
        ),
        F(
            "validation",
            "Validation de la formation *",
            "enum",
            table="validation",
            synonyms=["validation formation"],
            example="totale",
            help="Formation certifiante seulement ; vide = totale. Partielle seulement avec l'individualisation.",
        ),
        F(
            "blocs",
            "Blocs de compétences",
            "code",
            multi=True,
            pattern=r"(RNCP|RS)\d{1,6}BC\d{2}",
            identity=True,
            upper=True,
            synonyms=["bloc", "blocs competences"],
            example="RNCP35830BC01; RNCP35830BC02",
            help="Formation certifiante seulement ; vide avec la validation totale = tous les blocs.",
        ),
        F(
            "libelles_blocs",
            "Intitulés des blocs",
            "text",
            multi=True,
            max_len=500,
            synonyms=["intitules des blocs", "libelles blocs", "intitule bloc"],
            help="Repris du référentiel des certifications : laissez vide. Sinon un intitulé par bloc, dans "
            "l'ordre des codes, séparés par « ; ».",
        ),
        F("url_formation", "URL formation", "url"),
    ),
    feminine=True,
)

ACTION = Entity(
    "action",
    "Actions",
    "l'action",
    ("ref_action",),
    (
        F(
            "ref_action",
            "Réf. action *",
            "code",
            required=True,
            max_len=50,
            synonyms=["reference action", "ref action", "numero action"],
            example="A-DEAS-NANTES",
        ),
        F(
            "ref_formation",
            "Réf. formation *",
            "ref",
            required=True,
            max_len=50,
            links_to="formation",
            synonyms=["reference formation", "ref formation"],
            example="F-DEAS",
        ),
        F(
            "code_action",
            "Code action SOFI",
            "code",
            pattern=r"(\d+-)?\d+",
            identity=True,
            help="Numéro SOFI de l'action, ou son code « formation-action » (19482-89393) : seulement pour "
            "mettre à jour une action existante.",
        ),
        F(
            "code_site_dispensateur",
            "Site dispensateur *",
            "ref",
            required=True,
            max_len=50,
            links_to="site",
            synonyms=["site dispensateur code", "organisme formateur", "numero uai", "uai", "code uai"],
            example="36364",
        ),
        F("complement_intitule", "Complément intitulé", "text", max_len=255),
        F("complement_programme", "Complément programme", "text", max_len=3000),
        F(
            "objectifs",
            "Objectifs",
            "text",
            max_len=3000,
            plain_characters=True,
            checks=(
                TextCheck(
                    RICH_CONTENT,
                    "un texte simple (sans tableau, image ni PDF)",  # SOFI: plain text or simple HTML
                    "retirez le tableau, l'image ou le lien PDF ; mettez la plaquette PDF dans « URL PDF ».",
                    present=False,
                    ignore_case=True,
                ),
            ),
        ),
        F("resultats_attendus", "Résultats attendus", "text", max_len=3000),  # no « * » in the seed
        F(
            "plus_formation",
            "Mon + formation",
            "text",
            max_len=250,
            synonyms=["mon plus formation", "plus formation", "le plus formation"],
        ),
        F(
            "url_video",
            "URL Vidéo",
            "url",
            checks=(
                TextCheck(
                    r"youtube\.com|youtu\.be|\.mp4(?:\?|$)",
                    "une vidéo YouTube ou un fichier .mp4",
                    "donnez un lien YouTube ou un lien vers un fichier .mp4.",
                ),
            ),
        ),
        F("url_pdf", "URL PDF", "url"),
        F("url_action", "URL Action", "url"),
        F("type_equipement", "Type d'équipement", "enum", table="type_equipement"),
        F(
            "cout_equipement",
            "Coût indicatif équipement",
            "decimal",
            minimum=0,
            money=True,
            synonyms=["cout indicatif", "cout equipement"],
        ),
        F("commentaire_equipement", "Commentaire équipement", "text", max_len=3000),
        F(
            "niveau_entree",
            "Niveau d'entrée *",
            "enum",
            required=True,
            table="niveaux",
            example="sans niveau spécifique",
        ),
        F("niveau_entree_obligatoire", "Niveau d'entrée obligatoire", "bool"),
        F("prerequis", "Pré-requis", "text", max_len=3000, synonyms=["prerequis", "pre requis"]),
        F("commentaire_prerequis", "Commentaire pré-requis", "text", max_len=3000),
    ),
    parent="formation",
    parent_field="ref_formation",
    feminine=True,
)

SESSION = Entity(
    "session",
    "Sessions",
    "la session",
    ("ref_session",),
    (
        F(
            "ref_session",
            "Réf. session *",
            "code",
            required=True,
            max_len=50,
            synonyms=["reference session", "ref session", "numero session"],
            example="S-DEAS-2026-09",
        ),
        F(
            "ref_action",
            "Réf. action *",
            "ref",
            required=True,
            max_len=50,
            links_to="action",
            synonyms=["reference action", "ref action"],
            example="A-DEAS-NANTES",
        ),
        F(
            "code_session",
            "Code session SOFI",
            "code",
            pattern=r"(\d+-){0,2}\d+",
            identity=True,
            help="Numéro SOFI de la session, ou son code FAS (19482-89393-143842) : seulement pour mettre à "
            "jour une session existante.",
        ),
        F(
            "code_site_lieu",
            "Site lieu *",
            "ref",
            required=True,
            max_len=50,
            links_to="site",
            synonyms=["lieu", "site lieu code", "lieu de formation"],
            example="36364",
        ),
        F(
            "date_debut",
            "Date début *",
            "date",
            required=True,
            synonyms=["date de debut", "debut"],
            example="07/09/2026",
        ),
        F("date_fin", "Date fin *", "date", required=True, synonyms=["date de fin", "fin"], example="30/06/2027"),
        F(
            "entrees_sorties_permanentes",
            "ESP *",
            "bool",
            required=True,
            synonyms=["entrees sorties permanentes", "entree sortie permanente"],
            example="non",
        ),
        F(
            "rythmes",
            "Rythmes *",
            "enum",
            required=True,
            multi=True,
            table="rythmes",
            exclusive=(("continu", "discontinu"), ("temps partiel", "temps plein")),
            synonyms=["rythme"],
            example="continu; temps plein",
        ),
        F(
            "periodes",
            "Périodes de formation *",
            "enum",
            required=True,
            multi=True,
            table="periodes",
            synonyms=["periodes de formations", "periode"],
            example="cours de jour",
        ),
        F(
            "types_parcours",
            "Type de parcours *",
            "enum",
            required=True,
            multi=True,
            alone="type de parcours inconnu",
            table="types_parcours",
            synonyms=["types de parcours", "parcours"],
            example="collectif",
        ),
        F(
            "modalites_pedagogiques",
            "Modalités pédagogiques *",
            "enum",
            required=True,
            multi=True,
            table="modalites_pedagogiques",
            synonyms=["modalite pedagogique"],
            example="en organisme de formation; alternance",
        ),
        F(
            "modalite_enseignement",
            "Modalités d'enseignement *",
            "enum",
            required=True,
            table="modalite_enseignement",
            synonyms=["modalite d enseignement", "modalites enseignement"],
            example="présentiel",
        ),
        F(
            "duree_centre_h",
            "Durée en centre (en h) *",
            "decimal",
            required=True,
            minimum=0,  # 0 h: all in company (validators/cross.py: some duration is needed)
            synonyms=["duree en centre", "heures centre", "nombre heures centre"],
            example="770",
        ),
        F(
            "duree_entreprise_h",
            "Durée en entreprise (en h)",
            "decimal",
            minimum=0,
            synonyms=["duree en entreprise", "heures entreprise"],
            example="770",
        ),
        F(
            "duree_hebdo_h",
            "Durée hebdo (en h)",
            "decimal",
            minimum=0,
            maximum=60,
            synonyms=["duree hebdo", "duree hebdomadaire"],
            example="35",
        ),
        F("commentaire_duree", "Commentaire durée", "text", max_len=3000),
        F("cycle_annee", "Cycle de l'année", "text", max_len=50, synonyms=["cycle annee"]),
        F("unite_entreprise", "Unité entreprise", "text", max_len=250),
        F(
            "code_site_responsable",
            "Organisme responsable *",
            "ref",
            required=True,
            max_len=50,
            links_to="site",
            synonyms=["site responsable", "organisme responsable code"],
            example="36364",
        ),
        F(
            "etat_recrutement",
            "Recrutement *",
            "enum",
            required=True,
            table="etat_recrutement",
            synonyms=["etat recrutement", "etat du recrutement"],
            example="ouvert",
        ),
        F(
            "modalites_recrutement",
            "Modalités de recrutement",
            "enum",
            multi=True,
            table="modalite_recrutement",
            comma_in_values=True,
            synonyms=["modalite de recrutement"],
            example="dossier; épreuves orales",
        ),
        F(
            "informations_collectives",
            "Informations collectives",
            "date",
            multi=True,
            with_place=True,
            synonyms=["information collective", "dates informations collectives"],
            example="15/05/2026 à Nantes; 12/06/2026",
            help="Une date jj/mm/aaaa par réunion, suivie si besoin de son lieu (« 12/03/2026 à Nantes »), "
            "séparées par « ; ».",
        ),
        F(
            "inscription_type",
            "Type de période d'inscription",
            "enum",
            multi=True,
            table="inscription_type",
            synonyms=["periode inscription type"],
            example="candidature individuelle; inscription",
            help="Un type par période (ou un seul pour toutes), dans l'ordre des dates.",
        ),
        F(
            "inscription_debut",
            "Début période d'inscription",
            "date",
            multi=True,
            synonyms=["debut inscription", "periode inscription debut"],
            example="01/03/2026; 01/09/2026",
            help="Plusieurs périodes : leurs débuts séparés par « ; », dans le même ordre que les fins.",
        ),
        F(
            "inscription_fin",
            "Fin période d'inscription",
            "date",
            multi=True,
            synonyms=["fin inscription", "periode inscription fin"],
            example="30/06/2026; 30/09/2026",
        ),
        F(
            "referent_pmr",
            "Référent PMR *",
            "ref",
            required=True,
            max_len=50,
            links_to="contact",
            synonyms=["referent handicap"],
            example="1902",
        ),
        F(
            "referent_mobilite",
            "Référent mobilité *",
            "ref",
            required=True,
            max_len=50,
            links_to="contact",
            synonyms=["referent mobilite internationale"],
            example="1902",
        ),
        F("referent_prf", "Référent PRF", "ref", max_len=50, links_to="contact"),
        F("mail_liaison", "Mail de liaison", "email"),
    ),
    parent="action",
    parent_field="ref_action",
    feminine=True,
)

DISPOSITIF = Entity(
    "dispositif",
    "Dispositifs",
    "le dispositif",
    ("ref_session", "ref_dispositif"),
    (
        F(
            "ref_dispositif",
            "Réf. dispositif",
            "code",
            max_len=50,
            identity=True,
            synonyms=["reference dispositif", "ref dispositif"],
            example="D1",
            help="Facultatif : distingue deux dispositifs d'une même session.",
        ),
        F(
            "ref_session",
            "Réf. session *",
            "ref",
            required=True,
            max_len=50,
            links_to="session",
            synonyms=["reference session", "ref session"],
            example="S-DEAS-2026-09",
        ),
        F(
            "dispositif",
            "Dispositif *",
            "enum",
            required=True,
            table="dispositifs",
            example="PROGRAMME REGION - Formations sanitaires et sociales",
            help="Un dispositif de la liste (libellé SOFI ou code court) ; la liste peut être remplacée "
            "par celle du Carif-Oref (--dispositifs).",
        ),
        F(
            "publics",
            "Publics",
            "enum",
            multi=True,
            status="Obligatoire : au moins un public (un public hors liste est laissé de côté, avec un avertissement).",
            table="publics",
            synonyms=["public"],
            comma_in_values=True,
            example="demandeur d'emploi; salarié",
        ),
        F("codes_externes", "Codes externes", "text", max_len=250, multi=True),
        F(
            "nb_places",
            "Nb places dispositif *",
            "int",
            required=True,
            minimum=1,
            range_code="PLACES",
            synonyms=[
                "nombre de places",
                "nb places",
                "places",
                "capacite d accueil",
                "capacite d accueil de la formation",
            ],
            example="40",
        ),
        F(
            "nb_places_restantes",
            "Nb places restantes",
            "int",
            minimum=0,
            range_code="PLACES",
            synonyms=["places restantes"],
        ),
        F("effectif_minimal", "Effectif minimal", "int", minimum=1, range_code="PLACES"),
        F("capacite_simultanee", "Capacité simultanée", "int", minimum=1, range_code="PLACES"),
        F("annee_cycle", "Année du cycle", "text", max_len=50),
        F("frais_ht", "Frais HT", "decimal", minimum=0, money=True, example="6200"),
        F(
            "taux_tva",
            "Taux TVA",
            "decimal",
            minimum=0,
            maximum=1,
            percent=True,
            help="En fraction (0,2) ou en pourcentage (20 %).",
            example="0",
        ),
        F("frais_ttc", "Frais TTC", "decimal", minimum=0, money=True, example="6200"),
        F(
            "frais_additionnels",
            "Montant total des frais additionnels non pris en charge",
            "decimal",
            minimum=0,
            money=True,
            synonyms=["frais additionnels", "frais restants"],
        ),
        F(
            "frais_certification",
            "Frais afférents au passage de la certification",
            "bool",
            synonyms=["frais certification"],
        ),
        F(
            "prise_en_charge_frais",
            "Prise en charge des frais pédagogiques",
            "bool",
            synonyms=["prise en charge frais", "prise en charge des frais"],
        ),
    ),
    parent="session",
    parent_field="ref_session",
)

# The entities in the order they are read, checked, decided and shown (directory first,
# then the offer from formation down to dispositif): every module takes the order here.
ENTITIES: dict[str, Entity] = {e.name: e for e in (SITE, CONTACT, FORMATION, ACTION, SESSION, DISPOSITIF)}
ENTITY_ORDER: tuple[str, ...] = tuple(ENTITIES)
DIRECTORY_ENTITIES: tuple[str, ...] = tuple(
    e.name for e in ENTITIES.values() if e.parent is None and not any(c.parent == e.name for c in ENTITIES.values())
)
OFFER_ENTITIES: tuple[str, ...] = tuple(n for n in ENTITY_ORDER if n not in DIRECTORY_ENTITIES)
SHEETS: dict[str, str] = {e.name: e.sheet for e in ENTITIES.values()}  # entity -> its sheet label

# Links to the directory: (entity, field, directory entity), from the fields' `links_to`.
DIRECTORY_LINKS: tuple[tuple[str, str, str], ...] = tuple(
    (e.name, f.name, f.links_to) for e in ENTITIES.values() for f in e.fields if f.links_to in DIRECTORY_ENTITIES
)

# Provenance columns every raw and typed table carries.
PROVENANCE = ("_source", "_sheet", "_row", "_line")


# The shape of a value of each kind that has one (the field checks and the column proposals).
PATTERNS = {
    Kind.EMAIL: r"[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}",
    Kind.URL: r"https?://[^\s/]+\.[^\s]+",
    Kind.PHONE: r"(\+33\d{9}|0\d{9})",
    Kind.POSTCODE: r"\d{5}",
}
