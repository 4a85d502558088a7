"""Predicted against measured (issue 13 item 2): hand-built samples with known answers.

Every figure below is computed by hand: the 10th percentile is numpy's default
("linear") method, the value at position h = (n − 1) · 0.1 of the sorted samples,
interpolated between the neighbours; "measured covered" is a share of samples at or
above −110 dBm of at least 90 % (the location probability of the rule, docs/MODEL.md).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.evidence import (
    CLASSES,
    EvidenceSettings,
    compare_evidence,
    confusion_table,
    evidence_share,
)
from coverage.evidence_assign import aggregate_samples, assign_to_units, sample_window
from geodata.crs import WORK_CRS
from geodata.errors import InputError

PERIOD = "2024-12-31"
WHEN = "2024-11-05T01:30:00+00:00"


def _villages() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Five villages: V1 a 1 km square polygon, V2–V5 points 10 km apart."""
    geoms = [
        shapely.box(0, 0, 1000, 1000),
        shapely.Point(10_000, 0),
        shapely.Point(20_000, 0),
        shapely.Point(30_000, 0),
        shapely.Point(40_000, 0),
    ]
    ids = ["V1", "V2", "V3", "V4", "V5"]
    layer = gpd.GeoDataFrame({"village_id": ids}, geometry=geoms, crs=WORK_CRS)
    status = pd.DataFrame(
        {
            "village_id": ids,
            "name": [f"Thôn {i}" for i in ids],
            "commune_id": ["C1", "C1", "C1", "C2", "C2"],
            "district_id": ["D1"] * 5,
            # The engine's per-operator prediction: V1, V3 covered by Viettel; V2, V4 not.
            "operators_4g": ["Viettel", "VNPT", "Viettel", "", "Viettel"],
            "operators_2g": [""] * 5,
            "operators_3g": [""] * 5,
            "operators_5g": [""] * 5,
        }
    )
    return layer, status


def _samples(
    x: float,
    y: float,
    levels: list[float],
    drives: list[str],
    *,
    operator: str = "Viettel",
    tech: str = "4G",
    when: str = WHEN,
) -> pd.DataFrame:
    n = len(levels)
    return pd.DataFrame(
        {
            "x": np.full(n, x) + np.arange(n) % 5,
            "y": np.full(n, y) + np.arange(n) % 7,
            "measured_at": [when] * n,
            "operator": [operator] * n,
            "tech": [tech] * n,
            "rsrp_dbm": levels,
            "drive_id": drives,
            "device_id": [d.split("/")[0] for d in drives],
        }
    )


def _layer(*parts: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=WORK_CRS,
    )


def _levels(n: int, weak: int, *, good: float = -95.0, bad: float = -118.0) -> list[float]:
    return [bad] * weak + [good + i * 0.5 for i in range(n - weak)]


def _three_drives(n: int) -> list[str]:
    return [f"dev{i % 3}/d{i % 3}" for i in range(n)]


def test_village_with_25_samples_3_drives_24_above_is_measured_covered() -> None:
    villages, status = _villages()
    levels = _levels(25, 1)
    result = compare_evidence(
        villages,
        status,
        _layer(_samples(500, 500, levels, _three_drives(25))),
        period=PERIOD,
    )
    row = result.villages.set_index(["village_id", "operator", "tech"]).loc[("V1", "Viettel", "4G")]
    assert row["n_samples"] == 25
    assert row["n_drives"] == 3
    assert row["n_devices"] == 3
    assert row["share_above_pct"] == pytest.approx(96.0)
    # sorted: −118, −95, −94.5, … ; h = 24 · 0.1 = 2.4 → −94.5 + 0.4 · 0.5 = −94.3
    assert row["p10_dbm"] == pytest.approx(-94.3)
    assert row["p10_dbm"] == pytest.approx(np.percentile(levels, 10))
    # median: h = 12 → the 13th sorted value, −95 + 11 · 0.5 = −89.5
    assert row["median_dbm"] == pytest.approx(-89.5)
    assert bool(row["has_evidence"])
    assert row["measured_covered"] is True
    assert row["predicted_covered"]
    assert row["evidence_class"] == "confirmed_covered"


def test_one_drive_only_is_no_evidence() -> None:
    villages, status = _villages()
    result = compare_evidence(
        villages,
        status,
        _layer(_samples(500, 500, _levels(25, 1), ["dev0/d0"] * 25)),
        period=PERIOD,
    )
    row = result.villages.set_index(["village_id", "operator", "tech"]).loc[("V1", "Viettel", "4G")]
    assert row["n_samples"] == 25
    assert row["n_drives"] == 1
    assert not row["has_evidence"]
    assert row["measured_covered"] is None
    assert row["evidence_class"] == "no_evidence"


def test_two_devices_on_one_drive_id_count_as_two_sources() -> None:
    """Either count suffices: two phones in the same car are two receivers."""
    villages, status = _villages()
    frame = _samples(500, 500, _levels(20, 0), ["dev0/d0"] * 20)
    frame["device_id"] = ["a", "b"] * 10
    result = compare_evidence(villages, status, _layer(frame), period=PERIOD)
    row = result.villages.iloc[0]
    assert (row["n_drives"], row["n_devices"], bool(row["has_evidence"])) == (1, 2, True)


def test_19_samples_is_below_the_minimum() -> None:
    villages, status = _villages()
    result = compare_evidence(
        villages,
        status,
        _layer(_samples(500, 500, _levels(19, 0), _three_drives(19))),
        period=PERIOD,
    )
    assert not result.villages.iloc[0]["has_evidence"]


def _all_five_classes() -> gpd.GeoDataFrame:
    """V1 confirmed covered, V2 confirmed gap, V3 predicted covered/measured weak,
    V4 predicted gap/measured covered (Viettel 4G); V5 a single drive (no evidence)."""
    return _layer(
        _samples(500, 500, _levels(20, 2), _three_drives(20)),  # 18/20 = 90 %: covered
        _samples(10_000, 100, _levels(20, 15), _three_drives(20)),  # 25 %: weak
        _samples(20_000, 100, _levels(20, 3), _three_drives(20)),  # 85 %: weak
        _samples(30_100, 0, _levels(30, 0), _three_drives(30)),  # 100 %: covered
        _samples(40_000, 0, _levels(30, 0), ["x/y"] * 30),
    )


def test_each_of_the_five_classes_and_the_confusion_table() -> None:
    villages, status = _villages()
    result = compare_evidence(villages, status, _all_five_classes(), period=PERIOD)
    got = result.villages.set_index("village_id")["evidence_class"].to_dict()
    assert got == {
        "V1": "confirmed_covered",
        "V2": "confirmed_gap",
        "V3": "predicted_covered_measured_weak",
        "V4": "predicted_gap_measured_covered",
        "V5": "no_evidence",
    }
    share = result.villages.set_index("village_id")["share_above_pct"]
    assert share["V1"] == pytest.approx(90.0)  # exactly at the location probability
    assert share["V3"] == pytest.approx(85.0)
    table = confusion_table(result.villages, result.villages_total)
    assert table.to_dict("records") == [
        {
            "operator": "Viettel",
            "tech": "4G",
            "villages": 5,
            "confirmed_covered": 1,
            "confirmed_gap": 1,
            "predicted_covered_measured_weak": 1,
            "predicted_gap_measured_covered": 1,
            "no_evidence": 1,
            "with_evidence": 4,
            "with_evidence_pct": 80.0,
        }
    ]
    assert evidence_share(result.villages, 5) == {
        "villages": 5,
        "with_evidence": 4,
        "with_evidence_pct": 80.0,
        "measured": True,
    }


def test_point_village_radius_and_polygon_boundary() -> None:
    villages, _ = _villages()
    xy = np.array([[10_499.0, 0.0], [10_501.0, 0.0], [1000.0, 500.0], [1000.5, 500.0]])
    s, u = assign_to_units(xy, villages, radius_m=500.0)
    assert sorted(zip(s.tolist(), u.tolist(), strict=True)) == [(0, 1), (2, 0)]


def test_samples_outside_the_window_do_not_count() -> None:
    villages, status = _villages()
    before = _samples(500, 500, _levels(20, 0), _three_drives(20), when="2023-12-31T16:59:59Z")
    after = _samples(500, 500, _levels(20, 0), _three_drives(20), when="2024-12-31T17:00:00Z")
    first = _samples(500, 500, _levels(20, 0), _three_drives(20), when="2023-12-31T17:00:00Z")
    result = compare_evidence(villages, status, _layer(before, after, first), period=PERIOD)
    assert (result.samples_in_window, result.samples_outside_window) == (20, 40)
    assert result.villages.iloc[0]["n_samples"] == 20
    start, _end = sample_window(PERIOD, 12)
    assert result.window_start == start.isoformat() == "2023-12-31T17:00:00+00:00"


def test_complaints_beside_the_class() -> None:
    villages, status = _villages()
    complaints = gpd.GeoDataFrame(
        {
            "complaint_id": ["P1", "P2", "P3", "P4", "P5"],
            "kind": ["no_signal", "weak_signal", "no_fiber", "no_signal", "no_signal"],
            "status": ["open", "in_progress", "open", "resolved", "open"],
            "operator": ["Viettel", None, None, "Viettel", "VNPT"],
            "village_id": ["V2", "V2", "V2", "V2", None],
        },
        geometry=[shapely.Point(10_000, 0)] * 4 + [shapely.Point(10_100, 0)],
        crs=WORK_CRS,
    )
    result = compare_evidence(
        villages, status, _all_five_classes(), period=PERIOD, complaints=complaints
    )
    got = result.villages.set_index("village_id")["complaints_open"].to_dict()
    # V2, Viettel: P1 (its own) and P2 (no operator); P3 is fiber, P4 resolved, P5 VNPT's.
    assert got == {"V1": 0, "V2": 2, "V3": 0, "V4": 0, "V5": 0}


def test_clusters_and_grid_cells() -> None:
    villages, status = _villages()
    clusters = gpd.GeoDataFrame(
        {"cluster_id": ["K1"], "village_id": ["V1"]},
        geometry=[shapely.Point(500, 500)],
        crs=WORK_CRS,
    )
    cluster_status = pd.DataFrame(
        {"cluster_id": ["K1"], "village_id": ["V1"], "operators_4g": [""], "operators_5g": [""]}
    )
    result = compare_evidence(
        villages,
        status,
        _all_five_classes(),
        period=PERIOD,
        clusters=clusters,
        cluster_status=cluster_status,
    )
    k1 = result.clusters.iloc[0]
    assert (k1["cluster_id"], k1["n_samples"], k1["evidence_class"]) == (
        "K1",
        20,
        "predicted_gap_measured_covered",
    )
    cells = result.cells.set_index("cell_id")
    assert cells.loc["0_0", "n_samples"] == 20
    assert cells.loc["10000_0", "share_above_pct"] == pytest.approx(25.0)
    assert cells.loc["0_0", "x_m"] == 500.0
    assert cells.loc["0_0", "measured_covered"] is True
    v5 = cells.loc["40000_0"]  # 30 samples of a single drive: no evidence in the cell either
    assert (bool(v5["has_evidence"]), v5["measured_covered"]) == (False, None)


def test_no_measurements_and_crs_errors() -> None:
    villages, status = _villages()
    result = compare_evidence(villages, status, None, period=PERIOD)
    assert not len(result.villages)
    assert evidence_share(result.villages, 5)["measured"] is False
    assert confusion_table(result.villages, 5).empty
    with pytest.raises(InputError, match="metric CRS"):
        compare_evidence(villages.to_crs(4326), status, None, period=PERIOD)
    with pytest.raises(InputError, match="5 features but 4 status rows"):
        compare_evidence(villages, status.iloc[:4], None, period=PERIOD)


def test_settings_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="min_sources"):
        EvidenceSettings(min_sources=0)
    with pytest.raises(KeyError):
        EvidenceSettings.from_mapping({"min_sample": 3})
    assert EvidenceSettings.from_mapping({"min_samples": 5}).min_samples == 5


def test_aggregate_percentiles_match_numpy() -> None:
    rng = np.random.default_rng(7)
    group = rng.integers(0, 40, 2000)
    rsrp = rng.normal(-100, 10, 2000)
    agg = aggregate_samples(group, rsrp, np.full(2000, -110.0), group * 0, group * 0)
    for g in (0, 17, 39):
        values = rsrp[group == g]
        assert agg.loc[g, "p10_dbm"] == pytest.approx(np.percentile(values, 10))
        assert agg.loc[g, "median_dbm"] == pytest.approx(np.median(values))
        assert agg.loc[g, "share_above_pct"] == pytest.approx(100 * np.mean(values >= -110))


@settings(max_examples=25, deadline=None)
@given(
    base=st.integers(0, 40),
    extra=st.integers(0, 40),
    drives=st.integers(1, 4),
)
def test_adding_samples_never_removes_evidence(base: int, extra: int, drives: int) -> None:
    villages, status = _villages()
    first = _samples(500, 500, _levels(base, base // 3), [f"d{i % drives}" for i in range(base)])
    more = _samples(600, 600, _levels(extra, extra // 2), [f"e{i % 2}" for i in range(extra)])
    parts = [p for p in (first,) if len(p)]
    before = compare_evidence(
        villages, status, _layer(*parts) if parts else None, period=PERIOD
    ).villages
    after = compare_evidence(
        villages,
        status,
        _layer(*[p for p in (first, more) if len(p)]) if base + extra else None,
        period=PERIOD,
    ).villages
    had = (
        set(before.loc[before["has_evidence"].astype(bool), "village_id"]) if len(before) else set()
    )
    has = set(after.loc[after["has_evidence"].astype(bool), "village_id"]) if len(after) else set()
    assert had <= has


def test_classes_constant_matches_labels() -> None:
    from coverage.evidence import CLASS_LABELS

    assert tuple(CLASS_LABELS) == CLASSES
    assert CLASS_LABELS["confirmed_gap"]["vi"] == "Xác nhận vùng lõm"
