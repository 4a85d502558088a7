"""The data store: one data set, its periods, written atomically.

A store holds successive *periods* (snapshots named by their ``as_of`` date, e.g.
``2024-06-30`` and ``2024-12-31``). Each period has the contract's layers (EPSG:4326),
rasters (GeoTIFF) and named results (coverage, plans). Periods share what did not change:
a layer's table is written once and every later period that did not re-import that layer
points to the same table, so importing an operator's new site list into a new period
neither copies the other layers nor touches the earlier periods.

Two backends hold the same tables:

* a GeoPackage file (the embedded default) — any GIS opens it; layer tables are plain
  GeoPackage feature tables and the metadata tables are registered attribute tables;
* PostgreSQL with PostGIS for a department server, selected by a
  ``postgresql://`` URL (:mod:`geodata.store.pg`).

The metadata tables:

``hatangso_dataset``
    key/value: ``name``, ``format_version``.
``hatangso_periods``
    one row a period.
``hatangso_layers``
    one row a layer of a period: the table holding it, feature count, the layer's own
    ``as_of``, source, licence, ``synthetic`` flag, the file it came from and when.
``hatangso_rasters`` / ``hatangso_blobs``
    one row a raster of a period; the GeoTIFF bytes once per content (sha256).
``hatangso_results``
    named results of a period (coverage, plans) as JSON.

Every write is serialised (a lock beside the file; an advisory lock on PostgreSQL) and
atomic: on a GeoPackage, a write that adds layers goes to a temporary copy that replaces
the store with :func:`os.replace` only when complete; small writes (results, reviews) are
SQLite transactions in place. A failed or killed write leaves the last committed state.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from geodata.crs import STORE_CRS, WORK_CRS
from geodata.errors import StoreError
from geodata.raster import Grid, grid_from_bytes
from geodata.schemas import LAYERS
from geodata.validate import ValidationContext

__all__ = [
    "FORMAT_VERSION",
    "DatasetInfo",
    "LayerInfo",
    "LayerMeta",
    "Store",
    "Tx",
    "is_database_url",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = "2"

_BOOL_COLUMNS = ("has_electricity", "is_commune_centre", "approximate", "synthetic")


@dataclass(frozen=True)
class LayerMeta:
    """Where a layer comes from.

    Parameters
    ----------
    source
        Human-readable source and processing.
    licence
        The licence the data is under.
    synthetic
        Whether the layer was generated rather than observed (shown as such everywhere).
    """

    source: str
    licence: str
    synthetic: bool


@dataclass(frozen=True)
class LayerInfo:
    """A layer (or raster) of a store's period, as ``hatangso layers`` lists it."""

    layer: str
    kind: str
    feature_count: int
    geometry_type: str | None
    crs: str | None
    as_of: str | None
    source: str
    licence: str
    synthetic: bool
    imported_from: str | None
    imported_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class DatasetInfo:
    """The data set: its name, the period shown, its layers and every period held."""

    path: str
    name: str
    as_of: str | None
    layers: list[LayerInfo]
    periods: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "path": self.path,
            "name": self.name,
            "as_of": self.as_of,
            "periods": list(self.periods),
            "layers": [info.as_dict() for info in self.layers],
        }


# Portable DDL in the GeoPackage's column types; :class:`Tx` maps them for PostgreSQL.
_TABLES = {
    "hatangso_dataset": "key TEXT PRIMARY KEY, value TEXT",
    "hatangso_periods": "period TEXT PRIMARY KEY, created_at TEXT",
    "hatangso_layers": (
        "period TEXT NOT NULL, layer TEXT NOT NULL, table_name TEXT NOT NULL, "
        "feature_count INTEGER, as_of TEXT, source TEXT, licence TEXT, synthetic INTEGER, "
        "imported_from TEXT, imported_at TEXT, PRIMARY KEY (period, layer)"
    ),
    "hatangso_rasters": (
        "period TEXT NOT NULL, name TEXT NOT NULL, as_of TEXT, source TEXT, licence TEXT, "
        "synthetic INTEGER, imported_from TEXT, imported_at TEXT, sha256 TEXT NOT NULL, "
        "PRIMARY KEY (period, name)"
    ),
    "hatangso_blobs": "sha256 TEXT PRIMARY KEY, data BLOB NOT NULL",
    "hatangso_results": (
        "period TEXT NOT NULL, name TEXT NOT NULL, kind TEXT, created_at TEXT, params TEXT, "
        "payload TEXT, PRIMARY KEY (period, name)"
    ),
}


_PG_TYPES = {"INTEGER": "BIGINT", "DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA"}


def is_database_url(location: str | Path) -> bool:
    """Return whether ``location`` names a PostgreSQL database rather than a file."""
    return str(location).startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


# --------------------------------------------------------------------------- backends


class Tx:
    """One transaction on the store's database, with SQL written once for both backends.

    SQL uses ``?`` placeholders and the GeoPackage's column types (``TEXT``, ``INTEGER``,
    ``DOUBLE``, ``BLOB``), which PostgreSQL gets as ``BIGINT``, ``DOUBLE PRECISION`` and
    ``BYTEA``; upserts use ``INSERT ... ON CONFLICT ... DO UPDATE``.

    Parameters
    ----------
    cursor
        A DB-API cursor (``sqlite3`` or ``psycopg``).
    qmark
        Whether the driver takes ``?`` placeholders (SQLite) or ``%s`` (psycopg).
    """

    def __init__(
        self,
        cursor: Any,  # noqa: ANN401 - a DB-API cursor of either driver
        *,
        qmark: bool,
        register: Callable[[str, str], None],
    ) -> None:
        self._cur = cursor
        self.stamp = _now_stamp()
        """The time recorded for this transaction (fixed by the demo for reproducibility)."""
        self._qmark = qmark
        self._register = register

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        if not self._qmark:  # psycopg: %s placeholders, a literal % doubled
            sql = sql.replace("%", "%%").replace("?", "%s")
        self._cur.execute(sql, tuple(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""
        self.execute(sql, params)
        return [tuple(r) for r in self._cur.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a query and return its first row, or ``None``."""
        self.execute(sql, params)
        found = self._cur.fetchone()
        return None if found is None else tuple(found)

    def ensure_table(self, name: str, columns: str) -> None:
        """Create a table (portable DDL) when it does not exist, registered for GIS tools."""
        ddl = columns
        if not self._qmark:  # PostgreSQL's names for the GeoPackage types
            for gpkg, pg in _PG_TYPES.items():
                ddl = re.sub(rf"\b{gpkg}\b", pg, ddl)
        self.execute(f"CREATE TABLE IF NOT EXISTS {name} ({ddl})")
        self._register(name, self.stamp)


class _Writer(Protocol):
    """What a write may do besides SQL: write and drop layer tables."""

    tx: Tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None: ...

    def drop_table(self, table: str) -> None: ...

    def feature_tables(self) -> list[str]: ...


class _Backend(Protocol):
    location: str

    def exists(self) -> bool: ...

    def check(self) -> None: ...

    def reading(self) -> contextlib.AbstractContextManager[Tx]: ...

    def transaction(self) -> contextlib.AbstractContextManager[Tx]: ...

    def writing(self, *, copy: bool) -> contextlib.AbstractContextManager[_Writer]: ...

    def read_frame(self, table: str) -> gpd.GeoDataFrame: ...

    def geometry_types(self) -> dict[str, str]: ...

    def version(self) -> str: ...


class _GpkgWriter:
    def __init__(self, path: Path, con: sqlite3.Connection, tx: Tx) -> None:
        self.path = path
        self.con = con
        self.tx = tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None:
        self.con.commit()  # GDAL opens the file itself; on a staging copy this is safe
        with _gdal_date(stamp):
            pyogrio.write_dataframe(
                _storable(frame), self.path, layer=table, driver="GPKG", promote_to_multi=False
            )

    def drop_table(self, table: str) -> None:
        _drop_gpkg_table(self.con, table)

    def feature_tables(self) -> list[str]:
        return [str(r[0]) for r in self.con.execute("SELECT table_name FROM gpkg_geometry_columns")]


class _Gpkg:
    """The GeoPackage backend: one file, a lock file beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def exists(self) -> bool:
        return self.path.exists()

    def check(self) -> None:
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
        with self._connect(self.path) as con:
            yield Tx(con.cursor(), qmark=True, register=lambda _name, _stamp: None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
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
    def writing(self, *, copy: bool) -> Iterator[_Writer]:
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
        try:
            return pyogrio.read_dataframe(self.path, layer=table, fid_as_index=False)
        except (DataSourceError, DataLayerError) as err:
            msg = f"{self.path}: table {table!r} cannot be read ({err})."
            raise StoreError(msg) from None

    def geometry_types(self) -> dict[str, str]:
        return {str(n): str(t) for n, t in pyogrio.list_layers(self.path)}

    def version(self) -> str:
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
            _ensure_tables(tx)
            tx.execute(
                "INSERT INTO hatangso_layers SELECT ?, layer, layer, feature_count, as_of, "
                "source, licence, synthetic, imported_from, imported_at FROM hatangso_layers_v1",
                (period,),
            )
            for name, as_of, source, licence, synthetic, imp_from, imp_at, tif in tx.rows(
                "SELECT name, as_of, source, licence, synthetic, imported_from, imported_at, "
                "tif FROM hatangso_rasters_v1"
            ):
                digest = _put_blob(tx, bytes(tif))
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
            tx.execute("INSERT INTO hatangso_periods VALUES (?, ?)", (period, _now_stamp()))
            tx.execute("DELETE FROM hatangso_dataset WHERE key = 'as_of'")
            _put(tx, "format_version", FORMAT_VERSION)


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


def _open_backend(location: str | Path) -> _Backend:
    if is_database_url(location):
        from geodata.store.pg import PostgisBackend

        return PostgisBackend(str(location))
    return _Gpkg(Path(location))


# --------------------------------------------------------------------------- the store


class Store:
    """A Hạ tầng số data set: its periods, layers, rasters and results.

    Parameters
    ----------
    location
        A ``.gpkg`` file (need not exist until the first write) or a
        ``postgresql://user@host/db`` URL.
    period
        The period to read and write (``YYYY-MM-DD``); default the latest one.

    Examples
    --------
    >>> store = Store("bd.gpkg")                                  # doctest: +SKIP
    >>> store.periods()                                           # doctest: +SKIP
    ['2024-06-30', '2024-12-31']
    >>> villages = store.at("2024-06-30").read("villages", crs=WORK_CRS)  # doctest: +SKIP
    """

    def __init__(self, location: str | Path, *, period: str | dt.date | None = None) -> None:
        self._backend = _open_backend(location)
        self._period = _date_text(period)

    @property
    def location(self) -> str:
        """The file or URL, for messages (a URL without its password)."""
        return self._backend.location

    @property
    def path(self) -> Path:
        """The GeoPackage file (a URL-backed store has none)."""
        if isinstance(self._backend, _Gpkg):
            return self._backend.path
        msg = f"{self.location}: a database store has no file path"
        raise AttributeError(msg)

    def at(self, period: str | dt.date | None) -> Store:
        """Return the same store bound to ``period`` (``None``: the latest)."""
        other = Store.__new__(Store)
        other._backend = self._backend  # noqa: SLF001 - same class
        other._period = _date_text(period)  # noqa: SLF001
        return other

    def version(self) -> str:
        """Return a token that changes with every write of layers, rasters or results.

        Caches of what is computed from the data key on it. Small records (accounts,
        sign-ins, reviews, the audit trail) do not change it, so a sign-in does not make
        every open app recompute its coverage.
        """
        if not self.exists():
            return "missing"
        try:
            with self._backend.reading() as tx:
                row = tx.row("SELECT value FROM hatangso_dataset WHERE key = 'data_version'")
        except (sqlite3.DatabaseError, StoreError):
            return self._backend.version()
        return f"data:{row[0]}" if row else self._backend.version()

    # ------------------------------------------------------------------ reading

    def exists(self) -> bool:
        """Return whether the store exists."""
        return self._backend.exists()

    def check(self) -> None:
        """Raise :class:`StoreError` unless this is a readable Hạ tầng số store."""
        self._backend.check()

    def periods(self) -> list[str]:
        """Return the periods held, oldest first (ISO dates)."""
        self.check()
        with self._backend.reading() as tx:
            return [str(r[0]) for r in tx.rows("SELECT period FROM hatangso_periods ORDER BY 1")]

    @property
    def period(self) -> str | None:
        """The period this store object reads and writes: the one bound, or the latest."""
        periods = self.periods()
        if self._period is None:
            return periods[-1] if periods else None
        if self._period not in periods:
            held = ", ".join(periods) or "none"
            msg = f"{self.location}: has no period {self._period} (periods held: {held})."
            raise StoreError(msg)
        return self._period

    def previous_period(self) -> str | None:
        """Return the period before this one, or ``None``."""
        current = self.period
        earlier = [p for p in self.periods() if current is not None and p < current]
        return earlier[-1] if earlier else None

    def info(self) -> DatasetInfo:
        """Return the data set's name, this period, its layers and every period."""
        periods = self.periods()
        period = self.period
        with self._backend.reading() as tx:
            meta = dict(tx.rows("SELECT key, value FROM hatangso_dataset"))
            rows = tx.rows(
                "SELECT layer, feature_count, as_of, source, licence, synthetic, "
                "imported_from, imported_at, table_name FROM hatangso_layers WHERE period = ?",
                (period,),
            )
            rasters = tx.rows(
                "SELECT r.name, r.as_of, r.source, r.licence, r.synthetic, r.imported_from, "
                "r.imported_at, b.data FROM hatangso_rasters r JOIN hatangso_blobs b "
                "ON b.sha256 = r.sha256 WHERE r.period = ? ORDER BY r.name",
                (period,),
            )
        geometry = self._backend.geometry_types()
        order = {name: i for i, name in enumerate(LAYERS)}
        layers = [
            LayerInfo(
                layer=r[0],
                kind="vector",
                feature_count=int(r[1]),
                geometry_type=geometry.get(r[8]),
                crs=STORE_CRS.to_string(),
                as_of=r[2],
                source=r[3],
                licence=r[4],
                synthetic=bool(r[5]),
                imported_from=r[6],
                imported_at=r[7],
            )
            for r in sorted(rows, key=lambda r: (order.get(r[0], 99), r[0]))
        ]
        layers += [
            LayerInfo(
                layer=r[0],
                kind="raster",
                feature_count=1,
                geometry_type=None,
                crs=_raster_crs(bytes(r[7])),
                as_of=r[1],
                source=r[2],
                licence=r[3],
                synthetic=bool(r[4]),
                imported_from=r[5],
                imported_at=r[6],
            )
            for r in rasters
        ]
        return DatasetInfo(
            path=self.location,
            name=meta.get("name", ""),
            as_of=period,
            layers=layers,
            periods=periods,
        )

    def has_layer(self, layer: str) -> bool:
        """Return whether this period holds a vector layer of that name."""
        return self._table_of(layer) is not None

    def _table_of(self, layer: str) -> str | None:
        if not self.exists():
            return None
        period = self.period
        with self._backend.reading() as tx:
            row = tx.row(
                "SELECT table_name FROM hatangso_layers WHERE period = ? AND layer = ?",
                (period, layer),
            )
        return None if row is None else str(row[0])

    def read(self, layer: str, *, crs: pyproj.CRS | str | int | None = None) -> gpd.GeoDataFrame:
        """Read a layer of this period.

        Parameters
        ----------
        layer
            A contract layer name.
        crs
            Reproject to this CRS (e.g. :data:`geodata.crs.WORK_CRS` for computation);
            default EPSG:4326 as stored.

        Returns
        -------
        geopandas.GeoDataFrame
        """
        self.check()
        table = self._table_of(layer)
        if table is None:
            msg = (
                f"{self.location}: has no layer {layer!r} in period {self.period}. "
                "Import it with `hatangso import`."
            )
            raise StoreError(msg)
        frame = self._backend.read_frame(table)
        for col in frame.columns:  # GeoPackage stores booleans as integers
            if col in _BOOL_COLUMNS:
                frame[col] = frame[col].astype(bool)
        return frame if crs is None else frame.to_crs(crs)

    def read_work(self, layer: str) -> gpd.GeoDataFrame:
        """Read a layer in the metric working CRS (EPSG:32649)."""
        return self.read(layer, crs=WORK_CRS)

    def read_all(self, *, crs: pyproj.CRS | str | int | None = None) -> dict[str, gpd.GeoDataFrame]:
        """Read every vector layer of this period (in ``crs``, default as stored)."""
        return {
            info.layer: self.read(info.layer, crs=crs)
            for info in self.info().layers
            if info.kind == "vector"
        }

    def has_raster(self, name: str) -> bool:
        """Return whether this period holds a raster of that name."""
        if not self.exists():
            return False
        period = self.period
        with self._backend.reading() as tx:
            row = tx.row(
                "SELECT 1 FROM hatangso_rasters WHERE period = ? AND name = ?", (period, name)
            )
        return row is not None

    def read_grid(self, name: str) -> Grid:
        """Read a raster as a :class:`~geodata.raster.Grid` (its own CRS)."""
        return grid_from_bytes(self.read_raster(name))

    def read_raster(self, name: str) -> bytes:
        """Return a raster's GeoTIFF bytes (open them with ``rasterio.MemoryFile``)."""
        period = self.period
        with self._backend.reading() as tx:
            row = tx.row(
                "SELECT b.data FROM hatangso_rasters r JOIN hatangso_blobs b "
                "ON b.sha256 = r.sha256 WHERE r.period = ? AND r.name = ?",
                (period, name),
            )
        if row is None:
            msg = f"{self.location}: has no raster {name!r} in period {period}."
            raise StoreError(msg)
        return bytes(row[0])

    def result_names(self, prefix: str = "") -> list[str]:
        """Return the names of this period's saved results starting with ``prefix``."""
        period = self.period
        with self._backend.reading() as tx:
            rows = tx.rows(
                "SELECT name FROM hatangso_results WHERE period = ? ORDER BY name", (period,)
            )
        return [str(r[0]) for r in rows if str(r[0]).startswith(prefix)]

    def read_result(self, name: str) -> dict[str, Any] | None:
        """Return a saved result of this period (``kind``, ``params``, ``payload``)."""
        period = self.period
        with self._backend.reading() as tx:
            row = tx.row(
                "SELECT kind, created_at, params, payload FROM hatangso_results "
                "WHERE period = ? AND name = ?",
                (period, name),
            )
        if row is None:
            return None
        return {
            "kind": row[0],
            "created_at": row[1],
            "params": json.loads(row[2]),
            "payload": json.loads(row[3]),
        }

    def validation_context(self) -> ValidationContext:
        """Return what validation needs from the store: the province and known ids."""
        context = ValidationContext()
        if not self.exists() or not self.periods():
            return context
        for layer in ("admin_units", "villages"):
            if self.has_layer(layer):
                context.add_layer(layer, self.read(layer))
        return context

    # ------------------------------------------------------------------ writing

    def reading(self) -> contextlib.AbstractContextManager[Tx]:
        """Open a read-only view of the store's tables (not serialised with writers)."""
        self.check()
        return self._backend.reading()

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        """Open a serialised write transaction for small records (reviews, users, audit).

        Everything done in the block is committed together, or not at all.
        """
        self.check()
        return self._backend.transaction()

    def write(  # noqa: PLR0913
        self,
        layers: Mapping[str, gpd.GeoDataFrame],
        meta: Mapping[str, LayerMeta],
        *,
        name: str | None = None,
        as_of: dt.date | str | None = None,
        rasters: Mapping[str, bytes] | None = None,
        imported_from: str | None = None,
        written_at: dt.datetime | None = None,
        results: Mapping[str, tuple[str, Mapping[str, Any], object]] | None = None,
        also: Callable[[Tx], object] | None = None,
    ) -> None:
        """Write layers, rasters and results into a period, atomically.

        The period is ``as_of`` when given, else the one this object is bound to, else
        the latest (today's date for a new store). A period that does not exist yet is
        created from the latest earlier period: it shares that period's layers and
        rasters until they are re-imported; earlier periods are never changed. Writing
        layers drops the period's derived coverage (the ``coverage`` result and the
        ``coverage_*`` rasters), which no longer describe them.

        Parameters
        ----------
        layers
            Contract layer name -> frame (any CRS; stored in EPSG:4326).
        meta
            Layer or raster name -> :class:`LayerMeta`; one for every layer and raster.
        name
            The data set's name (kept when ``None``).
        as_of
            The period written (YYYY-MM-DD).
        rasters
            Raster name -> GeoTIFF bytes.
        imported_from
            The file the layers came from, recorded in the metadata.
        written_at
            Timestamp recorded for the write (fixed by the demo so that the same seed
            gives the same file); default now.
        results
            Result name -> ``(kind, params, payload)`` to save alongside.
        also
            Called with the write's transaction before it commits, for records that must
            commit (or roll back) together with the data, e.g. the import's audit row.
        """
        when = written_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        missing = [k for k in [*layers, *(rasters or {})] if k not in meta]
        if missing:
            msg = f"no metadata (source, licence, synthetic) given for {', '.join(missing)}"
            raise ValueError(msg)
        wanted = _date_text(as_of) or self._period
        if self.exists():
            self.check()
        with self._backend.writing(copy=bool(layers)) as writer:
            tx = writer.tx
            tx.stamp = stamp
            _ensure_tables(tx)
            periods = [str(r[0]) for r in tx.rows("SELECT period FROM hatangso_periods")]
            target = wanted or (max(periods) if periods else when.date().isoformat())
            if target not in periods:
                _create_period(tx, target, periods, stamp)
            current = dict(tx.rows("SELECT key, value FROM hatangso_dataset"))
            if name is not None or "name" not in current:
                _put(tx, "name", name or Path(self.location).stem)
            _put(tx, "format_version", FORMAT_VERSION)
            # A new data version: derived from the last and from this write, so the same
            # demo gives the same file, and any later write changes it.
            last = tx.row("SELECT value FROM hatangso_dataset WHERE key = 'data_version'")
            salt = stamp if written_at is not None else str(time.time_ns())
            parts = [*sorted(layers), *sorted(rasters or {}), *sorted(results or {})]
            token = "|".join([str(last[0]) if last else "", salt, target, *parts])
            _put(tx, "data_version", hashlib.sha256(token.encode()).hexdigest()[:16])
            for layer, frame in layers.items():
                stored = frame.crs is not None and frame.crs.equals(STORE_CRS)
                table = _table_for(tx, target, layer)
                writer.write_frame(table, frame if stored else frame.to_crs(STORE_CRS), stamp)
                m = meta[layer]
                _upsert(
                    tx,
                    "hatangso_layers",
                    ("period", "layer"),
                    {
                        "period": target,
                        "layer": layer,
                        "table_name": table,
                        "feature_count": len(frame),
                        "as_of": target,
                        "source": m.source,
                        "licence": m.licence,
                        "synthetic": int(m.synthetic),
                        "imported_from": imported_from,
                        "imported_at": stamp,
                    },
                )
            if layers:
                tx.execute(
                    "DELETE FROM hatangso_results WHERE period = ? AND kind = 'coverage'",
                    (target,),
                )
                tx.execute(
                    "DELETE FROM hatangso_rasters WHERE period = ? AND name LIKE 'coverage_%'",
                    (target,),
                )
            for raster, data in (rasters or {}).items():
                m = meta[raster]
                _upsert(
                    tx,
                    "hatangso_rasters",
                    ("period", "name"),
                    {
                        "period": target,
                        "name": raster,
                        "as_of": target,
                        "source": m.source,
                        "licence": m.licence,
                        "synthetic": int(m.synthetic),
                        "imported_from": imported_from,
                        "imported_at": stamp,
                        "sha256": _put_blob(tx, data),
                    },
                )
            for result, (kind, params, payload) in (results or {}).items():
                _upsert(
                    tx,
                    "hatangso_results",
                    ("period", "name"),
                    {
                        "period": target,
                        "name": result,
                        "kind": kind,
                        "created_at": stamp,
                        "params": json.dumps(params, ensure_ascii=False),
                        "payload": json.dumps(payload, ensure_ascii=False),
                    },
                )
            if also is not None:
                also(tx)
            _collect_garbage(writer)

    def save_result(self, name: str, kind: str, params: Mapping[str, Any], payload: object) -> None:
        """Save a named result (JSON-serialisable) into this period, atomically."""
        self.check()
        self.write({}, {}, results={name: (kind, params, payload)}, as_of=self.period)


# --------------------------------------------------------------------------- helpers


def _ensure_tables(tx: Tx) -> None:
    for table, columns in _TABLES.items():
        tx.ensure_table(table, columns)


def _create_period(tx: Tx, period: str, periods: list[str], stamp: str) -> None:
    """Add a period sharing the layers and rasters of the latest earlier one."""
    tx.execute("INSERT INTO hatangso_periods VALUES (?, ?)", (period, stamp))
    earlier = [p for p in periods if p < period]
    if not earlier:
        return
    source = max(earlier)
    log.info("new period %s starts from the layers of %s", period, source)
    tx.execute(
        "INSERT INTO hatangso_layers SELECT ?, layer, table_name, feature_count, as_of, "
        "source, licence, synthetic, imported_from, imported_at FROM hatangso_layers "
        "WHERE period = ?",
        (period, source),
    )
    tx.execute(
        "INSERT INTO hatangso_rasters SELECT ?, name, as_of, source, licence, synthetic, "
        "imported_from, imported_at, sha256 FROM hatangso_rasters WHERE period = ? "
        "AND name NOT LIKE 'coverage_%'",
        (period, source),
    )


def _table_for(tx: Tx, period: str, layer: str) -> str:
    """Choose the table for ``layer`` of ``period``: never one another period reads."""
    row = tx.row(
        "SELECT table_name FROM hatangso_layers WHERE period = ? AND layer = ?", (period, layer)
    )
    taken = {str(r[0]) for r in tx.rows("SELECT DISTINCT table_name FROM hatangso_layers")}
    if row is not None:
        shared = tx.row(
            "SELECT 1 FROM hatangso_layers WHERE table_name = ? AND period <> ?",
            (row[0], period),
        )
        if shared is None:
            return str(row[0])  # this period's own table: rewrite it
    candidates = [layer, f"{layer}_{period.replace('-', '')}"]
    candidates += [f"{layer}_{period.replace('-', '')}_{n}" for n in range(2, 1000)]
    return next(c for c in candidates if c not in taken)


def _collect_garbage(writer: _Writer) -> None:
    """Drop layer tables and blobs that no period refers to any more."""
    tx = writer.tx
    tx.execute(
        "DELETE FROM hatangso_blobs WHERE sha256 NOT IN (SELECT sha256 FROM hatangso_rasters)"
    )
    used = {str(r[0]) for r in tx.rows("SELECT DISTINCT table_name FROM hatangso_layers")}
    for table in writer.feature_tables():
        ours = any(table == layer or table.startswith(f"{layer}_") for layer in LAYERS)
        if ours and table not in used:
            writer.drop_table(table)


def _put_blob(tx: Tx, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    tx.execute(
        "INSERT INTO hatangso_blobs VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        (digest, data),
    )
    return digest


def _upsert(tx: Tx, table: str, keys: tuple[str, ...], row: Mapping[str, Any]) -> None:
    columns = list(row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "  # noqa: S608 - fixed names
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
        [row[c] for c in columns],
    )


def _put(tx: Tx, key: str, value: str) -> None:
    _upsert(tx, "hatangso_dataset", ("key",), {"key": key, "value": value})


def _now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _date_text(value: dt.date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        msg = f"as_of date {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-06-30)."
        raise StoreError(msg) from None


def _raster_crs(data: bytes) -> str | None:
    try:
        with MemoryFile(data) as mem, mem.open() as src:
            return None if src.crs is None else str(src.crs)
    except RasterioError:
        return None


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
