"""The ``access`` command (typer): one module per command group, the core commands in ``_app``."""

from __future__ import annotations

from access.cli._app import app, main, register_commands

__all__ = ["app", "main"]

register_commands()
