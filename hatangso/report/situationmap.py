"""The situation report's small map: the hazard, the sites down and the villages cut off.

matplotlib draws it (DejaVu Sans) as a PNG the one-page PDF embeds
(:mod:`hatangso.report.situation`), like the report's map of gaps
(:mod:`hatangso.report.gapmap`).
"""

from __future__ import annotations

import io

from hatangso.formatting import fmt_int, fmt_num
from hatangso.resilience import ScenarioView, villages_lost

__all__ = ["render_situation_map"]


def render_situation_map(view: ScenarioView, hour: float, *, dpi: int = 150) -> bytes | None:
    """Draw the scenario at ``hour`` as PNG bytes (matplotlib, DejaVu Sans).

    Parameters
    ----------
    view
        The scenario.
    hour
        One of its hours.
    dpi
        Resolution.

    Returns
    -------
    bytes or None
        The PNG; ``None`` when the scenario has no such hour.
    """
    import matplotlib as mpl

    mpl.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    result = view.result
    if not any(s.hour == hour for s in result.states):
        return None
    state = next(s for s in result.states if s.hour == hour)
    units = view.inputs.admin_units
    villages = view.inputs.villages
    lost = villages_lost(result, hour)
    cut = set(lost.loc[lost["households_cut_off"] > 0, "village_id"])
    partly = set(lost["village_id"]) - cut
    ids = villages["village_id"].astype(str)
    sites = result.sites
    with mpl.rc_context({"font.family": "DejaVu Sans", "font.size": 6}):
        fig, ax = plt.subplots(figsize=(3.3, 3.9))
        try:
            communes = units[units["level"] == "commune"]
            communes.boundary.plot(ax=ax, color="#b0b0b0", linewidth=0.25)
            result.hazard.areas.plot(
                ax=ax, color="#f4a82a", alpha=0.18, edgecolor="#c77800", linewidth=0.6
            )
            villages[~ids.isin(cut | partly)].plot(ax=ax, color="#9ecae1", markersize=0.6)
            villages[ids.isin(partly)].plot(ax=ax, color="#f28e2b", markersize=2.5)
            villages[ids.isin(cut)].plot(ax=ax, color="#d62728", markersize=4)
            if sites is not None and len(state.sites_down):
                down = sites[sites["site_id"].astype(str).isin(set(state.sites_down["site_id"]))]
                down.plot(
                    ax=ax, color="#222222", marker="x", markersize=2, linewidth=0.3, alpha=0.6
                )
            box = units.total_bounds
            ax.set_xlim(box[0], box[2])
            ax.set_ylim(box[1], box[3])
            handles = [
                Patch(facecolor="#f4a82a", alpha=0.4, edgecolor="#c77800", label="Vùng ảnh hưởng"),
                Line2D([], [], color="#d62728", marker="o", linestyle="", markersize=3,
                       label=f"Thôn mất liên lạc ({fmt_int(len(cut))})"),
                Line2D([], [], color="#f28e2b", marker="o", linestyle="", markersize=3,
                       label=f"Thôn mất cáp quang hoặc 4G ({fmt_int(len(partly))})"),
                Line2D([], [], color="#222222", marker="x", linestyle="", markersize=3,
                       label=f"Trạm mất sóng ({fmt_int(len(state.sites_down))})"),
            ]  # fmt: skip
            ax.legend(handles=handles, loc="lower left", framealpha=0.9, fontsize=5.5)
            ax.set_title(f"Lúc {fmt_num(hour)} giờ sau sự cố", fontsize=7)
            ax.set_axis_off()
            ax.set_aspect("equal")
            fig.tight_layout(pad=0.2)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi)
        finally:
            plt.close(fig)
    return buffer.getvalue()
