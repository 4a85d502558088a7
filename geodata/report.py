"""The report for the provincial leadership: a PDF and an Excel workbook, in Vietnamese.

This module only lays out what it is given: a :class:`ReportData` of plain tables,
indicator lines and map layers, filled by ``hatangso.report`` from the coverage engine.
It never computes coverage itself.

The PDF is written with **fpdf2**, not matplotlib's ``PdfPages``: fpdf2 writes real text
with an embedded Unicode TrueType subset and a ToUnicode map, so every Vietnamese letter
is searchable and extractable (the tests read the figures back with pypdf), and its table
layout breaks long tables across pages and repeats their headings; ``PdfPages`` would
draw each page as a figure, leaving pagination of the village lists to us. matplotlib
only draws the map, embedded as an image.

The font is DejaVu Sans as shipped inside matplotlib (it covers every Vietnamese
precomposed letter); nothing is fetched at run time. All text is NFC.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.errors import InputError

__all__ = [
    "REPORT_SUFFIXES",
    "GapMap",
    "Indicator",
    "ReportData",
    "ReportTable",
    "render_map",
    "vn_date",
    "vn_number",
    "write_report",
]

REPORT_SUFFIXES = (".pdf", ".xlsx")

_MET_TEXT = {True: "Đạt", False: "Chưa đạt", None: "—"}


def vn_number(value: float, digits: int = 0) -> str:
    """Format a number the Vietnamese way: ``1.176`` and ``98,7``.

    Parameters
    ----------
    value
        The number.
    digits
        Decimals to show.

    Returns
    -------
    str
        Thousands separated by dots, decimals by a comma.

    Examples
    --------
    >>> vn_number(1176), vn_number(98.72, 1)
    ('1.176', '98,7')
    """
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def vn_date(value: dt.date | str) -> str:
    """Format a date (or an ISO ``YYYY-MM-DD`` string) as ``dd/mm/yyyy``.

    Examples
    --------
    >>> vn_date("2024-06-30")
    '30/06/2024'
    """
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def _nfc(value: object) -> str:
    return unicodedata.normalize("NFC", str(value))


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
        The target, e.g. ``"100 %"`` or ``"> 95 %"``; ``"—"`` when there is none.
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


# --------------------------------------------------------------------------- writing


def write_report(data: ReportData, path: str | Path) -> Path:
    """Write the report as PDF or Excel (by the suffix), atomically.

    Parameters
    ----------
    data
        What to show.
    path
        ``*.pdf`` or ``*.xlsx``.

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
    if suffix not in REPORT_SUFFIXES:
        what = suffix or "files without a suffix"
        msg = f"{path.name}: cannot write a report as {what}; use .pdf or .xlsx."
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}{suffix}")
    try:
        if suffix == ".pdf":
            tmp.write_bytes(_pdf_bytes(data))
        else:
            _write_xlsx(data, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _cell(value: Any) -> str:  # noqa: ANN401 - any table value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, numbers.Integral):
        return vn_number(int(value))
    if isinstance(value, numbers.Real):
        return vn_number(float(value), 1)
    return _nfc(value)


# --------------------------------------------------------------------------- the map


def render_map(gap_map: GapMap, *, dpi: int = 150) -> bytes:
    """Draw the map of gaps as PNG bytes (matplotlib, DejaVu Sans).

    Parameters
    ----------
    gap_map
        The layers.
    dpi
        Resolution.

    Returns
    -------
    bytes
        The PNG.
    """
    import matplotlib as mpl

    mpl.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D

    with mpl.rc_context({"font.family": "DejaVu Sans", "font.size": 8}):
        fig, ax = plt.subplots(figsize=(7.2, 8.6))
        try:
            gap_map.communes.boundary.plot(ax=ax, color="#b0b0b0", linewidth=0.3)
            gap_map.districts.boundary.plot(ax=ax, color="#404040", linewidth=0.9)
            if gap_map.villages is not None and len(gap_map.villages):
                gap_map.villages.plot(ax=ax, color="#9ecae1", markersize=1.5, linewidth=0)
            if len(gap_map.no_fiber):
                gap_map.no_fiber.plot(
                    ax=ax, color="#f28e2b", markersize=28, marker="o", edgecolor="#7f3f00"
                )
            if len(gap_map.no_4g):
                gap_map.no_4g.plot(ax=ax, color="#d62728", markersize=70, marker="X")
                for geom, name in zip(gap_map.no_4g.geometry, gap_map.no_4g["name"], strict=True):
                    ax.annotate(
                        _nfc(name),
                        (geom.x, geom.y),
                        xytext=(6, 6),
                        textcoords="offset points",
                        color="#d62728",
                        fontweight="bold",
                    )
            handles = [
                Line2D([], [], color="#404040", linewidth=0.9, label="Ranh giới huyện"),
                Line2D([], [], color="#b0b0b0", linewidth=0.5, label="Ranh giới xã"),
                Line2D(
                    [], [], color="#9ecae1", marker="o", linestyle="", markersize=3, label="Thôn"
                ),
                Line2D(
                    [],
                    [],
                    color="#f28e2b",
                    markeredgecolor="#7f3f00",
                    marker="o",
                    linestyle="",
                    markersize=7,
                    label=f"Thôn chưa có cáp quang ({vn_number(len(gap_map.no_fiber))})",
                ),
                Line2D(
                    [],
                    [],
                    color="#d62728",
                    marker="X",
                    linestyle="",
                    markersize=9,
                    label=f"Thôn chưa có sóng 4G ({vn_number(len(gap_map.no_4g))})",
                ),
            ]
            ax.legend(handles=handles, loc="upper right", framealpha=0.9)
            ax.set_axis_off()
            ax.set_aspect("equal")
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi)
        finally:
            plt.close(fig)
    return buffer.getvalue()


# --------------------------------------------------------------------------- PDF


def _font_paths() -> tuple[Path, Path]:
    import matplotlib as mpl

    folder = Path(mpl.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _pdf_bytes(data: ReportData) -> bytes:
    from fpdf import FPDF

    footer_text = f"{_nfc(data.dataset)} — số liệu đến ngày {vn_date(data.as_of)}"

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.set_text_color(110)
            self.cell(0, 5, footer_text, align="L")
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0)

    regular, bold = _font_paths()
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_title(_nfc(data.title))
    pdf.set_creator("Hạ tầng số")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, _nfc(data.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    for line in (
        f"Bộ dữ liệu: {_nfc(data.dataset)}",
        f"Số liệu đến ngày {vn_date(data.as_of)}",
        f"Ngày lập báo cáo: {vn_date(data.created)}",
    ):
        pdf.cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    if data.synthetic_note:
        pdf.ln(3)
        pdf.set_fill_color(255, 236, 200)
        pdf.set_draw_color(230, 140, 0)
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(
            0, 5, _nfc(data.synthetic_note), border=1, fill=True, new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_draw_color(0)
        pdf.set_fill_color(255)

    _heading(pdf, "1. Các chỉ tiêu so với mục tiêu")
    _table(pdf, data.indicator_frame(), widths=(25, 48, 11, 13, 25), verdict_column="Đánh giá")
    if data.notes:
        pdf.set_font("DejaVu", size=8)
        for note in data.notes:
            pdf.multi_cell(0, 4.5, _nfc(note), new_x="LMARGIN", new_y="NEXT")

    number = 2
    shown = [t for t in data.tables if t.in_pdf]
    if shown:
        first, rest = shown[0], shown[1:]
        _heading(pdf, f"{number}. {_nfc(first.title)}")
        _report_table(pdf, first)
        number += 1
    else:
        rest = []
    if data.gap_map is not None:
        pdf.add_page()
        _heading(pdf, f"{number}. Bản đồ các thôn còn thiếu cáp quang, sóng 4G")
        number += 1
        png = render_map(data.gap_map)
        width = pdf.epw
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width)
    for table in rest:
        _heading(pdf, f"{number}. {_nfc(table.title)}")
        number += 1
        _report_table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: Any, text: str) -> None:  # noqa: ANN401 - fpdf2 has no types
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, _nfc(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _report_table(pdf: Any, table: ReportTable) -> None:  # noqa: ANN401
    frame = table.frame
    if not len(frame):
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, _nfc(table.empty), new_x="LMARGIN", new_y="NEXT")
        return
    if table.group_by is None:
        _table(pdf, frame, widths=table.widths)
        return
    for key, rows in frame.groupby(table.group_by, sort=False):
        pdf.set_font("DejaVu", "B", 9)
        if pdf.get_y() > pdf.h - 35:
            pdf.add_page()
        households = ""
        if "Số hộ" in rows.columns:
            households = f", {vn_number(int(rows['Số hộ'].sum()))} hộ"
        pdf.multi_cell(
            0,
            6,
            f"{_nfc(key)} ({vn_number(len(rows))} thôn{households})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        rest = rows.drop(columns=table.group_by)
        widths = table.widths[1:] if table.widths is not None else None
        _table(pdf, rest, widths=widths)
        pdf.ln(1)


def _table(
    pdf: Any,  # noqa: ANN401
    frame: pd.DataFrame,
    *,
    widths: Sequence[float] | None = None,
    verdict_column: str | None = None,
) -> None:
    from fpdf.fonts import FontFace

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    align = tuple("RIGHT" if n else "LEFT" for n in numeric)
    pdf.set_font("DejaVu", size=8)
    heading = FontFace(emphasis="BOLD", fill_color=(220, 230, 242))
    with pdf.table(
        col_widths=tuple(widths) if widths is not None else None,
        text_align=align,
        headings_style=heading,
        line_height=4.6,
        padding=1,
    ) as out:
        header = out.row()
        for name in frame.columns:
            header.cell(_nfc(name), align="CENTER")
        verdict_index = (
            list(frame.columns).index(verdict_column) if verdict_column is not None else -1
        )
        for values in frame.itertuples(index=False):
            row = out.row()
            for i, value in enumerate(values):
                text = _cell(value).replace(" %", "\u00a0%")  # keep "98,7 %" on one line
                if i == verdict_index and text in ("Đạt", "Chưa đạt"):
                    colour = (0, 120, 0) if text == "Đạt" else (190, 0, 0)
                    row.cell(text, style=FontFace(emphasis="BOLD", color=colour))
                else:
                    row.cell(text)


# --------------------------------------------------------------------------- Excel


def _write_xlsx(data: ReportData, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    summary = book.active
    summary.title = "Tóm tắt"
    bold = Font(bold=True)
    summary.append([_nfc(data.title)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["Bộ dữ liệu", _nfc(data.dataset)])
    summary.append(["Số liệu đến ngày", vn_date(data.as_of)])
    summary.append(["Ngày lập báo cáo", vn_date(data.created)])
    if data.synthetic_note:
        summary.append(["Lưu ý", _nfc(data.synthetic_note)])
        summary.cell(row=summary.max_row, column=2).font = Font(bold=True, color="C05000")
    summary.append([])
    _sheet_rows(summary, data.indicator_frame(), bold)
    for note in data.notes:
        summary.append([_nfc(note)])
    widths = {"A": 28, "B": 48, "C": 12, "D": 12, "E": 28}
    for column, width in widths.items():
        summary.column_dimensions[column].width = width
    fill = PatternFill("solid", fgColor="DCE6F2")
    for table in data.tables:
        sheet = book.create_sheet(_nfc(table.sheet)[:31])
        _sheet_rows(sheet, table.frame, bold)
        for cell in sheet[1]:
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.freeze_panes = "A2"
        for i, name in enumerate(table.frame.columns, start=1):
            longest = max([len(str(name)) / 1.6, *(len(str(v)) for v in table.frame[name])])
            letter = sheet.cell(row=1, column=i).column_letter
            sheet.column_dimensions[letter].width = min(max(8.0, longest + 2), 45.0)
    book.save(path)


def _sheet_rows(sheet: Any, frame: pd.DataFrame, bold: Any) -> None:  # noqa: ANN401
    sheet.append([_nfc(c) for c in frame.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for values in frame.itertuples(index=False):
        row: list[Any] = []
        for value in values:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                row.append(None)
            elif isinstance(value, str):
                row.append(_nfc(value))
            elif hasattr(value, "item"):  # numpy scalars
                row.append(value.item())
            else:
                row.append(value)
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = "0.0"
            elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.number_format = "#,##0"
