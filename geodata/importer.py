"""From a file to a validated layer, and into a store: what ``validate`` and ``import`` do."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import pandas as pd

from geodata.crs import expected_extent, extent_on
from geodata.errors import InputError, InputFileError, Problem
from geodata.evidence import EvidenceLayer, read_complaints, read_measurements, read_speed_tiles
from geodata.layouts import check_crosswalk, read_crosswalk
from geodata.load import RASTER_SUFFIXES, read_raw
from geodata.mapping import ImportProfile
from geodata.raster import RASTER_LAYERS, check_raster
from geodata.schemas import LAYERS, LayerSchema, layer_schema
from geodata.store import LayerMeta, Store, Tx
from geodata.validate import ValidatedLayer, ValidationContext, validate_layer

if TYPE_CHECKING:
    import pyproj

__all__ = [
    "EvidenceOptions",
    "ImportMode",
    "import_crosswalk",
    "import_file",
    "load_layer",
    "profile_of",
]

log = logging.getLogger(__name__)

ImportMode = Literal["replace", "upsert", "add"]

#: The evidence layers an import adds to rather than replaces, and the columns that name
#: one import's rows (re-importing the same file replaces its own rows only).
_BATCH_LAYERS = ("measurements", "speed_tiles")


@dataclass(frozen=True)
class EvidenceOptions:
    """How to read an evidence file (measurements, speed tiles); ignored for other layers.

    Parameters
    ----------
    campaign
        The measurement campaign, when the file has no ``campaign`` column (default the
        file's name without its suffix).
    source_kind
        ``drive_test``, ``crowdsourced`` or ``speed_test`` when the file does not say.
    layout
        ``auto`` (default), ``generic``, ``towercollector`` or ``gnettrack``.
    net_type, quarter_start
        For speed tiles: ``mobile``/``fixed`` and the quarter's first day.
    strict
        Refuse the whole file when any row is rejected (default: keep the valid rows).
    now
        The time no sample may be after (default the computer's clock), for tests.
    """

    campaign: str | None = None
    source_kind: str | None = None
    layout: str | None = None
    net_type: str | None = None
    quarter_start: str | None = None
    strict: bool = False
    now: pd.Timestamp | None = None


def load_layer(  # noqa: PLR0913
    path: str | Path,
    *,
    layer: str,
    crs: str | int | pyproj.CRS | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    repair: bool = False,
    context: ValidationContext | None = None,
    source_layer: str | None = None,
    sheet: str | int | None = None,
    evidence: EvidenceOptions | None = None,
    operator: str | None = None,
    columns: Mapping[str, str] | None = None,
    profile: ImportProfile | None = None,
) -> ValidatedLayer:
    """Read and validate one file as a contract layer.

    Parameters
    ----------
    path
        The file (see :func:`geodata.load.read_raw` for the formats).
    layer
        The contract layer, e.g. ``"villages"`` (Vietnamese aliases such as ``"thon"`` work).
    crs, encoding, swap_xy, source_layer, sheet
        As for :func:`geodata.load.read_raw`.
    repair
        Repair invalid geometries instead of refusing them.
    context
        Province and known ids, e.g. from :meth:`geodata.store.Store.validation_context`.
    evidence
        How to read a measurement or speed-tile file (:class:`EvidenceOptions`).
    operator
        The operator of every row, for a file without an operator column (an
        operator's site list); see :func:`geodata.validate.validate_layer`.
    columns
        Contract column -> the file's header, for columns the header does not name in a
        way the contract knows (``"x"``/``"y"``: the coordinates); a table only.
    profile
        A saved import profile: its columns, sheet, operator, CRS and encoding apply
        where the arguments above leave them unset.

    Returns
    -------
    ValidatedLayer
        For ``measurements`` and ``speed_tiles`` an
        :class:`~geodata.evidence.EvidenceLayer`: the valid rows, and every rejected row
        with its reason (reported as warnings; errors with ``strict``).

    Raises
    ------
    InputError
        Any problem with the file, with a message naming the file, row, column and fix.
    """
    schema = _schema(layer)
    origin = "given with --operator"
    if profile is not None:
        if _schema(profile.layer).name != schema.name:
            msg = (
                f"import profile {profile.name!r} reads {profile.layer!r} files, not "
                f"{schema.name!r}. Choose another profile or --layer {profile.layer}."
            )
            raise InputError(msg)
        sheet = sheet if sheet is not None else profile.sheet
        crs = crs if crs is not None else profile.crs
        encoding = encoding if encoding is not None else profile.encoding
        if not operator and profile.operator:
            operator = profile.operator
            origin = f"from the import profile {profile.name!r}"
        columns = {**profile.columns, **(columns or {})}
    opts = evidence or EvidenceOptions()
    if schema.name == "measurements":
        return read_measurements(
            path,
            campaign=opts.campaign,
            source_kind=opts.source_kind,
            layout=opts.layout,
            crs=crs,
            encoding=encoding,
            swap_xy=swap_xy,
            sheet=sheet,
            context=context,
            strict=opts.strict,
            now=opts.now,
        )
    if schema.name == "speed_tiles":
        return read_speed_tiles(
            path,
            net_type=opts.net_type,
            quarter_start=opts.quarter_start,
            encoding=encoding,
            sheet=sheet,
            source_layer=source_layer,
            context=context,
            strict=opts.strict,
        )
    if schema.name == "complaints":
        return read_complaints(
            path,
            crs=crs,
            encoding=encoding,
            swap_xy=swap_xy,
            sheet=sheet,
            source_layer=source_layer,
            context=context,
            repair=repair,
        )
    raw = read_raw(
        path,
        layer=schema.name,
        crs=crs,
        encoding=encoding,
        swap_xy=swap_xy,
        source_layer=source_layer,
        sheet=sheet,
        columns=columns,
    )
    return validate_layer(
        raw, schema, context=context, repair=repair, operator=operator, operator_origin=origin
    )


def profile_of(
    validated: ValidatedLayer,
    name: str,
    *,
    sheet: str | int | None = None,
    crs: str | None = None,
    encoding: str | None = None,
) -> ImportProfile:
    """Return the profile that reads files like the one just validated.

    Parameters
    ----------
    validated
        A layer that passed validation: its column mapping and file-level operator are
        kept.
    name
        The profile's name.
    sheet, crs, encoding
        The reading options that were given.

    Returns
    -------
    ImportProfile
    """
    return ImportProfile(
        name=name.strip(),
        layer=validated.layer,
        columns=dict(validated.columns),
        sheet=None if sheet is None else str(sheet),
        operator=validated.operator,
        crs=crs,
        encoding=encoding,
    )


def import_file(  # noqa: C901, PLR0913
    path: str | Path,
    *,
    layer: str,
    into: Store | str | Path,
    as_of: dt.date | str | None = None,
    source: str | None = None,
    licence: str | None = None,
    synthetic: bool = False,
    mode: ImportMode | None = None,
    crs: str | int | pyproj.CRS | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    repair: bool = False,
    source_layer: str | None = None,
    sheet: str | int | None = None,
    also: Callable[[Tx, str, int | None], object] | None = None,
    evidence: EvidenceOptions | None = None,
    operator: str | None = None,
    columns: Mapping[str, str] | None = None,
    profile: ImportProfile | str | None = None,
    save_profile: str | None = None,
    actor: str = "unknown",
) -> ValidatedLayer | None:
    """Validate a file and write it into a store (created when it does not exist).

    Parameters
    ----------
    path
        The file to import.
    layer
        The contract layer, or a raster name (``population_density``, ``elevation``,
        ``land_cover``).
    into
        The store.
    as_of
        The period the data describes (YYYY-MM-DD).
    source, licence, synthetic
        Provenance recorded with the layer.
    mode
        ``"replace"`` the layer, or ``"upsert"``: keep existing features and replace those
        with the same id (e.g. one operator's site list at a time). For ``measurements``
        and ``speed_tiles`` upsert is the default and adds the file's rows to the period's,
        replacing only the rows of the same batch (a measurement file imported again into
        the same campaign; a speed-tile file of the same quarter and network type).
        Default ``"replace"`` for the other layers.
    crs, encoding, swap_xy, repair, source_layer, sheet
        As for :func:`load_layer`.
    also
        Called as ``also(tx, layer, feature_count)`` with the write's transaction before
        it commits (``None`` count for a raster), e.g. to record the import in the audit
        trail so that both commit or neither does.
    operator, columns
        As for :func:`load_layer`.
    profile
        An import profile, or the name of one saved in the store.
    save_profile
        Save the mapping that worked under this name (with the import, atomically), to
        read next month's file the same way (``--profile NAME``).
    actor
        Who saves the profile (recorded with it).

    Returns
    -------
    ValidatedLayer or None
        The imported layer (``None`` for rasters).

    Raises
    ------
    InputError
        The file is refused; the store is left byte for byte unchanged.
    """
    store = _basis(into if isinstance(into, Store) else Store(into), as_of)
    path = Path(path)
    meta = LayerMeta(
        source=source or f"imported from {path.name}",
        licence=licence or "not stated",
        synthetic=synthetic,
    )
    if layer in RASTER_LAYERS or path.suffix.lower() in RASTER_SUFFIXES:
        if layer not in RASTER_LAYERS:
            msg = (
                f"{path.name}: a raster can only be imported as one of "
                f"{', '.join(RASTER_LAYERS)}, not {layer!r}."
            )
            raise InputFileError(msg)
        with expected_extent(extent_on(_period_of(store, as_of))):
            data = check_raster(path, crs=crs, layer=layer)
        store.write(
            {},
            {layer: meta},
            rasters={layer: data},
            as_of=as_of,
            imported_from=path.name,
            also=None if also is None else (lambda tx: also(tx, layer, None)),
        )
        return None
    if isinstance(profile, str):
        profile = store.profile(profile)
    context = store.validation_context()
    if _schema(layer).name == "admin_units":
        # Units define the province: a new layout's units are not checked against the
        # outline of the units they replace (the new Gia Lai is larger than Bình Định).
        context.province = None
    # Coordinates are expected in the province of the date imported (Gia Lai from
    # 1 July 2025): the CRS is decided against it (geodata.coordinates).
    with expected_extent(extent_on(_period_of(store, as_of))):
        validated = load_layer(
            path,
            layer=layer,
            crs=crs,
            encoding=encoding,
            swap_xy=swap_xy,
            repair=repair,
            context=context,
            source_layer=source_layer,
            sheet=sheet,
            evidence=evidence,
            operator=operator,
            columns=columns,
            profile=profile,
        )
    frame = validated.frame
    name = validated.layer
    if mode is None:
        mode = "upsert" if name in _BATCH_LAYERS else "replace"
    if isinstance(validated, EvidenceLayer):
        _note_period(store, as_of, validated)
    frame = _merge_with_held(store, name, validated, mode)
    if name == "admin_units":
        frame = under_the_province(frame, path.name)
    count = len(frame)
    saved = None
    if save_profile:
        saved = profile_of(
            validated,
            save_profile,
            sheet=sheet if sheet is not None else (profile.sheet if profile else None),
            crs=_text_or_none(crs) or (profile.crs if profile else None),
            encoding=encoding or (profile.encoding if profile else None),
        )

    def after(tx: Tx) -> None:
        if saved is not None:
            store.save_profile(saved, actor=actor, tx=tx)
            log.info("import profile %r saved", saved.name)
        if also is not None:
            also(tx, name, count)

    store.write({name: frame}, {name: meta}, as_of=as_of, imported_from=path.name, also=after)
    return validated


def _merge_with_held(
    store: Store, name: str, validated: ValidatedLayer, mode: str
) -> gpd.GeoDataFrame:
    """Return what the layer holds after the import: ``validated`` merged as ``mode`` says."""
    frame = validated.frame
    if mode == "upsert" and name in _BATCH_LAYERS and isinstance(validated, EvidenceLayer):
        if store.has_layer(name):
            existing = store.read(name)
            same = pd.Series(data=True, index=existing.index)
            for col, value in validated.batch.items():
                if col not in existing:
                    same &= False
                    continue
                same &= existing[col].isna() if value is None else existing[col] == value
            kept = existing[~same]
            frame = pd.concat([kept, frame], ignore_index=True)
            log.info("%s: %d rows kept, %d added", name, len(kept), len(validated.frame))
    elif mode == "upsert" and store.has_layer(name):
        id_col = LAYERS[name].id_column
        existing = store.read(name)
        kept = existing[~existing[id_col].astype(str).isin(set(frame[id_col].astype(str)))]
        frame = pd.concat([kept, frame], ignore_index=True)
        log.info(
            "%s: %d features kept, %d added or replaced", name, len(kept), len(validated.frame)
        )
    elif mode == "add" and store.has_layer(name):
        id_col = LAYERS[name].id_column
        existing = store.read(name)
        new = frame[~frame[id_col].astype(str).isin(set(existing[id_col].astype(str)))]
        log.info(
            "%s: %d features kept as held, %d added (%d of the file's ids already held)",
            name,
            len(existing),
            len(new),
            len(frame) - len(new),
        )
        frame = pd.concat([existing, new], ignore_index=True)
    elif mode not in ("replace", "upsert", "add"):
        msg = f"mode {mode!r} is not one of 'replace', 'upsert', 'add'."
        raise InputError(msg)
    return frame


def under_the_province(frame: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Put the communes of a two-tier layout that name no parent under its one province.

    The 2025 communes' files (one row a xã or phường) carry no parent code; without one
    they would drop out of the province's figures. Only a layout with exactly one
    province and no district is completed, and the change is logged.

    Parameters
    ----------
    frame
        ``admin_units`` as they will be written.
    source
        The file's name, for the log.

    Returns
    -------
    geopandas.GeoDataFrame
        ``frame``, with ``parent_id`` set on those communes.
    """
    level = frame["level"].astype(str)
    provinces = frame.loc[level == "province", "unit_id"].astype(str)
    if len(provinces) != 1 or (level == "district").any():
        return frame
    parent = frame["parent_id"] if "parent_id" in frame else pd.Series(None, index=frame.index)
    orphan = (level == "commune") & (parent.isna() | (parent.astype(str).str.strip() == ""))
    if not orphan.any():
        return frame
    out = frame.copy()
    out.loc[orphan, "parent_id"] = provinces.iloc[0]
    log.info(
        "%s: %d communes without a parent code placed under the province %s",
        source,
        int(orphan.sum()),
        provinces.iloc[0],
    )
    return out


def _period_of(store: Store, as_of: dt.date | str | None) -> dt.date | str | None:
    """Return the period an import writes to: ``as_of``, the store's bound or latest one."""
    if as_of is not None:
        return as_of
    if not store.exists():
        return None
    return store.period  # the one bound, or the latest


def _text_or_none(value: object) -> str | None:
    """Return a CRS option as text for a profile (a CRS object by its code)."""
    if value is None or isinstance(value, str):
        return value
    to_string = getattr(value, "to_string", None)
    return str(to_string()) if callable(to_string) else str(value)


def _note_period(store: Store, as_of: dt.date | str | None, validated: EvidenceLayer) -> None:
    """Warn when samples were measured after the date of the period they are imported into.

    A period describes the network at its date; a sample taken later describes a later
    network, and comparing it with the period's prediction says little.
    """
    if validated.layer != "measurements" or not len(validated.frame):
        return
    period = str(as_of) if as_of is not None else (store.period if store.exists() else None)
    if period is None:
        return
    end = pd.Timestamp(period, tz="Asia/Ho_Chi_Minh") + pd.Timedelta(days=1)
    times = pd.to_datetime(validated.frame["measured_at"], utc=True)
    later = int((times >= end).sum())
    if later:
        validated.problems.append(
            Problem(
                f"{later} of {len(times)} samples were measured after {period}, the date of "
                "the period they are imported into.",
                fix="import them into a later period (--as-of) unless that is intended.",
                severity="warning",
            )
        )


def _basis(store: Store, as_of: dt.date | str | None) -> Store:
    """Bind the store to the period an import builds on: ``as_of``'s own, else the one before.

    Importing into a new period starts from the latest earlier period, so an upsert of
    one operator's sites keeps the other operators' sites of that period.
    """
    if as_of is None or not store.exists():
        return store.at(None)
    wanted = dt.date.fromisoformat(str(as_of)).isoformat() if _is_date(as_of) else None
    if wanted is None:
        msg = f"as_of date {as_of!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-12-31)."
        raise InputError(msg)
    periods = store.periods()
    earlier = [p for p in periods if p <= wanted]
    return store.at(earlier[-1] if earlier else None)


def _is_date(value: dt.date | str) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _schema(layer: str) -> LayerSchema:
    try:
        return layer_schema(layer)
    except KeyError:
        msg = (
            f"unknown layer {layer!r}. Use one of: {', '.join(LAYERS)} "
            f"(rasters: {', '.join(RASTER_LAYERS)})."
        )
        raise InputError(msg) from None


def import_crosswalk(
    path: str | Path,
    *,
    into: Store | str | Path,
    from_layout: str | None = None,
    to_layout: str | None = None,
) -> tuple[pd.DataFrame, str, str]:
    """Validate a crosswalk file against two layouts of a store and keep it there.

    Parameters
    ----------
    path
        The crosswalk (CSV or Excel): old code, new code, share, source
        (:func:`geodata.layouts.read_crosswalk`).
    into
        The store; it must hold both layouts.
    from_layout, to_layout
        The layouts (a date or a year); default the newest layout and the one before.

    Returns
    -------
    tuple
        The crosswalk kept, and the two layouts' ids.

    Raises
    ------
    InputError
        For a store with fewer than two layouts, or a crosswalk
        :func:`geodata.layouts.check_crosswalk` refuses (the store is unchanged).
    """
    store = into if isinstance(into, Store) else Store(into)
    store.check()
    held = store.layout_ids()
    to_id = store.resolve_layout(to_layout) if to_layout else (held[-1] if held else None)
    earlier = [layout for layout in held if to_id is not None and layout < to_id]
    from_id = (
        store.resolve_layout(from_layout) if from_layout else (earlier[-1] if earlier else None)
    )
    if from_id is None or to_id is None or from_id >= to_id:
        msg = (
            f"{store.location}: a crosswalk maps an older layout to a newer one; the layouts "
            f"held are {', '.join(held) or 'none'}. Import the newer units first with "
            "`hatangso import FILE --layer admin_units --layout YYYY-MM-DD`."
        )
        raise InputError(msg)
    raw = read_crosswalk(path)
    checked = check_crosswalk(
        raw, store.read_layout(from_id), store.read_layout(to_id), source=Path(path).name
    )
    store.write_crosswalk(checked, from_id, to_id)
    return checked, from_id, to_id
