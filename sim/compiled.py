"""Which per-truck path runs: ``sim/engine/path.py`` compiled, or the same file as plain Python.

Installing the package compiles ``path.py`` with Cython when it can (``hatch_build.py`` at
the top of the repository: ``pip install .`` or ``pip install -e .``), using the C types
declared in ``path.pxd``; a simulated year of the baseline then runs about 1.5x faster.
Both run the same source, so they give the same results to the bit (tests/test_compiled_path.py).

The compiled module is used only when it was built from the ``path.py`` and ``path.pxd`` that
sit next to it (it carries their SHA-256): after an edit to either, until the next
``pip install -e .``, the plain Python file runs, never stale code. ``BORDERSIM_PURE_PYTHON=1``
forces plain Python (benchmarks compare the two side by side). :func:`status` says which runs,
and why; ``bordersim --version`` prints it.

This module is imported by ``sim/engine/__init__.py``, before anything imports ``path``. It is a
leaf beside the layers (as ``sim.version``): it reads the engine's own source files, which the
engine itself never does (tests/test_layers.py).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

PURE_ENV = "BORDERSIM_PURE_PYTHON"
MODULE = "sim.engine.path"
HERE = Path(__file__).resolve().parent / "engine"
SOURCE_NAMES = ("path.py", "path.pxd")  # hashed in this order (hatch_build.py uses this module)
SOURCES = tuple(HERE / name for name in SOURCE_NAMES)

_status = "not loaded yet"


def source_digest(files: tuple[Path, ...] = SOURCES) -> str:
    """SHA-256 of the files the compiled module is built from (``path.py``, then ``path.pxd``)."""
    h = hashlib.sha256()
    for file in files:
        h.update(file.read_bytes() if file.is_file() else b"")
        h.update(b"\0")
    return h.hexdigest()


def compiled_file(folder: Path = HERE) -> Path | None:
    """The compiled ``path`` extension in ``folder``, if one was built for this Python."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = folder / f"path{suffix}"
        if candidate.is_file():
            return candidate
    return None


def choice(compiled: Path | None, built_from: str | None, digest: str, pure_requested: bool) -> str | None:
    """Why plain Python runs (None: the compiled module runs). ``built_from``: the digest the
    compiled module carries."""
    if pure_requested:
        return f"{PURE_ENV} is set"
    if compiled is None:
        return "not compiled (no C compiler or Cython when the package was installed)"
    if built_from != digest:
        return "path.py or path.pxd changed since it was compiled: `pip install -e .` compiles it again"
    return None


def _load(loader: importlib.abc.Loader, origin: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(MODULE, origin, loader=loader)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[MODULE] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        del sys.modules[MODULE]
        raise
    return module


def load_path() -> ModuleType:
    """Import ``sim.engine.path``: compiled if it is current and allowed, else plain Python."""
    global _status
    if MODULE in sys.modules:
        return sys.modules[MODULE]
    so = compiled_file()
    pure = bool(os.environ.get(PURE_ENV))
    if so is not None and not pure:  # compiled: is it built from these very files?
        module = _load(importlib.machinery.ExtensionFileLoader(MODULE, str(so)), so)
        why = choice(so, getattr(module, "SOURCE_SHA256", None), source_digest(), pure)
        if why is None:
            _status = f"compiled ({so.name})"
            return module
        del sys.modules[MODULE]
    else:
        why = choice(so, None, "", pure)
    module = _load(importlib.machinery.SourceFileLoader(MODULE, str(SOURCES[0])), SOURCES[0])
    _status = f"plain Python: {why}"
    return module


def status() -> str:
    """Which per-truck path runs in this process, and why."""
    return _status


def is_compiled() -> bool:
    return _status.startswith("compiled")
