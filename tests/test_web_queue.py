"""Each upload's place in the queue of `fasd serve` (issue 29 §3): the logic, without timing.

The runs are stood in for by a function that waits on an event, so which uploads are
running and which wait is decided by the test, never by a clock."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from pipeline.web import runner as web_runner
from pipeline.web.app import Runner, create_app
from pipeline.web.jobs import new_id, read_state, write_json
from pipeline.web.settings import Settings
from pipeline.web.testing import serving
from pipeline.web.waiting import Waiting, waiting_text


def test_waiting_counts_the_uploads_before_each_one():
    waiting = Waiting()
    for name in "abcd":
        waiting.add(name)
    assert [waiting.ahead(n) for n in "abcd"] == [0, 1, 2, 3]
    waiting.started("a")
    waiting.started("c")  # (a cancelled one leaves the queue too)
    assert [waiting.ahead(n) for n in "abcd"] == [None, 0, None, 1]
    assert waiting.ahead("z") is None and len(waiting) == 2


def test_waiting_text_in_french():
    assert waiting_text(3) == "En attente : 3 envoi(s) avant le vôtre."
    assert "aucun envoi avant le vôtre" in waiting_text(0)
    assert "le traitement commence" in waiting_text(None)  # taken by a worker, not started yet


@pytest.fixture
def blocked(monkeypatch, tmp_path):
    """Two workers whose runs wait for `release`; `started` counts the runs begun."""
    release, started, lock = threading.Event(), [], threading.Lock()
    both = threading.Event()

    def fake_job(folder: str, apply: bool = False) -> None:
        write_json(Path(folder) / "state.json", {"status": "running", "stages": {}})
        with lock:
            started.append(Path(folder).name)
            if len(started) == 2:
                both.set()
        release.wait()
        write_json(Path(folder) / "state.json", {"status": "done", "stages": {}, "name": folder})

    monkeypatch.setattr(web_runner, "process_job", fake_job)
    runner = Runner(2, processes=False)
    settings = Settings.make(tmp_path / "envois", workers=2)
    yield settings, runner, release, started, both
    release.set()
    runner.executor.shutdown(wait=True)


def test_each_upload_shows_its_place_until_it_runs(blocked):
    settings, runner, release, started, both = blocked
    ids = [new_id() for _ in range(5)]
    # the server first: at start it marks the uploads an earlier server left queued as failed
    with serving(create_app(settings, runner)) as url, httpx.Client(base_url=url) as client:
        for job_id in ids:
            folder = settings.data_dir / job_id
            folder.mkdir()
            write_json(folder / "state.json", {"status": "queued", "stages": {}})
            runner.submit(folder)
        assert both.wait(60)  # a safety net: the two workers took the first two uploads
        states = [client.get(f"/envois/{job_id}/etat").json() for job_id in ids]
        page = client.get(f"/envois/{ids[3]}")
        release.set()
        runner.executor.shutdown(wait=True)
    assert [s["status"] for s in states] == ["running", "running", "queued", "queued", "queued"]
    assert [s.get("ahead") for s in states] == [None, None, 0, 1, 2]
    assert states[4]["queue"] == "En attente : 2 envoi(s) avant le vôtre."
    assert "1 envoi(s) avant le vôtre" in page.text
    assert sorted(started) == sorted(ids) and len(runner.waiting) == 0
    for job_id in ids:  # each its own result
        state = read_state(settings.data_dir / job_id)
        assert state["status"] == "done" and state["name"].endswith(job_id)
