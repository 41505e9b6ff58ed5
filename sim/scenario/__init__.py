"""Layer 1, the scenario: what a planner writes, read and validated before anything runs.

Holds the schema (``schema``: crossings, stages, demand, reporting; ``hours``: opening
calendars; ``distributions``: service-time laws; ``spec``: the strict base model and bounded
dates; ``limits``: every limit of a scenario, one documented constant each),
reading TOML files with ``extends`` and ``[set]`` patches and the one-line error messages
(``files``; the error itself in ``errors``, below ``overrides``, the ``--set`` paths), and the
source documents' figures (``figures``).

May import: nothing else from ``sim`` (only ``sim.version``). Every other layer builds on it.
"""
