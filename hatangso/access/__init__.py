"""Who may see and do what: the three roles and the filters every view goes through.

* ``department`` (Sở TT&TT) sees and edits everything, imports data, runs and publishes
  plans, reviews every proposal and reads the audit trail;
* ``operator:<name>`` (``operator:Viettel``, ``operator:VNPT`` …) sees its own sites, routes
  and nodes in full, the shared layers (administrative units, villages, clusters, roads,
  power lines, priority places, population and elevation) and the coverage aggregated over
  all operators — never another operator's site list, routes, nodes, coverage raster or
  per-operator figures;
* ``viewer`` (the provincial leadership) sees everything and changes nothing.

Every role rule of the project is in this package, and the rest imports it from here:

:mod:`hatangso.access.roles`
    :class:`Role` (parsed from ``department``, ``viewer`` or ``operator:<name>``) and
    what it may do, including the rules of the review of published plans (who sees,
    decides on and comments on a proposal; who publishes and closes a review);
    :func:`canonical_operator`, the one operator canonicaliser; the errors
    :class:`RoleError` and :class:`AccessDenied`.
:mod:`hatangso.access.filters`
    what each role may see: :func:`visible_layers`, :func:`filter_rows` and
    :func:`check_layer_request`, which the map, the tables, the downloads and the command
    line all go through, and the site-level figures blanked for an operator
    (:func:`is_site_figure`).
"""

from hatangso.access.filters import DEPARTMENT_ONLY as DEPARTMENT_ONLY
from hatangso.access.filters import OPERATOR_LAYERS as OPERATOR_LAYERS
from hatangso.access.filters import OPERATOR_LIST_COLUMNS as OPERATOR_LIST_COLUMNS
from hatangso.access.filters import SHARED_LAYERS as SHARED_LAYERS
from hatangso.access.filters import SITE_FIGURE_COLUMNS as SITE_FIGURE_COLUMNS
from hatangso.access.filters import check_layer_request as check_layer_request
from hatangso.access.filters import filter_rows as filter_rows
from hatangso.access.filters import is_site_figure as is_site_figure
from hatangso.access.filters import visible_layers as visible_layers
from hatangso.access.roles import ROLE_KINDS as ROLE_KINDS
from hatangso.access.roles import SHARED as SHARED
from hatangso.access.roles import AccessDenied as AccessDenied
from hatangso.access.roles import Role as Role
from hatangso.access.roles import RoleError as RoleError
from hatangso.access.roles import as_role as as_role
from hatangso.access.roles import canonical_operator as canonical_operator
from hatangso.access.roles import parse_role as parse_role
from hatangso.access.roles import visible_operators as visible_operators

__all__ = [
    "DEPARTMENT_ONLY",
    "OPERATOR_LAYERS",
    "OPERATOR_LIST_COLUMNS",
    "ROLE_KINDS",
    "SHARED",
    "SHARED_LAYERS",
    "SITE_FIGURE_COLUMNS",
    "AccessDenied",
    "Role",
    "RoleError",
    "as_role",
    "canonical_operator",
    "check_layer_request",
    "filter_rows",
    "is_site_figure",
    "parse_role",
    "visible_layers",
    "visible_operators",
]
