"""After a load run: did the database keep every rule while N seats wrote at once?

- order numbers: per day unique and consecutive from 1, and the day's counter at the last one;
- each order's events: a chain (each starts where the previous ended, the first from
  nothing) that ends in the order's status;
- the seats' local outboxes: nothing left waiting, nothing given up;
- every write the database acknowledged to a seat is there exactly once, and the bench's
  operators wrote nothing that was not acknowledged."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from agent_console.domain.enums import Role
from agent_console.domain.workflow import Action
from agent_console.store.models import (
    IntakeRecord,
    OrderCoHandler,
    OrderCounter,
    OrderEvent,
    OrderNote,
    WorkOrder,
)

# events a rule writes beside the desk's own (a reasonable unsatisfied callback reopens the
# order; the scan raises supervision; a seat's outcome creates the order), and the notes'
# events (a note is counted by its row in order_notes)
DERIVED = (Action.REOPEN.value, Action.SUPERVISE.value, Action.CREATE.value,
           *(a.value for a in Action if a.is_note))
EXAMPLES = 5  # how many offending numbers each failed check names
CHUNK = 5000  # ids per IN (…) list


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def check(bind: Engine | Connection, since: datetime, seats: list[dict]) -> dict:
    """``seats``: each process's result (its acknowledged keys, numbers, actions, notes and
    what its outbox still holds). ``bind`` may be a connection inside a transaction (it then
    sees what that transaction wrote)."""
    with Session(bind=bind) as s:
        numbers = _numbers(s, since)
        events = _events(s, since)
        acks = _acknowledged(s, since, seats)
        copies = _copies(s)
    outbox = {"outbox_waiting": sum(r["outbox_waiting"] for r in seats),
              "outbox_refused": sum(r["outbox_refused"] for r in seats)}
    ok = (not numbers["number_problems"] and not events["event_problems"]
          and not outbox["outbox_waiting"] and not outbox["outbox_refused"]
          and not acks["missing"] and not acks["duplicated"] and not acks["unacknowledged"]
          and not copies["co_handler_copy_problems"])
    return {"ok": ok, **numbers, **events, **outbox, **acks, **copies}


def _copies(s) -> dict:
    """Every co-handler row's copy of its order (what the unit queues read) equals the order."""
    ch = OrderCoHandler
    wrong = s.scalar(select(func.count()).select_from(ch)
                     .join(WorkOrder, WorkOrder.id == ch.order_id)
                     .where((ch.order_status != WorkOrder.status)
                            | (ch.order_due_at != WorkOrder.due_at)
                            | (ch.order_level != WorkOrder.supervision_level)
                            | (ch.order_created_at != WorkOrder.created_at)))
    return {"co_handler_copy_problems": wrong}


def _numbers(s, since: datetime) -> dict:
    days = sorted({f"{d:%Y%m%d}" for d in s.scalars(
        select(WorkOrder.created_at).where(WorkOrder.created_at >= since))})
    problems = []
    checked = 0
    for day in days:
        seqs = sorted(int(n[10:]) for n in s.scalars(
            select(WorkOrder.number).where(WorkOrder.number.like(f"TL{day}%"))))
        checked += len(seqs)
        counter = s.get(OrderCounter, day)
        duplicates = [n for n, c in Counter(seqs).items() if c > 1]
        gaps = sorted(set(range(1, (seqs[-1] if seqs else 0) + 1)) - set(seqs))
        if duplicates or gaps or counter is None or counter.last != (seqs[-1] if seqs else 0):
            problems.append({"day": day, "duplicates": duplicates[:EXAMPLES], "gaps": gaps[:EXAMPLES],
                             "counter": counter.last if counter else None,
                             "last": seqs[-1] if seqs else 0})
    provisional = s.scalar(select(func.count()).select_from(WorkOrder)
                           .where(WorkOrder.number.like("~%")))
    if provisional:
        problems.append({"provisional_numbers_left": provisional})
    return {"days": days, "numbers_checked": checked, "number_problems": problems}


def _events(s, since: datetime) -> dict:
    """Every order the run touched: its events in order form one chain ending in its status."""
    touched = sorted(set(s.scalars(select(OrderEvent.order_id).where(OrderEvent.at >= since))))
    problems = []
    for ids in _chunks(touched):
        status = dict(s.execute(select(WorkOrder.id, WorkOrder.status)
                                .where(WorkOrder.id.in_(ids))).all())
        chains: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
        for order_id, from_status, to_status in s.execute(
                select(OrderEvent.order_id, OrderEvent.from_status, OrderEvent.to_status)
                .where(OrderEvent.order_id.in_(ids)).order_by(OrderEvent.order_id, OrderEvent.id)):
            chains[order_id].append((from_status, to_status))
        for order_id in ids:
            chain = chains[order_id]
            where = None
            if not chain or chain[0][0] is not None:
                where = "first"
            else:
                for i in range(1, len(chain)):
                    if chain[i][0] != chain[i - 1][1]:
                        where = f"event {i + 1}"
                        break
            if where is None and chain[-1][1] != status.get(order_id):
                where = "last"
            if where is not None:
                problems.append({"order_id": order_id, "at": where})
    return {"orders_checked": len(touched), "event_problems": problems[:EXAMPLES],
            "event_problem_count": len(problems)}


def _acknowledged(s, since: datetime, seats: list[dict]) -> dict:
    missing, duplicated, unacknowledged = [], [], []
    # the seats' outcomes: each key recorded once (the outbox may deliver it twice)
    keys = [k for r in seats for k in r["intake_keys"]]
    found: Counter = Counter()
    for chunk in _chunks(keys):
        found.update(dict(s.execute(
            select(IntakeRecord.idempotency_key, func.count())
            .where(IntakeRecord.idempotency_key.in_(chunk))
            .group_by(IntakeRecord.idempotency_key)).all()))
    missing += [("intake", k) for k in keys if not found[k]][:EXAMPLES]
    duplicated += [("intake", k) for k, n in found.items() if n > 1][:EXAMPLES]
    # the seats' work orders, each under the number the seat was told
    numbers = [n for r in seats for n in r["order_numbers"]]
    have: Counter = Counter()
    for chunk in _chunks(numbers):
        have.update(s.scalars(select(WorkOrder.number).where(WorkOrder.number.in_(chunk))))
    missing += [("order", n) for n in numbers if not have[n]][:EXAMPLES]
    # the desks' order actions and notes: as many as acknowledged, by whom, and nothing a
    # desk wrote that it was not told of (the events a rule adds on its own aside)
    desks = sorted({r["operator_id"] for r in seats if r["role"] != Role.SEAT_AGENT.value})
    acked = Counter((n, act, a) for r in seats for n, act, a in map(tuple, r["actions"]))
    written: Counter = Counter()
    noted_acked = Counter((n, a) for r in seats for n, a in map(tuple, r["notes"]))
    noted: Counter = Counter()
    for chunk in _chunks(desks):
        for number, action, actor in s.execute(
                select(WorkOrder.number, OrderEvent.action, OrderEvent.actor_id)
                .join(WorkOrder, WorkOrder.id == OrderEvent.order_id)
                .where(OrderEvent.at >= since, OrderEvent.actor_id.in_(chunk),
                       OrderEvent.action.not_in(DERIVED))):
            written[(number, action, actor)] += 1
        for number, actor in s.execute(
                select(WorkOrder.number, OrderNote.actor_id)
                .join(WorkOrder, WorkOrder.id == OrderNote.order_id)
                .where(OrderNote.at >= since, OrderNote.actor_id.in_(chunk),
                       OrderNote.kind == Action.CONTACT.value)):
            noted[(number, actor)] += 1
    for triple, n in acked.items():
        if written[triple] < n:
            missing.append(("action", *triple))
        elif written[triple] > n:
            duplicated.append(("action", *triple))
    unacknowledged += [("action", *t) for t in written if t not in acked][:EXAMPLES]
    for pair, n in noted_acked.items():
        if noted[pair] != n:
            (missing if noted[pair] < n else duplicated).append(("note", *pair))
    unacknowledged += [("note", *p) for p in noted if p not in noted_acked][:EXAMPLES]
    return {"acknowledged_outcomes": len(keys), "acknowledged_orders": len(numbers),
            "acknowledged_actions": sum(acked.values()),
            "acknowledged_notes": sum(noted_acked.values()),
            "missing": missing[:EXAMPLES], "duplicated": duplicated[:EXAMPLES],
            "unacknowledged": unacknowledged[:EXAMPLES]}
