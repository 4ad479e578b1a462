"""Registration and activation of portal users (customer API).

The answer to ``registerCustomer`` never tells whether the address was known: a new address gets
an activation email, a known one an "already registered" email with a password-reset link, and
both paths cost the same (one argon2 hash, one lookup, one queued email).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import PortalAuthErrorCode as Code
from identity.frontend_links import ACTIVATION_PATH, PASSWORD_RESET_PATH, frontend_link
from identity.link_tokens import redeem_user_link
from identity.password_policy import check_new_password
from identity.portal_events import record_user_event
from identity.signed_tokens import TokenPurpose
from identity.states import MappingStatus, RegistrationStatus
from identity.throttling import Throttle, ThrottleAction
from portal.email.outbox import enqueue_email
from portal.errors import FieldError, InvalidInput
from portal.languages import parse_language
from portal.models import PortalUser
from portal.models.base import session_now
from portal.normalization import MAX_EMAIL_LENGTH, clean_text, is_valid_email, normalize_email
from portal.services.events import EventType
from portal.services.portal_settings import PortalSettings, load_portal_settings


@dataclass(frozen=True)
class Registration:
    """What a customer submits to register (identifier values as typed)."""

    email: str
    password: str
    first_name: str
    last_name: str
    existing_customer: bool
    accept_terms: bool
    language: str = "de"
    customer_number: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    date_of_birth: str | None = None


def validate_registration(form: Registration) -> list[FieldError]:
    """Format checks only: nothing here depends on what is stored (no enumeration)."""
    errors: list[FieldError] = []
    email = form.email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not is_valid_email(email):
        errors.append(FieldError(Code.INVALID_EMAIL, "email", "Not a valid email address."))
    errors.extend(check_new_password(form.password, email=email))
    for name, value in (("first_name", form.first_name), ("last_name", form.last_name)):
        if len(value) > 100:
            errors.append(FieldError(Code.TOO_LONG, name, "At most 100 characters."))
        elif not clean_text(value):
            errors.append(FieldError(Code.REQUIRED, name, "Required."))
    if parse_language(form.language) != form.language:
        errors.append(
            FieldError(Code.INVALID_LANGUAGE, "language",
                       "Use an ISO 639-1 language code in lower case (de, en, fr, ...).")
        )  # fmt: skip
    if not form.accept_terms:
        errors.append(
            FieldError(Code.TERMS_NOT_ACCEPTED, "accept_terms", "The terms must be accepted.")
        )
    for name, raw in (
        ("customer_number", form.customer_number),
        ("phone", form.phone),
        ("postal_code", form.postal_code),
        ("date_of_birth", form.date_of_birth),
    ):
        if raw is not None and len(raw) > 64:
            errors.append(FieldError(Code.TOO_LONG, name, "At most 64 characters."))
    return errors


async def get_portal_user_by_email(session: AsyncSession, email: str) -> PortalUser | None:
    return await session.scalar(
        select(PortalUser).where(PortalUser.email_normalized == normalize_email(email))
    )


def recipient_context(user: PortalUser) -> dict[str, str]:
    """The recipient fields every customer email may use for its greeting."""
    return {"first_name": user.first_name, "last_name": user.last_name}


async def send_activation_email(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser
) -> None:
    token, _ = env.tokens.issue(TokenPurpose.ACTIVATION, user.id)
    portal_settings = await load_portal_settings(session, env.settings)
    await enqueue_email(
        session,
        template="account_activation",
        to=user.email,
        language=user.language,
        context={
            **recipient_context(user),
            "activation_url": frontend_link(env.settings, ACTIVATION_PATH, token=token),
            "activation_hours": portal_settings.activation_token_hours,
        },
        contact_id=user.contact_id,
    )


# The context key under which each template expects the reset link.
_RESET_LINK_KEY = {"password_reset": "reset_url", "already_registered": "password_reset_url"}


async def issue_password_reset(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser, template: str
) -> None:
    """Queue ``template`` with a fresh reset link; any older reset link stops working."""
    token, jti = env.tokens.issue(TokenPurpose.PASSWORD_RESET, user.id)
    user.password_reset_jti = jti
    await enqueue_email(
        session,
        template=template,
        to=user.email,
        language=user.language,
        context={
            **recipient_context(user),
            _RESET_LINK_KEY[template]: frontend_link(
                env.settings, PASSWORD_RESET_PATH, token=token
            ),
        },
        contact_id=user.contact_id,
    )
    await session.flush()


def registration_identifiers(form: Registration) -> dict[str, str]:
    """The second identifiers given at registration, as typed (normalised when matching)."""
    given = {
        "CUSTOMER_NUMBER": form.customer_number,
        "PHONE": form.phone,
        "POSTAL_CODE": form.postal_code,
        "DATE_OF_BIRTH": form.date_of_birth,
    }
    cleaned = {k: clean_text(v) for k, v in given.items() if v}
    return {k: v for k, v in cleaned.items() if v}


async def register_customer(
    session: AsyncSession,
    env: IdentityEnvironment,
    form: Registration,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> None:
    """Register ``form``; raises :class:`InvalidInput` only for malformed input. A client over
    its registration limit gets the same answer and nothing happens (no hash either); an
    address over its mail limit (:meth:`Throttle.allow_mail_to`, shared with every other mail
    to it) gets no mail; :class:`identity.passwords.HashingBusy` when the hashing queue is
    full."""
    errors = validate_registration(form)
    if errors:
        raise InvalidInput(errors)
    # Counted and hashed holding no connection and no lock: the count commits at once, the
    # hash waits in the bounded queue (a full one refuses at once: HashingBusy). A client
    # over its limit is refused before it hashes.
    async with env.password_hasher.admitted():
        if throttle is not None:
            async with throttle.committed_at_once() as counting:
                allowed = await counting.allow(ThrottleAction.REGISTER, client_ip)
            if not allowed:
                return
        # Hash first, whatever happens next, so both outcomes (new or known address) cost
        # the same.
        password_hash = await env.password_hasher.hash(form.password)
    # Counted whether the address is known or not, so the count reveals nothing.
    may_mail = throttle is None or await throttle.allow_mail_to(form.email)
    existing = await get_portal_user_by_email(session, form.email)
    if existing is None:
        user = PortalUser(
            email=form.email.strip(),
            email_normalized=normalize_email(form.email),
            password_hash=password_hash,
            password_changed_at=session_now(session),
            registration_status=RegistrationStatus.ACTIVATION_EMAIL_SENT,
            mapping_status=MappingStatus.PENDING,
            first_name=clean_text(form.first_name),
            last_name=clean_text(form.last_name),
            language=form.language,
            existing_customer=form.existing_customer,
            registration_identifiers=registration_identifiers(form),
            terms_accepted_at=session_now(session),
        )
        try:
            async with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # A concurrent registration of the same address won the insert.
            existing = await get_portal_user_by_email(session, form.email)
        else:
            await record_user_event(
                session, EventType.PORTAL_USER_REGISTERED, user,
                details={"registeredBy": "self_registration"},
            )  # fmt: skip
            if may_mail:
                await send_activation_email(session, env, user)
            return
    if existing is not None and may_mail:
        await issue_password_reset(session, env, existing, "already_registered")


async def redeem_activation(
    session: AsyncSession, env: IdentityEnvironment, portal_settings: PortalSettings, token: str
) -> PortalUser:
    """Spend an activation token and mark its user activated (matching runs next)."""
    user = await redeem_user_link(
        session,
        env.tokens,
        token,
        TokenPurpose.ACTIVATION,
        timedelta(hours=portal_settings.activation_token_hours),
    )
    if user.activated_at is not None:
        raise InvalidInput.single(Code.TOKEN_USED, "token", "The link was already used.")
    user.activated_at = session_now(session)
    user.registration_status = RegistrationStatus.REGISTERED
    await session.flush()
    await record_user_event(
        session, EventType.PORTAL_USER_ACTIVATED, user, details={"activatedBy": "email_link"}
    )
    return user


async def resend_activation(
    session: AsyncSession,
    env: IdentityEnvironment,
    email: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> None:
    """Send a new activation link if ``email`` belongs to a user that is not activated yet;
    otherwise do nothing, with the same answer (also when over the client's or the address'
    limit)."""
    if len(email) > MAX_EMAIL_LENGTH:
        return
    if throttle is not None and not (
        await throttle.allow(ThrottleAction.ACTIVATION_RESEND, client_ip)
        and await throttle.allow_mail_to(email)
    ):
        return
    user = await get_portal_user_by_email(session, email)
    if user is not None and user.activated_at is None and user.suspended_at is None:
        await send_activation_email(session, env, user)
