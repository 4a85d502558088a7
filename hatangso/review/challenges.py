"""Challenges: a predicted coverage contradicted by measurements or complaints, put to the operator.

As in the challenge process of the United States' national broadband map, a village the
model predicts covered by an operator but that the evidence says is not becomes a
*challenge* addressed to that operator, inside the review workflow of
:mod:`hatangso.review` (same roles, same append-only event log
``hatangso_review_events``, every step audited in the same transaction):

1. **Open** (the department, :func:`open_challenges`): for a period, every village ×
   operator × technology in class ``predicted_covered_measured_weak`` of the comparison
   (:func:`hatangso.evidence.load_evidence`), and every village with an open
   ``no_signal`` complaint naming that operator, or naming none while the operator is
   predicted to cover it with 4G (:func:`challenge_candidates`). One challenge a village ×
   operator × technology × period: opening again adds only new ones.
2. **Respond** (the operator concerned, :func:`respond`): *concede* (the village counts as
   a gap for that operator in that period) or *dispute* with evidence: a measurement file
   imported into the period as the campaign ``challenge-<id>``, in the same transaction as
   the response.
3. **Decide** (the department, :func:`decide_challenge`): *uphold* (the village counts as
   a gap) or *reject* (the prediction stands), with a note.

A challenge's status is the one set by its latest event: ``open``, ``conceded``,
``disputed``, ``upheld`` or ``rejected``. Conceded and upheld challenges are the period's
*overrides* (:func:`gap_overrides`): :func:`with_challenges` applies them to the engine's
result (:func:`coverage.overrides.apply_gap_overrides`), documented in
``docs/EVIDENCE.md``. Operators see and answer only their own challenges; the leadership
reads everything and changes nothing.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from coverage.overrides import apply_gap_overrides
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from hatangso import audit
from hatangso.access import Role, as_role, canonical_operator
from hatangso.review.challenge_candidates import challenge_candidates, complaint_villages
from hatangso.review.events import (
    EVENT_SELECT,
    actor_name,
    append_event,
    ensure_tables,
    event_from_row,
    resolve_id,
    timestamp,
)
from hatangso.review.model import ReviewError, ReviewEvent, ReviewPermissionError, clean_text

if TYPE_CHECKING:
    from coverage.engine import CoverageResult
    from geodata.store import Store, Tx

__all__ = [
    "BASIS_LABELS",
    "CHALLENGE_COLUMNS",
    "CHALLENGE_STATUSES",
    "COUNTS_AS_GAP",
    "STATUS_LABELS",
    "Challenge",
    "challenge_history",
    "challenges",
    "decide_challenge",
    "gap_overrides",
    "open_challenges",
    "respond",
    "with_challenges",
]

#: Every status of a challenge, in order of the workflow.
CHALLENGE_STATUSES: Final = ("open", "conceded", "disputed", "upheld", "rejected")
#: The statuses that make the village × operator × technology a gap in the period.
COUNTS_AS_GAP: Final = ("conceded", "upheld")
#: The statuses' names in Vietnamese.
STATUS_LABELS: Final = {
    "open": "Chờ nhà mạng trả lời",
    "conceded": "Nhà mạng chấp nhận",
    "disputed": "Nhà mạng phản bác",
    "upheld": "Sở giữ thách thức",
    "rejected": "Sở bác thách thức",
}
#: Why a challenge was opened, in Vietnamese.
BASIS_LABELS: Final = {
    "measured_weak": "Đo kiểm yếu",
    "complaints": "Phản ánh mất sóng",
    "measured_weak+complaints": "Đo kiểm yếu và phản ánh mất sóng",
}

#: Columns of :func:`challenges`.
CHALLENGE_COLUMNS: Final = (
    "challenge_id",
    "period",
    "operator",
    "village_id",
    "village",
    "commune_id",
    "tech",
    "basis",
    "n_samples",
    "median_dbm",
    "share_above_pct",
    "complaints",
    "opened_at",
    "opened_by",
    "status",
    "status_seq",
    "status_by",
    "status_at",
    "note",
    "evidence_campaign",
)

_TABLE: Final = "hatangso_challenges"
_DDL: Final = (
    "challenge_id TEXT PRIMARY KEY, period TEXT NOT NULL, operator TEXT NOT NULL, "
    "village_id TEXT NOT NULL, village TEXT, commune_id TEXT, tech TEXT NOT NULL, "
    "basis TEXT NOT NULL, n_samples INTEGER, median_dbm DOUBLE, share_above_pct DOUBLE, "
    "complaints INTEGER, opened_at TEXT NOT NULL, opened_by TEXT NOT NULL, "
    "UNIQUE (period, operator, village_id, tech)"
)
_STORED: Final = CHALLENGE_COLUMNS[:14]


@dataclasses.dataclass(frozen=True)
class Challenge:
    """One challenge with its current status (a row of :func:`challenges`)."""

    challenge_id: str
    period: str
    operator: str
    village_id: str
    tech: str
    status: str


def _tables(tx: Tx) -> None:
    ensure_tables(tx)
    tx.ensure_table(_TABLE, _DDL)


# --------------------------------------------------------------------------- writing


def _department(role: Role, what: str) -> None:
    if not role.can_publish:
        msg = f"{role!s} cannot {what}: only the department can."
        raise ReviewPermissionError(msg)


def open_challenges(
    store: Store,
    *,
    actor: str,
    role: str | Role,
    operator: str | None = None,
) -> pd.DataFrame:
    """Open a challenge for every candidate of the store's period (the department).

    Parameters
    ----------
    store
        The store, bound to its period.
    actor, role
        Who opens them; the department only.
    operator
        Only this operator (any spelling the importers accept).

    Returns
    -------
    pandas.DataFrame
        The candidates (:func:`challenge_candidates`) with ``challenge_id`` and ``new``
        (``False`` when the challenge was already open in the period).

    Raises
    ------
    ReviewPermissionError
        For a role other than the department.
    InputError
        No period, no villages, or an unknown operator.
    """
    from hatangso.evidence import load_evidence

    who, opener = actor_name(actor), as_role(role)
    _department(opener, "open challenges")
    wanted = None
    if operator is not None:
        wanted = canonical_operator(operator)
        if wanted is None:
            msg = f"unknown operator {operator!r}; e.g. --operator Viettel."
            raise InputError(msg)
    layers = store.read_all(crs=WORK_CRS)
    if "villages" not in layers:
        msg = f"{store.location}: has no villages layer in this period; import it first."
        raise InputError(msg)
    result = _engine(store, layers)
    view = load_evidence(store, role=Role("department"), layers=layers, result=result)
    period = str(store.info().as_of)
    complaints = store.read("complaints", crs=WORK_CRS) if store.has_layer("complaints") else None
    village_status = result.villages
    found = challenge_candidates(
        view.comparison.villages,
        village_status,
        complaint_villages(complaints, layers["villages"], view.comparison.settings.point_radius_m),
        operator=wanted,
    )
    ids, new = [], []
    with store.transaction() as tx:
        _tables(tx)
        at = timestamp()
        for r in found.to_dict("records"):
            old = tx.row(
                f"SELECT challenge_id FROM {_TABLE} WHERE period = ? AND operator = ? "  # noqa: S608
                "AND village_id = ? AND tech = ?",
                (period, r["operator"], r["village_id"], r["tech"]),
            )
            if old is not None:
                ids.append(str(old[0]))
                new.append(False)
                continue
            cid = uuid.uuid4().hex
            values = [cid, period, *(r[k] for k in ("operator", "village_id", "village"))]
            values += [r["commune_id"], r["tech"], r["basis"], int(r["n_samples"])]
            values += [_num(r["median_dbm"]), _num(r["share_above_pct"]), int(r["complaints"])]
            values += [at, who]
            tx.execute(
                f"INSERT INTO {_TABLE} ({', '.join(_STORED)}) "  # noqa: S608 - fixed names
                f"VALUES ({','.join('?' * len(_STORED))})",
                values,
            )
            append_event(
                tx, cid, at=at, actor=who, role=str(opener), action="challenge_open",
                status_to="open", reason=str(r["basis"]),
            )  # fmt: skip
            ids.append(cid)
            new.append(True)
        opened = int(sum(new))
        audit.record(
            tx,
            who,
            "challenge_opened",
            period,
            {"operator": wanted, "opened": opened, "already_open": len(new) - opened},
        )
    return found.assign(challenge_id=ids, new=np.asarray(new, dtype=bool))


def _engine(store: Store, layers: dict[str, Any]) -> CoverageResult:
    """Return the engine's result of the period (the prediction challenged)."""
    from coverage.engine import CoverageInputs, compute_coverage

    grids = {
        n: store.read_grid(n) if store.has_raster(n) else None
        for n in ("population_density", "elevation", "land_cover")
    }
    inputs = CoverageInputs.from_layers(
        layers,
        density=grids["population_density"],
        elevation=grids["elevation"],
        land_cover=grids["land_cover"],
    )
    return compute_coverage(inputs)


def _num(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _challenge(tx: Tx, challenge_id: str, role: Role) -> tuple[dict[str, Any], ReviewEvent]:
    """Return the stored challenge and its status event; a hidden one is refused as unknown."""
    _tables(tx)
    cid = resolve_id(tx, _TABLE, "challenge_id", challenge_id, "challenge")
    row = tx.row(
        f"SELECT {', '.join(_STORED)} FROM {_TABLE} WHERE challenge_id = ?",  # noqa: S608
        (cid,),
    )
    if row is None:  # pragma: no cover - resolve_id found it
        msg = f"no challenge {challenge_id!r}"
        raise ReviewError(msg)
    stored = dict(zip(_STORED, row, strict=True))
    if not role.sees_all_operators and stored["operator"] != role.operator:
        msg = f"no challenge {challenge_id!r} among those {role!s} can see; see `challenge list`."
        raise ReviewPermissionError(msg)
    last = tx.row(
        f"{EVENT_SELECT} WHERE proposal_id = ? AND status_to IS NOT NULL ORDER BY seq DESC LIMIT 1",
        (cid,),
    )
    if last is None:  # pragma: no cover - opening writes one
        msg = f"challenge {cid} has no opening event"
        raise ReviewError(msg)
    return stored, event_from_row(last)


def _where(stored: dict[str, Any]) -> str:
    return f"{stored['village'] or stored['village_id']} ({stored['operator']}, {stored['tech']})"


def respond(  # noqa: PLR0913 - the answer, its evidence and who gives it
    store: Store,
    challenge_id: str,
    *,
    concede: bool,
    actor: str,
    role: str | Role,
    evidence: str | Path | None = None,
    note: str | None = None,
) -> ReviewEvent:
    """Concede a challenge, or dispute it with a measurement file (the operator concerned).

    Parameters
    ----------
    store
        The store (its period is the challenge's, whatever it is bound to).
    challenge_id
        The challenge (id or unique prefix).
    concede
        ``True`` to concede, ``False`` to dispute (``evidence`` required).
    actor, role
        Who answers: ``operator:<Name>``, the operator the challenge is addressed to.
    evidence
        A measurement file (any layout ``hatangso import --layer measurements`` reads),
        imported into the challenge's period in the same transaction as the response;
        its samples belong to the campaign ``challenge-<id8>`` unless the file names its
        own campaign (the event and the audit name the file and the campaign).
    note
        What the operator says.

    Returns
    -------
    ReviewEvent

    Raises
    ------
    ReviewPermissionError
        Another operator (the challenge is refused as unknown), the department or the
        leadership.
    ReviewError
        A challenge already answered or decided, a dispute without evidence, or evidence
        without a single valid sample.
    """
    from geodata.importer import EvidenceOptions, import_file

    who, answerer = actor_name(actor), as_role(role)
    why = clean_text(note) if note else None
    if not concede and not evidence:
        msg = "a dispute needs evidence: --evidence FILE (a measurement log of the village)."
        raise ReviewError(msg)
    with store.transaction() as tx:
        stored, current = _challenge(tx, challenge_id, answerer)
    if answerer.kind != "operator" or answerer.operator != stored["operator"]:
        msg = f"{answerer!s} cannot answer challenge {_where(stored)}: only {stored['operator']}."
        raise ReviewPermissionError(msg)
    if current.status_to != "open":
        msg = f"challenge {_where(stored)} is already {current.status_to}; it cannot be answered."
        raise ReviewError(msg)
    cid = str(stored["challenge_id"])
    status = "conceded" if concede else "disputed"

    def record(tx: Tx, samples: int | None) -> ReviewEvent:
        _, now = _challenge(tx, cid, answerer)
        if now.status_to != "open":  # answered meanwhile
            msg = f"challenge {_where(stored)} was answered meanwhile; reload it."
            raise ReviewError(msg)
        event = append_event(
            tx, cid, at=timestamp(), actor=who, role=str(answerer),
            action="concede" if concede else "dispute", status_from="open", status_to=status,
            reason=None if concede else f"challenge-{cid[:8]}", comment=why,
        )  # fmt: skip
        detail = {"village_id": stored["village_id"], "operator": stored["operator"]}
        detail |= {"tech": stored["tech"], "status": status, "evidence_samples": samples}
        if evidence:
            detail |= {"evidence_file": Path(str(evidence)).name}
        audit.record(tx, who, "challenge_response", cid, detail)
        return event

    if concede:
        with store.transaction() as tx:
            return record(tx, None)
    done: list[ReviewEvent] = []
    layer = import_file(
        Path(str(evidence)),
        layer="measurements",
        into=store.at(stored["period"]),
        as_of=stored["period"],
        evidence=EvidenceOptions(campaign=f"challenge-{cid[:8]}"),
        operator=stored["operator"],
        actor=who,
        also=lambda tx, _layer, count: done.append(record(tx, count)),
    )
    if not done or layer is None:  # pragma: no cover - import_file raises instead
        msg = f"{evidence}: no measurement was imported; the dispute was not recorded."
        raise ReviewError(msg)
    return done[0]


def decide_challenge(  # noqa: PLR0913 - the decision and who makes it
    store: Store,
    challenge_id: str,
    *,
    uphold: bool,
    actor: str,
    role: str | Role,
    note: str | None = None,
) -> ReviewEvent:
    """Uphold or reject a challenge (the department).

    Parameters
    ----------
    store
        The store.
    challenge_id
        The challenge (id or unique prefix), open or disputed.
    uphold
        ``True``: the village counts as a gap; ``False``: the prediction stands.
    actor, role
        Who decides; the department only.
    note
        Why.

    Returns
    -------
    ReviewEvent

    Raises
    ------
    ReviewPermissionError
        For a role other than the department.
    ReviewError
        A challenge already conceded or decided.
    """
    who, decider = actor_name(actor), as_role(role)
    _department(decider, "decide a challenge")
    status = "upheld" if uphold else "rejected"
    with store.transaction() as tx:
        stored, current = _challenge(tx, challenge_id, decider)
        if current.status_to not in {"open", "disputed"}:
            msg = f"challenge {_where(stored)} is already {current.status_to}; nothing to decide."
            raise ReviewError(msg)
        cid = str(stored["challenge_id"])
        event = append_event(
            tx, cid, at=timestamp(), actor=who, role=str(decider), action="decide",
            status_from=current.status_to, status_to=status,
            reason=clean_text(note) if note else None,
        )  # fmt: skip
        detail = {"village_id": stored["village_id"], "operator": stored["operator"]}
        detail |= {"tech": stored["tech"], "from": current.status_to, "to": status}
        audit.record(tx, who, "challenge_decision", cid, detail | {"note": event.reason})
    return event


# --------------------------------------------------------------------------- reading


def challenges(
    store: Store, *, role: str | Role = "viewer", period: str | None = None
) -> pd.DataFrame:
    """Return the challenges a role may see, with their current status.

    Parameters
    ----------
    store
        The store.
    role
        Who looks: an operator sees its own challenges only.
    period
        Only this period (default every period).

    Returns
    -------
    pandas.DataFrame
        :data:`CHALLENGE_COLUMNS`, newest period first, then operator and village.
    """
    viewer = as_role(role)
    with store.transaction() as tx:
        _tables(tx)
        rows = tx.rows(f"SELECT {', '.join(_STORED)} FROM {_TABLE}")  # noqa: S608
        inner = f"(SELECT challenge_id FROM {_TABLE})"  # noqa: S608 - fixed names
        events = tx.rows(f"{EVENT_SELECT} WHERE status_to IS NOT NULL AND proposal_id IN {inner}")
    frame = pd.DataFrame(rows, columns=list(_STORED))
    if period is not None:
        frame = frame[frame["period"] == str(period)]
    if not viewer.sees_all_operators:
        frame = frame[frame["operator"] == viewer.operator]
    latest: dict[str, ReviewEvent] = {}
    for e in map(event_from_row, events):
        if e.proposal_id not in latest or e.seq > latest[e.proposal_id].seq:
            latest[e.proposal_id] = e
    ids = frame["challenge_id"].astype(str)
    frame["status"] = [latest[c].status_to for c in ids]
    frame["status_seq"] = [latest[c].seq for c in ids]
    frame["status_by"] = [latest[c].actor for c in ids]
    frame["status_at"] = [latest[c].at for c in ids]
    frame["note"] = [
        latest[c].reason if latest[c].action == "decide" else latest[c].comment for c in ids
    ]
    frame["evidence_campaign"] = [
        latest[c].reason if latest[c].action == "dispute" else None for c in ids
    ]
    out = frame.sort_values(["operator", "village_id", "tech"]).sort_values(
        "period", ascending=False, kind="stable"
    )
    return out.reindex(columns=list(CHALLENGE_COLUMNS)).reset_index(drop=True)


def challenge_history(
    store: Store, challenge_id: str, *, role: str | Role = "viewer"
) -> list[ReviewEvent]:
    """Return every event of a challenge, oldest first (refused as unknown when hidden)."""
    with store.transaction() as tx:
        stored, _ = _challenge(tx, challenge_id, as_role(role))
        rows = tx.rows(
            f"{EVENT_SELECT} WHERE proposal_id = ? ORDER BY seq", (stored["challenge_id"],)
        )
    return [event_from_row(r) for r in rows]


def gap_overrides(store: Store, period: str | None = None) -> pd.DataFrame:
    """Return the period's conceded and upheld challenges as overrides.

    Parameters
    ----------
    store
        The store.
    period
        The period (default the store's).

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``operator``, ``tech``, ``challenge_id``, ``status``
        (:func:`coverage.overrides.apply_gap_overrides` takes it as is).
    """
    when = period or store.period
    rows = challenges(store, period=str(when)) if when else pd.DataFrame()
    if not len(rows):
        return pd.DataFrame(columns=["village_id", "operator", "tech", "challenge_id", "status"])
    chosen = rows[rows["status"].isin(COUNTS_AS_GAP)]
    return chosen[["village_id", "operator", "tech", "challenge_id", "status"]].reset_index(
        drop=True
    )


def with_challenges(store: Store, result: CoverageResult) -> CoverageResult:
    """Return the engine's result with the period's accepted challenges counted as gaps.

    Parameters
    ----------
    store
        The store, bound to the result's period.
    result
        :func:`coverage.engine.compute_coverage` of that period.

    Returns
    -------
    CoverageResult
        ``result`` itself when no challenge counts as a gap; else the adjusted result,
        whose ``overrides`` says which figures come from challenges.
    """
    overrides = gap_overrides(store)
    return apply_gap_overrides(result, overrides) if len(overrides) else result
