"""The bubble card (HOW BIG) as JSON for the overview: its one schema plus the page's view."""

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
    """The bubble card of ``web`` in its one schema (``SizeCard.to_dict()``, as
    ``bubblescope size --json`` prints it) plus ``view``: the overview's headline figures."""
    card = card_for(web, data_dir)
    payload = card.to_dict()
    by_key = {f["key"]: f for f in payload["figures"]}
    headlines = [{"label": by_key[k]["label"], "text": by_key[k]["value"],
                  "note": by_key[k]["vs_dotcom"] and f"vs dot-com {by_key[k]['vs_dotcom']}"}
                 for k in OVERVIEW_FIGURES if k in by_key]
    return {**payload, "view": {"headlines": headlines}}
