"""The Evidence page (Đo kiểm) with Streamlit's AppTest: department and operators.

On the sample store of ``tests/test_challenges.py`` (Viettel 4G samples at 00001-01 and
00004-01, three complaints), with the challenges opened: the department sees every
operator's challenges, Viettel its own samples, rows and challenges, MobiFone no sample,
no Viettel row and only its own challenge.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata import Store
from hatangso.review.challenges import open_challenges

from .conftest import sign_in
from .test_challenges import measured_store  # noqa: F401 - the fixture

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def challenged(measured_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    path = tmp_path_factory.mktemp("app-evidence") / "sample.gpkg"
    shutil.copy2(measured_store, path)
    open_challenges(Store(path), actor="so", role="department")
    return path


def _page(path: Path, user: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("HATANGSO_STORE", str(path))
    at = AppTest.from_file(APP, default_timeout=180)
    sign_in(at, path, user)
    at.session_state["page"] = "evidence"
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


_COLUMN = {"ev_villages": "Số mẫu", "ev_challenges": "Trạng thái"}


def _frame(at: AppTest, key: str):
    """The table of the page that has the column only ``key`` has (AppTest keeps no key)."""
    return next(d.value for d in at.dataframe if _COLUMN[key] in d.value.columns)


def test_department_sees_every_operators_rows_and_challenges(
    challenged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(challenged, "so.tttt", monkeypatch)
    assert at.header[0].value == "Đo kiểm"
    shown = "\n".join(c.value for c in at.caption)
    assert "45 mẫu đo trên bản đồ." in shown
    villages = _frame(at, "ev_villages")
    assert set(villages["Nhà mạng"]) == {"Viettel"}
    challenges = _frame(at, "ev_challenges")
    assert set(challenges["Nhà mạng"]) == {"MobiFone", "VNPT-VinaPhone", "Viettel"}
    assert set(challenges["Trạng thái"]) == {"Chờ nhà mạng trả lời"}
    infos = "\n".join(i.value for i in at.info)
    assert "Chưa lưu hiệu chỉnh nào" in infos


def test_an_operator_sees_only_its_own(challenged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(challenged, "viettel", monkeypatch)
    assert set(_frame(at, "ev_villages")["Nhà mạng"]) == {"Viettel"}
    assert set(_frame(at, "ev_challenges")["Nhà mạng"]) == {"Viettel"}
    at = _page(challenged, "mobifone", monkeypatch)
    infos = "\n".join(i.value for i in at.info)
    assert "chưa có số liệu đo kiểm" in infos.lower()
    assert not any("Số mẫu" in d.value.columns for d in at.dataframe)
    assert set(_frame(at, "ev_challenges")["Nhà mạng"]) == {"MobiFone"}
