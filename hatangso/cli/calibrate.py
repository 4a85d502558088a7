"""``hatangso calibrate``: fit the path-loss model on a period's measurements, and save it.

The fit and its validation are :mod:`coverage.calibration_fit` (robust offset and slope
per operator × technology × environment, spatially blocked cross-validation); the store
glue is :mod:`hatangso.calibration`. The text output gives the operators' offsets, the
held-out RMSE and mean error before and after, per group and overall, and the residual σ
per environment; ``--json`` the whole calibration.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from hatangso.cli.common import EXIT_OK, cli_actor, log, period_option, record_audit
from hatangso.formatting import fmt_num

if TYPE_CHECKING:
    from coverage.calibration import Calibration

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``calibrate`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso``.
    """
    p = sub.add_parser(
        "calibrate",
        help="fit the path-loss model on the measurements (blocked cross-validation) and save it",
        description="Fit a correction a + b·log10(d_km) of the predicted RSRP per operator × "
        "technology × environment on the period's measurements (Huber regression, groups "
        "with few samples or drives shrunk towards the operator's offset, samples near the "
        "phones' floor left out), validated by K-fold cross-validation holding out whole "
        "5 km grid blocks or whole drives. Use it with `hatangso coverage --calibration NAME`.",
    )
    p.add_argument("store")
    period_option(p)
    p.add_argument("--save", metavar="NAME", help="save the calibration under NAME in the period")
    p.add_argument("--folds", type=int, default=5, help="K of the K-fold cross-validation (5)")
    p.add_argument(
        "--blocks",
        choices=("grid", "drive"),
        default="grid",
        help="what is held out whole: 5 km grid blocks (default) or drives (routes)",
    )
    p.add_argument("--json", action="store_true", help="print the calibration as JSON")
    p.set_defaults(handler=_cmd_calibrate)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from coverage.calibration_groups import FitSettings
    from geodata.errors import InputError
    from geodata.store import Store
    from hatangso.calibration import calibrate_store, clean_name, save_calibration

    if args.folds < 2:
        msg = f"--folds must be at least 2; got {args.folds}."
        raise InputError(msg)
    store = Store(args.store, period=args.period)
    store.check()
    actor = cli_actor()
    name = clean_name(args.save) if args.save else "unsaved"
    log.info("calibrating on the measurements of %s, period %s", store.location, store.period)
    calibration = calibrate_store(
        store, name, created_by=actor, fit=FitSettings(folds=args.folds, blocks=args.blocks)
    )
    if args.save:
        save_calibration(store, calibration)
        record_audit(
            store,
            actor,
            "calibration_saved",
            f"calibration:{name}",
            {"period": store.period, "samples": calibration.data.get("samples_used")},
        )
        log.info("saved calibration %r into %s, period %s", name, store.location, store.period)
    if args.json:
        out = {"ok": True, "saved": bool(args.save), "calibration": calibration.to_dict()}
        print(json.dumps(out, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(calibration_text(calibration, saved=bool(args.save)))  # noqa: T201
    return EXIT_OK


def _db(value: float | None) -> str:
    return "-" if value is None else fmt_num(value, 1)


def calibration_text(calibration: Calibration, *, saved: bool) -> str:
    """Return the command's text: offsets, before/after per group and overall, σ."""
    v: dict[str, Any] = dict(calibration.validation)
    data = calibration.data
    overall = v.get("overall", {})
    if v.get("blocks") == "grid":
        block = f"{fmt_num(v['block_size_m'] / 1000)} km grid blocks"
    else:
        block = "drives"
    excluded = data.get("excluded") or {}
    lines = [
        (
            f"calibration {calibration.name!r}, period {calibration.period}, "
            f"by {calibration.created_by}, {calibration.created_at}"
        ),
        (
            f"data: {fmt_num(data.get('samples_read', 0))} samples read, "
            f"{fmt_num(data.get('samples_used', 0))} used, {data.get('drives')} drives; "
            f"campaigns: {', '.join(data.get('campaigns') or []) or '-'}; "
            f"{data.get('first') or '-'} … {data.get('last') or '-'}"
        ),
        "excluded: " + (", ".join(f"{k} {fmt_num(n)}" for k, n in excluded.items()) or "none"),
        "",
        "operator offsets (measured − predicted, dB; all environments):",
    ]
    lines.extend(
        f"  {o.operator:<12} {o.tech}  {_db(o.offset_db):>6} dB  "
        f"({fmt_num(o.samples)} samples, {o.drives} drives)"
        for o in calibration.operators
    )
    lines += [
        "",
        f"held-out residuals, {v.get('folds')}-fold cross-validation by {block} (dB):",
        (
            f"  {'operator':<12} {'tech':<4} {'environment':<11} {'n':>6}  {'RMSE before':>11} "
            f"{'ME before':>9}  {'RMSE after':>10} {'ME after':>8}      a     b    w"
        ),
    ]
    fits = {(g.operator, g.tech, g.environment): g for g in calibration.groups}
    for row in v.get("groups", []):
        g = fits.get((row["operator"], row["tech"], row["environment"]))
        ab = (
            f"{_db(g.offset_db):>5} {_db(g.slope_db_per_decade):>5} {fmt_num(g.weight, 2):>4}"
            if g
            else "(operator level)"
        )
        lines.append(
            f"  {row['operator']:<12} {row['tech']:<4} {row['environment']:<11} "
            f"{fmt_num(row['samples']):>6}  {_db(row['rmse_before_db']):>11} "
            f"{_db(row['me_before_db']):>9}  {_db(row['rmse_after_db']):>10} "
            f"{_db(row['me_after_db']):>8}  {ab}"
        )
    sigma = ", ".join(f"{env} {_db(s)} dB" for env, s in calibration.sigma_db.items())
    lines += [
        "",
        (
            f"overall held-out: RMSE {_db(overall.get('rmse_before_db'))} dB before → "
            f"{_db(overall.get('rmse_after_db'))} dB after; mean error "
            f"{_db(overall.get('me_before_db'))} → {_db(overall.get('me_after_db'))} dB "
            f"({fmt_num(overall.get('samples', 0))} samples)"
        ),
        (
            "residual σ per environment (held-out RMSE after; the 90 % margin uses it with "
            "this calibration): " + (sigma or "none measured (the defaults stay)")
        ),
        (
            f"saved as {calibration.name!r}: "
            f"hatangso coverage STORE --calibration {calibration.name}"
            if saved
            else "not saved (add --save NAME)"
        ),
    ]
    return "\n".join(lines)
