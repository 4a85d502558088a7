"""``hatangso trends`` and ``hatangso changes``: the indicators over time, what changed.

The command-line face of the app's Progress page: the figures come from
:mod:`hatangso.progress` (each period's coverage, read or computed), which feeds
:mod:`coverage.trends` and :mod:`coverage.changes`. :func:`register` adds both commands
to the ``hatangso`` parser; the handlers follow :mod:`hatangso.cli`'s conventions (exit
codes, ``--json``, ``--out``, :class:`~geodata.errors.InputError` for bad input).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from geodata.errors import InputError
from hatangso.cli.common import EXIT_OK, log
from hatangso.formatting import fmt_num, fmt_pct, fmt_target, is_missing

__all__ = ["register"]

#: Items of each list shown in the text output (``--json`` and ``--out`` give them all).
MOST_SHOWN = 30


def _met_text(met: Any) -> str:  # noqa: ANN401 - a cell
    if is_missing(met):
        return "-"
    return "met" if bool(met) else "not met"


# --------------------------------------------------------------------------- trends


def _projection_line(row: Mapping[str, Any], *, with_unit: bool) -> str:
    """Return e.g. ``fiber_villages: 98,72 % → 99,32 % (+1,2 pp/yr), target 100 % …``."""
    head = f"{row['unit_name']}, " if with_unit else ""
    first, latest = (
        fmt_pct(row[key], digits=2, trim=False, missing="-") for key in ("first_pct", "latest_pct")
    )
    values = latest if row["periods"] == 1 else f"{first} → {latest}"
    pace = row["pace_pp_per_year"]
    if not is_missing(pace):
        values += f" ({'+' if pace >= 0 else '−'}{fmt_num(abs(float(pace)), 1)} pp/yr)"
    target = fmt_target(row["target_pct"], row["strict"], missing="-")
    status = row["status"]
    if status == "met":
        tail = f"target {target} met"
    elif status == "projected":
        tail = f"target {target} reached ~{str(row['projected_date'])[:7]} at this pace"
    elif status == "one period only":
        tail = f"target {target}; one period only, no pace yet"
    elif status == "no target":
        tail = "no target (reported)"
    elif status == "overdue at this pace":
        tail = f"target {target} due by this pace but not yet reached"
    else:
        tail = f"target {target} not reached at this pace"
    return f"{head}{row['indicator']}: {values}, {tail}"


def _trends_text(
    info: Any,  # noqa: ANN401 - a DatasetInfo
    table: Any,  # noqa: ANN401 - a DataFrame
    projected: Any,  # noqa: ANN401
    effect: Any,  # noqa: ANN401
    level: str,
) -> str:
    district = level != "province"
    lines = [f"{info.name}: periods {', '.join(info.periods)} ({level})", ""]
    unit = f"{'unit':<26} " if district else ""
    lines.append(
        f"{unit}{'period':<11} {'indicator':<17} {'value':>9} {'reached':>17}  target  met"
    )
    for row in table.to_dict(orient="records"):
        unit = f"{str(row['unit_name'])[:26]:<26} " if district else ""
        reached = f"{fmt_num(row['numerator'])}/{fmt_num(row['denominator'])}"
        value = fmt_pct(row["value_pct"], digits=2, trim=False, missing="-")
        target = fmt_target(row["target_pct"], row["strict"], missing="-")
        lines.append(
            f"{unit}{row['period']:<11} {row['indicator']:<17} {value:>9} "
            f"{reached:>17}  {target:>6}  "
            f"{_met_text(row['met'])}"
        )
    lines += ["", "at the recent pace (least squares over the latest periods):"]
    lines += [
        _projection_line(row, with_unit=district) for row in projected.to_dict(orient="records")
    ]
    if len(effect):
        lines += ["", "the saved plans, if built:"]
        for row in effect.to_dict(orient="records"):
            cost = "" if is_missing(row["cost_vnd"]) else f", cost {fmt_num(row['cost_vnd'])} VND"
            gained = row["households_gained"]
            gain = "" if is_missing(gained) else f", +{fmt_num(float(gained))} households"
            before, after = (
                fmt_pct(row[key], digits=2, trim=False, missing="-")
                for key in ("before_pct", "after_pct")
            )
            lines.append(
                f"plan {row['plan']} ({row['kind']}): {row['indicator']} "
                f"{before} → {after}, target "
                f"{_met_text(row['met_after'])} after{cost}{gain}"
            )
    return "\n".join(lines)


def _cmd_trends(args: argparse.Namespace) -> int:
    from coverage.changes import records
    from coverage.trends import INDICATORS
    from coverage.trends import projection as project
    from geodata.export import write_table
    from geodata.store import Store
    from hatangso import progress

    if args.indicator is not None and args.indicator not in INDICATORS:
        msg = f"unknown indicator {args.indicator!r}; use one of: {', '.join(INDICATORS)}."
        raise InputError(msg)
    store = Store(args.store)
    held = progress.check_periods(store)
    info = store.info()
    layout = None if args.layout is None else store.resolve_layout(args.layout)
    if layout is None and args.level in ("commune", "former_district"):
        msg = f"--level {args.level} needs --layout (e.g. --layout 2025); see `hatangso layouts`."
        raise InputError(msg)
    if layout is None:
        table = progress.series(store, args.level, save=not args.no_save)
    else:
        table = progress.layout_series(store, layout, args.level)
    projected = project(table, as_of=held[-1], level=args.level, window=args.window)
    effect = progress.plan_effects(store)
    if args.indicator is not None:
        table = table[table["indicator"] == args.indicator].reset_index(drop=True)
        projected = projected[projected["indicator"] == args.indicator].reset_index(drop=True)
        effect = effect[effect["indicator"] == args.indicator].reset_index(drop=True)
    if args.out:
        written = write_table(table, args.out, sheet_name=f"trends_{args.level}")
        log.info("wrote %s", written)
    if args.json:
        payload = {
            "ok": True,
            "store": store.location,
            "dataset": info.name,
            "periods": info.periods,
            "level": args.level,
            "layout": layout,
            "series": records(table),
            "projection": records(projected),
            "plans": records(effect),
        }
        if args.out:
            payload["out"] = str(args.out)
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        text = _trends_text(info, table, projected, effect, args.level)
        if layout is not None:
            text = f"in the administrative layout of {layout}\n" + text
            text += _no_data_text(store, layout, table, args.level)
        print(text)  # noqa: T201
    return EXIT_OK


def _no_data_text(store: Any, layout: str, table: Any, level: str) -> str:  # noqa: ANN401
    """Return the lines naming the layout's communes without data (never shown as 0 %)."""
    if level != "commune":
        return ""
    units = store.read_layout(layout)
    communes = units[units["level"].astype(str) == "commune"]
    shown = set(table["unit_id"].astype(str))
    missing = communes[~communes["unit_id"].astype(str).isin(shown)]
    if not len(missing):
        return ""
    names = ", ".join(missing["name"].astype(str).head(MOST_SHOWN))
    more = f" … and {len(missing) - MOST_SHOWN} more" if len(missing) > MOST_SHOWN else ""
    return f"\n\n{len(missing)} communes: chưa có dữ liệu (no data): {names}{more}"


# --------------------------------------------------------------------------- changes

_LIST_TITLES = (
    ("fiber_gained", "villages newly reached by fiber"),
    ("fiber_lost", "villages that lost fiber"),
    ("mobile_4g_gained", "villages newly with 4G"),
    ("mobile_4g_lost", "villages that lost 4G"),
    ("villages_added", "villages added to the list"),
    ("villages_removed", "villages removed from the list"),
    ("sites_added", "sites added"),
    ("sites_removed", "sites removed"),
    ("sites_changed", "sites changed"),
    ("routes_added", "fiber routes added"),
    ("routes_removed", "fiber routes removed"),
    ("routes_changed", "fiber routes extended or shortened"),
    ("nodes_added", "fiber nodes added"),
    ("nodes_removed", "fiber nodes removed"),
)

_SKIPPED_WHEN_EMPTY = frozenset(
    ("villages_added", "villages_removed", "routes_changed", "nodes_added", "nodes_removed")
)

_SUMMARY_HEADER = {
    "operator": "operator",
    "sites_before": "sites before",
    "sites_after": "after",
    "sites_added": "added",
    "sites_removed": "removed",
    "sites_upgraded_5g": "→5G",
    "sites_5g_before": "5G before",
    "sites_5g_after": "5G after",
    "fiber_routes_added": "routes +",
    "fiber_routes_removed": "routes −",
    "fiber_km_added": "fiber km +",
    "fiber_km_removed": "fiber km −",
}


def _item_text(name: str, row: Mapping[str, Any]) -> str:
    from coverage.changes import change_detail

    if name.startswith(("fiber_", "mobile_", "villages_")):
        where = ", ".join(str(row[k]) for k in ("commune", "district") if row.get(k) is not None)
        households = row.get("households")
        hh = (
            ""
            if households is None or is_missing(households)
            else f", {fmt_num(float(households))} households"
        )
        return f"  {row['village_id']} {row['name']} ({where}{hh})"
    key = {"sites": "site_id", "routes": "route_id", "nodes": "node_id"}[name.partition("_")[0]]
    return f"  {row[key]} {row.get('operator')}: {change_detail(name, row)}"


def _changes_text(info_name: str, changes: Any) -> str:  # noqa: ANN401 - PeriodChanges
    summary = changes.summary()
    lines = [f"{info_name}: changes from {changes.before_period} to {changes.after_period}", ""]
    if len(summary):
        shown = summary[list(_SUMMARY_HEADER)].copy()
        for col in ("fiber_km_added", "fiber_km_removed"):
            shown[col] = shown[col].map(lambda km: fmt_num(float(km), 1))
        shown = shown.rename(columns=_SUMMARY_HEADER)
        lines.append(shown.to_string(index=False))
    else:
        lines.append("no sites, fiber routes or nodes in either period")
    lists = changes.to_dict()
    for name, title in _LIST_TITLES:
        rows = lists[name]
        if not rows and name in _SKIPPED_WHEN_EMPTY:
            continue
        lines += ["", f"{title}: {len(rows) if rows else 'none'}"]
        lines += [_item_text(name, row) for row in rows[:MOST_SHOWN]]
        if len(rows) > MOST_SHOWN:
            lines.append(
                f"  … and {len(rows) - MOST_SHOWN} more (all of them with --json or --out)"
            )
    return "\n".join(lines)


def _cmd_changes(args: argparse.Namespace) -> int:
    from geodata.export import write_table
    from geodata.store import Store
    from hatangso import progress

    store = Store(args.store)
    progress.check_periods(store, args.from_period, args.to_period)
    found = progress.changes(
        store, args.from_period, args.to_period, save=not args.no_save, layout=args.layout
    )
    if args.out:
        written = write_table(found.table(), args.out, sheet_name="changes")
        log.info("wrote %s", written)
    if args.json:
        payload = {"ok": True, "store": store.location, **found.to_dict()}
        if args.out:
            payload["out"] = str(args.out)
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_changes_text(store.info().name, found))  # noqa: T201
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trends`` and ``changes`` to the ``hatangso`` command line.

    Parameters
    ----------
    sub
        The subparsers of :func:`hatangso.cli._parser`.
    """
    p = sub.add_parser(
        "trends", help="every indicator over the periods against its target, and its pace"
    )
    p.add_argument("store")
    p.add_argument(
        "--level",
        choices=("province", "district", "commune", "former_district"),
        default="province",
        help="rows of the table (commune and former_district: with --layout)",
    )
    p.add_argument(
        "--layout",
        metavar="DATE",
        help="every period in the administrative layout in force on DATE (a year: its end; "
        "2025: the two-tier units of 2025-07-01), for trends continuous across a reform",
    )
    p.add_argument("--indicator", metavar="KEY", help="only this indicator (e.g. fiber_villages)")
    p.add_argument(
        "--window",
        type=int,
        default=4,
        metavar="N",
        help="fit the pace over at most the N latest periods (default 4)",
    )
    p.add_argument("--out", help="write the table to FILE.csv or FILE.xlsx")
    p.add_argument(
        "--no-save",
        action="store_true",
        help="do not save the coverage computed for periods that have none saved",
    )
    p.add_argument("--json", action="store_true", help="print the series and projection as JSON")
    p.set_defaults(handler=_cmd_trends)

    p = sub.add_parser(
        "changes", help="what changed between two periods: villages reached, sites, fiber"
    )
    p.add_argument("store")
    p.add_argument(
        "--from",
        dest="from_period",
        metavar="YYYY-MM-DD",
        help="the earlier period (default: the one before --to)",
    )
    p.add_argument(
        "--to", dest="to_period", metavar="YYYY-MM-DD", help="the later period (default: latest)"
    )
    p.add_argument(
        "--layout",
        metavar="DATE",
        help="name the villages' communes in the layout in force on DATE (e.g. 2025)",
    )
    p.add_argument("--out", help="write every change to FILE.csv or FILE.xlsx")
    p.add_argument(
        "--no-save",
        action="store_true",
        help="do not save the coverage computed for periods that have none saved",
    )
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.set_defaults(handler=_cmd_changes)
