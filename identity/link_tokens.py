"""The signed token of a link emailed to a customer (activation, password reset, email change,
matching flow, support login): read with the typed error a customer sees, spent once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from identity.errors import PortalAuthErrorCode as Code
from identity.signed_tokens import (
    SignedTokens,
    TokenAlreadyUsed,
    TokenClaims,
    TokenExpired,
    TokenInvalid,
    TokenPurpose,
    redeem_once,
)
from portal.errors import InvalidInput
from portal.models import PortalUser


def read_token(
    tokens: SignedTokens,
    token: str,
    purpose: TokenPurpose,
    max_age: timedelta,
    field: str = "token",
) -> TokenClaims:
    """The claims of ``token`` or the typed error a customer sees."""
    try:
        return tokens.read(token, purpose, max_age)
    except TokenExpired:
        raise InvalidInput.single(Code.TOKEN_EXPIRED, field, "The link has expired.") from None
    except TokenInvalid:
        raise InvalidInput.single(Code.INVALID_TOKEN, field, "The link is not valid.") from None


async def spend_token(session: AsyncSession, claims: TokenClaims, field: str = "token") -> None:
    """Mark the token used; a second redemption, also a concurrent one, is ``TOKEN_USED``."""
    try:
        await redeem_once(session, claims)
    except TokenAlreadyUsed:
        raise InvalidInput.single(Code.TOKEN_USED, field, "The link was already used.") from None


async def redeem_user_link(
    session: AsyncSession,
    tokens: SignedTokens,
    token: str,
    purpose: TokenPurpose,
    max_age: timedelta,
    *,
    still_valid: Callable[[PortalUser, TokenClaims], bool] = lambda _user, _claims: True,
    before_spending: Callable[[PortalUser], None] = lambda _user: None,
) -> PortalUser:
    """Read ``token``, lock the portal user it names, check that the link is ``still_valid``
    for that user (``INVALID_TOKEN`` if not), run ``before_spending`` (a check whose failure
    should leave the link usable) and spend the token (``TOKEN_USED`` the second time).
    The user stays row-locked for the caller's change."""
    claims = read_token(tokens, token, purpose, max_age)
    user = await session.get(PortalUser, claims.subject, with_for_update=True)
    if user is None or not still_valid(user, claims):
        raise InvalidInput.single(Code.INVALID_TOKEN, "token", "The link is not valid.")
    before_spending(user)
    await spend_token(session, claims)
    return user
