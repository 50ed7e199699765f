"""API of the portfolio page, and the export of any shown tables as a workbook."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response
from openpyxl.utils.exceptions import IllegalCharacterError
from pydantic import BaseModel, Field

from bubblescope.dashboard.deps import get_state
from bubblescope.dashboard.jobs import JobView, Progress
from bubblescope.dashboard.state import DashboardState
from bubblescope.dashboard.uploads import upload_name
from bubblescope.model.errors import ScenarioError
from bubblescope.model.tables import sheet_name, write_tables
from bubblescope.portfolio import map_portfolio, run_portfolio
from bubblescope.store.portfolio_file import portfolio_from_bytes
from bubblescope.stress.scenario import PRESETS

__all__ = ["ExportRequest", "router"]

router = APIRouter(prefix="/api", tags=["portfolio"])
State = Annotated[DashboardState, Depends(get_state)]
Json = dict[str, Any]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/portfolio/run", status_code=202)
async def portfolio_run(
    state: State,
    file: Annotated[UploadFile, File(description="positions: CSV or xlsx (see docs/portfolio.md)")],
    scenario: Annotated[str, Form(description="a preset")] = "atlantic-crash",
    paths: Annotated[int, Form(ge=1, description="1, or Monte Carlo paths")] = 1,
    seed: Annotated[int, Form(ge=0)] = 0,
) -> Json:
    """Run an uploaded portfolio through a preset in the background; poll /api/jobs/{id}."""
    if scenario not in PRESETS:
        raise ScenarioError(f"scenario must be one of {', '.join(PRESETS)}, got {scenario!r}")
    if paths > state.settings.limits.max_paths:
        raise ScenarioError(f"paths must be at most {state.settings.limits.max_paths}, "
                            f"got {paths}")
    data = await file.read()
    name = upload_name(file.filename, "portfolio.csv")
    book = portfolio_from_bytes(data, name)  # bad rows: 422 with every issue, at once
    web = state.web
    map_portfolio(web, book)  # unknown issuers too, before any work

    def work(progress: Progress) -> Json:
        result = run_portfolio(web, book, scenario, n_paths=paths, seed=seed,
                               progress=lambda d, n: progress(0.9 * d / n, f"{d} of {n} paths"))
        return {"summary": str(result), "scenario": scenario, "paths": result.n_paths,
                "var": result.var(), "expected_shortfall": result.expected_shortfall(),
                "warnings": list(result.mapped.warnings),
                "tables": {k: _records(v) for k, v in result.tables().items()
                           if k != "paths_usd_bn"},
                "totals": [round(float(v), 6) for v in result.total]}

    return _job_json(state.jobs.submit("portfolio", work))


class ExportRequest(BaseModel):
    """Tables as the page holds them: name → rows (column → value)."""

    name: str = Field(default="bubblescope", max_length=80)
    tables: dict[str, list[dict[str, Any]]] = Field(min_length=1, max_length=20)


@router.post("/export.xlsx", response_class=Response)
def export_xlsx(request: ExportRequest) -> Response:
    """The given tables as an xlsx workbook (one sheet per table; units in the names)."""
    _check_printable(request.tables)
    frames = {sheet_name(k): pd.DataFrame(v) for k, v in request.tables.items()}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = write_tables(frames, Path(tmp) / "export.xlsx")[0]
        except (IllegalCharacterError, ValueError, TypeError) as exc:
            raise ScenarioError(f"tables cannot be written as xlsx: {exc}") from None
        data = path.read_bytes()
    safe = "".join(c for c in request.name if c.isalnum() or c in "-_") or "bubblescope"
    return Response(io.BytesIO(data).getvalue(), media_type=XLSX, headers={
        "content-disposition": f'attachment; filename="{safe}.xlsx"'})


def _check_printable(tables: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse (422) control characters, which xlsx cannot hold, in names, columns and text."""
    texts = [*tables, *(str(k) for rows in tables.values() for r in rows for k in r),
             *(v for rows in tables.values() for r in rows for v in r.values()
               if isinstance(v, str))]
    bad = next((t for t in texts if any(ord(c) < 32 and c not in "\t\n\r" for c in t)), None)
    if bad is not None or any(not name.strip() for name in tables):
        raise ScenarioError("table names, columns and text must be non-empty and hold no "
                            f"control characters, got {bad!r}")


def _records(frame: pd.DataFrame) -> list[Json]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in clean.to_dict(orient="records")]


def _job_json(view: JobView) -> Json:
    return {"id": view.id, "kind": view.kind, "status": view.status,
            "progress": view.progress, "message": view.message, "result": view.result,
            "error": view.error}
