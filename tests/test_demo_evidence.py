"""Tests of the demo's evidence (issue 13, item 5): the hidden truth and what it generates.

The generator's properties are checked on long synthetic inputs with known answers
(Gudmundson's exponential correlation: exp(-1) at the decorrelation distance); the province
demo's samples (``province_demo`` fixture, seed 0) are checked against the truth they were
drawn from: measured minus the engine's prediction, per operator, is the stated offset.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from coverage.mobile import best_signal
from coverage.pathloss import RURAL, URBAN
from geodata.crs import WORK_CRS
from geodata.store import Store
from hatangso.demo import AS_OF, AS_OF_LATER, DemoDataset, build_demo
from hatangso.demo.base import load_base
from hatangso.demo.common import MOBILE_OPERATORS, coords_of
from hatangso.demo.truth import (
    TRUTH,
    cluster_shadowing,
    reported_rsrp,
    route_shadowing,
    site_offsets,
)

BASE = Path(
    os.environ.get("HATANGSO_BASE", Path(__file__).resolve().parents[2] / "shared" / "data")
)
basedata = pytest.mark.basedata
EVIDENCE = {"measurements", "complaints"}


# ------------------------------------------------------------------------ the truth


def test_truth_parameters_are_stated() -> None:
    assert dict(TRUTH.operator_offset_db) == {
        "Viettel": 2.0,
        "VNPT": -3.0,
        "MobiFone": -1.0,
        "Vietnamobile": -4.0,
    }
    assert set(TRUTH.operator_offset_db) == set(MOBILE_OPERATORS)
    # TR 38.901 NLOS: UMa σ 6 dB, d_corr 50 m; RMa σ 8 dB, d_corr 120 m
    assert TRUTH.shadowing_sigma_db["urban"] == 6.0
    assert TRUTH.decorrelation_m["urban"] == 50.0
    assert TRUTH.shadowing_sigma_db["rural"] == 8.0
    assert TRUTH.decorrelation_m["rural"] == 120.0
    # handset: sqrt(1.5² + 1²/12) = sqrt(2.3333) = 1.5275 dB
    assert TRUTH.handset_sigma_db() == pytest.approx(1.527525, abs=1e-6)
    # urban residual: sqrt(2² + 6² + 2.3333) = sqrt(42.3333) = 6.5064 dB
    assert TRUTH.residual_sigma_db("urban") == pytest.approx(6.506407, abs=1e-6)
    text = TRUTH.describe()
    assert "Viettel +2 dB" in text
    assert "Vietnamobile -4 dB" in text
    assert "d_corr 50 m" in text


def _autocorrelation(x: np.ndarray, lag: int) -> float:
    return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])


@pytest.mark.parametrize(("clutter", "sigma", "dcorr"), [(RURAL, 8.0, 120.0), (URBAN, 6.0, 50.0)])
def test_route_shadowing_is_gudmundson(clutter: int, sigma: float, dcorr: float) -> None:
    """A long straight route, a point every 10 m: σ as stated, exp(-d/d_corr) correlation."""
    n = 200_000
    along = np.arange(n) * 10.0
    shadow = route_shadowing(along, np.full(n, clutter), np.random.default_rng(1))
    assert shadow.std() == pytest.approx(sigma, rel=0.03)
    assert abs(shadow.mean()) < 0.2
    lag = round(dcorr / 10.0)
    assert _autocorrelation(shadow, lag) == pytest.approx(math.exp(-1.0), abs=0.02)
    assert _autocorrelation(shadow, 2 * lag) == pytest.approx(math.exp(-2.0), abs=0.02)


def test_route_shadowing_with_uneven_steps() -> None:
    """Steps of 50 m then 10 m: the correlation still follows the distance, not the index."""
    rng = np.random.default_rng(2)
    pairs = np.array(
        [route_shadowing(np.array([0.0, 120.0]), np.full(2, RURAL), rng) for _ in range(20_000)]
    )
    assert float(np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1]) == pytest.approx(
        math.exp(-1.0), abs=0.03
    )


def test_cluster_shadowing_has_the_exponential_covariance() -> None:
    xy = np.array([[0.0, 0.0], [30.0, 40.0], [60.0, 80.0]])  # 50 m and 100 m apart
    rng = np.random.default_rng(3)
    draws = np.array([cluster_shadowing(xy, np.full(3, URBAN), rng) for _ in range(20_000)])
    corr = np.corrcoef(draws.T)
    assert corr[0, 1] == pytest.approx(math.exp(-1.0), abs=0.03)
    assert corr[0, 2] == pytest.approx(math.exp(-2.0), abs=0.03)
    assert draws.std(axis=0) == pytest.approx([6.0, 6.0, 6.0], rel=0.03)


def test_the_phone_reports_in_whole_db_and_not_below_its_sensitivity() -> None:
    exact = replace(TRUTH, noise_sigma_db=0.0)
    level, logged = reported_rsrp(
        np.array([-130.0, -124.0, -100.4, -99.6, -40.0]), np.random.default_rng(0), exact
    )
    assert logged.tolist() == [False, True, True, True, True]
    assert level[1:].tolist() == [-124.0, -100.0, -100.0, -44.0]


# ----------------------------------------------------------------- the sample area


def test_sample_has_evidence_and_is_deterministic(sample_demo: DemoDataset) -> None:
    assert set(sample_demo.evidence) == EVIDENCE
    assert set(sample_demo.later[0].evidence) == EVIDENCE
    assert all(m.synthetic for m in sample_demo.evidence_meta.values())
    again = build_demo(None, seed=0)
    for name in EVIDENCE:
        assert_geodataframe_equal(sample_demo.evidence[name], again.evidence[name])
        assert_geodataframe_equal(
            sample_demo.later[0].evidence[name], again.later[0].evidence[name]
        )


# ---------------------------------------------------------------- the province demo


@pytest.fixture(scope="module")
def demo(province_demo: DemoDataset) -> DemoDataset:
    return province_demo


@basedata
def test_evidence_layers_are_labelled_synthetic(demo: DemoDataset) -> None:
    for evidence, meta in (
        (demo.evidence, demo.evidence_meta),
        (demo.later[0].evidence, demo.later[0].evidence_meta),
    ):
        assert set(evidence) == set(meta) == EVIDENCE
        assert all(m.synthetic for m in meta.values())
        assert "hatangso.demo.truth.TRUTH" in meta["measurements"].source
        assert TRUTH.describe() in meta["measurements"].source


@basedata
def test_measurements_campaigns_and_drives(demo: DemoDataset) -> None:
    first = demo.evidence["measurements"]
    later = demo.later[0].evidence["measurements"]
    assert set(first["sample_id"]) < set(later["sample_id"])  # an import adds
    assert later["sample_id"].is_unique
    assert 10_000 <= len(later) <= 40_000
    assert set(later["tech"]) == {"4G"}
    assert set(later["source_kind"]) == {"drive_test", "crowdsourced"}
    times = pd.to_datetime(first["measured_at"], utc=True)
    assert times.max() < pd.Timestamp(AS_OF, tz="Asia/Ho_Chi_Minh") + pd.Timedelta(days=1)
    times = pd.to_datetime(later["measured_at"], utc=True)
    assert times.max() < pd.Timestamp(AS_OF_LATER, tz="Asia/Ho_Chi_Minh") + pd.Timedelta(days=1)
    drives = later[later["source_kind"] == "drive_test"]
    assert set(drives["operator"]) == set(MOBILE_OPERATORS)
    assert drives["campaign"].nunique() == 2
    # four phones in each car: every drive route is driven by each operator's phone
    per_route = drives.groupby("track_id")["operator"].nunique()
    assert (per_route >= 3).all()
    assert drives["drive_id"].nunique() == drives.groupby(["device_id", "track_id"]).ngroups
    assert (later["rsrp_dbm"] <= TRUTH.ceiling_dbm).all()
    assert (later["rsrp_dbm"] == later["rsrp_dbm"].round()).all()


@basedata
def test_measured_minus_predicted_is_the_hidden_offset(demo: DemoDataset) -> None:
    """Per operator, over the first period's samples, against the first period's sites.

    Where the engine predicts at least -105 dBm (far from the -124 dBm sensitivity, so no
    sample is lost to it), measured minus predicted minus the serving site's hidden offset
    has the operator's offset as its mean (shadowing and handset error average out), and
    without removing the site offsets the mean is within 1 dB of it.
    """
    samples = demo.evidence["measurements"]
    xy = coords_of(samples.to_crs(WORK_CRS))
    sites = demo.layers["mobile_sites"].to_crs(WORK_CRS)
    density = load_base(BASE).density
    predicted = best_signal(sites, xy, tech="4G", density=density).rsrp_dbm
    engine = predicted.to_numpy()[
        np.arange(len(samples)), predicted.columns.get_indexer(samples["operator"])
    ]
    residual = samples["rsrp_dbm"].to_numpy() - engine
    site = site_offsets(samples["cell_id"].astype(str).tolist(), 0)
    strong = engine >= -105.0
    for op, offset in TRUTH.operator_offset_db.items():
        mine = strong & (samples["operator"] == op).to_numpy()
        assert mine.sum() > 500, op
        assert float((residual - site)[mine].mean()) == pytest.approx(offset, abs=0.5), op
        assert float(residual[mine].mean()) == pytest.approx(offset, abs=1.0), op
        assert float(residual[mine].std()) == pytest.approx(7.0, abs=1.5), op


@basedata
def test_complaints_include_lang_o2(demo: DemoDataset) -> None:
    villages = demo.layers["villages"]
    o2 = villages.loc[villages["name"] == "Làng O2", "village_id"].item()
    first = demo.evidence["complaints"]
    later = demo.later[0].evidence["complaints"]
    assert 5 <= len(later) <= 10
    assert set(first["complaint_id"]) < set(later["complaint_id"])
    for frame in (first, later):
        at_o2 = frame[frame["village_id"] == o2]
        assert len(at_o2) >= 1
        assert set(at_o2["kind"]) == {"no_signal"}
        assert at_o2["place"].str.contains("Làng O2").all()
    assert {"no_signal", "weak_signal", "no_fiber"} <= set(later["kind"])
    assert len(set(later["status"])) >= 3
    assert (pd.to_datetime(first["received_on"]) <= pd.Timestamp(AS_OF)).all()


@basedata
def test_the_demo_store_holds_the_evidence_of_each_period(
    demo: DemoDataset, demo_store: Path
) -> None:
    store = Store(demo_store)
    # + the 2025-07-01 period (issue 14), which shares the end-2024 evidence
    assert store.periods() == [AS_OF.isoformat(), AS_OF_LATER.isoformat(), "2025-07-01"]
    for period, evidence in (
        (AS_OF.isoformat(), demo.evidence),
        (AS_OF_LATER.isoformat(), demo.later[0].evidence),
    ):
        at = store.at(period)
        info = {layer.layer: layer for layer in at.info().layers}
        for name in EVIDENCE:
            stored = at.read(name)
            assert len(stored) == len(evidence[name]), (period, name)
            assert info[name].synthetic, (period, name)
        assert "measurements" not in at.read_all()
        assert "measurements" in at.read_all(evidence=True)
