"""The store on both backends: a GeoPackage file and a PostGIS database.

Every test here that takes ``backend_store`` runs twice, on an empty GeoPackage and on a
fresh PostGIS database (``$HATANGSO_TEST_PG_URL``; see scripts/pg-test-server): round trips
of every contract layer, periods, atomicity, concurrent writers and a writer killed in
the middle of a write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import multiprocessing
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import geodata.store.backend
from geodata import Store
from geodata.errors import StoreError
from geodata.store import LayerMeta
from hatangso.demo import build_demo, write_demo
from tests.conftest import units_frame

P1, P2, P3 = "2024-06-30", "2024-12-31", "2025-06-30"
META = LayerMeta(source="test", licence="test", synthetic=True)
REVIEWS = "test_reviews"
BIG = 20_000  # features in the layer a killed writer is writing


def meta_for(*names: str) -> dict[str, LayerMeta]:
    """The same test metadata for every name."""
    return dict.fromkeys(names, META)


def sites(tag: int, count: int = 3) -> gpd.GeoDataFrame:
    """A small mobile_sites layer whose ``height_m`` is ``tag`` (to tell versions apart)."""
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{tag}-{i}" for i in range(count)],
            "operator": ["Viettel"] * count,
            "tech": ["4G"] * count,
            "height_m": [float(tag)] * count,
        },
        geometry=[shapely.Point(108.7 + i / 100, 14.2) for i in range(count)],
        crs=4326,
    )


def clusters(tag: int, count: int = BIG) -> gpd.GeoDataFrame:
    """A clusters layer of ``count`` points whose ``households`` is ``tag``."""
    rng = np.random.default_rng(tag)
    return gpd.GeoDataFrame(
        {
            "cluster_id": [f"C{tag}-{i}" for i in range(count)],
            "village_id": ["V1"] * count,
            "households": np.full(count, tag, dtype=np.int64),
        },
        geometry=shapely.points(rng.uniform(108.6, 109.3, count), rng.uniform(13.5, 14.7, count)),
        crs=4326,
    )


def tiny_png_tif(value: int) -> bytes:
    """A 2x2 GeoTIFF (EPSG:4326) filled with ``value``."""
    from rasterio.io import MemoryFile
    from rasterio.transform import from_origin

    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=2,
            height=2,
            count=1,
            dtype="uint8",
            crs="EPSG:4326",
            transform=from_origin(108.6, 14.7, 0.1, 0.1),
        ) as dst:
            dst.write(np.full((1, 2, 2), value, dtype=np.uint8))
        return bytes(mem.read())


def table_of(store: Store, layer: str) -> str | None:
    """The table holding ``layer`` in the store's period (sharing is the point)."""
    return store._table_of(layer)


# --------------------------------------------------------------------------- round trips


def test_empty_store(backend_store: Store) -> None:
    assert not backend_store.exists()
    assert not backend_store.has_layer("villages")
    assert not backend_store.has_raster("population_density")
    with pytest.raises(StoreError, match="store"):
        backend_store.check()


def test_units_round_trip(backend_store: Store) -> None:
    units = units_frame()
    backend_store.write({"admin_units": units}, meta_for("admin_units"), as_of=P1, name="t")
    backend_store.check()
    assert_geodataframe_equal(backend_store.read("admin_units"), units)
    info = backend_store.info()
    assert (info.name, info.as_of, info.periods) == ("t", P1, [P1])
    [layer] = info.layers
    assert (layer.layer, layer.feature_count, layer.geometry_type) == ("admin_units", 5, "Polygon")
    assert (layer.source, layer.licence, layer.synthetic) == ("test", "test", True)
    work = backend_store.read_work("admin_units")
    assert work.crs.to_epsg() == 32649


def test_demo_round_trip(backend_store: Store) -> None:
    """Every contract layer of the synthetic sample, with every column type, comes back."""
    demo = build_demo(None)
    write_demo(demo, backend_store)
    first = backend_store.at(demo.as_of.isoformat())
    for name, frame in demo.layers.items():
        got = first.read(name)
        assert_geodataframe_equal(got, frame.reset_index(drop=True))
    assert first.read_raster("population_density") == demo.rasters["population_density"]
    for period in demo.later:
        later = backend_store.at(period.as_of.isoformat())
        for name, frame in period.layers.items():
            assert_geodataframe_equal(later.read(name), frame.reset_index(drop=True))
        shared = set(demo.layers) - set(period.layers)
        for name in shared:  # shared, not copied
            assert table_of(later, name) == table_of(first, name)
            assert_geodataframe_equal(later.read(name), demo.layers[name].reset_index(drop=True))
    info = {i.layer: i for i in first.info().layers}
    assert {n: info[n].feature_count for n in demo.layers} == {
        n: len(f) for n, f in demo.layers.items()
    }
    assert info["admin_units"].geometry_type == "MultiPolygon"
    assert info["villages"].geometry_type == "Point"
    assert info["roads"].geometry_type == "LineString"
    assert info["population_density"].crs is not None


def test_column_types_and_edge_cases(backend_store: Store) -> None:
    """Nulls, Unicode, big integers, reserved words, mixed and missing geometries."""
    frame = gpd.GeoDataFrame(
        {
            "place_id": ["P1", "P2", "P3"],
            "name": ["Làng O2", "Thôn Canh Giao", None],
            "class": ["a", "", "c"],  # a reserved word; empty text is not null
            "count": pd.array([1, None, 2**40], dtype="Int64"),
            "share": [0.5, np.nan, 1e-9],
            "approximate": [True, False, True],
        },
        geometry=[shapely.Point(108.7, 14.2), shapely.box(109.1, 13.8, 109.2, 13.9), None],
        crs=4326,
    )
    backend_store.write({"priority_places": frame}, meta_for("priority_places"), as_of=P1)
    got = backend_store.read("priority_places")
    assert list(got.columns) == [*frame.columns]
    assert got["name"].tolist()[:2] == ["Làng O2", "Thôn Canh Giao"]
    assert pd.isna(got["name"].iloc[2])
    assert got["class"].tolist() == ["a", "", "c"]
    assert got["count"].dtype == np.float64  # as GeoPackage gives a nullable integer back
    assert got["count"].iloc[2] == 2**40
    assert np.isnan(got["count"].iloc[1])
    assert np.isnan(got["share"].iloc[1])
    assert got["approximate"].dtype == bool
    assert got.geometry.iloc[0].equals(frame.geometry.iloc[0])
    assert got.geometry.iloc[1].equals(frame.geometry.iloc[1])
    assert got.geometry.iloc[2] is None
    [info] = backend_store.info().layers
    assert info.geometry_type == "Unknown"


def test_empty_layer(backend_store: Store) -> None:
    empty = sites(0, count=0)
    backend_store.write({"mobile_sites": empty}, meta_for("mobile_sites"), as_of=P1)
    got = backend_store.read("mobile_sites")
    assert len(got) == 0
    assert list(got.columns) == list(empty.columns)
    assert backend_store.info().layers[0].feature_count == 0


def test_rewrite_own_layer(backend_store: Store) -> None:
    """Re-importing a layer into the same period replaces it, in the same table."""
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    table = table_of(backend_store, "mobile_sites")
    backend_store.write({"mobile_sites": sites(2, count=5)}, meta_for("mobile_sites"), as_of=P1)
    assert table_of(backend_store, "mobile_sites") == table
    assert backend_store.read("mobile_sites")["height_m"].tolist() == [2.0] * 5
    assert backend_store.info().layers[0].feature_count == 5


# --------------------------------------------------------------------------- periods


def test_new_period_shares_and_leaves_earlier_unchanged(backend_store: Store) -> None:
    backend_store.write(
        {"admin_units": units_frame(), "mobile_sites": sites(1)},
        meta_for("admin_units", "mobile_sites"),
        as_of=P1,
    )
    before = backend_store.at(P1).info()
    backend_store.write({"mobile_sites": sites(2, count=7)}, meta_for("mobile_sites"), as_of=P2)
    assert backend_store.periods() == [P1, P2]
    old, new = backend_store.at(P1), backend_store.at(P2)
    assert backend_store.period == P2
    # the unchanged layer is shared, the new one is the new period's own
    assert table_of(new, "admin_units") == table_of(old, "admin_units")
    assert table_of(new, "mobile_sites") != table_of(old, "mobile_sites")
    assert_geodataframe_equal(new.read("admin_units"), units_frame())
    assert new.read("mobile_sites")["height_m"].tolist() == [2.0] * 7
    # the earlier period: same data, same counts
    assert old.read("mobile_sites")["height_m"].tolist() == [1.0] * 3
    assert old.info().layers == before.layers
    counts = {i.layer: i.feature_count for i in new.info().layers}
    assert counts == {"admin_units": 5, "mobile_sites": 7}
    assert new.previous_period() == P1
    assert old.previous_period() is None


def test_writing_old_period_leaves_later_one(backend_store: Store) -> None:
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    assert table_of(backend_store.at(P2), "mobile_sites") == table_of(
        backend_store.at(P1), "mobile_sites"
    )
    backend_store.write({"mobile_sites": sites(9, count=4)}, meta_for("mobile_sites"), as_of=P1)
    assert backend_store.at(P1).read("mobile_sites")["height_m"].tolist() == [9.0] * 4
    later = backend_store.at(P2)
    assert later.read("mobile_sites")["height_m"].tolist() == [1.0] * 3
    assert {i.layer: i.feature_count for i in later.info().layers}["mobile_sites"] == 3
    assert not later.has_layer("roads")
    assert not backend_store.at(P1).has_layer("admin_units")


def test_period_between_starts_from_the_one_before(backend_store: Store) -> None:
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    backend_store.write({"mobile_sites": sites(3)}, meta_for("mobile_sites"), as_of=P3)
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    assert backend_store.periods() == [P1, P2, P3]
    assert backend_store.at(P2).read("mobile_sites")["height_m"].iloc[0] == 1.0
    assert not backend_store.at(P3).has_layer("admin_units")
    with pytest.raises(StoreError, match="no period 2030-01-01"):
        backend_store.at("2030-01-01").read("mobile_sites")


def test_results_and_rasters_are_per_period(backend_store: Store) -> None:
    backend_store.write(
        {"mobile_sites": sites(1)},
        {**meta_for("mobile_sites", "population_density", "coverage_4g")},
        as_of=P1,
        rasters={"population_density": tiny_png_tif(1)},
    )
    backend_store.at(P1).save_result("plan_a", "fiber_plan", {"budget": 1}, {"km": 2.5})
    backend_store.write(
        {}, meta_for("coverage_4g"), as_of=P1, rasters={"coverage_4g": tiny_png_tif(7)}
    )
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    old, new = backend_store.at(P1), backend_store.at(P2)
    # results stay with their period; rasters are shared, except the coverage ones
    assert old.result_names() == ["plan_a"]
    assert new.result_names() == []
    assert new.read_result("plan_a") is None
    assert new.read_raster("population_density") == tiny_png_tif(1)
    assert not new.has_raster("coverage_4g")
    assert old.read_raster("coverage_4g") == tiny_png_tif(7)
    # a raster written into the new period leaves the old one's
    new.write({}, meta_for("population_density"), rasters={"population_density": tiny_png_tif(2)})
    assert new.read_raster("population_density") == tiny_png_tif(2)
    assert old.read_raster("population_density") == tiny_png_tif(1)
    new.save_result("plan_a", "fiber_plan", {"budget": 9}, {"km": 1})
    assert old.read_result("plan_a") == {
        "kind": "fiber_plan",
        "created_at": old.read_result("plan_a")["created_at"],  # type: ignore[index]
        "params": {"budget": 1},
        "payload": {"km": 2.5},
    }
    assert new.read_result("plan_a")["params"] == {"budget": 9}  # type: ignore[index]


def test_coverage_dropped_when_layers_change(backend_store: Store) -> None:
    backend_store.write(
        {"mobile_sites": sites(1)},
        meta_for("mobile_sites", "coverage_4g"),
        as_of=P1,
        rasters={"coverage_4g": tiny_png_tif(3)},
        results={
            "coverage": ("coverage", {}, {"villages": 12}),
            "plan_a": ("fiber_plan", {}, {"km": 1}),
        },
    )
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    backend_store.at(P2).save_result("coverage", "coverage", {}, {"villages": 12})
    assert backend_store.result_names() == ["coverage"]
    backend_store.write({"mobile_sites": sites(2)}, meta_for("mobile_sites"), as_of=P1)
    old = backend_store.at(P1)
    assert old.result_names() == ["plan_a"]
    assert not old.has_raster("coverage_4g")
    assert backend_store.at(P2).result_names() == ["coverage"]  # other periods keep theirs


def test_version_changes_with_every_data_write_only(backend_store: Store) -> None:
    seen = [backend_store.version()]
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    seen.append(backend_store.version())
    assert backend_store.version() == seen[-1]  # stable between writes
    backend_store.save_result("x", "note", {}, {})
    seen.append(backend_store.version())
    backend_store.write({"mobile_sites": sites(2)}, meta_for("mobile_sites"), as_of=P2)
    seen.append(backend_store.version())
    assert len(set(seen)) == len(seen)
    # small records (reviews, sign-ins, the audit trail) keep the caches of the data
    with backend_store.transaction() as tx:
        tx.ensure_table(REVIEWS, "n INTEGER PRIMARY KEY, worker INTEGER, seq INTEGER")
        tx.execute(f"INSERT INTO {REVIEWS} VALUES (1, 0, 0)")  # noqa: S608 - test table
    assert backend_store.version() == seen[-1]


# --------------------------------------------------------------------------- atomicity


def test_records_written_with_the_data_commit_or_roll_back_with_it(backend_store: Store) -> None:
    from hatangso import audit

    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)

    def record_then_fail(tx: object) -> None:
        audit.record(tx, "tester", "import", "mobile_sites", {})  # type: ignore[arg-type]
        msg = "audit table full"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="audit table full"):
        backend_store.write(
            {"mobile_sites": sites(2)}, meta_for("mobile_sites"), as_of=P1, also=record_then_fail
        )
    assert backend_store.read("mobile_sites")["height_m"].tolist() == [1.0] * 3
    assert audit.entries(backend_store, action="import").empty
    backend_store.write(
        {"mobile_sites": sites(2)},
        meta_for("mobile_sites"),
        as_of=P1,
        also=lambda tx: audit.record(tx, "tester", "import", "mobile_sites", {"n": 3}),
    )
    assert backend_store.read("mobile_sites")["height_m"].tolist() == [2.0] * 3
    rows = audit.entries(backend_store, action="import")
    assert rows["detail"].tolist() == [{"n": 3}]


def test_failed_write_leaves_last_committed_state(
    backend_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    backend_store.save_result("plan_a", "fiber_plan", {}, {"km": 1})
    before = (backend_store.info(), backend_store.version(), backend_store.result_names())

    def boom(_writer: object) -> None:
        msg = "disk on fire"
        raise RuntimeError(msg)

    # fails after every layer, raster and result is written, before the commit
    monkeypatch.setattr(geodata.store.backend, "collect_garbage", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        backend_store.write(
            {"mobile_sites": sites(2), "admin_units": units_frame()},
            meta_for("mobile_sites", "admin_units", "population_density"),
            as_of=P1,
            rasters={"population_density": tiny_png_tif(1)},
        )
    with pytest.raises(RuntimeError, match="disk on fire"):
        backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    monkeypatch.undo()
    assert (backend_store.info(), backend_store.version(), backend_store.result_names()) == before
    assert backend_store.read("mobile_sites")["height_m"].tolist() == [1.0] * 3
    # and the store takes the next write
    backend_store.write({"admin_units": units_frame()}, meta_for("admin_units"), as_of=P2)
    assert backend_store.periods() == [P1, P2]


def test_failed_transaction_rolls_back(backend_store: Store) -> None:
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    with backend_store.transaction() as tx:
        tx.ensure_table(REVIEWS, "n INTEGER PRIMARY KEY, worker INTEGER, seq INTEGER")
        tx.execute(f"INSERT INTO {REVIEWS} VALUES (?, ?, ?)", (1, 0, 0))  # noqa: S608

    def change_mind() -> None:
        with backend_store.transaction() as tx:
            tx.execute(f"INSERT INTO {REVIEWS} VALUES (?, ?, ?)", (2, 0, 1))  # noqa: S608
            msg = "reviewer changed mind"
            raise ValueError(msg)

    with pytest.raises(ValueError, match="reviewer changed mind"):
        change_mind()
    assert review_rows(backend_store) == [(1, 0, 0)]


def review_rows(store: Store) -> list[tuple[Any, ...]]:
    """The rows of the test table, in order."""
    with store._backend.reading() as tx:
        return tx.rows(f"SELECT n, worker, seq FROM {REVIEWS} ORDER BY n")  # noqa: S608


# --------------------------------------------------------------------------- concurrency


def _reviewer(location: str, worker: int, count: int, start: Any) -> None:
    """Commit ``count`` small transactions, each reading the last number and adding one."""
    store = Store(location)
    start.wait(timeout=120)
    for seq in range(count):
        with store.transaction() as tx:
            tx.ensure_table(REVIEWS, "n INTEGER PRIMARY KEY, worker INTEGER, seq INTEGER")
            last = tx.row(f"SELECT MAX(n) FROM {REVIEWS}")  # noqa: S608
            n = 1 + int(last[0] if last and last[0] is not None else 0)
            time.sleep(0.002)  # widen the window a lost update would need
            tx.execute(f"INSERT INTO {REVIEWS} VALUES (?, ?, ?)", (n, worker, seq))  # noqa: S608


def _importer(location: str, count: int, start: Any) -> None:
    """Import ``count`` versions of a layer (whole-layer writes)."""
    store = Store(location)
    start.wait(timeout=120)
    for tag in range(1, count + 1):
        store.write({"mobile_sites": sites(tag, count=500)}, meta_for("mobile_sites"))


def run_together(*jobs: tuple[Any, tuple[Any, ...]]) -> None:
    """Run each ``(function, args)`` in its own spawned process, started at one moment."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(jobs))
    procs = [ctx.Process(target=fn, args=(*args, start)) for fn, args in jobs]
    for proc in procs:
        proc.start()
    try:
        for proc in procs:
            proc.join(timeout=180)
        assert [p.exitcode for p in procs] == [0] * len(procs)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()


def test_two_sessions_reviewing_at_once_both_kept(backend_store: Store) -> None:
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    location = str(location_of(backend_store))
    run_together((_reviewer, (location, 1, 20)), (_reviewer, (location, 2, 20)))
    rows = review_rows(backend_store)
    assert [r[0] for r in rows] == list(range(1, 41))  # no lost update, no gap
    for worker in (1, 2):
        assert sorted(r[2] for r in rows if r[1] == worker) == list(range(20))


def test_reviews_kept_while_layers_are_imported(backend_store: Store) -> None:
    """A GeoPackage import replaces the file; reviews committed meanwhile must survive."""
    backend_store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    location = str(location_of(backend_store))
    run_together((_reviewer, (location, 1, 20)), (_importer, (location, 5)))
    assert [r[0] for r in review_rows(backend_store)] == list(range(1, 21))
    assert backend_store.read("mobile_sites")["height_m"].tolist() == [5.0] * 500


def location_of(store: Store) -> str:
    """The file or the full URL (with password) to open the same store elsewhere."""
    url = getattr(store._backend, "_url", None)
    return str(url) if url else store.location


# --------------------------------------------------------------------------- killed writers


def _killable_writer(location: str, mode: str, log: str, hang_at: int) -> None:
    """Write in a loop, logging each commit; at write ``hang_at`` stop before committing."""
    store = Store(location)
    log_path = Path(log)

    def note(text: str) -> None:
        with log_path.open("a") as fh:
            fh.write(text + "\n")

    def hang() -> None:
        note("hanging")
        time.sleep(600)

    if mode == "layer":
        real = geodata.store.backend.collect_garbage

        def collect_then_maybe_hang(writer: Any, tag: list[int] = [0]) -> None:  # noqa: B006
            real(writer)
            tag[0] += 1
            if tag[0] == hang_at:
                hang()

        geodata.store.backend.collect_garbage = collect_then_maybe_hang
    for tag in itertools.count(1):
        if mode == "layer":
            store.write({"clusters": clusters(tag)}, meta_for("clusters"))
        else:
            with store.transaction() as tx:
                for i in range(200):
                    tx.execute(f"INSERT INTO {REVIEWS} VALUES (?, ?, ?)", (tag * 1000 + i, tag, i))  # noqa: S608
                if tag == hang_at:
                    hang()
        note(f"committed {tag}")


def committed(log: Path) -> tuple[list[int], bool]:
    """The tags the killed writer logged as committed, and whether it was hanging."""
    lines = log.read_text().split() if log.exists() else []
    tags = [int(t) for t in lines if t.isdigit()]
    return tags, "hanging" in lines


@contextlib.contextmanager
def killable(location: str | Path, mode: str, log: Path, hang_at: int) -> Iterator[Any]:
    """Run :func:`_killable_writer` in a spawned process; make sure it is gone after."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_killable_writer, args=(str(location), mode, str(log), hang_at))
    proc.start()
    try:
        yield proc
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=30)


def wait_for(condition: Any, timeout: float = 120) -> None:
    """Poll ``condition()`` until it is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the writer did not get there in time"
        time.sleep(0.02)


def assert_clusters_state(store: Store, tag: int) -> None:
    """The store holds exactly the clusters layer written with ``tag``, whole."""
    store.check()
    info = {i.layer: i for i in store.info().layers}
    assert info["clusters"].feature_count == BIG
    got = store.read("clusters")
    assert len(got) == BIG
    assert set(got["households"].tolist()) == {tag}
    assert got["cluster_id"].iloc[-1] == f"C{tag}-{BIG - 1}"


@pytest.mark.parametrize("mode", ["layer", "transaction"])
def test_killed_mid_write_leaves_last_commit(
    backend_store: Store, tmp_path: Path, mode: str
) -> None:
    """SIGKILL while a write is done but not yet committed: the last commit is what is read."""
    backend_store.write({"clusters": clusters(0)}, meta_for("clusters"), as_of=P1)
    with backend_store.transaction() as tx:
        tx.ensure_table(REVIEWS, "n INTEGER PRIMARY KEY, worker INTEGER, seq INTEGER")
    log = tmp_path / "writer.log"
    with killable(location_of(backend_store), mode, log, hang_at=3) as proc:
        wait_for(lambda: committed(log)[1] or not proc.is_alive())
        assert proc.is_alive()
        proc.kill()
        proc.join(timeout=30)
    tags, _ = committed(log)
    assert tags == [1, 2]
    if mode == "layer":
        assert_clusters_state(backend_store, 2)
    else:
        assert_clusters_state(backend_store, 0)
        rows = review_rows(backend_store)
        assert sorted({r[1] for r in rows}) == [1, 2]
        assert len(rows) == 400
    # the lock is free again: the next writer gets through
    backend_store.save_result("after", "note", {}, {"ok": True})
    assert backend_store.read_result("after")["payload"] == {"ok": True}  # type: ignore[index]


def test_killed_at_a_random_moment_of_big_writes(backend_store: Store, tmp_path: Path) -> None:
    """SIGKILL anywhere in a loop of big layer writes: the store holds one whole version."""
    backend_store.write({"clusters": clusters(0)}, meta_for("clusters"), as_of=P1)
    log = tmp_path / "writer.log"
    with killable(location_of(backend_store), "layer", log, hang_at=0) as proc:
        wait_for(lambda: len(committed(log)[0]) >= 2 or not proc.is_alive())
        began = time.monotonic()
        wait_for(lambda: len(committed(log)[0]) >= 3 or not proc.is_alive())
        one_write = time.monotonic() - began
        time.sleep(random.uniform(0, one_write))  # noqa: S311 - any moment will do
        assert proc.is_alive()
        proc.kill()
        proc.join(timeout=30)
    tags, _ = committed(log)
    # the last commit logged, or one more that committed before it could be logged
    state = int(backend_store.read("clusters")["households"].iloc[0])
    assert state in (tags[-1], tags[-1] + 1)
    assert_clusters_state(backend_store, state)
    backend_store.write({"clusters": clusters(99, count=10)}, meta_for("clusters"))
    assert backend_store.read("clusters")["households"].tolist() == [99] * 10


# --------------------------------------------------------------------------- PostgreSQL only


def test_pg_messages(pg_server: str, pg_url: str) -> None:
    """Unreachable server, no PostGIS, not a store: each says what is wrong and the fix."""
    import psycopg

    from tests.conftest import pg_database_url

    secret = pg_url.replace("://postgres@", "://postgres:s3cret@")
    assert "s3cret" not in Store(secret).location
    with pytest.raises(StoreError, match="not a Hạ tầng số store") as err:
        Store(secret).check()
    assert "s3cret" not in str(err.value)
    with pytest.raises(StoreError, match="cannot connect to the database"):
        Store("postgresql://nobody:pw@127.0.0.1:1/none").check()
    with pytest.raises(StoreError, match="cannot connect"):
        Store("postgresql://nobody@127.0.0.1:1/none").periods()
    name = f"hatangso_nopostgis_{int(time.time() * 1000)}"
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    plain = pg_database_url(pg_server, name)
    try:
        with pytest.raises(StoreError, match="CREATE EXTENSION postgis"):
            Store(plain).check()
        with pytest.raises(StoreError, match="CREATE EXTENSION postgis"):
            Store(plain).write({"mobile_sites": sites(1)}, meta_for("mobile_sites"))
    finally:
        from geodata.store.pg import close_connections

        close_connections(plain)
        with psycopg.connect(pg_server, autocommit=True) as con:
            con.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_pg_leaves_foreign_tables_alone(pg_url: str) -> None:
    """Only tables the store wrote are collected: a department's own roads_2019 stays."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE roads_2019 (id int, geom geometry(LineString, 4326))")
    store = Store(pg_url)
    store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    store.write({"mobile_sites": sites(2)}, meta_for("mobile_sites"), as_of=P1)
    with psycopg.connect(pg_url) as con:
        found = con.execute("SELECT to_regclass('roads_2019') IS NOT NULL").fetchone()
    assert found == (True,)


def test_pg_demo_refuses_a_store_with_periods(pg_url: str) -> None:
    demo = build_demo(None)
    write_demo(demo, Store(pg_url), written_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    with pytest.raises(StoreError, match="empty database"):
        write_demo(demo, Store(pg_url))


def test_pg_reconnects_when_the_server_dropped_its_connections(pg_url: str) -> None:
    """Idle connections the server closed (restart, idle timeout) are replaced unnoticed."""
    import psycopg

    store = Store(pg_url)
    store.write({"mobile_sites": sites(1)}, meta_for("mobile_sites"), as_of=P1)
    assert store.periods() == [P1]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert store.read("mobile_sites")["height_m"].tolist() == [1.0] * 3
    store.save_result("after", "note", {}, {"ok": True})
    assert store.result_names() == ["after"]


# --------------------------------------------------------------------------- format 1


def test_a_format_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store written before periods (one as_of, no period columns) opens as one period."""
    import sqlite3

    path = tmp_path / "v1.gpkg"
    store = Store(path)
    store.write({"mobile_sites": sites(7)}, meta_for("mobile_sites"), as_of=P1)
    tif = tiny_png_tif(3)
    # Rewrite the metadata as format 1 had it (the layer tables are the same).
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.executescript(
            """
            DROP TABLE hatangso_layers; DROP TABLE hatangso_rasters; DROP TABLE hatangso_blobs;
            DROP TABLE hatangso_results; DROP TABLE hatangso_periods;
            DELETE FROM gpkg_contents WHERE table_name IN ('hatangso_blobs', 'hatangso_periods');
            CREATE TABLE hatangso_layers (layer TEXT PRIMARY KEY, feature_count INTEGER,
              as_of TEXT, source TEXT, licence TEXT, synthetic INTEGER, imported_from TEXT,
              imported_at TEXT);
            CREATE TABLE hatangso_rasters (name TEXT PRIMARY KEY, as_of TEXT, source TEXT,
              licence TEXT, synthetic INTEGER, imported_from TEXT, imported_at TEXT, tif BLOB);
            CREATE TABLE hatangso_results (name TEXT PRIMARY KEY, kind TEXT, created_at TEXT,
              params TEXT, payload TEXT);
            DELETE FROM hatangso_dataset WHERE key = 'data_version';
            UPDATE hatangso_dataset SET value = '1' WHERE key = 'format_version';
            INSERT INTO hatangso_dataset VALUES ('as_of', '2024-06-30');
            INSERT INTO hatangso_layers VALUES ('mobile_sites', 3, '2024-06-30', 'test', 'CC0',
              1, 'sites.csv', '2024-07-01T00:00:00.000Z');
            INSERT INTO hatangso_results VALUES ('coverage', 'coverage', 'x', '{}', '{"a": 1}');
            """
        )
        con.execute(
            "INSERT INTO hatangso_rasters VALUES ('population_density', '2024-06-30', 'test', "
            "'CC0', 1, 'p.tif', 'x', ?)",
            (tif,),
        )
        con.commit()
    upgraded = Store(path)
    assert upgraded.periods() == [P1]
    info = upgraded.info()
    assert [(r.layer, r.feature_count, r.imported_from) for r in info.layers] == [
        ("mobile_sites", 3, "sites.csv"),
        ("population_density", 1, "p.tif"),
    ]
    assert upgraded.read("mobile_sites")["height_m"].tolist() == [7.0] * 3
    assert upgraded.read_raster("population_density") == tif
    assert upgraded.read_result("coverage")["payload"] == {"a": 1}  # type: ignore[index]
    # and it takes a new period like any other store
    upgraded.write({"mobile_sites": sites(8)}, meta_for("mobile_sites"), as_of=P2)
    assert upgraded.at(P1).read("mobile_sites")["height_m"].tolist() == [7.0] * 3
