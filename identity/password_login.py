"""The timing-safe password check of a login, and the check of a logged-in account's current
password, for staff and customers alike.

Unknown email, wrong password and an account that may not log in all cost one argon2
verification and give the same None, so neither the answer nor its timing tells them apart. A
throttled client and a locked account get the same None before anything is hashed (the lock
applies to unknown addresses alike, so its timing tells nothing about an account).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, read_before_locking
from identity.throttling import Throttle, ThrottleAction
from portal.models import PortalUser, StaffUser
from portal.normalization import MAX_EMAIL_LENGTH, normalize_email

Account = TypeVar("Account", PortalUser, StaffUser)


async def verify_login_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    account: type[Account],
    email: str,
    password: str,
    *,
    may_log_in: Callable[[Account], bool],
    throttle: Throttle | None,
    throttle_scope: str,
    client_ip: str | None,
) -> Account | None:
    """The ``account`` row whose password this is, if ``may_log_in`` lets it in; else None.

    A client over its login limit and a locked account (``throttle_scope`` and the email) get
    None before anything is hashed: the attempt is counted in a short transaction of its own,
    committed at once. Then the password is verified against the hash as stored now, read in
    a snapshot: the request holds no connection and no lock while it waits for and runs
    argon2 (on SQLite the request's own transaction holds the write lock from its first
    statement; every other request would wait). Then, in the request's transaction: a
    password changed in between does not count, an outdated hash is replaced, and a failure
    counts against the account (the email's normalised form, known or not). Raises
    :class:`identity.passwords.HashingBusy` when the hashing queue is full."""
    stored = None
    async with env.password_hasher.admitted():
        if throttle is not None and await _refused_before_hashing(
            throttle, throttle_scope, email, client_ip
        ):
            return None
        if len(email) <= MAX_EMAIL_LENGTH and len(password) <= MAX_PASSWORD_LENGTH:
            # Longer input is nobody's: it is verified against the dummy hash.
            stored = await read_before_locking(
                session,
                env.database,
                select(account.password_hash).where(
                    account.email_normalized == normalize_email(email)
                ),
            )
        check = await env.password_hasher.check(stored, password)
    found = None
    if check.matches:
        found = await session.scalar(
            select(account).where(account.email_normalized == normalize_email(email))
        )
        if found is None or found.password_hash != stored or not may_log_in(found):
            found = None
        elif check.new_hash is not None:
            found.password_hash = check.new_hash
    if throttle is not None:
        if found is None:
            await throttle.account_failed(throttle_scope, email)
        else:
            await throttle.account_succeeded(throttle_scope, email)
    return found


async def _refused_before_hashing(
    throttle: Throttle, scope: str, email: str, client_ip: str | None
) -> bool:
    """Whether a login is refused before its password is looked at: the client is over its
    limit (this attempt counts) or the account is locked."""
    async with throttle.committed_at_once() as counting:
        return not await counting.allow(
            ThrottleAction.LOGIN, client_ip
        ) or await counting.account_locked(scope, email)


async def current_password_matches(
    hasher: PasswordHasher,
    throttle: Throttle,
    throttle_scope: str,
    email: str,
    password_hash: str | None,
    password: str,
) -> bool:
    """Whether ``password`` is the logged-in account's (``password_hash``), for actions that ask
    for it again (change the password or the email, delete the account).

    Each check counts against the account (``throttle_scope`` and ``email``) exactly like a
    login (the same counter, lockout and hourly cap), so a stolen session cannot guess without
    limit, and 15 aliases in one request are 15 attempts. While the account is locked the
    password is not looked at: the answer is False after a dummy verification, as for a wrong
    password. Raises :class:`identity.passwords.HashingBusy` when the hashing queue is full."""
    # A logged-in request holds its connection already (its session was looked up); the
    # bounded queue bounds how many do while they hash.
    async with hasher.admitted():
        if await throttle.account_locked(throttle_scope, email) or password_hash is None:
            await hasher.verify_dummy(password)
            return False
        matches = await hasher.verify(password_hash, password)
    if not matches:
        await throttle.account_failed(throttle_scope, email)
        return False
    await throttle.account_succeeded(throttle_scope, email)
    return True
