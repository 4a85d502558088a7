"""The demo's complaints (synthetic): a handful, dated, with statuses as of each period.

Part of the demo's evidence (:mod:`hatangso.demo.evidence`, which builds both periods'
evidence layers and calls :func:`demo_complaints`): làng O2 (no signal, from the commune and
from a citizen), a village still without fiber at the end of 2024, one whose fiber arrived
in the second half of 2024 (resolved), a weak VNPT signal where the truth is weak
(:func:`hatangso.demo.truth.true_signal`), and a no-signal report in a town that
measurements contradict (rejected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage.fiber import fiber_reach
from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import Bools, coords_of, point_geoms
from hatangso.demo.context import Context
from hatangso.demo.truth import TRUTH, Truth, true_signal

__all__ = ["demo_complaints"]

_COMPLAINT_COLUMNS: Final = (
    "complaint_id",
    "received_on",
    "kind",
    "status",
    "operator",
    "village_id",
    "place",
    "reported_by",
    "note",
)


def demo_complaints(
    ctx: Context,
    layers: Mapping[str, gpd.GeoDataFrame],
    later: Mapping[str, gpd.GeoDataFrame],
    truth: Truth = TRUTH,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the complaints known at each period's date (statuses as of that date)."""
    villages = layers["villages"].to_crs(WORK_CRS).reset_index(drop=True)
    vxy = coords_of(villages)
    names = villages["name"].astype(str).to_numpy()
    ids = villages["village_id"].astype(str).to_numpy()
    admin = layers["admin_units"]
    commune_name = dict(zip(admin["unit_id"].astype(str), admin["name"].astype(str), strict=True))
    where = [commune_name.get(str(c), "") for c in villages["commune_id"]]
    dark = np.flatnonzero(~villages["has_electricity"].to_numpy(dtype=bool))

    def reached(src: Mapping[str, gpd.GeoDataFrame]) -> Bools:
        routes = src.get("fiber_routes", layers["fiber_routes"]).to_crs(WORK_CRS)
        nodes = src.get("fiber_nodes", layers["fiber_nodes"]).to_crs(WORK_CRS)
        return fiber_reach(villages, routes, nodes)["fiber_reached"].to_numpy(dtype=bool)

    before, after = reached(layers), reached({**layers, **later})
    signal = true_signal(
        later.get("mobile_sites", layers["mobile_sites"]).to_crs(WORK_CRS),
        vxy,
        ctx.base.density,
        ctx,
        truth,
    )
    rng = ctx.rng("evidence", "complaints")
    rows: list[dict[str, object]] = []

    def add(
        v: int, received: str, kind: str, statuses: tuple[str | None, str], **extra: object
    ) -> None:
        rows.append(
            {
                "complaint_id": f"PA-{received[:4]}-{len(rows) + 1:03d}",
                "received_on": received,
                "kind": kind,
                "status_first": statuses[0],
                "status": statuses[1],
                "operator": extra.get("operator"),
                "village_id": ids[v],
                "place": f"{names[v]}, {where[v]}",
                "reported_by": extra.get("reported_by", "citizen"),
                "note": extra.get("note"),
                "xy": vxy[v],
            }
        )

    for v in dark:
        add(
            int(v),
            "2024-03-12",
            "no_signal",
            ("in_progress", "in_progress"),
            reported_by="commune",
            note="UBND xã báo cáo cả làng không có sóng di động",
        )
        add(
            int(v),
            "2024-09-20",
            "no_signal",
            (None, "open"),
            operator="Viettel",
            note="người dân phản ánh không gọi được điện thoại",
        )
    still = [int(v) for v in np.flatnonzero(~after) if v not in set(dark.tolist())]
    if still:
        add(
            still[0],
            "2024-04-02",
            "no_fiber",
            ("open", "in_progress"),
            operator="VNPT",
            note="đề nghị kéo cáp quang về thôn",
        )
    arrived = np.flatnonzero(~before & after)
    if len(arrived):
        add(
            int(arrived[0]),
            "2024-02-15",
            "no_fiber",
            ("in_progress", "resolved"),
            operator="Viettel",
            note="đã có cáp quang cuối năm 2024",
        )
    vnpt = signal.get("VNPT")
    if vnpt is not None:
        weak = np.flatnonzero((vnpt.true_dbm > -114.0) & (vnpt.true_dbm < -106.0))
        if len(weak):
            add(
                int(rng.choice(weak)),
                "2024-05-20",
                "weak_signal",
                ("open", "resolved"),
                operator="VNPT",
                note="sóng 4G yếu trong nhà",
            )
    mbf = signal.get("MobiFone")
    if mbf is not None:
        strong = np.flatnonzero(mbf.true_dbm > -85.0)
        if len(strong):
            add(
                int(rng.choice(strong)),
                "2024-06-10",
                "no_signal",
                ("open", "rejected"),
                operator="MobiFone",
                note="đo kiểm tại chỗ cho thấy có sóng tốt; mất sóng do máy",
            )

    return _complaint_frame(rows, first=True), _complaint_frame(rows, first=False)


def _complaint_frame(rows: Sequence[Mapping[str, object]], *, first: bool) -> gpd.GeoDataFrame:
    """Return the complaints known at a period's date, with their status then."""
    cut = [r for r in rows if not first or r["status_first"] is not None]
    data = pd.DataFrame(
        [
            {
                **{c: r[c] for c in _COMPLAINT_COLUMNS},
                "status": r["status_first"] if first else r["status"],
            }
            for r in cut
        ],
        columns=list(_COMPLAINT_COLUMNS),
    )
    xy = np.array([r["xy"] for r in cut], dtype=np.float64).reshape(-1, 2)
    return gpd.GeoDataFrame(data, geometry=point_geoms(xy), crs=WORK_CRS).to_crs(STORE_CRS)
