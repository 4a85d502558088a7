"""The report as an Excel workbook: the summary sheet, then one sheet a table.

Numbers stay numbers (thousands shown with a separator, decimals with one digit); text
that a spreadsheet would run as a formula stays text (:func:`geodata.export.guard_formulas`).
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from geodata.export import guard_formulas
from hatangso.formatting import fmt_date
from hatangso.report.model import ReportData, nfc

__all__ = ["xlsx_bytes"]


def xlsx_bytes(data: ReportData) -> bytes:
    """Return the report as the bytes of an Excel workbook: a summary, then a sheet a table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    summary = book.active
    summary.title = "Tóm tắt"
    bold = Font(bold=True)
    summary.append([nfc(data.title)])
    summary["A1"].font = Font(bold=True, size=14)
    if data.organisation:
        summary.append(["Cơ quan", nfc(data.organisation)])
    summary.append(["Bộ dữ liệu", nfc(data.dataset)])
    summary.append(["Số liệu đến ngày", fmt_date(data.as_of)])
    summary.append(["Ngày lập báo cáo", fmt_date(data.created)])
    if data.synthetic_note:
        summary.append(["Lưu ý", nfc(data.synthetic_note)])
        summary.cell(row=summary.max_row, column=2).font = Font(bold=True, color="C05000")
    summary.append([])
    _sheet_rows(summary, data.indicator_frame(), bold)
    for note in data.notes:
        summary.append([nfc(note)])
    widths = {"A": 28, "B": 48, "C": 12, "D": 12, "E": 28}
    for column, width in widths.items():
        summary.column_dimensions[column].width = width
    fill = PatternFill("solid", fgColor="DCE6F2")
    for table in data.tables:
        sheet = book.create_sheet(nfc(table.sheet)[:31])
        _sheet_rows(sheet, table.frame, bold)
        for cell in sheet[1]:
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.freeze_panes = "A2"
        for i, name in enumerate(table.frame.columns, start=1):
            longest = max([len(str(name)) / 1.6, *(len(str(v)) for v in table.frame[name])])
            letter = sheet.cell(row=1, column=i).column_letter
            sheet.column_dimensions[letter].width = min(max(8.0, longest + 2), 45.0)
    for sheet in book.worksheets:
        guard_formulas(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_rows(sheet: Any, frame: pd.DataFrame, bold: Any) -> None:  # noqa: ANN401
    sheet.append([nfc(c) for c in frame.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for values in frame.itertuples(index=False):
        row: list[Any] = []
        for value in values:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                row.append(None)
            elif isinstance(value, str):
                row.append(nfc(value))
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
