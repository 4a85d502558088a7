"""What each role may see: the filters every map, table, download and command goes through.

An operator role (``operator:<name>``) sees its own sites, routes, nodes and measurements (and
the complaints naming it or no operator) in full, the
shared layers (administrative units, villages, clusters, roads, power lines, priority
places, population and elevation) and the coverage aggregated over all operators — never
another operator's site list, routes, nodes, coverage raster or per-operator figures. The
department and the leadership see everything.

The map, the tables, the downloads and the command line all filter through
:func:`visible_layers`, :func:`filter_rows` and :func:`check_layer_request`, so what an
operator can reach does not depend on which page asked: a forged request for another
operator's layer is refused with :class:`~hatangso.access.roles.AccessDenied`.

Site-level figures
------------------
The coverage engine adds to every village and cluster figures measured against every
operator's individual sites, routes and nodes: the distance to the nearest eligible fiber
(``fiber_distance_m``), the distance to the nearest 4G site (``nearest_4g_site_m``) and the
best predicted signal (``rsrp_2g_dbm`` … ``rsrp_5g_dbm``); a future "serving site" id
(``serving_site_id``, ``best_site_id`` …) would be one too. Read over many villages, these
locate a competitor's sites and cables, so they are *site-level figures*
(:data:`SITE_FIGURE_COLUMNS`, :func:`is_site_figure`).

For an operator role :func:`filter_rows` (and so :func:`visible_layers`) **blanks** them —
NaN for numbers, ``None`` otherwise — in every frame, and the pages leave them out of
popups and downloads. They are not replaced by the operator's own figure because the
frame cannot give it: each one is the minimum (or maximum) over all operators with no
per-operator breakdown, and even "the nearest fiber is mine" would only be known where
no competitor is within reach — so keeping the value just there would itself tell the
operator where competitors are. The aggregated yes/no flags (``fiber_reached``,
``mobile_4g`` …), the counts and the percentages stay as they are; the column stays,
so every table keeps its shape. A village's share covered (``share_4g_pct`` …,
:mod:`coverage.villages`) is such an aggregate too: covered by any operator, over its
clusters (whose flags an operator sees anyway) or points sampled over its area.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from geodata.schemas import column_key
from hatangso.access.roles import UNASSIGNED_KEYS, AccessDenied, Role, canonical_operator

__all__ = [
    "DEPARTMENT_ONLY",
    "EVIDENCE_LAYERS",
    "OPERATOR_LAYERS",
    "OPERATOR_LIST_COLUMNS",
    "SHARED_LAYERS",
    "SITE_FIGURE_COLUMNS",
    "check_layer_request",
    "filter_rows",
    "is_site_figure",
    "visible_layers",
]

#: Layers that are one operator's network: an operator role sees only its own rows.
OPERATOR_LAYERS = ("mobile_sites", "fiber_routes", "fiber_nodes")

#: Evidence layers an operator reads in part: its own ``measurements`` (a sample without
#: an operator is nobody's, so not shown), and the ``complaints`` naming it or no operator
#: (a complaint naming a competitor is that competitor's).
EVIDENCE_LAYERS = ("measurements", "complaints")

#: Layers and rasters every role sees in full (the shared base and gap layers).
SHARED_LAYERS = (
    "admin_units",
    "villages",
    "clusters",
    "roads",
    "power_lines",
    "priority_places",
    "population_density",
    "elevation",
    "land_cover",
)

#: Views that are the department's (and, for reading, the leadership's) alone. ``audit``
#: and ``users`` are the department's only.
DEPARTMENT_ONLY = ("audit", "users")
_LEADERSHIP = ("report",)

#: Views aggregated over all operators that an operator role may request without
#: ``operator=`` (coverage tables and targets, the gap lists, plans' proposals).
_AGGREGATE_VIEWS = ("coverage", "targets", "gaps", "plans")

#: Status columns listing the operators present at a village, cluster or place.
OPERATOR_LIST_COLUMNS = (
    "fiber_operators",
    "operators_2g",
    "operators_3g",
    "operators_4g",
    "operators_5g",
)

#: Per-village and per-cluster figures computed from every operator's individual sites,
#: routes and nodes (:mod:`coverage.engine`): blanked for an operator role.
SITE_FIGURE_COLUMNS = (
    "fiber_distance_m",
    "nearest_4g_site_m",
    "rsrp_2g_dbm",
    "rsrp_3g_dbm",
    "rsrp_4g_dbm",
    "rsrp_5g_dbm",
)

#: The same kinds of figure under other names (other technologies, later engine columns):
#: a signal, a nearest or serving site, node or cable, a distance to the network.
_SITE_FIGURE_PATTERN = re.compile(
    r"rsrp_\w*dbm|best_(rsrp|signal|site)\w*|nearest_\w*(site|node|fiber|route|cable)\w*"
    r"|serving_\w+|\w+_site_ids?|\w*fiber_distance\w*|distance_to_\w+",
    re.IGNORECASE,
)

#: Columns naming one site, route, node or proposal: a frame with one is a site-level list.
_SITE_ID_COLUMNS = ("site_id", "route_id", "node_id", "candidate_id", "edge_id")

#: Operator values that mark a row aggregated over all operators in a summary table.
_AGGREGATE_MARKERS = frozenset({"", "all", "*", "total", "tat ca", "tong"})

FrameT = TypeVar("FrameT", bound=pd.DataFrame)
ValueT = TypeVar("ValueT")


def _raster_operator(name: str) -> str | None:
    """``coverage_4g_viettel`` -> ``Viettel``; ``None`` when not a per-operator raster."""
    parts = name.split("_", 2)
    if len(parts) != 3 or parts[0] != "coverage":
        return None
    return canonical_operator(parts[2]) or parts[2]


def _denied(role: Role, what: str) -> AccessDenied:
    return AccessDenied(f"{role} may not see {what}.")


def check_layer_request(role: Role, layer: str, operator: str | None = None) -> str | None:
    """Check a request for a layer, raster or view, and say which operator it is limited to.

    Every request coming from a page, a download link or the command line passes here
    first; a forged one (another operator's layer, a per-operator figure of another
    operator, the audit trail) raises :class:`AccessDenied`.

    Parameters
    ----------
    role
        The signed-in role.
    layer
        A contract layer (``mobile_sites`` …), a raster (``coverage_4g_viettel`` …) or a
        view: ``coverage``, ``targets``, ``gaps``, ``plans`` (aggregated unless
        ``operator`` is given), ``report``, ``audit``, ``users``.
    operator
        The operator the request is for (any spelling), or ``None``.

    Returns
    -------
    str or None
        The operator whose rows the answer must be limited to (the caller filters with
        :func:`filter_rows`), or ``None`` when the answer may be given as asked.

    Raises
    ------
    AccessDenied
        When the role may not see it.
    """
    name = str(layer).strip()
    wanted = None if operator is None else (canonical_operator(operator) or str(operator))
    if name in DEPARTMENT_ONLY:
        if role.kind != "department":
            raise _denied(role, f"the {name} (the department's only)")
        return wanted
    if role.sees_all_operators:
        return wanted
    return _operator_scope(role, name, wanted)


def _operator_scope(role: Role, name: str, wanted: str | None) -> str | None:
    """:func:`check_layer_request` for an operator role."""
    own = role.operator
    if wanted is not None and wanted != own:
        raise _denied(role, f"{wanted}'s {name} (an operator sees only its own network)")
    raster_op = _raster_operator(name)
    if raster_op is not None:
        if raster_op != own:
            raise _denied(role, f"{raster_op}'s coverage raster {name!r}")
        return own
    if name in OPERATOR_LAYERS or name in EVIDENCE_LAYERS:
        return own
    if name in SHARED_LAYERS:
        return None
    if name in _AGGREGATE_VIEWS:
        return wanted
    if name in _LEADERSHIP:
        raise _denied(role, f"the {name} (the department's and the leadership's)")
    raise _denied(role, f"{name!r} (not a layer or view shared with operators)")


def _is_site_list(frame: pd.DataFrame) -> bool:
    return any(col in frame.columns for col in _SITE_ID_COLUMNS)


@functools.lru_cache(maxsize=1024)
def _operator_of_key(key: object) -> str | None:
    """Return the canonical operator of a :func:`~geodata.schemas.column_key` spelling.

    ``column_key`` of a key is the key itself, so this is :func:`canonical_operator`;
    cached, as a table holds few distinct spellings.
    """
    return canonical_operator(str(key))


def _own_mask(
    values: pd.Series, own: str, *, keep_aggregate: bool, keep_unassigned: bool
) -> npt.NDArray[np.bool_]:
    text = values.astype("string").fillna("")
    keys = text.map(column_key)
    canon = keys.map(_operator_of_key)
    mask = (canon == own).fillna(value=False).to_numpy(dtype=bool)
    if keep_aggregate:
        mask |= keys.isin(_AGGREGATE_MARKERS).to_numpy(dtype=bool)
    if keep_unassigned:
        mask |= keys.isin(UNASSIGNED_KEYS).to_numpy(dtype=bool)
    return mask


def is_site_figure(column: object) -> bool:
    """Return whether a column is a site-level figure an operator role may not see.

    Parameters
    ----------
    column
        A column name.

    Returns
    -------
    bool
        ``True`` for :data:`SITE_FIGURE_COLUMNS` and the like (``rsrp_*_dbm``,
        ``nearest_*_site*``, ``serving_*``, ``*_site_id`` …); ``False`` for ``site_id``
        itself, the flags, the operator lists, counts and percentages.

    Examples
    --------
    >>> is_site_figure("nearest_4g_site_m"), is_site_figure("mobile_4g")
    (True, False)
    """
    name = str(column)
    return name in SITE_FIGURE_COLUMNS or _SITE_FIGURE_PATTERN.fullmatch(name) is not None


def _redact(frame: FrameT, own: str) -> FrameT:
    """Cut the operator lists down to ``own`` and blank the site-level figures."""
    present = [c for c in OPERATOR_LIST_COLUMNS if c in frame.columns]
    figures = [c for c in frame.columns if c != "geometry" and is_site_figure(c)]
    if not present and not figures:
        return frame
    out = frame.copy()
    for col in figures:
        if pd.api.types.is_numeric_dtype(out[col].dtype) and not pd.api.types.is_bool_dtype(
            out[col].dtype
        ):
            out[col] = np.full(len(out), np.nan)
        else:
            out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
    for col in present:
        has = (
            out[col]
            .astype("string")
            .fillna("")
            .map(lambda s: own in [canonical_operator(x.strip()) for x in str(s).split(",") if x])
        )
        out[col] = np.where(has.to_numpy(dtype=bool), own, "")
    return out


def filter_rows(
    role: Role,
    frame: FrameT,
    operator_column: str = "operator",
    *,
    keep_unassigned: bool = False,
) -> FrameT:
    """Return the rows (and columns) of a table the role may see, for screens and downloads.

    For the department and the leadership the frame is returned as is. For an operator:

    * a site-level list (it has ``site_id``, ``route_id``, ``node_id``, ``candidate_id``
      or ``edge_id``, or is a layer) keeps only the operator's own rows — a row with a
      missing or unknown operator is dropped too;
    * a summary table keeps its own operator's rows and the rows aggregated over all
      operators (operator missing, ``""``, ``"all"``, ``"*"``, ``"total"``, ``"tất cả"``);
    * the per-village operator lists (``fiber_operators``, ``operators_4g`` …) are cut
      down to the own operator, while the aggregated flags (``fiber_reached``,
      ``mobile_4g`` …) stay as they are;
    * the site-level figures (:func:`is_site_figure`: ``fiber_distance_m``,
      ``nearest_4g_site_m``, ``rsrp_*_dbm`` …), measured against every operator's sites,
      are blanked (NaN, or ``None`` when not numeric) in every frame.

    Parameters
    ----------
    role
        The signed-in role.
    frame
        Any table or layer (pandas or GeoPandas).
    operator_column
        The column naming each row's operator.
    keep_unassigned
        Also keep rows whose operator is ``Proposed``, ``shared`` or empty (the
        proposals of a plan not yet given to an operator, which every operator reviews).

    Returns
    -------
    DataFrame
        The same type as ``frame``.
    """
    if role.sees_all_operators or role.operator is None:
        return frame
    own = role.operator
    out = frame
    if operator_column in frame.columns:
        site_list = _is_site_list(frame) or hasattr(frame, "geometry")
        mask = _own_mask(
            frame[operator_column],
            own,
            keep_aggregate=not site_list,
            keep_unassigned=keep_unassigned,
        )
        out = frame.loc[mask]
    return _redact(out, own)


def visible_layers(role: Role, layers: Mapping[str, ValueT]) -> dict[str, ValueT]:
    """Return the layers (and rasters) the role may see, filtered to what it may see.

    Parameters
    ----------
    role
        The signed-in role.
    layers
        Layer or raster name -> frame (or grid, or anything else for rasters).

    Returns
    -------
    dict
        For the department and the leadership, every layer as given. For an operator:
        its own rows of ``mobile_sites``, ``fiber_routes``, ``fiber_nodes``,
        ``measurements`` and of any other frame with an ``operator`` column (a site list
        without one is dropped); the ``complaints`` naming it or no operator;
        the shared layers in full; only its own ``coverage_<tech>_<operator>``
        rasters; nothing only the department or the leadership sees.
    """
    if role.sees_all_operators:
        return dict(layers)
    out: dict[str, ValueT] = {}
    for name, value in layers.items():
        if name in DEPARTMENT_ONLY or name in _LEADERSHIP:
            continue
        raster_op = _raster_operator(name)
        if raster_op is not None and raster_op != role.operator:
            continue
        if isinstance(value, pd.DataFrame):
            site_list = name in OPERATOR_LAYERS or _is_site_list(value)
            if site_list and "operator" not in value.columns:
                continue  # whose rows these are is unknown: not shown to an operator
            out[name] = filter_rows(role, value, keep_unassigned=name == "complaints")
        elif name in SHARED_LAYERS or raster_op is not None:
            out[name] = value
    return out
