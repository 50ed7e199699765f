"""The quarter a channel runs in: its number, the shock's timing and this quarter's draws."""

from __future__ import annotations

from dataclasses import dataclass

from bubblescope.model._typing import FloatArray
from bubblescope.stress.context import RunContext

__all__ = ["Quarter"]


@dataclass(frozen=True, eq=False)
class Quarter:
    """Quarter ``t`` of the run.

    ``hit`` is the shock quarter itself, ``after`` any quarter from it on; ``growth`` is the
    AI revenue growth per year realised this quarter, shape (n_paths,): the growth priced in
    before the shock quarter (a scenario departs from the no-shock path at its shock
    quarter, so nothing moves before it), the scenario's for ``growth_quarters`` from the
    shock quarter on, then the growth priced in again; ``eps`` the standard-normal revenue
    noise, shape (n_paths,).
    """

    t: int
    hit: bool
    after: bool
    growth: FloatArray
    eps: FloatArray

    @classmethod
    def of(cls, ctx: RunContext, t: int, eps: FloatArray) -> Quarter:
        """Quarter ``t`` of ``ctx``'s scenario with the revenue noise ``eps``."""
        sc, prm = ctx.scenario, ctx.params
        realised = sc.shock_quarter <= t < sc.shock_quarter + sc.growth_quarters
        growth = prm.ai_revenue_growth if realised else prm.expected_ai_growth
        return cls(t, t == sc.shock_quarter, t >= sc.shock_quarter, growth, eps)
