"""Speed-test tile aggregates in Ookla's open-data layout, read as ``speed_tiles``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.crs import STORE_CRS
from geodata.dates import parse_date
from geodata.errors import InputFileError, LayerValidationError, Problem
from geodata.evidence.common import (
    EvidenceLayer,
    _duplicates,
    _numbers,
    _outcome,
    _province_zone,
    _Rejections,
)
from geodata.load import TABLE_SUFFIXES, read_raw, read_table
from geodata.quadkey import is_quadkey, quadkey_bounds
from geodata.schemas import SPEED_NET_TYPES, choice_lookup, column_key
from geodata.validate import ValidationContext

__all__ = ["read_speed_tiles"]

_TILE_NUMBERS = ("avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
_TILE_COLUMNS = ("tile_key", "quadkey", "net_type", "quarter_start", *_TILE_NUMBERS, "source_file")
#: How far a tile polygon's corners may be from its quadkey's, degrees (WKT rounding).
_TILE_TOLERANCE_DEG = 1e-6

_QUARTER_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})_performance_(mobile|fixed)")


def read_speed_tiles(  # noqa: PLR0913, PLR0915
    path: str | Path,
    *,
    net_type: str | None = None,
    quarter_start: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    source_layer: str | None = None,
    context: ValidationContext | None = None,
    strict: bool = False,
) -> EvidenceLayer:
    """Read speed-test tile aggregates in Ookla's open-data layout as ``speed_tiles``.

    The file has one zoom-16 tile a row: ``quadkey``, ``avg_d_kbps``, ``avg_u_kbps``,
    ``avg_lat_ms``, ``tests``, ``devices`` and, in the published files, the tile's polygon
    as WKT (``tile``). The geometry kept is the quadkey's tile, computed exactly
    (:mod:`geodata.quadkey`); a ``tile`` polygon (or a vector file's geometry) that does
    not match its quadkey rejects the row. Tiles outside the province are skipped, not
    rejected: the published files cover the world.

    Parameters
    ----------
    path
        CSV, Excel, Parquet (as published), or a Shapefile/GeoPackage (as published).
    net_type
        ``mobile`` or ``fixed``; default from a ``type`` column, else from the published
        file name (``2024-10-01_performance_mobile_tiles``).
    quarter_start
        The first day of the quarter the averages cover (YYYY-MM-DD); default from
        ``year``/``quarter`` columns, else from the published file name.
    encoding, sheet, source_layer
        As for :func:`geodata.load.read_raw`.
    context
        The province outline.
    strict
        Refuse the whole file when any row is rejected.

    Returns
    -------
    EvidenceLayer

    Raises
    ------
    LayerValidationError
        A required column is missing, or ``strict`` and a row was rejected.
    """
    path = Path(path)
    layer = "speed_tiles"
    geometry: np.ndarray | None = None
    if path.suffix.lower() in (*TABLE_SUFFIXES, ".parquet"):
        frame = read_table(path, encoding=encoding, sheet=sheet)
    else:
        raw = read_raw(path, layer=layer, encoding=encoding, source_layer=source_layer)
        frame = pd.DataFrame(raw.frame.drop(columns="geometry"))
        geometry = raw.frame.geometry.to_numpy()
    keys = {column_key(str(c)): str(c) for c in frame.columns}
    missing = [c for c in ("quadkey", *_TILE_NUMBERS) if c not in keys]
    if missing:
        raise LayerValidationError(
            path.name,
            layer,
            [
                Problem(
                    f"required column {col!r} is missing (columns in the file: "
                    f"{', '.join(map(str, frame.columns))}).",
                    fix="use the open-data layout: quadkey, avg_d_kbps, avg_u_kbps, "
                    "avg_lat_ms, tests, devices.",
                    column=col,
                )
                for col in missing
            ],
        )
    n = len(frame)
    rows = np.arange(n, dtype=np.int64) + 2
    problems: list[Problem] = []
    net, quarter = _tile_period(path, frame, keys, net_type, quarter_start, problems)

    quadkeys = frame[keys["quadkey"]].astype("string").str.strip()
    valid_key = is_quadkey(quadkeys)
    bounds = np.full((n, 4), np.nan)
    if valid_key.any():
        bounds[valid_key] = quadkey_bounds(quadkeys[valid_key])
    zone = _province_zone(context)
    boxes = shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
    inside = np.zeros(n, dtype=bool)
    inside[valid_key] = shapely.intersects(zone, boxes[valid_key])
    outside = valid_key & ~inside
    skipped = {"tiles outside Bình Định": int(outside.sum())} if outside.any() else {}
    keep_rows = ~outside
    frame = frame[keep_rows].reset_index(drop=True)
    quadkeys = quadkeys[keep_rows].reset_index(drop=True)
    rows, bounds, valid_key = rows[keep_rows], bounds[keep_rows], valid_key[keep_rows]
    if geometry is not None:
        geometry = geometry[keep_rows]
    n = len(frame)
    out = _Rejections(rows)
    out.add(
        ~valid_key,
        "not a quadkey (digits 0-3)",
        fix="give the tile's quadkey as text, e.g. 1322311012221123 (zoom 16).",
        column=keys["quadkey"],
        values=quadkeys,
    )
    numbers: dict[str, np.ndarray] = {}
    for col in _TILE_NUMBERS:
        values, empty, unreadable = _numbers(frame[keys[col]])
        low = 1 if col in ("tests", "devices") else 0
        bad = (
            unreadable | empty | (values < low) | (~np.isnan(values) & (values != np.round(values)))
        )
        out.add(
            bad,
            f"{col} is not a whole number of at least {low}",
            fix=f"{col} comes from the open-data file as a whole number; download it again.",
            column=keys[col],
            values=frame[keys[col]],
        )
        numbers[col] = values
    given = _given_tiles(frame, keys, geometry)
    if given is not None:
        present = np.asarray([g is not None and not shapely.is_empty(g) for g in given])
        given_bounds = np.full((n, 4), np.nan)
        if present.any():
            given_bounds[present] = shapely.bounds(given[present])
        far = np.abs(given_bounds - bounds).max(axis=1) > _TILE_TOLERANCE_DEG
        out.add(
            present & valid_key & far,
            "the tile polygon does not match its quadkey",
            fix="the row is corrupted: take the quadkey and the tile from the same row of "
            "the published file.",
            column=keys.get("tile", "geometry"),
            values=quadkeys,
        )
    _duplicates(frame, rows, out, "nothing: the first copy is kept.")
    repeated = quadkeys.duplicated(keep="first").to_numpy(dtype=bool)
    out.add(
        repeated,
        "the quadkey appears twice with different values",
        fix="keep one row per tile (one file is one quarter and one network type).",
        column=keys["quadkey"],
        values=quadkeys,
    )
    ok = out.ok
    rejected = out.table()
    problems = [
        *problems,
        *_outcome(out, skipped, strict=strict, source=path.name, layer=layer, total=n),
    ]
    kept_keys = quadkeys[ok].astype(str).to_numpy()
    data = pd.DataFrame(
        {
            "tile_key": [f"{net}/{quarter or '-'}/{q}" for q in kept_keys],
            "quadkey": kept_keys.astype(object),
            "net_type": net,
            "quarter_start": quarter,
            **{col: numbers[col][ok].astype(np.int64) for col in _TILE_NUMBERS},
            "source_file": path.name,
        }
    )[list(_TILE_COLUMNS)]
    b = bounds[ok]
    gdf = gpd.GeoDataFrame(
        data, geometry=shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), crs=STORE_CRS
    )
    return EvidenceLayer(
        layer=layer,
        source=path.name,
        frame=gdf,
        problems=problems,
        rejected=rejected,
        skipped=skipped,
        batch={"net_type": net, "quarter_start": quarter},
        read_rows=n + sum(skipped.values()),
    )


def _tile_period(  # noqa: C901, PLR0913
    path: Path,
    frame: pd.DataFrame,
    keys: Mapping[str, str],
    net_type: str | None,
    quarter_start: str | None,
    problems: list[Problem],
) -> tuple[str, str | None]:
    """Settle the network type and the quarter of a tile file."""
    named = _QUARTER_IN_NAME.search(path.name)
    lookup = choice_lookup(SPEED_NET_TYPES)
    net = None
    if net_type:
        net = lookup.get(column_key(net_type))
        if net is None:
            msg = f"network type {net_type!r} is not one of: mobile, fixed."
            raise InputFileError(msg)
    elif "type" in keys and _constant(frame[keys["type"]]):
        net = lookup.get(column_key(str(frame[keys["type"]].iloc[0])))
    elif named:
        net = named.group(2)
    if net is None:
        net = "mobile"
        problems.append(
            Problem(
                "the network type is not given; the tiles are read as mobile.",
                fix="give --net-type fixed for fixed-broadband tiles.",
                severity="warning",
            )
        )
    quarter = None
    if quarter_start:
        quarter = parse_date(quarter_start)
        if quarter is None:
            msg = f"quarter start {quarter_start!r} is not a date; write it as YYYY-MM-DD."
            raise InputFileError(msg)
    elif "year" in keys and "quarter" in keys and _constant(frame[keys["year"]]):
        year = int(float(str(frame[keys["year"]].iloc[0])))
        q = int(float(str(frame[keys["quarter"]].iloc[0])))
        quarter = f"{year:04d}-{3 * q - 2:02d}-01"
    elif named:
        quarter = named.group(1)
    if quarter is None:
        problems.append(
            Problem(
                "the quarter the averages cover is not known.",
                fix="give --quarter-start YYYY-MM-DD (the published file name starts with it).",
                severity="warning",
            )
        )
    return net, quarter


def _constant(series: pd.Series) -> bool:
    return len(series) > 0 and bool((series == series.iloc[0]).all())


def _given_tiles(
    frame: pd.DataFrame, keys: Mapping[str, str], geometry: np.ndarray | None
) -> np.ndarray | None:
    if geometry is not None:
        return geometry
    if "tile" not in keys:
        return None
    text = frame[keys["tile"]].astype("string").fillna("").to_numpy(dtype=object)
    return np.asarray(shapely.from_wkt(text, on_invalid="ignore"), dtype=object)
