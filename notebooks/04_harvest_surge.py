# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. The harvest surge
#
# In **March 2023** clearance and vehicle flows at Lạng Sơn rose sharply with the harvest
# of farm produce on both sides of the border (`001_752b9a1426d99b73.txt`). Hữu Nghị
# alone cleared 500–600 vehicles a day in February–March 2023, some days 800 (VNA,
# 30 Mar 2023). The source gives the month but not the size of the surge, so the size is
# a scenario parameter. `scenarios/harvest_surge.toml` assumes:
#
# * arrivals of **perishable** trucks (fruit and farm produce, both directions) ×1.5 from
#   1 to 31 March (total demand +18 %), on top of the baseline;
# * a truck of fruit waits at most about 48 hours (gamma distributed, 48 h ± 24 h) for
#   clearance before it **gives up** and turns back inland: its load would spoil;
# * a perishable truck more than 24 hours in the system counts as **delayed**.
#
# We compare three scenarios, all starting on 27 February 2023:
#
# | scenario | what changes |
# |---|---|
# | `harvest_surge.toml` | the surge, with the extended hours (to 23:00) of the baseline |
# | `harvest_surge_office_hours.toml` | the same surge under office hours |
# | `green_lane.toml` | the surge with a **green lane** on the Tân Thanh–Pò Chài road (landmark 1088/2–1089): perishable trucks are served before all other cargo at every stage of its import route |
#
# The road 1088/2–1089 is described as a green lane for fast clearance of farm produce
# (`004_0d4c1c84ac0ec984.txt`). How such a lane works is not described; here it is
# modelled as pure priority, with no extra lanes.

# %%
# Parameters: the scenarios' own horizon, 27 Feb to 2 Apr 2023, covers the whole of March.
HORIZON_DAYS = 35
REPLICATIONS = 5
SCENARIOS = ["harvest_surge", "harvest_surge_office_hours", "green_lane"]

# %%
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, run_once
from sim.readouts.kpis import in_system_at

MINUTES_PER_DAY = 24 * 60

scenarios = {name: load_scenario(name, overrides={"horizon_days": HORIZON_DAYS}) for name in SCENARIOS}
surge = scenarios["harvest_surge"]
for window in surge.demand.windows:
    print(f"demand window '{window.name}': {window.start} to {window.end}, "
          f"arrivals x{window.factor} for {window.cargo}")
print("patience of perishable trucks:", surge.cargo["perishable"].patience)
print("a perishable truck is 'delayed' after", surge.reporting.perishable_delay_h, "hours")

# %% [markdown]
# ## Running the scenarios
#
# We keep the records of every replication (`run_once`) because we want more than the
# standard KPIs: daily series, and times by crossing and cargo class. `kpis(result)`
# gives the standard KPIs of each run.
#
# All three scenarios share the random-number seed of the baseline, and replication `r`
# of each uses the same random streams, so **the same trucks arrive** in replication `r`
# of every scenario: the differences we see come from the hours and the priority, not
# from luck. (Notebook 5 makes use of this.)

# %%
results = {name: [run_once(s, replication=r) for r in range(REPLICATIONS)] for name, s in scenarios.items()}
runs = {name: [kpis(result) for result in results[name]] for name in SCENARIOS}

first = results["harvest_surge"][0]
dates = np.datetime64(surge.start_date) + np.arange(HORIZON_DAYS)
perishable_class = first.cargo.index("perishable")


def per_day(times, which):
    """Count of events per simulated day."""
    days = (times[which] // MINUTES_PER_DAY).astype(int)
    return np.bincount(days, minlength=HORIZON_DAYS)[:HORIZON_DAYS]


trucks = first.trucks
arriving = ~trucks["initial"]
is_perishable = trucks["cargo"] == perishable_class

perishable_per_day = per_day(trucks["t_arrive"], arriving & is_perishable)
other_per_day = per_day(trucks["t_arrive"], arriving & ~is_perishable)

fig, ax = plt.subplots(figsize=(11, 4))
ax.axvspan(np.datetime64("2023-03-01"), np.datetime64("2023-04-01"), color="tab:orange", alpha=0.15,
           label="harvest window (March)", zorder=0)
middays = dates + np.timedelta64(12, "h")      # each day's bar centred on its noon
ax.bar(middays, perishable_per_day, width=0.8, color="tab:green", label="perishable")
ax.bar(middays, other_per_day, width=0.8, bottom=perishable_per_day, color="tab:gray", label="other cargo")
ax.set_title("Harvest surge, one replication: trucks arriving each day")
ax.set_xlabel("date (2023)")
ax.set_ylabel("trucks per day")
ax.legend(loc="upper left")
fig.autofmt_xdate()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Backlog, and trucks giving up
#
# Next: the trucks in the system at each midnight and the trucks that give up each day,
# both as the mean over replications, with extended hours and with office hours.

# %%
midnights = np.arange(1, HORIZON_DAYS + 1) * MINUTES_PER_DAY
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for name, colour in [("harvest_surge", "tab:blue"), ("harvest_surge_office_hours", "tab:red")]:
    backlog = np.mean([in_system_at(r, midnights) for r in results[name]], axis=0)
    gave_up = np.mean([per_day(r.trucks["t_out"], r.trucks["outcome"] == 2) for r in results[name]], axis=0)
    axes[0].plot(dates, backlog, color=colour, marker=".", label=name)
    axes[1].plot(dates, gave_up, color=colour, marker=".", label=name)
axes[0].set_yscale("log")
axes[0].set_title("Trucks in the system at midnight")
axes[0].set_ylabel("trucks (log scale)")
axes[1].set_title("Trucks that gave up and turned back")
axes[1].set_ylabel("trucks per day")
for ax in axes:
    ax.axvspan(np.datetime64("2023-03-01"), np.datetime64("2023-04-01"), color="tab:orange", alpha=0.1)
    ax.set_xlabel("date (2023)")
    ax.grid(alpha=0.3)
    ax.legend()
fig.suptitle(f"Harvest surge: extended hours against office hours (mean of {REPLICATIONS} replications)")
fig.autofmt_xdate()
fig.tight_layout()
plt.show()

# %%
KEYS = [
    ("arrived_per_day", "trucks arriving per day", 0),
    ("cleared_per_day", "trucks cleared per day", 0),
    ("gave_up_per_day", "trucks giving up per day", 1),
    ("backlog_midnight.max", "largest midnight backlog (trucks)", 0),
    ("perishable_delayed_share", "share of perishables delayed > 24 h", 3),
    ("time_in_system_h.mean.perishable", "mean time in system, perishables cleared (h)", 1),
    ("same_day_share", "share cleared the same day", 3),
]
names = ["harvest_surge", "harvest_surge_office_hours"]
print(f"{'':48}" + "".join(f"{n:>28}" for n in names))
for key, label, digits in KEYS:
    cells = []
    for n in names:
        e = estimate(r[key] for r in runs[n])
        cells.append(f"{e.mean:.{digits}f} ± {e.half_width:.{digits}f}")
    print(f"{label:48}" + "".join(f"{c:>28}" for c in cells))

# %% [markdown]
# With the extended hours the crossings absorb most of the surge, though waits grow and
# some fruit trucks still give up. Under office hours the surge is a disaster: hundreds
# of perishable trucks turn back every day.
#
# Look carefully at the **mean time in system of the perishables cleared** under office
# hours. It is shorter than you might expect, because the trucks that waited longest
# gave up and are not in that average. This is *survivor bias*: an average over the
# trucks that got through hides the ones that did not. Always read waiting times
# together with the number of trucks that gave up.
#
# ## Where the surge hurts
#
# Perishables travel mostly by the two dedicated roads. With the extended hours, which
# crossings feel the surge? Below: the mean time in system at each crossing, and the
# busiest stages.

# %%
crossings = first.crossings
tis = [estimate(r[f"time_in_system_h.mean.{x}"] for r in runs["harvest_surge"]) for x in crossings]

fig, ax = plt.subplots(figsize=(9, 4))
ax.bar(crossings, [e.mean for e in tis], yerr=[e.half_width for e in tis], capsize=5, color="tab:blue")
ax.set_title(f"Harvest surge with extended hours: time in system by crossing "
             f"(mean, 95% CI, {REPLICATIONS} runs)")
ax.set_ylabel("mean time in system (hours)")
ax.tick_params(axis="x", rotation=30)
fig.tight_layout()
plt.show()

utilisation = {name: estimate(r[f"utilisation.{name}"] for r in runs["harvest_surge"]).mean
               for name in first.stage_names}
print("busiest stages (busy share of open lane-time):")
for name, u in sorted(utilisation.items(), key=lambda item: -item[1])[:5]:
    print(f"    {name:40} {u:.0%}")


# %% [markdown]
# The busiest stages run at or near 100 % of their open hours during the surge: they are
# the bottleneck, and queues build there — in this baseline the Chinese inspection
# berths, open 12 hours a day against the Vietnamese side's 16 (`bordersim capacity`
# tells which stage binds at each crossing). (The
# utilisation KPI is the share of *open* lane-time that was busy. A truck whose service
# starts just before closing finishes after it; that extra time is finished work, not
# capacity used while open, so it is not counted and utilisation never exceeds 100 %.)
#
# ## The green lane
#
# `green_lane.toml` serves perishable trucks first at every stage of the import route of
# the road 1088/2–1089, where they share lanes with general goods. Lanes and service
# times are unchanged: **the green lane adds no capacity, it only reorders the queue.**
# So whatever perishables gain, someone else must lose.
#
# Because both scenarios see the same trucks in replication `r`, we compare them
# **replication by replication**: for each `r` the difference green lane − no green lane,
# then the mean of those differences with its confidence interval (notebook 5 explains
# why this pairing is much more precise than comparing two separate averages).

# %%
def mean_hours(result, crossing, cargo, direction):
    """Mean time in system (hours) of the trucks of one class, crossing and direction that
    arrived after the warm-up and were cleared."""
    t = result.trucks
    mine = ((t["crossing"] == result.crossings.index(crossing))
            & (t["cargo"] == result.cargo.index(cargo))
            & (t["direction"] == result.directions.index(direction))
            & (t["outcome"] == 1) & ~t["initial"] & (t["t_arrive"] >= result.warmup_min))
    return float(np.mean(t["t_out"][mine] - t["t_arrive"][mine]) / 60)


rows = []
for cargo in ("perishable", "general"):
    before = [mean_hours(r, "road_1088_1089", cargo, "import") for r in results["harvest_surge"]]
    after = [mean_hours(r, "road_1088_1089", cargo, "import") for r in results["green_lane"]]
    diff = estimate(a - b for a, b in zip(after, before))
    rows.append((cargo, estimate(before), estimate(after), diff))
    print(f"{cargo:11} imports on road 1088/2-1089: {np.mean(before):5.2f} h -> {np.mean(after):5.2f} h, "
          f"difference {diff.mean:+.2f} ± {diff.half_width:.2f} h")

fig, ax = plt.subplots(figsize=(8, 4))
x = np.arange(len(rows))
ax.bar(x - 0.2, [r[1].mean for r in rows], 0.4, yerr=[r[1].half_width for r in rows], capsize=5,
       label="harvest_surge (no priority)", color="tab:gray")
ax.bar(x + 0.2, [r[2].mean for r in rows], 0.4, yerr=[r[2].half_width for r in rows], capsize=5,
       label="green_lane (perishables first)", color="tab:green")
ax.set_xticks(x, [f"{r[0]} imports" for r in rows])
ax.set_title("Road 1088/2–1089 during the harvest: time in system by cargo class")
ax.set_ylabel("mean time in system (hours)")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The green lane shortens the time of perishable imports on that road and lengthens the
# time of general goods: priority moves waiting from one class to another. Notice that
# the error bars of the general imports overlap in the plot, yet the paired difference
# printed above is clearly different from zero: comparing replication by replication
# removes the variation that the two scenarios share. Whether that
# is a good trade depends on what an hour of waiting costs for each load; for fruit that
# spoils, an hour is worth much more than for general goods.
#
# ## Exercises
#
# 1. **A bigger harvest.** Write a scenario (TOML text and `parse_scenario`, as in
#    notebook 3) that extends `harvest_surge` with a factor of 2 instead of 1.5. Define
#    `[[demand.windows]]` again: a list is replaced as a whole, not merged. How many
#    trucks give up per day now?
# 2. **Patience.** How sensitive are the results to the assumed patience? Try a mean of
#    24 hours (`mean_min = 1440, sd_min = 720` in `[cargo.perishable]`).
# 3. **A green lane on the other road.** Perishables also use the road 1119–1120. Give
#    them priority at its import stages, too (copy the stages of that route from
#    `baseline.toml` and add `priority = ["perishable"]`). Who gains, who loses?
# 4. **What did the extended hours buy?** From the table above, estimate how many trucks
#    of fruit the extended hours kept from turning back over the whole of March.

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
# ### Worked answer 1: a bigger harvest
#
# The child scenario redefines the whole `[[demand.windows]]` list with one window of
# factor 2. Same seed as `harvest_surge`, so we compare replication by replication.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from sim import parse_scenario

BIGGER = f"""
extends = "harvest_surge"
name = "harvest_surge_x2"
description = "March 2023 harvest with perishable arrivals x2"
horizon_days = {HORIZON_DAYS}

[[demand.windows]]
name = "March harvest, doubled"
start = 2023-03-01
end = 2023-03-31
factor = 2.0
cargo = ["perishable"]
"""
bigger = parse_scenario(BIGGER, name="harvest_surge_x2")
print("demand windows:", [(w.name, w.factor) for w in bigger.demand.windows])
bigger_runs = [kpis(run_once(bigger, replication=r)) for r in range(REPLICATIONS)]

for key, label, digits in KEYS:
    a = estimate(r[key] for r in runs["harvest_surge"])
    b = estimate(r[key] for r in bigger_runs)
    d = estimate(y[key] - x[key] for x, y in zip(runs["harvest_surge"], bigger_runs))
    print(f"{label:48} x1.5 {a.mean:8.{digits}f}   x2 {b.mean:8.{digits}f}   "
          f"difference {d.mean:+.{digits}f} ± {d.half_width:.{digits}f}")

# %% [markdown]
# ### Worked answer 2: less patience
#
# Halving the patience to 24 ± 12 hours. Trucks give up sooner, so more of them give up;
# and by survivor bias the perishables that *are* cleared show a shorter time in the
# system, although nothing got faster.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
impatient = load_scenario("harvest_surge", overrides={
    "horizon_days": HORIZON_DAYS,
    "cargo": {"perishable": {"patience": {"kind": "gamma", "mean_min": 1440, "sd_min": 720}}},
})
print("patience now:", impatient.cargo["perishable"].patience)
impatient_runs = [kpis(run_once(impatient, replication=r)) for r in range(REPLICATIONS)]
for key, label, digits in KEYS[2:]:
    a = estimate(r[key] for r in runs["harvest_surge"])
    b = estimate(r[key] for r in impatient_runs)
    d = estimate(y[key] - x[key] for x, y in zip(runs["harvest_surge"], impatient_runs))
    print(f"{label:48} 48 h {a.mean:8.{digits}f}   24 h {b.mean:8.{digits}f}   "
          f"difference {d.mean:+.{digits}f} ± {d.half_width:.{digits}f}")

# %% [markdown]
# ### Worked answer 3: a green lane on the road 1119–1120 too
#
# We copy the import stages of the road 1119–1120 from `baseline.toml` (read with
# Python's `tomllib`, so nothing is retyped), add `priority = ["perishable"]` to the
# stages that serve every class (the plant quarantine serves perishables only), and
# put them over `green_lane` with `overrides`: the same as writing the stages in a
# child TOML file. Who gains and loses is measured with `mean_hours` on both roads.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
import copy
import tomllib
from pathlib import Path

baseline_toml = tomllib.loads((Path("..") / "scenarios" / "baseline.toml").read_text(encoding="utf-8"))
stages_3 = copy.deepcopy(baseline_toml["crossings"]["road_1119_1120"]["routes"]["import"]["stages"])
for stage in stages_3:
    if "applies_to" not in stage:
        stage["priority"] = ["perishable"]
print("road 1119-1120 import stages:", [(s["name"], s.get("priority")) for s in stages_3])
two_lanes = load_scenario("green_lane", overrides={
    "horizon_days": HORIZON_DAYS,
    "name": "green_lane_both_roads",
    "crossings": {"road_1119_1120": {"routes": {"import": {"stages": stages_3}}}},
})
two_lane_results = [run_once(two_lanes, replication=r) for r in range(REPLICATIONS)]

print(f"\nmean time in system of imports (hours), {REPLICATIONS} replications:")
print(f"{'':28}{'harvest_surge':>15}{'green_lane':>15}{'both roads':>15}   both roads - green_lane")
for road in ("road_1119_1120", "road_1088_1089"):
    for cargo in ("perishable", "general"):
        cols = [[mean_hours(r, road, cargo, "import") for r in rs]
                for rs in (results["harvest_surge"], results["green_lane"], two_lane_results)]
        d = estimate(c - b for b, c in zip(cols[1], cols[2]))
        print(f"{road + ' ' + cargo:28}" + "".join(f"{np.mean(c):15.2f}" for c in cols)
              + f"   {d.mean:+.2f} ± {d.half_width:.2f}")

# %% [markdown]
# ### Worked answer 4: what the extended hours bought
#
# From the table: the difference in trucks giving up per day, times the 31 days of
# March (an estimate, because the table's days run from the end of the warm-up, 2 March,
# to 1 April). Then, as a check, a direct count from the records: perishable trucks
# that gave up with their turn-back in March, office hours minus extended hours,
# replication by replication.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
march_days_4 = 31
gave_up_diff = estimate(o["gave_up_per_day"] - e["gave_up_per_day"]
                        for e, o in zip(runs["harvest_surge"], runs["harvest_surge_office_hours"]))
print(f"from the table: {gave_up_diff.mean:.0f} ± {gave_up_diff.half_width:.0f} trucks a day "
      f"x {march_days_4} days = about {gave_up_diff.mean * march_days_4:,.0f} trucks")

march_4 = ((np.datetime64("2023-03-01") - np.datetime64(surge.start_date)).astype(int),
           (np.datetime64("2023-04-01") - np.datetime64(surge.start_date)).astype(int))


def turned_back_in_march(result):
    """Perishable trucks that gave up between 1 and 31 March."""
    t = result.trucks
    day = t["t_out"] // MINUTES_PER_DAY
    return int(np.sum((t["outcome"] == 2) & (t["cargo"] == result.cargo.index("perishable"))
                      & (day >= march_4[0]) & (day < march_4[1])))


counted = estimate(turned_back_in_march(o) - turned_back_in_march(e)
                   for e, o in zip(results["harvest_surge"], results["harvest_surge_office_hours"]))
print(f"counted in the records: {counted.mean:,.0f} ± {counted.half_width:,.0f} perishable trucks "
      f"kept from turning back in March")

# %% [markdown]
# ## Watch the queue build
#
# A table of percentiles hides how a queue builds. `animate` draws one crossing of a run
# as an animated page: trucks waiting on the road when the yard is full, in the queue of
# each stage (in the yard) and in its lanes (green open, red closed), coloured by cargo
# class, with the clock on both sides of the border. Below: the first replication of the
# surge on the road 1088/2–1089 from noon to midnight on 15 March. Press ▶ play, or drag
# the slider. The command line draws the same page:
# `bordersim animate harvest_surge --crossing road_1088_1089 --from 2023-03-15T12:00 --hours 12 --out surge.html`.
# It needs plotly (`pip install -e '.[animation]'`).

# %%
import html
import importlib.util
import tempfile
from pathlib import Path

from IPython.display import HTML, display

from sim import animate

if importlib.util.find_spec("plotly") is None:
    print("animate needs plotly: pip install -e '.[animation]' (then restart the kernel)")
else:
    page = animate(first, crossing="road_1088_1089", start="2023-03-15T12:00", hours=12,
                   out=Path(tempfile.mkdtemp()) / "surge_road_1088_1089.html")
    print("the page, to open in a browser:", page)
    display(HTML(f'<iframe srcdoc="{html.escape(page.read_text(encoding="utf-8"))}" '
                 'width="1320" height="790" style="border: 0"></iframe>'))
