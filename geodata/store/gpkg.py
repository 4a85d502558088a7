"""The store in a GeoPackage file: the backend behind a ``.gpkg`` path (the default).

Layer tables are plain GeoPackage feature tables written by GDAL (pyogrio); the metadata
tables are attribute tables registered in ``gpkg_contents`` so any GIS lists them.
Writers take turns on an exclusive lock file beside the store (``bd.gpkg.lock``). A write
that adds layers goes to a temporary copy of the file that replaces the store with
:func:`os.replace` only when complete and checked; small writes (results, reviews) are
SQLite transactions in place. A format-1 file (one period) is upgraded when checked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geodata.crs import STORE_CRS
from geodata.errors import StoreError
from geodata.store.backend import (
    FORMAT_VERSION,
    Tx,
    Writer,
    ensure_tables,
    now_stamp,
    put_blob,
    put_dataset_value,
)

__all__ = ["GpkgBackend"]

log = logging.getLogger(__name__)


class _GpkgWriter:
    def __init__(self, path: Path, con: sqlite3.Connection, tx: Tx) -> None:
        self.path = path
        self.con = con
        self.tx = tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None:
        self.con.commit()  # GDAL opens the file itself; on a staging copy this is safe
        with _gdal_date(stamp):
            # Arrow: the same table and values, written about 1.6x faster (a million
            # measurement samples, bench/evidence_bench.py).
            pyogrio.write_dataframe(
                _storable(frame),
                self.path,
                layer=table,
                driver="GPKG",
                promote_to_multi=False,
                use_arrow=True,
            )

    def drop_table(self, table: str) -> None:
        _drop_gpkg_table(self.con, table)

    def feature_tables(self) -> list[str]:
        return [str(r[0]) for r in self.con.execute("SELECT table_name FROM gpkg_geometry_columns")]


class GpkgBackend:
    """The GeoPackage backend: one file, a lock file beside it.

    Parameters
    ----------
    path
        The ``.gpkg`` file (need not exist until the first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def exists(self) -> bool:
        """Return whether the file exists."""
        return self.path.exists()

    def check(self) -> None:
        """Raise :class:`StoreError` unless the file is a store; upgrade a format-1 store."""
        if not self.path.exists():
            msg = (
                f"{self.path}: no such store. Create it with `hatangso demo --out {self.path}` "
                f"or `hatangso import FILE --layer NAME --into {self.path}`."
            )
            raise StoreError(msg)
        try:
            with self._connect(self.path) as con:
                tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
                columns = {r[1] for r in con.execute("PRAGMA table_info(hatangso_layers)")}
        except sqlite3.DatabaseError as err:
            msg = (
                f"{self.path}: is not a readable GeoPackage ({err}). Restore it from a "
                "backup or build it again."
            )
            raise StoreError(msg) from None
        if "hatangso_layers" not in tables:
            msg = (
                f"{self.path}: is a GeoPackage but not a Hạ tầng số store (no "
                "hatangso_layers table). Import its layers into a new store with "
                "`hatangso import`."
            )
            raise StoreError(msg)
        if "period" not in columns:
            self._upgrade_v1()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Tx]:
        """Yield a read-only transaction (not serialised with writers)."""
        with self._connect(self.path) as con:
            yield Tx(con.cursor(), qmark=True, register=lambda _name, _stamp: None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Yield a write transaction in place, holding the lock file."""
        with self._locked(), self._connect(self.path) as con:
            con.isolation_level = None
            con.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(con.cursor(), qmark=True, register=functools.partial(_register_gpkg, con))
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @contextlib.contextmanager
    def writing(self, *, copy: bool) -> Iterator[Writer]:
        """Yield a writer: in place for SQL only, else on a staging copy of the file.

        With ``copy`` (or when the store does not exist yet) the writer works on a
        temporary copy that replaces the store only when the block completes.
        """
        if not copy and self.path.exists():
            with self.transaction() as tx:
                yield _NoFrames(tx)
            return
        with self._locked(), self._staging() as tmp, self._connect(tmp) as con:
            tx = Tx(con.cursor(), qmark=True, register=functools.partial(_register_gpkg, con))
            yield _GpkgWriter(tmp, con, tx)
            con.commit()
            check = con.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":  # pragma: no cover - defensive
                msg = f"{self.path}: the new store failed SQLite's integrity check; not written."
                raise StoreError(msg)

    def read_frame(self, table: str) -> gpd.GeoDataFrame:
        """Read a layer table with pyogrio."""
        try:
            # Arrow reads about 3x faster (a million samples); a column with no value
            # at all comes back as text, so it is made the object column GDAL's row
            # reader gives, and every layer reads exactly as before.
            frame = pyogrio.read_dataframe(
                self.path, layer=table, fid_as_index=False, use_arrow=True
            )
        except (DataSourceError, DataLayerError) as err:
            msg = f"{self.path}: table {table!r} cannot be read ({err})."
            raise StoreError(msg) from None
        for col in frame.columns:
            if col != frame.geometry.name and frame[col].isna().all():
                frame[col] = frame[col].astype(object)
        return frame

    def geometry_types(self) -> dict[str, str]:
        """Return each layer table's geometry type, as pyogrio names it."""
        return {str(n): str(t) for n, t in pyogrio.list_layers(self.path)}

    def version(self) -> str:
        """Return a token from the file's inode, modification time and size."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return "missing"
        return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"

    # internals

    @staticmethod
    def _connect(path: Path) -> contextlib.closing[sqlite3.Connection]:
        return contextlib.closing(sqlite3.connect(path, timeout=60))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock beside the store so concurrent writers take turns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _staging(self) -> Iterator[Path]:
        """Yield a temporary copy of the store; replace the store with it on success."""
        tmp = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex}.tmp.gpkg")
        try:
            if self.path.exists():
                self.check()  # also rolls back a hot journal left by a killed writer
                shutil.copyfile(self.path, tmp)
            else:
                _create_empty_gpkg(tmp)
            yield tmp
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            tmp.replace(self.path)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    def _upgrade_v1(self) -> None:
        """Turn a format-1 store (one period, no period columns) into format 2, in place."""
        log.info("%s: upgrading the store to format %s", self.path, FORMAT_VERSION)
        with self.transaction() as tx:
            columns = {r[1] for r in tx.rows("PRAGMA table_info(hatangso_layers)")}
            if "period" in columns:  # another process upgraded it meanwhile
                return
            found = tx.row("SELECT value FROM hatangso_dataset WHERE key = 'as_of'")
            period = str(found[0]) if found else dt.datetime.now(dt.UTC).date().isoformat()
            for old in ("hatangso_layers", "hatangso_rasters", "hatangso_results"):
                tx.execute(f"ALTER TABLE {old} RENAME TO {old}_v1")
            ensure_tables(tx)
            tx.execute(
                "INSERT INTO hatangso_layers SELECT ?, layer, layer, feature_count, as_of, "
                "source, licence, synthetic, imported_from, imported_at FROM hatangso_layers_v1",
                (period,),
            )
            for name, as_of, source, licence, synthetic, imp_from, imp_at, tif in tx.rows(
                "SELECT name, as_of, source, licence, synthetic, imported_from, imported_at, "
                "tif FROM hatangso_rasters_v1"
            ):
                digest = put_blob(tx, bytes(tif))
                tx.execute(
                    "INSERT INTO hatangso_rasters VALUES (?,?,?,?,?,?,?,?,?)",
                    (period, name, as_of, source, licence, synthetic, imp_from, imp_at, digest),
                )
            tx.execute(
                "INSERT INTO hatangso_results SELECT ?, name, kind, created_at, params, payload "
                "FROM hatangso_results_v1",
                (period,),
            )
            for old in ("hatangso_layers", "hatangso_rasters", "hatangso_results"):
                tx.execute(f"DROP TABLE {old}_v1")
            tx.execute("INSERT INTO hatangso_periods VALUES (?, ?)", (period, now_stamp()))
            tx.execute("DELETE FROM hatangso_dataset WHERE key = 'as_of'")
            put_dataset_value(tx, "format_version", FORMAT_VERSION)


class _NoFrames:
    """A writer for an in-place transaction: SQL only."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None:
        del frame, stamp
        msg = f"internal: layer table {table} must be written through a staging copy"
        raise AssertionError(msg)

    def drop_table(self, table: str) -> None:
        msg = f"internal: layer table {table} must be dropped through a staging copy"
        raise AssertionError(msg)

    def feature_tables(self) -> list[str]:
        return []


def _storable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy GDAL can write: nullable ints as floats only where needed, text as str."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].astype(object)
    return out


def _register_gpkg(con: sqlite3.Connection, table: str, stamp: str) -> None:
    """Register an attribute table in ``gpkg_contents`` so GIS tools list it."""
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "description, last_change) VALUES (?, 'attributes', ?, ?, ?)",
        (table, table, "Hạ tầng số metadata", stamp),
    )


def _drop_gpkg_table(con: sqlite3.Connection, table: str) -> None:
    """Drop a GeoPackage feature table with its spatial index and registrations."""
    geom = con.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    if geom is not None:
        con.execute(f'DROP TABLE IF EXISTS "rtree_{table}_{geom[0]}"')
    con.execute(f'DROP TABLE IF EXISTS "{table}"')
    for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents", "gpkg_extensions"):
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (table,))  # noqa: S608
    con.commit()


def _create_empty_gpkg(path: Path) -> None:
    """Create a GeoPackage with only its core tables (no layers yet)."""
    empty = gpd.GeoDataFrame({"x": []}, geometry=gpd.GeoSeries([], crs=STORE_CRS))
    pyogrio.write_dataframe(empty, path, layer="_empty", driver="GPKG")
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("DROP TABLE _empty")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = '_empty'")
        con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = '_empty'")
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = '_empty'")
        con.commit()


@contextlib.contextmanager
def _gdal_date(stamp: str) -> Iterator[None]:
    """Make GDAL stamp ``gpkg_contents.last_change`` with ``stamp`` (reproducible files)."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
