"""Targets and the department's name as data: defaults, validity, validation, store, CLI.

Known answers by hand: the defaults are the targets of :data:`coverage.settings.TARGETS`
(the design brief's table: 100 %, 100 %, > 95 %, 100 %, 100 %, 5G reported) until
31/12/2025; the department was the Sở TT&TT until 28/02/2025, the Sở KH&CN of Bình Định
from 01/03/2025 and of Gia Lai from 01/07/2025.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from coverage.indicators import evaluate_targets
from coverage.settings import TARGETS
from coverage.targets import DEFAULT_RULES, TargetRule, check_rules, targets_in_force
from coverage.trends import indicator_series
from geodata import Store
from geodata.errors import InputError
from hatangso import audit, progress
from hatangso.cli import main
from hatangso.demo import DemoDataset, write_demo
from hatangso.targets import (
    DEFAULT_ORGANISATIONS,
    add_organisation,
    add_targets,
    organisation_for,
    organisation_on,
    organisations,
    target_rules,
    targets_for,
)

from .conftest import units_frame
from .test_store import P1, meta_for

PLAN_2026 = TargetRule(
    "fiber_households", ">=", 98.0, dt.date(2026, 1, 1), dt.date(2030, 12, 31), "Kế hoạch 2026-2030"
)

#: A province row by hand: 1 161 of 1 176 villages with fiber (the published mid-2024
#: figure), 95 of 100 households (exactly the strict threshold), every cluster with 4G.
ROW = {
    "communes": 10,
    "communes_fiber": 10,
    "villages": 1176,
    "villages_fiber": 1161,
    "households": 100,
    "households_fiber": 95,
    "households_in_villages_fiber": 90,
    "villages_4g": 1175,
    "households_in_villages_4g": 99,
    "clusters": 20,
    "clusters_4g": 20,
    "households_4g": 100,
    "places": 4,
    "places_5g": 1,
}


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- defaults


def test_defaults_in_force_in_2024_are_the_code_targets() -> None:
    assert targets_in_force(DEFAULT_RULES, "2024-06-30") == TARGETS
    assert targets_in_force(DEFAULT_RULES, "2025-12-31") == TARGETS
    assert [t.target_pct for t in targets_in_force(DEFAULT_RULES, "2026-01-01")] == [None] * 6


def test_evaluation_with_the_defaults_equals_todays() -> None:
    before = evaluate_targets(ROW)  # today's: the targets in code
    after = evaluate_targets(ROW, targets_in_force(DEFAULT_RULES, "2024-06-30"))
    assert after == before
    by_id = {t["id"]: t for t in after}
    assert (by_id["fiber_villages"]["met"], by_id["fiber_villages"]["gap"]) == (False, 15)
    # 95/100 must exceed 95 %: not met, one household short
    assert (by_id["fiber_households"]["met"], by_id["fiber_households"]["gap"]) == (False, 1)
    assert by_id["mobile_clusters"]["met"] is True
    assert (by_id["5g_priority"]["target_pct"], by_id["5g_priority"]["met"]) == (None, None)


def test_no_target_in_force_is_neither_met_nor_missed() -> None:
    judged = {
        t["id"]: t for t in evaluate_targets(ROW, targets_in_force(DEFAULT_RULES, "2027-01-01"))
    }
    for target in judged.values():
        assert (target["target_pct"], target["met"], target["gap"]) == (None, None, None)
    assert judged["fiber_villages"]["actual_pct"] == pytest.approx(98.72, abs=0.005)


def test_equal_comparison() -> None:
    rule = TargetRule("fiber_communes", "=", 100.0)
    [target] = [t for t in targets_in_force([rule], None) if t.id == "fiber_communes"]
    assert (target.met(100.0), target.met(99.99)) == (True, False)


# --------------------------------------------------------------------------- plan periods


def test_a_2026_2030_target_applies_in_2026_and_not_in_2024() -> None:
    rules = check_rules([*DEFAULT_RULES, PLAN_2026])
    in_2024 = {t.id: t for t in targets_in_force(rules, "2024-12-31")}
    in_2026 = {t.id: t for t in targets_in_force(rules, "2026-06-30")}
    assert (in_2024["fiber_households"].target_pct, in_2024["fiber_households"].strict) == (
        95.0,
        True,
    )
    assert (in_2026["fiber_households"].target_pct, in_2026["fiber_households"].op) == (98.0, ">=")
    assert in_2026["fiber_households"].source == "Kế hoạch 2026-2030"
    assert in_2026["fiber_villages"].target_pct is None
    # 97 % of households: above 95 % in 2024 (met), below 98 % in 2026 (not met)
    payload = {
        "province": {"unit_id": "52", "name": "T", "households": 100, "households_fiber": 97}
    }
    series = indicator_series({"2024-12-31": payload, "2026-06-30": payload}, rules)
    rows = series.set_index("period")
    assert rows.loc["2024-12-31", "target_pct"] == 95.0
    assert bool(rows.loc["2024-12-31", "met"]) is True
    assert rows.loc["2026-06-30", "target_pct"] == 98.0
    assert bool(rows.loc["2026-06-30", "met"]) is False


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            TargetRule("fiber_roads", ">=", 100.0),
            (
                "unknown indicator 'fiber_roads'; use one of: fiber_communes, fiber_villages, "
                "fiber_households, mobile_villages, mobile_clusters, 5g_priority."
            ),
        ),
        (TargetRule("fiber_villages", "<", 100.0), "comparison '<' is not one of >=, >, =."),
        (
            TargetRule("fiber_villages", ">=", 120.0, dt.date(2026, 1, 1)),
            "value 120 is outside 0-100; give the target in percent (e.g. 95).",
        ),
        (
            TargetRule("fiber_villages", ">=", 100.0, dt.date(2030, 1, 1), dt.date(2026, 1, 1)),
            "valid_from 2030-01-01 is after valid_to 2026-01-01; correct or swap the dates.",
        ),
        (
            TargetRule(
                "fiber_villages", ">=", 100.0, dt.date(2025, 6, 1), dt.date(2030, 12, 31), "KH"
            ),
            (
                "the target for fiber_villages valid from 2025-06-01 to 2030-12-31 overlaps "
                "the one valid from the start to 2025-12-31 (Nghị quyết 05-NQ/TU của Ban Chấp "
                "hành Đảng bộ tỉnh Bình Định và các chỉ đạo năm 2024 (chỉ tiêu đến năm 2025)); "
                "one target per indicator at a time: change the dates."
            ),
        ),
    ],
)
def test_refused_rules_name_the_problem(rule: TargetRule, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_rules([*DEFAULT_RULES, rule], where=[""] * len(DEFAULT_RULES) + ["new: "])
    assert str(caught.value) == "new: " + message


# --------------------------------------------------------------------------- organisation


@pytest.mark.parametrize(
    ("day", "short"),
    [
        ("2024-06-30", "Sở TT&TT tỉnh Bình Định"),
        ("2025-02-28", "Sở TT&TT tỉnh Bình Định"),
        ("2025-03-01", "Sở KH&CN tỉnh Bình Định"),
        ("2025-06-30", "Sở KH&CN tỉnh Bình Định"),
        ("2025-07-01", "Sở KH&CN tỉnh Gia Lai"),
        ("2026-12-05", "Sở KH&CN tỉnh Gia Lai"),
    ],
)
def test_organisation_per_date(day: str, short: str) -> None:
    found = organisation_on(DEFAULT_ORGANISATIONS, day)
    assert found is not None
    assert found.short_name == short


# --------------------------------------------------------------------------- store


def test_store_round_trip(backend_store: Store) -> None:
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P1)
    assert target_rules(backend_store) == DEFAULT_RULES
    assert organisations(backend_store) == DEFAULT_ORGANISATIONS
    version = backend_store.version()
    table = add_targets(backend_store, [PLAN_2026], actor="alice")
    assert backend_store.version() != version  # the figures are judged again
    assert target_rules(backend_store) == table == check_rules([*DEFAULT_RULES, PLAN_2026])
    assert targets_for(backend_store, "2026-01-01")[2].target_pct == 98.0
    with pytest.raises(InputError, match="overlaps"):
        add_targets(backend_store, [PLAN_2026], actor="alice")
    assert len(target_rules(backend_store)) == len(DEFAULT_RULES) + 1  # nothing written
    names = add_organisation(
        backend_store,
        "Sở Khoa học và Công nghệ tỉnh Gia Lai (mới)",
        short_name="Sở KH&CN (mới)",
        valid_from="01/01/2027",
        actor="alice",
    )
    assert [o.valid_to for o in names][-2:] == [dt.date(2026, 12, 31), None]
    assert organisations(backend_store) == names
    names_on = {
        day: getattr(organisation_for(backend_store, day), "short_name", None)
        for day in ("2026-12-31", "2027-01-01")
    }
    assert names_on == {"2026-12-31": "Sở KH&CN tỉnh Gia Lai", "2027-01-01": "Sở KH&CN (mới)"}
    with pytest.raises(InputError, match="overlaps"):
        add_organisation(backend_store, "X", valid_from="2025-05-01", actor="alice")
    actions = set(audit.entries(backend_store)["action"])
    assert {"targets_added", "organisation_added"} <= actions


# --------------------------------------------------------------------------- command line


def test_cli_targets_list_add_import(store: Store, tmp_path: Path) -> None:
    status, out, _ = run("targets", "list", "--store", store.location, "--on", "2024-06-30")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"Sở Thông tin và Truyền thông tỉnh Bình Định — {store.location}"
    assert sum(line.startswith("* ") for line in lines) == 5
    status, out, _ = run(
        "targets", "add", "fiber_villages", ">=", "100", "--from", "2026-01-01",
        "--to", "31/12/2030", "--source", "KH 2026-2030", "--store", store.location, "--json",
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["added"] == [
        {
            "indicator": "fiber_villages",
            "comparison": ">=",
            "value_pct": 100.0,
            "valid_from": "2026-01-01",
            "valid_to": "2030-12-31",
            "source": "KH 2026-2030",
            "title_vi": "Thôn có cáp quang",
        }
    ]
    csv = tmp_path / "targets.csv"
    csv.write_text(
        "indicator,comparison,value_pct,valid_from,valid_to,source\n"
        "fiber_households,>=,98,01/01/2026,31/12/2030,KH 2026-2030\n"
        "mobile_villages,>=,100,2026-01-01,2030-12-31,KH 2026-2030\n",
        encoding="utf-8",
    )
    status, out, _ = run("targets", "import", csv, "--store", store.location)
    assert status == 0
    assert out.splitlines()[0] == f"imported 2 targets from {csv} into {store.location}:"
    status, out, _ = run(
        "targets", "list", "--store", store.location, "--json", "--on", "2026-06-30"
    )
    payload = json.loads(out)
    assert len(payload["targets"]) == 8
    in_force = {t["indicator"]: t["target_pct"] for t in payload["in_force"]}
    assert in_force == {
        "fiber_communes": None,
        "fiber_villages": 100.0,
        "fiber_households": 98.0,
        "mobile_villages": 100.0,
        "mobile_clusters": None,
        "5g_priority": None,
    }


def test_cli_import_refuses_a_bad_row_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    book = tmp_path / "targets.xlsx"
    pd.DataFrame(
        {
            "indicator": ["fiber_households", "fiber_households"],
            "comparison": [">=", ">="],
            "value_pct": [98, 99],
            "valid_from": ["2026-01-01", "2028-01-01"],
            "valid_to": ["2030-12-31", "2030-12-31"],
            "source": ["KH", "KH"],
        }
    ).to_excel(book, index=False)
    status, _, err = run("targets", "import", book, "--store", store.location)
    assert status == 2
    assert (
        "targets.xlsx row 3: the target for fiber_households valid from 2028-01-01 to "
        "2030-12-31 overlaps the one valid from 2026-01-01 to 2030-12-31 (KH)"
    ) in err
    assert target_rules(store) == DEFAULT_RULES
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,comparison,value_pct\nfiber_villages,>=,abc\n", encoding="utf-8")
    status, _, err = run("targets", "import", bad, "--store", store.location)
    assert status == 2
    assert "bad.csv row 2: value: 'abc' is not a number; give the target in percent" in err


def test_cli_org_list_and_add(store: Store) -> None:
    status, out, _ = run("org", "list", "--store", store.location, "--on", "2025-07-01")
    assert status == 0
    assert out.splitlines()[0] == f"Sở Khoa học và Công nghệ tỉnh Gia Lai — {store.location}"
    status, out, _ = run(
        "org", "add", "Sở Khoa học và Công nghệ tỉnh Gia Lai", "--from", "2025-03-01",
        "--store", store.location,
    )  # fmt: skip
    assert status == 2
    status, out, _ = run("org", "list", "--store", store.location, "--json", "--on", "2025-03-01")
    assert json.loads(out)["in_force"]["short_name"] == "Sở KH&CN tỉnh Bình Định"


def test_cli_coverage_first_line_names_the_department(sample_store: Path) -> None:
    status, out, _ = run("coverage", sample_store, "--period", "2024-06-30")
    assert status == 0
    assert out.splitlines()[0].startswith("Sở Thông tin và Truyền thông tỉnh Bình Định — ")


# --------------------------------------------------------------------------- a period in 2026


@pytest.fixture
def sample_store(sample_demo: DemoDataset, tmp_path: Path) -> Path:
    out = tmp_path / "sample.gpkg"
    write_demo(sample_demo, Store(out))
    return out


def test_a_2026_period_is_judged_by_the_plan_targets(sample_store: Path) -> None:
    store = Store(sample_store)
    store.write({}, {}, as_of="2026-06-30")  # the same layers, dated 2026
    add_targets(store, [PLAN_2026], actor="alice")
    series = progress.series(store)
    by: dict[tuple[str, str], dict[Any, Any]] = {
        (str(r["period"]), str(r["indicator"])): r for r in series.to_dict("records")
    }
    assert by[("2024-06-30", "fiber_households")]["target_pct"] == 95.0
    assert by[("2026-06-30", "fiber_households")]["target_pct"] == 98.0
    assert pd.isna(by[("2026-06-30", "fiber_villages")]["target_pct"])
    assert pd.isna(by[("2026-06-30", "fiber_villages")]["met"])
    assert by[("2024-06-30", "fiber_villages")]["met"] in (True, False)


def test_report_names_the_department_of_its_date(sample_store: Path) -> None:
    from hatangso.report.assembly import build_report
    from hatangso.report.pdf import pdf_bytes

    data = build_report(sample_store, period="2024-06-30")
    assert data.organisation == "Sở Thông tin và Truyền thông tỉnh Bình Định"
    Store(sample_store).write({}, {}, as_of="2026-06-30")
    later = build_report(sample_store, period="2026-06-30")
    assert later.organisation == "Sở Khoa học và Công nghệ tỉnh Gia Lai"
    assert {i.target for i in later.indicators} == {"chưa có chỉ tiêu"}
    assert {i.verdict for i in later.indicators} == {"—"}
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf_bytes(data))).pages[0].extract_text() or ""
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH BÌNH ĐỊNH" in text


# --------------------------------------------------------------------------- the app


def test_app_names_the_department_and_adds_a_target(
    sample_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_app import run_app, texts

    at = run_app(sample_store, monkeypatch, page="overview")
    assert not at.exception
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH BÌNH ĐỊNH" in texts(at)
    at = run_app(sample_store, monkeypatch, page="data")
    assert not at.exception
    assert "Chỉ tiêu và cơ quan quản lý" in texts(at)
    at.selectbox(key="tg_indicator").set_value("fiber_households")
    at.number_input(key="tg_value").set_value(98.0)
    at.date_input(key="tg_from").set_value(dt.date(2026, 1, 1))
    at.date_input(key="tg_to").set_value(dt.date(2030, 12, 31))
    at.text_input(key="tg_source").set_value("Kế hoạch 2026-2030")
    submit = next(b for b in at.button if "tg_add_form" in str(b.id))
    at = submit.click().run()
    assert not at.exception
    assert "Đã thêm chỉ tiêu fiber_households >= 98 %." in texts(at)
    assert targets_for(Store(sample_store), "2026-06-30")[2].target_pct == 98.0
    entries = audit.entries(Store(sample_store), action="targets_added")
    assert entries["actor"].tolist() == ["so.tttt"]
