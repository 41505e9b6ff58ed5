"""A comparison folder (``bordersim compare A B --out C``): its manifest, its lock, its checks.

::

    C/manifest.json      format bordersim-comparison/2: where A and B are (relative to C), the
                         manifest_sha256 of each, the differences file's SHA-256, and the
                         SHA-256 of its own content (manifest_sha256)
    C/differences.csv    each KPI: A, B, the paired difference B - A with its CI, p-value
    C/a/, C/b/           the two results folders, when compare ran two scenarios
    C/.lock              held (flock) while compare writes the folder

A comparison never replaces anything but a comparison: not a run's results folder, not a
folder of other files, not one of its own inputs (``--out A``). Reading a comparison
(``report``) checks its manifest's checksum, then that A and B are verified results folders
whose manifests are still the ones compared (a rerun or resumed A is a different A), and the
differences file's SHA-256. As for results folders (:mod:`sim.experiments.integrity`), the
checksum is not a keyed seal: it finds damage and careless edits; the folders it names are
only ever read, and only once verified.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.experiments.atomic import write_atomic
from sim.experiments.confine import check_output_folder, refuse_links, within
from sim.experiments.integrity import (
    FolderError,
    FolderLock,
    LockedError,
    is_sealed,
    seal,
    sha256_bytes,
    sha256_file,
)
from sim.experiments.results_folder import (
    MANIFEST,
    ResultsFolder,
    _user_files,
    is_results_folder,
    read_manifest,
)

FORMAT = "bordersim-comparison/2"  # 2: sealed, with the checksums of what it names
OLD_FORMATS = ("bordersim-comparison/1",)
KIND = "comparison"
DIFFERENCES = "differences.csv"


def is_comparison(path: str | Path) -> bool:
    """Whether ``path`` holds a comparison's manifest (any version)."""
    if not is_results_folder(path):
        return False
    try:
        return read_manifest(Path(path) / MANIFEST).get("kind") == KIND
    except FolderError:
        return False


class ComparisonFolder:
    """A comparison folder being written: held locked from :meth:`start` to :meth:`release`."""

    def __init__(self, path: Path, lock: FolderLock):
        self.path = path
        self._lock: FolderLock | None = lock

    @classmethod
    def start(cls, out: str | Path, inputs: Sequence[str | Path] = ()) -> ComparisonFolder:
        """Check that ``out`` may hold a comparison (absent, empty, or a comparison already; not one
        of ``inputs`` nor inside or around one), create it and lock it; before any work starts."""
        path = Path(out)
        check_output_folder(path, "--out", inputs)
        if path.is_symlink() and not path.exists():
            raise FolderError(f"{path}: is a broken symbolic link: choose another --out")
        if path.exists() and not path.is_dir():
            raise FolderError(f"{path}: exists and is not a folder")
        if path.is_dir():
            if is_results_folder(path):
                if not is_comparison(path):
                    raise FolderError(
                        f"{path}: holds a run's results folder (or a manifest.json bordersim did not write): "
                        "a comparison never replaces it; choose another --out"
                    )
            elif any(_user_files(path)):
                raise FolderError(
                    f"{path}: exists, is not empty and is not a comparison folder; choose another --out"
                )
        path.mkdir(parents=True, exist_ok=True)
        try:
            lock = FolderLock(path).acquire()
        except LockedError as err:
            raise FolderError(str(err)) from None
        try:
            refuse_links(path)
        except BaseException:
            lock.release()
            raise
        return cls(path, lock)

    def write(self, a: str | Path, b: str | Path, differences: str, extra: dict[str, Any]) -> None:
        """The differences file, then the sealed manifest naming the verified folders A and B."""
        digests = {}
        for label, where in (("a", a), ("b", b)):
            digests[f"{label}_manifest_sha256"] = ResultsFolder.open(where).manifest(check=True)[
                "manifest_sha256"
            ]
        file = within(self.path, DIFFERENCES)
        write_atomic(file, differences)
        manifest = {
            "format": FORMAT,
            "kind": KIND,
            "a": os.path.relpath(Path(a).resolve(), self.path.resolve()),
            "b": os.path.relpath(Path(b).resolve(), self.path.resolve()),
            **digests,
            **extra,
            "outputs": {DIFFERENCES: sha256_bytes(differences.encode("utf-8"))},
        }
        write_atomic(self.path / MANIFEST, json.dumps(seal(manifest), indent=1, ensure_ascii=False) + "\n")

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def open_comparison(
    path: str | Path, root: str | Path | None = None
) -> tuple[ResultsFolder, ResultsFolder, dict[str, Any]]:
    """A comparison's two results folders (each verified) and its manifest, or :class:`FolderError`.

    ``root``: a folder both A and B must lie in (a workspace); None (the command line): wherever
    the comparison was made from, as the planner named them.
    """
    path = Path(path)
    file = path / MANIFEST
    manifest = read_manifest(file)
    if manifest.get("format") in OLD_FORMATS:
        raise FolderError(
            f"{path}: a comparison written by an older bordersim (no checksums): run compare again"
        )
    if manifest.get("format") != FORMAT or manifest.get("kind") != KIND:
        raise FolderError(f"{file}: format = {manifest.get('format')!r}: expected {FORMAT!r}")
    if not is_sealed(manifest):
        raise FolderError(
            f"{file}: manifest_sha256 does not match the manifest's content (edited or damaged); run "
            f"compare again"
        )
    folders = []
    for label in ("a", "b"):
        name = manifest.get(label)
        if not isinstance(name, str) or not name or "\0" in name or Path(name).is_absolute():
            raise FolderError(
                f"{file}: {label} = {str(name)[:60]!r}: expected a folder's path relative to {path}"
            )
        where = (path / name).resolve()
        if where == path.resolve():
            raise FolderError(f"{file}: {label} = {name!r}: names the comparison itself")
        if root is not None and not where.is_relative_to(Path(root).resolve()):
            raise FolderError(f"{file}: {label} = {name!r}: lies outside {root}: refused")
        folder = ResultsFolder.open(where)
        if folder.manifest(check=True)["manifest_sha256"] != manifest.get(f"{label}_manifest_sha256"):
            raise FolderError(
                f"{where}: is not the folder this comparison was made from (rerun, resumed or replaced "
                f"since); run compare again"
            )
        folder.replications()  # verified: every part and summary against the manifest
        folders.append(folder)
    for name, digest in (manifest.get("outputs") or {}).items():
        target = within(path, str(name))
        if not target.is_file() or sha256_file(target) != digest:
            raise FolderError(
                f"{target}: sha256 does not match the comparison's manifest (edited or damaged)"
            )
    return folders[0], folders[1], manifest


def comparison_sources(a: str | Path, b: str | Path) -> bool:
    """Whether ``compare a b`` compares two results folders (True) or two scenarios (False);
    :class:`FolderError` naming the odd one when one is a results folder and the other is not."""
    from sim.scenario.files import resolve

    folders = [is_results_folder(x) for x in (a, b)]
    if all(folders) or not any(folders):
        return all(folders)
    folder, other = (a, b) if folders[0] else (b, a)
    p = Path(other)
    if p.is_dir():
        raise FolderError(f"{other}: not a results folder (no {MANIFEST}), while {folder} is one")
    if not p.exists() and not resolve(str(other)).is_file():
        raise FolderError(f"{other}: no such results folder (nor scenario file)")
    raise FolderError(
        f"{folder}: is a results folder and {other} a scenario: compare takes two results folders or "
        f"two scenarios"
    )
