"""Benchmark the store: periods, small writes and the two backends.

Run from the repository root after ``bash scripts/setup``::

    .venv/bin/python bench/store_bench.py                      # GeoPackage only
    eval "$(bash scripts/pg-test-server start)"                # optional: a local PostGIS
    .venv/bin/python bench/store_bench.py --pg "$HATANGSO_TEST_PG_URL"
    bash scripts/pg-test-server stop

It builds the Bình Định demo (``--base``, default ``../shared/data``) and times, on each
backend, against a baseline in the same run:

* a new period holding one re-imported layer (``mobile_sites``), sharing the other layers,
  against the naive snapshot that rewrites every layer into the new period;
* a small write (one saved result, what a review decision or a saved coverage is), in place
  in a transaction, against the whole-file copy-and-replace the first store used for
  every write;
* ``write_demo`` and ``read_all`` of the latest period.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from geodata.store import LayerMeta, Store
from geodata.store.gpkg import GpkgBackend
from hatangso.demo import build_demo, write_demo
from tests.conftest import pg_database_url


def _timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _fresh_pg(server: str) -> str:
    name = f"hatangso_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name} TEMPLATE hatangso_test_template")
    return pg_database_url(server, name)


def bench(label: str, make: Callable[[], Store], demo: object, repeat: int) -> None:
    """Print the figures of one backend."""
    store = make()
    t_write = _timed(lambda: write_demo(demo, make()), 1)  # type: ignore[arg-type]
    write_demo(demo, store)  # type: ignore[arg-type]
    t_read = _timed(lambda: store.read_all(), repeat)
    sites = store.read("mobile_sites")
    everything = store.read_all()
    meta = {name: LayerMeta("bench", "-", synthetic=True) for name in everything}
    counter = iter(range(1, 10_000))

    def shared_period() -> None:
        day = f"2030-{next(counter) % 12 + 1:02d}-{next(counter) % 28 + 1:02d}"
        store.write({"mobile_sites": sites}, {"mobile_sites": meta["mobile_sites"]}, as_of=day)

    def full_snapshot() -> None:
        day = f"2031-{next(counter) % 12 + 1:02d}-{next(counter) % 28 + 1:02d}"
        store.write(everything, meta, as_of=day)

    t_shared = _timed(shared_period, repeat)
    t_full = _timed(full_snapshot, repeat)

    def small_write() -> None:
        store.save_result(f"bench:{next(counter)}", "bench", {}, {"x": 1})

    def small_write_copy() -> None:  # what every write cost before: stage a whole copy
        with store._backend.writing(copy=True) as writer:  # noqa: SLF001 - the baseline
            writer.tx.execute(
                "INSERT INTO hatangso_results VALUES (?,?,?,?,?,?)",
                (store.period, f"bench:{next(counter)}", "bench", "", "{}", "{}"),
            )

    t_small = _timed(small_write, repeat * 4)
    print(f"\n{label}")
    print(f"  write_demo (2 periods, 16,489 features)        {t_write:8.3f} s")
    print(f"  read_all (latest period)                       {t_read:8.3f} s")
    print(
        f"  new period, mobile_sites only (shared)         {t_shared:8.3f} s   "
        f"baseline full snapshot {t_full:.3f} s  ratio {t_full / t_shared:5.1f}x"
    )
    line = f"  small write in a transaction                   {t_small * 1000:8.1f} ms"
    if isinstance(store._backend, GpkgBackend):  # noqa: SLF001 - only a file has a copy to stage
        t_copy = _timed(small_write_copy, repeat)
        line += f"  baseline copy+replace {t_copy * 1000:.1f} ms  ratio {t_copy / t_small:5.1f}x"
    print(line)


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="../shared/data")
    parser.add_argument("--pg", help="a PostgreSQL server URL with hatangso_test_template")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    demo = build_demo(Path(args.base))
    with tempfile.TemporaryDirectory() as tmp:
        bench(
            "GeoPackage", lambda: Store(Path(tmp) / f"{uuid.uuid4().hex}.gpkg"), demo, args.repeat
        )
    if args.pg:
        bench("PostgreSQL + PostGIS", lambda: Store(_fresh_pg(args.pg)), demo, args.repeat)


if __name__ == "__main__":
    main()
