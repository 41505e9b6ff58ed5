"""Build hook: compile the engine's per-truck path (``sim/engine/path.py``) with Cython.

Why Cython: the per-truck path is ~2.2 million events a simulated year, each a few attribute
reads and writes on stages, hops and yards; compiled with the C types of ``path.pxd`` (an
"augmenting" declaration file: the ``.py`` stays plain Python, runnable and readable as it is)
those become C struct fields, and a year of the baseline runs ~1.5x faster (issue 13). Cython
is the well-kept tool for exactly this (pure-Python source, optional compilation); mypyc would
need the whole module to type-check strictly and cannot compile classes SimPy's objects mix with.

The compiled module carries the SHA-256 of the ``path.py`` and ``path.pxd`` it was built from;
``sim/compiled.py`` uses it only when they are unchanged. When compiling fails (no C
compiler), the package installs as plain Python, with a warning: same results, slower.
``BORDERSIM_PURE_PYTHON=1`` at install time skips compiling.

* ``pip install .`` (a wheel): the extension is compiled in a temporary folder and added to the
  wheel next to ``path.py``, which makes the wheel specific to this Python and platform.
* ``pip install -e .`` (editable): the extension is written into ``sim/engine/`` of the source
  tree (ignored by git), where the editable install imports it from.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DIRECTIVES = {
    "language_level": 3,
    "annotation_typing": False,  # the C types are path.pxd's; annotations stay documentation
    "wraparound": False,  # no negative indices in the per-truck path; bounds are still checked
    "embedsignature": True,
}
# No contraction of a * b + c into one rounding (FMA): the compiled arithmetic must be
# Python's, to the bit.
CFLAGS = ["-O2", "-ffp-contract=off", "-g0"]


def source_digest(root: Path) -> str:
    """The digest ``sim/compiled.py`` checks at import, by its own function (one definition:
    the module is loaded from its file, as the package is not installed while it is built)."""
    spec = importlib.util.spec_from_file_location("_bordersim_compiled", root / "sim" / "compiled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = root / "sim" / "engine"
    return module.source_digest(tuple(engine / name for name in module.SOURCE_NAMES))


def compile_path(root: Path, out_dir: Path) -> Path:
    """Compile ``root/sim/engine/path.py`` into ``out_dir``; returns the extension's path."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    engine = root / "sim" / "engine"
    with tempfile.TemporaryDirectory(prefix="bordersim-build-") as tmp:
        work = Path(tmp) / "sim" / "engine"
        work.mkdir(parents=True)
        (work.parent / "__init__.py").write_text("")
        (work / "__init__.py").write_text("")
        shutil.copy(engine / "path.pxd", work / "path.pxd")
        digest = source_digest(root)
        source = (engine / "path.py").read_text(encoding="utf-8")
        stamp = f"\n\nSOURCE_SHA256 = {digest!r}  # added when compiled (hatch_build.py)\n"
        (work / "path.py").write_text(source + stamp, encoding="utf-8")
        ext = Extension("sim.engine.path", [str(work / "path.py")], extra_compile_args=CFLAGS)
        modules = cythonize([ext], compiler_directives=DIRECTIVES, quiet=True, build_dir=str(Path(tmp) / "c"))
        dist = Distribution({"name": "bordersim-path", "ext_modules": modules})
        cmd = dist.get_command_obj("build_ext")
        cmd.build_lib = str(Path(tmp) / "lib")
        cmd.build_temp = str(Path(tmp) / "temp")
        cmd.ensure_finalized()
        cmd.run()
        built = Path(cmd.get_ext_fullpath("sim.engine.path"))
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / built.name
        shutil.copy(built, target)
    return target


class CompileEngineHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        engine = root / "sim" / "engine"
        editable = version == "editable"
        if editable:  # an earlier in-place build goes (a wheel ignores it: .gitignore)
            for old in [*engine.glob("path.*.so"), *engine.glob("path.*.pyd")]:
                old.unlink()
        if os.environ.get("BORDERSIM_PURE_PYTHON"):
            self.app.display_info("bordersim: BORDERSIM_PURE_PYTHON is set: plain Python per-truck path")
            return
        out_dir = engine if editable else Path(self.directory) / "bordersim-compiled"
        try:
            built = compile_path(root, out_dir)
        except Exception as err:  # noqa: BLE001 - any failure means: install plain Python
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            self.app.display_warning(
                f"bordersim: could not compile the per-truck path ({first}); it runs as plain Python "
                "(same results, about 1.5x slower per replication)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if not editable:
            build_data["force_include"][str(built)] = f"sim/engine/{built.name}"
        print(f"bordersim: compiled the per-truck path: {built.name}", file=sys.stderr)
