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
# # 8. Plausible worlds: history matching
#
# Every model rests on numbers nobody measured. At the Lạng Sơn border no source says how
# many customs lanes a dedicated road has, or how many inspection berths the Chinese port
# behind it runs: the scenario files set them as `ASSUMPTION`s. A planner's answer ("the
# road saturates in 2025") can hang on one of them.
#
# **History matching** asks a modest question: *which values of the unknowns could the
# observations not have come from?* It does not look for the best value. For each candidate
# point `x` of the unknowns and each observation `z` it computes an **implausibility**
#
# $$ I(x) = \frac{|\,\text{model mean at } x - z\,|}{\sqrt{V_\text{obs} + V_\text{disc} + V_\text{sim}(x)}} $$
#
# — how many standard deviations apart model and observation are, counting every source of
# doubt: the observation's own (`V_obs`: rounding, what a count covers), the model's
# structure (`V_disc`, *discrepancy*: what it cannot do even at the right parameters) and its
# randomness (`V_sim`: the spread of its replications). A point whose `I` exceeds 3 is
# **ruled out** (three standard deviations: unlikely whatever the shape of the errors). What
# is left is the non-implausible space; the **plausible worlds** are points spread over it.
#
# We first do it by hand on a queue whose truth we know, then read the worlds of the real
# model (`seeds/worlds.toml`, made by `bordersim history-match`).

# %%
# Parameters: replications and days of each small run, and how many plausible worlds the
# last part uses.
REPLICATIONS = 3
DAYS = 6
WORLDS = 6

# %%
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, run_once
from sim.examples import mmc_scenario
from sim.examples.theory import erlang_c
from sim.experiments.worlds import load_worlds, share, spread
from sim.scenario.uncertain import world_scenario

# %% [markdown]
# ## A queue whose truth we know
#
# One gate, one stage: `c` lanes, `s` minutes a truck (exponential), open 24 hours. We
# pretend we do not know `c` or `s`. Two "reports" observed the gate:
#
# * **a busy day**: 20 trucks an hour arrived and the gate cleared **240 a day** (its
#   capacity: `c` lanes × 60/`s` an hour);
# * **a normal day**: 5 trucks an hour, and trucks spent on average **about 21 minutes**
#   at the gate.
#
# Both figures come from theory at the truth, `c = 3`, `s = 18` (capacity 3 × 60/18 × 24 =
# 240; the mean time from Erlang C), so we can check the method against it.

# %%
TRUE_LANES, TRUE_MIN = 3, 18.0
busy_obs = TRUE_LANES * 60 / TRUE_MIN * 24
normal_obs = (erlang_c(5 / 60, TRUE_MIN, TRUE_LANES).wait_min + TRUE_MIN) / 60  # hours
print(f"observed: {busy_obs:.0f} cleared a day when busy; {normal_obs * 60:.1f} min at the gate when normal")

# The observations' own doubt (a standard deviation each): 3% of the busy count, 5% of the time.
V_OBS = np.array([(0.03 * busy_obs) ** 2, (0.05 * normal_obs) ** 2])
V_DISC = np.array([0.0, 0.0])  # the model has the truth's structure here


def model_at(lanes, minutes, replications=REPLICATIONS):
    """The two observed quantities in each replication at one point (lanes, minutes)."""
    out = []
    for r in range(replications):
        busy = mmc_scenario(20, minutes, lanes, days=DAYS, warmup_days=1)
        normal = mmc_scenario(5, minutes, lanes, days=DAYS, warmup_days=1)
        out.append([kpis(run_once(busy, r))["cleared_per_day"], kpis(run_once(normal, r))["time_in_system_h.mean"]])
    return np.array(out)


def implausibility(runs, obs=np.array([busy_obs, normal_obs]), v_obs=V_OBS):
    """|model mean - observed| / sqrt(V_obs + V_disc + V_sim (1 + 1/R)), per observation."""
    mean, v_sim = runs.mean(axis=0), runs.var(axis=0, ddof=1)
    return np.abs(mean - obs) / np.sqrt(v_obs + V_DISC + v_sim * (1 + 1 / len(runs)))


# %% [markdown]
# ## Every point of a grid
#
# With two unknowns we can afford a grid (the real model has twenty, hence waves and an
# emulator, below). For each point: the largest implausibility over the two reports.

# %%
lanes_grid = np.arange(1, 7)
minutes_grid = np.arange(6.0, 32.0, 2.0)
runs_at = {(c, s): model_at(c, s) for c in lanes_grid for s in minutes_grid}
worst = np.array([[implausibility(runs_at[(c, s)]).max() for s in minutes_grid] for c in lanes_grid])
kept = worst <= 3

fig, ax = plt.subplots(figsize=(8, 3.8))
im = ax.pcolormesh(minutes_grid, lanes_grid, np.minimum(worst, 10), cmap="viridis_r", shading="nearest")
ax.contour(minutes_grid, lanes_grid, worst, levels=[3], colors="red")
ax.plot([TRUE_MIN], [TRUE_LANES], "w*", markersize=14, label="the truth")
ax.set_xlabel("minutes a truck (s)")
ax.set_ylabel("lanes (c)")
ax.set_title("largest implausibility (capped at 10); inside the red line: not ruled out")
fig.colorbar(im, ax=ax)
ax.legend(loc="upper left")
plt.show()
print(f"{kept.sum()} of {kept.size} points not ruled out:",
      [(int(c), float(s)) for c, s in zip(*np.nonzero(kept)) for c, s in [(lanes_grid[c], minutes_grid[s])]])

# %% [markdown]
# The busy day pins the *ratio* `c / s` (the capacity): a diagonal band. The normal day
# narrows that band — two fast lanes or four slow ones give the same capacity but not the
# same time at the gate (service is most of it). The truth is inside; most of the grid is
# ruled out. Nothing here is a best fit: every point left is a world the two reports cannot
# tell from the truth, and a more precise report would leave fewer (exercise 1).
#
# ## The real model: waves, an emulator, and the worlds
#
# For the border the unknowns are factors on groups of numbers (`seeds/uncertain.toml`:
# Vietnamese customs lanes per road and direction, in 2023 and in 2024; Chinese inspection
# berths per port and direction; service times; the border guard's lanes; the dwells (papers,
# declarations, quarantine booking); day-to-day dispersion; patience; route choice; the
# restart after Tết; routing; growth), and the
# observations are the calibration targets and the reported episodes (`seeds/targets.toml`),
# each entering with its discrepancy or excluded with the reason
# (`seeds/history_matching.toml`). Thirty parameters are too many for a grid: `bordersim
# history-match` runs **waves** — a space-filling design, then a Gaussian-process
# **emulator** per observation, which predicts the model (with its own uncertainty added to
# the denominator) at thousands of candidates in a second, and the next wave runs only
# where the emulator cannot rule the point out. It stops when the space stops shrinking.
# The report is `scenarios/WORLDS.md`; the worlds are in `seeds/worlds.toml`.

# %%
worlds = load_worlds("../seeds/worlds.toml").first(WORLDS)
print(f"{len(worlds)} of the plausible worlds; each sets every factor, for example:")
for name in ("cn_berths_puzhai_import", "vn_lanes_1088_import_2024", "cn_inspection_time"):
    print(f"  {name}: " + ", ".join(f"{w[name]:.2f}" for w in worlds.values))

base = load_scenario("baseline_2024")
world = world_scenario(base, "2024", worlds.space, worlds.values[0])
print("\nPuzhai import berths:", base.facilities["puzhai"].routes["import"].stages[0].lanes, "as written,",
      world.facilities["puzhai"].routes["import"].stages[0].lanes, f"in world {worlds.ids[0]}")

# %% [markdown]
# ## One question, every world
#
# *Does road 1088/2–1089's backlog grow in 2025?* We run `demand_growth_2025` in each
# world (common random numbers: the same trucks in every world) and ask, in each, whether
# the backlog's daily growth is significantly above zero.

# %%
growth = load_scenario("demand_growth_2025", overrides={"horizon_days": 10})
KEY = "backlog_growth_per_day.road_1088_1089"
per_world = []
for values in worlds.values:
    s = world_scenario(growth, "2024", worlds.space, values)
    per_world.append(estimate(kpis(run_once(s, r))[KEY] for r in range(REPLICATIONS - 1)))
grows = [e.low > 0 for e in per_world]
sp = spread([e.mean for e in per_world])
print(f"backlog growth, trucks a day: median {sp.median:.1f}, 90% range {sp.low:.1f} to {sp.high:.1f}")
print(f"the backlog grows (95% CI above 0) in {share(grows):.0%} of these {len(worlds)} plausible worlds")

# %% [markdown]
# **What "share of plausible worlds" means.** It counts how many of the worlds the data
# allow give that answer. If it is 100%, the answer does not hang on anything the sources
# left open; if it is 40%, it does: some plausible worlds say yes, others no, and only a new
# observation (a count, an episode) could tell them apart.
#
# **What it does not mean.** It is *not* the probability that the backlog will grow. The
# worlds are not weighted by how likely they are — history matching only rules points out —
# and the future may hold what no world has (a policy change, a new lane). Read it as "how
# robust is this answer to what we do not know", not as odds.
#
# ## Exercises
#
# 1. **A more precise report.** Suppose the busy-day count were exact to 1% instead of 3%.
#    Recompute the grid's implausibility with that observation variance (no new runs
#    needed: `runs_at` holds them). How many points are left, and is the truth among them?
# 2. **Another question across worlds.** In how many of the worlds above does *road
#    1119–1120*'s backlog grow in 2025? Compare with road 1088/2–1089.

# %% [markdown] jp-MarkdownHeadingCollapsed=true
# ## Worked answers
#
# Try the exercises before you read on. In JupyterLab this section starts collapsed: click
# the arrow left of its heading to open it; the answers' code and output are hidden too.

# %% [markdown]
# ### Worked answer 1: a more precise report
#
# Only the observation variance changes; the model's runs are the same. A smaller `V_obs`
# makes every distance count more, so the band around the capacity narrows; the truth stays
# in (its implausibility is a few units at most whatever the variance, as model and truth
# agree).

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
precise = np.array([(0.01 * busy_obs) ** 2, V_OBS[1]])
worst_1 = np.array([[implausibility(runs_at[(c, s)], v_obs=precise).max() for s in minutes_grid] for c in lanes_grid])
print(f"points left: {(worst_1 <= 3).sum()} (with 3%: {kept.sum()})")
truth_i = list(lanes_grid).index(TRUE_LANES), list(minutes_grid).index(TRUE_MIN)
print(f"the truth's largest implausibility: {worst_1[truth_i]:.2f} -> {'kept' if worst_1[truth_i] <= 3 else 'ruled out'}")

# %% [markdown]
# ### Worked answer 2: road 1119–1120
#
# The same runs, another key. Where the two roads' shares differ, the answer rests on
# different unknowns (road 1119–1120's on Youyiguan's import berths and its own customs
# lanes).

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
KEY_2 = "backlog_growth_per_day.road_1119_1120"
per_world_2 = []
for values in worlds.values:
    s = world_scenario(growth, "2024", worlds.space, values)
    per_world_2.append(estimate(kpis(run_once(s, r))[KEY_2] for r in range(REPLICATIONS - 1)))
print(f"road 1119-1120's backlog grows in {share([e.low > 0 for e in per_world_2]):.0%} of the worlds; "
      f"road 1088/2-1089's in {share(grows):.0%}")
