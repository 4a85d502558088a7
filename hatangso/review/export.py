"""Exporting the state of a review as a workbook, GeoJSON or CSV.

The GeoJSON and CSV files are written by :func:`geodata.export.write_table`; the workbook
(a sheet of proposals and a sheet of events) by :func:`_write_xlsx`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geodata.errors import InputError
from geodata.export import write_table
from geodata.store import Store
from hatangso import audit
from hatangso.access import Role
from hatangso.review.events import EVENT_SELECT, actor_name, ensure_tables
from hatangso.review.model import EVENT_COLUMNS
from hatangso.review.queries import proposals

__all__ = [
    "export_review",
]

log = logging.getLogger(__name__)


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
    return _write_xlsx({"proposals": table, "events": events}, path)


def _write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Write sheets atomically; text that looks like a formula stays text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.xlsx")
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, sheet in sheets.items():
                sheet.to_excel(writer, sheet_name=name, index=False)
                for row in writer.sheets[name].iter_rows():
                    for cell in row:
                        if cell.data_type == "f":  # "=..." typed by a user is not a formula
                            cell.data_type = "s"
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("wrote %s", path)
    return path
