"""The workbench's routes, server side (FastAPI's TestClient): every page and form, the studies it
runs as jobs, and what it refuses: paths outside its workspace, studies over its limits, requests
without its token, from another host or another site."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install -e '.[web]')")
from fastapi.testclient import TestClient  # noqa: E402

from sim.cli import main  # noqa: E402
from sim.web.app import Limits, create_app  # noqa: E402

DAYS = "5"


@pytest.fixture
def workspace(tmp_path):
    return tmp_path / "ws"


@pytest.fixture
def client(workspace):
    with TestClient(create_app(workspace, limits=Limits(replications=20, days=45, jobs=1), workers=1)) as c:
        yield c


def _wait(client, location: str, timeout: float = 240) -> dict:
    """Follow a job until it ends; its last state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(location + "/state").json()
        if state["state"] not in ("starting", "running"):
            return state
        time.sleep(0.2)
    pytest.fail(f"{location} still running after {timeout} s")


def _start(client, path: str, data: dict) -> str:
    r = client.post(path, data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    return r.headers["location"]


def test_home_lists_the_packaged_scenarios_and_the_studies(client):
    r = client.get("/")
    assert r.status_code == 200
    assert 'value="packaged:baseline"' in r.text and 'value="packaged:office_hours"' in r.text
    assert "No study yet" in r.text
    assert client.get("/favicon.ico").status_code == 204  # nothing for the browser's console to report


def test_a_scenario_page_reads_its_question_diff_and_schema_form(client):
    r = client.get("/scenario", params={"ref": "packaged:office_hours"})
    assert r.status_code == 200
    assert "Question: with the Q1 2023 demand of the baseline" in r.text  # the file's opening comment
    assert "ASSUMPTION" in r.text
    assert re.search(r"~ hours\.vn\.windows\[0\]\.open: &#34;07:00&#34; -&gt; &#34;07:30&#34;", r.text), (
        "the diff against its parent (bordersim diff baseline office_hours) is on the page"
    )
    lanes = re.search(
        r'<input id="field:crossings\.chi_ma\.routes\.export\.stages\[0\]\.lanes"[^>]*>', r.text
    )
    assert lanes and 'type="number"' in lanes[0] and 'step="1"' in lanes[0] and 'min="1"' in lanes[0]
    side = re.search(r'<select id="field:crossings\.chi_ma\.routes\.export\.stages\[0\]\.side".*?</select>',
                     r.text, re.S)  # fmt: skip
    assert side and "<option selected>VN</option>" in side[0] and "<option>CN</option>" in side[0]


def test_a_saved_form_is_a_file_that_validate_and_run_accept(client, workspace, capsys):
    field = "field:crossings.chi_ma.routes.export.stages[0].lanes"
    r = client.post(
        "/scenario/save",
        data={"ref": "packaged:office_hours", "name": "chi_ma_four", "description": "four lanes", field: "4"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/scenario?ref=workspace:chi_ma_four.toml"
    saved = workspace / "scenarios" / "chi_ma_four.toml"
    text = saved.read_text()
    assert (
        'extends = "office_hours"' in text and '"crossings.chi_ma.routes.export.stages[0].lanes" = 4' in text
    )
    assert main(["validate", str(saved)]) == 0
    assert main(["run", str(saved), "--days", "4"]) == 0
    page = client.get(r.headers["location"]).text
    assert re.search(r"~ crossings\.chi_ma\.routes\.export\.stages\[0\]\.lanes: \d+ -&gt; 4", page), (
        "the saved scenario's page shows its change against its parent"
    )


def test_a_bad_value_is_refused_with_validates_own_line(client, workspace, capsys, monkeypatch):
    field = "field:crossings.chi_ma.routes.export.stages[0].lanes"
    r = client.post("/scenario/save", data={"ref": "packaged:office_hours", "name": "bad_case", field: "0"})
    assert r.status_code == 400
    assert not (workspace / "scenarios" / "bad_case.toml").exists(), "nothing is saved"
    shown = re.findall(r"<li><code>(.*?)</code></li>", r.text)
    # The file the form would have saved, checked by the command line: the same line.
    bad = workspace / "scenarios" / "bad_case.toml"
    bad.write_text('extends = "office_hours"\nname = "bad_case"\n\n[set]\n'
                   '"crossings.chi_ma.routes.export.stages[0].lanes" = 0\n')  # fmt: skip
    capsys.readouterr()
    monkeypatch.chdir(workspace)  # the page names files from the workspace's folder, as validate run there
    assert main(["validate", "scenarios/bad_case.toml"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines and lines[0].startswith("scenarios/bad_case.toml: [set] crossings.chi_ma")
    assert shown == [line.replace("'", "&#39;") for line in lines]
    assert str(workspace) not in r.text, "no path of the server's disk on the page"


def test_run_compare_report_and_capacity_as_jobs(client, workspace):
    job = _start(
        client, "/run", {"ref": "packaged:baseline", "replications": "2", "days": DAYS, "records": "yes"}
    )
    assert client.get(job).status_code == 200
    state = _wait(client, job)
    assert state["state"] == "done", state
    assert state["progress"]["done"] == 2 and state["progress"]["total"] == 2
    run = state["folder"]
    page = client.get(f"/studies/{run}").text
    assert "Vehicles cleared per day" in page and 'id="animate"' in page

    job = _start(client, "/compare", {"a": "packaged:baseline", "b": "packaged:office_hours",
                                      "replications": "2",
                                      "days": DAYS})  # fmt: skip
    state = _wait(client, job)
    assert state["state"] == "done", state
    page = client.get(f"/studies/{state['folder']}").text
    assert 'id="verdicts"' in page and "cleared/day" in page
    assert "office_hours against baseline" in client.get("/").text

    job = _start(client, f"/studies/{state['folder']}/report", {})
    assert _wait(client, job)["state"] == "done"
    page = client.get(f"/studies/{state['folder']}").text
    link = re.search(r'href="/files/([^"]+report\.html)"', page)[1]
    report = client.get(f"/files/{link}")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.headers["content-security-policy"] == "sandbox allow-scripts"

    job = _start(client, f"/studies/{run}/animate", {"crossing": "huu_nghi", "start": "2023-02-15T06:00",
                                                     "hours": "2"})  # fmt: skip
    assert _wait(client, job)["state"] == "done"
    assert any(p.name.startswith(run) for p in (workspace / "pages").iterdir())

    job = _start(client, "/capacity", {"ref": "packaged:office_hours", "replications": "1", "days": "4"})
    state = _wait(client, job)
    assert state["state"] == "done", state
    page = client.get(f"/studies/{state['folder']}").text
    assert "all crossings" in page and "report.html" in page


def test_a_comparison_across_the_plausible_worlds_says_in_how_many_worlds_it_holds(client, workspace):
    """Issue 25 with issue 23: the same comparison in the first worlds of the shipped worlds file,
    as `bordersim compare A B --worlds seeds/worlds.toml --world-count 2` gives it."""
    r = client.post("/compare-worlds", data={"a": "packaged:baseline", "b": "packaged:office_hours",
                                             "worlds": "51", "replications": "1", "days": "3"})  # fmt: skip
    assert r.status_code == 400 and "worlds 51: expected 1 to " in r.text  # above the worlds file or limit
    job = _start(client, "/compare-worlds", {"a": "packaged:baseline", "b": "packaged:office_hours",
                                             "worlds": "2", "replications": "1", "days": DAYS})  # fmt: skip
    state = _wait(client, job)
    assert state["state"] == "done", state
    folder = workspace / "studies" / state["folder"]
    assert (folder / "worlds_answer.json").is_file() and (folder / "spread.png").is_file()
    page = client.get(f"/studies/{state['folder']}").text
    assert "worlds" in page and 'id="spread"' in page
    assert "2 plausible worlds × 1 replications" in page and "share of worlds" in page
    image = re.search(r'<img src="/files/([^"]+spread\.png)"', page)[1]
    assert client.get(f"/files/{image}").headers["content-type"] == "image/png"
    home = client.get("/").text
    assert state["folder"] in home


def test_studies_are_found_again_after_a_restart(workspace):
    with TestClient(create_app(workspace, workers=1)) as c:
        state = _wait(c, _start(c, "/run", {"ref": "packaged:baseline", "replications": "1", "days": DAYS}))
    with TestClient(create_app(workspace, workers=1)) as c:  # a new server on the same workspace
        home = c.get("/").text
        assert state["folder"] in home and "complete" in home


def test_cancel_keeps_a_resumable_folder_and_resume_finishes_it(client, workspace):
    job = _start(client, "/run", {"ref": "packaged:baseline", "replications": "20", "days": "28"})
    deadline = time.monotonic() + 120
    while client.get(job + "/state").json()["progress"].get("done", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.post(job + "/cancel", follow_redirects=False).status_code == 303
    state = _wait(client, job)
    assert state["state"] == "stopped" and state["result"]["cancelled"], state
    page = client.get(f"/studies/{state['folder']}").text
    assert 'id="resume"' in page
    state = _wait(client, _start(client, f"/studies/{state['folder']}/resume", {}))
    assert state["state"] == "done" and state["result"]["replications"] == 20


def test_a_study_killed_midway_leaves_a_folder_that_resumes(client):
    """The job's process dies (SIGKILL: no chance to tidy up): the folder holds what was done, sealed,
    and resuming it from its page finishes the run."""
    import signal

    job = _start(client, "/run", {"ref": "packaged:baseline", "replications": "20", "days": "28"})
    deadline = time.monotonic() + 120
    while client.get(job + "/state").json()["progress"].get("done", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    process = client.app.state.jobs.get(job.rsplit("/", 1)[1]).process
    os.kill(process.pid, signal.SIGKILL)
    state = _wait(client, job)
    assert state["state"] == "failed" and "exit code -9" in state["problems"][0], state
    assert 'id="resume"' in client.get(f"/studies/{state['folder']}").text
    state = _wait(client, _start(client, f"/studies/{state['folder']}/resume", {}))
    assert state["state"] == "done" and state["result"]["replications"] == 20, state


def test_limits_refuse_with_a_line_that_names_them(client):
    r = client.post("/run", data={"ref": "packaged:baseline", "replications": "21", "days": DAYS})
    assert r.status_code == 400 and "replications 21: expected 1 to 20" in r.text
    r = client.post("/run", data={"ref": "packaged:baseline", "replications": "2", "days": "46"})
    assert r.status_code == 400 and "days 46: expected 1 to 45" in r.text
    r = client.post("/run", data={"ref": "packaged:baseline", "replications": "x"})
    assert r.status_code == 400 and "expected a whole number" in r.text
    r = client.post("/run", data={"ref": "packaged:pre_tet", "replications": "2"})  # its own 50 days
    assert r.status_code == 400 and "horizon_days = 50: above the workbench limit of 45 days" in r.text
    job = _start(client, "/run", {"ref": "packaged:baseline", "replications": "20", "days": "28"})
    r = client.post("/run", data={"ref": "packaged:baseline", "replications": "1", "days": DAYS})
    assert r.status_code == 429 and "1 of 1 studies running already" in r.text
    client.post(job + "/cancel")
    _wait(client, job)


TRAVERSALS = [
    "/files/..%2F..%2F..%2Fetc%2Fpasswd",
    "/files/%2e%2e/%2e%2e/etc/passwd",
    "/files/studies/..%2F..%2Fsecret.txt",
    "/files//etc/passwd",
    "/files/scenarios/%00x",
    "/files/outside_link/secret.txt",
    "/studies/..%2F..%2F",
    "/studies/%2e%2e",
    "/studies/outside_link",
    "/scenario?ref=workspace:../../secret.txt",
    "/scenario?ref=workspace:..%2F..%2Fsecret.toml",
    "/scenario?ref=workspace:/etc/passwd.toml",
    "/scenario?ref=workspace:link.toml",
    "/scenario?ref=packaged:../../pyproject",
    "/scenario?ref=packaged:/etc/passwd",
]


def test_no_request_reaches_outside_the_workspace(client, workspace, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET CONTENT")
    (tmp_path / "secret.toml").write_text('name = "SECRET CONTENT"\n')
    os.symlink(tmp_path, workspace / "outside_link")
    os.symlink(tmp_path, workspace / "studies" / "outside_link")
    os.symlink(tmp_path / "secret.toml", workspace / "scenarios" / "link.toml")
    for url in TRAVERSALS:
        r = client.get(url)
        assert 400 <= r.status_code < 500, (url, r.status_code)
        assert "SECRET CONTENT" not in r.text, url
    for path, data in (("/run", {"ref": "workspace:../secret.toml"}), ("/studies/..%2F/report", {}),
                       ("/scenario/save", {"ref": "packaged:baseline", "name": "../x"}),
                       ("/scenario/save", {"ref": "packaged:baseline", "name": "/tmp/x"})):  # fmt: skip
        r = client.post(path, data=data)
        assert 400 <= r.status_code < 500, (path, data, r.status_code)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.toml", "secret.txt", "ws"]


def test_a_token_is_needed_when_one_is_set(workspace):
    with TestClient(create_app(workspace, token="s3cret")) as c:
        assert c.get("/").status_code == 403
        assert c.get("/?token=wrong").status_code == 403
        r = c.get("/?token=s3cret", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("/")
        assert c.get("/").status_code == 200  # the cookie carries it from now on
    with TestClient(create_app(workspace, token="s3cret")) as c:
        assert c.get("/", headers={"Authorization": "token s3cret"}).status_code == 200


def test_other_hosts_and_other_sites_are_refused(workspace):
    with TestClient(create_app(workspace, hosts={"127.0.0.1:8765"})) as c:
        assert c.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200
        assert c.get("/", headers={"host": "attacker.example:8765"}).status_code == 403
        r = c.post("/run", headers={"host": "127.0.0.1:8765", "origin": "http://attacker.example"},
                   data={"ref": "packaged:baseline"})  # fmt: skip
        assert r.status_code == 403


def test_serve_binds_loopback_and_prints_a_token_for_any_other_interface(monkeypatch, capsys, workspace):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: started.update(host=host, app=app))
    assert main(["serve", "--workspace", str(workspace), "--port", "8799"]) == 0
    assert started["host"] == "127.0.0.1" and "?token=" not in capsys.readouterr().out
    assert main(["serve", "--workspace", str(workspace), "--host", "0.0.0.0", "--port", "8799"]) == 0
    token = re.search(r"\?token=(\S+)", capsys.readouterr().out)[1]
    with TestClient(started["app"]) as c:
        assert c.get("/", headers={"host": "0.0.0.0:8799"}).status_code == 403
        assert (
            c.get(f"/?token={token}", headers={"host": "0.0.0.0:8799"}, follow_redirects=False).status_code
            == 303
        )


def test_serve_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--workspace",
        "--host",
        "--port",
        "--token",
        "--jobs",
        "--max-replications",
        "--max-days",
        "--max-worlds",
    ):
        assert option in out


def test_every_route_is_tested(workspace):
    """Each route of the app appears in this file (a new route without a test fails here)."""
    app = create_app(workspace)
    text = Path(__file__).read_text()
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith(("/static", "/files")) or path == "/":
            continue
        stem = re.sub(r"\{[^}]+\}", "", path).rstrip("/").split("/")[-1] or path
        assert stem in text, f"route {path} has no test here"
