"""The app on both store backends: the same pages show the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata import Store
from hatangso import review
from hatangso.demo import build_demo, write_demo
from tests.test_app import run_app

PAGES = ("overview", "progress", "gaps", "review", "audit")


def sample(location: str) -> str:
    """Write the synthetic sample demo (two periods) and publish a two-site plan."""
    store = Store(location)
    write_demo(build_demo(None), store)
    sites = store.read("mobile_sites")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.geometry.x + 0.01, row.geometry.y]},
            "properties": {"site_id": f"P-00{i}", "operator": row.operator, "cost_vnd": 1e9},
        }
        for i, row in enumerate(sites.drop_duplicates("operator").head(2).itertuples(), start=1)
    ]
    payload = {"kind": "site_plan", "geojson": {"type": "FeatureCollection", "features": features}}
    store.save_result("plan:t", "site_plan", {}, payload)
    review.publish(store, "t", actor="so.tttt", role="department")
    return location


def shown(location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The metrics and tables' sizes each page shows, signed in as the department."""
    out = {}
    for page in PAGES:
        at: AppTest = run_app(location, monkeypatch, page=page, period=None)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        out[page] = [str(m.value) for m in at.metric] + [
            f"{len(d.value)} rows" for d in at.dataframe
        ]
    return out


def test_pages_show_the_same_on_geopackage_and_postgis(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_file = shown(sample(str(tmp_path / "sample.gpkg")), monkeypatch)
    on_database = shown(sample(pg_url), monkeypatch)
    assert on_file["overview"], "the overview shows its indicators"
    assert any("rows" in x for x in on_file["review"]), "the review table is there"
    for page in PAGES:
        if page == "audit":  # sign-ins and publications differ in number, not in kind
            continue
        assert on_database[page] == on_file[page], page
