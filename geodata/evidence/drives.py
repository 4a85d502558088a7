"""Which drive a sample belongs to: campaign, device, file and track.

``drive_id`` = ``campaign/device_id/source_file/track_id``, one value per continuous
route, so that a calibration can hold out whole routes (``docs/EVIDENCE.md``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from geodata.evidence.common import _text

__all__ = ["TRACK_GAP_S"]

#: A new track starts when one device's consecutive samples are this far apart in time.
TRACK_GAP_S = 600


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
