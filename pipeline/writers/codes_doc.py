"""docs/codes.md: the catalogue of finding codes and the registry of cross-record rules.

Generated (`make docs`, i.e. `python -m pipeline.writers.codes_doc > docs/codes.md`); a test
fails when the committed file is stale. The catalogue (pipeline/model/codes.py) says what a
person reads; the registry (pipeline/validators/registry.py) says which rule checks
what, in the order the rules run.
"""

from __future__ import annotations

from ..model.fields import ENTITIES
from ..model.codes import RULES
from ..validators import cross  # noqa: F401 - imports every module that registers rules
from ..validators.registry import REGISTRY


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def codes_markdown() -> str:
    """The catalogue, then the registry, as Markdown."""
    lines = [
        "# Codes des constats (findings)",
        "",
        "Généré par `make docs` (`python -m pipeline.writers.codes_doc > docs/codes.md`) à partir de",
        "`pipeline/model/codes.py` et du registre des règles ; ne pas modifier à la main. Une erreur",
        "(`error`) rejette l'enregistrement, un avertissement (`warning`) non.",
        "",
        "| code | gravité | titre | message | aide |",
        "|---|---|---|---|---|",
    ]
    for r in RULES.values():
        lines.append(_row([f"`{r.code}`", r.severity, r.title, r.template, r.help]))
    lines += [
        "",
        "## Règles entre enregistrements",
        "",
        "Le registre de `pipeline/validators/registry.py`, dans l'ordre où les règles s'appliquent",
        "(après les règles de champ du modèle, avant la certification et la cascade).",
        "",
        "| codes | entité | champ | règle |",
        "|---|---|---|---|",
    ]
    for entry in REGISTRY:
        entity = entry.entity or "plusieurs"
        field = ""
        if entry.field and entry.entity:
            field = ENTITIES[entry.entity].field(entry.field).plain_label
        lines.append(_row([", ".join(f"`{c}`" for c in entry.codes), entity, field, f"`{entry.name}`"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(codes_markdown(), end="")
