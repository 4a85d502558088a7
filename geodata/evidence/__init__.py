"""Evidence layers read in bulk: measurements, speed-test tiles and complaints.

Measurement logs are large (a drive test: 10^5 to 10^6 samples) and messy (a GPS fix at
(0, 0), a placeholder signal level, a phone clock in the future, rows logged twice). Unlike
the network layers, which an official fixes and sends again, a log is what it is: the
readers here keep its valid rows and report every rejected row with its reason and its
row number (:class:`EvidenceLayer`); ``strict=True`` refuses the whole file instead.

Every check is vectorised over the column (regular expressions and NumPy), and text is
decoded and matched once per distinct value, so reading a million samples costs seconds.

The column names come from the data contract (:mod:`geodata.schemas`: Vietnamese and
English aliases); the exports of the measurement apps field staff use are recognised by
their header (:data:`LAYOUTS`). Each layout's columns and where they were confirmed are in
``docs/EVIDENCE.md``.

The package, by what it reads:

* :mod:`~geodata.evidence.common`: the rejected rows, column reading, the outcome;
* :mod:`~geodata.evidence.layouts`: the apps' export layouts and column matching;
* :mod:`~geodata.evidence.measurements`: measurement logs;
* :mod:`~geodata.evidence.drives`: the drive a sample belongs to;
* :mod:`~geodata.evidence.tiles`: speed-test tiles;
* :mod:`~geodata.evidence.complaints`: complaints.
"""

from __future__ import annotations

from collections.abc import Callable

from geodata.evidence.common import EvidenceLayer, row_ranges
from geodata.evidence.complaints import read_complaints
from geodata.evidence.drives import TRACK_GAP_S
from geodata.evidence.layouts import LAYOUTS, ExportLayout
from geodata.evidence.measurements import PLMN_OPERATORS, check_measurements, read_measurements
from geodata.evidence.tiles import read_speed_tiles
from geodata.validate import ValidatedLayer

__all__ = [
    "LAYOUTS",
    "PLMN_OPERATORS",
    "READERS",
    "TRACK_GAP_S",
    "EvidenceLayer",
    "ExportLayout",
    "check_measurements",
    "read_complaints",
    "read_measurements",
    "read_speed_tiles",
    "row_ranges",
]

#: The bulk readers, by layer, for :func:`geodata.importer.load_layer`.
READERS: dict[str, Callable[..., ValidatedLayer]] = {
    "measurements": read_measurements,
    "speed_tiles": read_speed_tiles,
    "complaints": read_complaints,
}
