"""Terrain profiles: the samples of the elevation raster along straight site-point paths.

:class:`Profile` holds the validated inputs of the terrain functions of
:mod:`coverage.terrain` and builds the profiles chunk by chunk (bounded memory): the
terrain sampled from the raster (nearest cell) at fixed fractions of each path or every
cell size (:func:`cell_size_m`), raised by the Earth's bulge, and its clearance below the
straight ray. The diffraction, effective height and line of sight built on them live in
:mod:`coverage.terrain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from affine import Affine

__all__ = ["EARTH_RADIUS_M", "Profile", "cell_size_m"]

FloatArray = npt.NDArray[np.float64]

#: Mean Earth radius, m.
EARTH_RADIUS_M: Final = 6_371_000.0
#: Points per chunk in the terrain functions: bounds memory to a few (chunk, samples) arrays.
_CHUNK_POINTS: Final = 16_384
#: Profile samples (points × samples) per chunk: about 16 MB per float64 array.
_CHUNK_CELLS: Final = 2_000_000


def cell_size_m(transform: Affine) -> float:
    """Return the raster's cell size, m: the shorter side of a cell.

    Examples
    --------
    >>> from affine import Affine
    >>> cell_size_m(Affine(30.0, 0.0, 0.0, 0.0, -25.0, 0.0))
    25.0
    """
    return float(min(np.hypot(transform.a, transform.d), np.hypot(transform.b, transform.e)))


@dataclass(frozen=True)
class Profile:
    """Validated inputs of the terrain functions; profiles are built chunk by chunk.

    Sample positions are either ``samples`` fixed fractions of each path (``t``) or, when
    ``samples`` is ``None``, every ``spacing_m`` metres from the site (the raster's cell
    size), so that the number of samples grows with the distance.
    """

    site: FloatArray  # (2,)
    z_tx: float  # antenna elevation at the site, m
    points: FloatArray  # (n, 2)
    z_rx: FloatArray  # (n,) antenna elevation at the points, m
    elevation: FloatArray  # (rows, cols), NaN for no data
    inverse: Affine  # (x, y) -> (col, row)
    t: FloatArray | None  # (samples,) fractions of the way from the site, or None
    spacing_m: float  # sample spacing along the path when ``t`` is None, m
    k_factor: float

    @property
    def n(self) -> int:
        """Return the number of points (paths)."""
        return int(self.points.shape[0])

    @classmethod
    def build(  # noqa: PLR0913 - mirrors the public signatures
        cls,
        site_xy: npt.ArrayLike,
        site_ground_m: float,
        h_base_m: float,
        points_xy: npt.ArrayLike,
        point_ground_m: npt.ArrayLike,
        h_mobile_m: npt.ArrayLike,
        *,
        elevation: npt.ArrayLike,
        transform: Affine,
        samples: int | None,
        nodata: float | None,
        k_factor: float,
    ) -> Profile:
        """Return the checked inputs (the arguments of :func:`coverage.terrain.terrain_terms`)."""
        site = np.asarray(site_xy, dtype=np.float64)
        points = np.asarray(points_xy, dtype=np.float64)
        if site.shape != (2,):
            msg = f"`site_xy` must be one (x, y) pair; got shape {site.shape!r}."
            raise ValueError(msg)
        if points.ndim != 2 or points.shape[1] != 2:
            msg = (
                f"`points_xy` must have shape (n, 2); got {points.shape!r}. "
                "Stack the coordinates with np.column_stack([x, y])."
            )
            raise ValueError(msg)
        if samples is not None and samples < 1:
            msg = f"`samples` must be >= 1 (or None: the raster's resolution); got {samples!r}."
            raise ValueError(msg)
        if not k_factor > 0.0:
            msg = f"`k_factor` must be > 0; got {k_factor!r}."
            raise ValueError(msg)
        n = points.shape[0]
        try:
            ground = np.broadcast_to(np.asarray(point_ground_m, dtype=np.float64), (n,))
            h_mobile = np.broadcast_to(np.asarray(h_mobile_m, dtype=np.float64), (n,))
        except ValueError as e:
            msg = (
                "`point_ground_m` and `h_mobile_m` must be scalars or have one value per "
                f"point ({n})."
            )
            raise ValueError(msg) from e
        grid = np.asarray(elevation, dtype=np.float64)  # no copy: a DEM can be large
        if grid.ndim != 2:
            msg = f"`elevation` must be a 2-D array[row, col]; got shape {grid.shape!r}."
            raise ValueError(msg)
        if nodata is not None and not np.isnan(nodata):
            grid = np.where(grid == nodata, np.nan, grid)  # a copy; the caller's is kept
        return cls(
            site=site,
            z_tx=float(site_ground_m) + float(h_base_m),
            points=points,
            z_rx=ground + h_mobile,
            elevation=grid,
            inverse=~transform,
            t=None
            if samples is None
            else np.arange(1, samples + 1, dtype=np.float64) / (samples + 1),
            spacing_m=cell_size_m(transform),
            k_factor=float(k_factor),
        )

    def chunks(self) -> list[npt.NDArray[np.intp]]:
        """Return groups of point indices whose (points, samples) arrays fit a budget.

        At the raster's resolution a group's width is its longest path, so the points
        are grouped by length (each group's paths within a factor of 2 of each other):
        short paths are not padded to the longest one's samples.
        """
        order = np.arange(self.n)
        if self.t is not None:
            groups = [(order, len(self.t))]
        else:
            cells = np.hypot(*(self.points - self.site).T) / self.spacing_m if self.n else order
            octave = np.floor(np.log2(np.maximum(np.nan_to_num(cells), 1.0))).astype(np.int64)
            groups = []
            for o in np.unique(octave).tolist():
                members = order[octave == o]
                groups.append((members, max(int(np.nanmax(cells[members])), 1)))
        out: list[npt.NDArray[np.intp]] = []
        for members, width in groups:
            step = int(min(_CHUNK_POINTS, max(1, _CHUNK_CELLS // width)))
            out += [members[i : i + step] for i in range(0, len(members), step)]
        return out

    def heights(
        self, chunk: slice | npt.NDArray[np.intp]
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return the profiles of ``chunk``: heights, positions, lengths and raw terrain.

        ``g`` is the terrain raised by the Earth's bulge ``d (D - d) / (2 k R)`` (NaN: no
        data or beyond the point), ``d`` the samples' distances from the site and ``D``
        the path lengths (k, 1), all in m; ``terrain`` the elevation at the samples.
        A parabola less its chord between any two samples is ``(d - a)(b - d) / (2 k R)``,
        so the bulge of the whole path is exact for every sub-path too.
        """
        offset = self.points[chunk] - self.site  # (k, 2)
        dist = np.hypot(offset[:, 0], offset[:, 1])
        # A point on the site has no profile: NaN makes it obstacle-free.
        dist = np.where(dist > 0.0, dist, np.nan)[:, np.newaxis]
        if self.t is not None:
            d = self.t[np.newaxis, :] * dist
        else:
            width = max(int(np.nanmax(dist, initial=0.0) // self.spacing_m), 1)
            d = np.arange(1, width + 1, dtype=np.float64)[np.newaxis, :] * self.spacing_m
            d = np.where(d < dist, d, np.nan)  # only the samples inside each path
        with np.errstate(invalid="ignore", divide="ignore"):
            t = d / dist
        x = self.site[0] + t * offset[:, 0, np.newaxis]
        y = self.site[1] + t * offset[:, 1, np.newaxis]
        terrain = self._sample(x, y)
        bulge = d * (dist - d) / (2.0 * self.k_factor * EARTH_RADIUS_M)
        return terrain + bulge, d, dist, terrain

    def clearance(
        self, chunk: slice | npt.NDArray[np.intp]
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return terrain height above the ray (NaN: no data), d1 and d2, m, (k, samples)."""
        g, d, dist, _ = self.heights(chunk)
        ray = self.z_tx + d / dist * (self.z_rx[chunk, np.newaxis] - self.z_tx)
        return g - ray, d, dist - d

    def _sample(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Return the elevation of the cells holding (x, y); NaN outside the raster."""
        inv = self.inverse
        ok = np.isfinite(x) & np.isfinite(y)
        x = np.where(ok, x, 0.0)
        y = np.where(ok, y, 0.0)
        # ``~transform @ (x, y)`` written out, so that it maps whole arrays at once.
        col = np.floor(inv.a * x + inv.b * y + inv.c)
        row = np.floor(inv.d * x + inv.e * y + inv.f)
        rows, cols = self.elevation.shape
        inside = ok & (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        out = np.full(x.shape, np.nan)
        out[inside] = self.elevation[row[inside].astype(np.intp), col[inside].astype(np.intp)]
        return out
