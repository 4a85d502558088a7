"""Tests of the demo's fiber and mobile networks (hatangso.demo.fiber, .mobile, .sites).

The demo is built once per test session from the real base layers (the
``province_demo`` fixture of conftest.py) and measured with the coverage engine under
the default rules, against the province's published mid-2024 status: fiber in 159/159
communes and 1,161/1,176 villages (98.7 %; 75 % of households), 4G in every village but
làng O2 (99.9 %), Viettel's five 5G pilot sites in Quy Nhơn.

These figures are invariants of the generator, not a validation of the coverage engine:
the generator places cables and sites with the engine's own functions until the engine
measures exactly these figures, so the tests check that the generator met its targets
(and that the layers survive the store), not that the engine is right. Determinism of
the networks is checked with every other layer in test_demo.py.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS
from geodata import Store
from geodata.raster import grid_from_bytes
from hatangso.demo import DemoDataset

WORK_CRS = "EPSG:32649"
NETWORK_LAYERS = ("fiber_routes", "fiber_nodes", "mobile_sites")
COLUMNS = {
    "fiber_routes": ["route_id", "operator", "level", "build", "geometry"],
    "fiber_nodes": ["node_id", "operator", "kind", "geometry"],
    "mobile_sites": [
        "site_id",
        "operator",
        "tech",
        "height_m",
        "eirp_dbm",
        "band_mhz",
        "azimuths_deg",
        "power",
        "battery_hours",
        "generator",
        "tower_type",
        "backhaul",
        "backhaul_to",
        "geometry",
    ],
}
IDS = {"fiber_routes": "route_id", "fiber_nodes": "node_id", "mobile_sites": "site_id"}
GEOMETRY = {"fiber_routes": "LineString", "fiber_nodes": "Point", "mobile_sites": "Point"}
MOUNTAIN_DISTRICTS = {"542", "546", "551"}  # An Lão, Vĩnh Thạnh, Vân Canh
QUY_NHON = "540"
TECHS = {"2G", "3G", "4G", "5G"}
MARGIN_DB = 3.0

basedata = pytest.mark.basedata


@pytest.fixture(scope="module")
def demo(province_demo: DemoDataset) -> DemoDataset:
    return province_demo


@pytest.fixture(scope="module")
def sample(sample_demo: DemoDataset) -> DemoDataset:
    return sample_demo


def work(ds: DemoDataset) -> dict[str, gpd.GeoDataFrame]:
    return {name: frame.to_crs(WORK_CRS) for name, frame in ds.layers.items()}


def inputs_of(ds: DemoDataset) -> CoverageInputs:
    layers = work(ds)
    return CoverageInputs(
        admin_units=layers["admin_units"],
        villages=layers["villages"],
        clusters=layers["clusters"],
        fiber_routes=layers["fiber_routes"],
        fiber_nodes=layers["fiber_nodes"],
        mobile_sites=layers["mobile_sites"],
        priority_places=layers["priority_places"],
        density=grid_from_bytes(ds.rasters["population_density"]),
    )


@pytest.fixture(scope="module")
def result(demo: DemoDataset) -> CoverageResult:
    return compute_coverage(inputs_of(demo))


@pytest.fixture(scope="module")
def province(result: CoverageResult) -> dict[str, object]:
    row: dict[str, object] = result.summary("province").iloc[0].to_dict()
    return row


def commune_of(points: gpd.GeoDataFrame, admin: gpd.GeoDataFrame) -> pd.Series:
    """The commune (unit_id) each point lies in, NaN outside every commune."""
    communes = admin.loc[admin["level"] == "commune", ["unit_id", "parent_id", "geometry"]]
    joined = gpd.sjoin(points[["geometry"]], communes, how="left", predicate="within")
    return joined[~joined.index.duplicated(keep="first")]["unit_id"].reindex(points.index)


# ------------------------------------------------------------------------ contract


@basedata
def test_network_layers_follow_the_contract(demo: DemoDataset) -> None:
    for name in NETWORK_LAYERS:
        frame = demo.layers[name]
        assert list(frame.columns) == COLUMNS[name], name
        assert frame.crs == "EPSG:4326", name
        assert isinstance(frame.index, pd.RangeIndex), name
        assert frame[IDS[name]].is_unique, name
        assert set(frame.geom_type) == {GEOMETRY[name]}, name
        assert frame.geometry.is_valid.all(), name
        assert not frame.geometry.is_empty.any(), name
        meta = demo.meta[name]
        assert meta.synthetic, name
        assert "calibrated" in meta.source, name
    routes, nodes = demo.layers["fiber_routes"], demo.layers["fiber_nodes"]
    assert set(routes["level"]) == {"backbone", "distribution", "access"}
    assert set(nodes["kind"]) == {"olt", "odf", "splitter", "closure"}


@basedata
def test_demo_writes_and_validates(demo: DemoDataset, demo_store: Path) -> None:
    store = Store(demo_store)  # written by write_demo, once a session (conftest.py)
    assert store.periods() == ["2024-06-30", "2024-12-31", "2025-07-01"]  # + issue 14
    store = store.at("2024-06-30")
    for name in NETWORK_LAYERS:
        stored = store.read(name)
        assert len(stored) == len(demo.layers[name]), name
        assert set(stored[IDS[name]]) == set(demo.layers[name][IDS[name]]), name
    info = {row.layer: row for row in store.info().layers}
    assert all(info[name].synthetic for name in NETWORK_LAYERS)


# --------------------------------------------------------------------------- fiber


@basedata
def test_fiber_reaches_every_commune(province: dict[str, object]) -> None:
    assert province["communes"] == 159
    assert province["communes_fiber"] == 159
    assert province["communes_fiber_pct"] == 100.0


@basedata
def test_fiber_reaches_1161_of_1176_villages(
    province: dict[str, object], result: CoverageResult
) -> None:
    assert province["villages"] == 1176
    assert province["villages_fiber"] == 1161
    assert province["villages_fiber_pct"] == pytest.approx(98.7, abs=0.05)
    villages = result.villages
    without = villages[~villages["fiber_reached"]]
    assert "Làng O2" in set(without["name"])
    assert set(without["district_id"]) <= MOUNTAIN_DISTRICTS
    # each of them lies in a commune that fiber reaches through another village
    reached_communes = set(villages.loc[villages["fiber_reached"], "commune_id"])
    assert set(without["commune_id"]) <= reached_communes
    # and no cable comes anywhere near the threshold
    assert (without["fiber_distance_m"] > DEFAULT_SETTINGS.fiber_reach_m + 100.0).all()
    o2 = villages.loc[villages["name"] == "Làng O2"].iloc[0]
    assert o2["fiber_distance_m"] >= DEFAULT_SETTINGS.fiber_reach_m + 1000.0


@basedata
def test_fiber_reaches_75_percent_of_households(province: dict[str, object]) -> None:
    assert province["households"] == 434_379
    assert float(province["households_fiber_pct"]) == pytest.approx(75.0, abs=0.5)


@basedata
def test_fiber_routes_follow_the_roads(demo: DemoDataset) -> None:
    layers = work(demo)
    roads, routes = layers["roads"], layers["fiber_routes"]
    vertices = shapely.get_coordinates(routes.geometry.to_numpy())
    tree = shapely.STRtree(roads.geometry.to_numpy())
    _, distance = tree.query_nearest(
        shapely.points(vertices), return_distance=True, all_matches=False
    )
    assert len(distance) == len(vertices)
    assert distance.max() <= 1.0
    # the backbone runs along the real major roads only
    major = roads[roads["road_id"].str.startswith("M")]
    backbone = routes[routes["level"] == "backbone"]
    _, distance = shapely.STRtree(major.geometry.to_numpy()).query_nearest(
        shapely.points(shapely.get_coordinates(backbone.geometry.to_numpy())),
        return_distance=True,
        all_matches=False,
    )
    assert distance.max() <= 1.0


@basedata
def test_fiber_nodes_sit_on_their_operators_cables(demo: DemoDataset) -> None:
    layers = work(demo)
    routes, nodes = layers["fiber_routes"], layers["fiber_nodes"]
    eligible = routes[routes["level"].isin(["distribution", "access"])]
    for operator, group in nodes.groupby("operator"):
        own = eligible[eligible["operator"] == operator]
        distance = shapely.distance(
            group.geometry.to_numpy()[:, None], own.geometry.to_numpy()[None, :]
        ).min(axis=1)
        assert distance.max() <= 1.0, operator


@basedata
def test_fiber_operators(demo: DemoDataset) -> None:
    routes = demo.layers["fiber_routes"]
    nodes = demo.layers["fiber_nodes"]
    assert set(routes["operator"]) == {"VNPT", "Viettel", "FPT"}
    for operator in ("VNPT", "Viettel"):
        own = routes[routes["operator"] == operator]
        assert set(own["level"]) == {"backbone", "distribution", "access"}
        olts = nodes[(nodes["operator"] == operator) & (nodes["kind"] == "olt")]
        assert len(olts) == 159
    fpt = routes[routes["operator"] == "FPT"].to_crs(WORK_CRS)
    assert "backbone" not in set(fpt["level"])
    # FPT serves villages of Quy Nhơn and An Nhơn only: each access cable ends at one
    villages = demo.layers["villages"].to_crs(WORK_CRS)
    parent = demo.layers["admin_units"].set_index("unit_id")["parent_id"]
    served = villages[villages["commune_id"].map(parent).isin(["540", "549"])]
    access = fpt[fpt["level"] == "access"]
    assert len(access) > 0
    ends = shapely.points([g.coords[-1] for g in access.geometry])
    distance = shapely.distance(ends[:, None], served.geometry.to_numpy()[None, :]).min(axis=1)
    assert distance.max() <= DEFAULT_SETTINGS.fiber_reach_m


# -------------------------------------------------------------------------- mobile


@basedata
def test_4g_in_every_village_but_lang_o2(
    province: dict[str, object], result: CoverageResult
) -> None:
    assert province["villages_4g"] == 1175
    assert province["villages_4g_pct"] == pytest.approx(99.9, abs=0.05)
    without = result.villages[~result.villages["mobile_4g"]]
    assert list(without["name"]) == ["Làng O2"]
    assert province["commune_centres"] == 159
    assert province["commune_centres_4g"] == 159


@basedata
def test_lang_o2_gets_no_signal_at_all(demo: DemoDataset) -> None:
    inputs = inputs_of(demo)
    villages = inputs.villages
    o2 = villages[villages["name"] == "Làng O2"]
    assert len(o2) == 1
    assert not bool(o2["has_electricity"].iloc[0])
    xy = shapely.get_coordinates(o2.geometry.to_numpy())
    for tech in sorted(TECHS):
        signal = best_signal(inputs.mobile_sites, xy, tech=tech, density=inputs.density)
        best = float(signal.best_rsrp_dbm.iloc[0])
        assert best < DEFAULT_SETTINGS.min_rsrp_dbm[tech] - MARGIN_DB, tech


@basedata
def test_mobile_operators_and_realistic_counts(demo: DemoDataset) -> None:
    sites = demo.layers["mobile_sites"]
    counts = sites["operator"].value_counts().to_dict()
    assert set(counts) == {"Viettel", "VNPT", "MobiFone", "Vietnamobile"}
    assert 900 <= counts["Viettel"] <= 1200
    assert 600 <= counts["VNPT"] <= 800
    assert 500 <= counts["MobiFone"] <= 700
    assert 100 <= counts["Vietnamobile"] <= 200
    techs = sites["tech"].str.split(",")
    assert all(set(t) <= TECHS and t == sorted(t) for t in techs)
    with_4g = techs.map(lambda t: "4G" in t)
    assert with_4g.mean() >= 0.85
    assert techs.map(lambda t: "2G" in t).mean() >= 0.2  # legacy 2G on part of the sites
    assert techs.map(lambda t: "3G" in t).mean() >= 0.3
    assert sites["height_m"].between(15.0, 45.0).all()
    sectors = sites["azimuths_deg"].str.split(",").map(len)
    assert sectors.isin([2, 3]).all()
    assert (sectors == 3).mean() >= 0.9
    # no village without electricity is served, so no site needs solar power yet
    assert set(sites["power"]) == {"grid"}


@basedata
def test_sites_are_denser_in_towns_and_vietnamobile_stays_there(demo: DemoDataset) -> None:
    admin = demo.layers["admin_units"]
    sites = demo.layers["mobile_sites"]
    units = admin.set_index("unit_id")
    where = commune_of(sites, admin)
    assert where.notna().mean() >= 0.98
    urban = where.map(units["unit_type"]).isin(["Phường", "Thị trấn"])
    vnm = sites["operator"] == "Vietnamobile"
    assert urban[vnm].mean() >= 0.6
    communes = admin[admin["level"] == "commune"].to_crs(WORK_CRS)
    per_km2 = where.value_counts() / (communes.set_index("unit_id").area / 1e6)
    is_urban = communes.set_index("unit_id")["unit_type"].isin(["Phường", "Thị trấn"])
    assert per_km2[is_urban].median() > 3 * per_km2[~is_urban].median()


@basedata
def test_five_viettel_5g_pilot_sites_in_quy_nhon(demo: DemoDataset, result: CoverageResult) -> None:
    sites = demo.layers["mobile_sites"]
    five_g = sites[sites["tech"].str.split(",").map(lambda t: "5G" in t)]
    assert len(five_g) == 5
    assert set(five_g["operator"]) == {"Viettel"}
    admin = demo.layers["admin_units"]
    parent = admin.set_index("unit_id")["parent_id"]
    assert set(commune_of(five_g, admin).map(parent)) == {QUY_NHON}
    places = result.places
    with_5g = places[places["mobile_5g"]]
    assert (with_5g["district_id"] == QUY_NHON).sum() >= 3
    assert set(with_5g["operators_5g"]) == {"Viettel"}


# ------------------------------------------------------------------------- sample


def test_sample_gets_networks_too(sample: DemoDataset) -> None:
    result = compute_coverage(inputs_of(sample))
    villages = result.villages
    dark = ~villages["has_electricity"]
    assert dark.sum() == 1
    assert (villages["fiber_reached"] == ~dark).all()
    assert (villages["mobile_4g"] == ~dark).all()
    assert all(sample.meta[name].synthetic for name in NETWORK_LAYERS)
    for name in NETWORK_LAYERS:
        assert list(sample.layers[name].columns) == COLUMNS[name]
        assert len(sample.layers[name]) > 0
    assert not sample.layers["mobile_sites"]["tech"].str.contains("5G").any()
    bounds = np.array(
        [sample.layers[name].total_bounds for name in NETWORK_LAYERS], dtype=np.float64
    )
    assert bounds[:, 0].min() >= 108.6
    assert bounds[:, 2].max() <= 109.36
