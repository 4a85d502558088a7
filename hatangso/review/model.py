r"""What a review is made of: statuses, columns, errors, events and the rules for text.

The constants every module of :mod:`hatangso.review` and its callers share (the statuses a
proposal can have, the decisions an operator can make, the map colours and the columns of
the tables :func:`~hatangso.review.proposals` and :func:`~hatangso.review.history`
return), the errors, :class:`ReviewEvent` (one row of a proposal's append-only history),
and how comments and reasons are stored (:func:`clean_text`) and shown in HTML
(:func:`plain_text`).
"""

from __future__ import annotations

import dataclasses
import html
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from geodata.errors import InputError

__all__ = [
    "DECISIONS",
    "EVENT_COLUMNS",
    "NEEDS_REASON",
    "PROPOSAL_COLUMNS",
    "STATUSES",
    "STATUS_COLOURS",
    "TEXT_LIMIT",
    "ReviewError",
    "ReviewEvent",
    "ReviewPermissionError",
    "StaleReviewError",
    "clean_text",
    "plain_text",
]

#: Every status a proposal can have; ``proposed`` is the status at publication.
STATUSES: Final = ("proposed", "accepted", "rejected", "needs_changes")
#: The statuses an operator can decide.
DECISIONS: Final = ("accepted", "rejected", "needs_changes")
#: Decisions that need a reason.
NEEDS_REASON: Final = ("rejected", "needs_changes")
#: Map colours by status (``#rrggbb``; also written to the GeoJSON export).
STATUS_COLOURS: Final[Mapping[str, str]] = {
    "proposed": "#3b6fb6",  # blue: waiting for the operator
    "accepted": "#2e9d47",  # green
    "rejected": "#d62f2f",  # red
    "needs_changes": "#f08c1a",  # orange
}
#: The longest comment or reason kept, in characters; longer text is truncated and marked.
TEXT_LIMIT: Final = 5_000

#: Columns of :func:`proposals` (besides ``geometry``, EPSG:4326).
PROPOSAL_COLUMNS: Final = (
    "proposal_id",
    "review_id",
    "plan",
    "period",
    "kind",
    "ref",
    "operator",
    "district_id",
    "commune_id",
    "village_ids",
    "households",
    "cost_vnd",
    "status",
    "status_seq",
    "decided_by",
    "decided_role",
    "decided_at",
    "reason",
    "n_comments",
    "last_seq",
    "status_colour",
)

#: Columns of :func:`history`.
EVENT_COLUMNS: Final = (
    "event_id",
    "proposal_id",
    "seq",
    "at",
    "actor",
    "role",
    "action",
    "status_from",
    "status_to",
    "reason",
    "comment",
)

_KEEP_CONTROLS: Final = frozenset("\n\t")


# --------------------------------------------------------------------------- errors


class ReviewError(InputError, ValueError):
    """A review request cannot be done as asked (unknown plan or proposal, bad status)."""


class ReviewPermissionError(ReviewError, PermissionError):
    """The role may not do this (e.g. an operator deciding on another operator's proposal)."""


class StaleReviewError(ReviewError):
    """A decision was based on a view of the proposal that has changed since."""


# --------------------------------------------------------------------------- events


@dataclasses.dataclass(frozen=True)
class ReviewEvent:
    """One event of a proposal's history (append-only).

    Attributes
    ----------
    event_id, proposal_id
        Ids (uuid4 hex).
    seq
        1, 2, ... per proposal.
    at
        When, ISO-8601 UTC (``2024-06-30T08:15:00.123Z``).
    actor, role
        Who, and in which role.
    action
        ``"publish"``, ``"decide"`` or ``"comment"``.
    status_from, status_to
        The status change (``None`` for a comment).
    reason, comment
        Why (decisions) and what was said (comments), as stored.
    """

    event_id: str
    proposal_id: str
    seq: int
    at: str
    actor: str
    role: str
    action: str
    status_from: str | None
    status_to: str | None
    reason: str | None
    comment: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- text


def clean_text(text: str, *, limit: int = TEXT_LIMIT) -> str:
    r"""Return comment or reason text as it is stored.

    NFC-normalised; ``\r\n`` and ``\r`` become ``\n``; control characters other than
    newline and tab, and lone surrogates, are removed; surrounding whitespace is
    stripped. Text longer than ``limit`` characters keeps its first ``limit`` characters
    followed by a marker giving the original length. Nothing else changes: markup such as
    ``<script>`` is kept as the characters typed (see :func:`plain_text` to show it).

    Parameters
    ----------
    text
        What the user typed.
    limit
        The most characters kept.

    Returns
    -------
    str

    Examples
    --------
    >>> clean_text("  Cần\r\nbổ sung\x00 <b>trạm</b> ")
    'Cần\nbổ sung <b>trạm</b>'
    """
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in {"Cc", "Cs"}
    ).strip()
    if len(text) > limit:
        n = len(text)
        text = text[:limit] + f"\n[… đã cắt bớt / truncated: {limit:,} of {n:,} characters kept]"
    return text


def plain_text(text: object, *, line_breaks: bool = True) -> str:
    """Return stored text escaped for an HTML context (a folium popup, a tooltip).

    Parameters
    ----------
    text
        A comment, reason or any value (``None`` gives ``""``).
    line_breaks
        Turn newlines into ``<br>``.

    Returns
    -------
    str
        HTML that shows the text as typed.

    Examples
    --------
    >>> plain_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("\n", "<br>") if line_breaks else escaped
