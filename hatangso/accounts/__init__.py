"""Accounts, passwords, sign-in with a lockout, and sessions.

Accounts live in the store (table ``hatangso_users``): a username, a role
(:class:`hatangso.access.Role`), the password's Argon2id hash (salted, memory-hard; never
the password), who created the account and when, and a ``disabled`` flag. There is no
built-in account and no default password: the first department account is created with
``hatangso users add NAME --role department --store STORE``.

Failed sign-ins are counted per username in the store (``hatangso_signin_failures``), so a
new browser session does not reset them: after :data:`MAX_FAILURES` failures within
:data:`LOCK_WINDOW`, the username is locked until the oldest of them is older than the
window. The check and the count cannot be raced: every attempt checks the lock and
records itself as a failure in one serialised transaction *before* the (slow, unserialised)
Argon2 verification, and a successful one clears the username's failures afterwards, so
parallel guesses get :data:`MAX_FAILURES` tries at most. A wrong password, an unknown
username and a disabled account give the same message, take about the same time (an
unknown user is verified against a dummy hash) and are counted and locked alike, so
usernames and disabled accounts cannot be probed. Every sign-in, failure and refusal is
audited. Accounts are disabled and enabled again with :func:`disable_user` and
:func:`enable_user` (``hatangso users disable|enable``) without being removed.

Modules
-------
:mod:`~hatangso.accounts.users`
    Managing accounts: :func:`add_user`, :func:`remove_user`, :func:`disable_user`,
    :func:`enable_user`, :func:`set_password`, :func:`list_users`, :func:`get_user`.
:mod:`~hatangso.accounts.signin`
    :func:`authenticate`: the sign-in, its failure count and lockout.
:mod:`~hatangso.accounts.sessions`
    :class:`Session`, :func:`start_session`, :func:`session_valid`.
:mod:`~hatangso.accounts.passwords`
    The password policy (:func:`check_password`) and Argon2id hashing.
:mod:`~hatangso.accounts.model`
    :class:`Account`, the tables, the username rule (:func:`normalize_username`).
"""

from hatangso.access import Role as Role
from hatangso.access import RoleError as RoleError
from hatangso.accounts.model import FAILURES_TABLE as FAILURES_TABLE
from hatangso.accounts.model import USERS_TABLE as USERS_TABLE
from hatangso.accounts.model import Account as Account
from hatangso.accounts.model import AccountError as AccountError
from hatangso.accounts.model import normalize_username as normalize_username
from hatangso.accounts.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from hatangso.accounts.passwords import check_password as check_password
from hatangso.accounts.sessions import Session as Session
from hatangso.accounts.sessions import session_valid as session_valid
from hatangso.accounts.sessions import start_session as start_session
from hatangso.accounts.signin import LOCK_WINDOW as LOCK_WINDOW
from hatangso.accounts.signin import MAX_FAILURES as MAX_FAILURES
from hatangso.accounts.signin import SignInError as SignInError
from hatangso.accounts.signin import SignInLocked as SignInLocked
from hatangso.accounts.signin import authenticate as authenticate
from hatangso.accounts.users import add_user as add_user
from hatangso.accounts.users import disable_user as disable_user
from hatangso.accounts.users import enable_user as enable_user
from hatangso.accounts.users import get_user as get_user
from hatangso.accounts.users import list_users as list_users
from hatangso.accounts.users import remove_user as remove_user
from hatangso.accounts.users import set_password as set_password

__all__ = [
    "FAILURES_TABLE",
    "LOCK_WINDOW",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "USERS_TABLE",
    "Account",
    "AccountError",
    "Role",
    "RoleError",
    "Session",
    "SignInError",
    "SignInLocked",
    "add_user",
    "authenticate",
    "check_password",
    "disable_user",
    "enable_user",
    "get_user",
    "list_users",
    "normalize_username",
    "remove_user",
    "session_valid",
    "set_password",
    "start_session",
]
