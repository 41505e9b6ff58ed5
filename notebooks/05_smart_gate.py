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
# # 5. The smart gate
#
# Vietnam and China are piloting a **smart gate** on the two dedicated freight roads of
# the Hữu Nghị–Youyiguan pair, with the stated aims of lower logistics costs and shorter
# clearance times (`000_d948ca13aa601438.txt`, `002_85207a4b9f90a005.txt`,
# `003_e8a006e20b8fe092.txt`). Public reports on Decision 865/QĐ-TTg (Aug 2024) give the
# targets: the road at landmark 1119–1120 from 800 to 2,000–2,500 vehicles a day, the
# road 1088/2–1089 from 400 to 800–1,200 by 2027, with 24-hour unmanned operation of the
# dedicated channel as the design goal; the Chinese check on the Puzhai channel is
# reported to take under 15 seconds per truck (People's Daily 2026). All are in
# `seeds/figures.toml`.
#
# How the smart gate will work in detail is not public, so `scenarios/smart_gate.toml`
# states its reading as **assumptions**:
#
# * trucks **equipped** for it (electronic pre-declaration, seals) take an automated
#   channel on each dedicated road: 2 automated Vietnamese lanes at about 4 minutes a
#   truck and 2 automated Chinese lanes at about 2 minutes, open 24 hours; they skip the
#   conventional customs, border guard and Chinese acceptance;
# * perishable imports still pass plant quarantine, in the usual hours;
# * everything else is the baseline's.
#
# Three phases differ only in the share of trucks equipped: `smart_gate_pilot.toml`
# (20 %), `smart_gate.toml` (50 %) and `smart_gate_full.toml` (90 %).
#
# The question of this notebook is statistical as much as practical: **how do we tell a
# real difference between two scenarios from random noise?** The answer is a *paired
# comparison* with *common random numbers*.

# %%
# Parameters: 14 simulated days (3 of warm-up), 10 replications per scenario.
HORIZON_DAYS = 14
REPLICATIONS = 10
PHASES = ["smart_gate_pilot", "smart_gate", "smart_gate_full"]

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from sim import estimate, replicate, run_once
from sim.experiments.comparison import compare_runs, comparison_markdown, load_common, statements

# load_common gives every scenario the first one's random seed, for common random numbers.
scenarios = dict(zip(["baseline", *PHASES], load_common(["baseline", *PHASES], days=HORIZON_DAYS)))
pilot = scenarios["smart_gate_pilot"]

for name, s in scenarios.items():
    share = s.demand.streams["import_general"].equipped_share
    print(f"{name:17} rng_seed {s.rng_seed}, {share:.0%} of trucks equipped: {s.description}")

print("\nroad 1119-1120, export route in the pilot:")
for stage in pilot.crossings["road_1119_1120"].routes["export"].stages:
    size = f"{stage.trucks_per_hour:g} trucks/h" if stage.trucks_per_hour else f"{stage.lanes} lanes"
    print(f"    {stage.name:16} serves {stage.serves:13} hours '{stage.hours}', {size}")

# %% [markdown]
# ## Common random numbers
#
# Replication `r` of a scenario uses the random streams of `(rng_seed, r)`, and each
# source of randomness (the arrivals of each stream, the service times of each stage,
# ...) has its own stream. Two scenarios with the same seed therefore see **the same
# trucks arrive at the same times** in replication `r`; they differ only where the
# scenarios differ. Let us check it on replication 0.

# %%
base0 = run_once(scenarios["baseline"], replication=0)
pilot0 = run_once(pilot, replication=0)
print("same arrival times:", np.array_equal(base0.trucks["t_arrive"], pilot0.trucks["t_arrive"]))
print("same crossings:    ", np.array_equal(base0.trucks["crossing"], pilot0.trucks["crossing"]))
print(f"equipped trucks in the pilot: {pilot0.trucks['equipped'].mean():.1%}")

# %% [markdown]
# ## The paired comparison
#
# We replicate the baseline and the three phases. For each key performance indicator
# (KPI), `compare_runs` (from `sim.experiments.comparison`) pairs replication `r` of the baseline
# (A) with replication `r` of the phase (B), and estimates the mean of the differences
# B − A with a Student-t 95 % confidence interval. It also gives the *unpaired* interval
# (Welch's), the one we would get if we ignored the pairing. A difference is
# **significant** when its interval excludes zero.

# %%
runs = {name: replicate(s, REPLICATIONS) for name, s in scenarios.items()}

KEYS = [
    "cleared_per_day",
    "time_in_system_h.mean",
    "time_in_system_h.p95",
    "same_day_share",
    "backlog_midnight.mean",
    "time_in_system_h.mean.road_1119_1120",
    "time_in_system_h.mean.road_1088_1089",
    "time_in_system_h.mean.huu_nghi",
    "utilisation.road_1119_1120/export/vn_customs",
]
pilot_vs_base = compare_runs(runs["baseline"], runs["smart_gate_pilot"], KEYS)
display(Markdown(comparison_markdown(pilot_vs_base, "baseline", "smart_gate_pilot")))
for sentence in statements(pilot_vs_base, "baseline", "smart_gate_pilot"):
    print("-", sentence)

# %% [markdown]
# Read the table row by row:
#
# * **Cleared per day** hardly changes: the crossings already kept up with the demand,
#   and a truck cleared faster is still one truck. Look at the two intervals: the paired
#   one is a small fraction of the unpaired one, because in each pair the same trucks
#   arrived.
# * **Time in system** falls, on the dedicated roads most of all, and so does the
#   utilisation of the conventional customs lanes: equipped trucks leave them, so the
#   conventional trucks wait less too.
# * **Hữu Nghị gate** is identical in both: it is not part of the pilot, its trucks and
#   their service times are the same random numbers, so the difference is exactly zero.
#
# What `compare_runs` computes is simple enough to do by hand: the difference of each
# pair, then `estimate` (the mean with its t interval) of those differences.

# %%
key = "time_in_system_h.mean"
a = [r[key] for r in runs["baseline"]]
b = [r[key] for r in runs["smart_gate_pilot"]]
by_hand = estimate(y - x for x, y in zip(a, b))
print(f"by hand:      {by_hand.mean:+.3f} ± {by_hand.half_width:.3f} h")
print(f"compare_runs: {pilot_vs_base[1].paired.mean:+.3f} ± {pilot_vs_base[1].paired.half_width:.3f} h")

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.scatter(a, b, color="tab:blue", zorder=3)
for r, (x, y) in enumerate(zip(a, b)):
    ax.annotate(str(r), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
low, high = min(a + b) * 0.95, max(a + b) * 1.05
ax.plot([low, high], [low, high], color="gray", ls="--", label="no difference (B = A)")
ax.set_xlim(low, high)
ax.set_ylim(low, high)
ax.set_title("Mean time in system, replication by replication")
ax.set_xlabel("baseline (hours)")
ax.set_ylabel("smart_gate_pilot (hours)")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The points (one per replication, labelled by its number) lie below the diagonal: in
# each pair the pilot is faster. The points also spread along the diagonal: some
# replications are busier than others in *both* scenarios. The paired difference removes
# that shared variation; the unpaired interval has to carry it.
#
# ## Three phases
#
# How does the gain grow with the share of trucks equipped? Below, the paired difference
# from the baseline for each phase, next to the unpaired interval of the same
# difference.

# %%
phase_comparisons = {p: compare_runs(runs["baseline"], runs[p], KEYS) for p in PHASES}

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for ax, key, label, unit in [(axes[0], "time_in_system_h.mean", "mean time in system", "hours"),
                             (axes[1], "cleared_per_day", "trucks cleared per day", "trucks/day")]:
    for i, p in enumerate(PHASES):
        c = next(c for c in phase_comparisons[p] if c.key == key)
        ax.errorbar(i - 0.1, c.paired.mean, yerr=c.paired.half_width, fmt="o", color="tab:blue",
                    capsize=5, label="paired 95% CI" if i == 0 else None)
        ax.errorbar(i + 0.1, c.unpaired.mean, yerr=c.unpaired.half_width, fmt="s", color="tab:gray",
                    capsize=5, label="unpaired 95% CI" if i == 0 else None)
    ax.axhline(0, color="black", lw=0.8)
    shares = [scenarios[p].demand.streams["import_general"].equipped_share for p in PHASES]
    ax.set_xticks(range(len(PHASES)), [f"{p}\n({s:.0%} equipped)" for p, s in zip(PHASES, shares)])
    ax.set_ylabel(f"phase minus baseline ({unit})")
    ax.set_title(f"Smart gate minus baseline: {label}")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Who gains?
#
# The KPIs `time_in_system_h.mean.equipped` and `.conventional` split the time in the
# system by whether a truck was equipped. Equipped trucks gain most, but the conventional
# ones gain too, because they share the conventional lanes with fewer trucks. (The
# equipped trucks are spread over all crossings by their streams' routing; only on the
# two dedicated roads can they use the automated channel.)

# %%
base_tis = estimate(r["time_in_system_h.mean"] for r in runs["baseline"])
fig, ax = plt.subplots(figsize=(9, 4))
ax.axhline(base_tis.mean, color="black", ls="--", label=f"baseline, all trucks ({base_tis.mean:.2f} h)")
x = np.arange(len(PHASES))
for offset, group, colour in [(-0.2, "equipped", "tab:green"), (0.2, "conventional", "tab:gray")]:
    values = [estimate(r[f"time_in_system_h.mean.{group}"] for r in runs[p]) for p in PHASES]
    ax.bar(x + offset, [e.mean for e in values], 0.4, yerr=[e.half_width for e in values],
           capsize=5, color=colour, label=f"{group} trucks")
ax.set_xticks(x, PHASES)
ax.set_ylim(0, 1.35 * base_tis.mean)
ax.set_ylabel("mean time in system (hours)")
ax.set_title(f"Time in system by equipment (mean and 95% CI, {REPLICATIONS} replications)")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# **What the scenario does not say.** The smart-gate scenarios change how trucks are
# cleared, not how many come: the Decision 865 targets are capacities for a future
# demand, which the `demand_growth_*_smart_gate.toml` scenarios explore. Nor do the
# scenarios price anything: "lower logistics costs" would need a cost per hour of
# waiting for each kind of load.
#
# ## Exercises
#
# 1. **Hours of the automated lanes.** Copy `smart_gate_pilot` into a TOML text that
#    extends it and sets `[hours.smart_vn]` and `[hours.smart_cn]` to the baseline's
#    hours instead of 24 hours (mind the Chinese calendar's time zone). How much of the
#    pilot's gain comes from the longer hours?
# 2. **Enough replications?** The half-width shrinks like $1/\sqrt{n}$. How many
#    replications would make the unpaired interval of `cleared_per_day` as narrow as the
#    paired one with 10? Check the answer with `sim.experiments.analysis.replications_needed`.
# 3. **Growth.** Compare `demand_growth_2025` with `demand_growth_2025_smart_gate` (use
#    `load_common` so that both get the same seed). Does the smart gate keep the backlog
#    from growing (`backlog_growth_per_day`)?
# 4. **Without common random numbers.** Load the pilot with a different seed
#    (`load_scenario("smart_gate_pilot", overrides={"rng_seed": 1, "horizon_days": HORIZON_DAYS})`),
#    replicate it and compare with the baseline again. What happens to the paired interval?

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
# ### Worked answer 1: the automated lanes in the baseline's hours
#
# We override the two smart-gate calendars with the baseline's windows: 07:00–23:00 on
# the Vietnamese clock and 08:00–24:00 on the Chinese one. `smart_cn` keeps its
# `timezone = "Asia/Shanghai"` from `smart_gate.toml` (a table merges key by key), so
# its window must be written in Beijing time. The baseline's seed keeps the comparison
# paired. The share of the pilot's gain that came from the longer hours is the part of
# the gain lost when the automated lanes keep the baseline's hours.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from sim import load_scenario

short_pilot = load_scenario("smart_gate_pilot", overrides={
    "horizon_days": HORIZON_DAYS,
    "rng_seed": scenarios["baseline"].rng_seed,
    "hours": {
        "smart_vn": {"windows": [{"days": "daily", "open": "07:00", "close": "23:00"}]},
        "smart_cn": {"windows": [{"days": "daily", "open": "08:00", "close": "24:00"}]},
    },
})
for calendar in ("smart_vn", "smart_cn"):
    h = short_pilot.hours[calendar]
    print(f"{calendar}: {h.windows[0].days} {h.windows[0].open}-{h.windows[0].close} ({h.timezone})")
short_runs = replicate(short_pilot, REPLICATIONS)

print()
for key in ["time_in_system_h.mean", "time_in_system_h.mean.road_1119_1120", "time_in_system_h.mean.road_1088_1089"]:
    full_gain = estimate(b[key] - p[key] for b, p in zip(runs["baseline"], runs["smart_gate_pilot"]))
    short_gain = estimate(b[key] - p[key] for b, p in zip(runs["baseline"], short_runs))
    from_hours = (full_gain.mean - short_gain.mean) / full_gain.mean
    print(f"{key:40} gain 24 h {full_gain.mean:.3f} ± {full_gain.half_width:.3f} h, "
          f"baseline hours {short_gain.mean:.3f} ± {short_gain.half_width:.3f} h: "
          f"{from_hours:.0%} of the gain comes from the longer hours")

# %% [markdown]
# ### Worked answer 2: enough replications?
#
# A half-width is $t_{n-1}\,s/\sqrt{n}$, so shrinking the unpaired half-width $h_u$ to
# the paired $h_p$ takes about $n = 10\,(h_u/h_p)^2$ replications of each scenario
# (a little fewer, as the t quantile falls with $n$). `replications_needed` does it
# exactly for *one* sample. The unpaired half-width with $n$ replications of each is
# about $\sqrt{h_A^2 + h_B^2}$, where $h_A$, $h_B$ are the half-widths of each scenario's
# own mean; with equal spreads, each must reach $h_p/\sqrt{2}$.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from sim.experiments.analysis import replications_needed

cleared_2 = next(c for c in pilot_vs_base if c.key == "cleared_per_day")
h_paired, h_unpaired = cleared_2.paired.half_width, cleared_2.unpaired.half_width
print(f"cleared_per_day, {REPLICATIONS} replications: paired ± {h_paired:.2f}, unpaired ± {h_unpaired:.2f} trucks/day")
print(f"rule of thumb: n = {REPLICATIONS} x ({h_unpaired:.2f} / {h_paired:.2f})^2 = "
      f"{REPLICATIONS * (h_unpaired / h_paired) ** 2:.0f} replications of each scenario")
for name in ("baseline", "smart_gate_pilot"):
    values = [r["cleared_per_day"] for r in runs[name]]
    n = replications_needed(values, h_paired / np.sqrt(2))
    print(f"replications_needed({name}, {h_paired:.2f} / sqrt(2)) = {n}")
print(f"with common random numbers, {REPLICATIONS} replications did the same job")

# %% [markdown]
# ### Worked answer 3: demand growth with and without the smart gate
#
# A backlog that keeps growing has `backlog_growth_per_day` clearly above zero.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
growth_names = ["demand_growth_2025", "demand_growth_2025_smart_gate"]
growth = dict(zip(growth_names, load_common(growth_names, days=HORIZON_DAYS)))
growth_runs = {name: replicate(s, REPLICATIONS) for name, s in growth.items()}
for name in growth_names:
    g = estimate(r["backlog_growth_per_day"] for r in growth_runs[name])
    print(f"{name:31} backlog growth {g.mean:7.1f} ± {g.half_width:.1f} trucks/day: "
          + ("growing" if g.low > 0 else "not growing"))
GROWTH_KEYS = ["arrived_per_day", "cleared_per_day", "backlog_growth_per_day", "time_in_system_h.mean",
               "same_day_share"]
display(Markdown(comparison_markdown(compare_runs(*growth_runs.values(), GROWTH_KEYS), *growth_names)))

# %% [markdown]
# ### Worked answer 4: without common random numbers
#
# With another seed, replication `r` of the pilot sees other trucks than replication `r`
# of the baseline: the pairs share nothing, so the paired interval loses its advantage
# and is about as wide as the unpaired one (sometimes wider: the paired t interval has
# fewer degrees of freedom than Welch's). Pairing only helps when the random numbers
# are common.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from sim import load_scenario

other_seed = load_scenario("smart_gate_pilot", overrides={"rng_seed": 1, "horizon_days": HORIZON_DAYS})
print(f"rng_seed: baseline {scenarios['baseline'].rng_seed}, pilot now {other_seed.rng_seed}")
other_runs = replicate(other_seed, REPLICATIONS)
other_vs_base = compare_runs(runs["baseline"], other_runs, KEYS)
print(f"\n{'KPI':46}{'paired, common seed':>22}{'paired, other seed':>22}{'unpaired, other seed':>24}")
for common, other in zip(pilot_vs_base, other_vs_base):
    print(f"{common.key:46}{common.paired.half_width:>22.3f}{other.paired.half_width:>22.3f}"
          f"{other.unpaired.half_width:>24.3f}")
