"""The dependency rules of the layout, checked on the import statements of every module:
``schema -> identity -> portal`` (models, db, services); only the assembly modules of
``portal`` (app, web, runtime, cli, demo) see the layers above; ``identity`` never imports
Strawberry or Starlette."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSEMBLY = {
    "portal/app.py",
    "portal/web.py",
    "portal/runtime.py",
    "portal/cli.py",
    "portal/demo.py",
}


def imports(package: str) -> Iterator[tuple[str, str]]:
    """``(module path, imported top-level name)`` for every import in ``package``."""
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("portal/migrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield relative, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield relative, node.module


def violations(package: str, forbidden: tuple[str, ...], allowed: set[str]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, name in imports(package)
        if module not in allowed and name.split(".")[0] in forbidden
    ]


def test_portal_domain_code_never_imports_the_layers_above() -> None:
    assert violations("portal", ("identity", "schema"), ASSEMBLY) == []


def test_identity_never_imports_the_web_or_graphql_layers() -> None:
    assert violations("identity", ("schema", "strawberry", "starlette", "graphql"), set()) == []


def test_the_two_apis_never_import_each_other() -> None:
    """Types both APIs use live in ``schema.common``."""
    found = [
        f"{module} imports {name}"
        for module, name in imports("schema")
        for api, other in (("schema/portal/", "schema.admin"), ("schema/admin/", "schema.portal"))
        if module.startswith(api) and (name == other or name.startswith(other + "."))
    ]
    assert found == []


def test_the_rules_would_catch_a_violation() -> None:
    found = list(imports("portal"))
    assert ("portal/app.py", "schema.admin.schema") in found  # the walker sees real imports
