"""Texts of the Plans page's cost section (issue 15): what reaching a target costs, by technology.

Merged into :data:`ui.texts.TEXT`; Vietnamese first, English second.
"""

from __future__ import annotations

__all__ = ["MIX_TEXT"]

MIX_TEXT: dict[str, tuple[str, str]] = {
    "mix_title": (
        "Chi phí đạt mục tiêu theo công nghệ",
        "What reaching the target costs, by technology",
    ),
    "mix_intro": (
        (
            "So sánh chỉ dùng cáp quang với phương án kết hợp rẻ nhất (cáp quang, vô tuyến cố "
            "định từ trạm hiện có hoặc trạm mới, vệ tinh LEO) để đạt tỷ lệ hộ có băng rộng cố "
            "định; chi phí 10 năm theo bảng đơn giá của kỳ (hatangso costs)."
        ),
        (
            "Fiber alone against the cheapest mix (fiber, fixed wireless from an existing or a "
            "new site, LEO satellite) to reach a share of households with fixed broadband; "
            "ten-year cost at the period's prices (hatangso costs)."
        ),
    ),
    "mix_target": ("Mục tiêu: tỷ lệ hộ (%)", "Target: share of households (%)"),
    "mix_run": ("Tính chi phí", "Compute the cost"),
    "mix_running": (
        "Đang lập phương án (cây cáp quang tới mọi cụm dân cư chưa có, khoảng nửa phút)…",
        "Planning (the fiber tree to every unserved cluster, about half a minute)…",
    ),
    "mix_fiber": ("Chỉ cáp quang", "Fiber alone"),
    "mix_mix": ("Kết hợp rẻ nhất", "Cheapest mix"),
    "mix_saving": ("Tiết kiệm", "Saving"),
    "mix_not_met": ("không đạt", "not met"),
    "mix_households": ("Hộ được phục vụ thêm theo công nghệ", "Households added by technology"),
    "mix_curve": (
        "Chi phí 10 năm theo tỷ lệ hộ được phục vụ",
        "Ten-year cost against the share of households served",
    ),
    "mix_share": ("Tỷ lệ hộ (%)", "Households (%)"),
    "mix_cost_bn": ("Chi phí 10 năm (tỷ đồng)", "Ten-year cost (bn VND)"),
    "mix_cross": (
        "Kết hợp rẻ hơn chỉ cáp quang từ {share} hộ.",
        "The mix is cheaper than fiber alone from {share} of households.",
    ),
    "mix_no_cross": (
        "Trong khoảng đã tính, kết hợp không rẻ hơn chỉ cáp quang.",
        "Within the range computed, the mix is never cheaper than fiber alone.",
    ),
    "mix_units": (
        "Công nghệ được chọn cho từng cụm dân cư (và lý do các công nghệ khác thua)",
        "The technology chosen for each cluster (and why the others lost)",
    ),
    "mix_map": ("Cụm dân cư theo công nghệ được chọn", "Clusters by the technology chosen"),
    "mix_c_unit": ("Cụm dân cư", "Cluster"),
    "mix_c_village": ("Mã thôn", "Village id"),
    "mix_c_tech": ("Công nghệ", "Technology"),
    "mix_c_households": ("Số hộ được phục vụ", "Households served"),
    "mix_c_cost": ("Chi phí 10 năm (triệu đồng/hộ)", "Ten-year cost (million VND/household)"),
    "mix_c_others": ("Các công nghệ khác", "The other technologies"),
    "mix_unserved": ("chưa phục vụ", "not served"),
    "mix_download_xlsx": ("Tải bảng (Excel)", "Download the table (Excel)"),
    "mix_download_geojson": ("Tải bản đồ (GeoJSON)", "Download the map (GeoJSON)"),
    "mix_prices": ("Bảng đơn giá: {origin}.", "Prices: {origin}."),
    "tech_fiber": ("cáp quang", "fiber"),
    "tech_fwa_existing": ("vô tuyến cố định (trạm hiện có)", "fixed wireless (existing site)"),
    "tech_site_fwa": ("trạm 4G mới + vô tuyến cố định", "new 4G site + fixed wireless"),
    "tech_leo_household": ("vệ tinh LEO (mỗi hộ)", "LEO satellite (per household)"),
    "tech_leo_community": (
        "vệ tinh LEO (điểm Wi-Fi cộng đồng)",
        "LEO satellite (community Wi-Fi point)",
    ),
}
