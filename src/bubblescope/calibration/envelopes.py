"""The historical envelopes a stress preset is compared with: dot-com, 2008, 2022 tech.

An :class:`Envelope` gathers, for one figure of the calibration table, what each episode
did (measured by :mod:`bubblescope.calibration.history` or cited from
``data/history/cited.yaml``) and the worst of them. A preset's figure lies *inside* the
envelope when it is no worse than the worst episode; a figure outside needs a written
reason in the preset (``calibration_notes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from bubblescope.calibration.history import Measured
from bubblescope.data import data_path
from bubblescope.model.errors import DataError
from bubblescope.model.inputs import load_yaml, read_input_text, yaml_item_lines

__all__ = ["EPISODE_NAMES", "METRICS", "SHORT", "Cited", "Envelope", "Metric", "envelopes",
           "load_cited"]

EPISODE_NAMES: Final[tuple[str, ...]] = ("dot-com", "2008", "2022 tech")
Direction = Literal["higher_worse", "lower_worse"]


@dataclass(frozen=True)
class Metric:
    """One figure of the table: its label, unit and which history rows make its envelope.

    ``rows`` maps an episode to ``(metric name in the history rows, pick)`` where ``pick``
    is ``"max"``, ``"min"`` or a series name (e.g. ``"MSFT"``).
    """

    key: str
    label: str
    unit: str
    direction: Direction
    rows: Mapping[str, tuple[str, tuple[str, ...]]]


_HYPERSCALERS_2022 = ("MSFT", "AMZN", "GOOGL", "META", "ORCL")
_CHIPS_2022 = ("NVDA", "AMD", "AVGO")

#: The figures of the calibration table and where each episode's value comes from.
METRICS: Final[tuple[Metric, ...]] = (
    Metric("hyperscaler_drawdown", "hyperscaler equity drawdown (worst firm)", "fraction",
           "higher_worse", {"dot-com": ("large_cap_drawdown", ("MSFT",)),
                            "2008": ("large_cap_drawdown", ("MSFT",)),
                            "2022 tech": ("large_cap_drawdown", _HYPERSCALERS_2022)}),
    Metric("chipmaker_drawdown", "chipmaker equity drawdown (worst firm)", "fraction",
           "higher_worse", {"dot-com": ("chipmaker_drawdown", ("NVDA",)),
                            "2008": ("chipmaker_drawdown", ("NVDA",)),
                            "2022 tech": ("large_cap_drawdown", _CHIPS_2022)}),
    Metric("pure_play_drawdown", "pure-play equity drawdown (worst firm)", "fraction",
           "higher_worse", {"dot-com": ("pure_play_drawdown", ())}),
    Metric("ai_index_drawdown", "AI index peak-to-trough", "fraction", "higher_worse",
           {"dot-com": ("index_drawdown", ("Nasdaq Composite",)),
            "2008": ("market_drawdown", ("S&P 500",)),
            "2022 tech": ("index_drawdown", ("Nasdaq Composite",))}),
    Metric("gpu_rental_trough_usd_h", "H100-equivalent rental trough", "USD/h", "lower_worse",
           {"2025 cycle low": ("gpu_rental_trough_usd_h", ())}),
    Metric("bbb_spread_peak_pct", "BBB spread peak", "%", "higher_worse",
           {e: ("bbb_oas_peak", ()) for e in EPISODE_NAMES}),
    Metric("hy_spread_peak_pct", "high-yield spread peak", "%", "higher_worse",
           {e: ("hy_oas_peak", ()) for e in EPISODE_NAMES}),
    Metric("defaulted_usd_bn_year", "defaulted debt, worst year", "USD bn", "higher_worse",
           {"dot-com": ("defaulted_usd_bn_year", ()), "2008": ("defaulted_usd_bn_year", ())}),
    Metric("default_rate", "default rate, worst year (dollar-weighted)", "fraction",
           "higher_worse", {"dot-com": ("default_rate", ())}),
    Metric("downgraded_usd_bn", "downgraded to junk", "USD bn", "higher_worse",
           {"2008": ("downgraded_usd_bn", ())}),
    Metric("downgraded_share", "downgraded share of investment-grade debt", "fraction",
           "higher_worse", {"dot-com": ("downgraded_share", ())}),
    Metric("ig_issuers_downgraded_share", "investment-grade issuers downgraded, worst year",
           "fraction", "higher_worse", {"dot-com": ("ig_issuers_downgraded_share", ())}),
    Metric("private_credit_default_rate", "private-credit pool default rate, trailing-year peak",
           "fraction", "higher_worse", {"2008": ("private_credit_default_rate", ())}),
    Metric("private_credit_nav_drawdown", "private-credit fund NAV per share, largest fall",
           "fraction", "higher_worse", {"2008": ("private_credit_nav_drawdown", ())}),
    Metric("regulated_loss_share", "bank/insurer losses, share of capital (worst)",
           "fraction", "higher_worse", {"2008": ("regulated_loss_share", ())}),
    Metric("gdp_yoy_trough", "real GDP growth trough (year on year)", "fraction",
           "lower_worse", {"dot-com": ("gdp_yoy_trough", ()), "2008": ("gdp_yoy_trough", ())}),
    Metric("jobs_millions", "US jobs (trough, vs no-shock path)", "million", "lower_worse",
           {"dot-com": ("jobs_millions", ()), "2008": ("jobs_millions", ())}),
)


#: Short labels for narrow tables.
SHORT: Final[dict[str, str]] = {
    "hyperscaler_drawdown": "hyperscaler dd",
    "chipmaker_drawdown": "chipmaker dd",
    "pure_play_drawdown": "pure-play dd",
    "ai_index_drawdown": "AI index dd",
    "gpu_rental_trough_usd_h": "H100 $/h low",
    "bbb_spread_peak_pct": "BBB peak %",
    "hy_spread_peak_pct": "HY peak %",
    "defaulted_usd_bn_year": "defaults $bn/y",
    "default_rate": "default rate",
    "downgraded_usd_bn": "junked $bn",
    "downgraded_share": "junked share",
    "ig_issuers_downgraded_share": "IG issuers down",
    "private_credit_default_rate": "PC default rate",
    "private_credit_nav_drawdown": "PC NAV fall",
    "regulated_loss_share": "bank/ins loss",
    "gdp_yoy_trough": "GDP yoy low",
    "jobs_millions": "US jobs M",
}


@dataclass(frozen=True)
class Cited:
    """A cited history figure (a source row of ``cited.yaml``)."""

    metric: str
    episode: str
    value: float
    unit: str
    source: str
    note: str
    confidence: str


@dataclass(frozen=True)
class Envelope:
    """What each episode did for one figure, and the worst of them."""

    metric: Metric
    episodes: Mapping[str, float] = field(default_factory=dict)
    basis: Mapping[str, str] = field(default_factory=dict)

    @property
    def worst(self) -> float:
        """The worst episode's value (highest or lowest by the metric's direction)."""
        vals = list(self.episodes.values())
        return max(vals) if self.metric.direction == "higher_worse" else min(vals)

    def inside(self, value: float) -> bool:
        """Whether ``value`` is no worse than the worst episode (NaN: not reported)."""
        if value != value:  # NaN: the figure is not produced by the run
            return True
        if self.metric.direction == "higher_worse":
            return value <= self.worst + 1e-9
        return value >= self.worst - 1e-9


def envelopes(measured: tuple[Measured, ...], cited: tuple[Cited, ...]
              ) -> dict[str, Envelope]:
    """Build the envelope of every metric in :data:`METRICS` from measured and cited rows.

    Raises
    ------
    DataError
        A metric's episode has no row to take its value from.
    """
    out = {}
    for m in METRICS:
        values: dict[str, float] = {}
        basis: dict[str, str] = {}
        for episode, (name, pick) in m.rows.items():
            values[episode], basis[episode] = _pick(m, episode, name, pick, measured, cited)
        out[m.key] = Envelope(m, values, basis)
    return out


def _pick(m: Metric, episode: str, name: str, pick: tuple[str, ...],
          measured: tuple[Measured, ...], cited: tuple[Cited, ...]) -> tuple[float, str]:
    rows = [r for r in measured if r.metric == name and r.episode == episode
            and (not pick or r.series in pick)]
    if rows:
        sign = 1.0 if m.direction == "higher_worse" else -1.0
        best = max(rows, key=lambda r: sign * r.value)
        return best.value, f"measured: {best.series}, {best.how}"
    hits = [c for c in cited if c.metric == name and c.episode == episode]
    if not hits:
        raise DataError.single("cited.yaml", None, name,
                               f"must have a row for episode {episode!r} (metric {m.key})", "")
    return hits[0].value, f"cited: {hits[0].source}"


def load_cited(path: Path | None = None) -> tuple[Cited, ...]:
    """Read the cited rows (default: the bundled ``data/history/cited.yaml``).

    Raises
    ------
    DataError
        Naming the file, the line the item starts on and the field of an item missing a
        field or holding a non-number.
    """
    path = path or data_path("history", "cited.yaml")
    text = read_input_text(path)
    rows = load_yaml(text, str(path)) or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError.single(path.name, None, "file", "must be a YAML list of mappings",
                               type(rows).__name__)
    out = []
    for i, row in zip(yaml_item_lines(text), rows, strict=True):
        for key in ("metric", "episode", "value", "unit", "source", "confidence"):
            if key not in row:
                raise DataError.single(path.name, i, key, "is required", "")
        value = row["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError.single(path.name, i, "value", "must be a number", value)
        out.append(Cited(str(row["metric"]), str(row["episode"]), float(value),
                         str(row["unit"]), str(row["source"]), str(row.get("note", "")),
                         str(row["confidence"])))
    return tuple(out)
