"""The province's targets as data: rules with a validity, and the targets in force on a date.

A target rule says which indicator (one the engine computes: :data:`INDICATOR_IDS`), how it
is compared (``>=``, ``>`` or ``=``), the value in percent, the dates it is valid from and
to (inclusive; ``None``: open) and the document that sets it. The rules are a table in the
store (:mod:`hatangso.targets` keeps it); :data:`DEFAULT_RULES` are today's targets, those
of :data:`coverage.settings.TARGETS` until the end of 2025. A period is judged against the
rules in force on its date (:func:`targets_in_force`); an indicator with no rule in force
gets no target (``target_pct`` ``None``, ``met`` ``None``: "chưa có chỉ tiêu"), never a
pass or a fail. Pure: no file I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coverage.settings import TARGETS, TARGETS_SOURCE, Target
from geodata.errors import InputError

__all__ = [
    "COMPARISONS",
    "DEFAULT_RULES",
    "DEFAULT_SOURCE",
    "DEFAULT_VALID_TO",
    "INDICATOR_IDS",
    "TargetRule",
    "check_rules",
    "overlaps",
    "parse_date",
    "rule_from_record",
    "span_text",
    "targets_in_force",
]

#: The comparisons a rule may use.
COMPARISONS = (">=", ">", "=")

#: The indicators the engine computes (the order of :data:`coverage.settings.TARGETS`).
INDICATOR_IDS: tuple[str, ...] = tuple(t.id for t in TARGETS)

_CATALOGUE: dict[str, Target] = {t.id: t for t in TARGETS}

DEFAULT_SOURCE = TARGETS_SOURCE
"""The document of the default targets (the design brief: resolution 05-NQ/TU and the 2024
directives, to 2025). Its date is not recorded here, so the defaults have no start."""

DEFAULT_VALID_TO = dt.date(2025, 12, 31)
"""The last day of the default targets: the resolution's horizon, 2025."""

_COMPARISON_WORDS = {">=": ">=", "≥": ">=", "=>": ">=", ">": ">", "=": "=", "==": "="}


@dataclass(frozen=True)
class TargetRule:
    """One target as the store holds it.

    Attributes
    ----------
    indicator
        An indicator id of :data:`INDICATOR_IDS` (``"fiber_villages"`` …).
    comparison
        ``">="`` (reach it), ``">"`` (exceed it) or ``"="``.
    value_pct
        The target in percent, 0-100.
    valid_from, valid_to
        First and last day the rule is in force (inclusive); ``None``: open.
    source
        The document that sets it (resolution, plan, decision).
    title_vi
        How the document names the indicator (default: the engine's name).
    """

    indicator: str
    comparison: str
    value_pct: float
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = ""
    title_vi: str = ""

    def __post_init__(self) -> None:
        """Name the indicator as the engine does when no title is given."""
        if not self.title_vi and self.indicator in _CATALOGUE:
            object.__setattr__(self, "title_vi", _CATALOGUE[self.indicator].title_vi)

    def in_force(self, on: dt.date) -> bool:
        """Return whether the rule is in force on ``on``."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    def as_target(self) -> Target:
        """Return the rule as the :class:`~coverage.settings.Target` the engine evaluates."""
        known = _CATALOGUE[self.indicator]
        return Target(
            known.id,
            self.title_vi or known.title_vi,
            float(self.value_pct),
            strict=self.comparison == ">",
            unit=known.unit,
            comparison=self.comparison,
            source=self.source,
        )

    def as_record(self) -> dict[str, Any]:
        """Return the rule as a JSON-ready mapping (dates in ISO form, ``None`` when open)."""
        return {
            "indicator": self.indicator,
            "comparison": self.comparison,
            "value_pct": float(self.value_pct),
            "valid_from": None if self.valid_from is None else self.valid_from.isoformat(),
            "valid_to": None if self.valid_to is None else self.valid_to.isoformat(),
            "source": self.source,
            "title_vi": self.title_vi or _CATALOGUE[self.indicator].title_vi,
        }


DEFAULT_RULES: tuple[TargetRule, ...] = tuple(
    TargetRule(
        t.id,
        t.op,
        t.target_pct,
        None,
        DEFAULT_VALID_TO,
        DEFAULT_SOURCE,
        t.title_vi,
    )
    for t in TARGETS
    if t.target_pct is not None
)
"""Today's targets: :data:`coverage.settings.TARGETS` with a value, valid until 31/12/2025
(5G at priority places is reported, with no target)."""


def parse_date(value: object, what: str) -> dt.date | None:
    """Read a date as a rule gives it: ISO (``2026-01-01``) or day first (``01/01/2026``).

    Parameters
    ----------
    value
        A date, text, or empty (``None``, ``""``, NaN): open.
    what
        The field and row, for the message.

    Returns
    -------
    datetime.date or None

    Raises
    ------
    geodata.InputError
        For text that is neither form.

    Examples
    --------
    >>> parse_date("31/12/2030", "valid_to"), parse_date("", "valid_from")
    (datetime.date(2030, 12, 31), None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"none", "nan", "nat"}:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text):
            return dt.date.fromisoformat(text[:10])
        found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
    except ValueError:
        pass
    msg = f"{what}: {text!r} is not a date; write it as 2026-01-01 or 01/01/2026."
    raise InputError(msg)


def _value(value: object, what: str) -> float:
    text = str(value).strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isnan(number):
        msg = f"{what}: {str(value)!r} is not a number; give the target in percent (e.g. 95)."
        raise InputError(msg)
    return number


def rule_from_record(record: Mapping[str, Any], where: str = "") -> TargetRule:
    """Read one rule from a mapping (a CSV or Excel row, a form), without the table checks.

    Parameters
    ----------
    record
        ``indicator``, ``comparison``, ``value_pct`` (or ``value``), ``valid_from``,
        ``valid_to``, ``source`` and optionally ``title_vi``.
    where
        Where the record comes from (``"targets.csv row 3: "``), put before every message.

    Returns
    -------
    TargetRule

    Raises
    ------
    geodata.InputError
        For a missing indicator, comparison or value, or a date or number that cannot be read.
    """
    indicator = str(record.get("indicator") or "").strip()
    comparison = str(record.get("comparison") or "").strip()
    raw_value = record.get("value_pct", record.get("value"))
    for name, given in (("indicator", indicator), ("comparison", comparison)):
        if not given:
            msg = f"{where}no {name} given; every target needs indicator, comparison and value."
            raise InputError(msg)
    if raw_value is None or str(raw_value).strip() in {"", "nan"}:
        msg = f"{where}no value given; every target needs indicator, comparison and value."
        raise InputError(msg)
    title = record.get("title_vi")
    source = record.get("source")
    return TargetRule(
        indicator=indicator,
        comparison=_COMPARISON_WORDS.get(comparison, comparison),
        value_pct=_value(raw_value, f"{where}value"),
        valid_from=parse_date(record.get("valid_from"), f"{where}valid_from"),
        valid_to=parse_date(record.get("valid_to"), f"{where}valid_to"),
        source="" if source is None or str(source) == "nan" else str(source).strip(),
        title_vi="" if title is None or str(title) == "nan" else str(title).strip(),
    )


def span_text(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    """Return a validity in words: ``from 2026-01-01 to 2030-12-31``, open ends said so.

    Examples
    --------
    >>> span_text(None, dt.date(2025, 12, 31))
    'from the start to 2025-12-31'
    """
    start = "the start" if valid_from is None else valid_from.isoformat()
    end = "no end" if valid_to is None else valid_to.isoformat()
    return f"from {start} to {end}"


def overlaps(
    a: tuple[dt.date | None, dt.date | None], b: tuple[dt.date | None, dt.date | None]
) -> bool:
    """Return whether two validities (first day, last day; ``None`` open) share a day.

    Examples
    --------
    >>> overlaps((None, dt.date(2025, 12, 31)), (dt.date(2026, 1, 1), None))
    False
    """
    lo_a, hi_a = a[0] or dt.date.min, a[1] or dt.date.max
    lo_b, hi_b = b[0] or dt.date.min, b[1] or dt.date.max
    return lo_a <= hi_b and lo_b <= hi_a


def _check_one(rule: TargetRule, where: str) -> None:
    if rule.indicator not in _CATALOGUE:
        msg = (
            f"{where}unknown indicator {rule.indicator!r}; use one of: {', '.join(INDICATOR_IDS)}."
        )
        raise InputError(msg)
    if rule.comparison not in COMPARISONS:
        msg = f"{where}comparison {rule.comparison!r} is not one of >=, >, =."
        raise InputError(msg)
    if not 0.0 <= rule.value_pct <= 100.0:
        msg = (
            f"{where}value {rule.value_pct:g} is outside 0-100; give the target in percent "
            "(e.g. 95)."
        )
        raise InputError(msg)
    if rule.valid_from and rule.valid_to and rule.valid_from > rule.valid_to:
        msg = (
            f"{where}valid_from {rule.valid_from.isoformat()} is after valid_to "
            f"{rule.valid_to.isoformat()}; correct or swap the dates."
        )
        raise InputError(msg)


def check_rules(
    rules: Sequence[TargetRule], *, where: Sequence[str] | None = None
) -> tuple[TargetRule, ...]:
    """Check a whole table of rules; return it sorted by indicator and start.

    Parameters
    ----------
    rules
        The rules (those kept and those added).
    where
        For each rule, where it comes from, put before its message (default: nothing).

    Returns
    -------
    tuple of TargetRule

    Raises
    ------
    geodata.InputError
        For the first rule with an unknown indicator or comparison, a value outside 0-100,
        ``valid_from`` after ``valid_to``, or a validity overlapping another rule of the
        same indicator (both named).
    """
    places = list(where) if where is not None else [""] * len(rules)
    for rule, place in zip(rules, places, strict=True):
        _check_one(rule, place)
    for i, rule in enumerate(rules):
        for other in rules[:i]:
            if other.indicator == rule.indicator and overlaps(
                (rule.valid_from, rule.valid_to), (other.valid_from, other.valid_to)
            ):
                msg = (
                    f"{places[i]}the target for {rule.indicator} valid "
                    f"{span_text(rule.valid_from, rule.valid_to)} overlaps the one valid "
                    f"{span_text(other.valid_from, other.valid_to)} "
                    f"({other.source or 'no source'}); one target per indicator at a time: "
                    "change the dates."
                )
                raise InputError(msg)
    order = {name: i for i, name in enumerate(INDICATOR_IDS)}
    return tuple(sorted(rules, key=lambda r: (order[r.indicator], r.valid_from or dt.date.min)))


def targets_in_force(rules: Iterable[TargetRule], on: dt.date | str | None) -> tuple[Target, ...]:
    """Return the targets a period dated ``on`` is judged against, one an indicator.

    Parameters
    ----------
    rules
        The checked rules (no overlap: at most one in force an indicator and day).
    on
        The period's date (ISO text or a date); ``None``: judged by the rules with no
        start and no end only.

    Returns
    -------
    tuple of coverage.settings.Target
        In the order of :data:`INDICATOR_IDS`; an indicator without a rule in force has
        ``target_pct`` ``None`` (no target: never met nor missed).

    Examples
    --------
    >>> [t.target_pct for t in targets_in_force(DEFAULT_RULES, "2024-06-30")]
    [100.0, 100.0, 95.0, 100.0, 100.0, None]
    >>> [t.target_pct for t in targets_in_force(DEFAULT_RULES, "2026-06-30")]
    [None, None, None, None, None, None]
    """
    day = dt.date.fromisoformat(on[:10]) if isinstance(on, str) else on
    found: dict[str, TargetRule] = {}
    for rule in rules:
        active = (
            rule.in_force(day)
            if day is not None
            else rule.valid_from is None and rule.valid_to is None
        )
        if active and rule.indicator in _CATALOGUE:
            found.setdefault(rule.indicator, rule)
    out: list[Target] = []
    for known in TARGETS:
        chosen = found.get(known.id)
        if chosen is not None:
            out.append(chosen.as_target())
        else:
            out.append(Target(known.id, known.title_vi, None, strict=False, unit=known.unit))
    return tuple(out)
