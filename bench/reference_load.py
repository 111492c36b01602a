"""How long the certification reference takes to load: national size, cold and warm.

    .venv/bin/python bench/reference_load.py                   # 20 000 fiches, 120 000 blocs
    .venv/bin/python bench/reference_load.py --fiches 40000 --blocs-per-fiche 6

Builds, in bench/work/reference/ (git-ignored), a synthetic France Compétences
export in the published shape (`;`, every field quoted, dated member names) with N
fiches, N × k blocs, N certifiers, and a canonical Certif Info CSV with one record
per fiche; then loads the folder in fresh processes:
- cold: no cache (first run, or after the source changed): parse the zip and CSV;
- warm: the parsed tables are cached next to the sources;
- and, in the warm process, one resolution look-up and one title search.
Prints the figures; the target is under 5 s for 20 000 fiches and 120 000 blocs.
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORDS = (
    "agent assistant technicien responsable conducteur gestionnaire opérateur chargé animateur "
    "installateur maintenance réseaux logistique santé social éducatif commerce comptabilité "
    "numérique bâtiment énergie sécurité transport restauration hôtellerie paie industrie"
).split()

PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from pipeline.reference import load_reference
t1 = time.perf_counter()
ref = load_reference(sys.argv[1])
t2 = time.perf_counter()
cert = ref.by_certifinfo("100007")
blocs = len(cert.blocs or [])
t3 = time.perf_counter()
hits = ref.search("technicien maintenance reseaux", 5)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "lookup": t3 - t2, "search": t4 - t3,
                  "certifs": len(ref.certifs), "fiches": len(ref.fiches), "blocs": len(ref.blocs),
                  "blocs_of_one": blocs, "hits": len(hits)}))
"""


def title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()


def csv_bytes(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def build(folder: Path, fiches: int, per_fiche: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    numbers = [f"RNCP{10000 + i}" for i in range(fiches)]
    titles = [title(rng) for _ in numbers]
    standard = [
        [
            str(i),
            n,
            t,
            "",
            "",
            f"NIV{rng.randint(3, 7)}",
            "",
            "Non",
            "Non",
            "",
            "",
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2020, 2031)}",
            "",
            "Enregistrement sur demande",
            "",
            rng.choice(["ACTIVE", "ACTIVE", "INACTIVE"]),
        ]
        for i, (n, t) in enumerate(zip(numbers, titles))
    ]
    blocs = [[n, f"{n}BC{k:02d}", title(rng)] for n in numbers for k in range(1, per_fiche + 1)]
    certifiers = [[n, "11000007200014", "MINISTERE DU TRAVAIL"] for n in numbers]
    with zipfile.ZipFile(folder / "export-fiches-csv-2026-03-10.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "export_fiches_CSV_Standard_2026_03_09.csv",
            csv_bytes(
                [
                    "Id_Fiche",
                    "Numero_Fiche",
                    "Intitule",
                    "Abrege_Libelle",
                    "Abrege_Intitule",
                    "Nomenclature_Europe_Niveau",
                    "Nomenclature_Europe_Intitule",
                    "Accessible_Nouvelle_Caledonie",
                    "Accessible_Polynesie_Francaise",
                    "Date_dernier_jo",
                    "Date_Decision",
                    "Date_Fin_Enregistrement",
                    "Date_Effet",
                    "Type_Enregistrement",
                    "Validation_Partielle",
                    "Actif",
                ],
                standard,
            ),
        )
        zf.writestr(
            "export_fiches_CSV_Blocs_De_Compétences_2026_03_09.csv",
            csv_bytes(["Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle"], blocs),
        )
        zf.writestr(
            "export_fiches_CSV_Certificateurs_2026_03_09.csv",
            csv_bytes(["Numero_Fiche", "Siret_Certificateur", "Nom_Certificateur"], certifiers),
        )
    rows = [
        [
            str(100000 + i),
            t,
            n,
            "",
            str(rng.randint(3, 7)),
            "Titre professionnel",
            "Ministère du travail",
            "31734",
            "M1607",
            rng.choice(["non"] * 9 + ["oui"]),
            "",
            "",
            "",
            "oui",
        ]
        for i, (n, t) in enumerate(zip(numbers, titles))
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "code",
            "intitule",
            "code_rncp",
            "code_rs",
            "niveau_europeen",
            "type_certification",
            "certificateur",
            "formacodes",
            "codes_rome",
            "archive",
            "date_fin_validite",
            "objectif",
            "programme",
            "illustratif",
        ]
    )
    writer.writerows(rows)
    (folder / "certifinfo.csv").write_text(buffer.getvalue(), encoding="utf-8")


def probe(folder: Path, env: dict) -> dict:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    figures = json.loads(out.stdout)
    figures["process"] = time.perf_counter() - start
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=20_000)
    parser.add_argument("--blocs-per-fiche", type=int, default=6)
    parser.add_argument("--dir", type=Path, default=HERE / "work" / "reference")
    args = parser.parse_args()

    started = time.perf_counter()
    build(args.dir, args.fiches, args.blocs_per_fiche)
    sizes = {p.name: p.stat().st_size for p in args.dir.iterdir()}
    print(
        f"Référentiel synthétique : {args.fiches} fiches, {args.fiches * args.blocs_per_fiche} blocs, "
        f"{args.fiches} fiches Certif Info ({time.perf_counter() - started:.1f} s pour le construire)"
    )
    for name, size in sorted(sizes.items()):
        print(f"  {name:<40}{size / 1e6:8.1f} Mo")

    env = dict(os.environ, FASD_CACHE_DIR=str(args.dir / "user-cache"))
    cold = probe(args.dir, dict(env, FASD_REFERENCE_CACHE="0"))
    first = probe(args.dir, env)  # parses and writes the cache
    warm = probe(args.dir, env)  # reads the cache
    print(f"\n{'':<34}{'chargement':>12}{'processus':>12}")
    for label, f in (
        ("à froid, sans cache", cold),
        ("à froid, écrit le cache", first),
        ("à chaud, depuis le cache", warm),
    ):
        print(f"{label:<34}{f['load']:>10.2f} s{f['process']:>10.2f} s")
    print(f"\nimport de pipeline.reference (pandas compris) : {warm['import']:.2f} s")
    print(
        f"à chaud : une certification et ses blocs {warm['lookup'] * 1000:.1f} ms "
        f"(blocs : {warm['blocs_of_one']}), une recherche par intitulé {warm['search'] * 1000:.0f} ms"
    )
    print(f"chargé : {warm['certifs']} fiches Certif Info, {warm['fiches']} fiches RNCP, {warm['blocs']} blocs")
    verdict = "OK" if max(cold["load"], warm["load"]) < 5 else "TROP LENT"
    print(f"\nobjectif < 5 s pour charger : {verdict}")


if __name__ == "__main__":
    main()
