"""Who may see and do what: the three roles and the filters every view goes through.

* ``department`` (Sở TT&TT) sees and edits everything, imports data, runs and publishes
  plans, reviews every proposal and reads the audit trail;
* ``operator:<name>`` (``operator:Viettel``, ``operator:VNPT`` …) sees its own sites, routes
  and nodes in full, the shared layers (administrative units, villages, clusters, roads,
  power lines, priority places, population and elevation) and the coverage aggregated over
  all operators — never another operator's site list, routes, nodes, coverage raster or
  per-operator figures;
* ``viewer`` (the provincial leadership) sees everything and changes nothing.

The map, the tables, the downloads and the command line all filter through
:func:`visible_layers`, :func:`filter_rows` and :func:`check_layer_request`, so what an
operator can reach does not depend on which page asked: a forged request for another
operator's layer is refused with :class:`AccessDenied`.

The rules of the review of published plans (:mod:`hatangso.review`) are here too: who
sees a proposal (:meth:`Role.sees_proposal`), decides on it (:meth:`Role.can_decide`),
comments on it (:meth:`Role.can_comment`), publishes and closes a review
(:attr:`Role.can_publish`), and the one operator canonicaliser
(:func:`canonical_operator`).

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
so every table keeps its shape.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from geodata.errors import InputError
from geodata.schemas import OPERATORS, choice_lookup, column_key

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

RoleKind = Literal["department", "operator", "viewer"]

#: The role kinds, as written before an optional ``:<operator>``.
ROLE_KINDS: tuple[RoleKind, ...] = ("department", "operator", "viewer")

#: Layers that are one operator's network: an operator role sees only its own rows.
OPERATOR_LAYERS = ("mobile_sites", "fiber_routes", "fiber_nodes")

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

#: Proposal operators open to every operator's review (a plan not yet given to one).
_UNASSIGNED = frozenset({"proposed", "shared", ""})

#: The operator of shared infrastructure, and of a shared proposal (a shared site, or a
#: route with no existing fiber around) that every operator sees and may decide on.
SHARED = "Shared"

#: Operators a role may be given (``Shared`` is a kind of infrastructure, not an account).
_ROLE_OPERATORS = tuple(name for name in OPERATORS if name != SHARED)

_LOOKUP = choice_lookup(OPERATORS)

FrameT = TypeVar("FrameT", bound=pd.DataFrame)
ValueT = TypeVar("ValueT")


class RoleError(InputError, ValueError):
    """A role is not ``department``, ``viewer`` or ``operator:<known operator>``."""


class AccessDenied(InputError, PermissionError):
    """The signed-in role may not see or do what was asked (the message says why)."""


def canonical_operator(raw: object, *, keep_unknown: bool = False) -> str | None:
    """Return the canonical operator id of a spelling (``"Mobifone"`` -> ``"MobiFone"``).

    This is the one operator canonicaliser of the roles and of the review; the two kinds
    of caller differ only on a name the importers do not know, which ``keep_unknown``
    chooses.

    Parameters
    ----------
    raw
        Any spelling the importers accept, or a missing value.
    keep_unknown
        ``False`` (roles, requests and filters): an unknown name gives ``None``, so it
        matches no role's operator. ``True`` (the review, assigning a proposal to an
        operator): an unknown name is kept as given, stripped (``"Proposed"``, a new
        entrant), so that the proposal stays assigned to it -- and no operator role
        sees or decides it -- instead of falling back to a shared proposal. Then only
        ``None`` and blank text are missing (any other value is kept as its text, a
        float NaN as ``"nan"``).

    Returns
    -------
    str or None
        The canonical id; for an unknown name ``None``, or the name itself with
        ``keep_unknown``; ``None`` when missing.

    Examples
    --------
    >>> canonical_operator("Vinaphone"), canonical_operator(" Mobi ", keep_unknown=True)
    ('VNPT', 'MobiFone')
    >>> canonical_operator("FooTel") is None, canonical_operator(" FooTel ", keep_unknown=True)
    (True, 'FooTel')
    """
    if keep_unknown:
        text = "" if raw is None else str(raw).strip()
        return (_LOOKUP.get(column_key(text)) or text) if text else None
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return None
    return _LOOKUP.get(column_key(str(raw)))


@dataclass(frozen=True)
class Role:
    """A signed-in user's role.

    Parameters
    ----------
    kind
        ``"department"``, ``"operator"`` or ``"viewer"``.
    operator
        The canonical operator id for ``"operator"`` (``None`` otherwise).

    Examples
    --------
    >>> Role.parse("operator:Mobifone")
    Role(kind='operator', operator='MobiFone')
    >>> str(Role.parse("operator:Vinaphone"))
    'operator:VNPT'
    """

    kind: RoleKind
    operator: str | None = None

    def __post_init__(self) -> None:
        """Check that the operator is given exactly for an operator role."""
        if self.kind not in ROLE_KINDS:
            msg = f"unknown role {self.kind!r}; use department, viewer or operator:<name>."
            raise RoleError(msg)
        if (self.kind == "operator") != (self.operator is not None):
            msg = "an operator role names exactly one operator (operator:<name>); others none."
            raise RoleError(msg)
        if self.operator is not None and self.operator not in _ROLE_OPERATORS:
            msg = f"unknown operator {self.operator!r}; use one of: {', '.join(_ROLE_OPERATORS)}."
            raise RoleError(msg)

    @classmethod
    def parse(cls, text: str) -> Role:
        """Parse ``"department"``, ``"viewer"`` or ``"operator:<name>"``.

        The operator's name may be any spelling the importers accept (``Mobifone``,
        ``Vinaphone``, ``VNPT-VinaPhone`` …) and is stored canonically.

        Parameters
        ----------
        text
            The role as written.

        Returns
        -------
        Role

        Raises
        ------
        RoleError
            For an unknown kind or operator, with the valid ones.
        """
        raw = unicodedata.normalize("NFC", str(text)).strip()
        kind, sep, name = raw.partition(":")
        kind = kind.strip().lower()
        if kind == "department" and not sep:
            return cls("department")
        if kind == "viewer" and not sep:
            return cls("viewer")
        if kind == "operator" and sep and name.strip():
            operator = canonical_operator(name.strip())
            if operator is None or operator not in _ROLE_OPERATORS:
                msg = (
                    f"unknown operator {name.strip()!r} in role {raw!r}; use one of: "
                    f"{', '.join(_ROLE_OPERATORS)} (e.g. operator:Viettel)."
                )
                raise RoleError(msg)
            return cls("operator", operator)
        msg = (
            f"unknown role {raw!r}; use department, viewer or operator:<name> "
            f"(operators: {', '.join(_ROLE_OPERATORS)})."
        )
        raise RoleError(msg)

    def __str__(self) -> str:
        """Return the role as written (``operator:VNPT``)."""
        return f"operator:{self.operator}" if self.operator else self.kind

    @property
    def can_edit(self) -> bool:
        """Whether the role may change anything (data, settings, plans, users)."""
        return self.kind == "department"

    @property
    def can_import(self) -> bool:
        """Whether the role may import layers."""
        return self.kind == "department"

    @property
    def can_publish(self) -> bool:
        """Whether the role may run plans, publish them for review and close a review."""
        return self.kind == "department"

    @property
    def sees_all_operators(self) -> bool:
        """Whether the role sees every operator's network and figures."""
        return self.kind in {"department", "viewer"}

    def can_review(self, proposal_operator: str | None) -> bool:
        """Return whether the role may accept, reject or comment on a proposal.

        Parameters
        ----------
        proposal_operator
            The operator the proposal is for; ``None``, ``"Proposed"`` or ``"shared"``
            for a proposal not yet given to an operator, which any operator may review.

        Returns
        -------
        bool
            ``True`` for the department, and for an operator on its own or an
            unassigned proposal; never for the leadership.
        """
        if self.kind == "department":
            return True
        if self.kind != "operator":
            return False
        if proposal_operator is None or column_key(str(proposal_operator)) in _UNASSIGNED:
            return True
        return canonical_operator(proposal_operator) == self.operator

    # The rules of the review of published plans (:mod:`hatangso.review`): a proposal's
    # operator is stored as :func:`canonical_operator` with ``keep_unknown`` gives it.

    def sees_proposal(self, proposal_operator: str) -> bool:
        """Return whether the role sees a published proposal (and its history).

        Parameters
        ----------
        proposal_operator
            The operator the proposal is assigned to, as stored.

        Returns
        -------
        bool
            ``True`` for the department and the leadership; for an operator, on its own
            proposals and the :data:`SHARED` ones only (a competitor's is refused as
            unknown, and so is one assigned to an operator no role has).

        Examples
        --------
        >>> mobi = Role.parse("operator:MobiFone")
        >>> mobi.sees_proposal("MobiFone"), mobi.sees_proposal("Shared")
        (True, True)
        >>> mobi.sees_proposal("Viettel"), mobi.sees_proposal("Proposed")
        (False, False)
        """
        return self.sees_all_operators or proposal_operator in {self.operator, SHARED}

    def can_decide(self, proposal_operator: str) -> bool:
        """Return whether the role may accept, reject or ask for changes to a proposal.

        Parameters
        ----------
        proposal_operator
            The operator the proposal is assigned to, as stored.

        Returns
        -------
        bool
            ``True`` only for the operator concerned (any operator on an unassigned or
            shared one, see :meth:`can_review`); never for the department or the
            leadership.

        Examples
        --------
        >>> Role.parse("operator:Viettel").can_decide("Viettel")
        True
        >>> Role.parse("department").can_decide("Viettel")
        False
        """
        return self.kind == "operator" and self.can_review(proposal_operator)

    def can_comment(self, proposal_operator: str) -> bool:
        """Return whether the role may comment on a proposal.

        Parameters
        ----------
        proposal_operator
            The operator the proposal is assigned to, as stored.

        Returns
        -------
        bool
            ``True`` for the department and for the operator concerned
            (:meth:`can_decide`); never for the leadership.
        """
        return self.kind == "department" or self.can_decide(proposal_operator)


def parse_role(text: str) -> Role:
    """Parse a role (see :meth:`Role.parse`).

    Parameters
    ----------
    text
        ``"department"``, ``"viewer"`` or ``"operator:<name>"``.

    Returns
    -------
    Role
    """
    return Role.parse(text)


def as_role(role: str | Role) -> Role:
    """Return a role given as a :class:`Role` or as its text.

    Parameters
    ----------
    role
        A :class:`Role`, or ``"department"``, ``"viewer"`` or ``"operator:<name>"``.

    Returns
    -------
    Role
        ``role`` itself, or :meth:`Role.parse` of the text.

    Raises
    ------
    RoleError
        For text that is not a role.
    """
    return role if isinstance(role, Role) else Role.parse(role)


def visible_operators(role: Role) -> tuple[str, ...]:
    """Return the operators whose network and figures the role may see.

    Parameters
    ----------
    role
        The signed-in role.

    Returns
    -------
    tuple of str
        Every canonical operator for the department and the leadership; the own
        operator alone for an operator role.
    """
    if role.sees_all_operators or role.operator is None:
        return tuple(OPERATORS)
    return (role.operator,)


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
    if name in OPERATOR_LAYERS:
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


def _own_mask(
    values: pd.Series, own: str, *, keep_aggregate: bool, keep_unassigned: bool
) -> npt.NDArray[np.bool_]:
    text = values.astype("string").fillna("")
    keys = text.map(column_key)
    canon = keys.map(lambda k: _LOOKUP.get(str(k)))
    mask = (canon == own).fillna(value=False).to_numpy(dtype=bool)
    if keep_aggregate:
        mask |= keys.isin(_AGGREGATE_MARKERS).to_numpy(dtype=bool)
    if keep_unassigned:
        mask |= keys.isin(_UNASSIGNED).to_numpy(dtype=bool)
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
        its own rows of ``mobile_sites``, ``fiber_routes``, ``fiber_nodes`` and of any
        other frame with an ``operator`` column (a site list without one is dropped);
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
            out[name] = filter_rows(role, value)
        elif name in SHARED_LAYERS or raster_op is not None:
            out[name] = value
    return out
