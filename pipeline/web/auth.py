"""Accounts on the shared page (`fasd serve --base`, issue 26): the SOFI ways in, sessions, throttling.

Routes (public: no session needed)
    GET/POST /connexion                     email + mot_de_passe → a new session
    POST     /deconnexion                   ends the session
    GET/POST /activation/{secret}           the one-use activation link: choose the password
    GET/POST /mot-de-passe-oublie           mails a reset link (same answer whether the email exists)
    GET/POST /reinitialisation/{secret}     the one-use reset link: a new password
    GET/POST /demande-de-cle                « je n'ai pas de clé d'activation » → queued for staff
Route (session)
    POST     /etablissement                 the establishment chosen in the list under the name

A session is a row of the base (`web_session`) named by a random secret; the cookie holds
that secret signed with the base's key (HMAC-SHA256), HttpOnly, SameSite=Lax, Secure
behind HTTPS. It ends after `session_idle_seconds` without a request, at logout, and
when the password changes; login always makes a new one. Every POST carries the CSRF
pair of app.py. Failed logins are counted per email and per client address in a short
window (Throttle): past the limit, HTTP 429 with a French message and Retry-After.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..model.errors import FasdError
from .forms import CSRF_COOKIE, TooLarge

log = logging.getLogger("fasd.web")
SESSION_COOKIE = "fasd_session"
THROTTLE_WINDOW = 300  # seconds: failures older than this are forgotten
PER_EMAIL = 5  # failed logins for one email within the window
PER_ADDRESS = 20  # failed logins (or reset / key requests) from one client address within the window
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = {"/connexion", "/mot-de-passe-oublie", "/demande-de-cle", "/modele.xlsx", "/api/openapi.json"}
PUBLIC_STARTS = ("/activation/", "/reinitialisation/")


class Throttle:
    """Failures per key in a sliding window (in memory: one server process). `clock` for the tests."""

    def __init__(self, limit: int, window: float = THROTTLE_WINDOW, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.failures: dict[str, collections.deque] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str) -> collections.deque:
        now = self.clock()
        seen = self.failures.setdefault(key, collections.deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        return seen

    def retry_after(self, key: str) -> int:
        """0 when `key` may try again, else the seconds to wait."""
        with self.lock:
            seen = self._recent(key)
            if len(seen) < self.limit:
                if not seen:
                    self.failures.pop(key, None)
                return 0
            return max(1, int(seen[len(seen) - self.limit] + self.window - self.clock()) + 1)

    def fail(self, key: str) -> None:
        with self.lock:
            self._recent(key).append(self.clock())
            if len(self.failures) > 100_000:  # a flood of keys: forget the oldest half
                for old in list(self.failures)[:50_000]:
                    del self.failures[old]

    def clear(self, key: str) -> None:
        with self.lock:
            self.failures.pop(key, None)


@dataclass(frozen=True)
class Visitor:
    """The person behind a request: its account, the establishment chosen, its session secret."""

    account: Any  # catalogue.accounts.Account
    siret: str | None
    secret: str | None = None  # None for an API token

    @property
    def staff(self) -> bool:
        return self.account.staff

    def sees(self, meta: dict) -> bool:
        """Whether the job of `meta` is one this visitor may see (404 otherwise)."""
        return self.staff or (meta.get("siret") is not None and meta.get("siret") in self.account.sirets)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path.startswith(PUBLIC_STARTS)


def local_path(value: str | None) -> str:
    """A `suite` to go back to after login: a path of this site only."""
    value = str(value or "")
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return "/"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def secure_request(request: Request, settings) -> bool:
    return settings.secure_cookies or request.url.scheme == "https"


class Auth:
    """The account side of the app: built by create_app when a base is given."""

    def __init__(self, settings, render, csrf_ok, read_form, mailer=None) -> None:
        self.settings = settings
        self.render = render
        self.csrf_ok = csrf_ok  # (request, form) → bool: the CSRF pair of app.py
        self.read_form = read_form
        self.idle = dt.timedelta(seconds=settings.session_idle_seconds)
        self.by_email = Throttle(PER_EMAIL)
        self.by_address = Throttle(PER_ADDRESS)
        self._accounts = None
        self._key: bytes | None = None
        self._open_lock = asyncio.Lock()
        if mailer is None:
            from .mail import Mailer

            mailer = Mailer.from_environment(settings.mail_dir or settings.data_dir / "courriels")
        self.mailer = mailer

    # the base ---------------------------------------------------------------------------

    async def accounts(self):
        """The base's accounts, opened at first use (a base not yet initialised: BaseError each time)."""
        if self._accounts is None:
            async with self._open_lock:
                if self._accounts is None:
                    from ..catalogue.accounts import Accounts

                    accounts = await run_in_threadpool(Accounts, self.settings.base)
                    self._key = await run_in_threadpool(accounts.signing_key)
                    self._accounts = accounts
        return self._accounts

    def sweep(self) -> None:
        """Forget the sessions past their idle time (the janitor of app.py)."""
        if self._accounts is not None:
            try:
                self._accounts.sweep_sessions(self.idle)
            except FasdError as exc:
                log.error("sessions not swept: %s", exc)

    def close(self) -> None:
        if self._accounts is not None:
            self._accounts.close()

    # the cookie -------------------------------------------------------------------------

    def _sign(self, secret: str) -> str:
        assert self._key is not None
        mac = hmac.new(self._key, secret.encode(), hashlib.sha256).digest()
        return secret + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def _unsign(self, value: str | None) -> str | None:
        if not value or "." not in value or self._key is None:
            return None
        secret, _, mac = value.rpartition(".")
        return secret if hmac.compare_digest(self._sign(secret), f"{secret}.{mac}") else None

    async def visitor(self, request: Request) -> Visitor | None:
        """The visitor of the request's session cookie, or None."""
        value = request.cookies.get(SESSION_COOKIE)
        if not value:
            return None
        accounts = await self.accounts()
        secret = self._unsign(value)
        if secret is None:
            return None
        found = await run_in_threadpool(accounts.session, secret, self.idle)
        if found is None:
            return None
        account, siret = found
        if not account.staff and siret not in account.sirets:  # the account lost that establishment
            siret = account.sirets[0] if account.sirets else None
        return Visitor(account, siret, secret)

    async def bearer(self, request: Request) -> Visitor | None:
        """The visitor of an `Authorization: Bearer …` API token, or None."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        accounts = await self.accounts()
        account = await run_in_threadpool(accounts.token_account, token.strip())
        if account is None:
            return None
        return Visitor(account, account.sirets[0] if len(account.sirets) == 1 else None)

    def set_session(self, request: Request, response: Response, secret: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self._sign(secret),
            httponly=True,
            samesite="lax",
            secure=secure_request(request, self.settings),
            path="/",
        )

    # responses --------------------------------------------------------------------------

    def page(self, request: Request, name: str, context: dict | None = None, status: int = 200) -> Response:
        return self.render(request, name, context or {}, status)

    def throttled(self, request: Request, wait: int, name: str = "connexion.html", context=None) -> Response:
        minutes = max(1, -(-wait // 60))
        message = (
            f"Trop de tentatives : par sécurité, réessayez dans {minutes} minute(s). "
            "Si vous avez oublié votre mot de passe, utilisez « Mot de passe oublié »."
        )
        response = self.page(request, name, {**(context or {}), "errors": [message]}, 429)
        response.headers["retry-after"] = str(wait)
        return response

    def public_url(self, request: Request) -> str:
        return (self.settings.public_url or str(request.base_url)).rstrip("/")

    # the routes -------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route("/connexion", self.login, methods=["GET", "POST"]),
            Route("/deconnexion", self.logout, methods=["POST"]),
            Route("/activation/{secret}", self.activation, methods=["GET", "POST"]),
            Route("/mot-de-passe-oublie", self.forgotten, methods=["GET", "POST"]),
            Route("/reinitialisation/{secret}", self.reset, methods=["GET", "POST"]),
            Route("/demande-de-cle", self.key_request, methods=["GET", "POST"]),
            Route("/etablissement", self.choose, methods=["POST"]),
        ]

    async def _form(self, request: Request):
        try:
            return await self.read_form(request, 64 * 1024)
        except TooLarge:
            return None

    async def login(self, request: Request):
        suite = local_path(request.query_params.get("suite"))
        if request.method == "GET":
            return self.page(request, "connexion.html", {"suite": suite, "email": ""})
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "connexion.html", {"suite": suite, "errors": [CSRF_LOGIN]}, 403)
        email = str(form.get("email") or "").strip().lower()[:254]
        password = str(form.get("mot_de_passe") or "")
        suite = local_path(str(form.get("suite") or suite))
        context = {"suite": suite, "email": email}
        address = "ip:" + client_address(request)
        wait = max(self.by_email.retry_after("email:" + email), self.by_address.retry_after(address))
        if wait:
            return self.throttled(request, wait, context=context)
        accounts = await self.accounts()
        account = await run_in_threadpool(accounts.authenticate, email, password[:1024])
        if account is None:
            self.by_email.fail("email:" + email)
            self.by_address.fail(address)
            log.info("failed login from %s", client_address(request))
            errors = ["Adresse électronique ou mot de passe incorrect (ou compte pas encore activé)."]
            return self.page(request, "connexion.html", {**context, "errors": errors}, 401)
        self.by_email.clear("email:" + email)
        old = self._unsign(request.cookies.get(SESSION_COOKIE))
        if old:
            await run_in_threadpool(accounts.end_session, old)
        siret = account.sirets[0] if account.sirets and not account.staff else None
        secret = await run_in_threadpool(accounts.new_session, account.id, siret)
        response = RedirectResponse(suite, status_code=303)
        self.set_session(request, response, secret)
        self.rotate_csrf(request, response)
        return response

    def rotate_csrf(self, request: Request, response: Response) -> None:
        response.set_cookie(
            CSRF_COOKIE,
            secrets.token_urlsafe(32),
            httponly=True,
            samesite="strict",
            secure=secure_request(request, self.settings),
            path="/",
        )

    async def logout(self, request: Request):
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "message.html", {"title": "Requête refusée", "text": CSRF_LOGIN}, 403)
        secret = self._unsign(request.cookies.get(SESSION_COOKIE))
        if secret:
            accounts = await self.accounts()
            await run_in_threadpool(accounts.end_session, secret)
        response = RedirectResponse("/connexion", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        self.rotate_csrf(request, response)
        return response

    async def _set_password(self, request: Request, kind: str, title: str):
        from ..catalogue.accounts import password_problem

        secret = request.path_params["secret"]
        accounts = await self.accounts()
        account = await run_in_threadpool(accounts.link_account, secret, kind)
        if account is None:
            text = (
                "Ce lien n'est pas valable : il a déjà servi, il a expiré, ou il est incomplet. "
                "Demandez-en un nouveau (« Mot de passe oublié » ou à l'équipe du CARIF-OREF)."
            )
            return self.page(request, "message.html", {"title": "Lien non valable", "text": text}, 404)
        context = {"title": title, "email": account.email, "action": request.url.path}
        if request.method == "GET":
            return self.page(request, "mot-de-passe.html", context)
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "mot-de-passe.html", {**context, "errors": [CSRF_LOGIN]}, 403)
        password = str(form.get("mot_de_passe") or "")
        if password != str(form.get("confirmation") or ""):
            errors = ["Les deux mots de passe saisis ne sont pas identiques."]
            return self.page(request, "mot-de-passe.html", {**context, "errors": errors}, 422)
        problem = password_problem(password)
        if problem:
            return self.page(request, "mot-de-passe.html", {**context, "errors": [problem]}, 422)
        done = await run_in_threadpool(accounts.use_link, secret, kind, password)
        if done is None:
            context = {"title": "Lien non valable", "text": "Ce lien a déjà servi."}
            return self.page(request, "message.html", context, 404)
        return RedirectResponse("/connexion?mot-de-passe=1", status_code=303)

    async def activation(self, request: Request):
        from ..catalogue.accounts import ACTIVATION

        return await self._set_password(request, ACTIVATION, "Activer votre compte")

    async def reset(self, request: Request):
        from ..catalogue.accounts import RESET

        return await self._set_password(request, RESET, "Choisir un nouveau mot de passe")

    async def forgotten(self, request: Request):
        if request.method == "GET":
            return self.page(request, "oubli.html", {})
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "oubli.html", {"errors": [CSRF_LOGIN]}, 403)
        email = str(form.get("email") or "").strip().lower()[:254]
        address = "ip:" + client_address(request)
        wait = max(self.by_email.retry_after("reset:" + email), self.by_address.retry_after(address))
        if wait:
            return self.throttled(request, wait, "oubli.html")
        self.by_email.fail("reset:" + email)  # each request counts: no flood of mails to one person
        self.by_address.fail(address)
        accounts = await self.accounts()
        found = await run_in_threadpool(accounts.reset_link, email)
        if found is not None:
            from .mail import reset_mail

            account, secret = found
            subject, body = reset_mail(f"{self.public_url(request)}/reinitialisation/{secret}")
            try:
                await run_in_threadpool(self.mailer.send, account.email, subject, body)
            except FasdError as exc:
                log.error("reset mail not sent: %s", exc)
        context = {"title": "Courriel envoyé", "text": RESET_SENT, "home": "/connexion"}
        return self.page(request, "message.html", context)

    async def key_request(self, request: Request):
        if request.method == "GET":
            return self.page(request, "demande.html", {})
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "demande.html", {"errors": [CSRF_LOGIN]}, 403)
        address = "ip:" + client_address(request)
        wait = self.by_address.retry_after(address)
        if wait:
            return self.throttled(request, wait, "demande.html")
        values = {k: str(form.get(k) or "") for k in ("email", "siret", "message")}
        accounts = await self.accounts()
        try:
            await run_in_threadpool(accounts.request_key, values["email"], values["siret"], values["message"])
        except FasdError as exc:
            text = str(exc)
            return self.page(request, "demande.html", {"errors": [text[:1].upper() + text[1:]], **values}, 422)
        self.by_address.fail(address)
        text = (
            "Votre demande a été transmise à l'équipe du CARIF-OREF : vous recevrez votre clé "
            "d'activation par courriel."
        )
        return self.page(request, "message.html", {"title": "Demande enregistrée", "text": text, "home": "/connexion"})

    async def choose(self, request: Request):
        visitor = getattr(request.state, "visitor", None) or await self.visitor(request)
        if visitor is None:
            return RedirectResponse("/connexion", status_code=303)
        form = await self._form(request)
        if form is None or not self.csrf_ok(request, form):
            return self.page(request, "message.html", {"title": "Requête refusée", "text": CSRF_LOGIN}, 403)
        siret = str(form.get("siret") or "").strip() or None
        allowed = visitor.account.sirets
        if siret is not None and not (siret in allowed or (visitor.staff and siret.isdigit() and len(siret) == 14)):
            return self.page(
                request,
                "message.html",
                {"title": "Établissement refusé", "text": "Votre compte n'agit pas pour cet établissement."},
                403,
            )
        if siret is None and not visitor.staff:
            siret = allowed[0] if allowed else None
        accounts = await self.accounts()
        await run_in_threadpool(accounts.choose, visitor.secret, siret)
        return RedirectResponse(local_path(str(form.get("suite") or "/")), status_code=303)

    # the gate ---------------------------------------------------------------------------

    def unauthenticated(self, request: Request) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.endswith("/etat"):
            return JSONResponse(
                {"erreur": "connexion requise"}, status_code=401, headers={"www-authenticate": "Bearer"}
            )
        suite = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/connexion?suite=" + quote(suite, safe=""), status_code=303)


CSRF_LOGIN = "Le formulaire a expiré ou ne vient pas de cette page : rechargez la page, puis recommencez."
RESET_SENT = (
    "Si un compte activé existe pour cette adresse, un courriel vient de lui être envoyé avec un lien "
    "pour choisir un nouveau mot de passe (valable une heure, une seule fois)."
)
