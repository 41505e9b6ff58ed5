"""Names a planner reads instead of ids: crossings, Chinese ports and stages in figures.

A stage's id is ``<crossing or facility>/<direction>/<stage>`` (``youyiguan/export/cn_inspection``);
figures show the place by its display name and the stage in words
(``Youyiguan (Hữu Nghị Quan)`` — ``export: CN inspection``).
"""

from __future__ import annotations

from sim.readouts.daily import ALL
from sim.scenario.schema import Scenario

_SIDES = {"vn": "VN", "cn": "CN", "agv": "AGV"}


def crossing_name(scenario: Scenario, cid: str) -> str:
    """A crossing's display name (``all`` for all crossings; the id if the scenario lacks it)."""
    if cid == ALL:
        return "all crossings"
    crossing = scenario.crossings.get(cid)
    return crossing.name if crossing is not None else cid


def place_name(scenario: Scenario, place: str) -> str:
    """A crossing's or a Chinese facility's display name, from its id."""
    if place in scenario.facilities:
        return scenario.facilities[place].name
    return crossing_name(scenario, place)


def stage_words(name: str) -> str:
    """``cn_border_check`` -> ``CN border check``."""
    words = name.split("_")
    return " ".join(_SIDES.get(w, w) for w in words)


def split_stage(stage_id: str) -> tuple[str, str, str]:
    """``place/direction/stage`` -> its three parts (a short id: the whole as the stage)."""
    parts = stage_id.split("/")
    if len(parts) != 3:
        return "", "", stage_id
    return parts[0], parts[1], parts[2]


def stage_label(scenario: Scenario, stage_id: str) -> str:
    """``Youyiguan (Hữu Nghị Quan), export: CN inspection``."""
    place, direction, stage = split_stage(stage_id)
    if not place:
        return stage_words(stage)
    return f"{place_name(scenario, place)}, {direction}: {stage_words(stage)}"
