"""The ``access`` application object, its ``--debug`` switch and the command registry.

Commands live one group per module (:data:`COMMAND_MODULES`); each registers itself on
:data:`app`. Shared options are declared once in :mod:`access.cli._options`; the error
boundary every command is wrapped in (:func:`friendly`) lives in :mod:`access.cli._errors`.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from access.cli._errors import friendly, run_console, set_debug

__all__ = ["app", "main", "friendly", "register_commands", "COMMAND_MODULES"]

app = typer.Typer(
    name="access",
    help="Commuting circles: isochrones and travel times on OSM road networks (offline).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# the command modules of access.cli, in the order their commands are listed
COMMAND_MODULES = (
    "routing",
    "sample",
    "accessibility",
    "china",
    "china_rail",
    "circles",
    "cluster",
    "engines",
    "scenarios",
    "serve",
)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks (and warnings as they happen) instead of one line.")
    ] = False,
) -> None:
    """Commuting circles: isochrones and travel times on OSM road networks (offline)."""
    set_debug(debug)


def main() -> None:
    """Console-script entry point: every error on one line (``access.cli._errors``)."""
    run_console(app)


def register_commands() -> None:
    """Import the command modules of :mod:`access.cli`; each registers its commands on ``app``."""
    for module in COMMAND_MODULES:
        importlib.import_module(f"access.cli.{module}")
