# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Opening hours
#
# In the first quarter of 2023 the Lạng Sơn agencies organised clearance **outside office
# hours, at lunch time and on days off, and extended it until 23:00**, so that goods
# would clear the same day (`001_752b9a1426d99b73.txt`; public reports confirm 23:00
# including weekends and holidays: SGGP 1 May 2023, VietnamPlus 10 Jul 2023; F40, F41).
# That extension was on the **Vietnamese** side; the Chinese side kept its own goods
# hours, 08:00–20:00 Beijing time since December 2020 (F42, F43). What did the extension
# buy? The scenario files let us ask it directly, with the baseline's demand and lanes
# and only the hours changed:
#
# | scenario | Vietnamese side | Chinese side |
# |---|---|---|
# | `office_hours.toml` | 07:30–11:30 and 13:30–17:00, Monday–Friday | 08:00–20:00 Beijing time every day (as the baseline) |
# | `baseline.toml` | 07:00–23:00 every day | 08:00–20:00 Beijing time every day |
# | `round_the_clock.toml` | 24 hours | 24 hours |
#
# The 23:00 extension and the Chinese hours are sourced; the Vietnamese office hours and
# the 24-hour day are **assumptions** written in the files (no source gives the hours
# before the extension, and nobody reports 24-hour clearance at the conventional lanes).
#
# **Two clocks.** The Chinese side keeps Beijing time (UTC+8), one hour ahead of Vietnam
# (UTC+7). Each opening calendar in a scenario names its time zone (`Asia/Shanghai` for
# the Chinese side) and the model converts it to the Vietnamese clock. The Chinese goods
# hours of 08:00–20:00 Beijing time are 07:00–19:00 in Hà Nội: the Chinese side closes
# four hours before the Vietnamese agencies' 23:00. A truck needs **both** sides open to
# cross.

# %%
# Parameters: 14 simulated days (3 of warm-up) and 5 replications per scenario.
HORIZON_DAYS = 14
REPLICATIONS = 5
SCENARIOS = ["office_hours", "baseline", "round_the_clock"]

# %%
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, parse_scenario, replicate, run_once, summarise
from sim.readouts.kpis import in_system_at

MINUTES_PER_DAY = 24 * 60

scenarios = {name: load_scenario(name, overrides={"horizon_days": HORIZON_DAYS}) for name in SCENARIOS}
for name, s in scenarios.items():
    print(f"{name}: {s.description}")
    for calendar in ("vn", "cn"):
        hours = s.hours[calendar]
        windows = "; ".join(f"{w.days} {w.open}-{w.close}" for w in hours.windows)
        print(f"    {calendar}: {windows}   ({hours.timezone})")

# %% [markdown]
# ## When can a truck cross?
#
# We simulate one replication of each scenario and draw, for the first week (the
# scenarios start on Monday 13 February 2023), when Vietnamese customs and the Chinese
# acceptance of export trucks at Hữu Nghị are open, on the Vietnamese clock. The third
# row of each panel is when both are open: the only time an export truck can go all the
# way through.

# %%
results = {name: run_once(s, replication=0) for name, s in scenarios.items()}


def overlap(a, b):
    """Intervals when both calendars are open."""
    return [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)]


WEEK = 7 * MINUTES_PER_DAY
fig, axes = plt.subplots(len(SCENARIOS), 1, figsize=(12, 2.2 * len(SCENARIOS)), sharex=True)
for ax, (name, result) in zip(axes, results.items()):
    vn = result.stage_intervals[result.stage_names.index("huu_nghi/export/vn_customs")]
    cn = result.stage_intervals[result.stage_names.index("youyiguan/export/cn_inspection")]
    both = overlap(vn, cn)
    rows = [("Vietnamese customs", vn, "tab:red"), ("Chinese inspection", cn, "tab:blue"),
            ("both open", both, "tab:green")]
    for y, (label, intervals, colour) in enumerate(rows):
        bars = [(s / 60, (min(e, WEEK) - s) / 60) for s, e in intervals if s < WEEK]
        ax.broken_barh(bars, (y - 0.35, 0.7), color=colour)
    hours_both = sum(min(e, WEEK) - s for s, e in both if s < WEEK) / 60
    ax.set_yticks(range(3), [r[0] for r in rows])
    ax.set_title(f"{name}: both sides open {hours_both:.0f} hours in the week")
axes[-1].set_xticks(np.arange(0, 7 * 24 + 1, 24),
                    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", ""])
axes[-1].set_xlabel("first week, Vietnam time (ticks at midnight)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Office hours give both sides together 37.5 hours a week (the Vietnamese office day
# falls inside the Chinese 07:00–19:00 Hà Nội time, on weekdays only). The extended hours
# give 84: the Vietnamese side is open 16 hours a day, but the Chinese side only 12, and
# a truck needs both. Round the clock gives all 168. With the same lanes, capacity is
# roughly proportional to the hours the **binding** side is open. So the question is
# simple arithmetic before it is simulation: can 1,060 trucks a day be cleared in the
# open hours, and whose hours are the short ones?
#
# ## Where capacity binds
#
# `bordersim capacity SCENARIO` saturates each crossing in turn and names the stage in
# front of which the queue keeps growing (notebook 2 explains it). We run it for the
# baseline and for office hours (2 replications of 10 days each, a few seconds) and look
# at the two dedicated roads, which carry most of the trucks.
#
# ## Throughput, backlog and waits
#
# %%
from sim.study import Execution, capacity


def capacity_readout(name, replications=2, days=10):
    """`bordersim capacity NAME` through the study API (sim.study): its rows, as --json writes them."""
    return capacity(name, replications=replications, days=days, execution=Execution(workers=1)).as_rows()


capacities = {name: capacity_readout(name) for name in ["baseline", "office_hours"]}
for name, rows in capacities.items():
    print(name)
    for row in rows:
        if row["crossing"] in ("road_1119_1120", "road_1088_1089", "all crossings"):
            print(f"    {row['crossing']:15} {row['direction']:7} {row['loaded_per_day']:6.0f} loaded trucks/day"
                  f"   binding: {row['binding_stage'] or '–'}")

# %% [markdown]
# In the baseline the **Chinese** inspection binds at both roads' exports (and at road
# 1088/2–1089's imports): Vietnamese customs, open four hours longer, has spare
# capacity. With Vietnamese office hours the binding stage moves to the **Vietnamese
# side** (customs, and on exports the border guard, which also checks the empty
# returns), and the province's capacity, under 800 loaded trucks a day, falls below the
# 1,060 that arrive.
# (Road 1119–1120's imports bind at Vietnamese customs in both when the road is saturated
# alone: it then has Youyiguan's import berths nearly to itself. Notebook 2 shows that
# when every crossing presses at once, the Chinese berths bind there too.)
#
# We replicate each scenario and compare the key performance indicators (KPIs), each as
# a mean over replications with its 95 % confidence interval.

# %%
KEYS = [
    ("arrived_per_day", "trucks arriving per day", 0),
    ("cleared_per_day", "trucks cleared per day", 0),
    ("backlog_growth_per_day", "growth of the midnight backlog (trucks/day)", 1),
    ("time_in_system_h.mean", "mean time in system (h)", 1),
    ("time_in_system_h.p95", "95th percentile time in system (h)", 1),
    ("same_day_share", "share cleared the same day", 3),
]
summaries = {name: summarise(replicate(s, REPLICATIONS)) for name, s in scenarios.items()}

print(f"{'':45}" + "".join(f"{name:>24}" for name in SCENARIOS))
for key, label, digits in KEYS:
    cells = [f"{summaries[n][key].mean:.{digits}f} ± {summaries[n][key].half_width:.{digits}f}"
             for n in SCENARIOS]
    print(f"{label:45}" + "".join(f"{c:>24}" for c in cells))

# %% [markdown]
# Under Vietnamese office hours the crossings clear only about two thirds of the trucks
# that arrive, and the backlog grows by hundreds of trucks **every day**: the system is over
# capacity ($\rho > 1$ in the language of notebook 1) and has no steady state at all.
# Its "mean time in system" depends on how long we simulate: the longer the run, the
# worse. Extended hours bring the crossings below capacity; round the clock (on both
# sides) cuts the waits further, mostly by removing the night's wait for the morning.
#
# The plots show, for one replication, the trucks in the system at each midnight (note
# the **logarithmic** scale: the office-hours backlog is a hundred times the others) and
# how long the trucks cleared took. The second plot flatters office hours: it only counts
# the trucks that were cleared before the end of the run, while thousands were still
# waiting.

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for name, result in results.items():
    midnights = np.arange(1, HORIZON_DAYS + 1) * MINUTES_PER_DAY
    axes[0].plot(np.arange(1, HORIZON_DAYS + 1), in_system_at(result, midnights), marker="o", label=name)

    trucks = result.trucks
    done = (~trucks["initial"] & (trucks["t_arrive"] >= result.warmup_min)
            & (trucks["outcome"] == 1))
    hours = np.sort(trucks["t_out"][done] - trucks["t_arrive"][done]) / 60
    axes[1].plot(hours, np.arange(1, hours.size + 1) / hours.size, label=name)

axes[0].set_yscale("log")
axes[0].set_title("Trucks in the system at midnight (one replication)")
axes[0].set_xlabel("day of the run")
axes[0].set_ylabel("trucks (log scale)")
axes[1].set_xscale("log")
axes[1].set_title("Time in system of the trucks cleared")
axes[1].set_xlabel("hours from arrival to crossing (log scale)")
axes[1].set_ylabel("share of trucks cleared within that time")
for ax in axes:
    ax.grid(alpha=0.3, which="both")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The same-day clearance goal
#
# The reason given for the extended hours was that goods should **clear the same day**.
# The KPI `same_day_share` is the share of the trucks arriving (after the warm-up) that
# crossed before midnight of the day they arrived, Vietnam time.

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
shares = [summaries[n]["same_day_share"] for n in SCENARIOS]
ax.bar(SCENARIOS, [100 * e.mean for e in shares], yerr=[100 * e.half_width for e in shares],
       capsize=6, color=["tab:red", "tab:orange", "tab:green"])
for x, e in enumerate(shares):
    ax.text(x, 100 * e.mean + 2, f"{e.mean:.1%}", ha="center")
ax.set_ylim(0, 110)
ax.set_title(f"Trucks cleared on the day they arrived (mean and 95% CI, {REPLICATIONS} runs)")
ax.set_ylabel("share of arrivals (%)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Even with the extended hours almost one truck in five misses the goal: those that
# arrive in the evening, after the Chinese side has closed at 19:00 Hà Nội time, cross
# the next morning whatever the Vietnamese side does until 23:00.
#
# ## The Chinese side's hours
#
# The baseline's Chinese hours are the published ones: at Youyiguan, goods were handled
# **08:00–19:00 Beijing time** from 2015 (People's Daily 2015, F42), extended to 20:00
# ahead of Tết 2021 (SGGP Dec 2020, F43); see `youyiguan_goods_open_hour_2015` and
# `youyiguan_goods_close_hour_2015` in `seeds/figures.toml`.
#
# Since the Chinese side binds, its closing hour should matter more than the
# Vietnamese one. What if it had kept the 2015 hours, 08:00–19:00 Beijing time
# (07:00–18:00 in Hà Nội), at every crossing? We write that scenario as a few lines of
# TOML that **extend** the baseline and change only `[hours.cn]`.

# %%
CN_2015 = f"""
extends = "baseline"
name = "cn_2015_hours"
description = "Baseline, but the Chinese side works 08:00-19:00 Beijing time"
horizon_days = {HORIZON_DAYS}

[[hours.cn.windows]]
days = "daily"
open = "08:00"
close = "19:00"
"""
cn_2015 = parse_scenario(CN_2015, name="cn_2015_hours")
print(cn_2015.hours["cn"].windows, cn_2015.hours["cn"].timezone)

runs_base = replicate(scenarios["baseline"], REPLICATIONS)
runs_cn = replicate(cn_2015, REPLICATIONS)
for key, label, digits in KEYS[1:]:
    b, c = estimate(r[key] for r in runs_base), estimate(r[key] for r in runs_cn)
    print(f"{label:45} baseline {b.mean:8.{digits}f} ± {b.half_width:.{digits}f}"
          f"   cn_2015_hours {c.mean:8.{digits}f} ± {c.half_width:.{digits}f}")

# %% [markdown]
# One hour less on the binding side: the crossings still keep up with the demand (the
# baseline runs at about 60 % of its capacity, notebook 2), but every truck that reaches
# the border after 18:00 now waits for the next morning: waits grow and the share cleared
# the same day falls. The Vietnamese side's four extra hours cannot make up for it.
# Extending the hours on one side only buys part of the gain; this is why the sources
# speak of harmonising the working hours with China (Chi Ma, `004_0d4c1c84ac0ec984.txt`),
# and why in April 2025 both sides agreed to extend to 20:00 Hà Nội time together (F44).
#
# ## Exercises
#
# 1. **The lunch break.** Write a scenario that extends `office_hours` and removes only
#    the Vietnamese lunch break (one window a day). How much of the gap to the baseline
#    does that close?
# 2. **One side round the clock.** Make the Vietnamese side work 24 hours but leave the
#    Chinese side as in the baseline. Compare with `round_the_clock`. Which side's hours
#    bind? Does it agree with `bordersim capacity` above?
# 3. **A time-zone slip.** In `CN_2015`, add `timezone = "Asia/Ho_Chi_Minh"` under
#    `[hours.cn]` (as if someone had typed the Chinese hours on the Vietnamese clock).
#    Redraw the week plot for that scenario: what moves, and by how much?
# 4. **Weekends.** Office hours with weekend work (`days = "daily"` instead of
#    `"mon-fri"`): is the system still over capacity? Use `backlog_growth_per_day` to
#    decide.

# %% [markdown] jp-MarkdownHeadingCollapsed=true
# ## Worked answers
#
# Try the exercises before you read on. In JupyterLab this section starts collapsed:
# click the arrow left of its heading to open it. Each answer's code and output are
# hidden too: click the bar under an answer's heading to show them. *Run All* runs the
# answers with the rest, so their outputs are there when you open them. They use the
# names defined above and change none of them; their numbers follow the parameters at
# the top of the notebook.

# %% [markdown]
# ### Worked answer 1: the lunch break
#
# One Vietnamese window a day, 07:30–17:00 in Hà Nội, Monday to Friday; the Chinese side
# keeps the baseline's hours. `windows` is a list, so the child replaces the whole list.
# "The gap" is measured on trucks cleared per day: the share of the difference between
# office hours and the baseline that the new hours close.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
NO_LUNCH = f"""
extends = "office_hours"
name = "office_hours_no_lunch"
description = "Vietnamese office hours without the lunch break, weekdays"
horizon_days = {HORIZON_DAYS}

[hours.vn]
windows = [{{ days = "mon-fri", open = "07:30", close = "17:00" }}]
"""
no_lunch = parse_scenario(NO_LUNCH, name="office_hours_no_lunch")
no_lunch_summary = summarise(replicate(no_lunch, REPLICATIONS))

compared_1 = {"office_hours": summaries["office_hours"], "no lunch": no_lunch_summary,
              "baseline": summaries["baseline"]}
print(f"{'':45}" + "".join(f"{n:>20}" for n in compared_1))
for key, label, digits in KEYS[1:]:
    print(f"{label:45}" + "".join(f"{s[key].mean:>20.{digits}f}" for s in compared_1.values()))
office, lunchless, base = (s["cleared_per_day"].mean for s in compared_1.values())
print(f"\nremoving the Vietnamese lunch break closes {(lunchless - office) / (base - office):.0%} of the gap "
      f"in trucks cleared per day between office hours and the baseline")

# %% [markdown]
# ### Worked answer 2: one side round the clock
#
# Only `[hours.vn]` changes; the Chinese side keeps the baseline's 08:00–20:00 Beijing
# time. If the result is close to the baseline, the Chinese hours bind: a truck cleared
# by Vietnamese customs at night still waits for the Chinese side in the morning, as
# `bordersim capacity` said (the Chinese inspection binds in the baseline).

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
vn_always = load_scenario("baseline", overrides={
    "horizon_days": HORIZON_DAYS,
    "hours": {"vn": {"windows": [{"days": "daily", "open": "00:00", "close": "24:00"}]}},
})
vn_always_summary = summarise(replicate(vn_always, REPLICATIONS))
compared_2 = {"baseline": summaries["baseline"], "vn 24 h, cn baseline": vn_always_summary,
              "round_the_clock": summaries["round_the_clock"]}
print(f"{'':45}" + "".join(f"{n:>22}" for n in compared_2))
for key, label, digits in KEYS[3:]:
    print(f"{label:45}" + "".join(f"{s[key].mean:>22.{digits}f}" for s in compared_2.values()))
base_t, vn_t, both_t = (s["time_in_system_h.mean"].mean for s in compared_2.values())
share_2 = (base_t - vn_t) / (base_t - both_t)
print(f"\nVietnamese hours alone bring {share_2:.0%} of round the clock's cut in the mean time in system: "
      + ("the Chinese side's hours bind" if share_2 < 0.5 else "the Vietnamese side's hours bind"))

# %% [markdown]
# ### Worked answer 3: a time-zone slip
#
# With `timezone = "Asia/Ho_Chi_Minh"` the Chinese 08:00–19:00 is read on the Vietnamese
# clock, so the Chinese side opens and closes one hour *later* in Hà Nội than it should
# (08:00–19:00 instead of 07:00–18:00). The Vietnamese side does not move. TOML allows
# the `[hours.cn]` table above the `[[hours.cn.windows]]` it contains.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
SLIP = CN_2015.replace("[[hours.cn.windows]]", '[hours.cn]\ntimezone = "Asia/Ho_Chi_Minh"\n\n[[hours.cn.windows]]')
slipped = parse_scenario(SLIP.replace('name = "cn_2015_hours"', 'name = "cn_2015_slipped"'),
                         name="cn_2015_slipped")
print("calendar cn:", slipped.hours["cn"].windows, slipped.hours["cn"].timezone)
week_3 = {name: run_once(s, replication=0) for name, s in [("cn_2015_hours", cn_2015), ("slipped", slipped)]}

fig, axes = plt.subplots(2, 1, figsize=(12, 4.4), sharex=True)
opening_3 = {}
for ax, (name, r) in zip(axes, week_3.items()):
    vn = r.stage_intervals[r.stage_names.index("huu_nghi/export/vn_customs")]
    cn = r.stage_intervals[r.stage_names.index("youyiguan/export/cn_inspection")]
    opening_3[name] = (vn, cn)
    rows = [("Vietnamese customs", vn, "tab:red"), ("Chinese inspection", cn, "tab:blue"),
            ("both open", overlap(vn, cn), "tab:green")]
    for y, (label, intervals, colour) in enumerate(rows):
        ax.broken_barh([(s / 60, (min(e, WEEK) - s) / 60) for s, e in intervals if s < WEEK],
                       (y - 0.35, 0.7), color=colour)
    ax.set_yticks(range(3), [row[0] for row in rows])
    ax.set_title(name)
axes[-1].set_xticks(np.arange(0, 7 * 24 + 1, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", ""])
fig.tight_layout()
plt.show()

for side, i in [("Vietnamese customs", 0), ("Chinese acceptance", 1)]:
    (s0, e0), (s1, e1) = opening_3["cn_2015_hours"][i][0], opening_3["slipped"][i][0]
    print(f"{side:20} first opening {s0 / 60:5.2f}-{e0 / 60:5.2f} h -> {s1 / 60:5.2f}-{e1 / 60:5.2f} h "
          f"(moved {(s1 - s0) / 60:+.0f} h)")

# %% [markdown]
# ### Worked answer 4: office hours at weekends too
#
# The backlog stops growing when `backlog_growth_per_day` is not clearly above zero:
# its confidence interval reaches down to zero or below.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
DAILY_4 = {"vn": [("07:30", "11:30"), ("13:30", "17:00")]}   # the Chinese side keeps its hours
weekends = load_scenario("office_hours", overrides={
    "horizon_days": HORIZON_DAYS,
    "hours": {side: {"windows": [{"days": "daily", "open": a, "close": b} for a, b in windows]}
              for side, windows in DAILY_4.items()},
})
weekend_summary = summarise(replicate(weekends, REPLICATIONS))
for name, s in [("office_hours", summaries["office_hours"]), ("office hours, 7 days", weekend_summary)]:
    g = s["backlog_growth_per_day"]
    print(f"{name:22} cleared {s['cleared_per_day'].mean:6.0f} of {s['arrived_per_day'].mean:6.0f} trucks/day; "
          f"backlog growth {g.mean:7.1f} ± {g.half_width:.1f} trucks/day: "
          + ("still over capacity" if g.low > 0 else "no longer growing"))
