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
# # 6. Write your own scenario
#
# Every question in the previous notebooks was a **scenario file** in `scenarios/`. Now
# you write one. The steps are the ones a planner follows:
#
# 1. **copy** a file that is close to what you want;
# 2. **change** it;
# 3. **validate** it, and read the error messages when something is wrong;
# 4. **run** it;
# 5. **compare** it with the scenarios it should be judged against.
#
# Our question: *what if the Vietnamese side worked the Chinese side's twelve hours,
# every day, instead of extending to 23:00?* Since Tết 2021 Youyiguan's goods hours are
# 08:00–20:00 Beijing time (SGGP Dec 2020, F43, `youyiguan_goods_close_hour_tet_2021` in
# `seeds/figures.toml`), that is 07:00–19:00 in Hà Nội; the baseline keeps them. In the
# baseline the Chinese side binds (notebook 2, `bordersim capacity baseline`), so the
# Vietnamese hours after 19:00 look idle at first sight: a truck cannot cross into China
# after 19:00 anyway. We assume the Vietnamese side works 07:00–19:00, every day, and
# leave the Chinese side as it is.
#
# A few rules of scenario files (the README has the full list, and `bordersim schema`
# documents every field):
#
# * `extends = "baseline.toml"` starts from another scenario; the child **merges tables
#   key by key**, and **replaces** anything else, lists included: if you redefine the
#   `stages` of a route or the `windows` of a calendar, write all of them.
# * Units are in the names: `_min` (minutes), `_h` (hours), `_per_day`, `_per_hour`.
# * Everything is validated before anything runs. Unknown keys are errors, so a typo
#   cannot silently be ignored.

# %%
# Parameters
HORIZON_DAYS = 14     # simulated days per run (3 of warm-up)
REPLICATIONS = 5      # replications per scenario
WORKDIR = "my_scenarios"   # your scenario files go here (next to this notebook)

# %%
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

# %% [markdown]
# ## 1. Copy
#
# `office_hours.toml` is the closest file: it already extends the baseline and changes
# only the Vietnamese opening hours. We copy it. (Running this cell again starts you afresh: it
# overwrites the copy.)

# %%
mine = work / "twelve_hours.toml"
shutil.copy(SCENARIOS / "office_hours.toml", mine)
print(mine.read_text(encoding="utf-8"))

# %% [markdown]
# ## 2. Change
#
# Open `my_scenarios/twelve_hours.toml` in Jupyter's editor (double-click it in the file
# browser) and make these changes:
#
# * a new `name` and `description`, and new comments at the top saying what the scenario
#   asks and what it assumes;
# * `[hours.vn]`: one window, `{ days = "daily", open = "07:00", close = "19:00" }`.
#
# The Chinese calendar, `[hours.cn]`, is not in the file: it comes from the baseline,
# 08:00–20:00 on Beijing time (its `timezone = "Asia/Shanghai"`), which is 07:00–19:00
# in Hà Nội.
#
# Or run the next cell, which makes exactly these changes for you.

# %%
HEADER = """\
# Twelve hours a day: the Vietnamese side works the Chinese side's 12 hours, every day.
#
# Question: with the baseline's demand, and the Chinese side open 08:00-20:00 Beijing time
# (07:00-19:00 Hanoi, F42, F43), what does the Vietnamese extension to 23:00
# (001_752b9a1426d99b73.txt; F40, F41) buy over matching the Chinese hours?
# ASSUMPTIONS: Vietnamese side 07:00-19:00 every day; the Chinese side as in the baseline.
"""
VN_OLD = """\
windows = [
  { days = "mon-fri", open = "07:30", close = "11:30" },
  { days = "mon-fri", open = "13:30", close = "17:00" },
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
    'description = "Baseline demand': 'description = "Baseline demand; the Vietnamese side works 07:00-19:00, every day"',
    'description = "Vietnamese office hours': 'description = "Vietnamese side 07:00-19:00 every day (ASSUMPTION)"',
}
lines = []
for line in body.splitlines():
    for start, new in DESCRIPTIONS.items():
        if line.startswith(start):
            line = new
    lines.append(line)
body = "\n".join(lines)
body = edit(body, VN_OLD, 'windows = [{ days = "daily", open = "07:00", close = "19:00" }]')
mine.write_text(HEADER + "\n" + body + "\n", encoding="utf-8")
print(mine.read_text(encoding="utf-8"))

# %% [markdown]
# ## 3. Validate
#
# `load_scenario` reads the file, follows `extends`, merges, and validates the result.
# The command line does the same without running anything: `bordersim validate FILE`
# (or `python -m sim validate FILE`), which prints `ok` and exits with status 0, or
# prints one line per problem and exits with status 2.

# %%
scenario = load_scenario(mine)
print(f"{scenario.name}: {scenario.description}")
for calendar in ("vn", "cn"):
    hours = scenario.hours[calendar]
    print(f"    {calendar}: " + "; ".join(f"{w.days} {w.open}-{w.close}" for w in hours.windows)
          + f"  ({hours.timezone})")

check = subprocess.run([sys.executable, "-m", "sim", "validate", str(mine)], capture_output=True, text=True)
print(f"\n$ bordersim validate {mine}\n{check.stdout}{check.stderr}exit status {check.returncode}")

# %% [markdown]
# ### Reading a validation error
#
# Now a file with mistakes in it, of the kinds everybody makes: a closing time that does
# not exist, a misspelt key, and a stage whose `hours` names a calendar that does not
# exist (`vm` for `vn`). Note that by redefining the stages of Chi Ma's export route this
# file also *replaces* the whole list: any export stage of Chi Ma that it does not repeat
# would be gone (the Chinese side, the Aidian facility, stays). The validator cannot know that this was not intended; reading the
# file can.
#
# Each problem is one line: **the file, the field (a dotted path into the scenario), the
# value, and what was expected.**

# %%
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

# %% [markdown]
# The validator reports the problems in the values and keys first. The wrong calendar
# name `vm` is a *cross-reference* (a name that must exist elsewhere in the scenario);
# those are checked once the values are right, so it shows up after you fix the first
# two. Fix `25:00` and `windws` in `my_scenarios/broken.toml` (or in the cell above),
# validate again, and read the next message.
#
# ## 4. Run
#
# Our scenario, a copy of `office_hours`, extends the baseline as `office_hours` does, so
# all three share the baseline's random seed: replication `r` of each sees the same trucks, and we can
# compare them in pairs (notebook 5). `load_common` makes sure of it, and sets the
# horizon.

# %%
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

# %% [markdown]
# ## 5. Compare
#
# Finally the paired comparisons: twelve hours against the office hours it was copied
# from, and against the baseline's extension to 23:00.

# %%
COMPARE = ["cleared_per_day", "backlog_growth_per_day", "time_in_system_h.mean",
           "time_in_system_h.p95", "same_day_share"]
for a, b in [("office_hours", "twelve_hours"), ("baseline", "twelve_hours")]:
    display(Markdown(f"**{b} against {a}**\n\n"
                     + comparison_markdown(compare_runs(runs[a], runs[b], COMPARE), a, b)))

# %% [markdown]
# Twelve hours a day, seven days a week, make 84 open hours a week on the Vietnamese side:
# exactly the hours in which both sides are open in the baseline, since the Chinese side
# closes at 19:00 Hà Nội time, and more than twice the 37.5 of office hours (notebook 3).
# Are they enough to keep up with the demand (is the backlog still growing)? And what do
# the Vietnamese hours between 19:00 and 23:00 buy, when no truck can cross into China
# then? Your tables above give the sizes: the backlog does not grow, and the mean time in
# system rises by only a fraction of an hour. What the four hours still buy is small:
# the evening's import trucks, released by the Chinese side until 19:00, clear
# Vietnamese customs the same evening, and the evening's export trucks wait at the
# Chinese gate already cleared. The Chinese side binds (notebook 2): against office hours
# the Vietnamese extension mattered a great deal (notebook 3), against a day that matches
# the Chinese one it matters little. To go further, the Chinese side must open longer,
# as both sides agreed in April 2025 (to 20:00 Hà Nội time, F44).
#
# ## Exercises
#
# 1. **Your own hours.** Find the shortest daily closing hour (with both sides opening at
#    07:00 Hà Nội time) for which the backlog stops growing. Use
#    `backlog_growth_per_day` and its confidence interval.
# 2. **A wider road at Chi Ma.** The export road at Chi Ma is being widened
#    (`004_0d4c1c84ac0ec984.txt`). Write a scenario that extends `harvest_surge` and gives
#    Chi Ma's export customs 4 lanes instead of 2. Remember that `stages` is a list:
#    copy *both* stages of the route from `baseline.toml`. Validate it, run it, and
#    compare it with `harvest_surge`.
# 3. **Routing by expected wait.** Instead of fixed shares, let export trucks of general
#    goods choose the crossing with the shortest expected wait:
#    `routing = { policy = "least_expected_wait", crossings = ["road_1119_1120", "chi_ma", "huu_nghi", "coc_nam"] }`.
#    What changes for the other crossings?
# 4. **Break it on purpose.** Make five different mistakes (a negative number of trucks,
#    routing shares that do not sum to 1, a cargo class a crossing does not accept, ...)
#    and read each message. Which one was hardest to understand?

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
# ### Worked answer 1: the shortest closing hour
#
# Both sides open at 07:00 Hà Nội time (08:00 Beijing); we try closing hours from 13:00
# to 23:00 Hà Nội time (one hour later on the Chinese clock) on top of your
# `twelve_hours.toml`. The backlog has stopped growing when the confidence interval of
# `backlog_growth_per_day` reaches down to zero or below.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
growth_by_hour = {}
for close in range(13, 24):
    s = load_scenario(mine, overrides={
        "horizon_days": HORIZON_DAYS,
        "hours": {"vn": {"windows": [{"days": "daily", "open": "07:00", "close": f"{close:02d}:00"}]},
                  "cn": {"windows": [{"days": "daily", "open": "08:00", "close": f"{close + 1:02d}:00"}]}},
    })
    growth_by_hour[close] = estimate(r["backlog_growth_per_day"] for r in replicate(s, REPLICATIONS))
    g = growth_by_hour[close]
    print(f"close at {close}:00 (Beijing {close + 1}:00): backlog growth {g.mean:7.1f} ± {g.half_width:5.1f} "
          f"trucks/day" + ("" if g.low > 0 else "  <- not growing"))
keeping_up = [h for h, g in growth_by_hour.items() if g.low <= 0]
print("\nshortest closing hour that keeps up: "
      + (f"{min(keeping_up)}:00 Hà Nội time" if keeping_up else "none up to 23:00"))

# %% [markdown]
# ### Worked answer 2: a wider road at Chi Ma
#
# We copy Chi Ma's export stage from `baseline.toml` as it is (the text between its
# first export stage and its import route; the Chinese side is the Aidian facility,
# which the route keeps) and change only the customs lanes. `lanes = 2` appears once in that text, in the customs stage. Then
# validate, run and compare with `harvest_surge`, paired.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
baseline_text = (SCENARIOS / "baseline.toml").read_text(encoding="utf-8")
start = baseline_text.index("[[crossings.chi_ma.routes.export.stages]]")
export_stages = baseline_text[start:baseline_text.index("[crossings.chi_ma.routes.import]")]
wide = work / "chi_ma_wide.toml"
wide.write_text(f"""\
# Chi Ma's export road widened (004_0d4c1c84ac0ec984.txt) during the March harvest.
# ASSUMPTION: the widening doubles the export customs lanes, from 2 to 4; nothing else changes.
extends = "harvest_surge.toml"
name = "chi_ma_wide"
description = "Harvest surge; Chi Ma's export customs with 4 lanes instead of 2"

{edit(export_stages, "lanes = 2", "lanes = 4").strip()}
""", encoding="utf-8")
print(wide.read_text(encoding="utf-8"))

check = subprocess.run([sys.executable, "-m", "sim", "validate", str(wide)], capture_output=True, text=True)
print(f"$ bordersim validate {wide}\n{check.stdout}{check.stderr}exit status {check.returncode}\n")

pair = load_common(["harvest_surge", wide], days=HORIZON_DAYS)
pair_runs = [replicate(s, REPLICATIONS) for s in pair]
CHI_MA = ["cleared_per_day.chi_ma", "time_in_system_h.mean.chi_ma", "gave_up_per_day",
          "utilisation.chi_ma/export/vn_customs", "utilisation.aidian/export/cn_inspection",
          "time_in_system_h.mean"]
from sim.experiments.comparison import statements

wide_vs_surge = compare_runs(*pair_runs, CHI_MA)
display(Markdown(comparison_markdown(wide_vs_surge, "harvest_surge", "chi_ma_wide")))
for sentence in statements(wide_vs_surge, "harvest_surge", "chi_ma_wide"):
    print("-", sentence)

# %% [markdown]
# ### Worked answer 3: routing by expected wait
#
# Only the routing of the `export_general` stream changes; the policy's table replaces
# the fixed shares whole. Same seed as the baseline above, so the comparison is paired.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
least_wait = load_scenario(SCENARIOS / "baseline.toml", overrides={
    "horizon_days": HORIZON_DAYS,
    "rng_seed": scenarios["baseline"].rng_seed,
    "demand": {"streams": {"export_general": {"routing": {
        "policy": "least_expected_wait",
        "crossings": ["road_1119_1120", "chi_ma", "huu_nghi", "coc_nam"]}}}},
})
print("export_general routing:", least_wait.demand.streams["export_general"].routing)
least_wait_runs = replicate(least_wait, REPLICATIONS)
by_crossing = [f"{kpi}.{x}" for x in ("road_1119_1120", "huu_nghi", "chi_ma", "coc_nam", "road_1088_1089", "tan_thanh")
               for kpi in ("cleared_per_day", "time_in_system_h.mean")]
from sim.experiments.comparison import statements

least_vs_base = compare_runs(runs["baseline"], least_wait_runs, ["time_in_system_h.mean", *by_crossing])
display(Markdown(comparison_markdown(least_vs_base, "baseline", "least_expected_wait")))
for sentence in statements(least_vs_base, "baseline", "least_expected_wait"):
    print("-", sentence)

# %% [markdown]
# ### Worked answer 4: five mistakes on purpose
#
# Each mistake is a few lines of TOML over the baseline, validated with
# `parse_scenario`. Messages that name the field, the value and what was expected are
# quick to fix; harder are those whose cause lies elsewhere than the field they name
# (a sum over several entries, a name defined in another table). Compare the messages
# below with that in mind.

# %% jupyter={"source_hidden": true, "outputs_hidden": true} tags=["worked-answer"]
from sim import parse_scenario

MISTAKES = {
    "a negative number of trucks": """
[demand.streams.export_general]
trucks_per_day = -50
""",
    "routing shares that do not sum to 1": """
[demand.streams.export_general]
routing = { policy = "shares", shares = { road_1119_1120 = 0.5, chi_ma = 0.2 } }
""",
    "a cargo class the crossing does not accept": """
[demand.streams.export_perishable]
routing = { policy = "shares", shares = { dong_dang = 1.0 } }
""",
    "a daily profile with 3 hours instead of 24": """
[demand]
hour_of_day = [1, 1, 1]
""",
    "a distribution kind that does not exist": """
[cargo.perishable]
patience = { kind = "normal", mean_min = 2880, sd_min = 1440 }
""",
}
for what, lines in MISTAKES.items():
    print(f"--- {what}:{lines.rstrip()}")
    try:
        parse_scenario('extends = "baseline"\nname = "mistake"\n' + lines, name="mistake")
        print("accepted: no error was reported\n")
    except ScenarioError as err:
        for line in err.problems:
            print("   ", line)
        print()
