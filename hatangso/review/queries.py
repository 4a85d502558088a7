"""Reading reviews: the rounds, the proposals with their current status, a history.

:func:`reviews` lists every round with its counts by status; :func:`proposals` returns
the proposals a role may see with their current status (the latest status-changing
event) as a GeoDataFrame for the map and the tables; :func:`history` returns every event
of one proposal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS
from geodata.store import Store
from hatangso.access import Role, as_role
from hatangso.review.events import (
    EVENT_SELECT,
    ensure_tables,
    event_from_row,
    resolve_id,
    visible_proposal,
)
from hatangso.review.model import (
    EVENT_COLUMNS,
    PROPOSAL_COLUMNS,
    STATUS_COLOURS,
    STATUSES,
    ReviewEvent,
)

__all__ = [
    "history",
    "proposals",
    "reviews",
]


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
        ensure_tables(tx)
        rows = tx.rows(
            f"SELECT {', '.join(columns)} FROM hatangso_reviews "  # noqa: S608 - fixed names
            "ORDER BY published_at DESC, review_id"
        )
        props = tx.rows("SELECT proposal_id, review_id, operator FROM hatangso_proposals")
        events = tx.rows(f"{EVENT_SELECT} WHERE status_to IS NOT NULL")
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
        ensure_tables(tx)
        if review_id is None:
            chosen = [str(r[0]) for r in tx.rows(
                "SELECT review_id FROM hatangso_reviews WHERE status = 'open'"
            )]  # fmt: skip
        else:
            chosen = [resolve_id(tx, "hatangso_reviews", "review_id", review_id, "review")]
        rows = tx.rows(
            "SELECT p.proposal_id, p.review_id, r.plan, r.period, p.kind, p.ref, p.operator, "
            "p.district_id, p.commune_id, p.village_ids, p.households, p.cost_vnd, "
            "p.geometry FROM hatangso_proposals p JOIN hatangso_reviews r "
            "ON r.review_id = p.review_id ORDER BY r.published_at, p.review_id, p.position"
        )
        rows = [r for r in rows if r[1] in chosen and reviewer.sees_proposal(str(r[6]))]
        wanted = {str(r[0]) for r in rows}
        events = [e for e in tx.rows(EVENT_SELECT) if e[1] in wanted]
    return _proposal_frame(rows, events)


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
        prop = visible_proposal(tx, proposal_id, reviewer)
        rows = tx.rows(f"{EVENT_SELECT} WHERE proposal_id = ? ORDER BY seq", (prop.proposal_id,))
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["seq"] = frame["seq"].astype(int)
    return frame


def _current(rows: Iterable[Sequence[Any]]) -> dict[str, ReviewEvent]:
    """Return the latest status-changing event of each proposal."""
    out: dict[str, ReviewEvent] = {}
    for row in rows:
        event = event_from_row(row)
        if event.status_to is None:
            continue
        held = out.get(event.proposal_id)
        if held is None or event.seq > held.seq:
            out[event.proposal_id] = event
    return out


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
