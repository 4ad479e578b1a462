"""Signed tokens: purpose, expiry by the clock, rotation, no personal data, single use."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from identity.signed_tokens import (
    SignedTokens,
    TokenAlreadyUsed,
    TokenExpired,
    TokenInvalid,
    TokenPurpose,
    redeem_once,
)
from portal.app.runtime import Runtime
from portal.clock import FrozenClock

HOUR = timedelta(hours=1)


@pytest.fixture
def tokens(clock: FrozenClock) -> SignedTokens:
    return SignedTokens(["current-key-0123456789-0123456789"], clock)


def test_round_trip_carries_only_opaque_ids(tokens: SignedTokens) -> None:
    subject = uuid.uuid4()
    token, jti = tokens.issue(TokenPurpose.ACTIVATION, subject, mode="READ_ONLY")
    claims = tokens.read(token, TokenPurpose.ACTIVATION, HOUR)
    assert (claims.subject, claims.jti, claims.extra) == (subject, jti, {"mode": "READ_ONLY"})
    # payload.timestamp.signature; itsdangerous compresses the payload when that is shorter and
    # marks it with a leading "." (then the first split part is empty), so decode it its way.
    payload_part = token.rsplit(".", 2)[0]
    payload = URLSafeSerializer("unused").load_payload(payload_part.encode())
    assert set(payload) == {"sub", "jti", "x"}


def test_a_token_of_one_purpose_is_refused_for_another(tokens: SignedTokens) -> None:
    token, _ = tokens.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    with pytest.raises(TokenInvalid):
        tokens.read(token, TokenPurpose.PASSWORD_RESET, HOUR)


def test_expiry_follows_the_clock(tokens: SignedTokens, clock: FrozenClock) -> None:
    token, _ = tokens.issue(TokenPurpose.PASSWORD_RESET, uuid.uuid4())
    clock.advance(HOUR - timedelta(seconds=1))
    tokens.read(token, TokenPurpose.PASSWORD_RESET, HOUR)
    clock.advance(timedelta(seconds=2))
    with pytest.raises(TokenExpired):
        tokens.read(token, TokenPurpose.PASSWORD_RESET, HOUR)


def test_a_timestamp_from_the_future_is_refused(tokens: SignedTokens, clock: FrozenClock) -> None:
    clock.advance(timedelta(minutes=10))
    token, _ = tokens.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    clock.advance(timedelta(minutes=-10))
    with pytest.raises(TokenExpired):
        tokens.read(token, TokenPurpose.ACTIVATION, HOUR)


def test_key_rotation(clock: FrozenClock) -> None:
    old = SignedTokens(["old-key-0123456789-0123456789-01"], clock)
    token, _ = old.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    rotated = SignedTokens(
        ["new-key-0123456789-0123456789-01", "old-key-0123456789-0123456789-01"], clock
    )
    rotated.read(token, TokenPurpose.ACTIVATION, HOUR)
    new_token, _ = rotated.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    SignedTokens(["new-key-0123456789-0123456789-01"], clock).read(
        new_token, TokenPurpose.ACTIVATION, HOUR
    )
    with pytest.raises(TokenInvalid):
        SignedTokens(["new-key-0123456789-0123456789-01"], clock).read(
            token, TokenPurpose.ACTIVATION, HOUR
        )


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_invalid(tokens: SignedTokens, garbage: str) -> None:
    with pytest.raises(TokenInvalid):
        tokens.read(garbage, TokenPurpose.ACTIVATION, HOUR)


async def test_redeem_once(runtime: Runtime) -> None:
    token, _ = runtime.identity.tokens.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    claims = runtime.identity.tokens.read(token, TokenPurpose.ACTIVATION, HOUR)
    async with runtime.database.transaction() as session:
        await redeem_once(session, claims)
    with pytest.raises(TokenAlreadyUsed):
        async with runtime.database.transaction() as session:
            await redeem_once(session, claims)


async def test_two_concurrent_redemptions_one_wins(runtime: Runtime, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    token, _ = runtime.identity.tokens.issue(TokenPurpose.ACTIVATION, uuid.uuid4())
    claims = runtime.identity.tokens.read(token, TokenPurpose.ACTIVATION, HOUR)

    async def redeem() -> bool:
        try:
            async with runtime.database.transaction() as session:
                await redeem_once(session, claims)
                await asyncio.sleep(0)  # let the other transaction reach its insert
        except TokenAlreadyUsed:
            return False
        return True

    outcomes = await asyncio.gather(redeem(), redeem())
    assert sorted(outcomes) == [False, True]
