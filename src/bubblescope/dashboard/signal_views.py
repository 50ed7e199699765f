"""Market signals (WHEN) as JSON for the signals page: PSY episodes, BSADF and an LPPLS fit.

Every series gets its one standard reading (:func:`~bubblescope.signals.reading.
standard_reading`: the whole registered sample, PSY's window, critical values from the
shipped table) and the analysis `bubblescope signals` makes by default
(:func:`~bubblescope.signals.analysis.analyse`: PSY and the LPPLS confidence at the last
date), sent in its one schema (:meth:`SignalsResult.to_dict
<bubblescope.signals.analysis.SignalsResult.to_dict>`, as ``signals --json`` prints it).
The page's own presentation is under ``view``: the price series it charts, an LPPLS curve
fitted to the run-up (start to highest price) drawn over it, and the headlines. The table
makes the critical values instant, so nothing is thinned or cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from bubblescope.dashboard.jobs import Progress as JobProgress
from bubblescope.datadir import default_cache_dir
from bubblescope.model._typing import FloatArray
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import numbered, parse_decimal
from bubblescope.model.parse import Row
from bubblescope.signals import (
    REGISTRY,
    LpplsFit,
    Series,
    fit_lppls,
    load_named,
    make_series,
)
from bubblescope.signals.analysis import SignalsResult
from bubblescope.signals.analysis import analyse as analyse_signals
from bubblescope.signals.latest import latest_signals
from bubblescope.signals.reading import Reading, select, standard_reading

__all__ = ["LATEST_NAMES", "UPLOAD", "analyse", "latest", "lppls_curve", "named",
           "series_list", "uploaded"]

Json = dict[str, Any]

#: Series the overview's "When does it break?" card reads.
LATEST_NAMES: Final = ("nvda", "msft", "orcl", "qqq", "nasdaq")
UPLOAD: Final = "uploaded series"


def series_list(data_dir: Path | None) -> list[Json]:
    """Registered series that can be loaded here (bundled, or present in ``data_dir``)."""
    return [{"name": s.name, "title": s.description, "bundled": s.bundled}
            for s in REGISTRY.values()
            if s.bundled or (data_dir is not None and (data_dir / s.file).is_file())]


def named(name: str, data_dir: Path | None, progress: JobProgress | None = None) -> Json:
    """The analysis of registered series ``name`` (ScenarioError when unknown).

    ``progress(fraction, message)`` hears the stages (load, critical values, LPPLS fit).
    """
    tell = _silent if progress is None else progress
    tell(0.02, f"loading {name}")
    series = load_named(name, data_dir)
    spec = REGISTRY[name]
    # a registered series' fits are kept in the one cache the commands use; an upload's are
    # not (a visitor's data should not fill the server's disk)
    return analyse(series, standard_reading(name), spec.description, tell,
                   transform_source=f"registry setting for {name}", note=spec.note,
                   cache_dir=default_cache_dir())


def uploaded(rows: Sequence[Row], file: str = UPLOAD) -> Json:
    """The analysis of an uploaded ``date,value`` table (DataError names bad rows of ``file``)."""
    return analyse(_series_from_rows(rows, file), standard_reading(None), file,
                   transform_source="default for a CSV")


def analyse(series: Series, reading: Reading, title: str,
            progress: JobProgress | None = None, *, transform_source: str = "",
            note: str = "", cache_dir: Path | None = None) -> Json:
    """The signals analysis of ``series`` in its one schema, plus the page's ``view``.

    ``progress(fraction, message)`` hears the stages: critical values (per block of
    replications when they are simulated) up to 50%, the LPPLS confidence, then the fit
    of the run-up drawn on the chart. ``cache_dir``: where PSY critical values and LPPLS
    fits are kept between requests (none: computed afresh).
    """
    tell = _silent if progress is None else progress

    def reps(done: int, total: int) -> None:
        tell(0.05 + 0.45 * done / max(total, 1), f"critical values: {done} of {total} "
             "replications")

    tell(0.05, "PSY statistics and critical values; LPPLS confidence at the last date")
    result = analyse_signals(series, reading, progress=reps, cache_dir=cache_dir,
                             transform_source=transform_source, note=note)
    s = select(series, reading.start, reading.end)
    tell(0.6, "LPPLS fit of the run-up (for the chart)")
    rng = np.random.default_rng(reading.seed)
    fit, window = _lppls(s, rng) if bool((s.values > 0).all()) else (None, None)
    tell(0.95, "charting")
    return {**result.to_dict(), "view": {
        "title": title, "log": reading.transform == "log",
        "dates": _iso(s.dates), "values": s.values.round(6).tolist(),
        "lppls_curve": None if fit is None or window is None else _lppls_json(fit, window),
        "headlines": _headlines(s, result, fit),
    }}


def _silent(fraction: float, message: str) -> None:
    """A progress callback that ignores what it hears."""
    del fraction, message


def latest(data_dir: Path | None) -> Json:
    """The latest PSY reading of :data:`LATEST_NAMES` for the overview card: each row in its
    one schema (``LatestSignal.to_dict``, as in ``run --json``) plus ``view``, the card's
    headlines."""
    rows = latest_signals(LATEST_NAMES, data_dir, lppls=False, cache_dir=default_cache_dir())
    return {"latest": [r.to_dict() for r in rows], "view": {"headlines": [
        {"label": r.name.upper(), "text": "no data here", "note": r.missing} if r.missing else
        {"label": f"{r.name.upper()} on {r.date}",
         "text": ("explosive" + (f" since {r.since}" if r.since else "")) if r.explosive
         else "not explosive",
         "note": f"BSADF {r.bsadf:.3f} vs 95% critical value {r.cv95:.3f} ({r.reading})"}
        for r in rows]}}


def lppls_curve(fit: LpplsFit, t: FloatArray) -> FloatArray:
    """Fitted log price at times ``t`` (years since the fit's origin, all before ``tc``).

    ln p(t) = A + B (tc − t)^m + (tc − t)^m [C1 cos(ω ln(tc − t)) + C2 sin(ω ln(tc − t))]

    Parameters
    ----------
    fit : LpplsFit
    t : ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (n,)
    """
    dt = np.maximum(fit.tc - t, 1e-9)
    power = dt ** fit.m
    phase = fit.omega * np.log(dt)
    return np.asarray(fit.A + fit.B * power
                      + power * (fit.C1 * np.cos(phase) + fit.C2 * np.sin(phase)))


def _lppls(s: Series, rng: np.random.Generator) -> tuple[LpplsFit | None, Series | None]:
    """Fit the run-up: from the start to the highest price (the whole series if that is last)."""
    top = int(np.argmax(s.values))
    window = s if top < 30 else s.between(None, str(s.dates[top]))
    if len(window) < 30:
        return None, None
    return fit_lppls(window, rng=rng, n_starts=16), window


def _lppls_json(fit: LpplsFit, window: Series) -> Json:
    t = (window.dates - fit.origin).astype("timedelta64[D]").astype(np.float64) / 365.25
    return {"dates": _iso(window.dates), "fit": np.exp(lppls_curve(fit, t)).round(6).tolist(),
            "tc": str(fit.tc_date), "m": round(fit.m, 4), "omega": round(fit.omega, 4),
            "qualified": fit.qualified(), "text": str(fit)}


def _headlines(s: Series, result: SignalsResult, fit: LpplsFit | None) -> list[Json]:
    psy = result.psy
    i = psy.cv.index(psy.level)
    pv = psy.p_values()
    since = f" since {psy.since}" if psy.explosive_now and psy.since is not None else ""
    out: list[Json] = [
        {"label": f"Latest BSADF ({s.end})", "text": f"{psy.stats.bsadf[-1]:.3f} vs "
         f"{psy.cv_sequence[-1]:.3f}: "
         f"{'explosive' + since if psy.explosive_now else 'not explosive'}"},
        {"label": "GSADF", "text": f"{psy.stats.gsadf:.3f} vs {psy.level:.0%} critical value "
         f"{psy.cv.gsadf[i]:.3f}" + ("" if pv is None else f" (p {_p(pv['gsadf'])})")},
        {"label": "Explosive episodes", "value": len(psy.episodes), "digits": 0},
        {"label": "Reading", "text": psy.describe()},
    ]
    conf = result.lppls
    if conf is not None:
        why = conf.why_none()
        out.append({"label": f"LPPLS confidence ({conf.dates[-1]})", "text":
                    f"{conf.positive[-1]:.0%} of windows fit a positive bubble, "
                    f"{conf.negative[-1]:.0%} a negative one" + (f" ({why})" if why else "")})
    if fit is not None:
        out.append({"label": "LPPLS critical time of the run-up (chart)", "text":
                    f"{fit.tc_date} ({'passes' if fit.qualified() else 'fails'} the usual "
                    "filters)"})
    return out


def _p(v: float) -> str:
    return "< 0.005" if v <= 0.005 + 1e-9 else "> 0.5" if v >= 0.5 - 1e-9 else f"{v:.3f}"


def _iso(dates: np.ndarray) -> list[str]:
    return [str(d) for d in dates.astype("datetime64[D]")]


def _series_from_rows(rows: Sequence[Row], file: str) -> Series:
    issues: list[Issue] = []
    if rows and not {"date", "value"} <= set(rows[0]):
        raise DataError.single(file, None, "header", "must have the columns date and value",
                               ",".join(str(k) for k in rows[0]))
    dates, values, numbers = [], [], []
    seen: dict[np.datetime64, int] = {}
    for i, row in numbered(rows):
        raw_d, raw_v = str(row.get("date") or "").strip(), str(row.get("value") or "").strip()
        try:
            d = np.datetime64(raw_d, "D")
        except ValueError:
            issues.append(Issue(file, i, "date", "must be a date YYYY-MM-DD", raw_d))
            continue
        if d in seen:
            issues.append(Issue(file, i, "date", f"must not repeat line {seen[d]}'s date", raw_d))
            continue
        seen[d] = i
        try:
            v = parse_decimal(raw_v)
        except ValueError:
            v = math.nan
        if not math.isfinite(v) or v <= 0:
            issues.append(Issue(file, i, "value", "must be a positive ASCII decimal number "
                                "(a price; NaN and inf are refused)", raw_v))
            continue
        dates.append(d)
        values.append(v)
        numbers.append(i)
    if issues:
        raise DataError(issues)
    return make_series("upload", np.array(dates, dtype="datetime64[D]"),
                       np.array(values, dtype=np.float64), file,
                       rows=np.array(numbers, dtype=np.int64))
