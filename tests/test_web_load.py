"""`fasd serve --base --travailleurs 2` as a real process, with uploads at once through the
page and the API (issue 29 §3); the figures under load are bench/load.py's, not this test's.

Two organisations, A (SIRET 13000511900032) and B (77871234900019), each with a page
session and an API token. Six uploads, each its own title: the first two take the two
workers, which the test then freezes (SIGSTOP), so that the four others are answered
while both workers are busy, each with its place in the queue, decided by no clock. The
workers go on (SIGCONT); each upload gets its own result, and each organisation sees its
own uploads only, through the page and the API alike.

A client that goes away in the middle of its upload leaves nothing: no job, no file in
the upload folder or in the server's TMPDIR, no file held open.
"""

from __future__ import annotations

import html
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from accounts_helpers import login, make_account
from factory import TODAY as FACTORY_TODAY, valid_offer, write_workbook
from pipeline import catalogue
from pipeline.catalogue.accounts import Accounts
from pipeline.web.waiting import waiting_text
from served import BOUND, everything, open_files, serve

TODAY = FACTORY_TODAY.isoformat()
ORGS = {"A": "13000511900032", "B": "77871234900019"}
EMAILS = {"A": "envois@organisme-a.fr", "B": "envois@organisme-b.fr"}


def offer_of(org: str, title: str) -> dict:
    offer = valid_offer()
    offer["site"][0].update(siret=ORGS[org], nom=f"Organisme {org}")
    offer["formation"][0]["intitule"] = title
    return offer


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-load")
    base = str(folder / "catalogue.sqlite")
    catalogue.init(base)
    tokens = {}
    for org, siret in ORGS.items():
        make_account(base, EMAILS[org], [siret])
        with Accounts(base) as accounts:
            tokens[org] = accounts.new_token(EMAILS[org], "nuit")[1]
    tmp, envois = folder / "tmp", folder / "envois"
    with serve(tmp, "--base", base, "--dossier", envois, "--travailleurs", 2) as (url, child):
        pages = {}
        for org in ORGS:
            pages[org] = httpx.Client(base_url=url, timeout=BOUND, follow_redirects=False)
            assert login(pages[org], EMAILS[org]).status_code == 303
        apis = {
            org: httpx.Client(base_url=url, timeout=BOUND, headers={"authorization": f"Bearer {t}"})
            for org, t in tokens.items()
        }
        try:
            yield {
                "url": url,
                "child": child,
                "tmp": tmp,
                "envois": envois,
                "folder": folder,
                "pages": pages,
                "apis": apis,
            }
        finally:
            for c in [*pages.values(), *apis.values()]:
                c.close()


# ------------------------------------------------------------------ the server's workers
def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def freeze_workers(pid: int, count: int) -> list[int]:
    """Stop (SIGSTOP) each worker process of the server as it appears, until `count` are."""
    frozen: list[int] = []
    deadline = time.monotonic() + BOUND  # a safety net, not a measurement
    while len(frozen) < count:
        for child in sorted(children(pid) - set(frozen)):
            os.kill(child, signal.SIGSTOP)
            frozen.append(child)
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.01)
    return frozen


# ------------------------------------------------------------------ one upload
class Upload:
    def __init__(self, org: str, way: str, book: Path, title: str) -> None:
        self.org, self.way, self.book, self.title = org, way, book, title
        self.id = ""
        self.first: dict = {}  # the first answer: the API's 202, the page's first /etat

    def send(self, service) -> None:
        with open(self.book, "rb") as fh:
            content = fh.read()
        if self.way == "page":
            c = service["pages"][self.org]
            answer = c.post(
                "/envois",
                data={"csrf": c.cookies.get("fasd_csrf"), "date": TODAY},
                files={"fichiers": (self.book.name, content)},
            )
            assert answer.status_code == 303, answer.text
            self.id = answer.headers["location"].rsplit("/", 1)[1]
            self.first = c.get(f"/envois/{self.id}/etat").json()
        else:
            answer = service["apis"][self.org].post(
                "/api/envois", data={"date": TODAY}, files={"fichier": (self.book.name, content)}
            )
            assert answer.status_code == 202, answer.text
            self.first = answer.json()
            self.id = self.first["id"]

    def place(self, service) -> int | None:
        """Its place in the queue now, as its own channel says it."""
        if self.way == "page":
            state = service["pages"][self.org].get(f"/envois/{self.id}/etat").json()
            return state.get("ahead") if state["status"] == "queued" else None
        return service["apis"][self.org].get(f"/api/envois/{self.id}").json()["avant"]

    def finished(self, service) -> str:
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            state = service["apis"][self.org].get(f"/api/envois/{self.id}").json()
            if state["etat"] in ("terminé", "refusé"):
                return state["etat"]
            time.sleep(0.2)
        return "trop long"


def at_once(uploads: list[Upload], service) -> None:
    errors: list[BaseException] = []

    def one(up: Upload) -> None:
        try:
            up.send(service)
        except BaseException as exc:  # noqa: BLE001 — reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(up,)) for up in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(BOUND)
    if errors:
        raise errors[0]


def test_uploads_at_once_through_the_page_and_the_api(service):
    folder, pid = service["folder"], service["child"].pid
    plan = [("A", "page"), ("B", "api"), ("A", "page"), ("A", "api"), ("B", "page"), ("B", "api")]
    uploads = []
    for i, (org, way) in enumerate(plan):
        title = f"Gestes et postures — organisme {org}, envoi {i} par {way}"
        book = write_workbook(folder / f"offre-{i}.xlsx", offer_of(org, title))
        uploads.append(Upload(org, way, book, title))
    first, rest = uploads[:2], uploads[2:]
    for up in first:
        up.send(service)
    frozen = freeze_workers(pid, 2)  # both workers busy until SIGCONT
    try:
        at_once(rest, service)
        places = [up.first.get("ahead" if up.way == "page" else "avant") for up in rest]
        # each answered while both workers were busy: queued, with its own place
        assert all(up.first.get("status", up.first.get("etat")) in ("queued", "en attente") for up in rest)
        assert sorted(places) == [0, 1, 2, 3], places
        assert [up.place(service) for up in rest] == places  # nobody left the queue meanwhile
        page_up = next(up for up in rest if up.way == "page")
        page = service["pages"][page_up.org].get(f"/envois/{page_up.id}")
        assert waiting_text(page_up.first["ahead"]) in html.unescape(page.text)
        # each organisation sees its own uploads only, whichever way they came
        for up in uploads:
            other = "B" if up.org == "A" else "A"
            assert service["pages"][up.org].get(f"/envois/{up.id}/etat").status_code == 200
            assert service["apis"][up.org].get(f"/api/envois/{up.id}").status_code == 200
            assert service["pages"][other].get(f"/envois/{up.id}/etat").status_code == 404
            assert service["pages"][other].get(f"/envois/{up.id}").status_code == 404
            assert service["apis"][other].get(f"/api/envois/{up.id}").status_code == 404
    finally:
        for worker in frozen:
            try:
                os.kill(worker, signal.SIGCONT)
            except ProcessLookupError:
                pass
    assert [up.finished(service) for up in uploads] == ["terminé"] * len(uploads)
    titles = {up.title for up in uploads}
    for up in uploads:  # each its own result, never another's
        other = "B" if up.org == "A" else "A"
        for name in ("records.jsonl", "report.csv"):
            path = f"/api/envois/{up.id}/fichiers/{name}"
            assert service["apis"][other].get(path).status_code == 404
            assert service["pages"][other].get(f"/envois/{up.id}/fichiers/{name}").status_code == 404
        mine = service["pages"][up.org].get(f"/envois/{up.id}/fichiers/records.jsonl")
        assert mine.status_code == 200
        records = json.dumps([json.loads(line) for line in mine.text.splitlines() if line.strip()], ensure_ascii=False)
        assert {t for t in titles if t in records} == {up.title}, up.title
        assert service["apis"][up.org].get(f"/api/envois/{up.id}").json()["avant"] is None


# ------------------------------------------------------------------ a client gone mid-upload
def half_an_upload(url: str, path: str, headers: dict, fields: dict) -> socket.socket:
    """A socket that sent the headers of a 4 MB multipart upload and 2 MB of its body."""
    boundary = "----fasd-coupure"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="{"fichiers" if path == "/envois" else "fichier"}"; '
    head += 'filename="offre.csv"\r\nContent-Type: text/csv\r\n\r\n'
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=BOUND)
    request = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {4 * 1024 * 1024}\r\n"
    request += f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
    request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(request.encode() + head.encode())
    line = b"intitule;ref_formation;date_debut\r\n" + b"Gestes et postures;F1;07/09/2026\r\n" * 20
    for _ in range(2 * 1024 * 1024 // len(line)):
        sock.sendall(line)
    return sock


def spooled(pid: int, tmp: Path) -> list[str]:
    return [f for f in open_files(pid) if f.startswith(str(tmp) + os.sep)]


def wait_until(check, what: str) -> None:
    deadline = time.monotonic() + BOUND  # a safety net, not a measurement
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("way", ["page", "api"])
def test_a_client_gone_mid_upload_leaves_nothing(service, way):
    tmp, envois, pid = service["tmp"], service["envois"], service["child"].pid
    wait_until(lambda: not children(pid), "the workers did not finish")
    before_jobs, before_tmp = everything(envois), everything(tmp)
    if way == "page":
        c = service["pages"]["A"]
        cookies = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        sock = half_an_upload(
            service["url"], "/envois", {"Cookie": cookies}, {"csrf": c.cookies["fasd_csrf"], "date": TODAY}
        )
    else:
        token = service["apis"]["A"].headers["authorization"]
        sock = half_an_upload(service["url"], "/api/envois", {"Authorization": token}, {"date": TODAY})
    try:
        # past 1 MB the server spools the upload to a file of its TMPDIR: this one is ours
        wait_until(lambda: spooled(pid, tmp), "the server did not spool the upload")
    finally:
        sock.close()
    wait_until(lambda: not spooled(pid, tmp), "the spooled part of the upload is still held open")
    assert everything(envois) == before_jobs  # no job, no file in the upload folder
    assert everything(tmp) == before_tmp
    # and the server goes on answering
    assert service["apis"]["A"].get("/api/openapi.json").json()["components"]["schemas"]["Envoi"]["properties"]["avant"]


# ------------------------------------------------------------------ a session while another writes
def test_a_session_is_answered_while_another_writer_holds_the_base(tmp_path):
    """Seen under load (bench/load.py): a session's last-seen time written in the transaction
    that read it failed the request (« database is locked ») while another request wrote. The
    bookkeeping now waits a moment, then is left to a later request; the visitor is answered."""
    import datetime as dt
    import sqlite3

    from sqlalchemy import create_engine, select, update

    from pipeline.catalogue.base import base_url
    from pipeline.catalogue.schema import web_session

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base)
    account_id = make_account(base, EMAILS["A"], [ORGS["A"]])
    engine = create_engine(base_url(base))
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    with Accounts(base) as accounts:
        secret = accounts.new_session(account_id, ORGS["A"])
        with engine.begin() as conn:
            conn.execute(update(web_session).values(seen_at=long_ago))
        writer = sqlite3.connect(base, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the base
        try:
            found = accounts.session(secret, dt.timedelta(hours=1))
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert found is not None and found[0].email == EMAILS["A"] and found[1] == ORGS["A"]
        with engine.begin() as conn:
            assert conn.execute(select(web_session.c.seen_at)).scalar() is not None
        assert accounts.session(secret, dt.timedelta(hours=1)) is not None  # the base free: touched now
        with engine.begin() as conn:
            seen = conn.execute(select(web_session.c.seen_at)).scalar()
    engine.dispose()
    assert seen.replace(tzinfo=dt.timezone.utc) > long_ago + dt.timedelta(minutes=4)
