"""Dữ liệu (Data): the data set's provenance, and importing a layer file into the store.

An uploaded file is written into a fresh temporary folder (never beside the store), read
and validated by :func:`geodata.load_layer` against the store's units and villages, and
the report is shown exactly as ``hatangso validate`` prints it. Only a valid file can be
imported, with :func:`geodata.import_file`, which writes the store atomically.

A site list as operators send it is read as the command line reads it (title block,
two-row header and totals found and reported; ``--sheet``, ``--operator`` and
``--profile`` as choices). When a table's columns are not recognised, the user maps them
with one dropdown a contract column over a preview of the first rows
(:func:`geodata.load.preview_table`), validates and imports; the mapping can be saved as
an import profile of the store and chosen next month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import streamlit as st

from geodata import Store, import_file, load_layer
from geodata.errors import InputError, LayerValidationError, LegacyEncodingWarning, format_report
from geodata.export import atomic_write
from geodata.importer import EvidenceOptions
from geodata.load import RASTER_SUFFIXES, TABLE_SUFFIXES, VECTOR_SUFFIXES, preview_table
from geodata.raster import RASTER_LAYERS, check_raster
from geodata.schemas import LAYERS, OPERATOR_NAMES, OPERATORS
from hatangso import audit
from hatangso.formatting import fmt_date, fmt_int, layer_title, validation_text
from ui import targetspage
from ui.data import dataset_info
from ui.shell import Context

__all__ = [
    "CRS_CHOICES",
    "ENCODING_CHOICES",
    "draw",
    "main_file",
    "saved_upload",
    "validation_report",
]

log = logging.getLogger(__name__)

CRS_CHOICES = ("", "wgs84", "vn2000-binhdinh", "vn2000-utm49", "vn2000", "utm49n")
ENCODING_CHOICES = ("", "tcvn3", "vni", "utf-8", "cp1258")
UPLOAD_TYPES = sorted(
    {s.lstrip(".") for s in (*VECTOR_SUFFIXES, *RASTER_SUFFIXES)}
    | {"shx", "dbf", "prj", "cpg", "parquet"}
)
#: Evidence layers read in bulk: valid rows kept, rejected rows reported (geodata.evidence).
BULK_LAYERS = ("measurements", "speed_tiles")
_MAIN_ORDER = (
    ".zip",
    ".shp",
    ".gpkg",
    ".geojson",
    ".json",
    ".csv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".parquet",
    ".tif",
    ".tiff",
)


class Upload(Protocol):
    """What Streamlit's ``UploadedFile`` offers that this page uses."""

    name: str

    def getvalue(self) -> bytes:
        """Return the file's bytes."""
        ...


#: The longest upload file name kept (most file systems allow 255 bytes).
MAX_NAME_LENGTH = 120


def _safe_name(name: str) -> str | None:
    """Return the bare file name to write inside the upload folder, or ``None``.

    Folders (``../../``, ``/tmp/``, Windows folders) are dropped: only the last part of the name
    is kept, so nothing is ever written outside the temporary folder. A name that is
    empty, hidden (``.x``, ``..``), holds control characters or is longer than
    :data:`MAX_NAME_LENGTH` characters is refused.
    """
    text = unicodedata.normalize("NFC", str(name)).replace("\\", "/")
    bare = text.split("/")[-1].strip()
    if (
        not bare
        or bare.startswith(".")
        or len(bare) > MAX_NAME_LENGTH
        or any(unicodedata.category(ch) == "Cc" for ch in bare)
        or Path(bare).name != bare
    ):
        return None
    return bare


def main_file(names: Sequence[str]) -> str | None:
    """Pick the file to read among uploaded ones (the ``.shp`` of a shapefile's parts)."""
    by_suffix = {Path(n).suffix.lower(): n for n in names}
    for suffix in _MAIN_ORDER:
        if suffix in by_suffix:
            return by_suffix[suffix]
    return names[0] if names else None


@contextmanager
def saved_upload(files: Sequence[Upload]) -> Iterator[Path]:
    """Write the uploaded files into a new temporary folder; yield the file to read.

    Raises
    ------
    geodata.InputError
        For a file name that is not a plain name.
    """
    with tempfile.TemporaryDirectory(prefix="hatangso-upload-") as tmp:
        names: list[str] = []
        for upload in files:
            name = _safe_name(upload.name)
            if name is None:
                msg = (
                    f"{upload.name!r}: not a plain file name; rename the file and upload it again."
                )
                raise InputError(msg)
            atomic_write(Path(tmp) / name, upload.getvalue())
            names.append(name)
        chosen = main_file(names)
        if chosen is None:
            msg = "no file was uploaded."
            raise InputError(msg)
        yield Path(tmp) / chosen


class _Notes(logging.Handler):
    """Collects what geodata logs while reading a file (the CLI prints it on stderr)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message."""
        self.lines.append(record.getMessage())


@contextmanager
def _notes() -> Iterator[list[str]]:
    logger = logging.getLogger("geodata")
    handler = _Notes()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def validation_report(  # noqa: PLR0913
    path: Path,
    *,
    layer: str,
    store: Store,
    crs: str | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    repair: bool = False,
    evidence: EvidenceOptions | None = None,
    reading: dict[str, Any] | None = None,
) -> tuple[bool, str, int | None]:
    """Validate a file as ``hatangso validate FILE --layer L --store S`` does.

    ``reading`` holds the table options: ``sheet``, ``operator``, ``profile`` (a name
    saved in the store) and ``columns`` (a mapping made by hand).

    Returns
    -------
    tuple
        ``(valid, text, features)``: the text is what the command line prints: its notes
        (such as the CRS it assumed), then the report.
    """
    with _notes() as notes:
        valid, text, count = _validate(
            path,
            layer=layer,
            store=store,
            crs=crs,
            encoding=encoding,
            swap_xy=swap_xy,
            repair=repair,
            evidence=evidence,
            reading=reading,
        )
    return valid, "\n".join([*notes, text]), count


def _validate(  # noqa: PLR0913
    path: Path,
    *,
    layer: str,
    store: Store,
    crs: str | None,
    encoding: str | None,
    swap_xy: bool,
    repair: bool,
    evidence: EvidenceOptions | None = None,
    reading: dict[str, Any] | None = None,
) -> tuple[bool, str, int | None]:
    more = _reading_arguments(store, reading)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LegacyEncodingWarning)
            if layer in RASTER_LAYERS or path.suffix.lower() in RASTER_SUFFIXES:
                if layer not in RASTER_LAYERS:
                    msg = (
                        f"{path.name}: a raster can only be imported as one of "
                        f"{', '.join(RASTER_LAYERS)}, not {layer!r}."
                    )
                    raise InputError(msg)  # noqa: TRY301
                check_raster(path, crs=crs, layer=layer)
                return True, f"{path.name}: raster {layer!r} is valid.", None
            validated = load_layer(
                path,
                layer=layer,
                crs=crs,
                encoding=encoding,
                swap_xy=swap_xy,
                repair=repair,
                context=store.validation_context(),
                evidence=evidence,
                **more,
            )
    except LayerValidationError as err:
        return False, err.report(), None
    except InputError as err:
        return False, f"error: {err}", None
    report = format_report(validated.source, validated.layer, validated.problems)
    count = len(validated.frame)
    return True, validation_text(report, count), count


def _reading_arguments(store: Store, reading: dict[str, Any] | None) -> dict[str, Any]:
    """Return the reading options of a table for ``load_layer``/``import_file``."""
    reading = reading or {}
    out: dict[str, Any] = {
        "sheet": reading.get("sheet") or None,
        "operator": reading.get("operator") or None,
        "columns": reading.get("columns") or None,
    }
    if reading.get("profile"):
        out["profile"] = store.profile(str(reading["profile"]))
    return out


def _provenance(context: Context) -> None:
    info = dataset_info(context.version)
    st.subheader(context.t("dataset_title"))
    cols = st.columns(3)
    cols[0].markdown(f"**{context.t('ds_name')}:** {info['name']}")
    cols[1].markdown(f"**{context.t('ds_as_of')}:** {fmt_date(info['as_of'])}")
    cols[2].markdown(f"**{context.t('ds_path')}:** `{info['path']}`")
    st.subheader(context.t("layers_title"))
    table = pd.DataFrame(
        [
            {
                context.t("c_layer"): layer_title(row["layer"], context.lang),
                context.t("c_count"): fmt_int(row["feature_count"], context.lang),
                context.t("c_as_of"): fmt_date(row["as_of"]),
                context.t("c_source"): row["source"],
                context.t("c_licence"): row["licence"],
                context.t("c_synthetic"): context.t("yes") if row["synthetic"] else context.t("no"),
            }
            for row in info["layers"]
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="data_layers")


def _signature(files: Sequence[Upload], options: dict[str, Any]) -> str:
    digest = hashlib.sha256(repr(sorted(options.items())).encode())
    for upload in files:
        digest.update(upload.name.encode())
        digest.update(upload.getvalue())
    return digest.hexdigest()


def _evidence_options(options: dict[str, Any]) -> EvidenceOptions:
    """Return the reading options of an evidence layer chosen on the page."""
    return EvidenceOptions(
        campaign=options.get("campaign") or None, strict=bool(options.get("strict"))
    )


def _import_form(context: Context, files: Sequence[Upload], options: dict[str, Any]) -> None:
    cols = st.columns(4)
    as_of = cols[0].date_input(
        context.t("upload_as_of"),
        value=dt.datetime.now(dt.UTC).date(),
        format="DD/MM/YYYY",
        key="upload_as_of",
    )
    source = cols[1].text_input(context.t("upload_source"), key="upload_source")
    licence = cols[2].text_input(context.t("upload_licence"), key="upload_licence")
    synthetic = cols[3].checkbox(context.t("upload_synthetic"), key="upload_synthetic")
    bulk = options["layer"] in BULK_LAYERS
    mode = st.radio(
        context.t("upload_mode"),
        options=["upsert", "replace"] if bulk else ["replace", "upsert"],
        format_func=lambda m: context.t("mode_batch" if bulk and m == "upsert" else f"mode_{m}"),
        horizontal=True,
        key="upload_mode_bulk" if bulk else "upload_mode",
    )
    existing = {
        row["layer"]: row["feature_count"]
        for row in dataset_info(context.version)["layers"]
        if row["kind"] == "vector"
    }
    if mode == "replace" and options["layer"] in existing:
        count = fmt_int(existing[options["layer"]], context.lang)
        st.caption(context.t("replace_warning", n=count))
    save_as = ""
    if options.get("table") and options["layer"] not in BULK_LAYERS:
        save_as = st.text_input(
            context.t("upload_save_profile"),
            help=context.t("upload_save_profile_help"),
            key="upload_save_profile",
        ).strip()
    if not st.button(context.t("import_btn"), key="upload_import", type="primary"):
        return
    store = Store(context.path)
    try:
        more = _reading_arguments(store, options.get("reading"))
        if "profile" in more and more["profile"] is None:
            more.pop("profile")
        with saved_upload(files) as path, warnings.catch_warnings():
            warnings.simplefilter("ignore", LegacyEncodingWarning)
            import_file(
                path,
                layer=options["layer"],
                into=store,
                as_of=as_of if isinstance(as_of, dt.date) else None,
                source=source or None,
                licence=licence or None,
                synthetic=bool(synthetic),
                mode="upsert" if mode == "upsert" else "replace",
                crs=options["crs"],
                encoding=options["encoding"],
                swap_xy=options["swap_xy"],
                repair=options["repair"],
                evidence=_evidence_options(options),
                save_profile=save_as or None,
                actor=context.user,
                **more,
                also=lambda tx, layer, features: audit.record(
                    tx,
                    context.user,
                    "import",
                    layer,
                    {
                        "files": [_safe_name(f.name) for f in files],
                        "mode": mode,
                        "features": features,
                        "source": "app",
                    },
                ),
            )
    except LayerValidationError as err:
        st.error(context.t("upload_invalid"))
        st.code(err.report(), language=None, wrap_lines=True)
        return
    except InputError as err:
        st.error(f"error: {err}")
        return
    st.session_state["upload_check"] = None
    flash = context.t("imported", layer=options["layer"], store=Path(store.location).name)
    if save_as:
        flash += " " + context.t("profile_saved", name=save_as)
    st.session_state["upload_flash"] = flash
    st.rerun()


def _upload(context: Context) -> None:  # noqa: C901 - one form, drawn in order
    st.subheader(context.t("upload_title"))
    flash = st.session_state.pop("upload_flash", None)
    if flash:
        st.success(flash)
    files = st.file_uploader(
        context.t("upload_file"),
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        help=context.t("upload_help"),
        key="upload_files",
    )
    layers = [*LAYERS, *RASTER_LAYERS]
    cols = st.columns(4)
    options: dict[str, Any] = {
        "layer": cols[0].selectbox(
            context.t("upload_layer"),
            options=layers,
            format_func=lambda name: f"{layer_title(name, context.lang)} ({name})",
            key="upload_layer",
        ),
        "crs": cols[1].selectbox(
            context.t("upload_crs"),
            options=list(CRS_CHOICES),
            format_func=lambda c: c or context.t("crs_auto"),
            key="upload_crs",
        ),
        "encoding": cols[2].selectbox(
            context.t("upload_encoding"),
            options=list(ENCODING_CHOICES),
            format_func=lambda e: e or context.t("enc_auto"),
            key="upload_encoding",
        ),
        "swap_xy": cols[3].checkbox(context.t("upload_swap"), key="upload_swap"),
        "repair": cols[3].checkbox(context.t("upload_repair"), key="upload_repair"),
    }
    if options["layer"] in BULK_LAYERS:
        st.caption(context.t("evidence_note"))
        more = st.columns(2)
        options["strict"] = more[0].checkbox(context.t("upload_strict"), key="upload_strict")
        if options["layer"] == "measurements":
            options["campaign"] = more[1].text_input(
                context.t("upload_campaign"),
                help=context.t("upload_campaign_help"),
                key="upload_campaign",
            )
    options["crs"] = options["crs"] or None
    options["encoding"] = options["encoding"] or None
    names = [f.name for f in files or []]
    options["table"] = Path(main_file(names) or "").suffix.lower() in TABLE_SUFFIXES
    mappable = (
        options["table"] and options["layer"] in LAYERS and options["layer"] not in BULK_LAYERS
    )
    options["reading"] = _table_options(context, options["layer"], files) if mappable else {}
    again = st.session_state.pop("upload_recheck", False)
    if st.button(context.t("validate_btn"), key="upload_validate") or again:
        if not files:
            st.info(context.t("upload_pick"))
            return
        store = Store(context.path)
        try:
            with saved_upload(files) as path:
                valid, text, count = validation_report(
                    path,
                    layer=options["layer"],
                    store=store,
                    crs=options["crs"],
                    encoding=options["encoding"],
                    swap_xy=options["swap_xy"],
                    repair=options["repair"],
                    evidence=_evidence_options(options),
                    reading=options["reading"],
                )
        except InputError as err:
            valid, text, count = False, f"error: {err}", None
        st.session_state["upload_check"] = {
            "signature": _signature(files, options),
            "valid": valid,
            "text": text,
            "count": count,
        }
    check = st.session_state.get("upload_check")
    if not check or not files or check["signature"] != _signature(files, options):
        return
    st.markdown(f"**{context.t('report_title')}**")
    if check["valid"]:
        if check["count"] is None:
            st.success(context.t("upload_raster_ok"))
        else:
            st.success(context.t("upload_valid", n=fmt_int(check["count"], context.lang)))
        st.code(check["text"], language=None, wrap_lines=True)
        _import_form(context, files, options)
    else:
        st.error(context.t("upload_invalid"))
        st.code(check["text"], language=None, wrap_lines=True)
        if mappable:
            _manual_mapping(context, files, options)


def _files_digest(files: Sequence[Upload]) -> str:
    return _signature(files, {})


def _table_options(context: Context, layer: str, files: Sequence[Upload]) -> dict[str, Any]:
    """Draw the choices of a table: sheet, the file's operator, a saved import profile."""
    cols = st.columns(3)
    reading: dict[str, Any] = {
        "sheet": cols[0]
        .text_input(
            context.t("upload_sheet"), help=context.t("upload_sheet_help"), key="upload_sheet"
        )
        .strip()
        or None
    }
    if "operator" in LAYERS[layer].columns:
        operators = ["", *(k for k in OPERATORS if k != "Shared")]
        reading["operator"] = (
            cols[1].selectbox(
                context.t("upload_operator"),
                options=operators,
                format_func=lambda k: OPERATOR_NAMES.get(k) or context.t("operator_auto"),
                help=context.t("upload_operator_help"),
                key="upload_operator",
            )
            or None
        )
    try:
        saved = [p.name for p in Store(context.path).profiles() if LAYERS[layer].name == p.layer]
    except InputError:
        saved = []
    if saved:
        reading["profile"] = (
            cols[2].selectbox(
                context.t("upload_profile"),
                options=["", *saved],
                format_func=lambda n: n or context.t("profile_none"),
                key="upload_profile",
            )
            or None
        )
    manual = st.session_state.get("upload_columns")
    if manual and manual["files"] == _files_digest(files) and manual["layer"] == layer:
        reading["columns"] = manual["columns"]
    return reading


def _manual_mapping(context: Context, files: Sequence[Upload], options: dict[str, Any]) -> None:
    """Let the user map the table's columns with dropdowns over its first rows."""
    layer = options["layer"]
    reading = options["reading"]
    st.markdown(f"**{context.t('colmap_title')}**")
    st.caption(context.t("colmap_help"))
    try:
        with saved_upload(files) as path:
            preview = preview_table(
                path, layer=layer, sheet=reading.get("sheet"), encoding=options["encoding"]
            )
    except InputError as err:
        st.error(f"error: {err}")
        return
    if preview.notes:
        st.caption("\n\n".join(preview.notes))
    st.dataframe(preview.head, hide_index=True, key="colmap_preview")
    schema = LAYERS[layer]
    targets = [c for c, spec in schema.columns.items() if spec.required]
    if reading.get("operator") and "operator" in targets:
        targets.remove("operator")  # the whole file's, chosen above
    targets += ["x", "y"]
    current = reading.get("columns") or preview.suggested
    choices = ["", *preview.columns]
    grid = st.columns(4)
    mapping: dict[str, str] = {}
    for i, target in enumerate(targets):
        default = current.get(target, "")
        picked = grid[i % 4].selectbox(
            context.t(f"colmap_{target}") if target in ("x", "y") else target,
            options=choices,
            index=choices.index(default) if default in choices else 0,
            format_func=lambda c: c or context.t("colmap_none"),
            key=f"colmap_{target}",
        )
        if picked:
            mapping[target] = str(picked)
    if st.button(context.t("colmap_validate"), key="colmap_validate"):
        st.session_state["upload_columns"] = {
            "files": _files_digest(files),
            "layer": layer,
            "columns": mapping,
        }
        st.session_state["upload_recheck"] = True
        st.rerun()


def draw(context: Context) -> None:
    """Draw the Data page (uploading and importing is the department's)."""
    st.header(context.t("data_title"))
    _provenance(context)
    targetspage.draw_section(context)
    if context.role.can_import:
        _upload(context)
