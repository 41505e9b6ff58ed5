"""Layer 3, readouts: what one run says, read from its records after it ends.

Holds the KPIs of a run (``kpis``), daily KPIs by crossing (``daily``), queues over time
and utilisation by hour of day (``hourly``), the headline KPI set (``headline``), everything
one replication leaves behind (``replication``) and its event log (``event_log``);
``grouping`` groups a run's records by stage and by crossing once for all of them.

May import: ``sim.scenario``, ``sim.engine``.
"""
