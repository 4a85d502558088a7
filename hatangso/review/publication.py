"""Publishing a saved plan for review, and closing a review round.

:func:`publish` turns every feature of a saved plan (``plan:NAME``) into a proposal: its
kind (a fiber route or a mobile site), its reference, the operator concerned (a site's
own operator; for a route, the operator of the existing fiber nearest to it), its
district and commune (from ``admin_units``), villages, households and cost. :func:`close`
ends a round; a new publication of the plan then opens the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geodata.crs import STORE_CRS, WORK_CRS
from geodata.store import Store
from hatangso import audit
from hatangso.access import SHARED, Role, as_role, canonical_operator
from hatangso.review.events import (
    actor_name,
    append_event,
    ensure_tables,
    resolve_id,
    timestamp,
)
from hatangso.review.model import ReviewError, ReviewPermissionError

__all__ = [
    "close",
    "publish",
]

log = logging.getLogger(__name__)

_PLAN_KINDS: Final = {
    "fiber_plan": "route",
    "site_plan": "site",
    "ring_plan": "route",  # rings to close (hatangso plan rings): new cable, as a route
    "backup_plan": "site",  # backup power (hatangso plan backup): an upgrade at a site
    "mix_plan": "unit",  # a cluster served by the technology the mix chose
}
_REF_COLUMNS: Final = {
    "route": ("route_id", "id"),
    "site": ("site_id", "id"),
    "unit": ("unit_id", "id"),
}
_VILLAGE_COLUMNS: Final = {
    "route": ("villages", "village_ids"),
    "site": ("target_ids", "villages"),
    "unit": ("village_id", "villages"),
}


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
    who, reviewer = actor_name(actor), as_role(role)
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
            f"(plans saved: {saved}). Save one with "
            "`hatangso plan fiber|sites|mix STORE --save NAME`."
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
        ensure_tables(tx)
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
        at = timestamp()
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
            append_event(
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
    who, reviewer = actor_name(actor), as_role(role)
    if not reviewer.can_publish:
        msg = f"only the department can close a review, not {reviewer!s}."
        raise ReviewPermissionError(msg)
    with store.transaction() as tx:
        ensure_tables(tx)
        rid = resolve_id(tx, "hatangso_reviews", "review_id", review_id, "review")
        tx.execute(
            "UPDATE hatangso_reviews SET status = 'closed', closed_at = ?, closed_by = ? "
            "WHERE review_id = ? AND status = 'open'",
            (timestamp(), who, rid),
        )
        audit.record(tx, who, "review_closed", rid, {"review": "closed"})


# --------------------------------------------------------------------------- proposals of a plan


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
