"""Sign-in: a username and password checked, failures counted, a lockout, all audited.

Failed sign-ins are counted per username in the store (``hatangso_signin_failures``), so a
new browser session does not reset them: after :data:`MAX_FAILURES` failures within
:data:`LOCK_WINDOW`, the username is locked until the oldest of them is older than the
window. The check and the count cannot be raced: every attempt checks the lock and
records itself as a failure in one serialised transaction *before* the (slow, unserialised)
Argon2 verification, and a successful one clears the username's failures afterwards, so
parallel guesses get :data:`MAX_FAILURES` tries at most. A wrong password, an unknown
username and a disabled account give the same message, take about the same time (an
unknown user is verified against a dummy hash) and are counted and locked alike, so
usernames and disabled accounts cannot be probed. Every sign-in, failure and refusal is
audited.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from typing import Any

from argon2 import PasswordHasher

from geodata.errors import InputError
from geodata.store import Store, Tx
from hatangso import audit
from hatangso.accounts.model import (
    ACCOUNT_COLUMNS,
    FAILURES_TABLE,
    USERS_TABLE,
    Account,
    AccountError,
    account_from_row,
    as_utc,
    ensure_tables,
    normalize_username,
)
from hatangso.accounts.passwords import default_hasher, dummy_hash, verify_password

__all__ = [
    "LOCK_WINDOW",
    "MAX_FAILURES",
    "SignInError",
    "SignInLocked",
    "authenticate",
]

#: Failed sign-ins of one username within :data:`LOCK_WINDOW` that lock it.
MAX_FAILURES = 5
#: The window in which failures count, and so how long a lock lasts.
LOCK_WINDOW = dt.timedelta(minutes=15)

_SIGN_IN_FAILED = "wrong username or password."


class SignInError(InputError):
    """A sign-in failed: the same message for a wrong password and an unknown user."""


class SignInLocked(SignInError):
    """Too many failed sign-ins for a username; refused until :attr:`until`.

    Parameters
    ----------
    message
        The message shown.
    until
        When the lock ends (UTC).
    """

    def __init__(self, message: str, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


def authenticate(
    store: Store,
    username: str,
    password: str,
    *,
    now: dt.datetime | None = None,
    hasher: PasswordHasher | None = None,
) -> Account:
    """Sign in: check a username and password, count failures, lock, audit.

    Parameters
    ----------
    store
        The store.
    username
        As typed (normalised as stored).
    password
        As typed.
    now
        The time of the attempt (default now; tests inject it).
    hasher
        The Argon2 hasher (its parameters decide whether a stored hash is rehashed).

    Returns
    -------
    Account
        The signed-in account. Its hash is upgraded in place when the hasher's
        parameters changed since it was made.

    Raises
    ------
    SignInLocked
        After :data:`MAX_FAILURES` failures within :data:`LOCK_WINDOW` (the password is
        not even checked while locked).
    SignInError
        For a wrong password, an unknown or disabled user: the same message. Each is
        counted as a failure towards the lock (a disabled account too, so that it cannot
        be told apart by never locking).

    Notes
    -----
    The attempt is first recorded as a failure, in the same serialised transaction that
    checks the lock; the Argon2 verification runs outside any transaction; a success
    then deletes the username's failures (this pending one included) in a second one.
    So concurrent attempts are counted before any of them is verified, and at most
    :data:`MAX_FAILURES` of them within :data:`LOCK_WINDOW` reach the verification.
    """
    moment = as_utc(now)
    ph = hasher or default_hasher()
    try:
        name = normalize_username(username)
    except AccountError:
        _burn(ph, password)  # the same time as for a name that could exist
        raise SignInError(_SIGN_IN_FAILED) from None
    # 1. Serialised with every other writer: check the lock and count this attempt as a
    #    failure *before* the slow verification, so that parallel guesses cannot all pass
    #    the check. The verification itself runs outside, so sign-ins do not queue.
    attempt = _begin_attempt(store, name, moment, now=now)
    if isinstance(attempt, dt.datetime):
        raise SignInLocked(_locked_message(attempt), attempt)
    row, locks_on_failure = attempt
    account = None if row is None else account_from_row(row[:5])
    stored = dummy_hash(ph) if row is None else str(row[5])
    verified = verify_password(
        ph, stored, password
    )  # a disabled account is verified too: same time
    if not (verified and account is not None and not account.disabled):
        # 2a. The pending failure stays as the failure; only the audit is left to write.
        detail: dict[str, Any] = {"known_user": account is not None}
        if account is not None and account.disabled:
            detail["disabled"] = True
        with store.transaction() as tx:
            audit.record(tx, name, "sign_in_failed", name, detail, at=now)
            until = _lock_state(tx, name, moment) if locks_on_failure else None
            if until is not None:
                audit.record(
                    tx, name, "sign_in_locked", name, {"until": audit.utc_text(until)}, at=now
                )
        raise SignInError(_SIGN_IN_FAILED)
    # 2b. Success: forget the username's failures (this attempt's pending one too).
    with store.transaction() as tx:
        if ph.check_needs_rehash(stored):
            tx.execute(
                f"UPDATE {USERS_TABLE} SET password_hash = ? WHERE username = ?",  # noqa: S608
                (ph.hash(unicodedata.normalize("NFC", password)), name),
            )
        tx.execute(f"DELETE FROM {FAILURES_TABLE} WHERE username = ?", (name,))  # noqa: S608
        audit.record(tx, name, "sign_in", name, {"role": str(account.role)}, at=now)
    return account


def _begin_attempt(
    store: Store, name: str, moment: dt.datetime, *, now: dt.datetime | None
) -> dt.datetime | tuple[tuple[Any, ...] | None, bool]:
    """Check the lock and record a pending failure, in one serialised transaction.

    Returns
    -------
    datetime or (row, bool)
        When the username is locked: the end of the lock (the refusal is audited and no
        failure is added). Otherwise the account's row (with its hash; ``None`` for an
        unknown username) and whether this attempt, should it fail, is the one that
        locks the username.
    """
    with store.transaction() as tx:
        ensure_tables(tx)
        tx.execute(
            f"DELETE FROM {FAILURES_TABLE} WHERE at <= ?",  # noqa: S608 - forget old failures
            (audit.utc_text(moment - LOCK_WINDOW),),
        )
        until = _lock_state(tx, name, moment)
        if until is not None:
            audit.record(tx, name, "sign_in_locked", name, {"until": audit.utc_text(until)}, at=now)
            return until
        tx.execute(
            f"INSERT INTO {FAILURES_TABLE} (id, username, at) VALUES (?, ?, ?)",  # noqa: S608
            (uuid.uuid4().hex, name, audit.utc_text(moment)),
        )
        locks_on_failure = _lock_state(tx, name, moment) is not None
        row = tx.row(
            f"SELECT {ACCOUNT_COLUMNS}, password_hash FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
    return row, locks_on_failure


def _lock_state(tx: Tx, name: str, now: dt.datetime) -> dt.datetime | None:
    """Return when the lock on ``name`` ends, or ``None`` when it is not locked."""
    since = audit.utc_text(now - LOCK_WINDOW)
    recent = [
        str(r[0])
        for r in tx.rows(
            f"SELECT at FROM {FAILURES_TABLE} WHERE username = ? AND at > ? ORDER BY at DESC",  # noqa: S608
            (name, since),
        )
    ]
    if len(recent) < MAX_FAILURES:
        return None
    oldest_counted = recent[MAX_FAILURES - 1]
    return _parse_utc(oldest_counted) + LOCK_WINDOW


def _parse_utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def _locked_message(until: dt.datetime) -> str:
    return (
        f"too many failed sign-ins: this account is locked until {until:%H:%M} UTC. "
        "Try again then, or ask the department to reset the password."
    )


def _burn(ph: PasswordHasher, password: str) -> None:
    """Spend a verification's time on a username that cannot exist."""
    verify_password(ph, dummy_hash(ph), password)
