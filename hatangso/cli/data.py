"""``hatangso validate``, ``import`` and ``layers``: files into a store, and what it holds.

``validate`` checks a layer file against the data contract (:mod:`geodata.schemas`)
without writing; ``import`` validates it and writes it into a store as one period's layer
(the department only, audited); ``layers`` lists a store's periods and a period's layers;
``profiles`` lists the import profiles saved in a store.

A table as operators send it (a title block, a header over two rows, a "Tổng cộng" row)
is read as it is (:mod:`geodata.sheets`); what was skipped is printed. ``--operator``
gives the operator of a whole site list; ``--profile NAME`` reads a file the way a saved
profile says and ``--save-profile NAME`` saves the way this one was read
(:mod:`geodata.mapping`).

The evidence layers (``measurements``, ``speed_tiles``) are read in bulk
(:mod:`geodata.evidence`): the valid rows are kept and every rejected row is reported with
its reason and row number (all of them with ``--rejected FILE.csv``); ``--strict`` refuses
the whole file instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from geodata.errors import InputError
from geodata.errors import format_report as _format_report
from hatangso.cli.common import EXIT_OK, as_option, identity, period_option
from hatangso.formatting import fmt_int, validation_text

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``validate``, ``import`` and ``layers`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser("validate", help="check a layer file against the data contract")
    _read_options(p)
    p.add_argument(
        "--store",
        help="check ids against this store (e.g. villages' commune_id; commune names are "
        "matched to codes) and read --profile from it",
    )
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("import", help="validate a file and write it into a store")
    _read_options(p)
    p.add_argument("--into", required=True, help="the store (.gpkg); created when missing")
    as_option(p)
    p.add_argument("--as-of", help="the period the data describes, YYYY-MM-DD")
    p.add_argument("--source", help="where the data comes from (recorded)")
    p.add_argument("--licence", help="the data's licence (recorded)")
    p.add_argument("--synthetic", action="store_true", help="flag the layer as synthetic")
    p.add_argument(
        "--from-layout",
        metavar="YYYY-MM-DD",
        help="crosswalk: the older layout (default the one before --layout)",
    )
    p.add_argument(
        "--mode",
        choices=("replace", "upsert", "add"),
        default=None,
        help="replace the layer, upsert by id (e.g. one operator at a time) or add only the "
        "features whose id is new (keep every feature held as it is); default "
        "replace, except measurements and speed_tiles: added to the period's, replacing only "
        "the rows of the same file and campaign (speed tiles: of the same quarter and type)",
    )
    p.add_argument(
        "--save-profile",
        metavar="NAME",
        help="save how this file was read (columns, sheet, operator, CRS) as an import "
        "profile of the store, e.g. 'MobiFone — danh sách BTS'; reuse it with --profile",
    )
    p.set_defaults(handler=_cmd_import)

    p = sub.add_parser("profiles", help="list the import profiles saved in a store")
    p.add_argument("store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_profiles)
    p = sub.add_parser(
        "layouts", help="list a store's administrative layouts, their periods and crosswalks"
    )
    p.add_argument("store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_layouts)

    p = sub.add_parser("layers", help="list a store's periods and a period's layers")
    p.add_argument("store")
    period_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_layers)


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="GeoJSON, GeoPackage, Shapefile (.shp/folder/.zip), CSV, Excel")
    p.add_argument(
        "--layer",
        required=True,
        help="contract layer: admin_units, villages, clusters, fiber_routes, fiber_nodes, "
        "mobile_sites, roads, power_lines, priority_places; evidence: measurements, "
        "speed_tiles, complaints (rasters: population_density, elevation, land_cover: ESA "
        "WorldCover class codes)",
    )
    p.add_argument(
        "--crs",
        help="CRS of a file that declares none: vn2000-binhdinh, vn2000-utm49, utm49n, wgs84, "
        "EPSG:n",
    )
    p.add_argument(
        "--encoding", help="text encoding: tcvn3, vni (legacy Vietnamese), utf-8, cp1258, none"
    )
    p.add_argument("--swap-xy", action="store_true", help="swap x and y (lat/lon order)")
    p.add_argument("--repair", action="store_true", help="repair invalid geometries")
    p.add_argument("--source-layer", help="the layer to read inside a GeoPackage")
    p.add_argument(
        "--sheet", help="the Excel sheet to read, by name or 0-based number (default: the first)"
    )
    p.add_argument(
        "--operator",
        help="the operator of every row, for a site list without an operator column (e.g. "
        "MobiFone); default: recognised from the title block or the site codes' prefix, "
        "and printed",
    )
    p.add_argument(
        "--profile",
        metavar="NAME",
        help="read the file as the store's import profile NAME says (hatangso profiles STORE)",
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="read the contract field FIELD from the file's column HEADER, for a header the "
        "contract does not know, e.g. --column name=name_cv1027 (repeatable; saved with "
        "--save-profile)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    g = p.add_argument_group(
        "evidence layers (measurements, speed_tiles)",
        "Valid rows are kept and every rejected row is reported with its reason and row "
        "number. Times: dd/mm/yyyy hh:mm[:ss], ISO 8601 or Unix time; a time without a zone "
        "is Vietnam's (Asia/Ho_Chi_Minh, UTC+7). Column mappings: docs/EVIDENCE.md.",
    )
    g.add_argument(
        "--strict",
        action="store_true",
        help="refuse the whole file when any row is invalid (default: keep the valid rows "
        "and report every rejected one)",
    )
    g.add_argument(
        "--rejected",
        metavar="FILE.csv",
        help="write every rejected row (row, reason, column, value) to this file",
    )
    g.add_argument(
        "--campaign",
        help="the measurement campaign, when the file has no campaign column (default the "
        "file's name)",
    )
    g.add_argument(
        "--source-kind",
        choices=("drive_test", "crowdsourced", "speed_test"),
        help="what kind of measurement, when the file does not say (default: the app's, "
        "else drive_test)",
    )
    p.add_argument(
        "--layout",
        metavar="LAYOUT",
        help="admin_units: YYYY-MM-DD, these units are a new administrative layout in force "
        "from that date (written into that period; later periods take it); crosswalk: the "
        "newer layout (default the newest); measurements: the app's export layout (auto, "
        "generic, towercollector, gnettrack; default auto: recognised by the header)",
    )
    g.add_argument("--net-type", choices=("mobile", "fixed"), help="speed tiles: mobile or fixed")
    g.add_argument(
        "--quarter-start",
        metavar="YYYY-MM-DD",
        help="speed tiles: the quarter's first day (default from the published file name)",
    )


def _evidence_options(args: argparse.Namespace) -> Any:  # noqa: ANN401 - EvidenceOptions
    from geodata.importer import EvidenceOptions

    return EvidenceOptions(
        campaign=args.campaign,
        source_kind=args.source_kind,
        layout=_export_layout(args),
        net_type=args.net_type,
        quarter_start=args.quarter_start,
        strict=args.strict,
    )


def _evidence_summary(validated: Any, args: argparse.Namespace) -> dict[str, Any]:  # noqa: ANN401
    """Report an evidence file's rows read, kept, rejected; write the rejected rows."""
    from geodata.evidence import EvidenceLayer
    from geodata.export import write_table

    if not isinstance(validated, EvidenceLayer):
        return {}
    if args.rejected:
        write_table(validated.rejected, args.rejected)
    return {
        "rows_read": validated.read_rows,
        "rows_kept": len(validated.frame),
        "rows_rejected": len(validated.rejected),
        "rows_skipped": dict(validated.skipped),
        "rejected": validated.rejected.astype(object)
        .where(validated.rejected.notna(), None)
        .to_dict("records"),
    }


def _evidence_line(summary: dict[str, Any]) -> str:
    skipped = sum(summary["rows_skipped"].values())
    return (
        f"{fmt_int(summary['rows_read'])} rows read: {fmt_int(summary['rows_kept'])} kept, "
        f"{fmt_int(summary['rows_rejected'])} rejected"
        + (f", {fmt_int(skipped)} skipped" if skipped else "")
        + "."
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from geodata.importer import load_layer
    from geodata.store import Store

    context = Store(args.store).validation_context() if args.store else None
    if args.store:
        Store(args.store).check()
    profile = None
    if args.profile:
        if not args.store:
            from geodata.errors import InputError

            msg = "--profile needs --store: the profiles are kept in the store."
            raise InputError(msg)
        profile = Store(args.store).profile(args.profile)
    from geodata.crs import expected_extent, extent_on

    periods = Store(args.store).periods() if args.store else []
    with expected_extent(extent_on(periods[-1] if periods else None)):  # as import would
        validated = load_layer(
            args.file,
            layer=args.layer,
            crs=args.crs,
            encoding=args.encoding,
            swap_xy=args.swap_xy,
            repair=args.repair,
            context=context,
            source_layer=args.source_layer,
            sheet=args.sheet,
            evidence=_evidence_options(args),
            operator=args.operator,
            columns=_column_options(args.column),
            profile=profile,
        )
    report = _format_report(validated.source, validated.layer, validated.problems)
    summary = _evidence_summary(validated, args)
    if args.json:
        payload = {
            "ok": True,
            "file": validated.source,
            "layer": validated.layer,
            "features": len(validated.frame),
            "problems": [p.as_dict() for p in validated.problems],
            "notes": validated.notes,
            "columns": validated.columns,
            **summary,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
        print(report, file=sys.stderr)  # noqa: T201
    else:
        print(validation_text(report, len(validated.frame)))  # noqa: T201
        if summary:
            print(_evidence_line(summary))  # noqa: T201
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:  # noqa: C901 - one command's branches
    from geodata.importer import import_file
    from geodata.store import Store
    from hatangso import audit

    if args.layer == "crosswalk":
        return _import_crosswalk(args)
    if args.layout is not None and args.layer == "admin_units":
        if args.as_of is not None and args.as_of != args.layout:
            msg = f"--layout {args.layout} is the period the units start; drop --as-of."
            raise InputError(msg)
        args.as_of = _layout_date(args.layout)
    store = Store(args.into, period=args.as_of)
    actor, role = identity(store, args.user)
    if not role.can_import:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department imports data."
        raise AccessDenied(msg)

    def record(tx: Any, layer: str, features: int | None) -> None:  # noqa: ANN401
        """Audit the import in its own transaction: both commit or neither does."""
        latest = tx.row("SELECT MAX(period) FROM hatangso_periods")
        period = args.as_of or (latest[0] if latest else None)
        detail = {"file": Path(args.file).name, "period": period, "features": features}
        if args.layout is not None and layer == "admin_units":
            store.register_layout(tx, args.as_of, Path(args.file).name)
            detail["layout"] = args.as_of
        audit.record(tx, actor, "import", layer, detail)

    validated = import_file(
        args.file,
        layer=args.layer,
        into=store,
        as_of=args.as_of,
        source=args.source,
        licence=args.licence,
        synthetic=args.synthetic,
        mode=args.mode,
        crs=args.crs,
        encoding=args.encoding,
        swap_xy=args.swap_xy,
        repair=args.repair,
        source_layer=args.source_layer,
        sheet=args.sheet,
        also=record,
        evidence=_evidence_options(args),
        operator=args.operator,
        columns=_column_options(args.column),
        profile=args.profile,
        save_profile=args.save_profile,
        actor=actor,
    )
    count = None if validated is None else len(validated.frame)
    layer = args.layer if validated is None else validated.layer
    summary = _evidence_summary(validated, args)
    if args.json:
        payload = {
            "ok": True,
            "store": store.location,
            "period": store.period,
            "layer": layer,
            "features": count,
            **summary,
        }
        if validated is not None:
            payload["warnings"] = [p.as_dict() for p in validated.warnings]
            payload["notes"] = validated.notes
            payload["columns"] = validated.columns
        if args.save_profile:
            payload["profile_saved"] = args.save_profile
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        if validated is not None and validated.warnings:
            print(  # noqa: T201
                _format_report(validated.source, validated.layer, validated.problems),
                file=sys.stderr,
            )
        what = "raster" if count is None else f"{fmt_int(count)} features"
        print(  # noqa: T201
            f"imported {Path(args.file).name} as {layer!r} into {store.location}, "
            f"period {store.period} ({what})."
        )
        if summary:
            print(_evidence_line(summary))  # noqa: T201
        if args.save_profile:
            print(  # noqa: T201
                f"import profile {args.save_profile!r} saved: next time, "
                f"--profile {args.save_profile!r}."
            )
    return EXIT_OK


def _column_options(given: list[str]) -> dict[str, str] | None:
    """Parse ``--column FIELD=HEADER`` options; a malformed one is refused, naming it."""
    out: dict[str, str] = {}
    for item in given:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            msg = (
                f"--column {item!r}: write the contract field, '=' and the file's header, "
                "e.g. --column name=name_cv1027."
            )
            raise InputError(msg)
        out[field.strip()] = header.strip()
    return out or None


def _cmd_profiles(args: argparse.Namespace) -> int:
    from geodata.store import Store

    store = Store(args.store)
    store.check()
    profiles = store.profiles()
    if args.json:
        print(json.dumps([p.as_dict() for p in profiles], ensure_ascii=False, indent=2))  # noqa: T201
        return EXIT_OK
    if not profiles:
        print(  # noqa: T201
            f"{store.location}: no import profile yet (save one with "
            "`hatangso import FILE … --save-profile NAME`)."
        )
        return EXIT_OK
    for profile in profiles:
        extras = [
            f"{label} {value}"
            for label, value in (
                ("sheet", profile.sheet),
                ("operator", profile.operator),
                ("crs", profile.crs),
                ("encoding", profile.encoding),
            )
            if value
        ]
        columns = ", ".join(f"{k} ← {v!r}" for k, v in profile.columns.items())
        print(  # noqa: T201
            f"{profile.name}  [{profile.layer}]  saved {profile.saved_at or '?'} by "
            f"{profile.saved_by or '?'}"
        )
        if extras:
            print(f"  {'; '.join(extras)}")  # noqa: T201
        print(f"  columns: {columns or '(recognised from the header)'}")  # noqa: T201
    return EXIT_OK


_EXPORT_LAYOUTS = ("auto", "generic", "towercollector", "gnettrack")


def _export_layout(args: argparse.Namespace) -> str | None:
    """Return ``--layout`` as a measurement app's export layout (``None`` otherwise)."""
    if args.layout is None or args.layer in ("admin_units", "crosswalk"):
        return None
    if args.layout not in _EXPORT_LAYOUTS:
        msg = (
            f"--layout {args.layout!r}: for {args.layer} it is the export layout, one of "
            f"{', '.join(_EXPORT_LAYOUTS)}; an administrative layout goes with "
            "--layer admin_units."
        )
        raise InputError(msg)
    return str(args.layout)


def _layout_date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        msg = f"--layout {text!r}: give the date the units took effect, YYYY-MM-DD."
        raise InputError(msg) from None


def _import_crosswalk(args: argparse.Namespace) -> int:
    from geodata.importer import import_crosswalk
    from geodata.store import Store
    from hatangso import audit

    store = Store(args.into)
    actor, role = identity(store, args.user)
    if not role.can_import:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department imports data."
        raise AccessDenied(msg)
    table, old, new = import_crosswalk(
        args.file, into=store, from_layout=args.from_layout, to_layout=args.layout
    )
    detail = {"file": Path(args.file).name, "from": old, "to": new, "rows": len(table)}
    with store.transaction() as tx:
        audit.record(tx, actor, "import", "crosswalk", detail)
    split = sorted(set(table.loc[table["share"].isin(("part", "remainder")), "old_code"]))
    if args.json:
        payload = {
            "ok": True,
            "store": store.location,
            "layer": "crosswalk",
            "from_layout": old,
            "to_layout": new,
            "rows": len(table),
            "old_units": int(table["old_code"].nunique()),
            "new_units": int(table["new_code"].nunique()),
            "split": split,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(  # noqa: T201
            f"imported {Path(args.file).name} as the crosswalk from layout {old} to {new} "
            f"into {store.location}: {fmt_int(len(table))} rows, "
            f"{fmt_int(table['old_code'].nunique())} old units → "
            f"{fmt_int(table['new_code'].nunique())} new; split (by location): "
            f"{', '.join(split) or 'none'}."
        )
    return EXIT_OK


def _cmd_layouts(args: argparse.Namespace) -> int:
    from geodata.store import Store

    store = Store(args.store)
    layouts = store.layouts()
    pairs = store.crosswalk_pairs()
    if args.json:
        payload = {
            "store": store.location,
            "layouts": [layout.as_dict() for layout in layouts],
            "crosswalks": [{"from": a, "to": b, "rows": n} for a, b, n in pairs],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
        return EXIT_OK
    print(f"administrative layouts of {store.location}")  # noqa: T201
    for layout in layouts:
        units = ", ".join(f"{fmt_int(n)} {level}" for level, n in layout.units.items())
        print(  # noqa: T201
            f"{layout.layout_id}  {' / '.join(layout.levels):<28} {units}; "
            f"periods {', '.join(layout.periods)}"
        )
    for old, new, rows in pairs:
        print(f"crosswalk {old} → {new}: {fmt_int(rows)} rows")  # noqa: T201
    if not pairs and len(layouts) > 1:
        print("no crosswalk yet: `hatangso import FILE --layer crosswalk --into STORE`")  # noqa: T201
    return EXIT_OK


def _cmd_layers(args: argparse.Namespace) -> int:
    from geodata.store import Store

    info = Store(args.store, period=args.period).info()
    if args.json:
        print(json.dumps(info.as_dict(), ensure_ascii=False, indent=2))  # noqa: T201
        return EXIT_OK
    print(f"{info.name}  (as of {info.as_of})  {info.path}")  # noqa: T201
    print(f"periods: {', '.join(info.periods)}")  # noqa: T201
    header = (
        f"{'layer':<20} {'kind':<7} {'count':>8}  {'geometry':<16} {'crs':<10} "
        f"{'as_of':<11} synthetic"
    )
    print(header)  # noqa: T201
    for row in info.layers:
        count = fmt_int(row.feature_count)
        print(  # noqa: T201
            f"{row.layer:<20} {row.kind:<7} {count:>8}  {row.geometry_type or '-':<16} "
            f"{row.crs or '-':<10} {row.as_of or '-':<11} {'yes' if row.synthetic else 'no'}"
        )
    return EXIT_OK
