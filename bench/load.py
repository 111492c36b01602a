"""The web page under load (issue 29 §3): 50 uploads at once to `fasd serve --travailleurs 2`.

Starts `fasd serve` (local mode, no base) in a child process with its own TMPDIR, posts
the uploads through the page's form (the CSRF cookie and its copy in the form, as a
browser sends them), then polls each upload's `/envois/{id}/etat` as the page's script
does, measuring how long each status answer takes while the workers are busy. Checks:
every upload answered (303), each one waiting shows its place in the queue (`ahead`,
« N envoi(s) avant le vôtre »), all finish, each with its own result (its records.jsonl
holds its own title and no other's; a spoiled one reports its own mistake), at most
`--travailleurs` workers at a time, and nothing left in TMPDIR once the server is
stopped. Writes the figures to bench/LOAD.md. Not a test: CI never runs it.

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
import signal
import socket
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
sys.path.insert(0, str(ROOT / "tests"))  # the hand-made valid offer of the tests (factory.py)

from factory import valid_offer, write_workbook  # noqa: E402

TODAY = "2026-03-01"
TARGET_MS = 200  # issue 29 §3: status answers within 200 ms (95th percentile) while busy
POLL_EVERY = 0.7  # seconds, as pipeline/web/static/fasd.js polls
BOUND = 1800  # seconds: a safety net for a broken server, not a measurement


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workbooks(folder: Path, count: int) -> list[tuple[Path, str, bool]]:
    """`count` small offers, each with its own title; every other one with an impossible date."""
    made = []
    for i in range(count):
        offer = valid_offer()
        title = f"Prévention des TMS — envoi {i:02d}"
        offer["formation"][0]["intitule"] = title
        spoiled = i % 2 == 1
        if spoiled:
            offer["session"][0]["date_debut"] = "31/02/2027"
        made.append((write_workbook(folder / f"offre-{i:02d}.xlsx", offer), title, spoiled))
    return made


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
    """Every 0.2 s: the server's RSS, its workers' count and their summed RSS, the load."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.server_kib = self.total_kib = self.workers = 0
        self.loads: list[float] = []

    def run(self) -> None:
        while not self.stop.wait(0.2):
            kids = _children(self.pid)
            server = _rss_kib(self.pid)
            self.server_kib = max(self.server_kib, server)
            self.total_kib = max(self.total_kib, server + sum(_rss_kib(k) for k in kids))
            self.workers = max(self.workers, len(kids))
            self.loads.append(os.getloadavg()[0])


# ------------------------------------------------------------------ one upload
class Upload:
    def __init__(self, path: Path, title: str, spoiled: bool) -> None:
        self.path, self.title, self.spoiled = path, title, spoiled
        self.post_ms = 0.0
        self.status_code = 0
        self.url = ""
        self.latencies: list[float] = []
        self.aheads: list[int] = []  # the places shown while it waited
        self.queue_texts: set[str] = set()
        self.waited = False  # seen queued at least once
        self.final = ""
        self.own_result = False
        self.why = ""


async def post(client: httpx.AsyncClient, up: Upload) -> None:
    page = await client.get("/")
    token = client.cookies.get("fasd_csrf")
    assert page.status_code == 200 and token, "la page d'envoi n'a pas donné son jeton"
    started = time.perf_counter()
    with open(up.path, "rb") as fh:
        answer = await client.post(
            "/envois",
            data={"date": TODAY, "csrf": token},
            files={"fichiers": (up.path.name, fh.read())},
        )
    up.post_ms = (time.perf_counter() - started) * 1000
    up.status_code = answer.status_code
    up.url = answer.headers.get("location", "")


async def follow(client: httpx.AsyncClient, up: Upload, deadline: float) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = await client.get(up.url + "/etat")
        up.latencies.append((time.perf_counter() - started) * 1000)
        state = answer.json()
        if state["status"] == "queued":
            up.waited = True
            if isinstance(state.get("ahead"), int):
                up.aheads.append(state["ahead"])
            if state.get("queue"):
                up.queue_texts.add(state["queue"])
        if state["status"] in ("done", "failed"):
            up.final = state["status"]
            return
        await asyncio.sleep(POLL_EVERY)
    up.final = "timeout"


async def check_result(client: httpx.AsyncClient, up: Upload, titles: set[str]) -> None:
    if up.final != "done":
        up.why = f"état final {up.final}"
        return
    records = await client.get(up.url + "/fichiers/records.jsonl")
    report = await client.get(up.url + "/fichiers/report.csv")
    text = records.text if records.status_code == 200 else ""
    others = [t for t in titles if t != up.title and t in text]
    if others:
        up.why = f"résultat mêlé : {others[0]}"
    elif up.spoiled:
        up.own_result = "31/02/2027" in report.text and up.title not in text
        up.why = "" if up.own_result else "l'erreur plantée manque au rapport"
    else:
        up.own_result = up.title in text and "BAD_FORMAT" not in report.text
        up.why = "" if up.own_result else "son offre manque à records.jsonl"


async def drive(url: str, uploads: list[Upload]) -> float:
    limits = httpx.Limits(max_connections=len(uploads) * 2, max_keepalive_connections=len(uploads) * 2)
    clients = [httpx.AsyncClient(base_url=url, timeout=120, limits=limits) for _ in uploads]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(post(c, up) for c, up in zip(clients, uploads)))
        deadline = time.monotonic() + BOUND
        await asyncio.gather(*(follow(c, up, deadline) for c, up in zip(clients, uploads) if up.status_code == 303))
        elapsed = time.perf_counter() - started
        titles = {up.title for up in uploads}
        await asyncio.gather(*(check_result(c, up, titles) for c, up in zip(clients, uploads)))
        return elapsed
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


# ------------------------------------------------------------------ the run
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def left_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def measure(count: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="fasd-load-") as work:
        work = Path(work)
        tmp, files = work / "tmp", work / "offres"
        tmp.mkdir()
        files.mkdir()
        uploads = [Upload(*made) for made in workbooks(files, count)]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        load_before = os.getloadavg()
        server = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", "--port", str(port), "--travailleurs", str(workers)],
            cwd=ROOT,
            env={**os.environ, "TMPDIR": str(tmp)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        sampler = Sampler(server.pid)
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"fasd serve s'est arrêté : {server.stderr.read()}")
                try:
                    httpx.get(url + "/", timeout=5)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise SystemExit("fasd serve n'a pas démarré en 2 minutes") from None
                    time.sleep(0.1)
            sampler.start()
            elapsed = asyncio.run(drive(url, uploads))
        finally:
            sampler.stop.set()
            server.send_signal(signal.SIGTERM)
            try:
                server.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()
        load_after = os.getloadavg()
        leftovers = left_in(tmp)
    latencies = [ms for up in uploads for ms in up.latencies]
    waited = [up for up in uploads if up.waited]
    return {
        "uploads": count,
        "workers": workers,
        "answered": sum(up.status_code == 303 for up in uploads),
        "post_ms": [up.post_ms for up in uploads],
        "elapsed_s": elapsed,
        "latencies": latencies,
        "done": sum(up.final == "done" for up in uploads),
        "own_results": sum(up.own_result for up in uploads),
        "problems": [f"{up.path.name} : {up.why}" for up in uploads if up.why],
        "placed": sum(bool(up.aheads) for up in waited),
        "first_places": sorted(up.aheads[0] for up in waited if up.aheads),
        "places_monotonic": all(a >= b for up in waited for a, b in zip(up.aheads, up.aheads[1:])),
        "example_text": next((t for up in waited for t in sorted(up.queue_texts) if "avant le vôtre" in t), ""),
        "max_workers": sampler.workers,
        "server_mib": sampler.server_kib / 1024,
        "total_mib": sampler.total_kib / 1024,
        "load_before": load_before,
        "load_during": max(sampler.loads) if sampler.loads else float("nan"),
        "load_after": load_after,
        "leftovers": leftovers,
    }


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def report(m: dict, command: str) -> str:
    lat = m["latencies"]
    p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
    ok = lambda good: "atteint" if good else "**non atteint**"  # noqa: E731
    places = m["first_places"]
    lines = [
        "# Banc d'essai : la page web sous charge (ticket 29 §3)",
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
        f"`fasd serve --travailleurs {m['workers']}` (sans base), {m['uploads']} envois postés en même temps "
        "par le formulaire de la page (jeton CSRF du cookie recopié dans le formulaire), chacun un petit "
        "classeur à son propre intitulé, un sur deux avec une date impossible ; puis chaque envoi interroge "
        f"`/envois/{{id}}/etat` toutes les {POLL_EVERY} s comme le script de la page, jusqu'à la fin.",
        "",
        "## Résultats",
        "",
        "| mesure | valeur | cible |",
        "|---|---|---|",
        f"| envois répondus (303) | {m['answered']} / {m['uploads']} | tous |",
        f"| durée d'un envoi (POST), médiane / max | {statistics.median(m['post_ms']):.0f} ms / "
        f"{max(m['post_ms']):.0f} ms | — |",
        f"| demandes d'état | {len(lat)} | — |",
        f"| latence de l'état, médiane / p95 / p99 / max | {p50:.0f} / {p95:.0f} / {p99:.0f} / {max(lat):.0f} ms "
        f"| p95 ≤ {TARGET_MS} ms : {ok(p95 <= TARGET_MS)} |",
        f"| envois montrant leur place dans la file | {m['placed']} / {m['uploads']} "
        f"| au moins {m['uploads'] - m['workers']} (tous sauf ceux pris d'emblée) |",
        f"| places vues au premier relevé | {places[0] if places else '—'} … {places[-1] if places else '—'} | — |",
        f"| place qui ne remonte jamais | {'oui' if m['places_monotonic'] else 'non'} | oui |",
        f"| terminés / avec leur propre résultat | {m['done']} / {m['own_results']} | tous |",
        f"| durée totale (premier envoi → dernier terminé) | {m['elapsed_s']:.0f} s | — |",
        f"| travailleurs en même temps (max relevé) | {m['max_workers']} | ≤ {m['workers']} |",
        f"| mémoire : serveur / serveur + travailleurs (max) | {m['server_mib']:.0f} Mio / "
        f"{m['total_mib']:.0f} Mio | bornée par les travailleurs |",
        f"| fichiers restés dans TMPDIR après l'arrêt (SIGTERM) | {len(m['leftovers'])} | 0 |",
        "",
    ]
    if m["example_text"]:
        lines += [f"Texte affiché à un envoi en attente : « {m['example_text']} »", ""]
    if m["problems"]:
        lines += ["## Problèmes", ""] + [f"- {p}" for p in m["problems"]] + [""]
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
