"""Causes apart from their cascades: each cascade finding names the record to fix."""

from __future__ import annotations

import json
from collections import Counter

from pipeline.model.causes import consequence_text, consequences, counts, headline, is_cascade

from factory import SAMPLES, invoke, run_offer, valid_offer, write_workbook

SAMPLE_ERRORS = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"


def cascade_rows(result):
    f = result.findings
    return f[is_cascade(f)][["code", "entity", "cause_entity", "cause_key"]].values.tolist()


def test_a_rejected_formation_is_the_cause_of_its_children(tmp_path):
    offer = valid_offer()
    offer["formation"][0]["objectif_general"] = "n'importe quoi"  # BAD_ENUM on a required list
    result = run_offer(tmp_path, offer)
    assert sorted(cascade_rows(result)) == [
        ["PARENT_REJECTED", "action", "formation", "F1"],
        ["PARENT_REJECTED", "dispositif", "formation", "F1"],
        ["PARENT_REJECTED", "session", "formation", "F1"],
    ]
    assert counts(result.findings)["to_fix"] == 1
    assert counts(result.findings)["cascades"] == 3
    (rejected,) = consequences(result.findings).values()
    assert consequence_text(rejected) == "entraîne le rejet de 1 action, 1 session, 1 dispositif"


def test_a_rejected_dispositif_is_the_cause_upwards(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0]["nb_places"] = "douze"
    result = run_offer(tmp_path, offer)
    assert sorted(cascade_rows(result)) == [
        ["NO_CHILD", "action", "dispositif", "S1 / D1"],
        ["NO_CHILD", "formation", "dispositif", "S1 / D1"],
        ["NO_CHILD", "session", "dispositif", "S1 / D1"],
    ]
    assert counts(result.findings)["to_fix"] == 1


def test_a_session_without_any_dispositif_row_is_a_cause_itself(tmp_path):
    offer = valid_offer()
    offer["session"].append({**offer["session"][0], "ref_session": "S2"})
    result = run_offer(tmp_path, offer)
    f = result.findings
    assert f["code"].tolist() == ["NO_CHILD"]
    assert cascade_rows(result) == []
    assert counts(f) == {"to_fix": 1, "cascades": 0, "cascades_by_code": {}}


def test_consequence_text_counts_in_the_models_order():
    assert consequence_text(Counter({"dispositif": 6, "session": 3})) == (
        "entraîne le rejet de 3 sessions, 6 dispositifs"
    )


def test_headline_separates_causes_from_consequences():
    summary = {"by_severity": {"error": 42, "warning": 5, "info": 0}, "to_fix": 15, "cascades": 27}
    assert headline(summary) == (
        "15 erreurs à corriger — 27 lignes rejetées en conséquence — 5 avertissements à vérifier"
    )
    one = {"by_severity": {"error": 1, "warning": 1, "info": 1}, "to_fix": 1, "cascades": 0}
    assert headline(one) == "1 erreur à corriger — 1 avertissement à vérifier — 1 information"


def test_the_flawed_sample_reports_its_causes_apart_everywhere(tmp_path):
    # samples/README.md plants 15 errors; 27 rows follow from them (24 PARENT_REJECTED, 3 NO_CHILD).
    out = tmp_path / "out"
    result = invoke("import", SAMPLE_ERRORS, "--out", out, "--today", "2026-03-01")
    assert result.exit_code == 1
    assert "15 erreurs à corriger — 27 lignes rejetées en conséquence" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    findings = summary["findings"]
    assert findings["by_severity"]["error"] == 42  # the old key keeps its meaning
    assert (findings["to_fix"], findings["cascades"]) == (15, 27)
    assert findings["cascades_by_code"] == {"NO_CHILD": 3, "PARENT_REJECTED": 24}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]
    kinds = [bool(f["cause_entity"]) for f in report]
    assert kinds == sorted(kinds), "causes first, then their cascades"
    assert "Valeur mal formée (BAD_FORMAT)" in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Ouvrez {out / 'report.xlsx'} : corrigez les cellules rouges")


def test_a_clean_check_says_it_can_be_sent(tmp_path):
    path = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    result = invoke("check", path, "--out", tmp_path / "rapport", "--today", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("Aucune erreur : le fichier peut être envoyé")


def test_rapport_sheet_has_one_line_per_cause_its_cascades_folded_below(tmp_path):
    import openpyxl

    from pipeline.writers.report_xlsx import write_report_xlsx

    offer = valid_offer()
    offer["formation"][0]["objectif_general"] = "n'importe quoi"
    result = run_offer(tmp_path, offer)
    write_report_xlsx(result, tmp_path / "report.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "report.xlsx")["Rapport"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    constats = next(r for r in rows if r[0] == "Constats")
    assert constats[1] == "1 erreur à corriger — 3 lignes rejetées en conséquence — 0 avertissement à vérifier"
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Feuille", "Cellule"])
    table = rows[start + 1 :]
    assert [r[3] for r in table] == ["Valeur hors liste", "Rejet en conséquence"] + ["Rejet en cascade"] * 3
    assert table[1][7] == "La formation « F1 » entraîne le rejet de 1 action, 1 session, 1 dispositif."
    assert table[1][:2] == table[0][:2]  # the cause line links to the cause's cell
    folded = [
        (ws.row_dimensions[start + 1 + k + 1].outline_level, ws.row_dimensions[start + 1 + k + 1].hidden)
        for k in range(5)
    ]
    assert folded == [(0, False), (0, False), (1, True), (1, True), (1, True)]
