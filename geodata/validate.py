"""Validation of a layer against the data contract: every problem found, reported at once.

Like OSMnx's ``_validate``, the checks collect :class:`~geodata.errors.Problem` objects
and raise a single :class:`~geodata.errors.LayerValidationError` at the end, so an
official fixing a spreadsheet sees everything that is wrong with it in one go.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.backhaul import check_backhaul
from geodata.cells import parse_angles
from geodata.crs import STORE_CRS, current_extent
from geodata.dates import parse_date
from geodata.errors import InputError, LayerValidationError, Problem
from geodata.load import RawLayer
from geodata.mapping import (
    canonical_operator_name,
    convert_unit,
    id_preference,
    operator_from_codes,
    operator_from_title,
)
from geodata.schemas import (
    LAYERS,
    ColumnSpec,
    LayerSchema,
    choice_lookup,
    column_key,
    layer_schema,
)
from geodata.sheets import header_keys, split_header
from geodata.text import to_nfc
from geodata.units import UnitNames

__all__ = ["MAX_ROWS_PER_PROBLEM", "ValidatedLayer", "ValidationContext", "validate_layer"]

log = logging.getLogger(__name__)

#: A problem that repeats on many rows is listed for this many rows, then counted.
MAX_ROWS_PER_PROBLEM = 20
#: Features farther than this outside the province polygon are refused (degrees, ~1 km).
PROVINCE_TOLERANCE_DEG = 0.01

_TRUE = {"1", "true", "t", "yes", "y", "co", "x", "dung", "1.0"}
_FALSE = {"0", "false", "f", "no", "n", "khong", "chua", "sai", "0.0"}


@dataclass
class ValidationContext:
    """What validation knows besides the file: the province and ids of other layers.

    Attributes
    ----------
    province
        The province outline in EPSG:4326; ``None`` when unknown, and the checks then use
        the bounding box of Bình Định.
    known_ids
        ``(layer, level) -> ids``; ``level`` is ``None`` for all units of a layer.
    village_points
        ``village_id -> a point inside the village``, where a complaint that names only
        its village is placed.
    units
        The administrative units (``unit_id``, ``name``, ``level``, ``parent_id``, and
        ``former_names`` when known), so that a unit given by its name instead of its
        code is matched (:class:`geodata.units.UnitNames`).
    former_names
        More names of units: a former name -> the unit carrying it now (a crosswalk's).
    """

    province: BaseGeometry | None = None
    known_ids: dict[tuple[str, str | None], set[str]] = field(default_factory=dict)
    village_points: dict[str, BaseGeometry] = field(default_factory=dict)
    units: pd.DataFrame | None = None
    former_names: dict[str, str] = field(default_factory=dict)
    former_codes: dict[str, str] = field(default_factory=dict)

    def add_crosswalk(self, crosswalk: pd.DataFrame, from_layout: str, to_layout: str) -> None:
        """Learn the codes of an older layout: old code -> where its area is now, in words.

        A file that still writes a commune's code of before a reform is then told the new
        code instead of only "unknown" (:data:`geodata.layouts.CROSSWALK_COLUMNS`).
        """
        for old, rows in crosswalk.groupby(crosswalk["old_code"].astype(str)):
            name = next((str(n) for n in rows["old_name"] if isinstance(n, str) and n), "")
            new = [
                f"{code} {nm}".strip() if isinstance(nm, str) else str(code)
                for code, nm in zip(rows["new_code"].astype(str), rows["new_name"], strict=True)
            ]
            where = (
                f"now part of {new[0]}"
                if len(new) == 1
                else f"now split between {' and '.join(new)} (the village's location decides)"
            )
            label = f" ({name})" if name else ""
            self.former_codes[str(old)] = (
                f"the code of a unit{label} in the layout of {from_layout}, before the layout "
                f"of {to_layout}; {where}"
            )

    def unit_names(self, level: str | None) -> UnitNames | None:
        """Return the index of the units of ``level`` by name, ``None`` without units."""
        if self.units is None:
            return None
        return UnitNames(self.units, level=level, former=self.former_names)

    def ids(self, layer: str, level: str | None) -> set[str] | None:
        """Return the known ids of a layer (and admin level), ``None`` when unknown."""
        return self.known_ids.get((layer, level))

    def add_layer(self, name: str, frame: pd.DataFrame) -> None:
        """Learn the ids (and, for admin units, the province outline) a layer holds.

        Parameters
        ----------
        name
            The contract layer.
        frame
            Its validated rows (geometry in EPSG:4326).
        """
        if name == "admin_units":
            ids = frame["unit_id"].astype(str)
            self.known_ids[("admin_units", None)] = set(ids)
            for level in ("province", "district", "commune"):
                self.known_ids[("admin_units", level)] = set(ids[frame["level"] == level])
            names = [
                c for c in ("unit_id", "name", "level", "parent_id", "former_names") if c in frame
            ]
            self.units = pd.DataFrame(frame[names]).reset_index(drop=True)
            province = frame[frame["level"] == "province"]
            if len(province):
                self.province = shapely.union_all(province.geometry.to_numpy())
        elif name in LAYERS:
            id_column = LAYERS[name].id_column
            self.known_ids[(name, None)] = set(frame[id_column].astype(str))
            if name == "villages" and "geometry" in frame:
                points = shapely.point_on_surface(np.asarray(frame.geometry.to_numpy()))
                self.village_points = dict(
                    zip(frame[id_column].astype(str), points.tolist(), strict=True)
                )


@dataclass
class ValidatedLayer:
    """A layer that passed validation: contract columns, EPSG:4326, text in NFC."""

    layer: str
    source: str
    frame: gpd.GeoDataFrame
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    """Contract column -> the file's column it was read from (``x``/``y``: coordinates)."""
    operator: str | None = None
    """The operator of the whole file, when given or inferred rather than read per row."""

    @property
    def warnings(self) -> list[Problem]:
        """Findings that did not refuse the layer (repairs, unchecked references)."""
        return [p for p in self.problems if p.severity == "warning"]


class _Collector:
    """Collects problems, listing a repeated one for at most MAX_ROWS_PER_PROBLEM rows."""

    def __init__(self, raw: RawLayer) -> None:
        self.raw = raw
        self.problems: list[Problem] = list(raw.problems)
        self.notes: list[str] = []
        self._counts: dict[tuple[str, str | None], int] = defaultdict(int)

    def add(  # noqa: PLR0913
        self,
        key: str,
        message: str,
        *,
        fix: str = "",
        pos: int | None = None,
        feature_id: str | None = None,
        column: str | None = None,
        severity: str = "error",
    ) -> None:
        counter = (key, column)
        self._counts[counter] += 1
        if self._counts[counter] > MAX_ROWS_PER_PROBLEM:
            return
        row = self.raw.row_numbers[pos] if pos is not None else None
        self.problems.append(
            Problem(
                message,
                fix=fix,
                row=row,
                feature_id=feature_id,
                column=column,
                severity="warning" if severity == "warning" else "error",
                row_label=self.raw.row_label,
            )
        )

    def note(self, text: str) -> None:
        """Tell the user what was decided (logged, and kept with the result)."""
        self.notes.append(text)
        log.info("%s", text)

    def finish(self) -> list[Problem]:
        for (key, column), n in self._counts.items():
            if n > MAX_ROWS_PER_PROBLEM:
                self.problems.append(
                    Problem(
                        f"… and {n - MAX_ROWS_PER_PROBLEM} more rows with the same problem "
                        f"({key}).",
                        column=column,
                    )
                )
        return self.problems


def validate_layer(  # noqa: C901, PLR0913 - the reading options, keyword-only
    raw: RawLayer,
    layer: str | LayerSchema,
    *,
    context: ValidationContext | None = None,
    repair: bool = False,
    operator: str | None = None,
    operator_origin: str = "given with --operator",
) -> ValidatedLayer:
    """Check a file's rows against the data contract and normalise them.

    Parameters
    ----------
    raw
        The rows as read by :func:`geodata.load.read_raw`.
    layer
        The contract layer (name or schema).
    context
        The province outline and the ids other layers hold (from the store), so that a
        village's ``commune_id`` can be checked. Without it, references to other layers
        are reported as not checked.
    repair
        Repair invalid geometries with :func:`shapely.make_valid` instead of refusing them
        (each repair is reported as a warning).
    operator
        The operator of every row (the file's sender), for a layer with an ``operator``
        column; without it, and without the column, the operator is recognised from the
        title block or the codes' prefix (:mod:`geodata.mapping`) and reported.
    operator_origin
        Where ``operator`` came from, for the note ("from the import profile 'X'").

    Returns
    -------
    ValidatedLayer
        Contract columns first (canonical values, proper dtypes), then the file's other
        columns; geometry in EPSG:4326.

    Raises
    ------
    LayerValidationError
        With every problem found.
    """
    schema = layer if isinstance(layer, LayerSchema) else layer_schema(layer)
    context = context or ValidationContext()
    out = _Collector(raw)
    frame, used = _map_columns(raw, schema, out)
    ids = _id_strings(frame, schema)
    chosen_operator = _file_operator(frame, schema, raw, (operator, operator_origin), ids, out)
    if chosen_operator is not None and "operator" not in used:
        used["operator"] = ""
    for col, spec in schema.columns.items():
        source = raw.columns.get(col) or used.get(col)
        if col in frame and source and spec.kind in ("int", "float"):
            frame[col] = _in_contract_unit(frame[col], col, source, out)
    missing = [c for c, spec in schema.columns.items() if spec.required and c not in frame]
    result: dict[str, Any] = {}
    for col, spec in schema.columns.items():
        if col in frame:
            result[col] = _coerce(frame[col], col, spec, ids, out, raw)
        elif not spec.required:
            result[col] = pd.Series([spec.default] * len(frame), index=frame.index, dtype=object)
            if spec.kind == "bool":
                result[col] = result[col].astype(bool)
    for col in missing:
        spec = schema.columns[col]
        accepted = ", ".join(sorted({col, *spec.aliases}))
        also = (
            " Or give the operator of the whole file with --operator NAME (the app: "
            "'Nhà mạng của tệp')."
            if col == "operator"
            else ""
        )
        out.add(
            "missing column",
            f"required column {col!r} is missing (columns in the file: "
            f"{', '.join(map(str, raw.frame.columns.drop('geometry', errors='ignore')))}).",
            fix=f"add it, under one of these names: {accepted}.{also}",
            column=col,
        )
    _check_ids(result.get(schema.id_column), schema, ids, out)
    geometry = _check_geometry(raw.frame.geometry, schema, ids, out, repair=repair)
    _check_inside(geometry, context, ids, out)
    _check_references(result, schema, context, ids, out)
    if schema.name == "mobile_sites":
        check_backhaul(
            result,
            ids,
            lambda key, message, fix, pos, fid, col: out.add(
                key, message, fix=fix, pos=pos, feature_id=fid, column=col
            ),
        )
    problems = out.finish()
    if any(p.severity == "error" for p in problems):
        raise LayerValidationError(raw.source, schema.name, problems)
    extras = [c for c in frame.columns if c not in schema.columns and c != "geometry"]
    data = pd.DataFrame(result, index=frame.index)
    for col in extras:
        data[col] = frame[col]
    gdf = gpd.GeoDataFrame(data, geometry=geometry, crs=STORE_CRS).reset_index(drop=True)
    columns = {**{k: v for k, v in used.items() if v}, **raw.columns}
    return ValidatedLayer(
        schema.name,
        raw.source,
        gdf,
        problems,
        notes=[*raw.notes, *out.notes],
        columns=columns,
        operator=chosen_operator,
    )


# --------------------------------------------------------------------------- columns


def _map_columns(
    raw: RawLayer, schema: LayerSchema, out: _Collector
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename the file's columns onto the contract through the schema's aliases.

    A header is matched as written, else with its notes in brackets stripped ("Độ cao
    anten (m)"). When several columns could be the id, a code beats a name
    (:func:`geodata.mapping.id_preference`). Returns the renamed frame and the contract
    column -> file column of every column mapped.
    """
    alias_map = schema.alias_map()
    frame = pd.DataFrame(raw.frame.drop(columns="geometry"))
    renames: dict[str, str] = {}
    claimed: dict[str, list[str]] = defaultdict(list)
    for col in frame.columns:
        target = next((alias_map[k] for k in header_keys(str(col)) if k in alias_map), None)
        if target is not None:
            claimed[target].append(str(col))
    for target, sources in claimed.items():
        exact = [s for s in sources if column_key(s) == target]
        if len(sources) == 1 or exact:
            renames[exact[0] if exact else sources[0]] = target
            continue
        if target == schema.id_column or schema.columns[target].references is not None:

            def rank(col: str) -> tuple[int, int]:
                return id_preference(header_keys(col)[0], list(frame[col].to_numpy()))

            ranked = sorted(sources, key=rank)
            best, second = rank(ranked[0]), rank(ranked[1])
            if best < second:
                renames[ranked[0]] = target
                others = ", ".join(repr(s) for s in ranked[1:])
                out.note(
                    f"{raw.source}: {target} read from {ranked[0]!r} (a code); {others} "
                    "kept as a column (a name is not a code)."
                )
                continue
        out.add(
            "ambiguous columns",
            f"columns {', '.join(map(repr, sources))} could all be {target!r}.",
            fix=f"rename the one that holds {target!r} to {target!r} and the others "
            "to something else.",
            column=target,
        )
    renamed = {k: v for k, v in renames.items() if k != v}
    if renamed:
        log.info("%s: columns mapped onto the contract: %s", raw.source, renamed)
    return frame.rename(columns=renames), {v: k for k, v in renames.items()}


def _in_contract_unit(series: pd.Series, col: str, source: str, out: _Collector) -> pd.Series:
    """Convert a column whose header states another unit ("Băng tần (GHz)") to the contract's.

    A unit that cannot be converted ("Độ cao (W)") is refused; the values are left as read.
    """
    try:
        found = convert_unit(col, split_header(source).notes)
    except InputError as err:
        out.add("wrong unit", f"{source!r} {err}", fix="check the column mapping.", column=col)
        return series
    if found is None or found[1] is None:
        return series
    unit, how = found
    values: list[object] = []
    for value in series.tolist():
        number = _number(value)
        if not isinstance(number, float):
            values.append(value)
        elif how in ("w", "mw"):
            milliwatts = number * (1000.0 if how == "w" else 1.0)
            values.append(10.0 * np.log10(milliwatts) if milliwatts > 0 else value)
        else:
            values.append(number * float(how))  # type: ignore[arg-type]
    target = {"m": "m", "mhz": "MHz", "dbm": "dBm", "deg": "°", "kv": "kV"}[col.rsplit("_", 1)[-1]]
    what = "10·log10(mW)" if how in ("w", "mw") else f"×{how:g}"
    out.note(
        f"{out.raw.source}: {col} read from {source!r} in {unit}, converted to {target} ({what})."
    )
    return pd.Series(values, index=series.index, dtype=object)


def _file_operator(  # noqa: C901, PLR0913
    frame: pd.DataFrame,
    schema: LayerSchema,
    raw: RawLayer,
    given: tuple[str | None, str],
    ids: list[str | None],
    out: _Collector,
) -> str | None:
    """Fill the operator of a whole file: given, else from the title, else the codes.

    A file that has an operator column keeps it; with ``operator`` given as well, a row
    that names another operator is refused and an empty cell is filled.
    """
    operator, how = given
    if "operator" not in schema.columns:
        if operator:
            out.note(f"{raw.source}: --operator is ignored: {schema.name} has no operator.")
        return None
    chosen = canonical_operator_name(operator) if operator else None
    if "operator" in frame:
        if chosen is None:
            return None
        lookup = choice_lookup(schema.columns["operator"].choices)
        cells = frame["operator"].tolist()
        for pos, value in enumerate(cells):
            text = _as_text(value)
            if text is None:
                cells[pos] = chosen
            elif lookup.get(column_key(text)) not in (chosen, None):
                out.add(
                    "other operator",
                    f"names operator {text!r}, but the file is {chosen!r} (--operator).",
                    fix="drop --operator for a file of several operators, or correct the row.",
                    pos=pos,
                    feature_id=ids[pos],
                    column="operator",
                )
        frame["operator"] = cells
        return chosen
    if chosen is None and not schema.columns["operator"].required:
        return None  # a complaint's operator is its own: never guessed for a whole file
    if chosen is None:
        chosen = operator_from_title(raw.title)
        line = next((t for t in raw.title.split(" / ") if operator_from_title(t)), "")
        shown = line if len(line) <= 60 else line[:59] + "…"
        how = f"recognised from the title block ({shown!r})"
    if chosen is None and schema.id_column in frame:
        found = operator_from_codes(frame[schema.id_column].tolist())
        if found is not None:
            chosen = found[0]
            n = sum(1 for i in ids if i is not None)
            how = (
                f"recognised from the {schema.id_column}s' prefix: all {n} start with "
                f"{found[1]!r} (a guess: give --operator if it is wrong)"
            )
    if chosen is None:
        return None
    frame["operator"] = chosen
    out.note(f"{raw.source}: operator {chosen} for every row, {how}.")
    return chosen


def _id_strings(frame: pd.DataFrame, schema: LayerSchema) -> list[str | None]:
    if schema.id_column not in frame:
        return [None] * len(frame)
    return [_as_text(v) for v in frame[schema.id_column].tolist()]


def _as_text(value: object) -> str | None:
    """Return a cell as NFC text; whole floats from spreadsheets lose their ``.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = to_nfc(str(value)).strip()
    return text or None


def _number(value: object) -> float | str | None:
    """Parse a number (decimal comma allowed); ``None`` when empty, the text when not a number."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.number):
        return None if np.isnan(float(value)) else float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 1.176 = one thousand one hundred …
        text = text.replace(".", "")
    elif "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return str(value)


def _coerce(  # noqa: C901, PLR0912, PLR0913, PLR0915
    series: pd.Series,
    col: str,
    spec: ColumnSpec,
    ids: list[str | None],
    out: _Collector,
    raw: RawLayer,
) -> pd.Series:
    values = series.tolist()
    result: list[Any] = []
    lookup = choice_lookup(spec.choices) if spec.choices else {}
    allowed = ", ".join(spec.choices)
    for pos, value in enumerate(values):
        fid = ids[pos]
        empty = _as_text(value) is None

        def bad(key: str, message: str, fix: str, pos: int = pos, fid: str | None = fid) -> None:
            out.add(key, message, fix=fix, pos=pos, feature_id=fid, column=col)

        if empty:
            if spec.required:
                bad("empty value", "is empty.", f"fill in {col!r} for this row.")
            result.append(spec.default)
            continue
        if spec.kind == "str":
            result.append(_as_text(value))
        elif spec.kind in ("int", "float"):
            number = _number(value)
            if isinstance(number, str) or number is None:
                bad("not a number", f"{value!r} is not a number.", "enter a number.")
                result.append(None)
                continue
            _check_range(number, col, spec, bad)
            if spec.integer and not float(number).is_integer():
                bad(
                    "not a whole number",
                    f"{_show(number)} is not a whole number.",
                    f"{col!r} counts things: enter a whole number.",
                )
            result.append(number)
        elif spec.kind == "bool":
            key = column_key(str(value))
            if key in _TRUE:
                result.append(True)
            elif key in _FALSE:
                result.append(False)
            else:
                bad("not yes/no", f"{value!r} is not yes/no.", "use 1/0, yes/no or có/không.")
                result.append(spec.default)
        elif spec.kind == "enum":
            canon = lookup.get(column_key(str(value)))
            if canon is None:
                bad("unknown value", f"unknown value {value!r}.", f"use one of: {allowed}.")
            result.append(canon)
        elif spec.kind == "enum_list":
            parts = [p for p in re.split(r"[,;/+|\s]+", str(value)) if p]
            canon_parts = [lookup.get(column_key(p)) for p in parts]
            unknown = [p for p, c in zip(parts, canon_parts, strict=True) if c is None]
            if unknown or not parts:
                bad(
                    "unknown value",
                    f"unknown value {', '.join(map(repr, unknown or [str(value)]))}.",
                    f"list any of: {allowed} (e.g. '2G,4G').",
                )
            known = {c for c in canon_parts if c is not None}
            result.append(",".join(v for v in spec.choices if v in known) or None)
        elif spec.kind == "angle_list":
            angles = parse_angles(value)
            if isinstance(angles, str):
                bad(
                    "unreadable angles",
                    f"{value!r} is not a list of angles in degrees (0-360).",
                    f"give {spec.hint or 'angles in degrees separated by commas.'}",
                )
                result.append(None)
            else:
                result.append(",".join(_show(a) for a in angles) if angles else None)
        elif spec.kind == "date":
            day = parse_date(value)
            if day is None:
                bad(
                    "not a date",
                    f"{value!r} is not a date.",
                    f"write it as dd/mm/yyyy or YYYY-MM-DD.{' ' + spec.hint if spec.hint else ''}",
                )
            result.append(day)
        else:  # pragma: no cover - schema kinds are closed
            result.append(value)
    del raw
    return _typed(pd.Series(result, index=series.index, dtype=object), spec)


def _check_range(
    number: float, col: str, spec: ColumnSpec, bad: Callable[[str, str, str], None]
) -> None:
    """Report a number below the column's minimum (or not above it) or above its maximum."""
    hint = f" {col!r} is {spec.hint}" if spec.hint else ""
    low = spec.minimum
    if low is not None and (number < low or (spec.above_minimum and number == low)):
        if number < 0 <= low:
            key, what = "negative value", "is negative"
        elif number == low:
            key, what = "too small", f"is not above {_show(low)}"
        else:
            key, what = "too small", f"is below {_show(low)}"
        at_least = "greater than" if spec.above_minimum else "at least"
        bad(key, f"{_show(number)} {what}.", f"{col!r} must be {at_least} {_show(low)}.{hint}")
    if spec.maximum is not None and number > spec.maximum:
        bad(
            "too large",
            f"{_show(number)} is above {_show(spec.maximum)}.",
            f"{col!r} must be at most {_show(spec.maximum)}.{hint}",
        )


def _typed(series: pd.Series, spec: ColumnSpec) -> pd.Series:
    if spec.kind == "int":
        numbers = pd.to_numeric(series, errors="coerce")
        whole = numbers.where(numbers.isna() | (numbers == numbers.round()))
        return whole.astype("Int64") if whole.isna().any() else whole.astype("int64")
    if spec.kind == "float":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if spec.kind == "bool":
        return series.fillna(bool(spec.default)).astype(bool)
    return series.astype(object)


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


# --------------------------------------------------------------------------- ids


def _check_ids(
    series: pd.Series | None, schema: LayerSchema, ids: list[str | None], out: _Collector
) -> None:
    if series is None:
        return
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, value in enumerate(ids):
        if value is not None:
            positions[value].append(pos)
    for value, where in positions.items():
        if len(where) > 1:
            rows = ", ".join(str(out.raw.row_numbers[p]) for p in where)
            out.add(
                "duplicate id",
                f"id {value!r} is used {len(where)} times ({out.raw.row_label}s {rows}).",
                fix=f"give every feature its own {schema.id_column!r}.",
                pos=where[1],
                feature_id=value,
                column=schema.id_column,
            )


# --------------------------------------------------------------------------- geometry


def _check_geometry(
    geoms: gpd.GeoSeries,
    schema: LayerSchema,
    ids: list[str | None],
    out: _Collector,
    *,
    repair: bool,
) -> gpd.GeoSeries:
    arr = geoms.to_numpy().copy()
    allowed = schema.geometry_types
    for pos, geom in enumerate(arr):
        fid = ids[pos]
        if geom is None or geom.is_empty:
            out.add(
                "no geometry",
                "has no geometry (empty or missing coordinates).",
                fix=(
                    "add its lon/lat, or the village_id of a village the store holds "
                    "(validate with --store)."
                    if schema.name == "complaints"
                    else "add the coordinates or remove the row."
                ),
                pos=pos,
                feature_id=fid,
            )
            continue
        if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1 and "Point" in allowed:
            arr[pos] = geom.geoms[0]
            geom = arr[pos]  # noqa: PLW2901 - the single point replaces its MultiPoint
        if geom.geom_type not in allowed:
            out.add(
                "wrong geometry type",
                f"geometry type {geom.geom_type!r} is not allowed for {schema.name!r}.",
                fix=f"use {' or '.join(allowed)} geometries.",
                pos=pos,
                feature_id=fid,
            )
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            if repair:
                fixed = _repair(geom, allowed)
                if fixed is None:
                    out.add(
                        "invalid geometry",
                        f"invalid geometry ({reason}) could not be repaired.",
                        fix="fix the geometry in a GIS.",
                        pos=pos,
                        feature_id=fid,
                    )
                else:
                    arr[pos] = fixed
                    out.add(
                        "repaired geometry",
                        f"invalid geometry ({reason}) was repaired.",
                        pos=pos,
                        feature_id=fid,
                        severity="warning",
                    )
            else:
                out.add(
                    "invalid geometry",
                    f"invalid geometry: {reason}.",
                    fix="repair it in a GIS, or re-run with --repair to repair it "
                    "automatically (shapely.make_valid).",
                    pos=pos,
                    feature_id=fid,
                )
    return gpd.GeoSeries(arr, index=geoms.index, crs=geoms.crs)


def _repair(geom: BaseGeometry, allowed: tuple[str, ...]) -> BaseGeometry | None:
    fixed = shapely.make_valid(geom)
    if fixed.geom_type in allowed:
        return fixed
    if fixed.geom_type == "GeometryCollection":
        dim = shapely.get_dimensions(geom)
        parts = [g for g in shapely.get_parts(fixed) if shapely.get_dimensions(g) == dim]
        if parts:
            merged = shapely.union_all(parts)
            if merged.geom_type in allowed:
                return merged
            if merged.geom_type == "Polygon" and "MultiPolygon" in allowed:
                return shapely.MultiPolygon([cast("shapely.Polygon", merged)])
    if fixed.geom_type == "Polygon" and "MultiPolygon" in allowed:
        return shapely.MultiPolygon([cast("shapely.Polygon", fixed)])
    return None


def _check_inside(
    geoms: gpd.GeoSeries, context: ValidationContext, ids: list[str | None], out: _Collector
) -> None:
    area = context.province
    if area is None:
        area = shapely.box(*current_extent().bbox_lonlat)
    zone = shapely.buffer(area, PROVINCE_TOLERANCE_DEG)
    shapely.prepare(zone)
    arr = geoms.to_numpy()
    present = np.array([g is not None and not g.is_empty for g in arr], dtype=bool)
    inside = np.ones(len(arr), dtype=bool)
    if present.any():
        inside[present] = shapely.intersects(zone, arr[present])
    for pos in np.flatnonzero(~inside):
        point = arr[pos].representative_point()
        distance_km = shapely.distance(area, point) * 111.0
        out.add(
            "outside the province",
            f"lies outside Bình Định (at {point.x:.5f}, {point.y:.5f}, about "
            f"{distance_km:,.0f} km away).",
            fix="check its coordinates (latitude/longitude swapped? wrong CRS?) or drop it.",
            pos=int(pos),
            feature_id=ids[pos],
        )


def _unknown_reference(  # noqa: PLR0913 - one problem's place
    text: str,
    reference: tuple[str, str | None],
    context: ValidationContext,
    out: _Collector,
    pos: int,
    feature_id: str | None,
    col: str,
) -> None:
    """Report a value that names no known unit: a former code says where its area went."""
    ref_layer, level = reference
    if text in context.former_codes:
        out.add(
            "former code",
            f"{text!r} is {context.former_codes[text]}.",
            fix="write the unit's code in this period's layout, or import the file "
            "into a period before the reform (--as-of).",
            pos=pos,
            feature_id=feature_id,
            column=col,
        )
        return
    target = f"{level} in {ref_layer}" if level else ref_layer
    out.add(
        "unknown reference",
        f"{text!r} is not a known {target}.",
        fix=f"use the id of an existing {target} (GSO code for units), or "
        f"import that {target} first.",
        pos=pos,
        feature_id=feature_id,
        column=col,
    )


def _check_references(  # noqa: C901
    result: dict[str, Any],
    schema: LayerSchema,
    context: ValidationContext,
    ids: list[str | None],
    out: _Collector,
) -> None:
    for col, spec in schema.columns.items():
        if spec.references is None or col not in result:
            continue
        ref_layer, level = spec.references
        known = context.ids(ref_layer, level)
        if ref_layer == schema.name:  # e.g. admin_units.parent_id -> the same file
            known = (known or set()) | {i for i in ids if i is not None}
        if known is None:
            what = f"{level} " if level else ""
            out.add(
                "reference not checked",
                f"{col!r} values were not checked against {what}{ref_layer}: none is known.",
                fix=f"import {ref_layer} into the store first, or validate with --store.",
                column=col,
                severity="warning",
            )
            continue
        names = context.unit_names(level) if ref_layer == "admin_units" else None
        values = result[col].tolist()
        matched: dict[str, str] = {}
        for pos, value in enumerate(values):
            text = _as_text(value)
            if text is None or text in known:
                continue
            if names is not None and not text.isdigit():
                found = names.match(text)
                if found.unit_id is not None and found.unit_id in known:
                    values[pos] = found.unit_id
                    matched.setdefault(text, names.describe(found.unit_id))
                    continue
                if found.candidates:
                    listed = "; ".join(names.describe(c) for c in found.candidates)
                    out.add(
                        "ambiguous name",
                        f"{text!r} is the name of {len(found.candidates)} {level or 'unit'}s: "
                        f"{listed}.",
                        fix="write the code instead, or the name with its parent unit, e.g. "
                        f"{_qualified(names, found.candidates[0], text)!r}.",
                        pos=pos,
                        feature_id=ids[pos],
                        column=col,
                    )
                    continue
                if found.suggestions:
                    close = "; ".join(names.describe(c) for c in found.suggestions)
                    out.add(
                        "unknown name",
                        f"{text!r} is neither the code nor the name of a known {level or 'unit'}"
                        f" (closest: {close}).",
                        fix="write the unit's code (GSO) or its name as the layout has it.",
                        pos=pos,
                        feature_id=ids[pos],
                        column=col,
                    )
                    continue
            if text not in known:
                _unknown_reference(text, (ref_layer, level), context, out, pos, ids[pos], col)
        if matched:
            result[col] = pd.Series(values, index=result[col].index, dtype=object)
            shown = ", ".join(f"{k!r} → {v}" for k, v in list(matched.items())[:10])
            more = f" and {len(matched) - 10} more" if len(matched) > 10 else ""
            out.note(
                f"{out.raw.source}: {col}: {len(matched)} name{'s' * (len(matched) != 1)} "
                f"matched to codes: {shown}{more}."
            )


def _qualified(names: UnitNames, unit_id: str, text: str) -> str:
    """Return ``text`` qualified by the unit's parent name ("Ngô Mây, Huyện Phù Cát")."""
    described = names.describe(unit_id)
    parent = described[described.find("(") + 1 : -1] if described.endswith(")") else ""
    return f"{text}, {parent}" if parent else text
