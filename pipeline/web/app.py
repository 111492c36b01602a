"""The Starlette application of `fasd serve`: pages, uploads, downloads, safety.

Routes
    GET  /                              upload form
    POST /envois                        store an upload, queue its run, redirect to its page
    GET  /envois/{id}                   progress, then the result (or the reason it failed)
    GET  /envois/{id}/etat              progress as JSON (polled by the page's script)
    GET  /envois/{id}/fichiers/{name}   report.xlsx, report.csv, records.jsonl, lheo.xml, changes.csv
    POST /envois/{id}/appliquer         apply the run to the catalogue base (--base)
    GET  /tableau-de-bord               the base's counters and sessions by start month (--base);
                                        ?organisme=SIRET|SIREN (repeatable) for some establishments
    GET  /modele.xlsx                   the template workbook to fill

Two modes. Without a base: one person's page on their own machine, no accounts. With a
base (`fasd serve --base`): the shared service of a CARIF-OREF; every route but the
login pages, the template and the static files needs a session (web/auth.py), an
upload belongs to its account's chosen establishment, and only that establishment's
accounts and the staff see it (others get 404); the nightly jobs' API (web/api.py)
uses tokens instead.

The rest of the web stage lives beside it: runner.py (uploads run in worker processes),
job_page.py (what an upload's page shows), security.py (the headers), auth.py and forms.py
(sessions, CSRF, forms), api.py (the API's description), validation.py and matching.py
(the validation queue and the column-matching step, their routes), catalogue.py (the
dashboard's data).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import secrets
import shutil
import time
import traceback
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

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
from .api import job_json, openapi
from .jobs import DOWNLOADS, interrupted, job_dir, new_id, read_json, read_state, sweep, write_json
from .labels import unique_labels
from .forms import CSRF_COOKIE, MAX_FILES, ClientDisconnect, TooLarge, _read_form, _same_origin, client_gone
from .waiting import waiting_text
from .settings import MB, Settings
from .sniff import WORKBOOK_KINDS, NotAnOffer, sniff
from ..model.fields import SHEETS
from ..readers import FORMATS, OFFER_SUFFIXES, WORKBOOK_SUFFIXES

from .runner import INTERRUPTED, Runner
from .security import SecurityHeaders
from .job_page import progress_view, result_context

__all__ = ["Runner", "create_app", "progress_view", "result_context"]
log = logging.getLogger("fasd.web")
HERE = Path(__file__).parent
SWEEP_EVERY = 600  # seconds between two retention sweeps


def create_app(settings: Settings, runner: Runner | None = None, mailer=None) -> SecurityHeaders:
    runner = runner or Runner(settings.workers)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["nombre"] = results.number
    templates.env.globals.update(
        entity_labels=SHEETS,
        base=bool(settings.base),
        accounts=bool(settings.base),
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
        visitor = getattr(request.state, "visitor", None)
        context = {"csrf": token, "visitor": visitor, "sites": visitor_sites(visitor), **(context or {})}
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.headers["cache-control"] = "no-store"
        if request.cookies.get(CSRF_COOKIE) != token:
            secure = settings.secure_cookies or request.url.scheme == "https"
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
        return response

    def csrf_ok(request: Request, form) -> bool:
        """The CSRF pair: the form's hidden field equals the cookie, and the browser says same origin."""
        token, cookie = form.get("csrf"), request.cookies.get(CSRF_COOKIE)
        return _same_origin(request) and bool(isinstance(token, str) and cookie and hmac.compare_digest(token, cookie))

    auth = None
    if settings.base:
        from .auth import Auth

        auth = Auth(settings, render, csrf_ok, _read_form, mailer)

    def visitor_sites(visitor) -> list[dict]:
        """The establishments of the list under the visitor's name: its own (staff: none, they choose freely)."""
        if visitor is None or visitor.staff:
            return []
        names = {}
        for group in establishment_choice():
            for site in group["sites"]:
                names[site["siret"]] = site["nom"]
        return [{"siret": s, "nom": names.get(s) or ""} for s in visitor.account.sirets]

    def guarded(handler):
        """With a base: the route needs a session (else the login page, or 401 for JSON)."""
        if auth is None:
            return handler

        async def with_session(request: Request):
            from ..model.errors import FasdError

            try:
                visitor = await auth.visitor(request)
            except FasdError as exc:
                return render(request, "message.html", {"title": "Catalogue indisponible", "text": str(exc)}, 503)
            if visitor is None:
                return auth.unauthenticated(request)
            request.state.visitor = visitor
            return await handler(request)

        return with_session

    choice_cache: dict[str, Any] = {}

    def establishment_choice() -> list[dict]:
        """The establishments of the base for the upload's « liste déroulante » (none without a base),
        read again after a few seconds (every page shows the names of the visitor's own)."""
        if not settings.base:
            return []
        if choice_cache and time.monotonic() - choice_cache["at"] < 10:
            return choice_cache["value"]
        from ..model.errors import FasdError
        from .catalogue import establishment_choice as grouped
        from ..catalogue import establishments

        try:
            value = grouped(establishments(settings.base))
        except FasdError:  # a base not initialised or unreachable: the page works without the list
            return []
        choice_cache.update(at=time.monotonic(), value=value)
        return value

    def form_page(request: Request, errors: list[str] | None = None, status: int = 200, today=None):
        visitor = getattr(request.state, "visitor", None)
        context = {
            "errors": errors or [],
            "today": today or dt.date.today().isoformat(),
            # staff choose the establishment of each upload; an organisation's is the one under its name
            "organisations": establishment_choice() if visitor is None or visitor.staff else [],
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
            return form_page(request, [too_large()], 413)
        try:
            if not csrf_ok(request, form):
                return form_page(request, [CSRF_MESSAGE], 403)
            job_id, errors, status, today = await accept(form, getattr(request.state, "visitor", None))
            if job_id is None:
                return form_page(request, errors, status, today)
            return RedirectResponse(f"/envois/{job_id}", status_code=303)
        finally:
            await form.close()

    def too_large() -> str:
        return (
            f"L'envoi dépasse la taille maximale de {settings.max_upload_bytes // MB} Mo. Découpez l'offre en "
            "plusieurs fichiers, ou retirez les feuilles inutiles."
        )

    async def accept(form, visitor, field: str = "fichiers"):
        """Check and store an upload, queue its run: (job id, [], 303, today) or (None, errors, status, today).

        The form's fields, for the page and the API alike: `fichiers` (the API: `fichier`),
        `annuaire`, `colonnes`, `date`, `profil`, `perimetre`, `organisme`. With accounts, an
        organisation's upload is checked with --organisme = its chosen establishment."""
        today = str(form.get("date") or "")
        try:
            today = dt.date.fromisoformat(today).isoformat() if today else dt.date.today().isoformat()
        except ValueError:
            return None, [f"La date de référence « {today} » n'est pas une date (attendu : AAAA-MM-JJ)."], 422, None
        profil = str(form.get("profil") or "")
        if profil not in ("", "sofi", "lheo"):
            return None, [f"Profil inconnu : « {profil} » (sofi ou lheo)."], 422, today
        perimetre = str(form.get("perimetre") or "partiel")
        if perimetre not in ("partiel", "complet"):
            return None, [f"Périmètre inconnu : « {perimetre} » (partiel ou complet)."], 422, today
        from ..model.errors import UsageError
        from ..validators.organisation import organisme_digits

        try:  # the establishments of the upload (SOFI: « choisissez … celui sur lequel vous allez saisir »)
            organisme = [organisme_digits(str(v)) for v in form.getlist("organisme") if str(v).strip()]
        except UsageError as exc:
            return None, [str(exc)], 422, today
        siret = None
        if visitor is not None and not visitor.staff:  # an organisation writes its own offers only
            if organisme and any(o not in visitor.account.sirets for o in organisme):
                return None, ["Votre compte n'agit pas pour cet établissement."], 403, today
            if not organisme:
                if visitor.siret is None:
                    return None, [NO_ESTABLISHMENT], 422, today
                organisme = [visitor.siret]
            siret = organisme[0]
        elif visitor is not None:  # staff: the form's choice, else the one under the name
            organisme = organisme or ([visitor.siret] if visitor.siret else [])
            siret = organisme[0] if organisme else None
        uploads = [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
        if not uploads:
            return None, ["Choisissez au moins un fichier d'offres (xlsx, csv ou XML LHÉO)."], 422, today
        if len(uploads) > MAX_FILES:
            return None, [f"Envoyez au plus {MAX_FILES} fichiers à la fois."], 422, today
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
            return None, errors, 422, today
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
            "account": visitor.account.id if visitor is not None else None,
            "siret": siret,  # the establishment the upload belongs to: who may see it (web/auth.py)
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
        return job_id, [], 303, today

    def job_or_404(request: Request) -> Path:
        """The job's folder; 404 for an id that is none, or a job of another organisation (no existence leak)."""
        folder = job_dir(settings.data_dir, request.path_params["job_id"])
        if folder is None:
            raise HTTPException(404)
        visitor = getattr(request.state, "visitor", None)
        if auth is not None and (visitor is None or not visitor.sees(read_json(folder / "meta.json") or {})):
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
        if not csrf_ok(request, form):
            return apply_refused(request, folder, CSRF_MESSAGE, 403)
        if not start_apply(folder):
            return apply_refused(request, folder, NOT_APPLICABLE, 409)
        return RedirectResponse(f"/envois/{folder.name}", status_code=303)

    def start_apply(folder: Path) -> bool:
        """Queue the applying run of a finished, not yet applied job (no await: one at a time)."""
        state = read_state(folder)
        if state.get("status") != "done" or state.get("applied"):
            return False
        write_json(folder / "state.json", {"status": "queued", "stages": {}, "applying": True})
        runner.submit(folder, apply=True)
        return True

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

        visitor = getattr(request.state, "visitor", None)
        try:  # ?organisme=SIRET|SIREN, repeatable: the establishments chosen in the page's list
            chosen = [organisation_code(v) for v in request.query_params.getlist("organisme") if v.strip()]
        except FasdError as exc:
            return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 400)
        own = visitor is not None and not visitor.staff
        if visitor is not None and own:  # an organisation sees its chosen establishment, whatever is asked
            chosen = [visitor.siret] if visitor.siret else []
        try:
            data = await run_in_threadpool(counters, settings.base, None, chosen)
        except FasdError as exc:
            if own and "aucun" in str(exc):  # nothing of this establishment in the base yet
                from ..catalogue import COUNTERS

                data = {"counters": [(k, label, 0) for k, label in COUNTERS.items()], "months": [], "chosen": chosen}
            elif chosen and "aucun" in str(exc):
                return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 404)
            else:
                return render(request, "message.html", {"title": "Catalogue indisponible", "text": str(exc)}, 503)
        if own:
            data["organisations"] = []  # the list under the name chooses
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
                if auth is not None:
                    await run_in_threadpool(auth.sweep)

        await run_in_threadpool(interrupted, settings.data_dir, INTERRUPTED)
        # before the first request: uploads past --conservation go now, not after a first wait
        await run_in_threadpool(sweep, settings.data_dir, settings.retention_seconds)
        task = asyncio.create_task(janitor())
        try:
            yield
        finally:
            task.cancel()
            runner.shutdown()
            if auth is not None:
                auth.close()

    # the API of nightly jobs (Authorization: Bearer, `fasd compte jeton`): web/api.py describes it
    def api_error(message: str, status: int, **headers) -> JSONResponse:
        return JSONResponse({"erreur": message}, status_code=status, headers={"cache-control": "no-store", **headers})

    def api_guarded(handler):
        async def with_token(request: Request):
            from ..model.errors import FasdError

            if auth is None:
                return api_error("API disponible seulement avec --base (comptes).", 404)
            try:
                visitor = await auth.bearer(request)
            except FasdError as exc:
                return api_error(str(exc), 503)
            if visitor is None:
                return api_error("jeton absent, inconnu ou révoqué.", 401, **{"www-authenticate": "Bearer"})
            request.state.visitor = visitor
            try:
                return await handler(request)
            except HTTPException as exc:
                return api_error(
                    "envoi introuvable." if exc.status_code == 404 else "requête refusée.", exc.status_code
                )

        return with_token

    def api_job(folder: Path) -> dict:
        return job_json(folder, read_state(folder), results.load(folder), runner.waiting.ahead(folder.name))

    async def api_upload(request: Request):
        try:
            form = await _read_form(request, settings.max_upload_bytes)
        except TooLarge:
            return api_error(too_large(), 413)
        try:
            job_id, errors, status, _today = await accept(form, request.state.visitor, field="fichier")
        finally:
            await form.close()
        if job_id is None:
            return JSONResponse({"erreurs": errors}, status_code=status)
        return JSONResponse(
            {"id": job_id, "etat": "en attente", "avant": runner.waiting.ahead(job_id), "url": f"/api/envois/{job_id}"},
            status_code=202,
            headers={"location": f"/api/envois/{job_id}"},
        )

    async def api_state(request: Request):
        body = await run_in_threadpool(api_job, job_or_404(request))  # report.json of a large run: off the loop
        return JSONResponse(body, headers={"cache-control": "no-store"})

    async def api_download(request: Request):
        return await download(request)

    async def api_apply(request: Request):
        folder = job_or_404(request)
        if not start_apply(folder):
            return api_error(NOT_APPLICABLE, 409)
        return JSONResponse(
            {"id": folder.name, "etat": "en attente", "url": f"/api/envois/{folder.name}"}, status_code=202
        )

    async def api_description(request: Request):
        return JSONResponse(openapi())

    handlers: dict[Any, Callable] = {HTTPException: http_error, ClientDisconnect: client_gone, Exception: server_error}
    extra: list[Any] = auth.routes() if auth is not None else []
    if auth is not None:  # the validation queue, the organisation's actions, the counters' lists
        from .validation import validation_routes

        extra += validation_routes(settings, render, csrf_ok, guarded)
    from .matching import routes as matching_routes

    extra += matching_routes(settings, runner, render, csrf_ok, guarded, job_or_404)  # the column-matching step
    extra += [
        Route("/api/openapi.json", api_description),
        Route("/api/envois", api_guarded(api_upload), methods=["POST"]),
        Route("/api/envois/{job_id}", api_guarded(api_state)),
        Route("/api/envois/{job_id}/fichiers/{name}", api_guarded(api_download)),
        Route("/api/envois/{job_id}/appliquer", api_guarded(api_apply), methods=["POST"]),
    ]
    app = Starlette(
        routes=[
            Route("/", guarded(index)),
            Route("/envois", guarded(upload), methods=["POST"]),
            Route("/envois/{job_id}", guarded(job)),
            Route("/envois/{job_id}/etat", guarded(job_state)),
            Route("/envois/{job_id}/fichiers/{name}", guarded(download)),
            Route("/envois/{job_id}/appliquer", guarded(apply_job), methods=["POST"]),
            Route("/tableau-de-bord", guarded(dashboard)),
            Route("/modele.xlsx", template_workbook),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        + extra,
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runner = runner
    app.state.auth = auth
    return SecurityHeaders(app)


NO_ESTABLISHMENT = "Choisissez l'établissement de l'envoi (organisme : un SIRET de votre compte)."
NOT_APPLICABLE = "Cet envoi a déjà été appliqué au catalogue, ou son traitement n'est pas terminé."
CSRF_MESSAGE = "Le formulaire a expiré ou ne vient pas de cette page : rechargez la page, puis renvoyez les fichiers."


def _save(folder: Path, uploads: list[UploadFile], names: list[str]) -> None:
    """Copy the spooled uploads into the job folder, under the names we chose."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    for upload, name in zip(uploads, names):
        upload.file.seek(0)
        with open(inputs / name, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1024 * 1024)
