"""Limits of a scenario: what one run can hold on the reference machine (2 cores, 24 GB).

Every number a scenario file can set is finite and within the bounds below;
``bordersim validate`` checks them before anything is built, so that a file it
accepts runs without crashing or exhausting memory. They are derived from
measurements of the engine (a baseline replication of 4.5 million trucks peaked at
1.8 GB and took 25 s to run and encode; each of two worker processes holds one
replication at a time) and from the types of the record tables (cargo classes are
stored as int8, stages and crossings as int16).
The README's scenario section lists them; change them here only.
"""

from __future__ import annotations

from datetime import date

# -- size of a run -------------------------------------------------------------------------------
#: Expected trucks in one replication (arrivals at the largest shaping factors, plus the initial
#: backlog): about 2 GB and half a minute per replication, with a wide margin (x 2 to 3)
#: for scenarios with more stages per truck.
MAX_TRUCKS_PER_RUN = 5_000_000
#: Simulated days (ten years).
MAX_HORIZON_DAYS = 3660
#: Cargo classes (stored as int8 in the truck records).
MAX_CARGO_CLASSES = 100
#: Crossings, streams and opening calendars, each.
MAX_CROSSINGS = 100
MAX_STREAMS = 1000
MAX_CALENDARS = 1000
#: Stages of one route, and of the whole scenario (stored as int16 in the stage records).
MAX_STAGES_PER_ROUTE = 50
MAX_STAGES = 1000
#: Lanes of one stage, trucks in the initial backlog of one entry, and any count or quota.
MAX_LANES = 10_000
MAX_COUNT = 10_000_000
#: Windows, closures and special days of one calendar (or closures of one crossing), demand windows.
MAX_WINDOWS = 48
MAX_CLOSURES = 500
MAX_DEPARTURES = 96
MAX_DEMAND_WINDOWS = 1000
MAX_BRANCHES = 100

# -- sampling the queues over time ---------------------------------------------------------------
#: Shortest interval between queue samples, minutes.
MIN_QUEUE_SAMPLE_MIN = 1.0
#: Queue samples of one run (horizon / interval) times its stages: about 400 MB of int64 counts.
MAX_QUEUE_SAMPLES = 50_000_000

# -- numbers -------------------------------------------------------------------------------------
#: Durations (service, patience), minutes: positive ones at least this, all at most that (a year).
MIN_DURATION_MIN = 0.001
MAX_DURATION_MIN = 525_600.0
#: Arrivals of one stream per day, trucks per hour of a paced stage, multipliers of arrivals.
MAX_TRUCKS_PER_DAY = 1_000_000.0
MIN_TRUCKS_PER_HOUR = 0.001
MAX_TRUCKS_PER_HOUR = 100_000.0
MAX_FACTOR = 1000.0
#: Compound growth of demand per year (100 = +10,000 %; what it does to demand is bounded by
#: MAX_TRUCKS_PER_RUN, and a warning flags anything above 1).
MAX_GROWTH_PER_YEAR = 100.0
#: Road length one queueing truck takes, metres; the delay threshold of perishables, hours.
MAX_ROAD_M_PER_TRUCK = 1000.0
MAX_HOURS = 87_840.0
#: Money (a truckload's value, the cost of a truck-hour), VND; distances, km; speeds, km/h.
MAX_VND = 1e15
MAX_KM = 1000.0
MIN_SPEED_KMH = 0.1
MAX_SPEED_KMH = 200.0
#: Random seed (a TOML integer is 64-bit).
MAX_RNG_SEED = 2**63 - 1

# -- dates ---------------------------------------------------------------------------------------
#: Every date and date-time of a scenario lies in this range (both ends included).
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2200, 12, 31)

# -- files ---------------------------------------------------------------------------------------
#: Largest scenario file read, bytes; longest `extends` chain (the file itself not counted).
MAX_FILE_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 16

# -- nesting ---------------------------------------------------------------------------------------
#: Tables and arrays inside one another, in a scenario file or a `--set` value (a scenario nests
#: about ten deep: crossings.X.routes.export.stages[0].service.default.branches[0].duration).
MAX_NESTING = 32

# -- studies: what one command may ask for ----------------------------------------------------------
#: Replications of one run, comparison side, sweep point or calibration point (the manifest of a
#: results folder records each: about 1 KB a replication, rewritten after each one).
MAX_REPLICATIONS = 10_000
#: Points of a sweep grid, a Latin hypercube or a Morris design (point files are numbered p0000..p9999).
MAX_POINTS = 10_000
#: Replication runs of one sweep or sensitivity analysis (points x replications).
MAX_POINT_RUNS = 100_000
#: Morris grid levels.
MAX_LEVELS = 100
#: `capacity --overload`: demand as a multiple of each route's upper bound (more only adds trucks
#: that wait: the throughput measured is the same once the route is saturated).
MAX_OVERLOAD = 10.0

# -- files read ------------------------------------------------------------------------------------
#: Other input files a person writes (targets, the smart-gate decision file, a Markdown file whose
#: table block is replaced), bytes.
MAX_INPUT_BYTES = 10_000_000
#: Files bordersim writes and reads back (a results folder's manifest, a sweep's design and point
#: files, a comparison's manifest), bytes: a manifest of MAX_REPLICATIONS replications with records
#: is about 10 MB.
MAX_RESULT_FILE_BYTES = 64_000_000
