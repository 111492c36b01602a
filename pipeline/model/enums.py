"""Enumerations: LHÉO tables, Formacode publics and the SOFI lists of the spec.

LHÉO tables (`dict-*`) are read from the copy of `lheo-2.3-definition.xml` in
`pipeline/data/`; the publics from the Formacode V12 export. Only the SOFI lists that
exist in neither file (rythmes, périodes, types de parcours, modalités pédagogiques,
validation, inscription) are written here, from the seed procedure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .text import fold

DATA = Path(__file__).parent.parent / "data"
LHEO_DEFINITION = DATA / "lheo-2.3-definition.xml"
FORMACODE = DATA / "formacode-v12.csv"


@dataclass(frozen=True)
class Choice:
    code: str  # the LHÉO / Formacode code, or the canonical label for SOFI lists
    label: str  # French label shown to people
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enumeration:
    name: str
    choices: tuple[Choice, ...]
    source: str
    short_labels: bool = True  # show a long label's first alias in lists and messages

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.choices]

    @property
    def lookup(self) -> dict[str, Choice]:
        return _lookup(self)

    def match(self, value: str) -> Choice | None:
        return self.lookup.get(fold(value))

    def short_label(self, choice: Choice) -> str:
        """The label shown in lists and messages: a long LHÉO label's first alias
        ('Niveau 4' rather than its whole definition)."""
        if self.short_labels and len(choice.label) > 40 and choice.aliases:
            return choice.aliases[0]
        return choice.label

    def by_code(self, code: str) -> Choice | None:
        for c in self.choices:
            if c.code == code:
                return c
        return None


@lru_cache(maxsize=None)
def _lookup(enum: Enumeration) -> dict[str, Choice]:
    table: dict[str, Choice] = {}
    for choice in enum.choices:
        for spelling in (choice.label, choice.code, *choice.aliases):
            table.setdefault(fold(spelling), choice)
    return table


@lru_cache(maxsize=None)
def lheo_dicts() -> dict[str, list[tuple[str, str]]]:
    """Every `dict-*` of the LHÉO definition: name -> [(code, label)]."""
    ns = {"g": "http://www.gelaba.org/gml/1.2"}
    tree = etree.parse(str(LHEO_DEFINITION), etree.XMLParser(resolve_entities=False, no_network=True))
    dicts = {}
    for d in tree.getroot().iterfind("g:dict", ns):
        entries = []
        for entry in d.iterfind("g:entry", ns):
            key = entry.find("g:key", ns).get("val")
            label = entry.find("g:value", ns).get("val")
            entries.append((key, " ".join(label.split())))
        dicts[d.get("name")] = entries
    return dicts


def _level_aliases(label: str) -> tuple[str, ...]:
    """'Niveau 4. Capacité…' -> 'niveau 4'; 'niveau V (CAP…)' -> 'niveau V'."""
    aliases = []
    for sep in (". ", " ("):
        if sep in label:
            aliases.append(label.split(sep, 1)[0])
    return tuple(aliases)


def _first_part(label: str) -> tuple[str, ...]:
    """'Perfectionnement, élargissement des compétences' -> 'Perfectionnement'."""
    return (label.split(", ", 1)[0],) if ", " in label else ()


def _from_lheo(
    name: str, dict_name: str, extra: dict[str, tuple[str, ...]] | None = None, alias_rule=None
) -> Enumeration:
    extra = extra or {}
    choices = []
    for code, label in lheo_dicts()[dict_name]:
        aliases = tuple(extra.get(code, ())) + (alias_rule(label) if alias_rule else ())
        choices.append(Choice(code, label, aliases))
    return Enumeration(name, tuple(choices), f"LHÉO {dict_name}")


def _sofi(name: str, items: list[tuple[str, str, tuple[str, ...]]]) -> Enumeration:
    return Enumeration(name, tuple(Choice(c, l, a) for c, l, a in items), "procédure SOFI")


# SOFI public labels (seed) that are not Formacode labels, mapped to Formacode codes.
# "intérimaire" has no Formacode public of its own: SOFI files it with the special
# work contracts (80047), see docs/lheo-mapping.md.
PUBLIC_ALIASES = {
    "80011": ("demandeur d'emploi", "demandeurs d'emploi", "DE"),
    "80047": ("intérimaire", "interimaire", "intérim"),
    "80050": ("particulier", "particulier, individuel", "particulier/individuel"),
    "80038": ("profession libérale",),
    "80044": ("salarié", "salariés"),
    "80055": ("agent de la fonction publique", "fonction publique"),
}


@lru_cache(maxsize=None)
def formacode_rows() -> list[list[str]]:
    with open(FORMACODE, encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter=";") if row]


@lru_cache(maxsize=None)
def formacode_codes() -> frozenset[str]:
    """Formacodes of domains (type DOM): the ones a formation's `formacodes` may hold."""
    return frozenset(row[0] for row in formacode_rows() if len(row) > 3 and "DOM" in row[3].split("$"))


def _publics() -> Enumeration:
    """The V12 publics, then the older codes without a V12 one that flows keep as written."""
    from .formacode import kept_as_written

    choices = []
    for row in formacode_rows():
        if len(row) > 3 and row[3].startswith("PUB"):
            choices.append(Choice(row[0], row[2] or row[1].lower(), PUBLIC_ALIASES.get(row[0], ())))
    known = {c.code for c in choices}
    for (version, code), label in kept_as_written().items():
        if code not in known:
            known.add(code)
            choices.append(Choice(code, f"{label or 'public'} (Formacode {version}, sans équivalent V12)"))
    return Enumeration("publics", tuple(choices), "Formacode V12, publics (type PUB)")


@lru_cache(maxsize=None)
def enumerations() -> dict[str, Enumeration]:
    return {
        e.name: e
        for e in (
            _from_lheo("objectif_general", "dict-AIS", alias_rule=_first_part),
            _from_lheo("niveaux", "dict-niveaux", alias_rule=_level_aliases),
            _from_lheo("type_equipement", "dict-type-equipement"),
            _from_lheo(
                "modalite_enseignement",
                "dict-modalites-enseignement",
                extra={
                    "0": ("présentiel", "formation en présentiel", "en présentiel", "entièrement présentielle"),
                    "1": ("hybride", "mixte", "formation hybride"),
                    "2": ("entièrement à distance", "à distance", "distance", "formation à distance"),
                },
            ),
            _from_lheo("etat_recrutement", "dict-etat-recrutement", extra={"2": ("ferme",)}),
            _from_lheo("modalite_recrutement", "dict-modalite-recrutement"),
            _from_lheo("validation_blocs", "dict-type-validation-blocs"),
            _from_lheo("financeurs", "dict-financeurs"),
            _publics(),
            _sofi(
                "rythmes",
                [
                    ("continu", "continu", ()),
                    ("discontinu", "discontinu", ()),
                    ("temps partiel", "temps partiel", ()),
                    ("temps plein", "temps plein", ()),
                ],
            ),
            _sofi(
                "periodes",
                [
                    ("cours de jour", "cours de jour", ("jour",)),
                    ("cours du soir", "cours du soir", ("soir",)),
                    ("week-end", "week-end", ("le week-end", "weekend")),
                    ("hors temps de travail", "hors temps de travail", ()),
                ],
            ),
            _sofi(
                "types_parcours",
                [
                    ("collectif", "collectif", ("en groupe",)),
                    ("individualisé", "individualisé", ("individualise", "individuel")),
                    ("mixte", "mixte", ()),
                    ("modulaire", "modulaire", ("modularisé",)),
                    ("type de parcours inconnu", "type de parcours inconnu", ("inconnu", "parcours inconnu")),
                ],
            ),
            _sofi(
                "modalites_pedagogiques",
                [
                    ("alternance", "alternance", ("en alternance",)),
                    ("à distance", "à distance", ("distance", "FOAD")),
                    ("AFEST", "AFEST", ("action de formation en situation de travail",)),
                    (
                        "pédagogie adaptée aux personnes handicapées",
                        "pédagogie adaptée aux personnes handicapées",
                        ("pedagogie adaptee",),
                    ),
                    ("en entreprise", "en entreprise", ("entreprise",)),
                    ("en organisme de formation", "en organisme de formation", ("en centre", "organisme de formation")),
                ],
            ),
            _sofi(
                "validation",
                [
                    ("partielle", "partielle", ("partiel",)),
                    ("totale", "totale", ("total",)),
                ],
            ),
            _sofi(
                "inscription_type",
                [
                    ("candidature individuelle", "candidature individuelle", ()),
                    ("recrutement", "recrutement", ()),
                    ("inscription", "inscription", ()),
                ],
            ),
            _sofi(
                "civilite",
                [
                    ("M.", "M.", ("monsieur", "m", "mr")),
                    ("Mme", "Mme", ("madame", "mme.")),
                ],
            ),
        )
    }
