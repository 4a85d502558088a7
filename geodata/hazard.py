"""A hazard read from a file: the areas a storm, flood, landslide or power cut strikes.

The file (GeoJSON, GeoPackage or Shapefile) holds polygons (a flood, a landslide area, a
power-outage area) or lines (a storm's track, with the radius of its damaging wind).
It is checked like a layer of the contract (:data:`HAZARD_SCHEMA`, every problem at
once, each naming its row and column), not kept in the store: a scenario reads it when
it runs. ``kind`` is optional: a line is a storm, a polygon a power-outage area.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.errors import InputFileError, LayerValidationError, Problem
from geodata.load import read_raw
from geodata.schemas import ColumnSpec, LayerSchema
from geodata.validate import ValidationContext, validate_layer

__all__ = ["HAZARD_KINDS", "HAZARD_SCHEMA", "read_hazard"]

#: Hazard kinds and how files spell them (the rules of each: coverage.resilience).
HAZARD_KINDS = {
    "storm": ("storm", "bao", "con bao", "typhoon", "ap thap nhiet doi", "gio manh", "wind"),
    "flood": ("flood", "lu", "lut", "lu lut", "ngap", "ngap lut", "vung ngap"),
    "landslide": ("landslide", "sat lo", "sat lo dat", "lo dat", "truot lo"),
    "power_outage": ("power_outage", "power outage", "mat dien", "cat dien", "outage"),
}

HAZARD_SCHEMA = LayerSchema(
    name="hazards",
    id_column="hazard_id",
    title_vi="Vùng thiên tai",
    description="The areas a hazard strikes: polygons, or a storm's track with its wind radius.",
    columns={
        "hazard_id": ColumnSpec(required=False, aliases=("ma", "id", "ma_vung", "code")),
        "kind": ColumnSpec(
            kind="enum",
            required=False,
            choices=HAZARD_KINDS,
            aliases=("loai", "loai_thien_tai", "hazard", "type"),
        ),
        "wind_radius_m": ColumnSpec(
            kind="float",
            required=False,
            minimum=0,
            above_minimum=True,
            maximum=500_000,
            hint="the radius of damaging wind around a storm's track, in metres (e.g. 60000).",
            aliases=("ban_kinh_gio", "ban_kinh", "radius_m", "wind_radius", "ban_kinh_m"),
        ),
        "name": ColumnSpec(required=False, aliases=("ten", "ten_vung", "ten_bao", "mo_ta")),
    },
    geometry_types=("Polygon", "MultiPolygon", "LineString", "MultiLineString"),
)


def read_hazard(path: str | Path, *, context: ValidationContext | None = None) -> gpd.GeoDataFrame:
    """Read and check a hazard file.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or Shapefile.
    context
        The province outline (from the store) for the check that the hazard touches it.

    Returns
    -------
    geopandas.GeoDataFrame
        ``hazard_id``, ``kind`` (filled: a line is a storm, a polygon a power outage),
        ``wind_radius_m``, ``name``; EPSG:4326.

    Raises
    ------
    InputFileError
        The file is not a vector file.
    LayerValidationError
        With every problem: unknown kinds, a storm track without its wind radius, a
        polygon given a wind radius, geometry that is neither area nor line, …
    """
    path = Path(path)
    if path.suffix.lower() not in (".geojson", ".json", ".gpkg", ".shp", ".zip"):
        msg = (
            f"{path.name}: a hazard is drawn, not tabulated: give a GeoJSON, GeoPackage or "
            "Shapefile of polygons (areas) or lines (a storm's track)."
        )
        raise InputFileError(msg)
    raw = read_raw(path, layer="hazards")
    frame = validate_layer(raw, HAZARD_SCHEMA, context=context).frame
    is_line = shapely.get_dimensions(frame.geometry.to_numpy()) == 1
    kinds = frame["kind"].astype(object)
    frame["kind"] = kinds.where(kinds.notna(), ["storm" if x else "power_outage" for x in is_line])
    problems: list[Problem] = []
    for pos, (line, radius) in enumerate(zip(is_line, frame["wind_radius_m"], strict=True)):
        row = raw.row_numbers[pos]
        if line and not (pd.notna(radius) and float(radius) > 0):
            problems.append(
                Problem(
                    "is a storm track (a line) without its wind radius.",
                    fix="give 'wind_radius_m', the radius of damaging wind in metres, or draw "
                    "the area as a polygon.",
                    row=row,
                    column="wind_radius_m",
                    row_label=raw.row_label,
                )
            )
        elif line and frame["kind"].iloc[pos] != "storm":
            problems.append(
                Problem(
                    f"is a line but its kind is {frame['kind'].iloc[pos]}: only a storm "
                    "has a track.",
                    fix="draw the area as a polygon, or set 'kind' to storm.",
                    row=row,
                    column="kind",
                    row_label=raw.row_label,
                )
            )
    if problems:
        raise LayerValidationError(raw.source, HAZARD_SCHEMA.name, problems)
    return frame
