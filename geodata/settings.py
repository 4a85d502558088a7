"""Settings objects that refuse unknown names (GeoPandas' Options do the same).

A typo in a setting must be an error, never a silently ignored rule; the coverage rules
and the planner's costs both build their frozen dataclasses through :func:`from_mapping`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["from_mapping"]

T = TypeVar("T")


def from_mapping(cls: type[T], values: Mapping[str, Any], *, what: str) -> T:
    """Build the dataclass ``cls`` from ``values``, refusing names it does not have.

    Parameters
    ----------
    cls
        A dataclass.
    values
        Setting name -> value.
    what
        What the settings are, for the message (e.g. ``"coverage"``).

    Returns
    -------
    T

    Raises
    ------
    KeyError
        For a name that is not a setting, listing the valid ones.

    Examples
    --------
    >>> @dataclasses.dataclass
    ... class S:
    ...     reach_m: float = 500.0
    >>> from_mapping(S, {"reach_m": 300.0}, what="demo")
    S(reach_m=300.0)
    """
    if not dataclasses.is_dataclass(cls):  # pragma: no cover - programming error
        msg = f"{cls!r} is not a dataclass"
        raise TypeError(msg)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - names
    if unknown:
        msg = (
            f"unknown {what} setting(s) {sorted(unknown)}; you can only set existing "
            f"settings: {sorted(names)}"
        )
        raise KeyError(msg)
    return cls(**dict(values))
