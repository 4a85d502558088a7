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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import logging
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS, WORK_CRS
from geodata.errors import InputError
from geodata.export import write_table
from geodata.store import Store, Tx
from hatangso import audit
from hatangso.access import SHARED, Role, as_role, canonical_operator

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

log = logging.getLogger(__name__)

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

_PLAN_KINDS: Final = {"fiber_plan": "route", "site_plan": "site"}
_REF_COLUMNS: Final = {"route": ("route_id", "id"), "site": ("site_id", "id")}
_VILLAGE_COLUMNS: Final = {"route": ("villages", "village_ids"), "site": ("target_ids", "villages")}
_ACTOR_LIMIT: Final = 200
_MIN_PREFIX: Final = 6
_KEEP_CONTROLS: Final = frozenset("\n\t")


# --------------------------------------------------------------------------- errors


class ReviewError(InputError, ValueError):
    """A review request cannot be done as asked (unknown plan or proposal, bad status)."""


class ReviewPermissionError(ReviewError, PermissionError):
    """The role may not do this (e.g. an operator deciding on another operator's proposal)."""


class StaleReviewError(ReviewError):
    """A decision was based on a view of the proposal that has changed since."""


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


def _actor(actor: str) -> str:
    name = clean_text(actor, limit=_ACTOR_LIMIT).replace("\n", " ")
    if not name:
        msg = "who is acting? `actor` (the user name, --as USER) must not be empty."
        raise ReviewError(msg)
    return name


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


def _event_from_row(row: Sequence[Any]) -> ReviewEvent:
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


_EVENT_SELECT: Final = (
    "SELECT event_id, proposal_id, seq, at, actor, role, action, status_from, status_to, "
    "reason, comment FROM hatangso_review_events"
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ensure_tables(tx: Tx) -> None:
    for name, ddl in _TABLES.items():
        tx.ensure_table(name, ddl)


def _append(  # noqa: PLR0913 - one event's fields
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
    """Append an event (inside the serialised transaction: ``seq`` is the next free one)."""
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


# --------------------------------------------------------------------------- publish


def publish(store: Store, plan_name: str, *, actor: str, role: str | Role) -> str:
    """Publish a saved plan for review by the operators concerned.

    Every feature of the plan becomes a proposal with status ``proposed`` (a
    ``publish`` event, ``seq`` 1), its operator, district, commune, villages,
    households and cost.

    Parameters
    ----------
    store
        The store; the plan is read from its current period.
    plan_name
        The plan's name (``NAME`` or ``plan:NAME``).
    actor
        Who publishes (a user name).
    role
        Must be ``"department"``.

    Returns
    -------
    str
        The review's id. Publishing a plan already under open review returns that
        review's id and changes nothing.

    Raises
    ------
    ReviewPermissionError
        For any role but the department.
    ReviewError
        For an unknown plan, a plan without proposals, or a plan re-saved with other
        proposals while its review is open.
    """
    who, reviewer = _actor(actor), as_role(role)
    if not reviewer.can_publish:
        msg = f"only the department can publish a plan for review, not {reviewer!s}."
        raise ReviewPermissionError(msg)
    name = plan_name if plan_name.startswith("plan:") else f"plan:{plan_name}"
    store.check()
    period = store.period
    result = store.read_result(name)
    if result is None:
        saved = ", ".join(n.removeprefix("plan:") for n in store.result_names("plan:")) or "none"
        msg = (
            f"{store.location}: no plan {name.removeprefix('plan:')!r} in period {period} "
            f"(plans saved: {saved}). Save one with `hatangso plan fiber|sites STORE --save NAME`."
        )
        raise ReviewError(msg)
    payload = result["payload"] if isinstance(result["payload"], dict) else {}
    plan_kind = str(result.get("kind") or payload.get("kind") or "")
    kind = _PLAN_KINDS.get(plan_kind) or _PLAN_KINDS.get(str(payload.get("kind")))
    collection = payload.get("geojson")
    if kind is None or not isinstance(collection, dict):
        msg = f"{name} is a {plan_kind or 'result'} without proposals; only plans can be reviewed."
        raise ReviewError(msg)
    rows = _proposal_rows(store, kind, collection)
    if not rows:
        msg = f"{name} proposes nothing (no routes or sites): there is nothing to review."
        raise ReviewError(msg)
    digest = hashlib.sha256(json.dumps(collection, sort_keys=True).encode()).hexdigest()
    label = str(reviewer)
    with store.transaction() as tx:
        _ensure_tables(tx)
        current = tx.row(
            "SELECT review_id, plan_sha256 FROM hatangso_reviews WHERE plan = ? AND period = ? "
            "AND status = 'open'",
            (name, period),
        )
        if current is not None:
            if current[1] == digest:
                log.info("%s is already under review as %s", name, current[0])
                return str(current[0])
            msg = (
                f"{name} was saved again with other proposals since it was published as "
                f"review {current[0]}; close that review first (`hatangso review close`), "
                "then publish the plan again to open a new round."
            )
            raise ReviewError(msg)
        review_id = uuid.uuid4().hex
        at = _now()
        tx.execute(
            "INSERT INTO hatangso_reviews (review_id, plan, period, plan_kind, plan_sha256, "
            "published_at, published_by, status) VALUES (?,?,?,?,?,?,?, 'open')",
            (review_id, name, period, plan_kind, digest, at, who),
        )
        for position, row in enumerate(rows):
            proposal_id = uuid.uuid4().hex
            tx.execute(
                "INSERT INTO hatangso_proposals (proposal_id, review_id, position, kind, ref, "
                "operator, district_id, commune_id, village_ids, cost_vnd, households, "
                "properties, geometry) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (proposal_id, review_id, position, *row),
            )
            _append(
                tx,
                proposal_id,
                at=at,
                actor=who,
                role=label,
                action="publish",
                status_to="proposed",
            )
        audit.record(
            tx,
            who,
            "plan_published",
            review_id,
            {"plan": name, "period": period, "proposals": len(rows)},
        )
    log.info("published %s as review %s (%d proposals)", name, review_id, len(rows))
    return review_id


def _proposal_rows(store: Store, kind: str, collection: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Return the rows of the proposals, one a feature of the plan.

    Each: kind, ref, operator, district, commune, villages, cost, households, properties
    (JSON) and geometry (GeoJSON, EPSG:4326).
    """
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    if not features:
        return []
    props = [dict(f.get("properties") or {}) for f in features]
    geoms = [shape(f["geometry"]) for f in features]
    work = gpd.GeoSeries(geoms, crs=STORE_CRS).to_crs(WORK_CRS)
    operators = [canonical_operator(p.get("operator"), keep_unknown=True) for p in props]
    if kind == "route" and any(not o for o in operators):
        nearest = _route_operators(store, work)
        operators = [o or n for o, n in zip(operators, nearest, strict=True)]
    communes, districts = _locate(store, work)
    rows = []
    for i, (p, geom) in enumerate(zip(props, geoms, strict=True)):
        ref = _first(p, _REF_COLUMNS[kind]) or f"{kind}-{i + 1}"
        villages = _first(p, _VILLAGE_COLUMNS[kind]) or ""
        rows.append(
            (
                kind,
                str(ref),
                operators[i] or SHARED,
                districts[i],
                communes[i],
                ",".join(v.strip() for v in str(villages).split(",") if v.strip()),
                _number(p.get("cost_vnd")),
                _integer(p.get("households")),
                json.dumps(p, ensure_ascii=False, default=str),
                json.dumps(mapping(geom)),
            )
        )
    return rows


def _first(props: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = props.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _number(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _integer(value: object) -> int | None:
    out = _number(value)
    return None if out is None else round(out)


def _route_operators(store: Store, routes: gpd.GeoSeries) -> list[str | None]:
    """Return the operator of the existing fiber (route or node) nearest to each planned route."""
    parts = [
        store.read(layer, crs=WORK_CRS)
        for layer in ("fiber_routes", "fiber_nodes")
        if store.has_layer(layer)
    ]
    parts = [p[["operator", "geometry"]] for p in parts if "operator" in p.columns and len(p)]
    if not parts:
        log.info("no existing fiber with operators: routes are proposed as shared")
        return [None] * len(routes)
    network = pd.concat(parts, ignore_index=True)
    tree = shapely.STRtree(np.asarray(network.geometry.to_numpy(), dtype=object))
    src, dst = tree.query_nearest(np.asarray(routes.to_numpy(), dtype=object), all_matches=False)
    out: list[str | None] = [None] * len(routes)
    names = network["operator"].to_numpy()
    for i, j in zip(src.tolist(), dst.tolist(), strict=True):
        out[i] = canonical_operator(names[j], keep_unknown=True)
    return out


def _locate(store: Store, geoms: gpd.GeoSeries) -> tuple[list[str | None], list[str | None]]:
    """Return the commune and district of each geometry (at a point on it), from ``admin_units``."""
    n = len(geoms)
    communes: list[str | None] = [None] * n
    districts: list[str | None] = [None] * n
    if not store.has_layer("admin_units"):
        return communes, districts
    units = store.read("admin_units", crs=WORK_CRS)
    points = geoms.representative_point()
    level = units["level"].astype(str)
    parents = dict(zip(units["unit_id"].astype(str), units["parent_id"], strict=True))
    district_ids = set(units.loc[level == "district", "unit_id"].astype(str))
    for target, wanted in ((communes, "commune"), (districts, "district")):
        layer = units[level == wanted].reset_index(drop=True)
        if not len(layer):
            continue
        src, dst = layer.sindex.query(points.to_numpy(), predicate="within")
        ids = layer["unit_id"].astype(str).to_numpy()
        for i, j in zip(src.tolist(), dst.tolist(), strict=True):
            if target[i] is None:
                target[i] = str(ids[j])
    for i, commune in enumerate(communes):
        parent = parents.get(commune) if commune is not None else None
        if districts[i] is None and parent is not None and str(parent) in district_ids:
            districts[i] = str(parent)
    return communes, districts


def close(store: Store, review_id: str, *, actor: str, role: str | Role) -> None:
    """Close a review round: no more decisions or comments; everything stays readable.

    Parameters
    ----------
    store
        The store.
    review_id
        The review (its id or a unique prefix of at least 6 characters).
    actor
        Who closes it.
    role
        Must be ``"department"``.

    Raises
    ------
    ReviewPermissionError
        For any role but the department.
    ReviewError
        For an unknown review.
    """
    who, reviewer = _actor(actor), as_role(role)
    if not reviewer.can_publish:
        msg = f"only the department can close a review, not {reviewer!s}."
        raise ReviewPermissionError(msg)
    with store.transaction() as tx:
        _ensure_tables(tx)
        rid = _resolve(tx, "hatangso_reviews", "review_id", review_id, "review")
        tx.execute(
            "UPDATE hatangso_reviews SET status = 'closed', closed_at = ?, closed_by = ? "
            "WHERE review_id = ? AND status = 'open'",
            (_now(), who, rid),
        )
        audit.record(tx, who, "review_closed", rid, {"review": "closed"})


def _resolve(tx: Tx, table: str, column: str, given: str, what: str) -> str:
    """Return the full id of a row given its id or a unique prefix."""
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


# --------------------------------------------------------------------------- decide, comment


@dataclasses.dataclass(frozen=True)
class _Proposal:
    proposal_id: str
    review_id: str
    ref: str
    operator: str
    review_status: str


def _visible_proposal(tx: Tx, proposal_id: str, reviewer: Role) -> _Proposal:
    """Return the proposal, refused as unknown when ``reviewer`` may not see it."""
    _ensure_tables(tx)
    prop = _proposal(tx, proposal_id)
    if not reviewer.sees_proposal(prop.operator):
        raise _hidden(proposal_id, reviewer)
    return prop


def _proposal(tx: Tx, proposal_id: str) -> _Proposal:
    pid = _resolve(tx, "hatangso_proposals", "proposal_id", proposal_id, "proposal")
    row = tx.row(
        "SELECT p.proposal_id, p.review_id, p.ref, p.operator, r.status FROM "
        "hatangso_proposals p JOIN hatangso_reviews r ON r.review_id = p.review_id "
        "WHERE p.proposal_id = ?",
        (pid,),
    )
    if row is None:  # pragma: no cover - _resolve found it
        msg = f"no proposal {proposal_id!r}"
        raise ReviewError(msg)
    return _Proposal(*(str(v) for v in row))


def _status_event(tx: Tx, proposal_id: str) -> ReviewEvent:
    row = tx.row(
        f"{_EVENT_SELECT} WHERE proposal_id = ? AND status_to IS NOT NULL "
        "ORDER BY seq DESC LIMIT 1",
        (proposal_id,),
    )
    if row is None:  # pragma: no cover - publication writes one
        msg = f"proposal {proposal_id} has no publication event"
        raise ReviewError(msg)
    return _event_from_row(row)


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
    who, reviewer = _actor(actor), as_role(role)
    wanted = str(status).strip().lower().replace(" ", "_").replace("-", "_")
    if wanted not in DECISIONS:
        msg = f"unknown decision {status!r}; use one of: {', '.join(DECISIONS)}."
        raise ReviewError(msg)
    why = clean_text(reason) if reason is not None else ""
    if wanted in NEEDS_REASON and not why:
        msg = f"a decision {wanted!r} needs a reason: say what is wrong or what should change."
        raise ReviewError(msg)
    with store.transaction() as tx:
        prop = _visible_proposal(tx, proposal_id, reviewer)
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
        event = _append(
            tx,
            prop.proposal_id,
            at=_now(),
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


def _hidden(proposal_id: str, reviewer: Role) -> ReviewPermissionError:
    """Return the error for a proposal the role may not see (its existence is not told)."""
    msg = (
        f"no proposal {proposal_id!r} among those {reviewer!s} can see; see `hatangso review list`."
    )
    return ReviewPermissionError(msg)


def _check_open(prop: _Proposal) -> None:
    if prop.review_status != "open":
        msg = (
            f"the review of proposal {prop.ref} ({prop.review_id}) is closed; "
            "publish the plan again to open a new round."
        )
        raise ReviewError(msg)


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
    who, reviewer = _actor(actor), as_role(role)
    body = clean_text(text)
    if not body:
        msg = "the comment is empty."
        raise ReviewError(msg)
    with store.transaction() as tx:
        prop = _visible_proposal(tx, proposal_id, reviewer)
        if not reviewer.can_comment(prop.operator):
            msg = (
                f"{reviewer!s} cannot comment on proposal {prop.ref}: the department "
                f"and the operator concerned ({prop.operator}) can."
            )
            raise ReviewPermissionError(msg)
        _check_open(prop)
        event = _append(
            tx, prop.proposal_id, at=_now(), actor=who, role=str(reviewer), action="comment",
            comment=body,
        )  # fmt: skip
        audit.record(tx, who, "comment", prop.proposal_id, {"ref": prop.ref})
    return event


# --------------------------------------------------------------------------- reading


def reviews(store: Store) -> pd.DataFrame:
    """Return every review round, newest first, with the count of proposals by status.

    Parameters
    ----------
    store
        The store.

    Returns
    -------
    pandas.DataFrame
        ``review_id``, ``plan``, ``period``, ``plan_kind``, ``published_at``,
        ``published_by``, ``status`` (``open``/``closed``), ``closed_at``, ``closed_by``,
        ``proposals`` and one count column a status (:data:`STATUSES`).
    """
    columns = [
        "review_id",
        "plan",
        "period",
        "plan_kind",
        "published_at",
        "published_by",
        "status",
        "closed_at",
        "closed_by",
    ]
    with store.transaction() as tx:
        _ensure_tables(tx)
        rows = tx.rows(
            f"SELECT {', '.join(columns)} FROM hatangso_reviews "  # noqa: S608 - fixed names
            "ORDER BY published_at DESC, review_id"
        )
        props = tx.rows("SELECT proposal_id, review_id, operator FROM hatangso_proposals")
        events = tx.rows(f"{_EVENT_SELECT} WHERE status_to IS NOT NULL")
    frame = pd.DataFrame(rows, columns=columns)
    status = _current(events)
    counts: dict[tuple[str, str | None], int] = {}
    for pid, rid, _ in props:
        key = (str(rid), status[str(pid)].status_to if str(pid) in status else None)
        counts[key] = counts.get(key, 0) + 1
    frame["proposals"] = [
        sum(n for (r, _), n in counts.items() if r == rid) for rid in frame["review_id"]
    ]
    for name in STATUSES:
        frame[name] = [counts.get((str(rid), name), 0) for rid in frame["review_id"]]
    return frame


def _current(rows: Iterable[Sequence[Any]]) -> dict[str, ReviewEvent]:
    """Return the latest status-changing event of each proposal."""
    out: dict[str, ReviewEvent] = {}
    for row in rows:
        event = _event_from_row(row)
        if event.status_to is None:
            continue
        held = out.get(event.proposal_id)
        if held is None or event.seq > held.seq:
            out[event.proposal_id] = event
    return out


def proposals(store: Store, review_id: str | None = None, *, role: str | Role) -> gpd.GeoDataFrame:
    """Return the proposals with their current status, as the role may see them.

    Parameters
    ----------
    store
        The store.
    review_id
        One review (id or unique prefix); default every open review.
    role
        Operators see only their own proposals and the shared ones; the department and
        viewers see all.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`PROPOSAL_COLUMNS` and the geometry (EPSG:4326): ``status`` and
        ``status_seq`` (pass it to :func:`decide` as ``expected_seq``), the latest
        decision's ``decided_by``, ``decided_role``, ``decided_at`` and ``reason`` (empty
        while only published), ``n_comments``, ``last_seq`` and ``status_colour``.
    """
    reviewer = as_role(role)
    with store.transaction() as tx:
        _ensure_tables(tx)
        if review_id is None:
            chosen = [str(r[0]) for r in tx.rows(
                "SELECT review_id FROM hatangso_reviews WHERE status = 'open'"
            )]  # fmt: skip
        else:
            chosen = [_resolve(tx, "hatangso_reviews", "review_id", review_id, "review")]
        rows = tx.rows(
            "SELECT p.proposal_id, p.review_id, r.plan, r.period, p.kind, p.ref, p.operator, "
            "p.district_id, p.commune_id, p.village_ids, p.households, p.cost_vnd, "
            "p.geometry FROM hatangso_proposals p JOIN hatangso_reviews r "
            "ON r.review_id = p.review_id ORDER BY r.published_at, p.review_id, p.position"
        )
        rows = [r for r in rows if r[1] in chosen and reviewer.sees_proposal(str(r[6]))]
        wanted = {str(r[0]) for r in rows}
        events = [e for e in tx.rows(_EVENT_SELECT) if e[1] in wanted]
    return _proposal_frame(rows, events)


def _proposal_frame(rows: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    status = _current(events)
    comments: dict[str, int] = {}
    last: dict[str, int] = {}
    for e in events:
        pid, seq = str(e[1]), int(e[2])
        last[pid] = max(last.get(pid, 0), seq)
        if e[6] == "comment":
            comments[pid] = comments.get(pid, 0) + 1
    records = []
    for r in rows:
        pid = str(r[0])
        event = status[pid]
        decided = event.action == "decide"
        records.append(
            {
                "proposal_id": pid,
                "review_id": r[1],
                "plan": str(r[2]).removeprefix("plan:"),
                "period": r[3],
                "kind": r[4],
                "ref": r[5],
                "operator": r[6],
                "district_id": r[7],
                "commune_id": r[8],
                "village_ids": r[9],
                "households": r[10],
                "cost_vnd": r[11],
                "status": event.status_to,
                "status_seq": event.seq,
                "decided_by": event.actor if decided else None,
                "decided_role": event.role if decided else None,
                "decided_at": event.at if decided else None,
                "reason": event.reason if decided else None,
                "n_comments": comments.get(pid, 0),
                "last_seq": last.get(pid, 0),
                "status_colour": STATUS_COLOURS.get(str(event.status_to), "#808080"),
            }
        )
    geometry: list[BaseGeometry | None] = [
        shape(json.loads(r[12])) if r[12] else None for r in rows
    ]
    frame = pd.DataFrame(records, columns=list(PROPOSAL_COLUMNS))
    for col in ("households", "status_seq", "n_comments", "last_seq"):
        frame[col] = frame[col].astype("Int64")
    frame["cost_vnd"] = frame["cost_vnd"].astype(float)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=STORE_CRS))


def history(store: Store, proposal_id: str, *, role: str | Role) -> pd.DataFrame:
    """Return every event of a proposal, oldest first (who, role, when, what, why).

    Parameters
    ----------
    store
        The store.
    proposal_id
        The proposal (its id or a unique prefix of at least 6 characters).
    role
        Operators see the history of their own and of shared proposals only.

    Returns
    -------
    pandas.DataFrame
        :data:`EVENT_COLUMNS`, one row an event, ordered by ``seq``.
    """
    reviewer = as_role(role)
    with store.transaction() as tx:
        prop = _visible_proposal(tx, proposal_id, reviewer)
        rows = tx.rows(f"{_EVENT_SELECT} WHERE proposal_id = ? ORDER BY seq", (prop.proposal_id,))
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["seq"] = frame["seq"].astype(int)
    return frame


# --------------------------------------------------------------------------- export


def export_review(
    store: Store,
    review_id: str | None,
    path: str | Path,
    *,
    role: str | Role,
    actor: str | None = None,
) -> Path:
    """Export the review state: ``.xlsx`` (proposals and events) or ``.geojson``/``.csv``.

    Parameters
    ----------
    store
        The store.
    review_id
        One review (id or unique prefix); ``None`` for every open review.
    path
        ``FILE.xlsx``: sheet ``proposals`` (current status, last decision) and sheet
        ``events`` (the whole history); ``FILE.geojson``: the proposals with their status
        properties and ``status_colour``; ``FILE.csv``: the proposals' table.
    role
        What the role may see (see :func:`proposals`).
    actor
        Who exports; when given, the export is recorded in the audit trail.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".geojson", ".csv"}:
        msg = f"{path.name}: cannot export a review as {suffix or 'a file without suffix'}; "
        msg += "use .xlsx, .geojson or .csv."
        raise InputError(msg)
    frame = proposals(store, review_id, role=role)
    if actor is not None:
        detail = {"what": "review", "review": review_id, "file": path.name, "rows": len(frame)}
        audit.record(store, _actor(actor), "export", str(review_id or "open reviews"), detail)
    if suffix != ".xlsx":
        return write_table(frame, path, sheet_name="proposals")
    ids = set(frame["proposal_id"])
    with store.transaction() as tx:
        _ensure_tables(tx)
        rows = [r for r in tx.rows(f"{_EVENT_SELECT} ORDER BY proposal_id, seq") if r[1] in ids]
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    events = events.merge(
        frame[["proposal_id", "review_id", "kind", "ref", "operator"]], on="proposal_id"
    )
    order = ["review_id", "kind", "ref", "operator", *EVENT_COLUMNS]
    events = events[order].sort_values(["review_id", "ref", "seq"], kind="stable")
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["geometry_wkt"] = [None if g is None else g.wkt for g in frame.geometry]
    return _write_xlsx({"proposals": table, "events": events}, path)


def _write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Write sheets atomically; text that looks like a formula stays text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.xlsx")
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, sheet in sheets.items():
                sheet.to_excel(writer, sheet_name=name, index=False)
                for row in writer.sheets[name].iter_rows():
                    for cell in row:
                        if cell.data_type == "f":  # "=..." typed by a user is not a formula
                            cell.data_type = "s"
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("wrote %s", path)
    return path
