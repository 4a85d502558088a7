"""The report as a PDF, written with fpdf2.

fpdf2, not matplotlib's ``PdfPages``: fpdf2 writes real text with an embedded Unicode
TrueType subset and a ToUnicode map, so every Vietnamese letter is searchable and
extractable (the tests read the figures back with pypdf), and its table layout breaks long
tables across pages and repeats their headings; ``PdfPages`` would draw each page as a
figure, leaving pagination of the village lists to us. matplotlib only draws the map
(:mod:`hatangso.report.gapmap`), embedded as an image.

The font is DejaVu Sans as shipped inside matplotlib (it covers every Vietnamese
precomposed letter); nothing is fetched at run time. All text is NFC.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hatangso.formatting import fmt_date, fmt_num
from hatangso.report.gapmap import render_map
from hatangso.report.model import ReportData, ReportTable, nfc

__all__ = ["font_paths", "pdf_bytes", "report_table"]


def font_paths() -> tuple[Path, Path]:
    """Return DejaVu Sans regular and bold as shipped inside matplotlib (every report uses it)."""
    import matplotlib as mpl

    folder = Path(mpl.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _title(pdf: Any, data: ReportData) -> None:  # noqa: ANN401 - fpdf2 has no types
    """Write the title, under the department's name (when one is recorded)."""
    if data.organisation:
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(
            0, 6, nfc(data.organisation).upper(), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, nfc(data.title), align="C", new_x="LMARGIN", new_y="NEXT")


def pdf_bytes(data: ReportData) -> bytes:
    """Return the report as the bytes of a PDF (A4, DejaVu Sans, searchable text)."""
    from fpdf import FPDF

    footer_text = f"{nfc(data.dataset)} — số liệu đến ngày {fmt_date(data.as_of)}"

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.set_text_color(110)
            self.cell(0, 5, footer_text, align="L")
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0)

    regular, bold = font_paths()
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_title(nfc(data.title))
    pdf.set_creator("Hạ tầng số")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()

    _title(pdf, data)
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    for line in (
        f"Bộ dữ liệu: {nfc(data.dataset)}",
        f"Số liệu đến ngày {fmt_date(data.as_of)}",
        f"Ngày lập báo cáo: {fmt_date(data.created)}",
    ):
        pdf.cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    if data.synthetic_note:
        pdf.ln(3)
        pdf.set_fill_color(255, 236, 200)
        pdf.set_draw_color(230, 140, 0)
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(
            0, 5, nfc(data.synthetic_note), border=1, fill=True, new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_draw_color(0)
        pdf.set_fill_color(255)

    _heading(pdf, "1. Các chỉ tiêu so với mục tiêu")
    _table(pdf, data.indicator_frame(), widths=(25, 48, 11, 13, 25), verdict_column="Đánh giá")
    if data.notes:
        pdf.set_font("DejaVu", size=8)
        for note in data.notes:
            pdf.multi_cell(0, 4.5, nfc(note), new_x="LMARGIN", new_y="NEXT")

    number = 2
    shown = [t for t in data.tables if t.in_pdf]
    if shown:
        first, rest = shown[0], shown[1:]
        _heading(pdf, f"{number}. {nfc(first.title)}")
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
        _heading(pdf, f"{number}. {nfc(table.title)}")
        number += 1
        _report_table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: Any, text: str) -> None:  # noqa: ANN401 - fpdf2 has no types
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, nfc(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _report_table(pdf: Any, table: ReportTable) -> None:  # noqa: ANN401
    frame = table.frame
    if not len(frame):
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, nfc(table.empty), new_x="LMARGIN", new_y="NEXT")
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
            households = f", {fmt_num(int(rows['Số hộ'].sum()))} hộ"
        pdf.multi_cell(
            0,
            6,
            f"{nfc(key)} ({fmt_num(len(rows))} thôn{households})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        rest = rows.drop(columns=table.group_by)
        widths = table.widths[1:] if table.widths is not None else None
        _table(pdf, rest, widths=widths)
        pdf.ln(1)


def report_table(
    pdf: Any,  # noqa: ANN401 - fpdf2 has no types
    frame: pd.DataFrame,
    *,
    widths: Sequence[float] | None = None,
    size: float = 8.0,
    width: float | None = None,
) -> None:
    """Write a table in the report's style (blue headings, numbers right, Vietnamese numbers).

    Parameters
    ----------
    pdf
        The ``fpdf.FPDF`` document, its fonts added as ``DejaVu``.
    frame
        The rows; numeric columns are aligned right and formatted by
        :mod:`hatangso.formatting`.
    widths
        Relative column widths.
    size
        Font size (points).
    width
        The table's width (mm) from the left margin; default the whole line.
    """
    _table(pdf, frame, widths=widths, size=size, width=width)


def _table(  # noqa: PLR0913 - the table's layout, keyword-only
    pdf: Any,  # noqa: ANN401
    frame: pd.DataFrame,
    *,
    widths: Sequence[float] | None = None,
    verdict_column: str | None = None,
    size: float = 8.0,
    width: float | None = None,
) -> None:
    from fpdf.fonts import FontFace

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    align = tuple("RIGHT" if n else "LEFT" for n in numeric)
    pdf.set_font("DejaVu", size=size)
    heading = FontFace(emphasis="BOLD", fill_color=(220, 230, 242))
    placement: dict[str, Any] = {} if width is None else {"width": width, "align": "LEFT"}
    with pdf.table(
        col_widths=tuple(widths) if widths is not None else None,
        text_align=align,
        headings_style=heading,
        line_height=4.6 * size / 8.0,
        padding=1,
        **placement,
    ) as out:
        header = out.row()
        for name in frame.columns:
            header.cell(nfc(name), align="CENTER")
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


def _cell(value: Any) -> str:  # noqa: ANN401 - any table value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, numbers.Integral):
        return fmt_num(int(value))
    if isinstance(value, numbers.Real):
        return fmt_num(float(value), 1)
    return nfc(value)
