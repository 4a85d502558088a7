"""A hazard scenario on a hand-built commune, against the coverage engine run directly.

Metres from (X0, Y0), UTM 49N::

    V1 S1                  V2 S2        S4     S3 V3
     │ R_A (aerial)         │ R_B (buried)      (microwave S3 → S1)
    ══════════════ backbone (the core) ═══════════════
    [ storm area: x 0 - 12 km ]

The storm cuts the aerial R_A, not the buried R_B, and brings down S4's guyed mast.
S1 loses its backhaul with R_A (hour 0), then its power too (battery 2 h, no generator,
hour 4); S3, outside the storm, hangs on S1 by microwave; S2 has a generator. The grid
comes back at hour 24.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage.engine import CoverageInputs, compute_coverage
from coverage.resilience.scenario import Hazard, run_scenario
from geodata import LayerValidationError
from geodata.hazard import read_hazard

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def commune() -> CoverageInputs:
    area = shapely.box(X0 - 2000, Y0 - 2000, X0 + 22000, Y0 + 8000)
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["52", "540", "A"],
            "name": ["Tỉnh", "Huyện", "Xã A"],
            "level": ["province", "district", "commune"],
            "parent_id": [None, "52", "540"],
        },
        geometry=[area, area, area],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["V1", "V2", "V3"],
            "name": ["Thôn 1", "Thôn 2", "Thôn 3"],
            "commune_id": ["A", "A", "A"],
            "households": [100, 60, 40],
            "has_electricity": [True, True, True],
        },
        geometry=[pt(2000, 3200), pt(10000, 3200), pt(16000, 3200)],
        crs=CRS,
    )
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["BB", "R_A", "R_B"],
            "operator": ["VNPT"] * 3,
            "level": ["backbone", "access", "access"],
            "build": ["aerial", "aerial", "buried"],
        },
        geometry=[
            line((0, 0), (20000, 0)),
            line((2000, 0), (2000, 3000)),
            line((10000, 0), (10000, 3000)),
        ],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3", "S4"],
            "operator": ["Viettel"] * 4,
            "tech": ["4G"] * 4,
            "height_m": [30.0] * 4,
            "battery_hours": [2.0, 8.0, 10.0, 0.0],
            "generator": [False, True, False, False],
            "tower_type": ["self_supporting", "monopole", None, "guyed"],
            "backhaul": ["fiber", "fiber", "microwave", "satellite"],
            "backhaul_to": [None, None, "S1", None],
        },
        geometry=[pt(2000, 3000), pt(10000, 3000), pt(16000, 3000), pt(11000, 3000)],
        crs=CRS,
    )
    places = gpd.GeoDataFrame(
        {"place_id": ["P1"], "name": ["Trạm y tế"], "kind": ["hospital"]},
        geometry=[pt(2000, 3100)],
        crs=CRS,
    )
    return CoverageInputs(
        admin_units=units,
        villages=villages,
        fiber_routes=routes,
        mobile_sites=sites,
        priority_places=places,
    )


def storm() -> Hazard:
    area = gpd.GeoDataFrame(
        {"kind": ["storm"], "name": ["bão"]},
        geometry=[shapely.box(X0 - 1000, Y0 - 1000, X0 + 12000, Y0 + 5000)],
        crs=CRS,
    )
    return Hazard.from_frame(area, outage_hours=24)


EXPECTED_DOWN = {
    0.0: {"S1": "backhaul", "S3": "backhaul", "S4": "tower"},
    4.0: {"S1": "power", "S3": "backhaul", "S4": "tower"},
    24.0: {"S1": "backhaul", "S3": "backhaul", "S4": "tower"},
}


def test_sites_down_hour_by_hour() -> None:
    result = run_scenario(commune(), storm(), hours=(0, 4, 24))
    for state in result.states:
        got = dict(zip(state.sites_down["site_id"], state.sites_down["reason"], strict=True))
        assert got == EXPECTED_DOWN[state.hour], state.hour
        assert state.routes_cut == ("BB", "R_A")
    assert result.before.sites_down.empty


@pytest.mark.parametrize("hour", [0.0, 4.0])
def test_scenario_is_the_engine_on_the_surviving_network(hour: float) -> None:
    inputs = commune()
    result = run_scenario(inputs, storm(), hours=(hour,))
    state = result.states[0]
    up = ~inputs.mobile_sites["site_id"].isin(EXPECTED_DOWN[hour])
    routes = inputs.fiber_routes
    direct = compute_coverage(
        dataclasses.replace(
            inputs,
            mobile_sites=inputs.mobile_sites[up],
            fiber_routes=routes[routes["route_id"] != "R_A"],
        )
    )
    for col in ("fiber_reached", "mobile_4g", "households"):
        assert state.coverage.clusters[col].tolist() == direct.clusters[col].tolist(), col
    assert state.coverage.villages["fiber_reached"].tolist() == [False, True, False]
    summary = result.summary().iloc[0]
    before = result.before.coverage.clusters
    had_4g = before["mobile_4g"].to_numpy(bool)
    lost_4g = had_4g & ~direct.clusters["mobile_4g"].to_numpy(bool)
    assert summary["households_without_4g"] == int(before["households"][lost_4g].sum())
    assert summary["households_without_fiber"] == 100  # V1, fed by R_A
    assert summary["sites_down"] == 3


def test_before_is_the_engine_on_the_period() -> None:
    inputs = commune()
    result = run_scenario(inputs, storm(), hours=(0,))
    direct = compute_coverage(inputs)
    for col in ("fiber_reached", "mobile_4g"):
        assert result.before.coverage.clusters[col].tolist() == direct.clusters[col].tolist()


def test_power_outside_the_area_and_after_the_outage() -> None:
    """A site outside every area never loses power; at 72 h only the damage remains."""
    result = run_scenario(commune(), storm(), hours=(72,))
    state = result.states[0]
    assert (
        dict(zip(state.sites_down["site_id"], state.sites_down["reason"], strict=True))
        == (EXPECTED_DOWN[0.0])
    )
    by_commune = result.by_commune(72)
    assert by_commune["commune_id"].tolist() == ["A"]
    assert int(by_commune["households_without_fiber"].iloc[0]) == 100


def test_a_storm_track_is_widened_by_its_wind_radius() -> None:
    track = gpd.GeoDataFrame(
        {"kind": ["storm"], "wind_radius_m": [1000.0]},
        geometry=[line((0, 3000), (20000, 3000))],
        crs=CRS,
    )
    hazard = Hazard.from_frame(track, outage_hours=0)
    assert hazard.areas.geometry.iloc[0].area == pytest.approx(
        20000 * 2000 + np.pi * 1000**2, rel=1e-3
    )
    result = run_scenario(commune(), hazard, hours=(0,))
    # the track runs 3 km north of the backbone: the masts stand in it, no cable does
    # except the last kilometre of R_A and R_B; R_A (aerial) is cut there
    assert result.states[0].routes_cut == ("R_A",)


def _hazard_file(tmp_path: Path, features: str) -> Path:
    path = tmp_path / "bao.geojson"
    path.write_text('{"type":"FeatureCollection","features":[' + features + "]}", "utf-8")
    return path


def test_hazard_file(tmp_path: Path) -> None:
    ok = _hazard_file(
        tmp_path,
        '{"type":"Feature","properties":{"ten":"Bão số 13","ban_kinh_gio":60000},'
        '"geometry":{"type":"LineString","coordinates":[[109.6,13.7],[109.0,13.9]]}},'
        '{"type":"Feature","properties":{"loai":"mất điện"},"geometry":{"type":"Polygon",'
        '"coordinates":[[[109.1,13.7],[109.3,13.7],[109.3,13.9],[109.1,13.7]]]}}',
    )
    frame = read_hazard(ok)
    assert frame["kind"].tolist() == ["storm", "power_outage"]
    assert frame["wind_radius_m"].iloc[0] == 60000.0


def test_hazard_file_errors_name_row_and_column(tmp_path: Path) -> None:
    bad = _hazard_file(
        tmp_path,
        '{"type":"Feature","properties":{"ten":"Bão"},'
        '"geometry":{"type":"LineString","coordinates":[[109.6,13.7],[109.0,13.9]]}},'
        '{"type":"Feature","properties":{"loai":"động đất"},"geometry":{"type":"Polygon",'
        '"coordinates":[[[109.1,13.7],[109.3,13.7],[109.3,13.9],[109.1,13.7]]]}}',
    )
    with pytest.raises(LayerValidationError) as info:
        read_hazard(bad)
    text = str(info.value)
    assert "unknown value 'động đất'" in text
    with pytest.raises(LayerValidationError) as info:
        read_hazard(
            _hazard_file(
                tmp_path,
                '{"type":"Feature","properties":{"ten":"Bão"},"geometry":{"type":"LineString",'
                '"coordinates":[[109.6,13.7],[109.0,13.9]]}}',
            )
        )
    problem = info.value.problems[0]
    assert problem.column == "wind_radius_m"
    assert problem.row == 1
    assert "storm track (a line) without its wind radius" in str(info.value)


def test_restoration_order_with_crews() -> None:
    """R_A brings back V1's fiber and S1, so S3 and V3's 4G: 140 households in 6 h."""
    from planner.restoration import RepairRules, restoration_order

    inputs = commune()
    result = run_scenario(inputs, storm(), hours=(0, 24))
    table = restoration_order(inputs, result, crews=2, rules=RepairRules(6.0, 24.0))
    got = table[["element_id", "crew", "start_h", "finish_h", "households_restored"]]
    assert got.to_numpy().tolist() == [
        ["R_A", 1, 0.0, 6.0, 140],
        # S4 (satellite) comes back on air, but its villages have 4G again already
        ["S4", 2, 0.0, 24.0, 0],
        ["BB", 1, 6.0, 12.0, 0],  # the backbone is the core: its cut cuts nobody off
    ]
    summary = result.summary().set_index("hour")
    assert table["households_restored_total"].iloc[-1] == summary.loc[24.0, "households_cut_off"]


def test_restoration_mends_upstream_first() -> None:
    """An access cable behind a cut distribution cable restores nobody until that is mended."""
    from planner.restoration import restoration_order

    inputs = commune()
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["BB", "D", "A"],
            "operator": ["VNPT"] * 3,
            "level": ["backbone", "distribution", "access"],
            "build": ["buried", "aerial", "aerial"],
        },
        geometry=[
            line((0, 0), (20000, 0)),
            line((2000, 0), (2000, 2000)),
            line((2000, 2000), (2000, 4000)),
        ],
        crs=CRS,
    )
    villages = inputs.villages.copy()
    villages["geometry"] = [pt(2100, 1000), pt(2000, 4200), pt(16000, 3200)]
    inputs = dataclasses.replace(inputs, fiber_routes=routes, villages=villages, mobile_sites=None)
    result = run_scenario(inputs, storm(), hours=(24,))
    table = restoration_order(inputs, result, crews=3)
    assert table["element_id"].tolist() == ["D", "A"]
    assert table["households_restored"].tolist() == [100, 60]
    assert table["restored_by_h"].tolist() == [6.0, 6.0]
    with pytest.raises(Exception, match="--crews must be 1 or more"):
        restoration_order(inputs, result, crews=0)


def test_restoration_opens_the_way_to_the_most_households_first() -> None:
    """Two cut branches, each a distribution cable then an access cable to one village.

    Neither distribution cable restores anyone alone; the one leading to 100 households
    (D2) goes before the one leading to 60 (D1), though D1 comes first in the data.
    """
    from planner.restoration import restoration_order

    inputs = commune()
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["BB", "D1", "A1", "D2", "A2"],
            "operator": ["VNPT"] * 5,
            "level": ["backbone", "distribution", "access", "distribution", "access"],
            "build": ["buried", "aerial", "aerial", "aerial", "aerial"],
        },
        geometry=[
            line((0, 0), (20000, 0)),
            line((2000, 0), (2000, 2000)),
            line((2000, 2000), (2000, 4000)),
            line((8000, 0), (8000, 2000)),
            line((8000, 2000), (8000, 4000)),
        ],
        crs=CRS,
    )
    villages = inputs.villages.copy()
    villages["geometry"] = [pt(8000, 4200), pt(2000, 4200), pt(16000, 3200)]  # 100, 60, 40
    inputs = dataclasses.replace(inputs, fiber_routes=routes, villages=villages, mobile_sites=None)
    result = run_scenario(inputs, storm(), hours=(24,))
    table = restoration_order(inputs, result, crews=1)
    assert table["element_id"].tolist() == ["D2", "A2", "D1", "A1"]
    assert table["households_restored"].tolist() == [0, 100, 0, 60]
    assert table["restored_by_h"].tolist()[1] == 12.0
