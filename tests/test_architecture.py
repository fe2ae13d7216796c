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
    ("access.errors", "access.config", "access._geo", "access.crs", "access._kernels", "access._moved"),
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
