"""What a store backend provides, and the SQL written once for both backends.

* :class:`Backend` and :class:`Writer`: the protocol the :class:`~geodata.store.Store`
  façade drives (implemented by :mod:`geodata.store.gpkg` and :mod:`geodata.store.pg`);
* :class:`Tx`: one transaction on either database, taking the same SQL text;
* :data:`TABLES` and the functions below it: the metadata tables (periods, layers,
  rasters, results) and the statements that keep them, shared by both backends.

This module imports no other module of the package, so every backend can import it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd

from geodata.schemas import LAYERS

__all__ = [
    "FORMAT_VERSION",
    "PROFILE_COLUMNS",
    "TABLES",
    "Backend",
    "Tx",
    "Writer",
    "bump_data_version",
    "collect_garbage",
    "create_period",
    "ensure_tables",
    "is_database_url",
    "now_stamp",
    "profile_rows",
    "put_blob",
    "put_dataset_value",
    "put_profile",
    "table_for",
    "upsert",
]

log = logging.getLogger(__name__)

#: The store's format: 2 has periods (a format-1 GeoPackage is upgraded when checked).
FORMAT_VERSION = "2"

# Portable DDL in the GeoPackage's column types; :class:`Tx` maps them for PostgreSQL.
TABLES = {
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
    # Import profiles: how one sender's files are read (geodata.mapping.ImportProfile);
    # ``settings`` is JSON (columns, sheet, operator, crs, encoding). Shared by the
    # department, not by period.
    "hatangso_import_profiles": (
        "name TEXT PRIMARY KEY, layer TEXT NOT NULL, settings TEXT NOT NULL, saved_at TEXT, "
        "saved_by TEXT"
    ),
    # Administrative layouts (geodata.layouts): a layout is the admin_units of its period.
    "hatangso_layouts": "layout TEXT PRIMARY KEY, created_at TEXT, source TEXT",
    "hatangso_crosswalks": (
        "from_layout TEXT NOT NULL, to_layout TEXT NOT NULL, old_code TEXT NOT NULL, "
        "new_code TEXT NOT NULL, share TEXT, source TEXT, old_name TEXT, new_name TEXT, "
        "PRIMARY KEY (from_layout, to_layout, old_code, new_code)"
    ),
}

#: The columns of ``hatangso_import_profiles``, in order.
PROFILE_COLUMNS = ("name", "layer", "settings", "saved_at", "saved_by")


_PG_TYPES = {"INTEGER": "BIGINT", "DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA"}


def is_database_url(location: str | Path) -> bool:
    """Return whether ``location`` names a PostgreSQL database rather than a file."""
    return str(location).startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


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
    register
        Called with a table :meth:`ensure_table` creates and the stamp, to list it where
        GIS tools look (a GeoPackage's ``gpkg_contents``; nothing on PostgreSQL).
    """

    def __init__(
        self,
        cursor: Any,  # noqa: ANN401 - a DB-API cursor of either driver
        *,
        qmark: bool,
        register: Callable[[str, str], None],
    ) -> None:
        self._cur = cursor
        self.stamp = now_stamp()
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

    def has_table(self, name: str) -> bool:
        """Return whether the store has table ``name`` (read transactions too)."""
        if self._qmark:
            found = self.row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            )
        else:
            found = self.row(
                "SELECT 1 FROM pg_tables WHERE tablename = ? AND schemaname = current_schema()",
                (name,),
            )
        return found is not None

    def ensure_table(self, name: str, columns: str) -> None:
        """Create a table (portable DDL) when it does not exist, registered for GIS tools."""
        ddl = columns
        if not self._qmark:  # PostgreSQL's names for the GeoPackage types
            for gpkg, pg in _PG_TYPES.items():
                ddl = re.sub(rf"\b{gpkg}\b", pg, ddl)
        self.execute(f"CREATE TABLE IF NOT EXISTS {name} ({ddl})")
        self._register(name, self.stamp)


class Writer(Protocol):
    """What a write may do besides SQL: write and drop layer tables."""

    tx: Tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None:
        """Replace layer table ``table`` with ``frame`` (EPSG:4326), in this write."""
        ...

    def drop_table(self, table: str) -> None:
        """Drop a layer table, in this write."""
        ...

    def feature_tables(self) -> list[str]:
        """Return the layer tables the store may drop when no period uses them."""
        ...


class Backend(Protocol):
    """What the :class:`~geodata.store.Store` façade needs of a database.

    Implemented by :class:`geodata.store.gpkg.GpkgBackend` and
    :class:`geodata.store.pg.PostgisBackend`.
    """

    location: str
    """The file or URL, for messages (a URL without its password)."""

    def exists(self) -> bool:
        """Return whether the store exists."""
        ...

    def check(self) -> None:
        """Raise :class:`~geodata.errors.StoreError` unless this is a readable store."""
        ...

    def reading(self) -> contextlib.AbstractContextManager[Tx]:
        """Open a read-only transaction (not serialised with writers)."""
        ...

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        """Open a serialised write transaction for SQL only (small records)."""
        ...

    def writing(self, *, copy: bool) -> contextlib.AbstractContextManager[Writer]:
        """Open a serialised write that may also write layer tables.

        ``copy``: the write adds layers (a GeoPackage stages them in a copy of the file).
        """
        ...

    def read_frame(self, table: str) -> gpd.GeoDataFrame:
        """Read a layer table (EPSG:4326, columns and dtypes as pyogrio gives them)."""
        ...

    def geometry_types(self) -> dict[str, str]:
        """Return each layer table's geometry type, named as pyogrio names them."""
        ...

    def version(self) -> str:
        """Return a token that changes with every committed write."""
        ...


# --------------------------------------------------------------------------- metadata SQL


def ensure_tables(tx: Tx) -> None:
    """Create the metadata tables that do not exist yet."""
    for table, columns in TABLES.items():
        tx.ensure_table(table, columns)


def create_period(tx: Tx, period: str, periods: list[str], stamp: str) -> None:
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


def table_for(tx: Tx, period: str, layer: str) -> str:
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


def collect_garbage(writer: Writer) -> None:
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


def put_blob(tx: Tx, data: bytes) -> str:
    """Store GeoTIFF bytes once per content; return their sha256."""
    digest = hashlib.sha256(data).hexdigest()
    tx.execute(
        "INSERT INTO hatangso_blobs VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        (digest, data),
    )
    return digest


def upsert(tx: Tx, table: str, keys: tuple[str, ...], row: Mapping[str, Any]) -> None:
    """Insert ``row`` into ``table``, or update the row with the same ``keys``."""
    columns = list(row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "  # noqa: S608 - fixed names
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
        [row[c] for c in columns],
    )


def profile_rows(tx: Tx) -> list[tuple[Any, ...]]:
    """Return every import profile's row, by name."""
    tx.ensure_table("hatangso_import_profiles", TABLES["hatangso_import_profiles"])
    return tx.rows(
        f"SELECT {', '.join(PROFILE_COLUMNS)} FROM hatangso_import_profiles ORDER BY name"  # noqa: S608 - fixed names
    )


def put_profile(tx: Tx, row: Mapping[str, Any], *, replaces: Sequence[str] = ()) -> None:
    """Save an import profile's row, replacing the profiles named in ``replaces``."""
    tx.ensure_table("hatangso_import_profiles", TABLES["hatangso_import_profiles"])
    for name in replaces:
        tx.execute("DELETE FROM hatangso_import_profiles WHERE name = ?", (name,))
    upsert(tx, "hatangso_import_profiles", ("name",), row)


def put_dataset_value(tx: Tx, key: str, value: str) -> None:
    """Set one key of ``hatangso_dataset`` (``name``, ``format_version``, ``data_version``)."""
    upsert(tx, "hatangso_dataset", ("key",), {"key": key, "value": value})


def bump_data_version(tx: Tx, reason: str) -> None:
    """Give the store a new ``data_version`` in this write (caches of figures recompute).

    For small records that change what the figures mean (the targets table), not how
    they are computed from layers.
    """
    last = tx.row("SELECT value FROM hatangso_dataset WHERE key = 'data_version'")
    token = "|".join([str(last[0]) if last else "", reason, str(time.time_ns())])
    put_dataset_value(tx, "data_version", hashlib.sha256(token.encode()).hexdigest()[:16])


def now_stamp() -> str:
    """Return the current UTC time as the store records it."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
