"""The review's tables in the store and its append-only event log.

Three tables hold every review: ``hatangso_reviews`` (one row a review round),
``hatangso_proposals`` (one row a proposal of a round) and ``hatangso_review_events``
(one row an event: a publication, a decision or a comment, numbered ``seq`` 1, 2, ... per
proposal). Nothing is updated but a round's status; events are only ever appended
(:func:`append_event`, inside the serialised store transaction that picks the next
``seq``).

These are the helpers the other modules of :mod:`hatangso.review` share: creating the
tables, reading and appending events, resolving an id or a unique prefix, and finding a
proposal the way a role may see it (:func:`visible_proposal`, which refuses a hidden
proposal as unknown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

from geodata.store import Tx
from hatangso.access import Role
from hatangso.review.model import ReviewError, ReviewEvent, ReviewPermissionError, clean_text

__all__ = [
    "EVENT_SELECT",
    "ProposalRef",
    "actor_name",
    "append_event",
    "ensure_tables",
    "event_from_row",
    "resolve_id",
    "timestamp",
    "visible_proposal",
]

_TABLES: Final = {
    "hatangso_reviews": (
        "review_id TEXT PRIMARY KEY, plan TEXT NOT NULL, period TEXT NOT NULL, "
        "plan_kind TEXT, plan_sha256 TEXT, published_at TEXT NOT NULL, "
        "published_by TEXT NOT NULL, status TEXT NOT NULL, closed_at TEXT, closed_by TEXT"
    ),
    "hatangso_proposals": (
        "proposal_id TEXT PRIMARY KEY, review_id TEXT NOT NULL, position INTEGER, "
        "kind TEXT NOT NULL, ref TEXT NOT NULL, operator TEXT NOT NULL, district_id TEXT, "
        "commune_id TEXT, village_ids TEXT, cost_vnd DOUBLE, households INTEGER, "
        "properties TEXT, geometry TEXT"
    ),
    "hatangso_review_events": (
        "event_id TEXT PRIMARY KEY, proposal_id TEXT NOT NULL, seq INTEGER NOT NULL, "
        "at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, "
        "status_from TEXT, status_to TEXT, reason TEXT, comment TEXT, "
        "UNIQUE (proposal_id, seq)"
    ),
}

_ACTOR_LIMIT: Final = 200
_MIN_PREFIX: Final = 6

#: The query of every event, its columns in the order of ``EVENT_COLUMNS`` (add a WHERE).
EVENT_SELECT: Final = (
    "SELECT event_id, proposal_id, seq, at, actor, role, action, status_from, status_to, "
    "reason, comment FROM hatangso_review_events"
)


def actor_name(actor: str) -> str:
    """Return who acts as stored: cleaned text on one line, at most 200 characters.

    Parameters
    ----------
    actor
        The user name (``--as USER`` on the command line).

    Returns
    -------
    str

    Raises
    ------
    ReviewError
        When it is empty.
    """
    name = clean_text(actor, limit=_ACTOR_LIMIT).replace("\n", " ")
    if not name:
        msg = "who is acting? `actor` (the user name, --as USER) must not be empty."
        raise ReviewError(msg)
    return name


def timestamp() -> str:
    """Return now as the events store it: ISO 8601 UTC with milliseconds (``...T08:15:00.123Z``).

    Returns
    -------
    str
    """
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ensure_tables(tx: Tx) -> None:
    """Create the review's tables in a transaction when the store has none yet.

    Parameters
    ----------
    tx
        A write transaction of the store.
    """
    for name, ddl in _TABLES.items():
        tx.ensure_table(name, ddl)


def event_from_row(row: Sequence[Any]) -> ReviewEvent:
    """Return the event of a row selected with :data:`EVENT_SELECT`.

    Parameters
    ----------
    row
        The columns of :data:`~hatangso.review.model.EVENT_COLUMNS`, in order.

    Returns
    -------
    ReviewEvent
    """
    return ReviewEvent(
        event_id=str(row[0]),
        proposal_id=str(row[1]),
        seq=int(row[2]),
        at=str(row[3]),
        actor=str(row[4]),
        role=str(row[5]),
        action=str(row[6]),
        status_from=row[7],
        status_to=row[8],
        reason=row[9],
        comment=row[10],
    )


def append_event(  # noqa: PLR0913 - one event's fields
    tx: Tx,
    proposal_id: str,
    *,
    at: str,
    actor: str,
    role: str,
    action: str,
    status_from: str | None = None,
    status_to: str | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> ReviewEvent:
    """Append an event (inside the serialised transaction: ``seq`` is the next free one).

    Parameters
    ----------
    tx
        The write transaction of the decision, comment or publication.
    proposal_id
        The proposal (its full id).
    at, actor, role, action, status_from, status_to, reason, comment
        The event's fields (see :class:`~hatangso.review.model.ReviewEvent`).

    Returns
    -------
    ReviewEvent
        The event as stored, with a new ``event_id`` and the next ``seq``.
    """
    last = tx.row(
        "SELECT MAX(seq) FROM hatangso_review_events WHERE proposal_id = ?", (proposal_id,)
    )
    seq = 1 if last is None or last[0] is None else int(last[0]) + 1
    event = ReviewEvent(
        uuid.uuid4().hex,
        proposal_id,
        seq,
        at,
        actor,
        role,
        action,
        status_from,
        status_to,
        reason,
        comment,
    )
    tx.execute(
        "INSERT INTO hatangso_review_events (event_id, proposal_id, seq, at, actor, role, "
        "action, status_from, status_to, reason, comment) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            event.event_id,
            event.proposal_id,
            event.seq,
            event.at,
            event.actor,
            event.role,
            event.action,
            event.status_from,
            event.status_to,
            event.reason,
            event.comment,
        ),
    )
    return event


def resolve_id(tx: Tx, table: str, column: str, given: str, what: str) -> str:
    """Return the full id of a row given its id or a unique prefix.

    Parameters
    ----------
    tx
        A transaction of the store.
    table, column
        Where the ids are (fixed names, never user input).
    given
        The id or a prefix of at least 6 hexadecimal characters.
    what
        ``"review"`` or ``"proposal"``, for the messages.

    Returns
    -------
    str

    Raises
    ------
    ReviewError
        When ``given`` is not an id, matches nothing or matches more than one.
    """
    text = str(given).strip().lower()
    if len(text) < _MIN_PREFIX or not all(c in "0123456789abcdef" for c in text):
        msg = f"{what} id {given!r} is not an id; give the id `hatangso review list` shows."
        raise ReviewError(msg)
    found = [
        str(r[0])
        for r in tx.rows(
            f"SELECT {column} FROM {table} WHERE {column} LIKE ?",  # noqa: S608 - fixed names
            (text + "%",),
        )
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        msg = f"no {what} {given!r} in this store; see `hatangso review list`."
    else:
        msg = f"{what} id {given!r} is ambiguous ({len(found)} match); give more characters."
    raise ReviewError(msg)


# --------------------------------------------------------------------------- proposals


@dataclasses.dataclass(frozen=True)
class ProposalRef:
    """A proposal as the commands check it: ids, reference, operator, round status.

    Attributes
    ----------
    proposal_id, review_id
        Its id and its review round's.
    ref
        The plan's reference (``route_id`` or ``site_id``).
    operator
        The operator concerned, as stored.
    review_status
        The round's status, ``"open"`` or ``"closed"``.
    """

    proposal_id: str
    review_id: str
    ref: str
    operator: str
    review_status: str


def visible_proposal(tx: Tx, proposal_id: str, reviewer: Role) -> ProposalRef:
    """Return the proposal, refused as unknown when ``reviewer`` may not see it.

    Parameters
    ----------
    tx
        A transaction of the store (the tables are created if missing).
    proposal_id
        Its id or a unique prefix.
    reviewer
        The role asking (:meth:`hatangso.access.Role.sees_proposal`).

    Returns
    -------
    ProposalRef

    Raises
    ------
    ReviewPermissionError
        When the role may not see it: the message does not tell whether it exists.
    ReviewError
        For an id that is not one, unknown or ambiguous.
    """
    ensure_tables(tx)
    prop = _proposal(tx, proposal_id)
    if not reviewer.sees_proposal(prop.operator):
        raise _hidden(proposal_id, reviewer)
    return prop


def _proposal(tx: Tx, proposal_id: str) -> ProposalRef:
    pid = resolve_id(tx, "hatangso_proposals", "proposal_id", proposal_id, "proposal")
    row = tx.row(
        "SELECT p.proposal_id, p.review_id, p.ref, p.operator, r.status FROM "
        "hatangso_proposals p JOIN hatangso_reviews r ON r.review_id = p.review_id "
        "WHERE p.proposal_id = ?",
        (pid,),
    )
    if row is None:  # pragma: no cover - resolve_id found it
        msg = f"no proposal {proposal_id!r}"
        raise ReviewError(msg)
    return ProposalRef(*(str(v) for v in row))


def _hidden(proposal_id: str, reviewer: Role) -> ReviewPermissionError:
    """Return the error for a proposal the role may not see (its existence is not told)."""
    msg = (
        f"no proposal {proposal_id!r} among those {reviewer!s} can see; see `hatangso review list`."
    )
    return ReviewPermissionError(msg)
