"""Validation on the page (`fasd serve --base`, issue 25): the CARIF-OREF's queue, the
organisation's side of it, and the records behind each dashboard counter.

Routes (a session: web/auth.py)
    GET  /validation                        staff: the actions waiting, by organisation, each with
                                            what changed since its published version;
                                            ?etat=en_attente|en_attente_reponses|refusee, ?organisme=SIREN, ?page=
    POST /validation/decision               staff: valider, refuser (motif), poser une question (texte):
                                            one action, or « tout valider » for an organisation
    GET  /mes-actions                       an organisation: the state of its establishment's actions,
                                            the questions and refusals, a form to answer a question
    POST /mes-actions/reponse               its answer: the action goes back to « en attente de validation »
    GET  /tableau-de-bord/liste/{compteur}  the records behind a dashboard counter (the seed's columns);
                                            ?organisme= as the dashboard, ?format=csv

/validation and its decisions are staff's only: any other account gets 404 (no existence
leak). The queue and the decisions are those of `fasd validation` (catalogue/validation.py:
`waiting`, `find_actions`, `decide`), taken under the base's lock like the command's, with
the account's email as who decided. Each decision form carries a fingerprint of what the
page showed (the state and changes of the action, or of every action « tout valider »
names): if an import changed any of it meanwhile, nothing is decided and the page says
so (409), so staff never validate what they did not see. A list is the very list whose
length is the dashboard's counter (catalogue.dashboard), so the two always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from typing import Any, Callable
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .forms import TooLarge, _read_form

TABS = ("en_attente", "en_attente_reponses", "refusee")  # the queue's tabs: the states a decision may take
TAB_LABELS = {
    "en_attente": "En attente de validation",
    "en_attente_reponses": "En attente de réponses",
    "refusee": "Refusées",
}
CHANGES = {"valider": "validation", "refuser": "refus", "question": "question"}
DONE = {"validation": "validée(s)", "refus": "refusée(s)", "question": "mise(s) en attente de réponses"}
NEEDS_TEXT = {"refus": "Indiquez le motif du refus.", "question": "Écrivez la question posée à l'organisme."}
PAGE_ACTIONS = 50  # actions per page of the queue
PAGE_ROWS = 500  # rows per page of a counter's list
MAX_TEXT = 4000  # characters of a motif, a question, an answer
LOCK_WAIT = 15.0  # seconds a decision waits for an import holding the base
STALE = (
    "Ce que la page montrait a changé depuis son affichage (un nouvel import, ou une autre décision) : "
    "rien n'a été décidé. Relisez les modifications ci-dessous, puis décidez à nouveau."
)
BUSY = "La base est occupée par un import : rien n'a été décidé. Réessayez dans un instant."
CSRF = "Le formulaire a expiré ou ne vient pas de cette page : rechargez la page, puis recommencez."


# -- what the pages show ------------------------------------------------------------------------------
def fingerprint(items: list[dict]) -> str:
    """What a decision form saw of its actions: their codes, states, notes, changes, and the
    versions of their records (a never published action shows « nouvelle » whatever it holds)."""
    seen = [[i["code_fas"], i["etat"], i["note"], i["changes"], i["versions"]] for i in items]
    return hashlib.sha256(json.dumps(seen, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def field_label(entity: str, name: str) -> str:
    from ..model.fields import ENTITIES

    found = ENTITIES.get(entity)
    field = found.by_name.get(name) if found is not None else None
    return field.plain_label if field is not None else name


def change_lines(item: dict) -> list[dict]:
    """An action's changes for people: each record with « nouveau », or its fields old → new."""
    from ..model.fields import ENTITIES
    from ..writers.changes import value_text

    def shown(value) -> str:
        found = value_text(value)
        return _french_date(found) if ISO_DATE.match(found) else found

    lines = []
    for c in item["changes"]:
        entity = ENTITIES.get(c["entity"])
        label = entity.label if entity is not None else c["entity"]
        new = c["fields"].get("nouveau") is True
        fields = (
            []
            if new
            else [
                (field_label(c["entity"], name), shown(old), shown(value)) for name, (old, value) in c["fields"].items()
            ]
        )
        lines.append(
            {
                "what": label[:1].upper() + label[1:],
                "key": c["key"],
                "new": (NEW_F if entity is None or entity.feminine else NEW_M) if new else "",
                "fields": fields,
            }
        )
    return lines


NEW_F, NEW_M = "nouvelle, jamais publiée", "nouveau, jamais publié"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _french_date(value: str) -> str:
    return f"{value[8:10]}/{value[5:7]}/{value[:4]}"


def _when(value) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives UTC back naive
        value = value.replace(tzinfo=dt.timezone.utc)
    try:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo("Europe/Paris"))
    except Exception:  # no time zone database: UTC, said so
        return value.strftime("%d/%m/%Y %H:%M UTC")
    return value.strftime("%d/%m/%Y %H:%M")


EXCHANGE_LABELS = {"question": "Question", "reponse": "Réponse", "refus": "Refus"}


def exchanges(conn, ids: list[int]) -> dict[int, list[dict]]:
    """The questions, answers and refusals of each action since its last validation (oldest first)."""
    from sqlalchemy import select

    from ..catalogue.schema import record_version

    out: dict[int, list[dict]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        query = (
            select(
                record_version.c.record_id,
                record_version.c.change,
                record_version.c.note,
                record_version.c.decided_by,
                record_version.c.decided_at,
            )
            .where(record_version.c.record_id.in_(ids[start : start + 500]), record_version.c.run_id.is_(None))
            .order_by(record_version.c.record_id, record_version.c.version)
        )
        for rid, change, note, by, at in conn.execute(query):
            if change == "validation":
                out[rid] = []
            elif change in EXCHANGE_LABELS:
                out[rid].append(
                    {
                        "kind": change,
                        "label": EXCHANGE_LABELS[change],
                        "text": note or "",
                        "by": by or "",
                        "at": _when(at),
                    }
                )
    return out


def _shown(item: dict, talk: dict[int, list[dict]]) -> dict:
    from ..catalogue.validation import STATES

    return {
        **item,
        "etat_label": STATES.get(item["etat"], item["etat"]),
        "lines": change_lines(item),
        "exchanges": talk.get(item["id"], []),
        "empreinte": fingerprint([item]),
    }


def queue(base: str, tab: str, organisme: str | None, page: int) -> dict:
    """The queue page's data: every organisation's counts per tab, and one page of the tab's actions."""
    from ..catalogue.api import _connection
    from ..catalogue.read import establishments
    from ..catalogue.validation import DECIDABLE, validation_enabled, waiting

    with _connection(base) as conn:
        names = {e["siren"]: e["organisation"] for e in establishments(conn)}
        items = waiting(conn, [organisme] if organisme else None, DECIDABLE)
        enabled = validation_enabled(conn)
        counts: dict[str, dict[str, int]] = {}
        for i in items:
            counts.setdefault(i["organisation"], dict.fromkeys(TABS, 0))[i["etat"]] += 1
        chosen = [i for i in items if i["etat"] == tab]
        pages = max(1, -(-len(chosen) // PAGE_ACTIONS))
        page = min(max(1, page), pages)
        part = chosen[(page - 1) * PAGE_ACTIONS : page * PAGE_ACTIONS]
        talk = exchanges(conn, [i["id"] for i in part])
    groups: list[dict] = []
    for item in part:
        org = item["organisation"]
        if not groups or groups[-1]["siren"] != org:
            every = [i for i in chosen if i["organisation"] == org]
            groups.append(
                {
                    "siren": org,
                    "nom": names.get(org) or "",
                    "total": len(every),
                    "empreinte": fingerprint(every),
                    "actions": [],
                }
            )
        groups[-1]["actions"].append(_shown(item, talk))
    totals = {t: sum(c[t] for c in counts.values()) for t in TABS}
    summary = [{"siren": s, "nom": names.get(s) or "", **c} for s, c in sorted(counts.items())]
    return {"groups": groups, "totals": totals, "summary": summary, "page": page, "pages": pages, "enabled": enabled}


def decide_on_page(base: str, change: str, organisme: str, code: str | None, seen: str, by: str, note: str | None):
    """A decision of the queue page: (status, count). `code` one action (F-A) of `organisme`, None for
    « tout valider » (its actions waiting for validation). 404: nothing of the kind in the queue;
    409: the page's fingerprint is not what the queue now holds."""
    from ..catalogue.api import _connection
    from ..catalogue.base import BaseError, acquire_lock
    from ..catalogue.validation import DECIDABLE, decide, find_actions, waiting

    with _connection(base) as conn, conn.begin():
        acquire_lock(conn, LOCK_WAIT)
        try:
            items = waiting(conn, [organisme], DECIDABLE)
        except BaseError:  # no organisation of that SIREN
            return 404, 0
        if code is None:
            chosen = [i for i in items if i["etat"] == "en_attente"]
        else:
            chosen = [i for i in items if i["code_fas"] == code]
        if not chosen:
            return 404, 0
        if fingerprint(chosen) != seen:
            return 409, 0
        ids = {i["id"] for i in chosen}
        if code is None:
            actions = find_actions(conn, organisations=[organisme])
        else:
            actions = find_actions(conn, [code])
        done = decide(conn, [a for a in actions if a["id"] in ids], change, by=by, note=note)
    return 200, len(done)


def own_actions(base: str, siret: str) -> dict:
    """An establishment's actions by state, with the exchanges of those not validated."""
    from ..catalogue.api import _connection
    from ..catalogue.base import BaseError
    from ..catalogue.validation import STATES, waiting

    with _connection(base) as conn:
        try:
            items = waiting(conn, [siret], tuple(STATES))
        except BaseError:  # nothing of this establishment in the base yet
            items = []
        open_items = [i for i in items if i["etat"] != "validee"]
        talk = exchanges(conn, [i["id"] for i in open_items])
    order = ("en_attente_reponses", "refusee", "brouillon", "en_attente")
    sections = []
    for state in order:
        shown = [_shown(i, talk) for i in open_items if i["etat"] == state]
        if shown:
            sections.append({"etat": state, "label": STATES[state], "actions": shown})
    validated = [i for i in items if i["etat"] == "validee"]
    counts = [(STATES[s], sum(1 for i in items if i["etat"] == s)) for s in (*order, "validee")]
    return {"sections": sections, "validated": validated, "counts": counts, "total": len(items)}


def answer_on_page(base: str, siret: str, code: str, by: str, text: str) -> bool:
    """The organisation's answer to a question on one of its establishment's actions; False: no such question."""
    from ..catalogue.api import _connection
    from ..catalogue.base import BaseError, acquire_lock
    from ..catalogue.validation import ANSWERABLE, decide, find_actions, waiting

    with _connection(base) as conn, conn.begin():
        acquire_lock(conn, LOCK_WAIT)
        try:
            items = waiting(conn, [siret], ANSWERABLE)
        except BaseError:
            return False
        ids = {i["id"] for i in items if i["code_fas"] == code}
        if not ids:
            return False
        return bool(
            decide(conn, [a for a in find_actions(conn, [code]) if a["id"] in ids], "reponse", by=by, note=text)
        )


def csv_text(rows: list[dict]) -> str:
    """A counter's list as CSV for Excel: `;`, UTF-8 with BOM, the seed's columns."""
    from ..catalogue.dashboard import COLUMNS

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), delimiter=";", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# -- the routes -----------------------------------------------------------------------------------------
def validation_routes(settings, render: Callable[..., Response], csrf_ok, guarded) -> list[Route]:
    """The routes above, each behind the session gate (`guarded`) of create_app."""
    from ..model.errors import FasdError

    base = settings.base

    def visitor_of(request: Request):
        return getattr(request.state, "visitor", None)

    def staff_or_404(request: Request):
        visitor = visitor_of(request)
        if visitor is None or not visitor.staff:
            raise HTTPException(404)
        return visitor

    def unavailable(request: Request, exc: Exception) -> Response:
        return render(request, "message.html", {"title": "Catalogue indisponible", "text": str(exc)}, 503)

    def number(value, default: int = 1) -> int:
        try:
            return int(str(value))
        except ValueError:
            return default

    def siren_of(value) -> str | None:
        value = str(value or "").strip()
        return value if value.isdigit() and len(value) == 9 else None

    async def queue_page(request: Request, errors: list[str] | None = None, status: int = 200, **form) -> Response:
        q = request.query_params
        tab = str(form.get("etat") or q.get("etat") or "en_attente")
        tab = tab if tab in TABS else "en_attente"
        raw = form["filtre"] if "filtre" in form else q.get("organisme")
        organisme = siren_of(raw)
        if raw and organisme is None:
            errors = [*(errors or []), f"« {raw} » n'est pas un SIREN (9 chiffres) : tous les organismes sont montrés."]
        try:
            data = await run_in_threadpool(queue, base, tab, organisme, number(form.get("page") or q.get("page")))
        except FasdError as exc:
            if organisme and "aucun" in str(exc):
                return render(request, "message.html", {"title": "Organisme inconnu", "text": str(exc)}, 404)
            return unavailable(request, exc)
        from ..catalogue.validation import STATES

        done = None
        fait, n = q.get("fait"), q.get("n", "")
        if not errors and fait in DONE and n.isdigit():
            done = f"{n} action(s) {DONE[fait]}."

        def link(**changes) -> str:
            params = {"etat": tab, "organisme": organisme or "", "page": "", **changes}
            return "/validation?" + urlencode({k: v for k, v in params.items() if v})

        context = {
            **data,
            "tab": tab,
            "tab_label": STATES[tab],
            "tabs": [(t, TAB_LABELS[t], data["totals"][t]) for t in TABS],
            "filtre": organisme or "",
            "errors": errors or [],
            "done": done,
            "link": link,
            "texte": form.get("texte") or "",
            "texte_pour": form.get("action") or "",
        }
        return render(request, "validation.html", context, status)

    async def queue_route(request: Request):
        staff_or_404(request)
        return await queue_page(request)

    async def decision_route(request: Request):
        visitor = staff_or_404(request)  # before anything else: an organisation learns nothing here
        try:
            form = await _read_form(request, 64 * 1024)
        except TooLarge:
            raise HTTPException(413) from None
        values = {k: str(form.get(k) or "").strip() for k in ("etat", "filtre", "page", "action", "texte")}
        if not csrf_ok(request, form):
            return await queue_page(request, [CSRF], 403, **values)
        change = CHANGES.get(str(form.get("decision") or ""))
        organisme = siren_of(form.get("organisme"))
        code = values["action"] or None
        if change is None or organisme is None or (code is None and change != "validation"):
            raise HTTPException(400)
        note = values["texte"][:MAX_TEXT] or None
        if change in NEEDS_TEXT and note is None:
            return await queue_page(request, [NEEDS_TEXT[change]], 422, **values)
        if change == "validation":
            note = None
        try:
            status, count = await run_in_threadpool(
                decide_on_page,
                base,
                change,
                organisme,
                code,
                str(form.get("empreinte") or ""),
                visitor.account.email,
                note,
            )
        except FasdError as exc:
            from ..catalogue.base import BaseBusy

            if isinstance(exc, BaseBusy):
                return await queue_page(request, [BUSY], 503, **values)
            return unavailable(request, exc)
        if status == 404:
            raise HTTPException(404)
        if status == 409:
            return await queue_page(request, [STALE], 409, **values)
        params = {"etat": values["etat"] if values["etat"] in TABS else "", "organisme": values["filtre"]}
        params.update(fait=change, n=str(count))
        target = "/validation?" + urlencode({k: v for k, v in params.items() if v})
        return RedirectResponse(target, status_code=303)

    def own_siret(request: Request) -> str | None:
        """The establishment an organisation's pages show: the one chosen under its name."""
        visitor = visitor_of(request)
        return visitor.siret if visitor is not None and not visitor.staff else None

    async def own_page(request: Request, errors: list[str] | None = None, status: int = 200, **form) -> Response:
        visitor = visitor_of(request)
        if visitor is not None and visitor.staff:  # staff have no establishment of their own: the queue
            return RedirectResponse("/validation", status_code=303)
        siret = own_siret(request)
        data: dict[str, Any] = {"sections": [], "validated": [], "counts": [], "total": 0}
        if siret is not None:
            try:
                data = await run_in_threadpool(own_actions, base, siret)
            except FasdError as exc:
                return unavailable(request, exc)
        answered = request.query_params.get("repondu", "")
        context = {
            **data,
            "siret": siret,
            "errors": errors or [],
            "answered": answered if answered.replace("-", "").isdigit() else "",
            "texte": form.get("texte") or "",
            "texte_pour": form.get("action") or "",
        }
        return render(request, "mes-actions.html", context, status)

    async def own_route(request: Request):
        return await own_page(request)

    async def answer_route(request: Request):
        visitor = visitor_of(request)
        siret = own_siret(request)
        if visitor is None or siret is None:
            raise HTTPException(404)
        try:
            form = await _read_form(request, 64 * 1024)
        except TooLarge:
            raise HTTPException(413) from None
        values = {k: str(form.get(k) or "").strip() for k in ("action", "texte")}
        if not csrf_ok(request, form):
            return await own_page(request, [CSRF], 403, **values)
        if not values["action"]:
            raise HTTPException(404)
        if not values["texte"]:
            return await own_page(request, ["Écrivez votre réponse à la question."], 422, **values)
        try:
            found = await run_in_threadpool(
                answer_on_page, base, siret, values["action"], visitor.account.email, values["texte"][:MAX_TEXT]
            )
        except FasdError as exc:
            from ..catalogue.base import BaseBusy

            if isinstance(exc, BaseBusy):
                return await own_page(request, [BUSY], 503, **values)
            return unavailable(request, exc)
        if not found:
            raise HTTPException(404)
        return RedirectResponse("/mes-actions?" + urlencode({"repondu": values["action"]}), status_code=303)

    async def list_route(request: Request):
        from ..catalogue.api import dashboard, establishments
        from ..catalogue.dashboard import COLUMNS, COUNTERS
        from ..catalogue.upsert import organisation_code
        from .catalogue import establishment_choice

        key = request.path_params["compteur"]
        if key not in COUNTERS:
            raise HTTPException(404)
        visitor = visitor_of(request)
        own = visitor is not None and not visitor.staff
        try:
            chosen = [organisation_code(v) for v in request.query_params.getlist("organisme") if v.strip()]
        except FasdError as exc:
            return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 400)
        if own:  # an organisation sees its chosen establishment's, whatever is asked
            chosen = [visitor.siret] if visitor.siret else []
        try:
            rows = (
                []
                if own and not chosen
                else (await run_in_threadpool(dashboard, base, organisation=chosen or None))[key]
            )
            choice = [] if own else await run_in_threadpool(lambda: establishment_choice(establishments(base)))
        except FasdError as exc:
            if own and "aucun" in str(exc):
                rows, choice = [], []
            elif chosen and "aucun" in str(exc):
                return render(request, "message.html", {"title": "Établissement inconnu", "text": str(exc)}, 404)
            else:
                return unavailable(request, exc)
        query = urlencode([("organisme", c) for c in chosen]) if not own else ""
        if request.query_params.get("format") == "csv":
            name = f"{key}.csv"
            return Response(
                csv_text(rows),
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
            )
        pages = max(1, -(-len(rows) // PAGE_ROWS))
        page = min(max(1, number(request.query_params.get("page"))), pages)

        def link(**changes) -> str:
            params = [("organisme", c) for c in chosen] if not own else []
            params += [(k, str(v)) for k, v in changes.items() if v]
            return f"/tableau-de-bord/liste/{key}" + ("?" + urlencode(params) if params else "")

        context = {
            "key": key,
            "label": COUNTERS[key],
            "columns": COLUMNS,
            "rows": rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS],
            "total": len(rows),
            "page": page,
            "pages": pages,
            "link": link,
            "query": query,
            "organisations": choice,
            "chosen": chosen,
        }
        return render(request, "liste.html", context)

    return [
        Route("/validation", guarded(queue_route)),
        Route("/validation/decision", guarded(decision_route), methods=["POST"]),
        Route("/mes-actions", guarded(own_route)),
        Route("/mes-actions/reponse", guarded(answer_route), methods=["POST"]),
        Route("/tableau-de-bord/liste/{compteur}", guarded(list_route)),
    ]
