"""What changed between two periods: the Progress page's changes and the ``changes`` command.

Pure computation on validated layers in the metric working CRS and on per-village status
frames (:attr:`coverage.engine.CoverageResult.villages`, or
:func:`coverage.trends.village_status` of a saved payload); no file I/O. Indicators over
time (the Progress page's trends and the ``trends`` command) are :mod:`coverage.trends`.

* :func:`period_changes` — villages newly reached by fiber or 4G (or that lost it), mobile
  sites added, removed and changed, fiber routes and nodes added and removed, per
  operator, as a :class:`PeriodChanges`.
* :func:`change_detail` — the short text of one change (technologies, height, length).
* :func:`records` — any table of :mod:`coverage.trends` or this module as JSON-ready rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage._checks import check_work_crs, finite_or_none

__all__ = [
    "PeriodChanges",
    "change_detail",
    "period_changes",
    "records",
]

_VILLAGE_COLUMNS = [
    "village_id",
    "name",
    "commune_id",
    "commune",
    "district_id",
    "district",
    "households",
]
_SITE_COLUMNS = ["site_id", "operator", "tech", "height_m"]
_CHANGED_SITE_COLUMNS = [
    "site_id",
    "operator",
    "tech_before",
    "tech_after",
    "techs_added",
    "techs_removed",
    "height_m_before",
    "height_m_after",
    "moved_m",
]
_ROUTE_COLUMNS = ["route_id", "operator", "level", "length_m"]
_CHANGED_ROUTE_COLUMNS = ["route_id", "operator", "length_m_before", "length_m_after", "change_m"]
_NODE_COLUMNS = ["node_id", "operator", "kind"]

#: Columns of :meth:`PeriodChanges.summary`.
SUMMARY_COLUMNS = (
    "operator",
    "sites_before",
    "sites_after",
    "sites_added",
    "sites_removed",
    "sites_changed",
    "sites_upgraded_5g",
    "sites_5g_before",
    "sites_5g_after",
    "fiber_routes_added",
    "fiber_routes_removed",
    "fiber_km_added",
    "fiber_km_removed",
    "fiber_nodes_added",
    "fiber_nodes_removed",
)

#: A site whose position moved less than this is not "changed" by its position.
MOVED_TOLERANCE_M = 1.0


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass(frozen=True)
class PeriodChanges:
    """What changed between two periods.

    Attributes
    ----------
    before_period, after_period
        The periods compared (``None`` when not given).
    fiber_gained, fiber_lost, mobile_4g_gained, mobile_4g_lost
        Villages newly reached by fiber / by 4G, and those that lost it: ``village_id``,
        ``name``, ``commune_id``, ``commune``, ``district_id``, ``district``,
        ``households``.
    villages_added, villages_removed
        Villages in only one of the two periods' village lists (same columns).
    sites_added, sites_removed
        Mobile sites by ``site_id``: ``site_id``, ``operator``, ``tech``, ``height_m``
        (and ``geometry`` in the working CRS).
    sites_changed
        Sites in both periods whose technologies, height or position changed:
        ``tech_before``, ``tech_after``, ``techs_added``, ``techs_removed``,
        ``height_m_before``, ``height_m_after``, ``moved_m``.
    routes_added, routes_removed
        Fiber routes by ``route_id`` with ``operator``, ``level`` and ``length_m``.
    routes_changed
        Routes in both periods whose length changed by a metre or more.
    nodes_added, nodes_removed
        Fiber nodes by ``node_id``.
    """

    before_period: str | None
    after_period: str | None
    fiber_gained: pd.DataFrame
    fiber_lost: pd.DataFrame
    mobile_4g_gained: pd.DataFrame
    mobile_4g_lost: pd.DataFrame
    villages_added: pd.DataFrame
    villages_removed: pd.DataFrame
    sites_added: pd.DataFrame
    sites_removed: pd.DataFrame
    sites_changed: pd.DataFrame
    routes_added: pd.DataFrame
    routes_removed: pd.DataFrame
    routes_changed: pd.DataFrame
    nodes_added: pd.DataFrame = field(default_factory=lambda: _empty(_NODE_COLUMNS))
    nodes_removed: pd.DataFrame = field(default_factory=lambda: _empty(_NODE_COLUMNS))
    sites_5g_before: Mapping[str, int] = field(default_factory=dict)
    sites_5g_after: Mapping[str, int] = field(default_factory=dict)
    sites_before: Mapping[str, int] = field(default_factory=dict)
    sites_after: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Return the changes per operator.

        Returns
        -------
        pandas.DataFrame
            One row per operator with a site, route or node in either period, columns
            :data:`SUMMARY_COLUMNS`: site counts before and after, ``sites_added``,
            ``sites_removed``, ``sites_changed``, ``sites_upgraded_5g`` (sites kept that
            gained 5G), 5G sites before and after, routes added and removed, fiber
            ``km`` added (new routes and the growth of extended ones) and removed, nodes
            added and removed. Sorted by operator.
        """
        operators: set[str] = set(self.sites_before) | set(self.sites_after)
        for frame in (
            self.sites_added,
            self.sites_removed,
            self.sites_changed,
            self.routes_added,
            self.routes_removed,
            self.routes_changed,
            self.nodes_added,
            self.nodes_removed,
        ):
            operators |= {str(o) for o in frame["operator"].dropna()}

        def count(frame: pd.DataFrame, op: str) -> int:
            return int((frame["operator"] == op).sum())

        def km(frame: pd.DataFrame, column: str, op: str, sign: int) -> float:
            values = pd.to_numeric(frame.loc[frame["operator"] == op, column], errors="coerce")
            if sign > 0:
                return float(values.clip(lower=0).sum()) / 1000.0
            return float((-values).clip(lower=0).sum()) / 1000.0

        gained_5g = self.sites_changed["techs_added"].map(lambda s: "5G" in str(s).split(","))
        upgraded = self.sites_changed.loc[gained_5g.to_numpy(dtype=bool)]
        rows = []
        for op in sorted(operators):
            added_km = km(self.routes_added, "length_m", op, 1)
            added_km += km(self.routes_changed, "change_m", op, 1)
            removed_km = km(self.routes_removed, "length_m", op, 1)
            removed_km += km(self.routes_changed, "change_m", op, -1)
            rows.append(
                {
                    "operator": op,
                    "sites_before": int(self.sites_before.get(op, 0)),
                    "sites_after": int(self.sites_after.get(op, 0)),
                    "sites_added": count(self.sites_added, op),
                    "sites_removed": count(self.sites_removed, op),
                    "sites_changed": count(self.sites_changed, op),
                    "sites_upgraded_5g": count(upgraded, op),
                    "sites_5g_before": int(self.sites_5g_before.get(op, 0)),
                    "sites_5g_after": int(self.sites_5g_after.get(op, 0)),
                    "fiber_routes_added": count(self.routes_added, op),
                    "fiber_routes_removed": count(self.routes_removed, op),
                    "fiber_km_added": round(added_km, 3),
                    "fiber_km_removed": round(removed_km, 3),
                    "fiber_nodes_added": count(self.nodes_added, op),
                    "fiber_nodes_removed": count(self.nodes_removed, op),
                }
            )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def lists(self) -> dict[str, pd.DataFrame]:
        """Return every list of changes by name (without geometry), in reading order."""
        frames = {
            "fiber_gained": self.fiber_gained,
            "fiber_lost": self.fiber_lost,
            "mobile_4g_gained": self.mobile_4g_gained,
            "mobile_4g_lost": self.mobile_4g_lost,
            "villages_added": self.villages_added,
            "villages_removed": self.villages_removed,
            "sites_added": self.sites_added,
            "sites_removed": self.sites_removed,
            "sites_changed": self.sites_changed,
            "routes_added": self.routes_added,
            "routes_removed": self.routes_removed,
            "routes_changed": self.routes_changed,
            "nodes_added": self.nodes_added,
            "nodes_removed": self.nodes_removed,
        }
        return {
            name: pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            for name, frame in frames.items()
        }

    def table(self) -> pd.DataFrame:
        """Return every change as one long table (for CSV or Excel).

        Returns
        -------
        pandas.DataFrame
            ``change`` (the name of the list, e.g. ``fiber_gained``, ``sites_added``),
            ``id``, ``name``, ``operator``, ``commune``, ``district``, ``households`` and
            ``detail`` (technologies, height or length).
        """
        rows: list[dict[str, Any]] = []
        for change, frame in self.lists().items():
            records = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
            rows.extend(
                {
                    "change": change,
                    "id": rec.get("village_id")
                    or rec.get("site_id")
                    or rec.get("route_id")
                    or rec.get("node_id"),
                    "name": rec.get("name"),
                    "operator": rec.get("operator"),
                    "commune": rec.get("commune"),
                    "district": rec.get("district"),
                    "households": rec.get("households"),
                    "detail": change_detail(change, rec),
                }
                for rec in records
            )
        columns = ["change", "id", "name", "operator", "commune", "district", "households"]
        return pd.DataFrame(rows, columns=[*columns, "detail"])

    def to_dict(self) -> dict[str, Any]:
        """Return the changes as a JSON-ready mapping.

        Returns
        -------
        dict
            ``before_period``, ``after_period``, ``summary`` (records of
            :meth:`summary`) and each list of :meth:`lists` as records.
        """
        out: dict[str, Any] = {
            "before_period": self.before_period,
            "after_period": self.after_period,
            "summary": records(self.summary()),
        }
        for name, frame in self.lists().items():
            out[name] = records(frame)
        return out


def change_detail(change: str, rec: Mapping[str, Any]) -> str:
    """Return a short text of one change: technologies and height, length, or node kind.

    Parameters
    ----------
    change
        The name of the list (``sites_added``, ``routes_changed`` …, see
        :meth:`PeriodChanges.lists`).
    rec
        One row of that list.

    Returns
    -------
    str
        E.g. ``"4G → 4G,5G"``, ``"4G,5G, 30 m"``, ``"access, 1200 m"``.
    """
    if change.startswith("sites_changed"):
        parts = []
        if rec.get("tech_before") != rec.get("tech_after"):
            parts.append(f"{rec.get('tech_before')} → {rec.get('tech_after')}")
        hb, ha = (
            finite_or_none(rec.get("height_m_before")),
            finite_or_none(rec.get("height_m_after")),
        )
        if hb != ha:
            parts.append(f"{hb:g} m → {ha:g} m" if hb is not None and ha is not None else "height")
        moved = finite_or_none(rec.get("moved_m"))
        if moved is not None and moved >= MOVED_TOLERANCE_M:
            parts.append(f"moved {moved:.0f} m")
        return "; ".join(parts)
    if change.startswith("sites"):
        height = finite_or_none(rec.get("height_m"))
        return f"{rec.get('tech')}" + ("" if height is None else f", {height:g} m")
    if change == "routes_changed":
        before = finite_or_none(rec.get("length_m_before"))
        after = finite_or_none(rec.get("length_m_after"))
        return f"{before:.0f} m → {after:.0f} m"
    if change.startswith("routes"):
        return f"{rec.get('level')}, {finite_or_none(rec.get('length_m')):.0f} m"
    if change.startswith("nodes"):
        return str(rec.get("kind"))
    return ""


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table's rows as JSON-ready mappings (NumPy scalars as Python, NaN/NA as None).

    Parameters
    ----------
    frame
        Any table of :mod:`coverage.trends` or of this module.

    Returns
    -------
    list of dict
    """
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            item = value.item() if isinstance(value, np.generic) else value
            if item is pd.NA or item is pd.NaT:
                item = None
            if isinstance(item, float) and not math.isfinite(item):
                item = None
            clean[str(key)] = item
        out.append(clean)
    return out


def _techs(value: Any) -> frozenset[str]:  # noqa: ANN401 - a cell
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    return frozenset(t.strip().upper() for t in str(value).split(",") if t.strip())


def _tech_text(techs: Iterable[str]) -> str:
    order = {"2G": 0, "3G": 1, "4G": 2, "5G": 3}
    return ",".join(sorted(techs, key=lambda t: (order.get(t, 9), t)))


def _by_id(layer: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    if layer is None or key not in layer:
        return None
    out = layer.copy()
    out[key] = out[key].astype(str)
    return out.drop_duplicates(subset=key, keep="first").set_index(key, drop=False)


def _unit_names(layers: Mapping[str, pd.DataFrame]) -> tuple[pd.Series, pd.Series]:
    """Return commune id -> (name, district id) and district id -> name."""
    units = layers.get("admin_units")
    if units is None or not len(units):
        empty = pd.Series([], dtype=object)
        return empty, empty
    u = pd.DataFrame(units.drop(columns="geometry", errors="ignore")).copy()
    u["unit_id"] = u["unit_id"].astype(str)
    return u.set_index("unit_id")["name"], u.set_index("unit_id")["parent_id"]


def _village_rows(
    frame: pd.DataFrame, layers: Mapping[str, pd.DataFrame], ids: Iterable[str]
) -> pd.DataFrame:
    """Return the listed villages of ``frame`` (indexed by id) with commune and district."""
    wanted = sorted(set(ids))
    if not wanted:
        return _empty(_VILLAGE_COLUMNS)
    names, parents = _unit_names(layers)
    rows = frame.loc[wanted]
    out = pd.DataFrame({"village_id": [str(v) for v in rows["village_id"]]})
    out["name"] = rows["name"].to_numpy() if "name" in rows else None
    if "commune_id" in rows:
        out["commune_id"] = rows["commune_id"].astype(str).to_numpy()
        out["commune"] = out["commune_id"].map(names)
        out["district_id"] = out["commune_id"].map(parents)
        out["district"] = out["district_id"].map(names)
    else:
        for col in ("commune_id", "commune", "district_id", "district"):
            out[col] = None
    out["households"] = rows["households"].to_numpy() if "households" in rows else None
    return out[_VILLAGE_COLUMNS]


def _village_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    before_layers: Mapping[str, pd.DataFrame],
    after_layers: Mapping[str, pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    b = _by_id(before, "village_id")
    a = _by_id(after, "village_id")
    if b is None or a is None:
        msg = "the village status frames need a 'village_id' column"
        raise ValueError(msg)
    common = a.index.intersection(b.index)
    out: dict[str, pd.DataFrame] = {}
    for flag, label in (("fiber_reached", "fiber"), ("mobile_4g", "mobile_4g")):
        if flag not in a or flag not in b:
            msg = f"the village status frames need a {flag!r} column"
            raise ValueError(msg)
        was = b.loc[common, flag].astype(bool).to_numpy()
        now = a.loc[common, flag].astype(bool).to_numpy()
        out[f"{label}_gained"] = _village_rows(a, after_layers, common[now & ~was])
        out[f"{label}_lost"] = _village_rows(a, after_layers, common[was & ~now])
    out["villages_added"] = _village_rows(a, after_layers, a.index.difference(b.index))
    out["villages_removed"] = _village_rows(b, before_layers, b.index.difference(a.index))
    return out


def _added_removed(
    before: pd.DataFrame | None, after: pd.DataFrame | None, key: str, columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    b, a = _by_id(before, key), _by_id(after, key)
    b_ids = set() if b is None else set(b.index)
    a_ids = set() if a is None else set(a.index)

    def pick(frame: pd.DataFrame | None, ids: set[str]) -> pd.DataFrame:
        if frame is None or not ids:
            return _empty([*columns, "geometry"])
        rows = frame.loc[sorted(ids)].reset_index(drop=True)
        keep = [c for c in [*columns, "geometry"] if c in rows]
        out = rows[keep].copy()
        for c in columns:
            if c not in out:
                out[c] = None
        return out[[*columns, *(["geometry"] if "geometry" in out else [])]]

    return pick(a, a_ids - b_ids), pick(b, b_ids - a_ids), b, a


def _lengths(frame: pd.DataFrame) -> pd.Series:
    if isinstance(frame, gpd.GeoDataFrame):
        return pd.Series(frame.geometry.length.to_numpy(), index=frame.index).round(1)
    return pd.Series(np.nan, index=frame.index)


def _site_changes(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    added, removed, b, a = _added_removed(before, after, "site_id", _SITE_COLUMNS)
    if b is None or a is None:
        return added, removed, _empty(_CHANGED_SITE_COLUMNS)
    common = a.index.intersection(b.index)
    rows = []
    for site_id in sorted(common):
        old, new = b.loc[site_id], a.loc[site_id]
        t_old, t_new = _techs(old.get("tech")), _techs(new.get("tech"))
        h_old, h_new = finite_or_none(old.get("height_m")), finite_or_none(new.get("height_m"))
        moved = math.nan
        if "geometry" in b and "geometry" in a:
            g_old, g_new = old["geometry"], new["geometry"]
            if g_old is not None and g_new is not None:
                moved = float(shapely.distance(g_old, g_new))
        height_changed = (h_old is None) != (h_new is None) or (
            h_old is not None and h_new is not None and abs(h_old - h_new) > 1e-6
        )
        if t_old == t_new and not height_changed and not moved >= MOVED_TOLERANCE_M:
            continue
        rows.append(
            {
                "site_id": site_id,
                "operator": new.get("operator"),
                "tech_before": _tech_text(t_old),
                "tech_after": _tech_text(t_new),
                "techs_added": _tech_text(t_new - t_old),
                "techs_removed": _tech_text(t_old - t_new),
                "height_m_before": h_old,
                "height_m_after": h_new,
                "moved_m": None if math.isnan(moved) else round(moved, 1),
            }
        )
    changed = pd.DataFrame(rows, columns=_CHANGED_SITE_COLUMNS) if rows else None
    return added, removed, _empty(_CHANGED_SITE_COLUMNS) if changed is None else changed


def _route_changes(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    for frame, when in ((before, "before"), (after, "after")):
        if frame is not None and len(frame):
            check_work_crs(frame, f"fiber_routes ({when})")
    cols = ["route_id", "operator", "level"]
    added, removed, b, a = _added_removed(before, after, "route_id", cols)
    for frame in (added, removed):
        frame.insert(3, "length_m", _lengths(frame) if len(frame) else pd.Series(dtype=float))
    if b is None or a is None:
        return added, removed, _empty(_CHANGED_ROUTE_COLUMNS)
    common = a.index.intersection(b.index)
    len_b, len_a = _lengths(b).loc[common], _lengths(a).loc[common]
    delta = (len_a - len_b).round(1)
    grown = delta[delta.abs() >= 1.0].index
    changed = pd.DataFrame(
        {
            "route_id": list(grown),
            "operator": a.loc[grown, "operator"].to_numpy() if "operator" in a else None,
            "length_m_before": len_b.loc[grown].to_numpy(),
            "length_m_after": len_a.loc[grown].to_numpy(),
            "change_m": delta.loc[grown].to_numpy(),
        },
        columns=_CHANGED_ROUTE_COLUMNS,
    )
    return added, removed, changed.sort_values("route_id").reset_index(drop=True)


def _site_counts(sites: pd.DataFrame | None, tech: str | None = None) -> dict[str, int]:
    if sites is None or not len(sites) or "operator" not in sites:
        return {}
    chosen = sites
    if tech is not None:
        has = sites["tech"].map(lambda s: tech in _techs(s)) if "tech" in sites else False
        chosen = sites[np.asarray(has, dtype=bool)]
    counts = chosen.groupby(chosen["operator"].astype(str)).size()
    return {str(k): int(v) for k, v in counts.items()}


def period_changes(  # noqa: PLR0913 - the two periods' names are keyword-only
    before_layers: Mapping[str, gpd.GeoDataFrame],
    after_layers: Mapping[str, gpd.GeoDataFrame],
    before_villages: pd.DataFrame,
    after_villages: pd.DataFrame,
    *,
    before_period: str | None = None,
    after_period: str | None = None,
) -> PeriodChanges:
    """Return what changed between two periods.

    Parameters
    ----------
    before_layers, after_layers
        The two periods' layers in the metric working CRS (``mobile_sites``,
        ``fiber_routes``, ``fiber_nodes`` and ``admin_units`` are read; any may be
        missing).
    before_villages, after_villages
        Per-village status of each period: ``village_id``, ``fiber_reached``,
        ``mobile_4g`` and, for the lists, ``name``, ``commune_id``, ``households``
        (:attr:`coverage.engine.CoverageResult.villages`, or
        :func:`coverage.trends.village_status`).
    before_period, after_period
        The periods' names, recorded in the result.

    Returns
    -------
    PeriodChanges

    Raises
    ------
    ValueError
        When a status frame lacks ``village_id``, ``fiber_reached`` or ``mobile_4g``.
    geodata.CRSProblem
        When the fiber routes are not in a metric CRS (their lengths would be degrees).
    """
    villages = _village_changes(before_villages, after_villages, before_layers, after_layers)
    s_added, s_removed, s_changed = _site_changes(
        before_layers.get("mobile_sites"), after_layers.get("mobile_sites")
    )
    r_added, r_removed, r_changed = _route_changes(
        before_layers.get("fiber_routes"), after_layers.get("fiber_routes")
    )
    n_added, n_removed, _, _ = _added_removed(
        before_layers.get("fiber_nodes"), after_layers.get("fiber_nodes"), "node_id", _NODE_COLUMNS
    )
    sites_b, sites_a = before_layers.get("mobile_sites"), after_layers.get("mobile_sites")
    return PeriodChanges(
        before_period=before_period,
        after_period=after_period,
        **villages,
        sites_added=s_added,
        sites_removed=s_removed,
        sites_changed=s_changed,
        routes_added=r_added,
        routes_removed=r_removed,
        routes_changed=r_changed,
        nodes_added=n_added,
        nodes_removed=n_removed,
        sites_before=_site_counts(sites_b),
        sites_after=_site_counts(sites_a),
        sites_5g_before=_site_counts(sites_b, "5G"),
        sites_5g_after=_site_counts(sites_a, "5G"),
    )
