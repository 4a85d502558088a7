"""Sign-in, sessions and refusals: the gate every page passes first.

Nothing of the data set is drawn before a user signs in. A session (a
:class:`hatangso.accounts.Session`) lives in ``st.session_state`` under
:data:`SESSION_KEY`; on every rerun it is checked (idle 30 minutes, 8 hours at most),
touched, and its account is looked up again, so that a removed, disabled or re-roled
account is signed out at its next click. There is no built-in account and no default
password: a store without accounts says how to create the first one.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import streamlit as st

from geodata import HatangsoError, Store
from hatangso import accounts, audit
from hatangso.access import AccessDenied, Role
from hatangso.targets import organisation_for
from ui.i18n import tr

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

__all__ = [
    "SESSION_KEY",
    "current_session",
    "deny",
    "sign_in_page",
    "sign_out",
    "user_box",
]

log = logging.getLogger(__name__)

#: Where the session is kept in ``st.session_state``.
SESSION_KEY = "auth_session"
_NOTICE_KEY = "auth_notice"


def _drop_session() -> None:
    """Forget the session and every widget state of the signed-out user."""
    lang = st.session_state.get("lang")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if lang:
        st.session_state["lang"] = lang


def sign_out(path: str, reason: str | None = None) -> None:
    """Sign the current user out (audited as ``sign_out``) and keep ``reason`` to show.

    Parameters
    ----------
    path
        The store.
    reason
        The key of the message shown on the sign-in page (``None``: signed out by choice).
    """
    session = st.session_state.get(SESSION_KEY)
    if isinstance(session, accounts.Session):
        try:
            detail = {"reason": reason or "user"}
            audit.record(Store(path), session.username, "sign_out", session.username, detail)
        except (HatangsoError, OSError):
            log.warning("could not record the sign-out of %s", session.username)
    _drop_session()
    st.session_state[_NOTICE_KEY] = reason or "signed_out"


def current_session(path: str, lang: str) -> accounts.Session | None:
    """Return the valid session of this browser tab, or ``None`` (then sign in).

    An expired session, or one whose account was removed, disabled or given another
    role, is signed out with a message.

    Parameters
    ----------
    path
        The store.
    lang
        The page's language (unused, kept for symmetry with the pages).

    Returns
    -------
    Session or None
    """
    del lang
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, accounts.Session):
        return None
    if not accounts.session_valid(session):
        sign_out(path, "session_expired")
        return None
    account = accounts.get_user(Store(path), session.username)
    if account is None or account.disabled or account.role != session.role:
        sign_out(path, "session_account_changed")
        return None
    session = session.touch()
    st.session_state[SESSION_KEY] = session
    return session


def sign_in_page(path: str, lang: str) -> None:
    """Draw the sign-in page (the only thing a signed-out user sees).

    On success the session is started and the script reruns into the app.

    Parameters
    ----------
    path
        The store (already checked to open).
    lang
        The page's language.
    """
    st.title(tr("app_title", lang))
    st.subheader(tr("signin_title", lang))
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.info(tr(notice, lang))
    store = Store(path)
    if not accounts.list_users(store):
        st.warning(tr("signin_no_accounts", lang))
        st.code(f"hatangso users add NAME --role department --store {path}", language="bash")
        return
    with st.form("signin_form", clear_on_submit=False):
        username = st.text_input(tr("signin_user", lang), key="signin_user", max_chars=64)
        password = st.text_input(
            tr("signin_password", lang), type="password", key="signin_password", max_chars=1024
        )
        submitted = st.form_submit_button(tr("signin_button", lang), type="primary")
    if not submitted:
        return
    try:
        account = accounts.authenticate(store, username, password)
    except accounts.SignInLocked as err:
        st.error(tr("signin_locked", lang, reason=err))
        return
    except accounts.SignInError as err:
        st.error(tr("signin_failed", lang, reason=err))
        return
    # A new session: nothing of an earlier user's widgets is kept.
    _drop_session()
    st.session_state[SESSION_KEY] = accounts.start_session(account)
    st.rerun()


def user_box(path: str, session: accounts.Session, lang: str) -> None:
    """Draw who is signed in, in which role, and the sign-out button (sidebar).

    Parameters
    ----------
    path
        The store.
    session
        The current session.
    lang
        The page's language.
    """
    role = session.role
    label = tr(f"role_{role.kind}", lang)
    if role.kind == "department":  # the department as it is named today
        today = organisation_for(Store(path), dt.datetime.now(ZONE).date())
        label = today.short_name if today is not None else label
    if role.operator:
        label = f"{label} {role.operator}"
    st.sidebar.markdown(
        tr("signed_in_as", lang, user=session.username, role=label),
    )
    if st.sidebar.button(tr("signout_button", lang), key="signout"):
        sign_out(path)
        st.rerun()


def deny(path: str, actor: str, role: Role, err: AccessDenied, lang: str) -> None:
    """Refuse a request: show why and record it (``access_denied``) in the audit trail.

    Parameters
    ----------
    path
        The store.
    actor
        Who asked.
    role
        In which role.
    err
        The refusal from :mod:`hatangso.access`.
    lang
        The page's language.
    """
    st.error(tr("access_denied", lang, reason=err))
    try:
        audit.record(Store(path), actor, "access_denied", str(role), {"reason": str(err)})
    except (HatangsoError, OSError):
        log.warning("could not record a refusal for %s", actor)
