"""Sign-in, roles, review and audit in the app, with Streamlit's AppTest (issue #6).

Small hand-built stores (the two periods of ``test_app_trends.py``: Viettel sites, VNPT
fiber) with accounts added through :func:`hatangso.accounts.add_user`; MobiFone gets a
site of its own here so that an operator has something to see.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geodata import Store
from hatangso import accounts, audit, review
from ui.datapage import saved_upload

from .conftest import TEST_PASSWORD, ensure_accounts, sign_in
from .test_app_trends import META, build_two_periods

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 120


def _mobifone_site() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["MBF-1"], "operator": ["MobiFone"], "tech": ["4G"], "height_m": [25.0]},
        geometry=gpd.points_from_xy([108.71], [14.26]),
        crs=4326,
    )


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_two_periods(tmp_path_factory.mktemp("roles") / "roles.gpkg")
    store = Store(path)
    sites = store.read("mobile_sites")
    both = gpd.GeoDataFrame(gpd.pd.concat([sites, _mobifone_site()], ignore_index=True), crs=4326)
    store.write({"mobile_sites": both}, {"mobile_sites": META}, as_of="2024-12-31")
    ensure_accounts(path)
    return path


@pytest.fixture
def store_path(base_store: Path, tmp_path: Path) -> Path:
    out = tmp_path / "roles.gpkg"
    shutil.copy2(base_store, out)
    return out


def new_app(path: Path, monkeypatch: pytest.MonkeyPatch, *, page: str = "overview") -> AppTest:
    monkeypatch.setenv("HATANGSO_STORE", str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state["page"] = page
    return at


def run_as(
    path: Path, monkeypatch: pytest.MonkeyPatch, user: str, *, page: str = "overview"
) -> AppTest:
    at = new_app(path, monkeypatch, page=page)
    sign_in(at, path, user)
    return at.run()


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# --------------------------------------------------------------------------- sign-in


def test_signed_out_shows_only_the_sign_in_form(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = new_app(store_path, monkeypatch, page="map").run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert len(at.radio) == 1  # the language switch only: no page menu
    assert not at.selectbox
    assert not at.dataframe
    assert not at.get("iframe")
    assert "Làng" not in str([m.value for m in at.markdown])


def test_a_store_without_accounts_says_how_to_create_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_two_periods(tmp_path / "bare.gpkg")
    at = new_app(path, monkeypatch).run()
    assert not at.text_input  # no form: there is nobody to sign in as
    assert "hatangso users add NAME --role department" in at.code[0].value


def _sign_in(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    return at.button[0].click().run()


def test_sign_in_wrong_password_then_right(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = new_app(store_path, monkeypatch).run()
    at = _sign_in(at, "mobifone", "sai-mat-khau-123")
    assert "wrong username or password" in at.error[0].value
    at = _sign_in(at, "mobifone", TEST_PASSWORD)
    assert not at.exception
    assert "mobifone" in str([m.value for m in at.sidebar.markdown])
    actions = set(audit.entries(Store(store_path))["action"])
    assert {"sign_in", "sign_in_failed"} <= actions


def test_lockout_after_five_failures(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = new_app(store_path, monkeypatch).run()
    for _ in range(accounts.MAX_FAILURES):
        at = _sign_in(at, "lanh.dao", "sai-mat-khau-123")
    at = _sign_in(at, "lanh.dao", TEST_PASSWORD)
    assert "locked" in at.error[0].value
    assert "sign_in_locked" in set(audit.entries(Store(store_path))["action"])


def test_an_expired_session_is_signed_out(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = new_app(store_path, monkeypatch)
    account = accounts.get_user(Store(store_path), "so.tttt")
    assert account is not None
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    at.session_state["auth_session"] = accounts.start_session(account, now=old)
    at.run()
    assert not at.exception
    assert "hết hạn" in at.info[0].value
    assert at.text_input(key="signin_user")


# --------------------------------------------------------------------------- roles


def test_operator_sees_no_competitor(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.data import store_version
    from ui.maplayers import map_data

    data = map_data(store_version(str(store_path)), "vi", "MobiFone")
    assert set(data.sites) == {"MobiFone"}
    assert not data.fiber  # VNPT's fiber is not MobiFone's
    assert "Viettel" not in data.villages.script_json
    for page in ("overview", "progress", "map", "gaps", "plans", "review", "data"):
        at = run_as(store_path, monkeypatch, "mobifone", page=page)
        ok(at)
        for frame in at.dataframe:
            assert "Viettel" not in frame.value.to_csv(), page
            assert "VNPT" not in frame.value.to_csv(), page
        for button in at.get("download_button"):
            assert b"Viettel" not in (button.proto.url or "").encode(), page
    at = run_as(store_path, monkeypatch, "mobifone", page="audit")
    assert at.radio(key="page").value != "audit"  # not in the menu


def test_forged_operator_query_is_refused(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = new_app(store_path, monkeypatch)
    sign_in(at, store_path, "mobifone")
    at.query_params["operator"] = "Viettel"
    at.run()
    assert "Không được phép" in at.error[0].value
    assert at.selectbox(key="overview_operator").value == ""
    denied = audit.entries(Store(store_path), action="access_denied")
    assert len(denied) == 1
    assert denied["actor"].iloc[0] == "mobifone"


def test_injected_operator_choice_is_refused(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = new_app(store_path, monkeypatch)
    sign_in(at, store_path, "mobifone")
    at.session_state["overview_operator"] = "Viettel"
    at.run()
    assert "Không được phép" in at.error[0].value


ALLOWED_VIEWER_WIDGETS = {"radio", "selectbox", "toggle", "text_input", "download_button"}


def test_viewer_has_no_edit_control(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for page in ("overview", "progress", "map", "gaps", "plans", "review", "data"):
        at = run_as(store_path, monkeypatch, "lanh.dao", page=page)
        ok(at)
        assert not at.get("file_uploader"), page
        assert not at.get("form"), page
        labels = [b.label for b in at.button]
        # Sign-out and the leadership's report (it reads, it writes nothing) only.
        assert set(labels) <= {"Đăng xuất"} | {b for b in labels if "báo cáo" in b.lower()}, page
        assert not at.text_area, page


def test_department_sees_the_audit_page(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_as(store_path, monkeypatch, "so.tttt", page="audit")
    ok(at)
    table = at.dataframe[0].value
    assert "user_added" in set(table.iloc[:, 2])


# --------------------------------------------------------------------------- review


def _save_site_plan(path: Path) -> None:
    store = Store(path)
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["P-MBF-1", "P-MBF-2", "P-VTL-1"],
            "operator": ["MobiFone", "MobiFone", "Viettel"],
            "target_ids": ["21790-01", "21790-02", "21790-03"],
            "households": [48, 120, 95],
            "cost_vnd": [1.5e9, 1.2e9, 1.1e9],
        },
        geometry=gpd.points_from_xy([108.70, 108.72, 108.75], [14.25, 14.28, 14.30]),
        crs=4326,
    )
    from ui.plans import plan_features

    store.save_result(
        "plan:thu", "site_plan", {}, {"kind": "site_plan", "geojson": plan_features(sites)}
    )


def test_review_publish_decide_concurrently_and_hostile_comment(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save_site_plan(store_path)
    dept = run_as(store_path, monkeypatch, "so.tttt", page="review")
    ok(dept)
    dept.button(key="rv_publish").click().run()
    ok(dept)
    assert "Đã công bố" in dept.success[0].value
    # MobiFone sees its two proposals, not Viettel's.
    one = run_as(store_path, monkeypatch, "mobifone", page="review")
    two = run_as(store_path, monkeypatch, "mobifone", page="review")
    ok(one)
    table = one.dataframe[0].value
    assert "P-VTL-1" not in table.to_csv()
    assert "Viettel" not in table.to_csv()
    ids = list(review.proposals(Store(store_path), role="operator:MobiFone")["proposal_id"])
    # Two sessions, each on its own proposal, both opened before either decided.
    two.selectbox(key="rv_proposal").select(ids[1]).run()
    one.radio(key=f"rv_status_{ids[0]}").set_value("accepted")
    one.get("form")
    one.button(key=f"FormSubmitter:rv_decide_{ids[0]}-Gửi quyết định").click().run()
    ok(one)
    two.radio(key=f"rv_status_{ids[1]}").set_value("rejected")
    two.text_area(key=f"rv_reason_{ids[1]}").input("Không có điện lưới")
    two.button(key=f"FormSubmitter:rv_decide_{ids[1]}-Gửi quyết định").click().run()
    ok(two)
    now = review.proposals(Store(store_path), role="department").set_index("ref")["status"]
    assert now["P-MBF-1"] == "accepted"
    assert now["P-MBF-2"] == "rejected"
    # A hostile comment is stored and shown as text.
    hostile = "<script>alert(1)</script>" + "x" * 10_000
    one.text_area(key=f"rv_comment_text_{ids[0]}").input(hostile)
    one.button(key=f"FormSubmitter:rv_comment_{ids[0]}-Gửi ý kiến").click().run()
    ok(one)
    shown = [t.value for t in one.text]
    assert any(t.startswith("<script>alert(1)</script>") for t in shown)
    assert not any("<script>" in str(m.value) for m in one.markdown)
    # The department sees both decisions and can export them.
    dept = run_as(store_path, monkeypatch, "so.tttt", page="review")
    ok(dept)
    statuses = dept.dataframe[0].value.to_csv()
    assert "Chấp thuận" in statuses
    assert "Từ chối" in statuses
    labels = [b.label for b in dept.get("download_button")]
    assert labels == ["Tải Excel", "Tải GeoJSON"] or len(labels) == 2


# --------------------------------------------------------------------------- uploads


class _Upload:
    def __init__(self, name: str) -> None:
        self.name = name

    def getvalue(self) -> bytes:
        return b'{"type": "FeatureCollection", "features": []}'


@pytest.mark.parametrize(
    "name",
    ["../../evil.geojson", "/tmp/x.geojson", "..\\..\\evil.geojson"],  # noqa: S108 - crafted names
)
def test_a_crafted_upload_name_writes_only_in_the_temp_folder(tmp_path: Path, name: str) -> None:
    before = set(Path(tempfile.gettempdir()).iterdir())
    with saved_upload([_Upload(name)]) as path:
        folder = path.parent
        assert folder.name.startswith("hatangso-upload-")
        assert [p.name for p in folder.iterdir()] == [path.name]
        assert path.resolve().is_relative_to(folder.resolve())
    after = set(Path(tempfile.gettempdir()).iterdir())
    assert not [p for p in after - before if "evil" in p.name or p.name == "x.geojson"]
    assert not (tmp_path.parent / "evil.geojson").exists()


@pytest.mark.parametrize("name", ["..", ".hidden", "a" * 300 + ".geojson", "x\x00.geojson"])
def test_a_bad_upload_name_is_refused(name: str) -> None:
    from geodata.errors import InputError

    with pytest.raises(InputError, match="not a plain file name"), saved_upload([_Upload(name)]):
        pass


def test_operator_gaps_and_map_hold_no_site_level_figure(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Distances to the nearest site or fiber and the best signal are measured against
    every operator's sites: MobiFone's gaps table, its downloads and its map have none."""
    import ui.gaps
    from ui.data import store_version
    from ui.maplayers import map_data

    exported: list[pd.DataFrame] = []
    real_export = ui.gaps.export_bytes

    def spy(frame: pd.DataFrame, fmt: str, **kwargs: object) -> bytes:
        exported.append(frame)
        return real_export(frame, fmt, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ui.gaps, "export_bytes", spy)
    figures = ("Cách trạm 4G (m)", "Cách cáp quang (m)")
    dept = run_as(store_path, monkeypatch, "so.tttt", page="gaps")
    ok(dept)
    shown = dept.dataframe[0].value
    assert set(figures) <= set(shown.columns)  # the department sees them ...
    assert shown[figures[0]].str.contains(r"\d").any()
    assert any(figures[0] in frame.columns for frame in exported)
    exported.clear()
    mobi = run_as(store_path, monkeypatch, "mobifone", page="gaps")
    ok(mobi)
    assert exported  # ... MobiFone's table and downloads leave them out
    for frame in [*exported, *(f.value for f in mobi.dataframe)]:
        assert not set(figures) & set(frame.columns), list(frame.columns)
    labels = ("Cách trạm 4G gần nhất", "Tín hiệu 4G tốt nhất", "Cách cáp quang")
    version = store_version(str(store_path))
    everything = map_data(version, "vi", None).villages
    assert set(labels) <= set(everything.labels)
    mine = map_data(version, "vi", "MobiFone").villages
    assert not set(labels) & set(mine.labels)
    assert len(mine.labels) == len(everything.labels) - len(labels)
    values = [f["properties"]["v"] for f in mine.geojson["features"]]
    assert all(len(v) == len(mine.labels) for v in values)  # labels and values still line up
    assert "dBm" not in mine.script_json
