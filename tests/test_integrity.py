"""Results folders verify themselves: a truncated, deleted or edited part, an edited summary
or manifest field is found; report refuses it in one line naming the file; --resume redoes a
damaged replication; one writer at a time; stale temporary files never block a resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiments.integrity import FolderLock
from sim.experiments.results_folder import MANIFEST, TIMING_FIELDS

ARGS = ["run", "baseline", "--days", "5", "--replications", "3", "--workers", "1", "--records"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, ".lock") and "report" not in p.parts
    }


def manifest_without_timings(folder: Path) -> dict:
    """The manifest less its timing fields, and less ``rerun`` (it names the folder: copies differ)."""
    m = json.loads((folder / MANIFEST).read_text())
    return {k: v for k, v in m.items() if k not in (*TIMING_FIELDS, "rerun")}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pristine") / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(pristine, out)
    return out


def refused(capsys, argv: list[str], *words: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def truncate(part: Path) -> None:
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])


def edit_kpi(part: Path) -> None:
    table = pq.read_table(part)
    column = table.column_names[1]
    table = table.set_column(1, column, pa.array([table.column(column)[0].as_py() + 1.0]))
    pq.write_table(table, part)


DAMAGE = {
    "truncated trucks part": ("trucks/r00001.parquet", truncate),
    "deleted series part": ("series/r00002.parquet", lambda p: p.unlink()),
    "edited KPI": ("kpis/r00000.parquet", edit_kpi),
    "emptied daily part": ("daily/r00001.parquet", lambda p: p.write_bytes(b"")),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_report_refuses_a_damaged_part_and_resume_redoes_it(copy, pristine, capsys, damage):
    rel, harm = DAMAGE[damage]
    harm(copy / rel)
    refused(capsys, ["report", str(copy)], rel)
    refused(capsys, ["compare", str(pristine), str(copy)], rel)
    assert main([*ARGS, "--out", str(copy), "--resume"]) == 0
    capsys.readouterr()
    assert files_of(copy) == files_of(pristine)
    assert manifest_without_timings(copy) == manifest_without_timings(pristine)
    assert main(["report", str(copy)]) == 0


def test_an_edited_summary_is_found(copy, capsys):
    text = (copy / "kpis.csv").read_text().replace(",", ",9", 1)
    (copy / "kpis.csv").write_text(text)
    refused(capsys, ["report", str(copy)], "kpis.csv", "sha256")


@pytest.mark.parametrize(("field", "value"), [("rng_seed", 7), ("warmup_days", 0), ("status", "complete!")])
def test_an_edited_manifest_field_is_found(copy, capsys, field, value):
    m = json.loads((copy / MANIFEST).read_text())
    m[field] = value
    (copy / MANIFEST).write_text(json.dumps(m, indent=1))
    refused(capsys, ["report", str(copy)], "manifest.json", "manifest_sha256")
    refused(capsys, [*ARGS, "--out", str(copy), "--resume"], "manifest.json")


def test_an_edited_scenario_in_the_manifest_is_found(copy, capsys):
    """Even with its checksum recomputed, the scenario must match its hash."""
    from sim.experiments.integrity import seal

    m = json.loads((copy / MANIFEST).read_text())
    m["scenario"]["rng_seed"] = 99
    (copy / MANIFEST).write_text(json.dumps(seal(m), indent=1))
    refused(capsys, ["run", str(copy), "--out", str(copy / "x")], "scenario_hash")


def test_stale_temporary_files_never_block_a_resume(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".manifest.json.abc123.tmp").write_text("{")  # a killed first write
    assert main([*ARGS, "--out", str(out), "--resume"]) == 0
    (out / "trucks" / ".r00000.parquet.xyz.tmp").write_bytes(b"PAR1")
    assert main([*ARGS, "--out", str(out), "--resume"]) == 0
    capsys.readouterr()
    assert not list(out.rglob(".*.tmp"))


def test_a_folder_being_written_is_refused_to_a_second_writer(copy, capsys):
    lock = FolderLock(copy).acquire()  # as a running bordersim would hold it
    try:
        for extra in (["--resume"], ["--force"]):
            refused(capsys, [*ARGS, "--out", str(copy), *extra], "another bordersim process", str(copy))
        assert (copy / "kpis" / "r00000.parquet").is_file(), "--force must not touch a folder being written"
    finally:
        lock.release()
    assert main([*ARGS, "--out", str(copy), "--force"]) == 0


def test_a_manifest_that_is_not_json_is_one_line(copy, capsys):
    (copy / MANIFEST).write_text("{not json")
    refused(capsys, ["report", str(copy)], "manifest.json")
