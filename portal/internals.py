"""A loud stop when the private parts of a library that a shortcut builds on change.

portal takes two shortcuts through library internals, each pinned in ``pyproject.toml`` and
kept for the figure ``benchmarks/shortcuts.py`` measures (stated in each module's docstring):
``schema.common.execution`` (graphql-core, Strawberry) and ``portal.sqlite_driver``
(SQLAlchemy, aiosqlite). Each lists the private functions it overrides or calls, with their
parameters, and checks them when it is imported: an upgrade that renames or re-signs one stops
the import with a message naming it, instead of answering slower or wrongly.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any


class IncompatibleInternals(ImportError):
    """A library no longer has the internals a shortcut was written against."""


@dataclass(frozen=True)
class Internal:
    """One private attribute a shortcut relies on: that ``owner.name`` exists (a method,
    property or slot, on ``owner`` or a base) and, when given, takes ``parameters`` (after
    ``self``)."""

    owner: Any
    name: str
    parameters: tuple[str, ...] | None = None

    def problem(self) -> str | None:
        """What changed, or None when the attribute is as expected."""
        label = f"{getattr(self.owner, '__qualname__', self.owner)}.{self.name}"
        if inspect.getattr_static(self.owner, self.name, None) is None:
            return f"{label} is gone"
        if self.parameters is None:
            return None
        function = getattr(self.owner, self.name)
        parameters = tuple(inspect.signature(function).parameters)
        if parameters[:1] == ("self",):
            parameters = parameters[1:]
        if parameters != self.parameters:
            return f"{label} takes ({', '.join(parameters)}), not ({', '.join(self.parameters)})"
        return None


def installed(distribution: str) -> str:
    try:
        return f"{distribution} {version(distribution)}"
    except PackageNotFoundError:
        return f"{distribution} (not installed)"


def require(user: str, distributions: Iterable[str], internals: Iterable[Internal]) -> None:
    """Raise :class:`IncompatibleInternals` naming every internal of ``internals`` that
    changed; ``user`` is the module whose shortcut relies on them."""
    problems = [problem for internal in internals if (problem := internal.problem())]
    if problems:
        raise IncompatibleInternals(
            f"{user} relies on internals that changed in "
            + ", ".join(map(installed, distributions))
            + ":\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nInstall the versions pinned in pyproject.toml (requirements.lock), or adapt "
            f"{user} and measure it again (benchmarks/shortcuts.py)."
        )
