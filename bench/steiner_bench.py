"""Benchmark of the fiber planner's Steiner trees: quality against the exact optimum, and speed.

Run (after ``bash scripts/setup``)::

    PYTHONPATH=. .venv/bin/python bench/steiner_bench.py [--quick] [--base ../shared/data]

In one run, on the same instances, it compares with the exact optimum (``method="ilp"``,
HiGHS) the shortest-path heuristic with its clean-up and local search
(``method="heuristic"``) and networkx's approximation (Mehlhorn, ``method="networkx"``):

* generated road-like graphs: jittered grids and Delaunay triangulations thinned to a
  random spanning tree plus a share of the other edges, some edges bent into 2-3
  segments (degree-2 road vertices), priced per metre as aerial or buried; a few hundred
  to a few thousand edges; 10, 20 and 30 terminals; half of them rooted at a node, half
  at a virtual fiber root linked at zero cost to the nodes along one "fiber" corridor;
* the demo (the Bình Định demo's roads, villages and fiber, with the villages the fiber
  does not reach as terminals), when the base data is found;
* group Steiner instances (the fiber planner's problem since it plans to the indicator's
  rule, :mod:`planner.reach`): on the same generated graphs, 10-30 places whose group is
  every node within 500 m, and on the demo the villages and the clusters fiber does not
  reach, each with the road nodes within 500 m (exact against the heuristic; networkx
  has no group method);
* a 100,000-junction road-like grid with 1,000 terminals: heuristic and networkx only
  (no optimum at that size), their costs relative to each other and their times.

It prints the machine, then one table row per family: instances, mean edges, how many
the ILP proved optimal, its largest gap when it did not (%) and its time, and per method
the cost above the optimum (mean and worst, %) and the time. Shared machines are noisy:
compare within one run.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.graph import FIBER_ROOT  # noqa: E402
from planner.steiner import group_steiner_tree, steiner_tree  # noqa: E402

PRICE_VND_PER_M = {"aerial": 130_000.0, "buried": 325_000.0}
SPACING_M = 500.0


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
        f"{platform.python_version()} | numpy {np.__version__} | networkx {nx.__version__} | "
        f"highspy {version('highspy')} | shapely {shapely.__version__}"
    )


# --------------------------------------------------------------------------- generators


def _priced_graph(
    xy: np.ndarray, edges: list[tuple[int, int]], rng: np.random.Generator, bend: float
) -> nx.Graph:
    """A graph on points `xy` with `edges`, some bent into 2-3 segments, priced per metre."""
    G = nx.Graph()
    for i, (x, y) in enumerate(xy):
        G.add_node(i, x=float(x), y=float(y))
    nxt = len(xy)
    for a, b in edges:
        build = "aerial" if rng.random() < 0.7 else "buried"
        price = PRICE_VND_PER_M[build]
        pts = [xy[a], xy[b]]
        if rng.random() < bend:
            d = xy[b] - xy[a]
            normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
            n_mid = int(rng.integers(1, 3))
            mids = [
                xy[a] + d * (k + 1) / (n_mid + 1) + normal * rng.normal(0, 0.08) * np.hypot(*d)
                for k in range(n_mid)
            ]
            pts = [xy[a], *mids, xy[b]]
        chain = [a]
        for p in pts[1:-1]:
            G.add_node(nxt, x=float(p[0]), y=float(p[1]))
            chain.append(nxt)
            nxt += 1
        chain.append(b)
        for (u, v), (p, q) in zip(itertools.pairwise(chain), itertools.pairwise(pts), strict=True):
            length = float(np.hypot(*(q - p)))
            G.add_edge(u, v, length_m=length, cost_vnd=length * price)
    return G


def _thin(
    n: int, candidates: list[tuple[int, int]], rng: np.random.Generator, extra: float
) -> list[tuple[int, int]]:
    """A random spanning tree of the candidate edges plus a share `extra` of the others."""
    H = nx.Graph()
    H.add_nodes_from(range(n))
    for a, b in candidates:
        H.add_edge(a, b, weight=float(rng.random()))
    tree = {tuple(sorted(e)) for e in nx.minimum_spanning_edges(H, data=False)}
    others = [e for e in H.edges() if tuple(sorted(e)) not in tree]
    keep = [e for e in others if rng.random() < extra]
    return [tuple(e) for e in tree] + keep


def road_grid(side: int, seed: int, *, extra: float = 0.35, bend: float = 0.3) -> nx.Graph:
    """A jittered `side` x `side` grid (500 m), thinned and bent: a road-like graph."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.column_stack([ii.ravel(), jj.ravel()]).astype(float) * SPACING_M
    xy += rng.normal(0, 0.15 * SPACING_M, xy.shape)
    idx = np.arange(side * side).reshape(side, side)
    cand = [(int(idx[i, j]), int(idx[i + 1, j])) for i in range(side - 1) for j in range(side)]
    cand += [(int(idx[i, j]), int(idx[i, j + 1])) for i in range(side) for j in range(side - 1)]
    return _priced_graph(xy, _thin(side * side, cand, rng, extra), rng, bend)


def road_delaunay(n: int, seed: int, *, extra: float = 0.25, bend: float = 0.3) -> nx.Graph:
    """Delaunay triangulation of `n` random points, thinned and bent."""
    rng = np.random.default_rng(seed)
    side = math.sqrt(n) * SPACING_M
    xy = rng.uniform(0, side, (n, 2))
    lines = shapely.delaunay_triangles(shapely.MultiPoint(xy), only_edges=True)
    index = {(round(x, 6), round(y, 6)): i for i, (x, y) in enumerate(xy)}
    cand = []
    for line in shapely.get_parts(lines):
        (x0, y0), (x1, y1) = line.coords
        cand.append((index[(round(x0, 6), round(y0, 6))], index[(round(x1, 6), round(y1, 6))]))
    return _priced_graph(xy, _thin(n, cand, rng, extra), rng, bend)


def pick_instance(
    G: nx.Graph, k: int, seed: int, *, fiber_root: bool
) -> tuple[nx.Graph, list[Hashable], Hashable]:
    """Choose `k` terminals among the junctions, and a root (a node or a fiber corridor)."""
    rng = np.random.default_rng(seed + 1000)
    junctions = [n for n in G if isinstance(n, int | np.integer) and G.degree(n) >= 1]
    terms = [junctions[i] for i in rng.choice(len(junctions), size=k, replace=False)]
    if not fiber_root:
        return G, terms[1:], terms[0]
    H = G.copy()
    ys = np.array([H.nodes[n]["y"] for n in H])
    line = float(rng.uniform(ys.min(), ys.max()))
    corridor = [n for n in H if abs(H.nodes[n]["y"] - line) < 0.3 * SPACING_M]
    for n in corridor:
        H.add_edge(n, FIBER_ROOT, length_m=0.0, cost_vnd=0.0)
    terms = [t for t in terms if t not in corridor]
    return H, terms, FIBER_ROOT


# ------------------------------------------------------------------------------ running


@dataclass
class Family:
    """Results of one family of instances."""

    name: str
    edges: list[int] = field(default_factory=list)
    k: list[int] = field(default_factory=list)
    optimal: int = 0
    gaps: list[float] = field(default_factory=list)
    ratio: dict[str, list[float]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, method: str, ratio: float, seconds: float) -> None:
        """Record one method's result on one instance."""
        self.ratio.setdefault(method, []).append(ratio)
        self.seconds.setdefault(method, []).append(seconds)


def run_instance(
    fam: Family, G: nx.Graph, terms: Sequence[Hashable], root: Hashable, ilp_limit: float
) -> None:
    """Solve one instance by every method and record the ratios to the optimum."""
    fam.edges.append(G.number_of_edges())
    fam.k.append(len(terms))
    t0 = time.perf_counter()
    exact = steiner_tree(G, terms, root=root, method="ilp", time_limit_s=ilp_limit)
    fam.add("ilp", 1.0, time.perf_counter() - t0)
    opt = exact.graph["cost"]
    fam.optimal += bool(exact.graph["optimal"])
    fam.gaps.append(float(exact.graph["gap"]))
    # Compare against the best lower bound when the ILP did not finish.
    base = opt if exact.graph["optimal"] else exact.graph["lower_bound"]
    for method in ("heuristic", "networkx"):
        t0 = time.perf_counter()
        T = steiner_tree(G, terms, root=root, method=method)
        ratio = T.graph["cost"] / base if base > 0 else 1.0
        if abs(ratio - 1.0) < 1e-9:  # equal costs summed in another order
            ratio = 1.0
        fam.add(method, ratio, time.perf_counter() - t0)


def run_group_instance(
    fam: Family,
    G: nx.Graph,
    groups: Mapping[str, list[Hashable]],
    root: Hashable,
    ilp_limit: float,
) -> None:
    """Solve one group Steiner instance exactly and by the heuristic (networkx cannot)."""
    fam.edges.append(G.number_of_edges())
    fam.k.append(len(groups))
    t0 = time.perf_counter()
    exact = group_steiner_tree(G, groups, root=root, method="ilp", time_limit_s=ilp_limit)
    fam.add("ilp", 1.0, time.perf_counter() - t0)
    fam.optimal += bool(exact.graph["optimal"])
    fam.gaps.append(float(exact.graph["gap"]))
    base = exact.graph["cost"] if exact.graph["optimal"] else exact.graph["lower_bound"]
    t0 = time.perf_counter()
    T = group_steiner_tree(G, groups, root=root, method="heuristic")
    ratio = T.graph["cost"] / base if base > 0 else 1.0
    fam.add("heuristic", 1.0 if abs(ratio - 1.0) < 1e-9 else ratio, time.perf_counter() - t0)


def pick_groups(
    G: nx.Graph, k: int, seed: int, radius_m: float
) -> tuple[nx.Graph, dict[str, list[Hashable]], Hashable]:
    """`k` random places; each one's group: the nodes within `radius_m` (reach any one)."""
    H, _, root = pick_instance(G, 1, seed, fiber_root=True)
    rng = np.random.default_rng(seed + 2000)
    located = [n for n in H if n != root]
    xy = np.array([(H.nodes[n]["x"], H.nodes[n]["y"]) for n in located])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    linked = set(H[root])
    groups: dict[str, list[Hashable]] = {}
    while len(groups) < k:
        p = rng.uniform(lo, hi)
        near = np.flatnonzero(np.hypot(*(xy - p).T) <= radius_m)
        members = [located[i] for i in near if located[i] not in linked]
        if members and len(members) == len(near):  # not within reach of the fiber already
            groups[f"g{len(groups)}"] = members
    return H, groups, root


def generated_groups(quick: bool, ilp_limit: float) -> list[Family]:
    """Group Steiner families: places whose group is every node within 500 m."""
    seeds = range(3) if quick else range(6)
    ks = (10, 30) if quick else (10, 20, 30)
    out = []
    specs: list[tuple[str, Callable[[int], nx.Graph]]] = [
        ("groups grid 30x30", lambda s: road_grid(30, s)),
        ("groups delaunay 400", lambda s: road_delaunay(400, s)),
    ]
    for name, make in specs:
        fam = Family(name)
        for seed in seeds:
            G = make(seed)
            for k in ks:
                H, groups, root = pick_groups(G, k, seed * 100 + k, SPACING_M)
                run_group_instance(fam, H, groups, root, ilp_limit)
        out.append(fam)
        print(f"  {fam.name}: done", flush=True)
    return out


def generated(quick: bool, ilp_limit: float) -> list[Family]:
    """The generated families."""
    seeds = range(3) if quick else range(6)
    ks = (10, 30) if quick else (10, 20, 30)
    specs: list[tuple[str, Callable[[int], nx.Graph]]] = [
        ("grid 15x15", lambda s: road_grid(15, s)),
        ("grid 30x30", lambda s: road_grid(30, s)),
        ("delaunay 400", lambda s: road_delaunay(400, s)),
    ]
    if not quick:
        specs += [
            ("grid 45x45", lambda s: road_grid(45, s)),
            ("delaunay 1500", lambda s: road_delaunay(1500, s)),
        ]
    out = []
    for name, make in specs:
        fam = Family(name)
        for seed in seeds:
            G = make(seed)
            for k in ks:
                H, terms, root = pick_instance(G, k, seed * 100 + k, fiber_root=seed % 2 == 1)
                run_instance(fam, H, terms, root, ilp_limit)
        out.append(fam)
        print(f"  {fam.name}: done", flush=True)
    return out


def demo_family(base: Path, ilp_limit: float) -> list[Family] | None:
    """The demo: its road graph, villages, fiber; terminals = villages without fiber."""
    if not (base / "PROVENANCE.md").exists():
        print(f"  demo: skipped (no base data at {base})")
        return None
    import shapely as shp

    from coverage.fiber import fiber_reach
    from geodata.crs import WORK_CRS
    from hatangso.demo import build_demo
    from planner.attach import attach_existing_fiber, attach_points
    from planner.graph import build_road_graph

    layers = build_demo(base).layers
    roads, villages = layers["roads"].to_crs(WORK_CRS), layers["villages"].to_crs(WORK_CRS)
    routes, nodes = layers["fiber_routes"].to_crs(WORK_CRS), layers["fiber_nodes"].to_crs(WORK_CRS)
    t0 = time.perf_counter()
    G = build_road_graph(roads)
    ids = attach_points(G, shp.get_coordinates(villages.geometry), villages["village_id"].tolist())
    attach_existing_fiber(G, routes, nodes)
    build_s = time.perf_counter() - t0
    reached = fiber_reach(villages, routes, nodes)["fiber_reached"].to_numpy()
    uncovered = [ids[v] for v in villages["village_id"][~reached]]
    fam = Family(f"demo ({len(uncovered)} villages)")
    run_instance(fam, G, uncovered, FIBER_ROOT, ilp_limit)
    # Every village as a terminal: the province-wide tree (heavier, same graph).
    every = [n for n in ids.values() if n in G]
    fam_all = Family(f"demo, all {len(every)} villages")
    run_instance(fam_all, G, every, FIBER_ROOT, ilp_limit)
    print(f"  demo: graph built in {build_s:.2f} s ({G.number_of_nodes()} nodes)")
    return [fam, fam_all, *demo_groups(layers, ilp_limit)]


def demo_groups(layers: dict[str, Any], ilp_limit: float) -> list[Family]:
    """The planner's own instances on the demo: places reached within 500 m (groups)."""
    from coverage.fiber import fiber_reach
    from geodata.crs import WORK_CRS
    from planner.attach import attach_existing_fiber
    from planner.graph import build_road_graph
    from planner.reach import reach_groups

    work = {k: layers[k].to_crs(WORK_CRS) for k in ("roads", "villages", "clusters")}
    routes, nodes = layers["fiber_routes"].to_crs(WORK_CRS), layers["fiber_nodes"].to_crs(WORK_CRS)
    out = []
    for kind, id_col in (("villages", "village_id"), ("clusters", "cluster_id")):
        places = work[kind]
        places = places[~fiber_reach(places, routes, nodes)["fiber_reached"].to_numpy()]
        G = build_road_graph(work["roads"])
        attach_existing_fiber(G, routes, nodes)
        groups, _ = reach_groups(G, places, id_col, reach_m=500.0)
        fam = Family(f"demo groups: {len(places)} {kind}")
        run_group_instance(fam, G, groups, FIBER_ROOT, ilp_limit)
        out.append(fam)
    return out


def large(quick: bool) -> list[str]:
    """The 100,000-junction graph with 1,000 terminals (heuristic vs networkx)."""
    side, k = (100, 300) if quick else (317, 1000)
    t0 = time.perf_counter()
    G = road_grid(side, 7, bend=0.0)
    gen_s = time.perf_counter() - t0
    H, terms, root = pick_instance(G, k, 7, fiber_root=False)
    rows = []
    costs = {}
    for method in ("heuristic", "networkx"):
        t0 = time.perf_counter()
        T = steiner_tree(H, terms, root=root, method=method)  # default time budget
        costs[method] = (T.graph["cost"], time.perf_counter() - t0)
    h_cost, h_s = costs["heuristic"]
    n_cost, n_s = costs["networkx"]
    rows.append(
        f"{side}x{side} grid: {H.number_of_nodes():,} junctions, {H.number_of_edges():,} edges, "
        f"{len(terms) + 1:,} terminals (generated in {gen_s:.1f} s)"
    )
    rows.append(f"  heuristic: {h_s:6.1f} s, cost {h_cost / 1e9:,.2f} bn VND")
    rows.append(
        f"  networkx : {n_s:6.1f} s, cost {n_cost / 1e9:,.2f} bn VND "
        f"(+{100 * (n_cost / h_cost - 1):.2f} % over the heuristic)"
    )
    return rows


def table(families: list[Family]) -> str:
    """Format the comparison table."""
    head = (
        f"{'family':<28}{'n':>4}{'edges':>7}{'k':>6} | {'ILP opt':>8}{'gap%':>6}{'mean s':>8}"
        f"{'max s':>8} | "
        f"{'heur mean%':>10}{'worst%':>8}{'mean s':>8} | {'nx mean%':>9}{'worst%':>8}{'mean s':>8}"
    )
    lines = [head, "-" * len(head)]

    def row(name: str, fams: list[Family]) -> str:
        n = sum(len(f.edges) for f in fams)
        edges = statistics.mean(e for f in fams for e in f.edges)
        ks = [k for f in fams for k in f.k]
        opt = sum(f.optimal for f in fams)

        def vals(m: str, what: str) -> list[float]:
            src = "ratio" if what == "ratio" else "seconds"
            return [x for f in fams for x in getattr(f, src)[m]]

        def pct(m: str) -> tuple[float, float]:
            r = vals(m, "ratio")
            return 100 * (statistics.mean(r) - 1), 100 * (max(r) - 1)

        hm, hw = pct("heuristic")
        ilp_s = vals("ilp", "s")
        gap = 100 * max((g for f in fams for g in f.gaps), default=0.0)
        k_txt = f"{min(ks)}-{max(ks)}" if min(ks) != max(ks) else str(ks[0])
        nx_txt = f"{'n/a':>9}{'':>8}{'':>8}"  # networkx has no group Steiner tree
        if all("networkx" in f.ratio for f in fams):
            nm, nw = pct("networkx")
            nx_txt = f"{nm:>9.2f}{nw:>8.2f}{statistics.mean(vals('networkx', 's')):>8.2f}"
        return (
            f"{name:<28}{n:>4}{edges:>7.0f}{k_txt:>6} | {opt:>4}/{n:<3}{gap:>6.2f}"
            f"{statistics.mean(ilp_s):>8.2f}{max(ilp_s):>8.2f} | "
            f"{hm:>10.2f}{hw:>8.2f}{statistics.mean(vals('heuristic', 's')):>8.2f} | {nx_txt}"
        )

    lines += [row(f.name, [f]) for f in families]
    generated_only = [f for f in families if not f.name.startswith(("demo", "groups"))]
    if generated_only:
        lines.append("-" * len(head))
        lines.append(row("all generated", generated_only))
    grouped = [f for f in families if f.name.startswith("groups")]
    if grouped:
        lines.append(row("all generated groups", grouped))
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller instances")
    parser.add_argument("--base", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--ilp-limit", type=float, default=60.0, help="ILP time limit (s)")
    args = parser.parse_args()
    print(machine())
    print("cost above the optimum (ILP, HiGHS); n = instances; times per instance")
    families = generated(args.quick, args.ilp_limit)
    families += generated_groups(args.quick, args.ilp_limit)
    demo = demo_family(args.base, args.ilp_limit)
    if demo:
        families += demo
    print()
    print(table(families))
    print()
    for line in large(args.quick):
        print(line)


if __name__ == "__main__":
    main()
