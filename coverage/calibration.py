"""A calibration of the path-loss model on measurements, and how the engine applies it.

A :class:`Calibration` is the outcome of :func:`coverage.calibration_fit.fit_calibration`:
per operator × technology × environment (the receiver's clutter class) a correction of
the predicted median RSRP

.. code-block:: text

    Δ(d) = a + b · log10(d_km)        (a: dB at 1 km; b: dB per decade of distance)

added to every site-point pair of that operator and technology whose point lies in that
environment (:func:`coverage.mobile.best_signal`, ``calibration=``); d is the distance
from the site (at least :data:`coverage.pathloss.MIN_DISTANCE_M`). An environment
without a group of its own takes the operator-level offset (b = 0); an operator or
technology without measurements is not corrected. The calibration also carries the
residual σ per environment measured by blocked cross-validation; when it is used, the
location-probability margin takes that σ (:meth:`Calibration.settings_for`) for the
environments that had enough samples, the default σ elsewhere.

It says who made it, when, in which period and on which data, and serialises to JSON
(:meth:`Calibration.to_dict`, :meth:`Calibration.from_dict`) so that the store keeps it
by name in a period (``hatangso calibrate --save NAME``). Every figure computed with it
names it (:meth:`Calibration.note`, :func:`model_note`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from coverage import pathloss
from coverage.settings import CoverageSettings
from coverage.shadowing import ENVIRONMENTS

__all__ = ["Calibration", "GroupFit", "OperatorFit", "model_note"]

FloatArray = npt.NDArray[np.float64]

#: The JSON layout of a saved calibration (raise when the layout changes).
FORMAT = 1


@dataclass(frozen=True)
class OperatorFit:
    """The operator-level offset of one operator and technology (all environments pooled).

    Attributes
    ----------
    operator, tech
        The group.
    offset_db
        Robust (Huber) mean residual, measured − predicted, dB (an operator and
        technology with too few samples has no ``OperatorFit`` and is not corrected).
    samples, drives
        Samples and distinct drives (routes) it rests on.
    """

    operator: str
    tech: str
    offset_db: float
    samples: int
    drives: int


@dataclass(frozen=True)
class GroupFit:
    """The correction of one operator × technology × environment.

    Attributes
    ----------
    operator, tech, environment
        The group (``environment``: ``urban``, ``suburban``, ``rural`` or ``open``).
    offset_db
        ``a``: the correction at 1 km, dB, after shrinkage towards the operator level.
    slope_db_per_decade
        ``b``: dB per decade of distance, after shrinkage (and within the slope cap).
    sigma_db
        Robust σ of the group's residuals after the correction (1.4826 · MAD), dB.
    samples, drives
        Samples and distinct drives of the group used by the fit.
    weight
        The group's own share of the correction (1: its own fit; 0: the operator level).
    raw_offset_db, raw_slope_db_per_decade
        The group's own robust fit before shrinkage.
    """

    operator: str
    tech: str
    environment: str
    offset_db: float
    slope_db_per_decade: float
    sigma_db: float
    samples: int
    drives: int
    weight: float
    raw_offset_db: float
    raw_slope_db_per_decade: float


@dataclass(frozen=True)
class Calibration:
    """A named calibration of the path-loss model (see the module docstring).

    Attributes
    ----------
    name
        The name it is saved under in the period.
    created_by, created_at
        Who made it and when (ISO 8601, UTC).
    period
        The store's period whose measurements it was fitted on.
    data
        What it rests on: ``samples`` (used), ``samples_read``, ``drives``, ``campaigns``,
        ``first``/``last`` measurement times, ``source_kinds``, ``excluded`` (reason ->
        count).
    groups
        The per-group corrections.
    operators
        The operator-level offsets (the fallback of an environment without a group).
    sigma_db
        Residual σ per environment from blocked cross-validation (held-out RMSE after
        calibration), only for environments with enough samples.
    method
        The fit's settings (``coverage.calibration_groups.FitSettings`` as a mapping).
    validation
        The blocked cross-validation report (folds, blocks, before/after per group and
        overall), as :func:`coverage.calibration_fit.cross_validate` gives it.
    """

    name: str
    created_by: str
    created_at: str
    period: str | None
    data: Mapping[str, Any]
    groups: tuple[GroupFit, ...]
    operators: tuple[OperatorFit, ...]
    sigma_db: Mapping[str, float] = field(default_factory=dict)
    method: Mapping[str, Any] = field(default_factory=dict)
    validation: Mapping[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ applying

    def corrections(self, tech: str, operators: list[str]) -> tuple[FloatArray, FloatArray]:
        """Return ``a`` and ``b`` per operator (rows) and environment (columns).

        Parameters
        ----------
        tech
            Technology.
        operators
            Operators in the order of the rows.

        Returns
        -------
        tuple of numpy.ndarray
            ``(a_db, b_db_per_decade)``, each ``(len(operators), 4)``; an environment
            without a group takes the operator-level offset (b = 0), an operator
            without measurements 0.

        Examples
        --------
        >>> cal = Calibration("x", "me", "2026-12-05T00:00:00Z", None, {}, (),
        ...                   (OperatorFit("Viettel", "4G", 2.5, 100, 9),))
        >>> a, b = cal.corrections("4G", ["VNPT", "Viettel"])
        >>> a.tolist(), b.tolist()
        ([[0.0, 0.0, 0.0, 0.0], [2.5, 2.5, 2.5, 2.5]], [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
        """
        row = {op: i for i, op in enumerate(operators)}
        a = np.zeros((len(operators), len(ENVIRONMENTS)))
        b = np.zeros((len(operators), len(ENVIRONMENTS)))
        for fit in self.operators:
            if fit.tech == tech and fit.operator in row:
                a[row[fit.operator], :] = fit.offset_db
        env = {name: k for k, name in enumerate(ENVIRONMENTS)}
        for g in self.groups:
            if g.tech == tech and g.operator in row:
                a[row[g.operator], env[g.environment]] = g.offset_db
                b[row[g.operator], env[g.environment]] = g.slope_db_per_decade
        return a, b

    def max_correction_db(self, tech: str, operators: list[str], max_range_m: float) -> FloatArray:
        """Return the largest correction any distance can get, per operator and environment.

        ``a + max(b · log10(d_km))`` over ``MIN_DISTANCE_M <= d <= max_range_m``: the
        amount by which a site's search reach must be widened (or may be narrowed) so that
        it stays an upper bound of where the calibrated signal can meet a rule.
        """
        a, b = self.corrections(tech, operators)
        lo = math.log10(pathloss.MIN_DISTANCE_M / 1000.0)
        hi = math.log10(max(max_range_m, pathloss.MIN_DISTANCE_M) / 1000.0)
        return np.asarray(a + np.maximum(b * lo, b * hi), dtype=np.float64)

    def settings_for(self, settings: CoverageSettings) -> CoverageSettings:
        """Return ``settings`` with the shadowing σ of the environments the calibration measured.

        Examples
        --------
        >>> cal = Calibration("x", "me", "2026-12-05T00:00:00Z", None, {}, (), (),
        ...                   sigma_db={"rural": 7.0})
        >>> dict(cal.settings_for(CoverageSettings()).shadowing_sigma_db)
        {'urban': 6.0, 'suburban': 6.0, 'rural': 7.0, 'open': 8.0}
        """
        sigma = dict(settings.shadowing_sigma_db)
        sigma.update({k: float(v) for k, v in self.sigma_db.items() if k in sigma})
        return dataclasses.replace(settings, shadowing_sigma_db=sigma)

    def note(self, language: Literal["vi", "en"] = "vi") -> str:
        """Say which model produced a figure (see :func:`model_note`)."""
        return model_note(self, language=language)

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """Return the calibration as a JSON-ready mapping (:meth:`from_dict` reads it)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "period": self.period,
            "data": dict(self.data),
            "groups": [dataclasses.asdict(g) for g in self.groups],
            "operators": [dataclasses.asdict(o) for o in self.operators],
            "sigma_db": dict(self.sigma_db),
            "method": dict(self.method),
            "validation": dict(self.validation),
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Calibration:
        """Read a calibration written by :meth:`to_dict`.

        Raises
        ------
        ValueError
            For a mapping that is not a calibration of a known format.
        """
        if value.get("format") != FORMAT:
            msg = (
                f"calibration {value.get('name')!r} has format {value.get('format')!r}; "
                f"this version reads format {FORMAT}: fit it again with `hatangso calibrate`."
            )
            raise ValueError(msg)
        return cls(
            name=str(value["name"]),
            created_by=str(value["created_by"]),
            created_at=str(value["created_at"]),
            period=value.get("period"),
            data=dict(value.get("data", {})),
            groups=tuple(GroupFit(**g) for g in value.get("groups", [])),
            operators=tuple(OperatorFit(**o) for o in value.get("operators", [])),
            sigma_db={str(k): float(v) for k, v in dict(value.get("sigma_db", {})).items()},
            method=dict(value.get("method", {})),
            validation=dict(value.get("validation", {})),
        )


def model_note(calibration: Calibration | None, *, language: Literal["vi", "en"] = "vi") -> str:
    """Say which model produced a figure: uncalibrated, or calibration NAME of a date.

    Parameters
    ----------
    calibration
        The calibration used, or ``None``.
    language
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> model_note(None)
    'mô hình chưa hiệu chỉnh'
    >>> cal = Calibration("do-2024", "cli:an", "2026-12-05T08:00:00Z", "2024-12-31", {}, (), ())
    >>> model_note(cal)
    "hiệu chỉnh 'do-2024' (ngày 05/12/2026)"
    >>> model_note(cal, language="en")
    "calibration 'do-2024' (2026-12-05)"
    """
    if language not in ("vi", "en"):
        msg = f"`language` must be 'vi' or 'en'; got {language!r}."
        raise ValueError(msg)
    if calibration is None:
        return "mô hình chưa hiệu chỉnh" if language == "vi" else "uncalibrated model"
    day = _day(calibration.created_at)
    if language == "vi":
        when = f" (ngày {day.strftime('%d/%m/%Y')})" if day else ""
        return f"hiệu chỉnh '{calibration.name}'{when}"
    when = f" ({day.isoformat()})" if day else ""
    return f"calibration '{calibration.name}'{when}"


def _day(stamp: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(stamp).date()  # Python 3.11 reads a final Z
    except ValueError:
        return None
