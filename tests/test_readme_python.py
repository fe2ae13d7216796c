"""README doc test for Python: every fenced ``python`` block of README.md runs as written,
or says on its fence line which data it needs.

Blocks without a marker run in README order in one session (one namespace, as a reader
pasting them into one notebook: ``net`` built in one block is used in the next), in the
folder of tests/test_readme_commands.py that holds the built-in sample region under the
README's file names (``region.osm.pbf``, ``places.csv``, ``pts.csv``, ``scenario.yaml``, …).
The REST examples' ``http://127.0.0.1:8000`` is an ``access serve`` of the sample region
started for the run on a free port. A fence line may carry one marker:

- ``<!-- doc-test: needs ../shared/data/DIR (what) -->`` (one or more DIRs, or
  ``../shared/data`` itself): the block runs on its own, in a fresh namespace, in a folder
  holding DIR's files under their own names, where ``../shared/data`` is the data folder
  too; missing data fails with CI=true (``require_data``), else skips;
- ``<!-- doc-test: needs WHAT -->`` (data that is not in the repository or ../shared/data):
  the block is compiled, not run.

Deprecated names (the 0.1 API) fail the test: the README is what a user copies.
"""

from __future__ import annotations

import re
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DATA, require_data
from tests.test_readme_commands import (  # noqa: F401 (readme_folder: a fixture)
    MARKER,
    README,
    assert_needs_marker,
    readme_folder,
    served,
)

SERVICE_URL = "http://127.0.0.1:8000"
DATA_PATH = re.compile(r"\.\./shared/data(?:/(?P<dir>[\w.-]+))?")


@dataclass(frozen=True)
class Block:
    line: int  # README line of the fence
    code: str
    marker: str | None

    @property
    def data_dirs(self) -> list[str]:
        """The ../shared/data folders the marker names ("" for the data folder itself)."""
        if self.marker is None or not self.marker.startswith("needs "):
            return []
        return [m.group("dir") or "" for m in DATA_PATH.finditer(self.marker)]

    @property
    def label(self) -> str:
        return f"L{self.line}"


def python_blocks(text: str) -> list[Block]:
    """Every fenced ``python`` block of ``text``, with its fence line and marker."""
    blocks: list[Block] = []
    fence: tuple[int, str, str | None] | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("```"):
            lines.append(line)
            continue
        if fence is None:
            info = stripped[3:]
            found = MARKER.search(info)
            fence = (number, info.split()[0] if info.split() else "", found.group("text") if found else None)
            lines = []
            continue
        if fence[1] == "python":
            blocks.append(Block(fence[0], "\n".join(lines) + "\n", fence[2]))
        fence = None
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))
SESSION = [b for b in BLOCKS if b.marker is None]
ON_DATA = [b for b in BLOCKS if b.data_dirs]


def test_every_python_block_compiles_and_every_marker_names_its_data():
    assert len(BLOCKS) >= 10 and len(SESSION) >= 5
    for block in BLOCKS:
        compile(_numbered(block), str(README), "exec")  # a SyntaxError names the README line
        if block.marker is not None:
            assert_needs_marker(block.marker, block.line)


def test_the_parser_reads_blocks_markers_and_data_folders():
    text = (
        "```python\nimport access\n```\n"
        "```bash\naccess build\n```\n"
        "```python <!-- doc-test: needs ../shared/data/poa and ../shared/data/bho (cells) -->\nx = 1\n```\n"
        "```python <!-- doc-test: needs ../shared/data (China) -->\ny = 2\n```\n"
    )
    found = python_blocks(text)
    assert [(b.line, b.code, b.marker) for b in found] == [
        (1, "import access\n", None),
        (7, "x = 1\n", "needs ../shared/data/poa and ../shared/data/bho (cells)"),
        (10, "y = 2\n", "needs ../shared/data (China)"),
    ]
    assert [b.data_dirs for b in found] == [[], ["poa", "bho"], [""]]


def test_readme_python_blocks_run_in_one_session_on_the_sample_region(readme_folder, monkeypatch):  # noqa: F811
    monkeypatch.chdir(readme_folder)
    namespace: dict = {"__name__": "__readme__"}
    needs_service = any(SERVICE_URL in block.code for block in SESSION)
    with _service(readme_folder) if needs_service else _nothing() as url:
        for block in SESSION:
            _run(block, namespace, url)


@pytest.mark.parametrize("block", ON_DATA, ids=[b.label for b in ON_DATA])
def test_readme_python_block_runs_on_the_real_data_it_names(block, tmp_path, monkeypatch, china_cache):
    """Each block by itself, building into the session's shared cache of real-data networks
    (tests/conftest.py ``china_cache``: the national rail layer is built once per session,
    under its lock)."""
    import fcntl

    for folder in block.data_dirs:
        require_data(folder or ".")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(DATA, target_is_directory=True)  # ../shared/data from work/
    work = tmp_path / "work"
    work.mkdir()
    for folder in filter(None, block.data_dirs):
        for path in sorted((DATA / folder).iterdir()):
            if path.is_file() and not (work / path.name).exists():
                (work / path.name).symlink_to(path)
    monkeypatch.chdir(work)
    monkeypatch.setenv("ACCESS_CACHE_DIR", str(china_cache))
    with open(china_cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _run(block, {"__name__": "__readme__"}, None)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _numbered(block: Block) -> str:
    """The block's code, shifted so tracebacks give README line numbers."""
    return "\n" * block.line + block.code


def _run(block: Block, namespace: dict, url: str | None) -> None:
    code = _numbered(block)
    if url is not None:
        code = code.replace(SERVICE_URL, url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        try:
            exec(compile(code, str(README), "exec"), namespace)
        except Exception:
            pytest.fail(f"README line {block.line}: the Python block fails\n{traceback.format_exc()}")
    old = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning) and "access" in str(w.message)]
    assert not old, f"README line {block.line} uses deprecated names: {old}"


@contextmanager
def _nothing():
    yield None


@contextmanager
def _service(folder: Path):
    """``access serve`` (the built-in sample region) on a free port; its base URL."""
    with served(["serve"], folder, "api-data-python", "serve-python.log") as url:
        yield url
