"""Published figures the model is calibrated against or takes defaults from.

The figures live in ``seeds/figures.toml`` at the top of the repository (one
TOML table per figure, keyed by a snake_case id) and are described in
``seeds/README.md``. Each figure carries its source: a file name in the
project's shared source documents, or an outlet and date for public reports.

This module only reads and validates that file; it holds no state, caches
nothing and prints nothing.

Examples
--------
>>> figures = load_figures()
>>> figures["vehicles_cleared_per_day_q1_2023"].bounds
(1000.0, 1100.0)
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SOURCE_KINDS", "Figure", "default_figures_path", "load_figures"]

#: Allowed values of ``source_kind``.
SOURCE_KINDS: tuple[str, ...] = ("source_document", "public_report")

_REQUIRED_TEXT = ("description", "unit", "period", "scope", "source", "source_kind")
_OPTIONAL_TEXT = ("note",)
_NUMBERS = ("value", "low", "high")
_KNOWN_FIELDS = tuple(sorted(_REQUIRED_TEXT + _OPTIONAL_TEXT + _NUMBERS))
_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")
_MAX_SHOWN = 60


@dataclass(frozen=True)
class Figure:
    """One published figure with its provenance.

    Exactly one of two forms is used: a single ``value``, or a range
    ``low``..``high`` (both set, ``low <= high``).

    Parameters
    ----------
    id : str
        Snake_case key of the figure in ``figures.toml``.
    description : str
        What is counted, in a short English phrase.
    unit : str
        Unit of the number(s), e.g. ``"vehicles/day"``, ``"percent"``.
    period : str
        Time the figure refers to.
    scope : str
        What the figure covers (gates, direction, trade scope).
    source : str
        A file name in the shared source documents, or an outlet and date.
    source_kind : str
        ``"source_document"`` or ``"public_report"``.
    note : str
        Optional remark in the project's own words (may be empty).
    value : float or None
        The single figure, if the figure is not a range.
    low, high : float or None
        Bounds of the range, if the figure is a range.
    """

    id: str
    description: str
    unit: str
    period: str
    scope: str
    source: str
    source_kind: str
    note: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        single = self.value is not None
        ranged = self.low is not None and self.high is not None
        partial = (self.low is None) != (self.high is None)
        if partial or single == ranged:
            raise ValueError(f"figure {self.id!r}: expected either value or both low and high")
        if ranged and self.low > self.high:  # type: ignore[operator]
            raise ValueError(f"figure {self.id!r}: expected low <= high")
        if self.source_kind not in SOURCE_KINDS:
            raise ValueError(f"figure {self.id!r}: expected source_kind in {SOURCE_KINDS}")

    @property
    def is_range(self) -> bool:
        """bool: True if the figure is given as ``low``..``high``."""
        return self.value is None

    @property
    def bounds(self) -> tuple[float, float]:
        """tuple of float: ``(low, high)``; ``(value, value)`` for a single figure."""
        if self.value is not None:
            return (self.value, self.value)
        assert self.low is not None and self.high is not None  # guaranteed by __post_init__
        return (self.low, self.high)


def default_figures_path() -> Path:
    """Return the path of the figures file used when none is given.

    Returns
    -------
    pathlib.Path
        ``sim/_seeds/figures.toml`` if present (the copy shipped inside an
        installed wheel), else ``seeds/figures.toml`` in the repository.
    """
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_seeds" / "figures.toml"
    if packaged.is_file():
        return packaged
    return package.parent / "seeds" / "figures.toml"


def load_figures(path: Path | None = None) -> dict[str, Figure]:
    """Read and validate the figures file.

    Parameters
    ----------
    path : pathlib.Path, optional
        TOML file to read. Default: :func:`default_figures_path`.

    Returns
    -------
    dict of str to Figure
        Figures keyed by id, in file order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not valid TOML or an entry is malformed (unknown
        field, missing or empty text field, bad ``source_kind``, non-numeric
        number, ``value`` together with ``low``/``high``, ``low > high``).
        The message is one line naming the file, the figure id, the field
        and what was expected.
    """
    path = default_figures_path() if path is None else Path(path)
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: expected valid TOML, got: {_one_line(str(exc))}") from None
    if not data:
        raise ValueError(f"{path}: expected at least one figure table, got none")
    return {fid: _parse_figure(path, fid, entry) for fid, entry in data.items()}


def _parse_figure(path: Path, fid: str, entry: Any) -> Figure:
    """Validate one TOML table and build its :class:`Figure`."""
    if not _ID_PATTERN.match(fid):
        raise _error(path, fid, "id", "a snake_case id (a-z, 0-9, _; starting with a letter)", _show(fid))
    if not isinstance(entry, dict):
        raise _error(path, fid, "id", f"a table [{fid}] of fields", _show(entry))
    for key in entry:
        if key not in _KNOWN_FIELDS:
            raise _error(path, fid, key, "one of " + ", ".join(_KNOWN_FIELDS), "an unknown field")

    text: dict[str, str] = {}
    for name in _REQUIRED_TEXT + _OPTIONAL_TEXT:
        raw = entry.get(name)
        if raw is None and name in _OPTIONAL_TEXT:
            text[name] = ""
            continue
        if raw is None:
            raise _error(path, fid, name, "a non-empty string", "nothing")
        if not isinstance(raw, str):
            raise _error(path, fid, name, "a string", _show(raw))
        if name in _REQUIRED_TEXT and not raw.strip():
            raise _error(path, fid, name, "a non-empty string", _show(raw))
        text[name] = raw.strip()

    if text["source_kind"] not in SOURCE_KINDS:
        raise _error(
            path,
            fid,
            "source_kind",
            " or ".join(repr(k) for k in SOURCE_KINDS),
            _show(text["source_kind"]),
        )

    numbers = {name: _number(path, fid, name, entry[name]) for name in _NUMBERS if name in entry}
    value, low, high = (numbers.get(name) for name in _NUMBERS)
    if value is not None and (low is not None or high is not None):
        present = " and ".join(name for name in ("low", "high") if name in numbers)
        raise _error(path, fid, "value", "either value or low and high, not both", f"value and {present}")
    if value is None:
        if low is None and high is None:
            raise _error(path, fid, "value", "a number in value, or in low and high", "neither")
        if low is None:
            raise _error(path, fid, "low", "a number alongside high", "nothing")
        if high is None:
            raise _error(path, fid, "high", "a number alongside low", "nothing")
        if low > high:
            raise _error(path, fid, "low", f"a number <= high ({_fmt(high)})", _fmt(low))

    return Figure(id=fid, value=value, low=low, high=high, **text)


def _number(path: Path, fid: str, name: str, raw: Any) -> float:
    """Return ``raw`` as a finite float or raise the pinned error."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _error(path, fid, name, "a finite number", _show(raw))
    return float(raw)


def _error(path: Path, fid: str, field: str, expected: str, got: str) -> ValueError:
    """Build the one-line error for a malformed entry."""
    return ValueError(f"{path}: figure {fid!r}, field {field!r}: expected {expected}, got {got}")


def _fmt(number: float) -> str:
    """Format a number without a trailing ``.0`` for whole values."""
    return str(int(number)) if number.is_integer() else repr(number)


def _show(raw: Any) -> str:
    """Short one-line representation of a raw TOML value for messages."""
    shown = repr(raw)
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 3] + "..."
    return shown


def _one_line(message: str) -> str:
    """Collapse whitespace (including newlines) in ``message``."""
    return " ".join(message.split())
