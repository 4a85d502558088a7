"""The synthetic sample area ("mẫu tổng hợp") built when no base folder is given.

One province, one district and three communes of a fixed layout, with two roads, two
power lines, a density raster and five priority places, so that a bare checkout runs
end to end; every layer is flagged synthetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS
from geodata.raster import Grid, grid_from_bytes
from hatangso.demo.base import as_multipolygon
from hatangso.demo.common import to_lonlat, to_work_xy
from hatangso.demo.context import Base, Place, RemoteVillage
from hatangso.demo.provenance import SAMPLE_LATER_META, SAMPLE_META

__all__ = ["sample_base"]

_SAMPLE_NAME: Final = "Vùng mẫu tổng hợp (synthetic sample)"
_SAMPLE_VILLAGES: Final = 12


# ------------------------------------------------------------------------ the sample area


def sample_base() -> Base:
    """Return a small synthetic area: 1 province, 1 district, 3 communes (fixed layout)."""
    x0, y0 = to_work_xy(np.array([108.95]), np.array([14.06]))[0]
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
        return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy)))

    commune_polys = [as_multipolygon(to4326(p)) for p in polys_utm]
    outline = as_multipolygon(shapely.union_all(commune_polys))
    province = gpd.GeoDataFrame(
        {"unit_id": ["00"], "name": ["Tỉnh Mẫu (mẫu tổng hợp)"], "unit_type": ["Tỉnh"]},
        geometry=[outline],
        crs=STORE_CRS,
    )
    districts = gpd.GeoDataFrame(
        {"unit_id": ["000"], "name": ["Huyện Mẫu (mẫu tổng hợp)"], "unit_type": ["Huyện"]},
        geometry=[outline],
        crs=STORE_CRS,
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
        crs=STORE_CRS,
    )

    def line(points: Sequence[tuple[float, float]]) -> LineString:
        xy = np.array(points, dtype=np.float64) + np.array([x0, y0])
        return LineString(np.column_stack(to_lonlat(xy)))

    major_roads = gpd.GeoDataFrame(
        {"class": ["national", "provincial"], "name": ["Quốc lộ mẫu", "Tỉnh lộ mẫu"]},
        geometry=[
            line([(14600, 200), (14900, 4000), (14500, 8000), (14800, 11800)]),
            line([(1500, 7600), (5200, 6900), (9000, 6500), (15500, 6100)]),
        ],
        crs=STORE_CRS,
    )
    power_lines = gpd.GeoDataFrame(
        {"voltage_kv": [110.0, 22.0]},
        geometry=[
            line([(16000, 300), (11000, 5000), (4000, 11500)]),
            line([(11000, 5000), (9000, 6300)]),
        ],
        crs=STORE_CRS,
    )
    grid, tif = _sample_density(x0, y0)
    centre = np.array([[x0 + 15000.0, y0 + 6500.0]])
    places: list[Place] = []
    specs = (
        ("DC000", "district_centre", "Trung tâm huyện Mẫu", (0.0, 0.0), "00007"),
        ("HO001", "hospital", "Trung tâm Y tế huyện Mẫu", (400.0, -300.0), "00007"),
        ("SC001", "school", "Trường THPT Mẫu", (-500.0, 450.0), "00007"),
        ("IP001", "industrial_park", "Cụm công nghiệp Mẫu", (-5500.0, -3500.0), "00004"),
        ("TO001", "tourism", "Thác Mẫu", (-12500.0, 2500.0), "00001"),
    )
    for pid, kind, name, (dx, dy), commune in specs:
        lon, lat = to_lonlat(centre + np.array([[dx, dy]]))
        places.append(Place(pid, kind, name, float(lon[0]), float(lat[0]), commune))
    return Base(
        name=_SAMPLE_NAME,
        province=province,
        districts=districts,
        communes=communes,
        hamlets=gpd.GeoDataFrame(
            {"commune_id": pd.Series([], dtype=str)}, geometry=[], crs=STORE_CRS
        ),
        major_roads=major_roads,
        power_lines=power_lines,
        density=grid,
        density_tif=tif,
        places=tuple(places),
        remote=(RemoteVillage("00001", "Làng Kon Lót", (40, 60)),),
        village_total=_SAMPLE_VILLAGES,
        meta=SAMPLE_META,
        later_meta=SAMPLE_LATER_META,
    )


def _sample_density(x0: float, y0: float) -> tuple[Grid, bytes]:
    """Return a synthetic density raster (people/km², 30″ cells) and its GeoTIFF bytes."""
    cell = 1.0 / 120.0
    lon_min, lat_min = to_lonlat(np.array([[x0 - 3000.0, y0 - 3000.0]]))
    lon_max, lat_max = to_lonlat(np.array([[x0 + 21000.0, y0 + 15000.0]]))
    west = math.floor(float(lon_min[0]) / cell) * cell
    north = math.ceil(float(lat_max[0]) / cell) * cell
    width = math.ceil((float(lon_max[0]) - west) / cell)
    height = math.ceil((north - float(lat_min[0])) / cell)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    xy = to_work_xy((west + cols * cell).ravel(), (north - rows * cell).ravel())
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
        "crs": STORE_CRS,
        "transform": transform,
        "nodata": -99999.0,
        "compress": "deflate",
    }
    with MemoryFile() as memfile:
        with memfile.open(**profile) as dst:
            dst.write(array, 1)
            dst.update_tags(
                LICENSE="synthetic", SOURCE="synthetic sample density (hatangso.demo.sample)"
            )
        tif = bytes(memfile.read())
    return grid_from_bytes(tif), tif
