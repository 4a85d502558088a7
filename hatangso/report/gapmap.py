"""The map of gaps: districts and communes, and the villages without fiber or 4G.

matplotlib draws it (DejaVu Sans, which covers every Vietnamese letter) as a PNG that the
PDF embeds.
"""

from __future__ import annotations

import io

from hatangso.formatting import fmt_int
from hatangso.report.model import GapMap, nfc

__all__ = ["render_map"]


def render_map(gap_map: GapMap, *, dpi: int = 150) -> bytes:
    """Draw the map of gaps as PNG bytes (matplotlib, DejaVu Sans).

    Parameters
    ----------
    gap_map
        The layers.
    dpi
        Resolution.

    Returns
    -------
    bytes
        The PNG.
    """
    import matplotlib as mpl

    mpl.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D

    with mpl.rc_context({"font.family": "DejaVu Sans", "font.size": 8}):
        fig, ax = plt.subplots(figsize=(7.2, 8.6))
        try:
            gap_map.communes.boundary.plot(ax=ax, color="#b0b0b0", linewidth=0.3)
            gap_map.districts.boundary.plot(ax=ax, color="#404040", linewidth=0.9)
            if gap_map.villages is not None and len(gap_map.villages):
                gap_map.villages.plot(ax=ax, color="#9ecae1", markersize=1.5, linewidth=0)
            if len(gap_map.no_fiber):
                gap_map.no_fiber.plot(
                    ax=ax, color="#f28e2b", markersize=28, marker="o", edgecolor="#7f3f00"
                )
            if len(gap_map.no_4g):
                gap_map.no_4g.plot(ax=ax, color="#d62728", markersize=70, marker="X")
                for geom, name in zip(gap_map.no_4g.geometry, gap_map.no_4g["name"], strict=True):
                    ax.annotate(
                        nfc(name),
                        (geom.x, geom.y),
                        xytext=(6, 6),
                        textcoords="offset points",
                        color="#d62728",
                        fontweight="bold",
                    )
            handles = [
                Line2D([], [], color="#404040", linewidth=0.9, label="Ranh giới huyện"),
                Line2D([], [], color="#b0b0b0", linewidth=0.5, label="Ranh giới xã"),
                Line2D(
                    [], [], color="#9ecae1", marker="o", linestyle="", markersize=3, label="Thôn"
                ),
                Line2D(
                    [],
                    [],
                    color="#f28e2b",
                    markeredgecolor="#7f3f00",
                    marker="o",
                    linestyle="",
                    markersize=7,
                    label=f"Thôn chưa có cáp quang ({fmt_int(len(gap_map.no_fiber))})",
                ),
                Line2D(
                    [],
                    [],
                    color="#d62728",
                    marker="X",
                    linestyle="",
                    markersize=9,
                    label=f"Thôn chưa có sóng 4G ({fmt_int(len(gap_map.no_4g))})",
                ),
            ]
            ax.legend(handles=handles, loc="upper right", framealpha=0.9)
            ax.set_axis_off()
            ax.set_aspect("equal")
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi)
        finally:
            plt.close(fig)
    return buffer.getvalue()
