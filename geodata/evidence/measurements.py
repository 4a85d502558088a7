"""Measurement logs (drive tests, measurement apps, speed tests) read as ``measurements``.

Rows are checked in bulk (positions, times, operator, technology, signal levels, optional
numbers, duplicates); the valid ones are kept with their drive identity
(``campaign/device/file/track``), every other one is reported (``docs/EVIDENCE.md``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from geodata.coordinates import check_coordinates
from geodata.crs import STORE_CRS, resolve_crs
from geodata.dates import parse_datetimes
from geodata.errors import InputFileError, LayerValidationError, Problem
from geodata.evidence.common import (
    EvidenceLayer,
    _by_value,
    _canonical,
    _coordinates,
    _duplicates,
    _empty,
    _numbers,
    _outcome,
    _province_zone,
    _Rejections,
    _text,
)
from geodata.evidence.drives import _drive_identity
from geodata.evidence.layouts import ExportLayout, _columns_of, _detect_layout
from geodata.load import LEGACY, X_ALIASES, Y_ALIASES, find_column, read_table
from geodata.schemas import LAYERS, OPERATORS, RSRP_RANGE_DBM, SOURCE_KINDS, TECHS, column_key
from geodata.text import to_nfc
from geodata.validate import ValidationContext

__all__ = [
    "EARLIEST_SAMPLE",
    "FUTURE_TOLERANCE_S",
    "PLMN_OPERATORS",
    "check_measurements",
    "read_measurements",
]

log = logging.getLogger(__name__)

#: A sample's time may be this far ahead of the importing computer's clock (clock drift).
FUTURE_TOLERANCE_S = 300
#: Samples before this day are refused: a phone whose clock was never set logs 1970.
EARLIEST_SAMPLE = pd.Timestamp("2000-01-01", tz="UTC")

#: Vietnam's public land mobile networks (MCC 452) by MNC: ITU-T E.212 assignments as
#: listed in the ITU Operational Bulletin's "Mobile Network Codes" list.
PLMN_OPERATORS: dict[str, str] = {
    "45201": "MobiFone",
    "45202": "VNPT",
    "45204": "Viettel",
    "45205": "Vietnamobile",
    "45207": "Gtel",
}

_MEASUREMENT_COLUMNS = (
    "sample_id",
    "measured_at",
    "operator",
    "tech",
    "rsrp_dbm",
    "rsrq_db",
    "sinr_db",
    "download_mbps",
    "upload_mbps",
    "latency_ms",
    "cell_id",
    "source_kind",
    "campaign",
    "device_id",
    "track_id",
    "drive_id",
    "source_file",
)
_OPTIONAL_NUMBERS = ("rsrq_db", "sinr_db", "download_mbps", "upload_mbps", "latency_ms")


def read_measurements(  # noqa: PLR0913
    path: str | Path,
    *,
    campaign: str | None = None,
    source_kind: str | None = None,
    layout: str | None = None,
    crs: str | int | pyproj.CRS | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    sheet: str | int | None = None,
    context: ValidationContext | None = None,
    strict: bool = False,
    now: pd.Timestamp | None = None,
) -> EvidenceLayer:
    """Read a measurement log (drive test, measurement app, speed tests) as ``measurements``.

    Parameters
    ----------
    path
        CSV/tab-separated text, Excel or Parquet with one sample a row.
    campaign
        The campaign the samples belong to, when the file has no ``campaign`` column;
        default the file's name without its suffix.
    source_kind
        ``drive_test``, ``crowdsourced`` or ``speed_test`` when the file has no such column;
        default the layout's (a drive test for a generic file).
    layout
        ``auto`` (default: recognised by the header), ``generic`` or one of :data:`LAYOUTS`.
    crs, encoding, swap_xy, sheet
        As for :func:`geodata.load.read_raw` (coordinates are normally WGS 84 degrees).
    context
        The province outline; rows outside it are rejected.
    strict
        Refuse the whole file when any row is rejected.
    now
        The time a sample may not be after (default the computer's clock), for tests.

    Returns
    -------
    EvidenceLayer
        The valid samples (contract columns, EPSG:4326) and every rejected row.

    Raises
    ------
    LayerValidationError
        ``strict`` and a row was rejected, or no row is valid, or a required column is
        missing.
    InputFileError
        The file cannot be read.
    """
    path = Path(path)
    frame = read_table(path, encoding=encoding, sheet=sheet)
    return check_measurements(
        frame,
        source=path.name,
        campaign=campaign,
        source_kind=source_kind,
        layout=layout,
        crs=crs,
        legacy=encoding.lower() if encoding and encoding.lower() in LEGACY else None,
        swap_xy=swap_xy,
        context=context,
        strict=strict,
        now=now,
    )


def check_measurements(  # noqa: PLR0913
    frame: pd.DataFrame,
    *,
    source: str,
    campaign: str | None = None,
    source_kind: str | None = None,
    layout: str | None = None,
    crs: str | int | pyproj.CRS | None = None,
    legacy: str | None = None,
    swap_xy: bool = False,
    context: ValidationContext | None = None,
    strict: bool = False,
    now: pd.Timestamp | None = None,
) -> EvidenceLayer:
    """Check a table of samples already read, as :func:`read_measurements` does a file's.

    For generated samples (the demo's) and readers of other formats: the same checks, the
    same drive identity and the same report.

    Parameters
    ----------
    frame
        One sample a row, with the columns a file would have (contract names or aliases).
    source
        The file name the samples stand for: ``source_file``, part of ``drive_id``, and
        the default campaign (without its suffix).
    campaign, source_kind, layout, crs, swap_xy, context, strict, now
        As for :func:`read_measurements`.
    legacy
        ``tcvn3`` or ``vni`` when the text is in a legacy Vietnamese encoding.

    Returns
    -------
    EvidenceLayer

    Raises
    ------
    LayerValidationError
        As for :func:`read_measurements`.
    """
    layer = "measurements"
    chosen_layout = _detect_layout(frame, layout)
    columns = _columns_of(frame, layer, chosen_layout)
    keys = {column_key(str(c)): str(c) for c in frame.columns}
    frame, rows, skipped = _serving_cells(frame, keys, chosen_layout)
    n = len(frame)
    plmn = _plmn_operator(frame, keys)
    x_col, y_col = _required_columns(frame, columns, plmn is not None, source)
    out = _Rejections(rows)
    xs, ys = _check_positions(
        frame, (x_col, y_col), out, crs=crs, swap_xy=swap_xy, source=source, context=context
    )
    times = _check_times(frame, columns["measured_at"], out, now)
    operator = _check_operator(frame, columns, keys, plmn, out)
    tech = _canonical(frame[columns["tech"]], TECHS)
    out.add(
        tech.isna().to_numpy(dtype=bool),
        "unknown or empty technology",
        fix="use 2G, 3G, 4G or 5G (GSM, UMTS, LTE, NR).",
        column=columns["tech"],
        values=frame[columns["tech"]],
    )
    rsrp = _check_rsrp(frame, columns["rsrp_dbm"], out)
    extras = {col: _optional_number(frame, columns, col, out) for col in _OPTIONAL_NUMBERS}
    _kbps_columns(frame, keys, extras, out)
    if chosen_layout is not None and chosen_layout.name == "gnettrack":
        legacy_rat = tech.isin(["2G", "3G"]).to_numpy(dtype=bool)
        extras["rsrq_db"][legacy_rat] = np.nan  # G-NetTrack's Qual is RxQual/EcNo there
        extras["sinr_db"][legacy_rat] = np.nan
    default_kind = source_kind or (
        chosen_layout.source_kind if chosen_layout is not None else "drive_test"
    )
    kind = _check_source_kind(frame, columns, default_kind, out)
    _duplicates(frame, rows, out, "nothing: the sample was logged twice; the first copy is kept.")
    ok = out.ok
    problems = _outcome(out, skipped, strict=strict, source=source, layer=layer, total=n)

    campaign_value = to_nfc(campaign).strip() if campaign else Path(source).stem
    campaigns, devices, tracks, sample_ids = _drive_identity(
        frame,
        columns,
        times,
        ok,
        campaign_value,
        legacy,
        f"/{source}#" + pd.Series(rows).astype(str),
    )
    cells = (
        _text(frame[columns["cell_id"]], legacy)
        if "cell_id" in columns
        else pd.Series([None] * n, dtype=object)
    )
    stamps = times.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").astype("datetime64[s]")
    iso = np.char.add(np.datetime_as_string(stamps, unit="s").astype("U32"), "Z")
    data = {
        "sample_id": sample_ids.to_numpy(dtype=object),
        "measured_at": iso.astype(object),
        "operator": operator.to_numpy(dtype=object),
        "tech": tech.to_numpy(dtype=object),
        "rsrp_dbm": rsrp,
        **extras,
        "cell_id": cells.to_numpy(dtype=object),
        "source_kind": kind.to_numpy(dtype=object),
        "campaign": campaigns.to_numpy(dtype=object),
        "device_id": devices.to_numpy(dtype=object),
        "track_id": tracks.to_numpy(dtype=object),
    }
    kept = pd.DataFrame({k: np.asarray(v)[ok] for k, v in data.items()})
    kept["drive_id"] = (
        kept["campaign"].astype(str)
        + "/"
        + kept["device_id"].astype(str)
        + f"/{source}/"
        + kept["track_id"].astype(str)
    )
    kept["source_file"] = source
    kept = kept[list(_MEASUREMENT_COLUMNS)]
    gdf = gpd.GeoDataFrame(kept, geometry=shapely.points(xs[ok], ys[ok]), crs=STORE_CRS)
    if chosen_layout is not None:
        log.info("%s: read as %s", source, chosen_layout.title)
    return EvidenceLayer(
        layer=layer,
        source=source,
        frame=gdf,
        problems=problems,
        rejected=out.table(),
        skipped=skipped,
        batch={"campaign": campaign_value, "source_file": source}
        if "campaign" not in columns
        else {"source_file": source},
        read_rows=n + sum(skipped.values()),
    )


def _serving_cells(
    frame: pd.DataFrame, keys: Mapping[str, str], layout: ExportLayout | None
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], dict[str, int]]:
    """Return the rows to check, their row numbers, and the rows left out on purpose.

    Tower Collector writes one row per cell seen; a neighbouring cell's reading is not the
    signal of the network the phone uses, so it is left out (counted, not rejected).
    """
    rows = np.arange(len(frame), dtype=np.int64) + 2  # the header is row 1
    if layout is None or layout.name != "towercollector":
        return frame, rows, {}
    neighbour = _by_value(frame[keys["neighboring"]], lambda v: str(v).strip().lower())
    keep = (neighbour != "true").to_numpy(dtype=bool)
    skipped = {}
    if (~keep).any():
        skipped["a neighbouring cell's reading (not the serving cell)"] = int((~keep).sum())
    return frame[keep].reset_index(drop=True), rows[keep], skipped


def _required_columns(
    frame: pd.DataFrame, columns: Mapping[str, str], has_plmn: bool, source: str
) -> tuple[str, str]:
    """Return the coordinate columns; refuse a file without a required column."""
    problems: list[Problem] = []
    for required in ("measured_at", "operator", "tech", "rsrp_dbm"):
        if required in columns or (required == "operator" and has_plmn):
            continue
        spec = LAYERS["measurements"].columns[required]
        problems.append(
            Problem(
                f"required column {required!r} is missing (columns in the file: "
                f"{', '.join(map(str, frame.columns))}).",
                fix=f"add it, under one of these names: "
                f"{', '.join(sorted({required, *spec.aliases}))}.",
                column=required,
            )
        )
    x_col = find_column(frame, X_ALIASES)
    y_col = find_column(frame, Y_ALIASES)
    if x_col is None or y_col is None:
        problems.append(
            Problem(
                "no coordinate columns found.",
                fix="add longitude/latitude columns named lon/lat (or kinh_do/vi_do).",
            )
        )
    if problems or x_col is None or y_col is None:
        raise LayerValidationError(source, "measurements", problems)
    return x_col, y_col


def _check_positions(  # noqa: PLR0913
    frame: pd.DataFrame,
    xy_columns: tuple[str, str],
    out: _Rejections,
    *,
    crs: str | int | pyproj.CRS | None,
    swap_xy: bool,
    source: str,
    context: ValidationContext | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Read the positions into EPSG:4326; reject no fix, (0, 0) and outside the province."""
    x_col, y_col = xy_columns
    xs, bad_x = _coordinates(frame[x_col])
    ys, bad_y = _coordinates(frame[y_col])
    if swap_xy:
        xs, ys = ys, xs
    missing = np.isnan(xs) | np.isnan(ys)
    out.add(
        bad_x | bad_y,
        "coordinates are not numbers",
        fix="write decimal degrees (e.g. 109.22 and 13.77).",
        column=x_col,
        values=frame[x_col],
    )
    out.add(
        missing,
        "no GPS position (empty coordinates)",
        fix="nothing: a sample without a position cannot be placed.",
        column=x_col,
    )
    zero = (xs == 0) & (ys == 0)
    out.add(
        zero,
        "GPS fix at (0, 0), the position a phone logs before it has a fix",
        fix="nothing: the sample has no real position.",
        column=x_col,
        values=frame[x_col].astype(str) + ", " + frame[y_col].astype(str),
    )
    usable = ~missing & ~zero
    if usable.any():
        used = check_coordinates(xs[usable], ys[usable], crs=resolve_crs(crs), source=source)
        if not used.equals(STORE_CRS):
            transformer = pyproj.Transformer.from_crs(used, STORE_CRS, always_xy=True)
            xs[usable], ys[usable] = transformer.transform(xs[usable], ys[usable])
    inside = np.zeros(len(xs), dtype=bool)
    inside[usable] = shapely.intersects_xy(_province_zone(context), xs[usable], ys[usable])
    out.add(
        usable & ~inside,
        "outside Bình Định",
        fix="check the coordinates (latitude and longitude swapped? use --swap-xy); a sample "
        "taken outside the province is not evidence for it.",
        column=x_col,
        values=pd.Series(np.round(xs, 5)).astype(str)
        + ", "
        + pd.Series(np.round(ys, 5)).astype(str),
    )
    return xs, ys


def _check_times(
    frame: pd.DataFrame, time_col: str, out: _Rejections, now: pd.Timestamp | None
) -> pd.Series:
    """Read the sample times (UTC); reject unreadable, missing, future and unset clocks."""
    times, unreadable = parse_datetimes(frame[time_col])
    out.add(
        unreadable,
        "the time is not readable",
        fix="write dd/mm/yyyy hh:mm:ss or ISO 8601 (2024-11-05T08:30:00+07:00).",
        column=time_col,
        values=frame[time_col],
    )
    out.add(
        times.isna().to_numpy(dtype=bool),
        "no time",
        fix="fill in the sample's time.",
        column=time_col,
    )
    limit = (now if now is not None else pd.Timestamp.now(tz="UTC")) + pd.Timedelta(
        seconds=FUTURE_TOLERANCE_S
    )
    out.add(
        (times > limit).to_numpy(dtype=bool),
        "the time is in the future (the phone's clock was wrong?)",
        fix="correct the device's clock, or drop the row.",
        column=time_col,
        values=frame[time_col],
    )
    out.add(
        (times < EARLIEST_SAMPLE).to_numpy(dtype=bool),
        "the time is before 2000 (the phone's clock was not set)",
        fix="correct the device's clock, or drop the row.",
        column=time_col,
        values=frame[time_col],
    )
    return times


def _check_operator(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    keys: Mapping[str, str],
    plmn: pd.Series | None,
    out: _Rejections,
) -> pd.Series:
    """Canonicalise the operator (its name, else its MCC-MNC); reject unknown ones."""
    if "operator" in columns:
        operator = _canonical(frame[columns["operator"]], OPERATORS)
        if plmn is not None:
            operator = operator.where(operator.notna(), plmn)
        column = columns["operator"]
        shown: pd.Series | None = frame[column]
    else:
        operator = plmn if plmn is not None else pd.Series([None] * len(frame), dtype=object)
        column, shown = "mcc, mnc", _plmn_text(frame, keys)
    out.add(
        operator.isna().to_numpy(dtype=bool),
        "unknown or empty operator",
        fix=f"use one of: {', '.join(OPERATORS)} (or the network's MCC-MNC, e.g. 452-04).",
        column=column,
        values=shown,
    )
    return operator


def _check_rsrp(frame: pd.DataFrame, rsrp_col: str, out: _Rejections) -> np.ndarray:
    """Read the signal level; reject missing, unreadable and out-of-range values."""
    rsrp, empty, unreadable = _numbers(frame[rsrp_col])
    low, high = RSRP_RANGE_DBM
    out.add(
        unreadable,
        "the signal level is not a number",
        fix="write the level in dBm, e.g. -95.",
        column=rsrp_col,
        values=frame[rsrp_col],
    )
    out.add(empty, "no signal level", fix="fill in the RSRP in dBm.", column=rsrp_col)
    out.add(
        ~np.isnan(rsrp) & ((rsrp < low) | (rsrp > high)),
        f"the signal level is outside {low:g}…{high:g} dBm",
        fix="a level outside the range is a logging fault (a placeholder such as 0 or "
        "-999, or an ASU value); drop the row.",
        column=rsrp_col,
        values=frame[rsrp_col],
    )
    return rsrp


def _check_source_kind(
    frame: pd.DataFrame, columns: Mapping[str, str], default: str, out: _Rejections
) -> pd.Series:
    """Return each sample's source kind: the file's, else ``default``."""
    if default not in SOURCE_KINDS:
        msg = f"source kind {default!r} is not one of: {', '.join(SOURCE_KINDS)}."
        raise InputFileError(msg)
    if "source_kind" not in columns:
        return pd.Series(default, index=frame.index, dtype=object)
    column = columns["source_kind"]
    kind = _canonical(frame[column], SOURCE_KINDS)
    out.add(
        ~_empty(frame[column]) & kind.isna().to_numpy(dtype=bool),
        "unknown source kind",
        fix=f"use one of: {', '.join(SOURCE_KINDS)}.",
        column=column,
        values=frame[column],
    )
    return kind.where(kind.notna(), default)


def _optional_number(
    frame: pd.DataFrame, columns: Mapping[str, str], col: str, out: _Rejections
) -> np.ndarray:
    """Read an optional measurement column; rows with an unreadable or impossible value go."""
    if col not in columns:
        return np.full(len(frame), np.nan)
    source = columns[col]
    values, _, unreadable = _numbers(frame[source])
    spec = LAYERS["measurements"].columns[col]
    out.add(
        unreadable,
        f"{col} is not a number",
        fix=f"write {spec.hint} Leave the cell empty when it was not measured.",
        column=source,
        values=frame[source],
    )
    low = spec.minimum if spec.minimum is not None else -np.inf
    high = spec.maximum if spec.maximum is not None else np.inf
    out.add(
        ~np.isnan(values) & ((values < low) | (values > high)),
        f"{col} is outside {low:g}…{high:g}",
        fix=f"{col} is {spec.hint} A value outside the range is a logging fault.",
        column=source,
        values=frame[source],
    )
    return values


def _kbps_columns(
    frame: pd.DataFrame, keys: Mapping[str, str], extras: dict[str, np.ndarray], out: _Rejections
) -> None:
    """Read throughput given in kbit/s (``download_kbps``) into the Mbit/s columns."""
    for col, key in (("download_mbps", "download_kbps"), ("upload_mbps", "upload_kbps")):
        if key not in keys or not np.isnan(extras[col]).all():
            continue
        values, _, unreadable = _numbers(frame[keys[key]])
        out.add(
            unreadable | (values < 0),
            f"{key} is not a throughput",
            fix="write kbit/s as a positive number.",
            column=keys[key],
            values=frame[keys[key]],
        )
        extras[col] = values / 1000.0


def _plmn_operator(frame: pd.DataFrame, keys: Mapping[str, str]) -> pd.Series | None:
    """Return the operator named by MCC and MNC columns (``mcc``+``mnc`` or ``mcc_mnc``)."""
    text = _plmn_text(frame, keys)
    if text is None:
        return None

    def operator(value: object) -> str | None:
        match = re.fullmatch(r"\s*(\d{3})\D*?(\d{1,3})(?:\.0)?\s*", str(value))
        return None if match is None else PLMN_OPERATORS.get(match[1] + match[2].zfill(2))

    return _by_value(text, operator)


def _plmn_text(frame: pd.DataFrame, keys: Mapping[str, str]) -> pd.Series | None:
    if "mcc" in keys and "mnc" in keys:
        return frame[keys["mcc"]].astype(str) + "-" + frame[keys["mnc"]].astype(str)
    if "mcc_mnc" in keys:
        return frame[keys["mcc_mnc"]].astype(str)
    return None
