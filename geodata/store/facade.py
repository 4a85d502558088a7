"""The :class:`Store` façade: the one class the rest of the code reads and writes through.

It holds the store's logic on top of either backend: which period is read, how a write
creates a period that shares the earlier one's layers, the data version caches key on,
and the records it returns (:class:`LayerMeta`, :class:`LayerInfo`, :class:`DatasetInfo`).
It also keeps the administrative layouts and their crosswalks (:mod:`geodata.layouts`),
which is why it is longer than the usual module: they are read and written like periods.
The SQL it runs is in :mod:`geodata.store.backend`; the databases are
:mod:`geodata.store.gpkg` (a file) and :mod:`geodata.store.pg` (a ``postgresql://`` URL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from geodata.crs import STORE_CRS, WORK_CRS
from geodata.errors import InputError, StoreError
from geodata.layouts import CROSSWALK_COLUMNS, Layout, resolve_layout
from geodata.mapping import ImportProfile, profile_key
from geodata.raster import Grid, grid_from_bytes
from geodata.schemas import EVIDENCE_LAYERS, LAYERS
from geodata.store import backend
from geodata.store.backend import FORMAT_VERSION, Backend, Tx, is_database_url
from geodata.store.gpkg import GpkgBackend
from geodata.validate import ValidationContext

__all__ = ["DatasetInfo", "LayerInfo", "LayerMeta", "Store"]

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


def _open_backend(location: str | Path) -> Backend:
    """Return the backend for a file path or a ``postgresql://`` URL."""
    if is_database_url(location):
        from geodata.store.pg import PostgisBackend  # psycopg is loaded only for a database store

        return PostgisBackend(str(location))
    return GpkgBackend(Path(location))


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
        if isinstance(self._backend, GpkgBackend):
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

    def read_all(
        self, *, crs: pyproj.CRS | str | int | None = None, evidence: bool = False
    ) -> dict[str, gpd.GeoDataFrame]:
        """Read every vector layer of this period (in ``crs``, default as stored).

        The evidence layers (:data:`geodata.schemas.EVIDENCE_LAYERS`: measurements, speed
        tiles, complaints) are left out unless ``evidence``: they are no input of the
        predicted coverage, and a drive-test campaign can hold a million samples.
        """
        return {
            info.layer: self.read(info.layer, crs=crs)
            for info in self.info().layers
            if info.kind == "vector" and (evidence or info.layer not in EVIDENCE_LAYERS)
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
        layout = self.layout_of()
        for older, newer, _ in self.crosswalk_pairs():
            if newer == layout:  # codes of before the reform: say where they went
                context.add_crosswalk(self.crosswalk(older, newer), older, newer)
        return context

    # ------------------------------------------------------------------ layouts

    def _optional_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a table written since layouts exist; none in an older store."""
        try:
            with self._backend.reading() as tx:
                return tx.rows(sql, params)
        except Exception as err:  # sqlite3 or psycopg: the table is missing in an older store
            if "hatangso_" not in str(err) and "no such table" not in str(err):
                raise
            return []

    def layout_ids(self) -> list[str]:
        """Return the administrative layouts held, by the date each took effect.

        A layout is the ``admin_units`` layer of the period starting it, registered by an
        import with ``--layout``; the first period's units are a layout of their own
        unless a registered layout covers its date.
        """
        periods = self.periods()
        registered = [
            str(r[0])
            for r in self._optional_rows("SELECT layout FROM hatangso_layouts ORDER BY 1")
            if str(r[0]) in periods
        ]
        if periods and not any(layout <= periods[0] for layout in registered):
            registered.insert(0, periods[0])
        return sorted(registered)

    def layout_of(self, period: str | None = None) -> str:
        """Return the layout in force on ``period`` (default: this store's period)."""
        when = period or self.period
        if when is None:
            msg = f"{self.location}: holds no period, so no administrative layout."
            raise StoreError(msg)
        return resolve_layout(when, self.layout_ids())

    def resolve_layout(self, wanted: str) -> str:
        """Return the layout id for ``--layout`` (a date or a year), or refuse it."""
        return resolve_layout(wanted, self.layout_ids())

    def read_layout(
        self, layout: str, *, crs: pyproj.CRS | str | int | None = None
    ) -> gpd.GeoDataFrame:
        """Return a layout's ``admin_units`` (in ``crs``, default as stored)."""
        return self.at(self.resolve_layout(layout)).read("admin_units", crs=crs)

    def layouts(self) -> list[Layout]:
        """Return every layout with its levels, unit counts and the periods using it."""
        ids = self.layout_ids()
        out = []
        for layout in ids:
            units = self.at(layout).read("admin_units")
            counts = units["level"].astype(str).value_counts()
            levels = tuple(
                lv for lv in ("province", "district", "commune") if counts.get(lv, 0) > 0
            )
            using = tuple(p for p in self.periods() if resolve_layout(p, ids) == layout)
            out.append(Layout(layout, levels, {lv: int(counts[lv]) for lv in levels}, using))
        return out

    def register_layout(self, tx: Tx, layout: str, source: str = "") -> None:
        """Record (in a write's transaction) that period ``layout``'s units start a layout.

        Later periods that still inherit the earlier layout's units take the new one:
        each period uses the layout in force on its date.
        """
        backend.upsert(
            tx,
            "hatangso_layouts",
            ("layout",),
            {"layout": layout, "created_at": tx.stamp, "source": source},
        )
        own = tx.row(
            "SELECT table_name, feature_count FROM hatangso_layers "
            "WHERE period = ? AND layer = 'admin_units'",
            (layout,),
        )
        before = tx.row(
            "SELECT table_name FROM hatangso_layers WHERE layer = 'admin_units' AND period = "
            "(SELECT MAX(period) FROM hatangso_layers WHERE layer = 'admin_units' "
            "AND period < ?)",
            (layout,),
        )
        if own is None or before is None or before[0] == own[0]:
            return
        tx.execute(
            "UPDATE hatangso_layers SET table_name = ?, feature_count = ? "
            "WHERE layer = 'admin_units' AND period > ? AND table_name = ?",
            (own[0], own[1], layout, before[0]),
        )

    def write_crosswalk(self, crosswalk: pd.DataFrame, from_layout: str, to_layout: str) -> None:
        """Replace the crosswalk from one layout to another (checked by the caller).

        Parameters
        ----------
        crosswalk
            A frame with :data:`geodata.layouts.CROSSWALK_COLUMNS`
            (:func:`geodata.layouts.check_crosswalk`).
        from_layout, to_layout
            The layouts' ids.
        """
        rows = [
            {str(k): v for k, v in row.items()}
            for row in crosswalk[list(CROSSWALK_COLUMNS)].astype(str).to_dict("records")
        ]

        def put(tx: Tx) -> None:
            tx.execute(
                "DELETE FROM hatangso_crosswalks WHERE from_layout = ? AND to_layout = ?",
                (from_layout, to_layout),
            )
            for row in rows:
                backend.upsert(
                    tx,
                    "hatangso_crosswalks",
                    ("from_layout", "to_layout", "old_code", "new_code"),
                    {"from_layout": from_layout, "to_layout": to_layout, **row},
                )

        self.write({}, {}, as_of=self.periods()[-1], also=put)

    def crosswalk(self, from_layout: str, to_layout: str) -> pd.DataFrame:
        """Return the crosswalk between two layouts (:data:`CROSSWALK_COLUMNS`).

        Raises
        ------
        geodata.InputError
            When the store holds none, saying how to import one.
        """
        rows = self._optional_rows(
            "SELECT old_code, new_code, share, source, old_name, new_name "
            "FROM hatangso_crosswalks WHERE from_layout = ? AND to_layout = ? "
            "ORDER BY old_code, new_code",
            (from_layout, to_layout),
        )
        if not rows:
            msg = (
                f"{self.location}: holds no crosswalk from layout {from_layout} to "
                f"{to_layout}; import one with `hatangso import FILE --layer crosswalk "
                f"--into {self.location}`."
            )
            raise InputError(msg)
        return pd.DataFrame(rows, columns=list(CROSSWALK_COLUMNS))

    def crosswalk_pairs(self) -> list[tuple[str, str, int]]:
        """Return ``(from_layout, to_layout, rows)`` of every crosswalk held."""
        rows = self._optional_rows(
            "SELECT from_layout, to_layout, COUNT(*) FROM hatangso_crosswalks "
            "GROUP BY from_layout, to_layout ORDER BY 1, 2"
        )
        return [(str(a), str(b), int(n)) for a, b, n in rows]

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
        ``coverage_*`` rasters), which no longer describe them; writing only evidence
        layers (:data:`geodata.schemas.EVIDENCE_LAYERS`) keeps them, since the prediction
        does not depend on what was measured.

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
            backend.ensure_tables(tx)
            periods = [str(r[0]) for r in tx.rows("SELECT period FROM hatangso_periods")]
            target = wanted or (max(periods) if periods else when.date().isoformat())
            if target not in periods:
                backend.create_period(tx, target, periods, stamp)
            current = dict(tx.rows("SELECT key, value FROM hatangso_dataset"))
            if name is not None or "name" not in current:
                backend.put_dataset_value(tx, "name", name or Path(self.location).stem)
            backend.put_dataset_value(tx, "format_version", FORMAT_VERSION)
            # A new data version: derived from the last and from this write, so the same
            # demo gives the same file, and any later write changes it.
            last = tx.row("SELECT value FROM hatangso_dataset WHERE key = 'data_version'")
            salt = stamp if written_at is not None else str(time.time_ns())
            parts = [*sorted(layers), *sorted(rasters or {}), *sorted(results or {})]
            token = "|".join([str(last[0]) if last else "", salt, target, *parts])
            backend.put_dataset_value(
                tx, "data_version", hashlib.sha256(token.encode()).hexdigest()[:16]
            )
            for layer, frame in layers.items():
                stored = frame.crs is not None and frame.crs.equals(STORE_CRS)
                table = backend.table_for(tx, target, layer)
                writer.write_frame(table, frame if stored else frame.to_crs(STORE_CRS), stamp)
                m = meta[layer]
                backend.upsert(
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
            if any(layer not in EVIDENCE_LAYERS for layer in layers):
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
                backend.upsert(
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
                        "sha256": backend.put_blob(tx, data),
                    },
                )
            for result, (kind, params, payload) in (results or {}).items():
                backend.upsert(
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
            backend.collect_garbage(writer)

    # ------------------------------------------------------------------ import profiles

    def profiles(self) -> list[ImportProfile]:
        """Return the saved import profiles, by name (none for a store not created yet)."""
        if not self.exists():
            return []
        with self.transaction() as tx:
            return [ImportProfile.from_row(r) for r in backend.profile_rows(tx)]

    def profile(self, name: str) -> ImportProfile:
        """Return the import profile called ``name`` (case, diacritics and dashes ignored).

        Raises
        ------
        InputError
            No such profile; the message lists the saved ones.
        """
        saved = self.profiles()
        for found in saved:
            if found.name == name or profile_key(found.name) == profile_key(name):
                return found
        listed = ", ".join(repr(p.name) for p in saved) or "none yet"
        msg = (
            f"{self.location}: no import profile {name!r} (saved: {listed}). Save one with "
            "`hatangso import … --save-profile NAME` or in the app."
        )
        raise InputError(msg)

    def save_profile(
        self, profile: ImportProfile, *, actor: str, tx: Tx | None = None
    ) -> ImportProfile:
        """Save an import profile under its name, replacing one of the same name.

        Parameters
        ----------
        profile
            What to save (its ``saved_at``/``saved_by`` are set here).
        actor
            Who saves it (recorded).
        tx
            The transaction of a write in progress (an import), so that both commit or
            neither does; default a transaction of its own.

        Returns
        -------
        ImportProfile
            The profile as saved.
        """
        if not profile.name.strip():
            msg = "an import profile needs a name, e.g. 'MobiFone — danh sách BTS'."
            raise InputError(msg)

        def put(t: Tx) -> ImportProfile:
            same = [
                str(r[0])
                for r in backend.profile_rows(t)
                if profile_key(str(r[0])) == profile_key(profile.name)
            ]
            saved = ImportProfile(**{**profile.as_dict(), "saved_at": t.stamp, "saved_by": actor})
            row = {
                "name": saved.name.strip(),
                "layer": saved.layer,
                "settings": saved.settings_json(),
                "saved_at": saved.saved_at,
                "saved_by": saved.saved_by,
            }
            backend.put_profile(t, row, replaces=same)
            return saved

        if tx is not None:
            return put(tx)
        with self.transaction() as own:
            return put(own)

    def save_result(self, name: str, kind: str, params: Mapping[str, Any], payload: object) -> None:
        """Save a named result (JSON-serialisable) into this period, atomically."""
        self.check()
        self.write({}, {}, results={name: (kind, params, payload)}, as_of=self.period)


# --------------------------------------------------------------------------- helpers


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
