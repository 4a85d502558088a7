"""The order of repairs after a hazard that brings back the most households soonest.

After the power is back, what stays broken is what a crew must mend: the cut routes and
the fallen towers of a scenario (:func:`coverage.resilience.run_scenario`). Greedy, as
the issue asks: repeatedly take the repair that restores the most households per repair
hour, given what is already mended; then hand the list to ``crews`` crews, each taking
the next repair when it is free (list scheduling). A household is *restored* when it had
fiber or 4G before the hazard, has neither now, and gets one back.

How a repair's gain is found without running the whole engine again: repairs only add
to the network, so a union-find over the surviving graph grows with each repair; a
repair lights the pieces of network it joins to the core's component; a cluster gets
fiber back when a piece of fiber within reach is lit (the engine's rule), and 4G back
when a site that comes back up covers it (the best signal only grows with more sites,
so the new sites alone decide: :func:`coverage.mobile.best_signal` on them). Gains can
grow when an upstream repair is made (an access cable behind a cut distribution cable
restores nobody until that cable is mended): the repairs touching what a repair just lit
are evaluated again; the others lazily, when they reach the top. Among repairs that
restore nobody on their own, those that join something to the core come first (they open
the way); the rest come last. The look-ahead is one repair deep: a chain of several
repairs that restores households only when all are made is mended in id order once the
repairs restoring something now are done, which lengthens the tail of the schedule.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.engine import CoverageInputs
from coverage.mobile import best_signal
from coverage.resilience.network import CORE, Network
from coverage.resilience.scenario import Damage, HourState, ScenarioResult, run_scenario
from coverage.resilience.spof import dependents
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.errors import InputError

__all__ = ["REPAIR_COLUMNS", "RepairRules", "restoration_order"]

Bools = npt.NDArray[np.bool_]

#: The columns of the table :func:`restoration_order` returns.
REPAIR_COLUMNS = [
    "order",
    "kind",
    "element_id",
    "operator",
    "crew",
    "start_h",
    "finish_h",
    "repair_hours",
    "households_restored",
    "households_restored_total",
    "restored_by_h",
]


@dataclass(frozen=True)
class RepairRules:
    """How long a crew takes for each repair (assumed; give your crews' figures).

    Attributes
    ----------
    route_hours
        Finding and splicing the cuts of one route.
    tower_hours
        Raising a fallen mast again, or a temporary one, and bringing the site on air.
    """

    route_hours: float = 6.0
    tower_hours: float = 24.0


class _Network:
    """The damaged network as a union-find that repairs grow."""

    def __init__(self, result: ScenarioResult) -> None:
        net = cast("Network", result.network)
        damage = cast("Damage", result.damage)
        sites = cast("pd.DataFrame", result.sites)
        self.net = net
        edges = net.edges
        self.u = edges["u"].to_numpy(np.int64)
        self.v = edges["v"].to_numpy(np.int64)
        n = net.n_nodes
        self.parent = list(range(n))
        self.members: list[list[int]] = [[k] for k in range(n)]
        intact = net.reaching_core()
        self.cut = damage.cut.copy()
        self.site_ids = sites["site_id"].astype(str).tolist()
        self.site_node = np.asarray([net.sites[s] for s in self.site_ids], dtype=np.int64)
        self.fallen = np.zeros(n, dtype=bool)
        self.fallen[self.site_node[damage.tower]] = True
        for e in np.flatnonzero(~self.cut & ~self.fallen[self.u] & ~self.fallen[self.v]):
            self.union(int(self.u[e]), int(self.v[e]))
        self.exempt = ~intact  # not reaching the core before: judged on its own
        core = self.find(CORE)
        self.lit = np.asarray([self.find(k) == core for k in range(n)], dtype=bool)

    def find(self, k: int) -> int:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] += self.members[rb]
        self.members[rb] = []

    def ok(self) -> Bools:
        return self.lit | self.exempt

    def joins(self, edges: list[int], node: int | None) -> list[tuple[int, int]]:
        """Return the links a repair adds: its cut edges, or a fallen site's edges."""
        if node is not None:
            at = np.flatnonzero((self.u == node) | (self.v == node))
            return [
                (int(self.u[e]), int(self.v[e]))
                for e in at
                if not self.cut[e]
                and not (self.fallen[self.u[e]] and self.u[e] != node)
                and not (self.fallen[self.v[e]] and self.v[e] != node)
            ]
        return [
            (int(self.u[e]), int(self.v[e]))
            for e in edges
            if not self.fallen[self.u[e]] and not self.fallen[self.v[e]]
        ]

    def newly_lit(self, links: list[tuple[int, int]], node: int | None) -> list[int]:
        """Return the nodes a repair would join to the core (nothing changed yet)."""
        roots = {self.find(a) for link in links for a in link}
        if node is not None:
            roots.add(self.find(node))
        core = self.find(CORE)
        if core not in roots:
            return []
        return [m for r in roots if r != core for m in self.members[r]]


_Item = tuple[str, str, str, list[int], int | None, float]
"""A repair: kind, id, operator, its cut edges, its fallen site's node, its hours."""


def restoration_order(
    inputs: CoverageInputs,
    result: ScenarioResult,
    *,
    crews: int,
    rules: RepairRules | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Order the repairs of a scenario for ``crews`` crews, most households per hour first.

    Parameters
    ----------
    inputs
        The layers and rasters the scenario ran on.
    result
        The scenario (:func:`coverage.resilience.run_scenario`).
    crews
        How many crews work at once (1 or more).
    rules
        Repair times (:class:`RepairRules`).
    settings
        The coverage rules (4G threshold, reach), as the scenario used them.

    Returns
    -------
    pandas.DataFrame
        :data:`REPAIR_COLUMNS`: each repair (``route`` or ``tower``), the crew that makes
        it, when it starts and ends (hours from when crews set out), the households it
        restores, and ``restored_by_h``: when they are surely back, every repair before it
        in the order done (a repair may need one made before it, e.g. the cable upstream).

    Raises
    ------
    InputError
        Fewer than one crew, or a scenario without its network.
    """
    if crews < 1:
        msg = f"--crews must be 1 or more, got {crews}."
        raise InputError(msg)
    if result.network is None or result.damage is None or result.sites is None:
        msg = "the scenario carries no network: run it with coverage.resilience.run_scenario."
        raise InputError(msg)
    greedy = _Greedy(inputs, result, rules or RepairRules(), settings)
    return _schedule(greedy.items, greedy.run(), crews)


class _Greedy:
    """The greedy choice of repairs on the damaged network after the outage."""

    def __init__(
        self,
        inputs: CoverageInputs,
        result: ScenarioResult,
        rules: RepairRules,
        settings: CoverageSettings,
    ) -> None:
        after = [s for s in result.states if s.hour >= result.hazard.outage_hours]
        if not after:
            hours = (result.hazard.outage_hours,)
            after = list(run_scenario(inputs, result.hazard, hours=hours).states)
        self.g = g = _Network(result)
        sites = cast("pd.DataFrame", result.sites)
        self._clusters(inputs, result, after[0], settings)
        self.has_fiber = self.fiber_now(g.ok(), g.cut)
        self.up = g.ok()[g.site_node] & ~g.fallen[g.site_node]
        self.items = _items(g, sites, rules)
        self.touching: dict[int, list[int]] = {}
        for i, (_, _, _, es, node, _) in enumerate(self.items):
            # what lights the ends of its cut edges, or the site's neighbours, changes its gain
            links = g.joins(es, node)
            for n in {a for link in links for a in link} - {node}:
                self.touching.setdefault(n, []).append(i)
        dark = self.served & ~self.has_4g
        self.cover = _site_cover(inputs, sites, np.flatnonzero(~self.up), self.xy, dark, settings)

    def _clusters(
        self,
        inputs: CoverageInputs,
        result: ScenarioResult,
        state: HourState,
        settings: CoverageSettings,
    ) -> None:
        """Each cluster's households, service before and now, and its pieces of fiber."""
        deps = dependents(self.g.net, inputs.villages, inputs.clusters, settings=settings)
        clusters = state.coverage.clusters
        before = result.before.coverage.clusters
        key = "cluster" if (deps.kind == "cluster").any() else "village"
        row_of = {cid: k for k, cid in enumerate(clusters["cluster_id"].astype(str))}
        entity_rows = np.flatnonzero(deps.kind == key)
        row = np.asarray([row_of[str(deps.entity_id[k])] for k in entity_rows], dtype=np.int64)
        pos = np.full(len(deps.entity_id), -1, dtype=np.int64)
        pos[entity_rows] = np.arange(len(entity_rows))
        keep = pos[deps.pair_entity] >= 0
        self.n = len(row)
        self.pair_c = pos[deps.pair_entity[keep]]
        self.pair_u, self.pair_v = deps.pair_u[keep], deps.pair_v[keep]
        self.pair_e = deps.pair_edge[keep]
        self.hh = clusters["households"].to_numpy(np.int64)[row]
        was = before["fiber_reached"].to_numpy(bool) | before["mobile_4g"].to_numpy(bool)
        self.served = was[row]
        self.has_4g = clusters["mobile_4g"].to_numpy(bool)[row]
        frame = inputs.clusters if key == "cluster" else inputs.villages
        geoms = cast("gpd.GeoDataFrame", frame).geometry.to_numpy()
        self.xy = shapely.get_coordinates(shapely.centroid(geoms))[row]

    def fiber_now(self, ok: Bools, cut: Bools) -> Bools:
        """Return which clusters have a lit piece of fiber within reach."""
        e = self.pair_e
        alive = ok[self.pair_u] & ok[self.pair_v] & ((e < 0) | ~cut[np.maximum(e, 0)])
        return np.bincount(self.pair_c[alive], minlength=self.n) > 0

    def gain(self, i: int) -> tuple[int, list[int], Bools, Bools]:
        """Return the households repair ``i`` restores now, what it lights, the new service."""
        g = self.g
        _, _, _, es, node, _ = self.items[i]
        lit = g.newly_lit(g.joins(es, node), node)
        if not lit:
            return 0, [], self.has_fiber, self.has_4g
        ok = g.ok()
        ok[lit] = True
        cut = g.cut.copy()
        cut[es] = False
        fiber = self.fiber_now(ok, cut)
        fallen = g.fallen.copy()
        if node is not None:
            fallen[node] = False
        mobile = self.has_4g.copy()
        for k in np.flatnonzero(ok[g.site_node] & ~fallen[g.site_node] & ~self.up).tolist():
            mobile[self.cover.get(k, _NONE)] = True
        cut_off = self.served & ~self.has_fiber & ~self.has_4g
        return int(self.hh[cut_off & (fiber | mobile)].sum()), lit, fiber, mobile

    def potential(self, lit: list[int]) -> int:
        """Return the cut-off households within reach of a piece touching nodes ``lit``.

        What a repair that lights these nodes but restores nobody yet may bring back with
        the next repair on the way (an upper bound: their own pieces may still be cut).
        """
        on = np.zeros(len(self.g.lit), dtype=bool)
        on[lit] = True
        near = np.unique(self.pair_c[on[self.pair_u] | on[self.pair_v]])
        cut_off = self.served & ~self.has_fiber & ~self.has_4g
        return int(self.hh[near[cut_off[near]]].sum())

    def take(self, i: int, lit: list[int], fiber: Bools, mobile: Bools) -> None:
        """Make repair ``i``."""
        g = self.g
        _, _, _, es, node, _ = self.items[i]
        for a, b in g.joins(es, node):
            g.union(a, b)
        g.cut[es] = False
        if node is not None:
            g.fallen[node] = False
        g.lit[lit] = True
        self.has_fiber, self.has_4g = fiber, mobile
        self.up = g.ok()[g.site_node] & ~g.fallen[g.site_node]

    def run(self) -> list[tuple[int, int]]:
        """Return the repairs in the greedy order, each with the households it restores.

        Ties (and repairs restoring nobody yet) go first to those that join something to
        the core, the most cut-off households within reach of what they light per hour
        first (:meth:`potential`): they open the way for the repairs behind them, and the
        most promising way first (a one-step look ahead, without which such repairs were
        made in the order of their ids and the last households waited weeks).
        """
        hours = [item[5] for item in self.items]

        def key(i: int) -> tuple[float, float, int, int]:
            value, lit, _, _ = self.gain(i)
            ahead = self.potential(lit) if lit and not value else 0
            return (-value / hours[i], -ahead / hours[i], -int(bool(lit)), i)

        heap = [key(i) for i in range(len(self.items))]
        heapq.heapify(heap)
        done: set[int] = set()
        chosen: list[tuple[int, int]] = []
        while heap:
            stale = heapq.heappop(heap)
            i = stale[3]
            if i in done:
                continue
            value, lit, fiber, mobile = self.gain(i)
            ahead = self.potential(lit) if lit and not value else 0
            now = (-value / hours[i], -ahead / hours[i], -int(bool(lit)), i)
            if heap and now > heap[0]:  # worth less than it was: back in line
                heapq.heappush(heap, now)
                continue
            done.add(i)
            chosen.append((i, value))
            self.take(i, lit, fiber, mobile)
            again = {j for n in lit for j in self.touching.get(n, []) if j not in done}
            for j in sorted(again):  # what it lit may make these worth more now
                heapq.heappush(heap, key(j))
        return chosen


def _items(g: _Network, sites: pd.DataFrame, rules: RepairRules) -> list[_Item]:
    """Return the repairs: each route with a cut, each fallen tower."""
    edges = g.net.edges
    route_ids = edges["route_id"].astype(str).to_numpy()
    operators = edges["operator"].astype(str).to_numpy()
    routes: dict[str, list[int]] = {}
    for e in np.flatnonzero(g.cut).tolist():
        routes.setdefault(str(route_ids[e]), []).append(e)
    items: list[_Item] = [
        ("route", r, str(operators[es[0]]), es, None, rules.route_hours)
        for r, es in sorted(routes.items())
    ]
    fallen = np.flatnonzero(g.fallen[g.site_node])
    items += [
        (
            "tower",
            g.site_ids[k],
            str(sites["operator"].iloc[k]),
            [],
            int(g.site_node[k]),
            rules.tower_hours,
        )
        for k in fallen.tolist()
    ]
    return items


_NONE = np.zeros(0, dtype=np.int64)
_GROUP = 60  # sites a call: one column each, flags packed in 64 bits


def _site_cover(  # noqa: PLR0913 - the inputs of the signal
    inputs: CoverageInputs,
    sites: pd.DataFrame,
    down: npt.NDArray[np.int64],
    xy: npt.NDArray[np.float64],
    dark: Bools,
    settings: CoverageSettings,
) -> dict[int, npt.NDArray[np.int64]]:
    """Return, for each site down, the clusters without 4G it covers on its own.

    A point is covered when one site's signal reaches its requirement (the best of a set
    of sites is the best of each), so the site is given a name of its own in place of
    its operator and :func:`coverage.mobile.best_signal` tells each site's signal apart.
    """
    out: dict[int, npt.NDArray[np.int64]] = {}
    points = np.flatnonzero(dark)
    if not len(points) or not len(down):
        return out
    for start in range(0, len(down), _GROUP):
        group = down[start : start + _GROUP]
        alone = sites.iloc[group].copy()
        alone["operator"] = [f"s{k}" for k in group]
        signal = best_signal(
            alone,
            xy[points],
            tech="4G",
            density=inputs.density,
            elevation=inputs.elevation,
            land_cover=inputs.land_cover,
            settings=settings,
        )
        required = signal.required_dbm.to_numpy()
        for k in group.tolist():
            column = f"s{k}"
            if column in signal.rsrp_dbm:
                hit = signal.rsrp_dbm[column].to_numpy() >= required
                if hit.any():
                    out[k] = points[hit]
    return out


def _schedule(
    items: list[_Item],
    chosen: list[tuple[int, int]],
    crews: int,
) -> pd.DataFrame:
    """Give each repair, in order, to the crew free first."""
    free = [(0.0, c) for c in range(1, crews + 1)]
    rows = []
    total = 0
    by = 0.0
    for order, (i, value) in enumerate(chosen, start=1):
        kind, element, operator, _, _, hours = items[i]
        start, crew = heapq.heappop(free)
        heapq.heappush(free, (start + hours, crew))
        total += value
        by = max(by, start + hours)
        rows.append(
            {
                "order": order,
                "kind": kind,
                "element_id": element,
                "operator": operator,
                "crew": crew,
                "start_h": start,
                "finish_h": start + hours,
                "repair_hours": hours,
                "households_restored": value,
                "households_restored_total": total,
                "restored_by_h": by,
            }
        )
    return pd.DataFrame(rows, columns=REPAIR_COLUMNS)
