"""The ``hatangso`` command line: the same functions as the app, from a terminal.

:func:`main` parses the arguments, runs the command and turns errors into an exit status:
0 success, 2 invalid input (the readable report on stderr, never a traceback), 1 internal
error (a one-line message; ``--debug`` shows the traceback).

Each command group lives in its own module and adds its subcommands with ``register``:

* :mod:`hatangso.cli.data`: ``validate``, ``import``, ``layers``;
* :mod:`hatangso.cli.coverage`: ``coverage``;
* :mod:`hatangso.cli.calibrate`: ``calibrate``;
* :mod:`hatangso.cli.evidence`: ``evidence`` (predicted against measured);
* :mod:`hatangso.cli.plan`: ``plan fiber``, ``plan sites`` (``plan mix``:
  :mod:`hatangso.cli.plan_mix`);
* :mod:`hatangso.cli.costs`: ``costs list``, ``costs import`` (the prices with sources);
* :mod:`hatangso.cli.resilience`: ``resilience spof``, ``resilience scenario``;
* :mod:`hatangso.cli.report`: ``report``, ``export``;
* :mod:`hatangso.cli.demo`: ``demo``;
* :mod:`hatangso.cli.progress`: ``trends``, ``changes`` (the app's Progress page);
* :mod:`hatangso.cli.users`: ``users``;
* :mod:`hatangso.cli.review`: ``review``;
* :mod:`hatangso.cli.challenge`: ``challenge`` (challenges to predicted coverage);
* :mod:`hatangso.cli.targets`: ``targets``, ``org`` (the targets table, the department's name);

and :mod:`hatangso.cli.common` holds what they share (exit codes, ``--as``, ``--period``).
A command imports its heavy modules when it runs, so that ``hatangso --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from geodata.errors import InputError, LayerValidationError, LegacyEncodingWarning
from hatangso.cli import (
    calibrate,
    challenge,
    costs,
    coverage,
    data,
    demo,
    evidence,
    plan,
    progress,
    report,
    resilience,
    review,
    targets,
    users,
)
from hatangso.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with warnings.catch_warnings():
            # Reported through the validation report; don't print them twice.
            warnings.simplefilter("ignore", LegacyEncodingWarning)
            return handler(args)
    except LayerValidationError as err:
        _emit_json_error(args, err.source, err.layer, err)
        print(err.report(), file=sys.stderr)  # noqa: T201
        return EXIT_INPUT
    except InputError as err:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": str(err)}, ensure_ascii=False))  # noqa: T201
        print(f"error: {err}", file=sys.stderr)  # noqa: T201
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)  # noqa: T201
        return 130
    except BrokenPipeError:  # `hatangso … | head`: the reader has gone, not an error of ours
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: PTH123, SIM115 - silence the final flush
        return EXIT_OK
    except Exception as err:  # the last line of defence: no traceback for users
        if args.debug:
            raise
        print(  # noqa: T201
            f"internal error: {type(err).__name__}: {err}\n"
            "This is a bug in Hạ tầng số, not in your data. Re-run with --debug and report "
            "the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _emit_json_error(
    args: argparse.Namespace, source: str, layer: str, err: LayerValidationError
) -> None:
    if getattr(args, "json", False):
        payload = {
            "ok": False,
            "file": source,
            "layer": layer,
            "problems": [p.as_dict() for p in err.problems],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hatangso",
        description="Hạ tầng số: digital infrastructure coverage monitor and planner for "
        "Bình Định.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more progress detail")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order `hatangso --help` lists the commands.
    data.register(sub)  # validate, import, layers, profiles
    coverage.register(sub)
    calibrate.register(sub)
    evidence.register(sub)
    plan.register(sub)  # plan fiber, plan sites, plan mix
    costs.register(sub)  # costs list, costs import
    resilience.register(sub)  # spof, scenario
    report.register(sub)  # report, export
    demo.register(sub)
    progress.register(sub)  # trends, changes
    users.register(sub)
    review.register(sub)
    challenge.register(sub)  # open, list, respond, decide, history
    targets.register(sub)  # targets, org
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("hatangso", "geodata", "coverage", "planner"):
        logging.getLogger(name).setLevel(level)
