"""Times and dates as officials and measurement apps write them, read in bulk.

Accepted, per cell (a column may mix them):

* Vietnamese order, day first: ``05/11/2024``, ``5-11-2024 08:30``, ``05.11.2024 08:30:15``
  (also ``08h30``);
* ISO 8601 and its relatives, year first: ``2024-11-05``, ``2024-11-05T08:30:15.250+07:00``,
  ``2024-11-05 01:30:15Z``, ``2024/11/05 08:30``, ``2024.11.05_08.30.15``;
* Unix time: 10 digits (seconds) or 13 digits (milliseconds) since 1970-01-01 UTC;
* spreadsheet date cells (already dates).

A time without a zone is Vietnam's local time, :data:`LOCAL_TZ` (``Asia/Ho_Chi_Minh``,
UTC+7 without daylight saving): field staff's phones and the department's spreadsheets
write local time. Parsing is vectorised: the common layouts in one Arrow ``strptime`` call
each, the rest by regular expressions over what is left, so a million samples take about
a second.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["LOCAL_TZ", "parse_date", "parse_datetimes"]

#: The zone of a time written without one.
LOCAL_TZ = "Asia/Ho_Chi_Minh"

_TIME = r"(?:[ T_,]+(?P<H>\d{1,2})[:hH.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
_ZONE = r"\s*(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?"
_YEAR_FIRST = rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}{_ZONE}$"
_EPOCH_MS_DIGITS = 13
#: Layouts read by :func:`pandas.to_datetime` directly (fast); the rest goes through the
#: regular expressions above.
_FAST_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
_DAY_FIRST = rf"^(?P<d>\d{{1,2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<y>\d{{4}}){_TIME}{_ZONE}$"


def parse_datetimes(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Parse a column of times into UTC timestamps.

    Parameters
    ----------
    values
        The cells as read (text, numbers or spreadsheet dates).

    Returns
    -------
    times : pandas.Series
        ``datetime64[ns, UTC]``; ``NaT`` where empty or unreadable.
    unreadable : numpy.ndarray of bool
        Cells that hold something that is not a time (empty cells are not unreadable).

    Examples
    --------
    >>> t, bad = parse_datetimes(pd.Series(["05/11/2024 08:30", "2024-11-05T01:30:00Z", "x"]))
    >>> [str(v) for v in t], bad.tolist()
    (['2024-11-05 01:30:00+00:00', '2024-11-05 01:30:00+00:00', 'NaT'], [False, False, True])
    """
    index = values.index
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    if pd.api.types.is_datetime64_any_dtype(values):
        return _localise(values), np.zeros(len(values), dtype=bool)
    cells = values.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    is_time = np.zeros(len(cells), dtype=bool)
    if kind not in ("string", "empty", "integer", "floating", "mixed-integer-float"):
        is_time = np.fromiter(
            (isinstance(v, dt.datetime | dt.date) for v in cells), dtype=bool, count=len(cells)
        )
    if is_time.any():
        stamps = pd.to_datetime(pd.Series(cells[is_time]).map(pd.Timestamp), errors="coerce")
        out[is_time] = _localise(pd.Series(stamps.to_numpy(), index=index[is_time])).to_numpy()
    empty = np.asarray(pd.isna(cells), dtype=bool) | (cells == "")
    rest = pd.Series(~empty & ~is_time, index=index)
    if kind in ("integer", "floating", "mixed-integer-float"):
        cells = np.array([v if pd.isna(v) else str(int(v)) for v in cells], dtype=object)
    text = pd.Series(cells, index=index).where(rest)
    rest = _parse_fast(text, rest, out)
    if rest.any():
        _parse_other(text, rest, out)
    unreadable = (~empty & out.isna()).to_numpy(dtype=bool)
    return out, unreadable


def _parse_fast(text: pd.Series, rest: pd.Series, out: pd.Series) -> pd.Series:
    """Parse the common layouts, one Arrow call each, into ``out``; return what is left."""
    for fmt in _FAST_FORMATS:
        if not rest.any():
            break
        pending = text[rest]
        cells = pa.array(pending.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        stamps = pc.strptime(cells, format=fmt, unit="s", error_is_null=True)
        # strptime rolls 31/02 over into March: keep only what formats back to itself
        # (unpadded or impossible dates go on to the regular expressions).
        same = pc.fill_null(pc.equal(pc.strftime(stamps, format=fmt), cells), fill_value=False)
        stamps = pc.if_else(same, stamps, pa.scalar(None, stamps.type))
        parsed = pd.Series(
            stamps.to_numpy(zero_copy_only=False), index=pending.index, dtype="datetime64[s]"
        )
        hit = parsed.notna()
        if hit.any():
            out[hit[hit].index] = _localise(parsed[hit])
            rest = rest & ~hit.reindex(rest.index, fill_value=False)
    if rest.any():
        rest = _parse_iso_zoned(text, rest, out)
    return rest


#: ISO 8601 with a zone, as apps export (Tower Collector: ``…T08:30:00.123Z``).
_ISO_ZONED = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$"


def _parse_iso_zoned(text: pd.Series, rest: pd.Series, out: pd.Series) -> pd.Series:
    """Parse ISO 8601 times with a zone in one vectorised call; return what is left.

    The match is Arrow's (in C), the parse pandas' ISO 8601 parser; an impossible date
    (31/02) is left for the regular expressions, which refuse it.
    """
    pending = text[rest]
    cells = pa.array(pending.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    match = pc.fill_null(pc.match_substring_regex(cells, _ISO_ZONED), fill_value=False)
    hit = np.asarray(match.to_numpy(zero_copy_only=False), dtype=bool)
    if not hit.any():
        return rest
    chosen = pending[hit]
    parsed = pd.to_datetime(chosen, format="ISO8601", utc=True, errors="coerce")
    ok = parsed.notna()
    out[chosen.index[ok.to_numpy()]] = parsed[ok].to_numpy()
    done = pd.Series(data=False, index=rest.index)
    done[chosen.index[ok.to_numpy()]] = True
    return rest & ~done


def _parse_other(text: pd.Series, rest: pd.Series, out: pd.Series) -> None:
    """Parse Unix times, zones and unusual separators (regular expressions) into ``out``."""
    left = text[rest].astype(str).str.strip()
    epoch = left.str.fullmatch(r"\d{10}(?:\.\d+)?|\d{13}")
    if epoch.any():
        digits = left[epoch]
        millis = digits.str.len() == _EPOCH_MS_DIGITS
        numbers = pd.to_numeric(digits, errors="coerce")
        out[digits.index[~millis]] = pd.to_datetime(numbers[~millis], unit="s", utc=True)
        out[digits.index[millis]] = pd.to_datetime(numbers[millis], unit="ms", utc=True)
        left = left[~epoch]
    for pattern in (_YEAR_FIRST, _DAY_FIRST):
        if left.empty:
            break
        parts = left.str.extract(pattern)
        hit = parts["y"].notna()
        if hit.any():
            parsed = _assemble(parts[hit])
            out[parsed.index] = parsed
            left = left[~hit]


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Build UTC times from extracted parts; impossible dates (31/02) become NaT."""
    fields = {
        "year": parts["y"],
        "month": parts["m"],
        "day": parts["d"],
        "hour": parts["H"].fillna("0"),
        "minute": parts["M"].fillna("0"),
        "second": parts["S"].fillna("0"),
    }
    frame = pd.DataFrame({k: pd.to_numeric(v, errors="coerce") for k, v in fields.items()})
    fraction = parts["f"].fillna("0").str.ljust(9, "0").str[:9]
    naive = pd.to_datetime(frame, errors="coerce") + pd.to_timedelta(
        pd.to_numeric(fraction, errors="coerce"), unit="ns"
    )
    zone = parts["z"]
    local = zone.isna()
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns, UTC]")
    if local.any():
        out[local] = _localise(naive[local])
    if (~local).any():
        text = zone[~local].replace("Z", "+00:00")
        sign = np.where(text.str[0] == "-", -1, 1)
        digits = text.str.replace(r"[^0-9]", "", regex=True).str.ljust(4, "0")
        minutes = sign * (
            pd.to_numeric(digits.str[:2]).to_numpy() * 60
            + pd.to_numeric(digits.str[2:4]).to_numpy()
        )
        shifted = naive[~local] - pd.to_timedelta(minutes, unit="min")
        out[~local] = shifted.dt.tz_localize("UTC")
    return out


def _localise(naive: pd.Series) -> pd.Series:
    """Read naive times as Vietnam's local time and convert them to UTC."""
    times = pd.to_datetime(naive, errors="coerce")
    if times.dt.tz is not None:
        return times.dt.tz_convert("UTC")
    return times.dt.tz_localize(LOCAL_TZ).dt.tz_convert("UTC")


def parse_date(value: object) -> str | None:
    """Return a day as ``YYYY-MM-DD`` (day first as in Vietnam, or ISO), ``None`` if unreadable.

    A time of day, when given, is dropped; the day is the local one.

    Examples
    --------
    >>> parse_date("05/11/2024"), parse_date("2024-11-05"), parse_date("31/02/2024")
    ('2024-11-05', '2024-11-05', None)
    """
    times, _ = parse_datetimes(pd.Series([value], dtype=object))
    stamp = times.iloc[0]
    if pd.isna(stamp):
        return None
    return str(stamp.tz_convert(LOCAL_TZ).date().isoformat())
