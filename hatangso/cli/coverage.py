"""``hatangso coverage``: fiber and mobile coverage of a period against the targets.

The result as text (targets, villages without fiber or 4G, and the table of ``--level``),
as JSON, as a table file (``--out``), or saved into the store with its coverage rasters
for the app (``--save``). An operator (``--as``) sees its own network only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatangso.cli.common import (
    EXIT_OK,
    as_option,
    identity,
    log,
    period_option,
    requested_operator,
)
from hatangso.formatting import fmt_num, fmt_target

if TYPE_CHECKING:  # the command imports its heavy modules when it runs
    import geopandas as gpd
    import pandas as pd

    from coverage.settings import Target
    from geodata.store import Store

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``coverage`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser("coverage", help="fiber and mobile coverage against the targets")
    p.add_argument("store")
    period_option(p)
    as_option(p)
    p.add_argument(
        "--level",
        choices=("province", "district", "commune", "village"),
        default="province",
        help="rows of the table (and of --out)",
    )
    p.add_argument("--operator", help="only this operator's network (e.g. Viettel, VNPT)")
    p.add_argument(
        "--layout",
        metavar="DATE",
        help="express the figures in the administrative layout in force on DATE (a year: its "
        "end, e.g. 2025 for the two-tier units of 2025-07-01); see `hatangso layouts`",
    )
    p.add_argument("--out", help="write the table to FILE.csv, FILE.xlsx or FILE.geojson")
    p.add_argument(
        "--save",
        action="store_true",
        help="save the result and coverage rasters into the store for the app",
    )
    p.add_argument(
        "--raster-resolution-m", type=float, default=1000.0, help="coverage raster pixel size"
    )
    p.add_argument(
        "--calibration",
        metavar="NAME",
        help="apply the calibration saved as NAME in the period (see `hatangso calibrate`)",
    )
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(handler=_cmd_coverage)


def _judged_by(store: Store) -> tuple[tuple[Target, ...], str | None]:
    """Return the targets in force on the store's period and the organisation's name then."""
    from hatangso.targets import organisation_for, targets_for

    period = store.period
    org = organisation_for(store, period)
    return targets_for(store, period), None if org is None else org.name


def _cmd_coverage(args: argparse.Namespace) -> int:
    from coverage.calibration import model_note
    from coverage.engine import CoverageInputs, compute_coverage, coverage_rasters
    from geodata.crs import WORK_CRS
    from geodata.export import write_table
    from geodata.raster import grid_to_bytes
    from geodata.store import LayerMeta, Store
    from hatangso.access import check_layer_request, filter_rows

    operator = requested_operator(args.operator)
    store = Store(args.store, period=args.period)
    _, role = identity(store, args.user)
    operator = check_layer_request(role, "coverage", operator=operator) or operator
    info = store.info()
    log.info("reading %s, period %s", store.location, info.as_of)
    layers = store.read_all(crs=WORK_CRS)
    inputs = CoverageInputs.from_store(store, layers)
    calibration = None
    if args.calibration:
        from hatangso.calibration import load_calibration

        calibration = load_calibration(store, args.calibration)
    log.info("computing coverage (%s)", model_note(calibration, language="en"))
    targets, organisation = _judged_by(store)
    result = compute_coverage(inputs, calibration=calibration, targets=targets)
    result, challenges = _with_challenges(store, result)
    payload = {
        "as_of": info.as_of,
        "dataset": info.name,
        "organisation": organisation,
        **result.to_dict(operator=operator),
    }
    payload |= {"challenges": challenges}
    if not role.sees_all_operators:
        # Which villages have a single 4G operator tells an operator where its competitors
        # are (or are not): it gets the count only, like the app's overview.
        payload["roaming_candidates_count"] = len(payload.pop("roaming_candidates"))
    table = filter_rows(role, result.summary(args.level, operator=operator))
    if args.layout:
        table = filter_rows(role, _in_layout(store, result, layers, args, payload))
    if args.out:
        frame: Any = table
        if Path(args.out).suffix.lower() == ".geojson":
            frame = _with_geometry(table, args.level, layers)
        written = write_table(frame, args.out, sheet_name=f"coverage_{args.level}")
        log.info("wrote %s", written)
    if args.save:
        synthetic = any(row.synthetic for row in info.layers)
        rasters = coverage_rasters(
            inputs,
            resolution_m=args.raster_resolution_m,
            settings=result.settings,
            calibration=calibration,
        )
        meta = {
            name: LayerMeta(
                source="median RSRP predicted by hatangso coverage (model: docs/MODEL.md, "
                f"{model_note(calibration, language='en')}, "
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


def _with_challenges(store: Any, result: Any) -> tuple[Any, dict[str, Any]]:  # noqa: ANN401
    """Return the result with the accepted challenges counted as gaps, and their summary."""
    from hatangso.evidence import challenge_line
    from hatangso.review.challenges import with_challenges

    result = with_challenges(store, result)
    overrides = result.overrides
    return result, {
        "accepted": 0 if overrides is None else len(overrides),
        "villages_moved": (
            0
            if overrides is None
            else overrides.loc[overrides["changed"], "village_id"].astype(str).nunique()
        ),
        "note": {lang: challenge_line(overrides, lang) for lang in ("vi", "en")},
    }


def _in_layout(
    store: Any,  # noqa: ANN401 - a Store
    result: Any,  # noqa: ANN401 - a CoverageResult
    layers: dict[str, gpd.GeoDataFrame],
    args: argparse.Namespace,
    payload: dict[str, Any],
) -> pd.DataFrame:
    """Return the table of ``--level`` in ``--layout``; the payload gets that layout's rows."""
    import json as _json

    from coverage.indicators import evaluate_targets, operator_view
    from coverage.layouts import summarize_in_layout
    from geodata.crs import WORK_CRS
    from hatangso.progress import in_store_layout

    layout = store.resolve_layout(args.layout)
    units = store.read_layout(layout, crs=WORK_CRS)
    same = store.layout_of() == layout
    v, c, p, plain = in_store_layout(result, layers, units, same=same)
    operator = payload.get("operator")
    if operator:
        v, c, p = (operator_view(f, operator) for f in (v, c, p))
    if args.level == "village":
        return v.reset_index(drop=True)

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [dict(r) for r in _json.loads(frame.to_json(orient="records", force_ascii=False))]

    province = summarize_in_layout(v, c, p, plain, level="province")
    payload["layout"] = layout
    payload["province"] = records(province)[0]
    payload["targets"] = evaluate_targets({str(k): x for k, x in province.iloc[0].items()})
    payload["communes"] = records(summarize_in_layout(v, c, p, plain, level="commune"))
    has_districts = "district" in set(plain["level"].astype(str))
    payload["districts"] = (
        records(summarize_in_layout(v, c, p, plain, level="district")) if has_districts else []
    )
    level = args.level if args.level != "district" or has_districts else "province"
    return summarize_in_layout(v, c, p, plain, level=level)  # type: ignore[arg-type]  # argparse choices


def _coverage_text(payload: dict[str, Any], table: pd.DataFrame, level: str) -> str:
    p = payload["province"]
    centres = f"{fmt_num(p['commune_centres_4g'])}/{fmt_num(p['commune_centres'])}"
    org = payload.get("organisation")
    lines = [
        (f"{org} — " if org else "")
        + f"{payload['dataset']}, as of {payload['as_of']}"
        + (f", operator {payload['operator']}" if payload["operator"] else "")
        + (f", in the layout of {payload['layout']}" if payload.get("layout") else ""),
        "",
        f"{'target':<18} {'target':>8} {'actual':>8}  {'reached':>15}  met  gap",
    ]
    for t in payload["targets"]:
        target = fmt_target(t["target_pct"], t["strict"], missing="-")
        met = {True: "yes", False: "NO", None: "-"}[t["met"]]
        gap = "" if t["gap"] is None else f"{fmt_num(t['gap'])} {t['unit']}s"
        lines.append(
            f"{t['id']:<18} {target:>8} {fmt_num(t['actual_pct'], 1):>6} %  "
            f"{fmt_num(t['reached']):>7}/{fmt_num(t['total']):<7}  {met:<4} {gap}"
        )
    lines += [
        "",
        f"villages without fiber: {_ids(payload['uncovered']['fiber'])}",
        f"villages without 4G (dead zones): {_ids(payload['uncovered']['4g'])}",
        f"commune centres with 4G: {centres}",
        *(
            [payload["challenges"]["note"]["en"]]
            if payload.get("challenges", {}).get("accepted")
            else []
        ),
        (
            f"households with 4G: {fmt_num(p['households_4g_pct'], 1)} % outdoors, "
            f"{fmt_num(p['households_4g_indoor_pct'], 1)} % indoors; villages with indoor "
            f"4G: {fmt_num(p['villages_4g_indoor'])}/{fmt_num(p['villages'])}"
        ),
    ]
    rules = payload.get("rules", {})
    if rules:
        covered = "; ".join(f"{t}: {rules[t]['outdoor']['en']}" for t in ("4G", "5G") if t in rules)
        village = payload.get("village_rule", {}).get("en", "")
        lines.append(f"covered means {covered}; {village} (model card: docs/MODEL.md)")
    clutter = payload.get("clutter", {})
    if clutter:
        lines.append(clutter["note"]["en"])
    model = payload.get("model", {})
    if model:
        lines.append(f"model: {model['note']['en']}")
    warning = payload.get("terrain_outside", {}).get("warning")
    if warning:
        lines.append(f"warning: {warning['en']}")
    if level != "province":
        shown = [c for c in _TEXT_COLUMNS if c in table.columns]
        text = table[shown].astype(object)
        for col in (c for c in shown if c.endswith("_pct")):  # a unit without villages
            text[col] = text[col].where(table[col].notna(), NO_DATA)  # is not at 0 %
        lines += ["", text.to_string(index=False, max_rows=400)]
    return "\n".join(lines)


#: Shown for a unit without villages (a percentage of nothing), never 0 %.
NO_DATA = "chưa có dữ liệu"

_TEXT_COLUMNS = (
    "unit_id",
    "village_id",
    "name",
    "villages",
    "villages_fiber_pct",
    "households_fiber_pct",
    "villages_4g_pct",
    "households_4g_pct",
    "commune_centres_4g",
    "households",
    "fiber_reached",
    "mobile_4g",
    "share_4g_pct",
    "operators_4g",
)


def _ids(ids: list[str], most: int = 20) -> str:
    if not ids:
        return "none"
    more = f" … and {len(ids) - most} more" if len(ids) > most else ""
    return f"{len(ids)}: " + ", ".join(ids[:most]) + more


def _with_geometry(
    table: pd.DataFrame, level: str, layers: dict[str, gpd.GeoDataFrame]
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if level == "village":
        villages = layers["villages"][["village_id", "geometry"]]
        return gpd.GeoDataFrame(table.merge(villages, on="village_id"), geometry="geometry")
    units = layers["admin_units"][["unit_id", "geometry"]]
    return gpd.GeoDataFrame(table.merge(units, on="unit_id"), geometry="geometry")
