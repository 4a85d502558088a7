"""Tests of hatangso.demo: the Bình Định demo data set and the synthetic sample.

The real base layers are read where they lie (``$HATANGSO_BASE`` or ../shared/data);
the demo is built once per test session (the ``province_demo`` fixture of conftest.py)
and checked against the 2019 census and the province's published mid-2024 figures.

The published figures the demo tests find (1,176 villages; 98.7 % of villages and 75 %
of households on fiber; 4G in 99.9 % of villages, all but làng O2, the one village
without electricity) are invariants of the generator, not a validation of the coverage
engine: the generator calibrates itself with the engine until it measures them.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from rasterio.io import MemoryFile

from geodata import InputError, LayerMeta
from hatangso.cli import EXIT_INPUT, main
from hatangso.demo import AS_OF, DemoDataset, build_demo

BASE = Path(
    os.environ.get("HATANGSO_BASE", Path(__file__).resolve().parents[2] / "shared" / "data")
)
CENSUS = BASE / "gso_census2019" / "binh_dinh_commune_population_households_2019.csv"
WORK_CRS = "EPSG:32649"

COLUMNS = {
    "admin_units": [
        "unit_id",
        "name",
        "level",
        "parent_id",
        "unit_type",
        "population",
        "households",
        "geometry",
    ],
    "villages": [
        "village_id",
        "name",
        "commune_id",
        "households",
        "population",
        "has_electricity",
        "is_commune_centre",
        "geometry",
    ],
    "clusters": ["cluster_id", "village_id", "households", "geometry"],
    "roads": ["road_id", "class", "name", "geometry"],
    "power_lines": ["line_id", "voltage_kv", "geometry"],
    "priority_places": ["place_id", "name", "kind", "approximate", "geometry"],
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
IDS = {
    "admin_units": "unit_id",
    "villages": "village_id",
    "clusters": "cluster_id",
    "roads": "road_id",
    "power_lines": "line_id",
    "priority_places": "place_id",
    "fiber_routes": "route_id",
    "fiber_nodes": "node_id",
    "mobile_sites": "site_id",
}
GEOMETRY_TYPES = {
    "admin_units": {"MultiPolygon"},
    "villages": {"Point"},
    "clusters": {"Point"},
    "roads": {"LineString"},
    "power_lines": {"LineString"},
    "priority_places": {"Point"},
    "fiber_routes": {"LineString"},
    "fiber_nodes": {"Point"},
    "mobile_sites": {"Point"},
}
ROAD_CLASSES = {"national", "provincial", "district", "commune", "village", "track"}
MOUNTAIN_DISTRICTS = {"542", "546", "551"}

#: Tests that need the real base layers (the sample tests run anywhere).
basedata = pytest.mark.basedata


@pytest.fixture
def messages(province_demo_build: tuple[DemoDataset, tuple[str, ...]]) -> tuple[str, ...]:
    return province_demo_build[1]


@pytest.fixture
def demo(province_demo: DemoDataset) -> DemoDataset:
    return province_demo


@pytest.fixture
def sample(sample_demo: DemoDataset) -> DemoDataset:
    return sample_demo


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    return pd.read_csv(CENSUS, dtype={"gso_code_2019": str}).set_index("gso_code_2019")


def communes(ds: DemoDataset) -> gpd.GeoDataFrame:
    units = ds.layers["admin_units"]
    return units[units["level"] == "commune"]


def road_graph(roads: gpd.GeoDataFrame, *, endpoints_only: bool) -> nx.Graph:
    graph = nx.Graph()
    for geom in roads.geometry:
        xy = np.round(shapely.get_coordinates(geom), 9)
        if endpoints_only:
            xy = xy[[0, -1]]
        nx.add_path(graph, [tuple(p) for p in xy])
    return graph


def vertex_distance_m(points: gpd.GeoSeries, roads: gpd.GeoDataFrame) -> np.ndarray:
    xy = shapely.get_coordinates(roads.to_crs(WORK_CRS).geometry.to_numpy())
    tree = shapely.STRtree(np.asarray(shapely.points(xy), dtype=object))
    _, dist = tree.query_nearest(
        points.to_crs(WORK_CRS).to_numpy(), return_distance=True, all_matches=False
    )
    return dist


# ------------------------------------------------------------------------ contract


@basedata
def test_every_layer_follows_the_contract(demo: DemoDataset) -> None:
    assert set(demo.layers) == set(COLUMNS)
    for name, frame in demo.layers.items():
        assert list(frame.columns) == COLUMNS[name], name
        assert frame.crs == "EPSG:4326", name
        assert isinstance(frame.index, pd.RangeIndex), name
        assert frame[IDS[name]].is_unique, name
        assert set(frame.geom_type) <= GEOMETRY_TYPES[name], name
        assert frame.geometry.is_valid.all(), name
        assert not frame.geometry.is_empty.any(), name


@basedata
def test_meta_labels_what_is_synthetic(demo: DemoDataset) -> None:
    assert set(demo.meta) == {*COLUMNS, "population_density"}
    assert all(isinstance(m, LayerMeta) for m in demo.meta.values())
    synthetic = {name: meta.synthetic for name, meta in demo.meta.items()}
    assert synthetic == {
        "admin_units": False,
        "villages": True,
        "clusters": True,
        "roads": True,
        "power_lines": False,
        "priority_places": True,
        "fiber_routes": True,
        "fiber_nodes": True,
        "mobile_sites": True,
        "population_density": False,
    }
    assert demo.meta["population_density"].licence == "CC BY 4.0"
    assert "ODbL" in demo.meta["power_lines"].licence
    assert "approximate" in demo.meta["power_lines"].source
    assert "hand-placed approximate positions" in demo.meta["priority_places"].source
    assert demo.name == "Bình Định demo (2024 units)"
    assert demo.as_of == AS_OF
    assert AS_OF.isoformat() == "2024-06-30"


@basedata
def test_progress_is_reported(messages: tuple[str, ...], demo: DemoDataset) -> None:
    assert demo.layers
    assert "villages: 1176" in messages
    assert any(m.startswith("roads:") for m in messages)


# --------------------------------------------------------------------- admin units


@basedata
def test_admin_units_levels_and_parents(demo: DemoDataset) -> None:
    units = demo.layers["admin_units"]
    assert units["level"].value_counts().to_dict() == {
        "commune": 159,
        "district": 11,
        "province": 1,
    }
    province = units[units["level"] == "province"].iloc[0]
    assert province["unit_id"] == "52"
    assert province["name"] == "Tỉnh Bình Định"
    assert pd.isna(province["parent_id"])
    districts = units[units["level"] == "district"]
    assert set(districts["unit_id"]) == {"540", *(str(k) for k in range(542, 552))}
    assert (districts["parent_id"] == "52").all()
    assert set(communes(demo)["parent_id"]) == set(districts["unit_id"])
    assert set(units["unit_type"]) == {
        "Tỉnh",
        "Thành phố",
        "Thị xã",
        "Huyện",
        "Phường",
        "Thị trấn",
        "Xã",
    }
    vinh_kim = units.set_index("unit_id").loc["21790"]
    assert vinh_kim["name"] == "Xã Vĩnh Kim"
    assert vinh_kim["parent_id"] == "546"
    assert units.set_index("unit_id").loc["546", "name"] == "Huyện Vĩnh Thạnh"


@basedata
def test_admin_names_are_nfc_and_prefixed(demo: DemoDataset) -> None:
    units = demo.layers["admin_units"]
    for name, unit_type in zip(units["name"], units["unit_type"], strict=True):
        assert unicodedata.is_normalized("NFC", name)
        assert name.startswith(unit_type + " ")
        assert "  " not in name


@basedata
def test_admin_population_matches_the_census(demo: DemoDataset, census: pd.DataFrame) -> None:
    units = demo.layers["admin_units"].set_index("unit_id")
    com = communes(demo).set_index("unit_id")
    assert com["households"].to_dict() == census["hh_total"].to_dict()
    assert com["population"].to_dict() == census["pop_total"].to_dict()
    assert units.loc["52", "households"] == 434_379
    assert units.loc["52", "population"] == 1_486_918
    by_district = com.groupby("parent_id")["households"].sum()
    for district, households in by_district.items():
        assert units.loc[district, "households"] == households


# ------------------------------------------------------------------------ villages


@basedata
def test_villages_add_up_to_the_census(demo: DemoDataset, census: pd.DataFrame) -> None:
    villages = demo.layers["villages"]
    assert len(villages) == 1176
    assert int(villages["households"].sum()) == 434_379
    assert int(villages["population"].sum()) == 1_486_918
    assert (villages["households"] >= 1).all()
    per_commune = villages.groupby("commune_id")[["households", "population"]].sum()
    pd.testing.assert_series_equal(
        per_commune["households"].sort_index(),
        census["hh_total"].sort_index(),
        check_names=False,
        check_dtype=False,
        check_index_type=False,
    )
    pd.testing.assert_series_equal(
        per_commune["population"].sort_index(),
        census["pop_total"].sort_index(),
        check_names=False,
        check_dtype=False,
        check_index_type=False,
    )
    assert set(villages["commune_id"]) == set(communes(demo)["unit_id"])


@basedata
def test_village_ids_and_names(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    assert villages["village_id"].str.fullmatch(r"\d{5}-\d{2}").all()
    assert (villages["village_id"].str[:5] == villages["commune_id"]).all()
    assert not villages.duplicated(["commune_id", "name"]).any()
    assert all(unicodedata.is_normalized("NFC", n) for n in villages["name"])
    com = communes(demo).set_index("unit_id")
    for commune_id, group in villages.groupby("commune_id"):
        unit_type = com.loc[commune_id, "unit_type"]
        if unit_type in {"Phường", "Thị trấn"}:
            prefix = "Khu phố "
        elif com.loc[commune_id, "parent_id"] in MOUNTAIN_DISTRICTS:
            prefix = "Làng "
        else:
            prefix = "Thôn "
        names = group["name"][group["name"] != "Thôn Canh Giao"]  # the one real name
        assert names.str.startswith(prefix).all(), commune_id


@basedata
def test_one_commune_centre_per_commune(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    centres = villages[villages["is_commune_centre"]]
    assert len(centres) == 159
    assert centres["commune_id"].is_unique
    # the centre is the most populous village of its commune
    largest = villages.loc[villages.groupby("commune_id")["households"].idxmax()]
    assert largest["is_commune_centre"].all()


@basedata
def test_lang_o2_is_remote_and_without_electricity(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    o2 = villages[villages["name"] == "Làng O2"]
    assert len(o2) == 1
    row = o2.iloc[0]
    assert row["commune_id"] == "21790"
    assert not row["has_electricity"]
    assert not row["is_commune_centre"]
    assert 40 <= row["households"] <= 60
    metric = villages.to_crs(WORK_CRS)
    here = metric.geometry[o2.index[0]]
    centre = metric[(metric["commune_id"] == "21790") & metric["is_commune_centre"]]
    assert here.distance(centre.geometry.iloc[0]) > 3000
    others = metric.drop(index=o2.index)
    assert others.distance(here).min() > 2000
    roads = demo.layers["roads"].to_crs(WORK_CRS)
    major = roads[roads["class"].isin(["national", "provincial"])]
    assert major.distance(here).min() > 10_000
    touching = roads[roads.distance(here) < 1]
    assert set(touching["class"]) == {"track"}


@basedata
def test_only_remote_mountain_villages_lack_electricity(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    dark = villages[~villages["has_electricity"]]
    assert 1 <= len(dark) <= 3
    assert "Làng O2" in set(dark["name"])
    parents = communes(demo).set_index("unit_id")["parent_id"]
    assert set(parents[dark["commune_id"]]) <= MOUNTAIN_DISTRICTS


@basedata
def test_villages_lie_in_their_commune(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    polygons = communes(demo).set_index("unit_id").geometry
    inside = villages.geometry.within(
        gpd.GeoSeries(polygons[villages["commune_id"]].to_numpy(), crs=villages.crs)
    )
    assert inside.all()


@basedata
def test_villages_are_distinct_places(demo: DemoDataset) -> None:
    """At least 50 m apart anywhere, 300 m apart within a commune of 5 km² or more."""
    metric = demo.layers["villages"].to_crs(WORK_CRS)
    xy = shapely.get_coordinates(metric.geometry.to_numpy())
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    assert dist.min() >= 50.0
    area_km2 = communes(demo).set_index("unit_id").to_crs(WORK_CRS).area / 1e6
    commune = metric["commune_id"].to_numpy()
    big = area_km2[commune].to_numpy() >= 5.0
    same = commune[:, None] == commune[None, :]
    assert dist[same & big[:, None]].min() >= 300.0


# ------------------------------------------------------------------------ clusters


@basedata
def test_clusters_add_up_to_their_village(demo: DemoDataset) -> None:
    villages = demo.layers["villages"].set_index("village_id")
    clusters = demo.layers["clusters"]
    assert (clusters["households"] >= 1).all()
    assert set(clusters["village_id"]) == set(villages.index)
    sums = clusters.groupby("village_id")["households"].sum()
    assert (sums == villages.loc[sums.index, "households"]).all()
    sizes = clusters.groupby("village_id").size()
    assert sizes.min() >= 1
    assert sizes.max() <= 8
    assert all(
        cid.startswith(vid + "-")
        for cid, vid in zip(clusters["cluster_id"], clusters["village_id"], strict=True)
    )


@basedata
def test_clusters_are_near_their_village_and_in_the_province(demo: DemoDataset) -> None:
    clusters = demo.layers["clusters"]
    villages = demo.layers["villages"].set_index("village_id")
    home = gpd.GeoSeries(villages.geometry[clusters["village_id"]].to_numpy(), crs=clusters.crs)
    distance = clusters.to_crs(WORK_CRS).distance(home.to_crs(WORK_CRS))
    assert distance.max() <= 2500.0 + 1.0  # rural hamlets spread up to 2.5 km
    province = demo.layers["admin_units"].geometry[
        demo.layers["admin_units"]["level"] == "province"
    ]
    assert clusters.within(province.iloc[0]).all()


# --------------------------------------------------------------------------- roads


@basedata
def test_roads_form_one_connected_network(demo: DemoDataset) -> None:
    roads = demo.layers["roads"]
    assert nx.number_connected_components(road_graph(roads, endpoints_only=False)) == 1
    assert nx.number_connected_components(road_graph(roads, endpoints_only=True)) == 1


@basedata
def test_every_village_is_on_a_road_vertex(demo: DemoDataset) -> None:
    distance = vertex_distance_m(demo.layers["villages"].geometry, demo.layers["roads"])
    assert distance.max() <= 1.0


@basedata
def test_road_classes_and_real_major_roads(demo: DemoDataset) -> None:
    roads = demo.layers["roads"]
    assert set(roads["class"]) <= ROAD_CLASSES
    assert {"national", "provincial", "district", "commune", "track"} <= set(roads["class"])
    names = set(roads["name"].dropna())
    assert {"Quốc lộ 1A", "Quốc lộ 19", "Quốc lộ 1D", "Tỉnh lộ 632", "Tỉnh lộ 639"} <= names
    assert set(roads.loc[roads["name"].str.startswith("Quốc lộ", na=False), "class"]) == {
        "national"
    }
    real = roads["road_id"].str.startswith("M")
    assert set(roads.loc[real, "class"]) <= {"national", "provincial", "district"}
    assert roads.loc[~real, "name"].isna().all()
    assert not any("sắt" in n for n in names)


# ---------------------------------------------------------------- other layers


@basedata
def test_power_lines(demo: DemoDataset) -> None:
    lines = demo.layers["power_lines"]
    assert len(lines) > 50
    assert set(lines["voltage_kv"]) <= {22.0, 110.0, 220.0}
    assert {110.0, 220.0} <= set(lines["voltage_kv"])


@basedata
def test_priority_places_are_in_the_province(demo: DemoDataset) -> None:
    places = demo.layers["priority_places"]
    assert set(places["kind"]) == {
        "industrial_park",
        "district_centre",
        "hospital",
        "school",
        "tourism",
    }
    assert (places["kind"] == "district_centre").sum() == 11
    assert places["approximate"].all()
    units = demo.layers["admin_units"]
    province = units.geometry[units["level"] == "province"].iloc[0]
    assert places.within(province).all()
    assert {"Kỳ Co", "Eo Gió", "Tháp Đôi", "Trường Đại học Quy Nhơn"} <= set(places["name"])
    # district centres lie in the commune of their town
    com = units[units["level"] == "commune"].set_index("unit_id").geometry
    phu_phong = places.geometry[places["place_id"] == "DC547"].iloc[0]
    assert com["21808"].contains(phu_phong)


@basedata
def test_population_density_raster_is_the_worldpop_file(demo: DemoDataset) -> None:
    data = demo.rasters["population_density"]
    assert data == (BASE / "worldpop" / "worldpop_pd_2020_1km_UNadj_binhdinh.tif").read_bytes()
    with MemoryFile(data) as memfile, memfile.open() as src:
        assert src.crs.to_epsg() == 4326
        assert (src.height, src.width) == (180, 120)


# --------------------------------------------------------------------- determinism


@basedata
def test_same_seed_gives_identical_layers(demo: DemoDataset) -> None:
    """Every layer of both periods, the networks and their metadata included."""
    again = build_demo(BASE, seed=0)
    assert again.name == demo.name
    assert again.meta == demo.meta
    assert again.rasters == demo.rasters
    for name, frame in demo.layers.items():
        other = again.layers[name]
        pd.testing.assert_frame_equal(
            pd.DataFrame(frame.drop(columns="geometry")),
            pd.DataFrame(other.drop(columns="geometry")),
        )
        assert list(frame.geometry.to_wkb()) == list(other.geometry.to_wkb()), name
        assert_geodataframe_equal(frame, other)
    assert len(again.later) == len(demo.later) == 2  # end-2024 and 2025-07-01 (issue 14)
    assert again.later[1].as_of == demo.later[1].as_of
    for name, frame in demo.later[1].layers.items():
        assert_geodataframe_equal(frame, again.later[1].layers[name])
    assert again.later[0].as_of == demo.later[0].as_of
    assert again.later[0].meta == demo.later[0].meta
    assert set(again.later[0].layers) == set(demo.later[0].layers)
    for name, frame in demo.later[0].layers.items():
        other = again.later[0].layers[name]
        assert_geodataframe_equal(frame, other)
        assert list(frame.geometry.to_wkb()) == list(other.geometry.to_wkb()), name
    # the evidence (measurements drawn from the hidden truth, complaints) of both periods
    assert again.evidence_meta == demo.evidence_meta
    assert again.later[0].evidence_meta == demo.later[0].evidence_meta
    for mine, theirs in (
        (demo.evidence, again.evidence),
        (demo.later[0].evidence, again.later[0].evidence),
    ):
        assert set(mine) == set(theirs) == {"measurements", "complaints"}
        for name, frame in mine.items():
            assert_geodataframe_equal(frame, theirs[name])


@basedata
def test_another_seed_gives_other_villages(demo: DemoDataset) -> None:
    """A full build: another seed must meet every target too (``--seed`` of the CLI)."""
    other = build_demo(BASE, seed=1)
    a, b = demo.layers["villages"], other.layers["villages"]
    assert len(b) == len(a)
    assert int(b["households"].sum()) == int(a["households"].sum())
    assert not a.geometry.geom_equals(b.geometry).all()
    assert not a["households"].equals(b["households"])
    # the real layers do not depend on the seed
    assert_geodataframe_equal(demo.layers["admin_units"], other.layers["admin_units"])


# ---------------------------------------------------------------- synthetic sample


def test_sample_builds_without_base_and_is_labelled_synthetic(sample: DemoDataset) -> None:
    assert "mẫu tổng hợp" in sample.name
    assert "synthetic sample" in sample.name
    assert set(sample.meta) == {*COLUMNS, "population_density"}
    assert all(meta.synthetic for meta in sample.meta.values())
    units = sample.layers["admin_units"]
    assert units["level"].value_counts().to_dict() == {
        "commune": 3,
        "district": 1,
        "province": 1,
    }
    for name, frame in sample.layers.items():
        assert list(frame.columns) == COLUMNS[name], name
        assert frame[IDS[name]].is_unique, name
        assert frame.geometry.is_valid.all(), name
        assert set(frame.geom_type) <= GEOMETRY_TYPES[name], name
    minx, miny, maxx, maxy = pd.concat([f.geometry for f in sample.layers.values()]).total_bounds
    assert minx >= 108.6
    assert maxx <= 109.36
    assert miny >= 13.52
    assert maxy <= 14.70


def test_sample_is_consistent(sample: DemoDataset) -> None:
    villages = sample.layers["villages"]
    com = communes(sample).set_index("unit_id")
    assert 10 <= len(villages) <= 15
    sums = villages.groupby("commune_id")["households"].sum()
    assert (sums == com.loc[sums.index, "households"]).all()
    assert villages.groupby("commune_id")["is_commune_centre"].sum().eq(1).all()
    assert (~villages["has_electricity"]).sum() == 1
    clusters = sample.layers["clusters"].groupby("village_id")["households"].sum()
    assert (clusters == villages.set_index("village_id").loc[clusters.index, "households"]).all()
    roads = sample.layers["roads"]
    assert nx.number_connected_components(road_graph(roads, endpoints_only=True)) == 1
    assert vertex_distance_m(villages.geometry, roads).max() <= 1.0
    with MemoryFile(sample.rasters["population_density"]) as memfile, memfile.open() as src:
        assert src.crs.to_epsg() == 4326
        assert float(src.read(1).max()) > 100.0


def test_sample_is_deterministic(sample: DemoDataset) -> None:
    again = build_demo(None, seed=0)
    for name, frame in sample.layers.items():
        assert_geodataframe_equal(frame, again.layers[name])
    assert again.rasters == sample.rasters
    other = build_demo(None, seed=1)
    assert (
        not other.layers["villages"].geometry.geom_equals(sample.layers["villages"].geometry).all()
    )


# ---------------------------------------------------------------------------- errors


def test_missing_base_names_the_file_and_the_option(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        build_demo(tmp_path)
    message = str(info.value)
    assert "binh_dinh_province.geojson" in message
    assert "--base" in message
    assert isinstance(info.value, InputError)


def test_demo_command_reports_a_wrong_base_as_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.gpkg"
    assert main(["demo", "--base", str(tmp_path), "--out", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: Demo base data incomplete: 9 file(s) missing")
    assert "bug" not in err
    assert not out.exists()


@basedata
def test_unreadable_base_file(tmp_path: Path) -> None:
    for path in BASE.rglob("*"):
        if path.is_file():
            link = tmp_path / path.relative_to(BASE)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    broken = tmp_path / "censusvn2009" / "binh_dinh_communes_2009.geojson"
    broken.unlink()
    broken.write_text("not a GeoJSON file", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"binh_dinh_communes_2009\.geojson") as info:
        build_demo(tmp_path)
    assert "--base" in str(info.value)


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        build_demo(None, seed=-1)
