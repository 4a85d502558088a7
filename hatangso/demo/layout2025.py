"""The demo's period of 1 July 2025: the two-tier units of the new Gia Lai, same network.

Since 1 July 2025 there are no districts and Bình Định is part of Gia Lai (province code
52 kept; Nghị quyết 1664/NQ-UBTVQH15). This period holds the 58 communes (41 xã, 17
phường) of the former Bình Định at full resolution as its ``admin_units`` (a new
administrative layout, :mod:`geodata.layouts`), and the villages of the end-2024 period
with their ``commune_id`` set to the new unit they lie in; every other layer (network,
clusters, places, evidence) is the end-2024 period's, shared by the store: no progress is
invented. The crosswalk from the 159 communes of 2019 to the new codes comes with it.

Like :mod:`hatangso.demo.base`, it reads its fixed reference files itself
(``gialai2025/`` of ``shared/data``, described in its ``PROVENANCE.md``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage.layouts import assign_units, check_assignment
from geodata.crs import STORE_CRS, WORK_CRS
from geodata.layouts import read_crosswalk
from geodata.store import LayerMeta

__all__ = ["AS_OF_2025", "FILES_2025", "PROVINCE_NOTE", "Layout2025", "build_layout_2025"]

log = logging.getLogger(__name__)

#: The date the two-tier layout took effect.
AS_OF_2025: Final = dt.date(2025, 7, 1)

#: The reference files read, under ``shared/data``.
FILES_2025: Final[dict[str, str]] = {
    "communes": "gialai2025/binh_dinh_part_communes_2025.geojson",
    "census": "gialai2025/binh_dinh_census2019_by_2025_commune.csv",
    "crosswalk": "gialai2025/binh_dinh_2019_to_gialai_2025-07.csv",
}

#: What the province unit of this period says about the area it covers.
PROVINCE_NOTE: Final = (
    "Tỉnh Gia Lai từ 01/07/2025 (Nghị quyết 1664/NQ-UBTVQH15); bộ dữ liệu chỉ gồm địa bàn "
    "tỉnh Bình Định cũ: 58 xã, phường (41 xã, 17 phường)"
)

_META_ADMIN: Final = LayerMeta(
    source=(
        f"{PROVINCE_NOTE}. Ranh giới: bản đồ sắp xếp đơn vị hành chính "
        "(sapnhap.bando.com.vn) qua thanglequoc/vietnamese-provinces-database; số dân, số hộ: "
        "Tổng điều tra 2019 tính lại theo đơn vị mới (xã bị chia: theo diện tích)"
    ),
    licence="government data (see shared/data/PROVENANCE.md); MIT (extracting repository)",
    synthetic=False,
)
_META_VILLAGES: Final = LayerMeta(
    source=(
        "the villages of the end-2024 period, unchanged, each assigned by its location to "
        "the new xã/phường of 01/07/2025 (checked against the NQ 1664 crosswalk)"
    ),
    licence="synthetic (hatangso demo)",
    synthetic=True,
)


class Layout2025:
    """The 2025-07-01 period of the demo: its layers, their provenance, the crosswalk.

    Attributes
    ----------
    layers
        ``admin_units`` (province 52 "Tỉnh Gia Lai" over the former Bình Định area and its
        58 communes) and ``villages`` (new ``commune_id``).
    meta
        Provenance of both.
    crosswalk
        The 162 rows of the 2019 → 2025 crosswalk (:data:`geodata.layouts.CROSSWALK_COLUMNS`).
    mismatches
        Villages whose location disagrees with the crosswalk (:func:`check_assignment`).
    """

    def __init__(
        self,
        layers: dict[str, gpd.GeoDataFrame],
        meta: dict[str, LayerMeta],
        crosswalk: pd.DataFrame,
        mismatches: pd.DataFrame,
    ) -> None:
        self.layers = layers
        self.meta = meta
        self.crosswalk = crosswalk
        self.mismatches = mismatches


def build_layout_2025(
    base_dir: Path,
    villages: gpd.GeoDataFrame,
    progress: Callable[[str], None] | None = None,
) -> Layout2025 | None:
    """Build the 2025-07-01 layers from ``base_dir`` (``None`` without its files).

    Parameters
    ----------
    base_dir
        The ``shared/data`` folder.
    villages
        The end-2024 villages (EPSG:4326, 2019 commune codes).
    progress
        Called with one line of what was built.

    Returns
    -------
    Layout2025 or None
        ``None`` when the ``gialai2025/`` files are absent (an older copy of the data).
    """
    paths = {key: Path(base_dir) / rel for key, rel in FILES_2025.items()}
    if not all(p.is_file() for p in paths.values()):
        log.info("no gialai2025/ files under %s: the demo has no 2025-07-01 period", base_dir)
        return None
    polygons = gpd.read_file(paths["communes"]).to_crs(STORE_CRS)
    census = pd.read_csv(paths["census"], dtype={"new_code": str}).drop(columns=["type"])
    table = polygons.assign(code=polygons["code"].astype(str)).merge(
        census, left_on="code", right_on="new_code", how="left", validate="1:1"
    )
    communes = gpd.GeoDataFrame(
        {
            "unit_id": table["code"].to_numpy(),
            "name": table["name_cv1027"].astype(str).to_numpy(),
            "level": "commune",
            "parent_id": "52",
            "unit_type": table["type"].astype(str).to_numpy(),
            "population": table["pop_2019"].fillna(0).astype(np.int64).to_numpy(),
            "households": table["hh_2019"].fillna(0).astype(np.int64).to_numpy(),
        },
        geometry=table.geometry.to_numpy(),
        crs=STORE_CRS,
    ).sort_values("unit_id", kind="stable")
    area = communes.to_crs(WORK_CRS).union_all().buffer(0)
    province = gpd.GeoDataFrame(
        {
            "unit_id": ["52"],
            "name": ["Tỉnh Gia Lai"],
            "level": ["province"],
            "parent_id": [None],
            "unit_type": ["Tỉnh"],
            "population": [int(communes["population"].sum())],
            "households": [int(communes["households"].sum())],
        },
        geometry=gpd.GeoSeries([area], crs=WORK_CRS).to_crs(STORE_CRS).to_numpy(),
        crs=STORE_CRS,
    )
    admin = gpd.GeoDataFrame(pd.concat([province, communes], ignore_index=True), crs=STORE_CRS)
    admin["parent_id"] = admin["parent_id"].astype(object)
    where = assign_units(villages.to_crs(WORK_CRS), admin.to_crs(WORK_CRS))
    if where["unit_id"].isna().any():
        lost = villages.loc[where["unit_id"].isna(), "village_id"].astype(str).tolist()
        msg = f"Internal error: villages {lost[:5]} lie in no 2025 commune."
        raise RuntimeError(msg)
    crosswalk = read_crosswalk(paths["crosswalk"])
    mismatches = check_assignment(villages["commune_id"].astype(str), where["unit_id"], crosswalk)
    moved = villages.copy()
    moved["commune_id"] = where["unit_id"].astype(str).to_numpy()
    if progress is not None:
        progress(
            f"period {AS_OF_2025.isoformat()}: {len(communes)} communes of the new Gia Lai "
            f"(former Bình Định), {len(moved)} villages placed, "
            f"{len(mismatches)} outside their crosswalk unit"
        )
    layers = {"admin_units": admin, "villages": moved}
    meta: Mapping[str, LayerMeta] = {"admin_units": _META_ADMIN, "villages": _META_VILLAGES}
    return Layout2025(layers, dict(meta), crosswalk, mismatches)
