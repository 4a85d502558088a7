"""How a file's columns become the contract's: id preference, the file's operator, profiles.

* **Which column is the id.** When several columns could be a layer's id ("Mã trạm" and
  "Tên trạm" both name a site), a code beats a name: :func:`id_preference` ranks a column
  named as a code (``ma``, ``code``, ``id``) over one named as a name (``ten``, ``name``),
  then one whose values are all unique short codes without spaces over free text.
* **The operator of a whole file.** An operator's site list rarely has an operator column:
  the operator is the sender. It is given (``--operator MobiFone``), else read from the
  title block (:func:`operator_from_title`: "TỔNG CÔNG TY VIỄN THÔNG MOBIFONE", a letter
  number "1234/MBF-KV3"), else from the site codes' prefix (:func:`operator_from_codes`,
  :data:`SITE_CODE_PREFIXES`: a heuristic, always reported).
* **Import profiles.** A mapping that worked (which file column is which contract column,
  the sheet, the operator, the CRS) is saved under a name in the store
  (:class:`ImportProfile`, :meth:`geodata.store.Store.save_profile`) and applied to next
  month's file of the same sender.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from geodata.errors import InputError
from geodata.schemas import OPERATOR_NAMES, OPERATORS, canonical_value, column_key
from geodata.text import fold

__all__ = [
    "SITE_CODE_PREFIXES",
    "UNITS",
    "ImportProfile",
    "canonical_operator_name",
    "convert_unit",
    "id_preference",
    "operator_from_codes",
    "operator_from_title",
]

#: Words of a title block or a letter number that name an operator (folded, whole words).
#: Short spellings that are also ordinary words ("mobi", "chung") are left out.
_TITLE_WORDS: Final[Mapping[str, str]] = {
    "viettel": "Viettel",
    "vtl": "Viettel",
    "vnpt": "VNPT",
    "vinaphone": "VNPT",
    "vnp": "VNPT",
    "mobifone": "MobiFone",
    "mbf": "MobiFone",
    "vms": "MobiFone",
    "vietnamobile": "Vietnamobile",
    "vnm": "Vietnamobile",
    "gtel": "Gtel",
    "gmobile": "Gtel",
    "sctv": "SCTV",
    "cmc": "CMC",
}

#: Site-code prefixes that name the operator, longest first when matching. A heuristic:
#: codes that start with the operator's own abbreviation (as the operators' exports and
#: the demo write them: "VTL-21790-01", "MBF0012", "VNP_BDH_004"). Provincial codes such
#: as "BDH0123" name no operator, and a file is only attributed when every code carries
#: the same prefix; the inference is always reported, and ``--operator`` overrides it.
SITE_CODE_PREFIXES: Final[Mapping[str, str]] = {
    "VIETTEL": "Viettel",
    "VTL": "Viettel",
    "VNPT": "VNPT",
    "VNP": "VNPT",
    "VINA": "VNPT",
    "MOBIFONE": "MobiFone",
    "MOBI": "MobiFone",
    "MBF": "MobiFone",
    "VNMB": "Vietnamobile",
    "VNM": "Vietnamobile",
    "GTEL": "Gtel",
}

_CODE_WORDS: Final = ("ma", "code", "id", "so_hieu", "ky_hieu")
_NAME_WORDS: Final = ("ten", "name")
_SHORT_CODE_RE: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/\-]{0,23}$")


#: The units a header may state in brackets, by the contract column's unit suffix: the
#: unit (folded, letters only) -> how to convert a value to the contract's unit (``None``:
#: already in it). A header in a unit of another column ("Độ cao (W)") is refused.
UNITS: Final[Mapping[str, Mapping[str, str | float | None]]] = {
    "_m": {"m": None, "met": None, "metre": None, "meter": None, "km": 1000.0, "cm": 0.01},
    "_mhz": {"mhz": None, "ghz": 1000.0, "khz": 0.001},
    "_dbm": {"dbm": None, "w": "w", "mw": "mw"},
    "_deg": {"do": None, "deg": None, "degree": None},
    "_kv": {"kv": None, "v": 0.001},
}
_ALL_UNITS: Final = frozenset(u for table in UNITS.values() for u in table)


def unit_key(note: str) -> str:
    """Return a note's unit key: folded, letters only ("(m)" → ``m``, "°" → ``do``)."""
    return re.sub(r"[^a-z]", "", fold(note.replace("°", " do ")))


def convert_unit(column: str, notes: Sequence[str]) -> tuple[str, str | float | None] | None:
    """Return ``(unit, conversion)`` for a contract column whose header states a unit.

    Parameters
    ----------
    column
        The contract column (``height_m``, ``band_mhz``, ``eirp_dbm`` …).
    notes
        The header's notes in brackets (:func:`geodata.sheets.split_header`).

    Returns
    -------
    tuple or None
        ``None`` when no note is a unit or the column has no unit; otherwise the unit as
        written and the conversion (``None``: the contract's unit; a factor; ``"w"`` or
        ``"mw"``: watts or milliwatts to dBm).

    Raises
    ------
    InputError
        The header states a unit the column cannot be converted from.

    Examples
    --------
    >>> convert_unit("band_mhz", ["GHz"]), convert_unit("height_m", ["m"])
    (('GHz', 1000.0), ('m', None))
    """
    suffix = next((s for s in UNITS if column.endswith(s)), None)
    for note in notes:
        key = unit_key(note)
        if key not in _ALL_UNITS:
            continue
        if suffix is None:
            return None
        table = UNITS[suffix]
        if key not in table:
            known = ", ".join(sorted(table))
            msg = (
                f"states the unit {note!r}, but {column!r} is in {suffix[1:]} ({known} converted)."
            )
            raise InputError(msg)
        return note, table[key]
    return None


def canonical_operator_name(raw: str) -> str:
    """Return the canonical operator of ``--operator``, or refuse an unknown one.

    Parameters
    ----------
    raw
        A spelling of an operator ("MobiFone", "mobi", "VNPT-VinaPhone").

    Returns
    -------
    str
        The canonical id (:data:`geodata.schemas.OPERATORS`).

    Raises
    ------
    InputError
        For a name no spelling matches; the message lists the operators.
    """
    canon = canonical_value(OPERATORS, str(raw))
    if canon is None:
        names = ", ".join(OPERATOR_NAMES[k] for k in OPERATORS if k != "Shared")
        msg = f"--operator {raw!r} is not a known operator. Use one of: {names}."
        raise InputError(msg)
    return canon


def operator_from_title(title: str) -> str | None:
    """Return the one operator a title block names, ``None`` when none or several.

    Examples
    --------
    >>> operator_from_title("TỔNG CÔNG TY VIỄN THÔNG MOBIFONE / Số: 1234/MBF-KV3")
    'MobiFone'
    >>> operator_from_title("DANH SÁCH TRẠM BTS TRÊN ĐỊA BÀN TỈNH BÌNH ĐỊNH") is None
    True
    """
    words = set(re.split(r"[^0-9a-z]+", fold(title)))
    found = {op for word, op in _TITLE_WORDS.items() if word in words}
    return found.pop() if len(found) == 1 else None


def operator_from_codes(codes: Sequence[object]) -> tuple[str, str] | None:
    """Return ``(operator, prefix)`` when every site code starts with one operator's prefix.

    Examples
    --------
    >>> operator_from_codes(["MBF0012", "MBF-BDH-7"])
    ('MobiFone', 'MBF')
    >>> operator_from_codes(["BDH0123", "MBF0012"]) is None
    True
    """
    texts = [str(c).strip().upper() for c in codes if c is not None and str(c).strip()]
    if not texts:
        return None
    prefixes = sorted(SITE_CODE_PREFIXES, key=len, reverse=True)
    found: Counter[tuple[str, str]] = Counter()
    for text in texts:
        prefix = next((p for p in prefixes if text.startswith(p)), None)
        if prefix is None:
            return None
        found[(SITE_CODE_PREFIXES[prefix], prefix)] += 1
    operators = {op for op, _ in found}
    if len(operators) != 1:
        return None
    (operator, prefix), _ = found.most_common(1)[0]
    return operator, prefix


def id_preference(header_key: str, values: Sequence[object]) -> tuple[int, int]:
    """Rank a candidate id column: lower is better.

    The first number is the header (0 named as a code, 1 neither, 2 named as a name), the
    second the values (0 all unique short codes without spaces, 1 not).

    Parameters
    ----------
    header_key
        The column's key (notes stripped), e.g. ``"ma_tram"``.
    values
        The column's cells.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> id_preference("ma_tram", ["MBF01", "MBF02"]), id_preference("ten_tram", ["A B", "C"])
    ((0, 0), (2, 1))
    """
    words = header_key.split("_")
    if any(header_key == w or header_key.startswith(f"{w}_") for w in _CODE_WORDS):
        by_name = 0
    elif words and words[0] in _NAME_WORDS:
        by_name = 2
    else:
        by_name = 1
    texts = [_code_text(v) for v in values]
    present = [t for t in texts if t is not None]
    codes = bool(present) and len(set(present)) == len(present)
    codes = codes and all(_SHORT_CODE_RE.match(t) for t in present)
    return by_name, 0 if codes else 1


def _code_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # noqa: PLR0124 - NaN
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class ImportProfile:
    """A named way of reading one sender's files, saved in the store and reused.

    Attributes
    ----------
    name
        The profile's name ("MobiFone — danh sách BTS").
    layer
        The contract layer the files are.
    columns
        Contract column -> the file's header (``"x"``/``"y"``: the coordinates).
    sheet
        The Excel sheet, when not the first.
    operator
        The operator of every row (the sender), when the file has no operator column.
    crs
        The coordinates' CRS (a short name or ``EPSG:n``), when the file does not say.
    encoding
        The text encoding (``tcvn3``, ``vni``, a codec), when not UTF-8.
    saved_at, saved_by
        When and by whom it was last saved (filled by the store).
    """

    name: str
    layer: str
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    operator: str | None = None
    crs: str | None = None
    encoding: str | None = None
    saved_at: str | None = None
    saved_by: str | None = None

    def settings_json(self) -> str:
        """Return what the store keeps besides the name, layer and stamps, as JSON."""
        data = asdict(self)
        for key in ("name", "layer", "saved_at", "saved_by"):
            data.pop(key)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ImportProfile:
        """Build a profile from a store row ``(name, layer, settings, saved_at, saved_by)``."""
        settings = json.loads(str(row[2]) or "{}")
        return cls(
            name=str(row[0]),
            layer=str(row[1]),
            columns={str(k): str(v) for k, v in dict(settings.get("columns") or {}).items()},
            sheet=settings.get("sheet"),
            operator=settings.get("operator"),
            crs=settings.get("crs"),
            encoding=settings.get("encoding"),
            saved_at=None if row[3] is None else str(row[3]),
            saved_by=None if row[4] is None else str(row[4]),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the profile as a JSON-ready mapping."""
        return asdict(self)


def profile_key(name: str) -> str:
    """Return the key two spellings of a profile name share (case, diacritics, dashes)."""
    return column_key(name)
