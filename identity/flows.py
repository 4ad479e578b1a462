"""Second-identifier flows: a short-lived, attempt-limited question "which contact are you?".

The flow token is signed (purpose ``matching-flow``) and names only the flow's id; attempts are
counted in the database per portal user, across flows, so neither re-sending the token, parallel
requests nor a new flow from another logIn buy more tries.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import PortalAuthErrorCode as Code
from identity.link_tokens import read_token
from identity.signed_tokens import TokenPurpose
from identity.states import PendingReason
from portal.errors import InvalidInput
from portal.models import MatchingFlow, PortalUser
from portal.models.base import session_now
from portal.services.portal_settings import PortalSettings


def flow_lifetime(portal_settings: PortalSettings) -> timedelta:
    return timedelta(minutes=portal_settings.matching_flow_minutes)


def attempts_left(portal_settings: PortalSettings, user: PortalUser) -> int:
    """Second-identifier answers the user may still give, over all their flows."""
    return portal_settings.max_second_identifier_attempts - user.second_identifier_attempts


async def open_flow(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    user: PortalUser,
) -> str:
    """Start a new flow for ``user`` (closing any open one) and return its token."""
    now = session_now(session)
    for flow in await session.scalars(
        select(MatchingFlow).where(
            MatchingFlow.portal_user_id == user.id, MatchingFlow.closed_at.is_(None)
        )
    ):
        flow.closed_at = now
    flow = MatchingFlow(
        portal_user_id=user.id, attempts=0, expires_at=now + flow_lifetime(portal_settings)
    )
    session.add(flow)
    await session.flush()
    token, _ = env.tokens.issue(TokenPurpose.MATCHING_FLOW, flow.id)
    return token


async def flow_token_for_pending(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    user: PortalUser,
) -> str | None:
    """A flow token for a pending user whose contact a second identifier could still decide
    (several candidates, attempts left); None when only staff can help."""
    if user.pending_reason != PendingReason.AMBIGUOUS or user.contact_id is not None:
        return None
    if attempts_left(portal_settings, user) <= 0:
        return None
    return await open_flow(session, env, portal_settings, user)


async def load_open_flow(
    session: AsyncSession, env: IdentityEnvironment, portal_settings: PortalSettings, token: str
) -> tuple[MatchingFlow, PortalUser]:
    """The open flow of ``token`` (row-locked) and its user, or the typed error to show."""
    claims = read_token(
        env.tokens, token, TokenPurpose.MATCHING_FLOW, flow_lifetime(portal_settings), "flow_token"
    )
    flow = await session.get(MatchingFlow, claims.subject, with_for_update=True)
    if flow is None or flow.closed_at is not None or flow.expires_at <= session_now(session):
        raise InvalidInput.single(Code.TOKEN_EXPIRED, "flow_token", "This step has expired.")
    user = await session.get(PortalUser, flow.portal_user_id, with_for_update=True)
    if user is None or user.contact_id is not None:
        raise InvalidInput.single(Code.INVALID_TOKEN, "flow_token", "This step is not valid.")
    return flow, user
