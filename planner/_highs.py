"""HiGHS (through highspy), shared by the exact solvers of the planner.

HiGHS prints a banner from C the first time a solver is created in a process. The
library never prints, and ``hatangso ... --json`` must stay valid JSON, so the first
construction runs with file descriptor 1 pointed at the null device.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["highspy_module", "new_highs"]

_LOCK = threading.Lock()
_STARTED = False


@functools.cache
def highspy_module() -> Any:  # noqa: ANN401 - the highspy module, or None
    """Import highspy on first use (only the exact methods need it), or return ``None``."""
    try:
        return importlib.import_module("highspy")
    except ImportError:  # pragma: no cover - exercised only without the dependency
        return None


@contextlib.contextmanager
def _quiet_stdout_fd() -> Iterator[None]:
    """Point file descriptor 1 at the null device for the block."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real fd 1 (embedded, captured)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        with contextlib.suppress(OSError, AttributeError, TypeError):
            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def new_highs() -> Any:  # noqa: ANN401 - highspy.Highs (untyped constructor)
    """Return a new, silent HiGHS instance (``output_flag`` off, no banner on stdout).

    Raises
    ------
    ImportError
        When highspy is not installed (callers check :func:`highspy_module` first).
    """
    global _STARTED  # noqa: PLW0603 - the banner is printed once per process
    hs = highspy_module()
    if hs is None:
        msg = "highspy is not installed; install it (pip install highspy) for exact solutions"
        raise ImportError(msg)
    with _LOCK:
        if _STARTED:
            h = hs.Highs()
        else:
            with _quiet_stdout_fd():
                h = hs.Highs()
            _STARTED = True
    h.setOptionValue("output_flag", False)  # noqa: FBT003 - HiGHS's option API
    return h
