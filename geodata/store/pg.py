"""The store on PostgreSQL with PostGIS: the backend behind a ``postgresql://`` URL.

:mod:`geodata.store.backend` holds all the SQL of the store's metadata tables (periods,
layers, rasters, results), run through its :class:`~geodata.store.backend.Tx`; this module
supplies the rest for a PostgreSQL database:

* connections (kept in a small per-process pool, so the app's many short reads do not
  each pay for a login) and the errors an official can act on — the server cannot be
  reached, the database has no PostGIS (``CREATE EXTENSION postgis``), or it is not a
  Hạ tầng số store;
* transactions: reads are ``REPEATABLE READ READ ONLY`` (one consistent snapshot); every
  write is one transaction that first takes a transaction-scoped advisory lock
  (:data:`LOCK_KEY`), so writers take turns exactly like the GeoPackage's lock file, and
  commits or rolls back as a whole — a writer killed mid-way leaves the last committed
  state, which the server restores by itself;
* layer tables: typed columns from the frame's dtypes, ``fid`` (the row order) and
  ``geom geometry(<type>, 4326)`` with a GiST index, written with ``COPY`` (geometries as
  EWKB) and read back with ``ST_AsBinary`` into the same columns and dtypes the
  GeoPackage backend returns.

The database needs the ``postgis`` extension and nothing else; the store's tables live
in the connection's current schema (``?options=-csearch_path%3Dmyschema`` in the URL
selects another one).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geodata.crs import STORE_CRS
from geodata.errors import StoreError
from geodata.store.backend import Tx

__all__ = ["LOCK_KEY", "PostgisBackend", "close_connections", "public_url"]

#: The advisory lock every write transaction takes first (``"hatangso"`` as a bigint).
LOCK_KEY = int.from_bytes(b"hatangso", "big")

#: Marks the layer tables the store wrote (garbage collection drops only those).
_LAYER_COMMENT = "Hạ tầng số layer table"

_SRID = 4326

#: PostGIS geometry types -> the names pyogrio gives GeoPackage layers.
_GEOMETRY_NAMES = {
    "POINT": "Point",
    "LINESTRING": "LineString",
    "POLYGON": "Polygon",
    "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString",
    "MULTIPOLYGON": "MultiPolygon",
    "GEOMETRYCOLLECTION": "GeometryCollection",
}

_MAX_IDLE = 8


# --------------------------------------------------------------------------- connections


def public_url(url: str) -> str:
    """Return ``url`` without its password (in the user part or the query), for messages.

    Parameters
    ----------
    url
        A ``postgresql://user:password@host:port/db?...`` URL.

    Returns
    -------
    str
        The same URL with the password left out.

    Examples
    --------
    >>> public_url("postgresql://planner:s3cret@db.example/hatangso?sslmode=require")
    'postgresql://planner@db.example/hatangso?sslmode=require'
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _libpq_url(url: str) -> str:
    """Return ``url`` in a scheme libpq accepts (``postgresql+psycopg://`` is SQLAlchemy's)."""
    if url.startswith("postgresql+psycopg://"):
        return "postgresql://" + url.removeprefix("postgresql+psycopg://")
    return url


class _Pool:
    """Idle connections by process and URL; a connection is used by one thread at a time."""

    def __init__(self) -> None:
        self._idle: dict[tuple[int, str], list[psycopg.Connection[Any]]] = {}
        self._lock = threading.Lock()

    def take(self, url: str) -> psycopg.Connection[Any] | None:
        with self._lock:
            idle = self._idle.get((os.getpid(), url))
            return idle.pop() if idle else None

    def give(self, url: str, conn: psycopg.Connection[Any]) -> None:
        healthy = (
            not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )
        if healthy:
            with self._lock:
                idle = self._idle.setdefault((os.getpid(), url), [])
                if len(idle) < _MAX_IDLE:
                    idle.append(conn)
                    return
        conn.close()

    def close(self, url: str | None = None) -> None:
        pid = os.getpid()
        with self._lock:
            keys = [k for k in self._idle if k[0] == pid and (url is None or k[1] == url)]
            closing = [conn for key in keys for conn in self._idle.pop(key)]
        for conn in closing:  # a forked child never closes its parent's sessions
            conn.close()


_POOL = _Pool()
atexit.register(_POOL.close)


def close_connections(url: str | None = None) -> None:
    """Close this process's idle connections (to ``url``, or to every database).

    Call it before dropping a database that a store was opened on; connections are
    otherwise kept for the next read and closed when the process exits.
    """
    _POOL.close(None if url is None else _libpq_url(url))


# --------------------------------------------------------------------------- the backend


class PostgisBackend:
    """A store in a PostgreSQL database with PostGIS (a :class:`~geodata.store.backend.Backend`).

    Parameters
    ----------
    url
        ``postgresql://user[:password]@host[:port]/database[?options]``; libpq's
        environment (``PGPASSWORD``, ``~/.pgpass``, ``PGSSLMODE`` ...) applies too.
    """

    def __init__(self, url: str) -> None:
        self._url = _libpq_url(url)
        self.location = public_url(url)

    # ------------------------------------------------------------------ connections

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self._url, autocommit=True, connect_timeout=10, application_name="hatangso"
            )
        except psycopg.OperationalError as err:
            reason = " ".join(str(err).split())
            msg = (
                f"{self.location}: cannot connect to the database ({reason}). Check that the "
                "PostgreSQL server runs and accepts connections from this machine, and that "
                "the URL's host, port, user, password and database name are right."
            )
            raise StoreError(msg) from None
        except psycopg.ProgrammingError as err:
            msg = (
                f"{self.location}: is not a valid PostgreSQL URL ({err}); write it as "
                "postgresql://user@host:port/database."
            )
            raise StoreError(msg) from None

    @contextlib.contextmanager
    def _session(self, begin: str) -> Iterator[psycopg.Connection[Any]]:
        """Yield a connection inside a transaction opened by ``begin``; commit at the end."""
        conn = self._begin(begin)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            _abandon(self._url, conn)
            raise
        _POOL.give(self._url, conn)

    def _begin(self, begin: str) -> psycopg.Connection[Any]:
        while (conn := _POOL.take(self._url)) is not None:
            try:
                conn.execute(begin)
            except psycopg.OperationalError:  # the server closed it meanwhile
                conn.close()
                continue
            return conn
        conn = self._connect()
        try:
            conn.execute(begin)
        except BaseException:
            conn.close()
            raise
        return conn

    # ------------------------------------------------------------------ the protocol

    def exists(self) -> bool:
        """Return whether the database holds a store (raise when it cannot be reached)."""
        with self._session("BEGIN READ ONLY") as conn:
            found = conn.execute("SELECT to_regclass('hatangso_layers') IS NOT NULL").fetchone()
        return bool(found and found[0])

    def check(self) -> None:
        """Raise :class:`StoreError` unless the database is a reachable store with PostGIS."""
        with self._session("BEGIN READ ONLY") as conn:
            found = conn.execute(
                "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'postgis'), "
                "to_regclass('hatangso_layers') IS NOT NULL, current_database()"
            ).fetchone()
        postgis, is_store, database = found or (None, False, "")
        if postgis is None:
            raise StoreError(self._no_postgis(str(database)))
        if not is_store:
            msg = (
                f"{self.location}: is a PostGIS database but not a Hạ tầng số store (no "
                "hatangso_layers table). Write a data set into it with "
                f"`hatangso import FILE --layer NAME --into {self.location}` or, while it "
                f"is empty, `hatangso demo --out {self.location}`."
            )
            raise StoreError(msg)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Tx]:
        """Yield a read-only transaction on one consistent snapshot."""
        with self._session("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") as conn:
            yield Tx(conn.cursor(), qmark=False, register=_no_registry)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Yield a write transaction, serialised with every other writer of the database."""
        with self._writing_session() as conn:
            yield Tx(conn.cursor(), qmark=False, register=_no_registry)

    @contextlib.contextmanager
    def writing(self, *, copy: bool) -> Iterator[_PgWriter]:
        """Yield a writer whose SQL and layer tables commit as one transaction.

        ``copy`` (a staging copy on a GeoPackage) has no meaning here: a PostgreSQL
        transaction is atomic however much it writes.
        """
        del copy
        with self._writing_session() as conn:
            found = conn.execute(
                "SELECT to_regtype('geometry') IS NOT NULL, current_database()"
            ).fetchone()
            if not found or not found[0]:
                raise StoreError(self._no_postgis(str(found[1] if found else "")))
            yield _PgWriter(conn, Tx(conn.cursor(), qmark=False, register=_no_registry))

    def read_frame(self, table: str) -> gpd.GeoDataFrame:
        """Read a layer table as the GeoPackage backend would (EPSG:4326, ``geometry``)."""
        with self._session("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") as conn:
            found = conn.execute(
                "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) "
                "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                (sql.Identifier(table).as_string(conn),),
            ).fetchall()
            names = [str(r[0]) for r in found if r[0] not in ("fid", "geom")]
            if not found:
                msg = f"{self.location}: table {table!r} cannot be read (it does not exist)."
                raise StoreError(msg)
            query = sql.SQL("SELECT {}ST_AsBinary(geom) FROM {} ORDER BY fid").format(
                sql.SQL("").join(sql.SQL("{}, ").format(sql.Identifier(n)) for n in names),
                sql.Identifier(table),
            )
            cur = conn.cursor(binary=True)
            cur.execute(query)
            types = [d.type_code for d in (cur.description or [])]
            rows = cur.fetchall()
        return _frame(names, types, rows)

    def geometry_types(self) -> dict[str, str]:
        """Return each layer table's geometry type, named as pyogrio names them."""
        with self._session("BEGIN READ ONLY") as conn:
            if not _has_postgis(conn):
                return {}
            rows = conn.execute(
                "SELECT f_table_name, type, coord_dimension FROM geometry_columns "
                "WHERE f_table_schema = current_schema()"
            ).fetchall()
        out = {}
        for table, kind, dims in rows:
            name = _GEOMETRY_NAMES.get(str(kind).upper(), "Unknown")
            out[str(table)] = f"{name} Z" if dims == 3 and name != "Unknown" else name
        return out

    def version(self) -> str:
        """Return a token that changes with every committed write."""
        with self._session("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") as conn:
            found = conn.execute(
                "SELECT oid, to_regclass('hatangso_commits') IS NOT NULL FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
            oid, counted = found or (0, False)
            commits = conn.execute("SELECT n FROM hatangso_commits").fetchone() if counted else None
        return f"pg:{oid}:{commits[0] if commits else 0}"

    # ------------------------------------------------------------------ internals

    @contextlib.contextmanager
    def _writing_session(self) -> Iterator[psycopg.Connection[Any]]:
        with self._session("BEGIN ISOLATION LEVEL READ COMMITTED") as conn:
            # Writers take turns; READ COMMITTED so the statements after the lock see
            # everything committed while this one waited.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute("CREATE TABLE IF NOT EXISTS hatangso_commits (n BIGINT NOT NULL)")
            bumped = conn.execute("UPDATE hatangso_commits SET n = n + 1")
            if bumped.rowcount == 0:
                conn.execute("INSERT INTO hatangso_commits VALUES (1)")
            yield conn

    def _no_postgis(self, database: str) -> str:
        return (
            f"{self.location}: the database has no PostGIS extension. Enable it once, as a "
            f"superuser: `psql -d {database or 'DATABASE'} -c 'CREATE EXTENSION postgis'` "
            "(the server needs Debian's postgresql-postgis package, "
            "postgresql-15-postgis-3 on bookworm)."
        )


def _abandon(url: str, conn: psycopg.Connection[Any]) -> None:
    """Roll back a failed transaction; keep the connection only when that left it idle."""
    try:
        if not conn.closed:
            conn.execute("ROLLBACK")
    except psycopg.Error:
        conn.close()
        return
    _POOL.give(url, conn)  # closes it unless it is idle


def _no_registry(_name: str, _stamp: str) -> None:
    """PostgreSQL lists tables itself; nothing to register (GeoPackage's gpkg_contents)."""


def _has_postgis(conn: psycopg.Connection[Any]) -> bool:
    found = conn.execute("SELECT to_regclass('geometry_columns') IS NOT NULL").fetchone()
    return bool(found and found[0])


# --------------------------------------------------------------------------- writing


class _PgWriter:
    """A write transaction's layer tables: written, dropped and listed in that transaction."""

    def __init__(self, conn: psycopg.Connection[Any], tx: Tx) -> None:
        self.conn = conn
        self.tx = tx

    def write_frame(self, table: str, frame: gpd.GeoDataFrame, stamp: str) -> None:
        """Replace ``table`` with ``frame`` (in EPSG:4326), in this transaction."""
        del stamp  # the layer's metadata row records when it was written
        _write_table(self.conn, table, frame)

    def drop_table(self, table: str) -> None:
        """Drop a layer table."""
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))

    def feature_tables(self) -> list[str]:
        """Return the layer tables the store wrote in the current schema."""
        rows = self.conn.execute(
            "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = current_schema() "
            "AND obj_description(format('%%I.%%I', f_table_schema, f_table_name)::regclass, "
            "'pg_class') = %s",
            (_LAYER_COMMENT,),
        ).fetchall()
        return [str(r[0]) for r in rows]


def _write_table(conn: psycopg.Connection[Any], table: str, frame: gpd.GeoDataFrame) -> None:
    geometry = frame.geometry.name
    attributes = [str(c) for c in frame.columns if c != geometry]
    clash = {"fid", "geom"} & {c.lower() for c in attributes}
    if clash:
        msg = (
            f"layer table {table}: column(s) {', '.join(sorted(clash))} are reserved for the "
            "store's row id and geometry; rename them before importing."
        )
        raise StoreError(msg)
    kinds = [_column_kind(frame[c]) for c in attributes]
    geoms = np.asarray(frame.geometry.array, dtype=object)
    name = sql.Identifier(table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    columns: list[sql.Composable] = [sql.SQL("fid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")]
    columns += [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(k))
        for c, k in zip(attributes, kinds, strict=True)
    ]
    columns.append(sql.SQL(_geometry_column(geoms)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(", ").join(columns)))
    conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(name, sql.Literal(_LAYER_COMMENT)))
    values = [_python_values(frame[c], k) for c, k in zip(attributes, kinds, strict=True)]
    ewkb = shapely.to_wkb(shapely.set_srid(geoms, _SRID), hex=True, include_srid=True)
    values.append([None if g is None else str(g) for g in ewkb.tolist()])
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        name, sql.SQL(", ").join(sql.Identifier(c) for c in [*attributes, "geom"])
    )
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)
    conn.execute(
        sql.SQL("CREATE INDEX {} ON {} USING GIST (geom)").format(
            sql.Identifier(f"{table}_geom_idx"), name
        )
    )


def _column_kind(series: pd.Series) -> str:
    """Return the PostgreSQL type for a column, as pyogrio would type it in a GeoPackage."""
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    kinds = {
        "boolean": "BOOLEAN",
        "integer": "BIGINT",
        "floating": "DOUBLE PRECISION",
        "mixed-integer-float": "DOUBLE PRECISION",
        "decimal": "DOUBLE PRECISION",
        "datetime64": "TIMESTAMP",
        "datetime": "TIMESTAMP",
        "date": "DATE",
        "bytes": "BYTEA",
    }
    if inferred == "empty":  # no values: go by the dtype
        by_dtype = {"b": "BOOLEAN", "i": "BIGINT", "u": "BIGINT", "f": "DOUBLE PRECISION"}
        code = series.dtype.kind
        return by_dtype.get(code, "TIMESTAMP" if code == "M" else "TEXT")
    kind = kinds.get(inferred, "TEXT")
    if kind == "TIMESTAMP" and getattr(series.dtype, "tz", None) is not None:
        return "TIMESTAMPTZ"
    return kind


def _python_values(series: pd.Series, kind: str) -> list[Any]:
    """Return the column's values as Python objects for COPY (missing values as None)."""
    missing = series.isna().to_numpy()
    convert: Any = {
        "BOOLEAN": bool,
        "BIGINT": int,
        "DOUBLE PRECISION": float,
        "TIMESTAMP": lambda v: pd.Timestamp(v).to_pydatetime(),
        "TIMESTAMPTZ": lambda v: pd.Timestamp(v).to_pydatetime(),
        "DATE": lambda v: v,
        "BYTEA": bytes,
    }.get(kind, str)
    return [None if m else convert(v) for v, m in zip(series.tolist(), missing, strict=True)]


def _geometry_column(geoms: np.ndarray) -> str:
    """Return the ``geom`` column's declaration: typed when the geometries agree."""
    present = geoms[~shapely.is_missing(geoms)]
    z = shapely.has_z(present)
    if z.any() and not z.all():  # 2D and 3D mixed: no typmod can hold both
        return f"geom geometry CHECK (ST_SRID(geom) = {_SRID})"
    names = {_TYPE_IDS[int(t)] for t in shapely.get_type_id(present).tolist()}
    kind = names.pop() if len(names) == 1 else "GEOMETRY"
    return f"geom geometry({kind}{'Z' if z.any() else ''}, {_SRID})"


#: shapely's geometry type ids -> PostGIS type names.
_TYPE_IDS = {
    0: "POINT",
    1: "LINESTRING",
    2: "LINESTRING",  # a LinearRing is stored as a LineString
    3: "POLYGON",
    4: "MULTIPOINT",
    5: "MULTILINESTRING",
    6: "MULTIPOLYGON",
    7: "GEOMETRYCOLLECTION",
}


# --------------------------------------------------------------------------- reading

_INTS = {"int2", "int4", "int8"}
_FLOATS = {"float4", "float8", "numeric"}


def _type_names(types: Sequence[int]) -> list[str]:
    names = []
    for oid in types:
        info = psycopg.postgres.types.get(oid)
        names.append(info.name if info is not None else "")
    return names


def _frame(names: list[str], types: Sequence[int], rows: list[tuple[Any, ...]]) -> gpd.GeoDataFrame:
    """Build the frame pyogrio would return from a layer table's rows."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + 1)]
    data: dict[str, Any] = {}
    for name, kind, values in zip(names, _type_names(types), columns, strict=False):
        data[name] = _column(kind, list(values))
    wkb = list(columns[-1])
    geometry = gpd.GeoSeries(shapely.from_wkb(wkb) if wkb else [], crs=STORE_CRS)
    return gpd.GeoDataFrame(data, geometry=geometry, crs=STORE_CRS)


def _column(kind: str, values: list[Any]) -> pd.Series | np.ndarray:  # noqa: PLR0911 - one a type
    """One column with pyogrio's dtypes: int64 (float64 with nulls), float64, bool, str."""
    has_null = any(v is None for v in values)
    if kind in _INTS:
        return np.array(values, dtype=float if has_null else np.int64)
    if kind in _FLOATS:
        return np.array(values, dtype=float)
    if kind == "bool":
        return np.array(values, dtype=object if has_null else bool)
    if kind in ("timestamp", "timestamptz"):
        return pd.Series(pd.to_datetime(values)).astype(
            "datetime64[ms, UTC]" if kind == "timestamptz" else "datetime64[ms]"
        )
    if kind == "bytea":
        return pd.Series(values, dtype=object)
    if not values:  # pyogrio gives empty text columns the object dtype
        return pd.Series([], dtype=object)
    return pd.Series(values)
