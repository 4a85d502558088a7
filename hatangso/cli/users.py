"""``hatangso users add|remove|list|passwd|disable|enable``: the app's accounts.

A password is never taken as an argument (it would sit in the shell's history and in
``ps``): it is typed twice at a hidden prompt, or read from the first line of standard
input with ``--password-stdin`` (for scripts). Every change is audited with the actor
``cli:<os user>``. Errors (a bad name, password or role, a missing store) are
:class:`~geodata.errors.InputError`: ``hatangso`` prints them and exits with 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, TextIO

from hatangso.cli.common import EXIT_OK, cli_actor

if TYPE_CHECKING:  # the handlers import the store when they run: `hatangso --help` stays fast
    from geodata.store import Store

__all__ = ["register"]


def _store(args: argparse.Namespace, *, existing: bool = False) -> Store:
    from geodata.store import Store

    store = Store(args.store)
    if existing:
        store.check()  # before asking for a password
    return store


def _read_password(args: argparse.Namespace, stdin: TextIO | None = None) -> str:
    from hatangso.accounts import AccountError

    if args.password_stdin:
        line = (stdin or sys.stdin).readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            msg = "--password-stdin: standard input gave no password (one line expected)."
            raise AccountError(msg)
        return password
    first = getpass.getpass(f"password for {args.username}: ")
    second = getpass.getpass("again: ")
    if first != second:
        msg = "the two passwords differ; nothing was changed."
        raise AccountError(msg)
    return first


def _print_json(payload: object) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201


def _cmd_add(args: argparse.Namespace) -> int:
    from hatangso.access import Role
    from hatangso.accounts import add_user, normalize_username

    normalize_username(args.username)  # name and role are checked before the password
    Role.parse(args.role)
    store = _store(args, existing=True)
    password = _read_password(args)
    account = add_user(store, args.username, args.role, password, actor=cli_actor())
    if args.json:
        _print_json({"ok": True, "user": account.as_dict()})
    else:
        print(  # noqa: T201
            f"added user {account.username!r} ({account.role}) to {store.location}."
        )
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace) -> int:
    from hatangso.accounts import remove_user

    store = _store(args)
    remove_user(store, args.username, actor=cli_actor())
    if args.json:
        _print_json({"ok": True, "removed": args.username})
    else:
        print(f"removed user {args.username!r} from {store.location}.")  # noqa: T201
    return EXIT_OK


def _cmd_passwd(args: argparse.Namespace) -> int:
    from hatangso.accounts import set_password

    store = _store(args, existing=True)
    password = _read_password(args)
    set_password(store, args.username, password, actor=cli_actor())
    if args.json:
        _print_json({"ok": True, "user": args.username})
    else:
        print(f"password of {args.username!r} changed in {store.location}.")  # noqa: T201
    return EXIT_OK


def _cmd_set_state(args: argparse.Namespace) -> int:
    from hatangso.accounts import disable_user, enable_user

    store = _store(args, existing=True)
    change = disable_user if args.users_command == "disable" else enable_user
    account = change(store, args.username, actor=cli_actor())
    state = "disabled" if account.disabled else "enabled"
    if args.json:
        _print_json({"ok": True, "user": account.as_dict()})
    else:
        print(f"user {account.username!r} is {state} in {store.location}.")  # noqa: T201
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    from hatangso.accounts import list_users

    store = _store(args)
    accounts = list_users(store)
    if args.json:
        _print_json({"ok": True, "users": [a.as_dict() for a in accounts]})
        return EXIT_OK
    if not accounts:
        print(  # noqa: T201
            f"{store.location}: no accounts. Add one with "
            f"`hatangso users add NAME --role department --store {store.location}`."
        )
        return EXIT_OK
    print(f"{'username':<24} {'role':<22} {'created':<20} {'by':<16} state")  # noqa: T201
    for a in accounts:
        print(  # noqa: T201
            f"{a.username:<24} {a.role!s:<22} {a.created_at[:19]:<20} {a.created_by:<16} "
            f"{'disabled' if a.disabled else 'enabled'}"
        )
    return EXIT_OK


def _store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True, help="the store (.gpkg or postgresql:// URL)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _password_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (else: prompt twice)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hatangso users …`` to the command line's subcommands.

    Parameters
    ----------
    sub
        The top-level ``add_subparsers()`` of ``hatangso``; each command sets
        ``handler`` (a function of the parsed arguments returning the exit status).
    """
    p = sub.add_parser(
        "users", help="the app's accounts: add, remove, list, passwd, disable, enable"
    )
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    q = users.add_parser("add", help="create an account (no default account exists)")
    q.add_argument("username", help="1-64 letters, digits and . _ - @")
    q.add_argument(
        "--role",
        required=True,
        help="department, viewer or operator:<name> (e.g. operator:Viettel, operator:VNPT)",
    )
    _store_option(q)
    _password_option(q)
    q.set_defaults(handler=_cmd_add)

    q = users.add_parser("remove", help="delete an account")
    q.add_argument("username")
    _store_option(q)
    q.set_defaults(handler=_cmd_remove)

    q = users.add_parser("list", help="list the accounts (never their passwords)")
    _store_option(q)
    q.set_defaults(handler=_cmd_list)

    q = users.add_parser("passwd", help="set an account's password (lifts a lockout)")
    q.add_argument("username")
    _store_option(q)
    _password_option(q)
    q.set_defaults(handler=_cmd_passwd)

    q = users.add_parser("disable", help="refuse an account's sign-ins, without removing it")
    q.add_argument("username")
    _store_option(q)
    q.set_defaults(handler=_cmd_set_state)

    q = users.add_parser("enable", help="allow a disabled account to sign in again")
    q.add_argument("username")
    _store_option(q)
    q.set_defaults(handler=_cmd_set_state)
