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
# # 7. A Tết closure: metering and staging
#
# Every year the border roads risk congestion before the Lunar New Year (Tết)
# (`002_85207a4b9f90a005.txt`). Then the gates pause: around Tết 2025 goods clearance at
# Hữu Nghị and the road 1088/2–1089 stopped from 28 to 31 January (F49), and the first day
# back clears only part of a normal day (DOMAIN.md). Before the 2024 festival, fruit
# (jackfruit) crossed at Youyiguan about a third above normal (F51).
#
# `scenarios/pre_tet.toml` puts these facts on Tết 2024 (10 February), on the calibrated
# 2024 baseline (`baseline_2024`): fruit exports ×1.33 from 26 January, both sides paused
# 9–12 February (the lunar days of F49's 2025 pause: an assumption), a first day back on
# which the Chinese side clears half a normal day (a ramp "of a normal day": DOMAIN.md says
# "a fraction", the half is an assumption), and a pause in demand: 30% of the trucks keep
# coming, the others wait upstream and come back over the three days after it (F51: drivers
# cross every 2–3 days; the shares are assumptions, but no truck is lost or added). Three
# files change one thing each:
#
# | scenario | what changes |
# |---|---|
# | `pre_tet` | nothing: metering **off**, no staging (the reference) |
# | `pre_tet_metered` | **metering**: export trucks on the two dedicated roads need an hourly registration slot, at each road's pace, loaded trucks and empty returns each with their own slots; none during the pause, pre-registered trucks only on the first two days back; a truck without a slot waits at its origin and is dispatched to reach the border at its slot |
# | `pre_tet_staging` | **staging**: the Hữu Nghị pair's export trucks wait in the duty-free zone (F61b) and are called forward when the gate yard has room |
# | `pre_tet_metered_staging` | both |
#
# The question a planner asks: *does metering or staging keep the queue off the border
# road, and what does it cost the trucks?*

# %%
# Parameters: 19 January to 19 February 2024 (the pause and the week after it); few
# replications so the notebook runs in well under a minute. Raise both for the real answer:
# `bordersim compare pre_tet pre_tet_metered --replications 20` runs the full files.
HORIZON_DAYS = 32
REPLICATIONS = 2
SCENARIOS = ["pre_tet", "pre_tet_metered", "pre_tet_staging", "pre_tet_metered_staging"]
ROAD = "road_1119_1120"

# %%
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, run_once
from sim.readouts.kpis import PLACES, in_system_at, road_span

MINUTES_PER_DAY = 24 * 60

scenarios = {n: load_scenario(n, overrides={"horizon_days": HORIZON_DAYS}) for n in SCENARIOS}
tet = scenarios["pre_tet"]
print("closures, Vietnamese side:", [(c.start, c.end) for c in tet.hours["vn"].closures])
print("closures, Chinese side:   ", [(c.start, c.end) for c in tet.hours["cn"].closures])
for w in tet.demand.windows:
    print(f"demand window '{w.name}': {w.start} to {w.end}, x{w.factor}")
print("\nslots on road 1119-1120 in pre_tet_metered:")
for rule in scenarios["pre_tet_metered"].crossings[ROAD].routes["export"].slots:
    amount = f"{rule.per_hour} an hour" if rule.per_hour is not None else f"{rule.per_day} a day"
    only = ", pre-registered trucks only" if rule.preregistered_only else ""
    print(f"    {rule.start} to {rule.end}, {'/'.join(rule.cargo)}: {amount}{only}")

# %% [markdown]
# ## Running them
#
# The four files share the baseline's seed: replication `r` of each sees the same trucks
# (common random numbers), so differences come from metering and staging, not from luck.

# %%
results = {n: [run_once(s, replication=r) for r in range(REPLICATIONS)] for n, s in scenarios.items()}
runs = {n: [kpis(res) for res in results[n]] for n in SCENARIOS}


def on_road(result, crossing, times):
    """Export trucks of one crossing queueing on the border road at each time (before the yard
    or the staging area; trucks waiting at their origin for a slot are not on the road)."""
    start, leave = road_span(result)
    t = result.trucks
    mine = (t["crossing"] == result.crossings.index(crossing)) & (leave > start)
    return (start[mine][:, None] <= times) & (times < leave[mine][:, None])


def waiting_at_origin(result, crossing, times):
    """Trucks of one crossing waiting at their origin for a registration slot at each time."""
    t = result.trucks
    h = result.horizon_min
    mine = t["crossing"] == result.crossings.index(crossing)
    never = np.isnan(t["t_slot"]) & (t["place"] == PLACES.index("origin"))
    got = ~np.isnan(t["t_slot"]) & (t["t_slot"] > t["t_arrive"])
    until = np.where(got, t["t_slot"], np.where(np.isnan(t["t_out"]), h, t["t_out"]))
    keep = mine & (got | never)
    return (t["t_arrive"][keep][:, None] <= times) & (times < until[keep][:, None])


times = np.arange(0, HORIZON_DAYS * MINUTES_PER_DAY, 60.0)
clock = np.datetime64(tet.start_date) + times.astype("timedelta64[m]")
km_per_truck = tet.crossings[ROAD].road_m_per_truck / 1000

fig, axes = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
for name, colour in zip(SCENARIOS, ["tab:red", "tab:blue", "tab:green", "tab:purple"]):
    road = np.mean([on_road(r, ROAD, times).sum(axis=0) for r in results[name]], axis=0)
    outside = np.mean([waiting_at_origin(r, ROAD, times).sum(axis=0) for r in results[name]], axis=0)
    axes[0].plot(clock, road * km_per_truck, color=colour, label=name)
    axes[1].plot(clock, outside, color=colour, label=name)
for ax in axes:
    ax.axvspan(np.datetime64("2024-02-09"), np.datetime64("2024-02-13"), color="grey", alpha=0.2)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("queue on the border road (km)")
axes[0].set_title(f"Road 1119–1120, exports: the queue on the road (grey: the pause; mean of {REPLICATIONS} runs)")
axes[1].set_ylabel("trucks waiting at their origin for a slot")
axes[1].legend(loc="upper left")
fig.autofmt_xdate()
fig.tight_layout()
plt.show()

# %% [markdown]
# Without metering (red) the trucks that keep coming during the pause fill the export yard
# and then the road; the trucks held back, returning over the days after the pause, lengthen
# it further, and it shrinks only as fast as the gates can take trucks once they reopen. Metering (blue) keeps
# most of the road clear: no slots during the pause, so trucks wait at their origins; after
# it the slots, set at the road's pace, release them by the hour and the queue stands at the
# origins instead of on the road. On an ordinary day the slots are above the road's flow and
# hold nobody. Staging (green) keeps the road clear too, by parking the queue in the
# duty-free zone instead.
#
# ## What it costs: paired differences
#
# For each replication, metered minus unmetered (and staged minus unstaged), then the mean
# difference and its 95% confidence interval.

# %%
KEYS = [
    (f"road_queue_peak_km.{ROAD}", "peak road queue, road 1119-1120 (km)", 1),
    ("road_queue_peak_km.road_1088_1089", "peak road queue, road 1088/2-1089 (km)", 1),
    ("time_in_system_h.mean", "mean time in system (h)", 1),
    ("time_in_system_h.mean.perishable", "mean time in system, fruit (h)", 1),
    ("gave_up_per_day", "trucks turning back per day", 1),
    ("perishable_delayed_share", "share of fruit delayed", 3),
    ("cleared_per_day.export", "exports cleared per day", 0),
]
for other in SCENARIOS[1:]:
    print(f"\n{other} minus pre_tet ({REPLICATIONS} paired replications):")
    for key, label, digits in KEYS:
        d = estimate(b[key] - a[key] for a, b in zip(runs["pre_tet"], runs[other]))
        print(f"    {label:42} {d.mean:+10.{digits}f} ± {d.half_width:.{digits}f}")
    if "metered" in other:
        out = estimate(r[f"unregistered_peak.{ROAD}"] for r in runs[other])
        wait = estimate(r["slot_wait_h.mean"] for r in runs[other])
        late = estimate(r["perishable_delayed_share.with_origin"] for r in runs[other])
        print(f"    {'most trucks waiting at their origin':42} {out.mean:10.0f} ± {out.half_width:.0f}")
        print(f"    {'mean wait for a slot at the origin (h)':42} {wait.mean:10.1f} ± {wait.half_width:.1f}")
        print(f"    {'fruit delayed, the origin wait counted':42} {late.mean:10.3f} ± {late.half_width:.3f}")

# %% [markdown]
# Read the two halves together. Metering takes the queue off the border road, but it does
# not make the gates faster: the slots are set at the roads' pace, so the trucks cross as
# many a day as without metering, and the queue stands at their origins instead (the most
# trucks waiting there, and for how long). The border's figures — time in system, fruit
# delayed — count from a truck's slot; the wait at the origin is counted apart, and the
# fruit delayed *with* that wait shows what the shippers see. Fewer fruit trucks turn back,
# partly because a truck's patience at the border starts when it is dispatched: the file
# gives it as much patience at its origin as at the border (an assumption no source gives:
# change it, and see how much of the difference it makes). With two replications the
# intervals are wide; `bordersim compare pre_tet pre_tet_metered --replications 20` settles
# it. Staging has no such cost: it only moves where the queue stands, and the drive from the
# zone (15 minutes) is small against hours of waiting.
#
# ## Where capacity binds, and why recovery is slow
#
# The backlog after the pause drains at the rate the busiest stages have to spare. The
# utilisation KPI (busy share of the open lane-time) shows which stages run near full:

# %%
first = results["pre_tet"][0]
util = {s: estimate(r[f"utilisation.{s}"] for r in runs["pre_tet"]).mean
        for s, kind in zip(first.stage_names, first.stage_kinds) if kind != "hold"}  # dwells: no lanes
print("busiest stages in pre_tet (share of open lane-time busy):")
for s, u in sorted(util.items(), key=lambda kv: -kv[1])[:6]:
    print(f"    {s:42} {u:.0%}")
midnights = np.arange(1, HORIZON_DAYS + 1) * MINUTES_PER_DAY
backlog = np.mean([in_system_at(r, midnights) for r in results["pre_tet"]], axis=0)
days = np.datetime64(tet.start_date) + np.arange(1, HORIZON_DAYS + 1)
before = backlog[days <= np.datetime64("2024-02-09")][-1]
peak = int(np.argmax(backlog))
print(f"\ntrucks in the system at midnight: {before:,.0f} when the pause begins, "
      f"{backlog[peak]:,.0f} at the peak ({days[peak]}), {backlog[-1]:,.0f} at the end ({days[-1]})")

# %% [markdown]
# In the 2024 baseline the import stages of the two dedicated roads (Vietnamese customs)
# and the Chinese inspection berths run close to full on an ordinary day, so a few days'
# backlog has little spare capacity to drain into: the recovery takes weeks, not days. The
# command `bordersim capacity pre_tet` measures each crossing's sustainable throughput and
# names the stage that binds it (it saturates each crossing in turn, so it takes a few
# minutes: not run here). Metering and staging do not touch those stages: neither can
# shorten the recovery. What could is capacity after the pause — longer hours or more
# lanes — which the exercise tries.
#
# ## Exercises
#
# 1. **Slots above the road's pace.** The metered file gives loaded trucks 18 slots an hour
#    on road 1119–1120 after the pause, about what Vietnamese customs clears there. Raise
#    them to 30 an hour from 15 February (the fifth slot rule, the loaded trucks' last;
#    `overrides` replace a whole list, so copy the rules and change one) and compare with
#    `pre_tet` and `pre_tet_metered`: does the road stay clear, and what happens to the
#    trucks turning back and the time in system?

# %% [markdown] jp-MarkdownHeadingCollapsed=true
# ## Worked answers
#
# Try the exercise before you read on. In JupyterLab this section starts collapsed: click
# the arrow left of its heading to open it; the answer's code and output are hidden too.
# *Run All* runs the answer with the rest. It uses the names defined above and changes
# none of them.

# %% [markdown]
# ### Worked answer 1: slots above the road's pace
#
# We copy the slot rules of `pre_tet_metered`, set the loaded trucks' last one (from 15
# February) to 30 an hour, and run the same replications. More slots release the trucks
# held at their origins sooner; but the slots are then faster than customs clears trucks,
# and the queue can come back onto the road: the printout says which.

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["worked-answer"]
metered_1 = scenarios["pre_tet_metered"]
rules_1 = [r.model_dump(mode="json", exclude_none=True) for r in metered_1.crossings[ROAD].routes["export"].slots]
rules_1[4]["per_hour"] = 30
faster_1 = load_scenario(
    "pre_tet_metered",
    overrides={
        "horizon_days": HORIZON_DAYS,
        "name": "pre_tet_metered_30",
        "crossings": {ROAD: {"routes": {"export": {"slots": rules_1}}}},
    },
)
print("loaded trucks' slots from", faster_1.crossings[ROAD].routes["export"].slots[4].start, ":",
      faster_1.crossings[ROAD].routes["export"].slots[4].per_hour, "an hour")
faster_runs_1 = [kpis(run_once(faster_1, replication=r)) for r in range(REPLICATIONS)]
print(f"\n{'':42}{'pre_tet':>12}{'18/h':>12}{'30/h':>12}   30/h - 18/h")
for key, label, digits in KEYS[:6]:
    cols = [[r[key] for r in rs] for rs in (runs["pre_tet"], runs["pre_tet_metered"], faster_runs_1)]
    d = estimate(c - b for b, c in zip(cols[1], cols[2]))
    print(f"{label:42}" + "".join(f"{np.mean(c):12.{digits}f}" for c in cols)
          + f"   {d.mean:+.{digits}f} ± {d.half_width:.{digits}f}")
road_1 = estimate(c[f"road_queue_peak_km.{ROAD}"] - b[f"road_queue_peak_km.{ROAD}"]
                  for b, c in zip(runs["pre_tet_metered"], faster_runs_1))
back_1 = estimate(c["gave_up_per_day"] - b["gave_up_per_day"] for b, c in zip(runs["pre_tet_metered"], faster_runs_1))
print(f"\n30 slots an hour instead of 18: {back_1.mean:+.1f} trucks turning back a day, "
      f"{road_1.mean:+.1f} km of peak road queue "
      + ("(the queue comes back onto the road)" if road_1.low > 0 else "(the road stays clear)"))
