"""Exporting the state of a review as a workbook, GeoJSON or CSV.

Every file is written by :mod:`geodata.export`, atomically and through its spreadsheet
formula guard (a comment typed as ``=HYPERLINK(...)`` opens as text): the workbook (a
sheet of proposals and a sheet of events) by :func:`~geodata.export.write_workbook`,
GeoJSON and CSV by :func:`~geodata.export.write_table`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata.errors import InputError
from geodata.export import write_table, write_workbook
from geodata.store import Store
from hatangso import audit
from hatangso.access import Role
from hatangso.review.events import EVENT_SELECT, actor_name, ensure_tables
from hatangso.review.model import EVENT_COLUMNS
from hatangso.review.queries import proposals

__all__ = [
    "export_review",
]


def export_review(
    store: Store,
    review_id: str | None,
    path: str | Path,
    *,
    role: str | Role,
    actor: str | None = None,
) -> Path:
    """Export the review state: ``.xlsx`` (proposals and events) or ``.geojson``/``.csv``.

    Parameters
    ----------
    store
        The store.
    review_id
        One review (id or unique prefix); ``None`` for every open review.
    path
        ``FILE.xlsx``: sheet ``proposals`` (current status, last decision) and sheet
        ``events`` (the whole history); ``FILE.geojson``: the proposals with their status
        properties and ``status_colour``; ``FILE.csv``: the proposals' table.
    role
        What the role may see (see :func:`proposals`).
    actor
        Who exports; when given, the export is recorded in the audit trail.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".geojson", ".csv"}:
        msg = f"{path.name}: cannot export a review as {suffix or 'a file without suffix'}; "
        msg += "use .xlsx, .geojson or .csv."
        raise InputError(msg)
    frame = proposals(store, review_id, role=role)
    if actor is not None:
        detail = {"what": "review", "review": review_id, "file": path.name, "rows": len(frame)}
        audit.record(store, actor_name(actor), "export", str(review_id or "open reviews"), detail)
    if suffix != ".xlsx":
        return write_table(frame, path, sheet_name="proposals")
    ids = set(frame["proposal_id"])
    with store.transaction() as tx:
        ensure_tables(tx)
        rows = [r for r in tx.rows(f"{EVENT_SELECT} ORDER BY proposal_id, seq") if r[1] in ids]
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    events = events.merge(
        frame[["proposal_id", "review_id", "kind", "ref", "operator"]], on="proposal_id"
    )
    order = ["review_id", "kind", "ref", "operator", *EVENT_COLUMNS]
    events = events[order].sort_values(["review_id", "ref", "seq"], kind="stable")
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["geometry_wkt"] = [None if g is None else g.wkt for g in frame.geometry]
    return write_workbook({"proposals": table, "events": events}, path)
