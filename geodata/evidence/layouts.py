"""The CSV exports of the measurement apps, recognised by their header, and column matching.

Each layout's columns and where they were confirmed are in ``docs/EVIDENCE.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geodata.errors import InputFileError
from geodata.schemas import LAYERS, column_key

__all__ = ["LAYOUTS", "ExportLayout"]


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
