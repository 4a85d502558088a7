"""What validation knows and collects: the context (province, known ids), the result, the problems.

Split from :mod:`geodata.validate` (which re-exports :class:`ValidationContext` and
:class:`ValidatedLayer`) so that the checks (:mod:`geodata.validate_checks`) and the
column coercion share them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.errors import Problem
from geodata.load import RawLayer
from geodata.schemas import (
    LAYERS,
)
from geodata.text import to_nfc
from geodata.units import UnitNames

log = logging.getLogger("geodata.validate")

#: A problem that repeats on many rows is listed for this many rows, then counted.
MAX_ROWS_PER_PROBLEM = 20


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


def _as_text(value: object) -> str | None:
    """Return a cell as NFC text; whole floats from spreadsheets lose their ``.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = to_nfc(str(value)).strip()
    return text or None
