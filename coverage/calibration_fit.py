"""Fitting a calibration of the path-loss model on measurements, with blocked cross-validation.

Steps 1-3 (per-group fit) live in :mod:`coverage.calibration_groups`; steps 4-5
(cross-validation, the whole fit) here.

The steps, each a function:

1. :func:`predict_samples`: for every measurement, the model's prediction from its
   serving site. A sample rarely names its serving cell, so the serving site is taken to
   be the **best server of the sample's operator** (:func:`coverage.mobile.best_signal`,
   the operator's best median RSRP at the sample's point) and ``d`` the distance to it.
   The residual is ``measured − predicted`` (dB).
2. :func:`fit_groups`: per operator × technology × environment (the receiver's clutter
   class) a correction ``Δ = a + b·log10(d_km)`` by a robust regression: the Huber
   M-estimator by iteratively reweighted least squares (:func:`huber_fit`), tuning
   constant ``c = 1.345`` times the residuals' scale (1.4826 · MAD), 95 % efficient
   under normal errors while a sample 5 σ off weighs as little as one at 1.3 σ.
   The slope is capped (``|b| <= slope_cap_db`` dB per decade; at the cap the offset is
   refitted with the slope fixed) and a group whose distances span too little
   (std of log10 d below ``min_log_spread``) gets an offset only. A group with few samples
   or few drives is **shrunk towards its operator's level** (the operator × technology
   Huber offset over every environment, b = 0): the correction is
   ``w·(a_g + b_g·x) + (1 − w)·a_op`` with
   ``w = min(1, n / full_weight_samples) · min(1, drives / full_weight_drives)``;
   an operator × technology with fewer than ``min_operator_samples`` samples is not
   corrected at all.
3. **Censoring.** A sample exists only where a phone decoded a cell, so near the phone's
   sensitivity floor only the samples that shadowing lifted are logged, and their
   residuals are biased upwards. The fit therefore excludes samples at the floor
   (``measured <= floor_dbm[tech]``) and keeps only those whose predicted median is at
   least ``censor_margin_db`` above the floor (15 dB ≈ 1.9 σ at σ = 8 dB: about 3 % of a
   group at the selection's edge is lost to the floor). The selection is made twice: on
   the uncalibrated prediction, then on the prediction corrected by the first fit (a
   model that is 10 dB optimistic would otherwise keep edge samples whose true median is
   near the floor). Selecting on the prediction, not on the measured value, does not
   bias the regression.
4. :func:`cross_validate`: **spatially blocked** K-fold cross-validation. Whole blocks
   are held out: drives (``drive_id``, one continuous route) or square grid blocks
   (``block_size_m`` = 5 km, the default), never random points, whose neighbours share
   their shadowing and flatter the error (:func:`block_keys` offers ``"random"`` only to
   show that). Blocks are dealt to folds largest first, each to the fold with the fewest
   samples, from a seeded shuffle. Every fold is fitted (steps 2-3) on the other folds'
   samples only, and predicts its own. Reported per group, per operator × technology,
   per environment and overall: RMSE and mean error (ME) of the residuals before
   (uncalibrated) and after (held out), on the same samples (those of the first
   selection).
5. :func:`fit_calibration`: the calibration fitted on all samples, its validation, and
   the residual σ per environment: the held-out RMSE after calibration where the
   environment has at least ``min_sigma_samples`` samples. That σ contains the
   measurement noise and the fit's own error besides shadowing, so it errs towards a
   larger margin; the engine uses it for the location-probability margin when the
   calibration is applied (:meth:`coverage.calibration.Calibration.settings_for`).

References: P. J. Huber, "Robust estimation of a location parameter", Ann. Math.
Statist. 35 (1964); P. W. Holland and R. E. Welsch, "Robust regression using iteratively
reweighted least-squares", Commun. Statist. A6 (1977); D. R. Roberts et al.,
"Cross-validation strategies for data with temporal, spatial, hierarchical, or
phylogenetic structure", Ecography 40 (2017) (blocked cross-validation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from coverage.calibration import Calibration, GroupFit, OperatorFit
from coverage.calibration_groups import (
    DEFAULT_FIT,
    Blocks,
    FitSettings,
    corrections_for,
    fit_groups,
    selection,
)
from coverage.shadowing import ENVIRONMENTS

__all__ = [
    "CrossValidation",
    "assign_folds",
    "block_keys",
    "cross_validate",
    "fit_calibration",
]

FloatArray = npt.NDArray[np.float64]

# --------------------------------------------------------------------------- validation


def block_keys(
    samples: pd.DataFrame, blocks: Blocks, *, size_m: float = 5000.0
) -> npt.NDArray[np.object_]:
    """Return the block each sample belongs to: its drive, its grid block, or itself.

    ``"random"`` makes every sample its own block (random-point cross-validation, which
    flatters the error on spatially correlated data; for comparison only).
    """
    if blocks == "drive":
        return samples["drive"].astype(str).to_numpy(dtype=object)
    if blocks == "grid":
        col = np.floor(samples["x"].to_numpy() / size_m).astype(np.int64)
        row = np.floor(samples["y"].to_numpy() / size_m).astype(np.int64)
        return np.array([f"{c}:{r}" for c, r in zip(col, row, strict=True)], dtype=object)
    if blocks == "random":
        return np.arange(len(samples)).astype(str).astype(object)
    msg = f"blocks must be 'drive' or 'grid'; got {blocks!r}."
    raise ValueError(msg)


def assign_folds(keys: npt.ArrayLike, folds: int, *, seed: int = 0) -> npt.NDArray[np.int64]:
    """Deal whole blocks to ``folds`` folds, largest first, each to the lightest fold.

    Examples
    --------
    >>> assign_folds(["a", "a", "b", "c", "c", "c"], 2).tolist()
    [1, 1, 1, 0, 0, 0]
    """
    uniq, inverse, counts = np.unique(np.asarray(keys), return_inverse=True, return_counts=True)
    k = max(1, min(int(folds), len(uniq)))
    order = np.random.default_rng(seed).permutation(len(uniq))
    order = order[np.argsort(-counts[order], kind="stable")]
    load = np.zeros(k, dtype=np.int64)
    fold_of = np.zeros(len(uniq), dtype=np.int64)
    for b in order.tolist():
        f = int(np.argmin(load))
        fold_of[b] = f
        load[f] += counts[b]
    return fold_of[inverse.reshape(-1)]


@dataclass(frozen=True)
class CrossValidation:
    """The outcome of :func:`cross_validate`.

    Attributes
    ----------
    fold
        Per sample the fold of its block (-1: a block without any evaluated sample,
        always in training); only samples of the first selection are evaluated.
    before_dbm, after_dbm
        Per sample the residual before (uncalibrated) and after (the held-out fold's
        calibration), NaN where not evaluated.
    fits
        Per fold, the ``(groups, operators, used)`` fitted without it.
    report
        The figures (JSON-ready): ``overall``, ``groups``, ``operators``,
        ``environments``, ``folds``, ``blocks``.
    """

    fold: npt.NDArray[np.int64]
    before_dbm: FloatArray
    after_dbm: FloatArray
    fits: list[tuple[tuple[GroupFit, ...], tuple[OperatorFit, ...], npt.NDArray[np.bool_]]]
    report: dict[str, Any]


def _stats(before: FloatArray, after: FloatArray) -> dict[str, Any]:
    def rms(v: FloatArray) -> float | None:
        return round(float(np.sqrt(np.mean(v**2))), 3) if len(v) else None

    def me(v: FloatArray) -> float | None:
        return round(float(np.mean(v)), 3) if len(v) else None

    return {
        "samples": len(before),
        "rmse_before_db": rms(before),
        "me_before_db": me(before),
        "rmse_after_db": rms(after),
        "me_after_db": me(after),
        "sd_after_db": round(float(np.std(after)), 3) if len(after) else None,
    }


def cross_validate(samples: pd.DataFrame, fit: FitSettings = DEFAULT_FIT) -> CrossValidation:
    """Blocked K-fold cross-validation of the calibration (module docstring, step 4).

    Parameters
    ----------
    samples
        :func:`~coverage.calibration_groups.predict_samples`.
    fit
        The method, ``folds`` and ``blocks`` among it.

    Returns
    -------
    CrossValidation

    Raises
    ------
    ValueError
        When the evaluated samples fall in fewer than two blocks.
    """
    evaluated = selection(samples, fit)["used"]
    keys = block_keys(samples, fit.blocks, size_m=fit.block_size_m)
    if len(set(keys[evaluated].tolist())) < 2:
        msg = (
            f"cross-validation needs the usable samples in at least two {fit.blocks} blocks; "
            f"they are in {len(set(keys[evaluated].tolist()))}."
        )
        raise ValueError(msg)
    # Every sample of a block goes with its block (even one the first selection leaves
    # out: the second may take it); the folds are balanced on the evaluated samples.
    fold = np.full(len(samples), -1, dtype=np.int64)
    fold[evaluated] = assign_folds(keys[evaluated], fit.folds, seed=fit.seed)
    of_block = dict(zip(keys[evaluated].tolist(), fold[evaluated].tolist(), strict=True))
    rest = ~evaluated
    fold[rest] = [of_block.get(key, -1) for key in keys[rest].tolist()]
    resid = (samples["measured_dbm"] - samples["predicted_dbm"]).to_numpy(dtype=np.float64)
    before = np.where(evaluated, resid, np.nan)
    after = np.full(len(samples), np.nan)
    fits = []
    for k in range(int(fold.max()) + 1):
        held = fold == k
        train = samples[~held]  # the held-out blocks' samples never reach the fit
        groups, operators, used = fit_groups(train, fit)
        fits.append((groups, operators, used))
        scored = held & evaluated
        after[scored] = resid[scored] - corrections_for(samples[scored], groups, operators)
    report = _report(samples, evaluated, before, after, fit, int(fold.max()) + 1)
    return CrossValidation(fold, before, after, fits, report)


def _report(  # noqa: PLR0913
    samples: pd.DataFrame,
    evaluated: npt.NDArray[np.bool_],
    before: FloatArray,
    after: FloatArray,
    fit: FitSettings,
    folds: int,
) -> dict[str, Any]:
    frame = samples.loc[evaluated, ["operator", "tech", "environment", "drive"]].copy()
    frame["environment"] = [ENVIRONMENTS[int(e)] for e in frame["environment"]]
    frame["_b"], frame["_a"] = before[evaluated], after[evaluated]

    def table(keys: list[str]) -> list[dict[str, Any]]:
        rows = []
        for key, part in frame.groupby(keys, sort=True):
            values = key if isinstance(key, tuple) else (key,)
            row: dict[str, Any] = dict(zip(keys, (str(v) for v in values), strict=True))
            row["drives"] = int(part["drive"].nunique())
            row.update(_stats(part["_b"].to_numpy(), part["_a"].to_numpy()))
            rows.append(row)
        return rows

    overall = _stats(frame["_b"].to_numpy(), frame["_a"].to_numpy())
    overall["drives"] = int(frame["drive"].nunique())
    return {
        "blocks": fit.blocks,
        "block_size_m": fit.block_size_m if fit.blocks == "grid" else None,
        "folds": folds,
        "overall": overall,
        "operators": table(["operator", "tech"]),
        "environments": table(["environment"]),
        "groups": table(["operator", "tech", "environment"]),
    }


def fit_calibration(  # noqa: PLR0913
    samples: pd.DataFrame,
    *,
    name: str,
    created_by: str,
    period: str | None,
    data: Mapping[str, Any] | None = None,
    fit: FitSettings = DEFAULT_FIT,
    created_at: str | None = None,
) -> Calibration:
    """Fit a calibration on all samples, validate it, and measure σ per environment.

    Parameters
    ----------
    samples
        :func:`~coverage.calibration_groups.predict_samples`.
    name, created_by, period
        Provenance.
    data
        What the samples are (counts, campaigns, time range); the counts of samples
        used and excluded (by reason) are added.
    fit
        The method.
    created_at
        ISO time (default now, UTC).

    Returns
    -------
    coverage.calibration.Calibration
    """
    groups, operators, used = fit_groups(samples, fit)
    validation = cross_validate(samples, fit)
    sigma = {
        row["environment"]: float(row["rmse_after_db"])
        for row in validation.report["environments"]
        if row["samples"] >= fit.min_sigma_samples and row["rmse_after_db"] is not None
    }
    reasons = selection(samples, fit)
    summary = dict(data or {})
    summary["samples_used"] = int(used.sum())
    summary["excluded"] = {
        k: int(v.sum()) for k, v in reasons.items() if k != "used" and int(v.sum())
    }
    moved = int((reasons["used"] & ~used).sum())  # left out by the calibrated prediction
    if moved:
        summary["excluded"]["near_floor_calibrated"] = moved
    when = created_at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z"
    )
    return Calibration(
        name=name,
        created_by=created_by,
        created_at=when,
        period=period,
        data=summary,
        groups=groups,
        operators=operators,
        sigma_db=sigma,
        method=fit.as_dict(),
        validation=validation.report,
    )
