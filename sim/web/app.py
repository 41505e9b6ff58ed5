"""The workbench's pages: pick a scenario, read it, change it, run it, compare it, read the answers.

A FastAPI application over the study API (:mod:`sim.study`): every page renders what a study call
returns or what a folder in the workspace holds; every study runs as a job in its own process
(:mod:`sim.web.jobs`). Pages are Jinja2 templates (``templates/``), with one small script of our
own (``static/workbench.js``) that follows a job's progress; nothing is fetched from elsewhere.

Safe by default (:func:`create_app`): every path a request names goes through the workspace
(:mod:`sim.web.workspace`); limits on replications, horizon and concurrent studies refuse with a
page that says which limit; with a token (another interface than this machine), every request
must carry it (``?token=`` once, then a cookie); a request whose ``Host`` is not the server's is
refused (DNS rebinding) and so is a form posted from another origin (``Origin``).
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

# Loaded with the server, not by the first page that lists a study (NumPy and pyarrow come with it).
import sim.experiments.results_folder  # noqa: E402, F401
from sim.experiments.integrity import FolderError
from sim.scenario.files import ScenarioError
from sim.web import forms
from sim.web.jobs import Busy, Jobs
from sim.web.workspace import MINE, PACKAGED, Refused, Workspace

HERE = Path(__file__).resolve().parent
COOKIE = "bordersim_token"
MAX_FORM_FIELDS = 20_000
MEDIA = {".html": "text/html", ".png": "image/png", ".md": "text/plain", ".csv": "text/plain",
         ".json": "application/json", ".toml": "text/plain"}  # fmt: skip


@dataclass(frozen=True)
class Limits:
    """What one request may ask: replications per study, days per run, studies at once."""

    replications: int = 50
    days: int = 366
    jobs: int = 1
    worlds: int = 50  # plausible worlds per study (each runs every replication)


def create_app(
    workspace: str | Path,
    token: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen
    workers: int | None = None,
    hosts: set[str] | None = None,
) -> FastAPI:
    """The workbench on ``workspace`` (created if missing). ``token``: required on every request;
    ``hosts``: the ``Host`` headers accepted (None: any, as in tests)."""
    ws = Workspace(workspace)
    jobs = Jobs(limits.jobs, workers)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=jobs.prepare, daemon=True).start()  # the first study starts warm
        yield
        jobs.shutdown()  # running studies are cancelled: their folders stay resumable

    app = FastAPI(
        title="bordersim workbench", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.workspace, app.state.jobs, app.state.limits = ws, jobs, limits
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if hosts is not None and request.headers.get("host", "") not in hosts:
            return Response("refused: this server answers to its own address only\n", 403)
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and origin.split("://", 1)[-1] != request.headers.get("host"):
            return Response("refused: a form from another site\n", 403)
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, token):
                clean = request.url.remove_query_params("token")
                response = RedirectResponse(str(clean), 303)
                response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
                return response
            held = request.cookies.get(COOKIE) or request.headers.get("authorization", "").removeprefix(
                "token "
            )
            if not held or not hmac.compare_digest(held, token):
                return Response(
                    "this workbench needs its token: open the address bordersim serve printed\n", 403
                )
        return await call_next(request)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        running = [j for j in jobs.jobs.values() if j.active]
        return templates.TemplateResponse(request, name, {"running": running, "limits": limits, **context},
                                          status_code=status)  # fmt: skip

    def refused(request: Request, lines: list[str], status: int = 400) -> HTMLResponse:
        return page(request, "refused.html", status, problems=[ws.shown(line) for line in lines])

    @app.exception_handler(Refused)
    @app.exception_handler(FolderError)
    async def on_refused(request: Request, err: Exception) -> HTMLResponse:
        return refused(request, [str(err)], 404 if isinstance(err, Refused) else 400)

    @app.exception_handler(ScenarioError)
    async def on_scenario(request: Request, err: ScenarioError) -> HTMLResponse:
        return refused(request, list(err.problems))

    @app.exception_handler(Busy)
    async def on_busy(request: Request, err: Busy) -> HTMLResponse:
        return refused(request, [str(err)], 429)

    # -- pages --------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        return page(request, "home.html", scenarios=ws.scenario_refs(), studies=ws.studies(),
                    jobs=sorted(jobs.jobs.values(), key=lambda j: -j.started))  # fmt: skip

    @functools.lru_cache(maxsize=32)
    def fields_html(file: str, version: tuple) -> Markup:
        """A scenario's form fields, rendered once per version of its files (1,300 inputs for the
        baseline: most of the page's time)."""
        view = _scenario_view(ws, file)
        return Markup(templates.get_template("fields.html").render(groups=view["groups"], posted=None))

    @app.get("/scenario", response_class=HTMLResponse)
    def scenario(request: Request, ref: str):
        view = _scenario_view(ws, ref)
        return page(request, "scenario.html", **view, fields_html=fields_html(ref, view["version"]))

    @app.post("/scenario/save", response_class=HTMLResponse)
    async def save(request: Request):
        from sim.experiments.atomic import write_atomic
        from sim.study.scenarios import check, set_file

        # every field of the scenario comes back (the baseline has about 1,300): more than Starlette's
        # default of 1,000, far fewer than MAX_FORM_FIELDS
        posted = await request.form(max_fields=MAX_FORM_FIELDS)
        form = {k: v for k, v in posted.items() if isinstance(v, str)}
        ref, name = form.get("ref", ""), form.get("name", "").strip()
        view = _scenario_view(ws, ref)
        target = ws.new_scenario(name)
        if target.exists() and form.get("replace") != "yes":
            raise Refused(f"scenarios/{target.name}: exists already: choose another name")
        settings = forms.changed_settings(view["data"], form)
        parent = ref.partition(":")[2]  # a packaged name, or a file beside the new one in scenarios/
        comment = [f"Saved from the workbench: {view['about'].name} with {len(settings)} field(s) changed."]
        text = set_file(parent, settings, name, form.get("description", "").strip(), comment)
        checked = check(target, text)  # the lines `bordersim validate` gives this file
        if checked.scenario is None:
            problems = [ws.shown(line) for line in checked.problems]
            return page(request, "scenario.html", 400, **view, problems=problems, posted=form,
                        new_name=name)  # fmt: skip
        write_atomic(target, text)
        return RedirectResponse(f"/scenario?ref={MINE}:{target.name}", 303)

    def launch(kind: str, title: str, call: dict[str, Any], folder: Path | None) -> RedirectResponse:
        return RedirectResponse(f"/jobs/{jobs.start(kind, title, call, folder).id}", 303)

    @app.post("/run")
    async def run(request: Request):
        form = await request.form()
        file, days, n = _checked_study(ws, limits, form, "ref")
        out = ws.new_study("run", Path(file).stem)
        call = {"scenario": file, "replications": n, "days": days, "out": str(out),
                "records": form.get("records") == "yes", "command": ["run", file, "--out", str(out)]}
        return launch("run", f"run {Path(file).stem} × {n}", call, out)  # fmt: skip

    @app.post("/compare")
    async def compare(request: Request):
        form = await request.form()
        (a, days, n), (b, _, _) = _checked_study(ws, limits, form, "a"), _checked_study(ws, limits, form, "b")
        out = ws.new_study("compare", f"{Path(b).stem}_vs_{Path(a).stem}")
        call = {"a": a, "b": b, "replications": n, "days": days, "out": str(out)}
        return launch("compare", f"compare {Path(b).stem} with {Path(a).stem} × {n}", call, out)

    @app.post("/compare-worlds")
    async def compare_worlds(request: Request):
        """B against A in each plausible world (seeds/worlds.toml, shipped with the package)."""
        from sim.experiments.worlds import default_worlds_path, load_worlds

        form = await request.form()
        (a, days, n), (b, _, _) = _checked_study(ws, limits, form, "a"), _checked_study(ws, limits, form, "b")
        available = len(load_worlds(default_worlds_path()))
        count = _whole(form.get("worlds"), "worlds", 1, min(limits.worlds, available), 10)
        out = ws.new_study("worlds", f"{Path(b).stem}_vs_{Path(a).stem}")
        call = {"a": a, "b": b, "worlds": str(default_worlds_path()), "world_count": count,
                "replications": n, "days": days, "out": str(out)}  # fmt: skip
        return launch("worlds_compare", f"compare {Path(b).stem} with {Path(a).stem} in {count} worlds × {n}",
                      call, out)  # fmt: skip

    @app.post("/capacity")
    async def capacity(request: Request):
        form = await request.form()
        file, days, n = _checked_study(ws, limits, form, "ref")
        out = ws.new_study("capacity", Path(file).stem)
        call = {"scenario": file, "replications": n, "days": days, "out": str(out)}
        return launch("capacity", f"capacity of {Path(file).stem} × {n}", call, out)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: str):
        job = jobs.get(job_id)
        if job is None:
            raise Refused(f"job {job_id[:40]!r}: no such job since the server started (studies are listed on "
                          "the first page)")  # fmt: skip
        return page(request, "job.html", job=job)

    @app.get("/jobs/{job_id}/state")
    def job_state(job_id: str):
        job = jobs.get(job_id)
        if job is None:
            return JSONResponse({"state": "unknown"}, 404)
        state = job.as_dict()
        for key in ("problems", "notices"):  # files named inside the workspace, as from its folder
            state[key] = [ws.shown(line) for line in state[key]]
        return JSONResponse(state)

    @app.post("/jobs/{job_id}/cancel")
    def cancel(job_id: str):
        job = jobs.cancel(job_id)
        return RedirectResponse(f"/jobs/{job_id}" if job else "/", 303)

    @app.get("/studies/{name}", response_class=HTMLResponse)
    def study_page(request: Request, name: str):
        return page(request, "study.html", **_study_view(ws, name))

    @app.post("/studies/{name}/report")
    def report(name: str):
        path = ws.study_path(name)
        return launch("report", f"report of {name}", {"folder": str(path), "root": str(ws.root)}, path)

    @app.post("/studies/{name}/resume")
    def resume(name: str):
        path = ws.study_path(name)
        return launch("resume", f"resume {name}", {"folder": str(path)}, path)

    @app.post("/studies/{name}/animate")
    async def animate(request: Request, name: str):
        from datetime import datetime

        form = await request.form()
        path = ws.study_path(name)
        try:
            start = datetime.fromisoformat(str(form.get("start", "")))
            hours = int(str(form.get("hours", "12")))
        except ValueError:
            raise ScenarioError(
                ["from: expected a local date-time YYYY-MM-DDTHH:MM and whole hours"]
            ) from None
        if not 1 <= hours <= 48:
            raise ScenarioError([f"hours {hours}: expected 1 to 48 (one page holds at most two days)"])
        crossing = str(form.get("crossing", ""))
        out = ws.new_page(f"{name}_{crossing}")
        call = {"source": str(path), "crossing": crossing, "start": start.isoformat(), "out": str(out),
                "hours": hours}  # fmt: skip
        return launch("animate", f"animation of {crossing} in {name}", call, path)

    @app.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)  # no icon: and no 404 in the browser's console

    @app.get("/files/{relative:path}")
    def files(relative: str):
        path = ws.file(relative)
        headers = {"Content-Security-Policy": "sandbox allow-scripts", "X-Content-Type-Options": "nosniff"}
        return FileResponse(path, media_type=MEDIA.get(path.suffix.lower(), "application/octet-stream"),
                            headers=headers)  # fmt: skip

    return app


def _whole(text: Any, what: str, low: int, high: int, default: int | None = None) -> int | None:
    """A form's whole number within ``low..high``: one line naming the limit otherwise."""
    if text in (None, "") and default is not None:
        return default
    if text in (None, ""):
        return None
    try:
        value = int(str(text))
    except ValueError:
        raise ScenarioError([f"{what} {str(text)[:20]!r}: expected a whole number"]) from None
    if not low <= value <= high:
        raise ScenarioError([f"{what} {value}: expected {low} to {high} (the workbench limit; "
                             "bordersim serve "
                             f"--max-{what} sets it)"])  # fmt: skip
    return value


def _checked_study(ws: Workspace, limits: Limits, form: Any, key: str):
    """The scenario file a study's form names (``form[key]``), its days and replications, within the
    limits, before any work."""
    ref, days, replications = form.get(key, ""), form.get("days"), form.get("replications")
    file = ws.scenario_file(str(ref))
    n = _whole(replications, "replications", 1, limits.replications, 5)
    d = _whole(days, "days", 1, limits.days)
    horizon = d or _loaded(str(file), file.stat().st_mtime_ns).horizon_days
    if horizon > limits.days:
        raise ScenarioError([f"{file.name}: horizon_days = {horizon}: above the workbench limit of "
                             f"{limits.days} "
                             "days (give fewer days)"])  # fmt: skip
    reference = str(ref).partition(":")[2] if str(ref).startswith(PACKAGED) else str(file)
    return reference, d, n


@functools.lru_cache(maxsize=64)
def _loaded(file: str, mtime_ns: int):
    """A scenario file loaded once per version (its modification time)."""
    from sim.scenario.files import load_scenario

    return load_scenario(file)


@functools.lru_cache(maxsize=32)
def _view(file: str, mtime_ns: int, parent_mtime: int) -> dict[str, Any]:
    from sim.scenario.files import normalised
    from sim.study.scenarios import about, check, difference, parent_of

    scenario = _loaded(file, mtime_ns)
    data = normalised(scenario)
    parent = parent_of(file)
    diff = difference(parent, file) if parent else None
    return {"about": about(file), "scenario": scenario, "data": data, "fields": forms.fields(data),
            "diff": diff, "parent": parent, "warnings": check(file).warnings}  # fmt: skip


def _scenario_view(ws: Workspace, ref: str) -> dict[str, Any]:
    file = ws.scenario_file(ref)
    from sim.study.scenarios import parent_of

    parent = parent_of(file)
    version = (file.stat().st_mtime_ns, Path(parent).stat().st_mtime_ns if parent else 0)
    view = dict(_view(str(file), *version))
    view["version"] = version
    groups: dict[str, list] = {}
    for f in view["fields"]:
        groups.setdefault(f.group, []).append(f)
    return {**view, "ref": ref, "file": file, "groups": groups, "choices": ws.scenario_refs(),
            "time": time.time()}  # fmt: skip


def _study_view(ws: Workspace, name: str) -> dict[str, Any]:
    from sim.web.workspace import describe

    path = ws.study_path(name)
    study = describe(path)
    view: dict[str, Any] = {"study": study, "path": path, "report": None, "pages": ws.pages_of(name)}
    if (path / "report" / "report.html").is_file():
        view["report"] = f"{ws.relative(path / 'report' / 'report.html')}"
    if study.kind == "run":
        view.update(_run_view(path))
    elif study.kind == "comparison":
        view.update(_comparison_view(ws, path))
    elif study.kind == "capacity":
        view["report"] = ws.relative(path / "report.html")
        view["text"] = (path / "report.md").read_text(encoding="utf-8")
    elif study.kind == "worlds":
        text = (path / "report.md").read_text(encoding="utf-8")
        view["text"] = text.split("![", 1)[0].strip()  # the figure is shown as an image below
        view["spread"] = ws.relative(path / "spread.png")
    return view


def _run_view(path: Path) -> dict[str, Any]:
    from sim.experiments.results_folder import ResultsFolder, describe_warmup, summarise_runs
    from sim.experiments.stability import stability
    from sim.reporting.tables import kpi_table

    folder = ResultsFolder.open(path)
    manifest = folder.manifest()
    scenario = folder.scenario()
    crossings = [c for c, x in scenario.crossings.items() if x.enabled]
    if manifest.get("status") != "complete":
        return {"text": None, "resumable": True, "crossings": crossings, "records": folder.has_records()}
    runs = folder.kpi_runs()
    header = f"{scenario.name}: {len(runs)} replications of {scenario.horizon_days} days from "
    header += str(scenario.start_date)
    text = kpi_table(scenario, summarise_runs(runs), header, stability(runs, scenario))
    warmup = describe_warmup(manifest.get("warmup_suggestion", {}))
    return {"text": f"{text}\n\n{warmup}", "resumable": False, "crossings": crossings,
            "records": folder.has_records(), "start": scenario.start_date}  # fmt: skip


def _comparison_view(ws: Workspace, path: Path) -> dict[str, Any]:
    from sim.experiments.comparison import (
        VERDICT_WORDS,
        compare,
        estimate_text,
        format_difference,
        headline_for,
        statements,
    )
    from sim.experiments.comparison_folder import open_comparison
    from sim.readouts.headline import HEADLINE

    fa, fb, manifest = open_comparison(path, root=ws.root)  # A and B inside the workspace, verified
    sa, sb = fa.scenario(), fb.scenario()
    runs_a, runs_b = fa.kpi_runs(), fb.kpi_runs()
    n = min(len(runs_a), len(runs_b))
    result = compare(sa, sb, runs_a[:n], runs_b[:n], [h.key for h in HEADLINE])
    rows = []
    for k in result.kpis:
        h = headline_for(k.key)
        rows.append({"label": h.label, "a": estimate_text(k.a, h), "b": estimate_text(k.b, h),
                     "difference": format_difference(k.paired, h), "verdict": VERDICT_WORDS[k.verdict],
                     "real": k.real})  # fmt: skip
    return {"comparison": result, "statements": statements(result.kpis, sa.name, sb.name), "rows": rows}
