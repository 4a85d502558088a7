"""Deciding on a proposal and commenting on it: new events, never an update.

:func:`decide` records an operator's decision (accepted, rejected with a reason, needs
changes with a reason), refusing one made on a stale view (``expected_seq``);
:func:`comment` adds to a proposal's thread. Who may do which is decided by
:class:`hatangso.access.Role` (:meth:`~hatangso.access.Role.can_decide`,
:meth:`~hatangso.access.Role.can_comment`); both are audited in the same transaction.
"""

from __future__ import annotations

from geodata.store import Store, Tx
from hatangso import audit
from hatangso.access import Role, as_role
from hatangso.review.events import (
    EVENT_SELECT,
    ProposalRef,
    actor_name,
    append_event,
    event_from_row,
    timestamp,
    visible_proposal,
)
from hatangso.review.model import (
    DECISIONS,
    NEEDS_REASON,
    ReviewError,
    ReviewEvent,
    ReviewPermissionError,
    StaleReviewError,
    clean_text,
)

__all__ = [
    "comment",
    "decide",
]


def decide(  # noqa: PLR0913 - the decision and who makes it
    store: Store,
    proposal_id: str,
    status: str,
    *,
    actor: str,
    role: str | Role,
    reason: str | None = None,
    expected_seq: int | None = None,
) -> ReviewEvent:
    """Accept, reject or ask for changes to a proposal (a new event; history is kept).

    Parameters
    ----------
    store
        The store.
    proposal_id
        The proposal (its id or a unique prefix of at least 6 characters).
    status
        ``"accepted"``, ``"rejected"`` or ``"needs_changes"`` (``"needs changes"``
        is accepted too).
    actor
        Who decides (a user name).
    role
        ``"operator:<Name>"``: the operator concerned (any operator for a shared one).
    reason
        Why; required for ``rejected`` and ``needs_changes``.
    expected_seq
        The ``status_seq`` the decision is based on (from :func:`proposals`); when the
        status was changed since, the decision is refused (:class:`StaleReviewError`).

    Returns
    -------
    ReviewEvent
        The new event; when the same status and reason are already the current decision,
        that decision (nothing is recorded twice).

    Raises
    ------
    ReviewPermissionError
        When the role is not the operator concerned.
    StaleReviewError
        When ``expected_seq`` is not the current ``status_seq``.
    ReviewError
        For an unknown proposal or status, a missing reason, or a closed review.
    """
    who, reviewer = actor_name(actor), as_role(role)
    wanted = str(status).strip().lower().replace(" ", "_").replace("-", "_")
    if wanted not in DECISIONS:
        msg = f"unknown decision {status!r}; use one of: {', '.join(DECISIONS)}."
        raise ReviewError(msg)
    why = clean_text(reason) if reason is not None else ""
    if wanted in NEEDS_REASON and not why:
        msg = f"a decision {wanted!r} needs a reason: say what is wrong or what should change."
        raise ReviewError(msg)
    with store.transaction() as tx:
        prop = visible_proposal(tx, proposal_id, reviewer)
        if not reviewer.can_decide(prop.operator):
            msg = (
                f"{reviewer!s} cannot decide on proposal {prop.ref} "
                f"(operator {prop.operator}): only the operator concerned can."
            )
            raise ReviewPermissionError(msg)
        _check_open(prop)
        current = _status_event(tx, prop.proposal_id)
        if expected_seq is not None and int(expected_seq) != current.seq:
            msg = (
                f"proposal {prop.ref} was changed by {current.actor} ({current.role}) at "
                f"{current.at} since you opened it: it is now {current.status_to!r}. "
                "Reload it and decide again."
            )
            raise StaleReviewError(msg)
        same = current.action == "decide" and current.status_to == wanted
        if same and (current.reason or "") == why:
            return current
        event = append_event(
            tx,
            prop.proposal_id,
            at=timestamp(),
            actor=who,
            role=str(reviewer),
            action="decide",
            status_from=current.status_to,
            status_to=wanted,
            reason=why or None,
        )
        audit.record(
            tx,
            who,
            "review_decision",
            prop.proposal_id,
            {"ref": prop.ref, "from": current.status_to, "to": wanted, "reason": why or None},
        )
    return event


def comment(
    store: Store, proposal_id: str, text: str, *, actor: str, role: str | Role
) -> ReviewEvent:
    """Add a comment to a proposal's thread.

    Parameters
    ----------
    store
        The store.
    proposal_id
        The proposal (its id or a unique prefix of at least 6 characters).
    text
        The comment; stored as :func:`clean_text` returns it.
    actor
        Who comments.
    role
        The department, or the operator concerned.

    Returns
    -------
    ReviewEvent
        The new event (its ``comment`` is the text as stored).

    Raises
    ------
    ReviewPermissionError
        For a viewer, or an operator not concerned.
    ReviewError
        For an unknown proposal, an empty comment, or a closed review.
    """
    who, reviewer = actor_name(actor), as_role(role)
    body = clean_text(text)
    if not body:
        msg = "the comment is empty."
        raise ReviewError(msg)
    with store.transaction() as tx:
        prop = visible_proposal(tx, proposal_id, reviewer)
        if not reviewer.can_comment(prop.operator):
            msg = (
                f"{reviewer!s} cannot comment on proposal {prop.ref}: the department "
                f"and the operator concerned ({prop.operator}) can."
            )
            raise ReviewPermissionError(msg)
        _check_open(prop)
        event = append_event(
            tx, prop.proposal_id, at=timestamp(), actor=who, role=str(reviewer), action="comment",
            comment=body,
        )  # fmt: skip
        audit.record(tx, who, "comment", prop.proposal_id, {"ref": prop.ref})
    return event


def _status_event(tx: Tx, proposal_id: str) -> ReviewEvent:
    row = tx.row(
        f"{EVENT_SELECT} WHERE proposal_id = ? AND status_to IS NOT NULL ORDER BY seq DESC LIMIT 1",
        (proposal_id,),
    )
    if row is None:  # pragma: no cover - publication writes one
        msg = f"proposal {proposal_id} has no publication event"
        raise ReviewError(msg)
    return event_from_row(row)


def _check_open(prop: ProposalRef) -> None:
    if prop.review_status != "open":
        msg = (
            f"the review of proposal {prop.ref} ({prop.review_id}) is closed; "
            "publish the plan again to open a new round."
        )
        raise ReviewError(msg)
