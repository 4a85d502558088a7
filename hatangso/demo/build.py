"""Building the demo dataset step by step, and writing it into a store.

:func:`build_demo` runs the build steps in order (:data:`_STEPS`), each on the layers
built so far, checks the layers, then builds the later period; :func:`write_demo`
validates every layer against the data contract and writes both periods.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geodata.crs import STORE_CRS
from geodata.errors import StoreError
from geodata.layouts import check_crosswalk
from geodata.load import RawLayer
from geodata.schemas import LAYER_ORDER
from geodata.store import LayerMeta, Store, Tx, is_database_url
from geodata.validate import ValidationContext, validate_layer
from hatangso.demo.base import load_base, step_admin_units
from hatangso.demo.common import Layers
from hatangso.demo.context import Context
from hatangso.demo.evidence import check_demo_measurements, step_evidence
from hatangso.demo.fiber import step_fiber_network
from hatangso.demo.layout2025 import AS_OF_2025, build_layout_2025
from hatangso.demo.mobile import step_mobile_sites
from hatangso.demo.periods import step_later_networks
from hatangso.demo.places import step_priority_places
from hatangso.demo.provenance import evidence_meta
from hatangso.demo.resilience import with_resilience
from hatangso.demo.roads import step_power_lines, step_roads
from hatangso.demo.sample import sample_base
from hatangso.demo.targets import AS_OF, AS_OF_LATER
from hatangso.demo.villages import step_clusters, step_villages

__all__ = ["DemoDataset", "DemoPeriod", "build_demo", "write_demo"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoPeriod:
    """A later period of a demo dataset: the layers that changed since the first one.

    Attributes
    ----------
    as_of : dt.date
        Reference date of the period.
    layers : dict of str to geopandas.GeoDataFrame
        Only the layers that differ from the first period, each complete (not a
        delta), in EPSG:4326 with the first period's columns; features that did not
        change keep their ids (and geometry).
    meta : dict of str to LayerMeta
        One entry per layer in ``layers``.
    evidence : dict of str to geopandas.GeoDataFrame
        The evidence layers of the period (``measurements``, ``complaints``), complete:
        the measurements of earlier periods included, complaints at their status of
        ``as_of``.
    evidence_meta : dict of str to LayerMeta
        One entry per layer in ``evidence``.
    """

    as_of: dt.date
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, LayerMeta]
    evidence: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    evidence_meta: dict[str, LayerMeta] = field(default_factory=dict)
    layout: bool = False
    """Whether the period's ``admin_units`` start a new administrative layout."""


@dataclass(frozen=True)
class DemoDataset:
    """A complete demo dataset, ready to be validated and stored.

    Attributes
    ----------
    name : str
        Display name, e.g. ``"Bình Định demo (2024 units)"``.
    as_of : dt.date
        Reference date of the status the demo reproduces.
    layers : dict of str to geopandas.GeoDataFrame
        Layers in EPSG:4326 with the data-contract columns, ids as normal columns and a
        RangeIndex.
    meta : dict of str to LayerMeta
        One entry per layer and per raster.
    rasters : dict of str to bytes
        GeoTIFF files as bytes; ``"population_density"`` is in people per km².
    later : list of DemoPeriod
        Later periods, by ascending ``as_of``; each period's layers are the first
        period's overridden by ``later[k].layers``.
    evidence : dict of str to geopandas.GeoDataFrame
        The first period's evidence layers (``measurements``, ``complaints``; synthetic,
        :mod:`hatangso.demo.evidence`), kept apart from the network layers as the store
        keeps them apart.
    evidence_meta : dict of str to LayerMeta
        One entry per layer in ``evidence``.
    """

    name: str
    as_of: dt.date
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, LayerMeta]
    rasters: dict[str, bytes]
    later: list[DemoPeriod] = field(default_factory=list)
    evidence: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    evidence_meta: dict[str, LayerMeta] = field(default_factory=dict)
    crosswalk: pd.DataFrame | None = None
    """The crosswalk from the first period's layout to the last layout (when there are two)."""


# ------------------------------------------------------------------------------ build

_Step = Callable[[Context, Mapping[str, gpd.GeoDataFrame]], Layers]
_STEPS: Final[tuple[tuple[str, _Step], ...]] = (
    ("admin_units", step_admin_units),
    ("villages", step_villages),
    ("clusters", step_clusters),
    ("roads", step_roads),
    ("power_lines", step_power_lines),
    ("priority_places", step_priority_places),
    ("fiber", step_fiber_network),
    ("mobile_sites", step_mobile_sites),
)
"""Build steps in order; each gets the layers built so far and returns new ones."""


def build_demo(
    base_dir: Path | None,
    *,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> DemoDataset:
    """Build the demo dataset, from the shared base layers or as a synthetic sample.

    Parameters
    ----------
    base_dir : pathlib.Path or None
        Folder with the layout of ``shared/data`` (``dvhcvn/``, ``censusvn2009/``,
        ``gso_census2019/``, ...). ``None`` builds a small synthetic sample area
        ("mẫu tổng hợp") instead, with every layer flagged synthetic.
    seed : int, default 0
        Seed of the random generators; the same seed gives identical output.
    progress : callable, optional
        Called with a short message after each step, e.g. ``"villages: 1176"``.

    Returns
    -------
    DemoDataset
        Layers ``admin_units``, ``villages``, ``clusters``, ``roads``, ``power_lines``,
        ``priority_places``, ``fiber_routes``, ``fiber_nodes`` and ``mobile_sites``
        plus the raster ``population_density``, as of
        :data:`~hatangso.demo.targets.AS_OF`; ``later`` holds one period as of
        :data:`~hatangso.demo.targets.AS_OF_LATER` with the network layers of that date
        (``fiber_routes``, ``fiber_nodes``, ``mobile_sites``).

    Raises
    ------
    hatangso.demo.base.MissingBaseFileError
        A :class:`FileNotFoundError`, if a base file is missing or unreadable; the
        message names the file and what ``--base`` must point to.
    hatangso.demo.base.BaseDataError
        A :class:`ValueError`, if a base file does not have the expected content.
    ValueError
        If ``seed`` is negative.

    Examples
    --------
    >>> demo = build_demo(None, seed=0)
    >>> demo.layers["villages"].shape[0]
    12
    >>> [period.as_of.isoformat() for period in demo.later]
    ['2024-12-31']
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"`seed` must be a non-negative integer, got {seed!r}."
        raise ValueError(msg)

    def report(message: str) -> None:
        log.debug(message)
        if progress is not None:
            progress(message)

    base = sample_base() if base_dir is None else load_base(Path(base_dir))
    report(f"base: {base.name}")
    ctx = Context(base=base, seed=seed, progress=report)
    layers: Layers = {}
    for _name, step in _STEPS:
        layers.update(step(ctx, layers))
    _check_layers(layers)
    changed = step_later_networks(ctx, layers)
    # what the networks depend on, per id in both periods (after the later period is
    # derived from the first, whose frames it extends)
    changed.update(with_resilience(ctx, {**layers, **changed}))
    layers.update(with_resilience(ctx, layers))
    _check_layers(changed)
    evidence, later_evidence = step_evidence(ctx, layers, changed)
    later = DemoPeriod(
        as_of=AS_OF_LATER,
        layers=changed,
        meta={name: base.later_meta[name] for name in changed},
        evidence=later_evidence,
        evidence_meta=evidence_meta(AS_OF_LATER.isoformat(), sample=base_dir is None),
    )
    periods = [later]
    reform = None
    if base_dir is not None:
        latest_villages = changed.get("villages", layers["villages"])
        reform = build_layout_2025(Path(base_dir), latest_villages, report)
    if reform is not None:
        periods.append(
            DemoPeriod(as_of=AS_OF_2025, layers=reform.layers, meta=reform.meta, layout=True)
        )
    return DemoDataset(
        name=base.name,
        as_of=AS_OF,
        layers=layers,
        meta=dict(base.meta),
        rasters={"population_density": base.density_tif},
        later=periods,
        crosswalk=None if reform is None else reform.crosswalk,
        evidence=evidence,
        evidence_meta=evidence_meta(AS_OF.isoformat(), sample=base_dir is None),
    )


def _check_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Raise if a generated layer breaks a basic invariant (internal consistency check)."""
    id_column = {
        "admin_units": "unit_id",
        "villages": "village_id",
        "clusters": "cluster_id",
        "roads": "road_id",
        "power_lines": "line_id",
        "priority_places": "place_id",
        "fiber_routes": "route_id",
        "fiber_nodes": "node_id",
        "mobile_sites": "site_id",
    }
    problems = []
    for name, gdf in layers.items():
        column = id_column.get(name)
        if column is not None and not gdf[column].is_unique:
            problems.append(f"{name}: duplicate {column}")
        if not (gdf.geometry.is_valid & ~gdf.geometry.is_empty).all():
            problems.append(f"{name}: invalid or empty geometries")
    if problems:
        msg = "Internal error, the demo dataset is inconsistent: " + "; ".join(problems)
        raise RuntimeError(msg)


# ---------------------------------------------------------------------------- writing


def write_demo(
    dataset: DemoDataset, store: Store, *, written_at: dt.datetime | None = None
) -> None:
    """Validate every layer of a generated data set against the contract and write it.

    The demo goes through the same validation as an official's file, in dependency order
    (units before villages before clusters), so a generator bug cannot slip into a store.
    Its first period is written first and each later period on top of it, sharing the
    layers that did not change. A new store replaces an existing file at ``store.path``
    atomically; a database store must be empty.

    Parameters
    ----------
    dataset
        From :func:`build_demo`.
    store
        Where to write; an existing file there is replaced as a whole.
    written_at
        The timestamp recorded for the first period (fixed by the demo for reproducible
        files); later periods are stamped at midnight of their ``as_of`` date when it is
        given.
    """
    context = ValidationContext()
    first = _validated_demo_layers(dataset.layers, context)
    first |= _validated_evidence(dataset.evidence, context)
    later = []
    for period in dataset.later:
        layers = _validated_demo_layers(period.layers, context)
        later.append((period, layers | _validated_evidence(period.evidence, context)))

    def fill(target: Store) -> None:
        target.write(
            first,
            {**dataset.meta, **dataset.evidence_meta},
            name=dataset.name,
            as_of=dataset.as_of,
            rasters=dataset.rasters,
            imported_from="hatangso demo",
            written_at=written_at,
        )
        layouts: list[str] = []
        for period, layers in later:
            as_of = period.as_of.isoformat()
            if period.layout:
                layouts.append(as_of)
            target.write(
                layers,
                {**period.meta, **period.evidence_meta},
                as_of=period.as_of,
                imported_from="hatangso demo",
                written_at=None
                if written_at is None
                else dt.datetime.combine(period.as_of, dt.time()),
                also=(
                    functools.partial(_register_layout, target, as_of) if period.layout else None
                ),
            )
        if dataset.crosswalk is not None and layouts:
            checked = check_crosswalk(
                dataset.crosswalk,
                target.at(dataset.as_of.isoformat()).read("admin_units"),
                target.at(layouts[-1]).read("admin_units"),
                source="demo crosswalk",
            )
            target.write_crosswalk(checked, dataset.as_of.isoformat(), layouts[-1])

    if is_database_url(store.location):
        if store.exists() and store.periods():
            msg = (
                f"{store.location}: already holds periods {', '.join(store.periods())}; "
                "the demo is written only into an empty database."
            )
            raise StoreError(msg)
        fill(store)
        return
    fresh = Store(store.path.with_name(f".{store.path.stem}.{uuid.uuid4().hex}.new.gpkg"))
    fresh.path.unlink(missing_ok=True)
    try:
        fill(fresh)
        fresh.path.replace(store.path)
    finally:
        fresh.path.unlink(missing_ok=True)
        fresh.path.with_name(fresh.path.name + ".lock").unlink(missing_ok=True)


def _validated_evidence(
    evidence: Mapping[str, gpd.GeoDataFrame], context: ValidationContext
) -> dict[str, gpd.GeoDataFrame]:
    """Check generated evidence as an import would: complaints, then measurements again.

    The measurements passed the importer's strict bulk checks when built; they are checked
    once more, file by file, from their stored form (what a hand-edited data set could
    break).
    """
    out = _validated_demo_layers(
        {k: v for k, v in evidence.items() if k != "measurements"}, context
    )
    if "measurements" in evidence:
        frame = evidence["measurements"]
        tables = {
            str(source): pd.DataFrame(
                group.drop(columns=["geometry", "drive_id", "source_file"]).assign(
                    lon=group.geometry.x.to_numpy(), lat=group.geometry.y.to_numpy()
                )
            )
            for source, group in frame.groupby("source_file", sort=False)
        }
        out["measurements"] = check_demo_measurements(tables, context)
    return out


def _validated_demo_layers(
    layers: Mapping[str, gpd.GeoDataFrame], context: ValidationContext
) -> dict[str, gpd.GeoDataFrame]:
    """Validate generated layers in dependency order, adding them to ``context``."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in [n for n in LAYER_ORDER if n in layers]:
        frame = layers[name]
        raw = RawLayer(
            frame=frame.to_crs(STORE_CRS),
            source=f"demo:{name}",
            row_label="feature",
            row_numbers=list(range(1, len(frame) + 1)),
        )
        validated = validate_layer(raw, name, context=context)
        out[name] = validated.frame
        context.add_layer(name, validated.frame)
    unknown = set(layers) - set(out)
    if unknown:
        msg = f"demo produced layers outside the contract: {sorted(unknown)}"
        raise ValueError(msg)
    return out


def _register_layout(target: Store, day: str, tx: Tx) -> None:
    """Record the period ``day`` as starting a layout (inside its write's transaction)."""
    target.register_layout(tx, day, "hatangso demo")
