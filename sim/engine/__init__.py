"""Layer 2, the engine: one replication of a scenario, simulated with SimPy.

Holds the model (``model``: stages, yards, the per-truck path), opening calendars on the
model clock (``calendar``), drawing durations (``sampling``), arrivals (``demand``),
routing policies (``routing``), named random streams (``randomness``), the records a run
leaves (``records``) and ``run_once`` with its ``RunResult`` (``run``).

May import: ``sim.scenario``. It reads no files, prints nothing, plots nothing, touches no
global random state and imports no pandas, pyarrow or matplotlib (``tests/test_layers.py``).
"""
