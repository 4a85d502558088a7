"""The priority places: real district centres, industrial parks, hospitals, schools, sights.

Positions are typed by hand (approximate); a point outside its commune (or the province)
is moved to the nearest point inside.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import Layers, to_work_xy
from hatangso.demo.context import Context, Place

__all__ = ["REAL_PLACES", "step_priority_places"]

_PLACE_INSET_M: Final = 50.0


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
REAL_PLACES: Final[tuple[Place, ...]] = tuple(
    Place(pid, kind, name, lon, lat, commune)
    for kind, rows in _REAL_PLACE_TABLE.items()
    for pid, name, lon, lat, commune in rows
)


# ------------------------------------------------------------------------------- the step


def step_priority_places(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``priority_places``: the base's places, each moved inside its commune if need be."""
    del layers
    places = ctx.base.places
    province = ctx.base.province.to_crs(WORK_CRS).geometry.iloc[0]
    inside_province = province.buffer(-_PLACE_INSET_M)
    domains = ctx.domains()
    xy = to_work_xy(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
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
        crs=WORK_CRS,
    ).to_crs(STORE_CRS)
    ctx.progress(f"priority places: {len(out)} ({moved} moved inside their area)")
    return {"priority_places": out}
