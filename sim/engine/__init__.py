"""Layer 2, the engine: one replication of a scenario, simulated with SimPy.

Holds the model (``model``) and its per-truck path (``path``, compiled when installed:
``sim.compiled``), opening calendars on the model clock (``calendar``), each stage's capacity
over time (``capacity``), drawing durations (``sampling``), arrivals (``demand``) with days
that differ (``day_to_day``) and demand held back in a pause (``pause_return``), dwells that
hold a truck without a lane (``dwell``), ramps of a normal day's clearances after a closure
(``ramp``), the behaviours of drivers and rules, each in its own module and built only when a
scenario uses it (route choice and re-routing: ``route_choice``; patience and turning back:
``patience``; registration slots and waiting at the origin: ``slots``; suspensions acting on
waiting trucks: ``suspension``; where a waiting truck is: ``waiting``), named random streams
(``randomness``), the records a run leaves (``records``), ``run_once`` with its ``RunResult``
(``run``), and how far a replication has got, for a face that asks (``progress``).

May import: ``sim.scenario``. It reads no files, prints nothing, plots nothing, touches no
global random state and imports no pandas, pyarrow or matplotlib (``tests/test_layers.py``).
"""

# The per-truck path (sim/engine/path.py) runs compiled when the installed build is current,
# else as plain Python: chosen here, before anything imports it (sim/compiled.py).
from sim.compiled import load_path as _load_path

_load_path()
