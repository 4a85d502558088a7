"""Mobile site records and the signal checks that both periods' sites use.

Signals are measured with :func:`coverage.mobile.best_signal` under the default rules
(RSRP per resource element and port, the path-loss model of each band, clutter from the
WorldPop density raster, no terrain; a village has 4G when the outdoor rule, -110 dBm at
90 % of locations, is met). The villages without electricity stay dark by a wider
margin: every technology's best *median* signal there is at least 3 dB
(``_RSRP_MARGIN_DB``) below its threshold, so they are covered neither outdoors nor
indoors at any location probability of 50 % or more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from coverage.linkbudget import TECH_DEFAULTS
from coverage.mobile import best_signal
from coverage.settings import CoverageSettings
from coverage.villages import weighted_share
from geodata.crs import WORK_CRS
from geodata.raster import Grid
from hatangso.demo.common import Bools, Floats, coords_of, point_geoms
from hatangso.demo.context import Context, commune_style

__all__ = [
    "FILL_TECH",
    "HEIGHTS_M",
    "JITTER_M",
    "Area",
    "Sites",
    "allocate",
    "check_mobile",
    "facing_away",
    "free_id",
    "jittered",
    "loud_sites",
    "mobile_area",
    "per_site_rsrp",
    "single_tech_radio",
    "site_record",
    "three_sectors",
]

_RSRP_MARGIN_DB: Final = 3.0  # dark villages stay this far below every threshold
_RSRP_SAFETY_DB: Final = 0.5  # ... and the generator keeps this much more in hand
HEIGHTS_M: Final[dict[str, tuple[int, int]]] = {  # inclusive range by commune style
    "ward": (15, 30),
    "town": (21, 36),
    "lowland": (27, 42),
    "mountain": (30, 45),
}
JITTER_M: Final[dict[str, float]] = {
    "ward": 60.0,
    "town": 100.0,
    "lowland": 150.0,
    "mountain": 200.0,
}
FILL_TECH: Final = "4G"  # sites of the 2020-2024 dead-zone programme carry 4G only


@dataclass
# --------------------------------------------------------------------------- site records


class Sites:
    """Mobile sites in the making (metres)."""

    records: list[dict[str, object]] = field(default_factory=list)
    xy: list[Floats] = field(default_factory=list)

    def add(self, record: dict[str, object], xy: Floats) -> None:
        """Add a site (a record of :func:`site_record`) at ``xy``."""
        self.records.append(record)
        self.xy.append(np.asarray(xy, dtype=np.float64))

    def frame(self) -> gpd.GeoDataFrame:
        """Return the sites as a ``mobile_sites`` frame in metres."""
        columns = [
            "site_id",
            "operator",
            "tech",
            "height_m",
            "eirp_dbm",
            "band_mhz",
            "azimuths_deg",
            "power",
        ]
        data = pd.DataFrame(self.records, columns=columns)
        data = data.astype({"height_m": "float64", "eirp_dbm": "float64", "band_mhz": "float64"})
        return gpd.GeoDataFrame(
            data,
            geometry=point_geoms(np.array(self.xy).reshape(-1, 2)),
            crs=WORK_CRS,
        )


def three_sectors(rng: np.random.Generator) -> str:
    """Return three sector azimuths 120° apart, the first a random multiple of 10°."""
    first = int(rng.integers(0, 12)) * 10
    return ",".join(str((first + k * 120) % 360) for k in range(3))


def facing_away(bearing_to_dark: float) -> str:
    """Two sectors whose back lobes face ``bearing_to_dark`` (gain there −25 dB)."""
    away = (bearing_to_dark + 180.0) % 360.0
    return ",".join(str(round((away + d) % 360.0)) for d in (-60.0, 60.0))


def single_tech_radio(tech: str) -> tuple[float, float]:
    """EIRP (total, all ports) and band recorded for a 4G-only site (NaN for others)."""
    if tech == "4G":
        lte = TECH_DEFAULTS["4G"]
        return lte.eirp_dbm, lte.band_mhz
    return math.nan, math.nan


def site_record(  # noqa: PLR0913
    site_id: str,
    operator: str,
    tech: str,
    height: float,
    azimuths: str,
    power: str = "grid",
) -> dict[str, object]:
    """Return the ``mobile_sites`` record of a site (radio fields from its technology)."""
    eirp, band = single_tech_radio(tech)
    return {
        "site_id": site_id,
        "operator": operator,
        "tech": tech,
        "height_m": float(height),
        "eirp_dbm": eirp,
        "band_mhz": band,
        "azimuths_deg": azimuths,
        "power": power,
    }


@dataclass(frozen=True)
# --------------------------------------------------------------------------------- signal


class Area:
    """What site placement needs to know, in metres."""

    villages: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame  # unit_id, parent_id, style, households, geometry
    density: Grid
    dark_xy: Floats


def mobile_area(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Area:
    """Return what site placement needs (metres), from the first period's layers."""
    admin_utm = layers["admin_units"].to_crs(WORK_CRS)
    villages = layers["villages"].to_crs(WORK_CRS)
    communes = admin_utm[admin_utm["level"] == "commune"].copy()
    communes["style"] = communes["unit_id"].astype(str).map(commune_style(ctx.base))
    domains = ctx.domains()  # inside the province: sites must pass its validation
    communes = communes.set_geometry([domains[str(u)] for u in communes["unit_id"]], crs=WORK_CRS)
    dark = ~villages["has_electricity"].to_numpy(dtype=bool)
    return Area(
        villages=villages,
        clusters=layers["clusters"].to_crs(WORK_CRS),
        communes=communes.reset_index(drop=True),
        density=ctx.base.density,
        dark_xy=coords_of(villages)[dark],
    )


def jittered(polygon: BaseGeometry, xy: Floats, radius: float, rng: np.random.Generator) -> Floats:
    """Return a random point within ``radius`` of ``xy``, or ``xy`` when it falls outside."""
    angle = rng.uniform(0.0, 2 * math.pi)
    r = radius * math.sqrt(rng.random())
    spot = np.array([xy[0] + r * math.cos(angle), xy[1] + r * math.sin(angle)])
    return spot if polygon.contains(shapely.Point(spot)) else np.asarray(xy, dtype=np.float64)


def per_site_rsrp(
    frame: gpd.GeoDataFrame, xy: Floats, tech: str, area: Area, settings: CoverageSettings
) -> pd.DataFrame:
    """RSRP of every site carrying ``tech`` at each point (points x sites), by best_signal."""
    alone = frame.assign(operator=frame["site_id"].astype(str))
    return best_signal(alone, xy, tech=tech, density=area.density, settings=settings).rsrp_dbm


def loud_sites(
    frame: gpd.GeoDataFrame, tech: str, area: Area, settings: CoverageSettings
) -> set[str]:
    """Sites whose ``tech`` signal at a dark village is within the margin of the threshold."""
    limit = settings.min_rsrp_dbm[tech] - _RSRP_MARGIN_DB - _RSRP_SAFETY_DB
    rsrp = per_site_rsrp(frame, area.dark_xy, tech, area, settings)
    loud = np.asarray((rsrp.to_numpy() >= limit).any(axis=0), dtype=bool)
    return {str(s) for s, is_loud in zip(rsrp.columns, loud, strict=True) if is_loud}


def village_4g(
    frame: gpd.GeoDataFrame,
    area: Area,
    settings: CoverageSettings,
    clusters_covered: Bools | None = None,
) -> tuple[Bools, Bools]:
    """Return each village's 4G status as the engine decides it, and its clusters' 4G.

    A village with clusters has 4G when the households of its covered clusters reach
    ``settings.village_min_share_pct`` (:mod:`coverage.villages`); one without, when its
    point is covered. ``clusters_covered`` reuses a cluster status already predicted.
    """
    villages, clusters = area.villages, area.clusters
    n = len(villages)
    point = best_signal(
        frame, coords_of(villages), tech="4G", density=area.density, settings=settings
    ).covered.to_numpy(dtype=bool)
    if clusters_covered is None:
        clusters_covered = best_signal(
            frame, coords_of(clusters), tech="4G", density=area.density, settings=settings
        ).covered.to_numpy(dtype=bool)
    position = pd.Series(np.arange(n), index=villages["village_id"].astype(str).to_numpy())
    owner = clusters["village_id"].astype(str).map(position)
    known = owner.notna().to_numpy()
    who = owner[known].to_numpy(dtype=np.intp)
    share = weighted_share(
        clusters_covered[known], clusters["households"].to_numpy(dtype=np.float64)[known], who, n
    )
    has = np.bincount(who, minlength=n) > 0
    status = np.where(has, share >= settings.village_min_share_pct, point)
    return np.asarray(status, dtype=bool), np.asarray(clusters_covered, dtype=bool)


def check_mobile(frame: gpd.GeoDataFrame, area: Area, settings: CoverageSettings) -> None:
    """Raise unless exactly the villages without electricity lack 4G and get no signal."""
    dark = ~area.villages["has_electricity"].to_numpy(dtype=bool)
    covered, _ = village_4g(frame, area, settings)
    problems: list[str] = []
    if not np.array_equal(covered, ~dark):
        problems.append(f"{int((covered == dark).sum())} villages off their 4G status")
    for tech in ("2G", "3G", "4G", "5G"):
        best = best_signal(
            frame, area.dark_xy, tech=tech, density=area.density, settings=settings
        ).best_rsrp_dbm.to_numpy()
        if (best >= settings.min_rsrp_dbm[tech] - _RSRP_MARGIN_DB).any():
            problems.append(f"{tech} signal at a village without electricity")
    if problems:
        msg = "Internal error, the demo mobile network misses its targets: " + "; ".join(problems)
        raise RuntimeError(msg)


def allocate(total: int, weights: Floats, minimum: npt.NDArray[np.int64]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` with a minimum per part."""
    base = minimum.astype(np.int64).copy()
    rest = max(total - int(base.sum()), 0)
    w = np.asarray(weights, dtype=np.float64)
    if rest == 0 or w.sum() <= 0:
        return [int(b) for b in base]
    share = rest * w / w.sum()
    out = np.floor(share).astype(np.int64)
    left = rest - int(out.sum())
    order = np.lexsort((np.arange(len(w)), -(share - out)))
    out[order[:left]] += 1
    return [int(b) for b in base + out]


def free_id(taken: Iterable[str], prefix: str, start: int = 1) -> str:
    """Return ``f"{prefix}{k:02d}"`` for the first ``k >= start`` not in ``taken``."""
    used = set(taken)
    k = start
    while f"{prefix}{k:02d}" in used:
        k += 1
    return f"{prefix}{k:02d}"
