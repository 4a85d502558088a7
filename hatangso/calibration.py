"""Calibrations in the store: fit one on a period's measurements, save it by name, load it.

A calibration (:class:`coverage.calibration.Calibration`) is kept in the period it was
fitted in, as a saved result named ``calibration:NAME`` of kind ``calibration``
(the store's results table, in both backends; saving one never drops the period's
coverage). ``hatangso calibrate STORE --save NAME`` makes one
(:func:`calibrate_store`, :func:`save_calibration`); ``hatangso coverage --calibration
NAME`` and the app's choice load it (:func:`load_calibration`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from geodata.errors import InputError

if TYPE_CHECKING:
    from coverage.calibration import Calibration
    from coverage.calibration_groups import FitSettings
    from geodata.store import Store

__all__ = [
    "PREFIX",
    "calibrate_store",
    "calibration_names",
    "clean_name",
    "load_calibration",
    "save_calibration",
]

#: Saved calibrations are results named ``calibration:NAME``.
PREFIX = "calibration:"
KIND = "calibration"


def clean_name(name: str) -> str:
    """Return a calibration's name as saved: letters, digits, ``-``, ``_`` and ``.``.

    Raises
    ------
    geodata.InputError
        For a name with nothing left.

    Examples
    --------
    >>> clean_name("Đo kiểm 2024")
    'Đo-kiểm-2024'
    """
    clean = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFC", name)).strip("-.")[:60]
    if not clean:
        msg = f"give the calibration a name of letters, digits, - and . (got {name!r})."
        raise InputError(msg)
    return clean


def calibration_names(store: Store) -> list[str]:
    """Return the names of the calibrations saved in the store's period."""
    if not store.exists() or not store.periods():
        return []
    return [n.removeprefix(PREFIX) for n in store.result_names(PREFIX)]


def save_calibration(store: Store, calibration: Calibration) -> None:
    """Save ``calibration`` by its name into the store's period (replacing one of that name)."""
    store.save_result(
        PREFIX + clean_name(calibration.name),
        KIND,
        {"method": dict(calibration.method), "created_by": calibration.created_by},
        calibration.to_dict(),
    )


def load_calibration(store: Store, name: str) -> Calibration:
    """Return the calibration saved as ``name`` in the store's period.

    Raises
    ------
    geodata.InputError
        For a name the period does not hold (listing the names it holds), or a saved
        calibration this version cannot read.
    """
    from coverage.calibration import Calibration

    saved = store.read_result(PREFIX + name)
    if saved is None or saved.get("kind") != KIND:
        names = calibration_names(store)
        held = ", ".join(names) or "none (make one: hatangso calibrate STORE --save NAME)"
        msg = (
            f"{store.location}: period {store.period} has no calibration {name!r}; "
            f"it holds: {held}."
        )
        raise InputError(msg)
    try:
        return Calibration.from_dict(saved["payload"])
    except (ValueError, KeyError, TypeError) as err:
        msg = f"{store.location}: calibration {name!r} cannot be read: {err}"
        raise InputError(msg) from None


def calibrate_store(
    store: Store, name: str, *, created_by: str, fit: FitSettings | None = None
) -> Calibration:
    """Fit a calibration on the measurements of the store's period (not saved).

    Parameters
    ----------
    store
        The store, bound to the period to use.
    name
        The calibration's name.
    created_by
        Who makes it (the audit actor).
    fit
        The method (default :data:`coverage.calibration_groups.DEFAULT_FIT`).

    Returns
    -------
    coverage.calibration.Calibration

    Raises
    ------
    geodata.InputError
        Without measurements or mobile sites in the period, or when the usable samples
        are too few to validate.
    """
    import numpy as np

    from coverage.calibration_fit import fit_calibration
    from coverage.calibration_groups import DEFAULT_FIT, predict_samples
    from coverage.engine import model_grids
    from geodata.crs import WORK_CRS

    fit = fit or DEFAULT_FIT
    clean = clean_name(name)
    for layer, how in (
        ("measurements", "hatangso import FILE --layer measurements --into STORE"),
        ("mobile_sites", "hatangso import FILE --layer mobile_sites --into STORE"),
    ):
        if not store.has_layer(layer):
            msg = (
                f"{store.location}: period {store.period} has no {layer}; import it first ({how})."
            )
            raise InputError(msg)
    measurements = store.read("measurements", crs=WORK_CRS)
    sites = store.read("mobile_sites", crs=WORK_CRS)
    grids = model_grids(store)
    samples = predict_samples(
        measurements,
        sites,
        density=grids["population_density"],
        elevation=grids["elevation"],
        land_cover=grids["land_cover"],
        fit=fit,
    )
    times = measurements["measured_at"].astype(str) if "measured_at" in measurements else None
    data = {
        "samples_read": len(measurements),
        "drives": int(measurements["drive_id"].nunique()) if "drive_id" in measurements else None,
        "campaigns": sorted(measurements["campaign"].dropna().astype(str).unique().tolist())
        if "campaign" in measurements
        else [],
        "source_kinds": sorted(measurements["source_kind"].dropna().astype(str).unique().tolist())
        if "source_kind" in measurements
        else [],
        "first": None if times is None or not len(times) else str(times.min()),
        "last": None if times is None or not len(times) else str(times.max()),
        "operators": sorted(np.unique(samples["operator"]).tolist()),
        "techs": sorted(np.unique(samples["tech"]).tolist()),
        "clutter": "land cover" if grids["land_cover"] is not None else "population density",
        "terrain": grids["elevation"] is not None,
    }
    try:
        return fit_calibration(
            samples, name=clean, created_by=created_by, period=store.period, data=data, fit=fit
        )
    except ValueError as err:
        msg = f"{store.location}: cannot calibrate on the measurements of {store.period}: {err}"
        raise InputError(msg) from None
