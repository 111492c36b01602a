"""National scale (issue 15): which workloads run at which size, time and memory against
size, the issue's targets at every size, and which run measured which size.

Used by bench/run.py. A run measures the sizes it is given; the rows of earlier runs
at other sizes (kept in bench/work/runs/, one file per size) are shown beside them,
each with the date, commit and command of its own run, so a 1 000 000-session run
done another night completes the table instead of replacing it.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "work" / "runs"

# A sheet holds 1 048 576 rows; the flat layout has about 1.55 rows per session and the
# template's Dispositifs sheet as many: no workbook workload above this size.
from generate import WORKBOOK_MAX_SESSIONS  # noqa: E402

WORKBOOK_KINDS = ("flat", "template")
SIZES = (10_000, 100_000, 1_000_000)

LABELS = {"flat": "xlsx à plat", "csv": "CSV à plat", "template": "classeur modèle", "lheo": "LHÉO XML"}


def workloads_at(sessions: int, kinds: list[str]) -> tuple[list[str], list[str]]:
    """(workloads measured at this size, why the others are not)."""
    keep, why = [], []
    for kind in kinds:
        if kind in WORKBOOK_KINDS and sessions > WORKBOOK_MAX_SESSIONS:
            rows = f"{int(sessions * 1.55):,}".replace(",", " ")
            why.append(
                f"{LABELS[kind]} {sessions} : pas de classeur à cette taille (environ {rows} lignes ; "
                "une feuille en contient au plus 1 048 576)."
            )
        else:
            keep.append(kind)
    return keep, why


# ---- runs --------------------------------------------------------------------------


def save_run(rows: list[dict], run: dict) -> None:
    """Keep this run's rows per size, with the run's date, commit and command; the rows of
    earlier runs for the workloads this run did not measure at that size stay."""
    RUNS.mkdir(parents=True, exist_ok=True)
    for size in sorted({r["sessions"] for r in rows}):
        mine = [dict(r, run=run) for r in rows if r["sessions"] == size]
        path = RUNS / f"{size}.json"
        done = {r["workload"] for r in mine}
        kept = (
            [r for r in json.loads(path.read_text(encoding="utf-8")) if r["workload"] not in done]
            if path.exists()
            else []
        )
        path.write_text(json.dumps(kept + mine, ensure_ascii=False, indent=1), encoding="utf-8")


def earlier_rows(rows: list[dict]) -> list[dict]:
    """Rows of earlier runs for the (workload, size) pairs this run did not measure."""
    measured = {(r["workload"], r["sessions"]) for r in rows}
    out = []
    if not RUNS.exists():
        return out
    for path in sorted(RUNS.glob("*.json"), key=lambda p: int(p.stem)):
        out += [
            r for r in json.loads(path.read_text(encoding="utf-8")) if (r["workload"], r["sessions"]) not in measured
        ]
    return out


def runs_section(rows: list[dict]) -> list[str]:
    """Which sizes were measured in which run, with the command."""
    runs: dict[tuple, list[int]] = {}
    for r in rows:
        run = r.get("run") or {}
        key = (run.get("started", "?"), run.get("commit", "?"), run.get("command", "?"), run.get("load", "?"))
        runs.setdefault(key, [])
        if r["sessions"] not in runs[key]:
            runs[key].append(r["sessions"])
    out = [
        "| tailles mesurées | passage (UTC) | commit | commande | charge de la machine (début → fin) |",
        "|---|---|---|---|---|",
    ]
    for (started, commit, command, load), sizes in sorted(runs.items()):
        out.append(
            f"| {', '.join(f'{s:,}'.replace(',', ' ') for s in sorted(sizes))} | {started} | `{commit}` | "
            f"`{command}` | {load} |"
        )
    missing = [s for s in SIZES if s not in {r["sessions"] for r in rows}]
    if missing:
        out += [
            "",
            "Pas encore mesurées : "
            + ", ".join(f"{s:,}".replace(",", " ") for s in missing)
            + ' sessions (`make bench SESSIONS="'
            + " ".join(map(str, missing))
            + '"`).',
        ]
    return out


# ---- figures -----------------------------------------------------------------------


def core_cpu(row: dict) -> float:
    """CPU of `fasd import` without report.xlsx (which the 1 000 000 target leaves out)."""
    return row["import_cpu"] - row["writes_cpu"].get("write_report.xlsx", 0.0)


def _mib(b) -> str:
    return "—" if b is None else f"{b / 2**20:,.0f}".replace(",", " ")


def _s(x) -> str:
    return "—" if x is None else (f"{x:.2f}" if x < 10 else f"{x:,.0f}".replace(",", " "))


def scaling_table(rows: list[dict]) -> list[str]:
    """Time and peak memory against size, per workload; µs of CPU per session."""
    out = [
        "| charge | sessions | import CPU (s) | dont report.xlsx (s) | µs CPU / session | "
        "µs / session sans report.xlsx | × celui à 100 000 | pic RSS (Mio) | Mio / 1 000 sessions |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(r["workload"], r["sessions"]): r for r in rows}
    for kind in LABELS:
        for size in sorted({r["sessions"] for r in rows}):
            r = by.get((kind, size))
            if r is None:
                continue
            per = core_cpu(r) / size * 1e6
            base = by.get((kind, 100_000))
            ratio = f"{per / (core_cpu(base) / 100_000 * 1e6):.2f}" if base and size != 100_000 else "—"
            out.append(
                f"| {LABELS[kind]} | {size:,} | {_s(r['import_cpu'])} | "
                f"{_s(r['writes_cpu'].get('write_report.xlsx'))} | {r['import_cpu'] / size * 1e6:,.0f} | "
                f"{per:,.0f} | {ratio} | {_mib(r['import_rss'])} | "
                f"{r['import_rss'] / 2**20 / size * 1000:.1f} |".replace(",", " ")
            )
    return out


def targets(rows: list[dict]) -> list[tuple[str, str, str, str]]:
    """(target, size, verdict, figures) for each target of issue 15 at every measured size.

    A target written for one size (100 000 or 1 000 000) is checked at every size with
    the same bar; the verdict says « à titre indicatif » away from the size it names."""
    out = []
    by = {(r["workload"], r["sessions"]): r for r in rows}
    sizes = sorted({r["sessions"] for r in rows})

    def verdict(ok: bool, size: int, named: int) -> str:
        word = "atteinte" if ok else "manquée"
        return word if size == named else f"{word} (à titre indicatif)"

    for size in sizes:
        flat = by.get(("flat", size))
        if flat:
            whole = flat["import_cpu"]
            ratio = whole / flat["floor_cpu"]
            out.append(
                (
                    "xlsx à plat : `fasd import`, toutes sorties dont report.xlsx ≤ 3 × lecture calamine",
                    size,
                    verdict(ratio <= 3, size, 100_000),
                    f"{_s(whole)} s / {_s(flat['floor_cpu'])} s = {ratio:.2f} ×",
                )
            )
            out.append(
                (
                    "xlsx à plat : pic mémoire < 2 Go",
                    size,
                    verdict(flat["import_rss"] < 2e9, size, 100_000),
                    f"{_mib(flat['import_rss'])} Mio",
                )
            )
        for kind in ("csv", "lheo"):
            r = by.get((kind, size))
            if not r:
                continue
            cpu = core_cpu(r)
            # 15 min at 1 000 000 sessions: the same bar per session at the other sizes.
            budget = 900 * size / 1_000_000
            out.append(
                (
                    f"{LABELS[kind]} : toutes sorties sauf report.xlsx en moins de 15 min CPU à 1 000 000 "
                    "(soit 0,9 ms par session)",
                    size,
                    verdict(cpu <= budget, size, 1_000_000),
                    f"{_s(cpu)} s pour {_s(budget)} s permis",
                )
            )
            out.append(
                (
                    f"{LABELS[kind]} : pic mémoire < 4 Go",
                    size,
                    verdict(r["import_rss"] < 4e9, size, 1_000_000),
                    f"{_mib(r['import_rss'])} Mio",
                )
            )
            base = by.get((kind, 100_000))
            if base and size > 100_000:
                growth = (cpu / size) / (core_cpu(base) / 100_000)
                out.append(
                    (
                        f"{LABELS[kind]} : temps par session à {size:,} à moins de 20 % de celui à 100 000".replace(
                            ",", " "
                        ),
                        size,
                        verdict(growth <= 1.2, size, 1_000_000),
                        f"rapport {growth:.2f}",
                    )
                )
        csv = by.get(("csv", size))
        if csv and csv.get("peer_cpu") and csv.get("check_cpu"):
            ours, theirs = 1 / csv["check_cpu"], 1 / csv["peer_cpu"]
            out.append(
                (
                    "CSV : débit de `fasd check` ≥ 2 × frictionless",
                    size,
                    verdict(ours >= 2 * theirs, size, 100_000),
                    f"{ours / theirs:.2f} ×",
                )
            )
    named = {100_000: "100 000", 1_000_000: "1 000 000"}
    for size, label in named.items():
        if size not in sizes:
            out.append((f"cibles à {label} sessions", size, "non mesurées", "taille absente des passages ci-dessous"))
    return out


def targets_table(rows: list[dict]) -> list[str]:
    out = ["| cible | sessions | verdict | mesure |", "|---|---:|---|---|"]
    for name, size, verdict, figures in targets(rows):
        out.append(f"| {name} | {f'{size:,}'.replace(',', ' ')} | **{verdict}** | {figures} |")
    return out


def section(rows: list[dict]) -> list[str]:
    """The issue-15 part of RESULTS.md."""
    return [
        "## Passe à l'échelle nationale (ticket 15)",
        "",
        "Tailles visées : 10 000, 100 000 et 1 000 000 sessions (CSV et LHÉO seulement à 1 000 000 : "
        "aucun classeur ne contient autant de lignes). Chaque taille vient du passage indiqué ci-dessous ; "
        "les chiffres de ce fichier sont tous écrits par `bench/run.py`.",
        "",
        "### Passages",
        "",
        "Charge = moyenne de charge sur 1 min (`os.getloadavg`) au début et à la fin du passage, "
        "pour 2 cœurs : au-delà de 2, les mesures partagent les cœurs avec d'autres processus et leur "
        "temps CPU en est gonflé.",
        "",
        *runs_section(rows),
        "",
        "### Temps et mémoire selon la taille",
        "",
        "CPU de tout le processus `fasd import` (toutes sorties) ; « sans report.xlsx » retire l'écriture de "
        "report.xlsx, que la cible à 1 000 000 ne compte pas ; pic RSS = `VmHWM` du processus.",
        "",
        *scaling_table(rows),
        "",
        "### Cibles du ticket 15, à chaque taille",
        "",
        "Une cible écrite pour une taille est vérifiée à toutes avec la même barre ; hors de sa taille, "
        "le verdict est indicatif.",
        "",
        *targets_table(rows),
        "",
    ]
