"""What every page shares: the language, the store, the selected area and the header.

The sidebar holds the page, the language and the drill-down (province → district →
commune); the header always shows the data set's date and the synthetic label. Every
widget has a ``key`` so that reruns keep their state.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import streamlit as st

from geodata import HatangsoError
from hatangso.access import AccessDenied, Role, check_layer_request, visible_operators
from hatangso.formatting import fmt_date, layer_title
from ui.auth import deny
from ui.data import (
    StoreVersion,
    calibrations,
    coverage_result,
    dataset_info,
    operator_name,
    organisation,
    units_table,
)
from ui.i18n import LANGUAGES, tr

__all__ = [
    "ALL",
    "PAGES",
    "Context",
    "calibration_choice",
    "covered_rule",
    "guarded",
    "header",
    "language",
    "operator_choice",
    "page_choice",
    "period_choice",
    "selection",
    "show_rule",
    "store_path",
]

log = logging.getLogger(__name__)

#: Page ids in menu order.
PAGES = (
    "overview",
    "progress",
    "map",
    "gaps",
    "evidence",
    "plans",
    "resilience",
    "review",
    "data",
    "audit",
)

#: Pages only some roles see (the others see every page).
PAGE_ROLES: dict[str, tuple[str, ...]] = {"audit": ("department",)}

DEFAULT_STORE = "data/bd.gpkg"


@dataclass(frozen=True)
class Context:
    """The page's language, the store version and the selected area.

    Attributes
    ----------
    lang
        ``"vi"`` or ``"en"``.
    version
        The store, the period shown and the store's version token (the key of every
        cache).
    district, commune
        Selected ``unit_id`` s, ``None`` for all.
    role
        The signed-in user's role (what every page shows and allows goes by it).
    user
        The signed-in username (the actor of the audit trail).
    """

    lang: str
    version: StoreVersion
    district: str | None = None
    commune: str | None = None
    role: Role = field(default_factory=lambda: Role("viewer"))
    user: str = ""

    @property
    def scope(self) -> str | None:
        """The operator whose network alone the role sees, ``None`` when it sees all."""
        return None if self.role.sees_all_operators else self.role.operator

    def deny(self, err: AccessDenied) -> None:
        """Refuse a request: show why and record it in the audit trail."""
        deny(self.path, self.user, self.role, err, self.lang)

    @property
    def path(self) -> str:
        """The store's path."""
        return self.version.path

    @property
    def period(self) -> str | None:
        """The period shown (``YYYY-MM-DD``)."""
        return self.version.period

    @property
    def selected(self) -> str | None:
        """The innermost selected unit (commune, else district), ``None`` for the province."""
        return self.commune or self.district

    def unit_name(self, unit_id: str | None = None) -> str:
        """Return the name of a unit (default: the selection; the province when none)."""
        units = units_table(self.version)
        wanted = unit_id or self.selected
        if wanted is None:
            province = units[units["level"] == "province"]
            return (
                str(province["name"].iloc[0]) if len(province) else tr("all_districts", self.lang)
            )
        match = units.loc[units["unit_id"] == wanted, "name"]
        return str(match.iloc[0]) if len(match) else wanted

    def t(self, key: str, **fields: object) -> str:
        """Translate ``key`` into the page's language."""
        return tr(key, self.lang, **fields)

    def within(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Keep the rows of ``frame`` (with ``district_id``/``commune_id``) in the selection."""
        if self.commune and "commune_id" in frame:
            return frame[frame["commune_id"].astype(str) == self.commune]
        if self.district and "district_id" in frame:
            return frame[frame["district_id"].astype(str) == self.district]
        return frame


def store_path() -> str:
    """Return the store path from ``--store`` after ``--``, or ``HATANGSO_STORE``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    args, _ = parser.parse_known_args(sys.argv[1:])
    return str(args.store or os.environ.get("HATANGSO_STORE", DEFAULT_STORE))


def _from_query(name: str, allowed: tuple[str, ...]) -> None:
    """Start a widget on the value given in the URL (``?page=map&lang=en``), once."""
    value = st.query_params.get(name)
    if name not in st.session_state and value in allowed:
        st.session_state[name] = value


def language() -> str:
    """Draw the language switch; return ``"vi"`` or ``"en"``."""
    _from_query("lang", tuple(LANGUAGES))
    choice = st.sidebar.radio(
        "Ngôn ngữ / Language",
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGES[code],
        horizontal=True,
        key="lang",
    )
    return str(choice or "vi")


def pages_for(role: Role) -> tuple[str, ...]:
    """Return the pages a role sees, in menu order."""
    return tuple(p for p in PAGES if role.kind in PAGE_ROLES.get(p, (role.kind,)))


def page_choice(lang: str, role: Role) -> str:
    """Draw the page menu (the role's pages); return the page id."""
    pages = pages_for(role)
    _from_query("page", pages)
    if st.session_state.get("page") not in pages:
        st.session_state["page"] = pages[0]
    choice = st.sidebar.radio(
        tr("page", lang),
        options=list(pages),
        format_func=lambda page: tr(f"page_{page}", lang),
        key="page",
    )
    return str(choice or pages[0])


def operator_choice(context: Context, operators: list[str], key: str) -> str | None:
    """Draw an operator chooser limited to what the role sees; return the operator.

    The choices are "all operators" and the operators of :func:`visible_operators`. A
    value asked for in the URL (``?operator=Viettel``) or put into the session by other
    means is checked with :func:`check_layer_request` first: another operator's figures
    are refused with a message, recorded in the audit trail, and not shown.

    Parameters
    ----------
    context
        The page's context.
    operators
        The operators present in the store.
    key
        The widget key.

    Returns
    -------
    str or None
        The operator chosen, ``None`` for all operators.
    """
    allowed = set(visible_operators(context.role))
    choices = [ALL, *(op for op in operators if op in allowed)]
    asked = st.query_params.get("operator")
    if asked is not None and st.session_state.get(f"{key}_query") != asked:
        st.session_state[f"{key}_query"] = asked
        st.session_state[key] = asked
    wanted = st.session_state.get(key)
    if wanted not in (None, ALL):
        try:
            scope = check_layer_request(context.role, "coverage", operator=str(wanted))
        except AccessDenied as err:
            context.deny(err)
            st.session_state[key] = ALL
        else:
            canonical = scope or wanted
            st.session_state[key] = canonical if canonical in choices else ALL
    choice = st.columns([1, 2])[0].selectbox(
        context.t("operator_view"),
        options=choices,
        format_func=lambda op: operator_name(op) if op else context.t("all_operators"),
        key=key,
    )
    return str(choice) if choice else None


#: The "everything" choice of a selectbox (``None`` would read as "nothing chosen").
ALL = ""


def period_choice(periods: list[str], lang: str) -> str | None:
    """Draw the period chooser (newest first, default the latest); return the period.

    A store with one period shows it without a choice; ``?period=2024-06-30`` in the URL
    starts on that period.
    """
    if not periods:
        return None
    options = sorted(periods, reverse=True)
    _from_query("period", tuple(options))
    if st.session_state.get("period") not in options:
        st.session_state["period"] = options[0]
    choice = st.sidebar.selectbox(
        tr("period", lang),
        options=options,
        format_func=fmt_date,
        key="period",
        disabled=len(options) == 1,
        help=tr("period_help", lang),
    )
    return str(choice or options[0])


def calibration_choice(version: StoreVersion, lang: str) -> str | None:
    """Draw the model chooser (uncalibrated, or a calibration saved in the period).

    Nothing is drawn when the period holds no calibration; the choice is kept per session.
    """
    names = calibrations(version)
    if not names:
        return None
    options = [ALL, *names]
    if st.session_state.get("calibration") not in options:
        st.session_state["calibration"] = ALL
    choice = st.sidebar.selectbox(
        tr("calibration", lang),
        options=options,
        format_func=lambda name: name or tr("calibration_none", lang),
        key="calibration",
        help=tr("calibration_help", lang),
    )
    return str(choice) or None


def _reset_commune() -> None:
    st.session_state["commune"] = ALL


def _commune_only(units: pd.DataFrame, names: dict[str, str], lang: str) -> str | None:
    """Draw the commune choice of a layout without districts; return its id."""
    communes = units[units["level"] == "commune"].sort_values("name")
    _from_query("commune", tuple(communes["unit_id"]))
    commune_ids = [ALL, *communes["unit_id"].tolist()]
    if st.session_state.get("commune") not in commune_ids:
        st.session_state["commune"] = ALL
    commune = st.sidebar.selectbox(
        tr("commune_2025", lang),
        options=commune_ids,
        format_func=lambda uid: names[uid] if uid else tr("all_districts", lang),
        key="commune",
    )
    return commune or None


def selection(version: StoreVersion, lang: str) -> tuple[str | None, str | None]:
    """Draw the drill-down (district, then commune); return the selected ids."""
    units = units_table(version)
    districts = units[units["level"] == "district"].sort_values("name")
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    st.sidebar.subheader(tr("area", lang))
    if not len(districts):  # two-tier layout (since 01/07/2025): province → xã/phường
        return None, _commune_only(units, names, lang)
    _from_query("district", tuple(districts["unit_id"]))
    district_ids = [ALL, *districts["unit_id"].tolist()]
    if st.session_state.get("district") not in district_ids:
        st.session_state["district"] = ALL
    district = st.sidebar.selectbox(
        tr("district", lang),
        options=district_ids,
        format_func=lambda uid: names[uid] if uid else tr("all_districts", lang),
        key="district",
        on_change=_reset_commune,
    )
    communes = units[(units["level"] == "commune") & (units["parent_id"] == district)]
    commune_ids = [ALL, *communes.sort_values("name")["unit_id"].tolist()]
    if st.session_state.get("commune") not in commune_ids:
        st.session_state["commune"] = ALL
    commune = st.sidebar.selectbox(
        tr("commune", lang),
        options=commune_ids,
        format_func=lambda uid: names[uid] if uid else tr("all_communes", lang),
        key="commune",
        disabled=not district,
    )
    return (district or None), (commune or None)


def province_name(version: StoreVersion) -> str:
    """Return the period's province without "Tỉnh" (Gia Lai from 1 July 2025)."""
    units = units_table(version)
    names = units.loc[units["level"] == "province", "name"].astype(str)
    name = names.iloc[0] if len(names) else "Bình Định"
    return name.removeprefix("Tỉnh ").strip() or name


def header(context: Context) -> None:
    """Draw the department, the title, the data set's date and the synthetic label.

    On every page; the department is the one in force on the period's date.
    """
    info = dataset_info(context.version)
    org = organisation(context.version)
    if org is not None:  # the department of the period's date (hatangso.targets)
        st.markdown(f"**{org['name'].upper()}**")
    st.title(context.t("app_title_of", province=province_name(context.version)))
    periods = info.get("periods") or []
    latest = not periods or info["as_of"] == max(periods)
    st.caption(
        context.t(
            "dataset_line" if latest else "dataset_line_past",
            name=info["name"],
            as_of=fmt_date(info["as_of"]),
            n=len(periods),
        )
    )
    synthetic = [
        layer_title(row["layer"], context.lang)
        for row in info["layers"]
        if row["synthetic"] and not str(row["layer"]).startswith("coverage_")
    ]
    if synthetic:
        st.warning(context.t("synthetic_label", layers=", ".join(synthetic)), icon="⚠️")


def guarded(draw: Callable[[Context], None], context: Context) -> None:
    """Draw a page; an unexpected error shows a message, never a traceback."""
    try:
        draw(context)
    except HatangsoError as err:  # the user's data or input: its message says what to do
        st.error(context.t("input_error", reason=err))
    except Exception as err:
        log.exception("page failed")
        st.error(context.t("internal_error", kind=type(err).__name__))


def covered_rule(context: Context) -> str:
    """Return what "covered" means for 4G and 5G in the figures shown, in the page's language.

    Parameters
    ----------
    context
        The page's context (its store version and language).

    Returns
    -------
    str
        E.g. "Có sóng 4G: ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm; 5G: …", from the
        coverage result's own rule (:meth:`coverage.engine.CoverageResult.rule`), then
        where the clutter came from (land cover, or its absence:
        :meth:`coverage.engine.CoverageResult.clutter_note`), which model produced the
        figures (:meth:`coverage.engine.CoverageResult.model_note`), and a warning when
        sites or points lie outside the elevation raster
        (:meth:`coverage.engine.CoverageResult.terrain_warning`).
    """
    lang: Literal["vi", "en"] = "vi" if context.lang == "vi" else "en"
    result = coverage_result(context.version)
    rules = {f"rule_{t.lower()}": result.rule(t, language=lang) for t in ("4G", "5G")}
    text = context.t("covered_rule", **rules, village=result.settings.village_rule(lang))
    text += " " + result.clutter_note(language=lang)
    text += " " + context.t("model_line", model=result.model_note(language=lang))
    warning = result.terrain_warning(lang)  # sites or points outside the elevation raster
    return f"{text} ⚠️ {warning}" if warning else text


#: The model card, beside the app in a checkout (``docs/MODEL.md``).
MODEL_CARD = Path(__file__).resolve().parents[1] / "docs" / "MODEL.md"


def show_rule(context: Context) -> None:
    """Show what "covered" means (:func:`covered_rule`) and the model card, folded.

    Parameters
    ----------
    context
        The page's context.
    """
    st.caption(covered_rule(context))
    with st.expander(context.t("model_card")):
        try:
            text = MODEL_CARD.read_text(encoding="utf-8")
        except OSError:
            st.info(context.t("model_card_missing"))
        else:
            st.markdown(text)
