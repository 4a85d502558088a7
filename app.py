"""Hạ tầng số — the Streamlit app.

Run: ``streamlit run app.py -- --store data/bd.gpkg`` (or set ``HATANGSO_STORE``).

The app only calls :mod:`geodata`, :mod:`coverage` and :mod:`planner` and draws. Pages:
Tổng quan (overview of the targets), Tiến độ (progress over the periods), Bản đồ (map),
Vùng lõm (gaps), Quy hoạch (plans), Ứng cứu thông tin (resilience), Thẩm định (review),
Dữ liệu (data) and Nhật ký (audit, the department's). Their code is in :mod:`ui`; this
file sets the page up, signs the user in (nothing of the data is drawn before), reads the
store, draws the sidebar (who is signed in, page, language, period, area) and the header,
and hands over to the chosen page with the user's role in its context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from geodata import HatangsoError, Store
from ui import (
    auditpage,
    datapage,
    evidencepage,
    gaps,
    mappage,
    overview,
    plans,
    progress,
    resiliencepage,
    reviewpage,
)
from ui.auth import current_session, sign_in_page, user_box
from ui.data import store_periods, store_version
from ui.i18n import tr
from ui.shell import (
    Context,
    calibration_choice,
    guarded,
    header,
    language,
    page_choice,
    period_choice,
    selection,
    store_path,
)

log = logging.getLogger("hatangso.app")

PAGE_DRAW: dict[str, Callable[[Context], None]] = {
    "overview": overview.draw,
    "progress": progress.draw,
    "map": mappage.draw,
    "gaps": gaps.draw,
    "evidence": evidencepage.draw,
    "plans": plans.draw,
    "resilience": resiliencepage.draw,
    "review": reviewpage.draw,
    "data": datapage.draw,
    "audit": auditpage.draw,
}


def main() -> None:
    """Draw the page."""
    # The server's log gets the packages' warnings and the pages' caught errors (the
    # page itself only ever shows a message); a no-op on reruns.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    st.set_page_config(page_title="Hạ tầng số — Bình Định", page_icon="📶", layout="wide")
    lang = language()
    path = store_path()
    try:
        Store(path).check()
        session = current_session(path, lang)
    except (HatangsoError, OSError) as err:
        st.title(tr("app_title", lang))
        st.error(tr("store_missing", lang, path=path, reason=err))
        return
    if session is None:
        sign_in_page(path, lang)
        return
    user_box(path, session, lang)
    page = page_choice(lang, session.role)
    try:
        period = period_choice(store_periods(path), lang)
        version = store_version(path, period)
        calibration = calibration_choice(version, lang)
        if calibration:
            version = store_version(path, period, calibration)
        district, commune = selection(version, lang)
    except (HatangsoError, OSError) as err:
        st.title(tr("app_title", lang))
        st.error(tr("store_missing", lang, path=path, reason=err))
        return
    context = Context(
        lang=lang,
        version=version,
        district=district,
        commune=commune,
        role=session.role,
        user=session.username,
    )
    guarded(header, context)
    guarded(PAGE_DRAW[page], context)


main()
