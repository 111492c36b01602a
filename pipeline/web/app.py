"""The Starlette application of `fasd serve`: pages, uploads, downloads, safety.

Routes
    GET  /                              upload form
    POST /envois                        store an upload, queue its run, redirect to its page
    GET  /envois/{id}                   progress, then the result (or the reason it failed)
    GET  /envois/{id}/etat              progress as JSON (polled by the page's script)
    GET  /envois/{id}/fichiers/{name}   report.xlsx, report.csv, records.jsonl, lheo.xml, changes.csv
    POST /envois/{id}/appliquer         apply the run to the catalogue base (--base; FASD_TOKEN)
    GET  /tableau-de-bord               the base's counters and sessions by start month (--base);
                                        ?organisme=SIRET|SIREN (repeatable) for some establishments
    GET  /modele.xlsx                   the template workbook to fill
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import secrets
import shutil
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from . import results
from .jobs import DOWNLOADS, interrupted, job_dir, new_id, read_json, read_state, sweep, write_json
from .labels import unique_labels
from .waiting import Waiting, waiting_text
from .settings import MB, Settings
from .sniff import WORKBOOK_KINDS, NotAnOffer, sniff
from ..model.progress import LABELS, STAGES, UNITS
from ..model.fields import SHEETS
from ..model.codes import ERROR, INFO, WARNING
from ..model.causes import headline
from ..readers import FORMATS, OFFER_SUFFIXES, WORKBOOK_SUFFIXES
from .worker import percent_of, process_job

log = logging.getLogger("fasd.web")
HERE = Path(__file__).parent
CSRF_COOKIE = "fasd_csrf"
MAX_FILES = 20
SWEEP_EVERY = 600  # seconds between two retention sweeps
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
        b"script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        b"base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    # the upload id is the key to its results: never sent to another site. Not no-referrer:
    # under it a browser sends `Origin: null` with the page's own forms, which the origin
    # check refuses (a sandboxed frame or a data: page sends the same).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class TooLarge(Exception):
    pass


class Runner:
    """Runs uploads in the background, `workers` at a time, each in a fresh worker process.

    A process per upload (`python -m pipeline.web.worker FOLDER`): the server stays
    responsive while pandas works, memory is returned after each run, and a crash or an
    out-of-memory kill ends one upload, not the server. `processes=False` runs the worker
    in a thread of this process instead (quicker tests of the pages).
    """

    def __init__(self, workers: int = 1, processes: bool = True) -> None:
        self.processes = processes
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="fasd-web")
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.waiting = Waiting()  # the uploads not started yet, in order (waiting.py)

    def submit(self, folder: Path, apply: bool = False) -> None:
        self.waiting.add(folder.name)
        self.executor.submit(self._run, folder, apply)

    def _run(self, folder: Path, apply: bool = False) -> None:
        self.waiting.started(folder.name)
        said = False  # the worker wrote its final state itself (exit 0 or 1)
        try:
            if self.processes:
                child = subprocess.Popen(
                    [sys.executable, "-m", "pipeline.web.worker", str(folder)] + (["--appliquer"] if apply else []),
                    stdin=subprocess.DEVNULL,
                )
                with self.lock:
                    self.running.add(child)
                code = child.wait()
                with self.lock:
                    self.running.discard(child)
                said = code in (0, 1)
                if not said and not self.stopping:
                    log.error("upload %s: worker exited with %s", folder.name[:8], code)
            else:
                process_job(str(folder), apply)
                said = True
        except Exception:
            log.error("upload %s: worker not started:\n%s", folder.name[:8], traceback.format_exc())
        # A worker that said nothing died (killed, out of memory): the page must say so. One
        # that did may already have a new run queued behind it (the apply button), left alone.
        if not said and folder.is_dir() and read_state(folder).get("status") not in ("done", "failed"):
            state = read_state(folder)
            if apply and _recovered(folder):  # killed after the base committed: its outputs are whole
                state.update(status="done", applied=True, message=None)
            else:
                state.update(status="failed", message=INTERRUPTED)
            write_json(folder / "state.json", state)

    def shutdown(self) -> None:
        """Stop queued uploads and the worker processes this server started (a worker that
        has written its result is let finish exiting for a moment first)."""
        self.stopping = True
        self.executor.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            children = list(self.running)
        for child in children:
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                child.terminate()  # the worker unwinds (worker.main) and removes its temporary files
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()  # its scratch folder is then removed by the next run (scratch.sweep)


INTERRUPTED = (
    "Le traitement a été interrompu (manque de mémoire ou arrêt du serveur). "
    "Réessayez avec un fichier plus petit, ou signalez-le à l'équipe qui gère l'outil."
)


def create_app(settings: Settings, runner: Runner | None = None) -> SecurityHeaders:
    runner = runner or Runner(settings.workers)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["nombre"] = results.number
    templates.env.globals.update(
        entity_labels=SHEETS,
        base=bool(settings.base),
        token_required=bool(settings.token),
        severity_labels=results.SEVERITY_LABELS,
        where=results.where,
        max_mb=settings.max_upload_bytes // MB,
        retention_hours=round(settings.retention_seconds / 3600),
        formats=FORMATS,  # readers/__init__.py: the one list of what can be sent
        offer_suffixes=OFFER_SUFFIXES,
        workbook_suffixes=sorted(WORKBOOK_SUFFIXES),
    )

    def render(request: Request, name: str, context: dict | None = None, status: int = 200) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = templates.TemplateResponse(request, name, {"csrf": token, **(context or {})}, status_code=status)
        response.headers["cache-control"] = "no-store"
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    def establishment_choice() -> list[dict]:
        """The establishments of the base for the upload's « liste déroulante » (none without a base)."""
        if not settings.base:
            return []
        from ..model.errors import FasdError
        from .catalogue import establishment_choice as grouped
        from ..catalogue import establishments

        try:
            return grouped(establishments(settings.base))
        except FasdError:  # a base not initialised or unreachable: the page works without the list
            return []

    def form_page(request: Request, errors: list[str] | None = None, status: int = 200, today=None):
        context = {
            "errors": errors or [],
            "today": today or dt.date.today().isoformat(),
            "organisations": establishment_choice(),
        }
        return render(request, "index.html", context, status)

    async def index(request: Request):
        return form_page(request)

    async def upload(request: Request):
        if not _same_origin(request):
            return form_page(request, [CSRF_MESSAGE], 403)
        try:
            form = await _read_form(request, settings.max_upload_bytes)
        except TooLarge:
            return form_page(
                request,
                [
                    f"L'envoi dépasse la taille maximale de "
                    f"{settings.max_upload_bytes // MB} Mo. Découpez l'offre en "
                    "plusieurs fichiers, ou retirez les feuilles inutiles."
                ],
                413,
            )
        try:
            return await _store_upload(request, form)
        finally:
            await form.close()

    async def _store_upload(request: Request, form):
        token = form.get("csrf")
        cookie = request.cookies.get(CSRF_COOKIE)
        if not (isinstance(token, str) and cookie and hmac.compare_digest(token, cookie)):
            return form_page(request, [CSRF_MESSAGE], 403)
        today = str(form.get("date") or "")
        try:
            today = dt.date.fromisoformat(today).isoformat() if today else dt.date.today().isoformat()
        except ValueError:
            return form_page(
                request, [f"La date de référence « {today} » n'est pas une date (attendu : AAAA-MM-JJ)."], 422
            )
        profil = str(form.get("profil") or "")
        if profil not in ("", "sofi", "lheo"):
            return form_page(request, [f"Profil inconnu : « {profil} » (sofi ou lheo)."], 422, today)
        perimetre = str(form.get("perimetre") or "partiel")
        if perimetre not in ("partiel", "complet"):
            return form_page(request, [f"Périmètre inconnu : « {perimetre} » (partiel ou complet)."], 422, today)
        from ..model.errors import UsageError
        from ..validators.organisation import organisme_digits

        try:  # the establishments of the upload (SOFI: « choisissez … celui sur lequel vous allez saisir »)
            organisme = [organisme_digits(str(v)) for v in form.getlist("organisme") if str(v).strip()]
        except UsageError as exc:
            return form_page(request, [str(exc)], 422, today)
        uploads = [f for f in form.getlist("fichiers") if isinstance(f, UploadFile) and f.filename]
        if not uploads:
            return form_page(request, ["Choisissez au moins un fichier d'offres (xlsx, csv ou XML LHÉO)."], 422, today)
        if len(uploads) > MAX_FILES:
            return form_page(request, [f"Envoyez au plus {MAX_FILES} fichiers à la fois."], 422, today)
        extras = {}  # the annuaire and the column mapping, each optional
        for name in ("annuaire", "colonnes"):
            f = form.get(name)
            if isinstance(f, UploadFile) and f.filename:
                extras[name] = f
        every = uploads + list(extras.values())
        labels = unique_labels([f.filename or "" for f in every])
        errors: list[str] = []
        kinds: list[str | None] = []
        for f, label in zip(every, labels):
            try:
                kinds.append(await run_in_threadpool(sniff, f.file, label))
            except NotAnOffer as exc:
                errors.append(str(exc))
                kinds.append(None)
        extra_kinds = dict(zip(extras, kinds[len(uploads) :]))
        extra_labels = dict(zip(extras, labels[len(uploads) :]))
        if extra_kinds.get("annuaire") and extra_kinds["annuaire"] not in WORKBOOK_KINDS:
            errors.append(
                f"L'annuaire « {extra_labels['annuaire']} » doit être un classeur (feuilles Sites et Contacts)."
            )
        if extra_kinds.get("colonnes") and extra_kinds["colonnes"] != "csv":
            errors.append(f"La correspondance des colonnes « {extra_labels['colonnes']} » doit être un fichier CSV.")
        if errors:
            return form_page(request, errors, 422, today)
        job_id = new_id()
        folder = settings.data_dir / job_id
        meta: dict[str, Any] = {
            "created": time.time(),
            "today": today,
            "reference": settings.reference,
            "profil": profil or None,
            "files": [],
            "annuaire": None,
            "colonnes": None,
            "dispositifs": settings.dispositifs,
            "base": settings.base,
            "perimetre": perimetre if settings.base else None,
            "organisme": organisme or None,
        }
        stored = []
        for i, (label, kind) in enumerate(zip(labels, kinds[: len(uploads)]), 1):
            meta["files"].append({"stored": f"upload-{i}.{kind}", "label": label})
            stored.append(f"upload-{i}.{kind}")
        for name in extras:
            meta[name] = {"stored": f"{name}.{extra_kinds[name]}", "label": extra_labels[name]}
            stored.append(meta[name]["stored"])
        await run_in_threadpool(_save, folder, every, stored)
        write_json(folder / "meta.json", meta)
        write_json(folder / "state.json", {"status": "queued", "stages": {}})
        runner.submit(folder)
        return RedirectResponse(f"/envois/{job_id}", status_code=303)

    def job_or_404(request: Request) -> Path:
        folder = job_dir(settings.data_dir, request.path_params["job_id"])
        if folder is None:
            raise HTTPException(404)
        return folder

    async def job(request: Request):
        folder = job_or_404(request)
        meta = read_json(folder / "meta.json") or {}
        state = read_state(folder)
        context: dict[str, Any] = {
            "job_id": folder.name,
            "meta": meta,
            "state": state,
            "progress": queued_view(folder, state),
        }
        if state["status"] in ("queued", "running"):
            return render(request, "progress.html", context)
        if state["status"] == "failed":
            return render(request, "failed.html", context, 422)
        run = results.load(folder)
        if run is None:
            raise HTTPException(404)
        if settings.base:
            from .catalogue import change_view

            context["changes"] = change_view(folder)
        return render(request, "result.html", {**context, **result_context(request, folder, run)})

    async def apply_job(request: Request):
        """The button « Appliquer au catalogue »: the same run again, applied for real."""
        folder = job_or_404(request)
        if not settings.base:
            raise HTTPException(404)
        if not _same_origin(request):
            return apply_refused(request, folder, CSRF_MESSAGE, 403)
        try:
            form = await _read_form(request, 64 * 1024)
        except TooLarge:
            raise HTTPException(413) from None
        token, cookie = form.get("csrf"), request.cookies.get(CSRF_COOKIE)
        if not (isinstance(token, str) and cookie and hmac.compare_digest(token, cookie)):
            return apply_refused(request, folder, CSRF_MESSAGE, 403)
        if settings.token:
            given = form.get("jeton")
            if not (isinstance(given, str) and hmac.compare_digest(given.encode(), settings.token.encode())):
                return apply_refused(
                    request,
                    folder,
                    "Jeton d'accès incorrect : les modifications n'ont pas été appliquées au catalogue.",
                    403,
                )
        state = read_state(folder)
        if state.get("status") != "done" or state.get("applied"):
            return apply_refused(
                request, folder, "Cet envoi a déjà été appliqué au catalogue, ou son traitement n'est pas terminé.", 409
            )
        write_json(folder / "state.json", {"status": "queued", "stages": {}, "applying": True})
        runner.submit(folder, apply=True)
        return RedirectResponse(f"/envois/{folder.name}", status_code=303)

    def apply_refused(request: Request, folder: Path, message: str, status: int):
        state = read_state(folder)
        state["base_message"] = message
        meta = read_json(folder / "meta.json") or {}
        run = results.load(folder)
        if run is None or state.get("status") != "done":
            return render(request, "message.html", {"title": "Requête refusée", "text": message}, status)
        from .catalogue import change_view

        context = {"job_id": folder.name, "meta": meta, "state": state, "changes": change_view(folder)}
        return render(request, "result.html", {**context, **result_context(request, folder, run)}, status)

    async def dashboard(request: Request):
        if not settings.base:
            raise HTTPException(404)
        from ..model.errors import FasdError
        from .catalogue import dashboard as counters

        from ..catalogue.upsert import organisation_code

        try:  # ?organisme=SIRET|SIREN, repeatable: the establishments chosen in the page's list
            chosen = [organisation_code(v) for v in request.query_params.getlist("organisme") if v.strip()]
        except FasdError as exc:
            return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 400)
        try:
            data = await run_in_threadpool(counters, settings.base, None, chosen)
        except FasdError as exc:
            if chosen and "aucun" in str(exc):
                return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 404)
            return render(request, "message.html", {"title": "Catalogue indisponible", "text": str(exc)}, 503)
        return render(request, "dashboard.html", data)

    def queued_view(folder: Path, state: dict) -> dict:
        """progress_view, with the upload's place in the queue while it waits."""
        view = progress_view(state)
        if view["status"] == "queued":
            view["ahead"] = runner.waiting.ahead(folder.name)
            view["queue"] = waiting_text(view["ahead"])
        return view

    async def job_state(request: Request):
        folder = job_or_404(request)
        state = read_state(folder)
        return JSONResponse(queued_view(folder, state), headers={"cache-control": "no-store"})

    async def download(request: Request):
        folder = job_or_404(request)
        name = request.path_params["name"]
        path = folder / "out" / name
        if name not in DOWNLOADS or not path.is_file():
            raise HTTPException(404)
        return FileResponse(path, media_type=DOWNLOADS[name], filename=name, headers={"cache-control": "no-store"})

    template_lock = asyncio.Lock()

    async def template_workbook(request: Request):
        path = settings.data_dir / "offre-fasd.xlsx"
        async with template_lock:
            if not path.is_file():
                from ..writers.template import write_template

                await run_in_threadpool(write_template, path)
        return FileResponse(path, media_type=DOWNLOADS["report.xlsx"], filename="offre-fasd.xlsx")

    async def not_found(request: Request, exc: Exception):
        return render(
            request,
            "message.html",
            {
                "title": "Page introuvable",
                "text": "Cette adresse ne correspond à rien, ou l'envoi a été supprimé : les résultats "
                f"sont conservés {round(settings.retention_seconds / 3600)} heure(s).",
            },
            404,
        )

    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 404:
            return await not_found(request, exc)
        return render(
            request,
            "message.html",
            {"title": "Requête refusée", "text": "Cette requête n'est pas acceptée ici."},
            exc.status_code,
        )

    async def server_error(request: Request, exc: Exception):
        log.error("error on %s %s:\n%s", request.method, request.url.path, "".join(traceback.format_exception(exc)))
        return render(
            request,
            "message.html",
            {
                "title": "Erreur interne",
                "text": "Le serveur a rencontré une erreur. Réessayez ; si elle revient, signalez-la à "
                "l'équipe qui gère l'outil.",
            },
            500,
        )

    @asynccontextmanager
    async def lifespan(app):
        async def janitor():
            while True:
                await asyncio.sleep(SWEEP_EVERY)
                await run_in_threadpool(sweep, settings.data_dir, settings.retention_seconds)

        await run_in_threadpool(interrupted, settings.data_dir, INTERRUPTED)
        # before the first request: uploads past --conservation go now, not after a first wait
        await run_in_threadpool(sweep, settings.data_dir, settings.retention_seconds)
        task = asyncio.create_task(janitor())
        try:
            yield
        finally:
            task.cancel()
            runner.shutdown()

    handlers: dict[Any, Callable[..., Any]] = {HTTPException: http_error, Exception: server_error}
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/envois", upload, methods=["POST"]),
            Route("/envois/{job_id}", job),
            Route("/envois/{job_id}/etat", job_state),
            Route("/envois/{job_id}/fichiers/{name}", download),
            Route("/envois/{job_id}/appliquer", apply_job, methods=["POST"]),
            Route("/tableau-de-bord", dashboard),
            Route("/modele.xlsx", template_workbook),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runner = runner
    return SecurityHeaders(app)


CSRF_MESSAGE = "Le formulaire a expiré ou ne vient pas de cette page : rechargez la page, puis renvoyez les fichiers."


def _recovered(folder: Path) -> bool:
    """The outputs of an applied run whose worker died between the base's commit and the
    swap of its output folder, put in place (writers/atomic.py recover)."""
    from ..writers.atomic import recover_folder
    from ..writers.output import RUN_FILES

    return recover_folder(folder / "out", RUN_FILES) is not None


def _same_origin(request: Request) -> bool:
    """Refuse a POST that a browser says comes from another site (first line of CSRF defence)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    if origin is not None and origin.strip().lower() == "null":  # a sandboxed frame, a data: page, a redirect
        return False
    if origin:
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1] == host
    return True


async def _read_form(request: Request, limit: int):
    """Parse the multipart body, counting bytes: past `limit`, drain the rest and raise TooLarge.

    Draining lets the browser finish sending and read our French answer instead of a reset
    connection; past four times the limit the connection is dropped instead.
    """
    received = 0
    receive = request.receive

    async def counting():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge
        return message

    async def drain():
        nonlocal received
        more = True
        while more and received <= 4 * limit:
            message = await receive()
            if message["type"] != "http.request":
                return
            received += len(message.get("body", b""))
            more = message.get("more_body", False)

    declared = request.headers.get("content-length", "")
    try:
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge
        return await Request(request.scope, counting).form(max_files=MAX_FILES + 1, max_fields=20)
    except TooLarge:
        await drain()
        raise


def _save(folder: Path, uploads: list[UploadFile], names: list[str]) -> None:
    """Copy the spooled uploads into the job folder, under the names we chose."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    for upload, name in zip(uploads, names):
        upload.file.seek(0)
        with open(inputs / name, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1024 * 1024)


def progress_view(state: dict) -> dict:
    """The state for people: each stage with its count, and a percentage for the bar."""
    seen = state.get("stages") or {}
    # never below what an earlier poll showed (the worker keeps the highest in the state)
    percent, stages = max(percent_of(seen), float(state.get("percent") or 0)), []
    for key in STAGES:
        step = seen.get(key)
        if step is None:
            status, text = "todo", ""
        else:
            done, total = step.get("done") or 0, step.get("total")
            status = "done" if step.get("finished") else "current"
            count = f"{done:,}".replace(",", "\u202f")
            text = f"{count} / {total:,} {UNITS[key]}".replace(",", "\u202f") if total else f"{count} {UNITS[key]}"
            if step.get("detail") and status == "current":
                text += f" — {step['detail']}"
        stages.append({"key": key, "label": LABELS[key], "status": status, "text": text})
    if state.get("status") == "done":
        percent = 100
    records = (seen.get("read") or {}).get("done") if (seen.get("read") or {}).get("finished") else None
    return {
        "status": state.get("status"),
        "percent": int(percent),
        "stages": stages,
        "records": records,
        "message": state.get("message"),
    }


def result_context(request: Request, folder: Path, run: results.Run) -> dict:
    q = request.query_params
    filters = {k: q.get(k, "") for k in ("code", "entity", "sheet", "severity")}
    sort, descending = q.get("tri", ""), q.get("ordre") == "desc"
    chosen = results.select(run.findings, **filters, sort=sort, descending=descending)
    # The default view lists the findings to fix; their cascades follow, one line per cause
    # (expandable). Filtered or sorted, every finding is a row of the table, as chosen.
    grouped = not sort and not any(filters.values())
    groups = []
    if grouped:
        cascades = [f for f in chosen if f.get("cause_entity")]
        chosen = [f for f in chosen if not f.get("cause_entity")]
        groups = results.cascade_groups(cascades, run.findings)
    pages = max(1, -(-len(chosen) // results.PAGE_SIZE))
    try:
        page = min(max(1, int(q.get("page", "1"))), pages)
    except ValueError:
        page = 1
    start = (page - 1) * results.PAGE_SIZE

    def link(**changes) -> str:
        params = {**filters, "tri": sort, "ordre": "desc" if descending else "", "page": ""}
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v}) + "#constats"

    def sort_link(key: str) -> str:
        flip = "desc" if sort == key and not descending else ""
        return link(tri=key, ordre=flip, page="")

    summary = run.summary
    return {
        "summary": summary,
        "entities": results.entity_rows(summary),
        "records_read": results.records_read(summary),
        "errors": summary["findings"]["by_severity"].get(ERROR, 0),
        "warnings": summary["findings"]["by_severity"].get(WARNING, 0),
        "infos": summary["findings"]["by_severity"].get(INFO, 0),
        "bars": results.chart(run.findings),
        "worst": results.worst_rows(run.findings),
        "choices": results.choices(run.findings),
        "filters": filters,
        "sort": sort,
        "descending": descending,
        "findings": chosen[start : start + results.PAGE_SIZE],
        "total_shown": len(chosen) + sum(g["count"] for g in groups),
        "cascade_groups": groups if page == pages else [],  # after the last page of causes
        "headline": headline(summary["findings"]),
        "page": page,
        "pages": pages,
        "link": link,
        "sort_link": sort_link,
        "downloads": [
            name
            for name in DOWNLOADS
            if (folder / "out" / name).is_file()
            and not (name.startswith("changes.") and not read_state(folder).get("applied"))
        ],
    }


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no buffering of downloads)."""

    def __init__(self, app) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
