"""Layer 4, experiments: many replications, their statistics, and where they are kept.

Holds running replications serially, in worker processes or on Dask (``replications``,
``distributed``), output analysis: confidence intervals, MSER-5, paired differences
(``analysis``), paired comparisons of two scenarios (``comparison``) with their question check
(``question``) and instability and censoring (``stability``), the results folder
(``results_folder``), comparison folders (``comparison_folder``), paths kept inside their folder
and outputs never over inputs (``confine``), the limits of a study (``bounds``), atomic writes
(``atomic``), event-log files (``event_log_file``), stopping safely (``interrupts``) and what a face
asks of a study's replications: cancel, progress, worker processes (``control``).

May import: ``sim.scenario``, ``sim.engine``, ``sim.readouts``.
"""
