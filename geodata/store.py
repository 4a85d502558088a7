"""The data store: one GeoPackage per data set, written atomically.

A store holds the contract's layers (EPSG:4326), rasters (as GeoTIFF blobs) and four
tables of its own, registered in ``gpkg_contents`` as attribute tables so any GIS opens
the file:

``hatangso_dataset``
    key/value: ``name``, ``as_of``, ``format_version``.
``hatangso_layers``
    one row a layer: feature count, ``as_of``, source, licence, ``synthetic`` flag,
    the file it was imported from and when.
``hatangso_rasters``
    one row a raster: the GeoTIFF bytes with the same metadata.
``hatangso_results``
    named results of later computations (coverage, plans) as JSON, for the app.

Every write goes to a temporary copy beside the store, is checked, and replaces the store
with :func:`os.replace` only when complete, under an exclusive lock; a failed import leaves
the previous file byte for byte unchanged, and importing one layer never touches the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from geodata._errors import StoreError
from geodata.crs import STORE_CRS, WORK_CRS
from geodata.raster import Grid, grid_from_bytes
from geodata.schemas import LAYERS
from geodata.validate import ValidationContext

__all__ = ["FORMAT_VERSION", "DatasetInfo", "LayerInfo", "LayerMeta", "Store"]

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"


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
    """A layer (or raster) of a store, as ``hatangso layers`` lists it."""

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
    """The data set: its name, period and layers."""

    path: str
    name: str
    as_of: str | None
    layers: list[LayerInfo]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "path": self.path,
            "name": self.name,
            "as_of": self.as_of,
            "layers": [info.as_dict() for info in self.layers],
        }


_TABLES = {
    "hatangso_dataset": "key TEXT PRIMARY KEY, value TEXT",
    "hatangso_layers": (
        "layer TEXT PRIMARY KEY, feature_count INTEGER, as_of TEXT, source TEXT, "
        "licence TEXT, synthetic INTEGER, imported_from TEXT, imported_at TEXT"
    ),
    "hatangso_rasters": (
        "name TEXT PRIMARY KEY, as_of TEXT, source TEXT, licence TEXT, synthetic INTEGER, "
        "imported_from TEXT, imported_at TEXT, tif BLOB"
    ),
    "hatangso_results": (
        "name TEXT PRIMARY KEY, kind TEXT, created_at TEXT, params TEXT, payload TEXT"
    ),
}


class Store:
    """A Hạ tầng số data set in one GeoPackage.

    Parameters
    ----------
    path
        The ``.gpkg`` file. It need not exist until the first write.

    Examples
    --------
    >>> store = Store("bd.gpkg")                                  # doctest: +SKIP
    >>> villages = store.read("villages", crs=WORK_CRS)           # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # ------------------------------------------------------------------ reading

    def exists(self) -> bool:
        """Return whether the store file exists."""
        return self.path.exists()

    def check(self) -> None:
        """Raise :class:`StoreError` unless the file is a readable Hạ tầng số store."""
        if not self.path.exists():
            msg = (
                f"{self.path}: no such store. Create it with `hatangso demo --out {self.path}` "
                f"or `hatangso import FILE --layer NAME --into {self.path}`."
            )
            raise StoreError(msg)
        try:
            with self._connect(self.path) as con:
                tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
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

    def info(self) -> DatasetInfo:
        """Return the data set's name, period and layers with their metadata."""
        self.check()
        with self._connect(self.path) as con:
            meta = dict(con.execute("SELECT key, value FROM hatangso_dataset").fetchall())
            rows = con.execute(
                "SELECT layer, feature_count, as_of, source, licence, synthetic, "
                "imported_from, imported_at FROM hatangso_layers"
            ).fetchall()
            rasters = con.execute(
                "SELECT name, as_of, source, licence, synthetic, imported_from, imported_at "
                "FROM hatangso_rasters"
            ).fetchall()
        geometry = {str(n): str(t) for n, t in pyogrio.list_layers(self.path)}
        order = {name: i for i, name in enumerate(LAYERS)}
        layers = [
            LayerInfo(
                layer=r[0],
                kind="vector",
                feature_count=int(r[1]),
                geometry_type=geometry.get(r[0]),
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
                crs=self._raster_crs(r[0]),
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
            path=str(self.path), name=meta.get("name", ""), as_of=meta.get("as_of"), layers=layers
        )

    def has_layer(self, layer: str) -> bool:
        """Return whether the store holds a vector layer of that name."""
        return self._listed("hatangso_layers", "layer", layer)

    def _listed(self, table: str, column: str, name: str) -> bool:
        """Whether a metadata table lists ``name`` (no layer or raster is opened)."""
        if not self.path.exists():
            return False
        self.check()
        with self._connect(self.path) as con:
            row = con.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (name,)).fetchone()  # noqa: S608 - fixed names
        return row is not None

    def read(self, layer: str, *, crs: pyproj.CRS | str | int | None = None) -> gpd.GeoDataFrame:
        """Read a layer.

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
        if not self.has_layer(layer):
            msg = f"{self.path}: has no layer {layer!r}. Import it with `hatangso import`."
            raise StoreError(msg)
        try:
            frame = pyogrio.read_dataframe(self.path, layer=layer, fid_as_index=False)
        except (DataSourceError, DataLayerError) as err:
            msg = f"{self.path}: layer {layer!r} cannot be read ({err})."
            raise StoreError(msg) from None
        for col in frame.columns:  # GeoPackage stores booleans as integers
            if col in ("has_electricity", "is_commune_centre", "approximate", "synthetic"):
                frame[col] = frame[col].astype(bool)
        return frame if crs is None else frame.to_crs(crs)

    def read_work(self, layer: str) -> gpd.GeoDataFrame:
        """Read a layer in the metric working CRS (EPSG:32649)."""
        return self.read(layer, crs=WORK_CRS)

    def read_all(self, *, crs: pyproj.CRS | str | int | None = None) -> dict[str, gpd.GeoDataFrame]:
        """Read every vector layer of the store (in ``crs``, default as stored)."""
        return {
            info.layer: self.read(info.layer, crs=crs)
            for info in self.info().layers
            if info.kind == "vector"
        }

    def has_raster(self, name: str) -> bool:
        """Return whether the store holds a raster of that name."""
        return self._listed("hatangso_rasters", "name", name)

    def read_grid(self, name: str) -> Grid:
        """Read a raster as a :class:`~geodata.raster.Grid` (its own CRS)."""
        return grid_from_bytes(self.read_raster(name))

    def read_raster(self, name: str) -> bytes:
        """Return a raster's GeoTIFF bytes (open them with ``rasterio.MemoryFile``)."""
        self.check()
        with self._connect(self.path) as con:
            row = con.execute("SELECT tif FROM hatangso_rasters WHERE name = ?", (name,)).fetchone()
        if row is None:
            msg = f"{self.path}: has no raster {name!r}."
            raise StoreError(msg)
        return bytes(row[0])

    def result_names(self, prefix: str = "") -> list[str]:
        """Return the names of the saved results starting with ``prefix``, sorted."""
        self.check()
        with self._connect(self.path) as con:
            rows = con.execute("SELECT name FROM hatangso_results ORDER BY name").fetchall()
        return [str(r[0]) for r in rows if str(r[0]).startswith(prefix)]

    def read_result(self, name: str) -> dict[str, Any] | None:
        """Return a saved result (``kind``, ``params``, ``payload``) or ``None``."""
        self.check()
        with self._connect(self.path) as con:
            row = con.execute(
                "SELECT kind, created_at, params, payload FROM hatangso_results WHERE name = ?",
                (name,),
            ).fetchone()
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
        if not self.path.exists():
            return context
        for layer in ("admin_units", "villages"):
            if self.has_layer(layer):
                context.add_layer(layer, self.read(layer))
        return context

    # ------------------------------------------------------------------ writing

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
    ) -> None:
        """Write layers (replacing those of the same name) atomically.

        Parameters
        ----------
        layers
            Contract layer name -> frame (any CRS; stored in EPSG:4326).
        meta
            Layer or raster name -> :class:`LayerMeta`; one for every layer and raster.
        name
            The data set's name (kept when ``None``).
        as_of
            The period the layers describe (default: today, or the store's own).
        rasters
            Raster name -> GeoTIFF bytes.
        imported_from
            The file the layers came from, recorded in the metadata.
        written_at
            Timestamp recorded for the write (fixed by the demo so that the same seed
            gives the same file); default now.
        results
            Result name -> ``(kind, params, payload)`` to save alongside.
        """
        when = written_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        as_of_text = _date_text(as_of)
        missing = [k for k in [*layers, *(rasters or {})] if k not in meta]
        if missing:
            msg = f"no metadata (source, licence, synthetic) given for {', '.join(missing)}"
            raise ValueError(msg)
        with self._locked(), self._staging() as tmp:
            with _gdal_date(stamp):
                for layer, frame in layers.items():
                    out = (
                        frame
                        if frame.crs is not None and frame.crs.equals(STORE_CRS)
                        else (frame.to_crs(STORE_CRS))
                    )
                    pyogrio.write_dataframe(
                        _storable(out), tmp, layer=layer, driver="GPKG", promote_to_multi=False
                    )
            with self._connect(tmp) as con:
                self._ensure_tables(con, stamp)
                current = dict(con.execute("SELECT key, value FROM hatangso_dataset").fetchall())
                today = dt.datetime.now(dt.UTC).date().isoformat()
                layer_as_of = as_of_text or current.get("as_of") or today
                if name is not None or "name" not in current:
                    _put(con, "name", name or self.path.stem)
                if as_of_text or "as_of" not in current:
                    _put(con, "as_of", layer_as_of)
                _put(con, "format_version", FORMAT_VERSION)
                for layer, frame in layers.items():
                    m = meta[layer]
                    con.execute(
                        "INSERT OR REPLACE INTO hatangso_layers VALUES (?,?,?,?,?,?,?,?)",
                        (
                            layer,
                            len(frame),
                            layer_as_of,
                            m.source,
                            m.licence,
                            int(m.synthetic),
                            imported_from,
                            stamp,
                        ),
                    )
                for raster, data in (rasters or {}).items():
                    m = meta[raster]
                    con.execute(
                        "INSERT OR REPLACE INTO hatangso_rasters VALUES (?,?,?,?,?,?,?,?)",
                        (
                            raster,
                            layer_as_of,
                            m.source,
                            m.licence,
                            int(m.synthetic),
                            imported_from,
                            stamp,
                            sqlite3.Binary(data),
                        ),
                    )
                for result, (kind, params, payload) in (results or {}).items():
                    con.execute(
                        "INSERT OR REPLACE INTO hatangso_results VALUES (?,?,?,?,?)",
                        (
                            result,
                            kind,
                            stamp,
                            json.dumps(params, ensure_ascii=False),
                            json.dumps(payload, ensure_ascii=False),
                        ),
                    )
                con.commit()
                check = con.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":  # pragma: no cover - defensive
                msg = f"{self.path}: the new store failed SQLite's integrity check; not written."
                raise StoreError(msg)

    def save_result(self, name: str, kind: str, params: Mapping[str, Any], payload: object) -> None:
        """Save a named result (JSON-serialisable) into the store, atomically."""
        self.check()
        self.write({}, {}, results={name: (kind, params, payload)})

    # ------------------------------------------------------------------ internals

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
                self.check()
                shutil.copyfile(self.path, tmp)
            yield tmp
            if not tmp.exists():  # nothing written at all (no layers, new store)
                _create_empty_gpkg(tmp)
                with self._connect(tmp) as con:
                    now = dt.datetime.now(dt.UTC)
                    self._ensure_tables(con, now.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
                    con.commit()
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

    @staticmethod
    def _connect(path: Path) -> contextlib.closing[sqlite3.Connection]:
        return contextlib.closing(sqlite3.connect(path))

    @staticmethod
    def _ensure_tables(con: sqlite3.Connection, stamp: str) -> None:
        for table, columns in _TABLES.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES (?, 'attributes', ?, ?, ?)",
                (table, table, "Hạ tầng số metadata", stamp),
            )

    def _raster_crs(self, name: str) -> str | None:
        try:
            with MemoryFile(self.read_raster(name)) as mem, mem.open() as src:
                return None if src.crs is None else str(src.crs)
        except RasterioError:
            return None


def _put(con: sqlite3.Connection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO hatangso_dataset VALUES (?, ?)", (key, value))


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


def _storable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy GDAL can write: nullable ints as floats only where needed, text as str."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].astype(object)
    return out


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
