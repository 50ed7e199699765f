"""The bubble card (HOW BIG) as JSON for the overview."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from bubblescope.model.web import Web
from bubblescope.report.size import card_for

__all__ = ["OVERVIEW_FIGURES", "size_json"]

Json = dict[str, Any]

#: Card figures the overview lists first, in this order.
OVERVIEW_FIGURES: Final = ("wicksell", "revenue_gap", "debt_mix", "gdp", "gk")


def size_json(web: Web, data_dir: Path | None) -> Json:
    """Every figure of the bubble card of ``web``, its headline, and what is unavailable."""
    card = card_for(web, data_dir)
    figures = [{"key": f.key, "label": f.label, "value": f.value, "source": f.source,
                "vs_dotcom": f.vs_dotcom, "vs_2008": f.vs_2008, "seed": f.seed}
               for f in card.figures]
    by_key = {f["key"]: f for f in figures}
    return {
        "headline": card.headline,
        "headlines": [{"label": by_key[k]["label"], "text": by_key[k]["value"],
                       "note": by_key[k]["vs_dotcom"] and f"vs dot-com {by_key[k]['vs_dotcom']}"}
                      for k in OVERVIEW_FIGURES if k in by_key],
        "figures": figures,
        "unavailable": list(card.unavailable),
    }
