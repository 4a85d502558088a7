"""Tests of the demo's later period (hatangso.demo.periods): the end-2024 status.

The demo is built once per test session from the real base layers (the
``province_demo`` fixture of conftest.py); the end-2024 layers are the first period's
overridden by ``later[0].layers`` and are measured with the coverage engine under the
default rules: fiber in 159/159 communes and 1,168/1,176 villages (the 8 without it in
An Lão, Vĩnh Thạnh and Vân Canh, làng O2 among them), 4G unchanged (every village but
làng O2), Viettel 5G at every district centre on more than 70 sites. Thôn Canh Giao
(xã Canh Hiệp) is served in both periods by its 18 m two-sector 4G site.

These figures are invariants of the generator, not a validation of the coverage engine:
the generator calibrates the later networks with the engine's own functions until the
engine measures them. Determinism of the later period is checked with every other layer
in test_demo.py.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.mobile import best_signal
from geodata.raster import grid_from_bytes
from hatangso.demo import AS_OF, AS_OF_LATER, DemoDataset, DemoPeriod

WORK_CRS = "EPSG:32649"
CHANGED = {"fiber_routes", "fiber_nodes", "mobile_sites"}
IDS = {"fiber_routes": "route_id", "fiber_nodes": "node_id", "mobile_sites": "site_id"}
MOUNTAIN_DISTRICTS = {"542", "546", "551"}  # An Lão, Vĩnh Thạnh, Vân Canh
OPERATORS = {"Viettel", "VNPT", "MobiFone", "Vietnamobile"}
LANG_O2 = "21790-01"
CANH_HIEP = "22000"
CANH_GIAO = "Thôn Canh Giao"

basedata = pytest.mark.basedata


def layers_of(ds: DemoDataset, period: int) -> dict[str, gpd.GeoDataFrame]:
    """Layers of a period: 0 is the first, k > 0 the first overridden by ``later[k-1]``."""
    layers = dict(ds.layers)
    for later in ds.later[:period]:
        layers.update(later.layers)
    return layers


def coverage_of(ds: DemoDataset, period: int) -> CoverageResult:
    layers = {name: frame.to_crs(WORK_CRS) for name, frame in layers_of(ds, period).items()}
    return compute_coverage(
        CoverageInputs(
            admin_units=layers["admin_units"],
            villages=layers["villages"],
            clusters=layers["clusters"],
            fiber_routes=layers["fiber_routes"],
            fiber_nodes=layers["fiber_nodes"],
            mobile_sites=layers["mobile_sites"],
            priority_places=layers["priority_places"],
            density=grid_from_bytes(ds.rasters["population_density"]),
        )
    )


def has_tech(sites: pd.DataFrame, tech: str) -> pd.Series:
    return sites["tech"].astype(str).str.split(",").map(lambda t: tech in t)


@pytest.fixture(scope="module")
def demo(province_demo: DemoDataset) -> DemoDataset:
    return province_demo


@pytest.fixture(scope="module")
def first(demo: DemoDataset) -> CoverageResult:
    return coverage_of(demo, 0)


@pytest.fixture(scope="module")
def end2024(demo: DemoDataset) -> CoverageResult:
    return coverage_of(demo, 1)


@pytest.fixture(scope="module")
def province(end2024: CoverageResult) -> dict[str, object]:
    row: dict[str, object] = end2024.summary("province").iloc[0].to_dict()
    return row


@pytest.fixture(scope="module")
def sample(sample_demo: DemoDataset) -> DemoDataset:
    return sample_demo


# ------------------------------------------------------------------------- structure


@basedata
def test_one_later_period_with_the_changed_network_layers(demo: DemoDataset) -> None:
    assert demo.as_of == AS_OF
    assert len(demo.later) == 2  # + the 2025-07-01 period in the new layout (issue 14)
    assert not demo.later[0].layout
    period = demo.later[0]
    assert isinstance(period, DemoPeriod)
    assert period.as_of == AS_OF_LATER
    assert AS_OF_LATER.isoformat() == "2024-12-31"
    assert set(period.layers) == CHANGED
    assert set(period.meta) == CHANGED
    for name, frame in period.layers.items():
        assert list(frame.columns) == list(demo.layers[name].columns), name
        assert frame.crs == "EPSG:4326", name
        assert isinstance(frame.index, pd.RangeIndex), name
        assert frame[IDS[name]].is_unique, name
        assert frame.geometry.is_valid.all(), name
        assert (frame.dtypes == demo.layers[name].dtypes).all(), name
        assert period.meta[name].synthetic, name
        assert "end-2024" in period.meta[name].source, name


@basedata
def test_unchanged_features_keep_their_ids_and_geometry(demo: DemoDataset) -> None:
    later = demo.later[0].layers
    for name in ("fiber_routes", "fiber_nodes"):  # fiber grows, nothing is moved
        old, new = demo.layers[name], later[name]
        assert new.iloc[: len(old)].equals(old), name
        assert len(new) > len(old), name
    old = demo.layers["mobile_sites"].set_index("site_id")
    new = later["mobile_sites"].set_index("site_id")
    both = old.index.intersection(new.index)
    assert len(both) >= len(old) - 20
    assert new.geometry[both].geom_equals_exact(old.geometry[both], tolerance=0.0).all()
    same = ["operator", "height_m", "azimuths_deg", "power"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(new.loc[both, same]), pd.DataFrame(old.loc[both, same])
    )
    changed = both[(new.loc[both, "tech"] != old.loc[both, "tech"]).to_numpy()]
    # the only change to a kept site is Viettel adding 5G
    assert set(new.loc[changed, "operator"]) == {"Viettel"}
    assert has_tech(new.loc[changed], "5G").all()
    assert not has_tech(old.loc[changed], "5G").any()
    techs = [sorted(set(t.split(",")) - {"5G"}) for t in new.loc[changed, "tech"]]
    assert techs == [t.split(",") for t in old.loc[changed, "tech"]]


# ----------------------------------------------------------------------------- fiber


@basedata
def test_fiber_reaches_every_commune(province: dict[str, object]) -> None:
    assert province["communes"] == 159
    assert province["communes_fiber"] == 159


@basedata
def test_fiber_reaches_1168_of_1176_villages(
    province: dict[str, object], end2024: CoverageResult
) -> None:
    assert province["villages"] == 1176
    assert province["villages_fiber"] == 1168
    # 1,168/1,176 is 99.3 %; the press says 99.2 % with the same 8 villages
    assert province["villages_fiber_pct"] == pytest.approx(99.32, abs=0.005)
    villages = end2024.villages
    without = villages[~villages["fiber_reached"]]
    assert len(without) == 8
    assert set(without["district_id"]) == MOUNTAIN_DISTRICTS
    assert LANG_O2 in set(without["village_id"])
    o2 = without.set_index("village_id").loc[LANG_O2]
    assert o2["name"] == "Làng O2"
    assert not o2["has_electricity"]


@basedata
def test_fiber_reaches_7_of_the_15_villages_left_in_mid_2024(
    first: CoverageResult, end2024: CoverageResult
) -> None:
    before = set(first.villages.loc[~first.villages["fiber_reached"], "village_id"])
    after = set(end2024.villages.loc[~end2024.villages["fiber_reached"], "village_id"])
    assert len(before) == 15
    assert after < before
    assert len(before - after) == 7
    # households within reach go up a little
    old = float(first.summary("province").iloc[0]["households_fiber_pct"])
    new = float(end2024.summary("province").iloc[0]["households_fiber_pct"])
    assert old < new < old + 1.0


@basedata
def test_new_fiber_routes_are_access_cables_along_the_roads(demo: DemoDataset) -> None:
    old = demo.layers["fiber_routes"]
    routes = demo.later[0].layers["fiber_routes"]
    new = routes[~routes["route_id"].isin(old["route_id"])].to_crs(WORK_CRS)
    assert len(new) == 7
    assert set(new["level"]) == {"access"}
    assert set(new["operator"]) <= {"VNPT", "Viettel"}
    assert new.length.sum() / 1000.0 < 100.0
    roads = demo.layers["roads"].to_crs(WORK_CRS)
    _, distance = shapely.STRtree(roads.geometry.to_numpy()).query_nearest(
        shapely.points(shapely.get_coordinates(new.geometry.to_numpy())),
        return_distance=True,
        all_matches=False,
    )
    assert distance.max() <= 1.0
    # each starts on its operator's existing network and ends in the village it serves
    nodes = demo.later[0].layers["fiber_nodes"]
    new_nodes = nodes[~nodes["node_id"].isin(demo.layers["fiber_nodes"]["node_id"])]
    assert set(new_nodes["kind"]) == {"closure", "splitter"}
    villages = demo.layers["villages"].to_crs(WORK_CRS).set_index("village_id")
    for route_id, operator, geom in zip(
        new["route_id"], new["operator"], new.geometry, strict=True
    ):
        village_id = route_id.split("-AC-")[1]
        assert geom.interpolate(1.0, normalized=True).distance(villages.geometry[village_id]) < 1.0
        own = old[(old["operator"] == operator) & old["level"].isin(["distribution", "access"])]
        start = shapely.Point(geom.coords[0])
        assert own.to_crs(WORK_CRS).distance(start).min() < 0.1


# ---------------------------------------------------------------------------- mobile


@basedata
def test_4g_unchanged_lang_o2_the_only_village_without(
    province: dict[str, object], end2024: CoverageResult
) -> None:
    assert province["villages_4g"] == 1175
    without = end2024.villages[~end2024.villages["mobile_4g"]]
    assert list(without["village_id"]) == [LANG_O2]


@basedata
def test_viettel_5g_at_every_district_centre(demo: DemoDataset, end2024: CoverageResult) -> None:
    places = end2024.places
    centres = places[places["kind"] == "district_centre"]
    assert len(centres) == 11
    assert centres["operators_5g"].str.split(",").map(lambda ops: "Viettel" in ops).all()
    sites = demo.later[0].layers["mobile_sites"]
    five_g = sites[has_tech(sites, "5G")]
    assert set(five_g["operator"]) == {"Viettel"}
    assert 70 < len(five_g) <= 80
    pilots = five_g[five_g["site_id"].str.startswith("VTL-5G-")]
    assert len(pilots) == 5


@basedata
def test_sites_added_and_decommissioned_by_every_operator(demo: DemoDataset) -> None:
    old = demo.layers["mobile_sites"]
    new = demo.later[0].layers["mobile_sites"]
    added = new[~new["site_id"].isin(old["site_id"])]
    removed = old[~old["site_id"].isin(new["site_id"])]
    assert set(added["operator"]) == OPERATORS
    assert set(removed["operator"]) == OPERATORS
    assert added["operator"].value_counts().max() <= 10
    assert removed["operator"].value_counts().max() <= 5
    assert set(added["tech"]) == {"4G"}
    assert not has_tech(removed, "5G").any()
    assert added["height_m"].between(15.0, 45.0).all()
    assert set(added["power"]) == {"grid"}


# ------------------------------------------------------------------------ Canh Giao


@basedata
def test_canh_giao_is_a_village_of_canh_hiep_with_electricity(demo: DemoDataset) -> None:
    admin = demo.layers["admin_units"].set_index("unit_id")
    assert admin.loc[CANH_HIEP, "name"] == "Xã Canh Hiệp"
    assert admin.loc[CANH_HIEP, "parent_id"] == "551"
    villages = demo.layers["villages"]
    canh_giao = villages[villages["name"] == CANH_GIAO]
    assert len(canh_giao) == 1
    row = canh_giao.iloc[0]
    assert row["commune_id"] == CANH_HIEP
    assert bool(row["has_electricity"])
    assert not bool(row["is_commune_centre"])
    assert "villages" not in demo.later[0].layers  # the same village in both periods


@basedata
@pytest.mark.parametrize("period", [0, 1])
def test_canh_giao_is_served_by_its_18_m_two_sector_site(
    demo: DemoDataset, first: CoverageResult, end2024: CoverageResult, period: int
) -> None:
    layers = layers_of(demo, period)
    result = (first, end2024)[period]
    sites = layers["mobile_sites"].to_crs(WORK_CRS)
    own = sites[sites["site_id"].str.startswith(f"VTL-{CANH_HIEP}-P")]
    assert len(own) == 1
    site = own.iloc[0]
    assert site["height_m"] == 18.0
    assert len(str(site["azimuths_deg"]).split(",")) == 2
    assert site["tech"] == "4G"
    assert site["power"] == "grid"
    assert site["operator"] == "Viettel"
    villages = result.villages.set_index("name")
    village = villages.loc[CANH_GIAO]
    assert bool(village["mobile_4g"])
    # the site is the best 4G server at the village, by the engine
    point = layers["villages"].to_crs(WORK_CRS)
    xy = shapely.get_coordinates(point.geometry[point["name"] == CANH_GIAO].to_numpy())
    density = grid_from_bytes(demo.rasters["population_density"])
    alone = best_signal(own, xy, tech="4G", density=density)
    assert float(alone.best_rsrp_dbm.iloc[0]) == pytest.approx(float(village["rsrp_4g_dbm"]))
    per_site = best_signal(
        sites.assign(operator=sites["site_id"]), xy, tech="4G", density=density
    ).rsrp_dbm
    assert per_site.iloc[0].idxmax() == site["site_id"]
    assert site.geometry.distance(shapely.Point(xy[0])) < 100.0


@basedata
def test_canh_giao_site_dates_are_documented(demo: DemoDataset) -> None:
    source = demo.meta["mobile_sites"].source
    assert "Canh Giao" in source
    assert "June 2024" in source
    assert "April 2024" in source


# ---------------------------------------------------------------------------- sample


def test_sample_has_a_small_later_period(sample: DemoDataset) -> None:
    assert len(sample.later) == 1
    period = sample.later[0]
    assert period.as_of == AS_OF_LATER
    assert set(period.layers) == CHANGED
    assert all(meta.synthetic for meta in period.meta.values())
    routes = period.layers["fiber_routes"]
    old_routes = sample.layers["fiber_routes"]
    assert routes.iloc[: len(old_routes)].equals(old_routes)
    assert len(routes) > len(old_routes)
    sites = period.layers["mobile_sites"]
    added = sites[~sites["site_id"].isin(sample.layers["mobile_sites"]["site_id"])]
    assert len(added) == 2
    before, after = coverage_of(sample, 0), coverage_of(sample, 1)
    for column in ("fiber_reached", "mobile_4g"):
        assert (before.villages[column] == after.villages[column]).all(), column
    assert np.isfinite(after.villages["rsrp_4g_dbm"].dropna()).all()
