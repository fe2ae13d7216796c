"""README doc test: every fenced ``access …`` command in README.md runs as written on the
sample region and exits 0, or its block says on the fence line why not.

The commands run in a folder holding the built-in sample region under the README's file
names (``SAMPLE_NAMES``), in the order they appear, each in-process through the typer app
(``access serve`` as a real process on a free port, stopped once ``/health`` answers).
A fence line may carry one marker the test reads:

- ``<!-- doc-test: needs WHAT -->``: the block needs data the sample region lacks (WHAT
  says which); its commands are parsed but not run here;
- ``<!-- doc-test: run by tests/test_x.py -->``: run by that test module (which must exist
  and invoke the same subcommand), e.g. the minute-long ``access demo``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARKER = re.compile(r"<!--\s*doc-test:\s*(?P<text>.*?)\s*-->")
SHELL_BLOCKS = ("bash", "sh", "shell", "console")

# README file name -> what the test folder holds under it (sample files written by
# `access sample`, or a table made from places.csv: villages, points, jobs)
SAMPLE_NAMES = {
    "region.osm.pbf": "sample_region.osm.pbf",
    "places.csv": "places.csv",
    "buses.zip": "sample_buses.zip",
    "line.yaml": "sample_intercity.yaml",
    "villages.csv": "villages",
    "pts.csv": "points",
    "jobs.csv": "jobs",
    "scenario.yaml": "the README's scenario YAML block",
    "region.yaml": "a service region config of the files above",
}
# options naming files a command writes (checked to exist and be non-empty)
OUTPUT_OPTIONS = ("--out", "--png", "--summary", "--polygons", "--raster")


@dataclass(frozen=True)
class Command:
    line: int  # README line where the command starts
    args: tuple[str, ...]  # after "access"
    marker: str | None  # the block's doc-test marker text, if any

    @property
    def label(self) -> str:
        return f"L{self.line}-{'-'.join(self.args[:2]) if self.args[:1] == ('rail-spec',) else self.args[0]}"


def readme_commands(text: str) -> list[Command]:
    """Every ``access …`` command of the README's shell blocks: continuation lines joined,
    comments dropped, ``NAME=value`` lines of the block expanded in later commands."""
    commands: list[Command] = []
    block: str | None = None
    marker: str | None = None
    variables: dict[str, str] = {}
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            if block is None:
                info = stripped[3:]
                block = info.split()[0] if info.split() else ""
                found = MARKER.search(info)
                marker = found.group("text") if found else None
                variables = {}
            else:
                block = None
            continue
        if block not in SHELL_BLOCKS:
            continue
        if not pending:
            start = number
        pending += " " + stripped
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        words = shlex.split(pending, comments=True)
        pending = ""
        if len(words) == 1 and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            name, value = words[0].split("=", 1)
            variables[name] = value
        elif words[:1] == ["access"]:
            known = dict(variables)
            args = tuple(re.sub(r"\$(\w+)", lambda m, v=known: v.get(m.group(1), m.group(0)), w) for w in words[1:])
            commands.append(Command(start, args, marker))
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))
RUN_HERE = [c for c in COMMANDS if c.marker is None]


def assert_needs_marker(marker: str, line: int, wanted: str = "'needs WHAT'") -> None:
    """A doc-test marker that skips a README block must name what the block needs."""
    assert marker.startswith("needs ") and len(marker) > len("needs ") + 3, (
        f"README line {line}: marker {marker!r} should be {wanted}"
    )


def test_the_readme_has_commands_and_every_marker_says_why():
    assert len(COMMANDS) >= 20 and len(RUN_HERE) >= 12
    for command in COMMANDS:
        if command.marker is None:
            continue
        if command.marker.startswith("run by "):
            module = REPO / command.marker.removeprefix("run by ").strip()
            assert module.is_file(), f"README line {command.line}: {module} does not exist"
            assert command.args[0] in module.read_text(encoding="utf-8"), (
                f"README line {command.line}: {module.name} never runs `access {command.args[0]}`"
            )
        else:
            assert_needs_marker(command.marker, command.line, "'needs WHAT' or 'run by tests/…'")


def test_the_parser_joins_continuations_drops_comments_and_reads_markers():
    text = (
        "```bash <!-- doc-test: needs Porto Alegre -->\n"
        "access travel-times --osm poa.pbf \\\n    --out 'a b.csv'   # a comment\n```\n"
        "```bash\nD=../data\naccess china lines --data $D  # note\nmake serve\n```\n"
        "```python\naccess = 1\n```\n"
    )
    found = readme_commands(text)
    assert [(c.line, c.args, c.marker) for c in found] == [
        (2, ("travel-times", "--osm", "poa.pbf", "--out", "a b.csv"), "needs Porto Alegre"),
        (7, ("china", "lines", "--data", "../data"), None),
    ]


@pytest.fixture(scope="module")
def readme_folder(tmp_path_factory):
    """The sample region under the README's names (see SAMPLE_NAMES)."""
    from access.sample import write_sample_region
    from access.sample.transit import write_sample_transit

    folder = tmp_path_factory.mktemp("readme")
    region = write_sample_region(folder)
    write_sample_transit(region, folder)
    for name, source in SAMPLE_NAMES.items():
        if (folder / source).is_file() and name != source:
            shutil.copyfile(folder / source, folder / name)
    places = pd.read_csv(folder / "places.csv")
    places.loc[places["kind"] == "village", ["id", "lon", "lat"]].to_csv(folder / "villages.csv", index=False)
    places.loc[places["kind"] != "village", ["id", "lon", "lat"]].to_csv(folder / "pts.csv", index=False)
    places.loc[places["jobs"] > 0, ["id", "lon", "lat", "jobs"]].to_csv(folder / "jobs.csv", index=False)
    (folder / "scenario.yaml").write_text(_readme_scenario(), encoding="utf-8")
    (folder / "region.yaml").write_text(
        "name: sample\nosm: region.osm.pbf\nmodes: [walk, car]\ngtfs: [buses.zip]\nrail_specs: [line.yaml]\n"
        "opportunities: {places: places.csv}\n",
        encoding="utf-8",
    )
    return folder


def _readme_scenario() -> str:
    """The README's scenario YAML block (the one with ``modifications:``), as written."""
    blocks = re.findall(r"```yaml[^\n]*\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    scenarios = [b for b in blocks if "modifications:" in b and "base:" in b]
    assert len(scenarios) == 1, "README should hold one scenario YAML block"
    return scenarios[0]


@pytest.mark.parametrize("command", RUN_HERE, ids=[c.label for c in RUN_HERE])
def test_readme_command_runs_on_the_sample_region(command, readme_folder, monkeypatch):
    monkeypatch.chdir(readme_folder)
    args = list(command.args)
    if args[0] == "serve":
        _serve(args, readme_folder)
        return
    from access.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"README line {command.line}: access {shlex.join(args)}\n{result.output}"
    for option, value in zip(args, args[1:], strict=False):
        if option in OUTPUT_OPTIONS:
            written = readme_folder / value
            assert written.exists(), f"README line {command.line}: {value} was not written"
            assert written.is_dir() or written.stat().st_size > 0, f"README line {command.line}: {value} is empty"


def _serve(args: list[str], folder: Path) -> None:
    """``access serve …`` as a process on a free port (the README's --port replaced);
    it must answer /health, then stop on SIGTERM."""
    with served(args, folder, "api-data", "serve.log"):
        pass


@contextmanager
def served(args: list[str], folder: Path, data_dir: str, log_name: str):
    """``access serve …`` run in ``folder`` on a free port (a given --port replaced), with its
    data dir ``folder/data_dir`` and its output in ``folder/log_name``; yields its base URL
    once it answers /health, stops it on SIGTERM afterwards."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = list(args)
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    else:
        args += ["--port", str(port)]
    env = {**os.environ, "ACCESS_API_DATA_DIR": str(folder / data_dir)}
    log = folder / log_name
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "access.cli", *args], cwd=folder, stdout=sink, stderr=sink, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, f"access serve exited with {process.returncode}:\n{log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"access serve did not answer:\n{log.read_text()[-2000:]}"
            time.sleep(1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
