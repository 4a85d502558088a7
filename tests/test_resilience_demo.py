"""Resilience on the Bình Định demo: its synthetic attributes, the command line, and the
scenario against the engine run directly on the sites that survive."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from coverage.engine import CoverageInputs, compute_coverage
from geodata import Store
from geodata.crs import WORK_CRS
from geodata.export import write_table
from hatangso.cli import main
from hatangso.demo import DemoDataset
from hatangso.demo.resilience import STORM_NAME, demo_storm
from hatangso.resilience import load_scenario

basedata = pytest.mark.basedata


@basedata
def test_demo_sites_carry_backup_and_backhaul(province_demo: DemoDataset) -> None:
    sites = province_demo.layers["mobile_sites"]
    assert {"fiber", "microwave"} <= set(sites["backhaul"]) <= {"fiber", "microwave", "satellite"}
    hubs = sites.loc[sites["backhaul"] == "microwave", "backhaul_to"]
    fed = set(sites.loc[sites["backhaul"] == "fiber", "site_id"])
    assert hubs.isin(fed).all()  # one hop to a site with fiber
    assert sites["battery_hours"].between(2, 8).all()
    assert 0 < sites["generator"].mean() < 0.5
    assert set(province_demo.layers["fiber_routes"]["build"]) == {"aerial", "buried"}
    assert "backhaul are synthetic" in province_demo.meta["mobile_sites"].source
    assert "aerial or buried is synthetic" in province_demo.meta["fiber_routes"].source
    later = province_demo.later[0].layers["mobile_sites"]
    same = later.merge(sites, on="site_id", suffixes=("", "_first"))
    assert (same["battery_hours"] == same["battery_hours_first"]).all()


@basedata
def test_demo_storm_lands_near_quy_nhon(province_demo: DemoDataset) -> None:
    storm = demo_storm(province_demo.layers["admin_units"])
    assert storm["kind"].tolist() == ["storm", "power_outage"]
    assert storm["name"].iloc[0] == STORM_NAME
    track = storm.to_crs(WORK_CRS).geometry.iloc[0]
    units = province_demo.layers["admin_units"].to_crs(WORK_CRS)
    quy_nhon = units[units["name"].str.contains("Quy Nhơn")].geometry.iloc[0]
    assert track.distance(quy_nhon) < 20_000
    coast = storm.to_crs(WORK_CRS).geometry.iloc[1]
    communes = units[(units["level"] == "commune") & units.intersects(coast.buffer(-100))]
    assert 10 < len(communes) < 60  # the coastal communes, not the province


@pytest.fixture(scope="module")
def storm_file(province_demo: DemoDataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("storm") / "bao.geojson"
    write_table(demo_storm(province_demo.layers["admin_units"]), path)
    return path


@basedata
def test_scenario_mobile_is_the_engine_on_the_surviving_sites(
    demo_store: Path, storm_file: Path
) -> None:
    store = Store(demo_store)
    result = load_scenario(store, storm_file, 24, hours=(8,)).result
    state = result.states[0]
    assert len(state.sites_down) > 0
    layers = store.read_all(crs=WORK_CRS)
    inputs = CoverageInputs.from_store(store, layers)
    sites = layers["mobile_sites"]
    up = sites[~sites["site_id"].isin(set(state.sites_down["site_id"]))]
    direct = compute_coverage(dataclasses.replace(inputs, mobile_sites=up))
    for col in ("mobile_4g", "operators_4g", "households"):
        assert state.coverage.clusters[col].tolist() == direct.clusters[col].tolist(), col


@basedata
def test_cli_spof_and_scenario(
    demo_store: Path, storm_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["resilience", "spof", str(demo_store), "--json"]) == 0
    spof = json.loads(capsys.readouterr().out)
    rows = spof["rows"]
    assert rows
    households = [r["households"] for r in rows]
    assert households == sorted(households, reverse=True)
    assert {r["kind"] for r in rows} >= {"route", "node", "microwave"}
    assert main(["resilience", "spof", str(demo_store), "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "điểm lỗi đơn" in text
    assert "tuyến cáp" in text
    args = ["resilience", "scenario", str(demo_store), "--hazard", str(storm_file)]
    assert main([*args, "--outage-hours", "24", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [h["hour"] for h in payload["hours"]] == [0.0, 4.0, 8.0, 24.0, 72.0]
    by_hour = {h["hour"]: h for h in payload["hours"]}
    # batteries run out, then the grid comes back at 24 h
    assert by_hour[8.0]["sites_down_power"] > by_hour[0.0]["sites_down_power"] == 0
    assert by_hour[24.0]["sites_down_power"] == 0
    assert by_hour[8.0]["households_cut_off"] >= by_hour[72.0]["households_cut_off"]
    assert main([*args, "--outage-hours", "24", "--crews", "10", "--json"]) == 0
    repairs = json.loads(capsys.readouterr().out)["restoration"]
    assert repairs[0]["households_restored"] > 0
    assert {r["crew"] for r in repairs} == set(range(1, 11))
    # every repair made, everyone cut off once the grid is back has service again
    assert repairs[-1]["households_restored_total"] == by_hour[72.0]["households_cut_off"]
    assert main([*args, "--outage-hours", "24", "--crews", "3"]) == 0
    text = capsys.readouterr().out
    assert "hộ mất LL" in text
    assert "Thứ tự khắc phục với 3 đội" in text
    assert main([*args, "--outage-hours", "-3"]) == 2
    assert "--outage-hours must be 0 or more" in capsys.readouterr().err
