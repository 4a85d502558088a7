"""``hatangso plan fiber`` and ``plan sites``: proposals and the coverage they would give.

``plan mix`` (the least-cost mix of technologies) lives in :mod:`hatangso.cli.plan_mix`.

``plan fiber`` extends the fiber network along the roads to the villages (or the
households) it does not reach (:func:`planner.fiber.plan_fiber`); ``plan sites`` proposes
new 4G sites for the villages without 4G (:func:`planner.run.plan_sites_for`). Both
compute the coverage before and after, and print, write (``--out``) or save (``--save``,
for the review) the plan. The department only.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError
from hatangso.cli.common import (
    EXIT_OK,
    as_option,
    identity,
    log,
    period_option,
    record_audit,
    requested_operator,
)
from hatangso.cli.plan_harden import register_harden
from hatangso.cli.plan_mix import register_mix
from hatangso.cli.plan_years import register_years
from hatangso.formatting import fmt_num

if TYPE_CHECKING:  # the command imports its heavy modules when it runs
    from coverage.engine import CoverageResult

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan fiber`` and ``plan sites`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser(
        "plan", help="propose fiber extensions, new mobile sites, or the least-cost mix"
    )
    plan_sub = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, text in (
        ("fiber", "fiber extensions along the roads (Steiner / prize-collecting Steiner)"),
        ("sites", "new 4G sites for the villages without 4G (maximal covering)"),
    ):
        q = plan_sub.add_parser(kind, help=text)
        q.add_argument("store")
        period_option(q)
        as_option(q)
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
            q.add_argument(
                "--time-limit-s",
                type=float,
                default=60.0,
                help="time for the solver (default 60 s): the exact proof, or its gap, within it",
            )
            network = q.add_mutually_exclusive_group()
            network.add_argument(
                "--operator", help="extend this operator's network (its routes and nodes)"
            )
            network.add_argument(
                "--shared",
                action="store_true",
                help="extend the shared network of every operator (the default)",
            )
        else:
            q.add_argument("--max-sites", type=int, help="at most this many new sites")
            q.add_argument("--operator", help="propose to this operator, or 'shared'")
    register_mix(plan_sub)  # plan mix: the least-cost mix of technologies to a target
    register_years(plan_sub)  # plan years: the mix year by year under budgets
    register_harden(plan_sub)  # plan rings, plan backup: hardening before the season


def _load_for_plan(args: argparse.Namespace) -> tuple[Any, Any, dict[str, Any], Any, Any]:
    """Read a store for planning: (store, info, layers in WORK_CRS, inputs, coverage)."""
    from coverage.engine import CoverageInputs, compute_coverage
    from geodata.crs import WORK_CRS
    from geodata.store import Store

    store = Store(args.store, period=args.period)
    args.actor, role = identity(store, args.user)
    if not role.can_publish:
        from hatangso.access import AccessDenied

        msg = f"{role}: only the department runs plans."
        raise AccessDenied(msg)
    info = store.info()
    layers = store.read_all(crs=WORK_CRS)
    inputs = CoverageInputs.from_store(store, layers)
    log.info("computing the current coverage")
    from hatangso.targets import targets_for

    targets = targets_for(store, info.as_of)  # the targets in force on the period's date
    return store, info, layers, inputs, compute_coverage(inputs, targets=targets)


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


def _cmd_plan(args: argparse.Namespace) -> int:  # noqa: C901, PLR0915 - one command, two kinds
    from coverage.engine import compute_coverage
    from planner.run import plan_sites_for, with_plans

    if args.kind == "fiber":  # an unknown operator is said before any computation
        operator = None if args.shared else requested_operator(args.operator)
    store, info, layers, inputs, before = _load_for_plan(args)

    if args.kind == "fiber":
        from hatangso.costs import load_cost_table
        from planner.attach import attach_existing_fiber
        from planner.fiber import plan_fiber
        from planner.graph import build_road_graph
        from planner.run import fiber_of

        terminals, target, what = _fiber_terminals(args, layers, before)
        if target is not None and target <= 0:
            log.info("the household target is already met; nothing to build")
        if len(terminals) == 0 or (target is not None and target <= 0):
            msg = "nothing to plan: every village (or household) asked for already has fiber."
            raise InputError(msg)
        if "roads" not in layers:
            msg = f"{args.store}: has no roads layer; the fiber planner routes along roads."
            raise InputError(msg)
        log.info("planning fiber to %d %s on %s", len(terminals), what, operator or "shared")
        prices = load_cost_table(store)  # the period's cost table (hatangso costs)
        used_costs: list[dict[str, Any]] | None = prices.records()
        graph = build_road_graph(layers["roads"], costs=prices.fiber_costs())
        routes_all, nodes_all = layers.get("fiber_routes"), layers.get("fiber_nodes")
        attach_existing_fiber(graph, fiber_of(routes_all, operator), fiber_of(nodes_all, operator))
        clusters = layers.get("clusters") if what == "villages" else None
        plan = plan_fiber(
            graph,
            terminals,
            budget_vnd=args.budget_vnd,
            target_households=target,
            method=args.method,
            time_limit_s=args.time_limit_s,
            clusters=clusters if clusters is not None and len(clusters) else None,
            existing_routes=routes_all,
            existing_nodes=nodes_all,
            operator=operator,
        )
        routes = plan.routes.copy()
        if what == "clusters":
            parent = layers["clusters"].set_index("cluster_id")["village_id"].astype(str)
            routes = routes.rename(columns={"villages": "clusters"})
            routes["villages"] = routes["clusters"].map(
                lambda ids: ",".join(sorted({parent.get(c, c) for c in ids.split(",") if c}))
            )
        after = compute_coverage(with_plans(inputs, fiber=plan), targets=before.target_set)
        totals = plan.totals()
        totals["terminals"] = what
        features = routes
        kind = "fiber_plan"
    else:
        used_costs = None  # the site planner keeps its own rules (planner.sites.rules)
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
            land_cover=inputs.land_cover,
            max_sites=args.max_sites,
            budget_vnd=args.budget_vnd,
            operator=args.operator,
            method=args.method,
        )
        after = compute_coverage(with_plans(inputs, sites=plan_s), targets=before.target_set)
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
        _save(store, args, kind, payload, features, used_costs)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))  # noqa: T201
    else:
        print(_plan_text(payload))  # noqa: T201
    return EXIT_OK


def _save(  # noqa: PLR0913
    store: Any,  # noqa: ANN401 - a Store
    args: argparse.Namespace,
    kind: str,
    payload: dict[str, Any],
    features: Any,  # noqa: ANN401 - a GeoDataFrame
    costs: list[dict[str, Any]] | None,
) -> None:
    """Save a plan into the store (with the prices it used, when it used the cost table)."""
    from geodata.crs import STORE_CRS

    geojson = json.loads(features.to_crs(STORE_CRS).to_json())
    params = {k: v for k, v in vars(args).items() if k != "handler"}
    saved = {**payload, "geojson": geojson}
    if costs is not None:
        saved["costs"] = costs
    store.write({}, {}, results={f"plan:{args.save}": (kind, params, saved)})
    log.info("saved the plan as %r in %s, period %s", args.save, store.location, payload["as_of"])
    record_audit(
        store,
        args.actor,
        "plan_run",
        f"plan:{args.save}",
        {"kind": kind, "totals": payload["totals"]},
    )


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
        # A province without villages or households has no share: NaN, printed as "nan".
        before, after = fmt_num(b[key], 1, missing="nan"), fmt_num(a[key], 1, missing="nan")
        lines.append(f"{label:<22} {before:>8} % {after:>8} %")
    lines += [
        f"target {k}: {'met' if a['targets'][k] else 'not met'} after the plan"
        for k in ("fiber_villages", "fiber_households", "mobile_villages")
    ]
    if "out" in payload:
        lines.append(f"wrote {payload['out']}")
    return "\n".join(lines)
