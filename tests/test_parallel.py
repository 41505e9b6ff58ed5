"""Bit-identical results serial, in worker processes and on a (local) Dask cluster."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.cli import main

ARGS = ["run", "baseline", "--days", "6", "--replications", "4"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("serial") / "r"
    assert main([*ARGS, "--workers", "1", "--out", str(out)]) == 0
    return files_of(out)


def test_processes_equal_serial(serial, tmp_path):
    out = tmp_path / "processes"
    assert main([*ARGS, "--workers", "2", "--out", str(out)]) == 0
    got = files_of(out)
    assert sorted(got) == sorted(serial)
    assert [k for k in serial if got[k] != serial[k]] == []


def test_workers_write_their_own_parts_and_the_parent_only_records_them(serial, tmp_path, monkeypatch):
    """Issue 13: with worker processes, no part file is written by the parent process."""
    import os

    import sim.experiments.results_folder as rf

    parent, written = os.getpid(), []
    original = rf.write_atomic_bytes

    def spy(path, data):
        if os.getpid() == parent:  # the workers (forked) write to their own copy of the list
            written.append(str(path))
        original(path, data)

    monkeypatch.setattr(rf, "write_atomic_bytes", spy)
    out = tmp_path / "processes"
    assert main([*ARGS, "--workers", "2", "--out", str(out)]) == 0
    assert written == []
    assert files_of(out) == serial


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="Dask is not installed (pip install 'bordersim[distributed]'; the dev extra has it)",
)
def test_dask_cluster_equals_serial(serial, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        assert main([*ARGS, "--scheduler", cluster.scheduler_address, "--out", str(out)]) == 0
        got = files_of(out)
    assert sorted(got) == sorted(serial)
    assert [k for k in serial if got[k] != serial[k]] == []


def test_unreachable_scheduler_is_one_line(monkeypatch, capsys):
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("Dask is not installed")
    monkeypatch.setattr("sim.experiments.distributed.CONNECT_TIMEOUT_S", 1)
    assert main([*ARGS, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("--scheduler tcp://127.0.0.1:9: cannot connect")
