"""The three roles, the review's role rules and the one operator canonicaliser.

* ``department`` (Sở TT&TT) sees and edits everything, imports data, runs and publishes
  plans, reviews every proposal and reads the audit trail;
* ``operator:<name>`` (``operator:Viettel``, ``operator:VNPT`` …) sees its own network and
  the shared layers (see :mod:`hatangso.access.filters`);
* ``viewer`` (the provincial leadership) sees everything and changes nothing.

:class:`Role` holds a signed-in user's role and what it may do: edit, import, publish
plans (:attr:`Role.can_publish`, which also closes a review round) and, in the review of
published plans (:mod:`hatangso.review`), see a proposal (:meth:`Role.sees_proposal`),
decide on it (:meth:`Role.can_decide`) and comment on it (:meth:`Role.can_comment`).
:func:`canonical_operator` is the one place an operator's spelling becomes its canonical
id, for the roles, the filters and the review alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np

from geodata.errors import InputError
from geodata.schemas import OPERATORS, choice_lookup, column_key

__all__ = [
    "ROLE_KINDS",
    "SHARED",
    "UNASSIGNED_KEYS",
    "AccessDenied",
    "Role",
    "RoleError",
    "as_role",
    "canonical_operator",
    "parse_role",
    "visible_operators",
]

RoleKind = Literal["department", "operator", "viewer"]

#: The role kinds, as written before an optional ``:<operator>``.
ROLE_KINDS: tuple[RoleKind, ...] = ("department", "operator", "viewer")

#: Proposal operators open to every operator's review (a plan not yet given to one), as
#: :func:`geodata.schemas.column_key` spells them.
UNASSIGNED_KEYS = frozenset({"proposed", "shared", ""})

#: The operator of shared infrastructure, and of a shared proposal (a shared site, or a
#: route with no existing fiber around) that every operator sees and may decide on.
SHARED = "Shared"

#: Operators a role may be given (``Shared`` is a kind of infrastructure, not an account).
_ROLE_OPERATORS = tuple(name for name in OPERATORS if name != SHARED)

_LOOKUP = choice_lookup(OPERATORS)


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
        sees it, so none decides it -- instead of becoming a shared proposal. Then only
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
        if proposal_operator is None or column_key(str(proposal_operator)) in UNASSIGNED_KEYS:
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
