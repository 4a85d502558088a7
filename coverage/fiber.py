"""Fiber reach: which villages and clusters a fiber node or a distribution/access route serves.

Pure computation on validated layers in the metric working CRS. The routes that can
serve a village are those of :attr:`~coverage.settings.CoverageSettings.fiber_route_levels`
(distribution and access by default). One spatial index over the eligible fiber features
(cables cut into segments) answers both questions at once without holding any pairwise
distance matrix: the nearest fiber (``query_nearest``) and every operator within reach
(``query(..., predicate="dwithin")``), so the cost grows with the number of targets and
the fiber near them, not with their product.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage._checks import check_work_crs
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings

__all__ = ["eligible_fiber", "fiber_reach"]

log = logging.getLogger(__name__)


def eligible_fiber(
    routes: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> gpd.GeoDataFrame:
    """Return the fiber features that can serve a village: nodes and non-backbone routes.

    Parameters
    ----------
    routes
        ``fiber_routes`` (``operator``, ``level``), metric CRS; may be ``None``.
    nodes
        ``fiber_nodes`` (``operator``), metric CRS; may be ``None``.
    settings
        ``fiber_route_levels`` decides which route levels count.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``operator`` and ``geometry``.
    """
    parts: list[gpd.GeoDataFrame] = []
    if routes is not None and len(routes):
        check_work_crs(routes, "fiber_routes")
        usable = routes[routes["level"].isin(settings.fiber_route_levels)]
        parts.append(usable[["operator", "geometry"]])
    if nodes is not None and len(nodes):
        check_work_crs(nodes, "fiber_nodes")
        parts.append(nodes[["operator", "geometry"]])
    if not parts:
        return gpd.GeoDataFrame({"operator": []}, geometry=gpd.GeoSeries([]))
    crs = parts[0].crs
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)


def fiber_reach(
    targets: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Say for each target (village or cluster) whether fiber reaches it, and from whom.

    Parameters
    ----------
    targets
        Villages (points or polygons) or clusters, in the metric working CRS.
    routes, nodes
        The existing fiber network, same CRS.
    settings
        ``fiber_reach_m`` (default 500 m) and ``fiber_route_levels``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``targets``: ``fiber_reached`` (bool), ``fiber_distance_m``
        (distance to the nearest eligible fiber, ``inf`` when there is none; 0 for a
        polygon it crosses) and ``fiber_operators`` (the operators whose fiber is within
        reach, sorted, comma-separated; empty when none).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> v = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(0, 900)], crs=32649)
    >>> n = gpd.GeoDataFrame({"operator": ["VNPT"]}, geometry=[shapely.Point(500, 0)], crs=32649)
    >>> fiber_reach(v, None, n)["fiber_reached"].tolist()
    [True, False]
    """
    check_work_crs(targets, "targets")
    fiber = eligible_fiber(routes, nodes, settings=settings)
    n = len(targets)
    distance = np.full(n, np.inf)
    operators = np.full(n, "", dtype=object)
    if len(fiber) and n:
        geoms = np.asarray(targets.geometry.to_numpy(), dtype=object)
        pieces, owner = _segments(fiber.geometry.to_numpy())
        piece_operator = fiber["operator"].to_numpy()[owner]
        tree = shapely.STRtree(pieces)
        (src, _), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        distance[src] = dist
        src, dst = tree.query(geoms, predicate="dwithin", distance=settings.fiber_reach_m)
        if len(src):
            names = sorted(set(piece_operator[dst].tolist()))
            column = {name: k for k, name in enumerate(names)}
            flags = np.zeros((n, len(names)), dtype=bool)
            flags[src, np.array([column[o] for o in piece_operator[dst].tolist()])] = True
            codes = flags.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
            patterns, inverse = np.unique(codes, return_inverse=True)
            text = [",".join(nm for k, nm in enumerate(names) if c >> k & 1) for c in patterns]
            operators = np.asarray(text, dtype=object)[inverse]
    reached = operators != ""
    return pd.DataFrame(
        {"fiber_reached": reached, "fiber_distance_m": distance, "fiber_operators": operators},
        index=targets.index,
    )


def _segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split lines into two-point segments (points stay as they are).

    A long cable has a bounding box as large as a district, so an index over whole
    cables tests every village against it; its segments have small boxes, and the
    distance to a line is the smallest distance to its segments, so nothing changes
    but the speed.

    Returns
    -------
    pieces, owner
        The pieces and, for each, the index of the geometry it came from.
    """
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    is_line = shapely.get_type_id(parts) == 1  # LineString
    coords, coord_owner = shapely.get_coordinates(parts[is_line], return_index=True)
    same = coord_owner[:-1] == coord_owner[1:]
    starts = coords[:-1][same]
    ends = coords[1:][same]
    segments = shapely.linestrings(np.stack([starts, ends], axis=1))
    line_owner = part_owner[is_line][coord_owner[:-1][same]]
    pieces = np.concatenate([segments, parts[~is_line]])
    owner = np.concatenate([line_owner, part_owner[~is_line]])
    return np.asarray(pieces, dtype=object), owner
