"""``hatangso costs list`` and ``costs import``: the prices the plans use, with sources.

``list`` prints the cost table in use for a period (the period's own, an earlier
period's, or the default shipped with the package), every row with its source;
``import`` checks a CSV of rows to change (``key,value,unit,source``) and saves the
updated table into the period (:mod:`hatangso.costs`). Importing is the department's.
"""

from __future__ import annotations

import argparse
import json

from hatangso.cli.common import EXIT_OK, as_option, identity, log, period_option
from hatangso.formatting import fmt_num

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``costs list`` and ``costs import`` to the command line."""
    p = sub.add_parser("costs", help="the cost table the plans use (prices with sources)")
    costs_sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = costs_sub.add_parser("list", help="print the cost table in use, with sources")
    q.add_argument("store")
    period_option(q)
    q.add_argument("--json", action="store_true", help="print the rows as JSON")
    q.set_defaults(handler=_cmd_list)
    q = costs_sub.add_parser("import", help="check a CSV of prices and save it into the period")
    q.add_argument("store")
    q.add_argument("file", help="CSV: key,value,unit,source (only the rows to change)")
    period_option(q)
    as_option(q)
    q.add_argument("--json", action="store_true", help="print what changed as JSON")
    q.set_defaults(handler=_cmd_import)


def _value(value: float) -> str:
    return fmt_num(value, 0 if float(value).is_integer() else 2)


def _cmd_list(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.costs import load_cost_table

    store = Store(args.store, period=args.period)
    store.check()  # a mistyped path is an error, not the default table
    table = load_cost_table(store)
    if args.json:
        payload = {"origin": table.origin, "rows": table.records()}
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
        return EXIT_OK
    lines = [f"Bảng đơn giá: {table.origin} ({len(table.rows)} dòng)", ""]
    width = max(len(r.key) for r in table.rows)
    for r in table.rows:
        lines.append(f"{r.key:<{width}}  {_value(r.value):>15} {r.unit}")
        lines.append(f"{'':<{width}}  nguồn: {r.source}")
    print("\n".join(lines))  # noqa: T201
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.access import AccessDenied
    from hatangso.costs import import_cost_file, save_cost_table

    store = Store(args.store, period=args.period)
    store.check()
    args.actor, role = identity(store, args.user)
    if not role.can_publish:
        msg = f"{role}: only the department changes the cost table."
        raise AccessDenied(msg)
    table, changed = import_cost_file(store, args.file)
    detail = {"file": str(args.file), "changed": changed}
    save_cost_table(store, table, actor=args.actor, detail=detail)
    log.info("saved the cost table into %s, period %s", store.location, store.period)
    if args.json:
        payload = {"ok": True, "period": store.period, "changed": changed}
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        lines = [f"Đã lưu bảng đơn giá vào kỳ {store.period}: {len(changed)} dòng thay đổi."]
        lines += [f"  {k}: {_value(table[k])} {table.row(k).unit}" for k in changed]
        print("\n".join(lines))  # noqa: T201
    return EXIT_OK
