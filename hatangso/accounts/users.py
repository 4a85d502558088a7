"""Managing accounts: add, remove, disable, enable, set a password, list, look up.

There is no built-in account and no default password: the first department account is
created with ``hatangso users add NAME --role department --store STORE``. Every change is
audited (:mod:`hatangso.audit`) in the same transaction; accounts are disabled and
enabled again with :func:`disable_user` and :func:`enable_user` without being removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from argon2 import PasswordHasher

from geodata.store import Store
from hatangso import audit
from hatangso.access import Role, as_role
from hatangso.accounts.model import (
    ACCOUNT_COLUMNS,
    FAILURES_TABLE,
    USERS_TABLE,
    Account,
    AccountError,
    account_from_row,
    ensure_tables,
    normalize_username,
)
from hatangso.accounts.passwords import check_password, default_hasher

__all__ = [
    "add_user",
    "disable_user",
    "enable_user",
    "get_user",
    "list_users",
    "remove_user",
    "set_password",
]


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
    digest = (hasher or default_hasher()).hash(secret)
    stamp = audit.utc_text(now)
    with store.transaction() as tx:
        ensure_tables(tx)
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
        ensure_tables(tx)
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
    digest = (hasher or default_hasher()).hash(check_password(password, name))
    with store.transaction() as tx:
        ensure_tables(tx)
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
        ensure_tables(tx)
        rows = tx.rows(f"SELECT {ACCOUNT_COLUMNS} FROM {USERS_TABLE} ORDER BY username")  # noqa: S608
    return [account_from_row(r) for r in rows]


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
        ensure_tables(tx)
        row = tx.row(
            f"SELECT {ACCOUNT_COLUMNS} FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
    return None if row is None else account_from_row(row)


def _set_disabled(
    store: Store, username: str, *, disabled: bool, actor: str, now: dt.datetime | None
) -> Account:
    name = normalize_username(username)
    with store.transaction() as tx:
        ensure_tables(tx)
        row = tx.row(
            f"SELECT {ACCOUNT_COLUMNS} FROM {USERS_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
        if row is None:
            msg = f"no user {name!r}; `hatangso users list` shows the accounts."
            raise AccountError(msg)
        account = account_from_row(row)
        if account.disabled == disabled:
            return account
        tx.execute(
            f"UPDATE {USERS_TABLE} SET disabled = ? WHERE username = ?",  # noqa: S608
            (int(disabled), name),
        )
        action = "user_disabled" if disabled else "user_enabled"
        audit.record(tx, actor, action, name, {"role": str(account.role)}, at=now)
    return dataclasses.replace(account, disabled=disabled)
