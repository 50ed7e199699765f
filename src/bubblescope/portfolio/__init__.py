"""Your portfolio through the crash: positions mapped onto the web, run through the engine.

>>> import bubblescope as bs
>>> from bubblescope.portfolio import parse_positions, run_portfolio
>>> book = parse_positions([{"issuer": "oracle", "instrument": "bond", "amount": "1"}])
>>> result = run_portfolio(bs.load_default(), book, "atlantic-crash", worst_of=())
>>> bool(result.by_position()["loss_usd_bn"].iloc[0] >= 0)
True
"""

from __future__ import annotations

from bubblescope.portfolio.mapping import Mapped, PositionMap, map_portfolio
from bubblescope.portfolio.positions import INSTRUMENTS, Portfolio, Position, parse_positions
from bubblescope.portfolio.run import CHANNELS, PortfolioResult, position_losses, run_portfolio

__all__ = ["CHANNELS", "INSTRUMENTS", "Mapped", "Portfolio", "PortfolioResult", "Position",
           "PositionMap", "map_portfolio", "parse_positions", "position_losses", "run_portfolio"]
