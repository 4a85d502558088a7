"""The cost table: every unit price the planners use, in VND, each with its source.

One table prices fiber (per metre by build type, a factor per road class, upkeep), the
equipment of a connection (drop and ONT, splitter, OLT port), mobile sites (by type and
height, grid or solar power, backhaul by fiber spur, microwave or satellite, upkeep),
fixed wireless access (the household's outdoor CPE), LEO satellite (a terminal per
household, or one community Wi-Fi point) and the terms of the ten-year cost (discount
rate, horizon). Each row carries its source, or says ``giả định`` (assumption) when no
published figure was at hand.

The default table ships with the package (``planner/data/costs_vn.csv``: ``key``,
``value``, ``unit``, ``source``); a department replaces any of its rows with its own
(:meth:`CostTable.updated`, checked row by row: unknown keys, values that are not
numbers, negative costs, a row without a source). ``docs/COSTS.md`` lists the rows.

The ten-year cost of an option is its capital cost plus its yearly operating cost
discounted over the horizon (:meth:`CostTable.npv`): with rate *r* and horizon *n*,
``capex + opex · (1 − (1 + r)^−n) / r``, operating costs paid at the end of each year.

Examples
--------
>>> table = default_cost_table()
>>> table["site.macro_30m_vnd"]
1200000000.0
>>> round(table.annuity_factor(), 4)  # 9 %, 10 years
6.4177
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from geodata.errors import InputError
from planner.costs import FiberCosts

__all__ = [
    "COLUMNS",
    "CostRow",
    "CostTable",
    "CostTableError",
    "default_cost_table",
    "parse_cost_csv",
]

#: The columns of a cost table file.
COLUMNS: Final = ("key", "value", "unit", "source")

_RATIO_KEYS: Final = frozenset({"finance.discount_rate", "revenue.take_up_share"})
_WHOLE_KEYS: Final = frozenset({"finance.horizon_years"})
_POSITIVE_KEYS: Final = frozenset(
    {"fiber.aerial_vnd_per_m", "fiber.buried_vnd_per_m", "fiber.off_road_vnd_per_m"}
)


class CostTableError(InputError, ValueError):
    """A cost table row is wrong (unknown key, not a number, negative, no source)."""


@dataclass(frozen=True)
class CostRow:
    """One price: its key, value, unit and source (``giả định`` for an assumption)."""

    key: str
    value: float
    unit: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        """Return the row as a JSON-ready mapping."""
        return {"key": self.key, "value": self.value, "unit": self.unit, "source": self.source}


def _number(text: object) -> float | None:
    """Read a number written either way (``1200000``, ``1.200.000``, ``0,09``, ``1e6``)."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    s = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None
    candidates = [s]
    if "," in s and "." in s:  # 1.200.000,5 (Vietnamese) or 1,200,000.5
        candidates = [
            s.replace(".", "").replace(",", ".")
            if s.rfind(",") > s.rfind(".")
            else s.replace(",", "")
        ]
    elif "," in s:
        candidates = [s.replace(",", ".")] if s.count(",") == 1 else [s.replace(",", "")]
    elif s.count(".") > 1:
        candidates = [s.replace(".", "")]
    for c in candidates:
        try:
            value = float(c)
        except ValueError:
            continue
        return value if math.isfinite(value) else None
    return None


def parse_cost_csv(text: str, *, name: str = "cost table") -> list[dict[str, Any]]:
    """Read the rows of a cost table written as CSV text (``key,value,unit,source``).

    Parameters
    ----------
    text
        The file's text (a header row, then one row per price).
    name
        The file's name, for the messages.

    Returns
    -------
    list of dict
        ``key``, ``value`` (text as written), ``unit``, ``source`` and ``line`` (the
        line number in the file).

    Raises
    ------
    CostTableError
        A missing ``key`` or ``value`` column.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [str(h).strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("key", "value") if c not in header]
    if missing:
        msg = (
            f"{name}: no column {', '.join(repr(m) for m in missing)} in the header "
            f"{header!r}; a cost table has the columns {', '.join(COLUMNS)}."
        )
        raise CostTableError(msg)
    rows: list[dict[str, Any]] = []
    for raw in reader:
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        row["line"] = reader.line_num
        rows.append(row)
    return rows


@dataclass(frozen=True)
class CostTable:
    """Unit prices in VND with their sources; look one up with ``table[key]``.

    Attributes
    ----------
    rows
        The rows, in the default table's order.
    origin
        Where the table comes from (``"mặc định"``, a file, a store's period).
    """

    rows: tuple[CostRow, ...]
    origin: str = "mặc định"

    def __post_init__(self) -> None:
        """Index the rows by key."""
        object.__setattr__(self, "_by_key", {r.key: r for r in self.rows})

    def __getitem__(self, key: str) -> float:
        """Return the value of ``key``."""
        by_key: dict[str, CostRow] = getattr(self, "_by_key")  # noqa: B009 - set in __post_init__
        try:
            return by_key[key].value
        except KeyError:
            msg = f"the cost table has no row {key!r}; rows: {', '.join(sorted(by_key))}"
            raise KeyError(msg) from None

    def row(self, key: str) -> CostRow:
        """Return the row of ``key`` (value, unit, source)."""
        by_key: dict[str, CostRow] = getattr(self, "_by_key")  # noqa: B009
        return by_key[key]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys, in order."""
        return tuple(r.key for r in self.rows)

    @property
    def discount_rate(self) -> float:
        """The yearly discount rate of the ten-year cost."""
        return self["finance.discount_rate"]

    @property
    def horizon_years(self) -> int:
        """The horizon of the ten-year cost, years."""
        return int(self["finance.horizon_years"])

    def annuity_factor(self) -> float:
        """Return the present value of 1 VND a year over the horizon (end of each year)."""
        r, n = self.discount_rate, self.horizon_years
        if r == 0:
            return float(n)
        return float((1.0 - (1.0 + r) ** -n) / r)

    def npv(self, capex_vnd: float, opex_vnd_per_year: float) -> float:
        """Return the ten-year cost: capital now plus the discounted yearly operating cost.

        Examples
        --------
        >>> round(default_cost_table().npv(1_000_000.0, 100_000.0))
        1641766
        """
        return float(capex_vnd + opex_vnd_per_year * self.annuity_factor())

    def fiber_costs(self) -> FiberCosts:
        """Return the fiber planner's unit prices (:class:`planner.costs.FiberCosts`)."""
        factors = {
            k.removeprefix("fiber.class_factor."): r.value
            for k, r in ((r.key, r) for r in self.rows)
            if k.startswith("fiber.class_factor.")
        }
        return FiberCosts(
            aerial_vnd_per_m=self["fiber.aerial_vnd_per_m"],
            buried_vnd_per_m=self["fiber.buried_vnd_per_m"],
            off_road_vnd_per_m=self["fiber.off_road_vnd_per_m"],
            class_factor=factors,
            equipment_vnd_per_household=self.connection_vnd(),
        )

    def connection_vnd(self) -> float:
        """Return the equipment of one fiber connection (drop and ONT, splitter, OLT port)."""
        return (
            self["connection.drop_ont_vnd"]
            + self["connection.splitter_vnd_per_household"]
            + self["connection.olt_port_vnd_per_household"]
        )

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as JSON-ready mappings (for saving with a plan)."""
        return [r.as_dict() for r in self.rows]

    def updated(self, rows: Iterable[Mapping[str, Any]], *, origin: str) -> CostTable:
        """Return this table with some rows replaced, every row checked first.

        Parameters
        ----------
        rows
            Mappings with ``key`` and ``value``; ``unit`` (kept when empty), ``source``
            (required: a citation, or ``giả định``) and ``line`` (for the messages).
        origin
            Where the rows come from (a file name), for the messages and the record.

        Returns
        -------
        CostTable
            Rows not given keep their values; the order stays the default's.

        Raises
        ------
        CostTableError
            Listing every problem with its line and column: an unknown key, a value that
            is not a number, a negative cost, a discount rate outside [0, 1), a horizon
            that is not a whole number of years, a row without a source, a key twice.
        """
        by_key: dict[str, CostRow] = dict(getattr(self, "_by_key"))  # noqa: B009
        problems: list[str] = []
        seen: dict[str, object] = {}
        for i, raw in enumerate(rows, start=2):
            where = f"line {raw.get('line', i)}"
            key = str(raw.get("key", "")).strip()
            if key not in by_key:
                problems.append(
                    f"{where}, column 'key': unknown key {key!r}; valid keys are those of "
                    "`hatangso costs list` (e.g. 'site.macro_30m_vnd')"
                )
                continue
            if key in seen:
                problems.append(f"{where}, column 'key': {key!r} again (first at line {seen[key]})")
                continue
            seen[key] = raw.get("line", i)
            value = _number(raw.get("value", ""))
            problem = _value_problem(key, value, raw.get("value", ""))
            if problem:
                problems.append(f"{where}, column 'value' ({key}): {problem}")
                continue
            source = str(raw.get("source", "") or "").strip()
            if not source:
                problems.append(
                    f"{where}, column 'source' ({key}): empty; cite where the price comes "
                    "from, or write 'giả định' (assumption)"
                )
                continue
            unit = str(raw.get("unit", "") or "").strip() or by_key[key].unit
            assert value is not None  # noqa: S101 - checked by _value_problem
            by_key[key] = CostRow(key, value, unit, source)
        if problems:
            msg = f"{origin}: {len(problems)} problem(s) in the cost table:\n  " + "\n  ".join(
                problems
            )
            raise CostTableError(msg)
        return CostTable(tuple(by_key[r.key] for r in self.rows), origin=origin)


def _value_problem(key: str, value: float | None, raw: object) -> str:
    """Return what is wrong with a row's value, or an empty text."""
    if value is None:
        return f"{raw!r} is not a number; write digits, e.g. 1200000 or 1.200.000"
    if value < 0:
        return f"{value:g} is negative; a cost or rate is 0 or more"
    if key in _POSITIVE_KEYS and value == 0:
        return "0 is not a price; a metre of cable costs more than nothing"
    if key in _RATIO_KEYS and value >= 1:
        return f"{value:g} is not a yearly rate; write 0.09 for 9 %"
    if key in _WHOLE_KEYS and (value < 1 or value != int(value)):
        return f"{value:g} is not a whole number of years (1 or more)"
    return ""


@functools.cache
def default_cost_table() -> CostTable:
    """Return the default cost table shipped with the package (``planner/data/costs_vn.csv``).

    Package data, read with :mod:`importlib.resources` (not a user's data file).
    """
    text = resources.files("planner").joinpath("data", "costs_vn.csv").read_text("utf-8")
    rows: list[CostRow] = []
    for raw in parse_cost_csv(text, name="costs_vn.csv"):
        value = _number(raw["value"])
        if value is None or _value_problem(raw["key"], value, raw["value"]):  # pragma: no cover
            msg = f"costs_vn.csv line {raw['line']}: bad default value {raw['value']!r}"
            raise CostTableError(msg)
        rows.append(CostRow(raw["key"], value, raw.get("unit", ""), raw.get("source", "")))
    return CostTable(tuple(rows), origin="mặc định")
