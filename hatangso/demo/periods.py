"""The later period: the network layers of the province's end-2024 status.

Built from the first period's layers (:data:`hatangso.demo.targets.PUBLISHED_END_2024`):
new access cables along the roads toward 7 of the 15 villages without fiber (the
shortest extensions, each by the operator whose network is nearest; nothing is moved),
leaving 8 villages without fiber in An Lão, Vĩnh Thạnh and Vân Canh, làng O2 among them;
1,168/1,176 villages is 99.3 % where the press says 99.2 %, and the demo keeps the 8
villages, the list the department acts on. 4G stays as it was (every village but làng
O2) while a few sites per operator are added or decommissioned, and Viettel adds 5G to
its sites around every district centre (more than 70 5G sites). Unchanged features keep
their ids and geometry.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage.fiber import fiber_reach
from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import (
    FIBER_OPERATORS,
    OPERATOR_CODE,
    Bools,
    Floats,
    Layers,
    Node,
    coords_of,
    district_of,
    point_geoms,
)
from hatangso.demo.context import Context
from hatangso.demo.fiber import FiberOut, check_fiber, household_share
from hatangso.demo.road_graph import (
    ZONE_M,
    Roads,
    edges_near,
    keep_dark,
    nearest_network,
    network_nodes,
    node_key,
    path_coords,
    road_graph,
)
from hatangso.demo.sites import (
    FILL_TECH,
    HEIGHTS_M,
    JITTER_M,
    Area,
    Sites,
    allocate,
    check_mobile,
    jittered,
    loud_sites,
    mobile_area,
    site_record,
    three_sectors,
)
from hatangso.demo.targets import LaterTargets, later_targets_for

__all__ = ["step_later_networks"]


# ------------------------------------------------------------------------------- the step


def step_later_networks(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build the network layers of the later period from those of the first one.

    The fiber network keeps every route and node and gains access cables (a splice
    closure where each leaves the network, a splitter at its end); the mobile sites
    lose a few decommissioned ones, gain a few new 4G ones per operator, and part of
    Viettel's add 5G. Unchanged features keep their ids and geometry. The changes are
    checked with the coverage engine's default rules: the villages that the fiber
    reaches and those that have 4G are exactly the ones intended.

    Parameters
    ----------
    ctx
        The demo's build context (seeded generators, base layers, progress).
    layers
        The first period's layers, all of them.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``fiber_routes``, ``fiber_nodes`` and ``mobile_sites`` of the later period,
        complete, in EPSG:4326 with the first period's columns.

    Raises
    ------
    RuntimeError
        If the later networks miss their targets (a generator bug).
    """
    targets = later_targets_for(layers["admin_units"])
    out = _later_fiber(ctx, layers, targets)
    out.update(_later_mobile(ctx, layers, targets))
    return out


@dataclass(frozen=True)
# ---------------------------------------------------------------------------------- fiber


class _Extension:
    """A new access cable: operator, the village it serves, its road path."""

    operator: str
    village_id: str
    path: list[Node]


def _plan_extensions(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: Floats,
    roads: Roads,
    routes: gpd.GeoDataFrame,
    reached: Bools,
    district: Mapping[str, str],
    targets: LaterTargets,
    ctx: Context,
) -> tuple[list[_Extension], list[int]]:
    """Choose the new access cables, cheapest first; return them and the villages left out.

    A village without fiber (with electricity) is a candidate when a road path from an
    operator's distribution or access network reaches it without coming within
    ``ZONE_M`` of another village without fiber (nor the zone of a village without
    electricity); the ``fiber_extensions`` shortest are built, keeping
    ``keep_per_district`` villages without fiber in each district.
    """
    keys = [node_key(*p) for p in vxy]
    ids = villages["village_id"].astype(str).to_numpy()
    commune = villages["commune_id"].astype(str).to_numpy()
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    eligible = routes[routes["level"].isin(["distribution", "access"])]
    sources = {
        op: network_nodes(roads, eligible[eligible["operator"] == op]) for op in FIBER_OPERATORS
    }
    dark_idx, dark_edges = keep_dark(villages, vxy, roads)
    unreached = [int(i) for i in np.flatnonzero(~reached)]
    candidates = [i for i in unreached if powered[i] and i not in dark_idx]
    zones = {i: edges_near(roads, vxy[i], ZONE_M) for i in unreached}
    options: list[tuple[float, str, int, str, list[Node]]] = []
    for i in candidates if targets.fiber_extensions else []:
        removed = set(dark_edges)
        for j in unreached:
            if j != i:
                removed |= zones[j]
        rng = ctx.rng("later", "fiber", str(ids[i]))
        found = nearest_network(roads, removed, sources, keys[i], rng)
        if found is not None:
            op, length, path = found
            options.append((length, str(ids[i]), i, op, path))
    left = {
        d: sum(district.get(commune[j], "") == d for j in unreached) for d in set(district.values())
    }
    out: list[_Extension] = []
    for _, vid, i, op, path in sorted(options):
        if len(out) == targets.fiber_extensions:
            break
        home = district.get(commune[i], "")
        if left.get(home, 0) <= targets.keep_per_district:
            continue
        left[home] -= 1
        out.append(_Extension(op, vid, path))
    if len(out) < targets.fiber_extensions:
        msg = (
            f"Internal error: only {len(out)} of {targets.fiber_extensions} fiber extensions "
            "can be built."
        )
        raise RuntimeError(msg)
    served = {e.village_id for e in out}
    return out, [i for i in unreached if str(ids[i]) not in served]


def _second_operator(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: Floats,
    roads: Roads,
    routes: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    count: int,
) -> list[_Extension]:
    """Access cables of the other operator to the largest villages served by only one."""
    if count <= 0:
        return []
    node_ids = set(nodes["node_id"].astype(str))
    ids = villages["village_id"].astype(str).to_numpy()
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    _, dark_edges = keep_dark(villages, vxy, roads)
    eligible = routes[routes["level"].isin(["distribution", "access"])]
    order = np.lexsort((ids, -villages["households"].to_numpy()))
    out: list[_Extension] = []
    for i in order:
        served = [op for op in FIBER_OPERATORS if f"{OPERATOR_CODE[op]}-SPL-{ids[i]}" in node_ids]
        if len(out) == count:
            break
        if not powered[i] or len(served) != 1:
            continue
        (other,) = [op for op in FIBER_OPERATORS if op not in served]
        sources = {other: network_nodes(roads, eligible[eligible["operator"] == other])}
        found = nearest_network(roads, dark_edges, sources, node_key(*vxy[i]))
        if found is not None and len(found[2]) > 1:
            out.append(_Extension(other, str(ids[i]), found[2]))
    return out


def _extension_frames(
    roads: Roads, extensions: Sequence[_Extension]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the new access routes and their nodes (a splice closure, a splitter at the end)."""
    out = FiberOut()
    for ext in extensions:
        full = {(a, b): roads.edge_length(a, b) for a, b in itertools.pairwise(ext.path)}
        xy = path_coords(roads, ext.path, full)
        if len(xy) < 2:
            continue
        code = OPERATOR_CODE[ext.operator]
        out.route(f"{code}-AC-{ext.village_id}", ext.operator, "access", xy)
        out.node(f"{code}-CL-{ext.village_id}", ext.operator, "closure", xy[0])
        out.node(f"{code}-SPL-{ext.village_id}", ext.operator, "splitter", xy[-1])
    routes = gpd.GeoDataFrame(
        pd.DataFrame(out.routes, columns=["route_id", "operator", "level"]),
        geometry=out.route_geoms,
        crs=WORK_CRS,
    )
    nodes = gpd.GeoDataFrame(
        pd.DataFrame(out.nodes, columns=["node_id", "operator", "kind"]),
        geometry=point_geoms(np.array(out.node_xy).reshape(-1, 2)),
        crs=WORK_CRS,
    )
    return routes, nodes


def _appended(first: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``first`` (EPSG:4326, untouched) followed by ``added`` (metres), in EPSG:4326."""
    if not len(added):
        return first.copy()
    extra = added.to_crs(STORE_CRS)[list(first.columns)].astype(first.dtypes.to_dict())
    out = pd.concat([first, extra], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORE_CRS)


def _later_fiber(
    ctx: Context, layers: Mapping[str, gpd.GeoDataFrame], targets: LaterTargets
) -> Layers:
    """Return the fiber network of the later period: the first one plus new access cables."""
    settings = DEFAULT_SETTINGS
    admin = layers["admin_units"]
    villages = layers["villages"].to_crs(WORK_CRS)
    vxy = coords_of(villages)
    roads = road_graph(layers["roads"].to_crs(WORK_CRS))
    routes1 = layers["fiber_routes"].to_crs(WORK_CRS)
    nodes1 = layers["fiber_nodes"].to_crs(WORK_CRS)
    reached = fiber_reach(villages, routes1, nodes1, settings=settings)["fiber_reached"]
    before = reached.to_numpy(dtype=bool)
    extensions, unreached = _plan_extensions(
        villages, vxy, roads, routes1, before, district_of(admin), targets, ctx
    )
    extensions += _second_operator(villages, vxy, roads, routes1, nodes1, targets.second_operator)
    new_routes, new_nodes = _extension_frames(roads, extensions)
    routes = _appended(layers["fiber_routes"], new_routes)
    nodes = _appended(layers["fiber_nodes"], new_nodes)
    routes_w = routes.to_crs(WORK_CRS)
    check_fiber(villages, routes_w, nodes.to_crs(WORK_CRS), unreached, settings)
    share = household_share(
        list(routes_w.geometry[routes_w["level"].isin(settings.fiber_route_levels)]),
        layers["clusters"].to_crs(WORK_CRS),
        settings,
    )
    ctx.progress(
        f"fiber, later period: {len(new_routes)} new access routes "
        f"({new_routes.length.sum() / 1000.0:.1f} km: "
        + ", ".join(
            f"{op} {int((new_routes['operator'] == op).sum())}"
            for op in sorted(set(new_routes["operator"]))
        )
        + f"), villages reached {len(villages) - len(unreached)}/{len(villages)}, "
        f"households {share:.2f} %"
    )
    return {"fiber_routes": routes, "fiber_nodes": nodes}


# --------------------------------------------------------------------------- mobile sites


_REGULAR_SITE = r"^[A-Z]+-\d{5}-\d{2}$"  # a site placed by households: CODE-commune-NN


def _site_commune(site_ids: pd.Series) -> pd.Series:
    """Commune of the regular sites (from their id), ``""`` for the others."""
    ids = site_ids.astype(str)
    regular = ids.str.match(_REGULAR_SITE)
    return ids.str.split("-").str[1].where(regular, "")


def _covered_4g(frame: gpd.GeoDataFrame, xy: Floats, area: Area) -> Bools:
    signal = best_signal(frame, xy, tech="4G", density=area.density, settings=DEFAULT_SETTINGS)
    return np.asarray(signal.covered.to_numpy(dtype=bool), dtype=bool)


def _decommission(
    frame: gpd.GeoDataFrame, area: Area, targets: LaterTargets, rng: np.random.Generator
) -> set[str]:
    """Sites switched off: 2G/3G-only ones first, then the most redundant 4G ones in towns.

    A 4G site goes only when every village and cluster it covers stays covered by
    another site; a 2G/3G-only site never changes 4G.
    """
    style = dict(zip(area.communes["unit_id"].astype(str), area.communes["style"], strict=True))
    commune = _site_commune(frame["site_id"])
    urban = commune.map(style).isin(["ward", "town"]).to_numpy(dtype=bool)
    has_4g = frame["tech"].astype(str).str.split(",").map(lambda t: "4G" in t).to_numpy()
    has_5g = frame["tech"].astype(str).str.contains("5G").to_numpy()
    regular = (commune != "").to_numpy()
    sxy = coords_of(frame)
    points = np.vstack([coords_of(area.villages), coords_of(area.clusters)])
    removed: set[str] = set()
    current = frame
    for op in sorted(targets.removed_sites):
        own = (frame["operator"] == op).to_numpy() & regular & ~has_5g
        legacy = np.flatnonzero(own & ~has_4g)
        legacy = legacy[rng.permutation(len(legacy))]
        idx = np.flatnonzero(own & urban & has_4g)
        others = np.flatnonzero(own)
        near = np.hypot(
            sxy[idx, None, 0] - sxy[None, others, 0], sxy[idx, None, 1] - sxy[None, others, 1]
        )
        near[near == 0] = np.inf
        order = np.argsort(near.min(axis=1), kind="stable") if len(idx) else np.array([], int)
        partner = {int(idx[k]): int(others[int(np.argmin(near[k]))]) for k in order}
        redundant = idx[order]
        gone: set[int] = set()
        count = 0
        for i in [*legacy.tolist(), *redundant.tolist()]:
            if count == targets.removed_sites[op]:
                break
            if partner.get(i, -1) in gone:  # the other site of a redundant pair stays
                continue
            site_id = str(frame["site_id"].iloc[i])
            if has_4g[i]:
                alone = _covered_4g(frame.iloc[[i]], points, area)
                rest = current[current["site_id"] != site_id]
                if not _covered_4g(rest, points[alone], area).all():
                    continue
            current = current[current["site_id"] != site_id]
            removed.add(site_id)
            gone.add(i)
            count += 1
    return removed


def _new_sites(  # noqa: PLR0913
    frame: gpd.GeoDataFrame,
    area: Area,
    targets: LaterTargets,
    settings: CoverageSettings,
    ctx: Context,
    taken: Iterable[str],
) -> gpd.GeoDataFrame:
    """Return new 4G sites: one each in the communes with the most households per own site.

    Each stands near the cluster of the commune that is farthest from the operator's
    sites in ``frame`` (weighted by households); ids continue the operator's numbering
    there after every id in ``taken`` (decommissioned sites' ids are not reused).
    """
    communes = area.communes
    hh = communes.set_index(communes["unit_id"].astype(str))["households"]
    style = communes.set_index(communes["unit_id"].astype(str))["style"].astype(str)
    polygon = communes.set_index(communes["unit_id"].astype(str)).geometry
    site_commune = _site_commune(frame["site_id"])
    cluster_commune = (
        area.clusters["village_id"]
        .map(dict(zip(area.villages["village_id"], area.villages["commune_id"], strict=True)))
        .astype(str)
        .to_numpy()
    )
    cxy = coords_of(area.clusters)
    chh = area.clusters["households"].to_numpy(dtype=np.float64)
    taken = set(taken)
    sites = Sites()
    for op in sorted(targets.new_sites):
        allowed = {"ward", "town"} if op == "Vietnamobile" else {"ward", "town", "lowland"}
        own = frame[(frame["operator"] == op).to_numpy()]
        per = site_commune[own.index].value_counts()
        load = {c: float(hh[c]) / (int(per.get(c, 0)) + 1) for c in hh.index if style[c] in allowed}
        ranked = sorted(load, key=lambda c: (-load[c], c))
        oxy = coords_of(own) if len(own) else np.empty((0, 2))
        placed = 0
        for commune_id in ranked:
            if placed == targets.new_sites[op]:
                break
            rng = ctx.rng("later", "site", op, commune_id)
            mask = cluster_commune == commune_id
            pts, w = cxy[mask], chh[mask]
            if not len(pts):
                continue
            if len(oxy):
                far = np.hypot(pts[:, None, 0] - oxy[None, :, 0], pts[:, None, 1] - oxy[None, :, 1])
                score = far.min(axis=1) * np.sqrt(w)
            else:
                score = w
            anchor = pts[int(np.argmax(score))]
            xy = jittered(polygon[commune_id], anchor, JITTER_M[style[commune_id]], rng)
            low, high = HEIGHTS_M[style[commune_id]]
            numbers = [
                int(s.rsplit("-", 1)[1])
                for s in taken
                if s.startswith(f"{OPERATOR_CODE[op]}-{commune_id}-")
                and s.rsplit("-", 1)[1].isdigit()
            ]
            site_id = f"{OPERATOR_CODE[op]}-{commune_id}-{max(numbers, default=0) + 1:02d}"
            record = site_record(
                site_id,
                op,
                FILL_TECH,
                float(rng.integers(low // 3, high // 3 + 1) * 3),
                three_sectors(rng),
            )
            one = Sites()
            one.add(record, xy)
            if len(area.dark_xy) and loud_sites(one.frame(), "4G", area, settings):
                continue  # too close to a village without electricity: the next commune
            taken.add(site_id)
            sites.add(record, xy)
            placed += 1
    return sites.frame()


def _five_g_upgrades(
    frame: gpd.GeoDataFrame,
    area: Area,
    places: gpd.GeoDataFrame,
    targets: LaterTargets,
    settings: CoverageSettings,
) -> set[str]:
    """Sites of ``targets.five_g_operator`` that add 5G, around each district centre.

    The upgrades are shared among the places of ``targets.five_g_kinds`` (at least 3
    each, the rest by the households of their district's towns and wards), the
    operator's 4G sites nearest each place first; more are upgraded where a place is
    still not covered. A site that would bring 5G near a village without electricity
    is skipped.
    """
    op = targets.five_g_operator
    techs = frame["tech"].astype(str).str.split(",")
    mine = (frame["operator"] == op).to_numpy()
    already = int((mine & techs.map(lambda t: "5G" in t).to_numpy()).sum())
    todo = targets.five_g_sites - already
    chosen_places = places[places["kind"].isin(targets.five_g_kinds)].sort_values("place_id")
    if todo <= 0 or not len(chosen_places):
        return set()
    communes = area.communes
    where = gpd.sjoin(
        chosen_places[["place_id", "geometry"]],
        communes[["unit_id", "parent_id", "geometry"]],
        how="left",
        predicate="intersects",
    )
    where = where[~where.index.duplicated(keep="first")]
    urban = communes[communes["style"].isin(["ward", "town"])]
    urban_hh = urban.groupby(urban["parent_id"].astype(str))["households"].sum()
    weights = np.array(
        [float(urban_hh.get(str(d), 0.0)) for d in where["parent_id"]], dtype=np.float64
    )
    quota = allocate(todo, weights, np.full(len(where), 3, dtype=np.int64))
    pool = np.flatnonzero(mine & techs.map(lambda t: "4G" in t and "5G" not in t).to_numpy())
    sxy = coords_of(frame)
    ids = frame["site_id"].astype(str).to_numpy()
    upgraded: set[str] = set()

    def five_g(site_ids: Iterable[str]) -> gpd.GeoDataFrame:
        wanted = set(site_ids)
        rows = frame[frame["site_id"].astype(str).isin(wanted)]
        return rows.assign(
            tech=[_with_5g(t) for t in rows["tech"]], eirp_dbm=np.nan, band_mhz=np.nan
        )

    def quiet(site_id: str) -> bool:
        return not len(area.dark_xy) or not loud_sites(five_g([site_id]), "5G", area, settings)

    def covered(xy: Floats) -> bool:
        current = pd.concat([frame[~frame["site_id"].astype(str).isin(upgraded)], five_g(upgraded)])
        sig = best_signal(
            gpd.GeoDataFrame(current, geometry="geometry", crs=WORK_CRS),
            xy[None, :],
            tech="5G",
            density=area.density,
            settings=settings,
        )
        return op in str(sig.covered_by.iloc[0]).split(",")

    pxy = coords_of(chosen_places)
    order = [
        [str(ids[i]) for i in pool[np.argsort(np.hypot(*(sxy[pool] - p).T), kind="stable")]]
        for p in pxy
    ]
    for nearest, n in zip(order, quota, strict=True):
        fresh = (s for s in nearest if s not in upgraded and quiet(s))
        upgraded.update(itertools.islice(fresh, n))
    for nearest, xy in zip(order, pxy, strict=True):  # then make sure every place is covered
        for site_id in nearest:
            if covered(xy):
                break
            if site_id not in upgraded and quiet(site_id):
                upgraded.add(site_id)
    return upgraded


def _with_5g(tech: object) -> str:
    """Add 5G to a comma-separated technology list (kept sorted)."""
    return ",".join(sorted({*str(tech).split(","), "5G"} - {""}))


def _later_mobile(
    ctx: Context, layers: Mapping[str, gpd.GeoDataFrame], targets: LaterTargets
) -> Layers:
    """Return the later period's sites: some decommissioned, some new, some with 5G."""
    settings = DEFAULT_SETTINGS
    area = mobile_area(ctx, layers)
    first = layers["mobile_sites"]
    work = first.to_crs(WORK_CRS)
    removed = _decommission(work, area, targets, ctx.rng("later", "decommission"))
    kept = work[~work["site_id"].astype(str).isin(removed)]
    added = _new_sites(kept, area, targets, settings, ctx, work["site_id"].astype(str))
    upgraded = _five_g_upgrades(
        kept, area, layers["priority_places"].to_crs(WORK_CRS), targets, settings
    )
    out = first[~first["site_id"].astype(str).isin(removed)].copy()
    up = out["site_id"].astype(str).isin(upgraded).to_numpy()
    out.loc[up, "tech"] = [_with_5g(t) for t in out.loc[up, "tech"]]
    out.loc[up, ["eirp_dbm", "band_mhz"]] = np.nan
    out = _appended(out, added).sort_values("site_id", kind="stable").reset_index(drop=True)
    work_out = out.to_crs(WORK_CRS)
    check_mobile(work_out, area, settings)
    _check_five_g(work_out, layers["priority_places"].to_crs(WORK_CRS), area, targets, settings)
    five_g = int(
        ((out["operator"] == targets.five_g_operator) & out["tech"].str.contains("5G")).sum()
    )
    ctx.progress(
        f"mobile sites, later period: {len(out)} ({len(added)} new, {len(removed)} "
        f"decommissioned, {len(upgraded)} upgraded to 5G; "
        f"{targets.five_g_operator} 5G {five_g})"
    )
    return {"mobile_sites": out}


def _check_five_g(
    frame: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    area: Area,
    targets: LaterTargets,
    settings: CoverageSettings,
) -> None:
    """Raise unless the operator's 5G covers every place of the kinds it must cover."""
    if targets.five_g_sites <= 0:
        return
    chosen = places[places["kind"].isin(targets.five_g_kinds)]
    sig = best_signal(frame, coords_of(chosen), tech="5G", density=area.density, settings=settings)
    missing = [
        str(pid)
        for pid, ops in zip(chosen["place_id"], sig.covered_by, strict=True)
        if targets.five_g_operator not in str(ops).split(",")
    ]
    if missing:
        msg = f"Internal error: no {targets.five_g_operator} 5G at {', '.join(missing)}."
        raise RuntimeError(msg)
