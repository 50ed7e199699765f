"""`bubblescope data`: validate, import, export, list and show webs in the DuckDB store.

Bad input raises :class:`DataError` before the store is opened for writing, so a failed
import leaves the store unchanged; ``app.py`` prints every issue and exits with code 2.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

import bubblescope
from bubblescope.cli.common import (
    DbOption,
    JsonOption,
    console,
    default_db,
    err_console,
    print_json,
)
from bubblescope.model.debt import CrossingCheck, crossing_check
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import read_csv
from bubblescope.model.parse import (
    Row,
    parse_contracts,
    parse_entities,
    parse_figures,
    parse_sources,
)
from bubblescope.model.parse_debt import parse_aggregates, parse_holdings, parse_instruments
from bubblescope.model.web import Entity, Web
from bubblescope.store.deal_legs import DealLegImport, import_deal_legs
from bubblescope.store.duckdb_store import WebVersion, open_store
from bubblescope.store.exchange import export_web, read_export
from bubblescope.store.leg_mapping import LegMapping, load_mapping
from bubblescope.store.results import RunInfo

__all__ = ["data_app", "register"]

data_app = typer.Typer(
    name="data", help="Validate, import, export, list and show webs in the DuckDB store.",
    no_args_is_help=True,
)

_TABLE_PARSERS: dict[str, Callable[[list[Row], str], tuple[list[Any], list[Issue]]]] = {
    "sources": parse_sources, "entities": parse_entities, "figures": parse_figures,
    "contracts": parse_contracts, "instruments": parse_instruments,
    "holdings": parse_holdings, "aggregates": parse_aggregates,
}

DealLegsOption = Annotated[bool, typer.Option(
    "--deal-legs", help="PATH is a deal-leg table (one row per flow; CSV, or JSON edges).")]
MappingOption = Annotated[Path | None, typer.Option(
    "--mapping", help="YAML column mapping for --deal-legs (overrides the default layout).",
    exists=True, dir_okay=False)]
EmptyOption = Annotated[str | None, typer.Option(
    "--empty-amount", help="Deal legs without an amount: 'skip' them or use the 'headline'.")]
VersionOption = Annotated[str | None, typer.Option("--version", help="Web version.")]
BaseOption = Annotated[str | None, typer.Option(
    "--base", help="With --deal-legs: add the legs to this stored web ('default': bundled).")]


@data_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="Web directory, table CSV or deal-leg file.")],
    deal_legs: DealLegsOption = False, mapping: MappingOption = None,
    empty_amount: EmptyOption = None, base: BaseOption = None, db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a web directory (CSV or Parquet), one table CSV, or a deal-leg file."""
    if deal_legs or path.suffix.lower() == ".json":
        result = _deal_legs(path, mapping, empty_amount, None, _base(base, db))
        _report_valid(as_json, {"kind": "deal_legs", **_import_payload(result)}, str(result))
        return
    if path.is_dir():
        web = read_export(path)
        _report_valid(as_json, {"kind": "web", **_web_payload(web)}, repr(web))
        return
    table = path.stem
    if path.is_file() and path.suffix.lower() == ".csv" and table in _TABLE_PARSERS:
        items, issues = _TABLE_PARSERS[table](list[Row](read_csv(path)), str(path))
        if issues:
            raise DataError(issues)
        _report_valid(as_json, {"kind": table, "rows": len(items)},
                      f"{path}: {len(items)} {table} rows are valid (references to other "
                      "tables are checked only when the whole web directory is validated)")
        return
    raise DataError.single(str(path), None, "path", "must be a web directory, a table CSV "
                           "named sources/entities/figures/contracts/instruments/holdings/"
                           "aggregates.csv, or a deal-leg file "
                           "with --deal-legs", "missing" if not path.exists() else path.name)


@data_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Web directory (CSV/Parquet) or deal-leg file.")],
    name: Annotated[str | None, typer.Option("--name", help="Store the web under this name.")]
    = None,
    version: VersionOption = None, deal_legs: DealLegsOption = False,
    mapping: MappingOption = None, empty_amount: EmptyOption = None, base: BaseOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing version.")]
    = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Validate PATH and store it as a new version of a web (all or nothing)."""
    payload: dict[str, Any] = {}
    with _interruptible(f"import of {path}", db):
        if deal_legs or path.suffix.lower() == ".json":
            result = _deal_legs(path, mapping, empty_amount, name, _base(base, db))
            web, payload = result.web, _import_payload(result)
        else:
            web = read_export(path)
            if name:
                web = dataclasses.replace(web, name=name)
        with open_store(db or default_db()) as store:
            saved = store.save_web(web, version, origin=str(path), replace=replace)
    if as_json:
        print_json({"name": saved.name, "version": saved.version, "db": str(db or default_db()),
                    **payload, **_web_payload(web)})
        return
    console.print(f"Stored [bold]{saved}[/] in {db or default_db()}")


@data_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="Web name in the store ('default': bundled).")],
    dest: Annotated[Path, typer.Argument(help="Directory to write (replaced if a web dir).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    version: VersionOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Write a stored web to DEST as CSV or Parquet tables with web.yaml."""
    if fmt not in ("csv", "parquet"):
        raise DataError.single("--format", None, "format", "must be csv or parquet", fmt)
    web = _stored_web(name, version, db)
    out = export_web(web, dest, "parquet" if fmt == "parquet" else "csv")
    if as_json:
        print_json({"dest": str(out), "format": fmt, **_web_payload(web)})
        return
    console.print(f"Exported {web!r} to [bold]{out}[/] ({fmt})")


@data_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the webs (every version), series and runs in the store."""
    path = db or default_db()
    versions: tuple[WebVersion, ...] = ()
    series: tuple[str, ...] = ()
    runs: tuple[RunInfo, ...] = ()
    if path.exists():
        with open_store(path, read_only=True) as store:
            versions, series, runs = store.list_webs(), store.list_series(), store.list_runs()
    if as_json:
        print_json({"db": str(path), "webs": [vars(v) for v in versions], "series": series,
                    "runs": [vars(r) for r in runs]})
        return
    table = Table("name", "version", "as of", "entities", "contracts", "sources", "saved",
                  "origin", title=f"Webs in {path}")
    for v in versions:
        table.add_row(v.name, v.version, str(v.as_of), str(v.n_entities), str(v.n_contracts),
                      str(v.n_sources), f"{v.created:%Y-%m-%d %H:%M}", v.origin)
    console.print(table)
    console.print(f"{len(series)} series, {len(runs)} runs")


@data_app.command("show")
def show(
    entity: Annotated[str | None, typer.Argument(help="Entity id, e.g. nvidia.")] = None,
    web_name: Annotated[str, typer.Option("--web", help="Stored web ('default': bundled).")]
    = "default",
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="Show how much of each seed debt aggregate the instruments itemize."
    )] = False,
    version: VersionOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Show an entity (figures, contracts both ways, sources) or, with --coverage, the debt
    coverage: itemized versus residual for each seed aggregate."""
    web = _stored_web(web_name, version, db)
    if coverage:
        _show_coverage(web, as_json)
        return
    if entity is None or entity not in web.entity_by_id:
        raise DataError.single(f"web {web.name}", None, "entity",
                               "must be an entity id of the web (or pass --coverage)", entity)
    payload = _entity_payload(web, web.entity(entity))
    if as_json:
        print_json(payload)
        return
    _print_entity(payload)


def _show_coverage(web: Web, as_json: bool) -> None:
    if not web.aggregates:
        raise DataError.single(f"web {web.name}", None, "aggregates",
                               "must be present (aggregates.csv) to measure coverage", "none")
    cov = web.debt_coverage()
    check = _crossing(web)
    if as_json:
        print_json({"web": web.name, "as_of": web.as_of, "instruments": len(web.instruments),
                    "coverage": cov.frame().to_dict(orient="records"),
                    "crossing": None if check is None else {
                        "stock": check.stock, "target": check.target,
                        "issued_after": check.issued_after, "last_date": check.last_date,
                        "reached": check.reached, "gap": check.gap,
                        "months": check.months, "instruments": check.n_instruments}})
        return
    table = Table("aggregate", "seed USD bn", "itemized", "residual", "itemized %",
                  "of which high/medium %", "instruments", "sources",
                  title=f"Debt coverage of web {web.name!r} as of {web.as_of} "
                        f"({len(web.instruments)} instruments)")
    for r in cov.rows:
        over = f" ({r.ratio:.0%} of seed)" if r.ratio > 1 else ""
        table.add_row(r.aggregate.label, f"{r.aggregate.value:,.1f}", f"{r.itemized:,.1f}",
                      f"{r.residual:,.1f}", f"{r.share:.1%}{over}",
                      f"{r.share_at_least('medium'):.1%}", str(r.n_instruments),
                      ";".join(r.aggregate.source_ids))
    console.print(table)
    if check is not None:
        console.print(f"Seed 004's forecast ({check.target:,.0f} USD bn within 6-12 months): "
                      f"{check}.", highlight=False)


def _crossing(web: Web) -> CrossingCheck | None:
    """Seed 004's $1.9tn forecast (figure ai_sector/debt/2026) against named issuance."""
    target = web.entity_by_id.get("ai_sector")
    figure = target.figure("debt", web.as_of.year + 1) if target else None
    ig = next((a for a in web.aggregates if a.tag == "ig"), None)
    if figure is None or ig is None:
        return None
    return crossing_check(web.instruments, ig, figure.value, web.as_of)


@data_app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="Web name in the store.")],
    version: VersionOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Delete one version of a stored web (every version without --version)."""
    with open_store(db or default_db()) as store:
        n = store.delete(name, version)
    if as_json:
        print_json({"name": name, "deleted_versions": n})
        return
    console.print(f"Deleted {n} version(s) of {name!r}")


def register(app: typer.Typer) -> None:
    """Add the `data` command group to ``app``."""
    app.add_typer(data_app, name="data")


# --- helpers ----------------------------------------------------------------------------
def _deal_legs(
    path: Path, mapping_file: Path | None, empty_amount: str | None, name: str | None,
    base: Web | None,
) -> DealLegImport:
    if empty_amount not in (None, "skip", "headline"):
        raise DataError.single("--empty-amount", None, "empty_amount",
                               "must be skip or headline", empty_amount)
    mapping: LegMapping | None = load_mapping(mapping_file) if mapping_file else None
    policy: Literal["skip", "headline"] | None = (
        "headline" if empty_amount == "headline" else "skip" if empty_amount else None)
    with _warnings_to_stderr():
        return import_deal_legs(path, mapping, name=name, empty_amount=policy, base=base)


#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


@contextmanager
def _interruptible(what: str, db: Path | None) -> Iterator[None]:
    """Turn Ctrl-C into a message saying that the store was left as it was, and exit 130.

    Writes are one DuckDB transaction committed last, so an interrupted write is rolled
    back when the connection closes.
    """
    try:
        yield
    except KeyboardInterrupt:
        err_console.print(f"[yellow]interrupted:[/] the {what} was stopped by Ctrl-C before it "
                          f"was committed; {db or default_db()} is unchanged (an import is all "
                          "or nothing). Run it again to import.", highlight=False)
        raise typer.Exit(INTERRUPTED) from None


def _base(name: str | None, db: Path | None) -> Web | None:
    return _stored_web(name, None, db) if name else None


@contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        err_console.print(f"[yellow]warning:[/] {w.message}", highlight=False)


def _stored_web(name: str, version: str | None, db: Path | None) -> Web:
    path = db or default_db()
    if path.exists():
        with open_store(path, read_only=True) as store:
            if store.list_webs(name) or name != "default":
                return store.load_web(name, version)
    if name == "default" and version is None:
        return bubblescope.load_default()
    raise DataError.single(str(path), None, "name", "must name a stored web", name)


def _report_valid(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        print_json({"valid": True, **payload})
    else:
        console.print(f"[green]valid:[/] {text}", highlight=False)


def _web_payload(web: Web) -> dict[str, Any]:
    return {"web": web.name, "as_of": web.as_of, "entities": len(web.entities),
            "contracts": len(web.contracts), "sources": len(web.sources)}


def _import_payload(result: DealLegImport) -> dict[str, Any]:
    return {"rows": result.n_rows, "contract_rows": len(result.contract_rows),
            "skipped_rows": list(result.skipped_rows),
            "headline_rows": list(result.headline_rows),
            "superseded_rows": list(result.superseded_rows),
            "created_entities": list(result.created_entities), **_web_payload(result.web)}


def _entity_payload(web: Web, entity: Entity) -> dict[str, Any]:
    contracts = web.contracts_of(entity.id)
    cited = {s for c in contracts for s in c.source_ids} | set(entity.source_ids)
    cited |= {s for f in entity.figures for s in f.source_ids}
    return {
        "web": web.name, "as_of": web.as_of, "id": entity.id, "name": entity.name,
        "kind": entity.kind, "country": entity.country, "note": entity.note,
        "figures": [{"metric": f.metric, "year": f.year, "value": f.value,
                     "confidence": f.confidence, "sources": list(f.source_ids)}
                    for f in entity.figures],
        "holds": [_contract(c, c.obligor) for c in contracts if c.holder == entity.id],
        "owes": [_contract(c, c.holder) for c in contracts if c.obligor == entity.id],
        "sources": [{"id": s.id, "kind": s.kind, "date": s.date, "citation": s.citation}
                    for s in web.sources if s.id in cited],
    }


def _contract(c: Any, other: str) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "counterparty": other, "amount": c.amount,
            "status": c.status, "confidence": c.confidence, "start": c.start,
            "maturity": c.maturity, "sources": list(c.source_ids)}


def _print_entity(p: dict[str, Any]) -> None:
    console.print(f"[bold]{p['name']}[/] ({p['id']}, {p['kind']}, {p['country']}) "
                  f"in web {p['web']!r} as of {p['as_of']}", highlight=False)
    if p["note"]:
        console.print(p["note"], highlight=False)
    figures = Table("metric", "year", "value", "confidence", "sources", title="Figures")
    for f in p["figures"]:
        figures.add_row(f["metric"], str(f["year"]), f"{f['value']:,.3f}", f["confidence"],
                        ", ".join(f["sources"]))
    console.print(figures if p["figures"] else "No figures.")
    for key, title in (("holds", "Claims held (holder)"), ("owes", "Claims owed (obligor)")):
        table = Table("id", "kind", "counterparty", "USD bn", "status", "confidence", title=title)
        for c in p[key]:
            table.add_row(c["id"], c["kind"], c["counterparty"], f"{c['amount']:,.3f}",
                          c["status"], c["confidence"])
        console.print(table)
    sources = Table("id", "kind", "date", "citation", title="Sources")
    for s in p["sources"]:
        sources.add_row(s["id"], s["kind"], str(s["date"] or ""), s["citation"])
    console.print(sources)
