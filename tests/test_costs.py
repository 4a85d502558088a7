"""The cost table (issue 15, item 5): defaults with sources, checked imports, the store.

``hatangso costs list|import`` on a hand-built store: the rows a department changes are
checked (unknown key, not a number, negative, no source: line and column named), saved
in the period, and used by later periods until they save their own.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from geodata import Store
from hatangso.audit import entries
from hatangso.cli import main
from hatangso.costs import load_cost_table
from planner.cost_table import CostTableError, default_cost_table, parse_cost_csv
from planner.costs import DEFAULT_COSTS
from tests.conftest import ensure_accounts


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def test_every_default_row_has_a_source_and_a_unit() -> None:
    table = default_cost_table()
    assert len(table.rows) >= 30
    for row in table.rows:
        assert row.source.strip(), row.key
        assert row.unit.strip(), row.key
        assert row.value >= 0, row.key
    # Rows without a published figure say so.
    assert "giả định" in table.row("leo.terminal_vnd").source
    assert table.horizon_years == 10


def test_default_fiber_prices_are_the_fiber_planners() -> None:
    costs = default_cost_table().fiber_costs()
    for build in ("aerial", "buried", "off_road"):
        assert costs.per_m(build) == DEFAULT_COSTS.per_m(build)
    assert costs.for_road("national") == ("aerial", 130_000.0)


def test_a_connection_is_drop_splitter_and_port() -> None:
    table = default_cost_table()
    assert table.connection_vnd() == 1_500_000 + 150_000 + 300_000


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1200000", 1.2e6),
        ("1.200.000", 1.2e6),
        ("1,200,000", 1.2e6),
        ("0,09", 0.09),
        ("0.09", 0.09),
    ],
)
def test_values_are_read_the_vietnamese_way_and_the_english_way(written: str, value: float) -> None:
    table = default_cost_table().updated(
        [
            {
                "key": "finance.discount_rate" if value < 1 else "fwa.cpe_vnd",
                "value": written,
                "source": "giả định",
            }
        ],
        origin="t",
    )
    key = "finance.discount_rate" if value < 1 else "fwa.cpe_vnd"
    assert table[key] == pytest.approx(value)


def test_every_bad_row_is_named_with_its_line_and_column() -> None:
    text = (
        "key,value,unit,source\n"
        "foo.bar,1,x,y\n"
        "fwa.cpe_vnd,abc,,giả định\n"
        "leo.terminal_vnd,-5,,giả định\n"
        "backhaul.microwave_link_vnd,1,,\n"
        "finance.discount_rate,9,,Bộ KH-ĐT\n"
        "finance.horizon_years,7.5,,giả định\n"
        "finance.discount_rate,0.1,,Bộ KH-ĐT\n"
    )
    with pytest.raises(CostTableError) as err:
        default_cost_table().updated(parse_cost_csv(text, name="c.csv"), origin="c.csv")
    msg = str(err.value)
    assert "line 2, column 'key': unknown key 'foo.bar'" in msg
    assert "line 3, column 'value' (fwa.cpe_vnd): 'abc' is not a number" in msg
    assert "line 4, column 'value' (leo.terminal_vnd): -5 is negative" in msg
    assert "line 5, column 'source' (backhaul.microwave_link_vnd): empty" in msg
    assert "line 6, column 'value' (finance.discount_rate): 9 is not a yearly rate" in msg
    assert "line 7, column 'value' (finance.horizon_years): 7.5 is not a whole number" in msg
    assert "line 8, column 'key': 'finance.discount_rate' again (first at line 6)" in msg


def test_a_file_without_the_value_column_is_refused() -> None:
    with pytest.raises(CostTableError, match="no column 'value'"):
        parse_cost_csv("key,price\nfwa.cpe_vnd,1\n", name="c.csv")


def test_a_zero_discount_rate_keeps_the_plain_sum() -> None:
    table = default_cost_table().updated(
        [{"key": "finance.discount_rate", "value": "0", "source": "giả định"}], origin="t"
    )
    assert table.npv(100.0, 10.0) == pytest.approx(200.0)


def test_costs_import_saves_into_the_period_and_list_shows_it(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gia.csv"
    path.write_text(
        "key,value,unit,source\nsite.macro_30m_vnd,1.100.000.000,,Báo giá 2025\n",
        encoding="utf-8-sig",
    )
    status, out, err = run("costs", "import", store.location, path)
    assert status == 0, err
    assert "1 dòng thay đổi" in out
    assert "site.macro_30m_vnd: 1.100.000.000" in out
    status, out, _ = run("costs", "list", store.location, "--json")
    rows = {r["key"]: r for r in json.loads(out)["rows"]}
    assert rows["site.macro_30m_vnd"]["value"] == 1.1e9
    assert rows["site.macro_30m_vnd"]["source"] == "Báo giá 2025"
    assert rows["fwa.cpe_vnd"]["value"] == 2_500_000  # untouched rows keep the default
    assert "costs_imported" in set(entries(store)["action"])


def test_a_later_period_uses_the_last_saved_table(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gia.csv"
    path.write_text("key,value,source\nfwa.cpe_vnd,3000000,giả định\n", encoding="utf-8")
    assert run("costs", "import", store.location, path)[0] == 0
    Store(store.location).write({}, {}, as_of="2025-06-30")
    assert load_cost_table(Store(store.location, period="2025-06-30"))["fwa.cpe_vnd"] == 3e6


def test_a_bad_import_exits_2_and_saves_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gia.csv"
    path.write_text("key,value,unit,source\nfwa.cpe_vnd,-1,,giả định\n", encoding="utf-8")
    status, _, err = run("costs", "import", store.location, path)
    assert status == 2
    assert "line 2, column 'value' (fwa.cpe_vnd): -1 is negative" in err
    assert "Traceback" not in err
    assert load_cost_table(store)["fwa.cpe_vnd"] == 2_500_000


def test_costs_list_text_shows_each_source(store: Store) -> None:
    status, out, _ = run("costs", "list", store.location)
    assert status == 0
    assert "Bảng đơn giá: mặc định" in out
    assert out.count("nguồn:") == len(default_cost_table().rows)


@pytest.mark.basedata
def test_plan_fiber_uses_the_periods_prices_and_saves_them(
    demo_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copy(demo_store, store)
    totals = json.loads(run("plan", "fiber", store, "--json")[1])["totals"]
    before, equipment = totals["total_cable_cost_vnd"], totals["total_equipment_cost_vnd"]
    assert equipment > 0  # drop and ONT, splitter, OLT port: from the cost table
    prices = tmp_path / "gia.csv"
    # every build type twice as dear: the same tree, twice the cost
    prices.write_text(
        "key,value,source\n"
        "fiber.aerial_vnd_per_m,260000,giả định\n"
        "fiber.buried_vnd_per_m,650000,giả định\n"
        "fiber.off_road_vnd_per_m,976000,giả định\n",
        encoding="utf-8",
    )
    assert run("costs", "import", store, prices)[0] == 0
    status, out, _ = run("plan", "fiber", store, "--json", "--save", "p")
    assert status == 0
    after = json.loads(out)["totals"]
    assert after["total_cable_cost_vnd"] == pytest.approx(2 * before, rel=1e-6)
    assert after["total_equipment_cost_vnd"] == pytest.approx(equipment, rel=1e-9)
    saved = Store(store).read_result("plan:p")
    assert saved is not None
    rows = {r["key"]: r for r in saved["payload"]["costs"]}
    assert rows["fiber.aerial_vnd_per_m"]["value"] == 260_000


def test_only_the_department_changes_prices_and_plans_the_mix(store: Store, tmp_path: Path) -> None:
    ensure_accounts(store.location)
    path = tmp_path / "gia.csv"
    path.write_text("key,value,source\nfwa.cpe_vnd,1,giả định\n", encoding="utf-8")
    for user in ("lanh.dao", "viettel"):
        status, _, err = run("costs", "import", store.location, path, "--as", user)
        assert status == 2
        assert "only the department changes the cost table" in err
        status, _, err = run("plan", "mix", store.location, "--as", user)
        assert status == 2
        assert "only the department runs plans" in err
    assert load_cost_table(store)["fwa.cpe_vnd"] == 2_500_000
    # everyone may read the prices
    assert run("costs", "list", store.location)[0] == 0
