"""Build the course notebooks (``NN_*.ipynb``) from the cell texts in this file.

Maintainers edit the notebooks here, run ``python notebooks/build_notebooks.py`` and
commit both this file and the notebooks: diffs stay readable, and every notebook is
written without outputs or execution counts, as the repository keeps them
(``tests/test_notebooks.py`` checks that, and executes every notebook).

Students do not need this file: open the ``.ipynb`` files in Jupyter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


NOTEBOOKS: dict[str, list] = {}


# ---------------------------------------------------------------------------------------
NOTEBOOKS["01_queues_at_a_border_gate.ipynb"] = [
    md(r'''
# 1. Queues at a border gate

A border crossing is a **queueing system**. Trucks arrive at random, wait for a free
lane, are served (customs checks their papers, perhaps inspects the load) and leave
across the border. When trucks arrive faster than the lanes can serve them, a queue
builds.

In this notebook we strip a crossing down to the simplest case that queueing theory
solves exactly, the **M/M/c queue**:

* **M** — trucks arrive as a *Poisson process*: independently, at a constant average
  rate $\lambda$ (trucks per minute);
* **M** — each service takes an *exponentially distributed* time with mean $1/\mu$;
* **c** — there are $c$ identical lanes, fed by one queue, open 24 hours a day.

We simulate this gate with `bordersim` and check the simulation against the textbook
formulas: **Erlang C** for waiting, the **utilisation** $\rho = \lambda / (c\mu)$, and
**Little's law**. Then we see why waits explode as the gate nears its capacity, which
is the situation at Lạng Sơn in 2023 as the baseline scenario reads it: the crossings
ran close to their limit, and clearance hours were extended to 23:00 so that goods
cleared the same day (`001_752b9a1426d99b73.txt`; notebook 3).

Run the cells from top to bottom (*Run ▸ Run All Cells*). The parameters below keep
every run short; make them larger when you want more precise answers.
'''),
    code(r'''
# Parameters: small enough that the whole notebook runs in a few seconds.
HORIZON_DAYS = 30     # simulated days per run
WARMUP_DAYS = 2       # first days left out of the statistics (the gate starts empty)
REPLICATIONS = 5      # independent runs per case, for confidence intervals
LANES = 4             # c: lanes served from one queue
SERVICE_MIN = 18.0    # 1/mu: mean service time per truck, minutes (about the mean
                      # customs time assumed in scenarios/baseline.toml)
'''),
    code(r'''
import math
from string import Template

import matplotlib.pyplot as plt
import numpy as np

from sim import conservation, estimate, kpis, parse_scenario, run_once
from sim.readouts.kpis import in_system_at

MINUTES_PER_DAY = 24 * 60
'''),
    md(r'''
## A gate as a scenario file

Everything `bordersim` simulates is described by a **scenario**: a TOML text, checked
completely before anything runs. The files in `scenarios/` describe the real border;
here we write the smallest scenario there is: one crossing, one direction, one stage
(`customs`) with `LANES` lanes, exponential service times, open around the clock, and
one stream of trucks with a flat arrival rate.

The `$name` placeholders are filled in by `one_gate(...)` so that we can try different
arrival rates. `parse_scenario` validates the text and returns a `Scenario`.
'''),
    code(r'''
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
'''),
    md(r'''
## One run at 80 % of capacity

We send trucks at 80 % of the capacity ($\rho = 0.8$) and simulate one replication.
`conservation` checks the bookkeeping: every truck that arrived has crossed, given up,
or is still in the system at the end.

The records of the run are two tables (`result.trucks`, one row per truck, and
`result.stages`, one row per truck per stage; see `sim/records.py`). From the stage
table, a truck's **wait** is the time from joining the queue (`t_queue`) to the start
of its service (`t_start`).
'''),
    code(r'''
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
'''),
    md(r'''
Most trucks find a free lane at once; a few wait a long time. The distribution of
waits is very skewed, which is why the sources and this model report the 95th
percentile and the maximum as well as the mean.

## Erlang C: the theory

For M/M/c the waiting is known exactly. With offered load $a = \lambda/\mu$ (the
average number of busy lanes) and utilisation $\rho = a/c < 1$, the probability that a
truck has to wait is Erlang's C formula

$$
C(c, a) = \frac{\dfrac{a^c}{c!}\,\dfrac{1}{1-\rho}}
{\displaystyle\sum_{k=0}^{c-1}\frac{a^k}{k!} + \frac{a^c}{c!}\,\frac{1}{1-\rho}},
\qquad
W_q = \frac{C(c,a)}{c\mu - \lambda}.
$$

This is theory to compare against, written here in a few lines; the simulation knows
nothing about it.
'''),
    code(r'''
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
'''),
    md(r'''
The theoretical values should fall inside (or very near) the simulated confidence
intervals. A 95 % interval misses the true value about one time in twenty, so an
occasional small miss is expected; a large one would point to an error in the model.
The `utilisation.<stage>` KPI is the busy lane-time divided by the open lane-time,
and for M/M/c it estimates $\rho$.

## Little's law

Little's law links three averages of any queueing system in a steady state:
$$L = \lambda W,$$
the average number of trucks in the system $L$ equals the arrival rate $\lambda$ times
the average time a truck spends in it $W$. It holds whatever the distributions, the
number of lanes or the order of service, which makes it a useful check on any
simulation, and a quick way to turn a wait into a queue length (and back).

We measure all three over the same window, from the end of the warm-up to one day
before the end. `in_system_at` (from `sim.kpis`) counts the trucks in the system at
given times.
'''),
    code(r'''
t0 = WARMUP_DAYS * MINUTES_PER_DAY
t1 = (HORIZON_DAYS - 1) * MINUTES_PER_DAY
trucks = result.trucks
arrived = (trucks["t_arrive"] >= t0) & (trucks["t_arrive"] < t1)

lam = arrived.sum() / (t1 - t0)                                    # trucks per minute
W = np.nanmean(trucks["t_out"][arrived] - trucks["t_arrive"][arrived])   # minutes
L = in_system_at(result, np.arange(t0, t1, 1.0)).mean()            # trucks, sampled each minute

print(f"lambda = {lam * 60:.2f} trucks/h, W = {W:.1f} min")
print(f"L measured = {L:.2f} trucks;  lambda x W = {lam * W:.2f} trucks")
'''),
    md(r'''
## Why waits explode near capacity

Now we raise the demand step by step towards the capacity of the gate and compare the
simulated mean wait with Erlang C. Each point is the mean over `REPLICATIONS` runs with
its 95 % confidence interval.
'''),
    code(r'''
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
'''),
    md(r'''
The curve is nearly flat at low utilisation and then shoots up: the mean wait grows
roughly like $1/(1-\rho)$. Going from 80 % to 90 % of capacity (one truck in eight
more) more than doubles the wait; from 90 % to 95 % doubles it again. Notice also that
the confidence intervals widen: near capacity the queue has long, slow swings, and a
simulation needs longer runs (or more replications) to pin its average down.

The next plot shows those swings: the number of trucks waiting, hour by hour, in one
run at 70 % and one at 95 %.
'''),
    code(r'''
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
'''),
    md(r'''
**What this means at the border.** The baseline scenario of Lạng Sơn
(`scenarios/baseline.toml`) sets the customs lanes so that customs runs at about
75–85 % of its open-hours capacity: near capacity, as the sources describe. The
lesson of this notebook is that, in that region, a modest rise in demand (the March
harvest, notebook 4) or a modest cut in capacity (shorter opening hours, notebook 3)
makes waits grow out of all proportion. The real crossings are not M/M/c (arrivals
vary over the day, the gates close at night, there are several stages in a row), but
the shape of this curve is the same.

## Exercises

1. **How many lanes?** At 300 trucks a day and 18 minutes a truck, how many lanes does
   the gate need for a mean wait under 10 minutes? Answer with `erlang_c(300, lanes=...)`
   first, then check it with the simulation (`one_gate(300, lanes=...)`).
2. **Less variable service.** Change the service in `ONE_GATE` to
   `{ kind = "deterministic", value_min = $service_min }` (every truck takes exactly the
   mean; `bordersim schema` lists the parameters of each distribution kind) and re-run
   the comparison at 80 %. Is the wait longer or shorter than Erlang C? Why?
3. **Pooling.** Compare one gate with 4 lanes and 240 trucks a day with a gate with 1
   lane and 60 trucks a day (the same traffic split into four separate queues). Which
   has the shorter mean wait, and by how much?
4. **Little's law for the queue alone.** `result.queue_lengths()` gives the number of
   trucks *waiting* over time. Check that the average queue length equals $\lambda W_q$.
'''),
]


# ---------------------------------------------------------------------------------------
NOTEBOOKS["02_lang_son_baseline.ipynb"] = [
    md(r'''
# 2. The Lạng Sơn baseline

Lạng Sơn province has 231.74 km of border with Guangxi, China
(`004_0d4c1c84ac0ec984.txt`). From early 2023 its freight ran through **five gates**
(`001_752b9a1426d99b73.txt`) and, by 2024, through five gates and **two dedicated
freight roads** (`002_85207a4b9f90a005.txt`):

| crossing | kind | pair on the Chinese side |
|---|---|---|
| Hữu Nghị | international road gate | Youyiguan (Hữu Nghị Quan) |
| Đồng Đăng | international railway station | Pingxiang station |
| Chi Ma | main gate | Ái Điểm |
| Tân Thanh | auxiliary gate | Pò Chài (Puzhai) |
| Cốc Nam | auxiliary gate / clearance lane | Lũng Nghịu |
| dedicated road, landmark 1119–1120 | freight-only road of the Hữu Nghị pair | Youyiguan |
| dedicated road, landmark 1088/2–1089 | Tân Thanh–Pò Chài freight road | Pò Chài |

(The source does not name the five gates of 2023; the list above is the usual reading.)

The **baseline scenario**, `scenarios/baseline.toml`, describes the first quarter of
2023, after China eased its COVID controls on 8 January 2023. The source figure it is
held to: on average **1,000–1,100 vehicles cleared per day**, with clearance extended
until **23:00** every day so that goods clear the same day (`001_752b9a1426d99b73.txt`).
Every number the sources do not give (lanes, service times, yard sizes, the daily
pattern of arrivals, the routing of trucks to crossings) is a parameter marked
**ASSUMPTION** in the file. Open it next to this notebook and read along.

In this notebook we look at what the baseline contains, at its daily pattern, at where
its queues form and why, and at how it compares with the source figures.
'''),
    code(r'''
# Parameters: the scenario's own horizon is 28 days; 14 keep this notebook quick.
HORIZON_DAYS = 14     # simulated days per run (the first `warmup_days` are not counted)
REPLICATIONS = 5      # independent runs for the calibration check
'''),
    code(r'''
import matplotlib.pyplot as plt
import numpy as np

from sim import estimate, kpis, load_scenario, replicate, run_once, summarise
from sim.scenario.figures import load_figures
from sim.readouts.kpis import in_system_at

MINUTES_PER_DAY = 24 * 60

scenario = load_scenario("baseline", overrides={"horizon_days": HORIZON_DAYS})
print(f"{scenario.name}: {scenario.description}")
print(f"starts {scenario.start_date}, {scenario.horizon_days} days, "
      f"of which the first {scenario.warmup_days} are warm-up")
'''),
    md(r'''
## The crossings and their stages

Each crossing has a route per direction (**export**, Vietnam to China; **import**,
China to Vietnam). A route is a yard where trucks wait (when it is full they wait on
the road) and an ordered list of **stages**: Vietnamese customs (`vn_customs`), the
border guard, plant quarantine for farm produce, and the Chinese side's acceptance or
release of trucks (`cn_acceptance`, `cn_release`), which the model treats as a fixed
pace of trucks per hour. At Đồng Đăng containers are moved to the railway.
'''),
    code(r'''
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
        print(f"    {direction:<7} {yard:<14} " + " -> ".join(steps))
'''),
    md(r'''
## Demand: who comes, and where they go

Trucks arrive in **streams**, one per direction and cargo class, each with a mean
number of trucks per day and routing shares among the crossings that accept them. The
baseline's total of about 1,060 loaded trucks a day, with about 45 % exports, is an
assumption chosen to match the source figure; the export share comes from the five
gates' count of May–July 2023 (VietnamPlus, 10 Jul 2023) and the mix of classes from
a one-day split of 22 Aug 2024 (both public reports, listed in `seeds/figures.toml`).
'''),
    code(r'''
total = 0.0
for key, stream in scenario.demand.streams.items():
    total += stream.trucks_per_day
    shares = getattr(stream.routing, "shares", {})
    where = ", ".join(f"{x} {share:.0%}" for x, share in shares.items())
    print(f"{key:<20} {stream.trucks_per_day:5.0f} trucks/day  ->  {where}")
print(f"{'total':<20} {total:5.0f} trucks/day")
'''),
    md(r'''
## One run, and the daily pattern

Trucks reach the border around the clock, fewer at night (the `hour_of_day` profile
of the scenario, an assumption), but the Vietnamese agencies work 07:00–23:00 and the
Chinese side 08:00–24:00 Beijing time, which is the same 07:00–23:00 in Hà Nội.
Trucks that arrive in the night wait for the morning. The three panels below show,
for each hour of the day (Vietnam time, averaged over the measured days of one run):
arrivals, the number of trucks in the system, and the mean time in the system of the
trucks arriving in that hour.
'''),
    code(r'''
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
first_day = [(s / 60, e / 60) for s, e in vn_open if e <= MINUTES_PER_DAY]

fig, axes = plt.subplots(1, 3, figsize=(14, 4))
panels = [(arrivals_by_hour, "arrivals (trucks per hour)", "Trucks arriving"),
          (in_system_by_hour, "trucks in the system", "Trucks in the system"),
          (time_by_hour, "mean time in system (hours)", "Time in system, by hour of arrival")]
for ax, (values, label, title) in zip(axes, panels):
    for s, e in first_day:
        ax.axvspan(s, e, color="tab:green", alpha=0.12, label="Vietnamese agencies open")
    ax.bar(np.arange(24) + 0.5, values, width=0.8, color="tab:blue")
    ax.set_title(title)
    ax.set_xlabel("hour of day (Vietnam time)")
    ax.set_ylabel(label)
    ax.set_xticks(range(0, 25, 3))
axes[0].legend(loc="upper left")
fig.suptitle("Baseline, one replication: the daily pattern")
fig.tight_layout()
plt.show()
'''),
    md(r'''
The shape explains most of the waiting in the baseline: a truck that arrives in the
evening or the night waits until the gates open at 07:00, and in the morning the
night's trucks are cleared together with the morning's arrivals. Trucks arriving in
the early afternoon clear quickly. This is why extending the hours to 23:00 mattered
so much (notebook 3).

## Where queues form

`result.queue_lengths()` gives the number of trucks waiting at each stage over time.
Below, the trucks waiting at each crossing (all its stages) during the first week, and
then the stages with the longest queues on average, with their utilisation (busy
lane-time over open lane-time, the `utilisation.<stage>` KPI).
'''),
    code(r'''
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
top = np.argsort(mean_queue)[::-1][:10][::-1]
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
'''),
    md(r'''
Queues form where two things meet: many trucks and little capacity. The dedicated
road 1119–1120 carries the largest flows, and the Vietnamese customs stages are the
busiest. Queues at a stage with low utilisation are usually the night's trucks waiting
for the opening hour rather than a lack of lanes. Utilisation here is measured over
the *open* hours only.

## Calibration against the source figures

The figures the model is held to are stored, with their sources, in
`seeds/figures.toml`; `load_figures()` reads them. We replicate the baseline and put
three simulated quantities next to the published figures:

* vehicles cleared per day, all crossings: 1,000–1,100 in Q1 2023 (`001_752b9a1426d99b73.txt`);
* vehicles per day at Hữu Nghị: 500–600 in Feb–Mar 2023 (VNA, 30 Mar 2023). The model
  reads this as the Hữu Nghị *pair*, the gate plus the dedicated road 1119–1120
  (an assumption in `baseline.toml`);
* share of exports among the vehicles cleared: about 47 % in May–July 2023
  (VietnamPlus, 10 Jul 2023). The baseline's demand has about 45 % exports: an
  assumption for February–March, a little under the figure of the later period.
'''),
    code(r'''
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
'''),
    md(r'''
Two cautions when you read a calibration:

* **The baseline was built to match the first figure.** The demand of about 1,060
  trucks a day is an assumption chosen for that purpose, and while the crossings keep
  up, trucks cleared per day simply equals trucks arriving per day. The calibration
  therefore tells us the capacity is *enough* for that demand with the extended hours;
  the test of the model is what it predicts elsewhere. With office hours only, the same
  demand leaves a backlog that grows every day (notebook 3), which is consistent with
  the sources' account of why the hours were extended.
* **Figures count different things.** Vietnamese figures count loaded freight vehicles
  cleared; Chinese figures count every vehicle trip, empty ones included. The figures
  also come from different periods (the export share is from May–July 2023). See
  `seeds/README.md`.

## Exercises

1. Which crossing has the longest mean time in the system
   (`time_in_system_h.mean.<crossing>` in `summary`)? Look at the utilisation of its
   stages: is it short of lanes, or are its waits mostly the night's closure?
2. Run with the scenario's own horizon (`HORIZON_DAYS = 28`) and `REPLICATIONS = 20`.
   How much narrower do the confidence intervals get? Compare with the rule that the
   half-width shrinks like $1/\sqrt{n}$.
3. `seeds/figures.toml` holds a one-day split of 22 Aug 2024 by crossing
   (`vehicles_cleared_huu_nghi_2024_08_22`, `..._tan_thanh_...`, `..._chi_ma_...`,
   `..._coc_nam_...`). Compare its proportions with the simulated split by crossing.
   What differs, and why might a single day in 2024 not fit a 2023 baseline?
4. The profile of arrivals over the day is an assumption. Load the baseline with
   `overrides={"demand": {"hour_of_day": [1] * 24}}` (trucks arrive evenly round the
   clock). How do the mean time in system and the share cleared the same day change?
'''),
]


# ---------------------------------------------------------------------------------------
NOTEBOOKS["03_opening_hours.ipynb"] = [
    md(r'''
# 3. Opening hours

In the first quarter of 2023 the Lạng Sơn agencies organised clearance **outside office
hours, at lunch time and on days off, and extended it until 23:00**, so that goods
would clear the same day (`001_752b9a1426d99b73.txt`; public reports confirm 23:00
including weekends and holidays: SGGP 1 May 2023, VietnamPlus 10 Jul 2023). What did
that buy? The scenario files let us ask it directly, with the baseline's demand and
lanes and only the hours changed:

| scenario | Vietnamese side | Chinese side |
|---|---|---|
| `office_hours.toml` | 07:30–11:30 and 13:30–17:00, Monday–Friday | 08:30–12:00 and 14:30–18:00 Beijing time, Monday–Friday |
| `baseline.toml` | 07:00–23:00 every day | 08:00–24:00 Beijing time every day |
| `round_the_clock.toml` | 24 hours | 24 hours |

All of these hours are **assumptions** written in the files: the sources give the 23:00
extension, not the exact office hours.

**Two clocks.** The Chinese side keeps Beijing time (UTC+8), one hour ahead of Vietnam
(UTC+7). Each opening calendar in a scenario names its time zone (`Asia/Shanghai` for
the Chinese side) and the model converts it to the Vietnamese clock. A Chinese office
day of 08:30–18:00 is 07:30–17:00 in Hà Nội, and its lunch break starts and ends at
different moments from the Vietnamese one. A truck needs **both** sides open to cross.
'''),
    code(r'''
# Parameters: 14 simulated days (3 of warm-up) and 5 replications per scenario.
HORIZON_DAYS = 14
REPLICATIONS = 5
SCENARIOS = ["office_hours", "baseline", "round_the_clock"]
'''),
    code(r'''
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
'''),
    md(r'''
## When can a truck cross?

We simulate one replication of each scenario and draw, for the first week (the
scenarios start on Monday 13 February 2023), when Vietnamese customs and the Chinese
acceptance of export trucks at Hữu Nghị are open, on the Vietnamese clock. The third
row of each panel is when both are open: the only time an export truck can go all the
way through.
'''),
    code(r'''
results = {name: run_once(s, replication=0) for name, s in scenarios.items()}


def overlap(a, b):
    """Intervals when both calendars are open."""
    return [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)]


WEEK = 7 * MINUTES_PER_DAY
fig, axes = plt.subplots(len(SCENARIOS), 1, figsize=(12, 2.2 * len(SCENARIOS)), sharex=True)
for ax, (name, result) in zip(axes, results.items()):
    vn = result.stage_intervals[result.stage_names.index("huu_nghi/export/vn_customs")]
    cn = result.stage_intervals[result.stage_names.index("huu_nghi/export/cn_acceptance")]
    both = overlap(vn, cn)
    rows = [("Vietnamese customs", vn, "tab:red"), ("Chinese acceptance", cn, "tab:blue"),
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
'''),
    md(r'''
Office hours give both sides together fewer than 40 hours a week; the extended hours
give 112 (16 hours a day, 7 days a week). With the same lanes, capacity is roughly
proportional to the open hours. So the question is simple arithmetic before it is
simulation: can 1,060 trucks a day be cleared in the open hours?

## Throughput, backlog and waits

We replicate each scenario and compare the key performance indicators (KPIs), each as
a mean over replications with its 95 % confidence interval.
'''),
    code(r'''
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
'''),
    md(r'''
Under office hours the crossings clear only about half of the trucks that arrive, and
the backlog grows by hundreds of trucks **every day**: the system is over capacity
($\rho > 1$ in the language of notebook 1) and has no steady state at all. Its "mean
time in system" depends on how long we simulate: the longer the run, the worse.
Extended hours bring the crossings below capacity; round the clock cuts the waits
further, mostly by removing the night's wait for the morning.

The plots show, for one replication, the trucks in the system at each midnight (note
the **logarithmic** scale: the office-hours backlog is a hundred times the others) and
how long the trucks cleared took. The second plot flatters office hours: it only counts
the trucks that were cleared before the end of the run, while thousands were still
waiting.
'''),
    code(r'''
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
'''),
    md(r'''
## The same-day clearance goal

The reason given for the extended hours was that goods should **clear the same day**.
The KPI `same_day_share` is the share of the trucks arriving (after the warm-up) that
crossed before midnight of the day they arrived, Vietnam time.
'''),
    code(r'''
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
'''),
    md(r'''
Even with the extended hours a few percent of trucks miss the goal: those that arrive
after about 22:00, when the gates close before they can be cleared.

## The Chinese side's hours

The baseline assumes that the Chinese side also extended its hours, to 24:00 Beijing
time. The only published Chinese hours are older: at Youyiguan, goods were handled
**08:00–19:00 Beijing time** from 2015 (People's Daily 2015), extended to 20:00 ahead
of Tết 2021 (SGGP Dec 2020); see `youyiguan_goods_open_hour_2015` and
`youyiguan_goods_close_hour_2015` in `seeds/figures.toml`.

What if the Vietnamese side worked until 23:00 but the Chinese side kept 08:00–19:00
Beijing time (07:00–18:00 in Hà Nội) at every crossing? We write that scenario as a few
lines of TOML that **extend** the baseline and change only `[hours.cn]`.
'''),
    code(r'''
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
'''),
    md(r'''
The crossings still keep up with the demand (the Chinese paces of 10–30 trucks per
hour suffice in 11 hours), but every truck that reaches the border after 18:00 now
waits for the next morning on one side or the other: waits grow and the share cleared
the same day falls. Extending the hours on one side only buys part of the gain; this
is why the sources speak of harmonising the working hours with China (Chi Ma,
`004_0d4c1c84ac0ec984.txt`).

## Exercises

1. **The lunch break.** Write a scenario that extends `office_hours` and removes only
   the lunch breaks (one window a day on each side). How much of the gap to the baseline
   does that close?
2. **One side round the clock.** Make the Vietnamese side work 24 hours but leave the
   Chinese side as in the baseline. Compare with `round_the_clock`. Which side's hours
   bind?
3. **A time-zone slip.** In `CN_2015`, add `timezone = "Asia/Ho_Chi_Minh"` under
   `[hours.cn]` (as if someone had typed the Chinese hours on the Vietnamese clock).
   Redraw the week plot for that scenario: what moves, and by how much?
4. **Weekends.** Office hours with weekend work (`days = "daily"` instead of
   `"mon-fri"`): is the system still over capacity? Use `backlog_growth_per_day` to
   decide.
'''),
]


# ---------------------------------------------------------------------------------------
NOTEBOOKS["04_harvest_surge.ipynb"] = [
    md(r'''
# 4. The harvest surge

In **March 2023** clearance and vehicle flows at Lạng Sơn rose sharply with the harvest
of farm produce on both sides of the border (`001_752b9a1426d99b73.txt`). Hữu Nghị
alone cleared 500–600 vehicles a day in February–March 2023, some days 800 (VNA,
30 Mar 2023). The source gives the month but not the size of the surge, so the size is
a scenario parameter. `scenarios/harvest_surge.toml` assumes:

* arrivals of **perishable** trucks (fruit and farm produce, both directions) ×1.5 from
  1 to 31 March (total demand +18 %), on top of the baseline;
* a truck of fruit waits at most about 48 hours (gamma distributed, 48 h ± 24 h) for
  clearance before it **gives up** and turns back inland: its load would spoil;
* a perishable truck more than 24 hours in the system counts as **delayed**.

We compare three scenarios, all starting on 27 February 2023:

| scenario | what changes |
|---|---|
| `harvest_surge.toml` | the surge, with the extended hours (to 23:00) of the baseline |
| `harvest_surge_office_hours.toml` | the same surge under office hours |
| `green_lane.toml` | the surge with a **green lane** on the Tân Thanh–Pò Chài road (landmark 1088/2–1089): perishable trucks are served before all other cargo at every stage of its import route |

The road 1088/2–1089 is described as a green lane for fast clearance of farm produce
(`004_0d4c1c84ac0ec984.txt`). How such a lane works is not described; here it is
modelled as pure priority, with no extra lanes.
'''),
    code(r'''
# Parameters: the scenarios' own horizon, 27 Feb to 2 Apr 2023, covers the whole of March.
HORIZON_DAYS = 35
REPLICATIONS = 5
SCENARIOS = ["harvest_surge", "harvest_surge_office_hours", "green_lane"]
'''),
    code(r'''
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
'''),
    md(r'''
## Running the scenarios

We keep the records of every replication (`run_once`) because we want more than the
standard KPIs: daily series, and times by crossing and cargo class. `kpis(result)`
gives the standard KPIs of each run.

All three scenarios share the random-number seed of the baseline, and replication `r`
of each uses the same random streams, so **the same trucks arrive** in replication `r`
of every scenario: the differences we see come from the hours and the priority, not
from luck. (Notebook 5 makes use of this.)
'''),
    code(r'''
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
'''),
    md(r'''
## Backlog, and trucks giving up

Next: the trucks in the system at each midnight and the trucks that give up each day,
both as the mean over replications, with extended hours and with office hours.
'''),
    code(r'''
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
'''),
    code(r'''
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
'''),
    md(r'''
With the extended hours the crossings absorb most of the surge, though waits grow and
some fruit trucks still give up. Under office hours the surge is a disaster: hundreds
of perishable trucks turn back every day.

Look carefully at the **mean time in system of the perishables cleared** under office
hours. It is shorter than you might expect, because the trucks that waited longest
gave up and are not in that average. This is *survivor bias*: an average over the
trucks that got through hides the ones that did not. Always read waiting times
together with the number of trucks that gave up.

## Where the surge hurts

Perishables travel mostly by the two dedicated roads. With the extended hours, which
crossings feel the surge? Below: the mean time in system at each crossing, and the
busiest stages.
'''),
    code(r'''
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
'''),
    md(r'''
The customs stages of the two dedicated roads run at or near 100 % of their open
hours during the surge: they are the bottleneck, and queues build there. (The
utilisation KPI is the share of *open* lane-time that was busy. A truck whose service
starts just before closing finishes after it; that extra time is finished work, not
capacity used while open, so it is not counted and utilisation never exceeds 100 %.)

## The green lane

`green_lane.toml` serves perishable trucks first at every stage of the import route of
the road 1088/2–1089, where they share lanes with general goods. Lanes and service
times are unchanged: **the green lane adds no capacity, it only reorders the queue.**
So whatever perishables gain, someone else must lose.

Because both scenarios see the same trucks in replication `r`, we compare them
**replication by replication**: for each `r` the difference green lane − no green lane,
then the mean of those differences with its confidence interval (notebook 5 explains
why this pairing is much more precise than comparing two separate averages).
'''),
    code(r'''
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
'''),
    md(r'''
The green lane shortens the time of perishable imports on that road and lengthens the
time of general goods: priority moves waiting from one class to another. Notice that
the error bars of the general imports overlap in the plot, yet the paired difference
printed above is clearly different from zero: comparing replication by replication
removes the variation that the two scenarios share. Whether that
is a good trade depends on what an hour of waiting costs for each load; for fruit that
spoils, an hour is worth much more than for general goods.

## Exercises

1. **A bigger harvest.** Write a scenario (TOML text and `parse_scenario`, as in
   notebook 3) that extends `harvest_surge` with a factor of 2 instead of 1.5. Define
   `[[demand.windows]]` again: a list is replaced as a whole, not merged. How many
   trucks give up per day now?
2. **Patience.** How sensitive are the results to the assumed patience? Try a mean of
   24 hours (`mean_min = 1440, sd_min = 720` in `[cargo.perishable]`).
3. **A green lane on the other road.** Perishables also use the road 1119–1120. Give
   them priority at its import stages, too (copy the stages of that route from
   `baseline.toml` and add `priority = ["perishable"]`). Who gains, who loses?
4. **What did the extended hours buy?** From the table above, estimate how many trucks
   of fruit the extended hours kept from turning back over the whole of March.
'''),
]


# ---------------------------------------------------------------------------------------
NOTEBOOKS["05_smart_gate.ipynb"] = [
    md(r'''
# 5. The smart gate

Vietnam and China are piloting a **smart gate** on the two dedicated freight roads of
the Hữu Nghị–Youyiguan pair, with the stated aims of lower logistics costs and shorter
clearance times (`000_d948ca13aa601438.txt`, `002_85207a4b9f90a005.txt`,
`003_e8a006e20b8fe092.txt`). Public reports on Decision 865/QĐ-TTg (Aug 2024) give the
targets: the road at landmark 1119–1120 from 800 to 2,000–2,500 vehicles a day, the
road 1088/2–1089 from 400 to 800–1,200 by 2027, with 24-hour unmanned operation of the
dedicated channel as the design goal; the Chinese check on the Puzhai channel is
reported to take under 15 seconds per truck (People's Daily 2026). All are in
`seeds/figures.toml`.

How the smart gate will work in detail is not public, so `scenarios/smart_gate.toml`
states its reading as **assumptions**:

* trucks **equipped** for it (electronic pre-declaration, seals) take an automated
  channel on each dedicated road: 2 automated Vietnamese lanes at about 4 minutes a
  truck and 2 automated Chinese lanes at about 2 minutes, open 24 hours; they skip the
  conventional customs, border guard and Chinese acceptance;
* perishable imports still pass plant quarantine, in the usual hours;
* everything else is the baseline's.

Three phases differ only in the share of trucks equipped: `smart_gate_pilot.toml`
(20 %), `smart_gate.toml` (50 %) and `smart_gate_full.toml` (90 %).

The question of this notebook is statistical as much as practical: **how do we tell a
real difference between two scenarios from random noise?** The answer is a *paired
comparison* with *common random numbers*.
'''),
    code(r'''
# Parameters: 14 simulated days (3 of warm-up), 10 replications per scenario.
HORIZON_DAYS = 14
REPLICATIONS = 10
PHASES = ["smart_gate_pilot", "smart_gate", "smart_gate_full"]
'''),
    code(r'''
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
'''),
    md(r'''
## Common random numbers

Replication `r` of a scenario uses the random streams of `(rng_seed, r)`, and each
source of randomness (the arrivals of each stream, the service times of each stage,
...) has its own stream. Two scenarios with the same seed therefore see **the same
trucks arrive at the same times** in replication `r`; they differ only where the
scenarios differ. Let us check it on replication 0.
'''),
    code(r'''
base0 = run_once(scenarios["baseline"], replication=0)
pilot0 = run_once(pilot, replication=0)
print("same arrival times:", np.array_equal(base0.trucks["t_arrive"], pilot0.trucks["t_arrive"]))
print("same crossings:    ", np.array_equal(base0.trucks["crossing"], pilot0.trucks["crossing"]))
print(f"equipped trucks in the pilot: {pilot0.trucks['equipped'].mean():.1%}")
'''),
    md(r'''
## The paired comparison

We replicate the baseline and the three phases. For each key performance indicator
(KPI), `compare_runs` (from `sim.comparison`) pairs replication `r` of the baseline
(A) with replication `r` of the phase (B), and estimates the mean of the differences
B − A with a Student-t 95 % confidence interval. It also gives the *unpaired* interval
(Welch's), the one we would get if we ignored the pairing. A difference is
**significant** when its interval excludes zero.
'''),
    code(r'''
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
'''),
    md(r'''
Read the table row by row:

* **Cleared per day** hardly changes: the crossings already kept up with the demand,
  and a truck cleared faster is still one truck. Look at the two intervals: the paired
  one is a small fraction of the unpaired one, because in each pair the same trucks
  arrived.
* **Time in system** falls, on the dedicated roads most of all, and so does the
  utilisation of the conventional customs lanes: equipped trucks leave them, so the
  conventional trucks wait less too.
* **Hữu Nghị gate** is identical in both: it is not part of the pilot, its trucks and
  their service times are the same random numbers, so the difference is exactly zero.

What `compare_runs` computes is simple enough to do by hand: the difference of each
pair, then `estimate` (the mean with its t interval) of those differences.
'''),
    code(r'''
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
'''),
    md(r'''
The points (one per replication, labelled by its number) lie below the diagonal: in
each pair the pilot is faster. The points also spread along the diagonal: some
replications are busier than others in *both* scenarios. The paired difference removes
that shared variation; the unpaired interval has to carry it.

## Three phases

How does the gain grow with the share of trucks equipped? Below, the paired difference
from the baseline for each phase, next to the unpaired interval of the same
difference.
'''),
    code(r'''
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
'''),
    md(r'''
## Who gains?

The KPIs `time_in_system_h.mean.equipped` and `.conventional` split the time in the
system by whether a truck was equipped. Equipped trucks gain most, but the conventional
ones gain too, because they share the conventional lanes with fewer trucks. (The
equipped trucks are spread over all crossings by their streams' routing; only on the
two dedicated roads can they use the automated channel.)
'''),
    code(r'''
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
'''),
    md(r'''
**What the scenario does not say.** The smart-gate scenarios change how trucks are
cleared, not how many come: the Decision 865 targets are capacities for a future
demand, which the `demand_growth_*_smart_gate.toml` scenarios explore. Nor do the
scenarios price anything: "lower logistics costs" would need a cost per hour of
waiting for each kind of load.

## Exercises

1. **Hours of the automated lanes.** Copy `smart_gate_pilot` into a TOML text that
   extends it and sets `[hours.smart_vn]` and `[hours.smart_cn]` to the baseline's
   hours instead of 24 hours (mind the Chinese calendar's time zone). How much of the
   pilot's gain comes from the longer hours?
2. **Enough replications?** The half-width shrinks like $1/\sqrt{n}$. How many
   replications would make the unpaired interval of `cleared_per_day` as narrow as the
   paired one with 10? Check the answer with `sim.analysis.replications_needed`.
3. **Growth.** Compare `demand_growth_2025` with `demand_growth_2025_smart_gate` (use
   `load_common` so that both get the same seed). Does the smart gate keep the backlog
   from growing (`backlog_growth_per_day`)?
4. **Without common random numbers.** Load the pilot with a different seed
   (`load_scenario("smart_gate_pilot", overrides={"rng_seed": 1, "horizon_days": HORIZON_DAYS})`),
   replicate it and compare with the baseline again. What happens to the paired interval?
'''),
]


# ---------------------------------------------------------------------------------------
NOTEBOOKS["06_write_your_own_scenario.ipynb"] = [
    md(r'''
# 6. Write your own scenario

Every question in the previous notebooks was a **scenario file** in `scenarios/`. Now
you write one. The steps are the ones a planner follows:

1. **copy** a file that is close to what you want;
2. **change** it;
3. **validate** it, and read the error messages when something is wrong;
4. **run** it;
5. **compare** it with the scenarios it should be judged against.

Our question: *what if both sides worked twelve hours a day, every day?* That is a
middle way between office hours and the extension to 23:00. Such hours are not
far-fetched: ahead of Tết 2021 Youyiguan extended its goods hours to 08:00–20:00
Beijing time (SGGP Dec 2020, `youyiguan_goods_close_hour_tet_2021` in
`seeds/figures.toml`). We assume the Vietnamese side works 07:00–19:00 and the Chinese
side 08:00–20:00 Beijing time (also 07:00–19:00 in Hà Nội).

A few rules of scenario files (the README has the full list, and `bordersim schema`
documents every field):

* `extends = "baseline.toml"` starts from another scenario; the child **merges tables
  key by key**, and **replaces** anything else, lists included: if you redefine the
  `stages` of a route or the `windows` of a calendar, write all of them.
* Units are in the names: `_min` (minutes), `_h` (hours), `_per_day`, `_per_hour`.
* Everything is validated before anything runs. Unknown keys are errors, so a typo
  cannot silently be ignored.
'''),
    code(r'''
# Parameters
HORIZON_DAYS = 14     # simulated days per run (3 of warm-up)
REPLICATIONS = 5      # replications per scenario
WORKDIR = "my_scenarios"   # your scenario files go here (next to this notebook)
'''),
    code(r'''
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from sim import ScenarioError, estimate, load_scenario, replicate
from sim.experiments.comparison import compare_runs, comparison_markdown, load_common

SCENARIOS = Path("..") / "scenarios"      # the repository's scenario files
work = Path(WORKDIR)
work.mkdir(exist_ok=True)
'''),
    md(r'''
## 1. Copy

`office_hours.toml` is the closest file: it already extends the baseline and changes
only the opening hours. We copy it. (Running this cell again starts you afresh: it
overwrites the copy.)
'''),
    code(r'''
mine = work / "twelve_hours.toml"
shutil.copy(SCENARIOS / "office_hours.toml", mine)
print(mine.read_text(encoding="utf-8"))
'''),
    md(r'''
## 2. Change

Open `my_scenarios/twelve_hours.toml` in Jupyter's editor (double-click it in the file
browser) and make these changes:

* a new `name` and `description`, and new comments at the top saying what the scenario
  asks and what it assumes;
* `[hours.vn]`: one window, `{ days = "daily", open = "07:00", close = "19:00" }`;
* `[hours.cn]`: one window, `{ days = "daily", open = "08:00", close = "20:00" }`. This
  calendar is on Beijing time: its `timezone = "Asia/Shanghai"` comes from the
  baseline.

Or run the next cell, which makes exactly these changes for you.
'''),
    code(r'''
HEADER = """\
# Twelve hours a day: both sides work 12 hours, every day.
#
# Question: with the baseline's demand, is a 12-hour day enough, or is the extension to
# 23:00 (001_752b9a1426d99b73.txt) needed?
# Source: Youyiguan extended its goods hours to 08:00-20:00 Beijing time ahead of Tet 2021
# (SGGP Dec 2020, DOMAIN.md public figures).
# ASSUMPTIONS: Vietnamese side 07:00-19:00, Chinese side 08:00-20:00 Beijing time, every day.
"""
VN_OLD = """\
windows = [
  { days = "mon-fri", open = "07:30", close = "11:30" },
  { days = "mon-fri", open = "13:30", close = "17:00" },
]"""
CN_OLD = """\
windows = [
  { days = "mon-fri", open = "08:30", close = "12:00" },
  { days = "mon-fri", open = "14:30", close = "18:00" },
]"""


def edit(text, old, new):
    """Replace `old` by `new`, insisting that `old` is there exactly once."""
    if text.count(old) != 1:
        raise ValueError(f"expected to find this once in the copy, make the change by hand:\n{old}")
    return text.replace(old, new)


text = mine.read_text(encoding="utf-8")
body = text[text.index("extends"):]                     # drop the old comments
body = edit(body, 'name = "office_hours"', 'name = "twelve_hours"')
DESCRIPTIONS = {  # how the old description lines start -> the new lines
    'description = "Baseline demand': 'description = "Baseline demand; both sides clear 12 hours a day, every day"',
    'description = "Vietnamese office hours': 'description = "Vietnamese side 07:00-19:00 every day (ASSUMPTION)"',
    'description = "Chinese office hours': 'description = "Chinese side 08:00-20:00 Beijing time, daily (ASSUMPTION)"',
}
lines = []
for line in body.splitlines():
    for start, new in DESCRIPTIONS.items():
        if line.startswith(start):
            line = new
    lines.append(line)
body = "\n".join(lines)
body = edit(body, VN_OLD, 'windows = [{ days = "daily", open = "07:00", close = "19:00" }]')
body = edit(body, CN_OLD, 'windows = [{ days = "daily", open = "08:00", close = "20:00" }]')
mine.write_text(HEADER + "\n" + body + "\n", encoding="utf-8")
print(mine.read_text(encoding="utf-8"))
'''),
    md(r'''
## 3. Validate

`load_scenario` reads the file, follows `extends`, merges, and validates the result.
The command line does the same without running anything: `bordersim validate FILE`
(or `python -m sim validate FILE`), which prints `ok` and exits with status 0, or
prints one line per problem and exits with status 2.
'''),
    code(r'''
scenario = load_scenario(mine)
print(f"{scenario.name}: {scenario.description}")
for calendar in ("vn", "cn"):
    hours = scenario.hours[calendar]
    print(f"    {calendar}: " + "; ".join(f"{w.days} {w.open}-{w.close}" for w in hours.windows)
          + f"  ({hours.timezone})")

check = subprocess.run([sys.executable, "-m", "sim", "validate", str(mine)], capture_output=True, text=True)
print(f"\n$ bordersim validate {mine}\n{check.stdout}{check.stderr}exit status {check.returncode}")
'''),
    md(r'''
### Reading a validation error

Now a file with mistakes in it, of the kinds everybody makes: a closing time that does
not exist, a misspelt key, and a stage whose `hours` names a calendar that does not
exist (`vm` for `vn`). Note that by redefining the stages of Chi Ma's export route this
file also *replaces* the whole list: Chi Ma's export trucks would no longer pass the
Chinese acceptance. The validator cannot know that this was not intended; reading the
file can.

Each problem is one line: **the file, the field (a dotted path into the scenario), the
value, and what was expected.**
'''),
    code(r'''
broken = work / "broken.toml"
broken.write_text("""\
extends = "baseline.toml"
name = "broken"

[hours.vn]
windows = [{ days = "daily", open = "07:00", close = "25:00" }]

[hours.cn]
windws = [{ days = "daily", open = "08:00", close = "20:00" }]

[[crossings.chi_ma.routes.export.stages]]
name = "vn_customs"
hours = "vm"
lanes = 3
service.default = { kind = "exponential", mean_min = 18 }
""", encoding="utf-8")

try:
    load_scenario(broken)
except ScenarioError as err:
    print(f"{len(err.problems)} problem(s):")
    for line in err.problems:
        print("   ", line)

check = subprocess.run([sys.executable, "-m", "sim", "validate", str(broken)], capture_output=True, text=True)
print(f"\n$ bordersim validate {broken}\n{check.stdout}{check.stderr}exit status {check.returncode}")
'''),
    md(r'''
The validator reports the problems in the values and keys first. The wrong calendar
name `vm` is a *cross-reference* (a name that must exist elsewhere in the scenario);
those are checked once the values are right, so it shows up after you fix the first
two. Fix `25:00` and `windws` in `my_scenarios/broken.toml` (or in the cell above),
validate again, and read the next message.

## 4. Run

Our scenario extends `office_hours`, which extends the baseline, so all three share
the baseline's random seed: replication `r` of each sees the same trucks, and we can
compare them in pairs (notebook 5). `load_common` makes sure of it, and sets the
horizon.
'''),
    code(r'''
names = ["office_hours", "twelve_hours", "baseline"]
loaded = load_common([SCENARIOS / "office_hours.toml", mine, SCENARIOS / "baseline.toml"], days=HORIZON_DAYS)
scenarios = dict(zip(names, loaded))
runs = {name: replicate(s, REPLICATIONS) for name, s in scenarios.items()}

KEYS = [
    ("cleared_per_day", "trucks cleared per day"),
    ("backlog_growth_per_day", "backlog growth (trucks/day)"),
    ("time_in_system_h.mean", "mean time in system (h)"),
    ("same_day_share", "share cleared the same day (%)"),
]
fig, axes = plt.subplots(1, len(KEYS), figsize=(15, 3.8))
for ax, (key, label) in zip(axes, KEYS):
    values = [estimate(r[key] for r in runs[n]) for n in names]
    factor = 100 if key.endswith("_share") else 1
    ax.bar(names, [factor * e.mean for e in values], yerr=[factor * e.half_width for e in values],
           capsize=5, color=["tab:red", "tab:purple", "tab:orange"])
    ax.set_title(label, fontsize=10)
    ax.set_ylabel(label)
    ax.tick_params(axis="x", rotation=20)
fig.suptitle(f"Three regimes of opening hours (mean and 95% CI, {REPLICATIONS} replications, "
             f"{HORIZON_DAYS} days)")
fig.tight_layout()
plt.show()
'''),
    md(r'''
## 5. Compare

Finally the paired comparisons: twelve hours against the office hours it was copied
from, and against the baseline's extension to 23:00.
'''),
    code(r'''
COMPARE = ["cleared_per_day", "backlog_growth_per_day", "time_in_system_h.mean",
           "time_in_system_h.p95", "same_day_share"]
for a, b in [("office_hours", "twelve_hours"), ("baseline", "twelve_hours")]:
    display(Markdown(f"**{b} against {a}**\n\n"
                     + comparison_markdown(compare_runs(runs[a], runs[b], COMPARE), a, b)))
'''),
    md(r'''
Twelve hours a day, seven days a week, make 84 open hours a week: three quarters of
the baseline's 112, and well over twice the 35 hours in which both sides are open
under office hours (notebook 3). Are they enough
to keep up with the demand (is the backlog still growing)? And what do the four hours
between 19:00 and 23:00 buy in time in the system and in same-day clearance? Your
tables above answer both.

## Exercises

1. **Your own hours.** Find the shortest daily closing hour (with both sides opening at
   07:00 Hà Nội time) for which the backlog stops growing. Use
   `backlog_growth_per_day` and its confidence interval.
2. **A wider road at Chi Ma.** The export road at Chi Ma is being widened
   (`004_0d4c1c84ac0ec984.txt`). Write a scenario that extends `harvest_surge` and gives
   Chi Ma's export customs 4 lanes instead of 2. Remember that `stages` is a list:
   copy *both* stages of the route from `baseline.toml`. Validate it, run it, and
   compare it with `harvest_surge`.
3. **Routing by expected wait.** Instead of fixed shares, let export trucks of general
   goods choose the crossing with the shortest expected wait:
   `routing = { policy = "least_expected_wait", crossings = ["road_1119_1120", "chi_ma", "huu_nghi", "coc_nam"] }`.
   What changes for the other crossings?
4. **Break it on purpose.** Make five different mistakes (a negative number of trucks,
   routing shares that do not sum to 1, a cargo class a crossing does not accept, ...)
   and read each message. Which one was hardest to understand?
'''),
]


def build(name: str, cells: list) -> nbformat.NotebookNode:
    """A notebook with no outputs, no execution counts and only the kernel's name as metadata."""
    nb = new_notebook(cells=cells, metadata=KERNEL)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{i:02d}"  # stable ids: rebuilding an unchanged notebook changes nothing
    nbformat.validate(nb)
    return nb


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), HERE / name)
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
