"""planner: where to extend fiber and where to build new mobile sites.

Pure computation on validated layers in the metric working CRS (the layer in, a plan
out; nothing is read or written here). Two planners:

Fiber extensions
    :mod:`planner.costs` prices every metre by road class and build type;
    :mod:`planner.graph` builds the road graph, :mod:`planner.attach` joins the villages
    and the existing fiber (one virtual root, :data:`FIBER_ROOT`) to it and
    :mod:`planner.pieces` bridges the road pieces the root cannot reach;
    :mod:`planner.reach` gives each place its group of road nodes within the
    indicator's reach and asks the indicator what a plan's cables reach;
    :mod:`planner.steiner` finds the trees (:func:`steiner_tree`, exact or heuristic,
    :func:`prize_collecting_steiner` for a budget or a number of households, and their
    group versions);
    :mod:`planner.fiber` turns a tree into ranked routes (:func:`plan_fiber`,
    :class:`FiberPlan`).
New mobile sites
    :mod:`planner.sites` proposes candidates, predicts what each would cover with the
    coverage engine's model, solves the covering problem and gives each chosen site
    its operator, backhaul, power and cost (``plan_sites``, ``SitePlan``).

:mod:`planner.run` runs both on a store's layers (what ``hatangso plan`` and the app's
plans page share); :mod:`planner._highs` gives the exact solvers HiGHS.
"""

# Fiber extensions: costs, road graph, Steiner trees, the plan.
from planner.attach import attach_existing_fiber as attach_existing_fiber
from planner.attach import attach_points as attach_points
from planner.costs import DEFAULT_COSTS as DEFAULT_COSTS
from planner.costs import FiberCosts as FiberCosts
from planner.fiber import FiberPlan as FiberPlan
from planner.fiber import plan_fiber as plan_fiber
from planner.graph import FIBER_ROOT as FIBER_ROOT
from planner.graph import NoFiberError as NoFiberError
from planner.graph import PlannerInputError as PlannerInputError
from planner.graph import UnreachableTerminalsError as UnreachableTerminalsError
from planner.graph import build_road_graph as build_road_graph
from planner.pieces import bridge_components as bridge_components
from planner.steiner import InfeasibleTargetError as InfeasibleTargetError
from planner.steiner import prize_collecting_steiner as prize_collecting_steiner
from planner.steiner import steiner_tree as steiner_tree
