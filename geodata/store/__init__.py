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
    key/value: ``name``, ``format_version`` and ``data_version`` (changed by every
    write of layers, rasters or results; what caches key on).
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

The modules, each importing only those below it:

:mod:`geodata.store.facade`
    :class:`Store`, the one class the rest of the code uses, and its records
    (:class:`LayerMeta`, :class:`LayerInfo`, :class:`DatasetInfo`).
:mod:`geodata.store.gpkg` / :mod:`geodata.store.pg`
    the GeoPackage and the PostGIS backend.
:mod:`geodata.store.backend`
    what a backend provides (the protocol), the transaction object :class:`Tx` and
    the SQL of the metadata tables, written once for both backends.
"""

from geodata.store.backend import FORMAT_VERSION as FORMAT_VERSION
from geodata.store.backend import Tx as Tx
from geodata.store.backend import is_database_url as is_database_url
from geodata.store.facade import DatasetInfo as DatasetInfo
from geodata.store.facade import LayerInfo as LayerInfo
from geodata.store.facade import LayerMeta as LayerMeta
from geodata.store.facade import Store as Store

__all__ = [
    "FORMAT_VERSION",
    "DatasetInfo",
    "LayerInfo",
    "LayerMeta",
    "Store",
    "Tx",
    "is_database_url",
]
