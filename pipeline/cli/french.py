"""click's own texts in French (Usage, Options, Error, [required]…).

click marks its messages for gettext but ships no translation. Rather than install a
process-wide gettext catalogue, `install()` gives click's modules a `_` and an
`ngettext` that look the English text up in `FRENCH`; an unknown text stays as click
wrote it. tests/test_cli_french.py checks that every key still exists in click's
sources, so an upgrade that rewords a message is noticed.
"""

from __future__ import annotations

import importlib

FRENCH = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Voir « {command} {option} » pour l'aide.",
    "Aborted!": "Interrompu.",
    "required": "obligatoire",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "deprecated": "obsolète",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de : {possibilities} ?)",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} attend une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} attend {nargs} valeurs.",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} n'est pas l'une des valeurs {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} illisible (droits).",
    "{name} {filename!r} is not writable.": "{name} {filename!r} non modifiable (droits).",
    "{name} {filename!r} is not executable.": "{name} {filename!r} non exécutable.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir {filename!r} : {message}",
    "unknown error": "erreur inconnue",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Takes {nargs} values but 1 was given.": "Attend {nargs} valeurs, 1 donnée.",
    "Takes {nargs} values but {len} were given.": "Attend {nargs} valeurs, {len} données.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
}

CLICK_MODULES = ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui", "utils")


def gettext(message: str) -> str:
    return FRENCH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Point click's `_` and `ngettext` at the French table (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module.__dict__["_"] = gettext
        if hasattr(module, "ngettext"):
            module.__dict__["ngettext"] = ngettext


# Arguments by name: what a person passes there.
ARGUMENT_METAVARS = {"inputs": "FICHIER", "records": "FICHIER", "text": "TEXTE", "ref": "RÉF", "code": "CODE"}
# Metavars a command spelled in English.
RENAMED_METAVARS = {"URL": "ADRESSE", "TEXT": "TEXTE", "INTEGER": "ENTIER"}


def _type_metavar(param) -> str | None:
    """French for the metavars click derives from a type (INTEGER, INTEGER RANGE, TEXT…)."""
    import click

    kind = param.type
    if isinstance(kind, (click.IntRange, click.types.IntParamType)):
        return "ENTIER"
    if isinstance(kind, (click.FloatRange, click.types.FloatParamType)):
        return "NOMBRE"
    if isinstance(kind, click.Path):
        return "FICHIER" if not kind.dir_okay else ("DOSSIER" if not kind.file_okay else "CHEMIN")
    if kind is click.STRING:
        return "TEXTE"
    return None  # Choice shows its values, flags have none


def french_param_metavars(command) -> None:
    """Every argument and option of `command` with a French metavar (`FICHIERS…`, `ENTIER`)."""
    import click

    for param in command.params:
        if isinstance(param, click.Argument):
            if param.metavar is None:
                word = ARGUMENT_METAVARS.get(param.name or "", (param.name or "").upper())
                if param.nargs == -1:
                    word = ("FICHIERS" if word == "FICHIER" else word) + "…"
                param.metavar = word if param.required else f"[{word}]"
        elif isinstance(param, click.Option) and not param.is_flag:
            if param.metavar in RENAMED_METAVARS:
                param.metavar = RENAMED_METAVARS[param.metavar]
            elif param.metavar is None and not param.count:
                param.metavar = _type_metavar(param)


def french_metavars(command) -> None:
    """ "[OPTIONS]" and "COMMAND [ARGS]..." in the usage lines of `command` and its subcommands,
    and the French metavars of their parameters."""
    command.options_metavar = "[OPTIONS]"
    french_param_metavars(command)
    if hasattr(command, "commands"):
        command.subcommand_metavar = "COMMANDE [ARGUMENTS]…"
        for sub in command.commands.values():
            french_metavars(sub)
