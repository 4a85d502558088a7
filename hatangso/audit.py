"""The audit trail: who did what, and when, kept in the store.

Imports, plan runs, publications, review decisions, comments, exports, account changes and
sign-ins (successful, failed and refused while locked) are recorded in the table
``hatangso_audit`` of the store: ``id`` (a random hex id), ``at`` (UTC, ISO 8601 with
microseconds, so that text order is time order), ``actor`` (``alice``, ``cli:root``),
``action``, ``subject`` and ``detail`` (JSON). The department reads it in the app.

:func:`record` takes a store, or the :class:`~geodata.store.Tx` of a write in progress so
that an import or a review decision and its audit row commit together, or not at all.
Never put a password or a hash in ``detail``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geodata.store import Store, Tx

__all__ = [
    "ACTIONS",
    "AUDIT_COLUMNS",
    "AUDIT_TABLE",
    "ensure_audit_table",
    "entries",
    "record",
    "utc_text",
]

AUDIT_TABLE = "hatangso_audit"

#: The columns of :data:`AUDIT_TABLE`, in order.
AUDIT_COLUMNS = ("id", "at", "actor", "action", "subject", "detail")

_DDL = (
    "id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, "
    "subject TEXT, detail TEXT"
)

#: The actions recorded.
ACTIONS = frozenset(
    {
        "sign_in",
        "sign_in_failed",
        "sign_in_locked",
        "sign_out",
        "user_added",
        "user_removed",
        "user_disabled",
        "user_enabled",
        "password_changed",
        "access_denied",
        "import",
        "plan_run",
        "calibration_saved",
        "costs_imported",
        "plan_published",
        "review_closed",
        "review_decision",
        "comment",
        "challenge_opened",
        "challenge_response",
        "challenge_decision",
        "export",
        "targets_added",
        "organisation_added",
    }
)


def utc_text(when: dt.datetime | None = None) -> str:
    """Return a UTC time as fixed-width ISO 8601 text (``2024-06-30T08:00:00.000000Z``).

    Parameters
    ----------
    when
        An aware time (a naive one is taken as UTC); default now.

    Returns
    -------
    str
        Text whose order is the order of the times.
    """
    moment = when or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ensure_audit_table(tx: Tx) -> None:
    """Create the audit table in a transaction when the store has none yet.

    Parameters
    ----------
    tx
        A write transaction of the store.
    """
    tx.ensure_table(AUDIT_TABLE, _DDL)


def record(  # noqa: PLR0913 - keyword-only options
    target: Store | Tx,
    actor: str,
    action: str,
    subject: str = "",
    detail: Mapping[str, Any] | None = None,
    *,
    at: dt.datetime | None = None,
) -> str:
    """Record one action.

    Parameters
    ----------
    target
        The store (the row is committed on its own), or the transaction of a write in
        progress (the row commits, or rolls back, with it).
    actor
        Who did it: a username, or ``cli:<os user>`` from the command line.
    action
        One of :data:`ACTIONS`.
    subject
        What it was done to (a layer, a plan, a proposal id, a username).
    detail
        JSON-ready particulars (counts, file names, the decision …); never a password.
    at
        When (default now).

    Returns
    -------
    str
        The id of the new row.

    Raises
    ------
    ValueError
        For an action not in :data:`ACTIONS` (a programming error).
    """
    if action not in ACTIONS:
        msg = f"unknown audit action {action!r}; use one of: {', '.join(sorted(ACTIONS))}"
        raise ValueError(msg)
    row_id = uuid.uuid4().hex
    values = (
        row_id,
        utc_text(at),
        str(actor),
        action,
        str(subject),
        json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str),
    )
    if isinstance(target, Tx):
        _insert(target, values)
    else:
        with target.transaction() as tx:
            _insert(tx, values)
    return row_id


def _insert(tx: Tx, values: tuple[str, ...]) -> None:
    ensure_audit_table(tx)
    tx.execute(
        f"INSERT INTO {AUDIT_TABLE} ({', '.join(AUDIT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608 - fixed names
        values,
    )


def entries(
    store: Store,
    *,
    since: dt.datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Return the audit trail, newest first.

    Parameters
    ----------
    store
        The store.
    since
        Only entries at or after this time.
    actor
        Only this actor's entries.
    action
        Only entries of this action.
    limit
        At most this many rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``at`` (text, UTC), ``actor``, ``action``, ``subject`` and
        ``detail`` (a dict).
    """
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append("at >= ?")
        params.append(utc_text(since))
    if actor is not None:
        clauses.append("actor = ?")
        params.append(actor)
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        f"SELECT {', '.join(AUDIT_COLUMNS)} FROM {AUDIT_TABLE}{where} "  # noqa: S608 - fixed names
        f"ORDER BY at DESC, id LIMIT {max(0, int(limit))}"
    )
    with store.transaction() as tx:
        ensure_audit_table(tx)
        rows = tx.rows(sql, params)
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    frame["detail"] = [json.loads(d) if d else {} for d in frame["detail"]]
    return frame
