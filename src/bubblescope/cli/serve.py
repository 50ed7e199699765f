"""`bubblescope serve`: run the dashboard (FastAPI under uvicorn), on loopback by default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bubblescope.cli.common import err_console
from bubblescope.datadir import DATA_ENV, resolve_data_dir

__all__ = ["TOKEN_ENV", "register", "serve"]

TOKEN_ENV = "BUBBLESCOPE_TOKEN"


def serve(
    host: Annotated[str, typer.Option(help="Address to bind; non-loopback needs --token.")] = (
        "127.0.0.1"),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    token: Annotated[str | None, typer.Option(
        envvar=TOKEN_ENV, help=f"Access token required on every request (or ${TOKEN_ENV}).",
    )] = None,
    web: Annotated[Path | None, typer.Option(
        help="Web directory to show instead of the bundled default.",
    )] = None,
    data_dir: Annotated[Path | None, typer.Option(
        help=f"Directory of extra price series (default: ${DATA_ENV} or ../shared/data).",
    )] = None,
) -> None:
    """Serve the dashboard: the web, stress, signals and data pages and their JSON API."""
    import uvicorn

    from bubblescope import load_web
    from bubblescope.dashboard import Settings, create_app

    found = resolve_data_dir(data_dir)
    settings = Settings(host=host, port=port, token=token, data_dir=found)
    app = create_app(settings, load_web(str(web)) if web is not None else None)
    where = f"http://{host}:{port}/" + ("?token=…" if token else "")
    err_console.print(f"bubblescope dashboard on {where}  (Ctrl-C to stop)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add the `serve` command to ``app``."""
    app.command("serve")(serve)
