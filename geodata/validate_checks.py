"""The checks of a layer's rows: ids, geometries, the province, references to other layers.

Split from :mod:`geodata.validate`, which runs them in order.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.crs import current_extent
from geodata.schemas import (
    LayerSchema,
)
from geodata.units import UnitNames
from geodata.validate_context import ValidationContext, _as_text, _Collector

#: Features farther than this outside the province polygon are refused (degrees, ~1 km).
PROVINCE_TOLERANCE_DEG = 0.01


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
