"""The one folder the workbench reads and writes, and every path a request may name inside it.

::

    WORKSPACE/scenarios/NAME.toml    the planner's scenarios (short ``extends`` files with ``[set]``)
    WORKSPACE/studies/NAME/          every study: a results folder (run), a comparison folder,
                                     or a capacity report; its report inside it
    WORKSPACE/pages/NAME.html        animations drawn from a study (a results folder holds only its own)

The folders are the store: after a restart, every study is found again by its files. A request
names a scenario as ``packaged:NAME`` (one of the packaged scenarios, by exact name) or
``workspace:NAME.toml``, and a study or file by its path inside the workspace; each name is checked
as one plain component (no ``..``, no separator, no absolute path, no NUL) and the joined path,
links resolved, must stay inside the workspace (:func:`sim.experiments.confine.within`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sim.experiments.confine import within
from sim.experiments.integrity import FolderError

SCENARIOS = "scenarios"
STUDIES = "studies"
PAGES = "pages"  # animations: a results folder holds only its own files
_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
PACKAGED, MINE = "packaged", "workspace"


class Refused(FolderError):
    """A request that names something outside the workspace, or that does not exist: one line."""


@dataclass(frozen=True)
class Study:
    """A folder under ``studies/``: its kind (run, comparison, capacity, or unknown), its state, when."""

    name: str
    kind: str
    status: str
    scenario: str
    modified: datetime


class Workspace:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        for sub in (SCENARIOS, STUDIES, PAGES):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- scenarios --------------------------------------------------------------------------------
    def scenario_refs(self) -> list[tuple[str, str]]:
        """``(ref, label)`` of every scenario to pick: the packaged ones, then the planner's."""
        from sim.scenario.files import packaged_names

        refs = [(f"{PACKAGED}:{n.removesuffix('.toml')}", n.removesuffix(".toml")) for n in packaged_names()]
        mine = sorted(p.name for p in (self.root / SCENARIOS).glob("*.toml") if p.is_file())
        return refs + [(f"{MINE}:{n}", f"{n} (yours)") for n in mine]

    def scenario_file(self, ref: str) -> Path:
        """The file of a scenario reference; :class:`Refused` for anything else."""
        from sim.scenario.files import packaged_dir, packaged_names

        kind, _, name = str(ref).partition(":")
        if kind == PACKAGED and f"{name}.toml" in packaged_names():
            return packaged_dir() / f"{name}.toml"
        if kind == MINE and name.endswith(".toml"):
            path = within(self.root / SCENARIOS, name)
            if path.is_file():
                return path
        raise Refused(
            f"scenario {ref[:80]!r}: expected one of the packaged scenarios or a file in {SCENARIOS}/"
        )

    def new_scenario(self, name: str) -> Path:
        """Where the planner's scenario ``name`` is saved (``scenarios/NAME.toml``)."""
        if not _NAME.fullmatch(name or ""):
            raise Refused(f"name {name[:80]!r}: expected lower-case letters, digits and _ (a letter first)")
        return within(self.root / SCENARIOS, f"{name}.toml")

    # -- studies ----------------------------------------------------------------------------------
    def study_path(self, name: str) -> Path:
        path = within(self.root / STUDIES, name)
        if not path.is_dir():
            raise Refused(f"study {name[:80]!r}: no such study in {STUDIES}/")
        return path

    def new_study(self, kind: str, label: str) -> Path:
        """A fresh folder name under ``studies/``: kind, scenario, time (never an existing one)."""
        stem = re.sub(r"[^a-z0-9_]+", "_", f"{kind}_{label}".lower()).strip("_")[:60]
        stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
        for i in range(100):
            name = f"{stem}_{stamp}" + (f"_{i}" if i else "")
            path = within(self.root / STUDIES, name)
            if not path.exists():
                return path
        raise Refused(f"{STUDIES}/{stem}_{stamp}: too many studies started this second")

    def new_page(self, label: str) -> Path:
        """A fresh animation page under ``pages/``, named after its study and crossing."""
        stem = re.sub(r"[^a-z0-9_]+", "_", label.lower()).strip("_")[:90]
        stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
        return within(self.root / PAGES, f"{stem}_{stamp}.html")

    def pages_of(self, study: str) -> list[str]:
        """The animation pages drawn from a study, as paths inside the workspace."""
        return sorted(
            f"{PAGES}/{p.name}" for p in (self.root / PAGES).glob("*.html") if p.name.startswith(study)
        )

    def studies(self) -> list[Study]:
        """Every study in the workspace, newest first, as its files describe it."""
        out = []
        for path in (self.root / STUDIES).iterdir():
            if path.is_dir() and not path.is_symlink():
                out.append(describe(path))
        return sorted(out, key=lambda s: s.modified, reverse=True)

    def file(self, relative: str) -> Path:
        """A file inside the workspace by its relative path (each component checked)."""
        parts = [p for p in str(relative).split("/")]
        if not relative or any(p in ("", ".", "..") for p in parts) or "\\" in relative:
            raise Refused(f"{relative[:80]!r}: expected a path inside the workspace")
        path = within(self.root, *parts)
        if not path.is_file():
            raise Refused(f"{relative[:80]!r}: no such file in the workspace")
        return path

    def shown(self, line: str) -> str:
        """A message as the planner reads it: files inside the workspace named from its folder
        (``scenarios/my_case.toml``, what ``bordersim validate`` says when run there), no path of
        the server's disk."""
        return line.replace(f"{self.root}{os.sep}", "")

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()


def describe(path: Path) -> Study:
    """What a study folder holds, read from its own files (a damaged one says so, never raises)."""
    from sim.experiments.results_folder import MANIFEST, read_manifest

    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        if (path / MANIFEST).is_file():
            m = read_manifest(path / MANIFEST)
            if m.get("kind") == "comparison":
                names = [_scenario_name(path, m.get(side)) for side in ("b", "a")]
                return Study(path.name, "comparison", "complete", " against ".join(names), modified)
            done = len(m.get("parts", {}) or {})
            status = (
                "complete"
                if m.get("status") == "complete"
                else f"stopped ({done} of {m.get('replications')})"
            )
            return Study(path.name, "run", status, str(m.get("scenario_name", "?")), modified)
        if (path / "worlds_answer.json").is_file() and (path / "report.md").is_file():
            with open(path / "report.md", encoding="utf-8") as f:  # "# TITLE"
                title = f.readline(300).lstrip("# ").strip() or "?"
            return Study(path.name, "worlds", "complete", title, modified)
        if (path / "capacity.json").is_file() and (path / "report.md").is_file():
            with open(path / "report.md", encoding="utf-8") as f:  # "# bordersim capacity — NAME"
                name = f.readline(200).rpartition("— ")[2].strip() or "?"
            return Study(path.name, "capacity", "complete", name, modified)
    except (FolderError, ValueError, OSError) as err:
        return Study(path.name, "unreadable", str(err)[:120], "?", modified)
    return Study(path.name, "unknown", "no results yet", "?", modified)


def _scenario_name(comparison: Path, side: object) -> str:
    """The scenario of a comparison's side, when its folder is one of the comparison's own."""
    from sim.experiments.results_folder import MANIFEST, read_manifest

    if side not in ("a", "b") or not (comparison / str(side) / MANIFEST).is_file():
        return "?"
    return str(read_manifest(comparison / str(side) / MANIFEST).get("scenario_name", "?"))
