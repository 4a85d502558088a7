"""Benchmark: single points of failure and a storm scenario on the Bình Định demo.

Run (after ``bash scripts/setup``)::

    PYTHONPATH=. .venv/bin/python bench/resilience_bench.py [--base ../shared/data] [--repeat 3]

The demo is built and written to a temporary store first (not timed). Then, best of
``--repeat``:

* **network**: the dependency graph (:func:`coverage.resilience.build_network`);
* **spof**: every bridge and articulation point and what each cuts off (Tarjan's
  low-link, one depth-first search), against a **baseline** that cuts each piece of a
  sample of routes in turn and searches the graph again (extrapolated to every route);
  the two must agree on the households of the sampled routes (asserted);
* **scenario**: the demo's illustrative storm (:func:`hatangso.demo.resilience.demo_storm`)
  with a 24 h power cut, at 0, 4, 8, 24 and 72 h, through the coverage engine, against
  one run of the engine alone (the scenario's unit of work).

Target (issue 16): the scenario with its five time steps on the province under 10 s on
2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from steiner_bench import machine  # noqa: E402

from coverage.engine import CoverageInputs, compute_coverage  # noqa: E402
from coverage.resilience import (  # noqa: E402
    Hazard,
    Network,
    build_network,
    run_scenario,
    single_points_of_failure,
)
from coverage.resilience.spof import dependents  # noqa: E402
from geodata import Store  # noqa: E402
from geodata.crs import WORK_CRS  # noqa: E402
from hatangso.demo import build_demo, write_demo  # noqa: E402
from hatangso.demo.resilience import demo_storm  # noqa: E402

T = TypeVar("T")


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """Return the best wall time of ``repeat`` runs and the last result."""
    best = np.inf
    out: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    assert out is not None
    return float(best), out


def brute_force(
    network: Network, villages: gpd.GeoDataFrame, clusters: gpd.GeoDataFrame, route: str
) -> int:
    """Households cut off by the worst single cut of ``route``: cut, search again, count."""
    deps = dependents(network, villages, clusters)
    edges = network.edges
    worst = 0
    for e in np.flatnonzero((edges["route_id"] == route).to_numpy()):
        dead_edges = np.zeros(len(edges), dtype=bool)
        dead_edges[e] = True
        reach = network.reaching_core(dead_edges=dead_edges)
        dead = ~reach[deps.pair_u] | ~reach[deps.pair_v] | (deps.pair_edge == e)
        n = len(deps.entity_id)
        alive = np.bincount(deps.pair_entity[~dead], minlength=n)
        had = np.bincount(deps.pair_entity, minlength=n) > 0
        worst = max(worst, int(deps.households[had & (alive == 0)].sum()))
    return worst


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=30, help="routes cut by the baseline")
    args = parser.parse_args()
    print(machine())
    demo = build_demo(Path(args.base))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.gpkg")
        write_demo(demo, store)
        layers = store.read_all(crs=WORK_CRS)
        inputs = CoverageInputs.from_store(store, layers)
    routes, nodes, sites = layers["fiber_routes"], layers["fiber_nodes"], layers["mobile_sites"]
    villages, clusters = layers["villages"], layers["clusters"]
    rows: list[tuple[str, float]] = []
    t, network = best_of(args.repeat, lambda: build_network(routes, nodes, sites))
    rows.append((f"network: {network.n_nodes:,} nodes, {len(network.edges):,} edges", t))
    t, table = best_of(args.repeat, lambda: single_points_of_failure(network, villages, clusters))
    rows.append((f"spof: {len(table):,} single points of failure", t))
    route_rows = table[table["kind"] == "route"]
    rng = np.random.default_rng(0)
    sample = rng.choice(route_rows["element_id"].to_numpy(), size=args.sample, replace=False)
    start = time.perf_counter()
    for route in sample:
        expected = int(route_rows.loc[route_rows["element_id"] == route, "households"].iloc[0])
        assert brute_force(network, villages, clusters, str(route)) == expected, route
    per_route = (time.perf_counter() - start) / len(sample)
    rows.append(
        (
            f"spof baseline: cut and search again, {len(route_rows):,} routes (extrapolated)",
            per_route * len(route_rows),
        )
    )
    hazard = Hazard.from_frame(demo_storm(demo.layers["admin_units"]), outage_hours=24)
    t_engine, _ = best_of(args.repeat, lambda: compute_coverage(inputs))
    rows.append(("engine alone, once (the scenario's unit of work)", t_engine))
    t, result = best_of(args.repeat, lambda: run_scenario(inputs, hazard))
    rows.append(("scenario: storm + 24 h power cut, hours 0, 4, 8, 24, 72", t))
    print()
    for label, seconds in rows:
        print(f"{label:<72} {seconds:8.2f} s")
    print()
    print(result.summary().to_string(index=False))
    spof_t = rows[1][1]
    print(
        f"\nratios: spof {rows[2][1] / spof_t:.1f}x faster than cutting and searching again "
        f"(households agree on {len(sample)} sampled routes); scenario = "
        f"{t / t_engine:.1f} engine runs for 5 hours; target < 10 s: "
        f"{'met' if t < 10 else 'NOT met'} ({t:.2f} s)"
    )


if __name__ == "__main__":
    main()
