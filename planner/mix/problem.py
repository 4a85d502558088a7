"""The least-cost mix as arrays: units, the fiber tree, the other options, the new sites.

:class:`MixProblem` holds what the greedy (:mod:`planner.mix.solve`) and the exact MILP
(:mod:`planner.mix.milp`) share, and :meth:`MixProblem.evaluate` prices a choice exactly:
the union of the fiber paths chosen, each unit's own option, and every new site used
(or required) once.

A choice is an array over the units: :data:`NONE` (not served), :data:`FIBER`, or the
index of one of :attr:`MixProblem.alt_unit`'s options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.mix.options import SiteGroups
from planner.mix.tree import FiberTree

__all__ = ["FIBER", "NONE", "Evaluation", "MixProblem"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: A unit left unserved.
NONE: Final = -1
#: A unit served by fiber.
FIBER: Final = -2


@dataclass(frozen=True)
class Evaluation:
    """The exact cost of a choice and what it serves."""

    npv_vnd: float
    capex_vnd: float
    opex_vnd_per_year: float
    households_served: int
    by_tech: dict[str, int] = field(default_factory=dict)
    edges: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    groups: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class MixProblem:
    """Everything the solvers need, as arrays aligned on units, options and groups.

    Attributes
    ----------
    unit_ids, households, mandatory
        The units (``mandatory``: must be served, e.g. a village's only unit under the
        village target).
    tree
        The fiber tree (:class:`planner.mix.tree.FiberTree`).
    fiber_ok, fiber_npv, fiber_capex, fiber_served
        Each unit's fiber connection (equipment; the tree's edges are apart).
    alt_unit, alt_tech, alt_group, alt_npv, alt_capex, alt_opex, alt_served
        The other options that can serve (one row each; ``alt_group`` -1 or a group).
    group_npv, group_capex, group_opex, group_mandatory, group_ids
        The new sites.
    opex_per_km
        Yearly upkeep of a km of new cable.
    """

    unit_ids: tuple[str, ...]
    households: FloatArray
    mandatory: BoolArray
    tree: FiberTree
    fiber_ok: BoolArray
    fiber_npv: FloatArray
    fiber_capex: FloatArray
    fiber_served: FloatArray
    alt_unit: IntArray
    alt_tech: tuple[str, ...]
    alt_group: IntArray
    alt_npv: FloatArray
    alt_capex: FloatArray
    alt_opex: FloatArray
    alt_served: FloatArray
    group_ids: tuple[str, ...]
    group_npv: FloatArray
    group_capex: FloatArray
    group_opex: FloatArray
    group_mandatory: BoolArray
    opex_per_km: float = 0.0

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_ids)

    @classmethod
    def build(  # noqa: PLR0913
        cls,
        unit_ids: list[str],
        households: FloatArray,
        mandatory: BoolArray,
        options: pd.DataFrame,
        groups: SiteGroups,
        tree: FiberTree,
        *,
        opex_per_km: float,
    ) -> MixProblem:
        """Assemble the problem from the options frame and the site groups."""
        pos = {u: i for i, u in enumerate(unit_ids)}
        ok = options[options["households_served"] > 0]
        fib = ok[ok["tech"] == "fiber"]
        n = len(unit_ids)
        fiber_ok = np.zeros(n, dtype=bool)
        fiber_npv, fiber_capex, fiber_served = np.zeros(n), np.zeros(n), np.zeros(n)
        idx = fib["unit_id"].map(pos).to_numpy(dtype=np.intp)
        fiber_ok[idx] = True
        fiber_npv[idx] = fib["npv_vnd"].to_numpy(dtype=np.float64)
        fiber_capex[idx] = fib["capex_vnd"].to_numpy(dtype=np.float64)
        fiber_served[idx] = fib["households_served"].to_numpy(dtype=np.float64)
        fiber_ok &= tree.unit_node >= 0
        alt = ok[ok["tech"] != "fiber"]
        gframe = groups.frame
        gpos = {g: k for k, g in enumerate(gframe["group"].astype(str))}
        return cls(
            unit_ids=tuple(unit_ids),
            households=np.asarray(households, dtype=np.float64),
            mandatory=np.asarray(mandatory, dtype=bool),
            tree=tree,
            fiber_ok=fiber_ok,
            fiber_npv=fiber_npv,
            fiber_capex=fiber_capex,
            fiber_served=fiber_served,
            alt_unit=np.asarray(alt["unit_id"].map(pos), dtype=np.intp),
            alt_tech=tuple(alt["tech"].astype(str)),
            alt_group=np.asarray(
                [gpos.get(str(g), -1) if g else -1 for g in alt["group"]], dtype=np.intp
            ),
            alt_npv=alt["npv_vnd"].to_numpy(dtype=np.float64),
            alt_capex=alt["capex_vnd"].to_numpy(dtype=np.float64),
            alt_opex=alt["opex_vnd_per_year"].to_numpy(dtype=np.float64),
            alt_served=alt["households_served"].to_numpy(dtype=np.float64),
            group_ids=tuple(gframe["group"].astype(str)),
            group_npv=gframe["npv_vnd"].to_numpy(dtype=np.float64),
            group_capex=gframe["capex_vnd"].to_numpy(dtype=np.float64),
            group_opex=gframe["opex_vnd_per_year"].to_numpy(dtype=np.float64),
            group_mandatory=gframe["mandatory"].to_numpy(dtype=bool),
            opex_per_km=opex_per_km,
        )

    def without_alternatives(self) -> MixProblem:
        """Return the problem with fiber as the only option (the "fiber alone" curve).

        Required new sites (the 4G target) stay: fiber does not bring 4G.
        """
        empty_i = np.zeros(0, dtype=np.intp)
        empty_f = np.zeros(0)
        return MixProblem(
            **{
                **self.__dict__,
                "alt_unit": empty_i,
                "alt_tech": (),
                "alt_group": empty_i,
                "alt_npv": empty_f,
                "alt_capex": empty_f,
                "alt_opex": empty_f,
                "alt_served": empty_f,
            }
        )

    def relaxed(self) -> MixProblem:
        """Return the problem with nothing required (the household cost curves)."""
        return MixProblem(
            **{
                **self.__dict__,
                "mandatory": np.zeros(self.n_units, dtype=bool),
                "group_mandatory": np.zeros(len(self.group_ids), dtype=bool),
            }
        )

    def subset(self, keep: BoolArray) -> MixProblem:
        """Return the problem restricted to some units (their options; the same tree).

        Parameters
        ----------
        keep
            A mask over the units.
        """
        pos = np.cumsum(keep) - 1
        alt = keep[self.alt_unit]
        tree = self.tree
        tree = type(tree)(**{**tree.__dict__, "unit_node": tree.unit_node[keep]})
        return MixProblem(
            **{
                **self.__dict__,
                "unit_ids": tuple(u for u, k in zip(self.unit_ids, keep, strict=True) if k),
                "households": self.households[keep],
                "mandatory": self.mandatory[keep],
                "tree": tree,
                "fiber_ok": self.fiber_ok[keep],
                "fiber_npv": self.fiber_npv[keep],
                "fiber_capex": self.fiber_capex[keep],
                "fiber_served": self.fiber_served[keep],
                "alt_unit": pos[self.alt_unit[alt]].astype(np.intp),
                "alt_tech": tuple(t for t, k in zip(self.alt_tech, alt, strict=True) if k),
                "alt_group": self.alt_group[alt],
                "alt_npv": self.alt_npv[alt],
                "alt_capex": self.alt_capex[alt],
                "alt_opex": self.alt_opex[alt],
                "alt_served": self.alt_served[alt],
            }
        )

    def evaluate(self, choice: IntArray) -> Evaluation:
        """Price a choice exactly (each fiber edge and each new site counted once).

        Parameters
        ----------
        choice
            Per unit: :data:`NONE`, :data:`FIBER` or an option index.

        Returns
        -------
        Evaluation
        """
        t = self.tree
        edges = np.zeros(len(t.parent), dtype=bool)
        fiber_units = np.flatnonzero(choice == FIBER)
        for u in fiber_units.tolist():
            v = int(t.unit_node[u])
            while v > 0 and not edges[v]:
                edges[v] = True
                v = int(t.parent[v])
        alt = choice[choice >= 0]
        groups = self.group_mandatory.copy()
        g = self.alt_group[alt]
        groups[g[g >= 0]] = True
        length_km = float(t.edge_length_m[edges].sum()) / 1000.0
        capex = (
            float(t.edge_capex_vnd[edges].sum())
            + float(self.fiber_capex[fiber_units].sum())
            + float(self.alt_capex[alt].sum())
            + float(self.group_capex[groups].sum())
        )
        opex = (
            self.opex_per_km * length_km
            + float(self.alt_opex[alt].sum())
            + float(self.group_opex[groups].sum())
        )
        npv = (
            float(t.edge_npv_vnd[edges].sum())
            + float(self.fiber_npv[fiber_units].sum())
            + float(self.alt_npv[alt].sum())
            + float(self.group_npv[groups].sum())
        )
        by_tech: dict[str, int] = {"fiber": round(float(self.fiber_served[fiber_units].sum()))}
        for k in alt.tolist():
            tech = self.alt_tech[k]
            by_tech[tech] = by_tech.get(tech, 0) + round(float(self.alt_served[k]))
        served = sum(by_tech.values())
        return Evaluation(npv, capex, opex, served, by_tech, edges, groups)
