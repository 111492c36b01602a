"""Reference loaders (Certif Info CSV, France Compétences zip, folder), cache, search and `fasd ref`."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from factory import ROOT, codes, finding, run_offer, valid_offer
from pipeline.cli.main import main as cli
from pipeline.readers.errors import InputError
from pipeline.reference import DEFAULT, cache, load_reference


# The France Compétences export as published: `;`, every field double-quoted, CRLF,
# UTF-8, file names dated the day before the zip, an accent in the blocs file name,
# and a title running over two lines inside its quotes.
STANDARD = (
    '"Id_Fiche";"Numero_Fiche";"Intitule";"Abrege_Libelle";"Abrege_Intitule";"Nomenclature_Europe_Niveau";'
    '"Nomenclature_Europe_Intitule";"Accessible_Nouvelle_Caledonie";"Accessible_Polynesie_Francaise";'
    '"Date_dernier_jo";"Date_Decision";"Date_Fin_Enregistrement";"Date_Effet";"Type_Enregistrement";'
    '"Validation_Partielle";"Actif"\r\n'
    '"1";"RNCP12345";"Titre de test\r\nen deux lignes";"TP";"Titre professionnel";"NIV5";"Niveau 5";"Non";"Non";'
    '"";"01/02/2024";"01/02/2029";"";"Enregistrement sur demande";"";"ACTIVE"\r\n'
    '"2";"RS777";"Habilitation de test";"";"";"";"";"Non";"Non";"";"";"31/12/2030";"";'
    '"Enregistrement sur demande";"";"ACTIVE"\r\n'
)
BLOCS = (
    '"Numero_Fiche";"Bloc_Competences_Code";"Bloc_Competences_Libelle"\r\n'
    '"RNCP12345";"RNCP12345BC02";"Deuxième bloc"\r\n'
    '"RNCP12345";"RNCP12345BC01";"Premier bloc; avec point-virgule"\r\n'
    '"RNCP12345";"RNCP12345BC03";"Troisième bloc"\r\n'
)
CERTIFICATEURS = (
    '"Numero_Fiche";"Siret_Certificateur";"Nom_Certificateur"\r\n'
    '"RNCP12345";"11000007200014";"MINISTERE DU TRAVAIL"\r\n'
)


def write_export(path: Path, standard: str = STANDARD, blocs: str = BLOCS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export_fiches_CSV_Standard_2026_03_09.csv", standard.encode("utf-8"))
        zf.writestr("export_fiches_CSV_Blocs_De_Compétences_2026_03_09.csv", blocs.encode("utf-8"))
        zf.writestr("export_fiches_CSV_Certificateurs_2026_03_09.csv", CERTIFICATEURS.encode("utf-8"))
        zf.writestr("export_fiches_CSV_Nsf_2026_03_09.csv", '"Numero_Fiche";"Nsf_Code"\r\n"RNCP12345";"330"\r\n')
    return path


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")


def test_zip_in_the_published_shape_is_read(export):
    ref = load_reference(export)
    [cert] = ref.lookup("RNCP12345")
    assert cert.intitule.split() == ["Titre", "de", "test", "en", "deux", "lignes"]
    assert cert.niveau == "5" and cert.niveau_lheo == "15"
    assert cert.fiche_active is True and cert.date_fin.isoformat() == "2029-02-01"
    assert cert.certificateur == "MINISTERE DU TRAVAIL"
    assert cert.blocs == [
        ("RNCP12345BC01", "Premier bloc; avec point-virgule"),
        ("RNCP12345BC02", "Deuxième bloc"),
        ("RNCP12345BC03", "Troisième bloc"),
    ]
    [rs] = ref.lookup("RS777")
    assert rs.code_rs == "RS777" and rs.blocs == []


def test_pipeline_resolves_blocs_from_the_zip(tmp_path, export):
    ref = load_reference(export)
    offer = valid_offer()
    offer["formation"][0].update(
        certifinfo="oui",
        code_rncp="RNCP12345",
        intitule="",
        objectif_formation="",
        contenu_formation="",
        objectif_general="Certification",
    )
    result = run_offer(tmp_path, offer, reference=ref)
    assert codes(result) == []
    formation = result.accepted_frame("formation").iloc[0]
    assert formation["blocs"] == ["RNCP12345BC01", "RNCP12345BC02", "RNCP12345BC03"]
    assert formation["niveau_sortie"] == "15"

    offer["formation"][0].update(validation="partielle", individualisation="oui", blocs="RNCP12345BC01; RNCP12345BC09")
    offer["session"][0]["types_parcours"] = "collectif; modulaire; individualisé"
    result = run_offer(tmp_path, offer, reference=ref)
    assert finding(result, "BLOC_UNKNOWN")["value"] == "RNCP12345BC09"


def test_certifinfo_code_with_zip_only_is_unknown_and_says_why(tmp_path, export):
    offer = valid_offer()
    offer["formation"][0].update(certifinfo="oui", code_certifinfo="111669", objectif_general="Certification")
    result = run_offer(tmp_path, offer, reference=load_reference(export))
    assert "indiquez le code RNCP" in finding(result, "CERTIFINFO_UNKNOWN")["suggestion"]


def test_zip_only_reference_resolves_by_rncp_and_keeps_the_certifinfo_code(tmp_path, export):
    offer = valid_offer()
    offer["formation"][0].update(
        certifinfo="oui", code_certifinfo="4242", code_rncp="RNCP12345", objectif_general="Certification"
    )
    result = run_offer(tmp_path, offer, reference=load_reference(export))
    assert codes(result) == ["TITLE_OVERRIDDEN"]
    formation = result.accepted_frame("formation").iloc[0]
    assert formation["code_certifinfo"] == "4242" and len(formation["blocs"]) == 3


def test_member_names_without_utf8_flag_are_recognised(tmp_path):
    """Zips written by tools that store 'Compétences' without the UTF-8 flag (read back as cp437)."""
    path = write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # clear flag bit 11 everywhere
        i = data.find(signature)
        while i != -1:
            flags = int.from_bytes(data[i + offset : i + offset + 2], "little") & ~0x800
            data[i + offset : i + offset + 2] = flags.to_bytes(2, "little")
            i = data.find(signature, i + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert not any("Compétences" in n for n in zf.namelist())  # the name zipfile sees is garbled
    assert len(load_reference(path).lookup("RNCP12345")[0].blocs) == 3


def test_canonical_csv_and_folder_join(tmp_path, export):
    folder = tmp_path / "ref"
    folder.mkdir()
    export.rename(folder / export.name)
    (folder / "certifinfo.csv").write_text(
        "\ufeffCode;Intitulé;Code RNCP;Code RS;Niveau européen;Type certification;Certificateur;Formacodes;"
        "Codes ROME;Archive;Date fin validité;Objectif;Programme\n"
        "4242;Titre de test;RNCP 12345;;5;Titre professionnel;Ministère;31734, 32154;m1607;non;2028-06-30;"
        "Objectif de test;Programme de test\n",
        encoding="utf-8",
    )
    ref = load_reference(folder)
    cert = ref.by_certifinfo("4242")
    assert cert.code_rncp == "RNCP12345" and cert.niveau == "5" and cert.date_fin.isoformat() == "2028-06-30"
    assert cert.formacodes == ["31734", "32154"] and cert.codes_rome == ["M1607"]


def test_canonical_csv_fields(tmp_path, export):
    folder = tmp_path / "ref"
    folder.mkdir()
    export.rename(folder / export.name)
    (folder / "certifinfo.csv").write_text(
        "code;intitule;code_rncp;niveau_europeen;archive;date_fin_validite;formacodes\n"
        "4242;Titre de test;RNCP12345;5;non;2028-06-30;31734|32154\n",
        encoding="utf-8",
    )
    cert = load_reference(folder).by_certifinfo("4242")
    # the earliest end wins: Certif Info 30/06/2028 before the fiche's 01/02/2029
    assert cert.date_fin.isoformat() == "2028-06-30"
    assert [c for c, _ in cert.blocs] == ["RNCP12345BC01", "RNCP12345BC02", "RNCP12345BC03"]
    assert cert.formacodes == ["31734", "32154"]
    assert load_reference(folder).by_fiche("RNCP12345")[0].code_certifinfo == "4242"


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("export-fiches-csv-2026-03-10.zip", b"not a zip", "impossible d'ouvrir"),
        ("certifinfo.csv", "numero;nom\n1;x\n".encode(), "colonne(s) code, intitule absente(s)"),
        ("missing.csv", None, "introuvable"),
    ],
)
def test_unreadable_reference_is_one_french_line(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_reference(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_zip_without_standard_file(tmp_path):
    path = tmp_path / "autre.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lisezmoi.txt", "rien")
    with pytest.raises(InputError, match="export_fiches_CSV_Standard"):
        load_reference(path)


def test_cli_reference_error_exits_2(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    result = CliRunner().invoke(cli, ["ref", "search", "aide", "--reference", str(bad)])
    assert result.exit_code == 2
    assert "impossible d'ouvrir" in result.output


# -- cache


def test_cache_is_reused_and_rebuilt_when_the_source_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    monkeypatch.setenv("FASD_CACHE_DIR", str(tmp_path / "cache"))
    source = write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")
    first = load_reference(source)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"reference-{cache.content_hash(source)}.json.gz"]
    calls = []
    monkeypatch.setattr("pipeline.reference.rncp.pd.read_csv", lambda *a, **k: calls.append(1) or 1 / 0)
    second = load_reference(source)  # from the cache: no CSV parsed
    assert calls == [] and second.lookup("RNCP12345")[0].blocs == first.lookup("RNCP12345")[0].blocs
    for name in cache.TABLES:
        assert getattr(second, name).equals(getattr(first, name)), name
    monkeypatch.undo()
    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    monkeypatch.setenv("FASD_CACHE_DIR", str(tmp_path / "cache"))
    write_export(source, blocs=BLOCS + '"RNCP12345";"RNCP12345BC04";"Quatrième bloc"\r\n')
    assert len(load_reference(source).lookup("RNCP12345")[0].blocs) == 4  # new bytes, new cache name


class _Planted:
    """What a pickle planted by someone else would run when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_next_to_the_source_or_in_the_cache_is_never_run(tmp_path, monkeypatch):
    import pickle

    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    monkeypatch.setenv("FASD_CACHE_DIR", str(tmp_path / "cache"))
    source = write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")
    marker = tmp_path / "code-ran"
    planted = pickle.dumps({"key": None, "payload": _Planted(marker)})
    (tmp_path / f".{source.name}.fasd-cache.pkl").write_bytes(planted)  # where the old cache lived
    target = cache.cache_path(source, cache.content_hash(source))
    target.parent.mkdir(parents=True)
    target.write_bytes(planted)
    assert load_reference(source).lookup("RNCP12345")
    assert not marker.exists()


def test_corrupt_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    monkeypatch.setenv("FASD_CACHE_DIR", str(tmp_path / "cache"))
    source = write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")
    target = cache.cache_path(source, cache.content_hash(source))
    target.parent.mkdir(parents=True)
    target.write_bytes(b"garbage")
    assert load_reference(source).lookup("RNCP12345")


def test_an_unwritable_cache_folder_means_no_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    monkeypatch.setenv("FASD_CACHE_DIR", "/proc/fasd-no-write")
    source = write_export(tmp_path / "export-fiches-csv-2026-03-10.zip")
    assert load_reference(source).lookup("RNCP12345")
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


# -- the bundled extract and the look-up commands


def test_bundled_extract_is_the_samples_copy():
    for name in ("certifinfo-extrait.csv", "export-fiches-csv-2026-01-15.zip"):
        assert (DEFAULT / name).read_bytes() == (ROOT / "samples" / "reference" / name).read_bytes(), name


def test_bundled_extract_marks_what_is_not_a_known_fact():
    ref = load_reference(None)
    for code in ref.certifs.index:
        cert = ref.by_certifinfo(code)
        if code != "111669":
            assert cert.illustratif.startswith("oui"), code
    deas = ref.by_certifinfo("111669")
    assert [c for c, _ in deas.blocs] == ["RNCP35830BC01", "RNCP35830BC02", "RNCP35830BC03", "RNCP35830BC04"]
    assert deas.niveau == "4" and deas.code_rncp == "RNCP35830"


def test_bundled_formacodes_exist():
    formacodes = set()
    with open(ROOT / "pipeline" / "data" / "formacode-v12.csv", encoding="utf-8") as fh:
        formacodes = {row[0] for row in csv.reader(fh, delimiter=";") if row}
    ref = load_reference(None)
    used = {c for key in list(ref.certifs.index) + list(ref.fiches.index) for c in ref._entry(key).formacodes}
    assert used and used <= formacodes


def test_ref_search_finds_deas_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["ref", "search", "aide-soignant"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[1]
    assert first.startswith("111669") and "RNCP35830" in first and "aide-soignant" in first


def test_ref_search_by_code_and_show(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["ref", "search", "RNCP35830"])
    assert result.output.splitlines()[1].startswith("111669")
    result = runner.invoke(cli, ["ref", "show", "RNCP35830"])
    assert result.exit_code == 0
    assert "RNCP35830BC04  Entretien de l'environnement immédiat" in result.output
    assert "Niveau européen : 4 (code LHÉO 14)" in result.output


def test_ref_show_unknown_code_proposes_near_ones():
    result = CliRunner().invoke(cli, ["ref", "show", "111696"])
    assert result.exit_code == 1
    assert "n'existe pas" in result.output and "111669" in result.output


def test_ref_commands_take_reference(export):
    result = CliRunner().invoke(cli, ["ref", "show", "12345", "--reference", str(export)])
    assert result.exit_code == 0 and "RNCP12345BC03  Troisième bloc" in result.output
