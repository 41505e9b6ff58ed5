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
# # 2. The Lạng Sơn baseline
#
# Lạng Sơn province has 231.74 km of border with Guangxi, China
# (`004_0d4c1c84ac0ec984.txt`). From early 2023 its freight ran through **five gates**
# (`001_752b9a1426d99b73.txt`) and, by 2024, through five gates and **two dedicated
# freight roads** (`002_85207a4b9f90a005.txt`):
#
# | crossing | kind | pair on the Chinese side |
# |---|---|---|
# | Hữu Nghị | international road gate | Youyiguan (Hữu Nghị Quan) |
# | Đồng Đăng | international railway station | Pingxiang station |
# | Chi Ma | main gate | Ái Điểm |
# | Tân Thanh | auxiliary gate | Pò Chài (Puzhai) |
# | Cốc Nam | auxiliary gate / clearance lane | Lũng Nghịu |
# | dedicated road, landmark 1119–1120 | freight-only road of the Hữu Nghị pair | Youyiguan |
# | dedicated road, landmark 1088/2–1089 | Tân Thanh–Pò Chài freight road | Pò Chài |
#
# (The source does not name the five gates of 2023; the list above is the usual reading.)
#
# The **baseline scenario**, `scenarios/baseline.toml`, describes the first quarter of
# 2023, after China eased its COVID controls on 8 January 2023. The source figure it is
# held to: on average **1,000–1,100 vehicles cleared per day**, with clearance extended
# until **23:00** every day so that goods clear the same day (`001_752b9a1426d99b73.txt`).
# Every number the sources do not give (lanes, service times, yard sizes, the daily
# pattern of arrivals, the routing of trucks to crossings) is a parameter marked
# **ASSUMPTION** in the file. Open it next to this notebook and read along.
#
# In this notebook we look at what the baseline contains, at its daily pattern, at where
# its queues form and why, and at how it compares with the source figures.

# %%
# Parameters: the scenario's own horizon is 28 days; 14 keep this notebook quick.
HORIZON_DAYS = 14     # simulated days per run (the first `warmup_days` are not counted)
REPLICATIONS = 5      # independent runs for the calibration check

# %%
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, replicate, run_once, summarise
from sim.readouts.kpis import in_system_at
from sim.scenario.figures import load_figures

MINUTES_PER_DAY = 24 * 60

scenario = load_scenario("baseline", overrides={"horizon_days": HORIZON_DAYS})
print(f"{scenario.name}: {scenario.description}")
print(f"starts {scenario.start_date}, {scenario.horizon_days} days, "
      f"of which the first {scenario.warmup_days} are warm-up")

# %% [markdown]
# ## The crossings and their stages
#
# Each crossing has a route per direction (**export**, Vietnam to China; **import**,
# China to Vietnam). A route is a yard where trucks wait (when it is full they wait on
# the road) and an ordered list of **stages** on the Vietnamese side: customs
# (`vn_customs`), the border guard, plant quarantine for farm produce. Then (for exports;
# before them, for imports) the route passes the **Chinese facility** it feeds: its border
# check and inspection berths (with quarantine for fruit) on Beijing hours. Several
# crossings can feed one facility — Youyiguan takes the Hữu Nghị gate and road 1119–1120 —
# and they then share its lanes and queues. At Đồng Đăng containers are moved to the
# railway and handed over at Pingxiang.

# %%
for key, crossing in scenario.crossings.items():
    print(f"{key}: {crossing.name} [{crossing.kind}], pair: {crossing.pair}; "
          f"accepts {', '.join(crossing.accepts)}")
    for direction, route in crossing.routes.items():
        steps = []
        for stage in route.stages:
            if stage.trucks_per_hour:
                size = f"{stage.trucks_per_hour:g} trucks/h"
            else:
                size = f"{stage.lanes} lane" + ("s" if stage.lanes > 1 else "")
            steps.append(f"{stage.name} ({size})")
        yard = "no yard limit" if route.yard_capacity is None else f"yard {route.yard_capacity}"
        china = f"China: {route.facility}"
        steps = steps + [china] if direction == "export" else [china] + steps
        print(f"    {direction:<7} {yard:<14} " + " -> ".join(steps))
for key, facility in scenario.facilities.items():
    for direction, route in facility.routes.items():
        steps = [f"{stage.name} ({stage.lanes} lanes)" for stage in route.stages]
        print(f"{key} ({facility.name}), {direction}: " + " -> ".join(steps))

# %% [markdown]
# ## Demand: who comes, and where they go
#
# Trucks arrive in **streams**, one per direction and cargo class, each with a mean
# number of trucks per day and routing shares among the crossings that accept them. The
# baseline's total of about 1,060 loaded trucks a day, with about 45 % exports, is an
# assumption chosen to match the source figure; the export share comes from the five
# gates' count of May–July 2023 (VietnamPlus, 10 Jul 2023) and the mix of classes from
# a one-day split of 22 Aug 2024 (both public reports, listed in `seeds/figures.toml`).

# %%
totals = {True: 0.0, False: 0.0}
for key, stream in scenario.demand.streams.items():
    totals[scenario.cargo[stream.cargo].loaded] += stream.trucks_per_day
    shares = getattr(stream.routing, "shares", {})
    where = ", ".join(f"{x} {share:.0%}" for x, share in shares.items())
    print(f"{key:<20} {stream.trucks_per_day:5.0f} trucks/day  ->  {where}")
print(f"{'total loaded':<20} {totals[True]:5.0f} trucks/day (the Vietnamese count)")
print(f"{'empty returns':<20} {totals[False]:5.0f} trucks/day (into China; counted on the Chinese side only, F64i)")

# %% [markdown]
# ## One run, and the daily pattern
#
# Trucks reach the border around the clock, fewer at night (the `hour_of_day` profile
# of the scenario, an assumption), but the Vietnamese agencies work 07:00–23:00
# (F40, F41) and the Chinese side **08:00–20:00 Beijing time** (F42, F43), which is
# 07:00–19:00 in Hà Nội: the Chinese side closes four hours before the Vietnamese one. A
# truck needs both sides to cross, so trucks that arrive in the evening or the night wait
# for the morning. The three panels below show, for each hour of the day (Vietnam time,
# averaged over the measured days of one run): arrivals, the number of trucks in the
# system, and the mean time in the system of the trucks arriving in that hour; green is
# when the Vietnamese agencies are open, blue when the Chinese side is open too.

# %%
result = run_once(scenario, replication=0)
k = kpis(result)
print(f"cleared {k['cleared_per_day']:.0f} trucks/day; mean time in system "
      f"{k['time_in_system_h.mean']:.1f} h (95th percentile {k['time_in_system_h.p95']:.1f} h); "
      f"{k['same_day_share']:.1%} cleared on the day they arrived")

trucks = result.trucks
t0, t1 = result.warmup_min, result.horizon_min
days = (t1 - t0) / MINUTES_PER_DAY
measured = ~trucks["initial"] & (trucks["t_arrive"] >= t0) & (trucks["t_arrive"] < t1 - MINUTES_PER_DAY)
hour = (trucks["t_arrive"][measured] % MINUTES_PER_DAY) // 60
hours_in_system = (trucks["t_out"][measured] - trucks["t_arrive"][measured]) / 60
arrivals_by_hour = np.bincount(hour.astype(int), minlength=24) / (days - 1)
time_by_hour = [np.nanmean(hours_in_system[hour == h]) for h in range(24)]

samples = np.arange(t0, t1, 10.0)                      # every 10 minutes
in_system = in_system_at(result, samples)
in_system_by_hour = [in_system[(samples % MINUTES_PER_DAY) // 60 == h].mean() for h in range(24)]

vn_open = result.stage_intervals[result.stage_names.index("huu_nghi/export/vn_customs")]
cn_open = result.stage_intervals[result.stage_names.index("youyiguan/export/cn_inspection")]
first_day = [(s / 60, e / 60) for s, e in vn_open if e <= MINUTES_PER_DAY]
first_day_cn = [(s / 60, e / 60) for s, e in cn_open if e <= MINUTES_PER_DAY]

fig, axes = plt.subplots(1, 3, figsize=(14, 4))
panels = [(arrivals_by_hour, "arrivals (trucks per hour)", "Trucks arriving"),
          (in_system_by_hour, "trucks in the system", "Trucks in the system"),
          (time_by_hour, "mean time in system (hours)", "Time in system, by hour of arrival")]
for ax, (values, label, title) in zip(axes, panels):
    for s, e in first_day:
        ax.axvspan(s, e, color="tab:green", alpha=0.12, label="Vietnamese agencies open")
    for s, e in first_day_cn:
        ax.axvspan(s, e, ymax=0.05, color="tab:blue", alpha=0.5, label="Chinese side open too")
    ax.bar(np.arange(24) + 0.5, values, width=0.8, color="tab:blue")
    ax.set_title(title)
    ax.set_xlabel("hour of day (Vietnam time)")
    ax.set_ylabel(label)
    ax.set_xticks(range(0, 25, 3))
axes[0].legend(loc="upper left")
fig.suptitle("Baseline, one replication: the daily pattern")
fig.tight_layout()
plt.show()

# %% [markdown]
# The shape explains most of the waiting in the baseline: a truck that arrives after
# about 19:00 waits until the Chinese side opens at 07:00 Hà Nội time (an export truck
# can still pass Vietnamese customs until 23:00, then waits at the Chinese border check),
# and in the morning the night's trucks are cleared together with the morning's
# arrivals. Trucks arriving in the early afternoon clear quickly. The Vietnamese
# extension to 23:00 matters because it clears the day's trucks on the Vietnamese side
# (notebook 3); the Chinese closing hour sets when the night's wait begins.
#
# Part of every truck's time is not queueing at all: its Vietnamese papers, the Chinese
# importer's declaration and quarantine booking, and Vietnamese release of imports hold it
# without taking a lane (`[dwell]` in `baseline.toml`, from F54 and F56). Their clocks run on
# the agencies' hours, so an export whose declaration is not done by 19:00 waits for the
# morning even where no lane is busy; `kpis(result)["dwell_h.mean"]`, `["queue_h.mean"]` and
# `["service_h.mean"]` split the time in system into the three.
#
# ## Where queues form
#
# `result.queue_lengths()` gives the number of trucks waiting at each stage over time.
# Below, the trucks waiting at each crossing (all its stages) during the first week, and
# then the stages with the longest queues on average, with their utilisation (busy
# lane-time over open lane-time, the `utilisation.<stage>` KPI).

# %%
times, waiting = result.queue_lengths(step_min=30)
stage_crossing = np.array(result.stage_crossing)

fig, ax = plt.subplots(figsize=(11, 4))
week = times <= 7 * MINUTES_PER_DAY
for xi, name in enumerate(result.crossings):
    ax.plot(times[week] / MINUTES_PER_DAY, waiting[stage_crossing == xi].sum(axis=0)[week],
            lw=1, label=name)
ax.set_title("Baseline, one replication: trucks waiting at each crossing, first week")
ax.set_xlabel("time (days from Monday 13 Feb 2023, 00:00)")
ax.set_ylabel("trucks waiting")
ax.legend(ncol=4, fontsize=8)
fig.tight_layout()
plt.show()

after_warmup = times >= t0
mean_queue = waiting[:, after_warmup].mean(axis=1)
lanes = np.array([kind != "hold" for kind in result.stage_kinds])  # dwells have no lanes, no queue
top = np.argsort(np.where(lanes, mean_queue, -1.0))[::-1][:10][::-1]
labels = [result.stage_names[i] for i in top]

fig, ax = plt.subplots(figsize=(9, 5))
ax.barh(labels, mean_queue[top], color="tab:orange")
for y, i in enumerate(top):
    ax.text(mean_queue[i], y, f"  utilisation {k['utilisation.' + result.stage_names[i]]:.0%}",
            va="center", fontsize=8)
ax.set_title("Baseline: the ten longest queues (average over the measured days)")
ax.set_xlabel("trucks waiting, time average")
ax.set_xlim(0, mean_queue.max() * 1.5)
fig.tight_layout()
plt.show()

# %% [markdown]
# Queues form where two things meet: many trucks and little capacity. The longest
# queues are on the **Chinese side** of the two dedicated roads: Youyiguan (which takes
# road 1119–1120 and the Hữu Nghị gate) and Puzhai (road 1088/2–1089 and Tân Thanh). Its
# inspection berths are the busiest stages of the model (about 70 % of their 12 open
# hours), against about 55 % for the Vietnamese customs lanes in their 16. Queues at a
# stage with low utilisation, such as the Chinese border check of exports, are mostly
# the morning's burst: exports that passed Vietnamese customs in the evening spend the
# night in the Chinese declaration's dwell (its clock stops at 19:00 Hà Nội time) and reach
# the border check together after 07:00. A dwell is not a queue, so it is not in this
# chart: it holds trucks without lanes (the report plots both by hour of day).
# Utilisation here is measured over the *open* hours only.
#
# ## Where capacity binds: `bordersim capacity`
#
# Utilisation says how busy a stage is at today's demand; it does not say how many
# trucks a crossing *could* clear. `bordersim capacity SCENARIO` answers that: it
# saturates one crossing at a time (far more trucks than it can take, the rest of the
# province at its own demand), counts what crosses per day, and names the **binding
# stage**, the stage in front of which the queue keeps growing; a last run saturates all
# crossings together. We run it from the notebook (2 replications of 10 days, a few
# seconds; the command line's default is 10 replications) and put each crossing's
# capacity next to its demand in the baseline.

# %%
from sim.study import Execution, capacity


def capacity_readout(name, replications=2, days=10):
    """`bordersim capacity NAME` through the study API (sim.study): its rows, as --json writes them."""
    return capacity(name, replications=replications, days=days, execution=Execution(workers=1)).as_rows()


cap = capacity_readout("baseline")
demand_by_route = {}
for stream in scenario.demand.streams.values():
    if scenario.cargo[stream.cargo].loaded:
        for x, share in getattr(stream.routing, "shares", {}).items():
            key = (x, stream.direction)
            demand_by_route[key] = demand_by_route.get(key, 0.0) + share * stream.trucks_per_day

print(f"{'crossing':16}{'direction':>10}{'demand':>8}{'capacity':>10}{'load':>7}   binding stage "
      "(alone / all crossings saturated)")
for row in cap:
    key = (row["crossing"], row["direction"])
    demand = demand_by_route.get(key, 0.0) if row["crossing"] != "all crossings" else sum(
        v for (x, d), v in demand_by_route.items() if row["direction"] in (d, "both"))
    load = demand / row["loaded_per_day"] if row["loaded_per_day"] else float("nan")
    print(f"{row['crossing']:16}{row['direction']:>10}{demand:8.0f}{row['loaded_per_day']:10.0f}{load:7.0%}   "
          f"{row['binding_stage'] or '–'} / {row.get('binding_when_all_saturate') or '–'}")

# %% [markdown]
# Read the last column first. When every crossing presses at once, the stage that binds
# at the road crossings is the **Chinese inspection** (`youyiguan/...`, `puzhai/...`,
# `aidian/...`, `nonghuai/...`): the Chinese side works 12 hours a day (08:00–20:00
# Beijing) against the Vietnamese 16 (07:00–23:00 Hà Nội), and its berths were sized as
# the sources suggest, every reported throttle having been set on the Chinese side (F20,
# F38, F39, F43). Vietnamese customs binds only at the imports of the two small gates
# (Chi Ma, Cốc Nam) and at Đồng Đăng's exports; Đồng Đăng's imports wait for the
# Chinese handover at Pingxiang. Saturated alone, a crossing can sometimes push its Vietnamese stage to the
# limit first (road 1119–1120's imports), because it then has Youyiguan's berths nearly
# to itself. The province as a whole could clear about 1,800 loaded trucks a day against
# the 1,060 that come: the baseline runs at about 60 % of its capacity, which is why the
# calibration figure (trucks cleared = trucks arriving) says nothing about capacity. The
# 2024 baseline has less headroom (`bordersim capacity baseline_2024`), and the growth
# scenarios show which crossing runs out first (`scenarios/README.md`).
#
# ## Calibration against the source figures
#
# The figures the model is held to are stored, with their sources, in
# `seeds/figures.toml`; `load_figures()` reads them. We replicate the baseline and put
# three simulated quantities next to the published figures:
#
# * vehicles cleared per day, all crossings: 1,000–1,100 in Q1 2023 (`001_752b9a1426d99b73.txt`);
# * vehicles per day at Hữu Nghị: 500–600 in Feb–Mar 2023 (VNA, 30 Mar 2023). The model
#   reads this as the Hữu Nghị *pair*, the gate plus the dedicated road 1119–1120
#   (an assumption in `baseline.toml`);
# * share of exports among the vehicles cleared: about 47 % in May–July 2023
#   (VietnamPlus, 10 Jul 2023). The baseline's demand has about 45 % exports: an
#   assumption for February–March, a little under the figure of the later period.

# %%
figures = load_figures()
runs = replicate(scenario, REPLICATIONS)
summary = summarise(runs)

checks = [
    ("vehicles_cleared_per_day_q1_2023", "cleared per day, all crossings (vehicles/day)",
     [r["cleared_per_day"] for r in runs]),
    ("huu_nghi_vehicles_per_day_feb_mar_2023", "Hữu Nghị gate + road 1119–1120 (vehicles/day)",
     [r["cleared_per_day.huu_nghi"] + r["cleared_per_day.road_1119_1120"] for r in runs]),
    ("five_gates_export_share_may_jul_2023", "export share of vehicles cleared (%)",
     [100 * r["cleared_per_day.export"] / r["cleared_per_day"] for r in runs]),
]

fig, axes = plt.subplots(1, 3, figsize=(14, 3.2))
for ax, (fid, label, values) in zip(axes, checks):
    figure = figures[fid]
    low, high = figure.bounds
    e = estimate(values)
    published = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    print(f"{label}\n    simulated {e.mean:7.1f} ± {e.half_width:.1f}   published "
          f"{published} ({figure.period}; source: {figure.source})")
    if low == high:
        ax.axvline(low, color="tab:green", lw=3, label=f"published: {figure.source}")
    else:
        ax.axvspan(low, high, color="tab:green", alpha=0.3, label=f"published: {figure.source}")
    ax.errorbar([e.mean], [0], xerr=[e.half_width], fmt="o", color="black", capsize=5,
                label=f"simulated, 95% CI ({REPLICATIONS} runs)")
    left, right = min(low, e.low), max(high, e.high)
    margin = 0.4 * max(right - left, 0.1 * abs(right))
    ax.set_xlim(left - margin, right + margin)
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    ax.set_xlabel(label)
    ax.set_title(figure.period, fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
fig.suptitle("Baseline against the published figures")
fig.tight_layout()
plt.show()

# %% [markdown]
# Two cautions when you read a calibration:
#
# * **The baseline was built to match the first figure.** The demand of about 1,060
#   trucks a day is an assumption chosen for that purpose, and while the crossings keep
#   up, trucks cleared per day simply equals trucks arriving per day. The calibration
#   therefore tells us the capacity is *enough* for that demand with the extended hours
#   (how much more it could take is `bordersim capacity`'s question, above); the test of
#   the model is what it predicts elsewhere. With Vietnamese office hours only, the same
#   demand leaves a backlog that grows every day (notebook 3), which is consistent with
#   the sources' account of why the hours were extended.
# * **Figures count different things.** Vietnamese figures count loaded freight vehicles
#   cleared; Chinese figures count every vehicle trip, empty ones included. The figures
#   also come from different periods (the export share is from May–July 2023). See
#   `seeds/README.md`.
#
# ## Exercises
#
# 1. Which crossing has the longest mean time in the system
#    (`time_in_system_h.mean.<crossing>` in `summary`)? Look at the utilisation of its
#    stages: is it short of lanes, or are its waits mostly the night's closure?
# 2. Run with the scenario's own horizon (`HORIZON_DAYS = 28`) and `REPLICATIONS = 20`.
#    How much narrower do the confidence intervals get? Compare with the rule that the
#    half-width shrinks like $1/\sqrt{n}$.
# 3. `seeds/figures.toml` holds a one-day split of 22 Aug 2024 by crossing
#    (`vehicles_cleared_huu_nghi_2024_08_22`, `..._tan_thanh_...`, `..._chi_ma_...`,
#    `..._coc_nam_...`). Compare its proportions with the simulated split by crossing.
#    What differs, and why might a single day in 2024 not fit a 2023 baseline?
# 4. The profile of arrivals over the day is an assumption. Load the baseline with
#    `overrides={"demand": {"hour_of_day": [1] * 24}}` (trucks arrive evenly round the
#    clock). How do the mean time in system and the share cleared the same day change?

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
# ### Worked answer 1: the longest time in the system
#
# We rank the crossings by `time_in_system_h.mean.<crossing>` and look at the
# utilisation of the slowest one's stages. To tell a shortage of lanes from the
# night's closure we then ask the model directly: the same demand and lanes, but every
# stage open round the clock (`round_the_clock`, same seed, so the same trucks). If the
# crossing's time in the system collapses, its waits were the closure, not the lanes.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
by_crossing_1 = {x: summary[f"time_in_system_h.mean.{x}"] for x in result.crossings}
for x, e in sorted(by_crossing_1.items(), key=lambda item: -item[1].mean):
    print(f"{x:16} mean time in system {e.mean:5.1f} ± {e.half_width:.1f} h")
slowest_1 = max(by_crossing_1, key=lambda x: by_crossing_1[x].mean)
print(f"\nslowest: {slowest_1}; utilisation of its stages (busy share of open lane-time):")
stages_1 = [name for name, kind in zip(result.stage_names, result.stage_kinds)
            if name.startswith(slowest_1 + "/") and kind != "hold"]  # dwells have no lanes
for name in stages_1:
    print(f"    {name:40} {summary['utilisation.' + name].mean:.0%}")

always_open_1 = load_scenario("round_the_clock", overrides={"horizon_days": HORIZON_DAYS,
                                                            "rng_seed": scenario.rng_seed})
open_runs_1 = replicate(always_open_1, REPLICATIONS)
open_1 = estimate(r[f"time_in_system_h.mean.{slowest_1}"] for r in open_runs_1)
cut_1 = 1 - open_1.mean / by_crossing_1[slowest_1].mean
print(f"\n{slowest_1} open round the clock: {open_1.mean:.1f} ± {open_1.half_width:.1f} h instead of "
      f"{by_crossing_1[slowest_1].mean:.1f} h, {cut_1:.0%} less")
busiest_1 = max(summary["utilisation." + name].mean for name in stages_1)
print("reading: " + ("mostly the night's closure" if cut_1 > 0.5 else "mostly a shortage of lanes")
      + f" (busiest stage {busiest_1:.0%} busy while open)")

# %% [markdown]
# ### Worked answer 2: more days, more replications
#
# Two things narrow the intervals: four times the replications ($n$ from 5 to 20) and
# longer runs (each replication averages more measured days, so it varies less). The
# $1/\sqrt{n}$ rule covers only the first, and it leaves out that the Student-t quantile
# also falls as $n$ grows. We compare the observed ratio of half-widths with three
# predictions.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from scipy import stats

long_days_2, long_reps_2 = 28, 20
long_2 = load_scenario("baseline", overrides={"horizon_days": long_days_2})
long_summary_2 = summarise(replicate(long_2, long_reps_2))

root_n_2 = np.sqrt(REPLICATIONS / long_reps_2)
t_ratio_2 = stats.t.ppf(0.975, long_reps_2 - 1) / stats.t.ppf(0.975, REPLICATIONS - 1)
days_ratio_2 = np.sqrt((HORIZON_DAYS - scenario.warmup_days) / (long_days_2 - long_2.warmup_days))
print(f"predicted ratio of half-widths: 1/sqrt(n) {root_n_2:.2f}; with the t quantile "
      f"{root_n_2 * t_ratio_2:.2f}; and with the longer runs {root_n_2 * t_ratio_2 * days_ratio_2:.2f}\n")
print(f"{'KPI':28}{'14 d x 5':>18}{'28 d x 20':>18}{'ratio':>8}")
for key in ["cleared_per_day", "time_in_system_h.mean", "time_in_system_h.p95", "same_day_share"]:
    short, long = summary[key], long_summary_2[key]
    print(f"{key:28}{short.mean:11.3f} ± {short.half_width:<6.3f}{long.mean:11.3f} ± {long.half_width:<6.3f}"
          f"{long.half_width / short.half_width:6.2f}")

# %% [markdown]
# ### Worked answer 3: the one-day split of 22 August 2024
#
# The split names four crossings; we group the model's crossings the same way (the
# Hữu Nghị gate with the dedicated road 1119–1120, the Tân Thanh gate with the road
# 1088/2–1089, as `baseline.toml` reads the figures; Đồng Đăng's railway is not in the
# split and is left out) and compare shares of the four.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
groups_3 = {
    "huu_nghi": ["huu_nghi", "road_1119_1120"],
    "tan_thanh": ["tan_thanh", "road_1088_1089"],
    "chi_ma": ["chi_ma"],
    "coc_nam": ["coc_nam"],
}
published_3 = {g: figures[f"vehicles_cleared_{g}_2024_08_22"].bounds[0] for g in groups_3}
simulated_3 = {g: np.mean([sum(r[f"cleared_per_day.{x}"] for x in xs) for r in runs]) for g, xs in groups_3.items()}
total_pub_3, total_sim_3 = sum(published_3.values()), sum(simulated_3.values())
print(f"{'group':12}{'22 Aug 2024':>22}{'baseline (2023)':>24}")
for g in groups_3:
    print(f"{g:12}{published_3[g]:8.0f} vehicles {published_3[g] / total_pub_3:5.1%}"
          f"{simulated_3[g]:10.0f} trucks/day {simulated_3[g] / total_sim_3:5.1%}")
largest_gap_3 = max(groups_3, key=lambda g: abs(published_3[g] / total_pub_3 - simulated_3[g] / total_sim_3))
print(f"\nlargest difference in share: {largest_gap_3}")

# %% [markdown]
# Why a single day of 2024 need not fit a 2023 baseline: one day is one draw, and a
# day's count at a crossing swings with the harvest, the weekday and the Chinese side's
# pace; August 2024 is eighteen months after the baseline's quarter, and the baseline
# holds the Hữu Nghị pair to the 500–600 vehicles a day of February–March 2023, not to
# this day's 784 (see the comments above the crossings in `baseline.toml`); and the
# figures' scopes are not exactly the model's crossings (the split's Tân Thanh figure
# is the freight road alone, grouped here with the Tân Thanh gate; Cốc Nam's 9 vehicles
# are too few to read a share from). The 2024 baseline, `baseline_2024.toml`, is the one
# calibrated to this day's split (`scenarios/CALIBRATION.md`).

# %% [markdown]
# ### Worked answer 4: arrivals evenly round the clock
#
# Same seed, same number of trucks a day, only their hours change. We compare the two
# replication by replication. Spreading arrivals evenly sends more trucks into the hours
# when the Chinese side is closed (19:00–07:00 Hà Nội time): they wait longer.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
flat_4 = load_scenario("baseline", overrides={"horizon_days": HORIZON_DAYS, "demand": {"hour_of_day": [1] * 24}})
flat_runs_4 = replicate(flat_4, REPLICATIONS)
for key, label, scale in [("time_in_system_h.mean", "mean time in system (h)", 1),
                          ("same_day_share", "share cleared the same day (%)", 100)]:
    base, flat = estimate(scale * r[key] for r in runs), estimate(scale * r[key] for r in flat_runs_4)
    diff = estimate(scale * (f[key] - b[key]) for b, f in zip(runs, flat_runs_4))
    print(f"{label:32} profile {base.mean:6.2f}   flat {flat.mean:6.2f}   "
          f"difference {diff.mean:+.2f} ± {diff.half_width:.2f}")
profile_4 = scenario.demand.hour_of_day
for side, close in [("Vietnamese side", 23), ("Chinese side", 19)]:
    closed = [h for h in range(24) if h < 7 or h >= close]
    share = sum(profile_4[h] for h in closed) / sum(profile_4)
    print(f"share of trucks arriving while the {side} is closed ({close}:00-07:00 Hà Nội time): "
          f"profile {share:.0%}, flat {len(closed) / 24:.0%}")
