"""Administrative layouts over time and the crosswalks between them.

A *layout* is the set of administrative units in force from a date: the Bình Định
layout of 2019-2025 (province / district / commune, 159 communes) or the two-tier layout
of 1 July 2025 (province / commune, no districts; Nghị quyết 1664/NQ-UBTVQH15). In a store
a layout is the ``admin_units`` layer of the period that starts it (its id is that date,
``YYYY-MM-DD``); every later period inherits it, as periods inherit their other layers,
until a newer layout takes effect. A *crosswalk* maps each commune of an older layout to
the communes of a newer one: ``old_code, new_code, share, source`` where ``share`` is

* ``full``: the whole old unit went into the new one (``unchanged``: and kept its code
  and area);
* ``part`` / ``remainder``: the old unit was split; which new unit a village belongs to
  is then decided by its location only.

This module reads a crosswalk file and checks it against the two layouts; the store keeps
it (:meth:`geodata.store.Store.write_crosswalk`). A crosswalk that leaves an old commune
unmapped, maps to a code the new layout does not hold, or is circular is refused, naming
the codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geodata.errors import InputError, InputFileError
from geodata.schemas import column_key

__all__ = [
    "CROSSWALK_COLUMNS",
    "SHARES",
    "SPLIT_SHARES",
    "Layout",
    "check_crosswalk",
    "read_crosswalk",
    "resolve_layout",
]

#: The columns of a crosswalk as the store keeps it.
CROSSWALK_COLUMNS = ("old_code", "new_code", "share", "source", "old_name", "new_name")

#: The shares a crosswalk row may have.
SHARES = ("full", "unchanged", "part", "remainder")

#: The shares of a split unit: where its villages go is decided by their location.
SPLIT_SHARES = ("part", "remainder")

# Column names recognised in a crosswalk file (folded with geodata.text.column_key).
_ALIASES = {
    "old_code": ("old_code", "old_code_2019", "old_code_2025_03", "ma_cu", "ma_xa_cu"),
    "new_code": ("new_code", "ma_moi", "ma_xa_moi", "code_2025"),
    "share": ("share", "ty_le", "phan"),
    "source": ("source", "nguon", "can_cu"),
    "old_name": ("old_name", "old_name_2019", "old_name_2025_03", "ten_cu"),
    "new_name": ("new_name", "ten_moi"),
}


@dataclass(frozen=True)
class Layout:
    """An administrative layout held by a store.

    Attributes
    ----------
    layout_id
        The date it took effect, ``YYYY-MM-DD`` (the period that holds its units).
    levels
        Its levels, top down (``("province", "district", "commune")`` or
        ``("province", "commune")``).
    units
        Number of units per level.
    periods
        The store's periods that use it.
    """

    layout_id: str
    levels: tuple[str, ...]
    units: dict[str, int]
    periods: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "layout": self.layout_id,
            "levels": list(self.levels),
            "units": dict(self.units),
            "periods": list(self.periods),
        }


def resolve_layout(wanted: str, layouts: Iterable[str]) -> str:
    """Return the layout in force on ``wanted`` (a date, or a year: its last day).

    Parameters
    ----------
    wanted
        ``YYYY-MM-DD`` or ``YYYY`` (``2025``: the layout in force on 2025-12-31).
    layouts
        The layout ids held (their effective dates).

    Returns
    -------
    str
        The id of the latest layout that took effect on or before that date.

    Raises
    ------
    geodata.InputError
        For a date that is not one, or a date before every layout.

    Examples
    --------
    >>> resolve_layout("2025", ["2024-06-30", "2025-07-01"])
    '2025-07-01'
    >>> resolve_layout("2024-12-31", ["2024-06-30", "2025-07-01"])
    '2024-06-30'
    """
    held = sorted(layouts)
    text = str(wanted).strip()
    try:
        day = dt.date(int(text), 12, 31) if text.isdigit() and len(text) == 4 else None
        day = day or dt.date.fromisoformat(text)
    except ValueError:
        msg = f"--layout {wanted!r} is not a date; write YYYY-MM-DD (e.g. 2025-07-01) or a year."
        raise InputError(msg) from None
    earlier = [layout for layout in held if layout <= day.isoformat()]
    if not earlier:
        msg = (
            f"no administrative layout was in force on {day.isoformat()}; "
            f"the layouts held are {', '.join(held) or 'none'}."
        )
        raise InputError(msg)
    return earlier[-1]


def read_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read a crosswalk file (CSV or Excel) into the store's columns.

    Parameters
    ----------
    path
        A CSV (UTF-8) or Excel file with at least the old code, the new code and the share
        (names such as ``old_code_2019``, ``new_code``, ``share`` are recognised).

    Returns
    -------
    pandas.DataFrame
        :data:`CROSSWALK_COLUMNS`, codes as text; ``source`` from the file, or the NQ
        item (``nq1664_item``) when the file gives one.

    Raises
    ------
    geodata.InputFileError
        For an unreadable file or a missing column, naming it.
    """
    file = Path(path)
    try:
        if file.suffix.lower() in {".xlsx", ".xls"}:
            raw = pd.read_excel(file, dtype=str)
        else:
            raw = pd.read_csv(file, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as err:
        msg = f"{file}: cannot be read as a crosswalk table ({err})."
        raise InputFileError(msg) from None
    folded = {column_key(str(c)): c for c in raw.columns}
    out = pd.DataFrame(index=raw.index)
    for column, aliases in _ALIASES.items():
        found = next((folded[column_key(a)] for a in aliases if column_key(a) in folded), None)
        if found is not None:
            out[column] = raw[found].fillna("").astype(str).str.strip()
        elif column in {"old_code", "new_code", "share"}:
            msg = (
                f"{file}: no column {column!r} (also recognised: "
                f"{', '.join(aliases[1:])}); a crosswalk needs old_code, new_code and share."
            )
            raise InputFileError(msg)
        else:
            out[column] = ""
    item = folded.get(column_key("nq1664_item"))
    if item is not None:
        nq = raw[item].fillna("").astype(str).str.strip()
        out["source"] = out["source"].where(out["source"] != "", "NQ 1664/NQ-UBTVQH15 mục " + nq)
    out["share"] = out["share"].str.lower()
    return out.reset_index(drop=True)


def check_crosswalk(
    crosswalk: pd.DataFrame,
    old_units: pd.DataFrame,
    new_units: pd.DataFrame,
    *,
    source: str = "crosswalk",
) -> pd.DataFrame:
    """Check a crosswalk against the older and the newer layout; return it cleaned.

    Parameters
    ----------
    crosswalk
        :data:`CROSSWALK_COLUMNS` (from :func:`read_crosswalk`).
    old_units, new_units
        The two layouts' ``admin_units`` (``unit_id``, ``level``); their communes are
        the codes mapped.
    source
        The file name, for messages.

    Returns
    -------
    pandas.DataFrame
        The crosswalk, one row per (old code, new code), codes as text.

    Raises
    ------
    geodata.InputError
        Naming every code at fault: an old commune without a row (unmapped), an old code
        the older layout does not hold, a new code the newer layout does not hold, a
        share other than :data:`SHARES`, an old code that is ``full`` and also mapped
        elsewhere, or a circular mapping (a code mapped, through other codes, back to
        itself).

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": ["1", "2"], "level": ["commune"] * 2})
    >>> new = pd.DataFrame({"unit_id": ["2"], "level": ["commune"]})
    >>> cw = pd.DataFrame({"old_code": ["1", "2"], "new_code": ["2", "2"],
    ...                    "share": ["full", "unchanged"]})
    >>> len(check_crosswalk(cw, units, new))
    2
    """
    cw = crosswalk.copy()
    for column in CROSSWALK_COLUMNS:
        if column not in cw:
            cw[column] = ""
        cw[column] = cw[column].fillna("").astype(str).str.strip()
    cw = cw[list(CROSSWALK_COLUMNS)].drop_duplicates(["old_code", "new_code"])
    old = set(old_units.loc[old_units["level"] == "commune", "unit_id"].astype(str))
    new = set(new_units.loc[new_units["level"] == "commune", "unit_id"].astype(str))
    problems: list[str] = []

    def add(what: str, codes: Iterable[str]) -> None:
        listed = sorted({c for c in codes if c} | ({"(empty)"} if "" in set(codes) else set()))
        if listed:
            problems.append(f"{what}: {', '.join(listed)}")

    add("old communes left unmapped", old - set(cw["old_code"]))
    add("old codes not in the older layout", set(cw["old_code"]) - old)
    add("new codes not in the newer layout (unknown)", set(cw["new_code"]) - new)
    add("shares not one of " + "/".join(SHARES), set(cw.loc[~cw["share"].isin(SHARES), "share"]))
    rows = cw.groupby("old_code").size()
    whole = cw[cw["share"].isin(("full", "unchanged"))]
    add(
        "old codes mapped 'full' and also elsewhere (a split needs part/remainder)",
        whole.loc[whole["old_code"].map(rows) > 1, "old_code"],
    )
    add("circular mapping through codes", _cycle(cw))
    if problems:
        msg = f"{source}: the crosswalk is refused: " + "; ".join(problems) + "."
        raise InputError(msg)
    return cw.reset_index(drop=True)


def _cycle(cw: pd.DataFrame) -> list[str]:
    """Return the codes of a cycle old → new → … → old (self-maps aside), or ``[]``."""
    edges: dict[str, set[str]] = {}
    for old, new in zip(cw["old_code"], cw["new_code"], strict=True):
        if old != new:
            edges.setdefault(old, set()).add(new)
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(edges.get(start, ())))]
        path = [start]
        state[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                return path[path.index(nxt) :]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(edges.get(nxt, ()))))
    return []
