"""``hatangso demo``: build the Bình Định demo store (:mod:`hatangso.demo`).

Beside the store it writes the illustrative storm scenario (``<store>-bao-minh-hoa.geojson``,
synthetic: :func:`hatangso.demo.resilience.demo_storm`) for ``hatangso resilience
scenario``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hatangso.cli.common import EXIT_OK, log
from hatangso.formatting import fmt_int

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser("demo", help="build the Bình Định demo store")
    p.add_argument(
        "--base",
        help="folder with the real base layers (layout of ../shared/data); without it a "
        "small synthetic sample area is built",
    )
    p.add_argument("--out", required=True, help="the store to write (.gpkg)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    import datetime as dt

    from geodata.export import write_table
    from geodata.store import Store
    from hatangso.demo import build_demo, write_demo
    from hatangso.demo.resilience import demo_storm

    start = time.perf_counter()

    def progress(message: str) -> None:
        log.info("[%5.1f s] %s", time.perf_counter() - start, message)

    base = Path(args.base) if args.base else None
    dataset = build_demo(base, seed=args.seed, progress=progress)
    progress("writing the store")
    out = Store(args.out)
    if out.exists():
        out.check()  # never replace a file that is not a store of ours
    write_demo(dataset, out, written_at=dt.datetime.combine(dataset.as_of, dt.time()))
    storm = write_table(demo_storm(dataset.layers["admin_units"]), storm_path(args.out))
    info = out.info()
    progress("done")
    if args.json:
        print(json.dumps(info.as_dict(), ensure_ascii=False, indent=2))  # noqa: T201
    else:
        counts = ", ".join(
            f"{row.layer} {fmt_int(row.feature_count)}"
            for row in info.layers
            if row.kind == "vector"
        )
        print(  # noqa: T201
            f"wrote {out.location}: {info.name}, periods {', '.join(info.periods)} "
            f"(latest {info.as_of}): {counts}; illustrative storm scenario: {storm}."
        )
    return EXIT_OK


def storm_path(store: str | Path) -> Path:
    """Return where the demo's storm scenario is written, beside the store.

    Examples
    --------
    >>> storm_path("/tmp/demo.gpkg").name
    'demo-bao-minh-hoa.geojson'
    """
    store = Path(store)
    return store.with_name(f"{store.stem}-bao-minh-hoa.geojson")
