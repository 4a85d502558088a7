"""The cost table of a store: the department's prices, saved in a period, with sources.

A cost table (:class:`planner.cost_table.CostTable`) is saved as the result ``costs``
(kind ``cost_table``) of a period, like a calibration: the prices of that time. A
period without one uses the latest earlier period's, else the default table shipped
with the package (:func:`planner.cost_table.default_cost_table`). ``hatangso costs
list`` shows the table in use; ``hatangso costs import STORE FILE`` checks a CSV
(``key,value,unit,source``; only the rows to change) and saves the updated table.
A plan saved with ``--save`` carries the rows it used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError

if TYPE_CHECKING:
    from geodata.store import Store
    from planner.cost_table import CostTable

__all__ = ["RESULT", "import_cost_file", "load_cost_table", "save_cost_table"]

#: The saved result holding a period's cost table.
RESULT = "costs"
KIND = "cost_table"


def load_cost_table(store: Store) -> CostTable:
    """Return the cost table in use for the store's period.

    The period's own table, else the latest earlier period's, else the default.

    Raises
    ------
    geodata.InputError
        A saved table this version cannot read (its message names the row).
    """
    from planner.cost_table import CostTable, default_cost_table

    default = default_cost_table()
    if not store.exists() or not store.periods():
        return default
    period = store.period
    for p in sorted((p for p in store.periods() if period is None or p <= period), reverse=True):
        saved = store.at(p).read_result(RESULT)
        if saved is None or saved.get("kind") != KIND:
            continue
        payload: dict[str, Any] = saved["payload"]
        table = default.updated(payload.get("rows", []), origin=f"{store.location}, kỳ {p}")
        return CostTable(table.rows, origin=str(payload.get("origin") or table.origin))
    return default


def save_cost_table(
    store: Store, table: CostTable, *, actor: str, detail: dict[str, Any] | None = None
) -> None:
    """Save a cost table into the store's period, with its audit row, atomically.

    Parameters
    ----------
    store
        The store, bound to the period.
    table
        The table (every row; it replaces the period's table).
    actor
        Who saves it (the audit trail's ``costs_imported``).
    detail
        What the audit row says (the file, the keys changed).
    """
    from hatangso import audit

    store.check()
    payload = {"origin": table.origin, "rows": table.records()}
    store.write(
        {},
        {},
        results={RESULT: (KIND, {"origin": table.origin}, payload)},
        as_of=store.period,
        also=lambda tx: audit.record(tx, actor, "costs_imported", RESULT, detail or {}),
    )


def import_cost_file(store: Store, path: str | Path) -> tuple[CostTable, list[str]]:
    """Check a cost file against the table in use and return the updated table.

    Parameters
    ----------
    store
        The store (its period's table is the base).
    path
        A CSV file with ``key``, ``value`` and ``source`` columns (``unit`` optional).

    Returns
    -------
    table : CostTable
        The table with the file's rows replacing the base's (not saved yet).
    changed : list of str
        The keys whose value or source changed.

    Raises
    ------
    geodata.InputError
        An unreadable file, or rows that do not pass the checks (every problem listed
        with its line and column).
    """
    from geodata.load.text_file import read_text_file
    from planner.cost_table import parse_cost_csv

    p = Path(path)
    if p.suffix.lower() != ".csv":
        msg = f"{p}: a cost table is a CSV file (key,value,unit,source); save it as CSV UTF-8."
        raise InputError(msg)
    base = load_cost_table(store)
    rows = parse_cost_csv(read_text_file(p), name=p.name)
    if not rows:
        msg = f"{p}: no rows below the header; nothing to import."
        raise InputError(msg)
    table = base.updated(rows, origin=p.name)
    changed = [
        r.key
        for r in table.rows
        if (r.value, r.source) != (base.row(r.key).value, base.row(r.key).source)
    ]
    return table, changed
