"""Where a command may read, write and delete: inside its folder, never over its inputs.

* :func:`within` joins names to a folder and refuses anything that would leave it: an empty
  name, ``..``, an absolute path, a separator, or a symbolic link (anywhere on the way) that
  resolves outside. Every path a results folder, sweep or comparison takes from a file it
  reads (a manifest's part names, a comparison's folders) goes through it before use.
* :func:`refuse_links` refuses a folder about to be written that holds a symbolic link: a
  link inside a results folder would let a write or a delete land outside it.
* :func:`check_output_file` and :func:`check_output_folder` refuse an output that is one of the
  command's inputs, or lies in a folder of another kind (a results, sweep or comparison
  folder), before any work starts.

These are functions of the experiments layer, not of the command line, so that every face
(the CLI, a notebook, a web workbench) gets the same refusals.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sim.experiments.integrity import FolderError

#: Files that mark a folder as bordersim's own: a results or comparison folder, a sweep.
MARKERS = ("manifest.json", "sweep.json")


def within(root: str | Path, *names: str) -> Path:
    """``root/names...``, refused (:class:`FolderError`, one line) unless it stays inside ``root``.

    Each name must be one plain path component; the joined path, with every symbolic link on
    the way resolved, must lie inside ``root`` (itself resolved). Paths that do not exist yet
    are resolved as far as they exist.
    """
    root = Path(root)
    path = root
    for name in names:
        if (
            not isinstance(name, str)
            or name in ("", ".", "..")
            or "/" in name
            or "\\" in name
            or "\0" in name
            or len(name) > 255
        ):
            raise FolderError(f"{root}: names {_show(name)}: expected a plain file name inside the folder")
        path = path / name
    try:
        real_root = root.resolve()
        real = path.resolve()
    except (OSError, RuntimeError) as err:  # a loop of links
        raise FolderError(f"{path}: cannot be resolved ({err}); refused") from None
    if real != real_root and not real.is_relative_to(real_root):
        raise FolderError(f"{path}: leads outside {root} (a symbolic link?): refused")
    return path


def refuse_links(folder: str | Path) -> None:
    """Refuse (one line naming it) a symbolic link anywhere inside ``folder``, links not followed."""
    folder = Path(folder)
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in (*dirs, *files):
            path = Path(top) / name
            if path.is_symlink():
                raise FolderError(
                    f"{path}: is a symbolic link: a folder bordersim writes holds none (a write or "
                    "delete through it could land outside); remove it, or choose another --out"
                )


def marked_folder(path: str | Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds a results, comparison or sweep marker."""
    here = Path(os.path.abspath(path))
    for folder in (here, *here.parents):
        if any((folder / m).is_file() for m in MARKERS):
            return folder
    return None


def _same(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: str | Path, folder: str | Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def check_output_file(
    path: str | Path,
    option: str,
    inputs: Iterable[str | Path] = (),
    suffixes: tuple[str, ...] = (),
) -> None:
    """Refuse (:class:`FolderError`) writing the file ``path`` given by ``option`` when it is

    * one of ``inputs`` (the scenario and its parents, a targets file, a results folder...) or
      inside an input folder;
    * an existing folder, or not a regular file (a device, a FIFO);
    * an existing file whose name does not end in one of ``suffixes`` (when given): a command
      writes over a file of its own kind only;
    * inside a results, comparison or sweep folder: their files are their own.
    """
    p = Path(path)
    for item in inputs:
        if _same(p, item) or (Path(item).is_dir() and _inside(p, item)):
            raise FolderError(
                f"{option} {path}: is an input of this command ({item}): refused; write elsewhere"
            )
    if p.is_symlink() and not p.exists():
        raise FolderError(f"{option} {path}: is a broken symbolic link: refused")
    if p.exists():
        mode = os.stat(p).st_mode
        if stat.S_ISDIR(mode):
            raise FolderError(f"{option} {path}: is a folder: expected a file name")
        if not stat.S_ISREG(mode):
            raise FolderError(f"{option} {path}: is not a regular file: refused")
        if suffixes and not p.name.lower().endswith(suffixes):
            raise FolderError(
                f"{option} {path}: exists and is not a {' or '.join(suffixes)} file: refused (a command "
                "writes over files of its own kind only); choose another name"
            )
    marked = marked_folder(p.parent)
    if marked is not None:
        raise FolderError(
            f"{option} {path}: is inside {marked}, a bordersim results, comparison or sweep folder, whose "
            "files are its own: refused; write elsewhere"
        )


def check_output_folder(path: str | Path, option: str, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse (:class:`FolderError`) an output folder that is an input, or lies inside one, or holds one."""
    p = Path(path)
    for item in inputs:
        if _same(p, item) or _inside(p, item) or (Path(item).is_dir() and _inside(item, p)):
            raise FolderError(
                f"{option} {path}: is, holds or lies inside an input of this command ({item}): refused; "
                "choose another folder"
            )


def check_folder_kind(path: str | Path, option: str, own_names: Iterable[str], kind: str) -> None:
    """Refuse (:class:`FolderError`) writing the folder ``path`` when it exists and holds anything
    but a ``kind``'s own entries (``own_names``; the lock and temporary files aside): a command
    writes over a folder of its own kind only, never over one it did not create."""
    p = Path(path)
    if p.is_symlink() and not p.exists():
        raise FolderError(f"{option} {path}: is a broken symbolic link: refused")
    if not p.exists():
        return
    if not p.is_dir():
        raise FolderError(f"{option} {path}: exists and is not a folder")
    own = set(own_names) | {".lock"}
    others = sorted(c.name for c in p.iterdir() if c.name not in own and not _temporary(c.name))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise FolderError(
            f"{option} {path}: exists and holds what is not a {kind}'s ({shown}): refused (a command writes "
            "over a folder of its own kind only); choose another folder"
        )


def _temporary(name: str) -> bool:
    """A temporary file left by a killed atomic write (:mod:`sim.experiments.atomic`)."""
    return name.startswith(".") and name.endswith(".tmp")


def _show(name: object) -> str:
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "..."
