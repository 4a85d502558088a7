"""The real base layers, read from the shared reference data, and the ``admin_units`` layer.

The files (:data:`_BASE_FILES`, documented in ``shared/data/PROVENANCE.md``): province,
district and commune polygons with the 2019 census population and households, the
2019–2024 ward changes (2024 names and districts), the historic hamlet points, the
major roads, the approximate high-voltage lines and the WorldPop density raster. A
missing or unreadable file raises :class:`MissingBaseFileError` (a
:class:`FileNotFoundError`) naming the file and what ``--base`` must point to; a file in
another layout raises :class:`BaseDataError` (a :class:`ValueError`). Both are input
errors: the command line reports them as such, not as a bug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.errors
import shapely
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS
from geodata.errors import InputError, InputFileError
from geodata.raster import Grid, grid_from_bytes
from hatangso.demo.common import Layers
from hatangso.demo.context import Base, Context, NamedVillage, RemoteVillage
from hatangso.demo.places import REAL_PLACES
from hatangso.demo.provenance import LATER_META, REAL_META
from hatangso.demo.targets import CANH_GIAO, PROVINCE_CODE

__all__ = [
    "BaseDataError",
    "MissingBaseFileError",
    "as_multipolygon",
    "load_base",
    "step_admin_units",
]


class MissingBaseFileError(InputFileError, FileNotFoundError):
    """A reference file the demo needs is missing or unreadable under ``--base``."""


class BaseDataError(InputError, ValueError):
    """A reference file under ``--base`` is not in the layout of ``shared/data``."""


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
_REAL_VILLAGES: Final = 1176
_MOUNTAIN_DISTRICTS: Final = frozenset({"542", "546", "551"})  # An Lão, Vĩnh Thạnh, Vân Canh
_UNIT_TYPES: Final = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Tỉnh", "Xã")


# -------------------------------------------------------------------------- reading files


def _check_columns(frame: pd.DataFrame, path: Path, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"Base file {str(path)!r} lacks column(s) {missing!r}; found "
            f"{list(frame.columns)!r}. Use the file described in PROVENANCE.md."
        )
        raise BaseDataError(msg)


def _read_vector(path: Path, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Read a reference GeoJSON of ``shared/data`` in EPSG:4326, checking its columns.

    Not :func:`geodata.load.read_raw`, the reader of officials' files: it gives the same
    rows and geometries here, but it settles an undeclared CRS from the coordinates and
    logs that for every file (six more lines in ``hatangso demo``), and it looks for
    legacy encodings; the reference files are known, so the demo reads them as they are.
    """
    try:
        gdf = gpd.read_file(path)
    except (OSError, RuntimeError, ValueError) as err:
        msg = f"Cannot read base file {str(path)!r} ({err}). {_BASE_HINT}"
        raise MissingBaseFileError(msg) from err
    if gdf.crs is None:
        msg = f"Base file {str(path)!r} has no CRS; set it on the source file (expected EPSG:4326)."
        raise BaseDataError(msg)
    _check_columns(gdf, path, columns)
    return gdf.to_crs(STORE_CRS)


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a reference table (no coordinates) as text, checking its columns."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as err:
        msg = f"Cannot read base file {str(path)!r} ({err}). {_BASE_HINT}"
        raise MissingBaseFileError(msg) from err
    _check_columns(frame, path, columns)
    return frame


def _read_density(path: Path) -> tuple[Grid, bytes]:
    """Return the density raster as a grid and the file's bytes, stored as they are."""
    try:
        raw = path.read_bytes()
        grid = grid_from_bytes(raw)
    except (OSError, rasterio.errors.RasterioError) as err:
        msg = f"Cannot read base raster {str(path)!r} ({err}). {_BASE_HINT}"
        raise MissingBaseFileError(msg) from err
    except CRSError:  # the file declares none
        msg = f"Base raster {str(path)!r} has no CRS; expected EPSG:4326."
        raise BaseDataError(msg) from None
    if grid.crs.to_epsg() != 4326:
        msg = f"Base raster {str(path)!r} has CRS {grid.crs.to_string()!r}; expected EPSG:4326."
        raise BaseDataError(msg)
    transform = grid.transform
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        msg = f"Base raster {str(path)!r} is not north-up (transform {tuple(transform)!r})."
        raise BaseDataError(msg)
    return grid, raw


# ------------------------------------------------------------------------ the base layers


def load_base(base_dir: Path) -> Base:
    """Read the base layers of Bình Định from ``base_dir`` (the layout of ``shared/data``)."""
    paths = {key: base_dir / rel for key, rel in _BASE_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = (
            f"Demo base data incomplete: {len(missing)} file(s) missing under "
            f"{str(base_dir)!r}: {', '.join(missing)}. {_BASE_HINT}"
        )
        raise MissingBaseFileError(msg)
    province, districts, communes = _load_admin(paths)
    hamlets = _read_vector(paths["hamlets"], ["commune_gso_code_2019"])
    hamlets = hamlets[hamlets["commune_gso_code_2019"].notna()]
    hamlets = gpd.GeoDataFrame(
        {"commune_id": hamlets["commune_gso_code_2019"].astype(str).to_numpy()},
        geometry=hamlets.geometry.to_numpy(),
        crs=STORE_CRS,
    )
    grid, tif = _read_density(paths["density"])
    return Base(
        name=_REAL_NAME,
        province=province,
        districts=districts,
        communes=communes,
        hamlets=hamlets,
        major_roads=_load_major_roads(paths["roads"]),
        power_lines=_load_power_lines(paths["power_lines"]),
        density=grid,
        density_tif=tif,
        places=REAL_PLACES,
        remote=(RemoteVillage("21790", "Làng O2", (40, 60)),),
        village_total=_REAL_VILLAGES,
        meta=REAL_META,
        later_meta=LATER_META,
        named=(NamedVillage("22000", CANH_GIAO),),
    )


def _load_admin(
    paths: Mapping[str, Path],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    prov = _read_vector(paths["province"], ["level1_id", "name"])
    prov = prov[prov["level1_id"].astype(str) == PROVINCE_CODE]
    if len(prov) != 1:
        msg = (
            f"Expected one province {PROVINCE_CODE!r} in {str(paths['province'])!r}, "
            f"found {len(prov)}."
        )
        raise BaseDataError(msg)
    province = gpd.GeoDataFrame(
        {
            "unit_id": [PROVINCE_CODE],
            "name": [_clean_text(prov["name"].iloc[0])],
            "unit_type": ["Tỉnh"],
        },
        geometry=[as_multipolygon(prov.geometry.iloc[0])],
        crs=STORE_CRS,
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
        geometry=[as_multipolygon(g) for g in dist.geometry],
        crs=STORE_CRS,
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
        raise BaseDataError(msg)
    table = table.sort_values("gso_code_2019", kind="stable")
    names = [_clean_text(n) for n in table["commune_2024"]]
    types = [_unit_type(n) for n in names]
    parents = table["district_code_2024"].astype(str).to_numpy()
    unknown = sorted(set(parents) - set(districts["unit_id"]))
    if unknown:
        msg = f"Communes refer to unknown district codes {unknown!r}."
        raise BaseDataError(msg)
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
        geometry=[as_multipolygon(g) for g in table["geometry"]],
        crs=STORE_CRS,
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
        {"class": classes, "name": names}, geometry=roads.geometry.to_numpy(), crs=STORE_CRS
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
            raise BaseDataError(msg)
        volts.append(float(match.group(1)))
    return gpd.GeoDataFrame(
        {"voltage_kv": volts}, geometry=lines.geometry.to_numpy(), crs=STORE_CRS
    )


# ---------------------------------------------------------------------- text and geometry


def _clean_text(value: object) -> str:
    """Collapse whitespace and normalise to Unicode NFC."""
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _unit_type(name: str) -> str:
    for prefix in _UNIT_TYPES:
        if name.startswith(prefix + " "):
            return prefix
    msg = f"Cannot tell the unit type of {name!r}; expected a prefix among {_UNIT_TYPES!r}."
    raise BaseDataError(msg)


def _iter_polygons(geom: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(geom, Polygon):
        if not geom.is_empty:
            yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _iter_polygons(part)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Repair ``geom`` with make_valid and keep its polygonal parts as a MultiPolygon."""
    fixed = geom if geom.is_valid else shapely.make_valid(geom)
    multi = MultiPolygon(list(_iter_polygons(fixed)))
    if not multi.is_valid:
        multi = MultiPolygon(list(_iter_polygons(shapely.make_valid(multi))))
    return multi


# ------------------------------------------------------------------ the admin_units layer


def step_admin_units(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``admin_units``: the province, its districts and communes with their census totals."""
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
    admin = gpd.GeoDataFrame(admin, geometry="geometry", crs=STORE_CRS)
    admin["parent_id"] = admin["parent_id"].astype(admin["unit_id"].dtype)  # None -> NA
    admin["population"] = admin["population"].astype(np.int64)
    admin["households"] = admin["households"].astype(np.int64)
    ctx.progress(
        f"admin units: {len(province)} province, {len(districts)} districts, "
        f"{len(communes)} communes"
    )
    return {"admin_units": admin}
