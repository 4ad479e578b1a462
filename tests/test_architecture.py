"""The dependency rules of the layout, checked on the import statements of every module.

Layers, top to bottom; a module imports only from its own layer and the layers below it:

1. ``portal.app``: the application, which assembles the rest (``create_app``, the runtime,
   the HTTP glue, the command line, the demo data);
2. ``schema``: the two GraphQL APIs;
3. ``identity``: passwords, tokens, sessions, registration, impersonation;
4. the rest of ``portal``: settings, database, models, services, email.

There are no exceptions. Besides: ``identity`` never imports Strawberry, Starlette or
graphql-core, the two APIs never import each other, and no modules import each other in a
circle (imports inside functions and under ``TYPE_CHECKING`` count too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "identity", "schema")
LAYERS = ("portal.app", "schema", "identity", "portal")  # top to bottom


@cache
def modules() -> dict[str, Path]:
    """Every module of the project by dotted name (migrations are Alembic's, not imported)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("portal/migrations/"):
                continue
            name = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
            found[name] = path
    return found


def imported_names(path: Path) -> Iterator[str]:
    """The dotted names ``path`` imports, wherever the import stands (``from a import b``
    yields ``a`` and ``a.b``: ``b`` may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


@cache
def imports() -> dict[str, frozenset[str]]:
    """Each project module and the project modules it imports."""
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules().items():
        targets = set()
        for imported in imported_names(path):
            while imported and imported not in modules():
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = frozenset(targets)
    return graph


def layer_of(module: str) -> int:
    return next(
        index
        for index, layer in enumerate(LAYERS)
        if module == layer or module.startswith(layer + ".")
    )


def test_every_layer_imports_only_itself_and_the_layers_below() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in imports().items()
        for target in sorted(targets)
        if layer_of(target) < layer_of(module)
    ]
    assert upward == []


def test_identity_never_imports_the_web_or_graphql_layers() -> None:
    forbidden = ("strawberry", "starlette", "graphql")
    found = [
        f"{module} imports {name}"
        for module, path in modules().items()
        if module.startswith("identity")
        for name in imported_names(path)
        if name.split(".")[0] in forbidden
    ]
    assert found == []


def test_the_two_apis_never_import_each_other() -> None:
    """Types both APIs use live in ``schema.common``."""
    found = [
        f"{module} imports {target}"
        for module, targets in imports().items()
        for api, other in (("schema.portal", "schema.admin"), ("schema.admin", "schema.portal"))
        if module.startswith(api + ".")
        for target in sorted(targets)
        if target == other or target.startswith(other + ".")
    ]
    assert found == []


def import_circles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a circle (Tarjan's strongly connected
    components with more than one module)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                lowest[module] = min(lowest[module], lowest[target])
            elif target in stack:
                lowest[module] = min(lowest[module], index[target])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert import_circles(imports()) == []


def test_the_rules_would_catch_a_violation() -> None:
    graph = imports()
    assert "schema.admin.schema" in graph["portal.app.asgi"]  # the walker sees real imports
    assert layer_of("portal.app.asgi") < layer_of("schema.common.context")
    assert layer_of("identity.sessions") < layer_of("portal.db") == layer_of("portal.email")
    circle = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert import_circles(circle) == [["a", "b", "c"]]
