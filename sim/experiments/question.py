"""Do two scenarios ask the same question? The parts a comparison must hold equal.

A paired comparison answers "what does B's change do?" only when A and B cover the same
days under the same demand: otherwise its differences mix the change with the season (a
May scenario against the February baseline shows May's fruit, not the change). The parts
checked are the period (the first day), the horizon, the warm-up and the demand (the
``demand`` table and the ``initial_backlog``); each that differs is one
:class:`QuestionDifference`, with the dates, for ``compare`` and ``table`` to say first and
for ``--strict`` to refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sim.scenario.files import normalised
from sim.scenario.inspect import diff
from sim.scenario.schema import Scenario

SHOWN_PATHS = 3  # demand fields named in the line; the rest are counted


@dataclass(frozen=True)
class QuestionDifference:
    """One part of the question A and B do not share.

    ``part`` is ``period``, ``horizon``, ``warm-up`` or ``demand``; ``a`` and ``b`` what each
    has (dates, days; for demand the fields that differ are in ``fields``); ``text`` the line.
    """

    part: str
    a: str
    b: str
    text: str
    fields: tuple[str, ...] = ()


def dates(s: Scenario) -> str:
    """``2023-02-13 to 2023-03-12``: the first and last simulated day."""
    return f"{s.start_date.isoformat()} to {last_day(s).isoformat()}"


def last_day(s: Scenario) -> date:
    return s.start_date + timedelta(days=s.horizon_days - 1)


def measured_dates(s: Scenario) -> str:
    """The days the KPIs are measured over (after the warm-up)."""
    first = s.start_date + timedelta(days=s.warmup_days)
    return f"{first.isoformat()} to {last_day(s).isoformat()}"


def question_differences(a: Scenario, b: Scenario) -> list[QuestionDifference]:
    """What A and B do not share of period, horizon, warm-up and demand (empty: the same question)."""
    out = []
    if a.start_date != b.start_date:
        out.append(
            QuestionDifference(
                "period",
                dates(a),
                dates(b),
                f"different period: A runs {dates(a)}, B {dates(b)}; the differences mix B's change "
                "with another season's demand and hours",
            )
        )
    if a.horizon_days != b.horizon_days:
        ha, hb = f"{a.horizon_days} days", f"{b.horizon_days} days"
        out.append(
            QuestionDifference(
                "horizon", ha, hb, f"different horizon: A {ha} ({dates(a)}), B {hb} ({dates(b)})"
            )
        )
    if a.warmup_days != b.warmup_days:
        wa, wb = f"{a.warmup_days} days", f"{b.warmup_days} days"
        out.append(
            QuestionDifference(
                "warm-up",
                wa,
                wb,
                f"different warm-up: A {wa} (measured {measured_dates(a)}), "
                f"B {wb} (measured {measured_dates(b)})",
            )
        )
    paths = tuple(dict.fromkeys(_grouped(c.path) for c in diff(_demand(a), _demand(b))))
    if paths:
        shown = ", ".join(paths[:SHOWN_PATHS]) + (
            f" and {len(paths) - SHOWN_PATHS} more" if len(paths) > SHOWN_PATHS else ""
        )
        out.append(
            QuestionDifference(
                "demand",
                a.name,
                b.name,
                f"different demand: B's differs from A's in {shown} (`bordersim diff` lists the fields)",
                paths,
            )
        )
    return out


def _grouped(path: str) -> str:
    """A stream's fields as the stream (``demand.streams.surge_import``): one name per change."""
    parts = path.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["demand", "streams"] else path


def _demand(s: Scenario) -> dict:
    data = normalised(s)
    return {"demand": data["demand"], "initial_backlog": data["initial_backlog"]}
