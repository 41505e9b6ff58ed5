"""Queueing theory the model is checked against: the M/M/c queue (Erlang C).

Closed forms, independent of the simulation, for tests and for students.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ErlangC:
    """Steady state of an M/M/c queue.

    Attributes
    ----------
    rho : utilisation of each lane, ``lambda / (c mu)``
    p_wait : probability that an arrival waits (the Erlang C formula)
    wait_min : mean wait in queue, minutes
    in_system : mean number in the system (Little's law: ``lambda (Wq + 1/mu)``)
    """

    rho: float
    p_wait: float
    wait_min: float
    in_system: float


def erlang_c(lam_per_min: float, mean_service_min: float, lanes: int) -> ErlangC:
    """The M/M/c queue with arrival rate ``lam_per_min``, mean service and ``lanes`` servers.

    With offered load ``a = lambda / mu`` and ``rho = a / c``::

        P(wait) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))
        Wq      = P(wait) / (c mu - lambda)
    """
    mu = 1.0 / mean_service_min
    a = lam_per_min / mu
    rho = a / lanes
    if not 0 <= rho < 1:
        raise ValueError(f"Erlang C needs a stable queue: rho = {rho:.3f}, expected below 1")
    top = a**lanes / math.factorial(lanes) / (1.0 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(lanes)) + top)
    wait = p_wait / (lanes * mu - lam_per_min)
    return ErlangC(rho=rho, p_wait=p_wait, wait_min=wait, in_system=lam_per_min * (wait + mean_service_min))
