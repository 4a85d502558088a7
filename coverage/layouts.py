"""Figures in either administrative layout: villages, clusters and places by location.

A period's coverage is computed in the layout of its own date (its ``admin_units``); to
show it in another layout (the 2024 periods in the two-tier units of 1 July 2025, or the
2025 period by former district) every village and priority place is assigned to the
other layout's communes by its location: the unit its point lies in, else the nearest
unit within a tolerance (points on the coast or in a sliver between two polygons).
Clusters follow their village. With a crosswalk the assignment is checked: a village
that lands outside the new unit its old commune maps to is reported; for a split commune
(``part`` / ``remainder``) location decides between its new units.

Because the counts are re-aggregated from the same villages and clusters, totals are
kept: the households of the province are the same in either layout.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage.indicators import Level, summarize

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "assign_units",
    "check_assignment",
    "in_layout",
    "summarize_in_layout",
]

#: How far outside every commune polygon a point may lie and still be assigned to the
#: nearest one (coast, lagoon and boundary slivers between generalised polygons).
DEFAULT_TOLERANCE_M = 2000.0


def assign_units(
    features: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> pd.DataFrame:
    """Assign each feature to the commune of ``units`` it lies in.

    Parameters
    ----------
    features
        Points or small polygons (a polygon by its representative point), in a metric CRS.
    units
        A layout's ``admin_units`` in the same CRS; its ``commune`` rows are used.
    tolerance_m
        A point in no commune goes to the nearest one within this distance.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``features``: ``unit_id`` (``None`` when none is within the
        tolerance), ``how`` (``"inside"``, ``"nearest"`` or ``"outside"``) and
        ``distance_m`` (0 inside).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> units = gpd.GeoDataFrame({"unit_id": ["A", "B"], "level": ["commune"] * 2},
    ...                          geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=32649)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(25, 5), Point(99, 5)], crs=32649)
    >>> assign_units(pts, units, tolerance_m=10)["unit_id"].tolist()
    ['A', 'B', None]
    """
    communes = units.loc[units["level"].astype(str) == "commune", ["unit_id", "geometry"]]
    communes = communes.assign(unit_id=communes["unit_id"].astype(str)).reset_index(drop=True)
    geom = features.geometry
    points = gpd.GeoDataFrame(
        {"_row": np.arange(len(features))},
        geometry=geom.where(geom.geom_type == "Point", geom.representative_point()),
        crs=features.crs,
    )
    unit = np.full(len(features), None, dtype=object)
    how = np.full(len(features), "outside", dtype=object)
    dist = np.full(len(features), np.nan)
    inside = gpd.sjoin(points, communes, how="inner", predicate="within")
    inside = inside.sort_values(["_row", "index_right"]).drop_duplicates("_row")
    rows = inside["_row"].to_numpy()
    unit[rows] = inside["unit_id"].to_numpy()
    how[rows] = "inside"
    dist[rows] = 0.0
    rest = points[~points["_row"].isin(rows)]
    if len(rest) and len(communes):
        near = gpd.sjoin_nearest(
            rest, communes, how="inner", max_distance=tolerance_m, distance_col="_d"
        )
        near = near.sort_values(["_row", "_d", "index_right"]).drop_duplicates("_row")
        rows = near["_row"].to_numpy()
        unit[rows] = near["unit_id"].to_numpy()
        how[rows] = "nearest"
        dist[rows] = near["_d"].to_numpy()
    out = pd.DataFrame({"how": how, "distance_m": dist}, index=features.index)
    out.insert(0, "unit_id", pd.Series(unit, index=features.index, dtype=object))
    return out


def check_assignment(
    old_codes: pd.Series, new_codes: pd.Series, crosswalk: pd.DataFrame
) -> pd.DataFrame:
    """Return the features whose location disagrees with the crosswalk.

    Parameters
    ----------
    old_codes
        Each feature's commune in the older layout (e.g. a village's ``commune_id``).
    new_codes
        Its commune in the newer layout by location (:func:`assign_units`), same index.
    crosswalk
        ``old_code``, ``new_code``, ``share`` (:mod:`geodata.layouts`).

    Returns
    -------
    pandas.DataFrame
        One row per feature at odds, indexed like the inputs: ``old_code``,
        ``expected`` (the new codes its old commune maps to, joined by ``/``),
        ``new_code`` (where its location put it), ``split`` (its old commune was split).
        A feature of a split commune is at odds only when it lies in neither of the
        split's new units; location decides between them.

    Examples
    --------
    >>> cw = pd.DataFrame({"old_code": ["1", "2", "2"], "new_code": ["A", "A", "B"],
    ...                    "share": ["full", "part", "remainder"]})
    >>> old = pd.Series(["1", "1", "2", "2"])
    >>> new = pd.Series(["A", "B", "B", "C"])
    >>> check_assignment(old, new, cw)["new_code"].tolist()
    ['B', 'C']
    """
    cw = crosswalk.assign(
        old_code=crosswalk["old_code"].astype(str), new_code=crosswalk["new_code"].astype(str)
    )
    targets = pd.Series(
        {str(code): tuple(sorted(group)) for code, group in cw.groupby("old_code")["new_code"]},
        dtype=object,
    )
    split = set(cw.loc[cw["share"].isin(("part", "remainder")), "old_code"])
    old = old_codes.astype(str)
    expected = old.map(targets)
    new = new_codes.astype(object)
    ok = [
        isinstance(e, tuple) and n is not None and str(n) in e
        for e, n in zip(expected, new, strict=True)
    ]
    bad = ~pd.Series(ok, index=old.index)
    return pd.DataFrame(
        {
            "old_code": old[bad],
            "expected": expected[bad].map(lambda e: "/".join(e) if isinstance(e, tuple) else ""),
            "new_code": new[bad],
            "split": old[bad].isin(split),
        }
    )


def in_layout(  # noqa: PLR0913 - the three status frames and what places them
    villages: pd.DataFrame,
    clusters: pd.DataFrame,
    places: pd.DataFrame,
    village_units: pd.Series,
    place_units: pd.Series,
    units: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the status frames re-expressed in another layout's communes.

    Parameters
    ----------
    villages, clusters, places
        Status frames of :class:`coverage.engine.CoverageResult`.
    village_units
        ``village_id`` (text) -> the commune of the other layout.
    place_units
        ``place_id`` (text) -> the commune of the other layout.
    units
        The other layout's ``admin_units`` (``unit_id``, ``level``, ``parent_id``).

    Returns
    -------
    tuple of pandas.DataFrame
        The frames with ``commune_id`` and ``district_id`` of the other layout (in a
        layout without districts, ``district_id`` is the province) and the original ones
        kept as ``former_commune_id`` and ``former_district_id``.
    """
    table = pd.DataFrame(units).assign(unit_id=lambda f: f["unit_id"].astype(str))
    communes = table[table["level"].astype(str) == "commune"]
    parent = communes.set_index("unit_id")["parent_id"].astype(str)

    def move(frame: pd.DataFrame, key: str, mapping: pd.Series) -> pd.DataFrame:
        out = frame.copy()
        out["former_commune_id"] = out["commune_id"]
        if "district_id" in out:
            out["former_district_id"] = out["district_id"]
        out["commune_id"] = out[key].astype(str).map(mapping.astype(object))
        out["district_id"] = out["commune_id"].map(parent)
        return out

    v = move(villages, "village_id", village_units)
    c = move(clusters, "village_id", village_units) if len(clusters) else clusters.copy()
    p = move(places, "place_id", place_units) if len(places) else places.copy()
    return v, c, p


def summarize_in_layout(
    villages: pd.DataFrame,
    clusters: pd.DataFrame,
    places: pd.DataFrame,
    units: pd.DataFrame,
    *,
    level: Level = "commune",
) -> pd.DataFrame:
    """Return the indicators per unit of a layout (frames from :func:`in_layout`).

    A unit of the layout without villages gets zero counts and *missing* percentages
    (shown as "chưa có dữ liệu", never 0 %). ``level="district"`` in a layout without
    districts gives the province.
    """
    has = set(pd.DataFrame(units)["level"].astype(str))
    wanted: Level = level if level in has else "province"
    return summarize(villages, clusters, places, pd.DataFrame(units), level=wanted)
