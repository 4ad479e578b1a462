"""requirements.lock, which CI installs, satisfies pyproject.toml: every dependency of the
application and of its test and dev extras is locked once, at a version its range allows, with
the hashes pip checks. ``bash .ci/lock`` rewrites the lock after pyproject.toml changes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]+))?")


def locked() -> dict[str, tuple[Version, Marker | None, int]]:
    """Each locked package: its version, the marker that limits it, and how many hashes."""
    entries: dict[str, tuple[Version, Marker | None, int]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if match := ENTRY.match(line):
            name = canonicalize_name(match["name"])
            assert name not in entries, f"{name} is locked twice"
            marker = Marker(match["marker"].strip()) if match["marker"] else None
            entries[name] = (Version(match["version"]), marker, 0)
        elif line.strip().startswith("--hash=sha256:") and name:
            version, marker, hashes = entries[name]
            entries[name] = (version, marker, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"unexpected line in requirements.lock: {line!r}")
    return entries


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in [*project["dependencies"], *extras["test"], *extras["dev"]]]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    lock = locked()
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is not in requirements.lock: run bash .ci/lock"
        version = lock[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, pyproject.toml wants {requirement}: "
            "run bash .ci/lock"
        )


def test_every_locked_package_has_hashes() -> None:
    lock = locked()
    assert len(lock) > 50  # the whole tree, not just the direct dependencies
    assert [name for name, (_, _, hashes) in lock.items() if hashes == 0] == []


def test_the_pinned_libraries_are_locked_at_the_newest_version_tested() -> None:
    """The upper bounds in pyproject.toml are the newest versions the suite passed on; the lock
    (what CI runs) holds exactly those, so CI keeps testing the top of each range."""
    lock = locked()
    for requirement in declared():
        upper = [spec.version for spec in requirement.specifier if spec.operator == "<="]
        if upper:
            assert str(lock[canonicalize_name(requirement.name)][0]) == upper[0], requirement
