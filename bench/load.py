"""The shared service under load (issue 29 §3): 50 uploads at once to `fasd serve --base
--travailleurs 2`, through the page and through the API of nightly jobs.

The script makes everything itself, in a folder of its own: a catalogue base
(`fasd base init`), one account per organisation (`fasd compte creer`, activated through
the page's link as a person would), one API token per organisation (`fasd compte jeton`).
It starts `fasd serve --base` in a child process with its own TMPDIR, logs a page session
in for each upload sent through the page (the form's CSRF pair, as a browser sends it), and
posts all the uploads at once, one in two through the page, the others through
`POST /api/envois` with their organisation's token, the organisations taking turns. Then
each upload's status is polled as the page's script does (`/envois/{id}/etat`) or as a
nightly job would (`/api/envois/{id}`), timing each answer while the workers are busy.

Checks: every upload answered (303 or 202), each waiting one with its place in the queue
(the page's `ahead`, the API's `avant`), never going up; all finish, each with its own
result (its records.jsonl holds its own title and no other's; a spoiled one reports its
own mistake); each organisation sees its own uploads only (another's session and token get
404, for the state and the files); at most `--travailleurs` workers at a time; the peak
memory (RSS) of the server and of its workers; nothing left in TMPDIR once the server is
stopped (SIGTERM). Writes the figures to bench/LOAD.md. Not a test: CI runs the small
version, tests/test_web_load.py.

    .venv/bin/python bench/load.py                      # 50 uploads, writes bench/LOAD.md
    .venv/bin/python bench/load.py --uploads 10 --out /tmp/load.md
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' hand-made offer (factory.py) and real server (served.py)

from factory import valid_offer, write_workbook  # noqa: E402
from served import everything, serve  # noqa: E402

TODAY = "2026-03-01"
TARGET_MS = 200  # issue 29 §3: status answers within 200 ms (95th percentile) while busy
POLL_EVERY = 0.7  # seconds, as pipeline/web/static/fasd.js polls
BOUND = 1800  # seconds: a safety net for a broken server, not a measurement
PASSWORD = "une phrase de passe de banc d'essai"
ORGS = {  # three organisations, each with its account (page) and its token (API)
    "A": "13000511900032",
    "B": "77871234900019",
    "C": "40123456200015",
}


def email(org: str) -> str:
    return f"envois@organisme-{org.lower()}.fr"


def workbooks(folder: Path, count: int) -> list[tuple[str, str, Path, str, bool]]:
    """`count` small offers (org, way, workbook, title, spoiled): the organisations take turns,
    one in two goes through the API; one pair in two with an impossible date."""
    made = []
    names = list(ORGS)
    for i in range(count):
        org, way = names[i % len(names)], "api" if i % 2 else "page"
        offer = valid_offer()
        offer["site"][0].update(siret=ORGS[org], nom=f"Organisme {org}")
        title = f"Prévention des TMS — organisme {org}, envoi {i:02d} ({way})"
        offer["formation"][0]["intitule"] = title
        spoiled = (i // 2) % 2 == 1
        if spoiled:
            offer["session"][0]["date_debut"] = "31/02/2027"
        made.append((org, way, write_workbook(folder / f"offre-{i:02d}.xlsx", offer), title, spoiled))
    return made


# ------------------------------------------------------------------ the base, accounts, tokens
def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def fasd(*args) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"fasd {' '.join(map(str, args[:2]))} : {done.stderr}")
    return done.stdout


def make_base(base: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The base, one account per organisation (its activation link), one token each."""
    say("la base, les comptes et les jetons…")
    fasd("base", "init", "--base", base)
    links, tokens = {}, {}
    for org, siret in ORGS.items():
        links[org] = fasd("compte", "creer", "--base", base, "--email", email(org), "--siret", siret).strip()
        tokens[org] = fasd("compte", "jeton", "--base", base, "--email", email(org), "--libelle", "banc").strip()
    return links, tokens


def activate(url: str, link: str) -> None:
    """Choose the account's password through its activation link, as its owner would."""
    path = "/activation/" + link.rsplit("/activation/", 1)[1]
    with httpx.Client(base_url=url, timeout=120) as c:
        c.get(path)
        answer = c.post(
            path,
            data={"csrf": c.cookies.get("fasd_csrf"), "mot_de_passe": PASSWORD, "confirmation": PASSWORD},
        )
    if answer.status_code != 303:
        raise SystemExit(f"activation refusée ({answer.status_code})")


async def logged_in(url: str, org: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=120)
    await client.get("/connexion")
    answer = await client.post(
        "/connexion", data={"csrf": client.cookies.get("fasd_csrf"), "email": email(org), "mot_de_passe": PASSWORD}
    )
    if answer.status_code != 303:
        raise SystemExit(f"connexion refusée pour {email(org)} ({answer.status_code})")
    return client


# ------------------------------------------------------------------ the server's processes
def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Every 0.1 s: the server's RSS, its workers' count and RSS, the machine's load."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.server_start_kib = _rss_kib(pid)
        self.server_kib = self.worker_kib = self.total_kib = self.workers = 0
        self.busy: list[tuple[float, int]] = []  # (perf_counter, workers running)
        self.loads: list[float] = []

    def run(self) -> None:
        while not self.stop.wait(0.1):
            kids = _children(self.pid)
            server = _rss_kib(self.pid)
            workers = [_rss_kib(k) for k in kids]
            self.server_kib = max(self.server_kib, server)
            self.worker_kib = max([self.worker_kib, *workers])
            self.total_kib = max(self.total_kib, server + sum(workers))
            self.workers = max(self.workers, len(kids))
            self.busy.append((time.perf_counter(), len(kids)))
            self.loads.append(os.getloadavg()[0])

    def running_at(self, when: float) -> int:
        """How many workers ran at the last sample before `when`."""
        count = 0
        for at, workers in self.busy:
            if at > when:
                break
            count = workers
        return count


# ------------------------------------------------------------------ one upload
class Upload:
    def __init__(self, org: str, way: str, path: Path, title: str, spoiled: bool) -> None:
        self.org, self.way, self.path, self.title, self.spoiled = org, way, path, title, spoiled
        self.client: httpx.AsyncClient | None = None
        self.post_ms = 0.0
        self.answered = False  # 303 (page) or 202 (API)
        self.id = ""
        self.polls: list[tuple[float, float]] = []  # (perf_counter at the start, ms)
        self.aheads: list[int] = []  # the places shown while it waited
        self.queue_texts: set[str] = set()
        self.refused: list[str] = []  # the status requests not answered 200
        self.cut: list[str] = []  # the status requests whose connection broke (asked again)
        self.placed_at_once = False  # its first answer said queued, with an integer place
        self.final = ""
        self.own_result = False
        self.why = ""

    @property
    def state_url(self) -> str:
        return f"/envois/{self.id}/etat" if self.way == "page" else f"/api/envois/{self.id}"

    def files_url(self, name: str) -> str:
        return f"/envois/{self.id}/fichiers/{name}" if self.way == "page" else f"/api/envois/{self.id}/fichiers/{name}"


def read_state(up: Upload, state: dict) -> str:
    """Note the place shown; the state as the page says it (queued, running, done, failed)."""
    if up.way == "page":
        status = state.get("status") or ""
        if status == "queued" and isinstance(state.get("ahead"), int):
            up.aheads.append(state["ahead"])
        if status == "queued" and state.get("queue"):
            up.queue_texts.add(state["queue"])
        return status
    status = {"en attente": "queued", "en cours": "running", "terminé": "done", "refusé": "failed"}.get(
        state["etat"], ""
    )
    if status == "queued" and isinstance(state.get("avant"), int):
        up.aheads.append(state["avant"])
    return status


async def post(up: Upload) -> None:
    """Send the upload; a connection kept alive that the server closed as it was reused is
    tried again once on a new one, as a browser does (counted with the broken connections)."""
    try:
        await post_once(up)
    except httpx.TransportError as exc:
        up.cut.append(f"envoi : {type(exc).__name__}, renvoyé")
        await post_once(up)


async def post_once(up: Upload) -> None:
    assert up.client is not None
    with open(up.path, "rb") as fh:
        content = fh.read()
    started = time.perf_counter()
    if up.way == "page":
        answer = await up.client.post(
            "/envois",
            data={"date": TODAY, "csrf": up.client.cookies.get("fasd_csrf")},
            files={"fichiers": (up.path.name, content)},
        )
        up.post_ms = (time.perf_counter() - started) * 1000
        up.answered = answer.status_code == 303 and "/envois/" in answer.headers.get("location", "")
        if up.answered:
            up.id = answer.headers["location"].rsplit("/", 1)[1]
            first = await up.client.get(up.state_url)
            up.placed_at_once = read_state(up, first.json()) == "queued" and bool(up.aheads)
    else:
        answer = await up.client.post("/api/envois", data={"date": TODAY}, files={"fichier": (up.path.name, content)})
        up.post_ms = (time.perf_counter() - started) * 1000
        up.answered = answer.status_code == 202
        if up.answered:
            body = answer.json()
            up.id = body["id"]
            up.placed_at_once = read_state(up, body) == "queued" and bool(up.aheads)
    if not up.answered:
        up.why = f"envoi non accepté : {answer.status_code}"


async def follow(up: Upload, deadline: float) -> None:
    assert up.client is not None
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            answer = await up.client.get(up.state_url)
        except httpx.TransportError as exc:  # a browser asks again on a new connection; so does this
            up.cut.append(f"{type(exc).__name__} après {(time.perf_counter() - started) * 1000:.0f} ms")
            continue
        up.polls.append((started, (time.perf_counter() - started) * 1000))
        if answer.status_code != 200:
            up.refused.append(f"{answer.status_code} {answer.text[:200]!r}")
            await asyncio.sleep(POLL_EVERY)
            continue
        status = read_state(up, answer.json())
        if status in ("done", "failed"):
            up.final = status
            return
        await asyncio.sleep(POLL_EVERY)
    up.final = "timeout"


async def check_result(up: Upload, titles: set[str]) -> None:
    assert up.client is not None
    if up.final != "done":
        up.why = up.why or f"état final {up.final}"
        return
    records = await up.client.get(up.files_url("records.jsonl"))
    report = await up.client.get(up.files_url("report.csv"))
    if report.status_code != 200 or records.status_code not in (200, 404):
        up.why = f"fichiers absents (records.jsonl {records.status_code}, report.csv {report.status_code})"
        return
    lines = records.text.splitlines() if records.status_code == 200 else []  # none accepted: no records.jsonl
    text = json.dumps([json.loads(line) for line in lines if line.strip()], ensure_ascii=False)
    others = [t for t in titles if t != up.title and t in text]
    if others:
        up.why = f"résultat mêlé : {others[0]}"
    elif up.spoiled:
        up.own_result = "31/02/2027" in report.text and up.title not in text
        up.why = "" if up.own_result else "l'erreur plantée manque au rapport"
    else:
        up.own_result = up.title in text and "BAD_FORMAT" not in report.text
        up.why = "" if up.own_result else "son offre manque à records.jsonl"


async def isolation(uploads: list[Upload], strangers: dict[str, dict[str, httpx.AsyncClient]]) -> tuple[int, list[str]]:
    """Each upload asked by the other organisations' session and token: (requests, those not refused by 404)."""
    asked, leaks = 0, []
    for up in uploads:
        for org, ways in strangers.items():
            if org == up.org or not up.id:
                continue
            for way, client in ways.items():
                paths = (
                    [f"/envois/{up.id}", f"/envois/{up.id}/etat", f"/envois/{up.id}/fichiers/records.jsonl"]
                    if way == "page"
                    else [f"/api/envois/{up.id}", f"/api/envois/{up.id}/fichiers/records.jsonl"]
                )
                for path in paths:
                    asked += 1
                    answer = await client.get(path)
                    if answer.status_code != 404:
                        leaks.append(f"{path} vu par l'organisme {org} ({way}) : {answer.status_code}")
    return asked, leaks


async def drive(url: str, uploads: list[Upload], tokens: dict[str, str]) -> dict:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    say("les sessions de la page…")
    for up in uploads:
        if up.way == "page":
            up.client = await logged_in(url, up.org)
        else:
            up.client = httpx.AsyncClient(
                base_url=url, timeout=120, limits=limits, headers={"authorization": f"Bearer {tokens[up.org]}"}
            )
    strangers = {
        org: {
            "page": await logged_in(url, org),
            "api": httpx.AsyncClient(base_url=url, timeout=120, headers={"authorization": f"Bearer {tokens[org]}"}),
        }
        for org in ORGS
    }
    try:
        say(f"{len(uploads)} envois en même temps…")
        started = time.perf_counter()
        await asyncio.gather(*(post(up) for up in uploads))
        say("envoyés ; suivi de leur état…")
        deadline = time.monotonic() + BOUND
        await asyncio.gather(*(follow(up, deadline) for up in uploads if up.answered))
        elapsed = time.perf_counter() - started
        say("terminés ; résultats et cloisonnement…")
        titles = {up.title for up in uploads}
        await asyncio.gather(*(check_result(up, titles) for up in uploads))
        asked, leaks = await isolation(uploads, strangers)
        return {"elapsed_s": elapsed, "isolation_asked": asked, "leaks": leaks}
    finally:
        clients = [up.client for up in uploads if up.client] + [c for ways in strangers.values() for c in ways.values()]
        await asyncio.gather(*(c.aclose() for c in clients))


# ------------------------------------------------------------------ the run
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def measure(count: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="fasd-load-") as work:
        work = Path(work)
        tmp, files, envois, base = work / "tmp", work / "offres", work / "envois", work / "catalogue.sqlite"
        files.mkdir()
        uploads = [Upload(*made) for made in workbooks(files, count)]
        links, tokens = make_base(base)
        load_before = os.getloadavg()
        log = HERE / "work" / "load-serve.log"  # kept after the run (bench/work is not committed)
        log.parent.mkdir(exist_ok=True)
        with serve(tmp, "--base", base, "--dossier", envois, "--travailleurs", workers, log=log) as (url, server):
            for link in links.values():
                activate(url, link)
            sampler = Sampler(server.pid)
            sampler.start()
            try:
                driven = asyncio.run(drive(url, uploads, tokens))
            finally:
                sampler.stop.set()
                sampler.join()
        load_after = os.getloadavg()
        leftovers = everything(tmp)
        journal = log.read_text(encoding="utf-8", errors="replace")
    polls = [(up.way, at, ms) for up in uploads for at, ms in up.polls]
    busy = [(way, ms) for way, at, ms in polls if sampler.running_at(at) >= workers]
    waited = [up for up in uploads if up.aheads]
    return {
        "uploads": count,
        "workers": workers,
        "organisations": len(ORGS),
        "by_way": {way: sum(up.way == way for up in uploads) for way in ("page", "api")},
        "answered": {way: sum(up.answered for up in uploads if up.way == way) for way in ("page", "api")},
        "placed_at_once": {way: sum(up.placed_at_once for up in uploads if up.way == way) for way in ("page", "api")},
        "post_ms": [up.post_ms for up in uploads],
        "latencies": {
            "toutes": [ms for _, _, ms in polls],
            "page": [ms for way, ms in busy if way == "page"],
            "api": [ms for way, ms in busy if way == "api"],
            "occupés": [ms for _, ms in busy],
        },
        "done": sum(up.final == "done" for up in uploads),
        "own_results": sum(up.own_result for up in uploads),
        "problems": [f"{up.path.name} ({up.way}) : {up.why}" for up in uploads if up.why],
        "placed": len(waited),
        "first_places": sorted(up.aheads[0] for up in waited),
        "places_monotonic": all(a >= b for up in waited for a, b in zip(up.aheads, up.aheads[1:])),
        "example_text": next((t for up in waited for t in sorted(up.queue_texts) if "avant le vôtre" in t), ""),
        "max_workers": sampler.workers,
        "server_start_mib": sampler.server_start_kib / 1024,
        "server_mib": sampler.server_kib / 1024,
        "worker_mib": sampler.worker_kib / 1024,
        "total_mib": sampler.total_kib / 1024,
        "load_before": load_before,
        "load_during": max(sampler.loads) if sampler.loads else float("nan"),
        "load_after": load_after,
        "leftovers": leftovers,
        "server_errors": journal.count("Traceback"),
        "journal_errors": [line for line in journal.splitlines() if "error" in line.lower()][:20],
        "refused": [f"{up.path.name} ({up.way}) : {r}" for up in uploads for r in up.refused],
        "cut": [f"{up.path.name} ({up.way}) : {r}" for up in uploads for r in up.cut],
        **driven,
    }


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def report(m: dict, command: str) -> str:
    ok = lambda good: "atteint" if good else "**non atteint**"  # noqa: E731
    lat = m["latencies"]

    def spread(values: list[float]) -> str:
        if not values:
            return "—"
        return " / ".join(f"{percentile(values, p):.0f}" for p in (50, 95, 99)) + f" / {max(values):.0f} ms"

    p95 = percentile(lat["occupés"], 95)
    places = m["first_places"]
    answered = sum(m["answered"].values())
    bound = m["server_mib"] + m["workers"] * m["worker_mib"]
    lines = [
        "# Banc d'essai : le service partagé sous charge, page et API (ticket 29 §3)",
        "",
        f"Écrit par `bench/load.py` le {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"commit `{commit()}`. Aucun chiffre de ce fichier n'est saisi à la main.",
        "",
        "Reproduire :",
        "",
        f"    {command}",
        "",
        "## Machine",
        "",
        f"- {os.cpu_count()} cœurs ; Linux {platform.release()} ; Python {platform.python_version()}",
        f"- charge (moyenne sur 1 min) : {m['load_before'][0]:.2f} avant, jusqu'à {m['load_during']:.2f} "
        f"pendant, {m['load_after'][0]:.2f} après (la machine est partagée : d'autres travaux tournaient)",
        "",
        "## Ce qui est mesuré",
        "",
        f"`fasd serve --base --travailleurs {m['workers']}` ; le script crée la base (`fasd base init`), "
        f"{m['organisations']} organismes avec chacun son compte (`fasd compte creer`, activé par son lien sur "
        "la page) et son jeton d'API (`fasd compte jeton`). "
        f"{m['uploads']} envois postés en même temps : {m['by_way']['page']} par le formulaire de la page "
        f"(une session par envoi, jeton CSRF du cookie recopié dans le formulaire), {m['by_way']['api']} par "
        "`POST /api/envois` avec le jeton de leur organisme ; chacun un petit classeur à son propre intitulé, "
        "une paire sur deux avec une date impossible. Puis chaque envoi interroge son état toutes les "
        f"{POLL_EVERY} s (`/envois/{{id}}/etat` comme le script de la page, `/api/envois/{{id}}` comme une tâche "
        "de nuit) jusqu'à la fin ; enfin chaque envoi est demandé par la session et le jeton des autres organismes.",
        "",
        "## Résultats",
        "",
        "| mesure | valeur | cible |",
        "|---|---|---|",
        f"| envois répondus (page 303 / API 202) | {m['answered']['page']} + {m['answered']['api']} = {answered} "
        f"/ {m['uploads']} | tous |",
        f"| répondus « en attente » avec leur place dès la réponse (page / API) | {m['placed_at_once']['page']} / "
        f"{m['placed_at_once']['api']} | au moins {m['uploads'] - m['workers']} en tout |",
        f"| envois montrant leur place dans la file | {m['placed']} / {m['uploads']} | au moins "
        f"{m['uploads'] - m['workers']} |",
        f"| places vues au premier relevé | {places[0] if places else '—'} … {places[-1] if places else '—'} | — |",
        f"| place qui ne remonte jamais | {'oui' if m['places_monotonic'] else 'non'} | oui |",
        f"| durée d'un envoi (POST), médiane / max | {statistics.median(m['post_ms']):.0f} ms / "
        f"{max(m['post_ms']):.0f} ms | — |",
        f"| demandes d'état (toutes / pendant que les {m['workers']} travailleurs sont occupés) | "
        f"{len(lat['toutes'])} / {len(lat['occupés'])} | — |",
        f"| latence de l'état, travailleurs occupés, médiane / p95 / p99 / max | {spread(lat['occupés'])} "
        f"| p95 ≤ {TARGET_MS} ms : {ok(p95 <= TARGET_MS)} |",
        f"| — page (`/envois/{{id}}/etat`) | {spread(lat['page'])} | — |",
        f"| — API (`/api/envois/{{id}}`) | {spread(lat['api'])} | — |",
        f"| demandes d'état non répondues 200 | {len(m['refused'])} | 0 |",
        f"| envois ou demandes d'état à la connexion coupée (refaits) | {len(m['cut'])} | 0 |",
        f"| terminés / avec leur propre résultat | {m['done']} / {m['own_results']} | tous |",
        f"| demandes d'un autre organisme (session et jeton) / refusées par 404 | {m['isolation_asked']} / "
        f"{m['isolation_asked'] - len(m['leaks'])} | toutes |",
        f"| durée totale (premier envoi → dernier terminé) | {m['elapsed_s']:.0f} s | — |",
        f"| travailleurs en même temps (max relevé) | {m['max_workers']} | ≤ {m['workers']} |",
        f"| mémoire du serveur : au départ / au plus haut | {m['server_start_mib']:.0f} Mio / "
        f"{m['server_mib']:.0f} Mio | — |",
        f"| mémoire d'un travailleur, au plus haut | {m['worker_mib']:.0f} Mio | — |",
        f"| mémoire serveur + travailleurs, au plus haut | {m['total_mib']:.0f} Mio | ≤ serveur + "
        f"{m['workers']} × travailleur = {bound:.0f} Mio : {ok(m['total_mib'] <= bound)} |",
        f"| erreurs au journal du serveur (Traceback) | {m['server_errors']} | 0 |",
        f"| fichiers restés dans TMPDIR après l'arrêt (SIGTERM) | {len(m['leftovers'])} | 0 |",
        "",
        "La mémoire est relevée toutes les 0,1 s (VmRSS de /proc) : le serveur ne garde pas les envois en "
        "mémoire (chacun est écrit dans son dossier, au-delà de 1 Mo dès sa réception), chaque traitement est un "
        "processus qui rend sa mémoire en finissant ; la mémoire totale est donc bornée par le nombre de "
        "travailleurs, pas par le nombre d'envois.",
        "",
    ]
    if m["example_text"]:
        lines += [f"Texte affiché à un envoi en attente : « {m['example_text']} »", ""]
    troubles = m["problems"] + m["leaks"] + m["refused"][:10] + m["cut"][:10] + m["journal_errors"]
    if troubles:
        lines += ["## Problèmes", ""] + [f"- {p}" for p in troubles] + [""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--travailleurs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "LOAD.md")
    args = parser.parse_args()
    command = ".venv/bin/python bench/load.py" + (f" --uploads {args.uploads}" if args.uploads != 50 else "")
    if args.travailleurs != 2:
        command += f" --travailleurs {args.travailleurs}"
    m = measure(args.uploads, args.travailleurs)
    text = report(m, command)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps({k: v for k, v in m.items() if k not in ("latencies", "post_ms")}, ensure_ascii=False))


if __name__ == "__main__":
    main()
