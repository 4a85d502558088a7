"""The mobile sites of the first period (``mobile_sites``), calibrated with the engine.

Viettel, VNPT (VinaPhone), MobiFone and Vietnamobile sites are placed by households
(denser in towns), with legacy 2G/3G on part of them; Viettel's five 5G pilot sites
stand in Quy Nhơn; sites near a village without electricity drop 2G/3G, turn away or
go; 4G-only sites are added where a village still lacks 4G. :func:`coverage.mobile.best_signal`
decides which villages have 4G: every village but làng O2, where no site of any
technology comes within 3 dB of the coverage threshold.

Thôn Canh Giao (xã Canh Hiệp, Vân Canh; grid power since April 2024) is served by an
18 m, two-sector Viettel 4G site on grid power, on air since June 2024, placed next to it
so that it is the best 4G server there (:data:`hatangso.demo.targets.CANH_GIAO`); the
``mobile_sites`` contract has no date column, so the dates are in the layer's source text.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from coverage.antenna import bearing_deg
from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import (
    MOBILE_OPERATORS,
    OPERATOR_CODE,
    Bools,
    Floats,
    Layers,
    coords_of,
)
from hatangso.demo.context import Context
from hatangso.demo.sites import (
    FILL_TECH,
    HEIGHTS_M,
    JITTER_M,
    Area,
    Sites,
    allocate,
    check_mobile,
    facing_away,
    free_id,
    jittered,
    loud_sites,
    mobile_area,
    per_site_rsrp,
    single_tech_radio,
    site_record,
    three_sectors,
    village_4g,
)
from hatangso.demo.targets import CANH_GIAO, PROVINCE_HOUSEHOLDS, NetworkTargets, targets_for

__all__ = ["step_mobile_sites"]

log = logging.getLogger(__name__)


# technology mix per operator, mid-2024: most sites 4G, legacy 2G/3G on part of them
_TECH_MIX: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "Viettel": (("2G,3G,4G", 0.40), ("2G,4G", 0.15), ("3G,4G", 0.15), ("4G", 0.30)),
    "VNPT": (("2G,3G,4G", 0.35), ("3G,4G", 0.25), ("4G", 0.35), ("2G,3G", 0.05)),
    "MobiFone": (("2G,3G,4G", 0.35), ("3G,4G", 0.20), ("4G", 0.35), ("2G,3G", 0.10)),
    "Vietnamobile": (("2G,3G,4G", 0.30), ("3G,4G", 0.30), ("4G", 0.30), ("2G,3G", 0.10)),
}


# site weight per commune: households share + this times the area share
_AREA_WEIGHT: Final[dict[str, float]] = {
    "Viettel": 0.8,
    "VNPT": 0.6,
    "MobiFone": 0.4,
    "Vietnamobile": 0.0,
}
_MIN_SITES_PER_COMMUNE: Final[dict[str, int]] = {
    "Viettel": 1,
    "VNPT": 1,
    "MobiFone": 0,
    "Vietnamobile": 0,
}


# Vietnamobile stays in the towns: weight of its sites by commune style
_VNM_STYLE_WEIGHT: Final[dict[str, float]] = {
    "ward": 1.0,
    "town": 1.0,
    "lowland": 0.12,
    "mountain": 0.0,
}
_FIVE_G_TECH: Final = "3G,4G,5G"
_FILL_HEIGHT_M: Final = (30, 42)
_SITE_OFFSET_M: Final = (80.0, 220.0)  # a new site stands this far from the village centre
_MAX_TRIES: Final = 20_000
_CANH_GIAO_OPERATOR: Final = "Viettel"
_CANH_GIAO_HEIGHT_M: Final = 18.0
_CANH_GIAO_OFFSETS_M: Final = (40.0, 30.0, 20.0)  # tried in turn until it is the best server


# ------------------------------------------------------------------------------- the step


def step_mobile_sites(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``mobile_sites``: four operators, 4G in every village with electricity.

    Parameters
    ----------
    ctx
        The demo's build context (seeded generators, base layers, progress).
    layers
        The layers built so far: ``admin_units``, ``villages``, ``clusters`` and
        ``priority_places`` are used.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``mobile_sites`` (site_id, operator, tech, height_m, eirp_dbm, band_mhz,
        azimuths_deg, power; Point) in EPSG:4326.

    Raises
    ------
    RuntimeError
        If a village with electricity is left without 4G or a village without it gets
        a signal (a generator bug).
    """
    settings = DEFAULT_SETTINGS
    targets = targets_for(layers["admin_units"])
    area = mobile_area(ctx, layers)
    sites = Sites()
    _place_sites(area, targets, sites, ctx)
    _five_g_pilot(
        layers["priority_places"].to_crs(WORK_CRS),
        area.communes,
        targets,
        sites,
        ctx.rng("mobile", "5g"),
    )
    frame = _darken(sites.frame(), area, settings)
    frame = _canh_giao_site(frame, area, settings, ctx.rng("mobile", "canh-giao"))
    placed = len(frame)
    frame = _fill_4g(frame, area, "Viettel", settings, ctx.rng("mobile", "fill"))
    frame = frame.sort_values("site_id", kind="stable").reset_index(drop=True)
    check_mobile(frame, area, settings)
    counts = frame["operator"].value_counts()
    ctx.progress(
        f"mobile sites: {len(frame)} ("
        + ", ".join(f"{op} {int(counts.get(op, 0))}" for op in MOBILE_OPERATORS)
        + f"; {len(frame) - placed} added for 4G gaps), "
        f"5G {int(frame['tech'].str.contains('5G').sum())}"
    )
    return {"mobile_sites": frame.to_crs(STORE_CRS)}


# ---------------------------------------------------------------------- placing the sites


def _place_sites(area: Area, targets: NetworkTargets, sites: Sites, ctx: Context) -> None:
    """Place every operator's sites by households (and area), densest in the towns."""
    communes = area.communes
    hh = communes["households"].to_numpy(dtype=np.float64)
    areas = communes.geometry.area.to_numpy(dtype=np.float64)
    styles = communes["style"].astype(str).to_numpy()
    scale = float(hh.sum()) / PROVINCE_HOUSEHOLDS
    cluster_commune = area.clusters["village_id"].map(
        dict(zip(area.villages["village_id"], area.villages["commune_id"], strict=True))
    )
    cxy = coords_of(area.clusters)
    chh = area.clusters["households"].to_numpy(dtype=np.float64)
    centre_xy = {
        str(c): xy
        for c, xy, is_c in zip(
            area.villages["commune_id"],
            coords_of(area.villages),
            area.villages["is_commune_centre"],
            strict=True,
        )
        if is_c
    }
    for op in MOBILE_OPERATORS:
        total = round(targets.site_counts[op] * scale)
        weights = hh / hh.sum() + _AREA_WEIGHT[op] * areas / areas.sum()
        if op == "Vietnamobile":
            weights = hh / hh.sum() * np.array([_VNM_STYLE_WEIGHT[s] for s in styles])
        minimum = np.full(len(communes), _MIN_SITES_PER_COMMUNE[op], dtype=np.int64)
        counts = allocate(total, weights, minimum)
        for row, n in enumerate(counts):
            if n == 0:
                continue
            commune_id = str(communes["unit_id"].iloc[row])
            rng = ctx.rng("mobile", op, commune_id)
            mask = (cluster_commune == commune_id).to_numpy(dtype=bool)
            spots = _site_spots(
                communes.geometry.iloc[row],
                centre_xy[commune_id],
                cxy[mask],
                chh[mask],
                n,
                styles[row],
                rng,
            )
            mix = _TECH_MIX[op]
            techs = rng.choice(len(mix), size=n, p=[p for _, p in mix])
            low, high = HEIGHTS_M[styles[row]]
            for k, xy in enumerate(spots):
                sites.add(
                    site_record(
                        f"{OPERATOR_CODE[op]}-{commune_id}-{k + 1:02d}",
                        op,
                        mix[int(techs[k])][0],
                        float(rng.integers(low // 3, high // 3 + 1) * 3),
                        three_sectors(rng),
                    ),
                    xy,
                )


def _site_spots(  # noqa: PLR0913
    polygon: BaseGeometry,
    centre: Floats,
    cxy: Floats,
    chh: Floats,
    n: int,
    style: str,
    rng: np.random.Generator,
) -> list[Floats]:
    """Return ``n`` site positions in a commune: the centre first, then by households."""
    spacing = float(np.clip(0.45 * math.sqrt(polygon.area / n), 150.0, 2500.0))
    jitter = JITTER_M[style]
    spots: list[Floats] = [jittered(polygon, centre, jitter, rng)]
    weights = chh / chh.sum() if len(chh) and chh.sum() > 0 else None
    tries = 0
    while len(spots) < n:
        tries += 1
        if tries % 200 == 0:
            spacing *= 0.7
        if tries > _MAX_TRIES:
            msg = f"Internal error: cannot place {n} sites in a commune of {polygon.area:.0f} m²."
            raise RuntimeError(msg)
        if weights is not None and rng.random() < 0.85:
            anchor = cxy[int(rng.choice(len(cxy), p=weights))]
        else:
            minx, miny, maxx, maxy = polygon.bounds
            anchor = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
            if not polygon.contains(shapely.Point(anchor)):
                continue
        spot = jittered(polygon, anchor, jitter, rng)
        near = np.array(spots)
        if np.hypot(near[:, 0] - spot[0], near[:, 1] - spot[1]).min() >= spacing:
            spots.append(spot)
    return spots


def _five_g_pilot(
    places: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    targets: NetworkTargets,
    sites: Sites,
    rng: np.random.Generator,
) -> None:
    """Add the 5G pilot: one site next to each of ``targets.five_g_places``."""
    if not targets.five_g_places:
        return
    by_id = places.set_index(places["place_id"].astype(str))
    op = targets.five_g_operator
    for k, place_id in enumerate(targets.five_g_places, start=1):
        point = by_id.geometry[place_id]
        home = communes[communes.contains(point)]
        polygon = home.geometry.iloc[0] if len(home) else point.buffer(1.0)
        xy = jittered(polygon, np.array([point.x, point.y]), 200.0, rng)
        sites.add(
            site_record(
                f"{OPERATOR_CODE[op]}-5G-{k:02d}",
                op,
                _FIVE_G_TECH,
                float(rng.integers(10, 13) * 3),
                three_sectors(rng),
            ),
            xy,
        )


def _darken(frame: gpd.GeoDataFrame, area: Area, settings: CoverageSettings) -> gpd.GeoDataFrame:
    """Keep the villages without electricity dark: every site ≥ 3 dB below the threshold.

    A site that comes too close drops its 2G/3G, turns its 4G/5G sectors away (two
    sectors whose back lobes face the village), and is removed when that is not enough.
    """
    if not len(area.dark_xy):
        return frame
    ids = frame["site_id"].astype(str).to_numpy()
    techs = [str(t).split(",") for t in frame["tech"]]
    azimuths = frame["azimuths_deg"].astype(str).to_numpy(dtype=object)
    sxy = coords_of(frame)
    for tech in ("2G", "3G", "4G", "5G"):
        loud = loud_sites(frame, tech, area, settings)
        for i in np.flatnonzero(np.isin(ids, sorted(loud))):
            if tech in {"2G", "3G"}:
                techs[i] = [t for t in techs[i] if t != tech]
                continue
            d = area.dark_xy - sxy[i]
            k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
            azimuths[i] = facing_away(float(bearing_deg(d[k, 0], d[k, 1])))
    joined = [",".join(t) for t in techs]
    radio = [single_tech_radio(t) for t in joined]
    frame = frame.assign(
        tech=joined,
        azimuths_deg=azimuths,
        eirp_dbm=[e for e, _ in radio],
        band_mhz=[b for _, b in radio],
    )
    frame = frame[frame["tech"] != ""]
    for tech in ("4G", "5G"):  # what turning away did not silence goes
        loud = loud_sites(frame, tech, area, settings)
        frame = frame[~frame["site_id"].astype(str).isin(loud)]
    return frame.reset_index(drop=True)


def _fill_4g(
    frame: gpd.GeoDataFrame,
    area: Area,
    operator: str,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Add a 4G site at each village still without 4G (largest first) until none is left."""
    vxy = coords_of(area.villages)
    cxy = coords_of(area.clusters)
    dark = ~area.villages["has_electricity"].to_numpy(dtype=bool)
    status, clusters_4g = village_4g(frame, area, settings)
    todo = ~status & ~dark
    order = np.lexsort(
        (
            area.villages["village_id"].astype(str).to_numpy(),
            -area.villages["households"].to_numpy(),
        )
    )
    commune_poly = dict(
        zip(area.communes["unit_id"].astype(str), area.communes.geometry, strict=True)
    )
    added: list[gpd.GeoDataFrame] = []
    taken = set(frame["site_id"].astype(str))
    for i in order:
        if not todo[i]:
            continue
        commune_id = str(area.villages["commune_id"].iloc[i])
        site_id = free_id(taken, f"{OPERATOR_CODE[operator]}-{commune_id}-P")
        taken.add(site_id)
        site = _fill_site(
            _fill_spot(i, vxy, cxy, clusters_4g, area),
            commune_poly[commune_id],
            site_id,
            operator,
            area,
            settings,
            rng,
        )
        clusters_4g = clusters_4g | best_signal(
            site, cxy, tech="4G", density=area.density, settings=settings
        ).covered.to_numpy(dtype=bool)
        status, _ = village_4g(
            pd.concat([frame, *added, site], ignore_index=True).pipe(
                gpd.GeoDataFrame, geometry="geometry", crs=WORK_CRS
            ),
            area,
            settings,
            clusters_covered=clusters_4g,
        )
        if not status[i]:
            msg = f"Internal error: a new site does not cover its village {i}."
            raise RuntimeError(msg)
        todo &= ~status
        added.append(site)
    if not added:
        return frame
    out = pd.concat([frame, *added], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WORK_CRS)


def _fill_spot(i: int, vxy: Floats, cxy: Floats, clusters_4g: Bools, area: Area) -> Floats:
    """Where to put a village's gap-filling site: by its largest cluster without 4G."""
    mine = area.clusters["village_id"].astype(str) == str(area.villages["village_id"].iloc[i])
    dark = np.flatnonzero(mine.to_numpy(dtype=bool) & ~clusters_4g)
    if not len(dark):
        return np.asarray(vxy[i], dtype=np.float64)
    households = area.clusters["households"].to_numpy()[dark]
    return np.asarray(cxy[dark[int(np.argmax(households))]], dtype=np.float64)


def _fill_site(  # noqa: PLR0913
    village_xy: Floats,
    polygon: BaseGeometry,
    site_id: str,
    operator: str,
    area: Area,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Return a 4G site next to a village, turned (then lowered) so the dark ones stay dark."""
    away = 0.0
    if len(area.dark_xy):
        d = area.dark_xy - village_xy
        k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
        away = math.atan2(-d[k, 0], -d[k, 1])  # bearing (from north) away from it
    r = rng.uniform(*_SITE_OFFSET_M)
    xy = village_xy + r * np.array([math.sin(away), math.cos(away)])
    if not polygon.contains(shapely.Point(xy)):
        xy = np.asarray(village_xy, dtype=np.float64)
    height = float(rng.integers(_FILL_HEIGHT_M[0] // 3, _FILL_HEIGHT_M[1] // 3 + 1) * 3)
    options: list[tuple[str, float]] = [(three_sectors(rng), height)]
    if len(area.dark_xy):
        d = area.dark_xy - xy
        k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
        back = facing_away(float(bearing_deg(d[k, 0], d[k, 1])))
        options += [(back, height), (back, 18.0), (back, 15.0)]
    for azimuths, h in options:
        sites = Sites()
        sites.add(site_record(site_id, operator, FILL_TECH, h, azimuths), xy)
        site = sites.frame()
        if not len(area.dark_xy):
            return site
        if not loud_sites(site, "4G", area, settings):
            return site
    msg = f"Internal error: no 4G site next to village at {village_xy} keeps the dark ones dark."
    raise RuntimeError(msg)


def _canh_giao_site(
    frame: gpd.GeoDataFrame,
    area: Area,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Add the site of thôn Canh Giao: 18 m, two sectors, 4G, grid power (June 2024).

    It stands a few tens of metres from the village, one sector facing it and one the
    other way (back to back, along the valley), and is moved closer until it is the
    best 4G server at the village. Without a village named :data:`CANH_GIAO` (the
    sample area) ``frame`` is returned as is.
    """
    names = area.villages["name"].astype(str).to_numpy()
    hits = np.flatnonzero(names == CANH_GIAO)
    if not len(hits):
        return frame
    i = int(hits[0])
    village_xy = coords_of(area.villages)[i]
    commune_id = str(area.villages["commune_id"].iloc[i])
    polygon = area.communes.set_index(area.communes["unit_id"].astype(str)).geometry[commune_id]
    op = _CANH_GIAO_OPERATOR
    site_id = free_id(frame["site_id"].astype(str), f"{OPERATOR_CODE[op]}-{commune_id}-P")
    angle = rng.uniform(0.0, 2 * math.pi)
    out = frame
    for offset in _CANH_GIAO_OFFSETS_M:
        for turn in (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi):
            xy = village_xy + offset * np.array([math.sin(angle + turn), math.cos(angle + turn)])
            if polygon.contains(shapely.Point(xy)):
                break
        else:
            xy = np.asarray(village_xy, dtype=np.float64)
        d = village_xy - xy
        facing = float(bearing_deg(d[0], d[1])) if np.hypot(*d) > 0 else 0.0
        azimuths = ",".join(str(round(facing + k) % 360) for k in (0.0, 180.0))
        sites = Sites()
        sites.add(
            site_record(site_id, op, FILL_TECH, _CANH_GIAO_HEIGHT_M, azimuths, power="grid"),
            xy,
        )
        out = gpd.GeoDataFrame(
            pd.concat([frame, sites.frame()], ignore_index=True), geometry="geometry", crs=WORK_CRS
        )
        rsrp = per_site_rsrp(out, village_xy[None, :], "4G", area, settings).iloc[0]
        if str(rsrp.idxmax()) == site_id:
            return out
    log.warning("mobile: the site of %s is not the best 4G server there", CANH_GIAO)
    return out
