"""The CLI's error boundary: one line and a documented exit code for every failure,
SIGTERM handled like Ctrl-C, no partial or stale temp file after any interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from access.cli import app
from access.cli._errors import EXIT_BUG, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, friendly
from access.errors import InputError
from access.io.output import atomic_path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "gtfs_samples" / "beijing_tianjin_intercity.yaml"
runner = CliRunner()


def _toy_app(body) -> typer.Typer:
    toy = typer.Typer()

    @toy.command()
    @friendly
    def run() -> None:
        body()

    @toy.command()
    def other() -> None:  # a second command keeps typer from flattening the group
        pass

    return toy


def _stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_exit_codes_follow_the_shell_convention_for_signals():
    assert (EXIT_BUG, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED) == (1, 2, 130, 143)
    assert issubclass(Terminated, KeyboardInterrupt)  # every Ctrl-C cleanup runs for SIGTERM


def test_a_library_error_is_one_line_and_exit_2_even_when_its_message_spans_lines():
    def body():
        raise InputError("first line\nsecond line\n\tthird")

    result = runner.invoke(_toy_app(body), ["run"])
    assert result.exit_code == EXIT_INPUT
    assert _stderr_lines(result) == ["error: first line second line third"]


@pytest.mark.parametrize(
    "exc, code, words",
    [
        (OSError(28, "No space left on device"), EXIT_INPUT, "No space left on device"),
        (PermissionError(13, "Permission denied"), EXIT_INPUT, "Permission denied"),
        (ZeroDivisionError("division by zero"), EXIT_BUG, "unexpected ZeroDivisionError"),
        (KeyError("stop_id"), EXIT_BUG, "unexpected KeyError"),
    ],
    ids=["enospc", "eacces", "bug", "keyerror"],
)
def test_any_other_exception_is_one_line_pointing_to_debug(exc, code, words):
    def body():
        raise exc

    result = runner.invoke(_toy_app(body), ["run"])
    assert result.exit_code == code
    lines = _stderr_lines(result)
    assert len(lines) == 1 and words in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in result.output


def test_memory_error_is_one_line_with_advice():
    def body():
        raise MemoryError()

    result = runner.invoke(_toy_app(body), ["run"])
    assert result.exit_code == EXIT_BUG
    assert _stderr_lines(result) == ["error: out of memory; try a smaller area, fewer origins or a shorter window."]


def test_debug_shows_the_traceback_and_keeps_the_exit_code(monkeypatch):
    def body():
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("ACCESS_DEBUG", "1")
    result = runner.invoke(_toy_app(body), ["run"])
    assert result.exit_code == EXIT_BUG
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr


def test_access_debug_option_turns_tracebacks_on_for_one_run(tmp_path):
    missing = tmp_path / "nowhere.osm.pbf"
    quiet = runner.invoke(app, ["build", "--osm", str(missing), "-q"])
    loud = runner.invoke(app, ["--debug", "build", "--osm", str(missing), "-q"])
    again = runner.invoke(app, ["build", "--osm", str(missing), "-q"])
    assert quiet.exit_code == loud.exit_code == again.exit_code == EXIT_INPUT
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr and "Traceback" not in again.stderr
    assert _stderr_lines(quiet) == [f"error: OSM file {missing} does not exist; check the path."]


def test_warnings_are_printed_once_after_success_and_dropped_on_failure():
    def succeed():
        warnings.warn("3 stops dropped", UserWarning, stacklevel=1)
        warnings.warn("3 stops dropped", UserWarning, stacklevel=1)
        typer.echo("result")

    def fail():
        warnings.warn("3 stops dropped", UserWarning, stacklevel=1)
        raise InputError("no usable stop_times")

    good = runner.invoke(_toy_app(succeed), ["run"])
    assert good.exit_code == 0 and _stderr_lines(good) == ["warning: 3 stops dropped"]
    bad = runner.invoke(_toy_app(fail), ["run"])
    assert bad.exit_code == EXIT_INPUT and _stderr_lines(bad) == ["error: no usable stop_times"]


def test_ctrl_c_and_sigterm_inside_a_write_remove_the_temp_file(tmp_path):
    for exc, code in ((KeyboardInterrupt(), EXIT_INTERRUPTED), (Terminated(), EXIT_TERMINATED)):
        target = tmp_path / "out.csv"

        def body(exc=exc, target=target):
            with atomic_path(target) as tmp:
                tmp.write_text("id\n1\n")
                raise exc

        result = runner.invoke(_toy_app(body), ["run"])
        assert result.exit_code == code
        assert len(_stderr_lines(result)) == 1 and "no partial file" in result.stderr
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["isochrone", "--osm", "x.osm.pbf", "--lon", "abc", "--lat", "3", "--out", "x.geojson"],
            "Invalid value for '--lon'",
        ),  # fmt: skip
        (["isochrnoe"], "No such command 'isochrnoe'"),
        (["build", "--no-such-option"], "No such option"),
    ],
    ids=["bad-option-value", "unknown-command", "unknown-option"],
)
def test_usage_errors_of_the_console_script_are_one_line_naming_the_help(args, words, capsys):
    from access.cli._errors import run_console

    with pytest.raises(SystemExit) as info:
        run_console(app, args)
    err = capsys.readouterr().err
    assert info.value.code == EXIT_INPUT
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0] and "--help`" in lines[0]


def test_no_arguments_still_print_the_help(capsys):
    from access.cli._errors import run_console

    with pytest.raises(SystemExit) as info:
        run_console(app, [])
    assert info.value.code == EXIT_INPUT
    assert "rail-spec" in capsys.readouterr().out


def test_a_commands_own_exit_and_usage_errors_pass_through_untouched():
    def stop_early():
        warnings.warn("held until the end", UserWarning, stacklevel=1)
        raise typer.Exit(0)

    def bad_parameter():
        raise typer.BadParameter("must be positive", param_hint="'--n'")

    done = runner.invoke(_toy_app(stop_early), ["run"])
    assert done.exit_code == 0 and _stderr_lines(done) == ["warning: held until the end"]
    usage = runner.invoke(_toy_app(bad_parameter), ["run"])
    assert usage.exit_code == 2 and "must be positive" in usage.output and "unexpected" not in usage.output


# A real command (rail-spec to-gtfs) stopped in the middle of writing its zip: the writer
# is slowed down after its first member so the signal lands mid-write, deterministically.
_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time, zipfile
    real = zipfile.ZipFile.writestr
    def slow(self, *args, **kwargs):
        real(self, *args, **kwargs)
        print("writing", flush=True)
        time.sleep(60)
    zipfile.ZipFile.writestr = slow
    from access.cli import main
    sys.argv = ["access", "rail-spec", "to-gtfs", sys.argv[1], sys.argv[2], "-q"]
    main()
    """
)


def _start_slow_write(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(SPEC), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
    temps = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.partial-")]
    assert len(temps) == 1, "the write is under way in a hidden temp file"
    return proc


def test_sigterm_mid_write_ends_by_sigterm_with_one_line_and_no_file_at_all(tmp_path):
    out = tmp_path / "line.zip"
    proc = _start_slow_write(out)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    # cleaned up, then ended by the signal itself: a shell reports status 143 (128 + 15)
    assert proc.returncode == -signal.SIGTERM
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "error: terminated (SIGTERM); no partial file was left."
    ]
    assert list(tmp_path.iterdir()) == []


def test_kill_9_mid_write_leaves_a_temp_file_that_the_next_write_sweeps(tmp_path):
    out = tmp_path / "line.zip"
    proc = _start_slow_write(out)
    proc.kill()
    proc.wait(timeout=60)
    assert not out.exists()
    stale = [p for p in tmp_path.iterdir() if p.name.startswith(".line.zip.partial-")]
    assert len(stale) == 1, "SIGKILL cannot be caught: the temp file stays until the next write"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the killed pid must be gone (reaped) for the sweep
        try:
            os.kill(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    result = runner.invoke(app, ["rail-spec", "to-gtfs", str(SPEC), str(tmp_path / "other.zip"), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.zip"]
