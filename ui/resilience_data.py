"""Cached loaders and map layers of the Ứng cứu thông tin page.

Like :mod:`ui.data`, every loader is keyed by the :class:`~ui.data.StoreVersion`; a
scenario also by its hazard file (name and SHA-256 of its bytes: the bytes themselves,
``_content``, are left out of the key) and its outage hours, so a slider moved or a
crew count changed does not play the hazard again. The analysis is
:mod:`hatangso.resilience` (every operator's network); the page filters for the role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata.display import for_display
from hatangso.formatting import fmt_int
from hatangso.report.situation import build_situation, situation_pdf
from hatangso.resilience import (
    ScenarioView,
    SpofView,
    load_scenario,
    load_spof,
    villages_lost,
)
from planner.restoration import restoration_order
from ui.data import StoreVersion, operator_name
from ui.datapage import saved_upload
from ui.i18n import tr
from ui.maplayers import DIGITS, Layer

__all__ = [
    "HazardFile",
    "demo_hazard",
    "hazard_layer",
    "repairs_table",
    "routes_cut_layer",
    "scenario_view",
    "sites_down_layer",
    "situation_bytes",
    "spof_layer",
    "spof_view",
    "village_loss_layers",
]

#: Colours of a hazard area by kind.
HAZARD_COLOURS = {
    "storm": "#7b3294",
    "flood": "#2c7bb6",
    "landslide": "#8c510a",
    "power_outage": "#f4a82a",
}
#: Colours of a site down by reason.
REASON_COLOURS = {"power": "#8c6d00", "tower": "#000000", "backhaul": "#1f78b4"}


@dataclass
class HazardFile:
    """A hazard file's name and bytes (an upload, or the demo's file beside the store)."""

    name: str
    content: bytes

    @property
    def digest(self) -> str:
        """SHA-256 of the bytes (the cache key)."""
        return hashlib.sha256(self.content).hexdigest()

    def getvalue(self) -> bytes:
        """Return the bytes (what :func:`ui.datapage.saved_upload` reads)."""
        return self.content


def demo_hazard(path: str) -> HazardFile | None:
    """Return the demo's illustrative storm beside the store, ``None`` when there is none."""
    from hatangso.cli.demo import storm_path

    if str(path).startswith("postgresql://"):
        return None
    file = storm_path(path)
    return HazardFile(file.name, file.read_bytes()) if file.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=2)
def spof_view(version: StoreVersion) -> SpofView:
    """Find the period's single points of failure (every operator; once a version)."""
    return load_spof(version.store())


@st.cache_resource(show_spinner=False, max_entries=4)
def scenario_view(
    version: StoreVersion, name: str, digest: str, outage_hours: float, _content: bytes
) -> ScenarioView:
    """Play a hazard file over the period (every operator; once a file, outage and version).

    Raises
    ------
    geodata.InputError
        A file that is not a hazard file, with the reason.
    """
    del digest  # the key of the bytes
    with saved_upload([HazardFile(name, _content)]) as path:
        return load_scenario(version.store(), path, outage_hours)


@st.cache_data(show_spinner=False, max_entries=8)
def repairs_table(
    version: StoreVersion, name: str, digest: str, outage_hours: float, crews: int, _content: bytes
) -> pd.DataFrame:
    """Order the scenario's repairs for ``crews`` crews (every operator's)."""
    view = scenario_view(version, name, digest, outage_hours, _content)
    return restoration_order(view.inputs, view.result, crews=crews)


@st.cache_data(show_spinner=False, max_entries=4)
def situation_bytes(
    version: StoreVersion, name: str, digest: str, outage_hours: float, crews: int, _content: bytes
) -> bytes:
    """Return the one-page situation report (PDF) of the scenario."""
    view = scenario_view(version, name, digest, outage_hours, _content)
    repairs = repairs_table(version, name, digest, outage_hours, crews, _content)
    report = build_situation(version.store(), view, hazard_name=name, repairs=repairs, crews=crews)
    return situation_pdf(report)


def _layer(frame: gpd.GeoDataFrame, styles: dict[str, dict[str, object]]) -> Layer:
    if not len(frame):
        return Layer({"type": "FeatureCollection", "features": []}, dict(styles))
    out = gpd.GeoDataFrame(frame[["k", "t"]], geometry=frame.geometry, crs=frame.crs)
    geo = dict(out.to_geo_dict(na="drop", show_bbox=False, drop_id=True))
    return Layer(geo, dict(styles))


def hazard_layer(view: ScenarioView) -> Layer:
    """Return the hazard's areas, coloured by kind."""
    areas = for_display(view.result.hazard.areas, tolerance_m=100.0, digits=DIGITS)
    kinds = areas["kind"].astype(str)
    areas["k"] = kinds
    areas["t"] = [
        str(n) if isinstance(n, str) and n else k for n, k in zip(areas["name"], kinds, strict=True)
    ]
    styles = {
        kind: {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.12}
        for kind, colour in HAZARD_COLOURS.items()
    }
    return _layer(areas, styles)


def spof_layer(table: pd.DataFrame, crs: object, lang: str) -> Layer:
    """Return the single points of failure as circles sized by the households they cut off."""
    points = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=crs
    ).to_crs(4326)
    points["k"] = [
        "big" if h >= 1000 else "mid" if h >= 100 else "small" for h in table["households"]
    ]
    points["t"] = [
        f"{tr(f'res_kind_{k}', lang)} {e} · {operator_name(str(o))} · "
        f"{fmt_int(h, lang)} {tr('u_household', lang)}"
        for k, e, o, h in zip(
            table["kind"], table["element_id"], table["operator"], table["households"], strict=True
        )
    ]
    # Black rings filled yellow: no operator's colour (the fiber under them is).
    base = {"color": "#000000", "weight": 2, "fillColor": "#ffde17", "fillOpacity": 0.75}
    styles = {
        "big": {**base, "radius": 11},
        "mid": {**base, "radius": 7},
        "small": {**base, "radius": 4},
    }
    return _layer(points, styles)


def village_loss_layers(
    view: ScenarioView, hour: float, lang: str
) -> tuple[Layer, Layer, int, int]:
    """Return the villages cut off and those without fiber or 4G at ``hour``, and their counts."""
    lost = villages_lost(view.result, hour).set_index("village_id")
    villages = view.inputs.villages
    ids = villages["village_id"].astype(str)
    chosen = villages[ids.isin(set(lost.index))]
    shown = for_display(chosen, digits=DIGITS)
    shown["village_id"] = shown["village_id"].astype(str)
    rows = lost.loc[shown["village_id"]]
    cut = rows["households_cut_off"].to_numpy() > 0
    shown["k"] = ["cut" if c else "partly" for c in cut]
    household = tr("u_household", lang)
    shown["t"] = [
        f"{name} · {tr('res_cut_off', lang)}: {fmt_int(c, lang)} · "
        f"{tr('res_without_fiber', lang)}: {fmt_int(f, lang)} · "
        f"{tr('res_without_4g', lang)}: {fmt_int(g, lang)} ({household})"
        for name, c, f, g in zip(
            shown["name"],
            rows["households_cut_off"],
            rows["households_without_fiber"],
            rows["households_without_4g"],
            strict=True,
        )
    ]
    style = {"weight": 1, "fillOpacity": 0.9}
    cut_layer = _layer(
        shown[cut],
        {"cut": {**style, "radius": 6, "color": "#7f0000", "fillColor": "#d7191c"}},
    )
    partly_layer = _layer(
        shown[~cut],
        {"partly": {**style, "radius": 4, "color": "#a65f00", "fillColor": "#f4a82a"}},
    )
    return cut_layer, partly_layer, int(cut.sum()), int((~cut).sum())


def sites_down_layer(view: ScenarioView, down: pd.DataFrame, lang: str) -> Layer:
    """Return the sites down (``down``: already filtered for the role), coloured by reason."""
    sites = view.result.sites
    styles = {
        reason: {"radius": 3, "color": colour, "weight": 1.5, "fillColor": "#ffffff",
                 "fillOpacity": 0.6}
        for reason, colour in REASON_COLOURS.items()
    }  # fmt: skip
    if sites is None or not len(down):
        return Layer({"type": "FeatureCollection", "features": []}, styles)
    first = down.drop_duplicates("site_id")
    reason = pd.Series(
        first["reason"].astype(str).to_numpy(), index=first["site_id"].astype(str).to_numpy()
    )
    chosen = sites[sites["site_id"].astype(str).isin(set(reason.index))]
    shown = for_display(chosen, digits=DIGITS)
    r = shown["site_id"].astype(str).map(reason)
    shown["k"] = r
    shown["t"] = [
        f"{sid} · {operator_name(str(op))} · {tr(f'res_reason_{why}', lang)}"
        for sid, op, why in zip(shown["site_id"], shown["operator"], r, strict=True)
    ]
    return _layer(shown, styles)


def routes_cut_layer(view: ScenarioView, route_ids: set[str], lang: str) -> Layer:
    """Return the routes cut (``route_ids``: already filtered for the role)."""
    styles = {"cut": {"color": "#000000", "weight": 4, "opacity": 0.9, "dashArray": "6 4"}}
    routes = view.inputs.fiber_routes
    if routes is None or not route_ids:
        return Layer({"type": "FeatureCollection", "features": []}, styles)
    chosen = routes[routes["route_id"].astype(str).isin(route_ids)]
    shown = for_display(chosen, tolerance_m=15.0, digits=DIGITS)
    shown["k"] = "cut"
    shown["t"] = [
        f"{tr('res_routes_cut', lang)}: {rid} · {operator_name(str(op))}"
        for rid, op in zip(shown["route_id"], shown["operator"], strict=True)
    ]
    return _layer(shown, styles)


def drawn_hazard(
    drawings: list[dict[str, Any]] | None, kind: str, wind_radius_m: float
) -> HazardFile | None:
    """Return the areas drawn on the map as a hazard file, ``None`` when nothing is drawn.

    Polygons (and rectangles) are areas of ``kind``; a line is a storm's track, widened by
    ``wind_radius_m`` (:mod:`geodata.hazard` reads the file as it reads an upload, with the
    same checks). The drawings are EPSG:4326 GeoJSON features (Leaflet.draw's).

    Examples
    --------
    >>> square = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
    ...     "coordinates": [[[109.1, 13.7], [109.3, 13.7], [109.3, 13.9], [109.1, 13.7]]]}}
    >>> drawn_hazard([square], "flood", 30_000).name
    've-tren-ban-do.geojson'
    >>> drawn_hazard([], "flood", 30_000) is None
    True
    """
    features = []
    for i, d in enumerate(drawings or [], start=1):
        geometry = d.get("geometry") or {}
        line = geometry.get("type") in ("LineString", "MultiLineString")
        if geometry.get("type") not in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
            continue
        properties: dict[str, Any] = {
            "hazard_id": f"V{i}",
            "name": f"Vùng vẽ {i}",
            "kind": "storm" if line else kind,
        }
        if line:
            properties["wind_radius_m"] = float(wind_radius_m)
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    if not features:
        return None
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return HazardFile("ve-tren-ban-do.geojson", content)
