"""`hatangso plan rings` and `plan backup` on the Bình Định demo: saved, then reviewed."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from geodata import Store
from hatangso import review
from hatangso.cli import main

pytestmark = pytest.mark.basedata


def run(*args: str | Path) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert status == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    payload: dict[str, Any] = json.loads(out.getvalue())
    return payload


@pytest.fixture(scope="module")
def copy(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("harden") / "bd.gpkg"
    shutil.copy(demo_store, path)
    return path


def test_rings_are_ranked_saved_and_go_to_the_operators(copy: Path) -> None:
    payload = run("plan", "rings", copy, "--top", "5", "--save", "vong", "--json")
    rows = payload["proposals"]
    assert payload["kind"] == "ring_plan"
    assert 0 < len(rows) <= 5
    assert payload["totals"]["households_protected"] == sum(r["households"] for r in rows)
    assert payload["totals"]["households_protected"] <= payload["totals"]["vulnerable_households"]
    assert all(r["cost_vnd"] > 0 and r["households"] > 0 for r in rows)
    store = Store(copy)
    rid = review.publish(store, "vong", actor="so.tttt", role="department")
    proposals = review.proposals(store, rid, role="department")
    assert sorted(proposals["ref"]) == sorted(r["route_id"] for r in rows)
    assert set(proposals["kind"]) == {"route"}
    assert set(proposals["operator"]) == {r["operator"] for r in rows}


def test_backup_is_ranked_by_households_per_vnd_and_saved(copy: Path) -> None:
    payload = run(
        "plan", "backup", copy, "--outage-hours", "24", "--top", "5", "--save", "nguon", "--json"
    )
    rows = payload["proposals"]
    assert payload["kind"] == "backup_plan"
    assert len(rows) == 5
    per = [r["households_per_billion_vnd"] for r in rows]
    assert per == sorted(per, reverse=True)
    assert {r["option"] for r in rows} == {"generator"}  # no battery lasts a day
    store = Store(copy)
    rid = review.publish(store, "nguon", actor="so.tttt", role="department")
    proposals = review.proposals(store, rid, role="department")
    assert sorted(proposals["ref"]) == sorted(r["site_id"] for r in rows)
    assert set(proposals["kind"]) == {"site"}


def test_an_unknown_operator_is_refused_before_any_computation(copy: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["plan", "rings", str(copy), "--operator", "Nobody"])
    assert status != 0
    assert "Traceback" not in err.getvalue()
