"""Citizens' and communes' reports read as ``complaints``, placed at their village if needed."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata.coordinates import check_coordinates
from geodata.crs import STORE_CRS, resolve_crs
from geodata.errors import Problem
from geodata.evidence.common import _coordinates, _text
from geodata.evidence.layouts import _columns_of
from geodata.load import (
    LEGACY,
    TABLE_SUFFIXES,
    X_ALIASES,
    Y_ALIASES,
    RawLayer,
    find_column,
    read_raw,
    read_table,
)
from geodata.validate import ValidatedLayer, ValidationContext, validate_layer

__all__ = ["read_complaints"]


def read_complaints(  # noqa: C901, PLR0913
    path: str | Path,
    *,
    crs: str | int | pyproj.CRS | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    sheet: str | int | None = None,
    source_layer: str | None = None,
    context: ValidationContext | None = None,
    repair: bool = False,
) -> ValidatedLayer:
    """Read citizens' and communes' reports as ``complaints``.

    A report is placed by its own coordinates when the file has them, else at its
    village (``village_id``, a point inside the village known to the store). It is
    validated like the network layers: any problem refuses the file, since a list of
    reports is typed by an official and can be corrected.

    Parameters
    ----------
    path
        CSV/Excel (with or without lon/lat), GeoJSON, GeoPackage or Shapefile.
    crs, encoding, swap_xy, sheet, source_layer, repair
        As for :func:`geodata.load.read_raw`.
    context
        The province, the known villages and their points.

    Returns
    -------
    ValidatedLayer

    Raises
    ------
    LayerValidationError
        With every problem found.
    """
    path = Path(path)
    context = context or ValidationContext()
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raw = read_raw(
            path,
            layer="complaints",
            crs=crs,
            encoding=encoding,
            swap_xy=swap_xy,
            source_layer=source_layer,
        )
        return validate_layer(raw, "complaints", context=context, repair=repair)
    frame = read_table(path, encoding=encoding, sheet=sheet)
    legacy = encoding.lower() if encoding and encoding.lower() in LEGACY else None
    for col in frame.columns:
        if frame[col].dtype == object:
            texts = _text(frame[col], legacy)
            frame[col] = frame[col].where(~frame[col].map(lambda v: isinstance(v, str)), texts)
    x_col = find_column(frame, X_ALIASES)
    y_col = find_column(frame, Y_ALIASES)
    n = len(frame)
    rows = [i + 2 for i in range(n)]
    problems: list[Problem] = []
    geoms = np.full(n, None, dtype=object)
    if x_col is not None and y_col is not None:
        xs, bad_x = _coordinates(frame[x_col])
        ys, bad_y = _coordinates(frame[y_col])
        problems.extend(
            Problem(
                "coordinates are not numbers.",
                fix="write decimal degrees, or leave both empty to place the report at its "
                "village.",
                row=rows[pos],
                column=x_col,
            )
            for pos in np.flatnonzero(bad_x | bad_y)
        )
        if swap_xy:
            xs, ys = ys, xs
        given = ~(np.isnan(xs) | np.isnan(ys))
        if given.any():
            used = check_coordinates(xs[given], ys[given], crs=resolve_crs(crs), source=path.name)
            if not used.equals(STORE_CRS):
                transformer = pyproj.Transformer.from_crs(used, STORE_CRS, always_xy=True)
                xs[given], ys[given] = transformer.transform(xs[given], ys[given])
            geoms[given] = shapely.points(xs[given], ys[given])
        frame = frame.drop(columns=[x_col, y_col])
    village_col = _columns_of(frame, "complaints", None).get("village_id")
    if village_col is not None:
        villages = _text(frame[village_col], None)
        for pos in np.flatnonzero(pd.isna(geoms)):
            point = context.village_points.get(str(villages.iloc[pos]))
            if point is not None:
                geoms[pos] = point
    raw = RawLayer(
        frame=gpd.GeoDataFrame(frame, geometry=list(geoms), crs=STORE_CRS),
        source=path.name,
        row_label="row",
        row_numbers=rows,
        problems=problems,
        crs=STORE_CRS,
    )
    return validate_layer(raw, "complaints", context=context, repair=repair)
