"""`fasd serve` below the browser: sniffing, names, safety, the result page's numbers.

The server runs in this process on a free port of 127.0.0.1 (pipeline.web.testing);
uploads are posted as a browser without JavaScript would post the form.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import time
import zipfile
from pathlib import Path

import httpx
import openpyxl
import pytest

from pipeline.reference import load_reference
from pipeline.engine.run import run
from pipeline.web import results
from pipeline.web.app import Runner, create_app, progress_view
from pipeline.web.jobs import interrupted, job_dir, new_id, read_json, sweep, write_json
from pipeline.web.labels import unique_labels
from pipeline.web.settings import MB, Settings
from pipeline.web.sniff import NotAnOffer, sniff
from pipeline.web.testing import serving
from pipeline.web.worker import WEIGHTS
from pipeline.web.worker import Progress as WorkerProgress

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FLAWED = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"
CLEAN = SAMPLES / "offre-sanitaire-social.xlsx"
CSV = SAMPLES / "offre-sanitaire-social.csv"
ANNUAIRE = SAMPLES / "annuaire.xlsx"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LHEO = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3"><offres></offres></lheo>\n'
).encode()


# ------------------------------------------------------------------ sniffing


@pytest.mark.parametrize("path, kind", [(FLAWED, "xlsx"), (CSV, "csv"), (ANNUAIRE, "xlsx")])
def test_sniff_reads_the_content(path, kind):
    with open(path, "rb") as fh:
        assert sniff(fh, "n'importe-quoi.pdf") == kind


def test_sniff_recognises_lheo_with_or_without_prefix():
    assert sniff(io.BytesIO(LHEO), "flux") == "xml"
    assert sniff(io.BytesIO(b'\xef\xbb\xbf<lheo:lheo xmlns:lheo="x"/>'), "flux") == "xml"


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, words",
    [
        (PNG, "pas une offre lisible"),
        (b"", "vide"),
        (b"<html><body>offre</body></html>", "pas un flux LHÉO"),
        (b"une seule colonne sans separateur\n", "pas une offre lisible"),
        (_zip(["word/document.xml"]), "document Word"),
        (_zip(["a.txt"]), "archive zip"),
        (b"PK\x03\x04 truncated", "abîmée"),
    ],
)
def test_sniff_refuses_what_is_not_an_offer(content, words):
    with pytest.raises(NotAnOffer) as error:
        sniff(io.BytesIO(content), "offre.xlsx")
    assert words in str(error.value) and "offre.xlsx" in str(error.value)


def test_labels_keep_the_last_component_and_are_distinct():
    assert unique_labels(["a.xlsx", "a.xlsx", "../../etc/passwd", "", "C:\\Users\\x\\b.csv", "a\x00\x1b.xlsx"]) == [
        "a.xlsx",
        "a (2).xlsx",
        "passwd",
        "fichier 4",
        "b.csv",
        "a (3).xlsx",
    ]


# ------------------------------------------------------------------ pure views


def finding(code, severity="error", sheet="Sessions", row=2, entity="session", key="S1", **kw):
    return {
        "code": code,
        "severity": severity,
        "sheet": sheet,
        "row": row,
        "entity": entity,
        "key": key,
        "source": "o.xlsx",
        "line": None,
        "cell": f"B{row}",
        **kw,
    }


def test_numbers_are_grouped_by_thousands():
    assert results.number(34161) == "34\u202f161" and results.number(999) == "999"


def test_chart_counts_per_code_longest_first():
    bars = results.chart(
        [finding("BAD_FORMAT"), finding("REQUIRED"), finding("BAD_FORMAT"), finding("PARENT_REJECTED")]
    )
    assert [(b["code"], b["count"], b["width"]) for b in bars] == [
        ("BAD_FORMAT", 2, 100.0),
        ("PARENT_REJECTED", 1, 50.0),
        ("REQUIRED", 1, 50.0),
    ]
    assert [b["cascade"] for b in bars] == [False, True, False]


def test_worst_rows_count_own_findings_not_cascades():
    rows = results.worst_rows(
        [
            finding("BAD_FORMAT", row=3),
            finding("REQUIRED", row=3),
            finding("SESSION_ENDED", "warning", row=3),
            finding("BAD_ENUM", row=5),
            finding("PARENT_REJECTED", row=5),
            finding("NO_CHILD", row=5),
            finding("DURATION_EXCEEDS_PERIOD", "warning", row=7),
            finding("SESSION_ENDED", "warning", row=7),
        ]
    )
    assert [(r["row"], r["errors"], r["warnings"]) for r in rows] == [(3, 2, 1), (7, 0, 2)]


def test_select_filters_then_sorts():
    findings = [
        finding("REQUIRED", sheet="Sessions", key="S2"),
        finding("UNKNOWN_COLUMN", key=""),
        finding("BAD_FORMAT", sheet="Actions", key="A1", entity="action"),
        finding("REQUIRED", "warning", sheet="Actions", key="A3", entity="action"),
    ]
    for i, f in enumerate(findings):
        f["_order"] = i
    assert [f["key"] for f in results.select(findings, code="REQUIRED")] == ["S2", "A3"]
    assert [f["key"] for f in results.select(findings, entity="action", severity="error")] == ["A1"]
    assert [f["key"] for f in results.select(findings, sort="cle")] == ["A1", "A3", "S2", ""]
    assert [f["key"] for f in results.select(findings, sort="cle", descending=True)] == ["S2", "A3", "A1", ""]
    assert [f["key"] for f in results.select(findings, sheet="Actions", sort="code")] == ["A1", "A3"]
    # the record column: entities in the model's order (action before session), then keys
    assert [f["key"] for f in results.select(findings, sort="entite")] == ["A1", "A3", "S2", ""]


def test_progress_view_counts_stages():
    view = progress_view(
        {
            "status": "running",
            "stages": {
                "read": {"done": 120, "total": 120, "detail": "", "finished": True},
                "check": {"done": 30, "total": 120, "detail": "règles : Sessions", "finished": False},
            },
        }
    )
    assert [s["status"] for s in view["stages"]] == ["done", "current", "todo", "todo"]
    assert view["stages"][1]["text"] == "30 / 120 enregistrements — règles : Sessions"
    assert view["records"] == 120
    assert view["percent"] == int(WEIGHTS["read"] + WEIGHTS["check"] * 30 / 120)
    assert progress_view({"status": "done", "stages": {}})["percent"] == 100
    assert progress_view({"status": "queued", "stages": {}})["percent"] == 0


def test_progress_never_moves_back_when_a_total_grows(tmp_path):
    from pipeline.model.progress import Step
    from pipeline.web.worker import Progress as WorkerProgress

    progress = WorkerProgress(tmp_path)
    progress(Step("read", 10, 10, finished=True))
    progress(Step("report", 90, 100))
    before = progress_view(read_json(tmp_path / "state.json"))["percent"]
    progress(Step("report", 91, 400))  # report.xlsx's rows added to the total
    after = progress_view(read_json(tmp_path / "state.json"))["percent"]
    assert before == int(WEIGHTS["read"] + WEIGHTS["report"] * 0.9)
    assert after == before


def test_worker_progress_keeps_the_last_step_of_each_stage(tmp_path):
    from pipeline.model.progress import Progress as CoreProgress

    seen = WorkerProgress(tmp_path, {"upload-1.xlsx": "offre.xlsx"})
    core = CoreProgress(seen, interval=0)
    core.start("read")
    core.advance(5, detail="upload-1.xlsx")
    assert read_json(tmp_path / "state.json")["stages"]["read"]["detail"] == "offre.xlsx"
    core.advance(0, detail="")
    core.finish()
    core.start("check", total=5)
    core.advance(2, detail="règles : Sessions")
    state = read_json(tmp_path / "state.json")
    assert state["stages"]["read"] == {"done": 5, "total": 5, "detail": "", "finished": True}
    assert state["stages"]["check"]["done"] == 2 and state["current"] == "check"


def test_sweep_deletes_after_retention_only(tmp_path):
    old, young = tmp_path / new_id(), tmp_path / new_id()
    for folder, created in ((old, 1000.0), (young, 5000.0)):
        folder.mkdir()
        write_json(folder / "meta.json", {"created": created})
    (tmp_path / "offre-fasd.xlsx").write_bytes(b"template")
    assert sweep(tmp_path, retention_seconds=3600, now=5000.0 + 10) == [old.name]
    assert not old.exists() and young.exists() and (tmp_path / "offre-fasd.xlsx").exists()


def test_a_restarted_server_applies_its_retention_before_the_first_request(tmp_path):
    """--dossier kept between servers: uploads older than --conservation are gone as soon as
    the server is up, not after the janitor's first wait."""
    old, young = tmp_path / new_id(), tmp_path / new_id()
    for folder, created in ((old, time.time() - 7200), (young, time.time())):
        folder.mkdir()
        write_json(folder / "meta.json", {"created": created})
    settings = Settings.make(tmp_path, retention_seconds=3600)
    with serving(create_app(settings, Runner(1, processes=False))):
        assert not old.exists() and young.exists()


def test_jobs_left_running_by_a_stopped_server_are_marked_failed(tmp_path):
    states = {"queued": new_id(), "running": new_id(), "done": new_id(), "failed": new_id()}
    for status, job_id in states.items():
        (tmp_path / job_id).mkdir()
        write_json(tmp_path / job_id / "state.json", {"status": status})
    assert sorted(interrupted(tmp_path, "interrompu")) == sorted([states["queued"], states["running"]])
    assert read_json(tmp_path / states["running"] / "state.json") == {"status": "failed", "message": "interrompu"}
    assert read_json(tmp_path / states["done"] / "state.json") == {"status": "done"}


def test_job_dir_accepts_only_our_ids(tmp_path):
    job_id = new_id()
    (tmp_path / job_id).mkdir()
    (tmp_path / "inputs").mkdir()
    assert job_dir(tmp_path, job_id) == tmp_path / job_id
    for bad in ("inputs", "..", "../" + job_id, job_id[:-1], job_id + "/.."):
        assert job_dir(tmp_path, bad) is None


# ------------------------------------------------------------------ the server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: 1 MB upload limit, workers in threads (same code path)."""
    data = tmp_path_factory.mktemp("web")
    settings = Settings.make(data, max_upload_bytes=1 * MB)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        yield url, settings


@pytest.fixture
def client(server):
    url, _ = server
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as c:
        c.get("/")
        yield c


def post(client, files, data=None, token=True):
    form = {"date": "2026-03-01", **(data or {})}
    if token:
        form.setdefault("csrf", client.cookies.get("fasd_csrf"))
    return client.post("/envois", data=form, files=files)


def wait_done(client, location: str) -> dict:
    for _ in range(600):
        state = client.get(location + "/etat").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def jobs(settings) -> set[str]:
    return {p.name for p in settings.data_dir.iterdir() if p.is_dir()}


def test_upload_keeps_names_off_the_disk_and_in_the_report(client, server):
    _, settings = server
    hostile = "../../x/<script>offre.xlsx"
    with open(FLAWED, "rb") as fh:
        response = post(client, {"fichiers": (hostile, fh)})
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/envois/[A-Za-z0-9_-]{43}", location)
    assert wait_done(client, location)["status"] == "done"
    folder = settings.data_dir / location.rsplit("/", 1)[1]
    stored = sorted(p.name for p in (folder / "inputs").iterdir())
    assert stored == ["upload-1.xlsx"]
    on_disk = [p.name for p in settings.data_dir.rglob("*")]
    assert not [n for n in on_disk if "offre" in n and n != "offre-fasd.xlsx"]

    page = client.get(location).text
    assert "&lt;script&gt;offre.xlsx" in page and "<script>offre" not in page
    report = client.get(location + "/fichiers/report.csv").content.decode("utf-8-sig")
    assert "<script>offre.xlsx" in report and "upload-1" not in report
    records = client.get(location + "/fichiers/records.jsonl").text
    assert '"source":"<script>offre.xlsx"' in records and "upload-1" not in records
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(location + "/fichiers/report.xlsx").content))
    texts = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value]
    assert not [t for t in texts if "upload-1" in t]
    assert any("<script>offre.xlsx" in t for t in texts)
    # the user's own sheets are laid out again, as for `fasd import`
    assert "Sessions" in " ".join(workbook.sheetnames)


def test_result_page_counts_are_the_summary(client):
    with open(FLAWED, "rb") as fh:
        location = post(client, {"fichiers": ("erreurs.xlsx", fh)}).headers["location"]
    wait_done(client, location)
    page = client.get(location).text
    expected = run([FLAWED], reference=load_reference(None), today=dt.date(2026, 3, 1)).summary()["entities"]
    assert bilan(page) == {e: [c["read"], c["accepted"], c["rejected"]] for e, c in expected.items()}


def test_filters_and_sorting_through_the_query(client):
    with open(FLAWED, "rb") as fh:
        location = post(client, {"fichiers": ("erreurs.xlsx", fh)}).headers["location"]
    wait_done(client, location)
    page = client.get(location, params={"code": "PARENT_REJECTED", "sheet": "Sessions"}).text
    codes = re.findall(r"<code>([A-Z_<wbr>]+)</code>", page)
    assert codes and {c.replace("<wbr>", "") for c in codes} == {"PARENT_REJECTED"}
    sorted_page = client.get(location, params={"tri": "cle", "ordre": "desc"}).text
    keys = re.findall(r"<td>\w+ <strong>([^<]*)</strong></td>", sorted_page)
    assert keys == sorted(keys, key=str.casefold, reverse=True)


def test_corrected_file_and_csv_with_annuaire_have_no_error(client):
    with open(CSV, "rb") as offer, open(ANNUAIRE, "rb") as annuaire:
        location = post(client, {"fichiers": ("export.csv", offer), "annuaire": ("annuaire.xlsx", annuaire)}).headers[
            "location"
        ]
    assert wait_done(client, location)["status"] == "done"
    page = client.get(location).text
    assert "Aucune erreur." in html.unescape(page)


def test_csrf_token_and_origin_are_required(client, server):
    _, settings = server
    before = jobs(settings)
    with open(CLEAN, "rb") as fh:
        assert post(client, {"fichiers": ("o.xlsx", fh)}, token=False).status_code == 403
    with open(CLEAN, "rb") as fh:
        assert post(client, {"fichiers": ("o.xlsx", fh)}, data={"csrf": "x" * 43}).status_code == 403
    with open(CLEAN, "rb") as fh:
        response = client.post(
            "/envois",
            data={"csrf": client.cookies.get("fasd_csrf")},
            files={"fichiers": ("o.xlsx", fh)},
            headers={"origin": "http://evil.example"},
        )
    assert response.status_code == 403 and "rechargez la page" in html.unescape(response.text)
    for origin in ("null", "NULL"):  # a sandboxed frame or a data: page, with a valid token pair
        with open(CLEAN, "rb") as fh:
            response = client.post(
                "/envois",
                data={"csrf": client.cookies.get("fasd_csrf")},
                files={"fichiers": ("o.xlsx", fh)},
                headers={"origin": origin},
            )
        assert response.status_code == 403
    assert jobs(settings) == before


def test_too_large_upload_is_refused_with_a_message(client, server):
    _, settings = server
    before = jobs(settings)
    response = post(client, {"fichiers": ("gros.csv", b"a;b\n" + b"1;2\n" * (MB // 3))})
    assert response.status_code == 413
    assert "taille maximale de 1 Mo" in html.unescape(response.text)
    assert jobs(settings) == before


def test_non_offer_files_are_refused_before_any_run(client, server):
    _, settings = server
    before = jobs(settings)
    response = post(client, {"fichiers": ("offre.xlsx", PNG)})
    assert response.status_code == 422 and "« offre.xlsx » n'est pas une offre lisible" in html.unescape(response.text)
    response = post(client, {"fichiers": ("offre.xlsx", open(CLEAN, "rb")), "annuaire": ("a.csv", b"a;b\n1;2\n")})
    assert response.status_code == 422 and "doit être un classeur" in html.unescape(response.text)
    assert post(client, {}).status_code == 422
    assert jobs(settings) == before


def test_workbook_without_offer_sheets_fails_with_the_readers_reason(client):
    book = openpyxl.Workbook()
    book.active.title = "Budget"
    book.active.append(["poste", "montant"])
    buffer = io.BytesIO()
    book.save(buffer)
    location = post(client, {"fichiers": ("budget 2026.xlsx", buffer.getvalue())}).headers["location"]
    assert wait_done(client, location)["status"] == "failed"
    response = client.get(location)
    page = html.unescape(response.text)
    assert response.status_code == 422
    assert "budget 2026.xlsx, feuille « Budget » : fichier non compris" in page
    assert "upload-1" not in page and "Traceback" not in page


def test_downloads_are_a_fixed_list(client):
    with open(CLEAN, "rb") as fh:
        location = post(client, {"fichiers": ("o.xlsx", fh)}).headers["location"]
    wait_done(client, location)
    for name in ("report.xlsx", "report.csv", "records.jsonl", "lheo.xml"):
        response = client.get(f"{location}/fichiers/{name}")
        assert response.status_code == 200 and response.content
        assert f'filename="{name}"' in response.headers["content-disposition"]
    for name in ("summary.json", "report.json", "..%2Fmeta.json", "..%2Finputs%2Fupload-1.xlsx"):
        assert client.get(f"{location}/fichiers/{name}").status_code == 404


def test_unknown_ids_and_pages_are_french_404(client):
    for path in ("/envois/" + new_id(), "/envois/abc", "/envois/..%2F..%2Fetc", "/rien"):
        response = client.get(path)
        assert response.status_code == 404 and "Page introuvable" in html.unescape(response.text)


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"  # never another site
    assert "samesite=strict" in response.headers.get("set-cookie", "samesite=strict").lower()


def test_template_workbook_download(client):
    response = client.get("/modele.xlsx")
    assert response.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    assert {"Formations", "Actions", "Sessions", "Dispositifs"} <= set(sheets)


def test_internal_errors_show_no_traceback(client, monkeypatch):
    import pipeline.engine.run

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(pipeline.engine.run, "run", broken)
    with open(CLEAN, "rb") as fh:
        location = post(client, {"fichiers": ("o.xlsx", fh)}).headers["location"]
    assert wait_done(client, location)["status"] == "failed"
    page = html.unescape(client.get(location).text)
    assert "Erreur interne" in page and "secret detail" not in page and "Traceback" not in page
    monkeypatch.undo()

    monkeypatch.setattr(results, "load", broken)
    with open(CLEAN, "rb") as fh:
        location = post(client, {"fichiers": ("o.xlsx", fh)}).headers["location"]
    wait_done(client, location)
    response = client.get(location)
    assert response.status_code == 500
    assert "Erreur interne" in html.unescape(response.text) and "secret detail" not in html.unescape(response.text)
    assert "Traceback" not in html.unescape(response.text)


def bilan(page: str) -> dict:
    """entity -> the numbers of its row in the summary table."""
    rows = re.findall(r'<tr data-entite="(\w+)">(.*?)</tr>', page, re.S)
    return {
        entity: [int(n.replace("\u202f", "")) for n in re.findall(r"<td[^>]*>([\d\u202f]+)</td>", cells)]
        for entity, cells in rows
    }


@pytest.mark.parametrize("profil", ["", "sofi"])
def test_lheo_flow_with_the_profile_of_the_form(client, profil):
    flow = Path(__file__).parent / "data" / "real" / "trefle-poec.xml"
    with open(flow, "rb") as fh:
        location = post(client, {"fichiers": ("flux.xml", fh)}, data={"profil": profil}).headers["location"]
    assert wait_done(client, location)["status"] == "done"
    page = client.get(location).text
    core = run([flow], reference=load_reference(None), today=dt.date(2026, 3, 1), profil=profil or None).summary()
    to_complete = core["a_completer"]
    expected = {
        e: [c["read"], c["accepted"], c["rejected"]] + ([to_complete[e]] if any(to_complete.values()) else [])
        for e, c in core["entities"].items()
    }
    assert bilan(page) == expected
    assert ("à compléter</th>" in page) == (profil == "")


def test_unknown_profile_is_refused(client):
    with open(CLEAN, "rb") as fh:
        response = post(client, {"fichiers": ("o.xlsx", fh)}, data={"profil": "tout"})
    assert response.status_code == 422 and "Profil inconnu" in html.unescape(response.text)


def test_file_not_understood_proposes_a_mapping_that_makes_it_understood(client, tmp_path):
    """Keys under the producer's own names: refused with a proposal to download; the
    proposal corrected and sent back with the file, the offer reads as the sample does."""
    renamed = {"Référence formation": "Produit", "Référence action": "Déclinaison", "Référence session": "Occurrence"}
    text_csv = CSV.read_text(encoding="utf-8-sig")
    header, rest = text_csv.split("\n", 1)
    cells = header.split(";")
    assert all(h in cells for h in renamed)
    export = (";".join(renamed.get(h, h) for h in cells) + "\n" + rest).encode("utf-8-sig")

    with open(ANNUAIRE, "rb") as annuaire:
        location = post(
            client, {"fichiers": ("export outil.csv", export), "annuaire": ("annuaire.xlsx", annuaire)}
        ).headers["location"]
    assert wait_done(client, location)["status"] == "failed"
    page = html.unescape(client.get(location).text)
    assert "export outil.csv" in page and "Téléchargez la correspondance proposée" in page
    proposal = client.get(location + "/fichiers/correspondance.csv")
    assert proposal.status_code == 200
    lines = proposal.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("fichier;feuille;colonne;en-tête;champ")
    assert all(line.startswith("export outil.csv;") for line in lines[1:])

    fields = {"Produit": "ref_formation", "Déclinaison": "ref_action", "Occurrence": "ref_session"}
    corrected = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[3] in fields:
            cells[4] = fields[cells[3]]
        corrected.append(";".join(cells))
    mapping = ("\r\n".join(corrected) + "\r\n").encode("utf-8-sig")

    with open(ANNUAIRE, "rb") as annuaire:
        location = post(
            client,
            {
                "fichiers": ("export outil.csv", export),
                "annuaire": ("annuaire.xlsx", annuaire),
                "colonnes": ("ma correspondance.csv", mapping),
            },
        ).headers["location"]
    assert wait_done(client, location)["status"] == "done"
    page = client.get(location).text
    expected = run([CSV], annuaire=ANNUAIRE, reference=load_reference(None), today=dt.date(2026, 3, 1)).summary()[
        "entities"
    ]
    assert bilan(page) == {e: [c["read"], c["accepted"], c["rejected"]] for e, c in expected.items()}


def test_mapping_must_be_a_csv(client):
    with open(CLEAN, "rb") as offer, open(CLEAN, "rb") as wrong:
        response = post(client, {"fichiers": ("o.xlsx", offer), "colonnes": ("map.xlsx", wrong)})
    assert response.status_code == 422 and "doit être un fichier CSV" in html.unescape(response.text)


def test_uvicorns_start_and_stop_lines_are_french_and_still_uvicorns():
    import logging

    import uvicorn

    from pipeline.web.server_log import FRENCH, French

    sources = "".join(p.read_text(encoding="utf-8") for p in Path(uvicorn.__file__).parent.rglob("*.py"))
    for english in FRENCH:
        # each template is written in uvicorn's code; « running on » as an f-string around addr_format
        if english.startswith("Uvicorn running on "):
            address = english.split(" ")[3]
            assert f'"{address}"' in sources and "Uvicorn running on {addr_format} (Press CTRL+C to quit)" in sources
        else:
            assert english in sources, english
    record = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started server process [%d]", (42,), None)
    assert French().filter(record) and record.getMessage() == "serveur démarré (processus 42)"
