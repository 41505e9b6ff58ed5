"""Calibration targets: the observations a scenario must reproduce, as data.

A targets file (``seeds/targets.toml``) holds one table per observation::

    [hn_pair_feb_mar_2023]
    scenario = "baseline"                      # the scenario that stands for the period
    kpi = ["cleared_per_day.huu_nghi", "cleared_per_day.road_1119_1120"]   # summed
    observed = [500, 600]                      # as reported: a value or a range
    band = [450, 650]                          # where the model's mean must fall
    why = "VNA's range, widened by ..."        # why that band
    source = "F02"                             # fact ids and/or source files
    period = "Feb-Mar 2023"
    unit = "vehicles/day"

``kpi`` names keys of :func:`sim.readouts.targets.target_kpis` (the run's KPIs and
day-level peaks), summed when several; ``divide_by`` makes a share. The band is the
verdict: the model's mean over replications inside it, or not.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.scenario.spec import Spec

# A fact id of ../shared/FACTS.md (F02, F07d, F64i) or a source document (001_…txt).
_SOURCE = re.compile(r"^(F\d{2}[a-z]?|\d{3}_[0-9a-f]{16}\.txt)$")
Keys = Annotated[list[str], Field(min_length=1)]


def _finite(x: float) -> float:
    if not math.isfinite(x):
        raise ValueError("expected a finite number")
    return x


class Target(Spec):
    """One observation the model must reproduce."""

    scenario: str = Field(min_length=1, description="Scenario that stands for the period (name or path).")
    kpi: str | Keys = Field(description="KPI key, or keys summed.")
    divide_by: str | Keys | None = Field(None, description="KPI key(s) dividing the sum: a share.")
    observed: float | tuple[float, float] = Field(description="The reported value or range.")
    band: tuple[float, float] = Field(description="[low, high] the model's mean must fall in.")
    why: str = Field(min_length=1, description="Why the band is what it is.")
    source: str | Keys = Field(description="Fact ids (F02) and/or source files (001_….txt).")
    period: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    note: str | None = None

    @field_validator("band", "observed")
    @classmethod
    def _numbers(cls, value: Any) -> Any:
        for x in value if isinstance(value, tuple) else (value,):
            _finite(x)
        return value

    @field_validator("source")
    @classmethod
    def _sources(cls, value: str | list[str]) -> str | list[str]:
        for s in [value] if isinstance(value, str) else value:
            if not _SOURCE.match(s):
                raise ValueError(f"{s!r}: expected a fact id like 'F02' or a source file like '001_….txt'")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.band[0] > self.band[1]:
            raise ValueError(f"band {list(self.band)}: low above high")
        if isinstance(self.observed, tuple) and self.observed[0] > self.observed[1]:
            raise ValueError(f"observed {list(self.observed)}: low above high")
        return self

    @property
    def keys(self) -> list[str]:
        return [self.kpi] if isinstance(self.kpi, str) else list(self.kpi)

    @property
    def divisors(self) -> list[str]:
        if self.divide_by is None:
            return []
        return [self.divide_by] if isinstance(self.divide_by, str) else list(self.divide_by)

    @property
    def sources(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)

    @property
    def centre(self) -> float:
        return (self.band[0] + self.band[1]) / 2

    @property
    def half_width(self) -> float:
        return (self.band[1] - self.band[0]) / 2


class TargetsError(ValueError):
    """A targets file that cannot be used: one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def default_targets_path() -> Path:
    """``seeds/targets.toml``: in the repository, or shipped in the wheel as ``sim/_seeds``."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_seeds" / "targets.toml"
    return packaged if packaged.is_file() else package.parent / "seeds" / "targets.toml"


def load_targets(path: str | Path | None = None) -> dict[str, Target]:
    """Read and validate a targets file.

    Raises
    ------
    TargetsError
        One line per problem, naming the file, the entry and the field.
    """
    from sim.scenario.files import ScenarioError, read_bounded
    from sim.scenario.limits import MAX_INPUT_BYTES

    path = Path(path) if path is not None else default_targets_path()
    try:
        raw = tomllib.loads(read_bounded(path, MAX_INPUT_BYTES, "targets file").decode("utf-8"))
    except ScenarioError as err:
        raise TargetsError(err.problems) from None
    except tomllib.TOMLDecodeError as err:
        raise TargetsError([f"{path}: not valid TOML: {err}"]) from None
    except UnicodeDecodeError:
        raise TargetsError([f"{path}: cannot be read: not UTF-8 text"]) from None
    except RecursionError:
        raise TargetsError([f"{path}: not valid TOML: tables or arrays nested too deeply"]) from None
    targets, problems = {}, []
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(f"{path}: {name} = {entry!r}: expected a table of one target")
            continue
        try:
            targets[name] = Target.model_validate(entry)
        except ValidationError as err:
            for e in err.errors():
                where = ".".join(str(p) for p in (name, *e["loc"]) if not str(p).startswith("function"))
                problems.append(f"{path}: {where} = {e.get('input')!r}: {e['msg']}")
    if problems:
        raise TargetsError(problems)
    if not targets:
        raise TargetsError([f"{path}: no targets in the file"])
    return targets
