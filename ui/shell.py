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
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from geodata import HatangsoError
from ui.data import StoreVersion, dataset_info, layer_title, units_table
from ui.i18n import LANGUAGES, fmt_date, tr

__all__ = [
    "ALL",
    "PAGES",
    "Context",
    "guarded",
    "header",
    "language",
    "page_choice",
    "period_choice",
    "selection",
    "store_path",
]

log = logging.getLogger(__name__)

#: Page ids in menu order.
PAGES = ("overview", "progress", "map", "gaps", "plans", "data")

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
    """

    lang: str
    version: StoreVersion
    district: str | None = None
    commune: str | None = None

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


def page_choice(lang: str) -> str:
    """Draw the page menu; return the page id."""
    _from_query("page", PAGES)
    choice = st.sidebar.radio(
        tr("page", lang),
        options=list(PAGES),
        format_func=lambda page: tr(f"page_{page}", lang),
        key="page",
    )
    return str(choice or PAGES[0])


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


def _reset_commune() -> None:
    st.session_state["commune"] = ALL


def selection(version: StoreVersion, lang: str) -> tuple[str | None, str | None]:
    """Draw the drill-down (district, then commune); return the selected ids."""
    units = units_table(version)
    districts = units[units["level"] == "district"].sort_values("name")
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    st.sidebar.subheader(tr("area", lang))
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


def header(context: Context) -> None:
    """Draw the title, the data set's date and the synthetic label (on every page)."""
    info = dataset_info(context.version)
    st.title(context.t("app_title"))
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
