"""TOTP against RFC 6238's test vectors (a pyotp upgrade that changed codes fails here), the
step bookkeeping that refuses replays, and the sealing of secrets at rest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from identity import totp

# RFC 6238, appendix B: the SHA-1 seed "12345678901234567890", shown with 6 of its 8 digits.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
VECTORS = [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")]


@pytest.mark.parametrize(("timestamp", "code"), VECTORS)
def test_codes_match_rfc_6238(timestamp: int, code: str) -> None:
    moment = datetime.fromtimestamp(timestamp, UTC)
    assert totp.code_at(RFC_SECRET, moment) == code
    assert totp.accepted_step(RFC_SECRET, code, moment, None) == timestamp // 30


def test_a_step_is_accepted_once_and_drift_is_one_step() -> None:
    now = datetime.fromtimestamp(1111111109, UTC)
    step = now.timestamp() // 30
    code = totp.code_at(RFC_SECRET, now)
    assert totp.accepted_step(RFC_SECRET, code, now, None) == step
    assert totp.accepted_step(RFC_SECRET, code, now, int(step)) is None  # replay
    later = datetime.fromtimestamp(1111111109 + 30, UTC)
    assert totp.accepted_step(RFC_SECRET, code, later, None) == step  # one step of drift
    much_later = datetime.fromtimestamp(1111111109 + 60, UTC)
    assert totp.accepted_step(RFC_SECRET, code, much_later, None) is None
    for junk in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert totp.accepted_step(RFC_SECRET, junk, now, None) is None


def test_secrets_are_sealed_and_survive_key_rotation() -> None:
    secret = totp.new_secret()
    sealed = totp.seal_secret(secret, ["old-key-" + "x" * 40])
    assert secret not in sealed
    assert totp.open_secret(sealed, ["new-key-" + "y" * 40, "old-key-" + "x" * 40]) == secret
    assert totp.open_secret(sealed, ["new-key-" + "y" * 40]) is None
