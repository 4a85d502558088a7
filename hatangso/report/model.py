"""The report's content as plain data: indicator lines, tables and the layers of the map.

:func:`hatangso.report.build_report` fills a :class:`ReportData` from a store; the PDF
(:mod:`hatangso.report.pdf`) and the workbook (:mod:`hatangso.report.workbook`) only lay
it out. All text is shown in Unicode NFC (:func:`nfc`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geodata.text import to_nfc

__all__ = ["GapMap", "Indicator", "ReportData", "ReportTable", "nfc"]

_MET_TEXT = {True: "Đạt", False: "Chưa đạt", None: "—"}


def nfc(value: object) -> str:
    """Return ``value`` as text in Unicode NFC.

    Examples
    --------
    >>> nfc("Vi\u0303nh Tha\u0323nh") == "Vĩnh Thạnh"
    True
    """
    return to_nfc(str(value))


@dataclass(frozen=True)
class Indicator:
    """One indicator line against its target, already worded.

    Attributes
    ----------
    title
        What is measured, e.g. ``"Thôn có cáp quang"``.
    status
        The province's own style, e.g. ``"1.161/1.176 thôn có cáp quang (98,7 %)"``.
    target
        The target, e.g. ``"100 %"`` or ``"> 95 %"``; ``"chưa có chỉ tiêu"`` when none is
        in force on the report's date.
    met
        Met (``True``), not met (``False``) or no target (``None``).
    gap
        What is missing, e.g. ``"15 thôn (1.354 hộ)"``; empty when met.
    """

    title: str
    status: str
    target: str
    met: bool | None
    gap: str

    @property
    def verdict(self) -> str:
        """Return ``Đạt``, ``Chưa đạt`` or ``—``."""
        return _MET_TEXT[self.met]


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: a sheet of the workbook and a table of the PDF.

    Attributes
    ----------
    title
        The heading in the PDF.
    sheet
        The sheet name in the workbook (at most 31 characters).
    frame
        The rows; column names are the Vietnamese headings. Integers are shown with
        thousands dots, floats with one decimal comma.
    group_by
        In the PDF, a column to split the rows under sub-headings (e.g. the district).
    in_pdf
        Whether the PDF shows this table (the workbook always does).
    widths
        Relative column widths in the PDF (default: equal).
    empty
        What the PDF says instead of an empty table.
    """

    title: str
    sheet: str
    frame: pd.DataFrame
    group_by: str | None = None
    in_pdf: bool = True
    widths: Sequence[float] | None = None
    empty: str = "Không có."


@dataclass(frozen=True)
class GapMap:
    """The layers of the map of gaps, all in one metric CRS.

    Attributes
    ----------
    communes
        Commune polygons (thin outlines).
    districts
        District polygons (thicker outlines).
    no_fiber
        Points of the villages without fiber.
    no_4g
        Points of the villages without 4G, with a ``name`` column (labelled).
    villages
        Points of all villages (faint background), optional.
    """

    communes: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    no_fiber: gpd.GeoDataFrame
    no_4g: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as plain data.

    Attributes
    ----------
    title
        The report's title.
    dataset
        The data set's name.
    as_of
        The date the figures describe.
    indicators
        The indicators against the targets.
    tables
        The tables, in order; the first sheet of the workbook is the summary.
    gap_map
        The map of gaps, or ``None``.
    synthetic_note
        A warning shown prominently when some layers are synthetic; empty otherwise.
    notes
        Further lines shown under the indicators (e.g. how figures are counted).
    created
        When the report was made.
    organisation
        The department in force on ``as_of`` (``hatangso.targets``), shown above the
        title; empty when none is recorded.
    """

    title: str
    dataset: str
    as_of: dt.date
    indicators: list[Indicator]
    tables: list[ReportTable]
    gap_map: GapMap | None = None
    synthetic_note: str = ""
    notes: list[str] = field(default_factory=list)
    created: dt.date = field(default_factory=dt.date.today)
    organisation: str = ""

    def indicator_frame(self) -> pd.DataFrame:
        """Return the indicators as a table (the summary sheet)."""
        return pd.DataFrame(
            {
                "Chỉ tiêu": [i.title for i in self.indicators],
                "Hiện trạng": [i.status for i in self.indicators],
                "Mục tiêu": [i.target for i in self.indicators],
                "Đánh giá": [i.verdict for i in self.indicators],
                "Còn thiếu": [i.gap for i in self.indicators],
            }
        )
