"""The clocks (:mod:`bubblescope.when`) as JSON for the dashboard's overview card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bubblescope.dashboard.jobs import Progress
from bubblescope.model.web import Web
from bubblescope.signals.latest import latest_signal
from bubblescope.signals.registry import AI_NAMES
from bubblescope.when import LAST_YEAR, when

__all__ = ["when_json"]


def when_json(web: Web, data_dir: Path | None,
              progress: Progress | None = None) -> dict[str, Any]:
    """``when(web)`` in its one schema (``WhenResult.to_dict``, as ``when --json`` prints
    it) plus ``view``: the card's headline figures.

    The market row is the AI names' PSY reading without LPPLS (as on the signals card), so
    it matches ``/api/signals/latest`` number for number. ``progress(fraction, message)``
    hears each AI name read, then the clocks (runways run the stress presets).
    """
    signals = []
    for i, name in enumerate(AI_NAMES):
        if progress is not None:
            progress(0.6 * i / len(AI_NAMES), f"market signals: {name}")
        signals.append(latest_signal(name, data_dir, lppls=False))
    if progress is not None:
        progress(0.6, "maturity wall, runways (stress presets), the $1.9T crossing")
    result = when(web, data_dir, lppls=False, signals=signals)
    byq = result.wall_by_quarter()
    heads: list[dict[str, Any]] = []
    if not byq.empty:
        q = str(byq["total"].idxmax())
        heads.append({"label": f"Biggest quarter of the maturity wall ({q})",
                      "value": float(byq["total"].max()), "unit": "USD bn", "digits": 0})
    for r in result.runways:
        base = r.engine.get("baseline", (None, ""))[0]
        heads.append({"label": f"{r.firm}: cash runs out",
                      "text": r.static or f"beyond {LAST_YEAR}",
                      "note": f"static count; baseline stress run: {base or 'not within the run'}"})
    heads.append({"label": "AI debt passes 2008's $1.9T",
                  "text": result.crossing.quarter or "not computed",
                  "note": "from the web's ai_sector debt figures; the engine has no debt "
                          "growth yet"})
    live = [x for x in result.market if x.missing is None]
    hot = [x.name.upper() for x in live if x.explosive]
    heads.append({"label": "Market signals (last row)",
                  "text": f"{len(hot)} of {len(live)} AI names explosive" if live
                  else "no AI price data here",
                  "note": ", ".join(hot) or None})
    return {**result.to_dict(), "view": {"headlines": heads}}
