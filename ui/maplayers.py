"""The map's layers: each prepared once a store version, as compact GeoJSON with styles.

:func:`map_data` builds every vector layer of the map (administrative units, villages
coloured by status, the clusters without 4G, each operator's fiber and sites, priority
places, power lines) from the loaders of :mod:`ui.data`, simplified for display, styled and
with popups in the page's language; :func:`coverage_overlays` the coverage rasters as
coloured images. :mod:`ui.mapview` draws them with folium.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from folium.utilities import image_to_url

from coverage.engine import CoverageResult, coverage_rasters
from coverage.settings import DEFAULT_SETTINGS
from coverage.villages import SHARE_BASES
from geodata.display import Bounds, bounds_latlon, for_display, overlay
from geodata.raster import Grid
from hatangso.access import Role, filter_rows, is_site_figure
from hatangso.formatting import fmt_dist, fmt_int, fmt_num, fmt_pct
from ui.data import (
    OPERATOR_COLOURS,
    StoreVersion,
    cluster_table,
    coverage_inputs,
    coverage_result,
    dataset_info,
    operator_name,
    read_layers,
    village_table,
)
from ui.i18n import tr

__all__ = [
    "DIGITS",
    "LEVEL_STYLE",
    "STATUS_COLOURS",
    "VILLAGE_STYLES",
    "Layer",
    "MapData",
    "coverage_overlays",
    "map_data",
    "script_json",
]

#: Village status -> colour: both networks, one of them, none.
STATUS_COLOURS: dict[str, str] = {
    "both": "#1a9641",
    "fiber_only": "#f4a82a",
    "4g_only": "#f4a82a",
    "none": "#d7191c",
}

#: Decimals of a degree kept on the map (4 ≈ 11 m: finer than a map of the province shows,
#: and a third lighter than 5).
DIGITS = 4

#: Fiber level -> line weight and dash.
LEVEL_STYLE: dict[str, dict[str, Any]] = {
    "backbone": {"weight": 4.5},
    "distribution": {"weight": 2.5},
    "access": {"weight": 1.5, "dashArray": "4 4"},
}


@dataclass
class Layer:
    """One map layer: compact GeoJSON plus the styles and popup labels its features use.

    Each feature's properties are short: ``k`` (a key into ``styles``), ``t`` (tooltip),
    ``h`` (popup title) and ``v`` (popup values, one a label of ``labels``, already
    formatted). The map builds the popup in the browser when it opens, so the page
    carries each label once rather than once a feature.
    """

    geojson: dict[str, Any]
    styles: dict[str, dict[str, Any]]
    labels: list[str] = field(default_factory=list)
    script_json: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Serialise the GeoJSON once, ready to put inside a ``<script>`` element."""
        self.script_json = script_json(self.geojson)

    def __len__(self) -> int:
        """Return the number of features."""
        return len(self.geojson.get("features", []))


@dataclass
class MapData:
    """Every layer of the map (EPSG:4326, simplified), prepared once a store version."""

    districts: Layer
    communes: Layer
    villages: Layer
    clusters_gap: Layer
    fiber: dict[str, Layer] = field(default_factory=dict)
    sites: dict[str, Layer] = field(default_factory=dict)
    places: Layer | None = None
    power: Layer | None = None
    unit_bounds: dict[str, Bounds] = field(default_factory=dict)
    synthetic: dict[str, bool] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)


def script_json(value: object) -> str:
    r"""Return compact JSON safe inside a ``<script>`` element (UTF-8, no ``</``).

    Examples
    --------
    >>> script_json({"t": "</script> & Làng O2"})
    '{"t":"\\u003c/script\\u003e \\u0026 Làng O2"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    out = gpd.GeoDataFrame(frame[columns], geometry=frame.geometry, crs=frame.crs)
    return dict(out.to_geo_dict(na="drop", show_bbox=False, drop_id=True))


def _yes_no(value: object, lang: str) -> str:
    return tr("yes", lang) if bool(value) else tr("no", lang)


def share_text(pct: float | None, basis: str | None, samples: float | None, lang: str) -> str:
    """Return a village's share covered with what it rests on: ``72,5 % số hộ (4 cụm dân cư)``.

    A result without the share (saved before it existed) reads as missing.
    """
    if pct is None or basis not in SHARE_BASES or not np.isfinite(pct):
        return fmt_pct(None, lang)
    n = 1 if samples is None or not np.isfinite(samples) else int(samples)
    return tr(f"share_{basis}", lang, pct=fmt_pct(pct, lang), n=fmt_int(n, lang))


def _ops(value: object) -> str:
    return ", ".join(operator_name(o) for o in str(value or "").split(",") if o)


def _unit_layers(
    admin_units: gpd.GeoDataFrame,
) -> tuple[Layer, Layer, dict[str, Bounds]]:
    units = for_display(admin_units, tolerance_m=50.0, digits=DIGITS)
    units["unit_id"] = units["unit_id"].astype(str)
    bounds: dict[str, Bounds] = {}
    for unit_id, part in units.groupby("unit_id"):
        box = bounds_latlon(part)
        if box is not None:
            bounds[str(unit_id)] = box
    units["t"] = units["name"]
    units["k"] = "u"
    districts = units[units["level"] == "district"]
    communes = units[units["level"] == "commune"]
    return (
        Layer(
            _geojson(districts, ["unit_id", "k", "t"]),
            {"u": {"color": "#333333", "weight": 2.5, "fill": False}},
        ),
        Layer(
            _geojson(communes, ["unit_id", "k", "t"]),
            {"u": {"color": "#777777", "weight": 0.8, "fillColor": "#ffffff", "fillOpacity": 0.05}},
        ),
        bounds,
    )


VILLAGE_STYLES: dict[str, dict[str, Any]] = {
    status: {
        "radius": 6 if status == "none" else 4,
        "color": "#222222" if status == "none" else colour,
        "weight": 1.5 if status == "none" else 0.5,
        "fillColor": colour,
        "fillOpacity": 0.9,
    }
    for status, colour in STATUS_COLOURS.items()
}


#: Popup rows of a village: label key -> the status column it shows (``None``: several).
_VILLAGE_POPUP = (
    ("p_commune", "commune"),
    ("p_district", "district"),
    ("p_households", "households"),
    ("p_population", "population"),
    ("p_power", "has_electricity"),
    ("p_fiber", "fiber_reached"),
    ("p_fiber_dist", "fiber_distance_m"),
    ("p_4g", "mobile_4g"),
    ("p_4g_share", "share_4g_pct"),
    ("p_rsrp", "rsrp_4g_dbm"),
    ("p_site_dist", "nearest_4g_site_m"),
    ("p_5g", "mobile_5g"),
)


def _village_layer(
    villages: gpd.GeoDataFrame, table: pd.DataFrame, lang: str, *, site_figures: bool = True
) -> Layer:
    """Return the villages coloured by status, with their figures in a popup.

    Without ``site_figures`` (an operator role) the popup leaves out the figures measured
    against every operator's sites (:func:`hatangso.access.is_site_figure`).
    """
    geo = for_display(villages, digits=DIGITS)
    geo["village_id"] = geo["village_id"].astype(str)
    status = table.set_index(table["village_id"].astype(str))
    geo = geo[["village_id", "geometry"]].join(status.drop(columns=["village_id"]), on="village_id")
    keep = [site_figures or not is_site_figure(column) for _, column in _VILLAGE_POPUP]
    geo["k"] = geo["status"]
    geo["t"] = geo["name"]
    geo["h"] = [f"{n} ({i})" for n, i in zip(geo["name"], geo["village_id"], strict=True)]
    geo["v"] = [
        [value for value, shown in zip(_village_values(row, lang), keep, strict=True) if shown]
        for row in geo.to_dict("records")
    ]
    labels = [tr(key, lang) for (key, _), shown in zip(_VILLAGE_POPUP, keep, strict=True) if shown]
    return Layer(_geojson(geo, ["k", "t", "h", "v"]), VILLAGE_STYLES, labels)


def _village_values(row: Mapping[str, Any], lang: str) -> list[str]:
    """Return the popup values of a village, in the order of :data:`_VILLAGE_POPUP`."""
    rsrp = row.get("rsrp_4g_dbm")
    rsrp_text = "—" if rsrp is None or not np.isfinite(rsrp) else f"{fmt_num(rsrp, 0, lang)} dBm"
    fiber_ops = _ops(row.get("fiber_operators"))
    mobile_ops = _ops(row.get("operators_4g"))
    population = row.get("population")
    return [
        str(row.get("commune") or ""),
        str(row.get("district") or ""),
        fmt_int(row.get("households"), lang),
        "" if population is None or pd.isna(population) else fmt_int(population, lang),
        _yes_no(row.get("has_electricity"), lang),
        _yes_no(row.get("fiber_reached"), lang) + (f" ({fiber_ops})" if fiber_ops else ""),
        fmt_dist(row.get("fiber_distance_m"), lang),
        _yes_no(row.get("mobile_4g"), lang) + (f" ({mobile_ops})" if mobile_ops else ""),
        share_text(row.get("share_4g_pct"), row.get("share_basis"), row.get("share_samples"), lang),
        rsrp_text,
        fmt_dist(row.get("nearest_4g_site_m"), lang),
        _yes_no(row.get("mobile_5g"), lang),
    ]


def _cluster_layer(clusters: gpd.GeoDataFrame | None, table: pd.DataFrame, lang: str) -> Layer:
    styles = {"c": {"radius": 3, "color": "#d7191c", "weight": 1, "fillColor": "#ffffff"}}
    styles["c"]["fillOpacity"] = 1
    gaps = table[~table["mobile_4g"].astype(bool)]
    if clusters is None or not len(gaps):
        return Layer({"type": "FeatureCollection", "features": []}, styles)
    geo = for_display(clusters, digits=DIGITS)
    geo["cluster_id"] = geo["cluster_id"].astype(str)
    geo = geo[geo["cluster_id"].isin(set(gaps["cluster_id"].astype(str)))]
    names = gaps.set_index(gaps["cluster_id"].astype(str))
    village = geo["cluster_id"].map(names["village"])
    households = geo["cluster_id"].map(names["households"])
    geo["k"] = "c"
    geo["t"] = [
        f"{cid} · {name} · {fmt_int(hh, lang)} {tr('u_household', lang)}"
        for cid, name, hh in zip(geo["cluster_id"], village, households, strict=True)
    ]
    return Layer(_geojson(geo, ["k", "t"]), styles)


@st.cache_resource(show_spinner=False, max_entries=8)
def map_data(version: StoreVersion, lang: str, scope: str | None = None) -> MapData:
    """Prepare every layer of the map (simplified, styled, with popups) once a version.

    Shared between sessions (a cache resource: nothing copies or modifies it).

    Parameters
    ----------
    version
        The store version.
    lang
        The language of the labels and popups.
    scope
        ``None`` for every operator's network (the department, the leadership); an
        operator's id for an operator role: only its own fiber and sites are prepared,
        the villages' operator lists name only it and their popups leave out the
        site-level figures (through :func:`hatangso.access.filter_rows`), so nothing of a
        competitor reaches the page.
    """
    layers = read_layers(version)
    role = Role("operator", scope) if scope else Role("department")
    info = dataset_info(version)
    districts, communes, unit_bounds = _unit_layers(layers["admin_units"])
    table = filter_rows(role, village_table(version))
    counts = table["status"].value_counts()
    routes = layers.get("fiber_routes")
    nodes = layers.get("fiber_nodes")
    sites = layers.get("mobile_sites")
    return MapData(
        districts=districts,
        communes=communes,
        villages=_village_layer(
            layers["villages"], table, lang, site_figures=role.sees_all_operators
        ),
        clusters_gap=_cluster_layer(layers.get("clusters"), cluster_table(version), lang),
        fiber=_fiber(
            None if routes is None else filter_rows(role, routes),
            None if nodes is None else filter_rows(role, nodes),
            lang,
        ),
        sites=_sites(None if sites is None else filter_rows(role, sites), lang),
        places=_places(layers.get("priority_places"), coverage_result(version), lang),
        power=_power(layers.get("power_lines"), lang),
        unit_bounds=unit_bounds,
        synthetic={row["layer"]: bool(row["synthetic"]) for row in info["layers"]},
        status_counts={str(k): int(v) for k, v in counts.items()},
    )


def _fiber(
    routes: gpd.GeoDataFrame | None, nodes: gpd.GeoDataFrame | None, lang: str
) -> dict[str, Layer]:
    """Fiber routes (and nodes) per operator, styled by level."""
    parts: list[pd.DataFrame] = []
    if routes is not None and len(routes):
        shown = for_display(routes, tolerance_m=15.0, digits=DIGITS)
        levels = shown["level"].astype(str)
        parts.append(
            shown.assign(
                k=levels.where(levels.isin(list(LEVEL_STYLE)), "other"),
                t=[
                    f"{operator_name(str(op))} · {_level_name(level, lang)} · {rid}"
                    for op, level, rid in zip(
                        shown["operator"], levels, shown["route_id"], strict=True
                    )
                ],
            )[["operator", "k", "t", "geometry"]]
        )
    if nodes is not None and len(nodes):
        shown = for_display(nodes, digits=DIGITS)
        kinds = shown["kind"].astype(str) if "kind" in shown else pd.Series("", index=shown.index)
        parts.append(
            shown.assign(
                k="node",
                t=[
                    f"{operator_name(str(op))} · {kind.upper()} · {nid}"
                    for op, kind, nid in zip(
                        shown["operator"], kinds, shown["node_id"], strict=True
                    )
                ],
            )[["operator", "k", "t", "geometry"]]
        )
    if not parts:
        return {}
    every = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)
    out: dict[str, Layer] = {}
    for operator, part in every.groupby("operator", sort=True):
        op = str(operator)
        colour = OPERATOR_COLOURS.get(op, "#3388ff")
        styles: dict[str, dict[str, Any]] = {
            level: {"color": colour, "opacity": 0.85, **style}
            for level, style in {**LEVEL_STYLE, "other": {"weight": 2}}.items()
        }
        styles["node"] = {
            "radius": 2.5,
            "color": colour,
            "weight": 1,
            "fillColor": "#ffffff",
            "fillOpacity": 1,
        }
        out[op] = Layer(_geojson(part, ["k", "t"]), styles)
    return out


def _level_name(level: str, lang: str) -> str:
    return tr(f"lvl_{level}", lang) if level in LEVEL_STYLE else level


def _sites(sites: gpd.GeoDataFrame | None, lang: str) -> dict[str, Layer]:
    if sites is None or not len(sites):
        return {}
    shown = for_display(sites, digits=DIGITS)
    labels = [tr("p_operator", lang), tr("p_tech", lang), tr("p_height", lang)]
    out: dict[str, Layer] = {}
    for operator, part in shown.groupby("operator", sort=True):
        op = str(operator)
        colour = OPERATOR_COLOURS.get(op, "#3388ff")
        # Rings, so that sites never read as villages (filled dots coloured by status).
        styles = {
            "5g": {"radius": 7, "color": colour, "weight": 3.5, "fillColor": "#000000"},
            "4g": {"radius": 5, "color": colour, "weight": 2.5, "fillColor": colour},
            "old": {"radius": 5, "color": colour, "weight": 1.5, "fillColor": "#ffffff"},
        }
        for style in styles.values():
            style["fillOpacity"] = 0.2
        techs = part["tech"].fillna("").astype(str)
        heights = part["height_m"] if "height_m" in part else pd.Series(np.nan, index=part.index)
        frame = part.assign(
            k=["5g" if "5G" in t else "4g" if "4G" in t else "old" for t in techs],
            t=[f"{operator_name(op)} · {t}" for t in techs],
            h=part["site_id"].astype(str),
            v=[
                [operator_name(op), t, f"{fmt_num(h, 0, lang)} m"]
                for t, h in zip(techs, heights, strict=True)
            ],
        )
        out[op] = Layer(_geojson(frame, ["k", "t", "h", "v"]), styles, labels)
    return out


_KINDS = ("industrial_park", "district_centre", "hospital", "school", "tourism")


def _places(places: gpd.GeoDataFrame | None, result: CoverageResult, lang: str) -> Layer | None:
    if places is None or not len(places):
        return None
    shown = for_display(places, digits=DIGITS)
    status = result.places.set_index(result.places["place_id"].astype(str))
    has_5g = shown["place_id"].astype(str).map(status["mobile_5g"]).fillna(value=False)
    has_5g = has_5g.astype(bool)
    styles = {
        five: {
            "radius": 6,
            "color": "#000000",
            "weight": 1.5,
            "fillColor": "#2b83ba" if five == "y" else "#ffffff",
            "fillOpacity": 1,
        }
        for five in ("y", "n")
    }
    kinds = [tr(f"kind_{k}", lang) if k in _KINDS else str(k) for k in shown["kind"]]
    frame = shown.assign(
        k=np.where(has_5g, "y", "n"),
        t=[f"{n} · 5G: {_yes_no(f, lang)}" for n, f in zip(shown["name"], has_5g, strict=True)],
        h=shown["name"],
        v=[[kind, _yes_no(f, lang)] for kind, f in zip(kinds, has_5g, strict=True)],
    )
    return Layer(
        _geojson(frame, ["k", "t", "h", "v"]), styles, [tr("p_kind", lang), tr("p_5g", lang)]
    )


def _power(lines: gpd.GeoDataFrame | None, lang: str) -> Layer | None:
    if lines is None or not len(lines):
        return None
    shown = for_display(lines, tolerance_m=30.0, digits=DIGITS)
    kv = shown["voltage_kv"].fillna(0).astype(float)
    frame = shown.assign(
        k=np.where(kv >= 220, "hv", "mv"),
        t=[f"{tr('p_voltage', lang)}: {fmt_num(v, 0, lang)} kV" for v in kv],
    )
    styles = {
        "hv": {"color": "#b8860b", "weight": 2.5, "opacity": 0.8},
        "mv": {"color": "#b8860b", "weight": 1.5, "opacity": 0.8},
    }
    return Layer(_geojson(frame, ["k", "t"]), styles)


# ------------------------------------------------------------------ coverage overlays


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_overlays(version: StoreVersion) -> dict[str, tuple[str, Bounds]]:
    """Return the coverage rasters as coloured overlays: name -> (PNG data URL, bounds).

    The rasters saved by ``hatangso coverage --save`` are used when the store has them
    and they are not older than the mobile sites; otherwise they are predicted here
    (1 km pixels).
    """
    store = version.store()
    layers = dataset_info(version)["layers"]
    saved = [
        row
        for row in layers
        if row["kind"] == "raster" and str(row["layer"]).startswith("coverage_")
    ]
    sites_at = max(
        (str(row["imported_at"] or "") for row in layers if row["layer"] == "mobile_sites"),
        default="",
    )
    names = [row["layer"] for row in saved if str(row["imported_at"] or "") >= sites_at]
    grids: Mapping[str, Grid]
    if names and len(names) == len(saved):
        grids = {name: store.read_grid(name) for name in names}
    else:
        grids = coverage_rasters(coverage_inputs(version))
    threshold = DEFAULT_SETTINGS.min_rsrp_dbm["4G"]
    out: dict[str, tuple[str, Bounds]] = {}
    for name, grid in sorted(grids.items()):
        operator = _operator_of(name)
        colour = OPERATOR_COLOURS.get(operator, "#3388ff").lstrip("#")
        rgb = (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))
        image = overlay(grid, colour=rgb, threshold=threshold, best=-70.0)
        out[name] = (image_to_url(image.rgba, origin="upper"), image.bounds)
    return out


def _operator_of(raster_name: str) -> str:
    """``coverage_4g_viettel`` -> ``Viettel`` (the canonical id, matched case-insensitively)."""
    tail = raster_name.split("_", 2)[-1]
    for operator in OPERATOR_COLOURS:
        if operator.lower() == tail.lower():
            return operator
    return tail
