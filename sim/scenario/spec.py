"""Base class shared by every part of the scenario schema, and its bounded date types.

Scenario parts are frozen (a built model never sees a scenario change under it),
reject unknown keys (a typo in a scenario file must not pass silently) and reject
``inf`` and ``nan`` (every number of a scenario is finite, see :mod:`sim.scenario.limits`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from sim.scenario.limits import MAX_DATE, MIN_DATE


class Spec(BaseModel):
    """A frozen, strict piece of a scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"expected a date between {MIN_DATE} and {MAX_DATE}")
    if isinstance(value, datetime) and value.utcoffset() is not None and value.utcoffset().seconds % 60:
        raise ValueError("expected a UTC offset in whole minutes")
    return value


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_or_datetime(value: object) -> object:
    """Text (as re-read from a manifest) becomes a date when it is one, a date-time otherwise:
    a date-only closure must not come back as a midnight date-time (its end is inclusive)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if _DATE_ONLY.match(text) else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("expected a date (2024-02-08) or a local date-time (2024-02-08T07:00)") from None
    return value


def _date_only(value: object) -> object:
    """A date field takes a date: a date-time (whose time or UTC offset would be dropped) is refused."""
    if isinstance(value, datetime):
        raise ValueError("expected a date (2024-02-08), not a date-time")
    if isinstance(value, str) and not _DATE_ONLY.match(value.strip()):
        raise ValueError("expected a date (2024-02-08)")
    return value


#: A calendar date within :data:`sim.scenario.limits.MIN_DATE` .. :data:`sim.scenario.limits.MAX_DATE`.
Date = Annotated[date, BeforeValidator(_date_only), AfterValidator(_in_range)]
#: A date, or a date-time (with or without a UTC offset), within the same range.
DateOrDateTime = Annotated[datetime | date, BeforeValidator(_date_or_datetime), AfterValidator(_in_range)]
