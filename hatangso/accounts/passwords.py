"""Passwords: the policy, Argon2id hashing and verification.

Only a password's Argon2id hash (salted, memory-hard) is stored. :func:`check_password`
is the policy (length, not the username; Unicode NFC so that "ệ" typed on any keyboard
matches); :func:`default_hasher` the hasher with argon2-cffi's parameters;
:func:`verify_password` checks a password against a hash without raising; and
:func:`dummy_hash` gives a hash to verify against for a username that does not exist, so
that the sign-in takes the same time either way.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hatangso.accounts.model import AccountError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "check_password",
    "default_hasher",
    "dummy_hash",
    "verify_password",
]

#: The shortest password accepted.
MIN_PASSWORD_LENGTH = 10
#: The longest password accepted (hashing a megabyte is a denial of service).
MAX_PASSWORD_LENGTH = 1024


def check_password(password: str, username: str) -> str:
    """Return the password as hashed (NFC) if the policy accepts it.

    Parameters
    ----------
    password
        The new password.
    username
        The account's username (the password may not be it).

    Returns
    -------
    str
        The password in Unicode NFC, so that "ệ" typed on any keyboard matches.

    Raises
    ------
    AccountError
        When shorter than :data:`MIN_PASSWORD_LENGTH`, longer than
        :data:`MAX_PASSWORD_LENGTH`, or equal to the username.
    """
    text = unicodedata.normalize("NFC", str(password))
    if len(text) < MIN_PASSWORD_LENGTH:
        msg = f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        raise AccountError(msg)
    if len(text) > MAX_PASSWORD_LENGTH:
        msg = f"the password is too long: use at most {MAX_PASSWORD_LENGTH} characters."
        raise AccountError(msg)
    if text.strip().casefold() == unicodedata.normalize("NFC", username).strip().casefold():
        msg = "the password may not be the username."
        raise AccountError(msg)
    return text


@functools.cache
def default_hasher() -> PasswordHasher:
    """Return the default hasher: Argon2id with argon2-cffi's parameters (made once).

    Returns
    -------
    argon2.PasswordHasher
    """
    return PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


_DUMMIES: dict[tuple[int, int, int, int], str] = {}


def dummy_hash(hasher: PasswordHasher) -> str:
    """Return a hash of a random password with ``hasher``'s parameters (for unknown users)."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len)
    found = _DUMMIES.get(key)
    if found is None:
        found = _DUMMIES[key] = hasher.hash(secrets.token_urlsafe(24))
    return found


def verify_password(ph: PasswordHasher, stored: str, password: str) -> bool:
    """Return whether a password (taken in NFC) matches a stored hash; never raises.

    Parameters
    ----------
    ph
        The hasher.
    stored
        The stored hash (a malformed one does not match).
    password
        As typed.

    Returns
    -------
    bool
    """
    try:
        return ph.verify(stored, unicodedata.normalize("NFC", str(password)))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
