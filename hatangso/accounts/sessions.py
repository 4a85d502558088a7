"""Sessions in the app: started at a sign-in, valid until idle or too old.

A :class:`Session` is kept by the app (in the browser session's state), never in the
store: :func:`start_session` makes one for the account
:func:`~hatangso.accounts.signin.authenticate` returned, and :func:`session_valid` says
whether it has expired (idle for 30 minutes, or signed in 8 hours ago, by default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from hatangso.access import Role
from hatangso.accounts.model import Account, as_utc

__all__ = [
    "Session",
    "session_valid",
    "start_session",
]


@dataclass(frozen=True)
class Session:
    """A signed-in user's session in the app.

    Parameters
    ----------
    username
        The account.
    role
        Its role when it signed in.
    signed_in_at
        When it signed in (UTC).
    last_seen
        Its last request (UTC).
    """

    username: str
    role: Role
    signed_in_at: dt.datetime
    last_seen: dt.datetime

    def touch(self, now: dt.datetime | None = None) -> Session:
        """Return the session seen again at ``now`` (default now).

        Parameters
        ----------
        now
            The time of the request.

        Returns
        -------
        Session
        """
        return dataclasses.replace(self, last_seen=as_utc(now))


def start_session(account: Account, now: dt.datetime | None = None) -> Session:
    """Return a new session for an account that just signed in.

    Parameters
    ----------
    account
        From :func:`authenticate`.
    now
        The time of the sign-in (default now).

    Returns
    -------
    Session
    """
    moment = as_utc(now)
    return Session(account.username, account.role, moment, moment)


def session_valid(
    session: Session,
    now: dt.datetime | None = None,
    *,
    idle_minutes: float = 30,
    absolute_hours: float = 8,
) -> bool:
    """Return whether a session is still valid.

    Parameters
    ----------
    session
        The session.
    now
        The time of the request (default now).
    idle_minutes
        A session unused this long has expired.
    absolute_hours
        A session this old has expired, however busy.

    Returns
    -------
    bool
    """
    moment = as_utc(now)
    if moment - as_utc(session.last_seen) >= dt.timedelta(minutes=idle_minutes):
        return False
    return moment - as_utc(session.signed_in_at) < dt.timedelta(hours=absolute_hours)
