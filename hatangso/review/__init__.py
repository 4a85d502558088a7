r"""Review of published plans by the operators concerned.

The department publishes a saved plan (``plan:NAME``, see ``hatangso plan --save``) for
review: every proposal of the plan -- a fiber route or a new mobile site -- becomes a
row of ``hatangso_proposals`` with the operator concerned, its district, commune and
villages. The operator concerned then accepts it, rejects it or asks for changes (a
reason is required for the last two), and anyone allowed to see it may comment.

Nothing is ever updated or deleted: every publication, decision and comment is an event
of ``hatangso_review_events`` (who, in which role, when, what, why), numbered ``seq``
1, 2, ... per proposal. A proposal's current status is the one set by its latest
status-changing event (the publication, then each decision). A revision made on a stale
view is refused when the caller passes the ``expected_seq`` it saw (optimistic
concurrency); decisions on different proposals never conflict. Every write is one
serialised store transaction (:meth:`geodata.store.Store.transaction`), on both the
GeoPackage and the PostgreSQL backend.

Rules (stated here once; the app and the command line follow them):

* **Roles** are :class:`hatangso.access.Role` or their text: ``"department"``,
  ``"viewer"`` (leadership: reads everything, changes nothing) and ``"operator:<Name>"``
  (e.g. ``"operator:MobiFone"``, any spelling the importers accept). Operators see their
  own and the shared proposals only; a competitor's proposal is refused as unknown. Only
  the operator concerned decides; the department publishes, closes and comments. These
  role rules live in :mod:`hatangso.access` (:meth:`~hatangso.access.Role.sees_proposal`,
  :meth:`~hatangso.access.Role.can_decide`, :meth:`~hatangso.access.Role.can_comment`,
  :attr:`~hatangso.access.Role.can_publish`).
* **Who reviews what.** A site is reviewed by the operator it is proposed to (the plan's
  ``operator`` column). A fiber route is reviewed by the operator whose existing fiber it
  starts from: the operator of the existing fiber route or node nearest to the route
  (a planned route starts on existing fiber, so that feature touches it), measured in
  :data:`geodata.crs.WORK_CRS`; a route that carries its own ``operator`` keeps it.
  Operator names are canonicalised by :func:`hatangso.access.canonical_operator` with
  ``keep_unknown=True``: a name the importers do not know is kept as written, so such a
  proposal is seen by the department and the leadership only.
  A *shared* proposal (operator ``Shared``: a shared site, or a route with no existing
  fiber around) is visible to every operator and any operator may decide on it; each
  decision is kept with who made it, and the latest one is the status.
* **Publishing** is for the department only and idempotent per plan and period: while a
  review of the plan is open, publishing the same plan again returns that review;
  publishing a plan that was re-saved with other proposals is refused until the open
  review is closed (:func:`close`); then a new review round starts, and the old round
  with all its decisions stays readable.
* **Text** (comments and reasons) is stored as plain text: NFC-normalised, ``\r\n`` and
  ``\r`` turned into ``\n``, control characters other than newline and tab removed,
  surrounding whitespace stripped, otherwise verbatim. It is never interpreted as HTML;
  :func:`plain_text` escapes it for HTML contexts (folium popups). Text longer than
  :data:`TEXT_LIMIT` characters is kept up to the limit and marked as truncated
  (the marker says how long the original was).

Modules
-------
:mod:`~hatangso.review.model`
    The statuses, decisions, colours and columns, the errors, :class:`ReviewEvent`, and
    the rules for comment text (:func:`clean_text`, :func:`plain_text`).
:mod:`~hatangso.review.publication`
    :func:`publish` a saved plan (its proposals, their operators and places) and
    :func:`close` a round.
:mod:`~hatangso.review.decisions`
    :func:`decide` and :func:`comment`.
:mod:`~hatangso.review.queries`
    :func:`reviews`, :func:`proposals` and :func:`history`.
:mod:`~hatangso.review.export`
    :func:`export_review`: a workbook, GeoJSON or CSV, through :mod:`geodata.export`.
:mod:`~hatangso.review.events`
    The review's tables and their append-only event log, shared by the modules above.

Who may see, decide and comment is decided by :mod:`hatangso.access`.
"""

from hatangso.access import SHARED as SHARED
from hatangso.review.decisions import comment as comment
from hatangso.review.decisions import decide as decide
from hatangso.review.export import export_review as export_review
from hatangso.review.model import DECISIONS as DECISIONS
from hatangso.review.model import EVENT_COLUMNS as EVENT_COLUMNS
from hatangso.review.model import PROPOSAL_COLUMNS as PROPOSAL_COLUMNS
from hatangso.review.model import STATUS_COLOURS as STATUS_COLOURS
from hatangso.review.model import STATUSES as STATUSES
from hatangso.review.model import TEXT_LIMIT as TEXT_LIMIT
from hatangso.review.model import ReviewError as ReviewError
from hatangso.review.model import ReviewEvent as ReviewEvent
from hatangso.review.model import ReviewPermissionError as ReviewPermissionError
from hatangso.review.model import StaleReviewError as StaleReviewError
from hatangso.review.model import clean_text as clean_text
from hatangso.review.model import plain_text as plain_text
from hatangso.review.publication import close as close
from hatangso.review.publication import publish as publish
from hatangso.review.queries import history as history
from hatangso.review.queries import proposals as proposals
from hatangso.review.queries import reviews as reviews

__all__ = [
    "DECISIONS",
    "EVENT_COLUMNS",
    "PROPOSAL_COLUMNS",
    "SHARED",
    "STATUSES",
    "STATUS_COLOURS",
    "TEXT_LIMIT",
    "ReviewError",
    "ReviewEvent",
    "ReviewPermissionError",
    "StaleReviewError",
    "clean_text",
    "close",
    "comment",
    "decide",
    "export_review",
    "history",
    "plain_text",
    "proposals",
    "publish",
    "reviews",
]
