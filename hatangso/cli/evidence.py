"""``hatangso evidence``: the period's prediction set beside its measurements.

Per village (or commune): samples, distinct drives and devices, median and 10th
percentile RSRP, share of samples at or above the threshold, and the class (confirmed
covered, confirmed gap, predicted covered but measured weak, predicted gap but measured
covered, no evidence), with the open signal complaints; the confusion table per operator
and technology and the share of villages with evidence (rules: docs/EVIDENCE.md). An
operator (``--as``) sees only its own operator's rows.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError
from hatangso.cli.common import (
    EXIT_OK,
    as_option,
    identity,
    log,
    period_option,
    requested_operator,
)
from hatangso.formatting import fmt_int, fmt_num, fmt_pct

if TYPE_CHECKING:
    import pandas as pd

    from hatangso.evidence import EvidenceView

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evidence`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser(
        "evidence", help="predicted coverage against measurements (confusion table per operator)"
    )
    p.add_argument("store")
    period_option(p)
    as_option(p)
    p.add_argument(
        "--level",
        choices=("village", "commune", "cluster", "cell"),
        default="village",
        help="rows of the table: villages with samples, class counts per commune, "
        "clusters with samples, or grid cells (1 km, measured figures only)",
    )
    p.add_argument("--operator", help="only this operator's rows (e.g. Viettel, VNPT)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_cmd_evidence)


def _cmd_evidence(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.access import check_layer_request
    from hatangso.evidence import NO_MEASUREMENTS_HINT, commune_table, load_evidence

    operator = requested_operator(args.operator)
    store = Store(args.store, period=args.period)
    _, role = identity(store, args.user)
    operator = check_layer_request(role, "coverage", operator=operator) or operator
    info = store.info()
    if not store.has_layer("measurements"):
        msg = (
            f"{store.location}: period {info.as_of} holds no measurements, so there is "
            f"nothing to compare the prediction with; {NO_MEASUREMENTS_HINT}."
        )
        raise InputError(msg)
    log.info("reading %s, period %s; computing coverage", store.location, info.as_of)
    view = load_evidence(store, role=role, operator=operator)
    if args.level == "commune":
        table = commune_table(view, view.comparison.villages.drop_duplicates("village_id"))
    elif args.level == "cluster":
        table = view.clusters[view.clusters["n_samples"] > 0].reset_index(drop=True)
    elif args.level == "cell":
        table = view.cells
    else:
        table = view.villages[view.villages["n_samples"] > 0].reset_index(drop=True)
    if args.json:
        payload = {
            "ok": True,
            "as_of": info.as_of,
            "dataset": info.name,
            "operator": operator,
            "level": args.level,
            **view.to_dict(),
            "rows": _rows(table),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_text(view, table, args.level, info.name, info.as_of, operator))  # noqa: T201
    return EXIT_OK


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    from hatangso.evidence import records

    return records(table)


def _local_day(utc_iso: str, *, last: bool = False) -> str:
    """Return the Vietnamese calendar day of a window bound (the day before an exclusive end)."""
    import pandas as pd

    local = pd.Timestamp(utc_iso).tz_convert("Asia/Ho_Chi_Minh")
    if last:
        local -= pd.Timedelta(seconds=1)
    return local.date().isoformat()


_SHORT = {
    "confirmed_covered": "conf.covered",
    "confirmed_gap": "conf.gap",
    "predicted_covered_measured_weak": "pred.cov/weak",
    "predicted_gap_measured_covered": "pred.gap/cov",
    "no_evidence": "no evidence",
}


def _text(  # noqa: PLR0913
    view: EvidenceView,
    table: pd.DataFrame,
    level: str,
    name: str,
    as_of: str | None,
    operator: str | None,
) -> str:
    from hatangso.evidence import evidence_line

    c = view.comparison
    lines = [
        f"{name}, as of {as_of}: predicted against measured"
        + (f", operator {operator}" if operator else ""),
        (
            f"samples counted: {fmt_int(c.samples_in_window, 'en')} measured from "
            f"{_local_day(c.window_start)} to {_local_day(c.window_end, last=True)} "
            "(Vietnam time); "
            f"{fmt_int(c.samples_outside_window, 'en')} outside the window"
        ),
        (
            f"evidence: {c.settings.rule('en')}; measured covered: "
            f"{c.coverage_settings.rule(language='en')} (docs/EVIDENCE.md)"
        ),
        evidence_line(view, "en"),
        "",
    ]
    conf = view.confusion
    if not len(conf):
        lines.append("no samples in the window for the rows you may see.")
        return "\n".join(lines)
    head = f"{'operator':<13}{'tech':<5}" + "".join(f"{_SHORT[k]:>15}" for k in _SHORT)
    lines += [head + f"{'with evidence':>15}"]
    for row in conf.to_dict(orient="records"):
        cells = "".join(f"{fmt_int(row[k], 'en'):>15}" for k in _SHORT)
        share = fmt_pct(row["with_evidence_pct"], "en", 1, trim=False)
        lines.append(f"{row['operator']:<13}{row['tech']:<5}{cells}{share:>15}")
    lines.append("")
    if level == "commune":
        shown = ["commune_id", "operator", "tech", "villages", *_SHORT, "with_evidence"]
        lines.append(table[shown].rename(columns=_SHORT).to_string(index=False, max_rows=400))
        return "\n".join(lines)
    if level in ("cluster", "cell"):
        label = "clusters with samples" if level == "cluster" else "grid cells with samples"
        lines.append(
            f"{label} ({fmt_int(len(table), 'en')} rows):\n"
            + table.to_string(index=False, max_rows=400)
        )
        return "\n".join(lines)
    out = table[
        [
            "village_id",
            "name",
            "operator",
            "tech",
            "n_samples",
            "n_drives",
            "n_devices",
            "median_dbm",
            "p10_dbm",
            "share_above_pct",
            "evidence_class",
            "complaints_open",
        ]
    ].copy()
    for col in ("median_dbm", "p10_dbm", "share_above_pct"):
        out[col] = out[col].map(lambda v: fmt_num(v, 1, "en"))
    out["evidence_class"] = out["evidence_class"].map(_SHORT)
    lines.append(
        f"villages with samples ({fmt_int(len(out), 'en')} rows):\n"
        + out.to_string(index=False, max_rows=400)
    )
    return "\n".join(lines)
