"""The benchmark: `fasd import` against the floor (reading the file) and a peer
(frictionless), at the sizes given, every measurement in a fresh process.

    python bench/run.py --sessions 10000 100000            # writes bench/RESULTS.md
    python bench/run.py --sessions 2000 --out /tmp/r.md    # a quick look

Never run by CI or `make test`: the 100 000-session runs take minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import scale  # noqa: E402

PYTHON = sys.executable
WORKLOADS = ("flat", "csv", "template", "lheo")
WORKLOAD_LABELS = {"flat": "xlsx à plat", "csv": "CSV à plat", "template": "classeur modèle", "lheo": "LHÉO XML"}
ANALYSIS = HERE / "analysis.md"


class Failed(RuntimeError):
    pass


def child(args: list[str]) -> tuple[dict, float, float, int]:
    """Run bench/measure.py in a fresh process: (its JSON, wall s, CPU s, peak RSS bytes).

    CPU is this child's own rusage (wait4); peak RSS is what the child reads of itself.
    """
    cmd = [PYTHON, str(HERE / "measure.py"), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise Failed(f"{' '.join(shlex.quote(c) for c in cmd)} -> {proc.returncode}\n{stderr[-2000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return result, wall, usage.ru_utime + usage.ru_stime, result["peak_rss"]


def measure_floor(path: Path, log) -> dict:
    """The floor of one file, measured alone: calamine's CPU time was seen to vary by half
    when another measurement ran beside it (13.5 s and 22.3 s on the same workbook)."""
    floor, _, _, floor_rss = child(["floor", str(path)])
    log(f"    plancher {floor['read_cpu']:.1f} s CPU")
    return dict(floor=floor["read"], floor_cpu=floor["read_cpu"], floor_how=floor["how"], floor_rss=floor_rss)


def measure(kind: str, paths: dict, sessions: int, args, log, floor: dict) -> dict:
    path = paths[kind]
    extra = ["--annuaire", str(paths["annuaire"])] if kind == "csv" else []
    out_dir = generate.WORK / f"out-{kind}-{sessions}"
    row: dict = {"workload": kind, "sessions": sessions, "file": path.name, "file_mb": path.stat().st_size / 1e6}
    row.update(floor)
    pipe, wall, cpu, rss = child(["import", str(path), "--out", str(out_dir), *extra])
    row.update(
        import_wall=wall,
        import_cpu=cpu,
        import_rss=rss,
        stages=pipe["stages"],
        writes=pipe["writes"],
        stages_cpu=pipe["stages_cpu"],
        writes_cpu=pipe["writes_cpu"],
        startup=pipe["startup"] + pipe["load_reference"],
        counts=pipe["counts"],
        findings=pipe["findings"],
        by_code=pipe["by_code"],
        reference=pipe["reference"],
    )
    log(f"    import {cpu:.1f} s CPU ({wall:.1f} s mural), {rss / 2**20:.0f} Mio")
    if kind == "csv":
        _, chk_wall, chk_cpu, chk_rss = child(["check", str(path), *extra])
        row.update(check_wall=chk_wall, check_cpu=chk_cpu, check_rss=chk_rss)
        log(f"    check {chk_cpu:.1f} s CPU")
        if not args.no_peer:
            peer, _, _, peer_rss = child(["peer", str(path)])
            row.update(
                peer=peer["validate"],
                peer_cpu=peer["validate_cpu"],
                peer_rss=peer_rss,
                peer_errors=peer["errors"],
                peer_error_types=peer["error_types"],
                peer_rows=peer["rows"],
                peer_constraints=peer["constraints"],
                peer_fields=peer["fields"],
            )
            log(f"    frictionless {peer['validate_cpu']:.1f} s CPU")
    if kind in args.base_workloads:
        db = generate.WORK / f"base-{kind}-{sessions}.sqlite"
        based, _, _, based_rss = child(["base", str(path), "--out", str(out_dir) + "-base", "--base", str(db), *extra])
        # the import without a base, in its own process: what the import into a base is compared with
        import_cpu_in_process = pipe["run_cpu"]
        row.update(
            base=based["base"],
            base_import_cpu=import_cpu_in_process,
            base_bytes=based["base_bytes"],
            # the import into a base alone (the same file again runs after it in its process)
            base_rss=based.get("first_peak_rss", based_rss),
            base_rss_both=based_rss,
        )
        db.unlink(missing_ok=True)
        log(
            f"    base : import avec base {based['base']['first']['cpu']:.1f} s CPU, le même fichier à nouveau "
            f"{based['base']['again']['cpu']:.1f} s CPU, import sans base {import_cpu_in_process:.1f} s CPU ; "
            f"mémoire {based_rss / 2**20:.0f} Mio contre {rss / 2**20:.0f} Mio"
        )
    if args.profile is not None and (not args.profile or kind in args.profile) and sessions == args.profile_sessions:
        prof = generate.WORK / f"profile-{kind}-{sessions}.txt"
        child(["import", str(path), "--out", str(out_dir) + "-prof", *extra, "--profile", str(prof)])
        row["profile"] = str(prof)
        log(f"    profil : {prof}")
    return row


def measure_workers(paths: dict, sessions: int, log) -> dict:
    """`fasd import` of the CSV with `--jobs 1`, then `--jobs 2` (issue 27), one after the
    other with no other measurement beside them: wall times (the workers are not this
    child's children, their CPU is not in its rusage) and the machine's load around each."""
    out: dict = {"sessions": sessions}
    for jobs in (1, 2):
        load = os.getloadavg()[0]
        pipe, wall, cpu, rss = child(
            [
                "import",
                str(paths["csv"]),
                "--annuaire",
                str(paths["annuaire"]),
                "--out",
                str(generate.WORK / f"out-csv-{sessions}-jobs{jobs}"),
                "--jobs",
                str(jobs),
            ]
        )
        out[jobs] = {
            "wall": wall,
            "report_xlsx": pipe["writes"].get("write_report.xlsx", 0.0),
            "cpu": cpu,
            "rss": rss,
            "chunks": pipe.get("chunks"),
            "load": [load, os.getloadavg()[0]],
        }
        log(
            f"    --jobs {jobs} : {wall:.1f} s mural, {pipe.get('chunks')} lots, charge {load:.1f} → {os.getloadavg()[0]:.1f}"
        )
    return out


def workers_targets(measured: list[dict]) -> list[tuple[str, str, str]]:
    """Issue 27: with `--jobs 2` on 2 cores, the wall time ≤ 0.6× that of `--jobs 1`."""
    out = []
    for m in measured:
        one, two = m[1], m[2]
        ratio = two["wall"] / one["wall"]
        bare = (two["wall"] - two["report_xlsx"]) / (one["wall"] - one["report_xlsx"])
        out.append(
            (
                f"CSV à plat {m['sessions']} sessions : `fasd import --jobs 2` ≤ 0,6 × le temps mural de `--jobs 1`",
                "atteinte" if ratio <= 0.6 else "manquée",
                f"{fmt_s(two['wall'])} s / {fmt_s(one['wall'])} s = {ratio:.2f} × ; sans report.xlsx (écrit "
                f"par le seul processus du passage) {bare:.2f} × ; {two['chunks']} lots ; charge sur 1 min "
                f"{one['load'][0]:.1f} → {one['load'][1]:.1f} (--jobs 1), {two['load'][0]:.1f} → "
                f"{two['load'][1]:.1f} (--jobs 2) pour {os.cpu_count()} cœurs : machine partagée, au-delà "
                "de 2 les deux processus de contrôle n'ont pas chacun un cœur",
            )
        )
    return out


# ---- figures -------------------------------------------------------------------


def rows_of(row: dict) -> int:
    c = row["counts"]
    return (
        c["dispositif"]["read"]
        if row["workload"] in ("flat", "csv")
        else sum(c[e]["read"] for e in ("formation", "action", "session", "dispositif"))
    )


def import_core(row: dict) -> float:
    """`fasd import` CPU time without report.xlsx (timed on its own by the targets)."""
    return row["import_cpu"] - row["writes_cpu"].get("write_report.xlsx", 0.0)


def fmt_s(x) -> str:
    return "—" if x is None else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def fmt_mb(b) -> str:
    return "—" if b is None else f"{b / 2**20:,.0f}".replace(",", " ")


def main_table(rows: list[dict]) -> list[str]:
    out = [
        "| charge | sessions | lignes | Mo | plancher CPU (s) | import CPU (s) | import mural (s) | import / plancher | "
        "check CPU (s) | frictionless CPU (s) | débit check / frictionless | lignes/s import | RSS import (Mio) | RSS plancher (Mio) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = rows_of(r)
        chk, peer = r.get("check_cpu"), r.get("peer_cpu")
        out.append(
            f"| {WORKLOAD_LABELS[r['workload']]} | {r['sessions']} | {n} | {r['file_mb']:.0f} | {fmt_s(r['floor_cpu'])} | "
            f"{fmt_s(r['import_cpu'])} | {fmt_s(r['import_wall'])} | {r['import_cpu'] / r['floor_cpu']:.1f} × | "
            f"{fmt_s(chk)} | {fmt_s(peer)} | {(f'{peer / chk:.2f} ×' if chk and peer else '—')} | "
            f"{n / r['import_cpu']:,.0f} | {fmt_mb(r['import_rss'])} | {fmt_mb(r['floor_rss'])} |".replace(",", " ")
        )
    return out


STAGES = ("read", "normalise", "validate", "resolve", "decide")
WRITES = ("write_records+lheo.xml", "write_report_csv", "write_report_json", "write_report.xlsx", "write_summary")


def write_cpu(row: dict, write: str) -> float:
    """CPU of one output: a streamed run (stream.py) writes records.jsonl and lheo.xml chunk
    after chunk inside the run, and its clock books that time under the same name."""
    return row["writes_cpu"].get(write, 0.0) + row["stages_cpu"].get(write, 0.0)


def stage_table(rows: list[dict]) -> list[str]:
    head = ["démarrage (mural)"] + list(STAGES) + [w.replace("write_", "écrit ") for w in WRITES]
    out = ["| charge | sessions | " + " | ".join(head) + " |", "|---|---:|" + "---:|" * len(head)]
    for r in rows:
        cells = [fmt_s(r["startup"])] + [fmt_s(r["stages_cpu"].get(s)) for s in STAGES]
        cells += [fmt_s(write_cpu(r, w)) if w in r["writes_cpu"] else "n/d" for w in WRITES]
        out.append(f"| {WORKLOAD_LABELS[r['workload']]} | {r['sessions']} | " + " | ".join(cells) + " |")
    return out


def targets(rows: list[dict], sizes: list[int]) -> list[tuple[str, str, str]]:
    """(target, verdict, figures) for each target of issue 6, on CPU seconds."""
    by = {(r["workload"], r["sessions"]): r for r in rows}
    out = []
    flat = by.get(("flat", 100000))
    if flat:
        ratio = import_core(flat) / flat["floor_cpu"]
        out.append(
            (
                "xlsx à plat 100 000 sessions : import (records.jsonl, lheo.xml, report.csv, report.json) ≤ 3 × lecture calamine",
                "atteinte" if ratio <= 3 else "manquée",
                f"{fmt_s(import_core(flat))} s / {fmt_s(flat['floor_cpu'])} s = {ratio:.2f} ×"
                + ("" if generate.lheo_available() else " (lheo.xml non disponible, non compté)"),
            )
        )
        x = flat["writes_cpu"].get("write_report.xlsx")
        if x is None:
            out.append(
                (
                    "report.xlsx seul ≤ 2 × lecture calamine",
                    "non mesurable",
                    "pipeline/writers/report_xlsx.py absent lors de ce passage",
                )
            )
        else:
            out.append(
                (
                    "report.xlsx seul ≤ 2 × lecture calamine",
                    "atteinte" if x <= 2 * flat["floor_cpu"] else "manquée",
                    f"{fmt_s(x)} s / {fmt_s(flat['floor_cpu'])} s = {x / flat['floor_cpu']:.2f} ×",
                )
            )
        out.append(
            (
                "mémoire xlsx à plat 100 000 sessions < 2 Go",
                "atteinte" if flat["import_rss"] < 2e9 else "manquée",
                f"pic RSS {fmt_mb(flat['import_rss'])} Mio",
            )
        )
    else:
        out.append(("cibles xlsx 100 000 sessions", "non mesurées", "taille 100000 absente de ce passage"))
    csv = by.get(("csv", 100000))
    if csv and csv.get("peer_cpu"):
        n = rows_of(csv)
        ours, theirs = n / csv["check_cpu"], n / csv["peer_cpu"]
        out.append(
            (
                "CSV 100 000 sessions : débit de `fasd check` ≥ 2 × frictionless",
                "atteinte" if ours >= 2 * theirs else "manquée",
                f"{ours:,.0f} lignes/s contre {theirs:,.0f} lignes/s = {ours / theirs:.2f} ×".replace(",", " "),
            )
        )
    else:
        out.append(("CSV 100 000 sessions ≥ 2 × frictionless", "non mesurée", "taille 100000 ou pair absents"))
    small, big = by.get(("lheo", 20000)), by.get(("lheo", 200000))
    memory = lheo_memory_verdict(getattr(targets, "lheo_memory_output", None))
    if memory:
        out.append(memory)
    elif small and big:
        growth = big["import_rss"] / small["import_rss"] - 1
        out.append(
            (
                "LHÉO : pic mémoire à 200 000 sessions ≤ 1,25 × celui à 20 000",
                "atteinte" if growth <= 0.25 else "manquée",
                f"{fmt_mb(big['import_rss'])} Mio contre {fmt_mb(small['import_rss'])} Mio (+{growth:.0%})",
            )
        )
    else:
        why = (
            "lecteur/écrivain LHÉO non disponibles lors de ce passage"
            if not generate.lheo_available()
            else "passer --lheo-sessions 20000 200000"
        )
        out.append(
            (
                "LHÉO : pic mémoire 200 000 ≤ 1,25 × 20 000",
                "non mesurée ici",
                f"{why} ; voir aussi bench/lheo_memory.py (ticket 4)",
            )
        )
    return out


def base_targets(rows: list[dict]) -> list[tuple[str, str, str]]:
    """Issues 14 and 24: an import into an empty SQLite base ≤ 1.2× the CPU of the import
    without one and its peak memory ≤ 1.25× (the base applied chunk by chunk); the same
    file again writes no record row."""
    based = [r for r in rows if r.get("base")]
    if not based:
        return [("catalogue (tickets 14 et 24)", "non mesurée", "--base-workloads vide")]
    out = []
    for r in based:
        first, again, cpu = r["base"]["first"], r["base"]["again"], r["base_import_cpu"]
        label = f"{WORKLOAD_LABELS[r['workload']]} {r['sessions']} sessions"
        out.append(
            (
                f"{label} : import dans une base SQLite vide ≤ 1,2× le CPU de l'import sans base",
                "atteinte" if first["cpu"] <= 1.2 * cpu else "manquée",
                f"{fmt_s(first['cpu'])} s / {fmt_s(cpu)} s = {first['cpu'] / cpu:.2f}× "
                f"({first['rows_written']} enregistrements écrits)",
            )
        )
        out.append(
            (
                f"{label} : mémoire de pointe de l'import dans une base ≤ 1,25× celle de l'import sans base",
                "atteinte" if r["base_rss"] <= 1.25 * r["import_rss"] else "manquée",
                f"{fmt_mb(r['base_rss'])} / {fmt_mb(r['import_rss'])} = {r['base_rss'] / r['import_rss']:.2f}× "
                f"(pic du processus après le même fichier à nouveau : {fmt_mb(r.get('base_rss_both', r['base_rss']))})",
            )
        )
        written = (
            again["rows_written"]
            + (again["record_rows"][1] - again["record_rows"][0])
            + (again["version_rows"][1] - again["version_rows"][0])
        )
        out.append(
            (
                f"{label} : le même fichier à nouveau n'écrit aucune ligne d'enregistrement",
                "atteinte" if written == 0 else "manquée",
                f"{fmt_s(again['cpu'])} s CPU ({again['cpu'] / cpu:.2f}× l'import sans base) ; "
                f"{written} ligne(s) d'enregistrement écrite(s)",
            )
        )
    return out


def base_table(rows: list[dict]) -> list[str]:
    out = [
        "| charge | sessions | import sans base CPU (s) | import avec base CPU (s) | × | enregistrements créés | "
        "le même à nouveau CPU (s) | × | lignes écrites | base (Mio) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if not r.get("base"):
            continue
        first, again, cpu = r["base"]["first"], r["base"]["again"], r["base_import_cpu"]
        written = (
            again["rows_written"]
            + again["record_rows"][1]
            - again["record_rows"][0]
            + again["version_rows"][1]
            - again["version_rows"][0]
        )
        out.append(
            f"| {WORKLOAD_LABELS[r['workload']]} | {r['sessions']} | {fmt_s(cpu)} | {fmt_s(first['cpu'])} | "
            f"{first['cpu'] / cpu:.2f} | {first['totals']['creation']} | {fmt_s(again['cpu'])} | "
            f"{again['cpu'] / cpu:.2f} | {written} | {fmt_mb(r['base_bytes'])} |"
        )
    return out


def lheo_memory_verdict(output: str | None):
    """The `stream` ratio printed by bench/lheo_memory.py, as a target line."""
    if not output:
        return None
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "stream":
            try:
                ratio = float(parts[1])
            except ValueError:
                return None
            return (
                "LHÉO : pic mémoire de la lecture en flux à 200 000 sessions ≤ 1,25 × celui à 20 000",
                "atteinte" if ratio <= 1.25 else "manquée",
                f"rapport {ratio:.2f} (bench/lheo_memory.py, étape stream ; détail plus bas)",
            )
    return None


def machine() -> list[str]:
    mem = "?"
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} Gio"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = []
    for name in ("pandas", "numpy", "pandera", "python-calamine", "openpyxl", "lxml", "frictionless"):
        try:
            libs.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            libs.append(f"{name} absent")
    return [
        f"- processeur : {cpu}, {os.cpu_count()} cœurs ; mémoire {mem}",
        f"- {platform.system()} {platform.release()} ; Python {platform.python_version()}",
        f"- {', '.join(libs)}",
    ]


def profile_excerpt(path: str, lines: int = 22) -> list[str]:
    """The top of the tottime listing of a cProfile run: where the time goes."""
    text = Path(path).read_text().splitlines()
    starts = [i for i, l in enumerate(text) if "Ordered by: internal time" in l]
    if not starts:
        return []
    body = text[starts[0] + 1 :]
    body = [l for l in body if l.strip()][: lines + 1]
    return ["```"] + [l[:160] for l in body] + ["```"]


def command(args) -> str:
    """The command line that reproduces this run."""
    sizes = sorted(set(args.sessions))
    cmd = "python bench/run.py --sessions " + " ".join(map(str, sizes)) + f" --seed {args.seed}"
    if list(args.workloads) != list(WORKLOADS):
        cmd += " --workloads " + " ".join(args.workloads)
    if args.lheo_sessions:
        cmd += " --lheo-sessions " + " ".join(map(str, args.lheo_sessions))
    if args.no_peer:
        cmd += " --no-peer"
    if args.lheo_memory:
        cmd += " --lheo-memory"
    if args.profile is not None and args.profile_sessions != max(sizes):
        cmd += f" --profile-sessions {args.profile_sessions}"
    if args.jobs > 1:
        cmd += f" --jobs {args.jobs}"
    if args.base_workloads != ["template"]:
        cmd += " --base-workloads " + " ".join(args.base_workloads)
    if args.workers_sessions != [n for n in args.sessions if n == 100000]:
        cmd += " --workers-sessions " + " ".join(map(str, args.workers_sessions))
    if args.profile is not None:
        cmd += " --profile " + " ".join(args.profile)
    return cmd


def write_results(rows, skipped, args, started, elapsed, path: Path) -> None:
    sizes = sorted(set(args.sessions))
    cmd = command(args)
    md = [
        "# Banc d'essai : résultats",
        "",
        f"Écrit par `bench/run.py` le {started:%Y-%m-%d %H:%M} UTC (passage de {elapsed / 60:.0f} min). "
        "Aucun chiffre de ce fichier n'est saisi à la main.",
        "",
        f"Code mesuré par ce passage : commit `{args.commit}`"
        + (" (arbre de travail modifié par rapport à ce commit)" if args.commit.endswith("-dirty") else "")
        + " ; les tailles qu'il n'a pas mesurées viennent de passages antérieurs, nommés dans « Passages ».",
        "",
        "Reproduire : `make bench` ou",
        "",
        f"    .venv/bin/{cmd}",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        *scale.section(rows),
        "## Cibles (ticket 6)",
        "",
        "| cible | verdict | mesure |",
        "|---|---|---|",
    ]
    for name, verdict, figures in targets(rows, sizes) + base_targets(rows) + workers_targets(args.workers_rows):
        md.append(f"| {name} | **{verdict}** | {figures} |")
    md += [
        "",
        "## Import contre plancher et pair",
        "",
        "Chaque mesure tourne dans un processus neuf ; RSS = pic `VmHWM` de ce processus. "
        "« import » = processus entier (démarrage de Python et imports compris) qui fait ce que fait "
        "`fasd import` (`bench/measure.py import`) ; « check » = `fasd check` sans `--out` (contrôle et résumé, "
        "aucun fichier écrit : comme frictionless, qui ne fait que valider). "
        "Les temps sont des secondes CPU (utilisateur + système, `getrusage`) : la machine à 2 cœurs est partagée "
        "pendant le passage, le temps mural y dépend des autres processus ; le plancher et le pair sont "
        "chronométrés dans leur processus autour de la seule lecture / validation. Les verdicts portent sur le CPU. "
        + (
            f"Mesures lancées {args.jobs} à la fois (`--jobs`), sauf les planchers, mesurés seuls avant les autres : "
            "le CPU de chacune reste le sien, mais il n'est pas insensible au voisin (le plancher calamine a "
            "varié de moitié selon la mesure d'à côté). "
            if args.jobs > 1
            else ""
        )
        + "Lignes = lignes du fichier à plat (session × dispositif) ou enregistrements du modèle.",
        "",
        *main_table(rows),
        "",
        "Plancher : " + "; ".join(sorted({f"{WORKLOAD_LABELS[r['workload']]} = {r['floor_how']}" for r in rows})) + ".",
        "",
        "## Temps par étape (s)",
        "",
        "Secondes CPU par étape, relevées aux mêmes points que `Result.timings` de `pipeline.engine.run.run` et "
        "`write_outputs(clock=Stopwatch())` ; n/d = écrivain absent. Un CSV ou un flux LHÉO lu en flux "
        "(plus de 32 Mo) écrit records.jsonl et lheo.xml lot après lot pendant la lecture : la colonne "
        "« écrit records+lheo.xml » compte ce temps-là.",
        "",
        *stage_table(rows),
        "",
    ]
    if any(r.get("base") for r in rows):
        md += [
            "## Catalogue : application à une base SQLite (ticket 14)",
            "",
            "`bench/measure.py base` : l'import mesuré comme plus haut, puis dans le même processus "
            "`catalogue.apply` et `write_changes` (changes.csv/json) sur une base SQLite qui vient d'être "
            "initialisée, puis la même application une seconde fois (rien ne doit changer). "
            "« import CPU » = CPU du processus à la fin des écritures de l'import (démarrage compris) ; "
            "« lignes écrites » = enregistrements et versions ajoutés ou modifiés par la réapplication.",
            "",
            *base_table(rows),
            "",
        ]
    if args.lheo_memory_output:
        md += [
            "## Mémoire de la lecture LHÉO (bench/lheo_memory.py, ticket 4)",
            "",
            "Sortie du script, lancé par ce passage (pic RSS de chaque étape dans un processus neuf) :",
            "",
            "```",
            args.lheo_memory_output,
            "```",
            "",
        ]
    if skipped:
        md += ["## Charges non disponibles", ""] + [f"- {s}" for s in skipped] + [""]
    md += [
        "## Contrôles",
        "",
        "| charge | sessions | référentiel | constats pipeline | erreurs frictionless |",
        "|---|---:|---|---:|---:|",
    ]
    for r in rows:
        md.append(
            f"| {WORKLOAD_LABELS[r['workload']]} | {r['sessions']} | {r['reference']} | {r['findings']} | "
            f"{r.get('peer_errors', '—')} |"
        )
    peer_rows = [r for r in rows if r.get("peer_error_types")]
    if peer_rows:
        from peer_schema import NOT_EXPRESSIBLE

        r = peer_rows[-1]
        md += [
            "",
            f"Schéma du pair : {r['peer_fields']} champs, {r['peer_constraints']} contraintes "
            "(types, obligatoires, listes, bornes, motifs, longueurs) ; ce qu'il ne sait pas exprimer : "
            + ", ".join(NOT_EXPRESSIBLE)
            + ".",
            f"Constats pipeline par code ({WORKLOAD_LABELS[r['workload']]}, {r['sessions']}) : "
            + ", ".join(f"{k} {v}" for k, v in r["by_code"].items())
            + ".",
            "Erreurs frictionless par type : " + ", ".join(f"{k} {v}" for k, v in r["peer_error_types"].items()) + ".",
        ]
    try:
        planted = generate.manifest(max(sizes), args.seed)["planted"]
        md += [
            "",
            f"Erreurs semées ({max(sizes)} sessions) : " + ", ".join(f"{k} {v}" for k, v in planted.items()) + ".",
        ]
    except OSError:
        pass
    profiled = [r for r in rows if r.get("profile")]
    if profiled:
        md += ["", "## Profils (cProfile, temps propre ; la taille est dans chaque titre)", ""]
        for r in profiled:
            md += (
                [f"### {WORKLOAD_LABELS[r['workload']]}, {r['sessions']} sessions", ""]
                + profile_excerpt(r["profile"])
                + [""]
            )
    if ANALYSIS.exists():
        md += ["", ANALYSIS.read_text(encoding="utf-8").strip(), ""]
    path.write_text("\n".join(md) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai de fasd import (voir bench/README.md).")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument(
        "--lheo-sessions",
        type=int,
        nargs="*",
        default=[],
        help="tailles supplémentaires pour la cible mémoire LHÉO (ex. 20000 200000)",
    )
    parser.add_argument("--no-peer", action="store_true", help="sans frictionless")
    parser.add_argument(
        "--lheo-memory",
        action="store_true",
        help="lancer aussi bench/lheo_memory.py (ticket 4) à 20 000 et 200 000 sessions",
    )
    parser.add_argument(
        "--profile",
        nargs="*",
        choices=WORKLOADS,
        default=None,
        help="profil cProfile de ces charges (toutes si aucune) à la plus grande taille",
    )
    parser.add_argument("--profile-sessions", type=int, help="taille profilée (par défaut la plus grande)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="mesures lancées en même temps (le CPU de chacune reste le sien)"
    )
    parser.add_argument(
        "--base-workloads",
        nargs="*",
        choices=WORKLOADS,
        default=["template"],
        help="charges appliquées aussi à une base SQLite (ticket 14) ; aucune : rien",
    )
    parser.add_argument(
        "--workers-sessions",
        type=int,
        nargs="*",
        default=None,
        help="tailles où le CSV est importé avec --jobs 1 puis --jobs 2 (ticket 27) ; "
        "par défaut 100 000 quand elle est mesurée",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.workers_sessions is None:
        args.workers_sessions = [n for n in args.sessions if n == 100000]
    args.profile_sessions = args.profile_sessions or max(args.sessions)
    started = dt.datetime.now(dt.timezone.utc)
    args.commit = (
        subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or "?"
    )
    args.load_start = os.getloadavg()[0]  # the machine is shared: how busy it was, in RESULTS.md
    t0 = time.perf_counter()
    log = lambda m: print(m, flush=True)  # noqa: E731
    rows, skipped = [], []
    workloads = list(args.workloads)
    if "lheo" in workloads and not generate.lheo_available():
        workloads.remove("lheo")
        skipped.append(
            "LHÉO XML : non disponible (pipeline/writers/lheo.py ou pipeline/readers/lheo.py absent "
            "lors de ce passage)."
        )
        log("LHÉO : non disponible (écrivain ou lecteur LHÉO absent), charge ignorée.")
    plan = []
    for n in sorted(set(args.sessions)):
        kinds, why = scale.workloads_at(n, workloads)
        skipped += why
        plan.append((n, kinds))
    if "lheo" in workloads:
        plan += [(n, ["lheo"]) for n in args.lheo_sessions if n not in args.sessions]
    for sessions, kinds in plan:
        log(f"{sessions} sessions")
        needed = set(kinds) | ({"annuaire"} if "csv" in kinds else set())
        paths = generate.ensure(sorted(needed), sessions, args.seed, log=lambda m: log(m))

        floors = {}
        for kind in list(kinds):  # one after the other, nothing beside them
            try:
                floors[kind] = measure_floor(
                    paths[kind], lambda m, k=kind, n=sessions: log(f"{m} [{WORKLOAD_LABELS[k]} {n}]")
                )
            except Failed as exc:
                kinds.remove(kind)
                skipped.append(f"{WORKLOAD_LABELS[kind]} {sessions} : échec du plancher ({str(exc).splitlines()[0]})")
                log(f"    ÉCHEC : {exc}")

        def one(kind, paths=paths, sessions=sessions, floors=floors):
            log(f"  {WORKLOAD_LABELS[kind]} {sessions}")
            tag = f"[{WORKLOAD_LABELS[kind]} {sessions}]"
            return measure(kind, paths, sessions, args, lambda m: log(f"{m} {tag}"), floors[kind])

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [(kind, pool.submit(one, kind)) for kind in kinds]
            for kind, future in futures:
                try:
                    rows.append(future.result())
                except Failed as exc:
                    skipped.append(
                        f"{WORKLOAD_LABELS[kind]} {sessions} : échec de la mesure ({str(exc).splitlines()[0]})"
                    )
                    log(f"    ÉCHEC : {exc}")
    args.workers_rows = []
    for sessions in args.workers_sessions if "csv" in workloads else []:
        log(f"CSV {sessions} sessions, --jobs 1 puis --jobs 2 (seuls sur la machine)")
        paths = generate.ensure(["annuaire", "csv"], sessions, args.seed, log=lambda m: log(m))
        try:
            args.workers_rows.append(measure_workers(paths, sessions, log))
        except Failed as exc:
            skipped.append(f"CSV à plat {sessions}, --jobs : échec de la mesure ({str(exc).splitlines()[0]})")
            log(f"    ÉCHEC : {exc}")
    args.lheo_memory_output = None
    if args.lheo_memory and (HERE / "lheo_memory.py").exists():
        log("LHÉO, mémoire (bench/lheo_memory.py, 20 000 et 200 000 sessions)")
        done = subprocess.run(
            [
                PYTHON,
                str(HERE / "lheo_memory.py"),
                "--sessions",
                "20000",
                "200000",
                "--stages",
                "stream",
                "read",
                "--dir",
                str(generate.WORK),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        args.lheo_memory_output = done.stdout.strip() if done.returncode == 0 else f"échec : {done.stderr[-500:]}"
        log(args.lheo_memory_output)
    targets.lheo_memory_output = args.lheo_memory_output
    elapsed = time.perf_counter() - t0
    print()
    print("\n".join(main_table(rows)))
    print()
    print("\n".join(stage_table(rows)))
    print()
    if any(r.get("base") for r in rows):
        print("\n".join(base_table(rows)))
        print()
    for name, verdict, figures in (
        targets(rows, args.sessions) + base_targets(rows) + workers_targets(args.workers_rows)
    ):
        print(f"- {name} : {verdict} ({figures})")
    run = {
        "started": f"{started:%Y-%m-%d %H:%M}",
        "commit": args.commit,
        "command": command(args),
        "load": f"{args.load_start:.1f} → {os.getloadavg()[0]:.1f}",
    }
    rows = [dict(r, run=run) for r in rows]
    scale.save_run(rows, run)
    rows += scale.earlier_rows(rows)  # other sizes and workloads, from their own runs
    write_results(rows, skipped, args, started, elapsed, args.out)
    (generate.WORK / "last-run.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nRésultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
