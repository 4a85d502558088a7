"""The data contract: every layer, its columns, their types, aliases and allowed values.

This module is data, not logic: :mod:`geodata.validate` applies it. Column aliases are
compared after :func:`column_key` (diacritics, case, spaces and punctuation ignored), so
``"Tên thôn"``, ``"ten_thon"`` and ``"TEN THON"`` are the same alias. Enumerated values
are compared by the same key (:func:`choice_lookup`), so ``"VNPT-VinaPhone"``,
``"vinaphone"`` and ``"VNPT"`` all become the canonical ``"VNPT"``.

It is longer than the 600 lines a module keeps to because it is one table: the contract
read in one place is worth more than a split by layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from geodata.text import fold

__all__ = [
    "BACKHAUL_KINDS",
    "BAND_RANGE_MHZ",
    "DEFAULT_BATTERY_HOURS",
    "EVIDENCE_LAYERS",
    "LAYERS",
    "LAYER_ORDER",
    "OPERATORS",
    "OPERATOR_NAMES",
    "ROUTE_BUILDS",
    "RSRP_RANGE_DBM",
    "TOWER_TYPES",
    "ColumnSpec",
    "LayerSchema",
    "canonical_value",
    "choice_lookup",
    "column_key",
    "layer_schema",
]

Kind = Literal["str", "int", "float", "bool", "enum", "enum_list", "angle_list", "date", "datetime"]

#: Carrier frequencies the coverage engine's propagation models cover, MHz (Okumura-Hata
#: from 150 MHz to 3GPP TR 38.901 up to 6 GHz); ``band_mhz`` outside it is refused at
#: import. The same range as ``coverage.pathloss.FREQ_RANGE_MHZ`` (geodata cannot import
#: coverage; a test keeps the two equal).
BAND_RANGE_MHZ: tuple[float, float] = (150.0, 6000.0)

#: The signal levels a measurement may report, dBm: the reporting range of SS-RSRP in
#: 3GPP TS 38.133 (Table 10.1.6.1-1, -156 to -31 dBm), which contains LTE's RSRP range
#: (TS 36.133, -140 to -44 dBm), UMTS RSCP and GSM RSSI. A value outside it is a logging
#: fault (a placeholder such as 0 or -999, or an ASU value in the dBm column).
RSRP_RANGE_DBM: tuple[float, float] = (-156.0, -31.0)


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
        as text like ``"0,120,240"``; ``date`` a day, stored as ``YYYY-MM-DD``; ``datetime``
        a time, stored as ISO 8601 text in UTC (:mod:`geodata.dates` reads both).
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
    "commune": ("xa", "cap xa", "phuong", "thi tran", "dac khu", "level3", "3"),
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
    # Where the operator's province network meets its core (host exchange, point of
    # presence): what resilience analysis counts as "the core" besides the backbone.
    "pop": ("pop", "core", "loi", "nut loi", "tong dai", "tong dai host", "host", "diem truy nhap"),
}

#: How a fiber route is built: hung on poles (aerial, cut by storms and falling trees) or
#: underground (buried, in ducts). Empty: aerial, the common case and the cautious one.
ROUTE_BUILDS = {
    "aerial": ("aerial", "treo", "cap treo", "tren cot", "overhead", "noi"),
    "buried": ("buried", "ngam", "cap ngam", "chon ngam", "underground", "duct", "cong be"),
}

#: How a site's traffic reaches the core network.
BACKHAUL_KINDS = {
    "fiber": ("fiber", "fibre", "cap quang", "quang", "fo"),
    "microwave": ("microwave", "viba", "vi ba", "mw", "truyen dan viba"),
    "satellite": ("satellite", "ve tinh", "vsat"),
}

#: The structure carrying a site's antennas (what decides whether it stands in a storm).
TOWER_TYPES = {
    "self_supporting": ("self_supporting", "self supporting", "tu dung", "cot tu dung", "lattice"),
    "guyed": ("guyed", "day co", "cot day co", "cot co day", "guyed mast"),
    "monopole": ("monopole", "cot don than", "don than", "cot ong"),
    "rooftop": ("rooftop", "tren mai", "tren nha", "cot tren nha", "cot coc", "roof"),
    "pole": ("pole", "cot dien", "cot den", "small cell", "street pole"),
}

#: Battery hours assumed for a site whose file does not say: a cautious assumption, not a
#: surveyed figure (give the real one in ``battery_hours``).
DEFAULT_BATTERY_HOURS = 2.0

TECHS = {
    "2G": ("2g", "gsm", "edge", "gprs"),
    "3G": ("3g", "umts", "wcdma", "hspa", "hspa+", "hsdpa", "hsupa", "hspap"),
    "4G": ("4g", "lte", "lte a", "lte ca", "lte+", "4g+"),
    "5G": ("5g", "nr", "5g nr", "nr nsa", "nr sa", "5g nsa", "5g sa"),
}

SOURCE_KINDS = {
    "drive_test": ("drive test", "drive", "do kiem", "do kiem luu dong", "do kiem di dong", "dt"),
    "crowdsourced": ("crowdsourced", "crowd", "app", "ung dung", "nguoi dung", "cong dong"),
    "speed_test": ("speed test", "speedtest", "do toc do", "kiem tra toc do"),
}

COMPLAINT_KINDS = {
    "no_signal": (
        "no signal",
        "mat song",
        "khong co song",
        "khong song",
        "vung lom",
        "no coverage",
    ),
    "weak_signal": ("weak", "weak signal", "song yeu", "song chap chon", "yeu", "cham"),
    "no_fiber": (
        "no fiber",
        "no fibre",
        "chua co cap quang",
        "khong co cap quang",
        "khong co internet",
        "chua co internet",
    ),
}

COMPLAINT_STATUSES = {
    "open": ("open", "moi", "tiep nhan", "da tiep nhan", "chua xu ly", "new", "received"),
    "in_progress": ("in progress", "dang xu ly", "dang kiem tra", "checking"),
    "resolved": ("resolved", "da xu ly", "da giai quyet", "da khac phuc", "closed", "fixed"),
    "rejected": ("rejected", "tu choi", "khong dung", "khong chinh xac", "invalid"),
}

REPORTERS = {
    "citizen": ("citizen", "nguoi dan", "cong dan", "ho dan", "dan"),
    "commune": ("commune", "xa", "ubnd xa", "chinh quyen xa", "phuong", "thi tran"),
    "operator": ("operator", "doanh nghiep", "nha mang"),
    "department": ("department", "so", "so tttt", "so khcn"),
}

SPEED_NET_TYPES = {
    "mobile": ("mobile", "di dong", "cellular"),
    "fixed": ("fixed", "co dinh", "broadband", "bang rong co dinh"),
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
    # places that must keep communications in a disaster (resilience scenarios)
    "commune_office": (
        "commune_office",
        "ubnd xa",
        "ubnd phuong",
        "tru so ubnd",
        "tru so ubnd xa",
        "uy ban nhan dan xa",
        "commune office",
    ),
    "command_post": (
        "command_post",
        "ban chi huy",
        "so chi huy",
        "ban chi huy pctt",
        "ban chi huy phong chong thien tai",
        "trung tam chi huy",
        "command post",
    ),
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
            "level": ColumnSpec(
                kind="enum",
                choices=ADMIN_LEVELS,
                aliases=("cap", "cap_dvhc", "loai", "loai_dvhc", "type"),
            ),
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
            # A commune's name ("Xã", "Tên xã") is matched to its code against the units
            # (geodata.units); a code column ("Mã xã") is preferred when both are there.
            "commune_id": ColumnSpec(
                aliases=(
                    "ma_xa",
                    "commune_code",
                    "xa_id",
                    "ma_dvhc_xa",
                    "commune",
                    "ma_xa_phuong",
                    "xa",
                    "xa_phuong",
                    "ten_xa",
                    "ten_xa_phuong",
                ),
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
            "build": ColumnSpec(
                kind="enum",
                required=False,
                choices=ROUTE_BUILDS,
                default="aerial",
                hint="how the cable is laid: aerial (on poles) or buried; empty: aerial.",
                aliases=("hinh_thuc", "kieu_lap_dat", "lap_dat", "treo_ngam", "installation"),
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
            # "ten_tram" (the site's name) is a candidate only when no code column is
            # there: geodata.mapping.id_preference ranks a code over a name.
            "site_id": ColumnSpec(
                aliases=(
                    "ma_tram",
                    "ma_tram_bts",
                    "ma_so_tram",
                    "ma_site",
                    "site_code",
                    "ten_tram",
                    "site",
                    "bts_id",
                    *_ID_ALIASES,
                )
            ),
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
                aliases=(
                    "do_cao",
                    "chieu_cao",
                    "do_cao_cot",
                    "cao_m",
                    "height",
                    "antenna_height",
                    "do_cao_anten",
                    "do_cao_angten",
                    "chieu_cao_anten",
                    "do_cao_cot_anten",
                    "chieu_cao_cot",
                    "do_cao_treo_anten",
                ),
            ),
            "eirp_dbm": ColumnSpec(
                kind="float",
                required=False,
                hint="the sector's total EIRP (all antenna ports), dBm; empty: the default.",
                aliases=("eirp", "cong_suat", "cong_suat_phat", "eirp_dbm"),
            ),
            "band_mhz": ColumnSpec(
                kind="float",
                required=False,
                minimum=BAND_RANGE_MHZ[0],
                maximum=BAND_RANGE_MHZ[1],
                hint="the carrier frequency in MHz (3.5 GHz is 3500), which the propagation "
                f"models cover from {BAND_RANGE_MHZ[0]:g} to {BAND_RANGE_MHZ[1]:g} MHz; empty: "
                "the technology's default.",
                aliases=("bang_tan", "band", "freq_mhz", "tan_so", "tan_so_mhz"),
            ),
            "azimuths_deg": ColumnSpec(
                kind="angle_list",
                required=False,
                hint="each sector's azimuth in degrees from north, e.g. '0,120,240'; empty: "
                "an omnidirectional site.",
                aliases=(
                    "azimuth",
                    "azimuths",
                    "huong_phat",
                    "goc_phuong_vi",
                    "huong_anten",
                    "goc_phuong_vi_anten",
                ),
            ),
            "power": ColumnSpec(
                kind="enum",
                required=False,
                choices=POWER_SOURCES,
                aliases=("nguon_dien", "nguon", "power_source"),
            ),
            "battery_hours": ColumnSpec(
                kind="float",
                required=False,
                minimum=0,
                maximum=240,
                default=DEFAULT_BATTERY_HOURS,
                hint=f"how many hours the batteries keep the site on air without grid power "
                f"(0: no battery); empty: {DEFAULT_BATTERY_HOURS:g} h.",
                aliases=("gio_ac_quy", "ac_quy_gio", "thoi_gian_ac_quy", "battery", "battery_h"),
            ),
            "generator": ColumnSpec(
                kind="bool",
                required=False,
                default=False,
                aliases=("may_phat", "co_may_phat", "may_phat_dien", "has_generator"),
            ),
            "tower_type": ColumnSpec(
                kind="enum",
                required=False,
                choices=TOWER_TYPES,
                hint="the structure: self_supporting, guyed, monopole, rooftop or pole; empty: "
                "not known.",
                aliases=("loai_cot", "kieu_cot", "cot", "tower", "tower_kind"),
            ),
            "backhaul": ColumnSpec(
                kind="enum",
                required=False,
                choices=BACKHAUL_KINDS,
                default="fiber",
                hint="fiber (to the nearest fiber), microwave (to the site in 'backhaul_to') "
                "or satellite; empty: fiber.",
                aliases=("truyen_dan", "loai_truyen_dan", "ket_noi", "backhaul_type"),
            ),
            "backhaul_to": ColumnSpec(
                required=False,
                hint="the site a microwave link goes to (its site_id).",
                aliases=("viba_den", "tram_hub", "hub", "ket_noi_den", "backhaul_site"),
                references=("mobile_sites", None),
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
    "measurements": LayerSchema(
        name="measurements",
        id_column="sample_id",
        title_vi="Đo kiểm sóng di động",
        description="One sample of a drive test, a measurement app or a speed test: where, "
        "when, which operator and technology, and the serving cell's signal level.",
        aliases=("do kiem", "ket qua do kiem", "drive test", "samples", "measurement"),
        columns={
            "sample_id": ColumnSpec(
                required=False, aliases=("ma_mau", "ma_do", "sample", "sample_no", "stt_mau")
            ),
            "measured_at": ColumnSpec(
                kind="datetime",
                hint="the time of the sample: dd/mm/yyyy hh:mm[:ss] or ISO 8601; a time "
                "without a zone is Vietnam's (Asia/Ho_Chi_Minh, UTC+7).",
                aliases=(
                    "thoi_gian",
                    "thoi_diem",
                    "ngay_gio",
                    "thoi_gian_do",
                    "time",
                    "timestamp",
                    "datetime",
                    "date_time",
                    "measured_at",
                ),
            ),
            "operator": ColumnSpec(
                kind="enum",
                choices=OPERATORS,
                aliases=(
                    "nha_mang",
                    "doanh_nghiep",
                    "carrier",
                    "operator_name",
                    "operatorname",
                    "network_operator",
                    "mang",
                ),
            ),
            "tech": ColumnSpec(
                kind="enum",
                choices=TECHS,
                aliases=(
                    "cong_nghe",
                    "technology",
                    "rat",
                    "network_type",
                    "networktech",
                    "net_type",
                    "loai_mang",
                ),
            ),
            "rsrp_dbm": ColumnSpec(
                kind="float",
                minimum=RSRP_RANGE_DBM[0],
                maximum=RSRP_RANGE_DBM[1],
                hint="the serving cell's signal level in dBm: RSRP (4G), SS-RSRP (5G), RSCP "
                "(3G) or RSSI (2G).",
                aliases=(
                    "rsrp",
                    "muc_thu",
                    "cuong_do_tin_hieu",
                    "cuong_do_song",
                    "rsrp_dbm",
                    "ss_rsrp",
                    "signal_dbm",
                    "level",
                    "rx_level",
                ),
            ),
            "rsrq_db": ColumnSpec(
                kind="float",
                required=False,
                minimum=-43.0,
                maximum=20.0,
                hint="RSRQ in dB (3GPP TS 38.133 reporting range -43 to 20 dB).",
                aliases=("rsrq", "chat_luong_tin_hieu", "ss_rsrq", "qual"),
            ),
            "sinr_db": ColumnSpec(
                kind="float",
                required=False,
                minimum=-23.0,
                maximum=40.0,
                hint="SINR in dB (3GPP TS 38.133 reporting range -23 to 40 dB).",
                aliases=("sinr", "snr", "rssnr", "ss_sinr", "ti_so_tin_hieu_nhieu"),
            ),
            "download_mbps": ColumnSpec(
                kind="float",
                required=False,
                minimum=0,
                maximum=100_000,
                hint="download throughput in Mbit/s.",
                aliases=("toc_do_tai_xuong", "tai_xuong", "download", "dl_mbps", "download_speed"),
            ),
            "upload_mbps": ColumnSpec(
                kind="float",
                required=False,
                minimum=0,
                maximum=100_000,
                hint="upload throughput in Mbit/s.",
                aliases=("toc_do_tai_len", "tai_len", "upload", "ul_mbps", "upload_speed"),
            ),
            "latency_ms": ColumnSpec(
                kind="float",
                required=False,
                minimum=0,
                maximum=60_000,
                hint="round-trip latency (ping) in milliseconds.",
                aliases=("do_tre", "tre", "ping", "ping_ms", "latency", "rtt_ms"),
            ),
            "cell_id": ColumnSpec(
                required=False,
                aliases=("ma_cell", "ma_o", "cellid", "cid", "eci", "nci", "cgi", "ecgi"),
            ),
            "source_kind": ColumnSpec(
                kind="enum",
                required=False,
                choices=SOURCE_KINDS,
                default="drive_test",
                aliases=("loai_do", "hinh_thuc_do", "nguon_do", "source_type", "kind"),
            ),
            "campaign": ColumnSpec(
                required=False,
                aliases=("chien_dich", "dot_do", "dot_do_kiem", "campaign_name", "dot"),
            ),
            "device_id": ColumnSpec(
                required=False,
                aliases=("thiet_bi", "may_do", "device", "device_model", "ue", "imei"),
            ),
            "track_id": ColumnSpec(
                required=False,
                aliases=("tuyen_do", "lo_trinh", "hanh_trinh", "track", "route", "session"),
            ),
        },
        geometry_types=_POINT,
    ),
    "speed_tiles": LayerSchema(
        name="speed_tiles",
        id_column="tile_key",
        title_vi="Ô đo tốc độ (dữ liệu mở)",
        description="Speed-test aggregates per zoom-16 web-mercator tile (quadkey), as "
        "published by Ookla's open data: averages over a quarter.",
        aliases=("speed tiles", "ookla", "o toc do", "speedtest tiles"),
        columns={
            "tile_key": ColumnSpec(required=False),
            "quadkey": ColumnSpec(aliases=("quad_key", "ma_o")),
            "net_type": ColumnSpec(
                kind="enum", required=False, choices=SPEED_NET_TYPES, aliases=("type",)
            ),
            "quarter_start": ColumnSpec(kind="date", required=False, aliases=("quarter",)),
            "avg_d_kbps": ColumnSpec(kind="int", minimum=0, integer=True),
            "avg_u_kbps": ColumnSpec(kind="int", minimum=0, integer=True),
            "avg_lat_ms": ColumnSpec(kind="int", minimum=0, integer=True),
            "tests": ColumnSpec(kind="int", minimum=1, integer=True),
            "devices": ColumnSpec(kind="int", minimum=1, integer=True),
        },
        geometry_types=("Polygon",),
    ),
    "complaints": LayerSchema(
        name="complaints",
        id_column="complaint_id",
        title_vi="Phản ánh mất sóng, thiếu cáp quang",
        description="A citizen's or a commune's report of a place without signal, with weak "
        "signal or without fiber.",
        aliases=("phan anh", "phan anh mat song", "kien nghi", "complaint"),
        columns={
            "complaint_id": ColumnSpec(
                aliases=("ma_phan_anh", "so_phan_anh", "so_hieu", "ma_kien_nghi", *_ID_ALIASES)
            ),
            "received_on": ColumnSpec(
                kind="date",
                hint="the day the report was received: dd/mm/yyyy or YYYY-MM-DD.",
                aliases=("ngay", "ngay_phan_anh", "ngay_tiep_nhan", "ngay_nhan", "date"),
            ),
            "kind": ColumnSpec(
                kind="enum",
                choices=COMPLAINT_KINDS,
                aliases=("loai", "noi_dung", "van_de", "loai_phan_anh", "issue"),
            ),
            "status": ColumnSpec(
                kind="enum",
                choices=COMPLAINT_STATUSES,
                default="open",
                required=False,
                aliases=("trang_thai", "tinh_trang", "ket_qua_xu_ly", "state"),
            ),
            "operator": ColumnSpec(
                kind="enum",
                required=False,
                choices=OPERATORS,
                aliases=("nha_mang", "doanh_nghiep", "carrier"),
            ),
            "village_id": ColumnSpec(
                required=False,
                aliases=("ma_thon", "hamlet_id"),
                references=("villages", None),
            ),
            "place": ColumnSpec(
                required=False,
                aliases=("dia_diem", "noi", "dia_chi", "thon_xom", "location", "address"),
            ),
            "reported_by": ColumnSpec(
                kind="enum",
                required=False,
                choices=REPORTERS,
                default="citizen",
                aliases=("nguoi_phan_anh", "nguon", "doi_tuong", "reporter"),
            ),
            "note": ColumnSpec(required=False, aliases=("ghi_chu", "mo_ta", "description")),
        },
        geometry_types=_POINT,
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
    "complaints",
    "speed_tiles",
    "measurements",
)

#: Evidence layers: what was measured or reported rather than what was built. They are
#: not inputs of the predicted coverage, so reading a period's network (``read_all``)
#: leaves them out and writing them keeps the period's saved coverage.
EVIDENCE_LAYERS: tuple[str, ...] = ("measurements", "speed_tiles", "complaints")


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
