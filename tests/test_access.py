"""Roles and what each may see: layers, tables, downloads, forged requests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hatangso.access import (
    SITE_FIGURE_COLUMNS,
    AccessDenied,
    Role,
    RoleError,
    canonical_operator,
    check_layer_request,
    filter_rows,
    is_site_figure,
    visible_layers,
    visible_operators,
)

MOBI = Role.parse("operator:Mobifone")
VIEWER = Role.parse("viewer")
DEPT = Role.parse("department")


def _points(ids: list[str], operators: list[str | None], id_col: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {id_col: ids, "operator": operators},
        geometry=[shapely.Point(109.0 + i / 100, 14.0) for i in range(len(ids))],
        crs=4326,
    )


def _layers() -> dict[str, object]:
    sites = _points(["s1", "s2", "s3", "s4"], ["Viettel", "MobiFone", "VNPT", None], "site_id")
    nodes = _points(["n1", "n2"], ["MobiFone", "Viettel"], "node_id")
    routes = gpd.GeoDataFrame(
        {"route_id": ["r1", "r2"], "operator": ["Viettel", "mobifone"], "level": "access"},
        geometry=[shapely.LineString([(109, 14), (109.1, 14)])] * 2,
        crs=4326,
    )
    villages = _points(["v1", "v2"], ["x", "y"], "village_id").drop(columns="operator")
    return {
        "mobile_sites": sites,
        "fiber_nodes": nodes,
        "fiber_routes": routes,
        "villages": villages,
        "roads": gpd.GeoDataFrame({"road_id": ["a"]}, geometry=[shapely.Point(0, 0)]),
        "population_density": "grid",
        "coverage_4g_viettel": "viettel grid",
        "coverage_4g_mobifone": "mobifone grid",
        "audit": pd.DataFrame({"actor": ["x"]}),
    }


def test_operator_sees_only_its_own_network() -> None:
    shown = visible_layers(MOBI, _layers())
    assert set(shown) == {
        "mobile_sites",
        "fiber_nodes",
        "fiber_routes",
        "villages",
        "roads",
        "population_density",
        "coverage_4g_mobifone",
    }
    assert shown["mobile_sites"]["site_id"].tolist() == ["s2"]
    assert shown["fiber_nodes"]["node_id"].tolist() == ["n1"]
    assert shown["fiber_routes"]["route_id"].tolist() == ["r2"]
    assert isinstance(shown["mobile_sites"], gpd.GeoDataFrame)
    assert len(shown["villages"]) == 2


@pytest.mark.parametrize("role", [VIEWER, DEPT])
def test_viewer_and_department_see_everything(role: Role) -> None:
    layers = _layers()
    shown = visible_layers(role, layers)
    assert set(shown) == set(layers)
    assert len(shown["mobile_sites"]) == 4
    assert visible_operators(role)[:3] == ("Viettel", "VNPT", "MobiFone")


def test_forged_requests_are_refused() -> None:
    assert visible_operators(MOBI) == ("MobiFone",)
    assert check_layer_request(MOBI, "mobile_sites") == "MobiFone"
    assert check_layer_request(MOBI, "mobile_sites", operator="mobi fone") == "MobiFone"
    assert check_layer_request(MOBI, "villages") is None
    assert check_layer_request(MOBI, "coverage") is None  # the all-operator aggregate
    assert check_layer_request(MOBI, "coverage_4g_mobifone") == "MobiFone"
    forged = [
        ("mobile_sites", "Viettel"),
        ("fiber_routes", "vinaphone"),
        ("coverage_4g_viettel", None),
        ("coverage", "Viettel"),
        ("plans", "VNPT"),
        ("villages", "Viettel"),
        ("audit", None),
        ("users", None),
        ("report", None),
        ("something_new", None),
    ]
    for layer, operator in forged:
        with pytest.raises(AccessDenied, match="operator:MobiFone may not see"):
            check_layer_request(MOBI, layer, operator=operator)
    assert check_layer_request(VIEWER, "mobile_sites", operator="Viettel") == "Viettel"
    assert check_layer_request(VIEWER, "coverage_4g_viettel") is None
    with pytest.raises(AccessDenied, match="department's only"):
        check_layer_request(VIEWER, "audit")
    assert check_layer_request(DEPT, "audit") is None


def test_tables_and_downloads_are_filtered() -> None:
    summary = pd.DataFrame(
        {
            "operator": [None, "all", "Viettel", "MobiFone", "VNPT"],
            "villages_4g": [1170, 1170, 1100, 900, 1000],
        }
    )
    mine = filter_rows(MOBI, summary)
    assert mine["villages_4g"].tolist() == [1170, 1170, 900]
    assert filter_rows(VIEWER, summary) is summary
    download = pd.DataFrame(
        {"site_id": ["a", "b", "c"], "operator": ["Viettel", "MobiFone", None], "h": [1, 2, 3]}
    )
    assert filter_rows(MOBI, download)["site_id"].tolist() == ["b"]  # no aggregate in a list
    plan = pd.DataFrame(
        {"candidate_id": ["p1", "p2", "p3"], "operator": ["shared", "Viettel", "MobiFone"]}
    )
    assert filter_rows(MOBI, plan)["candidate_id"].tolist() == ["p3"]
    assert filter_rows(MOBI, plan, keep_unassigned=True)["candidate_id"].tolist() == ["p1", "p3"]
    status = pd.DataFrame(
        {
            "village_id": ["v1", "v2"],
            "mobile_4g": [True, True],
            "operators_4g": ["Viettel,MobiFone", "VNPT"],
            "fiber_operators": ["", "MobiFone"],
        }
    )
    redacted = filter_rows(MOBI, status)
    assert redacted["operators_4g"].tolist() == ["MobiFone", ""]
    assert redacted["fiber_operators"].tolist() == ["", "MobiFone"]
    assert redacted["mobile_4g"].tolist() == [True, True]  # the aggregate stays


def _status_with_figures() -> pd.DataFrame:
    """Two villages with the figures the engine measures against every operator's sites."""
    return pd.DataFrame(
        {
            "village_id": ["v1", "v2"],
            "households": [120, 80],
            "fiber_reached": [True, False],
            "fiber_operators": ["Viettel", ""],
            "fiber_distance_m": [310.0, 2450.0],  # Viettel's cable; VNPT's 2,4 km away
            "mobile_4g": [True, True],
            "operators_4g": ["Viettel,MobiFone", "VNPT"],
            "rsrp_2g_dbm": [-71.0, -88.0],
            "rsrp_3g_dbm": [-75.0, -90.0],
            "rsrp_4g_dbm": [-78.5, -96.0],
            "rsrp_5g_dbm": [np.nan, -104.0],
            "mobile_5g": [False, True],
            "nearest_4g_site_m": [640.0, 1830.0],
            "serving_site_id": ["VTL-0042", "VNPT-117"],
            "villages_4g_pct": [100.0, 100.0],
        }
    )


def test_site_level_figures_are_blanked_for_an_operator() -> None:
    status = _status_with_figures()
    figures = [
        "fiber_distance_m",
        "rsrp_2g_dbm",
        "rsrp_3g_dbm",
        "rsrp_4g_dbm",
        "rsrp_5g_dbm",
        "nearest_4g_site_m",
        "serving_site_id",
    ]
    mine = filter_rows(MOBI, status)
    assert list(mine.columns) == list(status.columns)  # same shape, figures blanked
    for column in figures:
        assert mine[column].isna().all(), column
    # the aggregated flags, counts and percentages stay; the lists name only MobiFone
    for column in ("village_id", "households", "fiber_reached", "mobile_4g", "mobile_5g"):
        assert mine[column].tolist() == status[column].tolist(), column
    assert mine["villages_4g_pct"].tolist() == [100.0, 100.0]
    assert mine["operators_4g"].tolist() == ["MobiFone", ""]
    assert mine["fiber_operators"].tolist() == ["", ""]
    # the input is never changed, and the department and the leadership see it all
    assert status["nearest_4g_site_m"].tolist() == [640.0, 1830.0]
    assert filter_rows(DEPT, status) is status
    assert filter_rows(VIEWER, status) is status
    # the same through visible_layers, for a status layer with geometry
    layer = gpd.GeoDataFrame(
        status, geometry=[shapely.Point(109, 14), shapely.Point(109.1, 14)], crs=4326
    )
    shown = visible_layers(MOBI, {"villages": layer})["villages"]
    assert isinstance(shown, gpd.GeoDataFrame)
    assert len(shown) == 2
    assert all(shown[c].isna().all() for c in figures)
    assert visible_layers(VIEWER, {"villages": layer})["villages"] is layer


def test_site_figure_names() -> None:
    for name in (*SITE_FIGURE_COLUMNS, "best_rsrp_dbm", "serving_site_id", "nearest_node_m"):
        assert is_site_figure(name), name
    for name in (
        "site_id",
        "operator",
        "mobile_4g",
        "fiber_reached",
        "operators_4g",
        "villages_4g_pct",
        "households_4g",
        "roaming_candidates",
        "geometry",
    ):
        assert not is_site_figure(name), name


def test_every_engine_figure_is_blanked() -> None:
    """The engine's own village and cluster frames: nothing measured per site passes."""
    from coverage.engine import CoverageInputs, compute_coverage

    def square(x: float, y: float, size: float) -> shapely.Polygon:
        return shapely.box(x, y, x + size, y + size)

    crs = 32649
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["P", "D", "C"],
            "name": ["Tỉnh", "Huyện", "Xã"],
            "level": ["province", "district", "commune"],
            "parent_id": [None, "P", "D"],
        },
        geometry=[square(600_000, 1_500_000, 20_000)] * 3,
        crs=crs,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["v1", "v2"],
            "name": ["Thôn 1", "Thôn 2"],
            "commune_id": ["C", "C"],
            "households": [100, 50],
            "has_electricity": [True, True],
        },
        geometry=[shapely.Point(605_000, 1_505_000), shapely.Point(612_000, 1_505_000)],
        crs=crs,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["VTL-1", "MBF-1"],
            "operator": ["Viettel", "MobiFone"],
            "tech": ["2G,3G,4G,5G", "4G"],
            "height_m": [30.0, 30.0],
        },
        geometry=[shapely.Point(605_300, 1_505_000), shapely.Point(612_400, 1_505_000)],
        crs=crs,
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": ["N1"], "operator": ["VNPT"], "kind": ["olt"]},
        geometry=[shapely.Point(605_200, 1_505_000)],
        crs=crs,
    )
    result = compute_coverage(
        CoverageInputs(admin_units=units, villages=villages, mobile_sites=sites, fiber_nodes=nodes)
    )
    for frame in (result.villages, result.clusters, result.summary("village")):
        figures = [c for c in frame.columns if is_site_figure(c)]
        assert {"fiber_distance_m", "rsrp_4g_dbm"} <= set(figures)
        assert frame[figures].notna().any().all()  # the department sees real figures
        mine = filter_rows(MOBI, frame)
        assert mine[figures].isna().all().all()
        numeric = mine.drop(columns=figures).select_dtypes("number")
        # no other float column can carry a distance or a signal; a village's share
        # covered is aggregated over all operators, like the flags its clusters carry
        shares = {"share_4g_pct", "share_5g_pct", "share_samples"}
        shares |= {"share_4g_indoor_pct", "share_5g_indoor_pct"}
        allowed = {"households", "population", *shares}
        assert set(numeric.columns) <= allowed, list(numeric.columns)
    assert "nearest_4g_site_m" in [c for c in result.villages.columns if is_site_figure(c)]


def test_review_rights() -> None:
    assert DEPT.can_edit
    assert DEPT.can_import
    assert DEPT.can_publish
    assert DEPT.can_review("Viettel")
    assert not VIEWER.can_edit
    assert not VIEWER.can_import
    assert not VIEWER.can_review(None)
    assert VIEWER.sees_all_operators
    assert not MOBI.can_edit
    assert not MOBI.can_publish
    assert not MOBI.sees_all_operators
    assert MOBI.can_review("Mobifone")
    assert MOBI.can_review("shared")
    assert MOBI.can_review("Proposed")
    assert MOBI.can_review(None)
    assert not MOBI.can_review("Viettel")


# --------------------------------------------------------------------------- unknown operators
# One canonicaliser (hatangso.access.canonical_operator) serves two kinds of caller that
# disagree on a name the importers do not know; these pin what each call site did before
# the review's own copy was folded into it (issue 11).


def test_unknown_operator_name_in_roles_requests_and_filters() -> None:
    """Roles, requests and filters: an unknown name is nobody's (``None``)."""
    with pytest.raises(RoleError, match="unknown operator 'FooTel' in role"):
        Role.parse("operator:FooTel")
    assert not MOBI.can_review("FooTel")
    assert DEPT.can_review("FooTel")
    # A request names an unknown operator as given.
    assert check_layer_request(DEPT, "coverage", operator="FooTel") == "FooTel"
    with pytest.raises(AccessDenied, match="FooTel's coverage"):
        check_layer_request(MOBI, "coverage", operator="FooTel")
    with pytest.raises(AccessDenied, match="footel's coverage raster 'coverage_4g_footel'"):
        check_layer_request(MOBI, "coverage_4g_footel")
    assert set(visible_layers(MOBI, {"coverage_4g_footel": 1, "coverage_4g_mobifone": 2})) == {
        "coverage_4g_mobifone"
    }
    # Rows and operator lists: an unknown operator is not the own one.
    sites = pd.DataFrame({"site_id": ["a", "b"], "operator": ["FooTel", "Mobifone"]})
    assert filter_rows(MOBI, sites)["site_id"].tolist() == ["b"]
    lists = pd.DataFrame({"village_id": ["v1", "v2"], "operators_4g": ["FooTel,mbf", "FooTel"]})
    assert filter_rows(MOBI, lists)["operators_4g"].tolist() == ["MobiFone", ""]


def test_unknown_operator_name_in_the_review_rules() -> None:
    """The review keeps an unknown name: only the department and the leadership see it."""
    assert canonical_operator("FooTel") is None
    assert canonical_operator(" FooTel ", keep_unknown=True) == "FooTel"
    assert canonical_operator(" mbf ", keep_unknown=True) == "MobiFone"
    for missing in (None, "", "  "):
        assert canonical_operator(missing, keep_unknown=True) is None
    assert canonical_operator(float("nan")) is None
    assert canonical_operator(float("nan"), keep_unknown=True) == "nan"  # the review's rule
    assert DEPT.sees_proposal("FooTel")
    assert VIEWER.sees_proposal("FooTel")
    assert not MOBI.sees_proposal("FooTel")
    assert not MOBI.can_decide("FooTel")
    assert not MOBI.can_comment("FooTel")
    assert DEPT.can_comment("FooTel")
    assert not DEPT.can_decide("FooTel")
    assert not VIEWER.can_comment("FooTel")
    assert MOBI.sees_proposal("Shared")
    assert MOBI.can_decide("Shared")
    assert not MOBI.sees_proposal("Viettel")


SPELLINGS = {
    "Viettel": ["Viettel", "viettel", "VTL"],
    "VNPT": ["VNPT", "Vinaphone", "VNPT-VinaPhone"],
    "MobiFone": ["MobiFone", "Mobifone", "mbf"],
    "Vietnamobile": ["Vietnamobile", "vnm"],
    "Shared": ["Shared", "dùng chung"],
}
_NOT_OPERATORS = ["", "all", "Proposed", "???"]


@settings(max_examples=150, deadline=None)
@given(
    own=st.sampled_from(["Viettel", "VNPT", "MobiFone", "Vietnamobile"]),
    rows=st.lists(
        st.one_of(
            st.sampled_from([s for spellings in SPELLINGS.values() for s in spellings]),
            st.sampled_from(_NOT_OPERATORS),
            st.none(),
        ),
        max_size=12,
    ),
    layer=st.sampled_from(["mobile_sites", "fiber_routes", "fiber_nodes", "planned_sites"]),
)
def test_operator_never_sees_another_operators_row(
    own: str, rows: list[str | None], layer: str
) -> None:
    frame = _points([f"id{i}" for i in range(len(rows))], rows, "site_id")
    shown = visible_layers(
        Role("operator", own),
        {layer: frame, "villages": frame[["site_id"]].rename(columns={"site_id": "village_id"})},
    )
    canonical = {s: canon for canon, spellings in SPELLINGS.items() for s in spellings}
    kept = shown[layer]["operator"].tolist()
    assert all(canonical.get(str(op)) == own for op in kept)
    assert len(kept) == sum(canonical.get(str(op)) == own for op in rows)
    assert len(shown["villages"]) == len(rows)  # a shared layer stays whole
