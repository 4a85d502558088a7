"""The folium map: layers prepared by :mod:`ui.maplayers`, drawn with scripts the app serves itself.

Folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs; on a
closed network the map then does not draw at all. Here every map, marker cluster and
plugin is pointed at the copies in ``static/vendor`` (``scripts/vendor-assets`` fetches
them from the npm registry), served by Streamlit at ``/app/static/vendor/…``, and the map
has no tile layer unless the user switches one on: boundaries and layers on a plain
background are readable without Internet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import streamlit as st
from branca.element import Element
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode

from geodata.display import Bounds
from hatangso.formatting import coverage_title
from ui.data import OPERATOR_COLOURS, operator_name
from ui.i18n import tr
from ui.maplayers import Layer as MapLayer
from ui.maplayers import MapData

__all__ = [
    "ASSET_FILES",
    "PROVINCE_CENTRE",
    "add_boundaries",
    "assets_present",
    "build_layer_map",
    "build_map",
    "draw_control",
    "static_url",
]

ROOT = Path(__file__).resolve().parents[1]

#: Bình Định's centre, for the first view before bounds are known.
PROVINCE_CENTRE = (14.1, 108.95)

#: The files ``scripts/vendor-assets`` puts in ``static/vendor``.
ASSET_FILES = (
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "jquery/jquery.min.js",
    "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet.featuregroup.subgroup/leaflet.featuregroup.subgroup.js",
    "leaflet-draw/leaflet.draw.js",
    "leaflet-draw/leaflet.draw.css",
)

_FEATURE_JS = """
function(feature, layer) {
    var styles = %(styles)s, labels = %(labels)s;
    var p = feature.properties || {};
    var esc = function(s) {
        return String(s).replace(/[&<>"]/g, function(c) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
        });
    };
    if (styles[p.k] && layer.setStyle) { layer.setStyle(styles[p.k]); }
    if (p.t) { layer.bindTooltip(esc(p.t), {sticky: true}); }
    if (p.v && labels.length) {
        layer.bindPopup(function() {
            var rows = "";
            for (var i = 0; i < labels.length && i < p.v.length; i++) {
                if (p.v[i] === "") { continue; }
                rows += "<tr><th style='text-align:left;padding-right:8px'>" + esc(labels[i])
                    + "</th><td>" + esc(p.v[i]) + "</td></tr>";
            }
            return "<b>" + esc(p.h || p.t || "") + "</b><table style='font-size:12px'>"
                + rows + "</table>";
        }, {maxWidth: 340});
    }
}
"""


def _feature_js(layer: MapLayer) -> JsCode:
    """Style, tooltip and popup of each feature, built in the browser from its short properties."""
    return JsCode(
        _FEATURE_JS
        % {
            "styles": json.dumps(layer.styles, ensure_ascii=False),
            "labels": json.dumps(layer.labels, ensure_ascii=False),
        }
    )


_BACKGROUND = (
    "<style>.leaflet-container{background:#eef1ec;}"
    ".leaflet-control-layers-list{max-height:420px;overflow-y:auto;font-size:12px;}</style>"
)


def static_url(relative: str) -> str:
    """Return the URL path of a file under ``static/`` as the app serves it."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/app/static/{relative}"


def assets_present() -> bool:
    """Return whether ``static/vendor`` holds the map's scripts and stylesheets."""
    return all((ROOT / "static" / "vendor" / name).is_file() for name in ASSET_FILES)


def draw_control(m: folium.Map) -> None:
    """Add the drawing tools (a polygon, or a line for a storm's track) with local assets."""
    from folium.plugins import Draw

    draw = Draw(  # type: ignore[no-untyped-call]
        export=False,
        draw_options={
            "polygon": True,
            "polyline": True,
            "rectangle": True,
            "circle": False,
            "marker": False,
            "circlemarker": False,
        },
        edit_options={"edit": True, "remove": True},
    )
    draw.default_js = [("leaflet_draw_js", static_url("vendor/leaflet-draw/leaflet.draw.js"))]
    draw.default_css = [("leaflet_draw_css", static_url("vendor/leaflet-draw/leaflet.draw.css"))]
    draw.add_to(m)


def _local_assets(m: folium.Map) -> None:
    """Point the map's scripts and stylesheets at the app's own copies."""
    m.default_js = [
        ("leaflet", static_url("vendor/leaflet/leaflet.js")),
        ("jquery", static_url("vendor/jquery/jquery.min.js")),
    ]
    m.default_css = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]


_CLUSTER_ICON = JsCode(
    """
function(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 24 : (n < 100 ? 30 : 36);
    return L.divIcon({
        html: '<div style="width:' + size + 'px;height:' + size + 'px;line-height:' + size
            + 'px;border-radius:50%;background:rgba(55,55,55,0.6);color:#fff;'
            + 'font:bold 11px sans-serif;text-align:center;border:2px solid #fff">' + n + '</div>',
        className: 'hts-cluster',
        iconSize: L.point(size, size)
    });
}
"""
)


def _cluster() -> folium.plugins.MarkerCluster:
    """One marker cluster for every site (per-operator sub-groups go in the layer control)."""
    cluster = folium.plugins.MarkerCluster(  # type: ignore[no-untyped-call]
        control=False,
        icon_create_function=_CLUSTER_ICON.js_code,
        options={
            "disableClusteringAtZoom": 11,
            "maxClusterRadius": 40,
            "spiderfyOnMaxZoom": False,
            "showCoverageOnHover": False,
            "chunkedLoading": True,
        },
    )
    cluster.default_js = [
        ("markerclusterjs", static_url("vendor/leaflet.markercluster/leaflet.markercluster.js"))
    ]
    cluster.default_css = [
        ("markerclustercss", static_url("vendor/leaflet.markercluster/MarkerCluster.css")),
        (
            "markerclusterdefaultcss",
            static_url("vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        ),
    ]
    return cluster


def _subgroup(
    cluster: folium.plugins.MarkerCluster, name: str, *, show: bool
) -> folium.plugins.FeatureGroupSubGroup:
    sub = folium.plugins.FeatureGroupSubGroup(cluster, name=name, show=show)  # type: ignore[no-untyped-call]
    sub.default_js = [
        (
            "featuregroupsubgroupjs",
            static_url("vendor/leaflet.featuregroup.subgroup/leaflet.featuregroup.subgroup.js"),
        )
    ]
    return sub


class _RawScript(Element):
    """A piece of script written out as is (never parsed as a template)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self._code = code

    def render(self, **kwargs: object) -> str:  # noqa: ARG002 - branca's signature
        """Return the script."""
        return self._code


class CompactGeoJson(Layer):
    """A GeoJSON layer whose data is written into the page once, as compact JSON.

    folium's ``GeoJson`` renders its script (data included) and then compiles that whole
    text as a Jinja template again, twice a page with streamlit-folium: on the province
    that costs more than a second a rerun. Here the template only refers to the data,
    which is inserted as a plain string.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
            {%- if this.points %}
            pointToLayer: function(feature, latlng) {
                return L.circleMarker(latlng, {radius: 4});
            },
            {%- endif %}
            onEachFeature: {{ this.on_each_feature.js_code }},
            smoothFactor: 1.0
        });
        {% endmacro %}
        """
    )

    def __init__(
        self, layer: MapLayer, *, name: str, points: bool = False, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "CompactGeoJson"
        self.data_json = layer.script_json
        self.points = points
        self.on_each_feature = _feature_js(layer)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        """Write the layer's script (not re-parsed) and add it to its parent when shown."""
        if self.show and self._parent is not None:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        figure: Any = self.get_root()
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(_RawScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


def _geojson(
    layer: MapLayer, name: str, *, points: bool = False, show: bool = True
) -> CompactGeoJson:
    return CompactGeoJson(layer, name=name, points=points, show=show)


def add_boundaries(fmap: folium.Map, data: MapData, lang: str) -> None:
    """Draw the district and commune boundaries under what a page adds to ``fmap``.

    Parameters
    ----------
    fmap
        The map.
    data
        From :func:`ui.maplayers.map_data` (cached).
    lang
        The page's language (layer names).
    """
    _geojson(data.communes, tr("l_communes", lang)).add_to(fmap)
    _geojson(data.districts, tr("l_districts", lang)).add_to(fmap)


def _label(text: str, synthetic: bool, lang: str) -> str:
    return f"{text} ({tr('synthetic_tag', lang)})" if synthetic else text


def build_map(  # noqa: PLR0913
    data: MapData,
    *,
    lang: str,
    selected: str | None = None,
    overlays: Mapping[str, tuple[str, Bounds]] | None = None,
    show_tiles: bool = False,
    extra: list[tuple[str, MapLayer, bool]] | None = None,
    fit: Bounds | None = None,
    show_sites: bool = True,
) -> folium.Map:
    """Build the map.

    Parameters
    ----------
    data
        The prepared layers.
    lang
        ``"vi"`` or ``"en"`` for layer names.
    selected
        ``unit_id`` of the selected district or commune: outlined, and the map zoomed to it.
    overlays
        Coverage rasters: name (``coverage_4g_viettel``) -> (PNG URL, bounds); hidden until
        switched on in the layer control.
    show_tiles
        Add the OpenStreetMap tile layer (needs Internet).
    extra
        More layers on top: (name, layer, points?), e.g. a plan's routes and sites.
    fit
        Bounds to show (default: the selected unit, else the province).
    show_sites
        Show the existing sites at first (they stay in the layer control either way).

    Returns
    -------
    folium.Map
    """
    m = _base_map(show_tiles=show_tiles)
    _context_layers(m, data, lang)
    _overlay_layers(m, data, overlays or {}, lang)
    _point_layers(m, data, lang, show_sites=show_sites)
    for extra_name, extra_layer, points in extra or []:
        _geojson(extra_layer, extra_name, points=points).add_to(m)
    if selected and selected in data.unit_bounds:
        _selected_outline(data, selected, lang).add_to(m)
    view = fit or data.unit_bounds.get(selected or "") or _province_bounds(data)
    if view is not None:
        m.fit_bounds([list(view[0]), list(view[1])])
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m


def build_layer_map(
    data: MapData,
    *,
    lang: str,
    extra: list[tuple[str, MapLayer, bool]],
    selected: str | None = None,
    show_fiber: bool = True,
) -> folium.Map:
    """Build a map of a page's own layers over the boundaries, power lines and fiber.

    Without the villages by status and the sites that :func:`build_map` draws: for a page
    whose own layers say the villages' state (the Ứng cứu thông tin page's scenario).

    Parameters
    ----------
    data
        The prepared layers (:func:`ui.maplayers.map_data`, filtered for the role).
    lang
        ``"vi"`` or ``"en"`` for layer names.
    extra
        The page's layers, bottom to top: (name, layer, points?).
    selected
        ``unit_id`` of the selected district or commune: outlined, and the map zoomed to it.
    show_fiber
        Draw every fiber route (else only the boundaries and power lines).

    Returns
    -------
    folium.Map
    """
    m = _base_map(show_tiles=False)
    _context_layers(m, data if show_fiber else replace(data, fiber={}), lang)
    for name, layer, points in extra:
        _geojson(layer, name, points=points).add_to(m)
    if selected and selected in data.unit_bounds:
        _selected_outline(data, selected, lang).add_to(m)
    view = data.unit_bounds.get(selected or "") or _province_bounds(data)
    if view is not None:
        m.fit_bounds([list(view[0]), list(view[1])])
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m


def _base_map(*, show_tiles: bool) -> folium.Map:
    m = folium.Map(
        location=PROVINCE_CENTRE,
        zoom_start=9,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        attribution_control=show_tiles,
    )
    # Without a tile layer nothing tells Leaflet how far it may zoom; marker clusters need it.
    m.options["max_zoom"] = 18
    m.options["min_zoom"] = 7
    m.options["zoom_snap"] = 0.25
    _local_assets(m)
    root: Any = m.get_root()
    root.header.add_child(folium.Element(_BACKGROUND), name="hatangso_style")
    if show_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", overlay=False).add_to(m)
    return m


def _context_layers(m: folium.Map, data: MapData, lang: str) -> None:
    """Boundaries, power lines and fiber, bottom to top."""
    synthetic = data.synthetic
    _geojson(data.communes, tr("l_communes", lang)).add_to(m)
    _geojson(data.districts, tr("l_districts", lang)).add_to(m)
    if data.power is not None:
        label = _label(tr("l_power", lang), synthetic.get("power_lines", False), lang)
        _geojson(data.power, label).add_to(m)
    for operator, layer in data.fiber.items():
        label = tr("l_fiber", lang, op=operator_name(operator))
        name = _label(label, synthetic.get("fiber_routes", False), lang)
        _geojson(layer, name, points=True).add_to(m)


def _overlay_layers(
    m: folium.Map,
    data: MapData,
    overlays: Mapping[str, tuple[str, Bounds]],
    lang: str,
) -> None:
    """Coverage rasters, hidden until switched on."""
    for name, (url, bounds) in overlays.items():
        _, tech, operator = name.split("_", 2)
        shown_op = next((o for o in OPERATOR_COLOURS if o.lower() == operator.lower()), operator)
        label = coverage_title(tech.upper(), operator_name(shown_op), lang)
        folium.raster_layers.ImageOverlay(
            image=url,
            bounds=[list(bounds[0]), list(bounds[1])],
            name=_label(label, data.synthetic.get("mobile_sites", False), lang),
            show=False,
            mercator_project=False,
            interactive=False,
            zindex=2,
        ).add_to(m)


def _point_layers(m: folium.Map, data: MapData, lang: str, *, show_sites: bool) -> None:
    """Priority places, uncovered clusters, villages and (clustered) sites."""
    synthetic = data.synthetic
    if data.places is not None:
        label = _label(tr("l_places", lang), synthetic.get("priority_places", False), lang)
        _geojson(data.places, label, points=True).add_to(m)
    label = _label(tr("l_clusters_gap", lang), synthetic.get("clusters", False), lang)
    _geojson(data.clusters_gap, label, points=True, show=False).add_to(m)
    label = _label(tr("l_villages", lang), synthetic.get("villages", False), lang)
    _geojson(data.villages, label, points=True).add_to(m)
    if data.sites:
        cluster = _cluster()
        cluster.add_to(m)
        for operator, layer in data.sites.items():
            label = tr("l_sites", lang, op=operator_name(operator))
            name = _label(label, synthetic.get("mobile_sites", False), lang)
            sub = _subgroup(cluster, name, show=show_sites)
            sub.add_to(m)
            _geojson(layer, label, points=True).add_to(sub)


def _province_bounds(data: MapData) -> Bounds | None:
    if not data.unit_bounds:
        return None
    souths, wests, norths, easts = zip(
        *((b[0][0], b[0][1], b[1][0], b[1][1]) for b in data.unit_bounds.values()), strict=True
    )
    return (min(souths), min(wests)), (max(norths), max(easts))


def _selected_outline(data: MapData, unit_id: str, lang: str) -> CompactGeoJson:
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {"k": "s", "t": f["properties"].get("t", "")},
        }
        for layer in (data.districts, data.communes)
        for f in layer.geojson["features"]
        if f["properties"].get("unit_id") == unit_id
    ]
    outline = MapLayer(
        {"type": "FeatureCollection", "features": features},
        {"s": {"color": "#0057b8", "weight": 4, "fill": False}},
    )
    return _geojson(outline, tr("l_selected", lang))
