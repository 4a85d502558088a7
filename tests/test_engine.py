"""The coverage engine end to end on a hand-built province with known answers."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from coverage.engine import CoverageInputs, compute_coverage
from coverage.indicators import evaluate_targets
from geodata import InputError

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0


def box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def province() -> CoverageInputs:
    """One district, two communes side by side (A west, B east), four villages.

    A1 (100 households, commune centre of A) has a VNPT node beside it and a Viettel 4G
    site; A2 (50) is 20 km away, out of everything; B1 (30, centre of B) is 400 m from a
    Viettel access route; B2 (20, no electricity) is 3 km from everything.
    Clusters: A1 splits 80 (beside the node) + 20 (1 km off); the others are one cluster.
    """
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["52", "540", "A", "B"],
            "name": ["Tỉnh", "Huyện", "Xã A", "Xã B"],
            "level": ["province", "district", "commune", "commune"],
            "parent_id": [None, "52", "540", "540"],
        },
        geometry=[
            box(0, 0, 60_000, 30_000),
            box(0, 0, 60_000, 30_000),
            box(0, 0, 30_000, 30_000),
            box(30_000, 0, 30_000, 30_000),
        ],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["A1", "A2", "B1", "B2"],
            "name": ["Thôn 1", "Làng O2", "Thôn 3", "Thôn 4"],
            "commune_id": ["A", "A", "B", "B"],
            "households": [100, 50, 30, 20],
            "has_electricity": [True, True, True, False],
            "is_commune_centre": [True, False, True, False],
        },
        geometry=[pt(1000, 1000), pt(21000, 21000), pt(45000, 1000), pt(45000, 4000)],
        crs=CRS,
    )
    clusters = gpd.GeoDataFrame(
        {
            "cluster_id": ["A1-1", "A1-2", "A2-1", "B1-1", "B2-1"],
            "village_id": ["A1", "A1", "A2", "B1", "B2"],
            "households": [80, 20, 50, 30, 20],
        },
        geometry=[
            pt(1000, 1000),
            pt(1000, 2000),
            pt(21000, 21000),
            pt(45000, 1000),
            pt(45000, 4000),
        ],
        crs=CRS,
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": ["N1"], "operator": ["VNPT"], "kind": ["olt"]},
        geometry=[pt(1100, 1000)],
        crs=CRS,
    )
    routes = gpd.GeoDataFrame(
        {"route_id": ["R1"], "operator": ["Viettel"], "level": ["access"]},
        geometry=[shapely.LineString([(X0 + 44000, Y0 + 1400), (X0 + 46000, Y0 + 1400)])],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2"],
            "operator": ["Viettel", "MobiFone"],
            "tech": ["2G,4G", "4G,5G"],
            "height_m": [30.0, 30.0],
        },
        geometry=[pt(1000, 1200), pt(45000, 1200)],
        crs=CRS,
    )
    places = gpd.GeoDataFrame(
        {"place_id": ["P1", "P2"], "name": ["Bệnh viện", "Trường"], "kind": ["hospital", "school"]},
        geometry=[pt(45100, 1000), pt(1000, 1100)],
        crs=CRS,
    )
    return CoverageInputs(
        admin_units=units,
        villages=villages,
        clusters=clusters,
        fiber_routes=routes,
        fiber_nodes=nodes,
        mobile_sites=sites,
        priority_places=places,
    )


def test_village_status() -> None:
    result = compute_coverage(province())
    v = result.villages.set_index("village_id")
    assert v["fiber_reached"].to_dict() == {"A1": True, "A2": False, "B1": True, "B2": False}
    assert v.loc["A1", "fiber_operators"] == "VNPT"
    assert v.loc["B1", "fiber_operators"] == "Viettel"
    assert v.loc["B1", "fiber_distance_m"] == pytest.approx(400.0)
    assert v["mobile_4g"].to_dict() == {"A1": True, "A2": False, "B1": True, "B2": True}
    assert v.loc["A1", "operators_4g"] == "Viettel"
    assert v.loc["B2", "operators_4g"] == "MobiFone"
    assert v.loc["A1", "operators_2g"] == "Viettel"
    assert v.loc["B1", "mobile_5g"]
    assert v.loc["A1", "nearest_4g_site_m"] == pytest.approx(200.0)
    assert v["district_id"].tolist() == ["540"] * 4


def test_province_summary_and_targets() -> None:
    result = compute_coverage(province())
    row = result.summary("province").iloc[0]
    assert row["communes_fiber"] == 2
    assert row["villages_fiber"] == 2
    # households follow their cluster: A1-1 (80) and B1-1 (30); A1-2 is 1 km off the node
    assert row["households_fiber"] == 110
    assert row["households"] == 200
    assert row["households_fiber_pct"] == 55.0
    assert row["villages_4g"] == 3
    assert row["commune_centres_4g"] == 2
    assert row["villages_no_electricity"] == 1
    assert row["roaming_candidates"] == 3
    assert row["places_5g"] == 1
    targets = {t["id"]: t for t in result.targets()}
    assert targets["fiber_communes"]["met"] is True
    assert targets["fiber_villages"]["met"] is False
    assert targets["fiber_villages"]["gap"] == 2
    # the households of the two villages without fiber (A2 50 + B2 20)
    assert targets["fiber_villages"]["gap_households"] == 70
    assert targets["fiber_households"]["gap_households"] == 90  # clusters not reached
    assert targets["mobile_villages"]["gap_households"] == 50  # A2
    assert targets["fiber_households"]["gap"] == 191 - 110  # > 95 % of 200 is 191
    assert targets["mobile_villages"]["gap"] == 1
    assert targets["5g_priority"]["met"] is None
    assert result.uncovered() == {"fiber": ["A2", "B2"], "4g": ["A2"]}


def test_commune_level_and_operator_view() -> None:
    result = compute_coverage(province())
    communes = result.summary("commune").set_index("unit_id")
    assert communes.loc["A", "villages_fiber"] == 1
    assert communes.loc["B", "villages_4g"] == 2
    assert communes.loc["A", "district_id"] == "540"
    vnpt = result.summary("province", operator="VNPT").iloc[0]
    assert vnpt["villages_fiber"] == 1
    assert vnpt["villages_4g"] == 0
    mobifone = result.summary("province", operator="MobiFone").iloc[0]
    assert mobifone["villages_4g"] == 2
    assert mobifone["places_5g"] == 1


def test_without_clusters_villages_count_as_clusters() -> None:
    inputs = province()
    result = compute_coverage(CoverageInputs(**{**inputs.__dict__, "clusters": None}))
    row = result.summary("province").iloc[0]
    assert row["clusters"] == 4
    assert row["households_fiber"] == 130


def test_json_payload_is_complete() -> None:
    payload = compute_coverage(province()).to_dict()
    assert set(payload) >= {"province", "targets", "uncovered", "districts", "communes"}
    assert payload["dead_zones"] == [
        {"village_id": "A2", "name": "Làng O2", "commune_id": "A", "households": 50}
    ]
    assert payload["villages_without_electricity"] == ["B2"]
    assert [p["place_id"] for p in payload["priority_places_without_5g"]] == ["P2"]


def test_indoor_columns_and_the_rule_in_words() -> None:
    result = compute_coverage(province())
    v = result.villages.set_index("village_id")
    # Outdoor (90 % of locations) keeps the columns; indoor adds its own. B2 is 2.8 km
    # from S2: covered outdoors, not through a wall (13.3 dB more loss, a wider margin).
    assert v["mobile_4g_indoor"].to_dict() == {"A1": True, "A2": False, "B1": True, "B2": False}
    assert v.loc["A1", "operators_4g_indoor"] == "Viettel"
    reached = v["rsrp_4g_dbm"].notna()
    assert reached.sum() == 3
    assert (v.loc[reached, "rsrp_4g_indoor_dbm"] < v.loc[reached, "rsrp_4g_dbm"] - 13.0).all()
    assert {"mobile_5g_indoor", "operators_5g_indoor", "rsrp_5g_indoor_dbm"} <= set(v.columns)
    clusters = result.clusters.set_index("cluster_id")
    assert clusters.loc["A1-1", "mobile_4g_indoor"]
    assert not clusters.loc["B2-1", "mobile_4g_indoor"]
    assert result.rule() == "ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm"
    assert result.rule(indoor=True, language="en") == "indoor, 90 % of locations, RSRP ≥ −110 dBm"
    payload = result.to_dict()
    assert payload["rules"]["4G"]["outdoor"] == {
        "vi": "ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm",
        "en": "outdoor, 90 % of locations, RSRP ≥ −110 dBm",
    }
    assert payload["settings"]["location_probability"] == 0.9
    from coverage.indicators import operator_view

    mobifone = operator_view(result.villages, "MobiFone").set_index("village_id")
    assert not mobifone.loc["A1", "mobile_4g_indoor"]
    assert mobifone.loc["A1", "operators_4g_indoor"] == ""


def test_without_clusters_the_villages_carry_the_indoor_status() -> None:
    inputs = province()
    result = compute_coverage(CoverageInputs(**{**inputs.__dict__, "clusters": None}))
    assert (
        result.clusters["mobile_4g_indoor"].tolist() == result.villages["mobile_4g_indoor"].tolist()
    )


def test_missing_layers_are_named() -> None:
    with pytest.raises(InputError, match="villages"):
        CoverageInputs.from_layers({"admin_units": province().admin_units})


def test_strict_and_non_strict_targets() -> None:
    row = {
        "communes_fiber": 159,
        "communes": 159,
        "villages_fiber": 1175,
        "villages": 1176,
        "households_fiber": 95,
        "households": 100,
        "villages_4g": 1176,
        "clusters_4g": 10,
        "clusters": 10,
        "households_4g": 100,
        "households_in_villages_fiber": 95,
        "households_in_villages_4g": 100,
        "places_5g": 0,
        "places": 0,
    }
    t = {x["id"]: x for x in evaluate_targets(row)}
    assert t["fiber_communes"]["met"] is True
    assert t["fiber_villages"]["met"] is False
    assert t["fiber_households"]["met"] is False  # 95 % is not > 95 %
    assert t["fiber_households"]["gap"] == 1
    assert t["mobile_villages"]["met"] is True


def test_unknown_setting_is_refused() -> None:
    from coverage.settings import CoverageSettings

    assert CoverageSettings.from_mapping({"fiber_reach_m": 300.0}).fiber_reach_m == 300.0
    with pytest.raises(KeyError, match=r"unknown coverage setting\(s\) \['fiber_reach'\]"):
        CoverageSettings.from_mapping({"fiber_reach": 300.0})


def test_sites_and_points_outside_the_elevation_raster_are_counted_and_warned() -> None:
    """A flat 10 m raster over commune A only (x < 30 km): commune B lies outside it.

    Outside: site S2, villages B1 and B2, clusters B1-1 and B2-1, place P1. On flat
    ground every path keeps its mast height and no diffraction, so the statuses are
    those without terrain.
    """
    import dataclasses

    import numpy as np
    from affine import Affine

    from geodata.raster import Grid

    dem = Grid(
        array=np.full((30, 30), 10.0),
        transform=Affine(1000.0, 0.0, X0, 0.0, -1000.0, Y0 + 30_000.0),
        crs=gpd.GeoSeries(crs=CRS).crs,
    )
    plain = compute_coverage(province())
    hilly = compute_coverage(dataclasses.replace(province(), elevation=dem))
    assert hilly.terrain_outside == {"sites": 1, "villages": 2, "clusters": 2, "places": 1}
    assert hilly.villages["mobile_4g"].tolist() == plain.villages["mobile_4g"].tolist()
    np.testing.assert_array_equal(hilly.villages["rsrp_4g_dbm"], plain.villages["rsrp_4g_dbm"])
    warning = hilly.terrain_warning()
    assert warning is not None
    assert warning.startswith("Độ cao địa hình: 1 trạm và 5 điểm")
    payload = hilly.to_dict()["terrain_outside"]
    assert payload["sites"] == 1
    assert payload["warning"]["vi"] == warning
    # Without a raster there is nothing to count and no warning.
    assert plain.terrain_outside == {}
    assert plain.terrain_warning() is None
    assert plain.to_dict()["terrain_outside"] == {}
