"""The page's column-matching step (issue 28 item 5): name the field of each header, once.

When an upload's headers are not understood (the run refused for missing columns) or
some are only guessed, the page lists every header of the files with the field the
readers propose (readers/mapping.py `read_headers`, the proposals of `fasd colonnes`),
how sure that is and a few values, and a drop-down to change it. The choice becomes a
mapping file of the `--colonnes` format, the run starts again with it, and it is kept
as the organisation's mapping for files with the same headers:
- with a base (`fasd serve --base`), per establishment (SIRET) in the base
  (catalogue/mappings.py, migration 0007);
- without one, in the server's folder (`correspondances/SIGNATURE.csv`, a file
  `fasd import --colonnes` reads too).
The next upload of that establishment whose headers are the same set (folded, sorted:
`signature`) is read through it without asking (`reuse_saved`, called by the worker).

Routes
    GET  /envois/{id}/colonnes   the headers, their proposals and the drop-downs
    POST /envois/{id}/colonnes   the choice: checked, saved, the run started again
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import shutil
import traceback
from pathlib import Path
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..model.fields import ENTITIES, SHEETS
from ..model.text import fold
from ..readers import WORKBOOK_SUFFIXES
from ..readers.column_evidence import CERTAIN
from ..readers.headers import HOW_OURS, IGNORE, IGNORED_HEADERS
from ..readers.mapping import FILE_COLUMNS
from ..writers.atomic import atomic_open
from .forms import TooLarge, _read_form, _same_origin
from .jobs import read_json, read_state, write_json

log = logging.getLogger("fasd.web")

STORED = "colonnes.csv"  # the mapping of the job, in inputs/
CACHE = "colonnes.json"  # the headers read and their proposals, in the job folder (not served)
LOCAL_FOLDER = "correspondances"  # without a base: the saved mappings, in the server's folder
CHOSEN_LABEL = "colonnes choisies sur la page"
SAVED_LABEL = "correspondance enregistrée"
MAX_HEADERS = 2000  # fields of the choice form: one per header, and the CSRF token


# What the command line's refusal says to do next (readers/grid.py check_understood), and the page's words.
CLI_NEXT = re.compile(r"Lancez « fasd colonnes .*? puis relancez avec --colonnes correspondance\.csv\.")
PAGE_NEXT = "Indiquez ci-dessous le champ de chaque colonne : le contrôle sera relancé avec votre choix."


def for_the_page(message: str) -> str:
    """A refusal for headers not understood, sending the person to the matching step instead of `fasd colonnes`."""
    return CLI_NEXT.sub(PAGE_NEXT, message)


# ------------------------------------------------------------------ headers and signature


def signature(headers: list[str]) -> str:
    """The key of a set of headers: SHA-256 of the folded headers, sorted, one a line."""
    return hashlib.sha256("\n".join(sorted(set(headers))).encode("utf-8")).hexdigest()


def folded_headers(rows: list[dict]) -> list[str]:
    """The headers of the rows that a mapping may name (not the columns our reports add)."""
    return sorted({fold(r["header"]) for r in rows if fold(r["header"]) not in IGNORED_HEADERS})


def _rows(inputs: list[Path], labels: dict[str, str], mapping=None) -> list[dict]:
    """Every header of `inputs` with its proposal (readers/mapping.py, as `fasd colonnes`)."""
    from ..readers.mapping import _entities_of, read_headers

    rows = []
    for d in read_headers(inputs, mapping):
        workbook = Path(d.source).suffix.lower() in WORKBOOK_SUFFIXES
        rows.append(
            {
                "source": labels.get(d.source, d.source),
                "sheet": d.sheet if workbook else "",
                "letter": d.letter,
                "header": d.header,
                "field": d.field or "",
                "certainty": d.certainty if d.field else "",
                "how": d.how,
                "why": d.why,
                "samples": list(d.samples),
                "entities": list(_entities_of(d)),
                "ours": d.how == HOW_OURS,
            }
        )
    return rows


def _labels(meta: dict) -> dict[str, str]:
    return {f["stored"]: f["label"] for f in meta.get("files", [])}


def _inputs(folder: Path, meta: dict) -> list[Path]:
    return [folder / "inputs" / f["stored"] for f in meta.get("files", [])]


def _current_mapping(folder: Path, meta: dict):
    if not meta.get("colonnes"):
        return None
    from ..readers.mapping import load_mapping

    return load_mapping(folder / "inputs" / meta["colonnes"]["stored"])


def proposal(folder: Path) -> list[dict]:
    """The rows of the matching step, read once per mapping of the job (cached in CACHE)."""
    cached = read_json(folder / CACHE)
    if cached is not None:
        return cached["rows"]
    meta = read_json(folder / "meta.json") or {}
    try:
        mapping = _current_mapping(folder, meta)
    except Exception:  # noqa: BLE001 — a mapping file the run refused: propose from scratch
        mapping = None
    rows = _rows(_inputs(folder, meta), _labels(meta), mapping)
    write_json(folder / CACHE, {"rows": rows})
    return rows


# ------------------------------------------------------------------ choices


def field_choices(entities: tuple[str, ...]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The drop-down of a header: (sheet label, [(field name, label)]) per entity, each field once."""
    seen: set[str] = set()
    groups = []
    for e in entities:
        fields = [(f.name, f.plain_label) for f in ENTITIES[e].fields if f.name not in seen]
        seen.update(name for name, _ in fields)
        groups.append((SHEETS[e], fields))
    return groups


def allowed(entities) -> set[str]:
    return {f.name for e in entities for f in ENTITIES[e].fields} | {IGNORE}


def check_choice(rows: list[dict], form) -> tuple[list[str], list[str]]:
    """(the field chosen for each row, []) or ([], the reasons the choice is refused)."""
    chosen, errors = [], []
    for i, row in enumerate(rows):
        value = form.get(f"champ-{i}")
        if not isinstance(value, str) or value not in allowed(row["entities"]):
            errors.append(
                f"« {row['header']} » : champ « {str(value or '')[:60]} » inconnu pour cette feuille ; "
                "choisissez un champ de la liste, ou « ignorer »."
            )
            value = IGNORE
        chosen.append(value)
    seen: dict[tuple, str] = {}
    for row, value in zip(rows, chosen):
        if value == IGNORE:
            continue
        where = (row["source"], row["sheet"], value)
        if where in seen:
            label = next(f.plain_label for e in row["entities"] for f in ENTITIES[e].fields if f.name == value)
            errors.append(
                f"« {label} » est choisi pour deux colonnes (« {seen[where]} » et « {row['header']} ») : "
                "gardez-le pour une seule, ignorez l'autre."
            )
        else:
            seen[where] = row["header"]
    return (chosen, []) if not errors else ([], errors)


def mapping_text(rows: list[dict], chosen: list[str]) -> str:
    """The choice as a mapping file (readers/mapping.py format: `fasd import --colonnes` reads it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(FILE_COLUMNS)
    for row, value in zip(rows, chosen):
        label = next(
            (f.plain_label for e in row["entities"] for f in ENTITIES[e].fields if f.name == value),
            "",
        )
        writer.writerow(
            [row["source"], row["sheet"], row["letter"], row["header"], value, label, "choisi sur la page"]
            + [" | ".join(row["samples"])]
        )
    return out.getvalue()


# ------------------------------------------------------------------ the store


def _local(data_dir: Path, sig: str) -> Path:
    return Path(data_dir) / LOCAL_FOLDER / f"{sig}.csv"


def save(meta: dict, data_dir: Path, rows: list[dict], text: str, account_id: int | None) -> bool:
    """Keep the mapping as the organisation's (see the module docstring); False: no one to keep it for."""
    headers = folded_headers(rows)
    sig = signature(headers)
    if meta.get("base"):
        if not meta.get("siret"):
            return False  # staff without an establishment: this upload only
        from ..catalogue.mappings import save_mapping

        save_mapping(meta["base"], meta["siret"], sig, headers, text, account_id)
        return True
    path = _local(data_dir, sig)
    path.parent.mkdir(exist_ok=True)
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(text)
    return True


def _saved_text(meta: dict, data_dir: Path, inputs: list[Path]) -> str | None:
    if meta.get("base"):
        from ..catalogue.mappings import has_mappings, saved_mapping

        siret = meta.get("siret")
        if not siret or not has_mappings(meta["base"], siret):
            return None
        return saved_mapping(meta["base"], siret, signature(folded_headers(_rows(inputs, {}))))
    folder = Path(data_dir) / LOCAL_FOLDER
    if not folder.is_dir() or not any(folder.glob("*.csv")):
        return None
    path = _local(data_dir, signature(folded_headers(_rows(inputs, {}))))
    return path.read_text(encoding="utf-8-sig") if path.is_file() else None


def reuse_saved(folder: Path, meta: dict) -> bool:
    """Before a run without a mapping: the organisation's saved mapping for these headers,
    put in the job (meta["colonnes"], saved=True). The headers are read only when the
    organisation has kept some mapping. Best effort: a failure leaves the run as it was."""
    if meta.get("colonnes") or not meta.get("files"):
        return False
    try:
        text = _saved_text(meta, folder.parent, _inputs(folder, meta))
        if text is None:
            return False
        with atomic_open(folder / "inputs" / STORED, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
        meta["colonnes"] = {"stored": STORED, "label": SAVED_LABEL, "saved": True}
        write_json(folder / "meta.json", meta)
        return True
    except Exception:  # noqa: BLE001 — the run goes on without it
        log.warning("upload %s: saved mapping not read:\n%s", folder.name[:8], traceback.format_exc())
        return False


# ------------------------------------------------------------------ the routes


def _view(rows: list[dict]) -> list[dict]:
    """The rows by file and sheet, those to look at first (not read, or not sure)."""
    groups: dict[tuple, dict] = {}
    for i, row in enumerate(rows):
        key = (row["source"], row["sheet"])
        group = groups.setdefault(
            key,
            {
                "source": row["source"],
                "sheet": row["sheet"],
                "check": [],
                "sure": [],
                "choices": field_choices(tuple(row["entities"])),
            },
        )
        look = not row["ours"] and (not row["field"] or row["certainty"] != CERTAIN)
        shown = {**row, "index": i, "selected": row["field"] or IGNORE, "choices": group["choices"]}
        if not look and row["field"]:  # a column read for sure: the fields of its own sheet (a lighter page)
            own = [(sheet, fields) for sheet, fields in group["choices"] if any(n == row["field"] for n, _ in fields)]
            shown["choices"] = own
        group["check" if look else "sure"].append(shown)
    return list(groups.values())


def routes(
    settings,
    runner,
    render: Callable[..., Response],
    csrf_ok: Callable[..., bool],
    guarded: Callable[..., Any],
    job_or_404: Callable[[Request], Path],
) -> list[Route]:
    """The two routes of the step, for create_app (web/app.py)."""

    def page(request: Request, folder: Path, rows: list[dict], errors: list[str] | None = None, status: int = 200):
        meta = read_json(folder / "meta.json") or {}
        context = {
            "job_id": folder.name,
            "meta": meta,
            "groups": _view(rows),
            "errors": errors or [],
            "to_check": sum(1 for r in rows if not r["ours"] and (not r["field"] or r["certainty"] != CERTAIN)),
            "total": len(rows),
            "ignore": IGNORE,
            "certain": CERTAIN,
        }
        return render(request, "colonnes.html", context, status)

    def editable(folder: Path) -> bool:
        state = read_state(folder)
        return state.get("status") in ("done", "failed") and not state.get("applied")

    async def show(request: Request):
        folder = job_or_404(request)
        if not editable(folder):
            return RedirectResponse(f"/envois/{folder.name}", status_code=303)
        rows = await run_in_threadpool(proposal, folder)
        if not rows:
            return render(
                request,
                "message.html",
                {
                    "title": "Aucune colonne à faire correspondre",
                    "text": "Ces fichiers n'ont pas d'en-têtes de colonnes (un flux LHÉO, par exemple) : "
                    "il n'y a rien à indiquer ici.",
                },
            )
        return page(request, folder, rows)

    async def choose(request: Request):
        folder = job_or_404(request)
        if not _same_origin(request):
            raise HTTPException(403)
        try:
            form = await _read_form(request, 512 * 1024, max_fields=MAX_HEADERS + 1)
        except TooLarge:
            raise HTTPException(413) from None
        try:
            if not csrf_ok(request, form):
                raise HTTPException(403)
            if not editable(folder):
                return render(
                    request,
                    "message.html",
                    {
                        "title": "Requête refusée",
                        "text": "Cet envoi est en cours de traitement, ou déjà appliqué au catalogue : "
                        "ses colonnes ne peuvent plus être changées ici. Renvoyez le fichier.",
                    },
                    409,
                )
            rows = await run_in_threadpool(proposal, folder)
            chosen, errors = check_choice(rows, form)
        finally:
            await form.close()
        if errors:
            return page(request, folder, rows, errors, 422)
        text = mapping_text(rows, chosen)
        meta = read_json(folder / "meta.json") or {}
        visitor = getattr(request.state, "visitor", None)
        account_id = visitor.account.id if visitor is not None else None
        from ..model.errors import FasdError

        try:
            await run_in_threadpool(save, meta, settings.data_dir, rows, text, account_id)
        except FasdError as exc:  # the base unreachable: the run goes on, the choice is not kept
            log.warning("upload %s: mapping not saved: %s", folder.name[:8], exc)
        if not editable(folder):  # another tab chose meanwhile: its run is the one
            return RedirectResponse(f"/envois/{folder.name}", status_code=303)
        with atomic_open(folder / "inputs" / STORED, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
        meta["colonnes"] = {"stored": STORED, "label": CHOSEN_LABEL, "chosen": True}
        write_json(folder / "meta.json", meta)
        (folder / CACHE).unlink(missing_ok=True)
        shutil.rmtree(folder / "out", ignore_errors=True)  # the refused run's files are no answer now
        write_json(folder / "state.json", {"status": "queued", "stages": {}})
        runner.submit(folder)
        return RedirectResponse(f"/envois/{folder.name}", status_code=303)

    return [
        Route("/envois/{job_id}/colonnes", guarded(show)),
        Route("/envois/{job_id}/colonnes", guarded(choose), methods=["POST"]),
    ]
