"""``access serve``: run the REST service (FastAPI under uvicorn) on a region config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from access.cli._app import app, friendly
from access.errors import InputError

__all__ = ["serve"]


@app.command()
@friendly
def serve(
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", help="Region YAML (repeatable); default: the built-in sample region."),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Registry and sample-region folder (default $ACCESS_API_DATA_DIR).")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="Require this X-API-Key (default $ACCESS_API_API_KEY).")] = None,
    workers: Annotated[int | None, typer.Option(help="Threads for routing work (default: CPU count).")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve isochrones, travel times and more over HTTP (OpenAPI docs at /docs)."""
    try:  # start-up: the service's packages are an optional extra, loaded when it runs
        import uvicorn

        from api.app import create_app
        from api.settings import Settings
    except ImportError as exc:
        raise InputError(
            f"access serve needs the service extra ({exc.name}): pip install 'commuting-circles[service]'."
        ) from None

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(
        regions=config or None, data_dir=data_dir, api_key=api_key, workers=workers, log_level=log_level
    )
    typer.echo(f"serving on http://{host}:{port} (docs: http://{host}:{port}/docs)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=30)
