"""Review workflow (#6): publish a plan, decide per operator, history, concurrency, export.

The plan is hand-built: three proposed sites in the two communes of tests/conftest.py,
one each for Viettel and MobiFone and one shared, so every expected value is known.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata import InputError, LayerMeta, Store
from hatangso import review
from hatangso.review import (
    ReviewError,
    ReviewPermissionError,
    StaleReviewError,
    clean_text,
    plain_text,
)
from tests.conftest import units_frame

META = LayerMeta(source="hand-built test layer", licence="CC0", synthetic=True)
DEPT = "department"
VIETTEL = "operator:Viettel"
MOBI = "operator:MobiFone"

#: (site_id, operator, lon, lat, households, cost_vnd, target_ids)
SITES = [
    ("P-001", "Viettel", 108.70, 14.30, 120, 1.5e9, "V1,V2"),  # Xã Vĩnh Kim, Vĩnh Thạnh
    ("P-002", "MobiFone", 109.18, 13.83, 80, 1.2e9, "V3"),  # Phường Nhơn Bình, Quy Nhơn
    ("P-003", "Shared", 108.75, 14.25, 40, 2.0e9, "V4"),  # Xã Vĩnh Kim, shared site
]


def _location(store: Store, request: pytest.FixtureRequest) -> str:
    """Where another process opens the same store (``.location`` hides a URL's password)."""
    try:
        return str(store.path)
    except AttributeError:
        return str(request.getfixturevalue("pg_url"))


def site_plan() -> dict[str, Any]:
    frame = gpd.GeoDataFrame(
        {
            "site_id": [s[0] for s in SITES],
            "operator": [s[1] for s in SITES],
            "households": [s[4] for s in SITES],
            "cost_vnd": [s[5] for s in SITES],
            "target_ids": [s[6] for s in SITES],
            "backhaul": ["fiber", "microwave", "fiber"],
        },
        geometry=[shapely.Point(s[2], s[3]) for s in SITES],
        crs=4326,
    )
    return {
        "as_of": "2024-06-30",
        "dataset": "test",
        "kind": "site_plan",
        "totals": {"n_sites": 3},
        "before": {},
        "after": {},
        "geojson": json.loads(frame.to_json()),
    }


@pytest.fixture
def rstore(backend_store: Store) -> Store:
    """The backend's store with the five admin units and the saved site plan ``t``."""
    backend_store.write(
        {"admin_units": units_frame()}, {"admin_units": META}, as_of="2024-06-30", name="t"
    )
    backend_store.save_result("plan:t", "site_plan", {}, site_plan())
    return backend_store


@pytest.fixture
def published(rstore: Store) -> tuple[Store, str, dict[str, str]]:
    """The plan published; returns (store, review id, site ref -> proposal id)."""
    rid = review.publish(rstore, "t", actor="so.tttt", role=DEPT)
    frame = review.proposals(rstore, rid, role=DEPT)
    return rstore, rid, dict(zip(frame["ref"], frame["proposal_id"], strict=True))


# --------------------------------------------------------------------------- publish


def test_publish_creates_proposed_proposals_per_operator(published):
    store, rid, ids = published
    frame = review.proposals(store, rid, role=DEPT)
    assert frame.crs.to_epsg() == 4326
    assert list(frame["ref"]) == ["P-001", "P-002", "P-003"]
    assert list(frame["operator"]) == ["Viettel", "MobiFone", "Shared"]
    assert list(frame["status"]) == ["proposed"] * 3
    assert list(frame["status_seq"]) == [1, 1, 1]
    assert list(frame["commune_id"]) == ["21790", "21550", "21790"]
    assert list(frame["district_id"]) == ["547", "540", "547"]
    assert list(frame["village_ids"]) == ["V1,V2", "V3", "V4"]
    assert list(frame["households"]) == [120, 80, 40]
    assert list(frame["cost_vnd"]) == [1.5e9, 1.2e9, 2.0e9]
    assert frame["decided_by"].isna().all()
    assert set(frame["status_colour"]) == {review.STATUS_COLOURS["proposed"]}
    assert frame.geometry.iloc[1].equals(shapely.Point(109.18, 13.83))
    hist = review.history(store, ids["P-001"], role=DEPT)
    assert list(hist["action"]) == ["publish"]
    assert hist.loc[0, "actor"] == "so.tttt"
    assert hist.loc[0, "role"] == "department"
    assert hist.loc[0, "status_to"] == "proposed"
    rounds = review.reviews(store)
    assert list(rounds["review_id"]) == [rid]
    assert rounds.loc[0, "plan"] == "plan:t"
    assert rounds.loc[0, "status"] == "open"
    assert rounds.loc[0, "proposals"] == 3
    assert rounds.loc[0, "proposed"] == 3


def test_publish_is_idempotent_and_new_round_after_close(published):
    store, rid, ids = published
    assert review.publish(store, "plan:t", actor="so.tttt", role=DEPT) == rid
    assert len(review.proposals(store, rid, role=DEPT)) == 3
    # The plan saved again with other proposals: refused while the round is open.
    changed = site_plan()
    changed["geojson"]["features"] = changed["geojson"]["features"][:2]
    store.save_result("plan:t", "site_plan", {}, changed)
    with pytest.raises(ReviewError, match="close that review first"):
        review.publish(store, "t", actor="so.tttt", role=DEPT)
    review.decide(store, ids["P-001"], "accepted", actor="an.vt", role=VIETTEL)
    review.close(store, rid[:8], actor="so.tttt", role=DEPT)
    with pytest.raises(ReviewError, match="closed"):
        review.decide(store, ids["P-001"], "rejected", actor="an.vt", role=VIETTEL, reason="x")
    second = review.publish(store, "t", actor="so.tttt", role=DEPT)
    assert second != rid
    assert len(review.proposals(store, role=DEPT)) == 2  # the open round only
    old = review.proposals(store, rid, role=DEPT)
    assert old.set_index("ref").loc["P-001", "status"] == "accepted"  # kept
    assert list(review.reviews(store)["status"]) == ["open", "closed"]


def test_publish_refuses_unknown_plan_and_non_department(rstore):
    with pytest.raises(
        ReviewError, match=r"no plan 'nope' in period 2024-06-30 \(plans saved: t\)"
    ):
        review.publish(rstore, "nope", actor="so.tttt", role=DEPT)
    with pytest.raises(ReviewPermissionError, match="only the department"):
        review.publish(rstore, "t", actor="an.vt", role=VIETTEL)
    with pytest.raises(InputError, match="unknown role 'admin'"):
        review.publish(rstore, "t", actor="x", role="admin")
    with pytest.raises(InputError, match="unknown operator 'Nokia'"):
        review.proposals(rstore, role="operator:Nokia")


def test_fiber_route_goes_to_the_operator_whose_fiber_it_starts_from(rstore):
    existing = gpd.GeoDataFrame(
        {"route_id": ["E1", "E2"], "operator": ["VNPT", "Viettel"], "level": ["access"] * 2},
        geometry=[
            shapely.LineString([(108.66, 14.21), (108.70, 14.21)]),  # VNPT in Vĩnh Kim
            shapely.LineString([(109.16, 13.81), (109.19, 13.81)]),  # Viettel in Nhơn Bình
        ],
        crs=4326,
    )
    rstore.write({"fiber_routes": existing}, {"fiber_routes": META})
    routes = gpd.GeoDataFrame(
        {"route_id": ["R1", "R2"], "villages": ["V7", "V8,V9"], "households": [30, 50]},
        geometry=[
            shapely.MultiLineString([[(108.70, 14.21), (108.72, 14.26)]]),
            shapely.MultiLineString([[(109.19, 13.81), (109.20, 13.84)]]),
        ],
        crs=4326,
    )
    plan = {"kind": "fiber_plan", "geojson": json.loads(routes.to_json())}
    rstore.save_result("plan:f", "fiber_plan", {}, plan)
    rid = review.publish(rstore, "f", actor="so.tttt", role=DEPT)
    frame = review.proposals(rstore, rid, role=DEPT)
    assert list(frame["kind"]) == ["route", "route"]
    assert list(frame["operator"]) == ["VNPT", "Viettel"]
    assert list(frame["commune_id"]) == ["21790", "21550"]
    assert list(frame["village_ids"]) == ["V7", "V8,V9"]


def test_unknown_operator_name_is_kept_and_seen_by_the_department_only(rstore):
    """A plan's or the network's operator the importers do not know stays as written.

    (:func:`hatangso.access.canonical_operator` with ``keep_unknown=True``; a route does
    not fall back to the shared review, a site is not shared.)
    """
    existing = gpd.GeoDataFrame(
        {"route_id": ["E1"], "operator": ["Proposed"], "level": ["access"]},
        geometry=[shapely.LineString([(108.66, 14.21), (108.70, 14.21)])],
        crs=4326,
    )
    rstore.write({"fiber_routes": existing}, {"fiber_routes": META})
    routes = gpd.GeoDataFrame(
        {"route_id": ["R1", "R2"], "operator": [None, " FooTel "]},
        geometry=[
            shapely.LineString([(108.70, 14.21), (108.72, 14.26)]),
            shapely.LineString([(108.70, 14.21), (108.71, 14.22)]),
        ],
        crs=4326,
    )
    rstore.save_result(
        "plan:f", "fiber_plan", {}, {"kind": "fiber_plan", "geojson": json.loads(routes.to_json())}
    )
    plan = site_plan()
    plan["geojson"]["features"][0]["properties"]["operator"] = "FooTel"
    rstore.save_result("plan:t", "site_plan", {}, plan)
    for name, refs, operators in (
        ("f", ["R1", "R2"], ["Proposed", "FooTel"]),  # nearest fiber's / its own operator
        ("t", ["P-001", "P-002", "P-003"], ["FooTel", "MobiFone", "Shared"]),
    ):
        rid = review.publish(rstore, name, actor="so.tttt", role=DEPT)
        frame = review.proposals(rstore, rid, role=DEPT)
        assert list(frame["ref"]) == refs
        assert list(frame["operator"]) == operators
        assert list(review.proposals(rstore, rid, role="viewer")["ref"]) == refs
        assert len(review.proposals(rstore, rid, role=VIETTEL)) == operators.count("Shared")
        pid = frame["proposal_id"].iloc[0]
        with pytest.raises(ReviewPermissionError, match="among those operator:Viettel can see"):
            review.decide(rstore, pid, "accepted", actor="an.vt", role=VIETTEL)
        review.comment(rstore, pid, "Nhà mạng nào?", actor="so.tttt", role=DEPT)


# --------------------------------------------------------------------------- permissions


def test_operator_sees_own_and_shared_and_decides_only_those(published):
    store, rid, ids = published
    mobi = review.proposals(store, rid, role=MOBI)
    assert list(mobi["ref"]) == ["P-002", "P-003"]
    assert list(review.proposals(store, role="viewer")["ref"]) == ["P-001", "P-002", "P-003"]
    # A competitor's proposal: refused, and its existence is not told.
    hidden = r"no proposal '\w+' among those operator:MobiFone can see"
    with pytest.raises(ReviewPermissionError, match=hidden):
        review.decide(store, ids["P-001"], "accepted", actor="binh.mf", role=MOBI)
    with pytest.raises(ReviewPermissionError, match=hidden):
        review.comment(store, ids["P-001"], "hi", actor="binh.mf", role=MOBI)
    with pytest.raises(ReviewPermissionError, match=hidden):
        review.history(store, ids["P-001"], role=MOBI)
    with pytest.raises(ReviewPermissionError, match="viewer cannot decide"):
        review.decide(store, ids["P-002"], "accepted", actor="ubnd", role="viewer")
    with pytest.raises(ReviewPermissionError, match="viewer cannot comment"):
        review.comment(store, ids["P-002"], "ok", actor="ubnd", role="viewer")
    review.decide(store, ids["P-002"], "accepted", actor="binh.mf", role=MOBI)
    review.decide(store, ids["P-003"], "accepted", actor="binh.mf", role=MOBI)  # shared
    review.decide(store, ids["P-003"], "needs_changes", actor="an.vt", role=VIETTEL, reason="cao")
    review.comment(store, ids["P-001"], "Đề nghị xem lại", actor="so.tttt", role=DEPT)
    frame = review.proposals(store, rid, role=DEPT).set_index("ref")
    assert frame.loc["P-003", "status"] == "needs_changes"
    assert frame.loc["P-003", "decided_by"] == "an.vt"
    assert frame.loc["P-001", "n_comments"] == 1
    assert frame.loc["P-001", "status"] == "proposed"
    assert review.reviews(store).loc[0, ["proposed", "accepted", "needs_changes"]].tolist() == [
        1,
        1,
        1,
    ]


def test_department_cannot_decide(published):
    store, _, ids = published
    with pytest.raises(ReviewPermissionError, match="department cannot decide"):
        review.decide(store, ids["P-001"], "accepted", actor="so.tttt", role=DEPT)


def test_reason_required_for_reject_and_needs_changes(published):
    store, _, ids = published
    for status in ("rejected", "needs_changes", "needs changes"):
        with pytest.raises(ReviewError, match="needs a reason"):
            review.decide(store, ids["P-001"], status, actor="an.vt", role=VIETTEL, reason=" \n")
    with pytest.raises(ReviewError, match="unknown decision 'maybe'"):
        review.decide(store, ids["P-001"], "maybe", actor="an.vt", role=VIETTEL)
    assert list(review.history(store, ids["P-001"], role=DEPT)["action"]) == ["publish"]


# --------------------------------------------------------------------------- history


def test_revision_appends_events_with_who_when_why(published):
    store, rid, ids = published
    pid = ids["P-001"]
    e1 = review.decide(store, pid, "rejected", actor="an.vt", role=VIETTEL, reason="Trùng trạm")
    e2 = review.decide(store, pid, "accepted", actor="lan.vt", role=VIETTEL, reason="Đã khảo sát")
    same = review.decide(store, pid, "accepted", actor="lan.vt", role=VIETTEL, reason="Đã khảo sát")
    assert same == e2  # a double submit records nothing
    hist = review.history(store, pid[:8], role=VIETTEL)
    assert list(hist["seq"]) == [1, 2, 3]
    assert list(hist["action"]) == ["publish", "decide", "decide"]
    assert list(hist["actor"]) == ["so.tttt", "an.vt", "lan.vt"]
    assert list(hist["role"]) == ["department", VIETTEL, VIETTEL]
    assert list(hist["status_from"].fillna("-")) == ["-", "proposed", "rejected"]
    assert list(hist["status_to"]) == ["proposed", "rejected", "accepted"]
    assert list(hist["reason"].fillna("-")) == ["-", "Trùng trạm", "Đã khảo sát"]
    assert hist["at"].is_monotonic_increasing
    assert all(t.endswith("Z") and len(t) == 24 for t in hist["at"])
    assert (e1.seq, e2.seq) == (2, 3)
    row = review.proposals(store, rid, role=VIETTEL).set_index("ref").loc["P-001"]
    assert (row["status"], row["status_seq"], row["decided_by"]) == ("accepted", 3, "lan.vt")
    assert row["decided_at"] == e2.at
    assert row["reason"] == "Đã khảo sát"
    assert row["status_colour"] == review.STATUS_COLOURS["accepted"]


def test_stale_expected_seq_is_refused(published):
    store, rid, ids = published
    pid = ids["P-003"]  # shared: both operators may decide
    seen_a = review.proposals(store, rid, role=VIETTEL).set_index("ref").loc["P-003", "status_seq"]
    seen_b = review.proposals(store, rid, role=MOBI).set_index("ref").loc["P-003", "status_seq"]
    review.comment(store, pid, "a comment does not make a view stale", actor="x", role=MOBI)
    review.decide(store, pid, "accepted", actor="an.vt", role=VIETTEL, expected_seq=int(seen_a))
    with pytest.raises(
        StaleReviewError, match=r"changed by an\.vt \(operator:Viettel\) at .*Z since"
    ):
        review.decide(
            store, pid, "rejected", actor="binh.mf", role=MOBI, reason="no", expected_seq=seen_b
        )
    hist = review.history(store, pid, role=DEPT)
    assert list(hist["action"]) == ["publish", "comment", "decide"]  # nothing overwritten
    fresh = review.proposals(store, rid, role=MOBI).set_index("ref").loc["P-003", "status_seq"]
    review.decide(
        store, pid, "rejected", actor="binh.mf", role=MOBI, reason="no", expected_seq=fresh
    )
    assert review.history(store, pid, role=DEPT)["status_to"].iloc[-1] == "rejected"


# --------------------------------------------------------------------------- concurrency


def _session(location: str, proposal_id: str, role: str, actor: str, n: int, barrier: Any) -> None:
    """One app session: waits for the other, then decides and comments n times."""
    store = Store(location)
    barrier.wait()
    review.decide(store, proposal_id, "accepted", actor=actor, role=role, expected_seq=1)
    for i in range(n):
        review.comment(store, proposal_id, f"{actor} #{i}", actor=actor, role=role)


def test_two_sessions_at_the_same_moment_both_kept(published, request):
    store, rid, ids = published
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    n = 15
    jobs = [
        ctx.Process(
            target=_session,
            args=(_location(store, request), ids["P-001"], VIETTEL, "an.vt", n, barrier),
        ),
        ctx.Process(
            target=_session,
            args=(_location(store, request), ids["P-002"], MOBI, "binh.mf", n, barrier),
        ),
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=120)
    assert [job.exitcode for job in jobs] == [0, 0]
    frame = review.proposals(store, rid, role=DEPT).set_index("ref")
    assert frame.loc["P-001", "status"] == "accepted"
    assert frame.loc["P-002", "status"] == "accepted"
    assert frame.loc["P-001", "decided_by"] == "an.vt"
    assert frame.loc["P-002", "decided_by"] == "binh.mf"
    assert frame.loc[["P-001", "P-002"], "n_comments"].tolist() == [n, n]
    for ref, actor in (("P-001", "an.vt"), ("P-002", "binh.mf")):
        hist = review.history(store, ids[ref], role=DEPT)
        assert list(hist["seq"]) == list(range(1, n + 3))
        comments = hist.loc[hist["action"] == "comment", "comment"]
        assert sorted(comments) == sorted(f"{actor} #{i}" for i in range(n))


# --------------------------------------------------------------------------- text


def test_script_comment_is_stored_verbatim_and_escaped_for_html(published):
    store, _, ids = published
    text = '<script>alert("x")</script>\n<img src=x onerror=alert(1)> & "trạm"'
    event = review.comment(store, ids["P-002"], text, actor="binh.mf", role=MOBI)
    assert event.comment == text
    stored = review.history(store, ids["P-002"], role=DEPT)["comment"].iloc[-1]
    assert stored == text
    shown = plain_text(stored)
    assert "<script>" not in shown
    assert "<img" not in shown
    assert shown == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>"
        "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;trạm&quot;"
    )
    assert plain_text(None) == ""


def test_text_is_nfc_without_control_characters():
    nfd = "Tha\u0301o luận\r\nlại\x00\x1b[31m\tđi \u0007"
    assert clean_text(nfd) == "Tháo luận\nlại[31m\tđi"
    assert clean_text("\ud800ok") == "ok"


def test_over_long_comment_is_truncated_with_a_marker(published):
    store, _, ids = published
    text = "Ơ" * 100_000
    event = review.comment(store, ids["P-002"], text, actor="binh.mf", role=MOBI)
    assert event.comment is not None
    assert event.comment.startswith("Ơ" * review.TEXT_LIMIT + "\n[…")
    assert event.comment.count("Ơ") == review.TEXT_LIMIT
    assert "5,000 of 100,000 characters kept" in event.comment
    stored = review.history(store, ids["P-002"], role=DEPT)["comment"].iloc[-1]
    assert stored == event.comment
    long_reason = "x" * 6_000
    decision = review.decide(
        store, ids["P-002"], "rejected", actor="binh.mf", role=MOBI, reason=long_reason
    )
    assert decision.reason is not None
    assert decision.reason.startswith("x" * 5_000 + "\n[…")


# --------------------------------------------------------------------------- export


def test_export_xlsx_and_geojson_round_trip(published, tmp_path):
    store, rid, ids = published
    review.decide(store, ids["P-001"], "rejected", actor="an.vt", role=VIETTEL, reason="=1+1")
    review.decide(store, ids["P-002"], "needs_changes", actor="b", role=MOBI, reason="Dời 200 m")
    formula = '=HYPERLINK("http://evil.example","bấm")'
    review.comment(store, ids["P-002"], formula, actor="b", role=MOBI)
    expected = {"P-001": "rejected", "P-002": "needs_changes", "P-003": "proposed"}

    xlsx = review.export_review(store, rid, tmp_path / "review.xlsx", role=DEPT)
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"proposals", "events"}
    props = sheets["proposals"].set_index("ref")
    assert props["status"].to_dict() == expected
    assert props.loc["P-001", "reason"] == "=1+1"  # text, not a formula
    events = sheets["events"]
    assert len(events) == 3 + 3
    assert formula in set(events["comment"].dropna())
    assert list(events.loc[events["ref"] == "P-002", "seq"]) == [1, 2, 3]

    out = review.export_review(store, rid[:8], tmp_path / "review.geojson", role=DEPT)
    layer = gpd.read_file(out)
    assert layer.crs.to_epsg() == 4326
    got = dict(zip(layer["ref"], layer["status"], strict=True))
    assert got == expected
    colours = dict(zip(layer["ref"], layer["status_colour"], strict=True))
    assert colours == {k: review.STATUS_COLOURS[v] for k, v in expected.items()}

    mobi = review.export_review(store, rid, tmp_path / "mobi.geojson", role=MOBI)
    assert sorted(gpd.read_file(mobi)["ref"]) == ["P-002", "P-003"]
    with pytest.raises(InputError, match=r"\.kml"):
        review.export_review(store, rid, tmp_path / "r.kml", role=DEPT)


# --------------------------------------------------------------------------- command line


def run_cli(argv: list[str]) -> int:
    """Run ``hatangso`` with ``argv``."""
    from hatangso import cli

    return cli.main(argv)


def test_cli_publish_list_decide_export(rstore, capsys, tmp_path, request):
    where = _location(rstore, request)
    publish = ["review", "publish", where, "t", "--as", "so", "--role", DEPT, "--json"]
    code = run_cli(publish)
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["by_operator"] == {"MobiFone": 1, "Shared": 1, "Viettel": 1}
    rid = out["review_id"]

    assert run_cli(["review", "list", where, "--role", MOBI, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["ref"] for p in listed["proposals"]] == ["P-002", "P-003"]
    pid = listed["proposals"][0]["proposal_id"]

    argv = ["review", "decide", where, pid[:8], "rejected", "--as", "b", "--role", MOBI]
    assert run_cli(argv) == 2
    assert "needs a reason" in capsys.readouterr().err
    assert run_cli([*argv, "--reason", "Trùng vị trí", "--seq", "1"]) == 0
    assert "proposed -> rejected (seq 2" in capsys.readouterr().out
    assert run_cli([*argv, "--reason", "again", "--seq", "1"]) == 2
    assert "changed by b (operator:MobiFone)" in capsys.readouterr().err

    assert run_cli(["review", "history", where, pid[:8]]) == 0
    assert "reason: Trùng vị trí" in capsys.readouterr().out
    assert run_cli(["review", "list", where]) == 0
    assert f"review {rid[:8]}" in capsys.readouterr().out
    out_file = tmp_path / "state.geojson"
    assert run_cli(["review", "export", where, "--out", str(out_file)]) == 0
    assert dict(zip(*[gpd.read_file(out_file)[c] for c in ("ref", "status")], strict=True)) == {
        "P-001": "proposed",
        "P-002": "rejected",
        "P-003": "proposed",
    }
    # No role on a store without accounts: a readable error, not a traceback.
    assert run_cli(["review", "close", where, rid, "--as", "so"]) == 2
    assert "has no accounts yet: give the role" in capsys.readouterr().err


def test_cli_takes_the_role_from_the_account(rstore, capsys, request):
    from hatangso.accounts import add_user

    add_user(rstore, "so.tttt", DEPT, "mat-khau-dai-1", actor="test")
    add_user(rstore, "an.vt", VIETTEL, "mat-khau-dai-2", actor="test")
    where = _location(rstore, request)
    assert run_cli(["review", "publish", where, "t", "--as", "so.tttt"]) == 0
    capsys.readouterr()
    frame = review.proposals(rstore, role=DEPT).set_index("ref")
    decide = ["review", "decide", where, frame.loc["P-001", "proposal_id"], "accepted"]
    assert run_cli([*decide, "--as", "an.vt", "--role", MOBI]) == 2
    assert "'an.vt' is operator:Viettel, not operator:MobiFone" in capsys.readouterr().err
    assert run_cli([*decide, "--as", "mallory", "--role", VIETTEL]) == 2
    assert "no account 'mallory'" in capsys.readouterr().err
    assert run_cli([*decide, "--as", "an.vt"]) == 0
    row = review.proposals(rstore, role=DEPT).set_index("ref").loc["P-001"]
    assert (row["status"], row["decided_by"], row["decided_role"]) == (
        "accepted",
        "an.vt",
        VIETTEL,
    )
    from hatangso import audit

    actions = set(audit.entries(rstore)["action"])
    assert {"plan_published", "review_decision"} <= actions
