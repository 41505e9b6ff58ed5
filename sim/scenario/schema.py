"""The scenario schema: everything a run depends on, validated and frozen.

Every number the source documents do not give is a field here with a
documented default, so that a planner can change it in a scenario file.
Field descriptions feed the JSON Schema (``bordersim schema``).
Cross-references between parts (a stage's hours, a stream's crossing...) are
checked in one place, :func:`reference_problems`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from difflib import get_close_matches
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, field_validator, model_validator

from sim.scenario import limits as L
from sim.scenario.distributions import Distribution
from sim.scenario.hours import (
    Closure,
    Hours,
    Ramp,
    as_start,
    check_dated_window,
    check_timezone,
    parse_clock,
    parse_weekdays,
    ramp_table,
)
from sim.scenario.spec import Date, DateOrDateTime, Spec

Direction = Literal["export", "import"]
DIRECTIONS: tuple[Direction, ...] = ("export", "import")
DEFAULT_SERVICE = "default"
# Midpoint of "a durian truckload is worth VND 2-3 bn" (F88): the default value of a
# perishable truckload (CargoClass.value_vnd).
PERISHABLE_VALUE_VND = 2.5e9
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"  # names of calendars, classes, crossings, stages... (ids)
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
# Booleans are TOML's true and false only: pydantic's lax mode would read "no", "off" or 0 as
# false, and a planner's `loaded = "no"` must be refused, not guessed (issue 26).


class CargoClass(Spec):
    """A kind of load with its own service times, routing and patience."""

    description: str = Field("", description="What the class carries.")
    perishable: StrictBool = Field(
        False, description="Farm produce and other loads that spoil: counted in perishable KPIs."
    )
    patience: Distribution | None = Field(
        None,
        description="Time a truck waits at the border before it gives up and turns back, drawn per "
        "truck when it reaches the border (on a metered route: when it is dispatched with its "
        "slot), on the clock `patience_clock` says. It turns back from wherever it waits before the "
        "Chinese side accepts it (on the road, in a staging area, in the yard, queued after "
        "Vietnamese customs, in a dwell hold); a truck in service turns back when that service "
        "ends, if it must then wait; once the first Chinese stage has started it is committed. "
        "Omitted = never gives up.",
    )
    patience_clock: Literal["since_arrival", "waiting"] = Field(
        "since_arrival",
        description="What `patience` counts: 'since_arrival' every minute since the truck reached "
        "the border; 'waiting' the same less its time in service at stages (holds and drives "
        "count as waiting). In a jam the two differ by minutes against days.",
    )
    origin_patience: Distribution | None = Field(
        None,
        description="Time a truck waits at its origin for a registration slot (metered routes) "
        "before its load goes another way (sold inland, another border, the sea): gave up, place "
        "'origin'. Omitted = it waits for its slot however long.",
    )
    reimport_h: float = Field(
        0.0,
        ge=0,
        le=L.MAX_HOURS,
        description="Hours of paperwork for a truck that turns back, or is sent to another "
        "crossing, after passing a stage (an export declaration to cancel, the truck to re-enter "
        "Vietnam): added to a sent-on truck's drive, and counted in `turn_back_cost_h_per_day`. "
        "0 = no cost stated.",
    )
    loaded: StrictBool = Field(
        True,
        description="False for empty returns: they use roads, yards and stages (the Chinese "
        "side counts them, F62-F64) but are not in the Vietnamese 'vehicles cleared' figure "
        "(F64i); KPIs report them apart (`empty_cleared_per_day`).",
    )
    turn_back_over_h: float | None = Field(
        None,
        gt=0,
        le=L.MAX_HOURS,
        description="A truck of this class that, on arrival, expects to wait longer than this at "
        "its crossing (as `least_expected_wait` estimates: trucks ahead at the bottleneck rate, "
        "plus the wait until every stage is open) turns back at once; omitted = never. "
        "Patience that depends on the expected wait.",
    )
    value_vnd: float | None = Field(
        None,
        ge=0,
        le=L.MAX_VND,
        description="Value of one truckload in VND, for `value_at_risk_vnd_per_day`; omitted = "
        "VND 2.5 bn for a perishable class (midpoint of a durian truckload, VND 2-3 bn, F88) "
        "and 0 otherwise (ASSUMPTION: only perishable loads lose value while they wait).",
    )

    def value_per_truck_vnd(self) -> float:
        """The value of one truckload, with the sourced default (F88) for perishables."""
        if self.value_vnd is not None:
            return self.value_vnd
        return PERISHABLE_VALUE_VND if self.perishable else 0.0


class Staffing(Spec):
    """Lanes staffed in a daily window: capacity by hour of day and weekday."""

    days: str = Field("daily", description="Weekdays: 'daily', 'mon-fri', 'sat,sun', ...")
    open: str = Field(description="Local start, 'HH:MM', in the time zone of the stage's calendar.")
    close: str = Field(description="Local end, 'HH:MM' ('24:00' for midnight; earlier = past midnight).")
    lanes: int = Field(
        ge=0, le=L.MAX_LANES, description="Lanes staffed in the window (replaces the stage's `lanes`)."
    )
    start: Date | None = Field(
        None,
        description="First local day the window applies (staffing around a holiday); omitted = "
        "every week. Dated windows take precedence over weekly ones where both cover an hour.",
    )
    end: Date | None = Field(None, description="Last local day, inclusive (with `start`).")

    _validate_days = field_validator("days")(lambda v: (parse_weekdays(v), v)[1])
    _validate_clock = field_validator("open", "close")(lambda v: (parse_clock(v), v)[1])

    @model_validator(mode="after")
    def _dated(self) -> Staffing:
        check_dated_window(self.start, self.end)
        return self


class StageChange(Spec):
    """A dated change of a stage's capacity: more lanes, a slower check, new staffing."""

    start: DateOrDateTime = Field(
        description="When the change takes effect: a date (its local midnight) or a local "
        "date-time, in the time zone of the stage's calendar."
    )
    reason: str = Field("", description="Why, with its source (fact id), for the reader.")
    lanes: int | None = Field(None, ge=1, le=L.MAX_LANES, description="New number of lanes.")
    trucks_per_hour: float | None = Field(
        None, ge=L.MIN_TRUCKS_PER_HOUR, le=L.MAX_TRUCKS_PER_HOUR, description="New pace of a paced stage."
    )
    service: dict[str, Distribution] = Field(
        default_factory=dict,
        description="New service times of the classes listed (others keep theirs).",
    )
    staffing: list[Staffing] | None = Field(
        None, max_length=L.MAX_WINDOWS, description="New staffing windows (an empty list removes them)."
    )


class Stage(Spec):
    """One clearance step: a pool of identical lanes or teams, open on a calendar."""

    name: Key = Field(description="Short id, unique within its route, e.g. 'vn_customs'.")
    description: str = Field("", description="What happens at this stage.")
    side: Literal["VN", "CN"] = Field("VN", description="Which country's agency runs the stage.")
    hours: Key = Field(description="Name of the opening calendar in [hours].")
    lanes: int = Field(1, ge=1, le=L.MAX_LANES, description="Trucks served at the same time (lanes, teams).")
    service: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Service time by cargo class; the key 'default' covers classes not listed. "
        "Leave empty when `trucks_per_hour` is given.",
    )
    trucks_per_hour: float | None = Field(
        None,
        ge=L.MIN_TRUCKS_PER_HOUR,
        le=L.MAX_TRUCKS_PER_HOUR,
        description="A paced stage (e.g. the Chinese side's acceptance): each lane takes one "
        "truck every lanes*60/trucks_per_hour minutes. Replaces `service`.",
    )
    max_per_day: int | None = Field(
        None,
        ge=0,
        le=L.MAX_COUNT,
        description="At most this many trucks start the stage per local day of its calendar "
        "(an acceptance quota); omitted = no quota.",
    )
    applies_to: list[Key] | None = Field(
        None,
        description="Cargo classes that pass this stage (e.g. plant quarantine for farm "
        "produce); omitted = every class.",
    )
    serves: Literal["all", "equipped", "conventional"] = Field(
        "all",
        description="Which trucks pass this stage: 'equipped' ones (for automated smart-gate "
        "lanes, see a stream's `equipped_share`), 'conventional' ones, or 'all'.",
    )
    priority: list[Key] = Field(
        default_factory=list,
        description="Cargo classes served ahead of the others at this stage, first listed first "
        "(a green lane for farm produce); within a class, first come first served.",
    )
    departures: list[str] | None = Field(
        None,
        max_length=L.MAX_DEPARTURES,
        description="A timetabled stage (trains): daily departure times 'HH:MM' in the local time "
        "of the stage's calendar; a departure runs when the calendar is open at that moment and "
        "takes up to `wagons_per_train` waiting trucks' loads. `service` is then the time from "
        "departure until the loads are handed over.",
    )
    wagons_per_train: int | None = Field(
        None,
        ge=1,
        le=L.MAX_LANES,
        description="Truck loads (one per wagon) a departure takes; with `departures`.",
    )
    staffing: list[Staffing] = Field(
        default_factory=list,
        max_length=L.MAX_WINDOWS,
        description="Lanes by hour of day and weekday: inside a window the stage has that many "
        "lanes, outside the windows `lanes` (while its calendar is open). Capacity by hour.",
    )
    changes: list[StageChange] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated changes of lanes, pace, service times or staffing, in date order "
        "(e.g. Youyiguan lanes 6 -> 12 on 30 Apr 2024, F59; a slower check from Oct 2020, F38).",
    )
    ramp_after_closure: Annotated[Ramp | None, BeforeValidator(ramp_table)] = Field(
        None,
        description="The days back after a dated closure (of the stage's calendar, crossing or "
        "facility): `of` says whether the fractions are of the stage's capacity or of a normal "
        "day's clearances (see Ramp).",
    )

    @model_validator(mode="after")
    def _one_service_rule(self) -> Stage:
        if self.trucks_per_hour is None and not self.service:
            raise ValueError("give either `service` (times by cargo class) or `trucks_per_hour`")
        if self.trucks_per_hour is not None and self.service:
            raise ValueError("give `service` or `trucks_per_hour`, not both")
        if (self.departures is None) != (self.wagons_per_train is None):
            raise ValueError("a timetabled stage needs both `departures` and `wagons_per_train`")
        if self.departures is not None and self.trucks_per_hour is not None:
            raise ValueError("a timetabled stage takes `service`, not `trucks_per_hour`")
        if self.departures is not None and self.max_per_day is not None:
            raise ValueError(
                "a timetabled stage takes no `max_per_day`: its departures and wagons are its limit"
            )
        if (
            self.max_per_day is not None
            and self.ramp_after_closure
            and self.ramp_after_closure.of == "normal_day"
        ):
            raise ValueError("a ramp of a normal day's clearances is a quota: not with `max_per_day`")
        for clock in self.departures or []:
            parse_clock(clock)
        if self.departures is not None and (self.staffing or self.changes or self.ramp_after_closure):
            raise ValueError("a timetabled stage takes no `staffing`, `changes` or `ramp_after_closure`")
        starts = [as_start(c.start) for c in self.changes]
        if len({x.utcoffset() is not None for x in starts}) > 1:
            raise ValueError("`changes`: expected a UTC offset on every start date-time or on none")
        if starts != sorted(starts):
            raise ValueError("`changes` must be in date order")
        for c in self.changes:
            if c.trucks_per_hour is not None and self.trucks_per_hour is None:
                raise ValueError("a change sets `trucks_per_hour` on a stage that has `service` times")
            if c.service and self.trucks_per_hour is not None:
                raise ValueError("a change sets `service` on a paced stage (use `trucks_per_hour`)")
        return self


class SlotRule(Spec):
    """Registration slots (metering) in force over dated days: a truck is dispatched to the
    border (its staging area or its gate) only with a slot; trucks without one wait at their
    origin, counted apart from the border queue, and get slots first come, first served as
    periods begin (``sim.engine.slots``)."""

    start: Date = Field(description="First local day of the rule (in `timezone`).")
    end: Date = Field(description="Last local day, inclusive.")
    per_day: int | None = Field(
        None, ge=0, le=L.MAX_COUNT, description="Slots per local day (0: none that day)."
    )
    per_hour: int | None = Field(None, ge=0, le=L.MAX_COUNT, description="Slots per local clock hour.")
    timezone: str | None = Field(
        None,
        description="Time zone of the slot days and hours: 'Asia/Ho_Chi_Minh' (UTC+7) or "
        "'Asia/Shanghai' (UTC+8) for slots booked on the Chinese side; omitted = the scenario's.",
    )
    cargo: list[Key] | None = Field(
        None,
        description="Classes that need a slot under this rule; omitted = every class. Rules with "
        "the same classes share one quota (a pool); rules for other classes, which must not "
        "overlap them, are quotas of their own (loaded trucks and empty returns apart).",
    )
    preregistered_only: bool = Field(
        False,
        description="On these days a slot goes only to a truck that asked for one before the day "
        "began (held at its origin), never to one that asks that day.",
    )
    reason: str = Field("", description="Why, with its source (fact id), for the reader.")

    _validate_tz = field_validator("timezone")(lambda v: v if v is None else check_timezone(v))

    @model_validator(mode="after")
    def _one_period(self) -> SlotRule:
        if (self.per_day is None) == (self.per_hour is None):
            raise ValueError("give either `per_day` or `per_hour`")
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class StagingArea(Spec):
    """A staging yard away from the gate (a logistics park) where trucks wait until the gate's
    yard has room and calls them forward (Viettel park, about 5 km from the border, F61; the
    duty-free zone, F61b). Trucks are called in the order they entered the staging area (their
    arrival, or their registration when the route is metered), and drive to the gate."""

    name: str = Field(description="Display name, e.g. 'Viettel Lạng Sơn logistics park'.")
    description: str = Field("", description="What the area is, with its sources.")
    km_from_gate: float = Field(ge=0, le=L.MAX_KM, description="Road distance to the gates it serves, in km.")
    capacity: int | None = Field(
        None,
        ge=1,
        le=L.MAX_COUNT,
        description="Trucks the area holds at once (the rest wait on the road before it); "
        "omitted = unlimited.",
    )
    speed_kmh: float = Field(
        20.0,
        ge=L.MIN_SPEED_KMH,
        le=L.MAX_SPEED_KMH,
        description="Speed of a called truck from the area to the gate, km/h. ASSUMPTION: 20 "
        "km/h on a congested border road with a checkpoint (no source gives one).",
    )

    def travel_min(self) -> float:
        """Minutes from the staging area to the gate's yard."""
        return 60.0 * self.km_from_gate / self.speed_kmh


class Route(Spec):
    """The stages one direction of a crossing passes, in order, and its yard."""

    stages: list[Stage] = Field(
        default_factory=list,
        max_length=L.MAX_STAGES_PER_ROUTE,
        description="Clearance stages of this crossing in the order passed (may be empty when a "
        "`facility` does all the work).",
    )
    facility: Key | None = Field(
        None,
        description="A shared Chinese facility of [facilities] that this route passes too: "
        "after its own stages for exports (VN -> CN), before them for imports. Several "
        "crossings naming the same facility share its lanes and queues.",
    )
    yard_capacity: int | None = Field(
        None,
        ge=1,
        le=L.MAX_COUNT,
        description="Trucks the yard holds from arrival until they cross; the rest wait on the "
        "road. Omitted = unlimited. At least 1: a yard of 0 would let no truck reach the "
        "first stage (a deadlock), so it is rejected.",
    )
    staging: Key | None = Field(
        None,
        description="A staging area of [staging] where this route's trucks wait until the "
        "yard has room and they are called forward (then they drive `km_from_gate`).",
    )
    slots: list[SlotRule] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Registration slots by date (metering, pre-registered-only days): rules for "
        "the same classes in date order without overlap, rules for other classes apart: outside "
        "a class's rules' days no slot is needed.",
    )

    @field_validator("slots")
    @classmethod
    def _slots_in_order(cls, slots: list[SlotRule]) -> list[SlotRule]:
        pools: dict[tuple[str, ...] | None, list[SlotRule]] = {}
        for rule in slots:
            pools.setdefault(None if rule.cargo is None else tuple(sorted(rule.cargo)), []).append(rule)
        for mine in pools.values():
            for a, b in zip(mine, mine[1:], strict=False):
                if b.start <= a.end:
                    raise ValueError(
                        f"slot rules must be in date order without overlap: {b.start} <= {a.end}"
                    )
        keys = list(pools)
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if a is None or b is None or set(a) & set(b):
                    names = [list(k) if k else "every class" for k in (a, b)]
                    raise ValueError(
                        f"slot rules for {names[0]} and {names[1]}: expected the same classes "
                        "(one quota) or none in common (quotas apart)"
                    )
        return slots

    @field_validator("stages")
    @classmethod
    def _unique_names(cls, stages: list[Stage]) -> list[Stage]:
        names = [s.name for s in stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stage names must be unique within a route, repeated: {dupes}")
        return stages

    @model_validator(mode="after")
    def _some_stage(self) -> Route:
        if not self.stages and self.facility is None:
            raise ValueError("a route needs `stages`, a `facility`, or both")
        return self


class ClassSuspension(Closure):
    """A dated window when a shared facility takes no truck of the classes listed."""

    cargo: list[Key] = Field(min_length=1, description="Classes the facility does not take.")
    directions: list[Direction] | None = Field(None, description="Directions affected; omitted = both.")


class FacilityRoute(Spec):
    """The stages of one direction of a shared facility, in the order passed."""

    stages: list[Stage] = Field(
        min_length=1, max_length=L.MAX_STAGES_PER_ROUTE, description="Stages in the order passed."
    )

    _unique_names = field_validator("stages")(Route._unique_names.__func__)


class Facility(Spec):
    """A Chinese-side port that one or more Vietnamese crossings feed, simulated once.

    Youyiguan (Hữu Nghị Quan) takes the Hữu Nghị gate and road 1119–1120; Pò Chài
    (Puzhai) takes road 1088/2–1089 and the Tân Thanh gate. Every route that names the
    facility joins the same queues and shares the same lanes.
    """

    name: str = Field(description="Display name, e.g. 'Youyiguan (Hữu Nghị Quan)'.")
    description: str = Field("", description="What the facility is, with its sources.")
    routes: dict[Direction, FacilityRoute] = Field(
        description="Stages per direction: 'export' = trucks entering China, 'import' = leaving it."
    )
    closures: list[Closure] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated closures of the facility (both directions), local dates in the "
        "time zone of each stage's calendar: every crossing feeding it stops crossing.",
    )
    suspensions: list[ClassSuspension] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated windows when the facility takes no truck of some classes (an intake "
        "ban on farm produce, F20, F38): they wait at its entry (or turn back, or change "
        "crossing); local dates in the time zone of the calendar of its first stage.",
    )


class EligibilityChange(Spec):
    """From a date, the crossing accepts these classes only (a gate opened to durian, a ban
    lifted); trucks of a class it no longer accepts are re-routed by the stated rule."""

    start: DateOrDateTime = Field(
        description="When the change takes effect: a date (its local midnight) or a local "
        "date-time, in the model's time zone."
    )
    accepts: list[Key] = Field(
        description="Classes accepted from then on; each must be in the crossing's `accepts` "
        "(which lists every class it accepts at some time)."
    )
    reroute_to: list[Key] = Field(
        default_factory=list,
        description="Rule for trucks of a class the crossing stops accepting: every one the Chinese "
        "side has not accepted, wherever it waits (at its origin, on the road, in staging, in the "
        "yard, after Vietnamese customs: its class's `reimport_h` first; one in service when that "
        "ends), and those that arrive while it is not accepted, drive to the crossing of this list "
        "where they expect the shortest wait (as `least_expected_wait`); empty = they turn back "
        "(counted as gave up, place 'rerouted'). When a class is accepted again, trucks waiting "
        "elsewhere move only by their stream's logit re-routing (`reroute_saving_h`).",
    )
    reroute_min: float = Field(
        60.0,
        ge=0,
        le=L.MAX_DURATION_MIN,
        description="Drive to the other crossing, minutes. ASSUMPTION: the Lạng Sơn gates are "
        "some 10-30 km apart by road (DOMAIN.md), about an hour in border traffic.",
    )
    reason: str = Field("", description="Why, with its source (fact id), for the reader.")


class Diversion(Spec):
    """Dated days on which a share of the trucks arriving at a crossing leave for another
    province, rail or sea instead of queueing (counted as gave up, place 'diverted')."""

    start: Date = Field(description="First day (local, model time zone).")
    end: Date = Field(description="Last day, inclusive.")
    share: float = Field(ge=0, le=1, description="Share of the arriving trucks that divert.")
    cargo: list[Key] | None = Field(None, description="Classes affected; omitted = all.")
    reason: str = Field("", description="Why, with its source (fact id), for the reader.")

    @model_validator(mode="after")
    def _ordered(self) -> Diversion:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class Crossing(Spec):
    """A border gate or dedicated freight road."""

    name: str = Field(description="Display name, e.g. 'Hữu Nghị'.")
    kind: Literal[
        "international_road_gate", "railway_gate", "main_gate", "auxiliary_gate", "dedicated_road"
    ] = Field(description="Legal kind of the crossing.")
    pair: str = Field("", description="The paired crossing on the Chinese side.")
    enabled: StrictBool = Field(True, description="False removes the crossing from the run.")
    accepts: list[Key] = Field(min_length=1, description="Cargo classes the crossing clears.")
    road_m_per_truck: float = Field(
        20.0,
        gt=0,
        le=L.MAX_ROAD_M_PER_TRUCK,
        description="Road length one queueing truck takes, in metres (with its gap).",
    )
    routes: dict[Direction, Route] = Field(
        description="The route for each direction the crossing serves ('export', 'import')."
    )
    closures: list[Closure] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated closures of the whole crossing (every stage, both directions), in the "
        "model's time zone: a storm, an accident, a policy pause.",
    )
    diversions: list[Diversion] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated shares of arriving trucks that leave for another province, rail or sea.",
    )
    eligibility: list[EligibilityChange] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated changes of the classes accepted, in date order; before the first, "
        "every class of `accepts`.",
    )

    @field_validator("eligibility")
    @classmethod
    def _changes_in_order(cls, changes: list[EligibilityChange]) -> list[EligibilityChange]:
        starts = [as_start(c.start) for c in changes]
        if starts != sorted(starts):
            raise ValueError("`eligibility` changes must be in date order")
        return changes


class ClassShares(Spec):
    """Split demand among crossings in fixed shares."""

    policy: Literal["shares"]
    shares: dict[Key, float] = Field(
        min_length=1,
        max_length=L.MAX_CROSSINGS,
        description="Crossing -> share of the stream's trucks; shares sum to 1.",
    )

    @field_validator("shares")
    @classmethod
    def _sum_to_one(cls, shares: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in shares.values()):
            raise ValueError("shares must not be negative")
        total = sum(shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return shares


class LeastExpectedWait(Spec):
    """Send each truck to the eligible crossing where it expects the shortest wait."""

    policy: Literal["least_expected_wait"]
    crossings: list[Key] = Field(
        min_length=1, max_length=L.MAX_CROSSINGS, description="Crossings to choose among."
    )


class Logit(Spec):
    """Trucks bound to a home crossing, and the others choosing by multinomial logit on the
    expected wait plus travel (``sim.engine.route_choice``)."""

    policy: Literal["logit"]
    shares: dict[Key, float] = Field(
        min_length=1,
        max_length=L.MAX_CROSSINGS,
        description="Home crossing -> share of the stream's trucks (sum 1): where the trucks bound "
        "to their crossing go, drawn as fixed shares draw them (common random numbers).",
    )
    crossings: list[Key] | None = Field(
        None,
        max_length=L.MAX_CROSSINGS,
        description="Crossings the other trucks choose among; omitted = those of `shares`.",
    )
    share_prior: bool = Field(
        True,
        description="True: a choosing truck takes crossing j with probability proportional to "
        "shares[j] x exp(-C_j / scale) (alternative-specific constants ln shares[j]: with equal "
        "waits the choosers split as the shares do, what brings trucks to a gate besides its wait "
        "kept); false: exp(-C_j / scale) alone.",
    )
    bound_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the trucks bound to their home crossing whatever the waits (a "
        "contract, a forwarder's routine, a cargo only one gate clears in practice). 1 = fixed "
        "shares. ASSUMPTION 0.5 (no source counts drivers who change crossing): range 0.2-0.9.",
    )
    scale_h: float = Field(
        2.0,
        gt=0,
        le=L.MAX_HOURS,
        description="Logit scale, hours: a crossing whose expected wait plus travel is this much "
        "longer is chosen e (2.7) times less often; small = drivers go where the wait is least, "
        "large = spread evenly. ASSUMPTION 2 h (drivers hear of queues by phone and from "
        "forwarders, roughly): range 0.5-8 h.",
    )
    travel_h: dict[Key, float] = Field(
        default_factory=dict,
        description="Extra drive, hours, from where the stream's trucks come to each crossing "
        "(omitted: 0). ASSUMPTION where set: the Lạng Sơn gates are some 10-30 km apart by road "
        "(DOMAIN.md).",
    )
    reroute_saving_h: float | None = Field(
        None,
        gt=0,
        le=L.MAX_HOURS,
        description="A choosing truck still waiting at its origin or on the border road moves to "
        "another crossing when it expects to save more than this, hours, driving there included; "
        "reviewed every `review_min` and when a crossing starts accepting its class. Omitted = it "
        "stays where it chose.",
    )
    review_min: float = Field(
        60.0,
        ge=1,
        le=L.MAX_DURATION_MIN,
        description="Minutes between reviews of the waiting trucks (with `reroute_saving_h`).",
    )
    reroute_min: float = Field(
        60.0,
        ge=0,
        le=L.MAX_DURATION_MIN,
        description="Drive from one crossing to another for a truck that moves from the border "
        "road, minutes. ASSUMPTION: the gates are 10-30 km apart (DOMAIN.md), about an hour in "
        "border traffic.",
    )

    @field_validator("shares")
    @classmethod
    def _sum_to_one(cls, shares: dict[str, float]) -> dict[str, float]:
        return ClassShares._sum_to_one(shares)

    def choices(self) -> list[str]:
        """The crossings the choosing trucks choose among."""
        return self.crossings if self.crossings is not None else [c for c, p in self.shares.items() if p > 0]

    @model_validator(mode="after")
    def _priors_known(self) -> Logit:
        if self.share_prior and self.crossings is not None:
            missing = [c for c in self.crossings if self.shares.get(c, 0) <= 0]
            if missing:
                raise ValueError(
                    f"crossings {missing} have no share: with share_prior they would never be chosen "
                    "(give them a share, or set share_prior = false)"
                )
        return self


Routing = Annotated[ClassShares | LeastExpectedWait | Logit, Field(discriminator="policy")]


class Stream(Spec):
    """A flow of trucks of one direction and cargo class."""

    direction: Direction = Field(description="'export' (VN to CN) or 'import' (CN to VN).")
    cargo: Key = Field(description="Cargo class, a key of [cargo].")
    trucks_per_day: float = Field(
        ge=0, le=L.MAX_TRUCKS_PER_DAY, description="Mean arrivals per day before shaping."
    )
    routing: Routing = Field(description="How trucks of this stream choose a crossing.")
    equipped_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the stream's trucks equipped for automated (smart-gate) clearance; "
        "they pass stages with serves = 'equipped' and skip those with serves = 'conventional'.",
    )


class DemandWindow(Spec):
    """Dated multiplier of arrivals: a surge (> 1), a dip (< 1) or an intake ban (0)."""

    name: str = Field("", description="What the window stands for, e.g. 'March harvest'.")
    start: Date = Field(description="First day (local, model time zone).")
    end: Date = Field(description="Last day, inclusive.")
    factor: float = Field(ge=0, le=L.MAX_FACTOR, description="Multiplier of the arrival rate in the window.")
    cargo: list[Key] | None = Field(None, description="Classes affected; omitted = all.")
    directions: list[Direction] | None = Field(None, description="Directions affected; omitted = both.")

    @model_validator(mode="after")
    def _ordered(self) -> DemandWindow:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class DayToDay(Spec):
    """Days that differ: each day's arrivals are multiplied by a random factor of mean 1.

    The factor of a day is gamma-distributed with mean 1 and coefficient of variation ``cv``
    (shape 1/cv², scale cv²), drawn once per day and per group of arrivals that share it; a
    day's count of a stream is then Poisson given the factor (gamma-Poisson: the count's
    variance is λ + λ²·cv² where Poisson alone gives λ). Convoys after a closure, harvest
    pulses and market days move whole days up or down, which hourly Poisson noise does not.
    """

    description: str = Field("", description="What the swings stand for, with their sources.")
    cv: float = Field(
        ge=0,
        le=10,
        description="Coefficient of variation of the daily factor (its standard deviation; the "
        "mean is 1). 0 turns the swings off (as if the table were omitted): for a file that "
        "extends one with swings but gives its days' counts, as an episode does.",
    )
    shared_by: Literal["all", "direction", "stream", "crossing"] = Field(
        description="Which arrivals share a day's factor: 'all' (one per day for the province), "
        "'direction', 'stream', or 'crossing' (each crossing its own; a fixed-share stream's "
        "trucks are split among its crossings day by day, so the split follows the factors; a "
        "least-expected-wait stream gets a factor of its own)."
    )


class DemandPause(Spec):
    """Dated days on which trucks stop coming (a holiday), and their return afterwards.

    Of the trucks that would have arrived in the pause, a share ``keep`` still come (already on
    the road); the others wait upstream (at home, at the depot) and come after the pause, on the
    days of ``return_profile``, at the usual hours of the day. Trucks are conserved: each held
    truck arrives later, none is lost or added.
    """

    name: str = Field("", description="What the pause stands for, e.g. 'Tết'.")
    start: Date = Field(description="First day of the pause (local, model time zone).")
    end: Date = Field(description="Last day of the pause, inclusive.")
    keep: float = Field(ge=0, le=1, description="Share of the pause's trucks that still come on their day.")
    return_profile: list[Annotated[float, Field(ge=0, le=L.MAX_FACTOR)]] = Field(
        min_length=1,
        max_length=L.MAX_DEMAND_WINDOWS,
        description="Relative weight of each day after the pause on which held trucks come back "
        "(the first is the day after `end`; rescaled to sum to 1): [1, 1, 1] = evenly over three "
        "days, [3, 2, 1] = most at once.",
    )
    cargo: list[Key] | None = Field(None, description="Classes affected; omitted = all.")
    directions: list[Direction] | None = Field(None, description="Directions affected; omitted = both.")

    @model_validator(mode="after")
    def _ordered(self) -> DemandPause:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if sum(self.return_profile) <= 0 and self.keep < 1:
            raise ValueError("`return_profile` needs a positive weight (held trucks must come back)")
        return self


def _flat(n: int) -> list[float]:
    return [1.0] * n


class Demand(Spec):
    """Non-homogeneous Poisson arrivals: base rates shaped by hour, weekday, month, windows."""

    hour_of_day: list[Annotated[float, Field(ge=0, le=L.MAX_FACTOR)]] = Field(
        default_factory=lambda: _flat(24),
        min_length=24,
        max_length=24,
        description="Relative arrival intensity for each local hour 0..23 (rescaled to mean 1).",
    )
    weekday: list[Annotated[float, Field(ge=0, le=L.MAX_FACTOR)]] = Field(
        default_factory=lambda: _flat(7),
        min_length=7,
        max_length=7,
        description="Relative intensity Monday..Sunday (rescaled to mean 1).",
    )
    month: list[Annotated[float, Field(ge=0, le=L.MAX_FACTOR)]] = Field(
        default_factory=lambda: _flat(12),
        min_length=12,
        max_length=12,
        description="Multiplier of each calendar month January..December (not rescaled).",
    )
    growth_per_year: float = Field(
        0.0,
        gt=-1,
        le=L.MAX_GROWTH_PER_YEAR,
        description="Compound growth of all rates per year (0.24 = +24%) from `growth_from`.",
    )
    growth_from: Date | None = Field(
        None,
        description="Date at which the streams' trucks_per_day hold; growth compounds from it "
        "(omitted = start_date). A run starting years later sees the grown demand.",
    )
    windows: list[DemandWindow] = Field(
        default_factory=list, max_length=L.MAX_DEMAND_WINDOWS, description="Dated multipliers."
    )
    day_to_day: DayToDay | None = Field(
        None, description="Days that differ: a random daily factor on arrivals; omitted = none."
    )
    pauses: list[DemandPause] = Field(
        default_factory=list,
        max_length=L.MAX_DEMAND_WINDOWS,
        description="Dated pauses in arrivals whose held-back trucks come afterwards (conserved), "
        "in date order without overlap.",
    )
    streams: dict[Key, Stream] = Field(
        min_length=1, max_length=L.MAX_STREAMS, description="The flows of trucks."
    )

    @field_validator("hour_of_day", "weekday")
    @classmethod
    def _some_intensity(cls, values: list[float]) -> list[float]:
        if sum(values) <= 0:
            raise ValueError("at least one value must be positive")
        return values

    @field_validator("pauses")
    @classmethod
    def _pauses_in_order(cls, pauses: list[DemandPause]) -> list[DemandPause]:
        for a, b in zip(pauses, pauses[1:], strict=False):
            if b.start <= a.end + timedelta(days=len(a.return_profile)):
                raise ValueError(
                    f"pauses must be in date order, each after the previous one's return days: {b.start}"
                )
        return pauses


class Backlog(Spec):
    """Trucks already waiting at a crossing when the run starts."""

    crossing: Key = Field(description="Crossing where they wait.")
    direction: Direction = Field(description="Their direction.")
    cargo: Key = Field(description="Their cargo class.")
    trucks: int = Field(ge=0, le=L.MAX_COUNT, description="How many.")
    waited_h: float = Field(
        0.0,
        ge=0,
        le=L.MAX_HOURS,
        description="Hours these trucks have already waited when the run starts: their "
        "patience (cargo class `patience`) runs down from it, so trucks that have waited "
        "N days give up sooner.",
    )


class SmallestDifference(Spec):
    """The smallest difference of each headline KPI that matters, in the unit the KPI is printed in.

    A paired comparison can detect a difference far too small to change any decision (3
    minutes of time in system, 0.1 truck a day); these thresholds separate "a real
    difference" from "detectable but small". None is sourced: each is an ASSUMPTION, stated
    with why it is plausible, for a planner to change in a scenario's ``[reporting]``.
    """

    cleared_per_day: float = Field(
        10.0,
        ge=0,
        le=L.MAX_TRUCKS_PER_DAY,
        description="Vehicles cleared per day (also by crossing or direction). ASSUMPTION: 10 "
        "trucks a day, 1% of the Q1 2023 count: a tenth of the band the sources give for it "
        "(1,000-1,100 a day, 001_), so no count could show a smaller change.",
    )
    backlog_midnight: float = Field(
        50.0,
        ge=0,
        le=L.MAX_COUNT,
        description="Trucks in the system at midnight (mean). ASSUMPTION: 50 trucks, about 1 km "
        "of road at 20 m a truck and an hour of the baseline's arrivals at the busiest pair "
        "(about 600 a day, 16 open hours).",
    )
    time_in_system_h: float = Field(
        0.5,
        ge=0,
        le=L.MAX_HOURS,
        description="Hours in the system (mean and percentiles). ASSUMPTION: half an hour; the "
        "sources report procedure times in hours (the digital border gate cut 4-6 h, F56) and a "
        "reefer trip takes days (F57), so a shorter change does not alter a trip.",
    )
    same_day_pct: float = Field(
        2.0,
        ge=0,
        le=100,
        description="Share cleared the same day, in percentage points. ASSUMPTION: 2 points, "
        "about 20 of the baseline's 1,060 trucks a day.",
    )
    perishable_delayed_pct: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Perishables delayed or turned back, in percentage points. ASSUMPTION: 1 "
        "point, about 3 of the baseline's 370 perishable loads a day, worth VND 2-3 bn each "
        "(F88).",
    )
    road_queue_km: float = Field(
        0.5,
        ge=0,
        le=L.MAX_KM,
        description="Peak road queue, km. ASSUMPTION: half a kilometre, about 25 trucks at 20 m "
        "a truck: less than a lay-by holds.",
    )
    gave_up_per_day: float = Field(
        1.0,
        ge=0,
        le=L.MAX_TRUCKS_PER_DAY,
        description="Loaded trucks giving up per day. ASSUMPTION: one truck a day (a load lost "
        "is worth VND 2-3 bn for fruit, F88).",
    )


class Reporting(Spec):
    """Settings of the KPIs read out of a run."""

    perishable_delay_h: float = Field(
        24.0,
        gt=0,
        le=L.MAX_HOURS,
        description="A perishable truck longer than this in the system counts as delayed.",
    )
    recovery_factor: float = Field(
        1.5,
        gt=1,
        le=L.MAX_FACTOR,
        description="After its peak, the midnight backlog has recovered once it is back under this "
        "factor times its median over the first `normal_days` measured days (for `days_to_recover`).",
    )
    normal_days: int = Field(
        7,
        ge=1,
        le=L.MAX_HORIZON_DAYS,
        description="Measured days at the start of a run that stand for normal conditions.",
    )
    queue_sample_min: float = Field(
        60.0,
        ge=L.MIN_QUEUE_SAMPLE_MIN,
        le=L.MAX_HORIZON_DAYS * 1440.0,
        description="Interval between samples of queue lengths over time, in minutes.",
    )
    queue_cost_vnd_per_truck_hour: float = Field(
        300_000.0,
        ge=0,
        le=L.MAX_VND,
        description="Cost of one truck-hour in the border area (truck, driver, reefer fuel), for "
        "`queue_cost_vnd_per_day`. ASSUMPTION (no source gives an hourly cost): a trip costs "
        "VND 70-100 M (F88) and a reefer truck makes about 2.5 trips a month (F57), so a "
        "truck-hour costs about 85 M x 2.5 / 720 h = VND 0.3 M.",
    )
    unstable_growth_share: float = Field(
        0.02,
        gt=0,
        le=L.MAX_FACTOR,
        description="A run is flagged `unstable` when, over the second half of its measured "
        "days, the midnight backlog grows by more than this share of a day's arrivals per day. "
        "ASSUMPTION: 2% a day, sustained over half the run, is a trend rather than noise of "
        "a day-to-day backlog.",
    )
    censored_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="A replication is flagged *censored* when more than this share of the measured "
        "days' loaded arrivals are still in the system at the end (`in_system_share_end`): its "
        "time-in-system figures, computed over the trucks that cleared, leave out the longest waits "
        "and are reported as lower bounds. ASSUMPTION: a tenth; the stable baseline leaves under 5% "
        "in runs of a week or more (0.7% over its 28 days), office hours a third.",
    )
    smallest_difference: SmallestDifference = Field(
        default_factory=lambda: SmallestDifference(),
        description="The smallest difference of each headline KPI that matters to a decision: "
        "`compare` and `table` call a difference real only when its paired 95% interval excludes "
        "zero and it is at least this large (in the KPI's unit as printed).",
    )


class DwellChange(Spec):
    """A dated change of a dwell's times (a new system, a new procedure)."""

    start: DateOrDateTime = Field(
        description="When the change takes effect: a date (its local midnight) or a local "
        "date-time, in the time zone of the dwell's calendar (the scenario's without one). A "
        "truck's time is the one in force when it starts the dwell."
    )
    time: dict[str, Distribution] = Field(
        default_factory=dict,
        description="New times of the classes listed (others keep theirs); 'default' as in `time`.",
    )
    reason: str = Field("", description="Why, with its source (fact id), for the reader.")


class Dwell(Spec):
    """Time a truck waits at the border for something other than a lane: papers, the importer's
    declaration, a quarantine booking, the consignee.

    Each truck of the classes it applies to, on the crossings it names, is held for a time drawn
    from its class's distribution, at a position of the route (``at``). The hold keeps the
    truck's place in the yard but takes no lane: there is no queue and no capacity, and a hold
    never delays another truck. The time runs on the open hours of a calendar (``hours``):
    papers that need 6 working hours and start at 18:00 on a 07:00-19:00 calendar are done at
    12:00 the next day. Records show it as a stage of its own (``stage_kinds`` = 'hold').
    """

    description: str = Field("", description="What the truck waits for, with its sources.")
    direction: Direction = Field(description="'export' (VN to CN) or 'import' (CN to VN).")
    at: Literal["arrival", "before_cn", "after_cn"] = Field(
        description="Where in the route: 'arrival' (before every stage: for exports, before "
        "Vietnamese customs; for imports, before the Chinese stages), 'before_cn' (exports: "
        "after the Vietnamese stages, before the Chinese side accepts the truck) or 'after_cn' "
        "(imports: after the Chinese stages, before Vietnamese release). Several dwells at one "
        "position follow in the order of [dwell]."
    )
    crossings: list[Key] | None = Field(
        None,
        description="Crossings whose routes in `direction` have the dwell; omitted = every enabled "
        "crossing with such a route.",
    )
    hours: Key | None = Field(
        None,
        description="Calendar of [hours] whose open time the clock counts (office hours: the "
        "clock stops at night and on closures); omitted = the clock always runs.",
    )
    time: dict[str, Distribution] = Field(
        min_length=1,
        description="Time by cargo class, counted on the calendar's open time; 'default' covers "
        "classes not listed. A class with neither is not held (changes only change times).",
    )
    applies_to: list[Key] | None = Field(
        None, description="Classes held (others pass); omitted = those `time` covers."
    )
    serves: Literal["all", "equipped", "conventional"] = Field(
        "all", description="Which trucks are held: equipped (smart-gate) ones, conventional ones, or all."
    )
    changes: list[DwellChange] = Field(
        default_factory=list,
        max_length=L.MAX_CLOSURES,
        description="Dated changes of the times, in date order (F54 smart quarantine, F56 digital "
        "border gate, F57 the Viettel park's data link...).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Dwell:
        if self.at == "before_cn" and self.direction != "export":
            raise ValueError(
                "at = 'before_cn' is for exports (imports pass the Chinese side first: 'after_cn')"
            )
        if self.at == "after_cn" and self.direction != "import":
            raise ValueError(
                "at = 'after_cn' is for imports (exports reach the Chinese side last: 'before_cn')"
            )
        starts = [as_start(c.start) for c in self.changes]
        if len({x.utcoffset() is not None for x in starts}) > 1:
            raise ValueError("`changes`: expected a UTC offset on every start date-time or on none")
        if starts != sorted(starts):
            raise ValueError("`changes` must be in date order")
        return self

    def holds(self, cargo: str) -> bool:
        """Is a truck of ``cargo`` held (given it passes a crossing of the dwell)?"""
        if self.applies_to is not None and cargo not in self.applies_to:
            return False
        return cargo in self.time or DEFAULT_SERVICE in self.time


class Scenario(Spec):
    """A complete, validated scenario."""

    name: str = Field(description="Short name of the scenario.")
    description: str = Field("", description="The question the scenario answers.")
    extends: str | None = Field(
        None,
        description="Parent scenario this file changes: a path relative to this file or the "
        "name of a packaged scenario (e.g. 'baseline.toml'). Tables merge key by key.",
    )
    rng_seed: int = Field(
        20230101, ge=0, le=L.MAX_RNG_SEED, description="Seed of all random streams of the run."
    )
    start_date: Date = Field(description="First simulated day (local, model time zone).")
    horizon_days: int = Field(ge=1, le=L.MAX_HORIZON_DAYS, description="Simulated days.")
    warmup_days: int = Field(0, ge=0, le=L.MAX_HORIZON_DAYS, description="Days discarded from daily KPIs.")
    timezone: str = Field(
        "Asia/Ho_Chi_Minh", description="Time zone of the model clock, days and 'same day'."
    )
    hours: dict[Key, Hours] = Field(
        min_length=1, max_length=L.MAX_CALENDARS, description="Named opening calendars."
    )
    cargo: dict[Key, CargoClass] = Field(
        min_length=1, max_length=L.MAX_CARGO_CLASSES, description="Cargo classes."
    )
    crossings: dict[Key, Crossing] = Field(
        min_length=1, max_length=L.MAX_CROSSINGS, description="Gates and freight roads."
    )
    facilities: dict[Key, Facility] = Field(
        default_factory=dict,
        max_length=L.MAX_CROSSINGS,
        description="Shared Chinese-side facilities that routes name.",
    )
    staging: dict[Key, StagingArea] = Field(
        default_factory=dict,
        max_length=L.MAX_CROSSINGS,
        description="Staging areas (logistics parks) that routes name.",
    )
    dwell: dict[Key, Dwell] = Field(
        default_factory=dict,
        max_length=L.MAX_STAGES_PER_ROUTE,
        description="Waiting processes at the border that hold a truck without a lane (papers, "
        "declarations, quarantine booking), by name.",
    )
    demand: Demand = Field(description="Arrivals.")
    initial_backlog: list[Backlog] = Field(
        default_factory=list, max_length=L.MAX_STREAMS, description="Trucks waiting at time zero."
    )
    reporting: Reporting = Field(default_factory=Reporting, description="KPI settings.")

    _validate_tz = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _warmup_shorter(self) -> Scenario:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days ({self.warmup_days}) must be less than horizon_days ({self.horizon_days})"
            )
        return self


FieldPath = tuple[str | int, ...]


def reference_problems(s: Scenario) -> list[tuple[FieldPath, object, str]]:
    """Every broken cross-reference, as ``(field path, value, what was expected)``."""
    problems: list[tuple[FieldPath, object, str]] = []
    classes = set(s.cargo)

    def need(path: FieldPath, value: str, known: set[str] | dict, what: str) -> bool:
        if value in known:
            return True
        close = get_close_matches(str(value), [str(k) for k in known], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        problems.append((path, value, f"expected one of the {what}: {', '.join(sorted(known))}{hint}"))
        return False

    def check_stage(here: FieldPath, stage: Stage, served_by: list[str]) -> None:
        need((*here, "hours"), stage.hours, s.hours, "calendars in [hours]")
        for k, cls in enumerate(stage.applies_to or []):
            need((*here, "applies_to", k), cls, classes, "cargo classes")
        services = [((*here, "service", key), key) for key in stage.service]
        for i, change in enumerate(stage.changes):
            services += [((*here, "changes", i, "service", key), key) for key in change.service]
        for path, key in services:
            if key != DEFAULT_SERVICE:
                need(path, key, classes | {DEFAULT_SERVICE}, "cargo classes or 'default'")
        for k, cls in enumerate(stage.priority):
            need((*here, "priority", k), cls, classes, "cargo classes")
        if stage.trucks_per_hour is None and DEFAULT_SERVICE not in stage.service:
            served = [c for c in served_by if c in classes]
            served = [c for c in served if stage.applies_to is None or c in stage.applies_to]
            missing = [c for c in served if c not in stage.service]
            if missing:
                problems.append(
                    (
                        (*here, "service"),
                        sorted(stage.service),
                        f"expected a time for {', '.join(missing)} or a 'default'",
                    )
                )

    # Classes each facility direction serves: those of the enabled crossings that feed it.
    feeds: dict[tuple[str, str], list[str]] = {}
    for crossing in s.crossings.values():
        for direction, route in crossing.routes.items():
            if route.facility is not None and crossing.enabled:
                known = feeds.setdefault((route.facility, direction), [])
                known += [c for c in crossing.accepts if c not in known]
    for fid, facility in s.facilities.items():
        for direction, froute in facility.routes.items():
            for j, stage in enumerate(froute.stages):
                here = ("facilities", fid, "routes", direction, "stages", j)
                check_stage(here, stage, feeds.get((fid, direction), []))
        for i, susp in enumerate(facility.suspensions):
            for k, cls in enumerate(susp.cargo):
                need(("facilities", fid, "suspensions", i, "cargo", k), cls, classes, "cargo classes")

    for cid, crossing in s.crossings.items():
        for i, cls in enumerate(crossing.accepts):
            need(("crossings", cid, "accepts", i), cls, classes, "cargo classes")
        others = {c: x for c, x in s.crossings.items() if c != cid and x.enabled}
        for i, diversion in enumerate(crossing.diversions):
            for k, cls in enumerate(diversion.cargo or []):
                need(("crossings", cid, "diversions", i, "cargo", k), cls, classes, "cargo classes")
        for i, change in enumerate(crossing.eligibility):
            for k, cls in enumerate(change.accepts):
                need(
                    ("crossings", cid, "eligibility", i, "accepts", k),
                    cls,
                    set(crossing.accepts),
                    "classes in the crossing's `accepts`",
                )
            for k, other in enumerate(change.reroute_to):
                need(
                    ("crossings", cid, "eligibility", i, "reroute_to", k),
                    other,
                    others,
                    "other enabled crossings",
                )
        for direction, route in crossing.routes.items():
            for j, stage in enumerate(route.stages):
                check_stage(("crossings", cid, "routes", direction, "stages", j), stage, crossing.accepts)
            for i, rule in enumerate(route.slots):
                for k, cls in enumerate(rule.cargo or []):
                    need(
                        ("crossings", cid, "routes", direction, "slots", i, "cargo", k),
                        cls,
                        classes,
                        "cargo classes",
                    )
            if route.staging is not None:
                path = ("crossings", cid, "routes", direction, "staging")
                need(path, route.staging, s.staging, "staging areas in [staging]")
            shared: list[Stage] = []
            if route.facility is not None:
                path = ("crossings", cid, "routes", direction, "facility")
                if need(path, route.facility, s.facilities, "facilities in [facilities]"):
                    froute = s.facilities[route.facility].routes.get(direction)
                    if froute is None:
                        expected = f"expected a facility with a '{direction}' route"
                        problems.append((path, route.facility, expected))
                    else:
                        shared = froute.stages
            if crossing.enabled:
                own_path = ("crossings", cid, "routes", direction, "stages")
                where = [(*own_path, j) for j in range(len(route.stages))]
                if shared:
                    shared_path = ("facilities", route.facility, "routes", direction, "stages")
                    where += [(*shared_path, j) for j in range(len(shared))]
                problems += _uncleared(s, cid, direction, [*route.stages, *shared], where)
            for cls in crossing.accepts:
                passes = [
                    st for st in [*route.stages, *shared] if st.applies_to is None or cls in st.applies_to
                ]
                for kind in ("conventional", "equipped"):
                    if not any(st.serves in ("all", kind) for st in passes):
                        problems.append(
                            (
                                ("crossings", cid, "routes", direction, "stages"),
                                [st.name for st in route.stages],
                                f"expected at least one stage for {kind} '{cls}' trucks",
                            )
                        )

    usable = {c for c, x in s.crossings.items() if x.enabled}
    for name, stream in s.demand.streams.items():
        here = ("demand", "streams", name)
        known_class = need((*here, "cargo"), stream.cargo, classes, "cargo classes")
        policy = stream.routing
        targets = []
        if isinstance(policy, ClassShares | Logit):
            targets += [(("routing", "shares", c), c) for c in policy.shares if policy.shares[c] > 0]
        if isinstance(policy, LeastExpectedWait | Logit) and policy.crossings is not None:
            targets += [(("routing", "crossings", i), c) for i, c in enumerate(policy.crossings)]
        if isinstance(policy, Logit):
            targets += [(("routing", "travel_h", c), c) for c in policy.travel_h]
        for sub, cid in targets:
            path = (*here, *sub)
            if not need(path, cid, s.crossings, "crossings"):
                continue
            crossing = s.crossings[cid]
            if cid not in usable:
                problems.append((path, cid, "expected an enabled crossing (this one has enabled = false)"))
            elif stream.direction not in crossing.routes:
                problems.append((path, cid, f"expected a crossing with a '{stream.direction}' route"))
            elif known_class and stream.cargo not in crossing.accepts:
                problems.append((path, cid, f"expected a crossing that accepts '{stream.cargo}'"))
    for i, window in enumerate(s.demand.windows):
        for k, cls in enumerate(window.cargo or []):
            need(("demand", "windows", i, "cargo", k), cls, classes, "cargo classes")
    for i, pause in enumerate(s.demand.pauses):
        for k, cls in enumerate(pause.cargo or []):
            need(("demand", "pauses", i, "cargo", k), cls, classes, "cargo classes")
    problems += _dwell_problems(s, need)
    for i, b in enumerate(s.initial_backlog):
        here = ("initial_backlog", i)
        need((*here, "cargo"), b.cargo, classes, "cargo classes")
        if need((*here, "crossing"), b.crossing, s.crossings, "crossings"):
            crossing = s.crossings[b.crossing]
            if b.crossing not in usable:
                problems.append(((*here, "crossing"), b.crossing, "expected an enabled crossing"))
            elif b.direction not in crossing.routes:
                problems.append(
                    (
                        (*here, "direction"),
                        b.direction,
                        f"expected a direction that {b.crossing} serves: {sorted(crossing.routes)}",
                    )
                )
            elif b.cargo not in crossing.accepts:
                problems.append(((*here, "cargo"), b.cargo, f"expected a class that {b.crossing} accepts"))
    return problems


def _dwell_problems(s: Scenario, need) -> list[tuple[FieldPath, object, str]]:
    """Broken references of the [dwell] tables (``need`` records unknown names)."""
    problems: list[tuple[FieldPath, object, str]] = []
    classes = set(s.cargo)
    for name, dwell in s.dwell.items():
        here: FieldPath = ("dwell", name)
        if dwell.hours is not None:
            need((*here, "hours"), dwell.hours, s.hours, "calendars in [hours]")
        keys = [((*here, "time", key), key) for key in dwell.time]
        for i, change in enumerate(dwell.changes):
            keys += [((*here, "changes", i, "time", key), key) for key in change.time]
        for path, key in keys:
            if key != DEFAULT_SERVICE:
                need(path, key, classes | {DEFAULT_SERVICE}, "cargo classes or 'default'")
        for k, cls in enumerate(dwell.applies_to or []):
            need((*here, "applies_to", k), cls, classes, "cargo classes")
        named = dwell.crossings if dwell.crossings is not None else list(s.crossings)
        for k, cid in enumerate(named):
            path = (*here, "crossings", k) if dwell.crossings is not None else here
            if dwell.crossings is not None and not need(path, cid, s.crossings, "crossings"):
                continue
            route = s.crossings[cid].routes.get(dwell.direction)
            if route is None:
                if dwell.crossings is not None:
                    problems.append((path, cid, f"expected a crossing with a '{dwell.direction}' route"))
            elif name in {st.name for st in route.stages}:
                problems.append((here, name, f"expected a name that is not a stage of {cid}'s route"))
    return problems


def _uncleared(
    s: Scenario, cid: str, direction: str, stages: list[Stage], where: list[FieldPath]
) -> list[tuple[FieldPath, object, str]]:
    """Loaded classes a route accepts that its stages would let through uncleared.

    A stage with `applies_to` skips the classes it does not list, so a class added to a
    crossing's `accepts` silently skips every stage whose list was written before it (customs,
    the Chinese inspection). Refused: a loaded class that no stage of a side the route has
    (Vietnamese, Chinese) applies to; and one skipped by a stage that applies to every other
    loaded class the route accepts (at least two: a stage for one class, such as plant
    quarantine for farm produce, is meant for that class alone). Empty returns may skip stages.
    """
    out: list[tuple[FieldPath, object, str]] = []
    loaded = [c for c in s.crossings[cid].accepts if c in s.cargo and s.cargo[c].loaded]
    names = {"VN": "Vietnamese", "CN": "Chinese"}
    for cls in loaded:
        for side, label in names.items():
            mine = [st for st in stages if st.side == side]
            if mine and not any(st.applies_to is None or cls in st.applies_to for st in mine):
                listed = ", ".join(st.name for st in mine)
                out.append(
                    (
                        ("crossings", cid, "routes", direction, "stages"),
                        [st.name for st in s.crossings[cid].routes[direction].stages],
                        f"expected a {label} stage that applies to the loaded class '{cls}' "
                        f"({cid} {direction}: none of {listed} does); add it to an `applies_to`",
                    )
                )
        others = [c for c in loaded if c != cls]
        for st, path in zip(stages, where, strict=True):
            if st.applies_to is None or cls in st.applies_to or len(others) < 2:
                continue
            if all(c in st.applies_to for c in others):
                out.append(
                    (
                        (*path, "applies_to"),
                        st.applies_to,
                        f"expected '{cls}' in it: {cid} {direction} accepts the loaded class '{cls}', and "
                        f"stage {st.name}, which applies to every other loaded class the route accepts, "
                        "would let it through uncleared",
                    )
                )
    return out


def expected_trucks(s: Scenario) -> float:
    """An upper bound of the trucks of one replication: every stream at its largest weekday,
    month and growth factors, each day multiplied by the surge windows (factor > 1) that cover
    it, plus the initial backlog. Computed in logarithms, so absurd factors give ``inf``
    rather than an overflow."""
    d, days = s.demand, s.horizon_days
    weekday = max(d.weekday) / (sum(d.weekday) / len(d.weekday))
    log_shape = math.log(weekday) + (math.log(max(d.month)) if max(d.month) > 0 else -math.inf)
    since = ((d.growth_from or s.start_date) - s.start_date).days
    log_growth = max(math.log1p(d.growth_per_year) * (k - since) / 365.25 for k in (0, days - 1))
    total = 0.0
    for stream in d.streams.values():
        if stream.trucks_per_day <= 0:
            continue
        # Day offsets [a, b) of the run each surge window covers; between consecutive
        # boundaries the same windows apply, so the run splits into few segments.
        spans = [
            (
                max((w.start - s.start_date).days, 0),
                min((w.end - s.start_date).days + 1, days),
                math.log(w.factor),
            )
            for w in d.windows
            if w.factor > 1
            and (w.cargo is None or stream.cargo in w.cargo)
            and (w.directions is None or stream.direction in w.directions)
        ]
        spans = [(a, b, f) for a, b, f in spans if a < b]
        cuts = sorted({0, days, *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
        terms = [
            math.log(b - a) + sum(f for lo, hi, f in spans if lo <= a and b <= hi)
            for a, b in zip(cuts, cuts[1:], strict=False)
        ]
        top = max(terms)  # log of the sum over segments, shifted so that nothing overflows
        log_days = top + math.log(sum(math.exp(t - top) for t in terms))
        log_n = math.log(stream.trucks_per_day) + log_days + log_shape + log_growth
        total += math.exp(min(log_n, 700.0))
    return total + sum(b.trucks for b in s.initial_backlog)


def limit_problems(s: Scenario) -> list[tuple[FieldPath, object, str]]:
    """What a valid scenario asks beyond the limits of one run (:mod:`sim.scenario.limits`)."""
    problems: list[tuple[FieldPath, object, str]] = []
    last = s.start_date + timedelta(days=s.horizon_days - 1)
    if last > L.MAX_DATE:
        problems.append(
            (("horizon_days",), s.horizon_days, f"expected the run to end by {L.MAX_DATE} (it ends {last})")
        )
    trucks = expected_trucks(s)
    backlog = sum(b.trucks for b in s.initial_backlog)
    if backlog > L.MAX_TRUCKS_PER_RUN:
        i = max(range(len(s.initial_backlog)), key=lambda k: s.initial_backlog[k].trucks)
        problems.append(
            (
                ("initial_backlog", i, "trucks"),
                s.initial_backlog[i].trucks,
                f"expected at most {L.MAX_TRUCKS_PER_RUN:,} trucks per replication; the initial "
                f"backlog alone has {backlog:,}",
            )
        )
    elif trucks > L.MAX_TRUCKS_PER_RUN:
        streams = s.demand.streams
        biggest = max(streams, key=lambda k: streams[k].trucks_per_day)
        shown = "more than 1e300" if trucks > 1e300 else f"{trucks:.3g}"
        problems.append(
            (
                ("demand", "streams", biggest, "trucks_per_day"),
                streams[biggest].trucks_per_day,
                f"expected at most {L.MAX_TRUCKS_PER_RUN:,} trucks per replication: trucks_per_day x "
                f"the days of the run (times the surge windows covering them) x the largest weekday, "
                f"month and growth factors, plus the initial backlog, give up to {shown}",
            )
        )
    stages = sum(len(route.stages) for x in s.crossings.values() if x.enabled for route in x.routes.values())
    stages += sum(len(route.stages) for f in s.facilities.values() for route in f.routes.values())
    if stages > L.MAX_STAGES:
        problems.append((("crossings",), stages, f"expected at most {L.MAX_STAGES} stages in all"))
    samples = (s.horizon_days * 1440.0 / s.reporting.queue_sample_min + 1) * max(stages, 1)
    if samples > L.MAX_QUEUE_SAMPLES:
        problems.append(
            (
                ("reporting", "queue_sample_min"),
                s.reporting.queue_sample_min,
                f"expected at most {L.MAX_QUEUE_SAMPLES:,} queue samples (horizon / interval x "
                f"{stages} stages), got {samples:.3g}: sample less often",
            )
        )
    return problems


def fields_at(path: FieldPath) -> list[str]:
    """Field names of the schema table at ``path`` (keys of dicts and list indexes skipped)."""
    import typing

    from pydantic import BaseModel

    def members(annotation: Any) -> tuple[Any, bool]:
        """The model inside an annotation, and whether a key or index comes first."""
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (dict, list):
            inner, _ = members(args[-1])
            return inner, True
        if origin is not None and len(args) == 1:
            return members(args[0])
        return annotation, False

    model: Any = Scenario
    skip = False
    for part in path:
        if skip:  # a dict key or a list index
            skip = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        model, skip = members(field.annotation)
    if not skip and isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []
