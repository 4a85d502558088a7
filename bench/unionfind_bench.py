"""Benchmark: the Steiner heuristic's hand-written union-find against networkx's UnionFind.

Run (after ``bash scripts/setup``)::

    PYTHONPATH=. .venv/bin/python bench/unionfind_bench.py [--repeat 3]

Issue 11 asked to use ``networkx.utils.UnionFind`` instead of the hand-written copies
unless a benchmark shows it costs. The planner's cold paths use it; the Kruskal loops of
:mod:`planner.steiner` (:func:`~planner.steiner.net.kruskal`,
:func:`~planner.steiner.net.spanning_forest`, which :func:`~planner.steiner.net.mst_respan`
and the local search's Steiner-vertex insertion call once per candidate) keep
:func:`~planner.steiner.net.find_root`. This benchmark runs ``method="heuristic"`` on the
18 generated instances of ``bench/steiner_bench.py --quick`` with the code as it is and
with those two functions swapped for ``UnionFind`` versions, alternating the two in each
round so that a noisy machine affects both alike; it checks that the trees cost the same,
and prints the best-of-``repeat`` time summed over the instances and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
from networkx.utils import UnionFind

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from steiner_bench import machine, pick_instance, road_delaunay, road_grid  # noqa: E402

from planner.steiner import heuristics, local_search, net, steiner_tree  # noqa: E402
from planner.steiner.net import TAdj, add_edge  # noqa: E402


def kruskal_nx(
    n: int, links: Mapping[tuple[int, int], tuple[float, list[int]]]
) -> list[tuple[int, int]] | None:
    """:func:`planner.steiner.net.kruskal` with networkx's ``UnionFind``."""
    sets = UnionFind(range(n))
    chosen = []
    for key in sorted(links, key=lambda k: links[k][0]):
        if sets[key[0]] != sets[key[1]]:
            sets.union(key[0], key[1])
            chosen.append(key)
    return chosen if len(chosen) == n - 1 else None


def spanning_forest_nx(nodes: Iterable[int], edges: Iterable[tuple[float, int, int]]) -> TAdj:
    """:func:`planner.steiner.net.spanning_forest` with networkx's ``UnionFind``."""
    tadj: TAdj = {v: set() for v in nodes}
    sets = UnionFind(tadj)
    for _, u, v in edges:
        if sets[u] != sets[v]:
            sets.union(u, v)
            add_edge(tadj, u, v)
    return tadj


@contextmanager
def networkx_union_find() -> Iterator[None]:
    """Swap the two Kruskal loops for the ``UnionFind`` versions wherever they are bound."""
    swaps = [
        (module, name, new)
        for module in (net, heuristics, local_search)
        for name, new in (("kruskal", kruskal_nx), ("spanning_forest", spanning_forest_nx))
        if hasattr(module, name)
    ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in swaps]
    try:
        for module, name, new in swaps:
            setattr(module, name, new)
        yield
    finally:
        for module, name, old in saved:
            setattr(module, name, old)


def instances() -> list[tuple[nx.Graph, list[object], object]]:
    """The 18 generated instances of ``steiner_bench.py --quick``."""
    makers: list[Callable[[int], nx.Graph]] = [
        lambda s: road_grid(15, s),
        lambda s: road_grid(30, s),
        lambda s: road_delaunay(400, s),
    ]
    out = []
    for make in makers:
        for seed in range(3):
            G = make(seed)
            for k in (10, 30):
                H, terms, root = pick_instance(G, k, seed * 100 + k, fiber_root=seed % 2 == 1)
                out.append((H, list(terms), root))
    return out


def solve_all(
    cases: list[tuple[nx.Graph, list[object], object]],
) -> tuple[list[float], list[float]]:
    """Return each instance's heuristic time and tree cost."""
    times, costs = [], []
    for G, terms, root in cases:
        t0 = time.perf_counter()
        T = steiner_tree(G, terms, root=root, method="heuristic")
        times.append(time.perf_counter() - t0)
        costs.append(T.graph["cost"])
    return times, costs


def main() -> None:
    """Run the comparison and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (best of, per instance)")
    args = parser.parse_args()
    print(machine())
    cases = instances()
    best: dict[str, list[float]] = {}
    costs: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for variant in ("hand-written", "networkx"):
            if variant == "networkx":
                with networkx_union_find():
                    times, cost = solve_all(cases)
            else:
                times, cost = solve_all(cases)
            costs[variant] = cost
            old = best.get(variant)
            best[variant] = (
                times if old is None else [min(a, b) for a, b in zip(old, times, strict=True)]
            )
    same = all(abs(a - b) <= 1e-6 * max(1.0, a) for a, b in zip(*costs.values(), strict=True))
    hand, nxu = sum(best["hand-written"]), sum(best["networkx"])
    print(f"{len(cases)} instances, method='heuristic', best of {args.repeat}, summed:")
    print(f"  hand-written union-find : {hand:7.2f} s")
    print(f"  networkx UnionFind      : {nxu:7.2f} s  ({nxu / hand:.2f}x)")
    print(f"  same tree costs         : {same}")


if __name__ == "__main__":
    main()
