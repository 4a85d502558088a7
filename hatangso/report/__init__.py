"""The report for the provincial leadership: a PDF and an Excel workbook, in Vietnamese.

:func:`build_report` computes the coverage of a store's period and fills a
:class:`ReportData` (:mod:`hatangso.report.assembly`); :func:`write_report` writes it as a
PDF (:mod:`hatangso.report.pdf`, with the map of gaps of :mod:`hatangso.report.gapmap`) or
an Excel workbook (:mod:`hatangso.report.workbook`), chosen by the file's suffix, through
:func:`geodata.export.atomic_write`; :func:`report_bytes` gives the same file as bytes for a
download. :mod:`hatangso.report.model` holds the plain data the layouts are given.
"""

from hatangso.report.assembly import build_report as build_report
from hatangso.report.assembly import saved_plans as saved_plans
from hatangso.report.gapmap import render_map as render_map
from hatangso.report.model import GapMap as GapMap
from hatangso.report.model import Indicator as Indicator
from hatangso.report.model import ReportData as ReportData
from hatangso.report.model import ReportTable as ReportTable
from hatangso.report.writer import REPORT_SUFFIXES as REPORT_SUFFIXES
from hatangso.report.writer import report_bytes as report_bytes
from hatangso.report.writer import write_report as write_report

__all__ = [
    "REPORT_SUFFIXES",
    "GapMap",
    "Indicator",
    "ReportData",
    "ReportTable",
    "build_report",
    "render_map",
    "report_bytes",
    "saved_plans",
    "write_report",
]
