"""The error of a scenario that cannot be used: one line per problem.

Below every other scenario module, so that reading files (:mod:`sim.scenario.files`) and
``--set`` paths (:mod:`sim.scenario.overrides`) raise the same error without importing each other.
"""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
