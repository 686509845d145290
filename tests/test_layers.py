"""The layers show in the imports: units/ is the ground floor, recruitment/ builds on it, reports/ on
both, dashboard/ (pages that combine them) on top. An app never imports one above it, and no module
imports itself back through others."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"units": 0, "recruitment": 1, "reports": 2, "dashboard": 3}


def _modules():
    """{dotted name: path} for the apps' code, migrations left out."""
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name, path):
    """The project modules `name` imports, anywhere in it (a function-level import is a dependency too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
            names = [None]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            bases = [base]
            names = [alias.name for alias in node.names]
        else:
            continue
        for base in bases:
            if base.split(".")[0] not in LAYERS:
                continue
            for imported in names:
                submodule = f"{base}.{imported}" if imported else None
                targets.add(submodule if submodule in MODULES else base)
    return targets


GRAPH = {name: {target for target in _imports(name, path) if target in MODULES} for name, path in MODULES.items()}


@pytest.mark.parametrize("app", list(LAYERS))
def test_no_app_imports_one_above_it(app):
    upward = sorted(
        (name, target)
        for name, targets in GRAPH.items()
        if name.split(".")[0] == app
        for target in targets
        if LAYERS[target.split(".")[0]] > LAYERS[app]
    )
    assert not upward, f"{app} imports from a layer above it: {upward}"


def test_no_import_cycles():
    visiting, done, cycles = [], set(), []

    def visit(name):
        if name in done:
            return
        if name in visiting:
            cycles.append(visiting[visiting.index(name) :] + [name])
            return
        visiting.append(name)
        for target in sorted(GRAPH[name]):
            if target != name and not name.startswith(f"{target}."):  # a package's own __init__
                visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)
    assert not cycles, f"import cycles: {cycles}"


def test_the_check_sees_the_imports():
    # The graph is read from the code: a known dependency in each direction that is allowed.
    assert "units.models" in GRAPH["recruitment.models"]
    assert "recruitment.progress" in GRAPH["dashboard.views"]
