"""The valid hand-made offer passes cleanly, in every input shape."""

from pipeline.engine.run import run

from factory import TODAY, run_offer, valid_offer, write_flat_csv, write_workbook


def test_valid_offer_has_no_finding(tmp_path):
    result = run_offer(tmp_path, valid_offer())
    assert result.findings.empty, result.findings[["code", "field", "message"]]
    assert {e: int(m.sum()) for e, m in result.accepted.items()} == {
        "site": 1,
        "contact": 1,
        "formation": 1,
        "action": 1,
        "session": 1,
        "dispositif": 1,
    }


def test_typed_values(tmp_path):
    result = run_offer(tmp_path, valid_offer())
    s = result.tables["session"].typed.iloc[0]
    assert s["date_debut"].date().isoformat() == "2026-09-07"
    assert s["rythmes"] == ["continu", "temps plein"]
    assert s["modalite_enseignement"] == "0"  # LHÉO dict-modalites-enseignement
    assert s["etat_recrutement"] == "1"
    assert bool(s["entrees_sorties_permanentes"]) is False
    d = result.tables["dispositif"].typed.iloc[0]
    assert d["publics"] == ["80011"]  # Formacode DEMANDEUR D'EMPLOI
    assert d["taux_tva"] == 0.2 and d["nb_places"] == 12
    assert result.tables["site"].typed.iloc[0]["siret"] == "13000511900032"


def test_flat_csv_gives_same_records_as_workbook(tmp_path):
    offer = valid_offer()
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    directory = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    flat = write_flat_csv(tmp_path / "offre.csv", offer)
    from_book = run([book], today=TODAY)
    from_csv = run([flat], annuaire=directory, today=TODAY)
    assert from_csv.findings.empty, from_csv.findings[["code", "field", "message"]]
    from pipeline.model.records import offer_records

    def strip(records):
        def clean(r):
            return {
                k: ([clean(x) for x in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v)
                for k, v in r.items()
                if k != "provenance"
            }

        return [clean(r) for r in records]

    assert strip(offer_records(from_csv)) == strip(offer_records(from_book))
