"""Evidence layers read in bulk: measurements, speed-test tiles and complaints.

Measurement logs are large (a drive test: 10^5 to 10^6 samples) and messy (a GPS fix at
(0, 0), a placeholder signal level, a phone clock in the future, rows logged twice). Unlike
the network layers, which an official fixes and sends again, a log is what it is: the
readers here keep its valid rows and report every rejected row with its reason and its
row number (:class:`EvidenceLayer`); ``strict=True`` refuses the whole file instead.

Every check is vectorised over the column (regular expressions and NumPy), and text is
decoded and matched once per distinct value, so reading a million samples costs seconds.

The column names come from the data contract (:mod:`geodata.schemas`: Vietnamese and
English aliases); the exports of the measurement apps field staff use are recognised by
their header (:data:`LAYOUTS`). Each layout's columns and where they were confirmed are in
``docs/EVIDENCE.md``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from geodata.coordinates import check_coordinates
from geodata.crs import BINH_DINH_BBOX_LONLAT, STORE_CRS, resolve_crs
from geodata.dates import parse_date, parse_datetimes
from geodata.errors import InputFileError, LayerValidationError, Problem
from geodata.load import (
    LEGACY,
    TABLE_SUFFIXES,
    X_ALIASES,
    Y_ALIASES,
    RawLayer,
    find_column,
    parse_number,
    read_raw,
    read_table,
)
from geodata.quadkey import is_quadkey, quadkey_bounds
from geodata.schemas import (
    LAYERS,
    OPERATORS,
    RSRP_RANGE_DBM,
    SOURCE_KINDS,
    SPEED_NET_TYPES,
    TECHS,
    choice_lookup,
    column_key,
)
from geodata.text import decode_legacy, to_nfc
from geodata.validate import (
    PROVINCE_TOLERANCE_DEG,
    ValidatedLayer,
    ValidationContext,
    validate_layer,
)

__all__ = [
    "LAYOUTS",
    "PLMN_OPERATORS",
    "TRACK_GAP_S",
    "EvidenceLayer",
    "ExportLayout",
    "read_complaints",
    "read_measurements",
    "read_speed_tiles",
    "row_ranges",
]

log = logging.getLogger(__name__)

#: A new track starts when one device's consecutive samples are this far apart in time.
TRACK_GAP_S = 600
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
_TILE_NUMBERS = ("avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
_TILE_COLUMNS = ("tile_key", "quadkey", "net_type", "quarter_start", *_TILE_NUMBERS, "source_file")
#: How far a tile polygon's corners may be from its quadkey's, degrees (WKT rounding).
_TILE_TOLERANCE_DEG = 1e-6


@dataclass(frozen=True)
class ExportLayout:
    """The CSV export of one measurement app: how to recognise it and read its columns.

    Parameters
    ----------
    name
        What ``--layout`` takes.
    title
        The app and its export, for messages and the docs.
    signature
        :func:`~geodata.schemas.column_key` of the columns a file must all have to be
        recognised as this export.
    columns
        Contract column -> the export's columns that hold it, first present wins.
    source_kind
        The kind of measurement the app makes.
    confirmed_from
        Where the layout was confirmed (the docs repeat it).
    """

    name: str
    title: str
    signature: frozenset[str]
    columns: Mapping[str, tuple[str, ...]]
    source_kind: str
    confirmed_from: str


LAYOUTS: dict[str, ExportLayout] = {
    "towercollector": ExportLayout(
        name="towercollector",
        title="Tower Collector (Android), CSV export",
        signature=frozenset(
            {"mcc", "mnc", "lac", "cell_id", "dbm", "lat", "lon", "measured_at", "net_type"}
            | {"neighboring", "device"}
        ),
        columns={
            "measured_at": ("measured_at",),
            "tech": ("net_type",),
            "rsrp_dbm": ("dbm",),
            "cell_id": ("cell_id",),
            "device_id": ("device",),
        },
        source_kind="crowdsourced",
        confirmed_from="zamojski/TowerCollector, app/src/main/java/info/zamojski/soft/"
        "towercollector/files/formatters/csv/CsvExportFormatter.java (header and row "
        "format) and providers/GeneralCellUtils.java (net_type values)",
    ),
    "gnettrack": ExportLayout(
        name="gnettrack",
        title="G-NetTrack Lite/Pro (Android), tab-separated log",
        signature=frozenset({"timestamp", "longitude", "latitude", "level", "networktech"}),
        columns={
            "measured_at": ("timestamp",),
            "tech": ("networktech", "networkmode"),
            "rsrp_dbm": ("level",),
            "rsrq_db": ("qual",),
            "sinr_db": ("snr",),
            "cell_id": ("cgi", "cellid"),
            "operator": ("operatorname", "operator"),
        },
        source_kind="drive_test",
        confirmed_from="a third-party reader of G-NetTrack Lite logs, shunrin824/gnt2influx "
        "(src/parser.rs and sample_log.txt); not confirmed from Gyokov Solutions' own "
        "documentation",
    ),
}


@dataclass
class EvidenceLayer(ValidatedLayer):
    """An evidence file read in bulk: the rows kept, and every row rejected with its reason.

    Attributes
    ----------
    rejected
        One row a rejected row: ``row`` (as the spreadsheet numbers it), ``reason``,
        ``column`` and ``value``.
    skipped
        Rows left out on purpose, not errors, by reason (e.g. a neighbouring cell's
        reading, a speed tile outside the province) -> count.
    batch
        The contract columns and values that name this file's rows in the store (an
        import replaces the earlier rows of the same batch and keeps the others).
    read_rows
        How many rows the file had.
    """

    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: dict[str, int] = field(default_factory=dict)
    batch: dict[str, str | None] = field(default_factory=dict)
    read_rows: int = 0


# --------------------------------------------------------------------------- rejections


class _Rejections:
    """The first reason each row is refused for; every check is one vectorised call."""

    def __init__(self, row_numbers: npt.NDArray[np.int64]) -> None:
        self.rows = row_numbers
        n = len(row_numbers)
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.fix: dict[str, str] = {}

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(pd.isna(self.reason), dtype=bool)

    def add(
        self,
        mask: npt.ArrayLike,
        reason: str,
        *,
        fix: str,
        column: str | None = None,
        values: pd.Series | np.ndarray | None = None,
    ) -> None:
        hit = np.asarray(mask, dtype=bool) & self.ok
        if not hit.any():
            return
        self.reason[hit] = reason
        self.column[hit] = column
        if values is not None:
            shown = np.asarray(values, dtype=object)[hit]
            self.value[hit] = [None if _blank(v) else str(v) for v in shown]
        self.fix.setdefault(reason, fix)

    def table(self) -> pd.DataFrame:
        bad = ~self.ok
        return pd.DataFrame(
            {
                "row": self.rows[bad],
                "reason": self.reason[bad],
                "column": self.column[bad],
                "value": self.value[bad],
            }
        )

    def problems(self, *, strict: bool, label: str) -> list[Problem]:
        table = self.table()
        out: list[Problem] = []
        for (reason, column), group in table.groupby(
            ["reason", table["column"].fillna("")], sort=False
        ):
            rows = group["row"].to_numpy()
            n = len(rows)
            out.append(
                Problem(
                    f"{n} {label}{'s' * (n != 1)} rejected ({label}{'s' * (n != 1)} "
                    f"{row_ranges(rows)}): {reason}.",
                    fix=self.fix.get(str(reason), ""),
                    column=str(column) or None,
                    severity="error" if strict else "warning",
                )
            )
        return out


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def row_ranges(rows: npt.ArrayLike) -> str:
    """Write row numbers compactly: consecutive runs as ranges.

    Examples
    --------
    >>> row_ranges([2, 3, 4, 7, 9, 10])
    '2-4, 7, 9-10'
    """
    values = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(values):
        return ""
    breaks = np.flatnonzero(np.diff(values) != 1)
    starts = np.concatenate([[values[0]], values[breaks + 1]])
    ends = np.concatenate([values[breaks], [values[-1]]])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in zip(starts, ends, strict=True))


# --------------------------------------------------------------------------- columns


def _by_value(series: pd.Series, convert: Callable[[object], object]) -> pd.Series:
    """Apply ``convert`` once per distinct non-empty value; empty cells become ``None``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    converted = np.empty(len(uniques) + 1, dtype=object)
    converted[:-1] = [convert(v) for v in uniques]
    converted[-1] = None
    return pd.Series(converted[codes], index=series.index, dtype=object)


def _text(series: pd.Series, legacy: str | None) -> pd.Series:
    """Return NFC text (``None`` for empty), decoding each distinct value once."""

    def convert(value: object) -> str | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if legacy:
            text = decode_legacy(text, "vni" if legacy == "vni" else "tcvn3")
        return to_nfc(text).strip() or None

    return _by_value(series, convert)


def _canonical(series: pd.Series, choices: Mapping[str, tuple[str, ...]]) -> pd.Series:
    """Map an enumeration's spellings onto canonical values; unknown and empty -> None."""
    lookup = choice_lookup(choices)
    return _by_value(series, lambda v: lookup.get(column_key(to_nfc(str(v)))))


def _empty(series: pd.Series) -> npt.NDArray[np.bool_]:
    values = series.to_numpy(dtype=object)
    return np.asarray(pd.isna(values) | (values == ""), dtype=bool)


def _numbers(series: pd.Series) -> tuple[np.ndarray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Return ``(values, empty, unreadable)``; decimal commas and thin spaces are read.

    Plain numbers are converted in one call; only the cells that are not (``-95,5``,
    ``1 000``) are cleaned, as text.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        empty = np.isnan(values)
        return values, empty, np.zeros(len(values), dtype=bool)
    empty = _empty(series)
    values = np.array(pd.to_numeric(series, errors="coerce"), dtype=float)
    retry = ~empty & np.isnan(values)
    if retry.any():
        text = series[retry].astype(str).str.replace(r"[\s\u00a0]", "", regex=True)
        comma = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
        text = text.where(~comma, text.str.replace(",", ".", regex=False))
        values[retry] = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    return values, empty, ~empty & np.isnan(values)


def _coordinates(series: pd.Series) -> tuple[np.ndarray, npt.NDArray[np.bool_]]:
    """Read a coordinate column: numbers in bulk, DMS text cell by cell (rare)."""
    values, empty, unreadable = _numbers(series)
    for pos in np.flatnonzero(unreadable):
        number = parse_number(series.iloc[pos])
        if number is not None:
            values[pos] = number
    return values, ~empty & np.isnan(values)


def _columns_of(frame: pd.DataFrame, layer: str, layout: ExportLayout | None) -> dict[str, str]:
    """Return contract column -> the file's column, by layout first, then the contract."""
    keys: dict[str, str] = {}
    for col in frame.columns:
        keys.setdefault(column_key(str(col)), str(col))
    chosen: dict[str, str] = {}
    if layout is not None:
        for target, names in layout.columns.items():
            found = next((keys[n] for n in names if n in keys), None)
            if found is not None:
                chosen[target] = found
    claimed: dict[str, list[str]] = {}
    taken = set(chosen.values())
    aliases = LAYERS[layer].alias_map()
    for key, col in keys.items():
        contract = aliases.get(key)
        if contract is None or contract in chosen or col in taken:
            continue
        claimed.setdefault(contract, []).append(col)
    for target, sources in claimed.items():
        exact = [s for s in sources if column_key(s) == target]
        if len(sources) > 1 and not exact:
            msg = (
                f"columns {', '.join(map(repr, sources))} could all be {target!r}. Fix: rename "
                f"the one that holds {target!r} to {target!r} and the others to something else."
            )
            raise InputFileError(msg)
        chosen[target] = exact[0] if exact else sources[0]
    return chosen


def _detect_layout(frame: pd.DataFrame, layout: str | None) -> ExportLayout | None:
    keys = {column_key(str(c)) for c in frame.columns}
    if layout is not None and layout not in ("", "auto"):
        if layout == "generic":
            return None
        if layout not in LAYOUTS:
            msg = f"unknown layout {layout!r}; use one of: auto, generic, {', '.join(LAYOUTS)}."
            raise InputFileError(msg)
        chosen = LAYOUTS[layout]
        missing = sorted(chosen.signature - keys)
        if missing:
            msg = (
                f"the file is not a {chosen.title}: columns {', '.join(missing)} are missing. "
                "Fix: export the log again from the app, or drop --layout."
            )
            raise InputFileError(msg)
        return chosen
    for candidate in LAYOUTS.values():
        if candidate.signature <= keys:
            return candidate
    return None


# --------------------------------------------------------------------------- measurements


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
    layer = "measurements"
    frame = read_table(path, encoding=encoding, sheet=sheet)
    legacy = encoding.lower() if encoding and encoding.lower() in LEGACY else None
    chosen_layout = _detect_layout(frame, layout)
    columns = _columns_of(frame, layer, chosen_layout)
    keys = {column_key(str(c)): str(c) for c in frame.columns}
    frame, rows, skipped = _serving_cells(frame, keys, chosen_layout)
    n = len(frame)
    plmn = _plmn_operator(frame, keys)
    x_col, y_col = _required_columns(frame, columns, plmn is not None, path.name)
    out = _Rejections(rows)
    xs, ys = _check_positions(
        frame, (x_col, y_col), out, crs=crs, swap_xy=swap_xy, source=path.name, context=context
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
    problems = _outcome(out, skipped, strict=strict, source=path.name, layer=layer, total=n)

    campaign_value = to_nfc(campaign).strip() if campaign else path.stem
    campaigns, devices, tracks, sample_ids = _drive_identity(
        frame,
        columns,
        times,
        ok,
        campaign_value,
        legacy,
        f"/{path.name}#" + pd.Series(rows).astype(str),
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
        + f"/{path.name}/"
        + kept["track_id"].astype(str)
    )
    kept["source_file"] = path.name
    kept = kept[list(_MEASUREMENT_COLUMNS)]
    gdf = gpd.GeoDataFrame(kept, geometry=shapely.points(xs[ok], ys[ok]), crs=STORE_CRS)
    if chosen_layout is not None:
        log.info("%s: read as %s", path.name, chosen_layout.title)
    return EvidenceLayer(
        layer=layer,
        source=path.name,
        frame=gdf,
        problems=problems,
        rejected=out.table(),
        skipped=skipped,
        batch={"campaign": campaign_value, "source_file": path.name}
        if "campaign" not in columns
        else {"source_file": path.name},
        read_rows=n + sum(skipped.values()),
    )


def _drive_identity(  # noqa: PLR0913
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    times: pd.Series,
    ok: npt.NDArray[np.bool_],
    campaign: str,
    legacy: str | None,
    row_suffix: pd.Series,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Return each sample's campaign, device, track and id (``campaign/file#row`` if none).

    A drive is ``campaign/device/file/track``: the file's track column when it has one,
    else a device's samples split where more than :data:`TRACK_GAP_S` passes between two.
    """
    campaigns = _identity(frame, columns, "campaign", campaign, legacy)
    devices = _identity(frame, columns, "device_id", "unknown", legacy)
    if "track_id" in columns:
        tracks = _identity(frame, columns, "track_id", "1", legacy)
    else:
        tracks = _tracks(times, campaigns, devices, ok)
    sample_ids = _identity(frame, columns, "sample_id", "", legacy)
    generated = campaigns.astype(str) + row_suffix
    return campaigns, devices, tracks, sample_ids.where(sample_ids != "", generated)


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


def _outcome(  # noqa: PLR0913
    out: _Rejections,
    skipped: Mapping[str, int],
    *,
    strict: bool,
    source: str,
    layer: str,
    total: int,
) -> list[Problem]:
    """Return the report's problems; refuse the file (strict, or nothing valid)."""
    rejected = int((~out.ok).sum())
    problems = out.problems(strict=strict, label="row")
    problems += [
        Problem(f"{count} row{'s' * (count != 1)} skipped: {reason}.", severity="warning")
        for reason, count in skipped.items()
    ]
    if strict and rejected:
        problems.insert(
            0,
            Problem(
                f"--strict: the file is refused because {rejected} of its {total} rows are "
                "invalid; nothing was written.",
                fix="fix or drop those rows, or import without --strict to keep the valid rows.",
            ),
        )
        raise LayerValidationError(source, layer, problems)
    if not out.ok.any():
        what = "sample" if layer == "measurements" else "tile inside the province"
        problems.insert(0, Problem(f"no valid {what} among the file's {total} rows."))
        problems = [Problem(p.message, p.fix, p.row, p.feature_id, p.column) for p in problems]
        raise LayerValidationError(source, layer, problems)
    return problems


def _duplicates(
    frame: pd.DataFrame, rows: npt.NDArray[np.int64], out: _Rejections, fix: str
) -> None:
    """Reject rows equal in every column to an earlier row, naming that row."""
    dup = frame.duplicated(keep="first").to_numpy(dtype=bool)
    if not dup.any():
        return
    members = frame.duplicated(keep=False).to_numpy(dtype=bool)
    sub = frame[members]
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    positions = np.flatnonzero(members)
    first = pd.Series(positions).groupby(group).transform("min").to_numpy()
    shown = np.full(len(frame), None, dtype=object)
    shown[positions] = [f"same as row {r}" for r in rows[first]]
    out.add(dup, "an exact duplicate of an earlier row", fix=fix, values=shown)


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


def _identity(
    frame: pd.DataFrame, columns: Mapping[str, str], col: str, default: str, legacy: str | None
) -> pd.Series:
    if col not in columns:
        return pd.Series([default] * len(frame), dtype=object)
    values = _text(frame[columns[col]], legacy).reset_index(drop=True)
    return values.where(values.notna(), default).astype(object)


def _tracks(
    times: pd.Series, campaigns: pd.Series, devices: pd.Series, ok: npt.NDArray[np.bool_]
) -> pd.Series:
    """Return each sample's track number: a device's new track after a gap > TRACK_GAP_S."""
    key = pd.MultiIndex.from_arrays([campaigns.to_numpy(), devices.to_numpy()])
    group = pd.factorize(key)[0]
    seconds = times.dt.tz_convert(None).to_numpy(dtype="datetime64[s]").astype(np.int64)
    valid = np.flatnonzero(ok)
    order = valid[np.lexsort((seconds[valid], group[valid]))]
    g, t = group[order], seconds[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = (g[1:] != g[:-1]) | (np.diff(t) > TRACK_GAP_S)
    count = np.cumsum(start)
    first_of_group = np.ones(len(order), dtype=bool)
    first_of_group[1:] = g[1:] != g[:-1]
    base = np.maximum.accumulate(np.where(first_of_group, count - 1, 0))
    out = np.full(len(ok), "0", dtype=object)
    out[order] = (count - base).astype(str)
    return pd.Series(out, dtype=object)


def _province_zone(context: ValidationContext | None) -> shapely.Geometry:
    area = context.province if context is not None else None
    if area is None:
        area = shapely.box(*BINH_DINH_BBOX_LONLAT)
    zone = shapely.buffer(area, PROVINCE_TOLERANCE_DEG)
    shapely.prepare(zone)
    return zone


# --------------------------------------------------------------------------- speed tiles

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


# --------------------------------------------------------------------------- complaints


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


#: The bulk readers, by layer, for :func:`geodata.importer.load_layer`.
READERS: dict[str, Callable[..., ValidatedLayer]] = {
    "measurements": read_measurements,
    "speed_tiles": read_speed_tiles,
    "complaints": read_complaints,
}
