"""The villages and their residential clusters (synthetic).

Each commune gets villages in proportion to its households and style (towns have larger
units, mountain communes more); they are placed by WorldPop density and historic hamlet
points around a commune centre, with the 2019 census households and population split
exactly among them. Names are invented ("Thôn 3", "Thôn Phú Hòa", "Khu phố 2", "Làng
Kon Trú"), except the remote village without electricity (*Làng O2*, xã Vĩnh Kim) and
the pinned names (*Thôn Canh Giao*, xã Canh Hiệp: the generated village farthest from
the commune centre). Clusters spread a village's households over a few points around
it: rural hamlets spread out, towns compact.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from coverage.grid import sample
from geodata.crs import STORE_CRS, WORK_CRS
from geodata.raster import Grid
from hatangso.demo.common import Bools, Floats, Ints, Layers, make_frame, point_geoms, to_lonlat
from hatangso.demo.context import Base, Context, NamedVillage, RemoteVillage

__all__ = ["step_clusters", "step_villages"]

log = logging.getLogger(__name__)


# villages per household, relative to a lowland xã (urban khu phố are larger units)
_STYLE_FACTOR: Final[dict[str, float]] = {
    "ward": 0.7,
    "town": 0.85,
    "lowland": 1.0,
    "mountain": 1.6,
}
_SIZE_EXPONENT: Final = 0.7  # villages grow less than proportionally with households
_MIN_VILLAGES: Final = 3
_SPACING_M: Final = 300.0
_REMOTE_CLEAR_M: Final = 3000.0  # no other village this close to the remote one
_NUMBERED_SHARE: Final = 0.3  # lowland communes whose thôn are numbered ("Thôn 1", ...)
_HAMLET_SHARE: Final = 0.5  # chance that a rural village snaps to a historic hamlet point
_MAX_CLUSTERS: Final = 8
_LOWLAND_FIRST: Final = (
    "An", "Bình", "Chánh", "Đại", "Định", "Đông", "Hòa", "Hội", "Hưng", "Khánh",
    "Kim", "Long", "Lộc", "Lương", "Mỹ", "Ngọc", "Nhơn", "Phú", "Phước", "Quang",
    "Tân", "Tây", "Thạnh", "Thái", "Thuận", "Trung", "Vạn", "Vĩnh", "Xuân", "Hiệp",
)  # fmt: skip
_LOWLAND_SECOND: Final = (
    "An", "Bình", "Điền", "Đông", "Đức", "Hòa", "Hội", "Hưng", "Khánh", "Lộc",
    "Lợi", "Long", "Mỹ", "Nam", "Bắc", "Phong", "Phú", "Quang", "Sơn", "Tây",
    "Thái", "Thành", "Thạnh", "Thuận", "Trung", "Xuân", "Nghĩa", "Thọ", "Tín", "Lạc",
)  # fmt: skip
_DIRECTIONS: Final = frozenset({"Đông", "Tây", "Nam", "Bắc"})
_MOUNTAIN_FIRST: Final = (
    "Kon", "Đak", "Hà", "Tà", "Xà", "Kà", "Plei", "Tơ", "Ka", "Vi", "Đê", "Kơ",
)  # fmt: skip
_MOUNTAIN_SECOND: Final = (
    "Trú", "Ri", "Giọt", "Rang", "Bông", "Tra", "Điêu", "Tang", "Văn", "Mun", "Pring",
    "Lót", "Klơng", "Nhe", "Xim", "Lang", "Mỡ", "Trinh", "Bơ", "Đinh", "Róc", "Krôn",
    "Nưng", "Hoa", "Giang", "Pok",
)  # fmt: skip
_MOUNTAIN_CODES: Final = tuple(f"{letter}{k}" for letter in ("K", "T", "M") for k in range(1, 10))


# ------------------------------------------------------------------------------- villages


def step_villages(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``villages``: every commune's villages, remote ones first so the others keep clear."""
    del layers
    base = ctx.base
    counts = dict(zip(base.communes["unit_id"], _village_counts(base).tolist(), strict=True))
    remote_by_commune = {r.commune_id: r for r in base.remote}
    roads = shapely.union_all(base.major_roads.to_crs(WORK_CRS).geometry.to_numpy())
    hamlets = base.hamlets.to_crs(WORK_CRS)
    hamlet_xy = shapely.get_coordinates(hamlets.geometry.to_numpy())
    hamlet_commune = hamlets["commune_id"].to_numpy(dtype=str)
    communes = base.communes.set_index("unit_id", drop=False)
    # remote villages first, so that the other communes keep clear of them
    order = sorted(communes["unit_id"], key=lambda u: (u not in remote_by_commune, u))
    blocked: list[Floats] = []
    frames: dict[str, pd.DataFrame] = {}
    for unit_id in order:
        row = communes.loc[unit_id]
        rng = ctx.rng("villages", unit_id)
        domain = ctx.domains()[unit_id]
        remote = remote_by_commune.get(unit_id)
        hxy = hamlet_xy[hamlet_commune == unit_id]
        hxy = hxy[shapely.contains_xy(domain, hxy[:, 0], hxy[:, 1])]
        site = _CommuneSite(
            domain=domain,
            n=counts[unit_id],
            cands=_candidates(domain, counts[unit_id], base.density, rng),
            hamlets=_Candidates(hxy, _people_per_km2(base.density, *to_lonlat(hxy))),
            hamlet_share=0.0 if row["style"] in {"ward", "town"} else _HAMLET_SHARE,
            remote_from=roads if remote is not None else None,
            blocked=np.array(blocked).reshape(-1, 2),
        )
        placement = _place_villages(site, rng)
        if placement.remote is not None:
            blocked.append(placement.xy[placement.remote])
        frames[unit_id] = _commune_villages(row, placement, remote, rng)
    villages = pd.concat([frames[u] for u in communes["unit_id"]], ignore_index=True)
    _pin_names(villages, base.named)
    xy = np.column_stack([villages.pop("x"), villages.pop("y")])
    villages = gpd.GeoDataFrame(villages, geometry=shapely.points(xy), crs=WORK_CRS)
    villages = villages.to_crs(STORE_CRS).astype(
        {"households": np.int64, "population": np.int64, "has_electricity": bool}
    )
    ctx.progress(f"villages: {len(villages)}")
    return {"villages": villages}


def _village_counts(base: Base) -> Ints:
    communes = base.communes
    weights = communes["households"].to_numpy(dtype=np.float64) ** _SIZE_EXPONENT * communes[
        "style"
    ].map(_STYLE_FACTOR).to_numpy(dtype=np.float64)
    minimum = np.full(len(communes), _MIN_VILLAGES, dtype=np.int64)
    return _allocate_with_minimum(base.village_total, weights, minimum)


def _split_integer(total: int, weights: Floats, minimum: int = 0) -> Ints:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    n = len(weights)
    rest = total - minimum * n
    if n == 0 or rest < 0:
        msg = f"Cannot split {total} into {n} parts of at least {minimum}."
        raise ValueError(msg)
    w = np.asarray(weights, dtype=np.float64)
    share = rest * w / w.sum() if w.sum() > 0 else np.full(n, rest / n)
    out = np.floor(share).astype(np.int64)
    order = np.lexsort((np.arange(n), -(share - out)))
    left = rest - int(out.sum())
    while left < 0:  # only possible through floating-point rounding
        out[order[-1]] -= 1
        left += 1
    out[order[:left]] += 1
    return np.asarray(out + minimum, dtype=np.int64)


def _allocate_with_minimum(total: int, weights: Floats, minimum: Ints) -> Ints:
    """Largest-remainder allocation of ``total`` seats with a minimum per party."""
    if total < int(minimum.sum()):
        msg = f"Cannot allocate {total} villages with a minimum of {int(minimum.sum())} in all."
        raise ValueError(msg)
    fixed = np.zeros(len(weights), dtype=bool)
    while True:
        free_total = total - int(minimum[fixed].sum())
        quota = np.zeros(len(weights))
        quota[~fixed] = free_total * weights[~fixed] / weights[~fixed].sum()
        low = ~fixed & (quota < minimum)
        if not low.any():
            break
        fixed |= low
    out = minimum.astype(np.int64) * fixed
    out[~fixed] = _split_integer(free_total, quota[~fixed])
    return out


@dataclass(frozen=True)
class _Candidates:
    xy: Floats
    density: Floats


def _candidates(domain: BaseGeometry, n: int, grid: Grid, rng: np.random.Generator) -> _Candidates:
    """Jittered grid points inside ``domain``, with the population density at each."""
    area = float(domain.area)
    step = float(np.clip(math.sqrt(area / (60 * n)), 10.0, 200.0))
    minx, miny, maxx, maxy = domain.bounds
    for _ in range(6):
        gx, gy = np.meshgrid(
            np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step)
        )
        x = gx.ravel() + rng.uniform(-0.45 * step, 0.45 * step, gx.size)
        y = gy.ravel() + rng.uniform(-0.45 * step, 0.45 * step, gy.size)
        keep = shapely.contains_xy(domain, x, y)
        if keep.sum() >= 4 * n:
            break
        step /= 2
    xy = np.column_stack([x[keep], y[keep]])
    if len(xy) < n:
        msg = f"Cannot place {n} villages in a polygon of {area:.0f} m²."
        raise RuntimeError(msg)
    lon, lat = to_lonlat(xy)
    return _Candidates(xy, _people_per_km2(grid, lon, lat))


def _people_per_km2(grid: Grid, lon: Floats, lat: Floats) -> Floats:
    """Return the density raster's value at each point; 0 outside it and where it has none."""
    values = sample(grid, np.column_stack([lon, lat]), crs=STORE_CRS)
    values[~np.isfinite(values)] = 0.0
    return np.where(values < 0, 0.0, values)


@dataclass(frozen=True)
class _Placement:
    xy: Floats  # (n, 2); row 0 is the commune centre
    density: Floats
    remote: int | None


@dataclass(frozen=True)
class _CommuneSite:
    """What village placement needs to know about one commune (metres)."""

    domain: BaseGeometry
    n: int
    cands: _Candidates
    hamlets: _Candidates
    hamlet_share: float
    remote_from: BaseGeometry | None  # major roads, when the remote village is placed here
    blocked: Floats  # remote villages of other communes, to keep clear of


def _place_villages(site: _CommuneSite, rng: np.random.Generator) -> _Placement:
    """Place the villages of a commune: the centre, then a remote one if asked, then the rest.

    Positions are drawn from the candidates with a weight growing with the population
    density, keeping a minimum spacing (relaxed only when the commune is too crowded).
    """
    area = float(site.domain.area)
    spacing = min(_SPACING_M, 0.5 * math.sqrt(area / site.n))
    xy, dens = site.cands.xy, site.cands.density
    floor = 0.02 * max(float(dens.max()), 1.0)
    pools = [
        (xy, (dens + floor) ** 1.5, dens),
        (site.hamlets.xy, (site.hamlets.density + floor) ** 1.5, site.hamlets.density),
    ]
    keep_out = [(point, _REMOTE_CLEAR_M) for point in site.blocked]
    alive = _alive(pools, keep_out, 1.0)
    if not alive[0].any():
        alive = _alive(pools, [], 1.0)
    edge = np.asarray(shapely.distance(site.domain.boundary, shapely.points(xy)), dtype=np.float64)
    k = _pick_centre(site, pools[0][1], edge, alive[0])
    chosen: list[Floats] = [xy[k]]
    chosen_dens = [float(dens[k])]
    keep_out.append((xy[k], spacing))
    remote: int | None = None
    if site.remote_from is not None:
        k = _pick_remote(site, xy[k], spacing, edge)
        remote = len(chosen)
        chosen.append(xy[k])
        chosen_dens.append(float(dens[k]))
        # keep the other villages well away, so that it stays remote
        keep_out.append((xy[k], max(spacing, min(_REMOTE_CLEAR_M, 0.25 * math.sqrt(area)))))
    scale = 1.0
    alive = _alive(pools, keep_out, scale)
    while len(chosen) < site.n:
        k_pool = 1 if alive[1].any() and rng.random() < site.hamlet_share else 0
        if not alive[k_pool].any():
            k_pool = 1 - k_pool
        if not alive[k_pool].any():  # too crowded: relax the spacing and start over
            scale *= 0.7
            alive = _alive(pools, keep_out, scale)
            continue
        pxy, pweight, pdens = pools[k_pool]
        p = np.where(alive[k_pool], pweight, 0.0)
        k = int(rng.choice(len(p), p=p / p.sum()))
        chosen.append(pxy[k])
        chosen_dens.append(float(pdens[k]))
        keep_out.append((pxy[k], spacing))
        _exclude(pools, alive, pxy[k], spacing * scale)
    return _Placement(np.array(chosen, dtype=np.float64), np.array(chosen_dens), remote)


def _pick_centre(site: _CommuneSite, weight: Floats, edge: Floats, alive: Bools) -> int:
    """Index of the commune centre: a dense, central candidate, not on the edge."""
    xy = site.cands.xy
    area = float(site.domain.area)
    rep = site.domain.point_on_surface()
    dist_rep = np.hypot(xy[:, 0] - rep.x, xy[:, 1] - rep.y)
    interior = edge >= min(250.0, 0.1 * math.sqrt(area))
    score = weight * np.exp(-dist_rep / (0.35 * math.sqrt(area))) * np.where(interior, 1.0, 1e-3)
    return int(np.argmax(np.where(alive, score, -1.0)))


def _pick_remote(site: _CommuneSite, centre: Floats, spacing: float, edge: Floats) -> int:
    """Index of the remote village: inhabited, deep inside, far from roads and the centre."""
    xy, dens = site.cands.xy, site.cands.density
    dist_centre = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1])
    ok = (
        (dens >= np.quantile(dens, 0.4))
        & (dist_centre >= 2 * spacing)
        & (edge >= min(2000.0, 0.5 * float(edge.max())))
    )
    if not ok.any():
        ok = dist_centre >= spacing
    roads = site.remote_from
    road_dist = (
        shapely.distance(roads, shapely.points(xy))
        if roads is not None and not roads.is_empty
        else np.zeros(len(xy))
    )
    return int(np.argmax(np.where(ok, road_dist + 0.5 * dist_centre, -np.inf)))


def _alive(
    pools: Sequence[tuple[Floats, Floats, Floats]],
    keep_out: Sequence[tuple[Floats, float]],
    scale: float,
) -> list[Bools]:
    """Candidates of each pool that are outside every ``(point, radius * scale)``."""
    alive = [np.ones(len(pxy), dtype=bool) for pxy, _, _ in pools]
    for point, radius in keep_out:
        _exclude(pools, alive, point, radius * scale)
    return alive


def _exclude(
    pools: Sequence[tuple[Floats, Floats, Floats]],
    alive: Sequence[Bools],
    point: Floats,
    radius: float,
) -> None:
    """Mark the candidates of every pool within ``radius`` of ``point`` as taken."""
    for (pxy, _, _), mask in zip(pools, alive, strict=True):
        np.logical_and(
            mask, np.hypot(pxy[:, 0] - point[0], pxy[:, 1] - point[1]) >= radius, out=mask
        )


def _village_names(
    style: str, n: int, rng: np.random.Generator, fixed: Mapping[int, str]
) -> list[str]:
    """Return ``n`` names unique within a commune; ``fixed`` pins some of them."""
    if style in {"ward", "town"}:
        pool = [f"Khu phố {k}" for k in range(1, n + 1)]
    elif style == "mountain":
        words = [f"{a} {b}" for a in _MOUNTAIN_FIRST for b in _MOUNTAIN_SECOND]
        words += list(_MOUNTAIN_CODES)
        picks = rng.choice(len(words), size=n + len(fixed), replace=False)
        pool = [f"Làng {words[int(k)]}" for k in picks]
    elif rng.random() < _NUMBERED_SHARE:
        pool = [f"Thôn {k}" for k in range(1, n + 1)]
    else:
        words = [
            f"{a} {b}"
            for a in _LOWLAND_FIRST
            for b in _LOWLAND_SECOND
            if a != b and not {a, b} <= _DIRECTIONS
        ]
        picks = rng.choice(len(words), size=n + len(fixed), replace=False)
        pool = [f"Thôn {words[int(k)]}" for k in picks]
    taken = set(fixed.values())
    free = iter(name for name in pool if name not in taken)
    return [unicodedata.normalize("NFC", fixed.get(i) or next(free)) for i in range(n)]


def _pin_names(villages: pd.DataFrame, named: Sequence[NamedVillage]) -> None:
    """Rename, in place, the village of each commune of ``named`` farthest from its centre.

    Only villages with electricity that are not the commune centre qualify; the
    positions (columns ``x``, ``y``, metres) decide, so the choice is deterministic.
    """
    for spec in named:
        here = villages["commune_id"] == spec.commune_id
        centre = here & villages["is_commune_centre"]
        pool = here & ~villages["is_commune_centre"] & villages["has_electricity"]
        if not centre.any() or not pool.any():
            log.warning("villages: no village of commune %s to name %s", spec.commune_id, spec.name)
            continue
        cx, cy = villages.loc[centre, "x"].iloc[0], villages.loc[centre, "y"].iloc[0]
        dist = np.hypot(villages.loc[pool, "x"] - cx, villages.loc[pool, "y"] - cy)
        villages.loc[dist.idxmax(), "name"] = unicodedata.normalize("NFC", spec.name)


def _commune_villages(
    commune: pd.Series,
    placement: _Placement,
    remote: RemoteVillage | None,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Households, population, ids and names of the villages of one commune."""
    unit_id = str(commune["unit_id"])
    n = len(placement.xy)
    households = _split_households(int(commune["households"]), placement, remote, rng)
    population = _split_integer(int(commune["population"]), households.astype(np.float64), 1)
    order = np.lexsort((placement.xy[:, 0], -placement.xy[:, 1]))  # number north to south
    fixed: dict[int, str] = {}
    if placement.remote is not None and remote is not None:
        fixed[int(np.flatnonzero(order == placement.remote)[0])] = remote.name
    names = _village_names(str(commune["style"]), n, rng, fixed)
    return pd.DataFrame(
        {
            "village_id": [f"{unit_id}-{seq + 1:02d}" for seq in range(n)],
            "name": names,
            "commune_id": unit_id,
            "households": households[order],
            "population": population[order],
            "has_electricity": order != (-1 if placement.remote is None else placement.remote),
            "is_commune_centre": order == 0,
            "x": placement.xy[order, 0],
            "y": placement.xy[order, 1],
        }
    )


def _split_households(
    total: int, placement: _Placement, remote: RemoteVillage | None, rng: np.random.Generator
) -> Ints:
    """Split a commune's households over its villages; the centre gets the most."""
    n = len(placement.xy)
    out = np.zeros(n, dtype=np.int64)
    others = np.ones(n, dtype=bool)
    rest = total
    if placement.remote is not None and remote is not None:
        low, high = remote.households
        out[placement.remote] = min(int(rng.integers(low, high + 1)), total - (n - 1))
        others[placement.remote] = False
        rest -= int(out[placement.remote])
    idx = np.flatnonzero(others)
    weights = rng.lognormal(0.0, 0.45, len(idx)) * (placement.density[idx] + 1.0) ** 0.3
    weights[0] = weights.max() * 1.35  # idx[0] == 0 is the centre
    minimum = max(1, min(20, rest // (3 * len(idx))))
    split = _split_integer(rest, weights, minimum=minimum)
    top = int(np.argmax(split))
    split[[0, top]] = split[[top, 0]]
    out[idx] = split
    return out


# ------------------------------------------------------------------------------- clusters


def step_clusters(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``clusters``: each village's households spread over a few points around it."""
    villages = layers["villages"]
    domains = ctx.domains()
    style = dict(zip(ctx.base.communes["unit_id"], ctx.base.communes["style"], strict=True))
    per_commune = villages["commune_id"].value_counts()
    xy = shapely.get_coordinates(villages.to_crs(WORK_CRS).geometry.to_numpy())
    records: list[dict[str, object]] = []
    points: list[Floats] = []
    for i, (village_id, commune_id, hh) in enumerate(
        zip(villages["village_id"], villages["commune_id"], villages["households"], strict=True)
    ):
        rng = ctx.rng("clusters", str(village_id))
        domain = domains[str(commune_id)]
        urban = style[commune_id] in {"ward", "town"}
        # Rural thôn and làng are spread out: hamlets of a village lie up to a few km
        # from its centre (the share of households far from the roads between village
        # centres is what keeps household fiber reach below village reach).
        spread = math.sqrt(domain.area / int(per_commune[commune_id]))
        reach = float(
            np.clip(0.5 * spread, 150.0, 800.0) if urban else np.clip(0.9 * spread, 300.0, 2500.0)
        )
        sizes, isolated = _cluster_sizes(int(hh), urban=urban, rng=rng)
        n_main = len(sizes) - isolated
        spots = [xy[i]]
        if n_main > 1:
            spots += list(_ring_points(domain, xy[i], (0.4 * reach, reach), n_main - 1, rng))
        if isolated:
            far = min(1500.0, 1.4 * reach)
            spots += list(_ring_points(domain, xy[i], (0.6 * far, far), isolated, rng))
        for j, (size, spot) in enumerate(zip(sizes, spots, strict=True)):
            records.append(
                {
                    "cluster_id": f"{village_id}-{j + 1}",
                    "village_id": str(village_id),
                    "households": int(size),
                }
            )
            points.append(spot)
    clusters = make_frame(
        records,
        ["cluster_id", "village_id", "households"],
        point_geoms(np.array(points)),
        WORK_CRS,
    ).to_crs(STORE_CRS)
    clusters["households"] = clusters["households"].astype(np.int64)
    ctx.progress(f"clusters: {len(clusters)}")
    return {"clusters": clusters}


def _cluster_sizes(households: int, *, urban: bool, rng: np.random.Generator) -> tuple[Ints, int]:
    """Household counts per cluster (core first, single isolated houses last)."""
    per_cluster = rng.uniform(60.0, 120.0) if urban else rng.uniform(35.0, 70.0)
    n_main = int(np.clip(round(households / per_cluster), 1, _MAX_CLUSTERS - 1))
    n_main = min(n_main, households)
    isolated = 0
    if not urban and households - n_main >= 10 and rng.random() < 0.35:
        isolated = min(int(rng.integers(1, 3)), _MAX_CLUSTERS - n_main)
    main = households - isolated
    weights = rng.lognormal(0.0, 0.6, n_main)
    weights[0] = weights.max() * (1.5 if urban else 1.0)
    minimum = 2 if main >= 2 * n_main else 1
    sizes = _split_integer(main, weights, minimum=minimum)
    return np.concatenate([sizes, np.ones(isolated, dtype=np.int64)]), isolated


def _ring_points(
    domain: BaseGeometry,
    centre: Floats,
    radii: tuple[float, float],
    count: int,
    rng: np.random.Generator,
) -> Floats:
    """Return ``count`` points at ``radii`` (min, max m) from ``centre``, inside ``domain``.

    A point that cannot be placed inside ``domain`` in a few tries falls back to ``centre``.
    """
    r_min, r_max = radii
    tries = 24
    angle = rng.uniform(0.0, 2 * math.pi, (count, tries))
    radius = np.sqrt(rng.uniform(r_min**2, r_max**2, (count, tries)))
    x = centre[0] + radius * np.cos(angle)
    y = centre[1] + radius * np.sin(angle)
    inside = shapely.contains_xy(domain, x, y)
    first = np.argmax(inside, axis=1)
    rows = np.arange(count)
    out = np.column_stack([x[rows, first], y[rows, first]])
    out[~inside.any(axis=1)] = centre  # fallback: at the village itself
    return out
