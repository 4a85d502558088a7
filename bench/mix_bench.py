"""Benchmark of the least-cost mix (issue 15): the whole province, and the greedy's gap.

Run (after ``bash scripts/setup``)::

    PYTHONPATH=. .venv/bin/python bench/mix_bench.py [--store demo.gpkg] [--base ../shared/data]
                                                     [--full-milp]

On the Bình Định demo (built from the base data into a temporary store, or read from
``--store``), with the default cost table and the 95 % household target:

* the time of :func:`planner.mix.plan_mix` on the whole province (the fiber tree from
  the fiber planner, every option of every unserved cluster, the price sweeps, the
  target with fiber alone and with the mix, the cost curves at every whole percent),
  and of its parts; target (issue 15): under a minute on 2 cores;
* the figures: ten-year cost of the target with fiber alone and with the mix, the
  households each technology serves, the crossover;
* the greedy against the exact MILP (HiGHS) on small instances, the unserved clusters of
  one district at a time at 80 % and 95 % of their households: the gap
  ``(greedy − exact) / exact`` and both times; ``--full-milp`` also runs the MILP on the
  whole province (60 s limit).

It prints the machine first. Shared machines are noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coverage.engine import CoverageInputs, compute_coverage  # noqa: E402
from coverage.settings import DEFAULT_SETTINGS  # noqa: E402
from geodata.crs import WORK_CRS  # noqa: E402
from geodata.store import Store  # noqa: E402
from planner.cost_table import default_cost_table  # noqa: E402
from planner.mix import MixTarget, plan_mix  # noqa: E402
from planner.mix.milp import solve_milp  # noqa: E402
from planner.mix.problem import MixProblem  # noqa: E402
from planner.mix.solve import least_cost_for, sweep  # noqa: E402
from planner.mix.tree import fiber_tree  # noqa: E402
from planner.mix.units import unserved_units  # noqa: E402


def machine() -> str:
    """Describe the machine and the library versions."""
    from importlib.metadata import version

    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.platform()} | {cpu} | {os.cpu_count()} CPUs | Python "
        f"{platform.python_version()} | numpy {np.__version__} | highspy {version('highspy')}"
    )


def demo_store(args: argparse.Namespace) -> Path:
    """Return the demo store: ``--store``, or the demo built into a temporary directory."""
    if args.store:
        return Path(args.store)
    from hatangso.demo import build_demo, write_demo

    out = Path(tempfile.mkdtemp(prefix="mix_bench_")) / "bd.gpkg"
    t = time.perf_counter()
    write_demo(build_demo(Path(args.base), seed=0), Store(out))
    print(f"built the demo in {time.perf_counter() - t:.1f} s: {out}")
    return out


def gap_row(problem: MixProblem, keep: np.ndarray, share: float, label: str) -> str:
    """Greedy against the MILP on the units in `keep`, for a share of their households."""
    sub = problem.subset(keep)
    need = math.ceil(share * float(sub.households.sum()))
    t = time.perf_counter()
    greedy = least_cost_for(sub, need, sweep(sub))
    t_greedy = time.perf_counter() - t
    t = time.perf_counter()
    choice, optimal = solve_milp(sub, need, time_limit_s=60.0)
    t_milp = time.perf_counter() - t
    if greedy is None or choice is None:
        return f"| {label} | {int(keep.sum())} | {share:.0%} | no solution | | | |"
    exact = sub.evaluate(choice).npv_vnd
    gap = (greedy.evaluation.npv_vnd - exact) / exact
    return (
        f"| {label} | {int(keep.sum())} | {share:.0%} | {exact / 1e9:,.2f} | {gap:.3%} | "
        f"{'yes' if optimal else 'no'} | {t_greedy:.2f} | {t_milp:.2f} |"
    )


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="a demo store already built (hatangso demo --out)")
    parser.add_argument("--base", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--full-milp", action="store_true", help="also the MILP on everything")
    args = parser.parse_args()
    print(machine())
    store = Store(demo_store(args))
    layers = store.read_all(crs=WORK_CRS)
    result = compute_coverage(CoverageInputs.from_store(store, layers))
    costs = default_cost_table()

    t0 = time.perf_counter()
    units, _ = unserved_units(layers, result)
    tree = fiber_tree(dict(layers), units, costs=costs, reach_m=DEFAULT_SETTINGS.fiber_reach_m)
    t_tree = time.perf_counter() - t0
    t = time.perf_counter()
    plan = plan_mix(layers, result, target=MixTarget(95.0), costs=costs, tree=tree)
    t_mix = time.perf_counter() - t
    s = plan.summary
    print(
        f"\nprovince: {s['n_units']} unserved clusters, {s['households_total']:,} households, "
        f"{s['share_before_pct']:.2f} % within fiber reach today\n"
        f"| step | seconds |\n|---|---:|\n"
        f"| fiber tree (plan_fiber, heuristic, every unserved cluster) | {t_tree:.2f} |\n"
        f"| options, sweeps, target, curves (plan_mix with that tree) | {t_mix:.2f} |\n"
        f"| whole (target: < 60 s on 2 cores) | {t_tree + t_mix:.2f} |"
    )
    m, f = s["mix"], s["fiber_only"]
    print(
        f"\n95 % of households: fiber alone {f['npv_vnd'] / 1e9:,.2f} bn VND ten-year "
        f"({f['capex_vnd'] / 1e9:,.2f} bn capex), mix {m['npv_vnd'] / 1e9:,.2f} bn "
        f"({m['capex_vnd'] / 1e9:,.2f} bn capex), saving {s['saving_vnd'] / 1e9:,.2f} bn; "
        f"mix households by technology {m['households_by_tech']}; crossover {s['crossover']}"
    )
    problem = plan.problem
    assert problem is not None
    district = units["unit_id"].map(result.clusters.set_index("cluster_id")["district_id"])
    print(
        "\ngreedy against the exact MILP (HiGHS), one district's unserved clusters at a time\n"
        "| instance | units | target | exact bn VND | greedy gap | proven | greedy s | MILP s |\n"
        "|---|---:|---:|---:|---:|---|---:|---:|"
    )
    for d in sorted(district.dropna().unique()):
        keep = (district == d).to_numpy()
        if keep.sum() > 400:
            continue
        for share in (0.8, 0.95):
            print(gap_row(problem, keep, share, f"district {d}"))
    if args.full_milp:
        keep = np.ones(problem.n_units, dtype=bool)
        share = s["target"]["households_needed"] / float(problem.households.sum())
        print(gap_row(problem, keep, share, "province, 95 % target"))


if __name__ == "__main__":
    main()
