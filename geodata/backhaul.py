"""A site's backhaul checked across its columns: a microwave link names a hub that exists.

:mod:`geodata.validate` checks each column on its own; whether ``backhaul_to`` fits
``backhaul`` needs both, and a loop of microwave links (A to B, B to A) needs the whole
file. The checks report through the validator's collector, every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

__all__ = ["check_backhaul"]

#: ``add(key, message, fix, pos, feature_id, column)`` of the validator's collector.
Report = Callable[[str, str, str, int, "str | None", str], None]


def check_backhaul(result: dict[str, Any], ids: Sequence[str | None], report: Report) -> None:
    """Report microwave links without a hub, hubs on non-microwave sites, and loops.

    Parameters
    ----------
    result
        The validated columns of a ``mobile_sites`` layer (``backhaul``, ``backhaul_to``).
    ids
        Each row's ``site_id`` (``None`` when empty).
    report
        Called once a problem, with the row's position.

    Examples
    --------
    >>> found = []
    >>> cols = {"backhaul": pd.Series(["microwave", "microwave"]),
    ...         "backhaul_to": pd.Series(["B", "A"])}
    >>> check_backhaul(cols, ["A", "B"], lambda *a: found.append(a[0]))
    >>> found
    ['microwave loop', 'microwave loop']
    """
    if "backhaul" not in result or "backhaul_to" not in result:
        return
    kinds = result["backhaul"].tolist()
    hubs = [None if pd.isna(h) or h is None else str(h) for h in result["backhaul_to"].tolist()]
    hub_of: dict[str, str] = {}
    for pos, (kind, hub, site) in enumerate(zip(kinds, hubs, ids, strict=True)):
        if kind == "microwave" and hub is None:
            report(
                "microwave without hub",
                "is a microwave site but does not say which site its link goes to.",
                "write the hub's site_id in 'backhaul_to' (or set 'backhaul' to fiber or "
                "satellite).",
                pos,
                site,
                "backhaul_to",
            )
        elif hub is not None and kind != "microwave":
            report(
                "hub without microwave",
                f"names {hub!r} in 'backhaul_to' but its backhaul is {kind or 'empty'}.",
                "set 'backhaul' to microwave, or empty 'backhaul_to'.",
                pos,
                site,
                "backhaul_to",
            )
        elif hub is not None and hub == site:
            report(
                "microwave to itself",
                "names itself as its microwave hub.",
                "write the site_id of the site its link goes to.",
                pos,
                site,
                "backhaul_to",
            )
        elif hub is not None and site is not None:
            hub_of[site] = hub
    position = {site: pos for pos, site in enumerate(ids) if site is not None}
    for site in sorted(_in_loops(hub_of)):
        report(
            "microwave loop",
            f"its microwave links go round in a loop ({_loop_text(site, hub_of)}) and never "
            "reach a fiber or satellite site.",
            "correct 'backhaul_to' so that the chain ends at a site with fiber or satellite "
            "backhaul.",
            position[site],
            site,
            "backhaul_to",
        )


def _in_loops(hub_of: dict[str, str]) -> set[str]:
    """Sites on a cycle of ``site -> hub`` links."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    looped: set[str] = set()
    for start in hub_of:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in hub_of and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = hub_of[node]
        if node is not None and state.get(node) == 1:
            looped.update(walk[walk.index(node) :])
        for n in walk:
            state[n] = 2
    return looped


def _loop_text(site: str, hub_of: dict[str, str]) -> str:
    chain = [site]
    node = hub_of[site]
    while node != site and len(chain) < 6:  # long enough to recognise it
        chain.append(node)
        node = hub_of[node]
    return " → ".join([*chain, site]) if node == site else " → ".join([*chain, "…"])
