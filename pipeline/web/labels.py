"""Show the user's file names in a run's results, while the files on disk have generic names.

Uploads are stored as `upload-1.xlsx`, `annuaire.xlsx` (no name from the browser reaches
the disk); the readers record that stored name as each record's source. The run renames
the records' sources as it writes them (RunOptions.names, model/tables.rename_sources),
then the findings and inputs are relabelled here, so the report, records.jsonl and
lheo.xml speak of the files as the person named them.
"""

from __future__ import annotations

from pathlib import Path


def unique_labels(names: list[str]) -> list[str]:
    """The names as given, made distinct ("offre.xlsx", "offre (2).xlsx") and never empty."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names, 1):
        label = _clean(name) or f"fichier {i}"
        if label in seen:
            seen[label] += 1
            stem, dot, suffix = label.rpartition(".")
            label = f"{stem} ({seen[label]}).{suffix}" if dot and stem else f"{label} ({seen[label]})"
        seen.setdefault(label, 1)
        out.append(label)
    return out


def _clean(name: str) -> str:
    """The last component of a browser-given name, without control characters, ≤ 120 chars."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    return name.strip()[:120]


def relabel(result, labels: dict[str, str]) -> None:
    """Rename the sources of the findings, columns and inputs in place: `labels` maps a stored
    file name to the name shown. The records' own sources are renamed by the run, chunk by
    chunk, as their offers are written (RunOptions.names)."""
    if not labels:
        return
    result.findings["source"] = result.findings["source"].replace(labels)
    for column in result.columns:
        column["source"] = labels.get(column.get("source"), column.get("source"))
    stored = {Path(p).name: Path(p) for p in result.inputs}
    result.files = {labels.get(name, name): path for name, path in stored.items()}
    result.inputs = [labels.get(Path(p).name, Path(p).name) for p in result.inputs]


def relabel_message(message: str, labels: dict[str, str]) -> str:
    for stored, shown in labels.items():
        message = message.replace(stored, shown)
    return message
