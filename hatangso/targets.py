"""The targets table and the organisation's names, kept in the store.

Two small tables, both with a validity (first and last day, inclusive; empty: open):

``hatangso_targets``
    the province's targets (:class:`coverage.targets.TargetRule`): indicator, comparison,
    value in percent, valid from/to, source document, the indicator's title. A store that
    never had one is judged by :data:`coverage.targets.DEFAULT_RULES` (today's targets,
    resolution 05-NQ/TU, to 2025); the first addition writes those defaults beside it, so
    that the table then says everything.
``hatangso_organisations``
    the department's name over time (:data:`DEFAULT_ORGANISATIONS`): the Sở TT&TT until
    28/02/2025, the Sở KH&CN of Bình Định from 01/03/2025, of Gia Lai from 01/07/2025. The
    name on a period's pages, report and command output is the one in force on its date.

Additions are checked as a whole table (:func:`coverage.targets.check_rules`; an
organisation: dates in order, no overlap), audited (``targets_added``,
``organisation_added``) and give the store a new data version, so that the app's figures
are judged again. Nothing is ever edited in place: a plan period's targets are added with
their own dates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coverage.settings import Target
from coverage.targets import (
    DEFAULT_RULES,
    TargetRule,
    check_rules,
    overlaps,
    parse_date,
    rule_from_record,
    span_text,
    targets_in_force,
)
from geodata.errors import InputError
from geodata.load import read_table
from geodata.store import Store, Tx
from geodata.store.backend import bump_data_version, ensure_tables
from hatangso import audit

__all__ = [
    "DEFAULT_ORGANISATIONS",
    "ORGANISATIONS_TABLE",
    "TARGETS_TABLE",
    "Organisation",
    "add_organisation",
    "add_targets",
    "import_targets",
    "organisation_for",
    "organisation_on",
    "organisations",
    "read_target_file",
    "target_rules",
    "targets_for",
]

TARGETS_TABLE = "hatangso_targets"
ORGANISATIONS_TABLE = "hatangso_organisations"

_TARGETS_DDL = (
    "id TEXT PRIMARY KEY, indicator TEXT NOT NULL, comparison TEXT NOT NULL, "
    "value_pct DOUBLE NOT NULL, valid_from TEXT, valid_to TEXT, source TEXT, title_vi TEXT, "
    "added_at TEXT, added_by TEXT"
)
_TARGET_COLUMNS = ("indicator", "comparison", "value_pct", "valid_from", "valid_to", "source")
_ORG_DDL = (
    "id TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT, valid_from TEXT, "
    "valid_to TEXT, source TEXT, added_at TEXT, added_by TEXT"
)


@dataclass(frozen=True)
class Organisation:
    """The department's name over a validity.

    Attributes
    ----------
    name
        The full name (``Sở Khoa học và Công nghệ tỉnh Gia Lai``).
    short_name
        The name in short (``Sở KH&CN tỉnh Gia Lai``), for the sidebar and narrow places.
    valid_from, valid_to
        First and last day (inclusive; ``None``: open).
    source
        What says so (the decision that created or merged the department).
    """

    name: str
    short_name: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = ""

    def in_force(self, on: dt.date) -> bool:
        """Return whether this name is in force on ``on``."""
        return overlaps((self.valid_from, self.valid_to), (on, on))

    def as_record(self) -> dict[str, Any]:
        """Return the organisation as a JSON-ready mapping."""
        return {
            "name": self.name,
            "short_name": self.short_name,
            "valid_from": None if self.valid_from is None else self.valid_from.isoformat(),
            "valid_to": None if self.valid_to is None else self.valid_to.isoformat(),
            "source": self.source,
        }


DEFAULT_ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation(
        "Sở Thông tin và Truyền thông tỉnh Bình Định",
        "Sở TT&TT tỉnh Bình Định",
        None,
        dt.date(2025, 2, 28),
        "hợp nhất vào Sở Khoa học và Công nghệ từ 01/03/2025",
    ),
    Organisation(
        "Sở Khoa học và Công nghệ tỉnh Bình Định",
        "Sở KH&CN tỉnh Bình Định",
        dt.date(2025, 3, 1),
        dt.date(2025, 6, 30),
        "Sở TT&TT hợp nhất vào Sở KH&CN từ 01/03/2025",
    ),
    Organisation(
        "Sở Khoa học và Công nghệ tỉnh Gia Lai",
        "Sở KH&CN tỉnh Gia Lai",
        dt.date(2025, 7, 1),
        None,
        "Nghị quyết 202/2025/QH15: tỉnh Bình Định hợp nhất vào tỉnh Gia Lai từ 01/07/2025",
    ),
)
"""The department's names: the real dates of the 2025 reorganisations."""


def _day(on: dt.date | str) -> dt.date:
    return on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)[:10])


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: object) -> dt.date | None:
    return None if text in (None, "") else dt.date.fromisoformat(str(text))


# --------------------------------------------------------------------------- targets


def _stored_rules(tx: Tx) -> list[TargetRule]:
    if not tx.has_table(TARGETS_TABLE):
        return []
    rows = tx.rows(
        f"SELECT indicator, comparison, value_pct, valid_from, valid_to, source, title_vi "  # noqa: S608 - fixed names
        f"FROM {TARGETS_TABLE} ORDER BY indicator, valid_from"
    )
    return [
        TargetRule(
            str(r[0]),
            str(r[1]),
            float(r[2]),
            _date(r[3]),
            _date(r[4]),
            str(r[5] or ""),
            str(r[6] or ""),
        )
        for r in rows
    ]


def target_rules(store: Store) -> tuple[TargetRule, ...]:
    """Return the store's targets table (the defaults when it has none).

    Parameters
    ----------
    store
        The store.

    Returns
    -------
    tuple of coverage.targets.TargetRule
        Sorted by indicator and start; :data:`coverage.targets.DEFAULT_RULES` for a store
        without targets (or that does not exist yet).
    """
    if not store.exists():
        return DEFAULT_RULES
    with store.reading() as tx:
        stored = _stored_rules(tx)
    return check_rules(stored) if stored else DEFAULT_RULES


def targets_for(store: Store, on: dt.date | str | None) -> tuple[Target, ...]:
    """Return the targets a period of ``store`` dated ``on`` is judged against.

    Parameters
    ----------
    store
        The store.
    on
        The period's date (``None``: the store's bound or latest period).

    Returns
    -------
    tuple of coverage.settings.Target
        One an indicator (:func:`coverage.targets.targets_in_force`).
    """
    day = on if on is not None else store.period
    return targets_in_force(target_rules(store), day)


def _insert_rule(tx: Tx, rule: TargetRule, actor: str, stamp: str) -> None:
    record = rule.as_record()
    tx.execute(
        f"INSERT INTO {TARGETS_TABLE} (id, indicator, comparison, value_pct, valid_from, "  # noqa: S608 - fixed names
        "valid_to, source, title_vi, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uuid.uuid4().hex,
            record["indicator"],
            record["comparison"],
            record["value_pct"],
            record["valid_from"],
            record["valid_to"],
            record["source"],
            record["title_vi"],
            stamp,
            actor,
        ),
    )


def add_targets(
    store: Store,
    rules: Sequence[TargetRule],
    *,
    actor: str,
    where: Sequence[str] | None = None,
    subject: str = "",
) -> tuple[TargetRule, ...]:
    """Add target rules to the store's table, checked against those it holds (audited).

    Parameters
    ----------
    store
        An existing store.
    rules
        The rules to add (e.g. the 2026-2030 plan's).
    actor
        Who adds them (a username, or ``cli:<os user>``).
    where
        For each rule, where it comes from (``"targets.csv row 3: "``), for messages.
    subject
        What the audit row names (a file name; default ``"targets"``).

    Returns
    -------
    tuple of coverage.targets.TargetRule
        The whole table after the addition.

    Raises
    ------
    geodata.InputError
        For a rule the table refuses (:func:`coverage.targets.check_rules`); nothing is
        written then. For no rule at all.
    """
    if not rules:
        msg = "no target to add; give indicator, comparison and value at least."
        raise InputError(msg)
    store.check()
    stamp = audit.utc_text()
    with store.transaction() as tx:
        ensure_tables(tx)
        tx.ensure_table(TARGETS_TABLE, _TARGETS_DDL)
        stored = _stored_rules(tx)
        kept = stored or list(DEFAULT_RULES)
        kind = "stored: " if stored else "default: "
        places = [kind] * len(kept) + (list(where) if where is not None else [""] * len(rules))
        table = check_rules([*kept, *rules], where=places)
        if not stored:  # the defaults become rows beside the first addition
            for rule in DEFAULT_RULES:
                _insert_rule(tx, rule, "default", stamp)
        for rule in rules:
            _insert_rule(tx, rule, actor, stamp)
        bump_data_version(tx, "targets")
        audit.record(
            tx,
            actor,
            "targets_added",
            subject or "targets",
            {"rules": [r.as_record() for r in rules]},
        )
    return table


def read_target_file(path: str | Path, *, sheet: str | int | None = None) -> list[TargetRule]:
    """Read target rules from a CSV or Excel file, one a row, every row checked alone.

    Columns (header row 1): ``indicator``, ``comparison``, ``value_pct`` (or ``value``),
    ``valid_from``, ``valid_to``, ``source`` and optionally ``title_vi``; dates ISO or day
    first.

    Parameters
    ----------
    path
        The file (``.csv``, ``.txt``, ``.xlsx``).
    sheet
        The Excel sheet (default the first).

    Returns
    -------
    list of coverage.targets.TargetRule

    Raises
    ------
    geodata.InputError
        For a missing column (named) or a row that cannot be read (file and row named).
    """
    path = Path(path)
    frame = read_table(path, sheet=sheet)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "value" in frame.columns and "value_pct" not in frame.columns:
        frame = frame.rename(columns={"value": "value_pct"})
    missing = [c for c in ("indicator", "comparison", "value_pct") if c not in frame.columns]
    if missing:
        msg = (
            f"{path.name}: no column {', '.join(missing)}; a targets file has the columns "
            f"{', '.join(_TARGET_COLUMNS)} (title_vi optional)."
        )
        raise InputError(msg)
    rules: list[TargetRule] = []
    for i, record in enumerate(frame.to_dict("records")):
        row = {str(k): v for k, v in record.items()}
        rules.append(rule_from_record(row, f"{path.name} row {i + 2}: "))
    return rules


def import_targets(
    store: Store, path: str | Path, *, actor: str, sheet: str | int | None = None
) -> tuple[tuple[TargetRule, ...], tuple[TargetRule, ...]]:
    """Add the target rules of a CSV or Excel file to the store (all of them, or none).

    Parameters
    ----------
    store
        An existing store.
    path
        The file (:func:`read_target_file`).
    actor
        Who imports it.
    sheet
        The Excel sheet.

    Returns
    -------
    tuple
        The rules added, and the whole table after the import.

    Raises
    ------
    geodata.InputError
        For a file, row or rule refused (the file and row named); nothing is written then.
    """
    path = Path(path)
    rules = read_target_file(path, sheet=sheet)
    where = [f"{path.name} row {i + 2}: " for i in range(len(rules))]
    table = add_targets(store, rules, actor=actor, where=where, subject=path.name)
    return tuple(rules), table


# --------------------------------------------------------------------------- organisations


def _stored_orgs(tx: Tx) -> list[Organisation]:
    rows = tx.rows(
        "SELECT name, short_name, valid_from, valid_to, source "  # noqa: S608 - fixed names
        f"FROM {ORGANISATIONS_TABLE}"
    )
    return [
        Organisation(str(r[0]), str(r[1] or r[0]), _date(r[2]), _date(r[3]), str(r[4] or ""))
        for r in rows
    ]


def organisations(store: Store | None) -> tuple[Organisation, ...]:
    """Return the department's names over time (the defaults for a store without them).

    Parameters
    ----------
    store
        The store, or ``None`` for the defaults.

    Returns
    -------
    tuple of Organisation
        Oldest first.
    """
    if store is None or not store.exists():
        return DEFAULT_ORGANISATIONS
    with store.reading() as tx:
        found = _stored_orgs(tx) if tx.has_table(ORGANISATIONS_TABLE) else []
    if not found:
        return DEFAULT_ORGANISATIONS
    return tuple(sorted(found, key=lambda o: o.valid_from or dt.date.min))


def organisation_on(names: Iterable[Organisation], on: dt.date | str | None) -> Organisation | None:
    """Return the organisation in force on ``on`` (``None`` when none is, or no date).

    Examples
    --------
    >>> organisation_on(DEFAULT_ORGANISATIONS, "2025-02-28").short_name
    'Sở TT&TT tỉnh Bình Định'
    >>> organisation_on(DEFAULT_ORGANISATIONS, "2025-07-01").short_name
    'Sở KH&CN tỉnh Gia Lai'
    """
    if on is None or on == "":
        return None
    day = _day(on)
    return next((o for o in names if o.in_force(day)), None)


def organisation_for(store: Store | None, on: dt.date | str | None) -> Organisation | None:
    """Return the store's organisation in force on ``on`` (see :func:`organisation_on`)."""
    return organisation_on(organisations(store), on)


def _check_organisation(new: Organisation, kept: Sequence[Organisation]) -> None:
    if not new.name.strip():
        msg = "the organisation needs a name (e.g. 'Sở Khoa học và Công nghệ tỉnh Gia Lai')."
        raise InputError(msg)
    if new.valid_from and new.valid_to and new.valid_from > new.valid_to:
        msg = (
            f"valid_from {new.valid_from.isoformat()} is after valid_to "
            f"{new.valid_to.isoformat()}; correct or swap the dates."
        )
        raise InputError(msg)
    for other in kept:
        if overlaps((new.valid_from, new.valid_to), (other.valid_from, other.valid_to)):
            msg = (
                f"{new.name} valid {span_text(new.valid_from, new.valid_to)} overlaps "
                f"{other.name} valid {span_text(other.valid_from, other.valid_to)}; one name "
                "at a time: change the dates."
            )
            raise InputError(msg)


def _insert_org(tx: Tx, org: Organisation, actor: str, stamp: str) -> None:
    tx.execute(
        f"INSERT INTO {ORGANISATIONS_TABLE} (id, name, short_name, valid_from, valid_to, "  # noqa: S608 - fixed names
        "source, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uuid.uuid4().hex,
            org.name.strip(),
            (org.short_name or org.name).strip(),
            _iso(org.valid_from),
            _iso(org.valid_to),
            org.source,
            stamp,
            actor,
        ),
    )


def add_organisation(  # noqa: PLR0913 - the record's fields, keyword-only
    store: Store,
    name: str,
    *,
    short_name: str = "",
    valid_from: object = None,
    valid_to: object = None,
    source: str = "",
    actor: str,
) -> tuple[Organisation, ...]:
    """Add a name of the department from a date (audited as ``organisation_added``).

    The name in force with no end (the latest) ends the day before the new one starts.

    Parameters
    ----------
    store
        An existing store.
    name, short_name
        The full name and its short form (default the full name).
    valid_from, valid_to
        First and last day (a date, ISO or day-first text; empty: open).
    source
        What says so.
    actor
        Who adds it.

    Returns
    -------
    tuple of Organisation
        Every name after the addition.

    Raises
    ------
    geodata.InputError
        For no name, dates out of order, or a validity overlapping another name's (other
        than the latest's open end); nothing is written then.
    """
    org = Organisation(
        name.strip(),
        (short_name or name).strip(),
        parse_date(valid_from, "valid_from"),
        parse_date(valid_to, "valid_to"),
        source.strip(),
    )
    store.check()
    stamp = audit.utc_text()
    with store.transaction() as tx:
        ensure_tables(tx)
        seeded = tx.has_table(ORGANISATIONS_TABLE)
        tx.ensure_table(ORGANISATIONS_TABLE, _ORG_DDL)
        kept = _stored_orgs(tx)
        if not seeded or not kept:
            kept = list(DEFAULT_ORGANISATIONS)
            for default in DEFAULT_ORGANISATIONS:
                _insert_org(tx, default, "default", stamp)
        kept, closed = _close_open_ended(tx, kept, org)
        _check_organisation(org, kept)
        _insert_org(tx, org, actor, stamp)
        bump_data_version(tx, "organisation")
        detail = org.as_record() | ({"closed": closed.as_record()} if closed else {})
        audit.record(tx, actor, "organisation_added", org.name, detail)
    return tuple(sorted([*kept, org], key=lambda o: o.valid_from or dt.date.min))


def _close_open_ended(
    tx: Tx, kept: list[Organisation], new: Organisation
) -> tuple[list[Organisation], Organisation | None]:
    """End the name in force with no end the day before ``new`` starts (a renaming)."""
    if new.valid_from is None:
        return kept, None
    for i, old in enumerate(kept):
        if old.valid_to is None and (old.valid_from or dt.date.min) < new.valid_from:
            end = new.valid_from - dt.timedelta(days=1)
            tx.execute(
                f"UPDATE {ORGANISATIONS_TABLE} SET valid_to = ? WHERE name = ? "  # noqa: S608 - fixed names
                "AND valid_to IS NULL",
                (end.isoformat(), old.name),
            )
            closed = Organisation(old.name, old.short_name, old.valid_from, end, old.source)
            return [*kept[:i], closed, *kept[i + 1 :]], closed
    return kept, None
