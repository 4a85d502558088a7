"""Readers: every file format officials send, turned into a frame in EPSG:4326.

The vector and table files officials send are opened here (GeoTIFFs in
:mod:`geodata.raster`, the store in :mod:`geodata.store`; the demo's own base files in
:mod:`hatangso.demo`). A reader does three things and no more: read the rows, decode text
(Unicode NFC; legacy TCVN3/VNI decoded when declared, flagged as a problem when it is
obvious but undeclared), and settle the coordinates' CRS without guessing
(:func:`geodata.coordinates.check_coordinates`). Checking the values against the data
contract is :mod:`geodata.validate`'s job.

What lives where (the names below are re-exported here, import them from
``geodata.load``):

* :mod:`geodata.load.raw`: :func:`read_raw`, the entry, dispatching on the suffix;
* :mod:`geodata.load.vector`: GeoJSON, GeoPackage, Shapefile; :func:`list_source_layers`;
* :mod:`geodata.load.tables`: CSV and Excel tables as officials lay them out;
  :func:`read_table`, :func:`preview_table` (:class:`TablePreview`),
  :func:`known_column_keys`;
* :mod:`geodata.load.cells`: :func:`find_column`, :func:`parse_number` and coordinates
  in cells;
* :mod:`geodata.load.common`: what they share: the suffixes, the coordinate aliases,
  :class:`RawLayer`, text decoding and the CRS settled.
"""

from geodata.load.cells import find_column, parse_number
from geodata.load.common import (
    LEGACY,
    RASTER_SUFFIXES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    X_ALIASES,
    Y_ALIASES,
    RawLayer,
)
from geodata.load.raw import read_raw
from geodata.load.tables import TablePreview, known_column_keys, preview_table, read_table
from geodata.load.vector import list_source_layers

__all__ = [
    "LEGACY",
    "RASTER_SUFFIXES",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "X_ALIASES",
    "Y_ALIASES",
    "RawLayer",
    "TablePreview",
    "find_column",
    "known_column_keys",
    "list_source_layers",
    "parse_number",
    "preview_table",
    "read_raw",
    "read_table",
]
