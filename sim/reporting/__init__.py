"""Layer 5, reporting: figures, tables and reports drawn from experiments' results.

Holds the figures (``plots``, matplotlib), Markdown/HTML reports (``report``) and KPI
tables (``tables``), the names figures give crossings, ports and stages (``names``) and the
animation of a crossing (``animation``, plotly, optional).

May import: every layer below (``sim.scenario`` to ``sim.experiments``); only ``sim.cli``
sits above it.
"""
