"""Exceptions and warnings of the whole tool.

Every error caused by the user's input derives from :class:`InputError`; the command
line turns those into exit status 2 with the readable report and never a traceback.
Like rasterio's errors, each class also derives from a builtin, so callers can catch
either (``except ValueError`` keeps working).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CRSProblem",
    "HatangsoError",
    "InputError",
    "InputFileError",
    "LayerValidationError",
    "LegacyEncodingWarning",
    "Problem",
    "StoreError",
]


class HatangsoError(Exception):
    """Root of every error raised by Hạ tầng số."""


class InputError(HatangsoError):
    """The user's input is wrong; the message says where and how to fix it."""


class InputFileError(InputError, OSError):
    """A file cannot be read at all (missing, truncated, wrong format)."""


class CRSProblem(InputError, ValueError):
    """Coordinates and their reference system do not fit together."""


class StoreError(InputError, OSError):
    """The data store is missing, unreadable or not a Hạ tầng số GeoPackage."""


class LegacyEncodingWarning(UserWarning):
    """Text looks like it is in a legacy Vietnamese encoding (TCVN3 or VNI)."""


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of validation.

    Parameters
    ----------
    message
        What is wrong, with the offending values.
    fix
        What the user should do about it.
    row
        1-based row (CSV/Excel: the spreadsheet row, header = row 1) or feature number.
    feature_id
        The feature's id when it has one.
    column
        The column concerned (the file's own column name when it was renamed).
    severity
        ``"error"`` refuses the file; ``"warning"`` is reported but lets it through.
    """

    message: str
    fix: str = ""
    row: int | None = None
    feature_id: str | None = None
    column: str | None = None
    severity: Severity = "error"
    row_label: str = "row"

    def format(self) -> str:
        """Return the one-line human form, e.g. ``row 4 (village_id 'V4'), column …``."""
        where: list[str] = []
        if self.row is not None:
            where.append(f"{self.row_label} {self.row}")
        if self.feature_id is not None:
            where.append(f"id {self.feature_id!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-ready mapping."""
        return {
            "severity": self.severity,
            "row": self.row,
            "row_label": self.row_label,
            "feature_id": self.feature_id,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class LayerValidationError(InputError, ValueError):
    """A layer file failed validation; carries every problem found, not just the first."""

    source: str
    layer: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Initialise the exception message from the problems."""
        super().__init__(self.report())

    @property
    def errors(self) -> list[Problem]:
        """The problems that refuse the file."""
        return [p for p in self.problems if p.severity == "error"]

    def report(self) -> str:
        """Return the readable multi-line report the command line prints."""
        return format_report(self.source, self.layer, self.problems)

    def __str__(self) -> str:
        """Return the report."""
        return self.report()


def format_report(source: str, layer: str, problems: list[Problem]) -> str:
    """Format problems the way the command line and the app show them.

    Parameters
    ----------
    source
        The file name.
    layer
        The contract layer the file was read as.
    problems
        The findings.

    Returns
    -------
    str
        ``"<file>: layer 'villages' failed validation (2 problems):"`` and one line a problem.
    """
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors:
        n = len(errors)
        head = f"{source}: layer {layer!r} failed validation ({n} problem{'s' * (n != 1)}):"
    else:
        head = f"{source}: layer {layer!r} is valid."
    lines = [head]
    lines += [f"  - {p.format()}" for p in errors]
    if warnings:
        lines.append(f"  {len(warnings)} warning{'s' * (len(warnings) != 1)}:")
        lines += [f"  - {p.format()}" for p in warnings]
    return "\n".join(lines)
