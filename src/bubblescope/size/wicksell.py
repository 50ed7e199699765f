"""The Wicksellian deficit (SPEC M1): how far borrowing was too cheap, and for how long.

Garran (MacroStrategy Partnership, 2025) argues that capital is allocated well only when the
corporate borrowing cost is about θ = 2 pp above nominal GDP growth. The shortfall per
period is the deficit

.. math:: WD_t = g_t + θ - r_t

(percentage points a year; ``g`` nominal GDP growth, ``r`` the corporate borrowing cost).
Accumulated over time by an explicit rule it sizes the misallocated capital; episodes are
the stretches where the accumulated deficit is positive. No public code exists for the
published 17× (dot-com) and 4× (subprime) ratios: this module reports what the data gives
under each documented choice, and :func:`variants` shows how robust the ratios are.

>>> import numpy as np
>>> accumulate(np.array([1.0, -3.0, 2.0, 1.0]), "reset").tolist()
[1.0, 0.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

import numpy as np
import pandas as pd

from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.model.inputs import FIRST_DATA_LINE
from bubblescope.model.series import Series
from bubblescope.size.series import resample_mean

__all__ = [
    "FREQUENCIES",
    "RULES",
    "Allocation",
    "Episode",
    "FlowShare",
    "Frequency",
    "Rule",
    "VariantsTable",
    "WicksellConfig",
    "WicksellResult",
    "accumulate",
    "accumulate_reference",
    "allocate",
    "find_episodes",
    "nominal_growth",
    "variants",
    "wicksell",
]

Rule = Literal["reset", "positive_runs"]
Frequency = Literal["annual", "quarterly"]
RULES: Final[tuple[str, ...]] = get_args(Rule)
FREQUENCIES: Final[tuple[str, ...]] = get_args(Frequency)
_STEP: Final[dict[str, float]] = {"annual": 1.0, "quarterly": 0.25}
_PERIOD: Final[dict[str, str]] = {"annual": "Y", "quarterly": "Q"}


@dataclass(frozen=True)
class WicksellConfig:
    """Choices of the deficit computation (change by :func:`dataclasses.replace`).

    Parameters
    ----------
    theta : float
        Required premium of the borrowing cost over nominal growth, pp (Garran: 2).
    rule : {"reset", "positive_runs"}
        ``reset``: :math:`A_t = \\max(0, A_{t-1} + WD_t Δt)` (a cumulative sum that resets at
        zero); ``positive_runs``: :math:`A_t = A_{t-1} + WD_t Δt` while :math:`WD_t > 0`,
        else 0 (the sum over each run of positive deficits).
        The default is ``positive_runs``: on Moody's Baa since 1948 the ``reset`` sum never
        returns to zero, so it finds one 77-year episode and cannot tell booms apart (see
        :func:`variants` for both).
    frequency : {"annual", "quarterly"}
        Annual: calendar-year means; quarterly: quarter means of the rate and
        year-over-year growth of quarterly GDP. Δt is 1 or 0.25 years.
    dotcom_marker, subprime_marker : str
        Periods that identify the benchmark episodes: the Nasdaq Composite closing peak
        (2000-03-10) and the Case-Shiller national index peak (2006-07).
    lookback_years : float
        An episode that ended at most this long before a marker still counts as the
        marker's episode (a boom's deficit can close before prices peak).
    """

    theta: float = 2.0
    rule: Rule = "positive_runs"
    frequency: Frequency = "annual"
    dotcom_marker: str = "2000-03"
    subprime_marker: str = "2006-07"
    lookback_years: float = 2.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ScenarioError(f"rule must be one of {', '.join(RULES)}, got {self.rule!r}")
        if self.frequency not in FREQUENCIES:
            raise ScenarioError(
                f"frequency must be one of {', '.join(FREQUENCIES)}, got {self.frequency!r}")
        if not -10.0 <= self.theta <= 10.0:
            raise ScenarioError(f"theta must be between -10 and 10 pp, got {self.theta!r}")


@dataclass(frozen=True)
class Episode:
    """One stretch of positive accumulated deficit.

    ``size`` is the peak accumulated deficit in pp-years (the sum of WD·Δt), which this
    tool reads as a percentage of one year's GDP (see docs/size.md).
    """

    start: str
    end: str
    peak: str
    size: float
    years: float
    ongoing: bool

    def __str__(self) -> str:
        tail = " (ongoing)" if self.ongoing else ""
        return (f"{self.start}..{self.end}{tail}: peak {self.size:.1f} pp-years at {self.peak},"
                f" {self.years:.2f} years")

    def contains(self, period: pd.Period) -> bool:
        """Whether ``period`` (any frequency) falls inside the episode."""
        return bool(pd.Period(self.start).start_time <= period.start_time
                    and period.end_time <= pd.Period(self.end).end_time)

    @property
    def end_month(self) -> pd.Period:
        """The last month of the episode."""
        return pd.Period(pd.Period(self.end).end_time, freq="M")


@dataclass(frozen=True)
class WicksellResult:
    """The deficit, its accumulation, the episodes and the benchmark ratios."""

    config: WicksellConfig
    rate_name: str
    rate_source: str
    rate_note: str
    gdp_source: str
    periods: tuple[str, ...]
    growth: FloatArray
    rate: FloatArray
    deficit: FloatArray
    accumulated: FloatArray
    episodes: tuple[Episode, ...]
    current: Episode | None
    dotcom: Episode | None
    subprime: Episode | None
    notes: tuple[str, ...] = ()

    @property
    def ratio_dotcom(self) -> float | None:
        """Size of the current episode over the dot-com episode (``None`` if either is absent)."""
        return _ratio(self.current, self.dotcom)

    @property
    def ratio_subprime(self) -> float | None:
        """Size of the current episode over the subprime episode."""
        return _ratio(self.current, self.subprime)

    def frame(self) -> pd.DataFrame:
        """One row per period: growth, rate, deficit and accumulated deficit."""
        return pd.DataFrame({"period": self.periods, "gdp_growth": self.growth,
                             "rate": self.rate, "deficit": self.deficit,
                             "accumulated": self.accumulated})

    def __str__(self) -> str:
        c = self.config
        lines = [
            f"Wicksellian deficit WD = g + {c.theta:g} - r  ({c.frequency}, rule {c.rule}, "
            f"{self.periods[0]}..{self.periods[-1]})",
            f"  rate: {self.rate_name} ({self.rate_note or self.rate_source})",
            f"  current: {self.current or 'none'}",
            f"  dot-com: {self.dotcom or 'none'}   subprime: {self.subprime or 'none'}",
            f"  current / dot-com = {_fmt(self.ratio_dotcom)}   "
            f"current / subprime = {_fmt(self.ratio_subprime)}",
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


def _ratio(a: Episode | None, b: Episode | None) -> float | None:
    if a is None or b is None or b.size <= 0.0:
        return None
    return a.size / b.size


# --- entry point -------------------------------------------------------------------------
def wicksell(gdp: Series, rate: Series, config: WicksellConfig | None = None) -> WicksellResult:
    """Compute the deficit, accumulate it, find episodes and compare them.

    Parameters
    ----------
    gdp : Series
        Nominal GDP level, quarterly, ``usd_bn_saar``.
    rate : Series
        Corporate borrowing cost in ``percent`` (monthly, quarterly or annual).
    config : WicksellConfig, optional

    Raises
    ------
    DataError
        If the units are wrong or the two series share fewer than three periods.
    """
    config = config or WicksellConfig()
    _check_inputs(gdp, rate)
    growth = nominal_growth(gdp, config.frequency)
    rate_f = _rate_at(rate, config.frequency)
    both = pd.concat([growth.data, rate_f.data], axis=1, join="inner").dropna()
    if len(both) < 3:
        raise DataError.single(rate.name, None, "date", f"must overlap {gdp.name} by >= 3 "
                               f"{config.frequency} periods", len(both))
    g, r = both.iloc[:, 0].to_numpy(np.float64), both.iloc[:, 1].to_numpy(np.float64)
    deficit = g + config.theta - r
    step = _STEP[config.frequency]
    acc = accumulate(deficit * step, config.rule)
    periods = tuple(str(p) for p in both.index)
    episodes = find_episodes(periods, acc, step)
    dotcom, subprime = _benchmark(episodes, config, config.dotcom_marker), _benchmark(
        episodes, config, config.subprime_marker)
    current = episodes[-1] if episodes else None
    return WicksellResult(
        config, rate.name, rate.source, rate.note, gdp.source, periods, g, r, deficit, acc,
        episodes, current, dotcom, subprime, _notes(current, dotcom, subprime, periods, gdp),
    )


def _check_inputs(gdp: Series, rate: Series) -> None:
    if gdp.unit != "usd_bn_saar" or gdp.freq != "Q":
        raise DataError.single(gdp.name, None, "unit", "must be quarterly nominal GDP in USD bn "
                               "(usd_bn_saar, Q)", f"{gdp.unit}, {gdp.freq}")
    if rate.unit != "percent":
        raise DataError.single(rate.name, None, "unit", "must be a yield in percent", rate.unit)


def nominal_growth(gdp: Series, frequency: Frequency) -> Series:
    """Nominal GDP growth in percent: annual means year on year, or quarters year on year.

    Examples
    --------
    >>> from bubblescope.size.series import make_series
    >>> q = make_series("gdp", ["2000Q1", "2000Q2", "2000Q3", "2000Q4", "2001Q1"],
    ...                 [100, 101, 102, 103, 105.06], unit="usd_bn_saar", freq="Q")
    >>> round(float(nominal_growth(q, "quarterly").data.iloc[0]), 2)
    5.06
    """
    if frequency == "annual":
        levels = resample_mean(gdp, "Y", min_obs=4).data
        growth = levels.pct_change() * 100.0
    else:
        growth = gdp.data.pct_change(4) * 100.0
    growth = growth.dropna()
    return Series.from_periods(f"{gdp.name}_growth", growth, "percent",
                               "Y" if frequency == "annual" else "Q", gdp.source, gdp.note)


def _rate_at(rate: Series, frequency: Frequency) -> Series:
    target = _PERIOD[frequency]
    if rate.freq == target:
        return rate
    need = {("M", "Y"): 12, ("M", "Q"): 3, ("Q", "Y"): 4, ("D", "Q"): 40, ("D", "Y"): 200}
    return resample_mean(rate, target, min_obs=need.get((rate.freq, target), 1))  # type: ignore[arg-type]


# --- kernels -------------------------------------------------------------------------------
def accumulate(increments: FloatArray, rule: Rule) -> FloatArray:
    """Accumulate deficit increments by ``rule`` (vectorised).

    Parameters
    ----------
    increments : ndarray of shape (n_periods,)
        :math:`WD_t Δt`, pp-years.
    rule : {"reset", "positive_runs"}

    Returns
    -------
    ndarray of shape (n_periods,)
        The accumulated deficit :math:`A_t \\ge 0`.

    Notes
    -----
    ``reset`` is the Lindley recursion :math:`A_t = \\max(0, A_{t-1} + x_t)`, whose closed
    form is :math:`A_t = S_t - \\min(0, \\min_{s \\le t} S_s)` with :math:`S_t = \\sum x`.
    ``positive_runs`` sums each maximal run of positive increments.
    """
    x = np.asarray(increments, dtype=np.float64)
    if rule == "reset":
        s = np.cumsum(x)
        return s - np.minimum(np.minimum.accumulate(s), 0.0)
    positive = x > 0.0
    totals = np.cumsum(np.where(positive, x, 0.0))
    base = np.maximum.accumulate(np.where(positive, 0.0, totals))
    return np.where(positive, totals - base, 0.0)


def accumulate_reference(increments: Sequence[float], rule: Rule) -> FloatArray:
    """Slow, obvious twin of :func:`accumulate` (a plain loop)."""
    out: list[float] = []
    level = 0.0
    for x in increments:
        if rule == "reset":
            level = max(0.0, level + x)
        elif x > 0.0:
            level = level + x
        else:
            level = 0.0
        out.append(level)
    return np.asarray(out, dtype=np.float64)


def find_episodes(periods: Sequence[str], accumulated: FloatArray, step: float
                  ) -> tuple[Episode, ...]:
    """Maximal runs of positive accumulated deficit, with their peak as size.

    Parameters
    ----------
    periods : sequence of str, length n
    accumulated : ndarray of shape (n,)
    step : float
        Years per period (1 or 0.25).
    """
    positive = np.asarray(accumulated) > 1e-12
    out: list[Episode] = []
    i, n = 0, len(periods)
    while i < n:
        if not positive[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and positive[j + 1]:
            j += 1
        k = i + int(np.argmax(accumulated[i:j + 1]))
        out.append(Episode(periods[i], periods[j], periods[k], float(accumulated[k]),
                           (j - i + 1) * step, j == n - 1))
        i = j + 1
    return tuple(out)


def _benchmark(episodes: Iterable[Episode], config: WicksellConfig, marker: str) -> Episode | None:
    when = pd.Period(marker, freq="M")
    for e in episodes:
        if e.contains(when):
            return e
    back = [e for e in episodes
            if 0 <= (when - e.end_month).n <= 12 * config.lookback_years]
    return back[-1] if back else None


def _notes(current: Episode | None, dotcom: Episode | None, subprime: Episode | None,
           periods: Sequence[str], gdp: Series) -> tuple[str, ...]:
    notes = [f"data end at {periods[-1]} (GDP to {gdp.last_period}); later quarters are not "
             "estimated"]
    if pd.Period(periods[0]).start_time > pd.Timestamp("1995-01-01"):
        notes.append(f"the rate series starts at {periods[0]}: the dot-com episode may be "
                     "truncated")
    if current is not None and not current.ongoing:
        notes.append(f"no open episode at {periods[-1]}: 'current' is the latest ({current.start}"
                     f"..{current.end})")
    for label, bench in (("dot-com", dotcom), ("subprime", subprime)):
        if bench is None:
            notes.append(f"no {label} episode found by this rule and data")
        elif bench == current:
            notes.append(f"the {label} episode is the current one: the rule finds one long "
                         "episode, so the ratio is 1 by construction")
    return tuple(notes)


# --- robustness table ----------------------------------------------------------------------
@dataclass(frozen=True)
class VariantsTable:
    """Benchmark ratios under every combination of rate series, frequency, rule and θ."""

    table: pd.DataFrame

    def __str__(self) -> str:
        shown = self.table.copy()
        for col in ("ratio_dotcom", "ratio_subprime", "current_size"):
            shown[col] = shown[col].map(lambda v: "n/a" if pd.isna(v) else f"{v:.2f}")
        return "Wicksellian deficit variants\n" + shown.to_string(index=False)

    @property
    def ratio_range(self) -> tuple[float, float, float, float]:
        """(min, max) of the dot-com ratio, then of the subprime ratio.

        Variants whose current episode *is* a benchmark episode (ratio 1 by construction)
        are left out; NaN when no variant separates the episodes.
        """
        t = self.table[~self.table["same_episode"].astype(bool)]
        d, s = t["ratio_dotcom"].dropna(), t["ratio_subprime"].dropna()
        nan = float("nan")
        return (float(d.min()) if len(d) else nan, float(d.max()) if len(d) else nan,
                float(s.min()) if len(s) else nan, float(s.max()) if len(s) else nan)


def variants(
    gdp: Series,
    rates: Mapping[str, Series],
    thetas: Sequence[float] = (1.0, 2.0, 3.0),
    rules: Sequence[Rule] = ("reset", "positive_runs"),
    frequencies: Sequence[Frequency] = ("annual", "quarterly"),
    base: WicksellConfig | None = None,
) -> VariantsTable:
    """Run :func:`wicksell` on the grid rates × frequencies × rules × thetas."""
    base = base or WicksellConfig()
    rows = []
    for name, rate in rates.items():
        for freq in frequencies:
            for rule in rules:
                for theta in thetas:
                    cfg = WicksellConfig(theta, rule, freq, base.dotcom_marker,
                                         base.subprime_marker, base.lookback_years)
                    rows.append(_variant_row(name, wicksell(gdp, rate, cfg)))
    return VariantsTable(pd.DataFrame(rows))


def _variant_row(name: str, res: WicksellResult) -> dict[str, object]:
    c = res.config
    return {
        "rates": name, "frequency": c.frequency, "rule": c.rule, "theta": c.theta,
        "span": f"{res.periods[0]}..{res.periods[-1]}",
        "current": "" if res.current is None else f"{res.current.start}..{res.current.end}",
        "current_size": None if res.current is None else res.current.size,
        "ratio_dotcom": res.ratio_dotcom, "ratio_subprime": res.ratio_subprime,
        "same_episode": res.current is not None and res.current in (res.dotcom, res.subprime),
    }


# --- allocation across asset classes -----------------------------------------------------------
@dataclass(frozen=True)
class FlowShare:
    """Capital flow into one asset class over the current episode (the tool's assumption)."""

    asset_class: str
    flow: float
    period: str
    measure: str
    source: str
    confidence: str
    note: str = ""


@dataclass(frozen=True)
class Allocation:
    """The current episode split across asset classes in proportion to their flows.

    ``sizes`` are pp-years per asset class; ``usd_bn`` converts pp-years to USD bn with
    the latest annual nominal GDP (1 pp-year = 1 % of that GDP) — an assumption, labelled.
    """

    episode: Episode
    flows: tuple[FlowShare, ...]
    shares: FloatArray
    sizes: FloatArray
    usd_bn: FloatArray
    gdp_usd_bn: float
    label: str = "ASSUMPTION: flow shares are the tool's own sourced guess, not a measurement"

    def __str__(self) -> str:
        lines = [f"Allocation of the current episode ({self.episode.size:.1f} pp-years) — "
                 f"{self.label}"]
        for f, sh, sz, usd in zip(self.flows, self.shares, self.sizes, self.usd_bn, strict=True):
            lines.append(f"  {f.asset_class:<24} {sh:6.1%}  {sz:6.1f} pp-yr  ~${usd:,.0f}bn  "
                         f"[{f.confidence}] {f.source}")
        return "\n".join(lines)


def allocate(result: WicksellResult, flows: Sequence[FlowShare], gdp: Series) -> Allocation:
    """Split the current episode across asset classes by flow shares.

    Raises
    ------
    DataError
        If there is no current episode, no flows, or a flow is not positive.
    """
    if result.current is None:
        raise DataError.single("wicksell", None, "episodes", "must include a current episode "
                               "to allocate", "none")
    # flows come in file order, so flow k (from 0) is on line k + FIRST_DATA_LINE
    bad = [k for k, f in enumerate(flows) if not f.flow > 0.0]
    if not flows or bad:
        raise DataError.single("flow_shares.csv", bad[0] + FIRST_DATA_LINE if bad else None,
                               "flow_usd_bn", "must be positive numbers (USD bn)",
                               "none" if not flows else flows[bad[0]].flow)
    values = np.array([f.flow for f in flows], dtype=np.float64)
    shares = values / values.sum()
    sizes = shares * result.current.size
    gdp_level = float(resample_mean(gdp, "Y", min_obs=4).data.iloc[-1])
    return Allocation(result.current, tuple(flows), shares, sizes, sizes / 100.0 * gdp_level,
                      gdp_level)

