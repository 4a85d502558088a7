"""The ``hatangso`` command line: the same functions as the app, from a terminal.

Exit status: 0 success, 2 invalid input (the readable report on stderr, never a
traceback), 1 internal error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError, LayerValidationError, LegacyEncodingWarning
from geodata.errors import format_report as _format_report

if TYPE_CHECKING:  # the commands import their heavy modules when they run
    import geopandas as gpd
    import pandas as pd

    from coverage.engine import CoverageResult

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
    except BrokenPipeError:  # `hatangso … | head`: the reader has gone, not an error of ours
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: PTH123, SIM115 - silence the final flush
        return EXIT_OK
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


# --------------------------------------------------------------------------- identity


def _identity(store: Any, user: str | None) -> tuple[str, Any]:  # noqa: ANN401
    """Return ``(actor, role)`` for a command: the store's holder, or ``--as USER``.

    Whoever can open the store (its file or database URL) holds it and acts as the
    department; ``--as USER`` narrows what the command shows and may do to that account's
    role (an operator's extract, a viewer's report) and is recorded as such.
    """
    from hatangso.access import Role
    from hatangso.cli.users import cli_actor

    if not user:
        return cli_actor(), Role("department")
    from hatangso.accounts import get_user

    account = get_user(store, user) if store.exists() else None
    if account is None:
        msg = f"--as {user}: no such account in {store.location} (see `hatangso users list`)."
        raise InputError(msg)
    return f"{cli_actor()} as {account.username}", account.role


def _audit(store: Any, actor: str, action: str, subject: str, detail: dict[str, Any]) -> None:  # noqa: ANN401
    from hatangso import audit

    audit.record(store, actor, action, subject, detail)


def _as_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        help="act with that account's role: an operator sees only its own sites and routes",
    )


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
    from hatangso import audit

    store = Store(args.into, period=args.as_of)
    actor, role = _identity(store, args.user)
    if not role.can_import:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department imports data."
        raise AccessDenied(msg)

    def record(tx: Any, layer: str, features: int | None) -> None:  # noqa: ANN401
        """Audit the import in its own transaction: both commit or neither does."""
        latest = tx.row("SELECT MAX(period) FROM hatangso_periods")
        period = args.as_of or (latest[0] if latest else None)
        detail = {"file": Path(args.file).name, "period": period, "features": features}
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
    )
    count = None if validated is None else len(validated.frame)
    layer = args.layer if validated is None else validated.layer
    if args.json:
        payload = {
            "ok": True,
            "store": store.location,
            "period": store.period,
            "layer": layer,
            "features": count,
        }
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
        print(  # noqa: T201
            f"imported {Path(args.file).name} as {layer!r} into {store.location}, "
            f"period {store.period} ({what})."
        )
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
        count = f"{row.feature_count:,}".replace(",", ".")
        print(  # noqa: T201
            f"{row.layer:<20} {row.kind:<7} {count:>8}  {row.geometry_type or '-':<16} "
            f"{row.crs or '-':<10} {row.as_of or '-':<11} {'yes' if row.synthetic else 'no'}"
        )
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    import datetime as dt

    from geodata.store import Store
    from hatangso.demo import build_demo, write_demo

    start = time.perf_counter()

    def progress(message: str) -> None:
        log.info("[%5.1f s] %s", time.perf_counter() - start, message)

    base = Path(args.base) if args.base else None
    dataset = build_demo(base, seed=args.seed, progress=progress)
    progress("writing the store")
    out = Store(args.out)
    if out.exists():
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
        print(  # noqa: T201
            f"wrote {out.location}: {info.name}, periods {', '.join(info.periods)} "
            f"(latest {info.as_of}): {counts}."
        )
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
    store = Store(args.store, period=args.period)
    _, role = _identity(store, args.user)
    from hatangso.access import check_layer_request, filter_rows

    operator = check_layer_request(role, "coverage", operator=operator) or operator
    info = store.info()
    log.info("reading %s, period %s", store.location, info.as_of)
    layers = store.read_all(crs=WORK_CRS)
    density = (
        store.read_grid("population_density") if store.has_raster("population_density") else None
    )
    elevation = store.read_grid("elevation") if store.has_raster("elevation") else None
    inputs = CoverageInputs.from_layers(layers, density=density, elevation=elevation)
    log.info("computing coverage")
    result = compute_coverage(inputs)
    payload = {"as_of": info.as_of, "dataset": info.name, **result.to_dict(operator=operator)}
    if not role.sees_all_operators:
        # Which villages have a single 4G operator tells an operator where its competitors
        # are (or are not): it gets the count only, like the app's overview.
        payload["roaming_candidates_count"] = len(payload.pop("roaming_candidates"))
    table = filter_rows(role, result.summary(args.level, operator=operator))
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
        log.info(
            "saved the result and %d coverage rasters into %s, period %s",
            len(rasters),
            store.location,
            info.as_of,
        )
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_coverage_text(payload, table, args.level))  # noqa: T201
    return EXIT_OK


def _load_for_plan(args: argparse.Namespace) -> tuple[Any, Any, dict[str, Any], Any, Any]:
    """Read a store for planning: (store, info, layers in WORK_CRS, inputs, coverage)."""
    from coverage.engine import CoverageInputs, compute_coverage
    from geodata.crs import WORK_CRS
    from geodata.store import Store

    store = Store(args.store, period=args.period)
    args.actor, role = _identity(store, args.user)
    if not role.can_publish:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department runs plans."
        raise AccessDenied(msg)
    info = store.info()
    layers = store.read_all(crs=WORK_CRS)
    density = (
        store.read_grid("population_density") if store.has_raster("population_density") else None
    )
    inputs = CoverageInputs.from_layers(layers, density=density)
    log.info("computing the current coverage")
    return store, info, layers, inputs, compute_coverage(inputs)


def _fiber_terminals(
    args: argparse.Namespace, layers: dict[str, Any], before: CoverageResult
) -> tuple[Any, float | None, str]:
    """Return the terminals to connect, the household target, and what they are."""
    import math

    import geopandas as gpd

    villages = layers["villages"]
    household_goal = args.target_households_pct is not None or (
        args.budget_vnd is not None and not (args.villages or args.all_uncovered)
    )
    if args.villages or not household_goal:
        if args.villages:
            ids = [v.strip() for v in args.villages.split(",") if v.strip()]
        else:
            ids = before.uncovered()["fiber"]
        unknown = sorted(set(ids) - set(villages["village_id"].astype(str)))
        if unknown:
            msg = f"unknown village ids {unknown[:10]}; they are not in {args.store}."
            raise InputError(msg)
        chosen = villages[villages["village_id"].astype(str).isin(ids)]
        return chosen[["village_id", "households", "geometry"]], None, "villages"
    # Households are counted by cluster (a household is reached when its cluster is):
    # the terminals are the clusters fiber does not reach yet.
    clusters = layers.get("clusters")
    status = before.clusters
    if clusters is None or "cluster_id" not in status:
        frame = villages.merge(
            before.villages[["village_id", "fiber_reached"]], on="village_id", how="left"
        )
        frame = frame[~frame["fiber_reached"].astype(bool)]
        terminals = frame[["village_id", "households", "geometry"]]
    else:
        reached = status.set_index("cluster_id")["fiber_reached"].astype(bool)
        todo = clusters[~clusters["cluster_id"].map(reached).fillna(value=False).astype(bool)]
        terminals = gpd.GeoDataFrame(
            {"village_id": todo["cluster_id"].astype(str), "households": todo["households"]},
            geometry=todo.geometry.to_numpy(),
            crs=todo.crs,
        )
    target = None
    if args.target_households_pct is not None:
        row = before.summary("province").iloc[0]
        need = math.floor(args.target_households_pct / 100.0 * int(row["households"]) - 1e-9) + 1
        target = float(max(0, need - int(row["households_fiber"])))
    return terminals, target, "clusters"


def _cmd_plan(args: argparse.Namespace) -> int:  # noqa: PLR0915 - one command, two kinds
    from coverage.engine import compute_coverage
    from planner.run import plan_sites_for, with_plans

    store, info, layers, inputs, before = _load_for_plan(args)

    if args.kind == "fiber":
        from planner.attach import attach_existing_fiber
        from planner.costs import DEFAULT_COSTS
        from planner.fiber import plan_fiber
        from planner.graph import build_road_graph

        terminals, target, what = _fiber_terminals(args, layers, before)
        if target is not None and target <= 0:
            log.info("the household target is already met; nothing to build")
        if len(terminals) == 0 or (target is not None and target <= 0):
            msg = "nothing to plan: every village (or household) asked for already has fiber."
            raise InputError(msg)
        if "roads" not in layers:
            msg = f"{args.store}: has no roads layer; the fiber planner routes along roads."
            raise InputError(msg)
        log.info("planning fiber to %d %s", len(terminals), what)
        graph = build_road_graph(layers["roads"], costs=DEFAULT_COSTS)
        attach_existing_fiber(graph, layers.get("fiber_routes"), layers.get("fiber_nodes"))
        plan = plan_fiber(
            graph,
            terminals,
            budget_vnd=args.budget_vnd,
            target_households=target,
            method=args.method,
        )
        routes = plan.routes.copy()
        if what == "clusters":
            parent = layers["clusters"].set_index("cluster_id")["village_id"].astype(str)
            routes = routes.rename(columns={"villages": "clusters"})
            routes["villages"] = routes["clusters"].map(
                lambda ids: ",".join(sorted({parent.get(c, c) for c in ids.split(",") if c}))
            )
        after = compute_coverage(with_plans(inputs, fiber=plan))
        totals = plan.totals()
        totals["terminals"] = what
        features = routes
        kind = "fiber_plan"
    else:
        ids = (
            [v.strip() for v in args.villages.split(",") if v.strip()]
            if args.villages
            else before.uncovered()["4g"]
        )
        if not ids:
            msg = "nothing to plan: every village already has 4G."
            raise InputError(msg)
        density = inputs.density
        plan_s = plan_sites_for(
            layers,
            ids,
            density=density,
            max_sites=args.max_sites,
            budget_vnd=args.budget_vnd,
            operator=args.operator,
            method=args.method,
        )
        after = compute_coverage(with_plans(inputs, sites=plan_s))
        totals = plan_s.totals()
        features = plan_s.sites
        kind = "site_plan"
    payload = {
        "as_of": info.as_of,
        "dataset": info.name,
        "kind": kind,
        "totals": totals,
        "before": _target_summary(before),
        "after": _target_summary(after),
    }
    if args.out:
        from geodata.export import write_table

        write_table(features, args.out, sheet_name=kind)
        payload["out"] = str(args.out)
    if args.save:
        from geodata.crs import STORE_CRS

        geojson = json.loads(features.to_crs(STORE_CRS).to_json())
        params = {k: v for k, v in vars(args).items() if k != "handler"}
        store.write(
            {}, {}, results={f"plan:{args.save}": (kind, params, {**payload, "geojson": geojson})}
        )
        log.info("saved the plan as %r in %s, period %s", args.save, store.location, info.as_of)
        _audit(store, args.actor, "plan_run", f"plan:{args.save}", {"kind": kind, "totals": totals})
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))  # noqa: T201
    else:
        print(_plan_text(payload))  # noqa: T201
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from geodata.export import write_kml, write_table
    from geodata.store import Store
    from hatangso.access import check_layer_request, filter_rows

    if Path(args.out).suffix.lower() not in (".geojson", ".kml", ".csv", ".xlsx"):
        msg = f"{Path(args.out).name}: write the layer as .geojson, .kml, .csv or .xlsx."
        raise InputError(msg)
    store = Store(args.store, period=args.period)
    actor, role = _identity(store, args.user)
    try:
        scope = check_layer_request(role, args.layer, operator=args.operator)
    except InputError:
        _audit(store, actor, "access_denied", args.layer, {"operator": args.operator})
        raise
    frame = filter_rows(role, store.read(args.layer))
    wanted = scope or args.operator
    if wanted and "operator" in frame.columns:
        from geodata.schemas import OPERATORS, canonical_value

        frame = frame[frame["operator"] == (canonical_value(OPERATORS, wanted) or wanted)]
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
    _audit(
        store,
        actor,
        "export",
        args.layer,
        {"out": written.name, "period": store.period, "rows": len(frame)},
    )
    count = f"{len(frame):,}".replace(",", ".")
    print(f"wrote {written}: {args.layer}, {count} rows, period {store.period}.")  # noqa: T201
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.access import check_layer_request
    from hatangso.report import build_report, write_report

    store = Store(args.store, period=args.period)
    actor, role = _identity(store, args.user)
    check_layer_request(role, "report")
    data = build_report(args.store, period=args.period)
    written = write_report(data, args.out)
    log.info("wrote %s", written)
    _audit(store, actor, "export", "report", {"out": Path(written).name, "period": store.period})
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


def _target_summary(result: CoverageResult) -> dict[str, Any]:
    row = result.summary("province").iloc[0]
    return {
        "villages_fiber": int(row["villages_fiber"]),
        "villages_fiber_pct": float(row["villages_fiber_pct"]),
        "households_fiber_pct": float(row["households_fiber_pct"]),
        "villages_4g": int(row["villages_4g"]),
        "villages_4g_pct": float(row["villages_4g_pct"]),
        "targets": {t["id"]: t["met"] for t in result.targets()},
        "uncovered": result.uncovered(),
    }


def _plan_text(payload: dict[str, Any]) -> str:
    t = payload["totals"]
    b, a = payload["before"], payload["after"]
    lines = [f"{payload['dataset']}, as of {payload['as_of']}: {payload['kind']}"]
    lines += [f"  {k}: {v}" for k, v in t.items() if not isinstance(v, list | dict)]
    lines += ["", f"{'indicator':<22} {'before':>10} {'after':>10}"]
    for label, key in (
        ("villages on fiber", "villages_fiber_pct"),
        ("households on fiber", "households_fiber_pct"),
        ("villages with 4G", "villages_4g_pct"),
    ):
        lines.append(f"{label:<22} {_vn(b[key], 1):>8} % {_vn(a[key], 1):>8} %")
    lines += [
        f"target {k}: {'met' if a['targets'][k] else 'not met'} after the plan"
        for k in ("fiber_villages", "fiber_households", "mobile_villages")
    ]
    if "out" in payload:
        lines.append(f"wrote {payload['out']}")
    return "\n".join(lines)


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


def _period_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--period",
        metavar="YYYY-MM-DD",
        help="the period (as_of date) to use; default the latest (see `hatangso layers`)",
    )


def _parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - the whole command line
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
    _as_option(p)
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

    p = sub.add_parser("layers", help="list a store's periods and a period's layers")
    p.add_argument("store")
    _period_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_layers)

    p = sub.add_parser("coverage", help="fiber and mobile coverage against the targets")
    p.add_argument("store")
    _period_option(p)
    _as_option(p)
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

    p = sub.add_parser("plan", help="propose fiber extensions or new mobile sites")
    plan_sub = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, text in (
        ("fiber", "fiber extensions along the roads (Steiner / prize-collecting Steiner)"),
        ("sites", "new 4G sites for the villages without 4G (maximal covering)"),
    ):
        q = plan_sub.add_parser(kind, help=text)
        q.add_argument("store")
        _period_option(q)
        _as_option(q)
        q.add_argument("--villages", help="comma-separated village ids to serve")
        q.add_argument("--budget-vnd", type=float, help="spend at most this (VND)")
        q.add_argument("--method", default="auto", help="auto, ilp, heuristic (or greedy)")
        q.add_argument("--out", help="write the proposals to FILE.geojson (or .csv, .xlsx)")
        q.add_argument("--save", metavar="NAME", help="save the plan into the store as NAME")
        q.add_argument("--json", action="store_true", help="print totals and before/after")
        q.set_defaults(handler=_cmd_plan)
        if kind == "fiber":
            q.add_argument(
                "--all-uncovered",
                action="store_true",
                help="connect every village without fiber (the default)",
            )
            q.add_argument(
                "--target-households-pct",
                type=float,
                help="reach at least this share of the province's households, at least cost",
            )
        else:
            q.add_argument("--max-sites", type=int, help="at most this many new sites")
            q.add_argument("--operator", help="propose to this operator, or 'shared'")

    p = sub.add_parser("report", help="the leadership report in Vietnamese (PDF or Excel)")
    p.add_argument("store")
    _as_option(p)
    p.add_argument("--out", required=True, help="write the report to FILE.pdf or FILE.xlsx")
    _period_option(p)
    p.add_argument("--json", action="store_true", help="print a small summary as JSON")
    p.set_defaults(handler=_cmd_report)

    p = sub.add_parser("export", help="write one layer of a period to a file")
    p.add_argument("store")
    p.add_argument("layer", help="a layer name (see `hatangso layers`), e.g. mobile_sites")
    p.add_argument("--out", required=True, help="FILE.geojson, .kml, .csv or .xlsx")
    p.add_argument("--operator", help="only this operator's rows (e.g. MobiFone)")
    _period_option(p)
    _as_option(p)
    p.set_defaults(handler=_cmd_export)

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

    # Commands that live beside their code.
    from hatangso.cli import progress, review, users

    progress.register(sub)
    users.register(sub)
    review.register(sub)
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
