"""``hatangso targets list|add|import`` and ``hatangso org list|add``: targets and names as data.

The province's targets (indicator, comparison, value, valid from/to, source document) and
the department's name over time are tables in the store (:mod:`hatangso.targets`). A new
plan period's targets (e.g. 2026-2030) are added here or imported from a CSV/Excel file,
without a code change; each period is then judged against the targets in force on its
date. Additions are checked as a whole table (unknown indicator, overlapping validity for
the same indicator, a value outside 0-100, a start after the end are refused, nothing is
written) and audited; only the department adds (``--as`` narrows to an account's role).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from hatangso.cli.common import EXIT_OK, as_option, identity

if TYPE_CHECKING:  # the handlers import the store when they run: `hatangso --help` stays fast
    from coverage.targets import TargetRule
    from geodata.store import Store
    from hatangso.targets import Organisation

__all__ = ["register"]


def _print_json(payload: object) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201


def _store(args: argparse.Namespace) -> Store:
    from geodata.store import Store

    store = Store(args.store)
    store.check()
    return store


def _department(store: Store, args: argparse.Namespace) -> str:
    """Return the actor, refusing anyone but the department."""
    actor, role = identity(store, args.user)
    if not role.can_edit:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department changes the targets and the organisation's name."
        raise AccessDenied(msg)
    return str(actor)


def _day_text(day: Any) -> str:  # noqa: ANN401 - a date or None
    from hatangso.formatting import fmt_date

    return "…" if day is None else fmt_date(day)


def _rules_text(rules: tuple[TargetRule, ...], first_line: str, on: str | None) -> str:
    from hatangso.formatting import fmt_num

    lines = [first_line, ""]
    lines.append(f"{'indicator':<18} {'target':>9}  {'valid from':<10}  {'to':<10}  source")
    for r in rules:
        shown = f"{r.comparison} {fmt_num(r.value_pct, 0 if r.value_pct.is_integer() else 1)} %"
        mark = "* " if on and r.in_force(_parse_on(on)) else "  "
        lines.append(
            f"{mark if on else ''}{r.indicator:<18} {shown:>9}  {_day_text(r.valid_from):<10}  "
            f"{_day_text(r.valid_to):<10}  {r.source}"
        )
    if on:
        lines += ["", f"*: in force on {on}"]
    return "\n".join(lines)


def _parse_on(text: str) -> Any:  # noqa: ANN401 - a date
    from coverage.targets import parse_date

    return parse_date(text, "--on")


def _first_line(store: Store, on: str | None) -> str:
    """Return the organisation in force on ``on`` (default the latest period), then the store."""
    from hatangso.targets import organisation_for

    day = _parse_on(on) if on else (store.period if store.periods() else None)
    org = organisation_for(store, day)
    return f"{org.name + ' — ' if org else ''}{store.location}"


def _cmd_list(args: argparse.Namespace) -> int:
    from coverage.targets import targets_in_force
    from hatangso.targets import target_rules

    store = _store(args)
    rules = target_rules(store)
    if args.json:
        payload: dict[str, Any] = {"ok": True, "targets": [r.as_record() for r in rules]}
        if args.on:
            day = _parse_on(args.on)
            payload["on"] = day.isoformat()
            payload["in_force"] = [
                {"indicator": t.id, "target_pct": t.target_pct, "comparison": t.comparison}
                for t in targets_in_force(rules, day)
            ]
        _print_json(payload)
    else:
        print(_rules_text(rules, _first_line(store, args.on), args.on))  # noqa: T201
    return EXIT_OK


def _cmd_add(args: argparse.Namespace) -> int:
    from coverage.targets import rule_from_record
    from hatangso.targets import add_targets

    store = _store(args)
    actor = _department(store, args)
    rule = rule_from_record(
        {
            "indicator": args.indicator,
            "comparison": args.comparison,
            "value_pct": args.value,
            "valid_from": args.valid_from,
            "valid_to": args.valid_to,
            "source": args.source,
            "title_vi": args.title,
        }
    )
    table = add_targets(store, [rule], actor=actor)
    if args.json:
        _print_json({"ok": True, "added": [rule.as_record()], "targets": _records(table)})
    else:
        print(f"added the target {_one(rule)} to {store.location}.")  # noqa: T201
    return EXIT_OK


def _records(rules: tuple[TargetRule, ...]) -> list[dict[str, Any]]:
    return [r.as_record() for r in rules]


def _one(rule: TargetRule) -> str:
    from coverage.targets import span_text

    return (
        f"{rule.indicator} {rule.comparison} {rule.value_pct:g} % "
        f"({span_text(rule.valid_from, rule.valid_to)})"
    )


def _cmd_import(args: argparse.Namespace) -> int:
    from hatangso.targets import import_targets

    store = _store(args)
    actor = _department(store, args)
    added, table = import_targets(store, args.file, actor=actor, sheet=args.sheet)
    if args.json:
        _print_json({"ok": True, "added": _records(added), "targets": _records(table)})
    else:
        lines = [f"imported {len(added)} targets from {args.file} into {store.location}:"]
        lines += [f"  {_one(r)}" for r in added]
        print("\n".join(lines))  # noqa: T201
    return EXIT_OK


def _org_line(org: Organisation) -> str:
    return (
        f"{_day_text(org.valid_from):<10}  {_day_text(org.valid_to):<10}  {org.name} "
        f"({org.short_name})"
    )


def _cmd_org_list(args: argparse.Namespace) -> int:
    from hatangso.targets import organisation_on, organisations

    store = _store(args)
    names = organisations(store)
    if args.json:
        payload: dict[str, Any] = {"ok": True, "organisations": [o.as_record() for o in names]}
        if args.on:
            found = organisation_on(names, _parse_on(args.on))
            payload["on"] = _parse_on(args.on).isoformat()
            payload["in_force"] = None if found is None else found.as_record()
        _print_json(payload)
        return EXIT_OK
    lines = [_first_line(store, args.on), "", f"{'from':<10}  {'to':<10}  name"]
    lines += [_org_line(o) for o in names]
    print("\n".join(lines))  # noqa: T201
    return EXIT_OK


def _cmd_org_add(args: argparse.Namespace) -> int:
    from hatangso.targets import add_organisation

    store = _store(args)
    actor = _department(store, args)
    names = add_organisation(
        store,
        args.name,
        short_name=args.short_name or "",
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        source=args.source or "",
        actor=actor,
    )
    if args.json:
        _print_json({"ok": True, "organisations": [o.as_record() for o in names]})
    else:
        lines = [f"added {args.name!r} to {store.location}; the names now:"]
        lines += [f"  {_org_line(o)}" for o in names]
        print("\n".join(lines))  # noqa: T201
    return EXIT_OK


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True, help="the store (.gpkg or postgresql:// URL)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _validity(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="valid_from", help="first day in force (2026-01-01 or 01/01/2026)"
    )
    p.add_argument("--to", dest="valid_to", help="last day in force (empty: no end)")
    p.add_argument("--source", help="the document that sets it (resolution, plan, decision)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hatangso targets …`` and ``hatangso org …`` to the command line.

    Parameters
    ----------
    sub
        The top-level ``add_subparsers()`` of ``hatangso``; each command sets
        ``handler`` (a function of the parsed arguments returning the exit status).
    """
    p = sub.add_parser("targets", help="the province's targets: list, add, import")
    targets = p.add_subparsers(dest="targets_command", required=True, metavar="ACTION")

    q = targets.add_parser("list", help="the targets table (the defaults until one is added)")
    q.add_argument("--on", help="mark the targets in force on this date")
    _common(q)
    q.set_defaults(handler=_cmd_list)

    q = targets.add_parser("add", help="add one target (e.g. of the 2026-2030 plan)")
    q.add_argument("indicator", help="fiber_communes, fiber_villages, fiber_households, …")
    q.add_argument("comparison", help=">= (reach), > (exceed) or =")
    q.add_argument("value", help="the target in percent, 0-100 (e.g. 95)")
    _validity(q)
    q.add_argument("--title", help="the indicator as the document names it")
    _common(q)
    as_option(q)
    q.set_defaults(handler=_cmd_add)

    q = targets.add_parser(
        "import",
        help="add the targets of a CSV/Excel file (columns indicator, comparison, value_pct, "
        "valid_from, valid_to, source): all of them or none",
    )
    q.add_argument("file")
    q.add_argument("--sheet", help="the Excel sheet (default the first)")
    _common(q)
    as_option(q)
    q.set_defaults(handler=_cmd_import)

    p = sub.add_parser("org", help="the department's name over time: list, add")
    org = p.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    q = org.add_parser("list", help="the names and their dates")
    q.add_argument("--on", help="the first line names the one in force on this date")
    _common(q)
    q.set_defaults(handler=_cmd_org_list)

    q = org.add_parser("add", help="a new name from a date (the current one ends the day before)")
    q.add_argument("name", help="the full name, e.g. 'Sở Khoa học và Công nghệ tỉnh Gia Lai'")
    q.add_argument("--short-name", help="e.g. 'Sở KH&CN tỉnh Gia Lai' (default the full name)")
    _validity(q)
    _common(q)
    as_option(q)
    q.set_defaults(handler=_cmd_org_add)
