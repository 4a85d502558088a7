"""planner: fiber extensions (Steiner trees on the road graph) and new mobile sites.

Pure computation on validated layers; built in issue #4; this package holds nothing yet.
"""

# Fiber extensions (issue #4): costs, road graph, Steiner trees, the plan.
from planner.costs import DEFAULT_COSTS as DEFAULT_COSTS
from planner.costs import FiberCosts as FiberCosts
from planner.fiber import FiberPlan as FiberPlan
from planner.fiber import plan_fiber as plan_fiber
from planner.graph import FIBER_ROOT as FIBER_ROOT
from planner.graph import NoFiberError as NoFiberError
from planner.graph import PlannerInputError as PlannerInputError
from planner.graph import UnreachableTerminalsError as UnreachableTerminalsError
from planner.graph import attach_existing_fiber as attach_existing_fiber
from planner.graph import attach_points as attach_points
from planner.graph import bridge_components as bridge_components
from planner.graph import build_road_graph as build_road_graph
from planner.steiner import InfeasibleTargetError as InfeasibleTargetError
from planner.steiner import prize_collecting_steiner as prize_collecting_steiner
from planner.steiner import steiner_tree as steiner_tree
