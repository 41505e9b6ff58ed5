"""A results folder documents itself: every column described with its unit, labels not codes,
local date-times beside model minutes, totals apart from the crossings' rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.engine.records import OUTCOMES

PARQUET = ("trucks", "stages", "daily", "daily_total", "series", "series_total", "utilisation", "kpis")
CSV = {"summary.csv": "summary", "kpis.csv": "kpis_csv", "daily_summary.csv": "daily_summary"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("dd") / "run"
    args = ["run", "baseline", "--days", "4", "--replications", "2", "--workers", "1", "--records"]
    assert main([*args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def package(folder):
    return {r["name"]: r for r in json.loads((folder / "datapackage.json").read_text())["resources"]}


@pytest.mark.parametrize("table", PARQUET)
def test_every_parquet_column_is_in_the_dictionary_as_pandas_and_duckdb_read_it(folder, package, table):
    by_pandas = list(pd.read_parquet(folder / table).columns)
    by_duckdb = [
        d[0] for d in duckdb.sql(f"select * from read_parquet('{folder / table}/*.parquet')").description
    ]
    assert by_pandas == by_duckdb
    fields = {f["name"]: f for f in package[table]["schema"]["fields"]}
    assert list(fields) == by_pandas
    undocumented = [name for name, f in fields.items() if not f["description"]]
    assert undocumented == []
    assert sorted(package[table]["path"]) == sorted(
        p.relative_to(folder).as_posix() for p in (folder / table).glob("*.parquet")
    )
    # The same descriptions sit in the Parquet files themselves.
    schema = pq.read_schema(next((folder / table).glob("*.parquet")))
    for field in schema:
        assert field.metadata[b"description"].decode() == fields[field.name]["description"]


@pytest.mark.parametrize("file", list(CSV))
def test_every_csv_column_is_in_the_dictionary(folder, package, file):
    columns = list(pd.read_csv(folder / file).columns)
    fields = package[CSV[file]]["schema"]["fields"]
    assert [f["name"] for f in fields] == columns
    assert all(f["description"] for f in fields), [f["name"] for f in fields if not f["description"]]


def test_outcome_is_labelled_and_times_are_local_too(folder):
    trucks = pd.read_parquet(folder / "trucks")
    assert list(trucks["outcome"].cat.categories) == list(OUTCOMES)
    labels = duckdb.sql(f"select distinct outcome::varchar from read_parquet('{folder}/trucks/*.parquet')")
    assert {row[0] for row in labels.fetchall()} <= set(OUTCOMES)
    start = datetime(2023, 2, 13, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    row = trucks.dropna(subset=["t_out"]).iloc[-1]
    assert abs(row["out_local"].to_pydatetime() - (start + timedelta(minutes=row["t_out"]))) < timedelta(
        milliseconds=1
    )
    assert trucks["out_local"].isna().sum() == trucks["t_out"].isna().sum()


def test_totals_are_apart_and_equal_the_sum_of_the_crossings(folder):
    daily = pd.read_parquet(folder / "daily")
    total = pd.read_parquet(folder / "daily_total")
    assert "all" not in set(daily["crossing"])
    by_day = daily.groupby(["replication", "day"])[
        ["arrived", "cleared", "gave_up", "backlog_midnight"]
    ].sum()
    assert (by_day.to_numpy() == total.set_index(["replication", "day"])[by_day.columns].to_numpy()).all()


def test_duckdb_reads_local_times_after_the_documented_line_and_dotted_kpis_quoted(folder, package):
    """The data dictionary gives the one line DuckDB needs for local wall-clock times; with it the
    arrival of a truck at model minute t reads as 2023-02-13 00:00 + t in Hanoi time."""
    from sim.experiments.data_dictionary import DUCKDB_LOCAL

    field = next(f for f in package["trucks"]["schema"]["fields"] if f["name"] == "arrive_local")
    assert DUCKDB_LOCAL in field["description"]
    con = duckdb.connect()
    con.sql(DUCKDB_LOCAL)
    ((t, shown),) = con.sql(
        "select t_arrive, strftime(arrive_local, '%Y-%m-%d %H:%M') "
        f"from read_parquet('{folder}/trucks/*.parquet') where t_arrive between 600 and 2000 limit 1"
    ).fetchall()
    expected = datetime(2023, 2, 13) + timedelta(minutes=t)
    assert shown == expected.strftime("%Y-%m-%d %H:%M")
    assert "quote them in SQL" in package["kpis"]["description"]
    ((value,),) = con.sql(
        f"select \"cleared_per_day.export\" from read_parquet('{folder}/kpis/*.parquet') limit 1"
    ).fetchall()
    assert value > 0
