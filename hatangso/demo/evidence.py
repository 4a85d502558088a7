"""The demo's evidence: drive tests, crowdsourced measurements and complaints (synthetic).

Issue 13, item 5. Every sample is drawn from the hidden truth of
:mod:`hatangso.demo.truth` (:data:`TRUTH`), which differs from the engine's prediction by
per-operator and per-site offsets, correlated shadowing and the handset's error (the
true median at points: :func:`hatangso.demo.truth.true_signal`).

* **Drive tests**: one car a district, four phones in it (one per operator, as a drive-test
  kit logs every network at once), driving by the shortest road from the district's
  centre to its village farthest by road, or to its village without electricity when it
  has one (làng O2); a sample every :data:`SAMPLE_SPACING_M` (10 s at 36 km/h), 4G only.
  Half the districts are driven in May 2024 (period 2024-06-30), the other half in
  November 2024 (period 2024-12-31, measuring the end-2024 sites).
* **Crowdsourced**: phones of residents around the residential clusters (more where more
  households live, twice as many per household in towns), each phone of one operator
  drawn by :data:`CROWD_SHARE`, a sample within about 150 m of its cluster, at a random
  time of the half-year before the period's date.
* **Complaints**: a handful, dated, with mixed statuses: làng O2 (no signal, from the
  commune and from a citizen), a village still without fiber at the end of 2024, one
  whose fiber arrived in the second half of 2024 (resolved), a weak VNPT signal where the
  truth is weak, and a no-signal report in a town that measurements contradict (rejected).
  They are drawn in :mod:`hatangso.demo.complaints`.

Measurements pass the importer's bulk checks (:func:`geodata.evidence.check_measurements`,
strict) when built; the later period's layer holds both periods' samples, as an import adds
to a period's measurements.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from coverage.grid import sample
from coverage.pathloss import clutter_from_density
from geodata.crs import STORE_CRS, WORK_CRS
from geodata.evidence import check_measurements
from geodata.raster import Grid
from geodata.validate import ValidationContext
from hatangso.demo.common import (
    MOBILE_OPERATORS,
    OPERATOR_CODE,
    Floats,
    Ints,
    Layers,
    coords_of,
    to_lonlat,
)
from hatangso.demo.complaints import demo_complaints
from hatangso.demo.context import Context
from hatangso.demo.road_graph import node_key, road_graph
from hatangso.demo.truth import (
    TRUTH,
    Truth,
    cluster_shadowing,
    reported_rsrp,
    route_shadowing,
    true_signal,
)

__all__ = [
    "CROWD_SHARE",
    "SAMPLE_SPACING_M",
    "check_demo_measurements",
    "demo_measurements",
    "step_evidence",
]

SAMPLE_SPACING_M: Final = 100.0
"""Distance between two samples of a drive (a log every 10 s at 36 km/h)."""
_SPEED_M_S: Final = 10.0
_MAX_DRIVE_M: Final = 60_000.0  # a day's drive is cut here
CROWD_SHARE: Final[dict[str, float]] = {
    "Viettel": 0.55,
    "VNPT": 0.2,
    "MobiFone": 0.2,
    "Vietnamobile": 0.05,
}
"""The operator of a crowdsourcing phone (shares of the demo's subscribers, invented)."""
_CROWD_PER_HOUSEHOLD: Final = 1500 / 434_379  # 1,500 samples a period in the province
_CROWD_MIN: Final = 60
_CROWD_RADIUS_M: Final = 150.0
_LOCAL: Final = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class _Round:
    """One period's measurements: when the cars drive and the crowd measures."""

    key: str
    drive_day: dt.date
    crowd_from: dt.date
    crowd_to: dt.date
    campaign: str
    crowd_campaign: str
    source: str
    crowd_source: str


_ROUNDS: Final = (
    _Round(
        "2024H1",
        dt.date(2024, 5, 6),
        dt.date(2024, 1, 1),
        dt.date(2024, 6, 29),
        "Đo kiểm 4G tháng 5/2024 (tổng hợp)",
        "Ứng dụng đo cộng đồng 6 tháng đầu 2024 (tổng hợp)",
        "demo_do_kiem_2024-05.csv",
        "demo_cong_dong_2024H1.csv",
    ),
    _Round(
        "2024H2",
        dt.date(2024, 11, 4),
        dt.date(2024, 7, 1),
        dt.date(2024, 12, 30),
        "Đo kiểm 4G tháng 11/2024 (tổng hợp)",
        "Ứng dụng đo cộng đồng 6 tháng cuối 2024 (tổng hợp)",
        "demo_do_kiem_2024-11.csv",
        "demo_cong_dong_2024H2.csv",
    ),
)


def _clutter(xy: Floats, density: Grid) -> Ints:
    return np.asarray(clutter_from_density(sample(density, xy, crs=WORK_CRS)), dtype=np.int64)


# ------------------------------------------------------------------------------ drives


def _drive_routes(layers: Mapping[str, gpd.GeoDataFrame]) -> list[tuple[str, Floats]]:
    """Return ``(district id, route coordinates in metres)``: one drive a district."""
    roads = road_graph(layers["roads"].to_crs(WORK_CRS))
    villages = layers["villages"].to_crs(WORK_CRS)
    admin = layers["admin_units"]
    communes = admin[admin["level"] == "commune"]
    district = dict(
        zip(communes["unit_id"].astype(str), communes["parent_id"].astype(str), strict=True)
    )
    vxy = coords_of(villages)
    villages = villages.assign(district=villages["commune_id"].astype(str).map(district))
    nodes = [node_key(*p) for p in vxy]
    routes: list[tuple[str, Floats]] = []
    for d_id in sorted(villages["district"].dropna().unique()):
        rows = np.flatnonzero(villages["district"].to_numpy() == d_id)
        centres = [
            int(r)
            for r in rows
            if bool(villages["is_commune_centre"].iloc[r]) and nodes[r] in roads.graph
        ]
        if not centres:
            continue
        hh = villages["households"].to_numpy()
        start = max(centres, key=lambda r: (int(hh[r]), -r))  # the district town's centre
        lengths = nx.single_source_dijkstra_path_length(roads.graph, nodes[start], weight="length")
        reachable = [int(r) for r in rows if nodes[r] in lengths and r != start]
        if not reachable:
            continue
        dark = [r for r in reachable if not bool(villages["has_electricity"].iloc[r])]
        end = dark[0] if dark else max(reachable, key=lambda r: (lengths[nodes[r]], -r))
        path = nx.dijkstra_path(roads.graph, nodes[start], nodes[end], weight="length")
        parts: list[Floats] = []
        for a, b in itertools.pairwise(path):
            xy = roads.edge_coords(a, b)
            parts.append(xy if not parts else xy[1:])
        routes.append((str(d_id), np.vstack(parts)))
    return routes


def _samples_along(coords: Floats) -> tuple[Floats, Floats]:
    """Return points every :data:`SAMPLE_SPACING_M` along a polyline, and their distance."""
    line = shapely.LineString(coords)
    along = np.arange(0.0, min(line.length, _MAX_DRIVE_M), SAMPLE_SPACING_M)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    return np.asarray(pts, dtype=np.float64), along


def _drive_table(  # noqa: PLR0913
    ctx: Context,
    rnd: _Round,
    routes: Sequence[tuple[int, str, Floats]],
    sites: gpd.GeoDataFrame,
    density: Grid,
    truth: Truth,
) -> pd.DataFrame:
    """Return the drive samples of one round as a log would have them (lon/lat, local times)."""
    frames = []
    for track, d_id, coords in routes:
        xy, along = _samples_along(coords)
        clutter = _clutter(xy, density)
        signal = true_signal(sites, xy, density, ctx, truth)
        start = dt.datetime.combine(rnd.drive_day + dt.timedelta(days=track - 1), dt.time(8))
        times = pd.DatetimeIndex(
            [start + dt.timedelta(seconds=float(s)) for s in along / _SPEED_M_S]
        ).tz_localize(_LOCAL)
        for op in MOBILE_OPERATORS:
            sig = signal.get(op)
            if sig is None:
                continue
            rng = ctx.rng("evidence", "drive", d_id, op)
            true = sig.true_dbm + route_shadowing(along, clutter, rng, truth)
            level, logged = reported_rsrp(true, rng, truth)
            frames.append(
                _log_rows(
                    xy[logged],
                    times[logged],
                    op,
                    level[logged],
                    sig.serving[logged],
                    kind="drive_test",
                    campaign=rnd.campaign,
                    device=[f"{OPERATOR_CODE[op]}-1"] * int(logged.sum()),
                    track=[f"{track:02d}-{d_id}"] * int(logged.sum()),
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _log_rows(  # noqa: PLR0913
    xy: Floats,
    times: pd.DatetimeIndex,
    operator: str | np.ndarray,
    level: Floats,
    serving: np.ndarray,
    *,
    kind: str,
    campaign: str,
    device: Sequence[str],
    track: Sequence[str],
) -> pd.DataFrame:
    lon, lat = to_lonlat(xy) if len(xy) else (np.zeros(0), np.zeros(0))
    return pd.DataFrame(
        {
            "lon": np.round(lon, 6),
            "lat": np.round(lat, 6),
            "measured_at": [t.isoformat() for t in times],
            "operator": operator,
            "tech": "4G",
            "rsrp_dbm": level,
            "cell_id": serving,
            "source_kind": kind,
            "campaign": campaign,
            "device_id": list(device),
            "track_id": list(track),
        }
    )


# ------------------------------------------------------------------------------- crowd


def _crowd_table(  # noqa: PLR0913
    ctx: Context,
    rnd: _Round,
    layers: Mapping[str, gpd.GeoDataFrame],
    sites: gpd.GeoDataFrame,
    density: Grid,
    truth: Truth,
) -> pd.DataFrame:
    """Return one round's crowdsourced samples around the residential clusters."""
    rng = ctx.rng("evidence", "crowd", rnd.key)
    clusters = layers["clusters"].to_crs(WORK_CRS)
    cxy = coords_of(clusters)
    urban = _clutter(cxy, density) <= 1
    weight = clusters["households"].to_numpy(dtype=np.float64) * np.where(urban, 2.0, 1.0)
    total = max(_CROWD_PER_HOUSEHOLD * float(clusters["households"].sum()), _CROWD_MIN)
    counts = rng.poisson(total * weight / weight.sum())
    owner = np.repeat(np.arange(len(clusters)), counts)
    n = len(owner)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.minimum(np.abs(rng.normal(0.0, _CROWD_RADIUS_M, n)), 3 * _CROWD_RADIUS_M)
    xy = cxy[owner] + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    ops = np.array(list(CROWD_SHARE))
    operator = ops[rng.choice(len(ops), size=n, p=list(CROWD_SHARE.values()))]
    span = (rnd.crowd_to - rnd.crowd_from).days
    day = rng.integers(0, span + 1, n)
    second = rng.integers(7 * 3600, 22 * 3600, n)
    start = pd.Timestamp(rnd.crowd_from, tz=_LOCAL)
    times = pd.DatetimeIndex(
        start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(second, unit="s")
    )
    clutter = _clutter(xy, density)
    signal = true_signal(sites, xy, density, ctx, truth)
    true = np.full(n, -np.inf)
    serving = np.full(n, "", dtype=object)
    for op in CROWD_SHARE:
        mine = operator == op
        if op in signal:
            true[mine] = signal[op].true_dbm[mine]
            serving[mine] = signal[op].serving[mine]
    shadow = np.zeros(n)
    for c in np.unique(owner):
        for op in CROWD_SHARE:
            members = np.flatnonzero((owner == c) & (operator == op))
            if len(members):
                field_rng = ctx.rng("evidence", "crowd-field", rnd.key, str(c), op)
                shadow[members] = cluster_shadowing(xy[members], clutter[members], field_rng, truth)
    level, logged = reported_rsrp(true + shadow, rng, truth)
    device = [f"app-{rnd.key}-{k:05d}" for k in range(n)]
    return _log_rows(
        xy[logged],
        times[logged],
        operator[logged],
        level[logged],
        serving[logged],
        kind="crowdsourced",
        campaign=rnd.crowd_campaign,
        device=[device[k] for k in np.flatnonzero(logged)],
        track=["1"] * int(logged.sum()),
    )


# ---------------------------------------------------------------------------- the step


def check_demo_measurements(
    tables: Mapping[str, pd.DataFrame], context: ValidationContext | None
) -> gpd.GeoDataFrame:
    """Pass generated logs (source file -> table) through the importer's strict checks."""
    frames = [
        check_measurements(
            table, source=source, layout="generic", context=context, strict=True
        ).frame
        for source, table in tables.items()
    ]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORE_CRS)


def demo_measurements(
    ctx: Context,
    layers: Mapping[str, gpd.GeoDataFrame],
    later_sites: gpd.GeoDataFrame,
    truth: Truth = TRUTH,
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Return the generated logs of each period (source file -> table), first and later.

    The first period's logs measure ``layers["mobile_sites"]``, the later period's
    ``later_sites``; both in EPSG:4326 as a file would give them.
    """
    density = ctx.base.density
    routes = _drive_routes(layers)
    rounds: list[dict[str, pd.DataFrame]] = []
    for k, (rnd, sites) in enumerate(
        zip(_ROUNDS, (layers["mobile_sites"], later_sites), strict=True)
    ):
        work = sites.to_crs(WORK_CRS)
        mine = [(i // 2 + 1, d, xy) for i, (d, xy) in enumerate(routes) if i % 2 == k]
        drives = _drive_table(ctx, rnd, mine, work, density, truth)
        crowd = _crowd_table(ctx, rnd, layers, work, density, truth)
        logs = {rnd.source: drives, rnd.crowd_source: crowd}
        rounds.append({k: v for k, v in logs.items() if len(v)})
    first, second = rounds
    return first, {**first, **second}


def step_evidence(ctx: Context, layers: Layers, later: Layers) -> tuple[Layers, Layers]:
    """Build the evidence layers of both periods (measurements checked, complaints raw)."""
    later_sites = later.get("mobile_sites", layers["mobile_sites"])
    first_logs, later_logs = demo_measurements(ctx, layers, later_sites)
    context = ValidationContext()
    context.add_layer("admin_units", layers["admin_units"])
    m1 = check_demo_measurements(first_logs, context)
    m2 = check_demo_measurements(later_logs, context)
    c1, c2 = demo_complaints(ctx, layers, later)
    ctx.progress(f"evidence: {len(m1)} + {len(m2) - len(m1)} samples, {len(c2)} complaints")
    return {"measurements": m1, "complaints": c1}, {"measurements": m2, "complaints": c2}
