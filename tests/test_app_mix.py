"""The Plans page's cost section (issue 15): one click for fiber alone against the best mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_app import run_app, texts

pytestmark = pytest.mark.basedata


def test_one_click_gives_both_costs_the_technologies_and_the_downloads(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch, page="plans", period="2024-12-31")
    assert not at.exception
    assert "Chi phí đạt mục tiêu theo công nghệ" in texts(at)
    at.number_input(key="mix_target").set_value(99.0)
    at.button(key="mix_run").click().run(timeout=600)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Chỉ cáp quang"].endswith("tỷ đồng")
    assert metrics["Kết hợp rẻ nhất"].endswith("tỷ đồng")
    assert metrics["Tiết kiệm"].endswith("đồng")
    shown = texts(at)
    assert "Kết hợp rẻ hơn chỉ cáp quang từ" in shown
    units = next(
        f.value for f in at.dataframe if "Công nghệ" in f.value and "Các công nghệ khác" in f.value
    )
    techs = set(units["Công nghệ"])
    assert "cáp quang" in techs
    assert "vô tuyến cố định (trạm hiện có)" in techs  # at 99 % fixed wireless wins somewhere
    assert units["Các công nghệ khác"].str.contains("triệu đồng/hộ").any()
    labels = [b.label for b in at.get("download_button")]
    assert "Tải bảng (Excel)" in labels
    assert "Tải bản đồ (GeoJSON)" in labels
