"""Base class shared by every part of the scenario schema.

Scenario parts are frozen (a built model never sees a scenario change under it)
and reject unknown keys (a typo in a scenario file must not pass silently).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """A frozen, strict piece of a scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)
