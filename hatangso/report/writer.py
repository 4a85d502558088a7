"""Writing the report: PDF or Excel by the file's suffix, atomically, through geodata."""

from __future__ import annotations

from pathlib import Path

from geodata.errors import InputError
from geodata.export import atomic_write
from hatangso.report.model import ReportData
from hatangso.report.pdf import pdf_bytes
from hatangso.report.workbook import xlsx_bytes

__all__ = ["REPORT_SUFFIXES", "report_bytes", "write_report"]

REPORT_SUFFIXES = (".pdf", ".xlsx")


def report_bytes(data: ReportData, fmt: str) -> bytes:
    """Return the report as the bytes of a ``pdf`` or ``xlsx`` file (for a download).

    Parameters
    ----------
    data
        What to show.
    fmt
        ``"pdf"`` or ``"xlsx"`` (a leading dot is allowed).

    Returns
    -------
    bytes

    Raises
    ------
    InputError
        For another format.
    """
    suffix = "." + fmt.lower().lstrip(".")
    if suffix == ".pdf":
        return pdf_bytes(data)
    if suffix == ".xlsx":
        return xlsx_bytes(data)
    msg = f"cannot make a report as {fmt!r}; use pdf or xlsx."
    raise InputError(msg)


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
    return atomic_write(path, report_bytes(data, suffix))
