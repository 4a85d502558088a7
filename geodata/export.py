"""Writing tables and layers for people: CSV (Excel-friendly UTF-8), Excel, GeoJSON."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata._errors import InputError
from geodata.crs import STORE_CRS

__all__ = ["EXPORT_SUFFIXES", "write_table"]

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = (".csv", ".xlsx", ".geojson")


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "data") -> Path:
    """Write a table (or a GeoDataFrame) to CSV, Excel or GeoJSON, atomically.

    Parameters
    ----------
    frame
        The rows; a GeoDataFrame for GeoJSON.
    path
        Where; the suffix picks the format. CSV is UTF-8 with a byte-order mark so that
        Excel shows Vietnamese correctly.
    sheet_name
        Sheet name for Excel.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For an unknown suffix, or GeoJSON asked of a table without geometry.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        what = suffix or "files without a suffix"
        msg = f"{path.name}: cannot write {what}; use .csv, .xlsx or .geojson."
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}{suffix}")
    try:
        if suffix == ".csv":
            table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            table.to_excel(tmp, index=False, sheet_name=sheet_name[:31])
        else:
            if not isinstance(frame, gpd.GeoDataFrame):
                msg = f"{path.name}: this table has no geometry; write it as .csv or .xlsx."
                raise InputError(msg)
            frame.to_crs(STORE_CRS).to_file(tmp, driver="GeoJSON")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("wrote %s (%d rows)", path, len(frame))
    return path
