"""geodata: read, validate and store the layers of Hạ tầng số.

This package is the only code that reads and writes files: readers (:mod:`geodata.load`,
:mod:`geodata.raster`), the store (:mod:`geodata.store`) and the writers
(:mod:`geodata.export`, atomic). Everything it hands on is validated
against the data contract (:mod:`geodata.schemas`), has its text in Unicode NFC and its
coordinates in a known CRS: EPSG:4326 as stored, :data:`geodata.crs.WORK_CRS`
(WGS 84 / UTM 49N) for computation.
"""

from geodata import crs as crs
from geodata import schemas as schemas
from geodata import text as text
from geodata.errors import CRSProblem as CRSProblem
from geodata.errors import HatangsoError as HatangsoError
from geodata.errors import InputError as InputError
from geodata.errors import InputFileError as InputFileError
from geodata.errors import LayerValidationError as LayerValidationError
from geodata.errors import LegacyEncodingWarning as LegacyEncodingWarning
from geodata.errors import Problem as Problem
from geodata.errors import StoreError as StoreError
from geodata.importer import import_file as import_file
from geodata.importer import load_layer as load_layer
from geodata.store import LayerMeta as LayerMeta
from geodata.store import Store as Store
from geodata.validate import ValidatedLayer as ValidatedLayer
from geodata.validate import ValidationContext as ValidationContext

__all__ = [
    "CRSProblem",
    "HatangsoError",
    "InputError",
    "InputFileError",
    "LayerMeta",
    "LayerValidationError",
    "LegacyEncodingWarning",
    "Problem",
    "Store",
    "StoreError",
    "ValidatedLayer",
    "ValidationContext",
    "crs",
    "import_file",
    "load_layer",
    "schemas",
    "text",
]
