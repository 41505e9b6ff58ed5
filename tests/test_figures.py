"""Tests of ``seeds/figures.toml`` and its loader ``sim.figures``."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sim.scenario.figures import SOURCE_KINDS, Figure, default_figures_path, load_figures

REPO = Path(__file__).resolve().parents[1]
FIGURES_FILE = REPO / "seeds" / "figures.toml"
SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
TEXT_FIELDS = ("description", "unit", "period", "scope", "source", "source_kind", "note")
MAX_TEXT = 300
# Any run of this many words shared with a source document counts as copied text.
COPY_RUN_WORDS = 8

# A valid entry as raw TOML values; tests drop or override fields to break it.
BASE_ENTRY = {
    "description": '"Vehicles cleared per day"',
    "value": "1000",
    "unit": '"vehicles/day"',
    "period": '"Q1 2023"',
    "scope": '"all gates"',
    "source": '"001_752b9a1426d99b73.txt"',
    "source_kind": '"source_document"',
}


def _toml(fid: str = "f", drop: tuple[str, ...] = (), **fields: str) -> str:
    """One TOML table built from BASE_ENTRY without ``drop`` and with ``fields``."""
    entry = {k: v for k, v in BASE_ENTRY.items() if k not in drop} | fields
    return f"[{fid}]\n" + "".join(f"{key} = {raw}\n" for key, raw in entry.items())


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    return load_figures(FIGURES_FILE)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "figures.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- real file


def test_real_file_loads_with_default_path(figures: dict[str, Figure]) -> None:
    assert default_figures_path().resolve() == FIGURES_FILE.resolve()
    assert load_figures() == figures
    assert len(figures) >= 40
    assert all(fid == fig.id for fid, fig in figures.items())


def test_every_figure_has_a_source(figures: dict[str, Figure]) -> None:
    for fig in figures.values():
        assert fig.source.strip(), fig.id
        assert fig.source_kind in SOURCE_KINDS, fig.id


def test_source_documents_exist() -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("the shared source documents (../shared/seeds/, beside the repository) are not here")
    figures = load_figures(FIGURES_FILE)
    documents = [f for f in figures.values() if f.source_kind == "source_document"]
    assert documents
    for fig in documents:
        assert (SHARED_SEEDS / fig.source).is_file(), f"{fig.id}: {fig.source}"


def test_public_reports_name_an_outlet_not_a_file(figures: dict[str, Figure]) -> None:
    for fig in figures.values():
        if fig.source_kind == "public_report":
            assert not fig.source.endswith(".txt"), fig.id


def test_calibration_target_present(figures: dict[str, Figure]) -> None:
    fig = figures["vehicles_cleared_per_day_q1_2023"]
    assert fig.is_range
    assert fig.bounds == (1000.0, 1100.0)
    assert fig.unit == "vehicles/day"
    assert fig.source == "001_752b9a1426d99b73.txt"


def test_single_values_have_equal_bounds(figures: dict[str, Figure]) -> None:
    fig = figures["clearance_extended_close_hour_q1_2023"]
    assert not fig.is_range
    assert fig.bounds == (23.0, 23.0)


def test_values_are_numbers_and_ranges_ordered(figures: dict[str, Figure]) -> None:
    for fig in figures.values():
        low, high = fig.bounds
        assert isinstance(low, float) and isinstance(high, float), fig.id
        assert low <= high, fig.id


def test_growth_figures_are_percent(figures: dict[str, Figure]) -> None:
    growth = [f for f in figures.values() if "growth" in f.id]
    assert {"trade_growth_to_2024_06_13", "trade_growth_to_2024_09_29", "trade_growth_q1_2025"} <= {
        f.id for f in growth
    }
    assert all(f.unit == "percent" for f in growth)


def test_parts_add_up(figures: dict[str, Figure]) -> None:
    def v(fid: str) -> float:
        value = figures[fid].value
        assert value is not None, fid
        return value

    day = "2024_08_22"
    crossings = ("huu_nghi", "tan_thanh", "chi_ma", "coc_nam")
    total = v(f"vehicles_cleared_{day}")
    assert sum(v(f"vehicles_cleared_{c}_{day}") for c in crossings) == total
    assert v(f"vehicles_cleared_export_{day}") + v(f"vehicles_cleared_import_{day}") == total
    assert v("trade_export_q1_2023") + v("trade_import_q1_2023") == v("trade_total_q1_2023")
    # The Q1 2025 parts are rounded in the source: they sum to 17,852.0, not 17,851.9.
    assert v("trade_export_q1_2025") + v("trade_import_q1_2025") == pytest.approx(
        v("trade_total_q1_2025"), abs=0.15
    )


def test_no_long_text(figures: dict[str, Figure]) -> None:
    for fig in figures.values():
        for name in TEXT_FIELDS + ("id",):
            text = getattr(fig, name)
            assert len(text) <= MAX_TEXT, f"{fig.id}.{name} has {len(text)} characters"
            assert "\n" not in text, f"{fig.id}.{name} spans several lines"


def test_no_text_copied_from_source_documents(figures: dict[str, Figure]) -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("the shared source documents (../shared/seeds/, beside the repository) are not here")

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    runs: set[tuple[str, ...]] = set()
    for doc in SHARED_SEEDS.glob("*.txt"):
        w = words(doc.read_text(encoding="utf-8"))
        runs.update(tuple(w[i : i + COPY_RUN_WORDS]) for i in range(len(w) - COPY_RUN_WORDS + 1))
    for fig in figures.values():
        for name in TEXT_FIELDS:
            w = words(getattr(fig, name))
            for i in range(len(w) - COPY_RUN_WORDS + 1):
                run = tuple(w[i : i + COPY_RUN_WORDS])
                assert run not in runs, f"{fig.id}.{name} copies {' '.join(run)!r}"


# --------------------------------------------------------------------------- Figure


def test_figure_is_frozen_and_checks_itself() -> None:
    fig = Figure("x", "d", "u", "p", "s", "src", "public_report", value=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fig.value = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        Figure("x", "d", "u", "p", "s", "src", "public_report", value=1.0, low=0.0, high=2.0)
    with pytest.raises(ValueError):
        Figure("x", "d", "u", "p", "s", "src", "public_report", low=3.0, high=2.0)
    with pytest.raises(ValueError):
        Figure("x", "d", "u", "p", "s", "src", "blog", value=1.0)


# --------------------------------------------------------------------------- malformed files


def test_minimal_valid_file(tmp_path: Path) -> None:
    figs = load_figures(_write(tmp_path, _toml("a_b", value="7")))
    assert figs["a_b"].bounds == (7.0, 7.0)
    assert figs["a_b"].note == ""
    figs = load_figures(_write(tmp_path, _toml(drop=("value",), low="1", high="2.5")))
    assert figs["f"].bounds == (1.0, 2.5)


MALFORMED = {
    "unknown-key": (
        _toml(colour='"red"'),
        "figure 'f', field 'colour': expected one of description, high, low, note, period, "
        "scope, source, source_kind, unit, value, got an unknown field",
    ),
    "missing-source": (
        _toml(drop=("source",)),
        "figure 'f', field 'source': expected a non-empty string, got nothing",
    ),
    "blank-source": (
        _toml(source='"  "'),
        "figure 'f', field 'source': expected a non-empty string, got '  '",
    ),
    "value-and-range": (
        _toml(low="0", high="2"),
        "figure 'f', field 'value': expected either value or low and high, not both, "
        "got value and low and high",
    ),
    "low-above-high": (
        _toml(drop=("value",), low="1200", high="1100"),
        "figure 'f', field 'low': expected a number <= high (1100), got 1200",
    ),
    "bad-source-kind": (
        _toml(source_kind='"blog"'),
        "figure 'f', field 'source_kind': expected 'source_document' or 'public_report', got 'blog'",
    ),
    "number-as-string": (
        _toml(value='"1000"'),
        "figure 'f', field 'value': expected a finite number, got '1000'",
    ),
    "boolean-number": (
        _toml(value="true"),
        "figure 'f', field 'value': expected a finite number, got True",
    ),
    "nan": (
        _toml(value="nan"),
        "figure 'f', field 'value': expected a finite number, got nan",
    ),
    "half-range": (
        _toml(drop=("value",), low="1"),
        "figure 'f', field 'high': expected a number alongside low, got nothing",
    ),
    "no-number": (
        _toml(drop=("value",)),
        "figure 'f', field 'value': expected a number in value, or in low and high, got neither",
    ),
    "text-not-string": (
        _toml(unit="5"),
        "figure 'f', field 'unit': expected a string, got 5",
    ),
    "bad-id": (
        _toml("Bad-Id"),
        "figure 'Bad-Id', field 'id': expected a snake_case id (a-z, 0-9, _; starting "
        "with a letter), got 'Bad-Id'",
    ),
    "not-a-table": (
        "f = 3\n",
        "figure 'f', field 'id': expected a table [f] of fields, got 3",
    ),
}


@pytest.mark.parametrize(("text", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_entries(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as excinfo:
        load_figures(path)
    assert str(excinfo.value) == f"{path}: {message}"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[f]\nvalue = \n")
    with pytest.raises(ValueError, match=re.escape(f"{path}: expected valid TOML")):
        load_figures(path)


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "# nothing here\n")
    with pytest.raises(ValueError, match="expected at least one figure table"):
        load_figures(path)
