"""The catalogue of finding codes: severity, French message template and help.

One place for every code, in the spirit of frictionless-py's error classes: checks
only name a code and give the template's parameters; `docs/codes.md` is generated
from this catalogue and the registry of rules (`make docs`, pipeline/writers/codes_doc.py).

Templates are `str.format` strings. Parameters every finding has: {field_label}
(the column header as written, or the SOFI label), {value} (the cell as given),
{entity_label} ("la session"), {key}. Checks add their own.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)  # most serious first: the order of counts and sorts
SEVERITY_LABELS = {ERROR: "erreur", WARNING: "avertissement", INFO: "information"}  # French, for people


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    template: str
    help: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "REQUIRED",
            ERROR,
            "Champ obligatoire vide",
            "« {field_label} » est obligatoire : la cellule est vide.",
            "Remplissez la cellule. Les colonnes marquées d'un * sont obligatoires.",
        ),
        Rule(
            "TOO_LONG",
            ERROR,
            "Texte trop long",
            "« {field_label} » contient {length} caractères ; le maximum est {max_len}.",
            "Raccourcissez le texte à {max_len} caractères au plus.",
        ),
        Rule(
            "BAD_FORMAT",
            ERROR,
            "Valeur mal formée",
            "« {field_label} » : « {bad} » n'est pas {expected}.",
            "Corrigez la valeur : {hint}",
        ),
        Rule(
            "BAD_ENUM",
            ERROR,
            "Valeur hors liste",
            "« {field_label} » : « {bad} » ne fait pas partie des valeurs possibles.",
            "Choisissez une valeur de la liste : {allowed}.",
        ),
        Rule(
            "OUT_OF_RANGE",
            ERROR,
            "Nombre hors limites",
            "« {field_label} » : {value} est {bound}.",
            "Saisissez un nombre {expected}.",
        ),
        Rule(
            "TOO_MANY",
            ERROR,
            "Trop de valeurs",
            "« {field_label} » contient {count} valeurs ; le maximum est {maximum}.",
            "Gardez au plus {maximum} valeurs, séparées par « ; ».",
        ),
        Rule(
            "DUPLICATE_KEY",
            ERROR,
            "Identifiant en double",
            "« {field_label} » « {value} » est déjà utilisé par une autre ligne ({other}).",
            "Donnez un identifiant unique à chaque enregistrement, ou supprimez la ligne en double.",
        ),
        Rule(
            "ORPHAN",
            ERROR,
            "Référence introuvable",
            "« {field_label} » : « {value} » ne correspond à {none_such} du fichier.",
            "Vérifiez l'orthographe de la référence, ou ajoutez la ligne manquante dans la feuille « {target_sheet} ».",
        ),
        Rule(
            "PARENT_REJECTED",
            ERROR,
            "Rejet en cascade",
            "Cette ligne est rejetée car {target} « {value} », dont elle dépend, est {rejected}.",
            "Corrigez d'abord les erreurs signalées pour {target} « {value} » ; cette ligne sera alors acceptée.",
        ),
        Rule(
            "INCONSISTENT_REPEAT",
            ERROR,
            "Valeurs différentes pour un même enregistrement",
            "« {field_label} » vaut « {value} » ici mais « {other_value} » ligne {other_row} pour la même "
            "{group_field} « {group_key} ».",
            "Dans un fichier à plat, les colonnes de la formation et de l'action doivent être identiques sur "
            "toutes les lignes de la même référence : alignez les valeurs.",
        ),
        Rule(
            "DATE_ORDER",
            ERROR,
            "Dates dans le désordre",
            "« {field_label} » ({value}) est antérieure à « {other_label} » ({other_value}).",
            "La date de fin doit être égale ou postérieure à la date de début : corrigez l'une des deux.",
        ),
        Rule(
            "PLACES",
            ERROR,
            "Nombre de places incohérent",
            "« {field_label} » ({value}) {problem}.",
            "Vérifiez les nombres de places du dispositif : restantes et effectif minimal ne peuvent dépasser "
            "le nombre de places, ni l'effectif minimal la capacité simultanée.",
        ),
        Rule(
            "PRICE_TTC",
            ERROR,
            "Prix TTC incohérent",
            "Frais TTC {value} € ≠ frais HT {ht} € × (1 + TVA {tva}) = {expected} €.",
            "Corrigez le prix TTC, le prix HT ou le taux de TVA pour que TTC = HT × (1 + TVA), au centime près.",
        ),
        Rule(
            "PARCOURS_INDIVIDUALISATION",
            ERROR,
            "Parcours incompatible avec l'individualisation",
            "La formation « {formation} » individualise le parcours par bloc, mais la session n'a pas {missing} "
            "dans « {field_label} ».",
            "Ajoutez « modulaire » et « individualisé » aux types de parcours, ou répondez non à l'individualisation.",
        ),
        Rule(
            "VALIDATION_INDIVIDUALISATION",
            ERROR,
            "Validation partielle sans individualisation",
            "Sans individualisation du parcours par bloc, la validation de la formation est totale : "
            "« {value} » ne convient pas.",
            "Comme dans SOFI : « non » à l'individualisation = validation totale, tous les blocs sélectionnés. "
            "Écrivez « totale », ou répondez « oui » à l'individualisation si vous proposez des parcours par blocs.",
        ),
        Rule(
            "NOT_CERTIFYING",
            ERROR,
            "Champ de certification sur une formation non certifiante",
            "La formation n'est pas certifiante (« Référence Certif Info » = non) mais « {field_label} » "
            "est rempli (« {value} »).",
            "Videz la cellule, ou répondez oui à « Référence Certif Info » si la formation prépare cette "
            "certification : elle sera alors vérifiée dans le référentiel.",
        ),
        Rule(
            "OBJECTIF_CERTIFICATION",
            ERROR,
            "Objectif général incohérent avec la certification",
            "Objectif général « {value} » : {problem}.",
            "Formation certifiante : objectif général « Certification » (ou cellule vide) ; formation non "
            "certifiante : un autre objectif de la liste.",
        ),
        Rule(
            "DISPOSITIF_PUBLICS",
            ERROR,
            "Public non admis par le dispositif",
            "Le dispositif « {dispositif} » n'admet pas le public « {public} ».",
            "Publics admis par ce dispositif : {allowed}. Retirez ce public ou choisissez le dispositif "
            "qui le finance.",
        ),
        Rule(
            "CONTRADICTORY_VALUES",
            ERROR,
            "Valeurs contradictoires",
            "« {field_label} » : {values} s'excluent.",
            "Gardez une seule des valeurs contradictoires ({hint}).",
        ),
        Rule(
            "SPECIAL_CHARACTERS",
            ERROR,
            "Caractères spéciaux refusés par SOFI",
            "« {field_label} » contient des caractères spéciaux que SOFI refuse : {chars}.",
            "Retirez-les (symboles, émojis, caractères invisibles) ; pour une liste, allez à la ligne et "
            "commencez chaque point par un tiret.",
        ),
        Rule(
            "INSCRIPTION_PERIODS",
            ERROR,
            "Périodes d'inscription incomplètes",
            "Périodes d'inscription : {problem}.",
            "Chaque période a un début et une fin, dans le même ordre dans les deux colonnes (séparés par "
            "« ; ») ; un seul type vaut pour toutes les périodes, sinon un type par période.",
        ),
        Rule(
            "FAS_MISMATCH",
            ERROR,
            "Code FAS incohérent",
            "« {field_label} » « {value} » : {problem}.",
            "Recopiez le code FAS de SOFI (formation-action-session, par exemple 19482-89393-143842) : la "
            "session appartient à l'action et l'action à la formation de ces numéros. Laissez les codes SOFI "
            "vides pour créer une offre nouvelle.",
        ),
        Rule(
            "ORGANISME_AUTRE",
            ERROR,
            "Offre d'un autre organisme",
            "La formation « {key} » est celle de l'établissement {siret} (son organisme responsable, site "
            "« {site} »), qui n'est pas un des organismes de l'envoi ({organismes}).",
            "Retirez cette offre du fichier, importez-la dans l'envoi de son établissement, ou ajoutez "
            "celui-ci à l'envoi : --organisme {siret} (ou son SIREN) ; vérifiez sinon l'organisme "
            "responsable de ses sessions.",
        ),
        Rule(
            "SOUS_TRAITANCE",
            INFO,
            "Site d'un autre organisme (sous-traitance)",
            "Le site « {key} » (SIRET {value}) dispense des offres d'un autre organisme (SIREN {owners}) : "
            "sous-traitance, acceptée.",
            "Rien à faire si ce site est bien l'organisme formateur de ces offres ; sinon corrigez le site "
            "dispensateur des actions.",
        ),
        Rule(
            "DEFAULT_APPLIED",
            INFO,
            "Valeur par défaut appliquée",
            "« {field_label} » est vide : « {default} » est retenu ({reason}).",
            "Rien à faire si cette valeur convient ; sinon remplissez la cellule.",
        ),
        Rule(
            "VALUE_DERIVED",
            INFO,
            "Valeur calculée",
            "« {field_label} » est vide : {derived} ({how}).",
            "Rien à faire si le calcul est juste ; sinon remplissez la cellule.",
        ),
        Rule(
            "NO_CHILD",
            ERROR,
            "Enregistrement sans suite acceptée",
            "{entity_label} « {key} » n'a {none_accepted}.",
            "Corrigez les lignes rejetées de la feuille « {child_sheet} » qui s'y rattachent, ou ajoutez-en une valide.",
        ),
        Rule(
            "MISSING_SHEET",
            ERROR,
            "Feuille manquante",
            "Le classeur n'a pas de feuille « {sheet_name} ».",
            "Ajoutez la feuille « {sheet_name} » (voir le modèle de classeur) ou vérifiez son nom.",
        ),
        Rule(
            "OPTIONAL_DROPPED",
            WARNING,
            "Valeur facultative laissée de côté",
            "{problem} : cette valeur facultative est laissée de côté, le reste de la ligne est repris.",
            "{hint}, si elle doit figurer dans l'offre (avec --strict, c'est une erreur qui rejette la ligne).",
        ),
        Rule(
            "VALUE_FIXED",
            INFO,
            "Valeur corrigée",
            "« {field_label} » : « {value} » est lu « {fixed} ».",
            "Rien à faire ; corrigez la cellule pour ne plus voir ce message.",
        ),
        Rule(
            "DATES_MONTH_FIRST",
            WARNING,
            "Dates au format mois/jour/année",
            "Les dates de la colonne « {field_label} » sont lues au format américain mois/jour/année ({reason}).",
            "Vérifiez les dates de cette colonne ; écrivez-les au format jj/mm/aaaa pour lever le doute.",
        ),
        Rule(
            "MISSING_COLUMN",
            ERROR,
            "Colonne obligatoire absente",
            "La colonne obligatoire « {field_label} » est absente de la feuille : aucune de ses lignes ne peut "
            "être acceptée.",
            "Ajoutez la colonne « {field_label} » (voir le modèle de classeur), ou indiquez quelle colonne la contient "
            "dans un fichier de correspondance (fasd colonnes FICHIER, puis --colonnes).",
        ),
        Rule(
            "UNKNOWN_COLUMN",
            WARNING,
            "Colonne non reconnue",
            "La colonne « {value} » n'est pas reconnue : son contenu est ignoré.",
            "Renommez l'en-tête comme dans le modèle{closest}, ou supprimez la colonne.",
        ),
        Rule(
            "COLUMN_CONTENT_MISMATCH",
            WARNING,
            "Colonne à vérifier",
            "La colonne « {value} » est lue comme « {field_label} » selon {mapping}, mais {wrong} de ses "
            "{seen} valeur(s) lues n'en ont pas la forme (par exemple « {sample} »).",
            "Vérifiez la ligne « {value} » de {mapping} : indiquez dans « champ » le champ que cette colonne "
            "contient vraiment, ou « ignorer ».",
        ),
        Rule(
            "LHEO_UNUSED",
            INFO,
            "Élément LHÉO hors modèle FASD",
            "{count} élément(s) « {path} » du flux LHÉO n'ont pas d'équivalent dans le modèle FASD : "
            "conservés tels quels avec l'offre et réécrits dans lheo.xml.",
            "Rien à faire : ils ne sont pas contrôlés (voir docs/lheo-mapping.md).",
        ),
        Rule(
            "PUBLIC_VERSION",
            INFO,
            "Code public d'une autre version du Formacode",
            "Code public « {value} » ({count} fois) lu en Formacode {version} : remplacé par son équivalent V12 "
            "« {v12} ».",
            "Rien à faire : la version vient de l'attribut ref et de la date du flux ; la correspondance de "
            "pipeline/data/formacode-publics-correspondance.csv donne le code V12.",
        ),
        Rule(
            "PUBLIC_UNMAPPED",
            WARNING,
            "Code public sans équivalent V12",
            "Code public « {value} » ({count} fois) en Formacode {version} : aucune correspondance V12 connue, "
            "il est gardé tel qu'il est écrit, dans les publics et dans lheo.xml.",
            "Vérifiez ce public et indiquez-le en Formacode V12, ou ajoutez la correspondance, avec sa source, à "
            "pipeline/data/formacode-publics-correspondance.csv.",
        ),
        Rule(
            "OUTSIDE_SOFI_LIST",
            WARNING,
            "Code LHÉO hors de la liste SOFI",
            "« {field_label} » : « {bad} » est un code valide en LHÉO mais hors de la liste de SOFI ; il reste "
            "dans lheo.xml et n'est pas repris dans le champ SOFI.",
            "Choisissez dans SOFI la valeur de la liste qui convient ({allowed}).",
        ),
        Rule(
            "SOFI_INCOMPLETE",
            WARNING,
            "À compléter pour SOFI",
            "{entity_label} « {key} » est accepté(e) depuis un flux LHÉO mais reste à compléter pour SOFI : {missing}.",
            "Complétez ces champs dans SOFI, ou donnez-les une fois pour toutes dans un fichier --defauts "
            "(voir docs/lheo-mapping.md) ; --profil sofi les rend obligatoires.",
        ),
        Rule(
            "CATALOGUE_INCOMPLETE",
            WARNING,
            "À compléter pour SOFI (catalogue sans sessions)",
            "{entity_label} « {key} » est acceptée depuis un catalogue sans sessions mais reste à compléter "
            "pour SOFI : {missing}.",
            "Ajoutez-les dans SOFI, ou dans le modèle de classeur (fasd template) avant un nouvel envoi ; un "
            "champ commun à toutes les lignes se donne une fois dans un fichier --defauts ; --profil sofi les "
            "rend obligatoires.",
        ),
        Rule(
            "CERTIFINFO_UNKNOWN",
            ERROR,
            "Certification inconnue",
            "« {field_label} » : « {value} » n'existe pas dans le référentiel des certifications (Certif Info, RNCP, RS).",
            "Vérifiez le code ; pour retrouver une certification : fasd ref search « mots de l'intitulé » ou « code ».",
        ),
        Rule(
            "CERTIFINFO_INACTIVE",
            ERROR,
            "Certification inactive",
            "La certification « {certification} » {reason}.",
            "Choisissez la certification qui la remplace, ou retirez les sessions qui commencent après sa fin "
            "de validité.",
        ),
        Rule(
            "CERTIFINFO_AMBIGUOUS",
            ERROR,
            "Certification ambiguë",
            "« {field_label} » : « {value} » correspond à plusieurs fiches Certif Info : {candidates}.",
            "Indiquez le code Certif Info de la certification préparée dans la colonne « Code Certif Info ».",
        ),
        Rule(
            "RNCP_MISMATCH",
            ERROR,
            "Code RNCP discordant",
            "« {field_label} » : « {value} » ne correspond pas à la fiche Certif Info {certifinfo}, qui porte {expected}.",
            "Corrigez le code RNCP ou le code Certif Info : ils doivent désigner la même certification.",
        ),
        Rule(
            "BLOC_UNKNOWN",
            ERROR,
            "Bloc de compétences inconnu",
            "Le bloc « {value} » n'est pas un bloc de la certification {certification}.",
            "Choisissez parmi les blocs de la certification : {allowed}.",
        ),
        Rule(
            "BLOCS_VALIDATION",
            ERROR,
            "Blocs incohérents avec la validation",
            "Validation « {validation} » : {problem}.",
            "Validation totale : tous les blocs ; partielle : au moins un bloc, pas tous.",
        ),
        Rule(
            "TITLE_OVERRIDDEN",
            WARNING,
            "Intitulé remplacé par celui de la certification",
            "L'intitulé « {value} » diffère de celui de la fiche Certif Info : « {reference_title} » est conservé.",
            "Rien à faire si c'est bien cette certification ; sinon corrigez le code Certif Info.",
        ),
        Rule(
            "DURATION_EXCEEDS_PERIOD",
            WARNING,
            "Durée improbable",
            "{value} h en centre entre le {debut} et le {fin} ({days} jours) font plus de 10 h par jour.",
            "Vérifiez la durée en centre et les dates de la session.",
        ),
        Rule(
            "SESSION_ENDED",
            WARNING,
            "Session terminée",
            "La session s'est terminée le {value}, avant la date du traitement ({today}) : elle est gardée "
            "inactive (état I) et {published}.",
            "Retirez la session de l'envoi, ou corrigez sa date de fin si elle n'est pas terminée.",
        ),
        Rule(
            "MIXED_ENCODING",
            WARNING,
            "Caractères d'un autre encodage",
            "Ligne {row} : des octets ne sont pas de l'UTF-8 ; ils sont lus en Windows-1252 (« é » d'un copier-coller ?).",
            "Vérifiez les accents de la ligne, puis enregistrez le fichier en « CSV UTF-8 ».",
        ),
        Rule(
            "EXTRA_CELLS",
            WARNING,
            "Valeurs au-delà de la dernière colonne",
            "La ligne {row} a {count} valeur(s) après la dernière colonne d'en-tête (« {value} ») : elles sont ignorées.",
            "Un séparateur dans un texte non entre guillemets décale la ligne : mettez le texte entre guillemets, "
            "ou ajoutez l'en-tête de la colonne.",
        ),
        Rule(
            "CONTROL_CHAR",
            WARNING,
            "Caractère invisible retiré",
            "« {field_label} » contenait {count} caractère(s) de contrôle invisible(s) ({names}) : retiré(s).",
            "Rien à faire si le texte est juste ; ces caractères viennent souvent d'un copier-coller.",
        ),
    )
}


def rule(code: str) -> Rule:
    return RULES[code]
