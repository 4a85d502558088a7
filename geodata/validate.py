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
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.backhaul import check_backhaul
from geodata.cells import parse_angles
from geodata.crs import STORE_CRS
from geodata.dates import parse_date
from geodata.errors import InputError, LayerValidationError
from geodata.load import RawLayer
from geodata.mapping import (
    canonical_operator_name,
    convert_unit,
    id_preference,
    operator_from_codes,
    operator_from_title,
)
from geodata.schemas import (
    ColumnSpec,
    LayerSchema,
    choice_lookup,
    column_key,
    layer_schema,
)
from geodata.sheets import header_keys, split_header
from geodata.validate_checks import (
    _check_geometry,
    _check_ids,
    _check_inside,
    _check_references,
)
from geodata.validate_context import (
    MAX_ROWS_PER_PROBLEM,
    ValidatedLayer,
    ValidationContext,
    _as_text,
    _Collector,
)

__all__ = ["MAX_ROWS_PER_PROBLEM", "ValidatedLayer", "ValidationContext", "validate_layer"]

log = logging.getLogger(__name__)


_TRUE = {"1", "true", "t", "yes", "y", "co", "x", "dung", "1.0"}
_FALSE = {"0", "false", "f", "no", "n", "khong", "chua", "sai", "0.0"}


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
