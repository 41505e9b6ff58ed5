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
# # 5. The smart gate, phase by phase
#
# Decision 865/QĐ-TTg (17 Aug 2024, F70) approves a **smart gate** on the two dedicated
# freight roads of the Hữu Nghị–Youyiguan pair and sets targets for 2027 (F71): road
# 1119–1120 from 800 to **2,000–2,500** vehicles a day, road 1088/2–1089 from 400 to
# **800–1,200**. What has been built and reported so far is much smaller (fact ids are
# those of `FACTS.md`):
#
# * the **pilot** (Nov–Dec 2025): AGVs (autonomous container trucks) shuttle farm produce
#   and electronics (F73) across a closed channel of about 2.4 km on road 1088/2–1089, six
#   of them (F80), at night, **18:30–20:00** (F78, F79);
# * **phase 1**: road 1119–1120 widened from 4 to 6 lanes (27 Nov 2025, F60);
# * the **full design**: 24-hour unmanned clearance (F74), an automated route of about
#   3.6 km carrying about 2,800 containers a day (F75), road 1119–1120 at 14 lanes (F60),
#   and the Chinese side's capacity doubled (F74).
#
# Each phase is a scenario file (`smart_gate_pilot.toml`, `smart_gate_phase1.toml`,
# `smart_gate_full.toml`), laid over the calibrated 2024 traffic (`baseline_2024`). What
# the sources do not give (the AGVs' speed, the share of trucks equipped, how the Vietnamese
# control lanes grow with the road) is marked `ASSUMPTION` in the files.
#
# Two questions: **does each phase reach its targets, and where does capacity bind?** And
# what does the night-only pilot do to the pilot goods' time at the border?

# %%
# Parameters: the capacity runs (replications and simulated days, 3 of them warm-up) and
# the paired runs of the time comparison.
CAPACITY_REPLICATIONS = 3
CAPACITY_DAYS = 8
REPLICATIONS = 4
HORIZON_DAYS = 10
PHASES = ["smart_gate_pilot", "smart_gate_phase1", "smart_gate_full"]

# %%
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from sim import estimate, load_scenario, run_once


def bordersim(*args: str) -> str:
    """Run the command line (`bordersim ...`) and return what it prints."""
    done = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout


scenarios = {name: load_scenario(name) for name in ["baseline_2024", *PHASES]}
for name, s in scenarios.items():
    print(f"{name:18} {s.description}")

print("\nroad 1088/2-1089, exports, in the pilot (Vietnamese stages, then Puzhai's):")
pilot = scenarios["smart_gate_pilot"]
stages = [*pilot.crossings["road_1088_1089"].routes["export"].stages, *pilot.facilities["puzhai"].routes["export"].stages]
for st in stages:
    w = pilot.hours[st.hours].windows[0]
    print(f"    {st.name:16} serves {st.serves:13} {st.lanes:2} lanes, open {w.open}-{w.close} ({st.hours})")

# %% [markdown]
# An **equipped** truck (a pilot truck) passes only the stages that serve `equipped` or
# `all`: the automated Vietnamese check, the AGV shuttle, the Chinese driverless lanes. A
# conventional truck passes the others. The two channels run side by side on one road.
#
# ## Where capacity binds
#
# `bordersim capacity` saturates one crossing at a time (more trucks than it could ever
# clear, in the scenario's own mix), lets the queues grow, and counts what crosses: that is
# the crossing's capacity. The **binding stage** is the last stage of the route whose queue
# keeps growing. At a smart gate both channels are saturated, each with its own trucks, so
# the figure is what the road can clear when the automated channel is full.

# %%
table = bordersim("capacity", "smart_gate_phase1", "--replications", str(CAPACITY_REPLICATIONS),
                  "--days", str(CAPACITY_DAYS))
display(Markdown(table))

# %% [markdown]
# Read the two dedicated roads' rows:
#
# * **Road 1119–1120, exports** bind at Youyiguan's inspection (`youyiguan/export/cn_inspection`):
#   the Chinese side is open 12 hours (08:00–20:00 Beijing, F43) against the Vietnamese 16,
#   and after widening the road, the Vietnamese lanes are no longer the short ones.
#   **Imports** bind at Vietnamese customs: Youyiguan's import berths were fitted generously
#   in the 2024 calibration (`CALIBRATION.md`).
# * **Road 1088/2–1089**: the conventional channel binds at Vietnamese customs or Puzhai's
#   inspection (near a tie); the automated channel binds at the **AGV shuttle**: three AGVs
#   a direction, 20 minutes a round trip, 90 minutes a day, about 13 loads a direction. The
#   pilot demonstrates the technology; it adds almost no capacity.
#
# ## The phases against the targets
#
# The same readout for every phase and both roads, against the Decision 865 targets
# (`seeds/decision_865.toml`), gives the **target table** (it is also in
# `scenarios/README.md`, generated by the command it names). *Met* means the 95 % interval
# of the capacity reaches the target's lower end. When a phase misses, the last column
# says what would have to be true, from a **capacity search**: the binding stage of each
# direction gets the lanes its measured rate per lane needs, the model measures again,
# and the search moves on to the stage that binds next, until the road reaches the target.

# %%
targets = bordersim("capacity", "--targets", "../seeds/decision_865.toml", "--replications",
                    str(CAPACITY_REPLICATIONS), "--days", str(CAPACITY_DAYS))
display(Markdown(targets))

# %% [markdown]
# Neither the pilot nor phase 1 comes near the targets: the pilot's night channel adds about
# 30 loads a day, and widening road 1119–1120 lifts it by about a quarter (to some 1,050–1,100
# a day) until Youyiguan's export inspection binds. The search says what 2,000 a day would
# take: roughly twice the Vietnamese customs lanes *and* twice Youyiguan's inspection berths,
# both sides at once, since each binds as soon as the other is relieved. The full design meets both: road
# 1088/2–1089 just (24-hour AGVs add about 200 loads a direction to a conventional channel
# still bound by Vietnamese customs), road 1119–1120 by far, because the sources' design
# figures are generous: F75's 2,800 containers a day on the automated route alone exceed the
# target, and 14 lanes with a doubled Chinese side would reach it without any automation
# (the capacity minus the column *of which automated*). The targets are consistent with the
# design, not with what has been built.
#
# The column *of which automated* is a warning too: that part of the capacity exists only
# if that many trucks are equipped. The phases equip few (5 % of the farm-produce exports,
# 10 electronics imports a day), so under real demand most trucks still need the
# conventional lanes: `demand_growth_2027_smart_gate.toml` (the full design with 2027
# demand) shows road 1088/2–1089's backlog growing day after day although its capacity in
# the table exceeds its demand.
#
# ## The pilot goods' time: a paired comparison
#
# Capacity is one thing, the time a truck spends at the border another. The pilot's
# channel is open 90 minutes a day, and an equipped truck has no other. Replication `r` of
# `baseline_2024` and of the pilot see the **same farm-produce trucks arrive at the same
# times** (common random numbers: the pilot only marks 5 % of them as equipped), so we can
# follow each pilot truck in both runs and take the difference of its hours.

# %%
base_s = load_scenario("baseline_2024", overrides={"horizon_days": HORIZON_DAYS})
pilot_s = load_scenario("smart_gate_pilot", overrides={"horizon_days": HORIZON_DAYS})
pairs = [(run_once(base_s, r), run_once(pilot_s, r)) for r in range(REPLICATIONS)]
BINS = [(0, 8), (8, 12), (12, 16), (16, 18.5), (18.5, 20), (20, 24)]


def pilot_minus_base(base, pilot, hours):
    """Hours in the system of the pilot's equipped farm-produce exports on road 1088/2-1089 arriving
    within ``hours`` (local clock), minus the same trucks' hours in the baseline run."""
    tp, tb = pilot.trucks, base.trucks
    x, per, exp = pilot.crossings.index("road_1088_1089"), pilot.cargo.index("perishable"), 0
    hour = (tp["t_arrive"] % 1440) / 60
    mine = (tp["equipped"] & (tp["crossing"] == x) & (tp["cargo"] == per) & (tp["direction"] == exp)
            & (hour >= hours[0]) & (hour < hours[1]) & (tp["t_arrive"] >= pilot.warmup_min)
            & (tp["outcome"] == 1))
    at = {t: i for i, t in enumerate(tb["t_arrive"]) if tb["cargo"][i] == per and tb["direction"][i] == exp}
    d = [(tp["t_out"][i] - tp["t_arrive"][i]) - (tb["t_out"][at[tp["t_arrive"][i]]] - tb["t_arrive"][at[tp["t_arrive"][i]]])
         for i in np.flatnonzero(mine) if tp["t_arrive"][i] in at]
    return np.mean(d) / 60 if d else np.nan


rows = []
for b in BINS:
    values = [v for v in (pilot_minus_base(base, p, b) for base, p in pairs) if not np.isnan(v)]
    rows.append(estimate(values) if len(values) > 1 else None)

fig, ax = plt.subplots(figsize=(8, 4))
for i, (b, e) in enumerate(zip(BINS, rows)):
    if e is not None:
        ax.errorbar(i, e.mean, yerr=e.half_width, fmt="o", color="tab:blue", capsize=5)
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(range(len(BINS)), [f"{a:g}-{b:g} h" for a, b in BINS])
ax.set_xlabel("arrival time (Hanoi clock)")
ax.set_ylabel("pilot minus baseline_2024 (hours)")
ax.set_title(f"Pilot farm-produce exports on road 1088/2-1089 (mean, 95% CI, {REPLICATIONS} paired replications)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Trucks arriving **in the working day** wait longer in the pilot: the conventional lanes
# would have cleared them within hours, the automated channel opens only at 18:30. Trucks
# arriving **after the Chinese side closes** (19:00 Hanoi time) but before 20:00 cross the
# same evening instead of the next morning. With 2024 demand, road 1088/2–1089 is not
# congested, so on average the night-only pilot makes its own trucks slower: the pilot is
# a test of the technology, not yet a way through the border. (The direction tests in
# `tests/test_directions_smart_gate.py` check both effects.)
#
# ## Exercises
#
# 1. **The window or the fleet?** Write a scenario that extends `smart_gate_pilot` and opens
#    the automated channel 24 hours (`[hours.smart_vn]` and `[hours.smart_cn]`, each with
#    `windows = [{ days = "daily", open = "00:00", close = "24:00" }]`). Run `bordersim
#    capacity` on it. Does road 1088/2–1089 reach its 800 a day? How many AGVs would the
#    90-minute window need for the same?

# %% [markdown] jp-MarkdownHeadingCollapsed=true
# ## Worked answers
#
# Try the exercise before you read on. In JupyterLab this section starts collapsed:
# click the arrow left of its heading to open it. The answer's code and output are
# hidden too: click the bar under its heading to show them. *Run All* runs the answer
# with the rest, so its output is there when you open it. It uses the names defined
# above and changes none of them.

# %% [markdown]
# ### Worked answer 1: the window or the fleet?
#
# The file extends the packaged pilot by name and changes only the two calendars (a table
# merges key by key, so the Chinese calendar keeps its `Asia/Shanghai` time zone). We write
# it to a temporary folder and give its path to `bordersim capacity`. With the channel
# open 24 hours, three AGVs a direction clear about 1,440 / 20.4 x 3 ≈ 210 loads a day
# instead of 13: road 1088/2–1089 gains about 400 a day and reaches the target's lower end.
# For the same from the 90-minute window, each AGV makes 90 / 20.4 ≈ 4.4 trips an evening:
# the number below.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
import json
import re
import tempfile
from pathlib import Path

text = """# The pilot with the automated channel open 24 hours (notebook 05, exercise 1).
# ASSUMPTION: everything else as smart_gate_pilot.
extends = "smart_gate_pilot"
name = "smart_gate_pilot_24h"
[hours.smart_vn]
windows = [{ days = "daily", open = "00:00", close = "24:00" }]
[hours.smart_cn]
windows = [{ days = "daily", open = "00:00", close = "24:00" }]
"""
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "smart_gate_pilot_24h.toml"
    path.write_text(text, encoding="utf-8")
    out = bordersim("capacity", str(path), "--replications", str(CAPACITY_REPLICATIONS),
                    "--days", str(CAPACITY_DAYS), "--json", str(Path(folder) / "cap.json"))
    rows_24h = json.loads((Path(folder) / "cap.json").read_text(encoding="utf-8"))
road = [r for r in rows_24h if r["crossing"] == "road_1088_1089"]
total = sum(r["loaded_per_day"] for r in road)
for r in road:
    print(f"road_1088_1089 {r['direction']}: {r['loaded_per_day']:.0f} ± {r['loaded_per_day_half_width']:.0f} "
          f"loaded/day, binding {r['binding_stage']}")
print(f"both directions: about {total:.0f} loaded trucks a day (target 800-1,200)")

per_agv_evening = 90 / 20.4
# The pilot's capacity on road 1088/2-1089, from the target table above.
pilot_capacity = float(re.search(r"pilot \(`smart_gate_pilot`\) \| road 1088/2–1089 \|[^|]*\| ([\d,]+) ±", targets)
                       .group(1).replace(",", ""))
shortfall_per_direction = (800 - pilot_capacity) / 2
extra = int(np.ceil(shortfall_per_direction / per_agv_evening))
print(f"in the 90-minute window: {shortfall_per_direction:.0f} more loads a direction / "
      f"{per_agv_evening:.1f} trips per AGV = {extra} more AGVs a direction (3 today)")
