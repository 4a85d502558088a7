"""``hatangso challenge``: open, list, answer and decide challenges to predicted coverage.

A village predicted covered by an operator but measured weak, or backed by open
no-signal complaints, is put to that operator (:mod:`hatangso.review.challenges`):

* ``challenge open STORE [--period] [--operator]`` (the department) opens them;
* ``challenge list STORE`` shows them (an operator: its own only);
* ``challenge respond STORE ID --concede | --dispute --evidence FILE`` (the operator);
* ``challenge decide STORE ID --uphold | --reject [--note]`` (the department);
* ``challenge history STORE ID`` shows every step.

Identity as in ``hatangso review``: ``--as USER`` (with ``--role`` on a store without
accounts); without ``--as`` the holder of the store acts as the department.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hatangso.cli.common import EXIT_OK, cli_actor, period_option

__all__ = ["register"]

_SHORT = 8


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``challenge`` command to the ``hatangso`` command line.

    Parameters
    ----------
    sub
        The sub-parsers of ``hatangso``.
    """
    p = sub.add_parser("challenge", help="challenges: predicted covered, measured or reported not")
    cmds = p.add_subparsers(dest="challenge_command", required=True, metavar="ACTION")

    q = cmds.add_parser("open", help="open challenges from the period's evidence (department)")
    q.add_argument("store")
    period_option(q)
    q.add_argument("--operator", help="only this operator's villages")
    _identity(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_open)

    q = cmds.add_parser("list", help="the challenges and their status")
    q.add_argument("store")
    period_option(q)
    q.add_argument("--role", default="viewer", help="see as this role (default viewer: all)")
    q.add_argument("--as", dest="user", metavar="USER", help="see as this account")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_list)

    q = cmds.add_parser("respond", help="concede, or dispute with measurements (the operator)")
    q.add_argument("store")
    q.add_argument("challenge", help="the challenge's id (or a unique prefix)")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--concede", action="store_true", help="the village is a gap")
    how.add_argument("--dispute", action="store_true", help="it is covered: --evidence FILE")
    q.add_argument("--evidence", metavar="FILE", help="a measurement log of the village")
    q.add_argument("--note", help="what the operator says")
    _identity(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_respond)

    q = cmds.add_parser("decide", help="uphold or reject a challenge (department)")
    q.add_argument("store")
    q.add_argument("challenge", help="the challenge's id (or a unique prefix)")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--uphold", action="store_true", help="the village counts as a gap")
    how.add_argument("--reject", action="store_true", help="the prediction stands")
    q.add_argument("--note", help="why")
    _identity(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_decide)

    q = cmds.add_parser("history", help="every step of a challenge: who, when, what")
    q.add_argument("store")
    q.add_argument("challenge", help="the challenge's id (or a unique prefix)")
    q.add_argument("--role", default="viewer", help="see as this role (default viewer)")
    q.add_argument("--as", dest="user", metavar="USER", help="see as this account")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_cmd_history)


def _identity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="user", metavar="USER", help="who acts (default: the holder)")
    p.add_argument("--role", help="department, viewer or operator:<Name> (store without accounts)")


def _who(store: Any, args: argparse.Namespace) -> tuple[str, str]:  # noqa: ANN401
    """Return who acts and in which role: ``--as`` (as in ``review``), else the holder."""
    from hatangso.cli.review import _role_of

    if args.user:
        return _role_of(store, args.user, args.role)
    return cli_actor(), args.role or "department"


def _print(text: str) -> None:
    print(text)  # noqa: T201 - the command line's output


def _store(args: argparse.Namespace) -> Any:  # noqa: ANN401 - a Store
    from geodata.store import Store

    return Store(args.store, period=getattr(args, "period", None))


def _records(frame: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - a DataFrame
    return list(json.loads(frame.to_json(orient="records", force_ascii=False)))


def _cmd_open(args: argparse.Namespace) -> int:
    from hatangso.review.challenges import open_challenges

    store = _store(args)
    user, role = _who(store, args)
    found = open_challenges(store, actor=user, role=role, operator=args.operator)
    new = int(found["new"].sum()) if len(found) else 0
    if args.json:
        payload = {"ok": True, "opened": new, "already_open": len(found) - new}
        _print(json.dumps(payload | {"challenges": _records(found)}, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not len(found):
        _print("no village to challenge: none predicted covered but measured weak or reported.")
        return EXIT_OK
    _print(f"{new} challenges opened, {len(found) - new} already open:")
    for r in found.itertuples(index=False):
        _print(
            f"  {str(r.challenge_id)[:_SHORT]}  {r.operator!s:<9} {r.tech!s}  "
            f"{r.village_id!s} {r.village or ''!s}  ({r.basis!s})"
        )
    return EXIT_OK


def _list_role(store: Any, args: argparse.Namespace) -> str:  # noqa: ANN401
    if args.user:
        from hatangso.cli.review import _role_of

        return _role_of(store, args.user, None)[1]
    return str(args.role)


def _cmd_list(args: argparse.Namespace) -> int:
    from hatangso.review.challenges import STATUS_LABELS, challenges

    store = _store(args)
    frame = challenges(store, role=_list_role(store, args), period=args.period)
    if args.json:
        _print(
            json.dumps({"ok": True, "challenges": _records(frame)}, ensure_ascii=False, indent=2)
        )
        return EXIT_OK
    if not len(frame):
        _print("no challenge; open them with `hatangso challenge open STORE`.")
        return EXIT_OK
    for r in frame.itertuples(index=False):
        _print(
            f"{str(r.challenge_id)[:_SHORT]}  {r.period}  {r.operator!s:<9} {r.tech}  "
            f"{r.village_id!s} {r.village or ''!s}  {r.status} ({STATUS_LABELS[str(r.status)]})"
        )
    return EXIT_OK


def _event_out(args: argparse.Namespace, event: Any, text: str) -> int:  # noqa: ANN401
    if args.json:
        _print(json.dumps({"ok": True, "event": event.as_dict()}, ensure_ascii=False, indent=2))
    else:
        _print(text)
    return EXIT_OK


def _cmd_respond(args: argparse.Namespace) -> int:
    from geodata.errors import InputError
    from hatangso.review.challenges import respond

    if args.concede and args.evidence:
        msg = "--evidence goes with --dispute; conceding needs no file."
        raise InputError(msg)
    store = _store(args)
    user, role = _who(store, args)
    event = respond(
        store,
        args.challenge,
        concede=bool(args.concede),
        actor=user,
        role=role,
        evidence=args.evidence,
        note=args.note,
    )
    text = f"challenge {event.proposal_id[:_SHORT]}: {event.status_to} by {event.actor}."
    if event.reason:
        text += f" Evidence imported as campaign {event.reason}."
    return _event_out(args, event, text)


def _cmd_decide(args: argparse.Namespace) -> int:
    from hatangso.review.challenges import decide_challenge

    store = _store(args)
    user, role = _who(store, args)
    event = decide_challenge(
        store, args.challenge, uphold=bool(args.uphold), actor=user, role=role, note=args.note
    )
    text = f"challenge {event.proposal_id[:_SHORT]}: {event.status_to} by {event.actor}."
    return _event_out(args, event, text)


def _cmd_history(args: argparse.Namespace) -> int:
    from hatangso.review.challenges import challenge_history

    store = _store(args)
    events = challenge_history(store, args.challenge, role=_list_role(store, args))
    if args.json:
        payload = {"ok": True, "events": [e.as_dict() for e in events]}
        _print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    for e in events:
        extra = " — ".join(x for x in (e.reason, e.comment) if x)
        _print(
            f"{e.seq}. {e.at}  {e.actor} ({e.role})  {e.action}  "
            f"{e.status_from or '-'} → {e.status_to}" + (f"  {extra}" if extra else "")
        )
    return EXIT_OK
