"""The house by stage (docs/design.md): no import cycle, no import from a lower stage of a
higher one, few loose modules. Read from the source (ast), lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"

# Lowest first: a package may import only packages of a lower or equal rank.
RANKS = {
    "model": 0,
    "lheo": 1,
    "readers": 2,
    "reference": 3,
    "validators": 4,
    "writers": 5,
    "catalogue": 6,
    "engine": 7,
    "web": 8,
    "cli": 9,
}
# Cycles being removed by the one-engine work (issue 24, item 1); nothing else may join.
KNOWN_CYCLES: list[set[str]] = []


def module_name(path: Path, root: Path = PIPELINE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PIPELINE) -> dict[str, set[str]]:
    """Each module of `root` → the modules of `root` it imports (at any depth of its code)."""
    files = {module_name(f, root): f for f in root.rglob("*.py") if "versions" not in f.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in files else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in files and d != name}
    return graph


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANKS) else None


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, deps in sorted(graph.items()):
        here = stage(module)
        for dep in sorted(deps):
            there = stage(dep)
            if here in RANKS and there in RANKS and RANKS[there] > RANKS[here]:
                bad.append(f"{module} → {dep}")
    return bad


def test_every_package_has_a_stage():
    packages = {p.name for p in PIPELINE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(RANKS)


def test_no_upward_import():
    assert upward_imports(import_graph()) == []


def test_no_import_cycle():
    assert [c for c in cycles(import_graph()) if c not in KNOWN_CYCLES] == []


def test_few_loose_modules():
    loose = sorted(p.name for p in PIPELINE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(loose) <= 3, loose


@pytest.mark.parametrize("package", sorted(RANKS))
def test_each_stage_says_what_it_may_import(package):
    doc = ast.get_docstring(ast.parse((PIPELINE / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "May import:" in doc, package


def test_the_checks_can_fail(tmp_path):
    """A hand-made tree with one upward import and one cycle: both are found."""
    root = tmp_path / "pipeline"
    for pkg in ("model", "cli"):
        (root / pkg).mkdir(parents=True)
        (root / pkg / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "model" / "a.py").write_text("from ..cli import b\n")
    (root / "cli" / "b.py").write_text("def f():\n    from ..model import a\n")
    graph = import_graph(root)
    assert upward_imports(graph) == ["pipeline.model.a → pipeline.cli.b"]
    assert cycles(graph) == [{"pipeline.model.a", "pipeline.cli.b"}]
