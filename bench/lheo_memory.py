"""Peak memory of reading LHÉO files of growing size (issue 4: "reading 200 000 sessions
does not use more memory than reading 20 000, plus a small margin").

    python bench/lheo_memory.py                       # 20 000 and 200 000 sessions
    python bench/lheo_memory.py --sessions 2000 20000 --stages stream read

Each measurement runs in a fresh Python process that reports its own peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss), so sizes do not pollute each other.
Stages:
  baseline  python + the pipeline imported, nothing read: the fixed cost;
  stream    the reader's own stream (stream_lheo: parse, map each formation to rows,
            clear it) with the rows dropped: this is what must stay flat;
  read      read_lheo: the same plus the raw tables kept in memory (grows with N);
  import    run(): read, normalise, validate, decide (the whole pipeline in memory).
The target applies to `stream`: peak(200k) <= 1.25 × peak(20k). The other stages
hold every row by design (checks are columnar over whole tables) and are reported
as they are.
Never run by the tests: the 200 000-session file is about 400 MB and the import
stage takes minutes.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SESSIONS_PER_FORMATION = 10

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3">\n<offres>\n'
TAIL = "</offres>\n</lheo>\n"

FORMATION_OPEN = """<formation numero="F{f}">
  <domaine-formation><code-FORMACODE>31776</code-FORMACODE><code-ROME>J1501</code-ROME></domaine-formation>
  <intitule-formation>Prévention des troubles musculo-squelettiques {f}</intitule-formation>
  <objectif-formation>Prévenir les TMS en établissement de santé.</objectif-formation>
  <resultats-attendus>Attestation de formation.</resultats-attendus>
  <contenu-formation>Anatomie, gestes et postures, aménagement du poste.</contenu-formation>
  <certifiante>0</certifiante>
  <contact-formation numero="1902"><coordonnees><nom>auto saisie</nom></coordonnees></contact-formation>
  <parcours-de-formation>1</parcours-de-formation>
  <code-niveau-entree>1</code-niveau-entree>
  <objectif-general-formation>7</objectif-general-formation>
"""

ACTION = """  <action numero="A{f}">
    <rythme-formation>continu; temps plein</rythme-formation>
    <code-public-vise>80011</code-public-vise>
    <niveau-entree-obligatoire>0</niveau-entree-obligatoire>
    <modalites-alternance>Sans objet</modalites-alternance>
    <modalites-enseignement>0</modalites-enseignement>
    <conditions-specifiques>Aucune</conditions-specifiques>
    <prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>
    <lieu-de-formation numero="36364"><SIRET-lieu-formation><SIRET>13000511900032</SIRET></SIRET-lieu-formation>
      <coordonnees><adresse><denomination>CARIFOREF DES PAYS DE LA LOIRE</denomination><ligne>2 rue de la Loire</ligne>
      <codepostal>44000</codepostal><ville>Nantes</ville></adresse></coordonnees></lieu-de-formation>
    <modalites-entrees-sorties>0</modalites-entrees-sorties>
    <session numero="S{f}-{s}">
      <periode><debut>20260907</debut><fin>20261030</fin></periode>
      <adresse-inscription><adresse><ligne>2 rue de la Loire</ligne><codepostal>44000</codepostal><ville>Nantes</ville></adresse></adresse-inscription>
      <etat-recrutement>1</etat-recrutement>
      <contact-session numero="1902"><type-contact>1</type-contact><coordonnees><nom>auto saisie</nom></coordonnees></contact-session>
      <contact-session numero="1902"><type-contact>2</type-contact><coordonnees><nom>auto saisie</nom></coordonnees></contact-session>
      <extras info="fasd"><extra info="periodes">cours de jour</extra><extra info="types_parcours">collectif</extra>
        <extra info="rythmes">continu; temps plein</extra><extra info="modalites_pedagogiques">en organisme de formation</extra>
        <extra info="duree_centre_h">35</extra><extra info="code_site_responsable">36364</extra>
        <extra info="referent_pmr">1902</extra><extra info="referent_mobilite">1902</extra></extras>
    </session>
    <code-modalite-pedagogique>96002</code-modalite-pedagogique>
    <prix-total-TTC>1200.00</prix-total-TTC>
    <nombre-heures-centre>35</nombre-heures-centre>
    <organisme-formateur numero="36364"><SIRET-formateur><SIRET>13000511900032</SIRET></SIRET-formateur>
      <raison-sociale-formateur>CARIFOREF DES PAYS DE LA LOIRE</raison-sociale-formateur></organisme-formateur>
    <organisme-financeur><code-financeur>2</code-financeur><nb-places-financees>12</nb-places-financees>
      <extras info="fasd"><extra info="ref_dispositif">D1</extra>
        <extra info="dispositif">PROGRAMME REGION - Formations sanitaires et sociales</extra>
        <extra info="publics">80011</extra><extra info="frais_ht">1000</extra><extra info="taux_tva">0.2</extra>
        <extra info="frais_ttc">1200</extra></extras></organisme-financeur>
    <extras info="fasd"><extra info="resultats_attendus">Attestation de formation.</extra>
      <extra info="niveau_entree">1</extra></extras>
  </action>
"""

FORMATION_CLOSE = """  <organisme-formation-responsable numero="36364">
    <numero-activite>52440000044</numero-activite>
    <SIRET-organisme-formation><SIRET>13000511900032</SIRET></SIRET-organisme-formation>
    <nom-organisme>CARIFOREF DES PAYS DE LA LOIRE</nom-organisme>
    <raison-sociale>CARIFOREF DES PAYS DE LA LOIRE</raison-sociale>
    <coordonnees-organisme><coordonnees><adresse><ligne>2 rue de la Loire</ligne><codepostal>44000</codepostal>
      <ville>Nantes</ville></adresse></coordonnees></coordonnees-organisme>
    <contact-organisme numero="1902"><coordonnees><nom>auto saisie</nom></coordonnees></contact-organisme>
  </organisme-formation-responsable>
  <extras info="fasd"><extra info="individualisation">non</extra><extra info="validation">totale</extra></extras>
</formation>
"""


def generate(path: Path, sessions: int) -> Path:
    """A LHÉO 2.3 file of `sessions` sessions, 10 per formation, written as a stream."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for f in range((sessions + SESSIONS_PER_FORMATION - 1) // SESSIONS_PER_FORMATION):
            fh.write(FORMATION_OPEN.format(f=f))
            for s in range(min(SESSIONS_PER_FORMATION, sessions - f * SESSIONS_PER_FORMATION)):
                fh.write(ACTION.format(f=f, s=s))
            fh.write(FORMATION_CLOSE)
        fh.write(TAIL)
    return path


def child(stage: str, path: str) -> None:
    """Runs in the measured process; prints one JSON line."""
    import datetime as dt

    from pipeline.model.findings import Findings
    from pipeline.readers.lheo import read_lheo, stream_lheo
    from pipeline.engine.run import run

    start = time.perf_counter()
    sessions = 0
    if stage == "stream":
        for bundle in stream_lheo(Path(path)):
            sessions += len(bundle.rows["session"])
    elif stage == "read":
        sessions = len(read_lheo(Path(path), Findings())["session"])
    elif stage == "import":
        result = run([Path(path)], today=dt.date(2026, 3, 1))
        sessions = int(result.accepted["session"].sum())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "stage": stage,
                "sessions": sessions,
                "peak_mb": round(peak_kb / 1024, 1),
                "seconds": round(time.perf_counter() - start, 1),
                "cpu": round(usage.ru_utime + usage.ru_stime, 1),
            }
        )
    )


def measure(stage: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", stage, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument(
        "--stages",
        nargs="+",
        default=["baseline", "stream", "read", "import"],
        choices=["baseline", "stream", "read", "import"],
    )
    parser.add_argument("--dir", type=Path, help="where to write the generated files (default: a temp dir)")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = []
        for n in args.sessions:
            path = generate(Path(tmp) / f"lheo-{n}.xml", n)
            size = path.stat().st_size / 1e6
            for stage in args.stages:
                r = measure(stage, path)
                r.update(n=n, file_mb=round(size, 1))
                rows.append(r)
                print(
                    f"{n:>8} sessions  {size:7.1f} MB  {stage:<8} peak {r['peak_mb']:8.1f} MB  "
                    f"{r['seconds']:6.1f} s wall  {r.get('cpu', 0):6.1f} s CPU  ({r['sessions']} sessions)",
                    flush=True,
                )
            path.unlink()
    if len(args.sessions) >= 2:
        small, large = min(args.sessions), max(args.sessions)
        print(f"\npeak({large}) / peak({small}):")
        for stage in args.stages:
            a = next(r for r in rows if r["n"] == small and r["stage"] == stage)
            b = next(r for r in rows if r["n"] == large and r["stage"] == stage)
            verdict = ""
            if stage == "stream":
                verdict = "  OK (<= 1.25)" if b["peak_mb"] <= 1.25 * a["peak_mb"] else "  OVER the 25 % margin"
            print(f"  {stage:<8} {b['peak_mb'] / a['peak_mb']:5.2f}{verdict}")


if __name__ == "__main__":
    main()
