"""What an account is: its tables in the store, :class:`Account`, usernames, the error.

Accounts live in the store's table ``hatangso_users`` (:data:`USERS_TABLE`): a username,
a role (:class:`hatangso.access.Role`), the password's Argon2id hash (never the
password), who created the account and when, and a ``disabled`` flag; failed sign-ins
are counted in ``hatangso_signin_failures`` (:data:`FAILURES_TABLE`). The other modules
of :mod:`hatangso.accounts` share what is here: creating the tables, reading an
:class:`Account` from a row, the username rule (:func:`normalize_username`) and UTC times.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from geodata.errors import InputError
from geodata.store import Tx
from hatangso.access import Role

__all__ = [
    "ACCOUNT_COLUMNS",
    "FAILURES_TABLE",
    "MAX_USERNAME_LENGTH",
    "USERS_TABLE",
    "Account",
    "AccountError",
    "account_from_row",
    "as_utc",
    "ensure_tables",
    "normalize_username",
]

#: The accounts table and the table of failed sign-ins.
USERS_TABLE = "hatangso_users"
FAILURES_TABLE = "hatangso_signin_failures"

_USERS_DDL = (
    "username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, "
    "created_at TEXT NOT NULL, created_by TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
    "password_changed_at TEXT"
)
_FAILURES_DDL = "id TEXT PRIMARY KEY, username TEXT NOT NULL, at TEXT NOT NULL"

#: The longest username.
MAX_USERNAME_LENGTH = 64

_USERNAME_CHARS = re.compile(r"[\w.@-]+")

#: The columns of an :class:`Account` in :data:`USERS_TABLE`, as selected.
ACCOUNT_COLUMNS = "username, role, created_at, created_by, disabled"


class AccountError(InputError, ValueError):
    """An account cannot be created or changed as asked (the message says why)."""


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


def ensure_tables(tx: Tx) -> None:
    """Create the accounts' tables in a transaction when the store has none yet.

    Parameters
    ----------
    tx
        A write transaction of the store.
    """
    tx.ensure_table(USERS_TABLE, _USERS_DDL)
    tx.ensure_table(FAILURES_TABLE, _FAILURES_DDL)


def account_from_row(row: tuple[Any, ...]) -> Account:
    """Return the account of a row selected with :data:`ACCOUNT_COLUMNS`.

    Parameters
    ----------
    row
        ``username, role, created_at, created_by, disabled``.

    Returns
    -------
    Account
    """
    return Account(
        username=str(row[0]),
        role=Role.parse(str(row[1])),
        created_at=str(row[2]),
        created_by=str(row[3]),
        disabled=bool(row[4]),
    )


def as_utc(now: dt.datetime | None) -> dt.datetime:
    """Return a time as an aware UTC time (a naive one is taken as UTC; default now).

    Parameters
    ----------
    now
        A time, or ``None`` for now.

    Returns
    -------
    datetime.datetime
    """
    moment = now or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
