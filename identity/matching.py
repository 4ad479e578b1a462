"""Matching a proven email address to a contact: pure rules, no database.

1. candidates are the active contacts whose normalised primary email equals the user's (and that
   have no portal user yet; the caller loads them);
2. exactly one candidate: link;
3. several: the configured second identifiers, in order, narrow them (values given at
   registration first, then values given later); exactly one left: link;
4. still several, or none left of several: ask for a second identifier;
5. no candidate at all: the registration policy decides (the caller applies it).

Identifier values are compared in normalised form: customer number trimmed, phone in E.164,
postal code without spaces and upper-cased, date of birth as ISO date.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class SecondIdentifier(StrEnum):
    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
    PHONE = "PHONE"
    POSTAL_CODE = "POSTAL_CODE"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"


class MatchKind(StrEnum):
    LINK = "LINK"
    NEEDS_SECOND_IDENTIFIER = "NEEDS_SECOND_IDENTIFIER"
    NO_CANDIDATE = "NO_CANDIDATE"


@dataclass(frozen=True)
class Candidate:
    """A contact that could be the user, reduced to what matching compares."""

    contact_id: uuid.UUID
    customer_number: str
    phones: frozenset[str] = field(default_factory=frozenset)
    postal_code: str | None = None
    date_of_birth: str | None = None

    def has(self, kind: SecondIdentifier, value: str) -> bool:
        """Whether this contact carries ``value`` (already normalised) for ``kind``."""
        if kind is SecondIdentifier.CUSTOMER_NUMBER:
            return self.customer_number == value
        if kind is SecondIdentifier.PHONE:
            return value in self.phones
        if kind is SecondIdentifier.POSTAL_CODE:
            return self.postal_code == value
        return self.date_of_birth == value


@dataclass(frozen=True)
class MatchResult:
    kind: MatchKind
    contact_id: uuid.UUID | None = None


Identifiers = Mapping[SecondIdentifier, str]


def narrow(
    candidates: Sequence[Candidate],
    order: Sequence[SecondIdentifier],
    provided: Iterable[Identifiers],
) -> list[Candidate]:
    """Filter ``candidates`` by each configured identifier that was provided, in the configured
    order, taking the sets of provided values in turn (registration first, then later answers).
    Stops as soon as one or none is left."""
    remaining = list(candidates)
    for values in provided:
        for kind in order:
            value = values.get(kind)
            if not value or len(remaining) <= 1:
                continue
            remaining = [c for c in remaining if c.has(kind, value)]
        if len(remaining) <= 1:
            break
    return remaining


def match_contact(
    candidates: Sequence[Candidate],
    order: Sequence[SecondIdentifier],
    provided: Iterable[Identifiers] = (),
) -> MatchResult:
    """Decide which contact a user with a proven email belongs to (see the module docstring)."""
    if not candidates:
        return MatchResult(MatchKind.NO_CANDIDATE)
    if len(candidates) == 1:
        return MatchResult(MatchKind.LINK, candidates[0].contact_id)
    remaining = narrow(candidates, order, provided)
    if len(remaining) == 1:
        return MatchResult(MatchKind.LINK, remaining[0].contact_id)
    return MatchResult(MatchKind.NEEDS_SECOND_IDENTIFIER)
