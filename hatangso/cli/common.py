"""What the command groups of :mod:`hatangso.cli` share: exit codes, who acts, options.

Exit status: :data:`EXIT_OK` (0) success, :data:`EXIT_INPUT` (2) invalid input, the
readable report on stderr and never a traceback, :data:`EXIT_INTERNAL` (1) an internal
error (see :func:`hatangso.cli.main`). Who acts: whoever holds the store
(:func:`cli_actor`), or ``--as USER`` with that account's role (:func:`identity`), as
recorded in the audit trail (:func:`record_audit`).
"""

from __future__ import annotations

import argparse
import getpass
import logging
from typing import Any

from geodata.errors import InputError

__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "as_option",
    "cli_actor",
    "identity",
    "log",
    "period_option",
    "record_audit",
]

#: The command line's progress messages (on stderr; ``--verbose``, ``--quiet``).
log = logging.getLogger("hatangso")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2


def cli_actor() -> str:
    """Return the audit actor of a command-line change: ``cli:<os user>``.

    Returns
    -------
    str
    """
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        user = "unknown"
    return f"cli:{user}"


def identity(store: Any, user: str | None) -> tuple[str, Any]:  # noqa: ANN401
    """Return ``(actor, role)`` for a command: the store's holder, or ``--as USER``.

    Whoever can open the store (its file or database URL) holds it and acts as the
    department; ``--as USER`` narrows what the command shows and may do to that account's
    role (an operator's extract, a viewer's report) and is recorded as such.

    Parameters
    ----------
    store
        The store the command reads.
    user
        The ``--as`` account, or ``None``.

    Returns
    -------
    tuple of (str, hatangso.access.Role)

    Raises
    ------
    geodata.InputError
        For an account the store does not hold.
    """
    from hatangso.access import Role

    if not user:
        return cli_actor(), Role("department")
    from hatangso.accounts import get_user

    account = get_user(store, user) if store.exists() else None
    if account is None:
        msg = f"--as {user}: no such account in {store.location} (see `hatangso users list`)."
        raise InputError(msg)
    return f"{cli_actor()} as {account.username}", account.role


def record_audit(
    store: Any,  # noqa: ANN401 - a Store
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> None:
    """Record one event in the store's audit trail (:func:`hatangso.audit.record`)."""
    from hatangso import audit

    audit.record(store, actor, action, subject, detail)


def as_option(p: argparse.ArgumentParser) -> None:
    """Add ``--as USER`` (read by :func:`identity`) to a command."""
    p.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        help="act with that account's role: an operator sees only its own sites and routes",
    )


def period_option(p: argparse.ArgumentParser) -> None:
    """Add ``--period YYYY-MM-DD`` to a command that reads one period."""
    p.add_argument(
        "--period",
        metavar="YYYY-MM-DD",
        help="the period (as_of date) to use; default the latest (see `hatangso layers`)",
    )


def requested_operator(raw: str | None) -> str | None:
    """Return the canonical operator of ``--operator`` (``None`` when not given).

    Raises
    ------
    InputError
        For a name that is no known operator, listing the known ones.
    """
    if not raw:
        return None
    from geodata.schemas import OPERATORS
    from hatangso.access import canonical_operator

    operator = canonical_operator(raw)
    if operator is None:
        msg = f"unknown operator {raw!r}; use one of: {', '.join(OPERATORS)}."
        raise InputError(msg)
    return operator
