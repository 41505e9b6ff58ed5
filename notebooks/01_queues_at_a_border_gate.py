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
# # 1. Queues at a border gate
#
# A border crossing is a **queueing system**. Trucks arrive at random, wait for a free
# lane, are served (customs checks their papers, perhaps inspects the load) and leave
# across the border. When trucks arrive faster than the lanes can serve them, a queue
# builds.
#
# In this notebook we strip a crossing down to the simplest case that queueing theory
# solves exactly, the **M/M/c queue**:
#
# * **M** — trucks arrive as a *Poisson process*: independently, at a constant average
#   rate $\lambda$ (trucks per minute);
# * **M** — each service takes an *exponentially distributed* time with mean $1/\mu$;
# * **c** — there are $c$ identical lanes, fed by one queue, open 24 hours a day.
#
# We simulate this gate with `bordersim` and check the simulation against the textbook
# formulas: **Erlang C** for waiting, the **utilisation** $\rho = \lambda / (c\mu)$, and
# **Little's law**. Then we see why waits explode as a gate nears its capacity, which
# is where the Lạng Sơn crossings are heading: in 2023 the Vietnamese side extended its
# clearance hours to 23:00 so that goods cleared the same day
# (`001_752b9a1426d99b73.txt`; notebook 3), and by 2024 the import sides of the two
# dedicated freight roads ran above 90 % of what their Chinese side and customs could
# clear (`bordersim capacity baseline_2024`; notebook 2 shows the readout).
#
# Run the cells from top to bottom (*Run ▸ Run All Cells*). The parameters below keep
# every run short; make them larger when you want more precise answers.

# %%
# Parameters: small enough that the whole notebook runs in a few seconds.
HORIZON_DAYS = 30     # simulated days per run
WARMUP_DAYS = 2       # first days left out of the statistics (the gate starts empty)
REPLICATIONS = 5      # independent runs per case, for confidence intervals
LANES = 4             # c: lanes served from one queue
SERVICE_MIN = 18.0    # 1/mu: mean service time per truck, minutes (about the mean
                      # customs time assumed in scenarios/baseline.toml)

# %%
import math
from string import Template

import matplotlib.pyplot as plt
import numpy as np

from sim import conservation, estimate, kpis, parse_scenario, run_once
from sim.readouts.kpis import in_system_at

MINUTES_PER_DAY = 24 * 60

# %% [markdown]
# ## A gate as a scenario file
#
# Everything `bordersim` simulates is described by a **scenario**: a TOML text, checked
# completely before anything runs. The files in `scenarios/` describe the real border;
# here we write the smallest scenario there is: one crossing, one direction, one stage
# (`customs`) with `LANES` lanes, exponential service times, open around the clock, and
# one stream of trucks with a flat arrival rate.
#
# The `$name` placeholders are filled in by `one_gate(...)` so that we can try different
# arrival rates. `parse_scenario` validates the text and returns a `Scenario`.

# %%
ONE_GATE = Template("""
name = "one_gate"
description = "One customs stage, open 24 hours: an M/M/c queue"
start_date = 2023-02-13
horizon_days = $days
warmup_days = $warmup
rng_seed = 1

[hours.always]
description = "Open 24 hours, every day"
windows = [{ days = "daily", open = "00:00", close = "24:00" }]

[cargo.general]
description = "One kind of truck"

[crossings.gate]
name = "A border gate"
kind = "main_gate"
accepts = ["general"]

[[crossings.gate.routes.export.stages]]
name = "customs"
hours = "always"
lanes = $lanes
service.default = { kind = "exponential", mean_min = $service_min }

[demand.streams.trucks]
direction = "export"
cargo = "general"
trucks_per_day = $trucks_per_day
routing = { policy = "shares", shares = { gate = 1.0 } }
""")


def one_gate(trucks_per_day, lanes=LANES, service_min=SERVICE_MIN, days=HORIZON_DAYS):
    """The M/M/c scenario: Poisson arrivals, exponential service, `lanes` lanes, open 24 h."""
    text = ONE_GATE.substitute(
        trucks_per_day=trucks_per_day, lanes=lanes, service_min=service_min,
        days=days, warmup=WARMUP_DAYS,
    )
    return parse_scenario(text, name="one_gate")


capacity_per_day = LANES * MINUTES_PER_DAY / SERVICE_MIN
print(f"{LANES} lanes at {SERVICE_MIN:g} min a truck can serve at most {capacity_per_day:.0f} trucks a day")

# %% [markdown]
# ## One run at 80 % of capacity
#
# We send trucks at 80 % of the capacity ($\rho = 0.8$) and simulate one replication.
# `conservation` checks the bookkeeping: every truck that arrived has crossed, given up,
# or is still in the system at the end.
#
# The records of the run are two tables (`result.trucks`, one row per truck, and
# `result.stages`, one row per truck per stage; see `sim/engine/records.py`). From the stage
# table, a truck's **wait** is the time from joining the queue (`t_queue`) to the start
# of its service (`t_start`).

# %%
RHO = 0.8
scenario = one_gate(RHO * capacity_per_day)
result = run_once(scenario, replication=0)
print(conservation(result))


def waits_min(result):
    """Minutes each truck waited for a lane: trucks that joined the queue after the
    warm-up and at least a day before the end (so every one of them was served)."""
    rows = result.stages
    t0 = result.scenario.warmup_days * MINUTES_PER_DAY
    t1 = (result.scenario.horizon_days - 1) * MINUTES_PER_DAY
    joined = (rows["t_queue"] >= t0) & (rows["t_queue"] < t1) & ~np.isnan(rows["t_start"])
    return rows["t_start"][joined] - rows["t_queue"][joined]


waits = waits_min(result)
print(f"{waits.size} trucks measured; mean wait {waits.mean():.1f} min; "
      f"{(waits > 0).mean():.0%} of them waited at all")

fig, ax = plt.subplots(figsize=(8, 3.5))
ax.hist(waits, bins=60, color="tab:blue")
ax.set_title(f"Waits at one gate, M/M/{LANES} at utilisation {RHO:.0%} (one replication)")
ax.set_xlabel("wait for a free lane (minutes)")
ax.set_ylabel("trucks")
fig.tight_layout()
plt.show()


# %% [markdown]
# Most trucks find a free lane at once; a few wait a long time. The distribution of
# waits is very skewed, which is why the sources and this model report the 95th
# percentile and the maximum as well as the mean.
#
# ## Erlang C: the theory
#
# For M/M/c the waiting is known exactly. With offered load $a = \lambda/\mu$ (the
# average number of busy lanes) and utilisation $\rho = a/c < 1$, the probability that a
# truck has to wait is Erlang's C formula
#
# $$
# C(c, a) = \frac{\dfrac{a^c}{c!}\,\dfrac{1}{1-\rho}}
# {\displaystyle\sum_{k=0}^{c-1}\frac{a^k}{k!} + \frac{a^c}{c!}\,\frac{1}{1-\rho}},
# \qquad
# W_q = \frac{C(c,a)}{c\mu - \lambda}.
# $$
#
# This is theory to compare against, written here in a few lines; the simulation knows
# nothing about it.

# %%
def erlang_c(trucks_per_day, lanes=LANES, service_min=SERVICE_MIN):
    """M/M/c by Erlang C: (probability that a truck waits, mean wait in minutes)."""
    lam = trucks_per_day / MINUTES_PER_DAY      # arrivals per minute
    a = lam * service_min                       # offered load: busy lanes on average
    rho = a / lanes
    if rho >= 1:
        return 1.0, math.inf
    top = a**lanes / math.factorial(lanes) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(lanes)) + top)
    return p_wait, p_wait / (lanes / service_min - lam)


runs = [run_once(scenario, replication=r) for r in range(REPLICATIONS)]
mean_wait = estimate(waits_min(r).mean() for r in runs)
share_waiting = estimate((waits_min(r) > 0).mean() for r in runs)
utilisation = estimate(kpis(r)["utilisation.gate/export/customs"] for r in runs)

p_theory, wq_theory = erlang_c(RHO * capacity_per_day)
print(f"over {REPLICATIONS} replications (mean ± half-width of the 95% confidence interval):")
print(f"  mean wait          simulated {mean_wait.mean:6.2f} ± {mean_wait.half_width:.2f} min"
      f"   Erlang C {wq_theory:6.2f} min")
print(f"  share that waits   simulated {share_waiting.mean:6.3f} ± {share_waiting.half_width:.3f}"
      f"       Erlang C {p_theory:6.3f}")
print(f"  utilisation        simulated {utilisation.mean:6.3f} ± {utilisation.half_width:.3f}"
      f"       rho      {RHO:6.3f}")

# %% [markdown]
# The theoretical values should fall inside (or very near) the simulated confidence
# intervals. A 95 % interval misses the true value about one time in twenty, so an
# occasional small miss is expected; a large one would point to an error in the model.
# The `utilisation.<stage>` KPI is the busy lane-time divided by the open lane-time,
# and for M/M/c it estimates $\rho$.
#
# ## Little's law
#
# Little's law links three averages of any queueing system in a steady state:
# $$L = \lambda W,$$
# the average number of trucks in the system $L$ equals the arrival rate $\lambda$ times
# the average time a truck spends in it $W$. It holds whatever the distributions, the
# number of lanes or the order of service, which makes it a useful check on any
# simulation, and a quick way to turn a wait into a queue length (and back).
#
# We measure all three over the same window, from the end of the warm-up to one day
# before the end. `in_system_at` (from `sim.readouts.kpis`) counts the trucks in the system at
# given times.

# %%
t0 = WARMUP_DAYS * MINUTES_PER_DAY
t1 = (HORIZON_DAYS - 1) * MINUTES_PER_DAY
trucks = result.trucks
arrived = (trucks["t_arrive"] >= t0) & (trucks["t_arrive"] < t1)

lam = arrived.sum() / (t1 - t0)                                    # trucks per minute
W = np.nanmean(trucks["t_out"][arrived] - trucks["t_arrive"][arrived])   # minutes
L = in_system_at(result, np.arange(t0, t1, 1.0)).mean()            # trucks, sampled each minute

print(f"lambda = {lam * 60:.2f} trucks/h, W = {W:.1f} min")
print(f"L measured = {L:.2f} trucks;  lambda x W = {lam * W:.2f} trucks")

# %% [markdown]
# ## Why waits explode near capacity
#
# Now we raise the demand step by step towards the capacity of the gate and compare the
# simulated mean wait with Erlang C. Each point is the mean over `REPLICATIONS` runs with
# its 95 % confidence interval.

# %%
RHOS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]

simulated = []
for rho in RHOS:
    s = one_gate(rho * capacity_per_day)
    simulated.append(estimate(waits_min(run_once(s, replication=r)).mean() for r in range(REPLICATIONS)))

grid = np.linspace(0.3, 0.97, 200)
theory = [erlang_c(rho * capacity_per_day)[1] for rho in grid]

fig, ax = plt.subplots(figsize=(8, 4.5))
ax.plot(grid * 100, theory, color="black", label="Erlang C (theory)")
ax.errorbar([r * 100 for r in RHOS], [e.mean for e in simulated],
            yerr=[e.half_width for e in simulated], fmt="o", color="tab:red", capsize=4,
            label=f"simulation, mean and 95% CI of {REPLICATIONS} runs")
ax.set_title(f"Mean wait at a gate with {LANES} lanes ({SERVICE_MIN:g} min a truck)")
ax.set_xlabel("utilisation rho = demand / capacity (%)")
ax.set_ylabel("mean wait for a lane (minutes)")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

for rho, e in zip(RHOS, simulated):
    print(f"rho = {rho:.2f}: {rho * capacity_per_day:5.0f} trucks/day, mean wait "
          f"{e.mean:6.1f} ± {e.half_width:5.1f} min (Erlang C {erlang_c(rho * capacity_per_day)[1]:6.1f})")

# %% [markdown]
# The curve is nearly flat at low utilisation and then shoots up: the mean wait grows
# roughly like $1/(1-\rho)$. Going from 80 % to 90 % of capacity (one truck in eight
# more) more than doubles the wait; from 90 % to 95 % doubles it again. Notice also that
# the confidence intervals widen: near capacity the queue has long, slow swings, and a
# simulation needs longer runs (or more replications) to pin its average down.
#
# The next plot shows those swings: the number of trucks waiting, hour by hour, in one
# run at 70 % and one at 95 %.

# %%
fig, ax = plt.subplots(figsize=(9, 4))
for rho, colour in [(0.95, "tab:red"), (0.7, "tab:blue")]:
    r = run_once(one_gate(rho * capacity_per_day), replication=0)
    times, waiting = r.queue_lengths(step_min=15)
    ax.plot(times / MINUTES_PER_DAY, waiting[0], color=colour, lw=0.8, label=f"utilisation {rho:.0%}")
ax.set_title(f"Trucks waiting for the {LANES} lanes over time (one replication each)")
ax.set_xlabel("time (days)")
ax.set_ylabel("trucks waiting")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# **What this means at the border.** A border crossing is a line of such gates, and
# the one with the highest utilisation sets the pace. In the Q1 2023 baseline
# (`scenarios/baseline.toml`) that is the **Chinese** inspection: its berths run at about
# 70 % of their 12 open hours, the Vietnamese customs lanes at about 55 % of their 16,
# and `bordersim capacity baseline` names the Chinese inspection as the binding stage at
# the main road crossings (notebook 2). In 2024 (`baseline_2024.toml`) the import sides
# of the two dedicated roads run above 90 % of their capacity. The lesson of this
# notebook is that, in that region, a modest rise in demand (a year's growth in truck
# numbers, 14–23 % in the counts; the March harvest, notebook 4) or a modest cut in
# capacity (shorter opening hours, notebook 3) makes waits grow out of all proportion. The real crossings are not M/M/c (arrivals
# vary over the day, the gates close at night, there are several stages in a row), but
# the shape of this curve is the same.
#
# ## Exercises
#
# 1. **How many lanes?** At 300 trucks a day and 18 minutes a truck, how many lanes does
#    the gate need for a mean wait under 10 minutes? Answer with `erlang_c(300, lanes=...)`
#    first, then check it with the simulation (`one_gate(300, lanes=...)`).
# 2. **Less variable service.** Change the service in `ONE_GATE` to
#    `{ kind = "deterministic", value_min = $service_min }` (every truck takes exactly the
#    mean; `bordersim schema` lists the parameters of each distribution kind) and re-run
#    the comparison at 80 %. Is the wait longer or shorter than Erlang C? Why?
# 3. **Pooling.** Compare one gate with 4 lanes and 240 trucks a day with a gate with 1
#    lane and 60 trucks a day (the same traffic split into four separate queues). Which
#    has the shorter mean wait, and by how much?
# 4. **Little's law for the queue alone.** `result.queue_lengths()` gives the number of
#    trucks *waiting* over time. Check that the average queue length equals $\lambda W_q$.

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
# ### Worked answer 1: how many lanes?
#
# The offered load is $a = \lambda/\mu$ busy lanes on average; fewer lanes than that and
# the queue grows without end. Above it, Erlang C gives the mean wait for each number of
# lanes, and we take the fewest lanes whose wait is under 10 minutes. Then the
# simulation checks that number and the one below it.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
demand_1 = 300           # trucks a day
target_wait_1 = 10.0     # minutes
offered_1 = demand_1 / MINUTES_PER_DAY * SERVICE_MIN
print(f"offered load a = {offered_1:.2f} busy lanes on average: at least {math.floor(offered_1) + 1} lanes")

theory_1 = {}
for c in range(math.floor(offered_1) + 1, math.floor(offered_1) + 6):
    theory_1[c] = erlang_c(demand_1, lanes=c)[1]
    print(f"  {c} lanes: utilisation {offered_1 / c:.0%}, Erlang C mean wait {theory_1[c]:6.1f} min")
lanes_1 = min(c for c, wq in theory_1.items() if wq < target_wait_1)
print(f"Erlang C: {lanes_1} lanes are the fewest with a mean wait under {target_wait_1:g} minutes\n")

for c in sorted({max(lanes_1 - 1, min(theory_1)), lanes_1}):
    gate = one_gate(demand_1, lanes=c)
    e = estimate(waits_min(run_once(gate, replication=r)).mean() for r in range(REPLICATIONS))
    verdict = "under" if e.high < target_wait_1 else ("over" if e.low > target_wait_1 else "around")
    print(f"simulated, {c} lanes: mean wait {e.mean:5.1f} ± {e.half_width:.1f} min "
          f"(Erlang C {theory_1[c]:.1f}): {verdict} {target_wait_1:g} minutes")

# %% [markdown]
# ### Worked answer 2: less variable service
#
# Every truck now takes exactly `SERVICE_MIN` minutes (an M/D/c queue). Less variable
# service means shorter waits: a queue grows behind the long services, and there are
# none now. A standard rule of thumb (the Allen–Cunneen approximation) scales the M/M/c
# wait by $(c_a^2 + c_s^2)/2$, where $c_a$ and $c_s$ are the coefficients of variation
# of the times between arrivals (1 for Poisson) and of the service times (1 for
# exponential, 0 for a fixed time): about half the Erlang C wait.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
EXPONENTIAL_2 = '{ kind = "exponential", mean_min = $service_min }'
DETERMINISTIC_2 = '{ kind = "deterministic", value_min = $service_min }'
if ONE_GATE.template.count(EXPONENTIAL_2) != 1:
    raise ValueError("ONE_GATE has changed: make the edit by hand")
FIXED_GATE = Template(ONE_GATE.template.replace(EXPONENTIAL_2, DETERMINISTIC_2))

demand_2 = RHO * capacity_per_day
fixed_gate = parse_scenario(
    FIXED_GATE.substitute(trucks_per_day=demand_2, lanes=LANES, service_min=SERVICE_MIN,
                          days=HORIZON_DAYS, warmup=WARMUP_DAYS),
    name="one_gate_fixed_service",
)
fixed_runs = [run_once(fixed_gate, replication=r) for r in range(REPLICATIONS)]
service_2 = fixed_runs[0].stages["t_end"] - fixed_runs[0].stages["t_start"]
print(f"service times now: min {np.nanmin(service_2):.2f}, max {np.nanmax(service_2):.2f} min")

fixed_wait = estimate(waits_min(r).mean() for r in fixed_runs)
exp_wait = mean_wait                      # the runs with exponential service above
wq_2 = erlang_c(demand_2)[1]
print(f"at utilisation {RHO:.0%}:")
print(f"  exponential service: simulated {exp_wait.mean:5.2f} ± {exp_wait.half_width:.2f} min, Erlang C {wq_2:.2f}")
print(f"  fixed service:       simulated {fixed_wait.mean:5.2f} ± {fixed_wait.half_width:.2f} min, "
      f"Allen-Cunneen (1 + 0)/2 x Erlang C = {wq_2 / 2:.2f}")
print(f"fixed service waits {fixed_wait.mean / wq_2:.0%} of Erlang C: "
      + ("shorter" if fixed_wait.high < wq_2 else "not clearly shorter"))

# %% [markdown]
# ### Worked answer 3: pooling
#
# Both systems run at the same utilisation (75 %), but in the pooled gate a truck takes
# whichever of the four lanes frees first, while with four separate queues a truck can
# wait behind a slow truck while the lane next door stands idle. For one lane Erlang C
# is the M/M/1 formula $W_q = \rho/(\mu - \lambda)$.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
cases_3 = {"one queue, 4 lanes, 240 trucks/day": (240, 4), "1 lane, 60 trucks/day (a quarter)": (60, 1)}
waits_3 = {}
for label, (demand, lanes) in cases_3.items():
    gate = one_gate(demand, lanes=lanes)
    waits_3[label] = estimate(waits_min(run_once(gate, replication=r)).mean() for r in range(REPLICATIONS))
    rho_3 = demand / MINUTES_PER_DAY * SERVICE_MIN / lanes
    print(f"{label:36} utilisation {rho_3:.0%}: simulated mean wait "
          f"{waits_3[label].mean:5.1f} ± {waits_3[label].half_width:.1f} min, "
          f"Erlang C {erlang_c(demand, lanes=lanes)[1]:5.1f} min")
pooled, split = waits_3.values()
print(f"\nthe pooled gate's trucks wait {split.mean / pooled.mean:.1f} times less "
      f"({split.mean - pooled.mean:.1f} minutes less on average)")

# %% [markdown]
# ### Worked answer 4: Little's law for the queue alone
#
# $L_q = \lambda W_q$: the time-average number of trucks waiting equals the arrival rate
# times the mean wait. We measure all three on the run at 80 % (`result`), over the same
# window as before, sampling the queue every minute.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
times_4, waiting_4 = result.queue_lengths(step_min=1.0)
window_4 = (times_4 >= t0) & (times_4 < t1)
lq_4 = waiting_4[0][window_4].mean()                  # the gate has one stage, row 0
waits_4 = waits_min(result)                           # the trucks that joined the queue in [t0, t1)
lam_4 = waits_4.size / (t1 - t0)                      # trucks per minute
wq_4 = waits_4.mean()
print(f"lambda = {lam_4 * 60:.2f} trucks/h, W_q = {wq_4:.2f} min")
print(f"L_q measured = {lq_4:.3f} trucks;  lambda x W_q = {lam_4 * wq_4:.3f} trucks "
      f"(difference {abs(lq_4 - lam_4 * wq_4) / lq_4:.1%})")
