"""The ``hatangso`` command line: the same functions as the app, from a terminal.

Exit status: 0 success, 2 invalid input (the readable report on stderr, never a
traceback), 1 internal error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata._errors import InputError, LayerValidationError, LegacyEncodingWarning
from geodata._errors import format_report as _format_report

if TYPE_CHECKING:  # the commands import their heavy modules when they run
    import geopandas as gpd
    import pandas as pd

__all__ = ["main"]

log = logging.getLogger("hatangso")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with warnings.catch_warnings():
            # Reported through the validation report; don't print them twice.
            warnings.simplefilter("ignore", LegacyEncodingWarning)
            return handler(args)
    except LayerValidationError as err:
        _emit_json_error(args, err.source, err.layer, err)
        print(err.report(), file=sys.stderr)  # noqa: T201
        return EXIT_INPUT
    except InputError as err:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": str(err)}, ensure_ascii=False))  # noqa: T201
        print(f"error: {err}", file=sys.stderr)  # noqa: T201
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)  # noqa: T201
        return 130
    except Exception as err:  # the last line of defence: no traceback for users
        if args.debug:
            raise
        print(  # noqa: T201
            f"internal error: {type(err).__name__}: {err}\n"
            "This is a bug in Hạ tầng số, not in your data. Re-run with --debug and report "
            "the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _emit_json_error(
    args: argparse.Namespace, source: str, layer: str, err: LayerValidationError
) -> None:
    if getattr(args, "json", False):
        payload = {
            "ok": False,
            "file": source,
            "layer": layer,
            "problems": [p.as_dict() for p in err.problems],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201


# --------------------------------------------------------------------------- commands


def _cmd_validate(args: argparse.Namespace) -> int:
    from geodata.importer import load_layer
    from geodata.store import Store

    context = Store(args.store).validation_context() if args.store else None
    if args.store:
        Store(args.store).check()
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
    )
    report = _format_report(validated.source, validated.layer, validated.problems)
    if args.json:
        payload = {
            "ok": True,
            "file": validated.source,
            "layer": validated.layer,
            "features": len(validated.frame),
            "problems": [p.as_dict() for p in validated.problems],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
        print(report, file=sys.stderr)  # noqa: T201
    else:
        print(f"{report} {len(validated.frame):,} features.".replace(",", "."))  # noqa: T201
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from geodata.importer import import_file
    from geodata.store import Store

    store = Store(args.into)
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
    )
    count = None if validated is None else len(validated.frame)
    layer = args.layer if validated is None else validated.layer
    if args.json:
        payload = {"ok": True, "store": str(store.path), "layer": layer, "features": count}
        if validated is not None:
            payload["warnings"] = [p.as_dict() for p in validated.warnings]
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        if validated is not None and validated.warnings:
            print(  # noqa: T201
                _format_report(validated.source, validated.layer, validated.problems),
                file=sys.stderr,
            )
        what = "raster" if count is None else f"{count:,} features".replace(",", ".")
        print(f"imported {Path(args.file).name} as {layer!r} into {store.path} ({what}).")  # noqa: T201
    return EXIT_OK


def _cmd_layers(args: argparse.Namespace) -> int:
    from geodata.store import Store

    info = Store(args.store).info()
    if args.json:
        print(json.dumps(info.as_dict(), ensure_ascii=False, indent=2))  # noqa: T201
        return EXIT_OK
    print(f"{info.name}  (as of {info.as_of})  {info.path}")  # noqa: T201
    header = (
        f"{'layer':<20} {'kind':<7} {'count':>8}  {'geometry':<16} {'crs':<10} "
        f"{'as_of':<11} synthetic"
    )
    print(header)  # noqa: T201
    for row in info.layers:
        count = f"{row.feature_count:,}".replace(",", ".")
        print(  # noqa: T201
            f"{row.layer:<20} {row.kind:<7} {count:>8}  {row.geometry_type or '-':<16} "
            f"{row.crs or '-':<10} {row.as_of or '-':<11} {'yes' if row.synthetic else 'no'}"
        )
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    import datetime as dt

    from geodata.demo import build_demo
    from geodata.importer import write_demo
    from geodata.store import Store

    start = time.perf_counter()

    def progress(message: str) -> None:
        log.info("[%5.1f s] %s", time.perf_counter() - start, message)

    base = Path(args.base) if args.base else None
    dataset = build_demo(base, seed=args.seed, progress=progress)
    progress("writing the store")
    out = Store(args.out)
    if out.path.exists():
        out.check()  # never replace a file that is not a store of ours
    write_demo(dataset, out, written_at=dt.datetime.combine(dataset.as_of, dt.time()))
    info = out.info()
    progress("done")
    if args.json:
        print(json.dumps(info.as_dict(), ensure_ascii=False, indent=2))  # noqa: T201
    else:
        counts = ", ".join(
            f"{row.layer} {row.feature_count:,}".replace(",", ".")
            for row in info.layers
            if row.kind == "vector"
        )
        print(f"wrote {out.path}: {info.name} (as of {info.as_of}): {counts}.")  # noqa: T201
    return EXIT_OK


def _cmd_coverage(args: argparse.Namespace) -> int:
    from coverage.engine import CoverageInputs, compute_coverage, coverage_rasters
    from geodata.crs import WORK_CRS
    from geodata.export import write_table
    from geodata.raster import grid_to_bytes
    from geodata.schemas import OPERATORS, canonical_value
    from geodata.store import LayerMeta, Store

    operator = None
    if args.operator:
        operator = canonical_value(OPERATORS, args.operator)
        if operator is None:
            msg = f"unknown operator {args.operator!r}; use one of: {', '.join(OPERATORS)}."
            raise InputError(msg)
    store = Store(args.store)
    info = store.info()
    log.info("reading %s", store.path)
    layers = store.read_all(crs=WORK_CRS)
    density = (
        store.read_grid("population_density") if store.has_raster("population_density") else None
    )
    elevation = store.read_grid("elevation") if store.has_raster("elevation") else None
    inputs = CoverageInputs.from_layers(layers, density=density, elevation=elevation)
    log.info("computing coverage")
    result = compute_coverage(inputs)
    payload = {"as_of": info.as_of, "dataset": info.name, **result.to_dict(operator=operator)}
    table = result.summary(args.level, operator=operator)
    if args.out:
        frame: Any = table
        if Path(args.out).suffix.lower() == ".geojson":
            frame = _with_geometry(table, args.level, layers)
        written = write_table(frame, args.out, sheet_name=f"coverage_{args.level}")
        log.info("wrote %s", written)
    if args.save:
        synthetic = any(row.synthetic for row in info.layers)
        rasters = coverage_rasters(inputs, resolution_m=args.raster_resolution_m)
        meta = {
            name: LayerMeta(
                source="predicted by hatangso coverage (COST-231 Hata, "
                f"{args.raster_resolution_m:g} m pixels)",
                licence="derived from the store's layers",
                synthetic=synthetic,
            )
            for name in rasters
        }
        store.write(
            {},
            meta,
            rasters={name: grid_to_bytes(grid) for name, grid in rasters.items()},
            results={"coverage": ("coverage", {"settings": result.settings.as_dict()}, payload)},
        )
        log.info("saved the result and %d coverage rasters into %s", len(rasters), store.path)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_coverage_text(payload, table, args.level))  # noqa: T201
    return EXIT_OK


def _with_geometry(
    table: pd.DataFrame, level: str, layers: dict[str, gpd.GeoDataFrame]
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if level == "village":
        villages = layers["villages"][["village_id", "geometry"]]
        return gpd.GeoDataFrame(table.merge(villages, on="village_id"), geometry="geometry")
    units = layers["admin_units"][["unit_id", "geometry"]]
    return gpd.GeoDataFrame(table.merge(units, on="unit_id"), geometry="geometry")


def _vn(value: float, digits: int = 0) -> str:
    """Vietnamese number format: 1.176 and 98,7."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _coverage_text(payload: dict[str, Any], table: pd.DataFrame, level: str) -> str:
    p = payload["province"]
    lines = [
        f"{payload['dataset']}, as of {payload['as_of']}"
        + (f", operator {payload['operator']}" if payload["operator"] else ""),
        "",
        f"{'target':<18} {'target':>8} {'actual':>8}  {'reached':>15}  met  gap",
    ]
    for t in payload["targets"]:
        target = (
            "-"
            if t["target_pct"] is None
            else ("> " if t["strict"] else "") + _vn(t["target_pct"], 0) + " %"
        )
        met = {True: "yes", False: "NO", None: "-"}[t["met"]]
        gap = "" if t["gap"] is None else f"{_vn(t['gap'])} {t['unit']}s"
        lines.append(
            f"{t['id']:<18} {target:>8} {_vn(t['actual_pct'], 1):>6} %  "
            f"{_vn(t['reached']):>7}/{_vn(t['total']):<7}  {met:<4} {gap}"
        )
    lines += [
        "",
        f"villages without fiber: {_ids(payload['uncovered']['fiber'])}",
        f"villages without 4G (dead zones): {_ids(payload['uncovered']['4g'])}",
        f"commune centres with 4G: {_vn(p['commune_centres_4g'])}/{_vn(p['commune_centres'])}",
    ]
    if level != "province":
        shown = [c for c in _TEXT_COLUMNS if c in table.columns]
        lines += ["", table[shown].to_string(index=False, max_rows=400)]
    return "\n".join(lines)


_TEXT_COLUMNS = (
    "unit_id",
    "village_id",
    "name",
    "villages",
    "villages_fiber_pct",
    "households_fiber_pct",
    "villages_4g_pct",
    "commune_centres_4g",
    "households",
    "fiber_reached",
    "mobile_4g",
    "operators_4g",
)


def _ids(ids: list[str], most: int = 20) -> str:
    if not ids:
        return "none"
    more = f" … and {len(ids) - most} more" if len(ids) > most else ""
    return f"{len(ids)}: " + ", ".join(ids[:most]) + more


# --------------------------------------------------------------------------- parser


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="GeoJSON, GeoPackage, Shapefile (.shp/folder/.zip), CSV, Excel")
    p.add_argument(
        "--layer",
        required=True,
        help="contract layer: admin_units, villages, clusters, fiber_routes, fiber_nodes, "
        "mobile_sites, roads, power_lines, priority_places (rasters: population_density, "
        "elevation)",
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
    p.add_argument("--sheet", help="the Excel sheet to read (default: the first)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hatangso",
        description="Hạ tầng số: digital infrastructure coverage monitor and planner for "
        "Bình Định.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more progress detail")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a layer file against the data contract")
    _read_options(p)
    p.add_argument("--store", help="check ids against this store (e.g. villages' commune_id)")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("import", help="validate a file and write it into a store")
    _read_options(p)
    p.add_argument("--into", required=True, help="the store (.gpkg); created when missing")
    p.add_argument("--as-of", help="the period the data describes, YYYY-MM-DD")
    p.add_argument("--source", help="where the data comes from (recorded)")
    p.add_argument("--licence", help="the data's licence (recorded)")
    p.add_argument("--synthetic", action="store_true", help="flag the layer as synthetic")
    p.add_argument(
        "--mode",
        choices=("replace", "upsert"),
        default="replace",
        help="replace the layer (default) or upsert by id (e.g. one operator at a time)",
    )
    p.set_defaults(handler=_cmd_import)

    p = sub.add_parser("layers", help="list a store's layers, counts, CRS, as_of, synthetic")
    p.add_argument("store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_layers)

    p = sub.add_parser("coverage", help="fiber and mobile coverage against the targets")
    p.add_argument("store")
    p.add_argument(
        "--level",
        choices=("province", "district", "commune", "village"),
        default="province",
        help="rows of the table (and of --out)",
    )
    p.add_argument("--operator", help="only this operator's network (e.g. Viettel, VNPT)")
    p.add_argument("--out", help="write the table to FILE.csv, FILE.xlsx or FILE.geojson")
    p.add_argument(
        "--save",
        action="store_true",
        help="save the result and coverage rasters into the store for the app",
    )
    p.add_argument(
        "--raster-resolution-m", type=float, default=1000.0, help="coverage raster pixel size"
    )
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(handler=_cmd_coverage)

    p = sub.add_parser("demo", help="build the Bình Định demo store")
    p.add_argument(
        "--base",
        help="folder with the real base layers (layout of ../shared/data); without it a "
        "small synthetic sample area is built",
    )
    p.add_argument("--out", required=True, help="the store to write (.gpkg)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_demo)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("hatangso", "geodata", "coverage", "planner"):
        logging.getLogger(name).setLevel(level)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
