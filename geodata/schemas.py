"""The data contract: every layer, its columns, their types, aliases and allowed values.

This module is data, not logic: :mod:`geodata.validate` applies it. Column aliases are
compared after :func:`column_key` (diacritics, case, spaces and punctuation ignored), so
``"Tên thôn"``, ``"ten_thon"`` and ``"TEN THON"`` are the same alias. Enumerated values
are compared by the same key (:func:`choice_lookup`), so ``"VNPT-VinaPhone"``,
``"vinaphone"`` and ``"VNPT"`` all become the canonical ``"VNPT"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from geodata.text import fold

__all__ = [
    "BAND_RANGE_MHZ",
    "LAYERS",
    "LAYER_ORDER",
    "OPERATORS",
    "OPERATOR_NAMES",
    "ColumnSpec",
    "LayerSchema",
    "canonical_value",
    "choice_lookup",
    "column_key",
    "layer_schema",
]

Kind = Literal["str", "int", "float", "bool", "enum", "enum_list", "angle_list", "date"]

#: Carrier frequencies the coverage engine's propagation models cover, MHz (Okumura-Hata
#: from 150 MHz to 3GPP TR 38.901 up to 6 GHz); ``band_mhz`` outside it is refused at
#: import. The same range as ``coverage.pathloss.FREQ_RANGE_MHZ`` (geodata cannot import
#: coverage; a test keeps the two equal).
BAND_RANGE_MHZ: tuple[float, float] = (150.0, 6000.0)


def column_key(name: str) -> str:
    """Return the comparison key of a column name: folded, with ``_`` between words.

    Examples
    --------
    >>> column_key("Tên thôn")
    'ten_thon'
    >>> column_key("So-Ho")
    'so_ho'
    """
    return re.sub(r"[^0-9a-z]+", "_", fold(name)).strip("_")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a layer.

    Parameters
    ----------
    kind
        Storage type; ``enum`` takes one of ``choices``, ``enum_list`` several;
        ``angle_list`` is a list of angles in degrees, 0-360 (sector azimuths), stored
        as text like ``"0,120,240"``.
    required
        Whether a file must have the column (after alias mapping).
    aliases
        Other names real files use, English and Vietnamese.
    choices
        For enumerations: canonical value -> its aliases.
    default
        Value used when an optional column is absent or a cell is empty.
    minimum
        Smallest allowed number.
    maximum
        Largest allowed number.
    above_minimum
        The number must be strictly greater than ``minimum`` (a height of 0 m is refused).
    hint
        What the values mean, added to the fix of a refused value.
    integer
        Whether a number must be whole (household counts).
    references
        ``(layer, level)`` the value must exist in, e.g. ``("admin_units", "commune")``.
    """

    kind: Kind = "str"
    required: bool = True
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False
    hint: str = ""
    integer: bool = False
    references: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class LayerSchema:
    """A layer of the data contract."""

    name: str
    id_column: str
    columns: Mapping[str, ColumnSpec]
    geometry_types: tuple[str, ...]
    title_vi: str
    description: str = ""
    aliases: tuple[str, ...] = ()

    def alias_map(self) -> dict[str, str]:
        """Return ``column_key(alias) -> contract column`` for every column."""
        out: dict[str, str] = {}
        for col, spec in self.columns.items():
            out[column_key(col)] = col
            for alias in spec.aliases:
                out.setdefault(column_key(alias), col)
        return out


# Canonical operators (the 7 licensed in the province plus the other national ones).
# Keys are the canonical ids stored in the data; values are the spellings seen in files.
OPERATORS: dict[str, tuple[str, ...]] = {
    "Viettel": ("viettel", "viettel telecom", "vtl", "tap doan viettel", "viettel mobile"),
    "VNPT": (
        "vnpt",
        "vinaphone",
        "vina phone",
        "vnpt vinaphone",
        "vnpt-vinaphone",
        "vnpt binh dinh",
        "vnp",
    ),
    "MobiFone": ("mobifone", "mobi fone", "mobiphone", "mobi", "vms", "mbf"),
    "Vietnamobile": ("vietnamobile", "vietnam mobile", "vnmobile", "vnm", "ht mobile"),
    "FPT": ("fpt", "fpt telecom"),
    "SCTV": ("sctv",),
    "CMC": ("cmc", "cmc telecom", "cmc ti"),
    "Gtel": ("gtel", "gmobile", "beeline"),
    "Shared": ("shared", "dung chung", "chia se", "roaming", "chung"),
}

#: Display names of the canonical operators.
OPERATOR_NAMES: dict[str, str] = {
    "Viettel": "Viettel",
    "VNPT": "VNPT-VinaPhone",
    "MobiFone": "MobiFone",
    "Vietnamobile": "Vietnamobile",
    "FPT": "FPT Telecom",
    "SCTV": "SCTV",
    "CMC": "CMC Telecom",
    "Gtel": "Gtel Mobile",
    "Shared": "Dùng chung",
}

_ID_ALIASES = ("id", "ma", "code", "fid_text")

ADMIN_LEVELS = {
    "province": ("tinh", "cap tinh", "thanh pho truc thuoc trung uong", "level1", "1"),
    "district": ("huyen", "cap huyen", "quan", "thi xa", "level2", "2"),
    "commune": ("xa", "cap xa", "phuong", "thi tran", "level3", "3"),
}

ROAD_CLASSES = {
    "national": ("ql", "quoc lo", "quoc gia", "national", "trunk", "motorway", "cao toc"),
    "provincial": ("dt", "tl", "tinh lo", "duong tinh", "provincial", "primary", "secondary"),
    "district": ("dh", "huyen lo", "duong huyen", "district", "tertiary"),
    "commune": ("dx", "xa lo", "duong xa", "commune", "unclassified"),
    "village": ("duong thon", "thon", "ngo", "hem", "village", "residential", "service"),
    "track": ("duong mon", "mon", "duong dat", "track", "path", "footway"),
}

FIBER_LEVELS = {
    "backbone": ("truc", "truc chinh", "backbone", "core", "long haul", "lien tinh"),
    "distribution": ("phan phoi", "distribution", "metro", "aggregation", "ket noi"),
    "access": ("truy nhap", "access", "last mile", "thue bao", "drop"),
}

FIBER_NODE_KINDS = {
    "olt": ("olt",),
    "odf": ("odf", "gia phoi quang"),
    "splitter": ("splitter", "bo chia", "bo chia quang"),
    "closure": ("closure", "mang xong", "mx", "hop noi"),
}

TECHS = {
    "2G": ("2g", "gsm", "edge", "gprs"),
    "3G": ("3g", "umts", "wcdma", "hspa"),
    "4G": ("4g", "lte", "lte a"),
    "5G": ("5g", "nr", "5g nr"),
}

POWER_SOURCES = {
    "grid": ("grid", "luoi", "dien luoi", "evn"),
    "solar": ("solar", "mat troi", "nang luong mat troi", "pin mat troi"),
    "generator": ("generator", "may phat", "may phat dien", "diesel"),
}

PLACE_KINDS = {
    "industrial_park": (
        "industrial_park",
        "kcn",
        "ccn",
        "khu cong nghiep",
        "cum cong nghiep",
        "khu kinh te",
        "industrial",
        "industrial cluster",
    ),
    "district_centre": ("district_centre", "district center", "trung tam huyen", "ttth"),
    "hospital": ("hospital", "benh vien", "bv", "trung tam y te", "ttyt"),
    "school": ("school", "truong", "truong hoc", "dai hoc", "university"),
    "tourism": ("tourism", "du lich", "khu du lich", "diem du lich", "tourist"),
}

_POINT = ("Point",)
_AREA = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")

LAYERS: dict[str, LayerSchema] = {
    "admin_units": LayerSchema(
        name="admin_units",
        id_column="unit_id",
        title_vi="Đơn vị hành chính",
        aliases=("admin", "don vi hanh chinh", "communes", "districts"),
        columns={
            "unit_id": ColumnSpec(
                aliases=("ma_dvhc", "ma_don_vi", "gso_code", "ma_xa", "ma", *_ID_ALIASES)
            ),
            "name": ColumnSpec(aliases=("ten", "ten_dvhc", "ten_don_vi", "ten_xa", "name_vi")),
            "level": ColumnSpec(kind="enum", choices=ADMIN_LEVELS, aliases=("cap", "cap_dvhc")),
            "parent_id": ColumnSpec(
                required=False,
                aliases=("ma_cap_tren", "parent", "ma_huyen", "parent_code"),
                references=("admin_units", None),
            ),
        },
        geometry_types=_AREA,
    ),
    "villages": LayerSchema(
        name="villages",
        id_column="village_id",
        title_vi="Thôn, làng, xóm, khu phố",
        aliases=("thon", "lang", "hamlets"),
        columns={
            "village_id": ColumnSpec(aliases=("ma_thon", "ma_thon_xom", "hamlet_id", *_ID_ALIASES)),
            "name": ColumnSpec(aliases=("ten", "ten_thon", "ten_lang", "ten_thon_xom", "hamlet")),
            "commune_id": ColumnSpec(
                aliases=("ma_xa", "commune_code", "xa_id", "ma_dvhc_xa", "commune"),
                references=("admin_units", "commune"),
            ),
            "households": ColumnSpec(
                kind="int",
                minimum=0,
                integer=True,
                aliases=("so_ho", "ho", "so_ho_gia_dinh", "ho_gia_dinh", "hh", "hh_total"),
            ),
            "population": ColumnSpec(
                kind="int",
                required=False,
                minimum=0,
                integer=True,
                aliases=("dan_so", "so_dan", "nhan_khau", "so_nhan_khau", "pop", "pop_total"),
            ),
            "has_electricity": ColumnSpec(
                kind="bool",
                required=False,
                default=True,
                aliases=("co_dien", "dien", "dien_luoi", "electricity", "has_power"),
            ),
        },
        geometry_types=(*_POINT, *_AREA),
    ),
    "clusters": LayerSchema(
        name="clusters",
        id_column="cluster_id",
        title_vi="Cụm dân cư",
        aliases=("cum dan cu", "households"),
        columns={
            "cluster_id": ColumnSpec(aliases=("ma_cum", "ma_cum_dan_cu", *_ID_ALIASES)),
            "village_id": ColumnSpec(
                aliases=("ma_thon", "hamlet_id", "thon"), references=("villages", None)
            ),
            "households": ColumnSpec(
                kind="int",
                minimum=0,
                integer=True,
                aliases=("so_ho", "ho", "so_ho_gia_dinh", "hh"),
            ),
        },
        geometry_types=_POINT,
    ),
    "fiber_routes": LayerSchema(
        name="fiber_routes",
        id_column="route_id",
        title_vi="Tuyến cáp quang",
        aliases=("cap quang", "tuyen cap", "fiber"),
        columns={
            "route_id": ColumnSpec(aliases=("ma_tuyen", "ma_tuyen_cap", *_ID_ALIASES)),
            "operator": ColumnSpec(
                kind="enum",
                choices=OPERATORS,
                aliases=("nha_mang", "doanh_nghiep", "don_vi", "nha_cung_cap", "carrier"),
            ),
            "level": ColumnSpec(
                kind="enum", choices=FIBER_LEVELS, aliases=("cap", "cap_mang", "loai_tuyen")
            ),
        },
        geometry_types=_LINE,
    ),
    "fiber_nodes": LayerSchema(
        name="fiber_nodes",
        id_column="node_id",
        title_vi="Nút mạng cáp quang",
        aliases=("nut mang", "olt"),
        columns={
            "node_id": ColumnSpec(aliases=("ma_nut", "ma_thiet_bi", *_ID_ALIASES)),
            "operator": ColumnSpec(
                kind="enum",
                choices=OPERATORS,
                aliases=("nha_mang", "doanh_nghiep", "don_vi", "carrier"),
            ),
            "kind": ColumnSpec(
                kind="enum", choices=FIBER_NODE_KINDS, aliases=("loai", "loai_thiet_bi", "type")
            ),
        },
        geometry_types=_POINT,
    ),
    "mobile_sites": LayerSchema(
        name="mobile_sites",
        id_column="site_id",
        title_vi="Trạm phát sóng di động (BTS)",
        aliases=("bts", "tram", "tram bts", "sites", "cell sites"),
        columns={
            "site_id": ColumnSpec(aliases=("ma_tram", "ten_tram", "site", "bts_id", *_ID_ALIASES)),
            "operator": ColumnSpec(
                kind="enum",
                choices=OPERATORS,
                aliases=("nha_mang", "doanh_nghiep", "don_vi", "carrier"),
            ),
            "tech": ColumnSpec(
                kind="enum_list",
                choices=TECHS,
                aliases=("cong_nghe", "technology", "cong_nghe_song", "rat"),
            ),
            "height_m": ColumnSpec(
                kind="float",
                minimum=0,
                above_minimum=True,
                hint="the antenna's height above the ground, in metres.",
                aliases=("do_cao", "chieu_cao", "do_cao_cot", "cao_m", "height", "antenna_height"),
            ),
            "eirp_dbm": ColumnSpec(
                kind="float",
                required=False,
                hint="the sector's total EIRP (all antenna ports), dBm; empty: the default.",
                aliases=("eirp", "cong_suat"),
            ),
            "band_mhz": ColumnSpec(
                kind="float",
                required=False,
                minimum=BAND_RANGE_MHZ[0],
                maximum=BAND_RANGE_MHZ[1],
                hint="the carrier frequency in MHz (3.5 GHz is 3500), which the propagation "
                f"models cover from {BAND_RANGE_MHZ[0]:g} to {BAND_RANGE_MHZ[1]:g} MHz; empty: "
                "the technology's default.",
                aliases=("bang_tan", "band", "freq_mhz"),
            ),
            "azimuths_deg": ColumnSpec(
                kind="angle_list",
                required=False,
                hint="each sector's azimuth in degrees from north, e.g. '0,120,240'; empty: "
                "an omnidirectional site.",
                aliases=("azimuth", "azimuths", "huong_phat", "goc_phuong_vi"),
            ),
            "power": ColumnSpec(
                kind="enum",
                required=False,
                choices=POWER_SOURCES,
                aliases=("nguon_dien", "nguon", "power_source"),
            ),
        },
        geometry_types=_POINT,
    ),
    "roads": LayerSchema(
        name="roads",
        id_column="road_id",
        title_vi="Đường giao thông",
        aliases=("duong", "giao thong", "road"),
        columns={
            "road_id": ColumnSpec(aliases=("ma_duong", *_ID_ALIASES)),
            "class": ColumnSpec(
                kind="enum",
                choices=ROAD_CLASSES,
                aliases=("cap_duong", "loai_duong", "highway", "road_class", "fclass"),
            ),
        },
        geometry_types=_LINE,
    ),
    "power_lines": LayerSchema(
        name="power_lines",
        id_column="line_id",
        title_vi="Đường dây điện",
        aliases=("duong day dien", "luoi dien", "power"),
        columns={
            "line_id": ColumnSpec(aliases=("ma_duong_day", *_ID_ALIASES)),
            "voltage_kv": ColumnSpec(
                kind="float", minimum=0, aliases=("dien_ap", "cap_dien_ap", "voltage", "kv")
            ),
        },
        geometry_types=_LINE,
    ),
    "priority_places": LayerSchema(
        name="priority_places",
        id_column="place_id",
        title_vi="Địa điểm ưu tiên phủ 5G",
        aliases=("dia diem uu tien", "priority"),
        columns={
            "place_id": ColumnSpec(aliases=("ma_dia_diem", *_ID_ALIASES)),
            "name": ColumnSpec(aliases=("ten", "ten_dia_diem")),
            "kind": ColumnSpec(kind="enum", choices=PLACE_KINDS, aliases=("loai", "loai_hinh")),
        },
        geometry_types=(*_POINT, *_AREA),
    ),
}

#: Order in which layers depend on each other (references point backwards).
LAYER_ORDER: tuple[str, ...] = (
    "admin_units",
    "villages",
    "clusters",
    "roads",
    "power_lines",
    "priority_places",
    "fiber_routes",
    "fiber_nodes",
    "mobile_sites",
)


def layer_schema(name: str) -> LayerSchema:
    """Return the schema of a contract layer, accepting Vietnamese aliases.

    Parameters
    ----------
    name
        ``"villages"``, ``"thon"``, ``"BTS"`` …

    Returns
    -------
    LayerSchema

    Raises
    ------
    KeyError
        With the list of valid layer names.
    """
    key = column_key(name)
    for schema in LAYERS.values():
        if key == schema.name or key in {column_key(a) for a in schema.aliases}:
            return schema
    msg = f"unknown layer {name!r}; expected one of: {', '.join(LAYERS)}"
    raise KeyError(msg)


def choice_lookup(choices: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Return ``column_key(spelling) -> canonical value`` for an enumeration.

    Build it once per column and look every cell up in it.
    """
    table: dict[str, str] = {}
    for canon, aliases in choices.items():
        table[column_key(canon)] = canon
        for alias in aliases:
            table.setdefault(column_key(alias), canon)
    return table


def canonical_value(choices: Mapping[str, tuple[str, ...]], raw: str) -> str | None:
    """Map a raw enumerated value onto its canonical form, or ``None`` when unknown.

    Examples
    --------
    >>> canonical_value(OPERATORS, "VNPT-VinaPhone")
    'VNPT'
    >>> canonical_value(OPERATORS, "Vinaphone")
    'VNPT'
    """
    return choice_lookup(choices).get(column_key(raw))
