"""The pure matching rules, branch by branch."""

from __future__ import annotations

import uuid

import pytest

from identity.matching import (
    Candidate,
    MatchKind,
    MatchResult,
    SecondIdentifier,
    match_contact,
    narrow,
)

CN = SecondIdentifier.CUSTOMER_NUMBER
PHONE = SecondIdentifier.PHONE
POSTAL = SecondIdentifier.POSTAL_CODE
DOB = SecondIdentifier.DATE_OF_BIRTH
ALL = [CN, PHONE, POSTAL, DOB]


def candidate(number: str, **kwargs: object) -> Candidate:
    return Candidate(contact_id=uuid.uuid4(), customer_number=number, **kwargs)  # type: ignore[arg-type]


ANNA = candidate("10001", phones=frozenset({"+4930123456"}), postal_code="10115")
ANNAS_SHOP = candidate("10002", phones=frozenset({"+4930999999"}), postal_code="10115")
ANNAS_MOTHER = candidate("10003", postal_code="80331", date_of_birth="1950-03-01")


def test_no_candidate() -> None:
    assert match_contact([], ALL).kind is MatchKind.NO_CANDIDATE


def test_exactly_one_candidate_links_without_identifiers() -> None:
    result = match_contact([ANNA], ALL)
    assert result.kind is MatchKind.LINK
    assert result.contact_id == ANNA.contact_id


def test_exactly_one_candidate_links_even_if_an_identifier_differs() -> None:
    # The email is proven; a typo in an optional identifier must not block the only match.
    assert match_contact([ANNA], ALL, [{CN: "99999"}]).contact_id == ANNA.contact_id


def test_several_candidates_without_identifiers_need_one() -> None:
    result = match_contact([ANNA, ANNAS_SHOP], ALL)
    assert result == match_contact([ANNA, ANNAS_SHOP], ALL, [{}])
    assert result.kind is MatchKind.NEEDS_SECOND_IDENTIFIER
    assert result.contact_id is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({CN: "10002"}, ANNAS_SHOP),
        ({PHONE: "+4930123456"}, ANNA),
        ({POSTAL: "80331"}, ANNAS_MOTHER),
        ({DOB: "1950-03-01"}, ANNAS_MOTHER),
        ({POSTAL: "10115", PHONE: "+4930999999"}, ANNAS_SHOP),
    ],
)
def test_identifiers_given_at_registration_decide(
    given: dict[SecondIdentifier, str], expected: Candidate
) -> None:
    result = match_contact([ANNA, ANNAS_SHOP, ANNAS_MOTHER], ALL, [given])
    assert result.kind is MatchKind.LINK
    assert result.contact_id == expected.contact_id


def test_identifier_that_matches_several_still_needs_another() -> None:
    result = match_contact([ANNA, ANNAS_SHOP, ANNAS_MOTHER], ALL, [{POSTAL: "10115"}])
    assert result.kind is MatchKind.NEEDS_SECOND_IDENTIFIER


def test_identifier_matching_none_of_several_reveals_nothing() -> None:
    result = match_contact([ANNA, ANNAS_SHOP], ALL, [{CN: "55555"}])
    assert result.kind is MatchKind.NEEDS_SECOND_IDENTIFIER


def test_identifiers_given_later_complete_those_from_registration() -> None:
    registration = {POSTAL: "10115"}
    later = {PHONE: "+4930999999"}
    result = match_contact([ANNA, ANNAS_SHOP, ANNAS_MOTHER], ALL, [registration, later])
    assert result.contact_id == ANNAS_SHOP.contact_id


def test_only_configured_identifiers_count_in_their_order() -> None:
    # Date of birth is not configured: it cannot decide.
    only_numbers = [CN]
    given = [{DOB: "1950-03-01"}]
    assert match_contact([ANNA, ANNAS_MOTHER], only_numbers, given).kind is (
        MatchKind.NEEDS_SECOND_IDENTIFIER
    )
    assert narrow(
        [ANNA, ANNAS_SHOP, ANNAS_MOTHER], [POSTAL, CN], [{CN: "10001", POSTAL: "10115"}]
    ) == [ANNA]


def test_identifiers_narrowing_to_none_two_or_three_give_one_result() -> None:
    several = [
        *(candidate(f"2000{i}", postal_code="80331") for i in range(3)),
        *(candidate(f"3000{i}", postal_code="10115") for i in range(2)),
    ]
    results = {
        match_contact(several, ALL, [{POSTAL: code}]) for code in ("99999", "10115", "80331")
    }
    # None, two or three left: the same result, carrying no contact and no count.
    assert results == {MatchResult(MatchKind.NEEDS_SECOND_IDENTIFIER)}
