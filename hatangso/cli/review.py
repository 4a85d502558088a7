"""``hatangso review``: publish a plan for review, list, decide, comment, export.

Identity: ``--as USER`` names who acts (recorded in every event and in the audit
trail). When the store has accounts (``hatangso users add``), USER must be one of them
and acts in its account's role (a different ``--role`` is refused). A store without any
account yet takes the role from ``--role`` (``department``, ``viewer``,
``operator:<Name>``): whoever can run the command can write the store file anyway.
Listing, history and export read as ``--role`` (default ``viewer``: sees everything,
changes nothing).

Ids: every id may be shortened to a unique prefix of at least 6 characters (``review
list`` shows 8).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from geodata.errors import InputError
from hatangso.cli.common import EXIT_OK

__all__ = ["register"]

_SHORT = 8


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:  # noqa: PLR0915 - one command
    """Add the ``review`` command to the ``hatangso`` command line.

    Parameters
    ----------
    sub
        The sub-parsers of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser("review", help="publish plans for review by the operators; decide, export")
    cmds = p.add_subparsers(dest="review_command", required=True, metavar="ACTION")

    q = cmds.add_parser("publish", help="publish a saved plan (department)")
    q.add_argument("store")
    q.add_argument("plan", help="the plan's name (as saved with `hatangso plan ... --save`)")
    _identity(q, role_default=None)
    q.add_argument("--period", metavar="YYYY-MM-DD", help="the plan's period (default latest)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_publish)

    q = cmds.add_parser("list", help="reviews, and the proposals of the open ones by status")
    q.add_argument("store")
    q.add_argument("--review", help="only this review (id or prefix), open or closed")
    q.add_argument("--role", default="viewer", help="see as this role (default viewer: all)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_list)

    q = cmds.add_parser("decide", help="accept, reject or ask for changes (the operator)")
    q.add_argument("store")
    q.add_argument("proposal", help="the proposal's id (or a unique prefix)")
    q.add_argument("status", help="accepted, rejected or needs_changes")
    q.add_argument("--reason", help="why (required to reject or ask for changes)")
    q.add_argument(
        "--seq",
        type=int,
        help="the status_seq you decided on (`review list`); refused if it changed since",
    )
    _identity(q, role_default=None)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_decide)

    q = cmds.add_parser("comment", help="add a comment to a proposal's thread")
    q.add_argument("store")
    q.add_argument("proposal", help="the proposal's id (or a unique prefix)")
    q.add_argument("text", help="the comment (plain text)")
    _identity(q, role_default=None)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_comment)

    q = cmds.add_parser("history", help="every event of a proposal: who, when, what, why")
    q.add_argument("store")
    q.add_argument("proposal", help="the proposal's id (or a unique prefix)")
    q.add_argument("--role", default="viewer", help="see as this role (default viewer)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_history)

    q = cmds.add_parser("close", help="close a review round (department)")
    q.add_argument("store")
    q.add_argument("review", help="the review's id (or a unique prefix)")
    _identity(q, role_default=None)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_close)

    q = cmds.add_parser("export", help="the review state to FILE.xlsx, FILE.geojson or FILE.csv")
    q.add_argument("store")
    q.add_argument("--out", required=True, help="FILE.xlsx (proposals + events), .geojson, .csv")
    q.add_argument("--review", help="only this review (default: every open review)")
    q.add_argument("--role", default="viewer", help="export as this role (default viewer: all)")
    q.add_argument("--as", dest="user", metavar="USER", help="who exports (audited)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_export)


def _identity(p: argparse.ArgumentParser, *, role_default: str | None) -> None:
    p.add_argument("--as", dest="user", required=True, metavar="USER", help="who acts")
    p.add_argument(
        "--role",
        default=role_default,
        help="department, viewer or operator:<Name> (e.g. operator:Viettel)",
    )


def _role_of(store: Any, user: str, given: str | None) -> tuple[str, str]:  # noqa: ANN401
    """Return who acts and in which role: the account's, or ``--role`` on a store without any.

    Raises
    ------
    InputError
        For an unknown or disabled account, a ``--role`` other than the account's, or no
        role at all.
    """
    from hatangso.access import Role
    from hatangso.accounts import get_user, list_users

    account = get_user(store, user)
    if account is not None:
        if account.disabled:
            msg = f"the account {account.username!r} is disabled."
            raise InputError(msg)
        if given and Role.parse(given) != account.role:
            msg = f"{account.username!r} is {account.role}, not {given}; drop --role."
            raise InputError(msg)
        return account.username, str(account.role)
    if list_users(store):
        msg = (
            f"no account {user!r} in {store.location}; act as an existing user, or add one "
            "with `hatangso users add NAME --role ROLE --store STORE`."
        )
        raise InputError(msg)
    if given:
        return user, str(Role.parse(given))
    msg = (
        f"{store.location} has no accounts yet: give the role {user!r} acts in, "
        "--role department, viewer or operator:<Name>."
    )
    raise InputError(msg)


def _print(text: str) -> None:
    print(text)  # noqa: T201 - the command line's output


def _store(args: argparse.Namespace) -> Any:  # noqa: ANN401 - a Store
    from geodata.store import Store

    return Store(args.store, period=getattr(args, "period", None))


def _cmd_publish(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    user, role = _role_of(store, args.user, args.role)
    review_id = review.publish(store, args.plan, actor=user, role=role)
    frame = review.proposals(store, review_id, role=role)
    counts = frame["operator"].value_counts().sort_index()
    if args.json:
        payload = {
            "ok": True,
            "review_id": review_id,
            "proposals": len(frame),
            "by_operator": {str(k): int(v) for k, v in counts.items()},
        }
        _print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        who = ", ".join(f"{k} {v}" for k, v in counts.items())
        _print(f"review {review_id[:_SHORT]}: {len(frame)} proposals published ({who}).")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    rounds = review.reviews(store)
    frame = review.proposals(store, args.review, role=args.role)
    if args.json:
        payload = {
            "ok": True,
            "reviews": json.loads(rounds.to_json(orient="records", force_ascii=False)),
            "proposals": json.loads(
                frame.drop(columns="geometry").to_json(orient="records", force_ascii=False)
            ),
        }
        _print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not len(rounds):
        _print("no review yet; publish a plan with `hatangso review publish STORE PLAN`.")
        return EXIT_OK
    for r in rounds.itertuples(index=False):
        counts = ", ".join(f"{s} {getattr(r, s)}" for s in review.STATUSES)
        _print(
            f"review {str(r.review_id)[:_SHORT]}  {str(r.plan).removeprefix('plan:')}  "
            f"period {r.period}  {r.status}  published {r.published_at} by {r.published_by}  "
            f"({counts})"
        )
    if len(frame):
        _print("")
        _print(f"{'proposal':<9} {'kind':<5} {'ref':<10} {'operator':<13} {'status':<14} seq  by")
        for p in frame.itertuples(index=False):
            by = "" if p.decided_by is None else f"{p.decided_by} at {p.decided_at}"
            _print(
                f"{str(p.proposal_id)[:_SHORT]:<9} {p.kind:<5} {p.ref:<10} {p.operator:<13} "
                f"{p.status:<14} {p.status_seq:>3}  {by}"
            )
    return EXIT_OK


def _cmd_decide(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    user, role = _role_of(store, args.user, args.role)
    event = review.decide(
        store,
        args.proposal,
        args.status,
        actor=user,
        role=role,
        reason=args.reason,
        expected_seq=args.seq,
    )
    if args.json:
        _print(json.dumps({"ok": True, "event": event.as_dict()}, ensure_ascii=False, indent=2))
    else:
        _print(
            f"proposal {event.proposal_id[:_SHORT]}: {event.status_from} -> {event.status_to} "
            f"(seq {event.seq}, {event.actor}, {event.at})."
        )
    return EXIT_OK


def _cmd_comment(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    user, role = _role_of(store, args.user, args.role)
    event = review.comment(store, args.proposal, args.text, actor=user, role=role)
    if args.json:
        _print(json.dumps({"ok": True, "event": event.as_dict()}, ensure_ascii=False, indent=2))
    else:
        _print(f"proposal {event.proposal_id[:_SHORT]}: comment added (seq {event.seq}).")
    return EXIT_OK


def _cmd_history(args: argparse.Namespace) -> int:
    from hatangso import review

    frame = review.history(_store(args), args.proposal, role=args.role)
    if args.json:
        rows = json.loads(frame.to_json(orient="records", force_ascii=False))
        _print(json.dumps({"ok": True, "events": rows}, ensure_ascii=False, indent=2))
        return EXIT_OK
    for e in frame.to_dict(orient="records"):
        change = f"{e['status_from'] or '-'} -> {e['status_to']}" if e["status_to"] else ""
        why = f"  reason: {e['reason']}" if e["reason"] else ""
        said = f"  comment: {e['comment']}" if e["comment"] else ""
        _print(
            f"{e['seq']:>3} {e['at']} {e['actor']} ({e['role']}) {e['action']} {change}{why}{said}"
        )
    return EXIT_OK


def _cmd_close(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    user, role = _role_of(store, args.user, args.role)
    review.close(store, args.review, actor=user, role=role)
    if args.json:
        _print(json.dumps({"ok": True, "review": args.review}))
    else:
        _print(f"review {args.review} closed.")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from hatangso import review

    store = _store(args)
    written = review.export_review(store, args.review, args.out, role=args.role, actor=args.user)
    if args.json:
        _print(json.dumps({"ok": True, "out": str(written)}, ensure_ascii=False))
    else:
        _print(f"wrote {written}.")
    return EXIT_OK
