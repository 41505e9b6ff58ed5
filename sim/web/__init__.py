"""Layer 7, a face: the planner's workbench in a browser (``bordersim serve``, the ``web`` extra).

A FastAPI app (``app``) of Jinja2 pages over the study API (:mod:`sim.study`), with studies run as
jobs in processes of their own (``jobs``), scenario forms generated from the scenario schema
(``forms``), one workspace folder that holds every scenario and study (``workspace``), and the
server that binds it to this machine by default (``server``).

May import: every layer below (``sim.scenario`` to ``sim.study``).
"""
