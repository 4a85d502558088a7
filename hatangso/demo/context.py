"""The base layers a build starts from, and the context every build step receives.

:class:`Base` holds the base layers in EPSG:4326, read from files by
:mod:`hatangso.demo.base` or made up by :mod:`hatangso.demo.sample`. :class:`Context`
adds the seed: every step draws from a :class:`numpy.random.Generator` keyed by the seed
and its own keys (and per commune or village), so a build is reproducible and appending
a step does not change the layers built before it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.crs import WORK_CRS
from geodata.raster import Grid
from geodata.store import LayerMeta

__all__ = [
    "Base",
    "Context",
    "NamedVillage",
    "Place",
    "RemoteVillage",
    "commune_style",
    "keyed_rng",
]

_DOMAIN_INSET_M: Final = 20.0  # keep generated points this far inside their polygon


# ------------------------------------------------------------------------ the base layers


@dataclass(frozen=True)
class RemoteVillage:
    """A village placed far from roads and the commune centre, without electricity."""

    commune_id: str
    name: str
    households: tuple[int, int]  # inclusive range


@dataclass(frozen=True)
class NamedVillage:
    """A real village name given to the generated village of a commune farthest from its centre."""

    commune_id: str
    name: str


@dataclass(frozen=True)
class Place:
    """A priority place: a real place, its position typed by hand (approximate)."""

    place_id: str
    kind: str
    name: str
    lon: float
    lat: float
    commune_id: str | None = None  # keep the point inside this commune when given


@dataclass(frozen=True)
class Base:
    """Base layers in EPSG:4326, read from files or made up for the sample."""

    name: str
    province: gpd.GeoDataFrame  # unit_id, name, unit_type, geometry
    districts: gpd.GeoDataFrame  # unit_id, name, unit_type, geometry
    communes: gpd.GeoDataFrame  # + parent_id, population, households, style
    hamlets: gpd.GeoDataFrame  # commune_id, geometry
    major_roads: gpd.GeoDataFrame  # class, name, geometry
    power_lines: gpd.GeoDataFrame  # voltage_kv, geometry
    density: Grid  # people per km², NaN where the raster has no data
    density_tif: bytes
    places: tuple[Place, ...]
    remote: tuple[RemoteVillage, ...]
    village_total: int
    meta: Mapping[str, LayerMeta]
    later_meta: Mapping[str, LayerMeta]
    named: tuple[NamedVillage, ...] = ()


# ---------------------------------------------------------------------- the build context


@dataclass
class Context:
    """What every build step receives: the base layers, the seed and a progress callback."""

    base: Base
    seed: int
    progress: Callable[[str], None]
    _domains: dict[str, BaseGeometry] | None = field(default=None, repr=False)

    def rng(self, *keys: str) -> np.random.Generator:
        """Return a generator keyed by the seed and ``keys`` (independent of call order)."""
        return keyed_rng(self.seed, *keys)

    def domains(self) -> dict[str, BaseGeometry]:
        """Return, per commune, the part of it inside the province, in metres, inset."""
        if self._domains is None:
            self._domains = _commune_domains(self.base)
        return self._domains


def keyed_rng(seed: int, *keys: str) -> np.random.Generator:
    """Return the generator of :meth:`Context.rng`: keyed by ``seed`` and ``keys``."""
    entropy = [seed, *(zlib.crc32(key.encode("utf-8")) for key in keys)]
    return np.random.default_rng(entropy)


def _commune_domains(base: Base) -> dict[str, BaseGeometry]:
    """Return, per commune, its part inside the province (when most of it is), inset, in m."""
    province = base.province.to_crs(WORK_CRS).geometry.iloc[0]
    communes = base.communes.to_crs(WORK_CRS)
    out: dict[str, BaseGeometry] = {}
    for unit_id, geom in zip(communes["unit_id"], communes.geometry, strict=True):
        inside = geom.intersection(province)
        domain = inside if inside.area >= 0.2 * geom.area else geom
        inset = domain.buffer(-_DOMAIN_INSET_M)
        domain = inset if inset.area >= 0.25 * domain.area else domain
        shapely.prepare(domain)
        out[str(unit_id)] = domain
    return out


def commune_style(base: Base) -> dict[str, str]:
    """Return commune id -> style (``ward``, ``town``, ``lowland`` or ``mountain``)."""
    communes = base.communes
    return dict(zip(communes["unit_id"].astype(str), communes["style"].astype(str), strict=True))
