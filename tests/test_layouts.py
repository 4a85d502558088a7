"""Administrative layouts over time (issue 14, items 1-3): crosswalks, figures in either layout.

Hand-built fixtures with known answers (boxes in lon/lat inside Bình Định, a crosswalk of
four rows, status frames of four villages), the real crosswalk of Nghị quyết
1664/NQ-UBTVQH15 in ``../shared/data/gialai2025/``, and the demo's 2025-07-01 period.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage.layouts import assign_units, check_assignment, in_layout, summarize_in_layout
from geodata import InputError
from geodata.crs import WORK_CRS
from geodata.layouts import check_crosswalk, read_crosswalk, resolve_layout
from geodata.store import LayerMeta, Store
from hatangso.cli import EXIT_INPUT, EXIT_OK, main
from hatangso.progress import layout_payloads, layout_series

META = LayerMeta(source="hand-built test units", licence="test", synthetic=True)

# Old layout: province 52, district 540, communes 1 (A), 2 (B), 3 (C); boxes in lon/lat.
OLD = [
    ("52", "Tỉnh", "province", None, (109.00, 13.80, 109.30, 13.90)),
    ("540", "Huyện", "district", "52", (109.00, 13.80, 109.30, 13.90)),
    ("10001", "Xã A", "commune", "540", (109.00, 13.80, 109.10, 13.90)),
    ("10002", "Xã B", "commune", "540", (109.10, 13.80, 109.20, 13.90)),
    ("10003", "Xã C", "commune", "540", (109.20, 13.80, 109.30, 13.90)),
]
# New layout (no districts): X = A, Y = B + west half of C, Z = east half of C, W elsewhere.
NEW = [
    ("52", "Tỉnh", "province", None, (109.00, 13.70, 109.30, 13.90)),
    ("20001", "Xã X", "commune", "52", (109.00, 13.80, 109.10, 13.90)),
    ("20002", "Xã Y", "commune", "52", (109.10, 13.80, 109.25, 13.90)),
    ("20003", "Xã Z", "commune", "52", (109.25, 13.80, 109.30, 13.90)),
    ("20004", "Xã W", "commune", "52", (109.00, 13.70, 109.30, 13.80)),
]
CROSSWALK = pd.DataFrame(
    {
        "old_code": ["10001", "10002", "10003", "10003"],
        "new_code": ["20001", "20002", "20002", "20003"],
        "share": ["full", "full", "part", "remainder"],
        "source": ["test"] * 4,
    }
)


def units(rows: list[tuple[str, str, str, str | None, tuple[float, ...]]]) -> gpd.GeoDataFrame:
    """The hand-built units in lon/lat."""
    return gpd.GeoDataFrame(
        {
            "unit_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent_id": [r[3] for r in rows],
        },
        geometry=[shapely.box(*r[4]) for r in rows],
        crs=4326,
    )


# ------------------------------------------------------------------ crosswalk validation


def test_a_valid_crosswalk_is_kept_whole() -> None:
    checked = check_crosswalk(CROSSWALK, units(OLD), units(NEW))
    assert len(checked) == 4
    assert set(checked["old_code"]) == {"10001", "10002", "10003"}


def test_a_crosswalk_leaving_an_old_commune_unmapped_is_refused_naming_it() -> None:
    with pytest.raises(InputError, match=r"unmapped: 10002\b"):
        check_crosswalk(CROSSWALK[CROSSWALK["old_code"] != "10002"], units(OLD), units(NEW))


def test_a_crosswalk_to_an_unknown_code_is_refused_naming_it() -> None:
    bad = CROSSWALK.assign(new_code=CROSSWALK["new_code"].replace("20001", "29999"))
    with pytest.raises(InputError, match=r"unknown\): 29999"):
        check_crosswalk(bad, units(OLD), units(NEW))


def test_a_circular_crosswalk_is_refused_naming_the_codes() -> None:
    both = units([OLD[0], OLD[2], OLD[3]])  # communes 10001 and 10002 in both layouts
    cycle = pd.DataFrame(
        {"old_code": ["10001", "10002"], "new_code": ["10002", "10001"], "share": ["full"] * 2}
    )
    with pytest.raises(InputError, match=r"circular mapping through codes: 10001, 10002"):
        check_crosswalk(cycle, both, both)


def test_a_split_marked_full_is_refused() -> None:
    bad = CROSSWALK.assign(share=["full", "full", "full", "remainder"])
    with pytest.raises(InputError, match=r"'full' and also elsewhere.*10003"):
        check_crosswalk(bad, units(OLD), units(NEW))


def test_a_layout_is_resolved_from_a_date_or_a_year() -> None:
    held = ["2024-06-30", "2025-07-01"]
    assert resolve_layout("2025", held) == "2025-07-01"
    assert resolve_layout("2025-06-30", held) == "2024-06-30"
    assert resolve_layout("2024", held) == "2024-06-30"
    with pytest.raises(InputError, match="no administrative layout was in force on 2023-12-31"):
        resolve_layout("2023", held)


# ------------------------------------------------------------------ assignment by location


def points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Points in lon/lat, in the working CRS."""
    return gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in xy], crs=4326).to_crs(WORK_CRS)


def test_points_inside_nearest_within_tolerance_or_outside() -> None:
    # 0.005° of latitude north of the box is ~553 m; 0.05° is ~5.5 km (WGS 84 at 13.9° N).
    where = assign_units(
        points([(109.05, 13.85), (109.27, 13.85), (109.05, 13.905), (109.05, 13.95)]),
        units(NEW).to_crs(WORK_CRS),
        tolerance_m=1000.0,
    )
    assert where["unit_id"].tolist() == ["20001", "20003", "20001", None]
    assert where["how"].tolist() == ["inside", "inside", "nearest", "outside"]
    assert where["distance_m"].iloc[2] == pytest.approx(553.0, abs=5.0)


def test_a_village_outside_its_mapped_unit_is_reported_a_split_decided_by_location() -> None:
    old = pd.Series(["10001", "10001", "10003", "10003", "10003"])
    new = pd.Series(["20001", "20002", "20002", "20003", "20001"])
    odd = check_assignment(old, new, CROSSWALK)
    # village 1 (of A) is in Y instead of X; village 4 (of the split C) is in X, neither half
    assert odd.index.tolist() == [1, 4]
    assert odd["expected"].tolist() == ["20001", "20002/20003"]
    assert odd["split"].tolist() == [False, True]


# ------------------------------------------------------------------ summaries in either layout


def status() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Four villages (one cluster each): A 10 hh fiber, B 20 no, C 30 fiber (east), C 40 no."""
    villages = pd.DataFrame(
        {
            "village_id": ["v1", "v2", "v3", "v4"],
            "commune_id": ["10001", "10002", "10003", "10003"],
            "district_id": ["540"] * 4,
            "households": [10, 20, 30, 40],
            "fiber_reached": [True, False, True, False],
            "mobile_4g": [True, True, True, False],
            "mobile_5g": [False] * 4,
            "operators_4g": ["Viettel", "Viettel,VNPT", "VNPT", ""],
            "is_commune_centre": [True, True, True, False],
            "has_electricity": [True] * 4,
        }
    )
    clusters = villages[["village_id", "commune_id", "district_id", "households"]].assign(
        fiber_reached=villages["fiber_reached"], mobile_4g=villages["mobile_4g"]
    )
    places = pd.DataFrame(
        {"place_id": ["p1"], "commune_id": ["10001"], "district_id": ["540"], "mobile_5g": [True]}
    )
    return villages, clusters, places


def test_summaries_in_either_layout_keep_the_totals() -> None:
    v, c, p = status()
    old = summarize_in_layout(v, c, p, units(OLD).drop(columns="geometry"), level="commune")
    assert old.set_index("unit_id")["households_fiber_pct"].to_dict() == {
        "10001": 100.0,
        "10002": 0.0,
        "10003": 42.86,  # 30 of 70
    }
    village_units = pd.Series(["20001", "20002", "20003", "20002"], index=["v1", "v2", "v3", "v4"])
    nv, nc, np_ = in_layout(v, c, p, village_units, pd.Series(["20001"], index=["p1"]), units(NEW))
    assert nv["former_commune_id"].tolist() == ["10001", "10002", "10003", "10003"]
    assert nv["district_id"].tolist() == ["52"] * 4  # no districts: the province
    plain = units(NEW).drop(columns="geometry")
    new = summarize_in_layout(nv, nc, np_, plain, level="commune").set_index("unit_id")
    assert new.loc[["20001", "20002", "20003"], "households"].tolist() == [10, 60, 30]
    assert new.loc[["20001", "20002", "20003"], "households_fiber_pct"].tolist() == [
        100.0,
        0.0,
        100.0,
    ]
    # W has no village: zero counts, and no percentage (shown "chưa có dữ liệu", not 0 %)
    assert new.loc["20004", "villages"] == 0
    assert np.isnan(new.loc["20004", "households_fiber_pct"])
    province_old = summarize_in_layout(
        v, c, p, units(OLD).drop(columns="geometry"), level="province"
    )
    province_new = summarize_in_layout(nv, nc, np_, plain, level="district")  # none: province
    assert province_old["households"].iloc[0] == province_new["households"].iloc[0] == 100
    assert province_new["communes"].iloc[0] == 3  # three new communes have villages


# ------------------------------------------------------------------ a store with two layouts


def two_layout_store(tmp_path: Path) -> Store:
    """Periods 2024-06-30 (old layout) and 2025-12-31, then the 2025-07-01 layout imported."""
    store = Store(tmp_path / "layouts.gpkg")
    store.write({"admin_units": units(OLD)}, {"admin_units": META}, as_of="2024-06-30")
    store.write({}, {}, as_of="2025-12-31")
    new_file = tmp_path / "new_units.geojson"
    units(NEW).to_file(new_file, driver="GeoJSON")
    args = ["import", str(new_file), "--layer", "admin_units", "--layout", "2025-07-01"]
    code = main([*args, "--into", str(store.location)])
    assert code == EXIT_OK
    return store


def test_a_layout_import_applies_to_the_later_periods(tmp_path: Path) -> None:
    store = two_layout_store(tmp_path)
    assert store.layout_ids() == ["2024-06-30", "2025-07-01"]
    assert store.periods() == ["2024-06-30", "2025-07-01", "2025-12-31"]
    assert store.layout_of("2025-12-31") == "2025-07-01"
    later = store.at("2025-12-31").read("admin_units")
    assert sorted(later.loc[later["level"] == "commune", "unit_id"]) == [
        "20001",
        "20002",
        "20003",
        "20004",
    ]
    assert len(store.at("2024-06-30").read("admin_units")) == 5  # the earlier period: as it was
    layouts = {lay.layout_id: lay for lay in store.layouts()}
    assert layouts["2025-07-01"].levels == ("province", "commune")
    assert layouts["2024-06-30"].units == {"province": 1, "district": 1, "commune": 3}


def test_crosswalk_import_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = two_layout_store(tmp_path)
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    CROSSWALK[CROSSWALK["old_code"] != "10002"].to_csv(bad, index=False)
    assert main(["import", str(bad), "--layer", "crosswalk", "--into", store.location]) == (
        EXIT_INPUT
    )
    assert "old communes left unmapped: 10002" in capsys.readouterr().err
    good = tmp_path / "crosswalk.csv"
    CROSSWALK.to_csv(good, index=False)
    args = ["import", str(good), "--layer", "crosswalk", "--into", store.location, "--json"]
    assert main(args) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert (out["from_layout"], out["to_layout"], out["rows"]) == ("2024-06-30", "2025-07-01", 4)
    assert out["split"] == ["10003"]
    assert main(["layouts", store.location]) == EXIT_OK
    text = capsys.readouterr().out
    assert "2025-07-01  province / commune" in text
    assert "crosswalk 2024-06-30 → 2025-07-01: 4 rows" in text
    assert main(["layouts", store.location, "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [lay["layout"] for lay in listed["layouts"]] == ["2024-06-30", "2025-07-01"]
    assert listed["layouts"][1]["periods"] == ["2025-07-01", "2025-12-31"]


# ------------------------------------------------------------------ the real crosswalk of NQ 1664

GIALAI = "gialai2025"


def real_units(base: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 159 communes of 2019 and the 135 of 2025-07-01 as layouts (no geometry)."""
    census = pd.read_csv(
        base / "gso_census2019" / "binh_dinh_commune_population_households_2019.csv", dtype=str
    )
    new = pd.read_csv(base / GIALAI / "gialai_2025_communes.csv", dtype=str)
    old = pd.DataFrame({"unit_id": census["gso_code_2019"], "level": "commune"})
    return old, pd.DataFrame({"unit_id": new["code"], "level": "commune"})


def test_every_one_of_the_159_old_codes_maps(base: Path) -> None:
    old, new = real_units(base)
    crosswalk = read_crosswalk(base / GIALAI / "binh_dinh_2019_to_gialai_2025-07.csv")
    checked = check_crosswalk(crosswalk, old, new)
    assert checked["old_code"].nunique() == len(old) == 159
    assert checked["new_code"].nunique() == 58
    split = checked[checked["share"].isin(("part", "remainder"))]
    assert sorted(set(split["old_code"])) == ["21634", "21997", "22000"]
    assert checked.loc[checked["old_code"] == "21790", "new_code"].tolist() == ["21787"]


def test_the_march_2025_crosswalk_does_not_fit_the_2019_layout(base: Path) -> None:
    old, new = real_units(base)
    crosswalk = read_crosswalk(base / GIALAI / "binh_dinh_2025-03_to_gialai_2025-07.csv")
    with pytest.raises(InputError, match="unmapped: 21568, 21571, 21574, 21586"):
        check_crosswalk(crosswalk, old, new)


def test_quy_nhon_wards_end_in_five_phuong_and_nhon_chau(base: Path) -> None:
    table = pd.read_csv(base / GIALAI / "binh_dinh_2019_to_gialai_2025-07.csv", dtype=str)
    quy_nhon = table[table["old_district_code"] == "540"]
    assert len(quy_nhon) == 21
    assert dict(zip(quy_nhon["new_code"], quy_nhon["new_name"], strict=True)) == {
        "21553": "Phường Quy Nhơn Bắc",
        "21583": "Phường Quy Nhơn",
        "21589": "Phường Quy Nhơn Tây",
        "21592": "Phường Quy Nhơn Nam",
        "21601": "Phường Quy Nhơn Đông",
        "21607": "Xã Nhơn Châu",
    }


# ------------------------------------------------------------------ the demo's 2025-07-01 period


def test_the_demo_period_of_2025_has_the_58_units_of_the_former_binh_dinh(
    demo_store: Path,
) -> None:
    store = Store(demo_store)
    assert store.periods()[-1] == "2025-07-01"
    assert store.layout_ids() == ["2024-06-30", "2025-07-01"]
    units_2025 = store.at("2025-07-01").read("admin_units")
    province = units_2025[units_2025["level"] == "province"]
    assert province["name"].tolist() == ["Tỉnh Gia Lai"]
    assert (units_2025["level"] == "commune").sum() == 58
    assert "district" not in set(units_2025["level"])
    note = {i.layer: i.source for i in store.at("2025-07-01").info().layers}["admin_units"]
    assert "chỉ gồm địa bàn tỉnh Bình Định cũ" in note
    villages = store.at("2025-07-01").read("villages")
    o2 = villages[villages["name"] == "Làng O2"]
    assert o2["commune_id"].tolist() == ["21787"]  # Xã Vĩnh Kim 21790 is in Xã Vĩnh Sơn
    assert store.crosswalk_pairs() == [("2024-06-30", "2025-07-01", 162)]
    # the network is the end-2024 period's, shared, not re-invented
    for layer in ("mobile_sites", "fiber_routes", "fiber_nodes", "clusters"):
        assert len(store.at("2025-07-01").read(layer)) == len(store.at("2024-12-31").read(layer))


def test_households_and_trends_are_continuous_across_the_reform(demo_store: Path) -> None:
    store = Store(demo_store)
    payloads = layout_payloads(store, "2025")
    totals = {p: pl["province"]["households"] for p, pl in payloads.items()}
    assert set(totals.values()) == {434_379}  # the 2019 census total of Bình Định
    for payload in payloads.values():
        assert sum(c["households"] for c in payload["communes"]) == 434_379
        assert len(payload["communes"]) == 58
        assert len(payload["former_districts"]) == 11
    # end-2024 and 2025-07-01 have the same network: the same figures in the same units
    end, reform = payloads["2024-12-31"], payloads["2025-07-01"]
    assert end["communes"] == reform["communes"]
    series = layout_series(store, "2025-07-01", "commune")
    fiber = series[series["indicator"] == "fiber_villages"]
    assert fiber.groupby("unit_id")["period"].nunique().eq(3).all()
    assert fiber["unit_id"].nunique() == 58


def test_trends_coverage_and_changes_take_a_layout(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "bd.gpkg"
    copy.write_bytes(demo_store.read_bytes())
    args = ["trends", str(copy), "--layout", "2025", "--level", "commune", "--json"]
    assert main([*args, "--indicator", "fiber_villages"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["layout"] == "2025-07-01"
    vinh_son = [r for r in out["series"] if r["unit_id"] == "21787"]
    assert [r["period"] for r in vinh_son] == ["2024-06-30", "2024-12-31", "2025-07-01"]
    assert main(["trends", str(copy), "--level", "commune"]) == EXIT_INPUT
    assert "needs --layout" in capsys.readouterr().err
    args = ["coverage", str(copy), "--period", "2024-12-31", "--layout", "2025", "--json"]
    assert main(args) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["layout"] == "2025-07-01"
    assert out["province"]["name"] == "Tỉnh Gia Lai"
    assert out["province"]["households"] == 434_379
    assert len(out["communes"]) == 58
    args = ["coverage", str(copy), "--level", "commune", "--layout", "2025-07-01"]
    assert main(args) == EXIT_OK
    assert "in the layout of 2025-07-01" in capsys.readouterr().out
    args = ["changes", str(copy), "--from", "2024-06-30", "--to", "2024-12-31"]
    assert main([*args, "--layout", "2025", "--json"]) == EXIT_OK
    gained = json.loads(capsys.readouterr().out)["fiber_gained"]
    assert gained
    new_names = set(Store(copy).at("2025-07-01").read("admin_units")["name"])
    assert all(row["commune"] in new_names for row in gained)


def test_the_other_77_gia_lai_units_import_and_show_no_data(
    demo_store: Path, base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new Gia Lai's 135 units (simplified) added to the 2025 layout: 77 without data."""
    import shutil

    store_path = tmp_path / "gialai.gpkg"
    shutil.copy(demo_store, store_path)
    communes = base / "gialai2025" / "gialai_communes_2025_simplified.geojson"
    args = ["import", str(communes), "--layer", "admin_units", "--layout", "2025-07-01"]
    args += ["--into", str(store_path), "--mode", "add", "--column", "name=name_cv1027"]
    assert main([*args, "--json"]) == EXIT_OK
    units_2025 = Store(store_path).at("2025-07-01").read("admin_units")
    communes_2025 = units_2025[units_2025["level"] == "commune"]
    assert len(communes_2025) == 135
    assert set(communes_2025["parent_id"].astype(str)) == {"52"}  # under the one province
    # the 58 held kept their full-resolution boundaries ("add" keeps what is held)
    held = Store(demo_store).at("2025-07-01").read("admin_units").set_index("unit_id")
    kept = units_2025.set_index("unit_id").loc[held.index]
    assert kept.geometry.geom_equals(held.geometry).all()
    capsys.readouterr()
    assert main(["coverage", str(store_path), "--level", "commune", "--json"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    rows = {r["unit_id"]: r for r in payload["communes"]}
    assert len(rows) == 135
    empty = [r for r in rows.values() if r["villages"] == 0]
    assert len(empty) == 77
    assert all(r["households_fiber_pct"] is None for r in empty)  # no data, never 0 %
    assert rows["21787"]["villages"] > 0  # Xã Vĩnh Sơn, with Làng O2
    assert main(["coverage", str(store_path), "--level", "commune"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "Phường Pleiku" in text
    pleiku = next(line for line in text.splitlines() if "Phường Pleiku" in line)
    assert "chưa có dữ liệu" in pleiku
    assert "0,0 %" not in pleiku


def test_a_gia_lai_file_is_refused_before_the_merger(
    demo_store: Path, base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before 1 July 2025 the province is Bình Định: most of the new Gia Lai is outside it."""
    import shutil

    store_path = tmp_path / "bd.gpkg"
    shutil.copy(demo_store, store_path)
    before = store_path.read_bytes()
    communes = base / "gialai2025" / "gialai_communes_2025_simplified.geojson"
    args = ["import", str(communes), "--layer", "admin_units", "--as-of", "2024-12-31"]
    args += ["--into", str(store_path), "--column", "name=name_cv1027"]
    assert main(args) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "gialai_communes_2025_simplified.geojson" in err
    assert "Bình Định" in err
    assert store_path.read_bytes() == before


def test_a_malformed_column_option_is_refused_naming_it(
    demo_store: Path, base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    communes = base / "gialai2025" / "gialai_communes_2025_simplified.geojson"
    args = ["import", str(communes), "--layer", "admin_units", "--into", str(demo_store)]
    assert main([*args, "--column", "name_cv1027"]) == EXIT_INPUT
    assert "--column 'name_cv1027'" in capsys.readouterr().err
