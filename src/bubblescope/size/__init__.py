"""HOW BIG: sizing the bubble.

One module per measure, each a function returning a frozen result that prints as its
summary: :mod:`~bubblescope.size.wicksell` (M1), :mod:`~bubblescope.size.goldfarb_kirsch`
(M2), :mod:`~bubblescope.size.scaling` (M3), :mod:`~bubblescope.size.revenue_gap` (M4),
:mod:`~bubblescope.size.debt_mix` (M5), :mod:`~bubblescope.size.circularity` and
:mod:`~bubblescope.size.concentration` (M6), :mod:`~bubblescope.size.gdp_contribution`
(M12). Loaders for the bundled tables are in :mod:`~bubblescope.size.data` (the edge);
:func:`card` puts every measure on one bubble card.
"""

from bubblescope.size.bubble_card import SizeCard, card
from bubblescope.size.circularity import cycles, roles, round_trips
from bubblescope.size.concentration import concentration, hhi
from bubblescope.size.debt_mix import debt_mix
from bubblescope.size.gdp_contribution import gdp_contribution
from bubblescope.size.goldfarb_kirsch import score
from bubblescope.size.revenue_gap import break_even, revenue_gap, sequoia_required_revenue
from bubblescope.size.scaling import fit_scaling
from bubblescope.size.wicksell import WicksellConfig, allocate, variants, wicksell

__all__ = [
    "SizeCard",
    "WicksellConfig",
    "allocate",
    "break_even",
    "card",
    "concentration",
    "cycles",
    "debt_mix",
    "fit_scaling",
    "gdp_contribution",
    "hhi",
    "revenue_gap",
    "roles",
    "round_trips",
    "score",
    "sequoia_required_revenue",
    "variants",
    "wicksell",
]
