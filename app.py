"""Hạ tầng số — the Streamlit app.

Run: ``streamlit run app.py -- --store data/bd.gpkg`` (or set ``HATANGSO_STORE``).

The app only calls :mod:`geodata`, :mod:`coverage` and :mod:`planner` and draws. This
first version shows the data set: its period, its layers with their sources, licences and
synthetic flags, and the units and villages per district. The map, the coverage
indicators and the planner arrive with issues #3–#5.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geodata import HatangsoError, Store

LAYER_TITLES = {
    "admin_units": "Đơn vị hành chính",
    "villages": "Thôn, làng, khu phố",
    "clusters": "Cụm dân cư",
    "roads": "Đường giao thông",
    "power_lines": "Đường dây điện",
    "priority_places": "Địa điểm ưu tiên",
    "fiber_routes": "Tuyến cáp quang",
    "fiber_nodes": "Nút mạng cáp quang",
    "mobile_sites": "Trạm BTS",
    "population_density": "Mật độ dân số (raster)",
    "elevation": "Độ cao (raster)",
}


def vn_int(value: float) -> str:
    """Format a whole number the Vietnamese way: ``1.176``."""
    return f"{int(value):,}".replace(",", ".")


def vn_date(iso: str | None) -> str:
    """Format an ISO date as ``30/06/2024``."""
    if not iso:
        return "—"
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def store_path() -> str:
    """Return the store path from ``--store`` after ``--``, or ``HATANGSO_STORE``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    args, _ = parser.parse_known_args(sys.argv[1:])
    return str(args.store or os.environ.get("HATANGSO_STORE", "data/bd.gpkg"))


@st.cache_data(show_spinner=False)
def load_info(path: str, mtime: float) -> dict[str, Any]:
    """Read the data set's metadata (cached on the path and its modification time)."""
    del mtime
    return Store(path).info().as_dict()


@st.cache_data(show_spinner=False)
def load_summary(path: str, mtime: float) -> pd.DataFrame:
    """Count communes, villages and households per district."""
    del mtime
    store = Store(path)
    units = pd.DataFrame(store.read("admin_units").drop(columns="geometry"))
    villages = pd.DataFrame(store.read("villages").drop(columns="geometry"))
    communes = units[units["level"] == "commune"][["unit_id", "parent_id"]]
    districts = units[units["level"] == "district"][["unit_id", "name"]]
    per_village = villages.merge(communes, left_on="commune_id", right_on="unit_id")
    table = (
        per_village.groupby("parent_id")
        .agg(
            thon=("village_id", "count"),
            ho=("households", "sum"),
            khong_dien=("has_electricity", lambda s: int((~s.astype(bool)).sum())),
        )
        .join(communes.groupby("parent_id").size().rename("xa"))
        .reset_index()
        .merge(districts, left_on="parent_id", right_on="unit_id")
    )
    return table[["name", "xa", "thon", "ho", "khong_dien"]].sort_values("name")


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="Hạ tầng số — Bình Định", layout="wide")
    path = store_path()
    st.title("Hạ tầng số — Bình Định")
    try:
        mtime = Path(path).stat().st_mtime
        info = load_info(path, mtime)
        summary = load_summary(path, mtime)
    except (HatangsoError, OSError) as err:
        st.error(
            f"Không mở được kho dữ liệu {path!r}: {err}\n\n"
            "Tạo kho dữ liệu mẫu bằng `hatangso demo --base ../shared/data --out data/bd.gpkg`."
        )
        return
    synthetic = [row for row in info["layers"] if row["synthetic"]]
    st.caption(f"Bộ dữ liệu: **{info['name']}** · số liệu đến ngày **{vn_date(info['as_of'])}**")
    if synthetic:
        names = ", ".join(LAYER_TITLES.get(r["layer"], r["layer"]) for r in synthetic)
        st.warning(f"Dữ liệu tổng hợp (minh hoạ, không phải số liệu thực): {names}.")

    cols = st.columns(4)
    cols[0].metric("Huyện, thị xã, thành phố", vn_int(len(summary)))
    cols[1].metric("Xã, phường, thị trấn", vn_int(summary["xa"].sum()))
    cols[2].metric("Thôn, làng, khu phố", vn_int(summary["thon"].sum()))
    cols[3].metric("Hộ gia đình", vn_int(summary["ho"].sum()))

    st.subheader("Theo huyện")
    shown = summary.rename(
        columns={
            "name": "Huyện",
            "xa": "Số xã",
            "thon": "Số thôn",
            "ho": "Số hộ",
            "khong_dien": "Thôn chưa có điện",
        }
    )
    for col in ("Số xã", "Số thôn", "Số hộ", "Thôn chưa có điện"):
        shown[col] = shown[col].map(vn_int)
    st.dataframe(shown, hide_index=True, use_container_width=True, key="district_table")

    st.subheader("Các lớp dữ liệu")
    layers = pd.DataFrame(
        [
            {
                "Lớp": LAYER_TITLES.get(r["layer"], r["layer"]),
                "Số đối tượng": vn_int(r["feature_count"]),
                "Đến ngày": vn_date(r["as_of"]),
                "Nguồn": r["source"],
                "Giấy phép": r["licence"],
                "Tổng hợp": "có" if r["synthetic"] else "không",
            }
            for r in info["layers"]
        ]
    )
    st.dataframe(layers, hide_index=True, use_container_width=True, key="layer_table")


main()
