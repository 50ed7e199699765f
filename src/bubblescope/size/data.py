"""Loaders for the sizing measures (the edge: these read files; the measures never do).

Bundled, licence-clear series live in ``bubblescope/data/series`` (BEA GDP and the Fed H.15
10-year Treasury, both ODC-PDDL copies) and the tool's tables in ``bubblescope/data/size``.
Vendor series (Moody's Baa/Aaa, ICE BofA spreads) are not shipped: pass ``data_dir``, a
folder laid out like ``../shared/data``, to read them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

from bubblescope.data import data_path
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import load_yaml, numbered, parse_decimal, read_csv, read_input_text
from bubblescope.model.series import Series, Unit
from bubblescope.model.web import Web
from bubblescope.size.bubble_card import SizeInputs
from bubblescope.size.gdp_contribution import ContributionRow
from bubblescope.size.goldfarb_kirsch import Rubric, parse_rubric
from bubblescope.size.scaling import Generation
from bubblescope.size.series import add, make_series, resample_mean, splice
from bubblescope.size.wicksell import FlowShare

__all__ = [
    "RATE_CHOICES",
    "InputFiles",
    "SeedClaim",
    "bundled",
    "default_rates",
    "load_gdp",
    "load_inputs",
    "load_rates",
    "load_rubric",
    "read_contributions",
    "read_flow_shares",
    "read_generations",
    "read_seed_claims",
    "read_series_csv",
]

T = TypeVar("T")

RATE_CHOICES: Final[tuple[str, ...]] = ("baa", "treasury_bbb", "aaa", "treasury_const")
#: Environment variable naming the vendor data directory.

_GDP_FILE: Final = "us_gdp_quarterly_bea.csv"
_VENDOR: Final[dict[str, str]] = {
    "baa": "fred_BAA_monthly.csv",
    "aaa": "fred_AAA_monthly.csv",
    "bbb_oas": "fred_BAMLC0A4CBBB.csv",
    "aaa_oas": "fred_BAMLC0A1CAAA.csv",
    "treasury": "us_treasury_10y_monthly_h15.csv",
}


def default_rates(data_dir: Path | str | None) -> str:
    """The default rate series: ``baa`` when vendor data is at hand, else ``treasury_const``."""
    return "baa" if data_dir is not None else "treasury_const"


def bundled(*parts: str) -> Path:
    """Path of a bundled file of the sizing tables (``bubblescope/data/size/...``)."""
    return data_path("size", *parts)


def read_series_csv(path: Path | str, column: str, *, name: str, unit: Unit, freq: str,
                    source: str, date_column: str | None = None,
                    missing: tuple[str, ...] = ()) -> Series:
    """Read one column of a dated CSV into a validated :class:`Series`.

    Rows whose value is one of ``missing`` (FRED writes ``.`` for market holidays) are
    dropped before validation; any other empty or non-numeric value is an error.
    """
    rows = read_csv(path)
    if not rows:
        raise DataError.single(str(path), None, "rows", "must hold at least one data row", 0)
    date_col = date_column or next(iter(rows[0]))
    if column not in rows[0] or date_col not in rows[0]:
        raise DataError.single(str(path), None, column, "must be a column of the file",
                               ", ".join(rows[0]))
    kept = [(i, r) for i, r in numbered(rows)
            if (r[column] or "").strip() not in missing]
    dates = [r[date_col] for _, r in kept]
    values = [(r[column] or "").strip() or float("nan") for _, r in kept]
    return make_series(name, dates, values, unit=unit, freq=freq,  # type: ignore[arg-type]
                       source=source, file=str(path), allow_gaps=freq == "D",
                       lines=[i for i, _ in kept])


def load_gdp(path: Path | str | None = None) -> Series:
    """Nominal US GDP, quarterly, USD bn SAAR (bundled BEA copy unless ``path`` is given)."""
    p = Path(path) if path else data_path("series", "gdp_us_quarterly.csv")
    return read_series_csv(p, "level-current", name="gdp_nominal", unit="usd_bn_saar", freq="Q",
                           source="BEA NIPA via datahub gdp-us (ODC-PDDL)", date_column="date")


def _treasury(path: Path) -> Series:
    return read_series_csv(path, "Rate", name="treasury_10y", unit="percent", freq="M",
                           source="Fed H.15 10y Treasury via datahub (ODC-PDDL)",
                           date_column="Date")


@dataclass(frozen=True)
class _Constant:
    spread: float
    note: str


def _constant(path: Path | None = None) -> _Constant:
    p = path or bundled("wicksell.yaml")
    doc = load_yaml(read_input_text(p), str(p))
    try:
        spec = doc["treasury_const"]
        return _Constant(float(spec["spread_pp"]), str(spec["short"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError.single(str(p), None, "treasury_const.spread_pp",
                               "must be a number with a note", repr(exc)) from exc


def load_rates(data_dir: Path | str | None = None) -> dict[str, Series]:
    """Every corporate-rate series that can be built from the data at hand, by name.

    Without ``data_dir`` only ``treasury_const`` (bundled 10y Treasury + a documented
    constant spread) exists. With ``data_dir`` (laid out like ``../shared/data``):
    ``baa`` (Moody's Baa to 2023-11, then 10y + ICE BofA BBB OAS shifted to Baa's level over
    the last 36 months), ``treasury_bbb`` (10y + BBB OAS, from 1997), ``aaa`` (Moody's Aaa,
    then 10y + AAA OAS, level-shifted) and ``treasury_const``.
    """
    const = _constant()
    treasury = _treasury(data_path("series", "treasury_10y_monthly.csv"))
    base = treasury.data + const.spread
    out = {"treasury_const": Series.from_periods(
        "treasury_const", base, "percent", "M",
        treasury.source + f" + {const.spread:.2f} pp constant", const.note)}
    if data_dir is None:
        return out
    return {**_vendor_rates(Path(data_dir), treasury), **out}


def _vendor_rates(root: Path, treasury: Series) -> dict[str, Series]:
    def fred(key: str, unit: Unit = "percent") -> Series:
        path = root / _VENDOR[key]
        rows = read_csv(path)
        if not rows or len(rows[0]) < 2:
            raise DataError.single(str(path), None, "header",
                                   "must have a date column and a value column", len(rows))
        date_col, column = list(rows[0])[:2]
        freq = "D" if key.endswith("_oas") else "M"
        series = read_series_csv(path, column, name=key, unit=unit, freq=freq,
                                 source=f"FRED {column} ({path.name})", date_column=date_col,
                                 missing=(".", "") if freq == "D" else ())
        return resample_mean(series, "M", min_obs=10) if freq == "D" else series

    loaded = _load_all({key: partial(fred, key) for key in ("bbb_oas", "aaa_oas", "baa", "aaa")})
    bbb = add(treasury, loaded["bbb_oas"], "treasury_bbb", "10y Treasury + ICE BofA BBB OAS")
    aaa_proxy = add(treasury, loaded["aaa_oas"], "treasury_aaa",
                    "10y Treasury + ICE BofA AAA OAS")
    baa, _ = splice(loaded["baa"], bbb)
    aaa, _ = splice(loaded["aaa"], aaa_proxy)
    return {"baa": baa, "treasury_bbb": bbb, "aaa": aaa}


def read_flow_shares(path: Path | str | None = None) -> tuple[FlowShare, ...]:
    """Asset-class flows for the allocation (bundled ``flow_shares.csv`` by default)."""
    p = Path(path) if path else bundled("flow_shares.csv")
    rows = read_csv(p)
    issues: list[Issue] = []
    out: list[FlowShare] = []
    for i, r in numbered(rows):
        flow = _number(r, "flow_usd_bn", str(p), i, issues)
        if not r.get("source", "").strip():
            issues.append(Issue(str(p), i, "source", "is required (where the flow comes from)",
                                ""))
        out.append(FlowShare(r.get("asset_class", ""), flow, r.get("period", ""),
                             r.get("measure", ""), r.get("source", ""),
                             r.get("confidence", ""), r.get("note", "")))
    if issues:
        raise DataError(issues)
    return tuple(out)


def _number(row: Mapping[str, str], field: str, file: str, i: int, issues: list[Issue],
            lo: float | None = 0.0) -> float:
    raw = (row.get(field) or "").strip()
    try:
        value = parse_decimal(raw)
    except ValueError:
        issues.append(Issue(file, i, field, "must be a number (ASCII decimal)", raw))
        return float("nan")
    if not math.isfinite(value) or (lo is not None and value < lo):
        issues.append(Issue(file, i, field, "must be a finite number" +
                            (f" >= {lo}" if lo is not None else ""), raw))
        return float("nan")
    return value


@dataclass(frozen=True)
class SeedClaim:
    """A number a seed article states, with the quoted passage (a check, never an input)."""

    id: str
    value: float
    unit: str
    seed: str
    quote: str
    note: str = ""

    @property
    def citation(self) -> str:
        """Short citation: seed file number and note."""
        return f"seed {self.seed}" + (f" ({self.note})" if self.note else "")


def read_seed_claims(path: Path | str | None = None) -> dict[str, SeedClaim]:
    """The seeds' claims the card compares with (bundled ``seed_claims.csv``)."""
    p = Path(path) if path else bundled("seed_claims.csv")
    issues: list[Issue] = []
    out: dict[str, SeedClaim] = {}
    for i, r in numbered(read_csv(p)):
        value = _number(r, "value", str(p), i, issues, lo=None)
        out[r.get("id", "")] = SeedClaim(r.get("id", ""), value, r.get("unit", ""),
                                         r.get("seed", ""), r.get("quote", ""),
                                         r.get("note", ""))
    if issues:
        raise DataError(issues)
    return out


def load_rubric(path: Path | str | None = None) -> Rubric:
    """The Goldfarb–Kirsch rubric (bundled ``goldfarb_kirsch.yaml`` unless ``path``)."""
    p = Path(path) if path else data_path("goldfarb_kirsch.yaml")
    doc = load_yaml(read_input_text(p), str(p))
    return parse_rubric(doc, str(p))


def read_generations(path: Path | str | None = None) -> tuple[Generation, ...]:
    """Training cost and capability per model generation (bundled ``scaling.csv``)."""
    p = Path(path) if path else bundled("scaling.csv")
    issues: list[Issue] = []
    out = []
    for i, r in numbered(read_csv(p)):
        cost = _number(r, "training_cost_usd_m", str(p), i, issues)
        cap_raw = (r.get("capability") or "").strip()
        cap = _number(r, "capability", str(p), i, issues) if cap_raw else None
        gen = _number(r, "generation", str(p), i, issues)
        year = _number(r, "year", str(p), i, issues)
        out.append(Generation(int(gen) if gen == gen else 0, r.get("model", ""),
                              int(year) if year == year else 0, cost, cap,
                              r.get("capability_metric", ""), r.get("cost_source", ""),
                              r.get("capability_source", ""), r.get("confidence", "")))
    if issues:
        raise DataError(issues)
    return tuple(out)


def read_contributions(path: Path | str | None = None) -> tuple[ContributionRow, ...]:
    """Published real GDP growth and contributions (bundled ``gdp_contributions.csv``)."""
    p = Path(path) if path else bundled("gdp_contributions.csv")
    issues: list[Issue] = []
    out = []
    for i, r in numbered(read_csv(p)):
        value = _number(r, "value", str(p), i, issues, lo=None)
        for field in ("quarter", "series", "source"):
            if not (r.get(field) or "").strip():
                issues.append(Issue(str(p), i, field, "is required", ""))
        out.append(ContributionRow(r.get("quarter", ""), r.get("series", ""), value,
                                   r.get("vintage", ""), r.get("source", ""),
                                   r.get("confidence", ""), r.get("note", ""), i))
    if issues:
        raise DataError(issues)
    return tuple(out)


@dataclass(frozen=True)
class InputFiles:
    """User files replacing the bundled tables (``None`` keeps the bundled one)."""

    rubric: Path | None = None
    contributions: Path | None = None
    flows: Path | None = None
    scaling: Path | None = None
    gdp: Path | None = None


def load_inputs(data_dir: Path | str | None = None, web: Web | None = None,
                web_error: str = "", files: InputFiles | None = None) -> SizeInputs:
    """Load every table (bundled unless ``files`` names a replacement) and vendor series.

    Every table is read and checked before an error is raised, so one :class:`DataError`
    lists the problems of all of them.
    """
    f = files or InputFiles()
    loaders: dict[str, Callable[[], Any]] = {
        "gdp": lambda: load_gdp(f.gdp), "rates": lambda: load_rates(data_dir),
        "flows": lambda: read_flow_shares(f.flows), "claims": read_seed_claims,
        "rubric": lambda: load_rubric(f.rubric),
        "generations": lambda: read_generations(f.scaling),
        "contributions": lambda: read_contributions(f.contributions),
    }
    return SizeInputs(web=web, web_error=web_error, **_load_all(loaders))


def _load_all(loaders: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Run every loader, then raise one :class:`DataError` with the issues of all that failed."""
    loaded: dict[str, T] = {}
    issues: list[Issue] = []
    for key, load in loaders.items():
        try:
            loaded[key] = load()
        except DataError as exc:
            issues += exc.issues
    if issues:
        raise DataError(issues)
    return loaded
