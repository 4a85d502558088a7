"""Single points of failure: the one cut, or the one failed node, that takes service away.

On the dependency graph (:mod:`coverage.resilience.network`), a depth-first search from
:data:`~coverage.resilience.network.CORE` (Tarjan's low-link) finds every **bridge** (a
piece of route or a microwave hop whose loss separates part of the network from the
core) and every **articulation point** among the fiber nodes and sites (an OLT, a splice
closure, a microwave hub whose failure does the same).

What depends on the network: a village or a cluster keeps fiber while one piece of
fiber within :attr:`~coverage.settings.CoverageSettings.fiber_reach_m` still reaches the
core (the engine's rule, :func:`coverage.fiber.fiber_reach`, on the pieces that
survive); a site keeps its backhaul while its node reaches the core. Each piece is
represented by a node of the search tree (a tree edge by its lower end, a back edge by
its upper one): a piece dies with a bridge above node ``c`` exactly when its
representative lies in the subtree of ``c``, so an entity is cut off by that bridge when
all its representatives do, that is when ``tin[c] <= min tin`` and ``max tin <= tout[c]``
over them. A failed node ``x`` kills the pieces touching it and those inside the subtrees
of its children that have no way around it (``low[child] >= tin[x]``).

A long route is cut in several places; the table keeps, for each route, its worst cut
(the one nearest the core).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.resilience.network import CORE, Network
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings

__all__ = ["SPOF_COLUMNS", "Dependents", "dependents", "single_points_of_failure"]

Ints = npt.NDArray[np.int64]

#: The columns of the table :func:`single_points_of_failure` returns.
SPOF_COLUMNS = [
    "kind",
    "element_id",
    "operator",
    "level",
    "households",
    "villages",
    "communes",
    "sites",
    "village_ids",
    "commune_ids",
    "site_ids",
    "x",
    "y",
]


@dataclass(frozen=True)
class Dependents:
    """What depends on the network, as pieces of it.

    Attributes
    ----------
    kind
        Per entity: ``"cluster"``, ``"village"`` or ``"site"``.
    entity_id
        Per entity: its id.
    households
        Per entity (clusters; villages when there are no clusters; 0 for the rest).
    village_id, commune_id
        Per entity ("" for sites).
    pair_entity, pair_u, pair_v
        One row a (entity, piece) pair: the entity's position and the piece's two nodes
        (a node piece has ``u == v``).
    pair_edge
        The piece's edge row, ``-1`` for a node piece.
    """

    kind: npt.NDArray[np.object_]
    entity_id: npt.NDArray[np.object_]
    households: Ints
    village_id: npt.NDArray[np.object_]
    commune_id: npt.NDArray[np.object_]
    pair_entity: Ints
    pair_u: Ints
    pair_v: Ints
    pair_edge: Ints


def dependents(
    network: Network,
    villages: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame | None = None,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> Dependents:
    """Tie villages, clusters and sites to the pieces of network they depend on.

    Parameters
    ----------
    network
        The dependency graph.
    villages
        ``village_id``, ``commune_id``, ``households``; metric CRS.
    clusters
        ``cluster_id``, ``village_id``, ``households``; without them every village is
        its own cluster for the households.
    settings
        ``fiber_reach_m`` and ``fiber_route_levels``, as the engine uses them.

    Returns
    -------
    Dependents
    """
    pieces, piece_u, piece_v, piece_edge = _pieces(network, settings)
    tree = shapely.STRtree(pieces)
    commune_of = dict(
        zip(villages["village_id"].astype(str), villages["commune_id"].astype(str), strict=True)
    )
    vid = villages["village_id"].astype(str).to_numpy(dtype=object)
    has_clusters = clusters is not None and len(clusters) > 0
    v_hh = villages["households"].to_numpy(dtype=np.int64)
    frames = [("village", villages, "village_id", vid, v_hh * (not has_clusters))]
    if clusters is not None and has_clusters:
        cvid = clusters["village_id"].astype(str).to_numpy(dtype=object)
        frames.append(
            ("cluster", clusters, "cluster_id", cvid, clusters["households"].to_numpy(np.int64))
        )
    table: dict[str, list[object]] = {"kind": [], "id": [], "hh": [], "village": []}
    pairs: list[tuple[Ints, Ints, Ints, Ints]] = []
    for name, frame, id_col, village_ids, households in frames:
        start = len(table["id"])
        src, dst = tree.query(
            frame.geometry.to_numpy(), predicate="dwithin", distance=settings.fiber_reach_m
        )
        table["kind"] += [name] * len(frame)
        table["id"] += frame[id_col].astype(str).tolist()
        table["hh"] += households.tolist()
        table["village"] += village_ids.tolist()
        pairs.append((src.astype(np.int64) + start, piece_u[dst], piece_v[dst], piece_edge[dst]))
    start = len(table["id"])
    site_ids = list(network.sites)
    site_nodes = np.asarray([network.sites[s] for s in site_ids], dtype=np.int64)
    table["kind"] += ["site"] * len(site_ids)
    table["id"] += site_ids
    table["hh"] += [0] * len(site_ids)
    table["village"] += [""] * len(site_ids)
    own = np.arange(start, start + len(site_ids), dtype=np.int64)
    pairs.append((own, site_nodes, site_nodes, np.full(len(site_ids), -1, dtype=np.int64)))
    return Dependents(
        kind=np.asarray(table["kind"], dtype=object),
        entity_id=np.asarray(table["id"], dtype=object),
        households=np.asarray(table["hh"], dtype=np.int64),
        village_id=np.asarray(table["village"], dtype=object),
        commune_id=np.asarray([commune_of.get(str(v), "") for v in table["village"]], dtype=object),
        pair_entity=np.concatenate([p[0] for p in pairs]),
        pair_u=np.concatenate([p[1] for p in pairs]),
        pair_v=np.concatenate([p[2] for p in pairs]),
        pair_edge=np.concatenate([p[3] for p in pairs]),
    )


def _pieces(
    network: Network, settings: CoverageSettings
) -> tuple[npt.NDArray[np.object_], Ints, Ints, Ints]:
    """Return the fiber that can serve a village: route edges of serving levels, nodes.

    Returns the pieces' geometries (a node where it stands), their two graph nodes and
    their edge row (-1 for a node).
    """
    edges = network.edges
    usable = np.flatnonzero(
        (edges["kind"] == "route").to_numpy() & edges["level"].isin(settings.fiber_route_levels)
    )
    a = np.stack([edges["x0"].to_numpy()[usable], edges["y0"].to_numpy()[usable]], axis=1)
    c = np.stack([edges["x1"].to_numpy()[usable], edges["y1"].to_numpy()[usable]], axis=1)
    eq_nodes = np.asarray(list(network.equipment.values()), dtype=np.int64)
    eq_xy = np.asarray(list(network.equipment_xy.values()), dtype=np.float64).reshape(-1, 2)
    lines = shapely.linestrings(np.stack([a, c], axis=1)) if len(usable) else np.array([])
    points = shapely.points(eq_xy) if len(eq_xy) else np.array([])
    pieces = np.asarray(np.concatenate([lines, points]), dtype=object)
    u = edges["u"].to_numpy(dtype=np.int64)[usable]
    v = edges["v"].to_numpy(dtype=np.int64)[usable]
    return (
        pieces,
        np.concatenate([u, eq_nodes]).astype(np.int64),
        np.concatenate([v, eq_nodes]).astype(np.int64),
        np.concatenate([usable, np.full(len(eq_nodes), -1)]).astype(np.int64),
    )


@dataclass(frozen=True)
class _Search:
    """The depth-first search tree from the core: entry and exit times, low-links."""

    tin: Ints
    tout: Ints
    low: Ints
    parent: Ints
    parent_edge: Ints


def _search(network: Network) -> _Search:
    n = network.n_nodes
    adj = network.adjacency()
    tin = [-1] * n
    tout = [-1] * n
    low = [0] * n
    parent = [-1] * n
    parent_edge = [-1] * n
    tin[CORE] = low[CORE] = 0
    timer = 1
    stack = [(CORE, iter(adj[CORE]))]
    while stack:
        node, it = stack[-1]
        descended = False
        for w, e in it:
            if e == parent_edge[node]:
                continue
            if tin[w] < 0:
                parent[w], parent_edge[w] = node, e
                tin[w] = low[w] = timer
                timer += 1
                stack.append((w, iter(adj[w])))
                descended = True
                break
            low[node] = min(low[node], tin[w])
        if descended:
            continue
        stack.pop()
        tout[node] = timer - 1
        if parent[node] >= 0:
            low[parent[node]] = min(low[parent[node]], low[node])
    as_array = np.asarray
    return _Search(
        as_array(tin, np.int64),
        as_array(tout, np.int64),
        as_array(low, np.int64),
        as_array(parent, np.int64),
        as_array(parent_edge, np.int64),
    )


def _representatives(search: _Search, deps: Dependents) -> Ints:
    """Each pair's representative's entry time, -1 when the piece does not reach the core."""
    u, v, e = deps.pair_u, deps.pair_v, deps.pair_edge
    tin = search.tin
    rep = np.where(tin[u] <= tin[v], v, u)  # a tree edge: its lower end
    back = (e >= 0) & (search.parent_edge[rep] != e)
    rep = np.where(back, np.where(tin[u] <= tin[v], u, v), rep)  # a back edge: its upper end
    out = tin[rep]
    out[(tin[u] < 0) | (tin[v] < 0)] = -1
    return out


def single_points_of_failure(
    network: Network,
    villages: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame | None = None,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Rank the single cuts and node failures by the households they cut off from fiber.

    Parameters
    ----------
    network
        The dependency graph (:func:`~coverage.resilience.network.build_network`).
    villages, clusters
        As for :func:`dependents`, metric CRS.
    settings
        The coverage rules (fiber reach, route levels that serve villages).

    Returns
    -------
    pandas.DataFrame
        :data:`SPOF_COLUMNS`, one row per route (its worst cut; ``kind`` ``"route"``),
        microwave hop (``"microwave"``, ``element_id`` the site it feeds), fiber node
        (``"node"``, its ids) or site (``"site"``, a microwave hub) whose loss cuts off a
        household or another site; sorted by households, then sites. ``x, y`` place the
        cut on a map (metric CRS).
    """
    deps = dependents(network, villages, clusters, settings=settings)
    search = _search(network)
    rep = _representatives(search, deps)
    reached = rep >= 0
    n_ent = len(deps.entity_id)
    big = np.iinfo(np.int64).max
    lo = np.full(n_ent, big, dtype=np.int64)
    hi = np.full(n_ent, -1, dtype=np.int64)
    np.minimum.at(lo, deps.pair_entity[reached], rep[reached])
    np.maximum.at(hi, deps.pair_entity[reached], rep[reached])
    rows = [*_bridge_rows(network, search, deps, lo, hi), *_node_rows(network, search, deps, rep)]
    table = pd.DataFrame(rows, columns=SPOF_COLUMNS)
    if not len(table):
        return table
    table = table.sort_values(
        ["households", "sites", "kind", "element_id"], ascending=[False, False, True, True]
    )
    return table.reset_index(drop=True)


def _row(  # noqa: PLR0913 - one row's fields
    kind: str,
    element_id: str,
    operator: str,
    level: str,
    deps: Dependents,
    dead: Ints,
    xy: tuple[float, float],
) -> dict[str, object] | None:
    """Return one row of the table from the positions of the entities cut off."""
    households = int(deps.households[dead].sum())
    kinds = deps.kind[dead]
    villages = sorted(set(deps.entity_id[dead[kinds == "village"]].tolist()))
    sites = sorted(set(deps.entity_id[dead[kinds == "site"]].tolist()))
    if kind == "site":
        sites = [s for s in sites if s != element_id]
    if not households and not villages and not sites:
        return None
    communes = sorted({c for c in deps.commune_id[dead[kinds == "village"]].tolist() if c})
    return {
        "kind": kind,
        "element_id": element_id,
        "operator": operator,
        "level": level,
        "households": households,
        "villages": len(villages),
        "communes": len(communes),
        "sites": len(sites),
        "village_ids": ",".join(villages),
        "commune_ids": ",".join(communes),
        "site_ids": ",".join(sites),
        "x": float(xy[0]),
        "y": float(xy[1]),
    }


def _bridge_rows(
    network: Network, search: _Search, deps: Dependents, lo: Ints, hi: Ints
) -> Iterable[dict[str, object]]:
    edges = network.edges
    kinds = edges["kind"].to_numpy()
    route_id = edges["route_id"].astype(str).to_numpy()
    operator = edges["operator"].astype(str).to_numpy()
    level = edges["level"].astype(str).to_numpy()
    mid_x = (edges["x0"].to_numpy() + edges["x1"].to_numpy()) / 2.0
    mid_y = (edges["y0"].to_numpy() + edges["y1"].to_numpy()) / 2.0
    reached = np.flatnonzero(hi >= 0)
    order = reached[np.argsort(lo[reached], kind="stable")]
    lo_sorted = lo[order]
    child = np.flatnonzero(search.parent_edge >= 0)
    child = child[search.low[child] > search.tin[search.parent[child]]]
    best: dict[tuple[str, str], dict[str, object]] = {}
    site_at = {node: site for site, node in network.sites.items()}
    for c in child.tolist():
        e = int(search.parent_edge[c])
        kind = str(kinds[e])
        if kind not in ("route", "microwave"):
            continue
        first = np.searchsorted(lo_sorted, search.tin[c], side="left")
        last = np.searchsorted(lo_sorted, search.tout[c], side="right")
        inside = order[first:last]
        dead = inside[hi[inside] <= search.tout[c]]
        if kind == "route":
            key, lvl = ("route", str(route_id[e])), str(level[e])
        else:
            key, lvl = ("microwave", site_at.get(c, "")), ""
        found = _row(key[0], key[1], str(operator[e]), lvl, deps, dead, (mid_x[e], mid_y[e]))
        if found is None:
            continue
        kept = best.get(key)
        if kept is None or (found["households"], found["sites"]) > (
            kept["households"],
            kept["sites"],
        ):
            best[key] = found
    return best.values()


def _articulations(
    network: Network, search: _Search
) -> tuple[dict[int, list[str]], dict[int, str], dict[int, list[int]]]:
    """Return the named nodes (fiber nodes, sites) that are articulation points.

    Returns their names, their kind (``node`` or ``site``) and, per node, its children
    in the search tree that have no way around it.
    """
    labels: dict[int, list[str]] = {}
    kinds: dict[int, str] = {}
    for node_id, node in network.equipment.items():
        labels.setdefault(node, []).append(node_id)
        kinds[node] = "node"
    for site_id, node in network.sites.items():
        labels.setdefault(node, []).append(site_id)
        kinds[node] = "site"
    children: dict[int, list[int]] = {}
    for c in np.flatnonzero(search.parent >= 0).tolist():
        p = int(search.parent[c])
        if p in labels and search.low[c] >= search.tin[p]:
            children.setdefault(p, []).append(c)
    return labels, kinds, children


def _node_rows(
    network: Network, search: _Search, deps: Dependents, rep: Ints
) -> Iterable[dict[str, object]]:
    labels, kinds, children = _articulations(network, search)
    operator_of = _node_operators(network)
    u, v, ent = deps.pair_u, deps.pair_v, deps.pair_entity
    order = np.argsort(rep, kind="stable")
    rep_sorted = rep[order]
    touching: dict[int, list[int]] = {}
    for k, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        for node in {a, b}:
            if node in children:
                touching.setdefault(node, []).append(k)
    by_entity = np.argsort(ent, kind="stable")
    starts = np.searchsorted(ent[by_entity], np.arange(len(deps.entity_id) + 1))
    for x, cs in sorted(children.items()):
        first = np.searchsorted(rep_sorted, search.tin[x], side="left")
        last = np.searchsorted(rep_sorted, search.tout[x], side="right")
        near = np.concatenate([order[first:last], np.asarray(touching.get(x, []), np.int64)])
        if not len(near):
            continue
        candidates = np.unique(ent[near])
        counts = starts[candidates + 1] - starts[candidates]
        pairs = by_entity[
            np.repeat(starts[candidates] - np.cumsum(np.r_[0, counts[:-1]]), counts)
            + np.arange(int(counts.sum()))
        ]
        r = rep[pairs]
        dead_pair = (u[pairs] == x) | (v[pairs] == x) | (r < 0)
        for c in cs:
            dead_pair |= (r >= search.tin[c]) & (r <= search.tout[c])
        owner = ent[pairs]
        alive = np.bincount(owner[~dead_pair], minlength=len(deps.entity_id))
        reaching = np.bincount(owner[r >= 0], minlength=len(deps.entity_id))
        dead = candidates[(alive[candidates] == 0) & (reaching[candidates] > 0)]
        xy = (float(network.node_xy[x, 0]), float(network.node_xy[x, 1]))
        found = _row(
            kinds[x], ",".join(sorted(labels[x])), operator_of.get(x, ""), "", deps, dead, xy
        )
        if found is not None:
            yield found


def _node_operators(network: Network) -> dict[int, str]:
    """Return each node's operator, from the first edge at it that has one."""
    edges = network.edges
    out: dict[int, str] = {}
    has = edges["operator"].notna().to_numpy()
    for a, b, op in zip(
        edges["u"].to_numpy()[has].tolist(),
        edges["v"].to_numpy()[has].tolist(),
        edges["operator"].to_numpy()[has].tolist(),
        strict=True,
    ):
        out.setdefault(int(a), str(op))
        out.setdefault(int(b), str(op))
    return out
