"""The radio model of issue 12, against values worked out by hand from the standards.

coverage.linkbudget (RSRP per resource element and port), coverage.tr38901 (TR 38.901
Table 7.4.1-1, 7.4.2-1, 7.4.3), coverage.pathloss.path_loss_db (one model per band),
coverage.shadowing and the rules of coverage.settings. Each expected value below is the
arithmetic of the standard's formula written out, not the code's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coverage import tr38901
from coverage.linkbudget import TECH_DEFAULTS, re_eirp_dbm, rsrp_dbm
from coverage.pathloss import (
    OPEN,
    RURAL,
    SUBURBAN,
    URBAN,
    hata_cost231_db,
    model_name,
    path_loss_db,
)
from coverage.settings import CoverageSettings
from coverage.shadowing import combined_sigma_db, location_margin_db, location_probability

CLUTTERS = [URBAN, SUBURBAN, RURAL, OPEN]

# --- the link budget -------------------------------------------------------------------------


def test_lte_link_budget_worked_example() -> None:
    """20 MHz LTE, 2 x 20 W, worked by hand.

    tx_power_dbm   = 46 dBm (2 x 20 W, both ports)
    port_power_dbm = 46 - 10 log10(2)     = 46 - 3.0103   = 42.9897 dBm
    12 N_RB        = 12 x 100 = 1200 subcarriers; 10 log10(1200) = 30.7918 dB
    re_power_dbm   = 42.9897 - 30.7918                    = 12.1979 dBm (at the connector)
    + antenna_gain_dbi 18 - feeder_loss_db 3              = 27.1979 dBm EIRP per RE
    - path_loss_db 120 + pattern_db -3 (half-power edge)  = -95.8021 dBm

    The old budget (total EIRP over 1200 subcarriers: 61 - 30.79 = 30.21 dBm per RE) was
    3.01 dB higher.
    """
    lte = TECH_DEFAULTS["4G"]
    assert lte.port_power_dbm == pytest.approx(42.9897, abs=1e-4)
    assert lte.re_power_dbm == pytest.approx(12.1979, abs=1e-4)
    got = rsrp_dbm(
        tx_power_dbm=46.0,
        ports=2,
        n_rb=100,
        antenna_gain_dbi=18.0,
        feeder_loss_db=3.0,
        path_loss_db=120.0,
        pattern_db=-3.0,
    )
    assert float(got) == pytest.approx(-95.8021, abs=1e-4)
    assert float(re_eirp_dbm(61.0, ports=2, n_rb=100)) == pytest.approx(27.1979, abs=1e-4)


def test_nr_ss_rsrp_worked_example() -> None:
    """NR at 100 MHz, 30 kHz: SS-RSRP on the one port of the SS/PBCH block.

    N_RB = 273 (TS 38.101-1 Table 5.3.2-1); 12 x 273 = 3276; 10 log10(3276) = 35.1534
    53 dBm (200 W) - 10 log10(1) - 35.1534         = 17.8466 dBm per RE
    + 20 dBi - 1 dB                                = 36.8466 dBm EIRP per RE
    - 130 dB path loss                             = -93.1534 dBm
    """
    nr = TECH_DEFAULTS["5G"]
    got = rsrp_dbm(
        tx_power_dbm=nr.tx_power_dbm,
        ports=nr.ports,
        n_rb=nr.n_rb,
        antenna_gain_dbi=nr.antenna_gain_dbi,
        feeder_loss_db=nr.feeder_loss_db,
        path_loss_db=130.0,
    )
    assert nr.re_power_dbm == pytest.approx(17.8466, abs=1e-4)
    assert float(got) == pytest.approx(-93.1534, abs=1e-4)


# --- 3GPP TR 38.901 --------------------------------------------------------------------------


def test_rma_nlos_2600_mhz_1_km_by_hand() -> None:
    """RMa, fc = 2.6 GHz, h_BS = 35 m, h_UT = 1.5 m, h = 5 m, W = 20 m, d2D = 1000 m.

    d3D = sqrt(1000² + 33.5²) = 1000.5610 m
    LOS (d2D < d_BP = 2π 35 1.5 2.6e9 / c = 2860.83 m), PL1:
      20 log10(40π 1000.5610 2.6/3)     = 100.7461
      + min(0.03 5^1.72, 10) log10(d3D) = 0.47791 x 3.000244 = 1.4339
      - min(0.044 5^1.72, 14.77)        = -0.7009
      + 0.002 log10(5) d3D              = 1.3987
      = 102.8778 dB
    NLOS', term by term:
      161.04 - 7.1 log10(20) [9.2373] + 7.5 log10(5) [5.2423]
      - (24.37 - 3.7 (5/35)²) log10(35) [37.5123]
      + (43.42 - 3.1 log10(35)) (log10(d3D) - 3) [0.0094]
      + 20 log10(2.6) [8.2995] - (3.2 (log10 17.625)² - 4.97) [-0.0009]
      = 127.8422 dB
    NLOS = max(102.8778, 127.8422) = 127.8422 dB.
    """
    assert float(tr38901.rma_breakpoint_m(2600.0, 35.0, 1.5)) == pytest.approx(2860.83, abs=0.01)
    los = float(tr38901.rma_los_db(1000.0, freq_mhz=2600.0, h_bs_m=35.0))
    nlos = float(tr38901.rma_nlos_db(1000.0, freq_mhz=2600.0, h_bs_m=35.0))
    assert los == pytest.approx(100.7461 + 1.4339 - 0.7009 + 1.3987, abs=2e-4)
    assert nlos == pytest.approx(
        161.04 - 9.2373 + 5.2423 - 37.5123 + 0.0094 + 8.2995 + 0.0009, abs=2e-4
    )


def test_rma_los_beyond_the_breakpoint_by_hand() -> None:
    """RMa LOS at 5 km (past d_BP = 2860.83 m), 2.6 GHz, 35 m.

    PL1(d_BP) = 20 log10(40π 2860.83 2.6/3) [109.8711] + 0.47791 log10(2860.83) [1.6523]
                - 0.7009 + 0.002 log10(5) 2860.83 [3.9993] = 114.8213
    PL2 = 114.8213 + 40 log10(5000.1122 / 2860.83) [9.6995] = 124.5208 dB
    NLOS' at 5 km: 127.8422 - 0.0094 + 38.6334 (log10 5000.1122 - 3) [27.0040]
                 = 154.8368 dB, above the LOS loss: NLOS = 154.837 dB.
    """
    los = float(tr38901.rma_los_db(5000.0, freq_mhz=2600.0, h_bs_m=35.0))
    assert los == pytest.approx(
        109.8711 + 0.47791 * math.log10(2860.83) - 0.7009 + 3.9993 + 9.6995, abs=1e-3
    )
    nlos = float(tr38901.rma_nlos_db(5000.0, freq_mhz=2600.0, h_bs_m=35.0))
    assert nlos == pytest.approx(127.8422 - 0.0094 + 27.0040, abs=1e-3)


def test_uma_3500_mhz_by_hand() -> None:
    """UMa, fc = 3.5 GHz, h_BS = 25 m, h_UT = 1.5 m (h_E = 1 m).

    d'_BP = 4 (25 - 1)(1.5 - 1) 3.5e9 / c = 560.39 m
    At 1 km: d3D = sqrt(1000² + 23.5²) = 1000.2761 m
      LOS PL2 = 28 + 40 log10(d3D) [120.0048] + 20 log10(3.5) [10.8814]
                - 9 log10(560.39² + 23.5²) [49.4797] = 109.4065 dB
      NLOS'   = 13.54 + 39.08 log10(d3D) [117.2447] + 10.8814 - 0.6 (1.5 - 1.5)
              = 141.6661 dB = NLOS
    At 300 m (before d'_BP): d3D = 300.9190 m
      LOS PL1 = 28 + 22 log10(d3D) [54.5259] + 10.8814 = 93.4073 dB
      NLOS'   = 13.54 + 39.08 log10(d3D) [96.8578] + 10.8814 = 121.2792 dB
    """
    assert float(tr38901.uma_breakpoint_m(3500.0, 25.0, 1.5)) == pytest.approx(560.39, abs=0.01)
    at_1km = {"freq_mhz": 3500.0, "h_bs_m": 25.0}
    assert float(tr38901.uma_los_db(1000.0, **at_1km)) == pytest.approx(
        28 + 120.0048 + 10.8814 - 49.4797, abs=2e-4
    )
    assert float(tr38901.uma_nlos_db(1000.0, **at_1km)) == pytest.approx(
        13.54 + 117.2447 + 10.8814, abs=2e-4
    )
    assert float(tr38901.uma_los_db(300.0, **at_1km)) == pytest.approx(
        28 + 54.5259 + 10.8814, abs=2e-4
    )
    assert float(tr38901.uma_nlos_db(300.0, **at_1km)) == pytest.approx(
        13.54 + 96.8578 + 10.8814, abs=2e-4
    )


def test_los_probability_table_7_4_2_1() -> None:
    # RMa: exp(-(1010 - 10)/1000) = e^-1 = 0.3679; UMa at 100 m:
    # 18/100 + exp(-100/63)(1 - 18/100) = 0.18 + 0.20452 x 0.82 = 0.3477.
    assert tr38901.los_probability([5.0, 1010.0], "rma").tolist() == pytest.approx(
        [1.0, math.exp(-1.0)]
    )
    assert float(tr38901.los_probability(100.0, "uma")) == pytest.approx(0.3477, abs=1e-4)
    assert float(tr38901.los_probability(10.0, "uma")) == 1.0
    # At the cell edges of the engine the line of sight is the exception.
    assert float(tr38901.los_probability(3000.0, "rma")) < 0.06
    assert float(tr38901.los_probability(3000.0, "uma")) < 0.01
    with pytest.raises(ValueError, match="scenario"):
        tr38901.los_probability(100.0, "umi")  # type: ignore[arg-type]


def test_o2i_low_loss_1800_mhz_by_hand() -> None:
    """TR 38.901 Table 7.4.3-2, low-loss, fc = 1.8 GHz, UMa.

    L_glass = 2 + 0.2 x 1.8 = 2.36 dB; L_concrete = 5 + 4 x 1.8 = 12.2 dB
    PL_tw = 5 - 10 log10(0.3 x 10^-0.236 + 0.7 x 10^-1.22)
          = 5 - 10 log10(0.174229 + 0.042179) = 5 + 6.6472 = 11.6472 dB
    PL_in = 0.5 x E[min(U(0,25), U(0,25))] = 0.5 x 25/3 = 4.1667 dB
    total 15.8139 dB; RMa (d_in up to 10 m): 11.6472 + 1.6667 = 13.3139 dB.
    """
    assert float(tr38901.o2i_building_loss_db(1800.0, "uma")) == pytest.approx(15.8139, abs=1e-4)
    assert float(tr38901.o2i_building_loss_db(1800.0, "rma")) == pytest.approx(13.3139, abs=1e-4)
    high = float(tr38901.o2i_building_loss_db(1800.0, "uma", model="high-loss"))
    assert high > 15.8139 + 5.0
    assert tr38901.O2I_SIGMA_DB == {"low-loss": 4.4, "high-loss": 6.5}


@given(
    d=st.floats(1.0, 20_000.0),
    f=st.floats(500.0, 6000.0),
    hb=st.floats(10.0, 150.0),
    hm=st.floats(1.0, 10.0),
)
def test_nlos_is_never_below_los(d: float, f: float, hb: float, hm: float) -> None:
    args = {"freq_mhz": f, "h_bs_m": hb, "h_ut_m": hm}
    assert float(tr38901.rma_nlos_db(d, **args)) >= float(tr38901.rma_los_db(d, **args))
    assert float(tr38901.uma_nlos_db(d, **args)) >= float(tr38901.uma_los_db(d, **args))


# --- one model per band -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "name"),
    [(150.0, "Okumura-Hata"), (900.0, "Okumura-Hata"), (1500.0, "Okumura-Hata"),
     (1800.0, "COST-231 Hata"), (2000.0, "COST-231 Hata"),
     (2100.0, "3GPP TR 38.901"), (2600.0, "3GPP TR 38.901"), (3700.0, "3GPP TR 38.901")],
)  # fmt: skip
def test_model_by_band(f: float, name: str) -> None:
    assert model_name(f) == name


def test_path_loss_uses_each_model_inside_its_band() -> None:
    d = np.array([500.0, 3000.0])
    for f in (900.0, 1800.0):
        for c in CLUTTERS:
            got = path_loss_db(d, freq_mhz=f, h_base_m=30.0, clutter=c)
            want = hata_cost231_db(d, freq_mhz=f, h_base_m=30.0, clutter=c)
            assert got.tolist() == pytest.approx(want.tolist())
    for f in (2100.0, 2600.0, 3500.0):
        rural = path_loss_db(d, freq_mhz=f, h_base_m=30.0, clutter=[[RURAL], [OPEN]])
        rma = tr38901.rma_nlos_db(d, freq_mhz=f, h_bs_m=30.0)
        np.testing.assert_allclose(rural, [rma, rma])
        urban = path_loss_db(d, freq_mhz=f, h_base_m=30.0, clutter=[[URBAN], [SUBURBAN]])
        uma = tr38901.uma_nlos_db(d, freq_mhz=f, h_bs_m=30.0)
        np.testing.assert_allclose(urban, [uma, uma])


@pytest.mark.parametrize("f", [3.5, 100.0, 149.9, 6000.1, 28_000.0, 3.5e9])
def test_bands_outside_every_model_are_refused(f: float) -> None:
    with pytest.raises(ValueError, match="150-6000 MHz"):
        path_loss_db(1000.0, freq_mhz=f, h_base_m=30.0, clutter=RURAL)
    with pytest.raises(ValueError, match="freq_mhz"):
        model_name(f)


@given(
    d1=st.floats(1.0, 50_000.0),
    d2=st.floats(1.0, 50_000.0),
    f=st.floats(150.0, 6000.0),
    hb=st.floats(10.0, 150.0),
    clutter=st.sampled_from(CLUTTERS),
)
def test_path_loss_grows_with_distance(
    d1: float, d2: float, f: float, hb: float, clutter: int
) -> None:
    near, far = sorted((d1, d2))
    loss = path_loss_db([near, far], freq_mhz=f, h_base_m=hb, clutter=clutter)
    assert loss[0] <= loss[1] + 1e-9


# --- location probability and the rules -------------------------------------------------------


def test_location_margin() -> None:
    # Φ⁻¹(0.9) = 1.28155: 8 dB -> 10.2524 dB, 6 dB -> 7.6893 dB; Φ⁻¹(0.5) = 0.
    assert float(location_margin_db(0.9, 8.0)) == pytest.approx(10.2524, abs=1e-4)
    assert float(location_margin_db(0.9, 6.0)) == pytest.approx(7.6893, abs=1e-4)
    assert float(location_margin_db(0.5, 8.0)) == 0.0
    assert float(location_margin_db(0.1, 8.0)) == pytest.approx(-10.2524, abs=1e-4)
    # Independent spreads add in power: sqrt(6² + 4.4²) = sqrt(55.36) = 7.4404.
    assert combined_sigma_db(6.0, 4.4) == pytest.approx(7.4404, abs=1e-4)
    assert location_probability([10.2524, 0.0], 8.0).tolist() == pytest.approx([0.9, 0.5], abs=1e-5)
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="location probability"):
            location_margin_db(bad, 8.0)
    with pytest.raises(ValueError, match="sigma_db"):
        location_margin_db(0.9, -1.0)


def test_default_margins() -> None:
    rules = CoverageSettings()
    assert rules.location_probability == 0.9
    assert dict(rules.shadowing_sigma_db) == {
        "urban": 6.0,
        "suburban": 6.0,
        "rural": 8.0,
        "open": 8.0,
    }
    assert rules.margin_db() == pytest.approx((7.6893, 7.6893, 10.2524, 10.2524), abs=1e-4)
    # Indoors: sqrt(6² + 4.4²) x 1.28155 = 9.5353, sqrt(8² + 4.4²) x 1.28155 = 11.7008.
    assert rules.margin_db(indoor=True) == pytest.approx(
        (9.5353, 9.5353, 11.7008, 11.7008), abs=1e-4
    )


def test_rules_in_words() -> None:
    rules = CoverageSettings()
    assert rules.rule() == "ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm"
    assert rules.rule(language="en") == "outdoor, 90 % of locations, RSRP ≥ −110 dBm"
    assert rules.rule(indoor=True) == "trong nhà, 90 % vị trí, RSRP ≥ −110 dBm"
    assert rules.rule("5G", language="en") == "outdoor, 90 % of locations, SS-RSRP ≥ −110 dBm"
    other = CoverageSettings(
        location_probability=0.955, min_rsrp_dbm={"4G": -105.5}, indoor_location_probability=0.5
    )
    assert other.rule() == "ngoài trời, 95,5 % vị trí, RSRP ≥ −105,5 dBm"
    assert other.rule(language="en") == "outdoor, 95.5 % of locations, RSRP ≥ −105.5 dBm"
    assert other.rule(indoor=True, language="en") == "indoor, 50 % of locations, RSRP ≥ −105.5 dBm"
    assert set(other.rules()) == {"4G"}
    as_dict = rules.as_dict()
    assert as_dict["rules"]["4G"]["indoor"]["en"] == "indoor, 90 % of locations, RSRP ≥ −110 dBm"
    assert as_dict["location_probability"] == 0.9
    with pytest.raises(ValueError, match="language"):
        rules.rule(language="fr")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"location_probability": 1.0}, "location_probability"),
        ({"location_probability": 90}, "location_probability"),
        ({"indoor_location_probability": 0.0}, "indoor_location_probability"),
        ({"shadowing_sigma_db": {"urban": 6.0}}, "shadowing_sigma_db"),
        ({"shadowing_sigma_db": {"urban": -1, "suburban": 6, "rural": 8, "open": 8}}, "σ"),
        ({"indoor_building_loss": "tent"}, "indoor_building_loss"),
    ],
)
def test_settings_refuse_rules_that_cannot_apply(values: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CoverageSettings.from_mapping(values)
