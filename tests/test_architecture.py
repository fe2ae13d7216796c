"""The package layout holds: imports run one way (io -> network -> routing -> analyses ->
viz -> interfaces), no module imports the top-level ``access``, and there are no cycles.

docs/architecture.md draws the same layers; a new module joins a layer here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Lowest first. A module may import its own layer's siblings (without cycles) and any layer
# below, never one above. Analyses come in a fixed order among themselves.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "access.errors",
        "access.config",
        "access._geo",
        "access._clock",
        "access._cancel",
        "access.crs",
        "access._kernels",
        "access._moved",
    ),
    ("access.io",),
    ("access.network",),
    ("access.routing",),
    ("access.measures",),
    ("access.surfaces",),
    ("access.circles",),
    ("access.scenarios",),
    ("access.regional",),
    ("access.china",),
    ("access.sample",),
    ("access.viz",),
    ("access.r5py_compat", "access.engines"),
    ("access.demo",),
    ("access",),  # the public surface: re-exports, below the interfaces that use it
    ("api",),  # a client of the library (outside the package), may use the public surface
    ("access.cli",),
)


def _layer(module: str) -> int:
    best, rank = -1, None
    for k, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), k
    if rank is None:
        raise AssertionError(f"module {module} belongs to no layer of tests/test_architecture.py")
    return rank


def _modules() -> dict[str, Path]:
    out = {}
    for root in ("access", "api"):
        for path in (REPO / root).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) without an ``else``."""
    if not isinstance(node, ast.If) or node.orelse:
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) of every import in ``path``."""
    tree = ast.parse(path.read_text())
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue  # `if TYPE_CHECKING:` imports name types for annotations; nothing runs them
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((alias.name, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    name = ".".join(base + ([child.module] if child.module else []))
                else:
                    name = child.module or ""
                # `from access.x import y` imports module access.x.y when y is one, else access.x
                for alias in child.names:
                    found.append((f"{name}.{alias.name}", child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return [(n, line, f) for n, line, f in found if n.split(".")[0] in ("access", "api")]


def _project_edges() -> list[tuple[str, str, int, bool]]:
    modules = _modules()
    edges = []
    for module, path in modules.items():
        for name, line, in_function in _imports(path, module):
            target = name
            while target and target not in modules:  # the longest known module prefix
                target = target.rpartition(".")[0]
            if target and target != module:
                edges.append((module, target, line, in_function))
    return edges


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{src} (line {line}) imports {dst}" for src, dst, line, _ in _project_edges() if _layer(dst) > _layer(src)
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(sorted(set(upward)))


def test_nothing_inside_the_package_imports_the_top_level_access():
    top = [
        f"{src} (line {line})"
        for src, dst, line, _ in _project_edges()
        if dst == "access" and src.startswith("access.")
    ]
    assert not top, "modules importing the top-level `access`:\n" + "\n".join(sorted(set(top)))


def test_module_imports_have_no_cycles():
    graph: dict[str, set[str]] = {}
    for src, dst, _, _ in _project_edges():
        if not src.startswith(dst + "."):  # a package's __init__ re-exporting its modules is not a cycle
            graph.setdefault(src, set()).add(dst)
    # Tarjan's strongly connected components
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(graph):
        if v not in index:
            strong(v)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_every_module_belongs_to_a_layer(module):
    _layer(module)


def test_only_annotation_imports_are_left_out_of_the_import_graph():
    guarded = ast.parse("if TYPE_CHECKING:\n    import access.network\n").body[0]
    with_else = ast.parse("if TYPE_CHECKING:\n    import a\nelse:\n    import access.network\n").body[0]
    other = ast.parse("if DEBUG:\n    import access.network\n").body[0]
    assert _type_checking_only(guarded)
    assert not _type_checking_only(with_else) and not _type_checking_only(other)


# --- start-up: imports inside functions only where they buy start-up time ------------------

START_UP = "start-up"  # the comment that documents a deferred import
# never worth deferring: the standard library and the L0 settings/errors every command loads
_CHEAP = ("access.errors", "access.config", "access.cli")
# what `import access` and `access --help` must not load (issue 19.3)
HEAVY = ("geopandas", "pandas", "shapely", "scipy", "numba", "matplotlib", "dask", "distributed", "fastapi", "pyarrow")


def _function_imports() -> list[tuple[str, str, int, bool, str]]:
    """(module, imported, line, documented, text) of every import inside a function."""
    found = []
    for module, path in _modules().items():
        lines = path.read_text().splitlines()
        tree = ast.parse(path.read_text())

        def visit(node, in_function: bool, module=module, lines=lines) -> None:
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(node, field, None)
                if not isinstance(block, list):
                    continue
                run_documented = False
                for k, stmt in enumerate(block):
                    if not isinstance(stmt, ast.Import | ast.ImportFrom):
                        run_documented = False
                        continue
                    if in_function:
                        first = k == 0 or not isinstance(block[k - 1], ast.Import | ast.ImportFrom)
                        here = START_UP in lines[stmt.lineno - 1]
                        above = stmt.lineno >= 2 and START_UP in lines[stmt.lineno - 2]
                        run_documented = here or (above if first else run_documented or above)
                        names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
                        text = lines[stmt.lineno - 1].strip()
                        for name in names:
                            found.append((module, name, stmt.lineno, run_documented, text))
            for child in ast.iter_child_nodes(node):
                visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

        visit(tree, False)
    return found


def test_function_local_imports_are_documented_start_up_imports():
    undocumented = [f"{m} (line {line}): {text}" for m, _, line, ok, text in _function_imports() if not ok]
    assert not undocumented, (
        f"imports inside functions without a '# {START_UP}: why' comment (move them to the top):\n"
        + "\n".join(undocumented)
    )


def test_stdlib_settings_and_errors_are_never_deferred():
    import sys

    cheap = [
        f"{m} (line {line}): {text}"
        for m, name, line, _, text in _function_imports()
        if name.split(".")[0] in sys.stdlib_module_names or name.startswith(_CHEAP)
    ]
    assert not cheap, "imports inside functions that buy nothing (move them to the top):\n" + "\n".join(cheap)


def test_library_modules_import_the_project_at_the_top():
    """Inside the library (below the CLI) a project import inside a function only dodged a
    cycle; the layers make every such import safe at the top."""
    inner = [
        f"{m} (line {line}): {text}"
        for m, name, line, _, text in _function_imports()
        if name.split(".")[0] in ("access", "api") and not m.startswith("access.cli")
    ]
    assert not inner, "project imports inside functions:\n" + "\n".join(inner)


def test_numba_kernels_are_cached_on_disk():
    """``cache=True`` on every numba kernel: a second process loads it instead of compiling."""
    uncached = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("njit", "jit", "vectorize", "guvectorize"):
                    cache = {k.arg: k.value for k in node.keywords}.get("cache")
                    if not (isinstance(cache, ast.Constant) and cache.value is True):
                        uncached.append(f"{module} (line {node.lineno})")
    assert not uncached, "numba kernels without cache=True:\n" + "\n".join(uncached)


@pytest.mark.parametrize("statement", ["import access", "import access.cli", "import access.config, access.errors"])
def test_start_up_loads_no_heavy_library(statement):
    """``import access`` and ``access --help`` (which imports access.cli) load none of the
    heavy libraries; each arrives with the first function that needs it."""
    import subprocess
    import sys

    code = f"{statement}; import sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert loaded.stdout.strip() == "", f"{statement} loads {loaded.stdout.strip()}"


def test_public_names_load_on_first_use():
    import access

    for name in access.__all__:
        assert getattr(access, name) is not None, name
    assert set(access.__all__) <= set(dir(access))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        access.no_such_name  # noqa: B018


def test_the_library_never_sets_matplotlib_state():
    """No ``matplotlib.use`` and no pyplot inside the package: maps draw on a Figure with its
    own Agg canvas (access.viz._cartography.new_figure), so a user's backend stays theirs."""
    offenders = []
    for module, path in _modules().items():
        if not module.startswith("access"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use":
                if getattr(node.func.value, "id", "") == "matplotlib":
                    offenders.append(f"{module} (line {node.lineno}): matplotlib.use")
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{module} (line {node.lineno}): {n}" for n in names if "pyplot" in n]
    assert not offenders, "global matplotlib state in the library:\n" + "\n".join(offenders)


def test_commuting_circles_are_split_into_steps_a_newcomer_can_follow():
    """Centres, zones, routing, membership and polygons each in their own module (the old
    625-line circles.py mixed them); circles.py only composes them."""
    folder = REPO / "access" / "circles"
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert {"centres.py", "zones.py", "times.py", "membership.py", "polygons.py", "circles.py"} <= set(sizes)
    assert max(sizes.values()) <= 250, sizes
    composed = {dst for src, dst, _, _ in _project_edges() if src == "access.circles.circles"}
    for step in ("centres", "times", "membership", "polygons", "zones"):
        assert f"access.circles.{step}" in composed
