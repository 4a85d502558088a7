"""Accounts, passwords, sign-in with a lockout, and sessions.

Accounts live in the store (table ``hatangso_users``): a username, a role
(:class:`hatangso.access.Role`), the password's Argon2id hash (salted, memory-hard; never
the password), who created the account and when, and a ``disabled`` flag. There is no
built-in account and no default password: the first department account is created with
``hatangso users add NAME --role department --store STORE``.

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
audited. Accounts are disabled and enabled again with :func:`disable_user` and
:func:`enable_user` (``hatangso users disable|enable``) without being removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geodata.errors import InputError
from geodata.store import Store, Tx
from hatangso import audit
from hatangso.access import Role, RoleError, as_role

__all__ = [
    "FAILURES_TABLE",
    "LOCK_WINDOW",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "USERS_TABLE",
    "Account",
    "AccountError",
    "Role",
    "RoleError",
    "Session",
    "SignInError",
    "SignInLocked",
    "add_user",
    "authenticate",
    "check_password",
    "disable_user",
    "enable_user",
    "get_user",
    "list_users",
    "normalize_username",
    "remove_user",
    "session_valid",
    "set_password",
    "start_session",
]

USERS_TABLE = "hatangso_users"
FAILURES_TABLE = "hatangso_signin_failures"

_USERS_DDL = (
    "username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, "
    "created_at TEXT NOT NULL, created_by TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
    "password_changed_at TEXT"
)
_FAILURES_DDL = "id TEXT PRIMARY KEY, username TEXT NOT NULL, at TEXT NOT NULL"

#: Failed sign-ins of one username within :data:`LOCK_WINDOW` that lock it.
MAX_FAILURES = 5
#: The window in which failures count, and so how long a lock lasts.
LOCK_WINDOW = dt.timedelta(minutes=15)
#: The shortest password accepted.
MIN_PASSWORD_LENGTH = 10
#: The longest password accepted (hashing a megabyte is a denial of service).
MAX_PASSWORD_LENGTH = 1024
#: The longest username.
MAX_USERNAME_LENGTH = 64

_SIGN_IN_FAILED = "wrong username or password."
_USERNAME_CHARS = re.compile(r"[\w.@-]+")


class AccountError(InputError, ValueError):
    """An account cannot be created or changed as asked (the message says why)."""


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


@dataclass(frozen=True)
class Account:
    """An account as listed (never with its password hash).

    Parameters
    ----------
    username
        The username (NFC, lower case).
    role
        Its role.
    created_at
        When it was created (UTC, ISO 8601 text).
    created_by
        Who created it.
    disabled
        Whether signing in is refused.
    """

    username: str
    role: Role
    created_at: str
    created_by: str
    disabled: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping (the role as written, ``operator:VNPT``)."""
        return {
            "username": self.username,
            "role": str(self.role),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "disabled": self.disabled,
        }


# --------------------------------------------------------------------------- rules


def normalize_username(username: str) -> str:
    """Return a username as stored: NFC, trimmed, lower case, checked.

    Parameters
    ----------
    username
        As typed.

    Returns
    -------
    str

    Raises
    ------
    AccountError
        Unless 1–64 letters, digits and ``. _ - @``.
    """
    name = unicodedata.normalize("NFC", str(username)).strip().lower()
    if not 1 <= len(name) <= MAX_USERNAME_LENGTH:
        msg = f"a username has 1 to {MAX_USERNAME_LENGTH} characters (got {len(name)})."
        raise AccountError(msg)
    if not _USERNAME_CHARS.fullmatch(name):
        bad = sorted({c for c in name if not _USERNAME_CHARS.fullmatch(c)})
        msg = (
            f"username {name!r} has characters not allowed ({' '.join(map(repr, bad))}); "
            "use letters, digits and . _ - @ only."
        )
        raise AccountError(msg)
    return name


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
def _default_hasher() -> PasswordHasher:
    return PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


def _dummy_hash(hasher: PasswordHasher) -> str:
    """Return a hash of a random password with ``hasher``'s parameters (for unknown users)."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len)
    found = _DUMMIES.get(key)
    if found is None:
        found = _DUMMIES[key] = hasher.hash(secrets.token_urlsafe(24))
    return found


_DUMMIES: dict[tuple[int, int, int, int], str] = {}


def _ensure_tables(tx: Tx) -> None:
    tx.ensure_table(USERS_TABLE, _USERS_DDL)
    tx.ensure_table(FAILURES_TABLE, _FAILURES_DDL)


# --------------------------------------------------------------------------- accounts


def add_user(  # noqa: PLR0913 - keyword-only options
    store: Store,
    username: str,
    role: Role | str,
    password: str,
    *,
    actor: str,
    now: dt.datetime | None = None,
    hasher: PasswordHasher | None = None,
) -> Account:
    """Create an account (audited as ``user_added``).

    Parameters
    ----------
    store
        The store.
    username
        1–64 letters, digits and ``. _ - @`` (stored NFC, lower case).
    role
        ``department``, ``viewer`` or ``operator:<name>`` (a :class:`Role` or its text).
    password
        At least :data:`MIN_PASSWORD_LENGTH` characters, not the username; only its
        Argon2id hash is stored.
    actor
        Who creates it (for the audit trail).
    now
        The time recorded (default now).
    hasher
        The Argon2 hasher (default Argon2id with argon2-cffi's parameters).

    Returns
    -------
    Account

    Raises
    ------
    AccountError
        For a bad username or password, or a username already taken.
    RoleError
        For an unknown role or operator.
    """
    name = normalize_username(username)
    parsed = as_role(role)
    secret = check_password(password, name)
    digest = (hasher or _default_hasher()).hash(secret)
    stamp = audit.utc_text(now)
    with store.transaction() as tx:
        _ensure_tables(tx)
        if tx.row(f"SELECT 1 FROM {USERS_TABLE} WHERE username = ?", (name,)) is not None:  # noqa: S608
            msg = f"user {name!r} exists already; remove it first or change its password."
            raise AccountError(msg)
        tx.execute(
            f"INSERT INTO {USERS_TABLE} (username, role, password_hash, created_at, "  # noqa: S608
            "created_by, disabled, password_changed_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
            (name, str(parsed), digest, stamp, actor, stamp),
        )
        audit.record(tx, actor, "user_added", name, {"role": str(parsed)}, at=now)
    return Account(name, parsed, stamp, actor)


def remove_user(store: Store, username: str, *, actor: str, now: dt.datetime | None = None) -> None:
    """Remove an account (audited as ``user_removed``).

    Parameters
    ----------
    store
        The store.
    username
        The account.
    actor
        Who removes it.
    now
        The time recorded (default now).

    Raises
    ------
    AccountError
        When there is no such account.
    """
    name = normalize_username(username)
    with store.transaction() as tx:
        _ensure_tables(tx)
        found = tx.row(f"SELECT role FROM {USERS_TABLE} WHERE username = ?", (name,))  # noqa: S608
        if found is None:
            msg = f"no user {name!r}; `hatangso users list` shows the accounts."
            raise AccountError(msg)
        tx.execute(f"DELETE FROM {USERS_TABLE} WHERE username = ?", (name,))  # noqa: S608
        tx.execute(f"DELETE FROM {FAILURES_TABLE} WHERE username = ?", (name,))  # noqa: S608
        audit.record(tx, actor, "user_removed", name, {"role": str(found[0])}, at=now)


def disable_user(
    store: Store, username: str, *, actor: str, now: dt.datetime | None = None
) -> Account:
    """Disable an account without removing it (audited as ``user_disabled``).

    A disabled account cannot sign in (it reads as a wrong password, see
    :func:`authenticate`) and the app signs its open sessions out at their next click.
    Disabling a disabled account changes nothing and audits nothing.

    Parameters
    ----------
    store
        The store.
    username
        The account.
    actor
        Who disables it.
    now
        The time recorded (default now).

    Returns
    -------
    Account
        The account, disabled.

    Raises
    ------
    AccountError
        When there is no such account.
    """
    return _set_disabled(store, username, disabled=True, actor=actor, now=now)


def enable_user(
    store: Store, username: str, *, actor: str, now: dt.datetime | None = None
) -> Account:
    """Enable a disabled account again (audited as ``user_enabled``).

    Its password is unchanged. Enabling an enabled account changes nothing and audits
    nothing.

    Parameters
    ----------
    store
        The store.
    username
        The account.
    actor
        Who enables it.
    now
        The time recorded (default now).

    Returns
    -------
    Account
        The account, enabled.

    Raises
    ------
    AccountError
        When there is no such account.
    """
    return _set_disabled(store, username, disabled=False, actor=actor, now=now)


def _set_disabled(
    store: Store, username: str, *, disabled: bool, actor: str, now: dt.datetime | None
) -> Account:
    name = normalize_username(username)
    with store.transaction() as tx:
        _ensure_tables(tx)
        row = tx.row(
            f"SELECT {_ACCOUNT_COLUMNS} FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
        if row is None:
            msg = f"no user {name!r}; `hatangso users list` shows the accounts."
            raise AccountError(msg)
        account = _account(row)
        if account.disabled == disabled:
            return account
        tx.execute(
            f"UPDATE {USERS_TABLE} SET disabled = ? WHERE username = ?",  # noqa: S608
            (int(disabled), name),
        )
        action = "user_disabled" if disabled else "user_enabled"
        audit.record(tx, actor, action, name, {"role": str(account.role)}, at=now)
    return dataclasses.replace(account, disabled=disabled)


def set_password(  # noqa: PLR0913 - keyword-only options
    store: Store,
    username: str,
    password: str,
    *,
    actor: str,
    now: dt.datetime | None = None,
    hasher: PasswordHasher | None = None,
) -> None:
    """Set an account's password (audited as ``password_changed``) and lift its lock.

    Parameters
    ----------
    store
        The store.
    username
        The account.
    password
        The new password (the policy of :func:`check_password`).
    actor
        Who changes it.
    now
        The time recorded (default now).
    hasher
        The Argon2 hasher.

    Raises
    ------
    AccountError
        For a password the policy refuses, or no such account.
    """
    name = normalize_username(username)
    digest = (hasher or _default_hasher()).hash(check_password(password, name))
    with store.transaction() as tx:
        _ensure_tables(tx)
        if tx.row(f"SELECT 1 FROM {USERS_TABLE} WHERE username = ?", (name,)) is None:  # noqa: S608
            msg = f"no user {name!r}; `hatangso users list` shows the accounts."
            raise AccountError(msg)
        tx.execute(
            f"UPDATE {USERS_TABLE} SET password_hash = ?, password_changed_at = ? "  # noqa: S608
            "WHERE username = ?",
            (digest, audit.utc_text(now), name),
        )
        tx.execute(f"DELETE FROM {FAILURES_TABLE} WHERE username = ?", (name,))  # noqa: S608
        audit.record(tx, actor, "password_changed", name, at=now)


def _account(row: tuple[Any, ...]) -> Account:
    return Account(
        username=str(row[0]),
        role=Role.parse(str(row[1])),
        created_at=str(row[2]),
        created_by=str(row[3]),
        disabled=bool(row[4]),
    )


_ACCOUNT_COLUMNS = "username, role, created_at, created_by, disabled"


def list_users(store: Store) -> list[Account]:
    """Return every account, by username (never a password hash).

    Parameters
    ----------
    store
        The store.

    Returns
    -------
    list of Account
    """
    with store.transaction() as tx:
        _ensure_tables(tx)
        rows = tx.rows(f"SELECT {_ACCOUNT_COLUMNS} FROM {USERS_TABLE} ORDER BY username")  # noqa: S608
    return [_account(r) for r in rows]


def get_user(store: Store, username: str) -> Account | None:
    """Return one account, or ``None`` (a session checks its account is still there).

    Parameters
    ----------
    store
        The store.
    username
        The account.

    Returns
    -------
    Account or None
    """
    try:
        name = normalize_username(username)
    except AccountError:
        return None
    with store.transaction() as tx:
        _ensure_tables(tx)
        row = tx.row(
            f"SELECT {_ACCOUNT_COLUMNS} FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
    return None if row is None else _account(row)


# --------------------------------------------------------------------------- sign-in


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


def _utc(now: dt.datetime | None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _locked_message(until: dt.datetime) -> str:
    return (
        f"too many failed sign-ins: this account is locked until {until:%H:%M} UTC. "
        "Try again then, or ask the department to reset the password."
    )


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
    moment = _utc(now)
    ph = hasher or _default_hasher()
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
    account = None if row is None else _account(row[:5])
    stored = _dummy_hash(ph) if row is None else str(row[5])
    verified = _verify(ph, stored, password)  # a disabled account is verified too: same time
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
        _ensure_tables(tx)
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
            f"SELECT {_ACCOUNT_COLUMNS}, password_hash FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
    return row, locks_on_failure


def _burn(ph: PasswordHasher, password: str) -> None:
    """Spend a verification's time on a username that cannot exist."""
    _verify(ph, _dummy_hash(ph), password)


def _verify(ph: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return ph.verify(stored, unicodedata.normalize("NFC", str(password)))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    """A signed-in user's session in the app.

    Parameters
    ----------
    username
        The account.
    role
        Its role when it signed in.
    signed_in_at
        When it signed in (UTC).
    last_seen
        Its last request (UTC).
    """

    username: str
    role: Role
    signed_in_at: dt.datetime
    last_seen: dt.datetime

    def touch(self, now: dt.datetime | None = None) -> Session:
        """Return the session seen again at ``now`` (default now).

        Parameters
        ----------
        now
            The time of the request.

        Returns
        -------
        Session
        """
        return dataclasses.replace(self, last_seen=_utc(now))


def start_session(account: Account, now: dt.datetime | None = None) -> Session:
    """Return a new session for an account that just signed in.

    Parameters
    ----------
    account
        From :func:`authenticate`.
    now
        The time of the sign-in (default now).

    Returns
    -------
    Session
    """
    moment = _utc(now)
    return Session(account.username, account.role, moment, moment)


def session_valid(
    session: Session,
    now: dt.datetime | None = None,
    *,
    idle_minutes: float = 30,
    absolute_hours: float = 8,
) -> bool:
    """Return whether a session is still valid.

    Parameters
    ----------
    session
        The session.
    now
        The time of the request (default now).
    idle_minutes
        A session unused this long has expired.
    absolute_hours
        A session this old has expired, however busy.

    Returns
    -------
    bool
    """
    moment = _utc(now)
    if moment - _utc(session.last_seen) >= dt.timedelta(minutes=idle_minutes):
        return False
    return moment - _utc(session.signed_in_at) < dt.timedelta(hours=absolute_hours)
