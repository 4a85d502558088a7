"""``hatangso report`` and ``hatangso export``: a period's content as files for others.

``report`` writes the leadership report in Vietnamese (:mod:`hatangso.report`, PDF or
Excel); ``export`` writes one layer of a period (GeoJSON, KML, CSV or Excel), an
operator's own rows only when it acts (``--as``). Both are audited as an ``export``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geodata.errors import InputError
from hatangso.cli.common import EXIT_OK, as_option, identity, log, period_option, record_audit
from hatangso.formatting import fmt_int

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report`` and ``export`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser("report", help="the leadership report in Vietnamese (PDF or Excel)")
    p.add_argument("store")
    as_option(p)
    p.add_argument("--out", required=True, help="write the report to FILE.pdf or FILE.xlsx")
    p.add_argument(
        "--layout",
        metavar="DATE",
        help="the figures in the administrative layout in force on DATE (a year: its end; 2025: "
        "by xã/phường of 2025-07-01, with a table by former district)",
    )
    period_option(p)
    p.add_argument("--json", action="store_true", help="print a small summary as JSON")
    p.set_defaults(handler=_cmd_report)

    p = sub.add_parser("export", help="write one layer of a period to a file")
    p.add_argument("store")
    p.add_argument("layer", help="a layer name (see `hatangso layers`), e.g. mobile_sites")
    p.add_argument("--out", required=True, help="FILE.geojson, .kml, .csv or .xlsx")
    p.add_argument("--operator", help="only this operator's rows (e.g. MobiFone)")
    period_option(p)
    as_option(p)
    p.set_defaults(handler=_cmd_export)


def _cmd_report(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.access import check_layer_request
    from hatangso.report import build_report, write_report

    store = Store(args.store, period=args.period)
    actor, role = identity(store, args.user)
    check_layer_request(role, "report")
    data = build_report(args.store, period=args.period, layout=args.layout)
    written = write_report(data, args.out)
    log.info("wrote %s", written)
    record_audit(
        store, actor, "export", "report", {"out": Path(written).name, "period": store.period}
    )
    if args.json:
        payload = {
            "ok": True,
            "out": str(written),
            "dataset": data.dataset,
            "as_of": data.as_of.isoformat(),
            "indicators": [
                {"title": i.title, "status": i.status, "met": i.met} for i in data.indicators
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(f"wrote {written}: {data.title}, số liệu đến ngày {data.as_of:%d/%m/%Y}.")  # noqa: T201
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from geodata.export import write_kml, write_table
    from geodata.store import Store
    from hatangso.access import canonical_operator, check_layer_request, filter_rows

    if Path(args.out).suffix.lower() not in (".geojson", ".kml", ".csv", ".xlsx"):
        msg = f"{Path(args.out).name}: write the layer as .geojson, .kml, .csv or .xlsx."
        raise InputError(msg)
    store = Store(args.store, period=args.period)
    actor, role = identity(store, args.user)
    try:
        scope = check_layer_request(role, args.layer, operator=args.operator)
    except InputError:
        record_audit(store, actor, "access_denied", args.layer, {"operator": args.operator})
        raise
    frame = filter_rows(role, store.read(args.layer))
    wanted = scope or args.operator
    if wanted and "operator" in frame.columns:
        frame = frame[frame["operator"] == (canonical_operator(wanted) or wanted)]
    out = Path(args.out)
    if out.suffix.lower() == ".kml":
        from geodata.schemas import LAYERS

        label = "name" if "name" in frame.columns else LAYERS.get(args.layer, None)
        name_column = label if isinstance(label, str) else getattr(label, "id_column", None)
        written = write_kml(
            frame, out, name_column=name_column, document_name=f"Hạ tầng số — {args.layer}"
        )
    else:
        written = write_table(frame, out, sheet_name=args.layer)
    record_audit(
        store,
        actor,
        "export",
        args.layer,
        {"out": written.name, "period": store.period, "rows": len(frame)},
    )
    count = fmt_int(len(frame))
    print(f"wrote {written}: {args.layer}, {count} rows, period {store.period}.")  # noqa: T201
    return EXIT_OK
