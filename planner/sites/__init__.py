"""New mobile sites for the villages and clusters without 4G: a maximal covering location problem.

:func:`candidate_sites` proposes places where a mast could stand near the targets (the
targets themselves, points along the roads around them and, with an elevation raster,
the high ground). :func:`plan_sites` predicts what a hypothetical site at each candidate
would cover with the *same* model as :mod:`coverage.mobile` (COST-231 Hata, clutter from
population density, terrain diffraction), then chooses:

* without ``max_sites`` or ``budget_vnd``: the fewest sites that give every coverable
  target the technology (set cover; ties broken by the lower cost);
* with them: the sites that cover the most households within the number of sites and
  the budget (maximal covering location problem, Church & ReVelle 1974).

Both are solved exactly as integer programmes with HiGHS (``highspy``), with a greedy
heuristic as a fallback (:func:`solve_covering`). Each proposed site then carries the
operator it is proposed to, its backhaul (fiber, microwave or satellite) and its power
(grid or solar), and a cost built from the documented defaults of :class:`SiteRules`.

References
----------
.. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
   Regional Science Association, vol. 32, pp. 101-118, 1974.
.. [2] S. Khuller, A. Moss and J. Naor, "The budgeted maximum coverage problem",
   Information Processing Letters, vol. 70, no. 1, pp. 39-45, 1999 (the greedy with a
   best-single-set guard used under a budget).
.. [3] Q. Huangfu and J. A. J. Hall, "Parallelizing the dual revised simplex method",
   Mathematical Programming Computation, vol. 10, pp. 119-142, 2018 (HiGHS).

Modules
-------
:mod:`~planner.sites.plan`
    :func:`plan_sites`, the public entry, and the :class:`SitePlan` it returns.
:mod:`~planner.sites.candidates`
    :func:`candidate_sites`, and what a site at each candidate would cover.
:mod:`~planner.sites.covering`
    :func:`solve_covering`: set cover and the maximal covering model (ILP, greedy).
:mod:`~planner.sites.backhaul`
    Fiber distance and microwave line of sight to existing sites.
:mod:`~planner.sites.power`
    Grid or solar.
:mod:`~planner.sites.rules`
    :class:`SiteRules` and :data:`SITE_COST_VND`: the documented unit costs and distances.
:mod:`~planner.sites.inputs`
    :class:`SiteInputError` and the input checks the modules share.
"""

from planner.sites.candidates import candidate_sites as candidate_sites
from planner.sites.covering import METHODS as METHODS
from planner.sites.covering import CoverSolution as CoverSolution
from planner.sites.covering import solve_covering as solve_covering
from planner.sites.inputs import SiteInputError as SiteInputError
from planner.sites.plan import SitePlan as SitePlan
from planner.sites.plan import plan_sites as plan_sites
from planner.sites.rules import DEFAULT_RULES as DEFAULT_RULES
from planner.sites.rules import SITE_COST_VND as SITE_COST_VND
from planner.sites.rules import SiteRules as SiteRules

__all__ = [
    "DEFAULT_RULES",
    "METHODS",
    "SITE_COST_VND",
    "CoverSolution",
    "SiteInputError",
    "SitePlan",
    "SiteRules",
    "candidate_sites",
    "plan_sites",
    "solve_covering",
]
