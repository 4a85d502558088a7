"""The least-cost mix of technologies to a target (issue 15, items 2 and 3).

For every unit the fiber indicator does not count yet, the options and their ten-year
costs (:mod:`~planner.mix.options`: fiber, fixed wireless from an existing or a new 4G
site, LEO satellite per household or as a community Wi-Fi point); the fiber tree they
share (:mod:`~planner.mix.tree`); the problem as arrays and its exact price
(:mod:`~planner.mix.problem`); the greedy that finds the cheapest mix and the cost curves
(:mod:`~planner.mix.solve`); the exact MILP that measures its gap on small instances
(:mod:`~planner.mix.milp`); the units and what must be served
(:mod:`~planner.mix.units`); and the public entry :func:`plan_mix`
(:mod:`~planner.mix.plan`). Prices come from :mod:`planner.cost_table`.
"""

from planner.mix.options import OptionRules as OptionRules
from planner.mix.plan import MixPlan as MixPlan
from planner.mix.plan import MixTarget as MixTarget
from planner.mix.plan import plan_mix as plan_mix

__all__ = ["MixPlan", "MixTarget", "OptionRules", "plan_mix"]
