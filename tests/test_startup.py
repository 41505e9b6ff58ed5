"""Start-up (issue 13): the command line's help and ``validate`` import no heavy library.

Checked by the modules loaded, never by timing: ``scipy.stats`` alone takes most of a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "numpy", "simpy", "pyarrow", "pandas", "matplotlib", "plotly")
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def _loaded_after(code: str, also: tuple[str, ...] = ()) -> list[str]:
    probe = f"""
import contextlib, io, json, sys
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
{code}
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return [m for m in json.loads(out.splitlines()[-1]) if m in HEAVY + also]


def test_help_imports_no_heavy_library():
    for argv in ([], ["--help"], ["run", "--help"]):
        code = f"    from sim.cli import main\n    try: main({argv!r})\n    except SystemExit: pass"
        assert _loaded_after(code) == [], argv


def test_help_does_not_build_the_scenario_models():
    """``--help`` needs no scenario: pydantic (most of ``validate``'s start-up) is not imported."""
    for argv in (["--help"], ["run", "--help"]):
        code = f"    from sim.cli import main\n    try: main({argv!r})\n    except SystemExit: pass"
        assert _loaded_after(code, also=("pydantic",)) == [], argv


def test_validate_imports_no_heavy_library():
    assert _loaded_after(f"    from sim.cli import main; main(['validate', {str(BASELINE)!r}])") == []


def test_the_public_api_loads_on_first_use():
    assert _loaded_after("    import sim") == []
    code = "    import sim; sim.run_once; sim.kpis; sim.load_scenario"
    assert "simpy" in _loaded_after(code)


def test_compare_table_and_run_without_out_load_no_plotting():
    """Printing a comparison, a table or a run's KPIs draws nothing: matplotlib waits for --out
    and `report` (the report module is not loaded)."""
    quick = "'--days', '4', '--replications', '1', '--workers', '1'"
    for argv in (
        f"['compare', 'baseline', 'office_hours', {quick}]",
        f"['table', 'office_hours', {quick}]",
        f"['run', 'baseline', {quick}]",
    ):
        loaded = _loaded_after(f"    from sim.cli import main; main({argv})")
        assert "matplotlib" not in loaded and "plotly" not in loaded, argv
