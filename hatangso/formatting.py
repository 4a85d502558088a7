"""Numbers, percentages, dates, amounts and layer names as people in Vietnam read them.

The one place where figures become text, for the app (Vietnamese or English), the report
and the command line. Vietnamese writes ``1.176`` for one thousand one hundred and
seventy-six and ``98,7 %`` for a percentage; English ``1,176`` and ``98.7 %``. Dates are
``dd/mm/yyyy`` in both. A missing figure (``None``, NaN, pandas' NA or an infinite
number) is shown as ``—`` unless the caller names another mark (``missing="-"``).

The layers' Vietnamese names live here too: :func:`layer_title` (the title of a layer in a
list, the vector layers' from the data contract :mod:`geodata.schemas`) and
:data:`LAYER_NAMES_VI` (the noun in a sentence, as the report writes it).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers

import pandas as pd

from geodata.schemas import LAYERS

__all__ = [
    "LAYER_NAMES_VI",
    "NO_TARGET",
    "coverage_title",
    "fmt_date",
    "fmt_dist",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "fmt_target",
    "fmt_vnd",
    "is_missing",
    "layer_title",
    "validation_text",
]

#: The mark of a missing figure.
MISSING = "—"


def is_missing(value: object) -> bool:
    """Return whether a figure is missing: ``None``, pandas' NA, NaN or infinite.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if value is None or value is pd.NA:
        return True
    return isinstance(value, numbers.Real) and not math.isfinite(value)


def fmt_num(
    value: float | None, digits: int = 0, lang: str = "vi", *, missing: str = MISSING
) -> str:
    """Return a number with the thousands and decimal separators of ``lang``.

    Parameters
    ----------
    value
        The number.
    digits
        Decimals shown (rounded half to even, as Python formats).
    lang
        ``"vi"`` (``1.176``, ``98,7``) or ``"en"`` (``1,176``, ``98.7``).
    missing
        Shown for a missing figure (see :func:`is_missing`).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_num(434379), fmt_num(98.72, 1)
    ('434.379', '98,7')
    >>> fmt_num(1234.5, 1, "en")
    '1,234.5'
    >>> fmt_num(None), fmt_num(float("nan"), missing="-")
    ('—', '-')
    """
    if value is None or is_missing(value):
        return missing
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def fmt_int(value: float | None, lang: str = "vi") -> str:
    """Return a whole number: ``1.176`` (vi), ``1,176`` (en).

    Examples
    --------
    >>> fmt_int(1176), fmt_int(1176, "en")
    ('1.176', '1,176')
    """
    return fmt_num(value, 0, lang)


def fmt_pct(
    value: float | None,
    lang: str = "vi",
    digits: int = 1,
    *,
    trim: bool = True,
    missing: str = MISSING,
) -> str:
    """Return a percentage, a space before the sign: ``98,7 %``.

    Parameters
    ----------
    value
        The percentage (``98.7`` for 98,7 %).
    lang
        ``"vi"`` or ``"en"``.
    digits
        Decimals shown.
    trim
        Drop the decimals of a value that rounds to a whole number (``75 %``, the app's
        style); without it every value keeps ``digits`` decimals (``75,00 %``, the
        command line's tables).
    missing
        Shown for a missing figure (no sign).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_pct(98.72), fmt_pct(75.004), fmt_pct(99.91, "en")
    ('98,7 %', '75 %', '99.9 %')
    >>> fmt_pct(75.0, digits=2, trim=False), fmt_pct(None, missing="-")
    ('75,00 %', '-')
    """
    if value is None or is_missing(value):
        return missing
    if not trim:
        return f"{fmt_num(value, digits, lang)} %"
    rounded = round(float(value), digits)
    shown = fmt_num(rounded, 0 if rounded.is_integer() else digits, lang)
    return f"{shown} %"


#: What is shown for an indicator with no target in force on a period's date.
NO_TARGET = {"vi": "chưa có chỉ tiêu", "en": "no target"}


def fmt_target(
    target_pct: float | None,
    strict: object,
    lang: str = "vi",
    *,
    missing: str = MISSING,
    comparison: str | None = None,
) -> str:
    """Return a target: ``100 %``, or ``> 95 %`` when it must be exceeded.

    Parameters
    ----------
    target_pct
        The target in percent, whole (``None`` or missing: a reported-only indicator).
    strict
        Whether the figure must exceed the target (its truth value is used).
    lang
        ``"vi"`` or ``"en"``.
    missing
        Shown when there is no target (:data:`NO_TARGET` for a period without one).
    comparison
        The target's comparison (``">="``, ``">"``, ``"="``); when given it decides over
        ``strict`` (``"="`` is written ``= 100 %``).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_target(100, False), fmt_target(95, True), fmt_target(None, False, missing="-")
    ('100 %', '> 95 %', '-')
    >>> fmt_target(100, False, comparison="=")
    '= 100 %'
    """
    if target_pct is None or is_missing(target_pct):
        return missing
    sign = {">": "> ", "=": "= ", ">=": ""}.get(comparison or "", "> " if strict else "")
    return sign + fmt_pct(target_pct, lang, 0, trim=False)


def fmt_dist(metres: float | None, lang: str = "vi") -> str:
    """Return a distance: metres below 1 km, else km with one decimal.

    Examples
    --------
    >>> fmt_dist(350.4), fmt_dist(7012), fmt_dist(7012, "en")
    ('350 m', '7,0 km', '7.0 km')
    """
    if metres is None or is_missing(metres):
        return MISSING
    if metres < 1000:
        return f"{fmt_int(metres, lang)} m"
    return f"{fmt_num(metres / 1000.0, 1, lang)} km"


def fmt_vnd(value: float | None, lang: str = "vi") -> str:
    """Return an amount of money in billions from one billion, else in millions.

    Examples
    --------
    >>> fmt_vnd(1_250_000_000), fmt_vnd(350_000_000, "en")
    ('1,25 tỷ đồng', '350.0 million VND')
    """
    if value is None or is_missing(value):
        return MISSING
    if abs(value) >= 1e9:
        unit = "tỷ đồng" if lang == "vi" else "billion VND"
        return f"{fmt_num(value / 1e9, 2, lang)} {unit}"
    unit = "triệu đồng" if lang == "vi" else "million VND"
    return f"{fmt_num(value / 1e6, 1, lang)} {unit}"


def fmt_date(value: str | dt.date | None) -> str:
    """Return a date (or an ISO ``YYYY-MM-DD…`` text) as ``dd/mm/yyyy``, in both languages.

    ``—`` when unknown; a text that is not a date is returned as it is.

    Examples
    --------
    >>> fmt_date("2024-06-30"), fmt_date(dt.date(2024, 12, 31)), fmt_date(None)
    ('30/06/2024', '31/12/2024', '—')
    """
    if not value:
        return MISSING
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return day.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- layer names

#: Each layer's name as a noun inside a Vietnamese sentence (the report's note on
#: synthetic layers: "... các lớp mô phỏng: thôn, cụm dân cư, ...").
LAYER_NAMES_VI: dict[str, str] = {
    "admin_units": "ranh giới hành chính",
    "villages": "thôn",
    "clusters": "cụm dân cư",
    "fiber_routes": "tuyến cáp quang",
    "fiber_nodes": "điểm nút cáp quang",
    "mobile_sites": "trạm phát sóng di động",
    "roads": "đường giao thông",
    "power_lines": "đường điện",
    "priority_places": "địa điểm ưu tiên",
    "measurements": "kết quả đo kiểm sóng di động",
    "speed_tiles": "ô đo tốc độ",
    "complaints": "phản ánh của người dân",
    "population_density": "mật độ dân số",
    "elevation": "độ cao địa hình",
    "land_cover": "lớp phủ mặt đất",
}

#: Titles of the data contract's rasters: name -> (Vietnamese, English).
_RASTER_TITLES: dict[str, tuple[str, str]] = {
    "population_density": ("Mật độ dân số", "population density"),
    "elevation": ("Độ cao", "elevation"),
    "land_cover": ("Lớp phủ mặt đất", "land cover"),
}


def coverage_title(tech: str, operator: str, lang: str = "vi") -> str:
    """Return the title of an operator's coverage of a technology.

    Examples
    --------
    >>> coverage_title("4G", "Viettel"), coverage_title("4G", "Viettel", "en")
    ('Vùng phủ 4G Viettel', '4G coverage Viettel')
    """
    return f"Vùng phủ {tech} {operator}" if lang == "vi" else f"{tech} coverage {operator}"


def layer_title(layer: str, lang: str = "vi") -> str:
    """Return a layer's title in a list of layers.

    Vector layers: the Vietnamese title of the data contract (``title_vi``), in English
    the layer's name; rasters are marked ``(raster)``, and a saved coverage raster
    (``coverage_4g_viettel``) is named by its technology and operator.

    Examples
    --------
    >>> layer_title("fiber_routes"), layer_title("fiber_routes", "en")
    ('Tuyến cáp quang', 'fiber routes')
    >>> layer_title("elevation"), layer_title("coverage_4g_viettel", "en")
    ('Độ cao (raster)', '4G coverage viettel (raster)')
    """
    if layer in LAYERS:
        return LAYERS[layer].title_vi if lang == "vi" else layer.replace("_", " ")
    if layer in _RASTER_TITLES:
        vi, en = _RASTER_TITLES[layer]
        return f"{vi if lang == 'vi' else en} (raster)"
    if layer.startswith("coverage_"):
        _, tech, *operator = layer.split("_")
        return coverage_title(tech.upper(), " ".join(operator), lang) + " (raster)"
    return layer


def validation_text(report: str, features: int) -> str:
    r"""Return a validation report with the number of features read on its first line.

    The report's own text (file names, messages, fixes) is left as it is; only the count
    is written the Vietnamese way.

    Parameters
    ----------
    report
        :func:`geodata.errors.format_report`'s text.
    features
        The number of features read.

    Returns
    -------
    str

    Examples
    --------
    >>> print(validation_text("a.csv: layer 'villages' is valid.\n  1 warning:\n  - x, y.", 1176))
    a.csv: layer 'villages' is valid. 1.176 features.
      1 warning:
      - x, y.
    """
    head, sep, rest = report.partition("\n")
    return f"{head} {fmt_int(features)} features.{sep}{rest}"
