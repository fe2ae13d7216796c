"""The CLI's error boundary: every failure is one line on stderr and a documented exit code.

``friendly`` wraps each command. A library error (:class:`access.errors.AccessError`) is
the user's to fix: one line, exit 2. Ctrl-C and SIGTERM unwind like an exception, so
every atomic write removes its temp file, then exit 130 / 143 (128 + signal number, the
shell's convention; the console script then ends by SIGTERM itself, as a
supervisor expects). Anything else is a bug or the machine: one line naming the
exception, a pointer to ``--debug`` for the traceback, exit 1 (an ``OSError`` such as a
full disk or a permission error exits 2: the environment, not the program, is at fault).

Warnings are held while the command runs and printed, one line each, when it succeeds;
when it fails only the error line is printed (``--debug`` shows both, as they happen).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator

import typer

from access.errors import AccessError

try:  # typer >= 0.25 vendors click; older ones raise click's own classes
    import click
except ImportError:  # pragma: no cover
    click = None

# Exceptions that are typer's (and click's) own control flow: exits, aborts, usage errors.
_TYPER_FLOW: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort)
try:  # typer.exceptions is newer than typer 0.17 (whose errors are click's, below)
    from typer.exceptions import TyperException

    _TYPER_FLOW += (TyperException,)
except ImportError:  # typer 0.17: click's classes below cover it
    pass
if click is not None:
    _TYPER_FLOW += (click.exceptions.Exit, click.exceptions.Abort, click.ClickException)

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "Terminated",
    "friendly",
    "one_line",
    "set_debug",
    "debug_enabled",
    "sigterm_as_interrupt",
    "check_outputs",
    "die_by_sigterm",
    "run_console",
]

EXIT_BUG = 1  # an unexpected exception: a bug to report (run with --debug for the traceback)
EXIT_INPUT = 2  # bad input or environment (file, option, full disk): fix it and rerun
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, SIGTERM (kill, a scheduler's time limit)
DEBUG_ENV = "ACCESS_DEBUG"  # ACCESS_DEBUG=1 is the same as access --debug

_debug = False


class Terminated(KeyboardInterrupt):
    """SIGTERM raised in the main thread: a KeyboardInterrupt, so every cleanup written
    for Ctrl-C (temp files, worker pools, queued origins) runs for it too."""


def set_debug(on: bool) -> None:
    """Show tracebacks (and warnings as they happen) instead of one-line errors."""
    global _debug
    _debug = bool(on)


def debug_enabled() -> bool:
    """``access --debug`` was given or ``$ACCESS_DEBUG`` is set to something but 0."""
    return _debug or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) as one space."""
    return " ".join(str(text).split())


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated` in the main thread (elsewhere,
    where Python cannot install handlers, nothing changes); the old handler comes back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_console(app: typer.Typer, args: list[str] | None = None) -> None:
    """Run ``app`` as the console script: usage errors (a bad option value, an unknown
    command) are one line too, naming the ``--help`` to read; after SIGTERM the process
    ends by that signal once everything is cleaned up."""
    try:
        code = app(args, standalone_mode=False)
    except KeyboardInterrupt:  # outside a command body (while parsing or importing)
        typer.echo("interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except _TYPER_FLOW as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help text is already printed
            sys.exit(EXIT_INPUT)
        if not hasattr(exc, "format_message"):  # an abort (e.g. Ctrl-D at a prompt)
            _echo_error("aborted.")
            sys.exit(EXIT_BUG)
        ctx = getattr(exc, "ctx", None)
        hint = f"; see `{ctx.command_path} --help`" if ctx is not None else ""
        _echo_error(f"{exc.format_message()}{hint}")
        sys.exit(getattr(exc, "exit_code", EXIT_INPUT))
    if code == EXIT_TERMINATED:
        die_by_sigterm()
    sys.exit(code if isinstance(code, int) else 0)


def die_by_sigterm() -> None:
    """End the process by SIGTERM itself once cleanup is done, so that a parent (a shell,
    a supervisor, uvicorn's re-raise) sees the death it asked for; exit 143 if that fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    sys.exit(EXIT_TERMINATED)


def _echo_error(text: str) -> None:
    typer.echo(f"error: {one_line(text)}", err=True)


def _describe(exc: BaseException) -> str:
    text = one_line(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def friendly(command: Callable) -> Callable:
    """Wrap a typer command: errors as one line and an exit code, SIGTERM like Ctrl-C."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        held: list[str] = []
        debug = debug_enabled()

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            text = f"warning: {one_line(message)}"
            if debug:
                typer.echo(text, err=True)
            elif text not in held:
                held.append(text)

        def fail(code: int, message: str | None) -> typer.Exit:
            if debug:
                traceback.print_exc()
            if message is not None:
                _echo_error(message)
            return typer.Exit(code)

        try:
            with sigterm_as_interrupt(), warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.showwarning = show
                result = command(*args, **kwargs)
        except _TYPER_FLOW as exc:
            if getattr(exc, "exit_code", None) == 0:
                _flush(held)
            raise  # a command's own exit, abort or usage error keeps its code and text
        except AccessError as exc:
            raise fail(EXIT_INPUT, str(exc)) from None
        except Terminated:
            raise fail(EXIT_TERMINATED, "terminated (SIGTERM); no partial file was left.") from None
        except KeyboardInterrupt:
            raise fail(EXIT_INTERRUPTED, "interrupted; no partial file was left.") from None
        except OSError as exc:
            # not converted by a reader or writer: still the machine's state (a full
            # disk, a permission, a vanished file), which the user can fix
            raise fail(EXIT_INPUT, f"{_describe(exc)} (run `access --debug ...` for the traceback)") from None
        except MemoryError:
            raise fail(EXIT_BUG, "out of memory; try a smaller area, fewer origins or a shorter window.") from None
        except Exception as exc:
            raise fail(
                EXIT_BUG, f"unexpected {_describe(exc)} (a bug; run `access --debug ...` for the traceback)"
            ) from None
        _flush(held)
        return result

    return wrapper


def _flush(held: list[str]) -> None:
    for text in held:
        typer.echo(text, err=True)


def check_outputs(*files, folders=()) -> None:
    """Before any work: every output file (``None`` skipped) and folder can be written,
    else an :class:`~access.errors.OutputError` naming the first that cannot."""
    from access.io.output import check_writable  # start-up: access.io.output loads pandas and geopandas

    for path in files:
        if path is not None:
            check_writable(path)
    for path in folders:
        if path is not None:
            check_writable(path, folder=True)
