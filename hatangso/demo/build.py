"""Build the reproducible demo dataset for Bình Định (2024 administrative units).

The demo stacks synthetic layers on top of the real public base layers documented in
``shared/data/PROVENANCE.md``:

* real: province, district and commune polygons with 2019 census population and
  households, the major roads, the approximate high-voltage lines and the WorldPop
  density raster;
* synthetic (labelled so in :class:`LayerMeta`): the 1,176 villages, their residential
  clusters, the local road network that links them to the major roads, the
  hand-placed priority places, and the operators' fiber routes, fiber nodes and mobile
  sites (:mod:`geodata.demo_networks`, calibrated with the coverage engine).

Everything is generated from a :class:`numpy.random.Generator` seeded from ``seed`` and
a key per step (and per commune or village), so a build is reproducible and appending
a step does not change the layers built before it. Computation happens in WGS 84 /
UTM 49N (EPSG:32649, metres); layers are returned in EPSG:4326.

Without a base folder, :func:`build_demo` builds a small, clearly labelled synthetic
sample area ("mẫu tổng hợp") so that a bare checkout runs end to end.

Choices worth knowing:

* Only *Làng O2* (xã Vĩnh Kim, huyện Vĩnh Thạnh) lacks electricity: at the reference
  date (2024-06-30) it is the one village the province reports without grid power
  (thôn Canh Giao, xã Canh Hiệp, was connected in April 2024).
* Village names are invented ("Thôn 3", "Thôn Phú Hòa", "Khu phố 2", "Làng Kon Trú"),
  except Làng O2 and *Thôn Canh Giao* (xã Canh Hiệp, huyện Vân Canh): the generated
  village of Canh Hiệp farthest from the commune centre takes that name. It has grid
  power (since April 2024) and is served by an 18 m, two-sector Viettel 4G site on air
  since June 2024, two months later (:mod:`geodata.demo_networks`); the ``mobile_sites``
  contract has no date column, so the dates are in the layer's source text.
* Two periods: the layers reproduce the mid-2024 status (:data:`AS_OF`), and
  ``DemoDataset.later`` holds the end-2024 status (:data:`AS_OF_LATER`): the network
  layers that changed by then (fiber extensions toward 7 of the 15 villages without
  fiber, new and decommissioned sites, Viettel 5G at every district centre), complete,
  with the ids of unchanged features kept. The sample area gets a small later period too.
* Road ids starting with ``M`` are pieces of the real major roads; ids starting with
  ``S`` are synthetic local roads.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import unicodedata
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import rasterio
import rasterio.errors
import shapely
import shapely.ops
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS
from geodata.errors import StoreError
from geodata.load import RawLayer
from geodata.schemas import LAYER_ORDER
from geodata.store import LayerMeta, Store, is_database_url
from geodata.validate import ValidationContext, validate_layer
from hatangso.demo import networks as demo_networks

__all__ = ["AS_OF", "AS_OF_LATER", "DemoDataset", "DemoPeriod", "build_demo", "write_demo"]

log = logging.getLogger(__name__)

AS_OF: Final = dt.date(2024, 6, 30)
"""Reference date of the demo: the province's published mid-2024 status."""

AS_OF_LATER: Final = dt.date(2024, 12, 31)
"""Reference date of the demo's later period: the province's published end-2024 status."""

_WORK_CRS: Final = "EPSG:32649"
_OUT_CRS: Final = "EPSG:4326"

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]
_Layers = dict[str, gpd.GeoDataFrame]

# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class DemoPeriod:
    """A later period of a demo dataset: the layers that changed since the first one.

    Attributes
    ----------
    as_of : dt.date
        Reference date of the period.
    layers : dict of str to geopandas.GeoDataFrame
        Only the layers that differ from the first period, each complete (not a
        delta), in EPSG:4326 with the first period's columns; features that did not
        change keep their ids (and geometry).
    meta : dict of str to LayerMeta
        One entry per layer in ``layers``.
    """

    as_of: dt.date
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, LayerMeta]


@dataclass(frozen=True)
class DemoDataset:
    """A complete demo dataset, ready to be validated and stored.

    Attributes
    ----------
    name : str
        Display name, e.g. ``"Bình Định demo (2024 units)"``.
    as_of : dt.date
        Reference date of the status the demo reproduces.
    layers : dict of str to geopandas.GeoDataFrame
        Layers in EPSG:4326 with the data-contract columns, ids as normal columns and a
        RangeIndex.
    meta : dict of str to LayerMeta
        One entry per layer and per raster.
    rasters : dict of str to bytes
        GeoTIFF files as bytes; ``"population_density"`` is in people per km².
    later : list of DemoPeriod
        Later periods, by ascending ``as_of``; each period's layers are the first
        period's overridden by ``later[k].layers``.
    """

    name: str
    as_of: dt.date
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, LayerMeta]
    rasters: dict[str, bytes]
    later: list[DemoPeriod] = field(default_factory=list)


def build_demo(
    base_dir: Path | None,
    *,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> DemoDataset:
    """Build the demo dataset, from the shared base layers or as a synthetic sample.

    Parameters
    ----------
    base_dir : pathlib.Path or None
        Folder with the layout of ``shared/data`` (``dvhcvn/``, ``censusvn2009/``,
        ``gso_census2019/``, ...). ``None`` builds a small synthetic sample area
        ("mẫu tổng hợp") instead, with every layer flagged synthetic.
    seed : int, default 0
        Seed of the random generators; the same seed gives identical output.
    progress : callable, optional
        Called with a short message after each step, e.g. ``"villages: 1176"``.

    Returns
    -------
    DemoDataset
        Layers ``admin_units``, ``villages``, ``clusters``, ``roads``, ``power_lines``,
        ``priority_places``, ``fiber_routes``, ``fiber_nodes`` and ``mobile_sites``
        plus the raster ``population_density``, as of :data:`AS_OF`; ``later`` holds
        one period as of :data:`AS_OF_LATER` with the network layers of that date
        (``fiber_routes``, ``fiber_nodes``, ``mobile_sites``).

    Raises
    ------
    FileNotFoundError
        If a base file is missing or unreadable; the message names the file and what
        ``--base`` must point to.
    ValueError
        If ``seed`` is negative or a base file does not have the expected content.

    Examples
    --------
    >>> demo = build_demo(None, seed=0)
    >>> demo.layers["villages"].shape[0]
    12
    >>> [period.as_of.isoformat() for period in demo.later]
    ['2024-12-31']
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"`seed` must be a non-negative integer, got {seed!r}."
        raise ValueError(msg)

    def report(message: str) -> None:
        log.debug(message)
        if progress is not None:
            progress(message)

    base = _sample_base() if base_dir is None else _load_base(Path(base_dir))
    report(f"base: {base.name}")
    ctx = _Context(base=base, seed=seed, progress=report)
    layers: _Layers = {}
    for _name, step in _STEPS:
        layers.update(step(ctx, layers))
    _check_layers(layers)
    changed = demo_networks.step_later_networks(ctx, layers)
    _check_layers(changed)
    later = DemoPeriod(
        as_of=AS_OF_LATER,
        layers=changed,
        meta={name: base.later_meta[name] for name in changed},
    )
    return DemoDataset(
        name=base.name,
        as_of=AS_OF,
        layers=layers,
        meta=dict(base.meta),
        rasters={"population_density": base.density_tif},
        later=[later],
    )


# ------------------------------------------------------------------------ configuration

_BASE_FILES: Final[dict[str, str]] = {
    "province": "dvhcvn/binh_dinh_province.geojson",
    "districts": "dvhcvn/binh_dinh_districts.geojson",
    "communes": "censusvn2009/binh_dinh_communes_2009.geojson",
    "census": "gso_census2019/binh_dinh_commune_population_households_2019.csv",
    "ward_changes": "gso_ward_changes/binh_dinh_ward_changes_2019_2024.csv",
    "hamlets": "hes_hamlets/binh_dinh_hes_hamlets_1967_1974.geojson",
    "roads": "legocity_transport/binh_dinh_major_roads_rail.geojson",
    "power_lines": "mccf_powerlines/binh_dinh_powerlines_approx.geojson",
    "density": "worldpop/worldpop_pd_2020_1km_UNadj_binhdinh.tif",
}
_BASE_HINT: Final = (
    "`--base` must point to the shared reference-data folder (the layout of "
    "shared/data: dvhcvn/, censusvn2009/, gso_census2019/, gso_ward_changes/, "
    "hes_hamlets/, legocity_transport/, mccf_powerlines/, worldpop/), or be left out "
    "to build the synthetic sample."
)

_REAL_NAME: Final = "Bình Định demo (2024 units)"
_SAMPLE_NAME: Final = "Vùng mẫu tổng hợp (synthetic sample)"
_PROVINCE_CODE: Final = "52"
_REAL_VILLAGES: Final = 1176
_SAMPLE_VILLAGES: Final = 12
_MOUNTAIN_DISTRICTS: Final = frozenset({"542", "546", "551"})  # An Lão, Vĩnh Thạnh, Vân Canh

# villages per household, relative to a lowland xã (urban khu phố are larger units)
_STYLE_FACTOR: Final[dict[str, float]] = {
    "ward": 0.7,
    "town": 0.85,
    "lowland": 1.0,
    "mountain": 1.6,
}
_SIZE_EXPONENT: Final = 0.7  # villages grow less than proportionally with households
_MIN_VILLAGES: Final = 3
_SPACING_M: Final = 300.0
_REMOTE_CLEAR_M: Final = 3000.0  # no other village this close to the remote one
_NUMBERED_SHARE: Final = 0.3  # lowland communes whose thôn are numbered ("Thôn 1", ...)
_HAMLET_SHARE: Final = 0.5  # chance that a rural village snaps to a historic hamlet point
_DOMAIN_INSET_M: Final = 20.0  # keep generated points this far inside their polygon
_PLACE_INSET_M: Final = 50.0
_NODE_TOL_M: Final = 0.01
_MAJOR_SNAP_M: Final = 30.0
_LINE_MARGIN_M: Final = 500.0  # real lines are kept up to this far outside the province
_VILLAGE_LINK_M: Final = 1000.0
_CENTRE_LINK_M: Final = 3000.0
_MIN_LINK_M: Final = 5.0
_MAX_CLUSTERS: Final = 8

_UNIT_TYPES: Final = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Tỉnh", "Xã")

_LOWLAND_FIRST: Final = (
    "An", "Bình", "Chánh", "Đại", "Định", "Đông", "Hòa", "Hội", "Hưng", "Khánh",
    "Kim", "Long", "Lộc", "Lương", "Mỹ", "Ngọc", "Nhơn", "Phú", "Phước", "Quang",
    "Tân", "Tây", "Thạnh", "Thái", "Thuận", "Trung", "Vạn", "Vĩnh", "Xuân", "Hiệp",
)  # fmt: skip
_LOWLAND_SECOND: Final = (
    "An", "Bình", "Điền", "Đông", "Đức", "Hòa", "Hội", "Hưng", "Khánh", "Lộc",
    "Lợi", "Long", "Mỹ", "Nam", "Bắc", "Phong", "Phú", "Quang", "Sơn", "Tây",
    "Thái", "Thành", "Thạnh", "Thuận", "Trung", "Xuân", "Nghĩa", "Thọ", "Tín", "Lạc",
)  # fmt: skip
_DIRECTIONS: Final = frozenset({"Đông", "Tây", "Nam", "Bắc"})
_MOUNTAIN_FIRST: Final = (
    "Kon", "Đak", "Hà", "Tà", "Xà", "Kà", "Plei", "Tơ", "Ka", "Vi", "Đê", "Kơ",
)  # fmt: skip
_MOUNTAIN_SECOND: Final = (
    "Trú", "Ri", "Giọt", "Rang", "Bông", "Tra", "Điêu", "Tang", "Văn", "Mun", "Pring",
    "Lót", "Klơng", "Nhe", "Xim", "Lang", "Mỡ", "Trinh", "Bơ", "Đinh", "Róc", "Krôn",
    "Nưng", "Hoa", "Giang", "Pok",
)  # fmt: skip
_MOUNTAIN_CODES: Final = tuple(f"{letter}{k}" for letter in ("K", "T", "M") for k in range(1, 10))


@dataclass(frozen=True)
class _RemoteVillage:
    """A village placed far from roads and the commune centre, without electricity."""

    commune_id: str
    name: str
    households: tuple[int, int]  # inclusive range


@dataclass(frozen=True)
class _NamedVillage:
    """A real village name given to the generated village of a commune farthest from its centre."""

    commune_id: str
    name: str


@dataclass(frozen=True)
class _Place:
    place_id: str
    kind: str
    name: str
    lon: float
    lat: float
    commune_id: str | None = None  # keep the point inside this commune when given


@dataclass(frozen=True)
class _Grid:
    """A north-up raster of people per km² (0 where no data)."""

    values: _Floats
    x0: float
    y0: float
    dx: float
    dy: float

    def at(self, lon: _Floats, lat: _Floats) -> _Floats:
        """Return the cell values at the given coordinates (0 outside the raster)."""
        col = np.floor((lon - self.x0) / self.dx).astype(np.int64)
        row = np.floor((lat - self.y0) / self.dy).astype(np.int64)
        rows, cols = self.values.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.zeros(lon.shape, dtype=np.float64)
        out[inside] = self.values[row[inside], col[inside]]
        return out


@dataclass(frozen=True)
class _Base:
    """Base layers in EPSG:4326, read from files or made up for the sample."""

    name: str
    province: gpd.GeoDataFrame  # unit_id, name, unit_type, geometry
    districts: gpd.GeoDataFrame  # unit_id, name, unit_type, geometry
    communes: gpd.GeoDataFrame  # + parent_id, population, households, style
    hamlets: gpd.GeoDataFrame  # commune_id, geometry
    major_roads: gpd.GeoDataFrame  # class, name, geometry
    power_lines: gpd.GeoDataFrame  # voltage_kv, geometry
    density: _Grid
    density_tif: bytes
    places: tuple[_Place, ...]
    remote: tuple[_RemoteVillage, ...]
    village_total: int
    meta: Mapping[str, LayerMeta]
    later_meta: Mapping[str, LayerMeta]
    named: tuple[_NamedVillage, ...] = ()


@dataclass
class _Context:
    base: _Base
    seed: int
    progress: Callable[[str], None]
    _domains: dict[str, BaseGeometry] | None = field(default=None, repr=False)

    def rng(self, *keys: str) -> np.random.Generator:
        """Return a generator keyed by the seed and ``keys`` (independent of call order)."""
        entropy = [self.seed, *(zlib.crc32(key.encode("utf-8")) for key in keys)]
        return np.random.default_rng(entropy)

    def domains(self) -> dict[str, BaseGeometry]:
        """Return, per commune, the part of it inside the province, in metres, inset."""
        if self._domains is None:
            self._domains = _commune_domains(self.base)
        return self._domains


# ------------------------------------------------------------------------------ helpers


@functools.cache
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _to_lonlat(xy: _Floats) -> tuple[_Floats, _Floats]:
    lon, lat = _transformer(_WORK_CRS, _OUT_CRS).transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _to_work_xy(lon: _Floats, lat: _Floats) -> _Floats:
    x, y = _transformer(_OUT_CRS, _WORK_CRS).transform(lon, lat)
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def _clean_text(value: object) -> str:
    """Collapse whitespace and normalise to Unicode NFC."""
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _unit_type(name: str) -> str:
    for prefix in _UNIT_TYPES:
        if name.startswith(prefix + " "):
            return prefix
    msg = f"Cannot tell the unit type of {name!r}; expected a prefix among {_UNIT_TYPES!r}."
    raise ValueError(msg)


def _iter_polygons(geom: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(geom, Polygon):
        if not geom.is_empty:
            yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _iter_polygons(part)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Repair ``geom`` with make_valid and keep its polygonal parts as a MultiPolygon."""
    fixed = geom if geom.is_valid else shapely.make_valid(geom)
    multi = MultiPolygon(list(_iter_polygons(fixed)))
    if not multi.is_valid:
        multi = MultiPolygon(list(_iter_polygons(shapely.make_valid(multi))))
    return multi


def _split_integer(total: int, weights: _Floats, minimum: int = 0) -> _Ints:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    n = len(weights)
    rest = total - minimum * n
    if n == 0 or rest < 0:
        msg = f"Cannot split {total} into {n} parts of at least {minimum}."
        raise ValueError(msg)
    w = np.asarray(weights, dtype=np.float64)
    share = rest * w / w.sum() if w.sum() > 0 else np.full(n, rest / n)
    out = np.floor(share).astype(np.int64)
    order = np.lexsort((np.arange(n), -(share - out)))
    left = rest - int(out.sum())
    while left < 0:  # only possible through floating-point rounding
        out[order[-1]] -= 1
        left += 1
    out[order[:left]] += 1
    return np.asarray(out + minimum, dtype=np.int64)


def _allocate_with_minimum(total: int, weights: _Floats, minimum: _Ints) -> _Ints:
    """Largest-remainder allocation of ``total`` seats with a minimum per party."""
    if total < int(minimum.sum()):
        msg = f"Cannot allocate {total} villages with a minimum of {int(minimum.sum())} in all."
        raise ValueError(msg)
    fixed = np.zeros(len(weights), dtype=bool)
    while True:
        free_total = total - int(minimum[fixed].sum())
        quota = np.zeros(len(weights))
        quota[~fixed] = free_total * weights[~fixed] / weights[~fixed].sum()
        low = ~fixed & (quota < minimum)
        if not low.any():
            break
        fixed |= low
    out = minimum.astype(np.int64) * fixed
    out[~fixed] = _split_integer(free_total, quota[~fixed])
    return out


def _prim_mst(dist: _Floats) -> list[tuple[int, int]]:
    """Return the edges of a minimum spanning tree of a dense distance matrix."""
    n = dist.shape[0]
    if n < 2:
        return []
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = dist[0].astype(np.float64)
    parent = np.zeros(n, dtype=np.int64)
    edges: list[tuple[int, int]] = []
    for _ in range(n - 1):
        j = int(np.argmin(np.where(in_tree, np.inf, best)))
        edges.append((int(parent[j]), j))
        in_tree[j] = True
        update = ~in_tree & (dist[j] < best)
        best[update] = dist[j][update]
        parent[update] = j
    return edges


def _points(xy: _Floats) -> list[BaseGeometry]:
    """Return one shapely Point per row of ``xy``."""
    return list(np.asarray(shapely.points(xy), dtype=object).reshape(-1))


def _frame(
    records: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    geoms: Sequence[BaseGeometry],
    crs: str,
) -> gpd.GeoDataFrame:
    data = pd.DataFrame(list(records), columns=list(columns))
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


# ----------------------------------------------------------------------- reading files


def _check_columns(frame: pd.DataFrame, path: Path, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"Base file {str(path)!r} lacks column(s) {missing!r}; found "
            f"{list(frame.columns)!r}. Use the file described in PROVENANCE.md."
        )
        raise ValueError(msg)


def _read_vector(path: Path, columns: Sequence[str]) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(path)
    except (OSError, RuntimeError, ValueError) as err:
        msg = f"Cannot read base file {str(path)!r} ({err}). {_BASE_HINT}"
        raise FileNotFoundError(msg) from err
    if gdf.crs is None:
        msg = f"Base file {str(path)!r} has no CRS; set it on the source file (expected EPSG:4326)."
        raise ValueError(msg)
    _check_columns(gdf, path, columns)
    return gdf.to_crs(_OUT_CRS)


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as err:
        msg = f"Cannot read base file {str(path)!r} ({err}). {_BASE_HINT}"
        raise FileNotFoundError(msg) from err
    _check_columns(frame, path, columns)
    return frame


def _read_density(path: Path) -> tuple[_Grid, bytes]:
    try:
        raw = path.read_bytes()
        with MemoryFile(raw) as memfile, memfile.open() as src:
            values = src.read(1).astype(np.float64)
            nodata, crs, transform = src.nodata, src.crs, src.transform
    except (OSError, rasterio.errors.RasterioError) as err:
        msg = f"Cannot read base raster {str(path)!r} ({err}). {_BASE_HINT}"
        raise FileNotFoundError(msg) from err
    if crs is None or crs.to_epsg() != 4326:
        msg = f"Base raster {str(path)!r} has CRS {crs!r}; expected EPSG:4326."
        raise ValueError(msg)
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        msg = f"Base raster {str(path)!r} is not north-up (transform {tuple(transform)!r})."
        raise ValueError(msg)
    bad = ~np.isfinite(values) | (values < 0)
    if nodata is not None:
        bad |= values == nodata
    values[bad] = 0.0
    grid = _Grid(values, x0=transform.c, y0=transform.f, dx=transform.a, dy=transform.e)
    return grid, raw


def _load_base(base_dir: Path) -> _Base:
    paths = {key: base_dir / rel for key, rel in _BASE_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = (
            f"Demo base data incomplete: {len(missing)} file(s) missing under "
            f"{str(base_dir)!r}: {', '.join(missing)}. {_BASE_HINT}"
        )
        raise FileNotFoundError(msg)
    province, districts, communes = _load_admin(paths)
    hamlets = _read_vector(paths["hamlets"], ["commune_gso_code_2019"])
    hamlets = hamlets[hamlets["commune_gso_code_2019"].notna()]
    hamlets = gpd.GeoDataFrame(
        {"commune_id": hamlets["commune_gso_code_2019"].astype(str).to_numpy()},
        geometry=hamlets.geometry.to_numpy(),
        crs=_OUT_CRS,
    )
    grid, tif = _read_density(paths["density"])
    return _Base(
        name=_REAL_NAME,
        province=province,
        districts=districts,
        communes=communes,
        hamlets=hamlets,
        major_roads=_load_major_roads(paths["roads"]),
        power_lines=_load_power_lines(paths["power_lines"]),
        density=grid,
        density_tif=tif,
        places=_REAL_PLACES,
        remote=(_RemoteVillage("21790", "Làng O2", (40, 60)),),
        village_total=_REAL_VILLAGES,
        meta=_REAL_META,
        later_meta=demo_networks.LATER_META,
        named=(_NamedVillage("22000", demo_networks.CANH_GIAO),),
    )


def _load_admin(
    paths: Mapping[str, Path],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    prov = _read_vector(paths["province"], ["level1_id", "name"])
    prov = prov[prov["level1_id"].astype(str) == _PROVINCE_CODE]
    if len(prov) != 1:
        msg = (
            f"Expected one province {_PROVINCE_CODE!r} in {str(paths['province'])!r}, "
            f"found {len(prov)}."
        )
        raise ValueError(msg)
    province = gpd.GeoDataFrame(
        {
            "unit_id": [_PROVINCE_CODE],
            "name": [_clean_text(prov["name"].iloc[0])],
            "unit_type": ["Tỉnh"],
        },
        geometry=[_as_multipolygon(prov.geometry.iloc[0])],
        crs=_OUT_CRS,
    )
    dist = _read_vector(paths["districts"], ["level2_id", "name"]).sort_values(
        "level2_id", kind="stable"
    )
    names = [_clean_text(n) for n in dist["name"]]
    districts = gpd.GeoDataFrame(
        {
            "unit_id": dist["level2_id"].astype(str).to_numpy(),
            "name": names,
            "unit_type": [_unit_type(n) for n in names],
        },
        geometry=[_as_multipolygon(g) for g in dist.geometry],
        crs=_OUT_CRS,
    )
    poly = _read_vector(paths["communes"], ["gso_code_2019"])
    census = _read_csv(paths["census"], ["gso_code_2019", "pop_total", "hh_total"])
    changes = _read_csv(
        paths["ward_changes"], ["commune_code_2019", "commune_2024", "district_code_2024"]
    )
    table = census.merge(
        changes, left_on="gso_code_2019", right_on="commune_code_2019", how="inner", validate="1:1"
    )
    table = table.merge(
        pd.DataFrame(
            {
                "gso_code_2019": poly["gso_code_2019"].astype(str),
                "geometry": poly.geometry.to_numpy(),
            }
        ),
        on="gso_code_2019",
        how="inner",
        validate="1:1",
    )
    expected = {len(census), len(changes), len(poly)}
    if len(expected) != 1 or len(table) != len(census):
        msg = (
            f"Commune tables do not match: census {len(census)}, ward changes {len(changes)}, "
            f"polygons {len(poly)}, matched {len(table)} by GSO 2019 code."
        )
        raise ValueError(msg)
    table = table.sort_values("gso_code_2019", kind="stable")
    names = [_clean_text(n) for n in table["commune_2024"]]
    types = [_unit_type(n) for n in names]
    parents = table["district_code_2024"].astype(str).to_numpy()
    unknown = sorted(set(parents) - set(districts["unit_id"]))
    if unknown:
        msg = f"Communes refer to unknown district codes {unknown!r}."
        raise ValueError(msg)
    communes = gpd.GeoDataFrame(
        {
            "unit_id": table["gso_code_2019"].astype(str).to_numpy(),
            "name": names,
            "unit_type": types,
            "parent_id": parents,
            "population": table["pop_total"].astype(np.int64).to_numpy(),
            "households": table["hh_total"].astype(np.int64).to_numpy(),
            "style": [_style(t, p) for t, p in zip(types, parents, strict=True)],
        },
        geometry=[_as_multipolygon(g) for g in table["geometry"]],
        crs=_OUT_CRS,
    )
    return province, districts, communes


def _style(unit_type: str, district_id: str) -> str:
    if unit_type == "Phường":
        return "ward"
    if unit_type == "Thị trấn":
        return "town"
    return "mountain" if district_id in _MOUNTAIN_DISTRICTS else "lowland"


def _load_major_roads(path: Path) -> gpd.GeoDataFrame:
    roads = _read_vector(path, ["ten", "loai_duong", "cap_duong"])
    roads = roads[roads["loai_duong"].astype(str) != "Đường sắt"].explode(index_parts=False)
    roads = roads[(roads.geom_type == "LineString") & ~roads.geometry.is_empty]
    classes: list[str] = []
    names: list[str | None] = []
    for ten, cap in zip(roads["ten"], roads["cap_duong"], strict=True):
        label = _clean_text(ten) if isinstance(ten, str) else ""
        level = _clean_text(cap) if isinstance(cap, str) else ""
        if label.startswith(("Quốc lộ", "QL")):
            classes.append("national")
        elif label.startswith(("Tỉnh lộ", "TL", "ĐT")) or level == "Cấp Tỉnh":
            classes.append("provincial")
        else:
            classes.append("district")
        names.append(label if label and label != "Không biết" else None)
    return gpd.GeoDataFrame(
        {"class": classes, "name": names}, geometry=roads.geometry.to_numpy(), crs=_OUT_CRS
    )


def _load_power_lines(path: Path) -> gpd.GeoDataFrame:
    lines = _read_vector(path, ["voltage_class"]).explode(index_parts=False)
    lines = lines[
        (lines.geom_type == "LineString") & lines.geometry.is_valid & ~lines.geometry.is_empty
    ]
    volts: list[float] = []
    for label in lines["voltage_class"].astype(str):
        match = re.search(r"(\d+(?:\.\d+)?)\s*kV", label)
        if match is None:
            msg = f"Cannot read a voltage from {label!r} in {str(path)!r}."
            raise ValueError(msg)
        volts.append(float(match.group(1)))
    return gpd.GeoDataFrame({"voltage_kv": volts}, geometry=lines.geometry.to_numpy(), crs=_OUT_CRS)


# ---------------------------------------------------------------------- synthetic base


def _sample_base() -> _Base:
    """Return a small synthetic area: 1 province, 1 district, 3 communes (fixed layout)."""
    x0, y0 = _to_work_xy(np.array([108.95]), np.array([14.06]))[0]
    heights = np.linspace(0.0, 12_000.0, 7)
    offsets = np.array(
        [
            [0, 150, -200, 100, -150, 200, 0],
            [6000, 6400, 5700, 6300, 5800, 6350, 6000],
            [12000, 11700, 12300, 11800, 12400, 11750, 12000],
            [18000, 18200, 17800, 18150, 17900, 18100, 18000],
        ],
        dtype=np.float64,
    )
    curves = [np.column_stack([x0 + row, y0 + heights]) for row in offsets]
    polys_utm = [Polygon(np.vstack([curves[k], curves[k + 1][::-1]])) for k in range(3)]

    def to4326(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda xy: np.column_stack(_to_lonlat(xy)))

    commune_polys = [_as_multipolygon(to4326(p)) for p in polys_utm]
    outline = _as_multipolygon(shapely.union_all(commune_polys))
    province = gpd.GeoDataFrame(
        {"unit_id": ["00"], "name": ["Tỉnh Mẫu (mẫu tổng hợp)"], "unit_type": ["Tỉnh"]},
        geometry=[outline],
        crs=_OUT_CRS,
    )
    districts = gpd.GeoDataFrame(
        {"unit_id": ["000"], "name": ["Huyện Mẫu (mẫu tổng hợp)"], "unit_type": ["Huyện"]},
        geometry=[outline],
        crs=_OUT_CRS,
    )
    communes = gpd.GeoDataFrame(
        {
            "unit_id": ["00001", "00004", "00007"],
            "name": ["Xã Kon Mẫu", "Xã Phú Mẫu", "Thị trấn Mẫu"],
            "unit_type": ["Xã", "Xã", "Thị trấn"],
            "parent_id": ["000", "000", "000"],
            "population": np.array([2460, 7080, 8870], dtype=np.int64),
            "households": np.array([655, 1935, 2410], dtype=np.int64),
            "style": ["mountain", "lowland", "town"],
        },
        geometry=commune_polys,
        crs=_OUT_CRS,
    )

    def line(points: Sequence[tuple[float, float]]) -> LineString:
        xy = np.array(points, dtype=np.float64) + np.array([x0, y0])
        return LineString(np.column_stack(_to_lonlat(xy)))

    major_roads = gpd.GeoDataFrame(
        {"class": ["national", "provincial"], "name": ["Quốc lộ mẫu", "Tỉnh lộ mẫu"]},
        geometry=[
            line([(14600, 200), (14900, 4000), (14500, 8000), (14800, 11800)]),
            line([(1500, 7600), (5200, 6900), (9000, 6500), (15500, 6100)]),
        ],
        crs=_OUT_CRS,
    )
    power_lines = gpd.GeoDataFrame(
        {"voltage_kv": [110.0, 22.0]},
        geometry=[
            line([(16000, 300), (11000, 5000), (4000, 11500)]),
            line([(11000, 5000), (9000, 6300)]),
        ],
        crs=_OUT_CRS,
    )
    grid, tif = _sample_density(x0, y0)
    centre = np.array([[x0 + 15000.0, y0 + 6500.0]])
    places: list[_Place] = []
    specs = (
        ("DC000", "district_centre", "Trung tâm huyện Mẫu", (0.0, 0.0), "00007"),
        ("HO001", "hospital", "Trung tâm Y tế huyện Mẫu", (400.0, -300.0), "00007"),
        ("SC001", "school", "Trường THPT Mẫu", (-500.0, 450.0), "00007"),
        ("IP001", "industrial_park", "Cụm công nghiệp Mẫu", (-5500.0, -3500.0), "00004"),
        ("TO001", "tourism", "Thác Mẫu", (-12500.0, 2500.0), "00001"),
    )
    for pid, kind, name, (dx, dy), commune in specs:
        lon, lat = _to_lonlat(centre + np.array([[dx, dy]]))
        places.append(_Place(pid, kind, name, float(lon[0]), float(lat[0]), commune))
    return _Base(
        name=_SAMPLE_NAME,
        province=province,
        districts=districts,
        communes=communes,
        hamlets=gpd.GeoDataFrame(
            {"commune_id": pd.Series([], dtype=str)}, geometry=[], crs=_OUT_CRS
        ),
        major_roads=major_roads,
        power_lines=power_lines,
        density=grid,
        density_tif=tif,
        places=tuple(places),
        remote=(_RemoteVillage("00001", "Làng Kon Lót", (40, 60)),),
        village_total=_SAMPLE_VILLAGES,
        meta=_SAMPLE_META,
        later_meta=_SAMPLE_LATER_META,
    )


def _sample_density(x0: float, y0: float) -> tuple[_Grid, bytes]:
    """Return a synthetic density raster (people/km², 30″ cells) and its GeoTIFF bytes."""
    cell = 1.0 / 120.0
    lon_min, lat_min = _to_lonlat(np.array([[x0 - 3000.0, y0 - 3000.0]]))
    lon_max, lat_max = _to_lonlat(np.array([[x0 + 21000.0, y0 + 15000.0]]))
    west = math.floor(float(lon_min[0]) / cell) * cell
    north = math.ceil(float(lat_max[0]) / cell) * cell
    width = math.ceil((float(lon_max[0]) - west) / cell)
    height = math.ceil((north - float(lat_min[0])) / cell)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    xy = _to_work_xy((west + cols * cell).ravel(), (north - rows * cell).ravel())
    blobs = (  # x, y (m from origin), peak people/km², sigma m
        (15000.0, 6500.0, 2500.0, 1200.0),
        (9000.0, 4000.0, 600.0, 1500.0),
        (8000.0, 9000.0, 400.0, 1200.0),
        (2500.0, 8000.0, 80.0, 900.0),
        (4000.0, 3000.0, 60.0, 800.0),
        (1200.0, 1500.0, 25.0, 600.0),
    )
    values = np.full(len(xy), 3.0)
    for bx, by, peak, sigma in blobs:
        d2 = (xy[:, 0] - x0 - bx) ** 2 + (xy[:, 1] - y0 - by) ** 2
        values += peak * np.exp(-d2 / (2 * sigma**2))
    array = values.reshape(height, width).astype(np.float32)
    transform = from_origin(west, north, cell, cell)
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": width,
        "height": height,
        "crs": _OUT_CRS,
        "transform": transform,
        "nodata": -99999.0,
        "compress": "deflate",
    }
    with MemoryFile() as memfile:
        with memfile.open(**profile) as dst:
            dst.write(array, 1)
            dst.update_tags(LICENSE="synthetic", SOURCE="synthetic sample density (geodata.demo)")
        tif = bytes(memfile.read())
    grid = _Grid(array.astype(np.float64), x0=west, y0=north, dx=cell, dy=-cell)
    return grid, tif


# ------------------------------------------------------------------------------- steps


def _commune_domains(base: _Base) -> dict[str, BaseGeometry]:
    province = base.province.to_crs(_WORK_CRS).geometry.iloc[0]
    communes = base.communes.to_crs(_WORK_CRS)
    out: dict[str, BaseGeometry] = {}
    for unit_id, geom in zip(communes["unit_id"], communes.geometry, strict=True):
        inside = geom.intersection(province)
        domain = inside if inside.area >= 0.2 * geom.area else geom
        inset = domain.buffer(-_DOMAIN_INSET_M)
        domain = inset if inset.area >= 0.25 * domain.area else domain
        shapely.prepare(domain)
        out[str(unit_id)] = domain
    return out


def _step_admin_units(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    del layers
    base = ctx.base
    communes = base.communes
    dist_pop = communes.groupby("parent_id")["population"].sum()
    dist_hh = communes.groupby("parent_id")["households"].sum()
    districts = base.districts.assign(
        level="district",
        parent_id=base.province["unit_id"].iloc[0],
        population=[int(dist_pop.get(u, 0)) for u in base.districts["unit_id"]],
        households=[int(dist_hh.get(u, 0)) for u in base.districts["unit_id"]],
    )
    province = base.province.assign(
        level="province",
        parent_id=None,
        population=int(communes["population"].sum()),
        households=int(communes["households"].sum()),
    )
    columns = [
        "unit_id",
        "name",
        "level",
        "parent_id",
        "unit_type",
        "population",
        "households",
        "geometry",
    ]
    frames = [province, districts, communes.assign(level="commune")]
    admin = pd.concat([f[columns] for f in frames], ignore_index=True)
    admin = gpd.GeoDataFrame(admin, geometry="geometry", crs=_OUT_CRS)
    admin["parent_id"] = admin["parent_id"].astype(admin["unit_id"].dtype)  # None -> NA
    admin["population"] = admin["population"].astype(np.int64)
    admin["households"] = admin["households"].astype(np.int64)
    ctx.progress(
        f"admin units: {len(province)} province, {len(districts)} districts, "
        f"{len(communes)} communes"
    )
    return {"admin_units": admin}


def _village_counts(base: _Base) -> _Ints:
    communes = base.communes
    weights = communes["households"].to_numpy(dtype=np.float64) ** _SIZE_EXPONENT * communes[
        "style"
    ].map(_STYLE_FACTOR).to_numpy(dtype=np.float64)
    minimum = np.full(len(communes), _MIN_VILLAGES, dtype=np.int64)
    return _allocate_with_minimum(base.village_total, weights, minimum)


@dataclass(frozen=True)
class _Candidates:
    xy: _Floats
    density: _Floats


def _candidates(domain: BaseGeometry, n: int, grid: _Grid, rng: np.random.Generator) -> _Candidates:
    """Jittered grid points inside ``domain``, with the population density at each."""
    area = float(domain.area)
    step = float(np.clip(math.sqrt(area / (60 * n)), 10.0, 200.0))
    minx, miny, maxx, maxy = domain.bounds
    for _ in range(6):
        gx, gy = np.meshgrid(
            np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step)
        )
        x = gx.ravel() + rng.uniform(-0.45 * step, 0.45 * step, gx.size)
        y = gy.ravel() + rng.uniform(-0.45 * step, 0.45 * step, gy.size)
        keep = shapely.contains_xy(domain, x, y)
        if keep.sum() >= 4 * n:
            break
        step /= 2
    xy = np.column_stack([x[keep], y[keep]])
    if len(xy) < n:
        msg = f"Cannot place {n} villages in a polygon of {area:.0f} m²."
        raise RuntimeError(msg)
    lon, lat = _to_lonlat(xy)
    return _Candidates(xy, grid.at(lon, lat))


@dataclass(frozen=True)
class _Placement:
    xy: _Floats  # (n, 2); row 0 is the commune centre
    density: _Floats
    remote: int | None


@dataclass(frozen=True)
class _CommuneSite:
    """What village placement needs to know about one commune (metres)."""

    domain: BaseGeometry
    n: int
    cands: _Candidates
    hamlets: _Candidates
    hamlet_share: float
    remote_from: BaseGeometry | None  # major roads, when the remote village is placed here
    blocked: _Floats  # remote villages of other communes, to keep clear of


def _place_villages(site: _CommuneSite, rng: np.random.Generator) -> _Placement:
    """Place the villages of a commune: the centre, then a remote one if asked, then the rest.

    Positions are drawn from the candidates with a weight growing with the population
    density, keeping a minimum spacing (relaxed only when the commune is too crowded).
    """
    area = float(site.domain.area)
    spacing = min(_SPACING_M, 0.5 * math.sqrt(area / site.n))
    xy, dens = site.cands.xy, site.cands.density
    floor = 0.02 * max(float(dens.max()), 1.0)
    pools = [
        (xy, (dens + floor) ** 1.5, dens),
        (site.hamlets.xy, (site.hamlets.density + floor) ** 1.5, site.hamlets.density),
    ]
    keep_out = [(point, _REMOTE_CLEAR_M) for point in site.blocked]
    alive = _alive(pools, keep_out, 1.0)
    if not alive[0].any():
        alive = _alive(pools, [], 1.0)
    edge = np.asarray(shapely.distance(site.domain.boundary, shapely.points(xy)), dtype=np.float64)
    k = _pick_centre(site, pools[0][1], edge, alive[0])
    chosen: list[_Floats] = [xy[k]]
    chosen_dens = [float(dens[k])]
    keep_out.append((xy[k], spacing))
    remote: int | None = None
    if site.remote_from is not None:
        k = _pick_remote(site, xy[k], spacing, edge)
        remote = len(chosen)
        chosen.append(xy[k])
        chosen_dens.append(float(dens[k]))
        # keep the other villages well away, so that it stays remote
        keep_out.append((xy[k], max(spacing, min(_REMOTE_CLEAR_M, 0.25 * math.sqrt(area)))))
    scale = 1.0
    alive = _alive(pools, keep_out, scale)
    while len(chosen) < site.n:
        k_pool = 1 if alive[1].any() and rng.random() < site.hamlet_share else 0
        if not alive[k_pool].any():
            k_pool = 1 - k_pool
        if not alive[k_pool].any():  # too crowded: relax the spacing and start over
            scale *= 0.7
            alive = _alive(pools, keep_out, scale)
            continue
        pxy, pweight, pdens = pools[k_pool]
        p = np.where(alive[k_pool], pweight, 0.0)
        k = int(rng.choice(len(p), p=p / p.sum()))
        chosen.append(pxy[k])
        chosen_dens.append(float(pdens[k]))
        keep_out.append((pxy[k], spacing))
        _exclude(pools, alive, pxy[k], spacing * scale)
    return _Placement(np.array(chosen, dtype=np.float64), np.array(chosen_dens), remote)


def _pick_centre(site: _CommuneSite, weight: _Floats, edge: _Floats, alive: _Bools) -> int:
    """Index of the commune centre: a dense, central candidate, not on the edge."""
    xy = site.cands.xy
    area = float(site.domain.area)
    rep = site.domain.point_on_surface()
    dist_rep = np.hypot(xy[:, 0] - rep.x, xy[:, 1] - rep.y)
    interior = edge >= min(250.0, 0.1 * math.sqrt(area))
    score = weight * np.exp(-dist_rep / (0.35 * math.sqrt(area))) * np.where(interior, 1.0, 1e-3)
    return int(np.argmax(np.where(alive, score, -1.0)))


def _pick_remote(site: _CommuneSite, centre: _Floats, spacing: float, edge: _Floats) -> int:
    """Index of the remote village: inhabited, deep inside, far from roads and the centre."""
    xy, dens = site.cands.xy, site.cands.density
    dist_centre = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1])
    ok = (
        (dens >= np.quantile(dens, 0.4))
        & (dist_centre >= 2 * spacing)
        & (edge >= min(2000.0, 0.5 * float(edge.max())))
    )
    if not ok.any():
        ok = dist_centre >= spacing
    roads = site.remote_from
    road_dist = (
        shapely.distance(roads, shapely.points(xy))
        if roads is not None and not roads.is_empty
        else np.zeros(len(xy))
    )
    return int(np.argmax(np.where(ok, road_dist + 0.5 * dist_centre, -np.inf)))


def _alive(
    pools: Sequence[tuple[_Floats, _Floats, _Floats]],
    keep_out: Sequence[tuple[_Floats, float]],
    scale: float,
) -> list[_Bools]:
    """Candidates of each pool that are outside every ``(point, radius * scale)``."""
    alive = [np.ones(len(pxy), dtype=bool) for pxy, _, _ in pools]
    for point, radius in keep_out:
        _exclude(pools, alive, point, radius * scale)
    return alive


def _exclude(
    pools: Sequence[tuple[_Floats, _Floats, _Floats]],
    alive: Sequence[_Bools],
    point: _Floats,
    radius: float,
) -> None:
    """Mark the candidates of every pool within ``radius`` of ``point`` as taken."""
    for (pxy, _, _), mask in zip(pools, alive, strict=True):
        np.logical_and(
            mask, np.hypot(pxy[:, 0] - point[0], pxy[:, 1] - point[1]) >= radius, out=mask
        )


def _village_names(
    style: str, n: int, rng: np.random.Generator, fixed: Mapping[int, str]
) -> list[str]:
    """Return ``n`` names unique within a commune; ``fixed`` pins some of them."""
    if style in {"ward", "town"}:
        pool = [f"Khu phố {k}" for k in range(1, n + 1)]
    elif style == "mountain":
        words = [f"{a} {b}" for a in _MOUNTAIN_FIRST for b in _MOUNTAIN_SECOND]
        words += list(_MOUNTAIN_CODES)
        picks = rng.choice(len(words), size=n + len(fixed), replace=False)
        pool = [f"Làng {words[int(k)]}" for k in picks]
    elif rng.random() < _NUMBERED_SHARE:
        pool = [f"Thôn {k}" for k in range(1, n + 1)]
    else:
        words = [
            f"{a} {b}"
            for a in _LOWLAND_FIRST
            for b in _LOWLAND_SECOND
            if a != b and not {a, b} <= _DIRECTIONS
        ]
        picks = rng.choice(len(words), size=n + len(fixed), replace=False)
        pool = [f"Thôn {words[int(k)]}" for k in picks]
    taken = set(fixed.values())
    free = iter(name for name in pool if name not in taken)
    return [unicodedata.normalize("NFC", fixed.get(i) or next(free)) for i in range(n)]


def _step_villages(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    del layers
    base = ctx.base
    counts = dict(zip(base.communes["unit_id"], _village_counts(base).tolist(), strict=True))
    remote_by_commune = {r.commune_id: r for r in base.remote}
    roads = shapely.union_all(base.major_roads.to_crs(_WORK_CRS).geometry.to_numpy())
    hamlets = base.hamlets.to_crs(_WORK_CRS)
    hamlet_xy = shapely.get_coordinates(hamlets.geometry.to_numpy())
    hamlet_commune = hamlets["commune_id"].to_numpy(dtype=str)
    communes = base.communes.set_index("unit_id", drop=False)
    # remote villages first, so that the other communes keep clear of them
    order = sorted(communes["unit_id"], key=lambda u: (u not in remote_by_commune, u))
    blocked: list[_Floats] = []
    frames: dict[str, pd.DataFrame] = {}
    for unit_id in order:
        row = communes.loc[unit_id]
        rng = ctx.rng("villages", unit_id)
        domain = ctx.domains()[unit_id]
        remote = remote_by_commune.get(unit_id)
        hxy = hamlet_xy[hamlet_commune == unit_id]
        hxy = hxy[shapely.contains_xy(domain, hxy[:, 0], hxy[:, 1])]
        site = _CommuneSite(
            domain=domain,
            n=counts[unit_id],
            cands=_candidates(domain, counts[unit_id], base.density, rng),
            hamlets=_Candidates(hxy, base.density.at(*_to_lonlat(hxy))),
            hamlet_share=0.0 if row["style"] in {"ward", "town"} else _HAMLET_SHARE,
            remote_from=roads if remote is not None else None,
            blocked=np.array(blocked).reshape(-1, 2),
        )
        placement = _place_villages(site, rng)
        if placement.remote is not None:
            blocked.append(placement.xy[placement.remote])
        frames[unit_id] = _commune_villages(row, placement, remote, rng)
    villages = pd.concat([frames[u] for u in communes["unit_id"]], ignore_index=True)
    _pin_names(villages, base.named)
    xy = np.column_stack([villages.pop("x"), villages.pop("y")])
    villages = gpd.GeoDataFrame(villages, geometry=shapely.points(xy), crs=_WORK_CRS)
    villages = villages.to_crs(_OUT_CRS).astype(
        {"households": np.int64, "population": np.int64, "has_electricity": bool}
    )
    ctx.progress(f"villages: {len(villages)}")
    return {"villages": villages}


def _pin_names(villages: pd.DataFrame, named: Sequence[_NamedVillage]) -> None:
    """Rename, in place, the village of each commune of ``named`` farthest from its centre.

    Only villages with electricity that are not the commune centre qualify; the
    positions (columns ``x``, ``y``, metres) decide, so the choice is deterministic.
    """
    for spec in named:
        here = villages["commune_id"] == spec.commune_id
        centre = here & villages["is_commune_centre"]
        pool = here & ~villages["is_commune_centre"] & villages["has_electricity"]
        if not centre.any() or not pool.any():
            log.warning("villages: no village of commune %s to name %s", spec.commune_id, spec.name)
            continue
        cx, cy = villages.loc[centre, "x"].iloc[0], villages.loc[centre, "y"].iloc[0]
        dist = np.hypot(villages.loc[pool, "x"] - cx, villages.loc[pool, "y"] - cy)
        villages.loc[dist.idxmax(), "name"] = unicodedata.normalize("NFC", spec.name)


def _commune_villages(
    commune: pd.Series,
    placement: _Placement,
    remote: _RemoteVillage | None,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Households, population, ids and names of the villages of one commune."""
    unit_id = str(commune["unit_id"])
    n = len(placement.xy)
    households = _split_households(int(commune["households"]), placement, remote, rng)
    population = _split_integer(int(commune["population"]), households.astype(np.float64), 1)
    order = np.lexsort((placement.xy[:, 0], -placement.xy[:, 1]))  # number north to south
    fixed: dict[int, str] = {}
    if placement.remote is not None and remote is not None:
        fixed[int(np.flatnonzero(order == placement.remote)[0])] = remote.name
    names = _village_names(str(commune["style"]), n, rng, fixed)
    return pd.DataFrame(
        {
            "village_id": [f"{unit_id}-{seq + 1:02d}" for seq in range(n)],
            "name": names,
            "commune_id": unit_id,
            "households": households[order],
            "population": population[order],
            "has_electricity": order != (-1 if placement.remote is None else placement.remote),
            "is_commune_centre": order == 0,
            "x": placement.xy[order, 0],
            "y": placement.xy[order, 1],
        }
    )


def _split_households(
    total: int, placement: _Placement, remote: _RemoteVillage | None, rng: np.random.Generator
) -> _Ints:
    """Split a commune's households over its villages; the centre gets the most."""
    n = len(placement.xy)
    out = np.zeros(n, dtype=np.int64)
    others = np.ones(n, dtype=bool)
    rest = total
    if placement.remote is not None and remote is not None:
        low, high = remote.households
        out[placement.remote] = min(int(rng.integers(low, high + 1)), total - (n - 1))
        others[placement.remote] = False
        rest -= int(out[placement.remote])
    idx = np.flatnonzero(others)
    weights = rng.lognormal(0.0, 0.45, len(idx)) * (placement.density[idx] + 1.0) ** 0.3
    weights[0] = weights.max() * 1.35  # idx[0] == 0 is the centre
    minimum = max(1, min(20, rest // (3 * len(idx))))
    split = _split_integer(rest, weights, minimum=minimum)
    top = int(np.argmax(split))
    split[[0, top]] = split[[top, 0]]
    out[idx] = split
    return out


def _step_clusters(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    villages = layers["villages"]
    domains = ctx.domains()
    style = dict(zip(ctx.base.communes["unit_id"], ctx.base.communes["style"], strict=True))
    per_commune = villages["commune_id"].value_counts()
    xy = shapely.get_coordinates(villages.to_crs(_WORK_CRS).geometry.to_numpy())
    records: list[dict[str, object]] = []
    points: list[_Floats] = []
    for i, (village_id, commune_id, hh) in enumerate(
        zip(villages["village_id"], villages["commune_id"], villages["households"], strict=True)
    ):
        rng = ctx.rng("clusters", str(village_id))
        domain = domains[str(commune_id)]
        urban = style[commune_id] in {"ward", "town"}
        # Rural thôn and làng are spread out: hamlets of a village lie up to a few km
        # from its centre (the share of households far from the roads between village
        # centres is what keeps household fiber reach below village reach).
        spread = math.sqrt(domain.area / int(per_commune[commune_id]))
        reach = float(
            np.clip(0.5 * spread, 150.0, 800.0) if urban else np.clip(0.9 * spread, 300.0, 2500.0)
        )
        sizes, isolated = _cluster_sizes(int(hh), urban=urban, rng=rng)
        n_main = len(sizes) - isolated
        spots = [xy[i]]
        if n_main > 1:
            spots += list(_ring_points(domain, xy[i], (0.4 * reach, reach), n_main - 1, rng))
        if isolated:
            far = min(1500.0, 1.4 * reach)
            spots += list(_ring_points(domain, xy[i], (0.6 * far, far), isolated, rng))
        for j, (size, spot) in enumerate(zip(sizes, spots, strict=True)):
            records.append(
                {
                    "cluster_id": f"{village_id}-{j + 1}",
                    "village_id": str(village_id),
                    "households": int(size),
                }
            )
            points.append(spot)
    clusters = _frame(
        records,
        ["cluster_id", "village_id", "households"],
        _points(np.array(points)),
        _WORK_CRS,
    ).to_crs(_OUT_CRS)
    clusters["households"] = clusters["households"].astype(np.int64)
    ctx.progress(f"clusters: {len(clusters)}")
    return {"clusters": clusters}


def _cluster_sizes(households: int, *, urban: bool, rng: np.random.Generator) -> tuple[_Ints, int]:
    """Household counts per cluster (core first, single isolated houses last)."""
    per_cluster = rng.uniform(60.0, 120.0) if urban else rng.uniform(35.0, 70.0)
    n_main = int(np.clip(round(households / per_cluster), 1, _MAX_CLUSTERS - 1))
    n_main = min(n_main, households)
    isolated = 0
    if not urban and households - n_main >= 10 and rng.random() < 0.35:
        isolated = min(int(rng.integers(1, 3)), _MAX_CLUSTERS - n_main)
    main = households - isolated
    weights = rng.lognormal(0.0, 0.6, n_main)
    weights[0] = weights.max() * (1.5 if urban else 1.0)
    minimum = 2 if main >= 2 * n_main else 1
    sizes = _split_integer(main, weights, minimum=minimum)
    return np.concatenate([sizes, np.ones(isolated, dtype=np.int64)]), isolated


def _ring_points(
    domain: BaseGeometry,
    centre: _Floats,
    radii: tuple[float, float],
    count: int,
    rng: np.random.Generator,
) -> _Floats:
    """Return ``count`` points at ``radii`` (min, max m) from ``centre``, inside ``domain``.

    A point that cannot be placed inside ``domain`` in a few tries falls back to ``centre``.
    """
    r_min, r_max = radii
    tries = 24
    angle = rng.uniform(0.0, 2 * math.pi, (count, tries))
    radius = np.sqrt(rng.uniform(r_min**2, r_max**2, (count, tries)))
    x = centre[0] + radius * np.cos(angle)
    y = centre[1] + radius * np.sin(angle)
    inside = shapely.contains_xy(domain, x, y)
    first = np.argmax(inside, axis=1)
    rows = np.arange(count)
    out = np.column_stack([x[rows, first], y[rows, first]])
    out[~inside.any(axis=1)] = centre  # fallback: at the village itself
    return out


# -------------------------------------------------------------------------------- roads


def _split_coords(coords: _Floats, cuts: Sequence[tuple[float, float]]) -> list[_Floats]:
    """Split a polyline at ``cuts``, inserting each cut point exactly as a shared vertex."""
    if not cuts:
        return [coords]
    pts = np.unique(np.array(cuts, dtype=np.float64), axis=0)
    dist = shapely.line_locate_point(LineString(coords), shapely.points(pts))
    seg = np.hypot(*np.diff(coords, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    ev_d = np.concatenate([along, dist])
    ev_cut = np.concatenate([np.zeros(len(coords)), np.ones(len(pts))])
    ev_xy = np.vstack([coords, pts])
    pieces: list[_Floats] = []
    current: list[tuple[float, float]] = []
    for k in np.lexsort((ev_cut, ev_d)):
        point = (float(ev_xy[k, 0]), float(ev_xy[k, 1]))
        if not current or current[-1] != point:
            current.append(point)
        if ev_cut[k]:
            if len(current) >= 2:
                pieces.append(np.array(current))
            current = [point]
    if len(current) >= 2:
        pieces.append(np.array(current))
    return pieces


def _points_of(geom: BaseGeometry) -> Iterator[tuple[float, float]]:
    if geom.is_empty:
        return
    if isinstance(geom, Point):
        yield (geom.x, geom.y)
    elif isinstance(geom, LineString):
        coords = np.asarray(geom.coords)
        yield (float(coords[0, 0]), float(coords[0, 1]))
        yield (float(coords[-1, 0]), float(coords[-1, 1]))
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _points_of(part)


def _node_lines(lines: Sequence[_Floats], tol: float = _NODE_TOL_M) -> list[tuple[int, _Floats]]:
    """Split lines where they cross or where an end touches another line.

    Returns ``(index of the source line, piece coordinates)``; pieces meet at exactly
    equal coordinates, so a graph built from their end points is properly noded.
    """
    geoms = np.array([LineString(c) for c in lines], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=tol)
    keep = left < right
    left, right = left[keep], right[keep]
    ends = np.array([[c[0], c[-1]] for c in lines], dtype=np.float64)  # (n, 2, 2)
    cuts: list[list[tuple[float, float]]] = [[] for _ in lines]
    for a_idx, b_idx in ((left, right), (right, left)):
        for end in (0, 1):
            pts = ends[a_idx, end]
            near = shapely.distance(shapely.points(pts), geoms[b_idx]) <= tol
            for b, p in zip(b_idx[near], pts[near], strict=True):
                if not ((ends[b] == p).all(axis=1)).any():
                    cuts[b].append((float(p[0]), float(p[1])))
    inter = shapely.intersection(geoms[left], geoms[right])
    for k in np.flatnonzero(~shapely.is_empty(inter)):
        i, j = int(left[k]), int(right[k])
        four = np.vstack([ends[i], ends[j]])
        for p in _points_of(inter[k]):
            if np.hypot(four[:, 0] - p[0], four[:, 1] - p[1]).min() > tol:
                cuts[i].append(p)
                cuts[j].append(p)
    return [
        (idx, piece)
        for idx, coords in enumerate(lines)
        for piece in _split_coords(coords, cuts[idx])
    ]


def _component_labels(pieces: Sequence[_Floats]) -> _Ints:
    """Label the connected component of each piece, numbered by first appearance."""
    parent: dict[tuple[float, float], tuple[float, float]] = {}

    def find(node: tuple[float, float]) -> tuple[float, float]:
        parent.setdefault(node, node)
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    ends = [((float(p[0, 0]), float(p[0, 1])), (float(p[-1, 0]), float(p[-1, 1]))) for p in pieces]
    for a, b in ends:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    numbering: dict[tuple[float, float], int] = {}
    return np.array(
        [numbering.setdefault(find(a), len(numbering)) for a, _ in ends], dtype=np.int64
    )


def _snap_major_ends(lines: list[_Floats], tol: float) -> list[_Floats]:
    """Move road ends that stop short of (or overshoot onto) another road onto it."""
    out = [c.copy() for c in lines]
    for i in range(len(out)):
        for end in (0, -1):
            point = Point(out[i][end])
            others = [j for j in range(len(out)) if j != i]
            dists = [LineString(out[j]).distance(point) for j in others]
            if not dists:
                continue
            k = int(np.argmin(dists))
            if 0.0 < dists[k] <= tol:
                target = LineString(out[others[k]])
                snapped = shapely.line_interpolate_point(
                    target, shapely.line_locate_point(target, point)
                )
                out[i][end] = np.asarray(snapped.coords[0])
    return out


def _nearest_on(lines: Sequence[LineString], point: _Floats) -> tuple[int, _Floats]:
    pt = Point(point)
    k = int(np.argmin(shapely.distance(np.array(lines, dtype=object), pt)))
    line = lines[k]
    snapped = shapely.line_interpolate_point(line, shapely.line_locate_point(line, pt))
    return k, np.asarray(snapped.coords[0], dtype=np.float64)


@dataclass
class _LocalRoads:
    lines: list[_Floats] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    def add(self, coords: _Floats, road_class: str) -> None:
        self.lines.append(np.asarray(coords, dtype=np.float64))
        self.classes.append(road_class)


def _track(a: _Floats, b: _Floats, rng: np.random.Generator) -> _Floats:
    """Return a mountain track from ``a`` to ``b``: one bend, 2–4 % longer than straight."""
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
    mid = (a + b) / 2 + normal * float(np.hypot(*d)) * rng.uniform(0.1, 0.14) * rng.choice(
        [-1.0, 1.0]
    )
    return np.vstack([a, mid, b])


def _step_roads(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    rng = ctx.rng("roads")
    major = _clip_lines(ctx.base, ctx.base.major_roads)
    major_lines = _snap_major_ends(
        [shapely.get_coordinates(g) for g in major.geometry], _MAJOR_SNAP_M
    )
    major_pieces = _node_lines(major_lines)
    labels = _component_labels([p for _, p in major_pieces])
    comp_of_line = np.zeros(len(major_lines), dtype=np.int64)
    for (src, _), label in zip(major_pieces, labels, strict=True):
        comp_of_line[src] = label
    major_geoms = [LineString(c) for c in major_lines]

    villages = layers["villages"]
    vxy = shapely.get_coordinates(villages.to_crs(_WORK_CRS).geometry.to_numpy())
    local = _LocalRoads()
    _commune_roads(villages, vxy, local, rng)
    _village_links(villages, vxy, major_geoms, local)
    _district_roads(villages, vxy, major_geoms, comp_of_line, local)

    all_lines = [*major_lines, *local.lines]
    pieces = _node_lines(all_lines)
    n_major = len(major_lines)
    n_comp = int(_component_labels([p for _, p in pieces]).max()) + 1
    if n_comp != 1:
        msg = f"Internal error: the demo road network has {n_comp} components, expected 1."
        raise RuntimeError(msg)
    road_class = [*major["class"], *local.classes]
    road_name = [*major["name"], *([None] * len(local.lines))]
    records: list[dict[str, object]] = []
    n_m = n_s = 0
    for src, _ in pieces:
        if src < n_major:
            n_m += 1
            rid = f"M{n_m:04d}"
        else:
            n_s += 1
            rid = f"S{n_s:05d}"
        records.append({"road_id": rid, "class": road_class[src], "name": road_name[src]})
    geoms = [LineString(p) for _, p in pieces]
    roads = _frame(records, ["road_id", "class", "name"], geoms, _WORK_CRS).to_crs(_OUT_CRS)
    length_km = float(sum(g.length for g in geoms)) / 1000.0
    ctx.progress(
        f"roads: {len(roads)} segments, {length_km:.0f} km ({n_m} real, {n_s} synthetic), connected"
    )
    return {"roads": roads}


def _commune_roads(
    villages: gpd.GeoDataFrame, vxy: _Floats, local: _LocalRoads, rng: np.random.Generator
) -> None:
    """Commune roads: a minimum spanning tree over each commune's villages."""
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    commune_ids = villages["commune_id"].to_numpy(dtype=str)
    for commune_id in sorted(set(commune_ids)):
        idx = np.flatnonzero(commune_ids == commune_id)
        pts = vxy[idx]
        dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
        for a, b in _prim_mst(dist):
            ia, ib = idx[a], idx[b]
            if powered[ia] and powered[ib]:
                local.add(np.vstack([vxy[ia], vxy[ib]]), "commune")
            else:
                local.add(_track(vxy[ia], vxy[ib], rng), "track")


def _village_links(
    villages: gpd.GeoDataFrame, vxy: _Floats, major_geoms: Sequence[LineString], local: _LocalRoads
) -> None:
    """Village roads from villages close to a major road straight onto it."""
    if not major_geoms:
        return
    union = shapely.union_all(major_geoms)
    dist = shapely.distance(shapely.points(vxy), union)
    eligible = (
        villages["has_electricity"].to_numpy(dtype=bool)
        & ~villages["is_commune_centre"].to_numpy(dtype=bool)
        & (dist > _MIN_LINK_M)
        & (dist <= _VILLAGE_LINK_M)
    )
    for i in np.flatnonzero(eligible):
        _, target = _nearest_on(major_geoms, vxy[i])
        local.add(np.vstack([vxy[i], target]), "village")


def _district_roads(
    villages: gpd.GeoDataFrame,
    vxy: _Floats,
    major_geoms: Sequence[LineString],
    comp_of_line: _Ints,
    local: _LocalRoads,
) -> None:
    """District roads: a spanning tree over commune centres and the major-road pieces.

    Each connected piece of the major network is one node; a centre joins it at its
    nearest point. Centres within a few kilometres of a major road also get a direct
    link, which adds loops.
    """
    centres = vxy[villages["is_commune_centre"].to_numpy(dtype=bool)]
    n_c = len(centres)
    comps = [
        [major_geoms[int(k)] for k in np.flatnonzero(comp_of_line == c)]
        for c in range(len(set(comp_of_line.tolist())))
    ]
    comp_geoms = np.array([shapely.MultiLineString(c) for c in comps], dtype=object)
    n = n_c + len(comps)
    dist = np.zeros((n, n))
    dist[:n_c, :n_c] = np.hypot(
        centres[:, None, 0] - centres[None, :, 0], centres[:, None, 1] - centres[None, :, 1]
    )
    pts = shapely.points(centres)
    if comps:
        dist[:n_c, n_c:] = shapely.distance(pts[:, None], comp_geoms[None, :])
        dist[n_c:, :n_c] = dist[:n_c, n_c:].T
        dist[n_c:, n_c:] = shapely.distance(comp_geoms[:, None], comp_geoms[None, :])
    linked: set[tuple[int, int]] = set()
    for a, b in _prim_mst(dist):
        u, v = min(a, b), max(a, b)
        if v < n_c:
            local.add(np.vstack([centres[u], centres[v]]), "district")
        elif u < n_c:
            _, target = _nearest_on(comps[v - n_c], centres[u])
            if dist[u, v] > 0:
                local.add(np.vstack([centres[u], target]), "district")
            linked.add((u, v - n_c))
        else:
            link = shapely.shortest_line(comp_geoms[u - n_c], comp_geoms[v - n_c])
            if link.length > 0:
                local.add(shapely.get_coordinates(link), "district")
    if not major_geoms:
        return
    for u in range(n_c):
        c = int(np.argmin(dist[u, n_c:]))
        if (u, c) not in linked and _MIN_LINK_M < dist[u, n_c + c] <= _CENTRE_LINK_M:
            _, target = _nearest_on(comps[c], centres[u])
            local.add(np.vstack([centres[u], target]), "district")


# ------------------------------------------------------------------ other layers


def _clip_lines(base: _Base, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``lines`` in metres, cut to the province plus a margin, as LineStrings."""
    zone = base.province.to_crs(_WORK_CRS).geometry.iloc[0].buffer(_LINE_MARGIN_M)
    utm = lines.to_crs(_WORK_CRS)
    parts = utm.set_geometry(utm.geometry.intersection(zone)).explode(index_parts=False)
    keep = (parts.geom_type == "LineString") & (parts.geometry.length > 1.0)
    return parts[keep].reset_index(drop=True)


def _step_power_lines(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    del layers
    lines = _clip_lines(ctx.base, ctx.base.power_lines)
    out = gpd.GeoDataFrame(
        {
            "line_id": [f"PL{k + 1:03d}" for k in range(len(lines))],
            "voltage_kv": lines["voltage_kv"].to_numpy(dtype=np.float64),
        },
        geometry=lines.geometry.to_numpy(),
        crs=_WORK_CRS,
    ).to_crs(_OUT_CRS)
    ctx.progress(f"power lines: {len(out)}")
    return {"power_lines": out}


def _step_priority_places(ctx: _Context, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    del layers
    places = ctx.base.places
    province = ctx.base.province.to_crs(_WORK_CRS).geometry.iloc[0]
    inside_province = province.buffer(-_PLACE_INSET_M)
    domains = ctx.domains()
    xy = _to_work_xy(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    points: list[BaseGeometry] = []
    moved = 0
    for place, p in zip(places, xy, strict=True):
        domain = domains.get(place.commune_id or "", inside_province)
        point = Point(p)
        if not domain.contains(point):
            point = shapely.ops.nearest_points(domain, point)[0]
            moved += 1
        points.append(point)
    out = gpd.GeoDataFrame(
        {
            "place_id": [p.place_id for p in places],
            "name": [unicodedata.normalize("NFC", p.name) for p in places],
            "kind": [p.kind for p in places],
            "approximate": np.ones(len(places), dtype=bool),
        },
        geometry=points,
        crs=_WORK_CRS,
    ).to_crs(_OUT_CRS)
    ctx.progress(f"priority places: {len(out)} ({moved} moved inside their area)")
    return {"priority_places": out}


def _check_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Raise if a generated layer breaks a basic invariant (internal consistency check)."""
    id_column = {
        "admin_units": "unit_id",
        "villages": "village_id",
        "clusters": "cluster_id",
        "roads": "road_id",
        "power_lines": "line_id",
        "priority_places": "place_id",
        "fiber_routes": "route_id",
        "fiber_nodes": "node_id",
        "mobile_sites": "site_id",
    }
    problems = []
    for name, gdf in layers.items():
        column = id_column.get(name)
        if column is not None and not gdf[column].is_unique:
            problems.append(f"{name}: duplicate {column}")
        if not (gdf.geometry.is_valid & ~gdf.geometry.is_empty).all():
            problems.append(f"{name}: invalid or empty geometries")
    if problems:
        msg = "Internal error, the demo dataset is inconsistent: " + "; ".join(problems)
        raise RuntimeError(msg)


_Step = Callable[[_Context, Mapping[str, gpd.GeoDataFrame]], _Layers]
_STEPS: Final[tuple[tuple[str, _Step], ...]] = (
    ("admin_units", _step_admin_units),
    ("villages", _step_villages),
    ("clusters", _step_clusters),
    ("roads", _step_roads),
    ("power_lines", _step_power_lines),
    ("priority_places", _step_priority_places),
    ("fiber", demo_networks.step_fiber_network),
    ("mobile_sites", demo_networks.step_mobile_sites),
)
"""Build steps in order; each gets the layers built so far and returns new ones."""

# ---------------------------------------------------------------------- reference data

_SYNTHETIC_NOTE: Final = (
    "synthetic, generated by geodata.demo (seeded) on top of the real base layers; "
    "calibrated to the 2019 census and the province's mid-2024 figures"
)
_REAL_META: Final[Mapping[str, LayerMeta]] = {
    "admin_units": LayerMeta(
        source=(
            "province and district polygons: gis.chinhphu.vn via daohoangson/dvhcvn; "
            "commune polygons (2009–2013 layout, simplified): LucieContamin/censusVN2009; "
            "codes and 2024 names: GSO ward-change record 2019–2024; population and "
            "households: GSO 2019 census via hgscarlette/vn-demographic; geometries "
            "repaired with shapely.make_valid"
        ),
        licence="GPL-3.0 (dvhcvn), MIT (censusVN2009), official GSO statistics",
        synthetic=False,
    ),
    "villages": LayerMeta(
        source=(
            f"{_SYNTHETIC_NOTE}: villages placed by WorldPop 2020 density and HES hamlet "
            "points (1967–1974); households and population split exactly from the 2019 "
            "census per commune; names invented except Làng O2 (xã Vĩnh Kim), the one "
            "village without electricity, and Thôn Canh Giao (xã Canh Hiệp, grid power "
            "since April 2024; the generated village farthest from the commune centre)"
        ),
        licence="synthetic; derived from WorldPop (CC BY 4.0) and GSO census statistics",
        synthetic=True,
    ),
    "clusters": LayerMeta(
        source=(
            f"{_SYNTHETIC_NOTE}: residential clusters within 2.5 km of their village "
            "(rural hamlets spread out, towns compact)"
        ),
        licence="synthetic",
        synthetic=True,
    ),
    "roads": LayerMeta(
        source=(
            "road_id M…: real major roads from CTU-SematX/LegoCity (giaothong; railway "
            "removed; cut to the province + 500 m; split where local roads join); "
            f"road_id S…: {_SYNTHETIC_NOTE} (spanning trees over villages, commune centres "
            "and the major roads; straight segments)"
        ),
        licence="CC BY-SA 4.0 (LegoCity major roads); synthetic local roads",
        synthetic=True,
    ),
    "power_lines": LayerMeta(
        source=(
            "OpenStreetMap power lines via samclissold2/MCCF_Git_Repo (approximate, "
            "reconstructed from clustered vertices; fragmentary; not for routing or "
            "distances); cut to the province + 500 m"
        ),
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        synthetic=False,
    ),
    "priority_places": LayerMeta(
        source="hand-placed approximate positions of real places (typed for this project)",
        licence="project data (hand-typed, no third-party source)",
        synthetic=True,
    ),
    "population_density": LayerMeta(
        source=(
            "WorldPop 2020 population density, 1 km, UN-adjusted (people/km²), University "
            "of Southampton, via samclissold2/MCCF_Git_Repo; Bình Định window, file as is"
        ),
        licence="CC BY 4.0",
        synthetic=False,
    ),
    **demo_networks.NETWORK_META,
}
_SAMPLE_META: Final[Mapping[str, LayerMeta]] = {
    name: LayerMeta(
        source=f"synthetic sample area (mẫu tổng hợp), made up by geodata.demo: {name}",
        licence="synthetic (no third-party data)",
        synthetic=True,
    )
    for name in _REAL_META
}
_SAMPLE_LATER_META: Final[Mapping[str, LayerMeta]] = {
    name: LayerMeta(
        source=(
            f"synthetic sample area (mẫu tổng hợp), made up by geodata.demo: {name}, "
            "later period (a fiber extension and a few new sites)"
        ),
        licence="synthetic (no third-party data)",
        synthetic=True,
    )
    for name in demo_networks.LATER_META
}

# Real places, positions typed by hand (approximate): kind -> (place_id, name, lon, lat,
# GSO code of the commune the point must stay in, if any). Points outside their commune
# (or the province) are moved to the nearest point inside.
_REAL_PLACE_TABLE: Final[dict[str, tuple[tuple[str, str, float, float, str | None], ...]]] = {
    "district_centre": (
        ("DC540", "Trung tâm thành phố Quy Nhơn", 109.2300, 13.7720, None),
        ("DC542", "Trung tâm huyện An Lão (thị trấn An Lão)", 108.8850, 14.6000, "21609"),
        ("DC543", "Trung tâm thị xã Hoài Nhơn (phường Bồng Sơn)", 109.0130, 14.4330, "21640"),
        ("DC544", "Trung tâm huyện Hoài Ân (thị trấn Tăng Bạt Hổ)", 108.9720, 14.3700, "21688"),
        ("DC545", "Trung tâm huyện Phù Mỹ (thị trấn Phù Mỹ)", 109.0525, 14.1735, "21730"),
        ("DC546", "Trung tâm huyện Vĩnh Thạnh (thị trấn Vĩnh Thạnh)", 108.778, 14.087, "21786"),
        ("DC547", "Trung tâm huyện Tây Sơn (thị trấn Phú Phong)", 108.9105, 13.9085, "21808"),
        ("DC548", "Trung tâm huyện Phù Cát (thị trấn Ngô Mây)", 109.0570, 14.0000, "21853"),
        ("DC549", "Trung tâm thị xã An Nhơn (phường Bình Định)", 109.1110, 13.8885, "21907"),
        ("DC550", "Trung tâm huyện Tuy Phước (thị trấn Tuy Phước)", 109.1600, 13.8260, "21952"),
        ("DC551", "Trung tâm huyện Vân Canh (thị trấn Vân Canh)", 108.9990, 13.6230, "21994"),
    ),
    "industrial_park": (
        ("IP01", "Khu công nghiệp Phú Tài", 109.1500, 13.7800, "21559"),
        ("IP02", "Khu công nghiệp Long Mỹ", 109.1300, 13.7350, "21991"),
        ("IP03", "Khu công nghiệp Nhơn Hòa", 109.0950, 13.8550, "21943"),
        ("IP04", "Khu kinh tế Nhơn Hội", 109.2750, 13.8300, "21601"),
        ("IP05", "Khu công nghiệp Nhơn Hội (khu A)", 109.2700, 13.8560, "21601"),
        ("IP06", "Khu công nghiệp Nhơn Hội (khu B)", 109.2600, 13.8850, None),
        ("IP07", "Khu công nghiệp Hòa Hội", 109.0400, 14.0600, "21871"),
        ("IP08", "Khu công nghiệp Cát Trinh", 109.0850, 14.0100, "21877"),
        ("IP09", "Khu công nghiệp Becamex VSIP Bình Định", 109.0620, 13.7560, None),
    ),
    "hospital": (
        ("HO01", "Bệnh viện Đa khoa tỉnh Bình Định", 109.2285, 13.7710, None),
        ("HO02", "Bệnh viện Phong – Da liễu Trung ương Quy Hòa", 109.2170, 13.7310, None),
        ("HO03", "Bệnh viện Đa khoa khu vực Bồng Sơn", 109.0180, 14.4290, "21640"),
        ("HO04", "Bệnh viện Đa khoa khu vực Phú Phong", 108.9160, 13.9100, "21808"),
        ("HO05", "Trung tâm Y tế thị xã An Nhơn", 109.1080, 13.8860, "21907"),
        ("HO06", "Trung tâm Y tế huyện Phù Mỹ", 109.0540, 14.1715, "21730"),
        ("HO07", "Trung tâm Y tế huyện An Lão", 108.8870, 14.5985, "21609"),
        ("HO08", "Trung tâm Y tế huyện Vĩnh Thạnh", 108.7800, 14.0890, "21786"),
        ("HO09", "Trung tâm Y tế huyện Vân Canh", 109.0010, 13.6210, "21994"),
    ),
    "school": (
        ("SC01", "Trường Đại học Quy Nhơn", 109.2180, 13.7590, None),
        ("SC02", "Trường THPT chuyên Lê Quý Đôn", 109.2110, 13.7570, None),
        ("SC03", "Trường THPT Quốc Học Quy Nhơn", 109.2300, 13.7760, None),
        ("SC04", "Trường THPT Tam Quan", 109.0430, 14.5560, "21637"),
        ("SC05", "Trường THPT Quang Trung (Tây Sơn)", 108.9150, 13.9060, "21808"),
        ("SC06", "Trường THPT Vĩnh Thạnh", 108.7810, 14.0860, "21786"),
    ),
    "tourism": (
        ("TO01", "Kỳ Co", 109.2970, 13.8420, None),
        ("TO02", "Eo Gió", 109.2960, 13.8640, None),
        ("TO03", "Ghềnh Ráng Tiên Sa", 109.2150, 13.7430, None),
        ("TO04", "Tháp Đôi", 109.2110, 13.7850, None),
        ("TO05", "Tháp Bánh Ít", 109.1550, 13.8700, "21973"),
        ("TO06", "Bảo tàng Quang Trung", 108.9250, 13.9135, "21808"),
        ("TO07", "Khu du lịch sinh thái Hầm Hồ", 108.8800, 13.8600, "21850"),
        ("TO08", "Trung tâm Khoa học và Giáo dục liên ngành (ICISE)", 109.218, 13.728, None),
        ("TO09", "Tháp Dương Long", 108.9950, 13.9220, "21832"),
    ),
}
_REAL_PLACES: Final[tuple[_Place, ...]] = tuple(
    _Place(pid, kind, name, lon, lat, commune)
    for kind, rows in _REAL_PLACE_TABLE.items()
    for pid, name, lon, lat, commune in rows
)


# ---------------------------------------------------------------------- writing


def write_demo(
    dataset: DemoDataset, store: Store, *, written_at: dt.datetime | None = None
) -> None:
    """Validate every layer of a generated data set against the contract and write it.

    The demo goes through the same validation as an official's file, in dependency order
    (units before villages before clusters), so a generator bug cannot slip into a store.
    Its first period is written first and each later period on top of it, sharing the
    layers that did not change. A new store replaces an existing file at ``store.path``
    atomically; a database store must be empty.

    Parameters
    ----------
    dataset
        From :func:`build_demo`.
    store
        Where to write; an existing file there is replaced as a whole.
    written_at
        The timestamp recorded for the first period (fixed by the demo for reproducible
        files); later periods are stamped at midnight of their ``as_of`` date when it is
        given.
    """
    context = ValidationContext()
    first = _validated_demo_layers(dataset.layers, context)
    later = [(period, _validated_demo_layers(period.layers, context)) for period in dataset.later]

    def fill(target: Store) -> None:
        target.write(
            first,
            dataset.meta,
            name=dataset.name,
            as_of=dataset.as_of,
            rasters=dataset.rasters,
            imported_from="hatangso demo",
            written_at=written_at,
        )
        for period, layers in later:
            target.write(
                layers,
                period.meta,
                as_of=period.as_of,
                imported_from="hatangso demo",
                written_at=None
                if written_at is None
                else dt.datetime.combine(period.as_of, dt.time()),
            )

    if is_database_url(store.location):
        if store.exists() and store.periods():
            msg = (
                f"{store.location}: already holds periods {', '.join(store.periods())}; "
                "the demo is written only into an empty database."
            )
            raise StoreError(msg)
        fill(store)
        return
    fresh = Store(store.path.with_name(f".{store.path.stem}.{uuid.uuid4().hex}.new.gpkg"))
    fresh.path.unlink(missing_ok=True)
    try:
        fill(fresh)
        fresh.path.replace(store.path)
    finally:
        fresh.path.unlink(missing_ok=True)
        fresh.path.with_name(fresh.path.name + ".lock").unlink(missing_ok=True)


def _validated_demo_layers(
    layers: Mapping[str, gpd.GeoDataFrame], context: ValidationContext
) -> dict[str, gpd.GeoDataFrame]:
    """Validate generated layers in dependency order, adding them to ``context``."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in [n for n in LAYER_ORDER if n in layers]:
        frame = layers[name]
        raw = RawLayer(
            frame=frame.to_crs(STORE_CRS),
            source=f"demo:{name}",
            row_label="feature",
            row_numbers=list(range(1, len(frame) + 1)),
        )
        validated = validate_layer(raw, name, context=context)
        out[name] = validated.frame
        context.add_layer(name, validated.frame)
    unknown = set(layers) - set(out)
    if unknown:
        msg = f"demo produced layers outside the contract: {sorted(unknown)}"
        raise ValueError(msg)
    return out
