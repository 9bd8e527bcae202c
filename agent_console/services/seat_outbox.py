"""A seat's outcomes travel through the local outbox: committed on this machine first (that is
when the screen may say 已记录), then delivered to the database under their idempotency key,
in order, exactly once; the drafts the agent types are kept locally the same way."""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Outcome, Role
from agent_console.domain.intake import IntakeDraft
from agent_console.services.dto import IntakeResult, OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.services.health import DbHealth, is_outage
from agent_console.services.intake import IntakeService, SavedDraft
from agent_console.store.outbox import Entry, Outbox

log = logging.getLogger(__name__)

# The one-key outcomes (IntakeService methods) and the words for them.
KINDS = {
    "answer_online": Outcome.ANSWERED,
    "transfer_to_expert": Outcome.EXPERT,
    "create_work_order": Outcome.WORK_ORDER,
    "not_accepted": Outcome.NOT_ACCEPTED,
    "emergency_handoff": Outcome.EMERGENCY,
    "warn_caller": Outcome.WARNING,
    "record_hung_up": Outcome.HUNG_UP,
    "record_invalid": Outcome.INVALID,
}
DELIVERED, PENDING, REFUSED = "delivered", "pending", "refused"
MAX_ATTEMPTS = 5  # an outcome the database keeps failing for no outage is refused after these


@dataclass(frozen=True)
class SeatCommand:
    """One outcome as the seat decided it: what, by whom, on which form, with what inputs."""

    kind: str
    operator: OperatorInfo
    draft: IntakeDraft
    started_at: datetime
    args: dict = field(default_factory=dict)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def label(self) -> str:
        return KINDS[self.kind].label

    def payload(self) -> dict:
        op = self.operator
        return {"operator": {"id": op.id, "staff_no": op.staff_no, "name": op.name,
                             "role": op.role.value, "unit_id": op.unit_id,
                             "unit_name": op.unit_name},
                "draft": self.draft.to_dict(), "started_at": self.started_at.isoformat(),
                "args": self.args}

    @classmethod
    def from_entry(cls, entry: Entry) -> SeatCommand:
        p = entry.payload
        op = p["operator"]
        operator = OperatorInfo(op["id"], op["staff_no"], op["name"], Role(op["role"]),
                                op.get("unit_id"), op.get("unit_name"))
        return cls(entry.kind, operator, IntakeDraft.from_dict(p["draft"]),
                   datetime.fromisoformat(p["started_at"]), dict(p.get("args") or {}), entry.key)


@dataclass(frozen=True)
class Sent:
    """What became of an outcome: delivered (with the result), pending (kept here, waiting for
    the database) or refused by a rule (``error``: the form stays as it was)."""

    status: str
    command: SeatCommand
    result: IntakeResult | None = None
    error: ServiceError | None = None
    waiting: int = 0


@dataclass(frozen=True)
class FlushReport:
    delivered: tuple[tuple[SeatCommand, IntakeResult], ...] = ()
    refused: tuple[tuple[SeatCommand, str], ...] = ()
    waiting: int = 0
    outage: bool = False


def _result_dict(result: IntakeResult) -> dict:
    out = asdict(result)
    if result.due_at is not None:
        out["due_at"] = result.due_at.isoformat()
    return out


class SeatOutbox:
    def __init__(self, intake: IntakeService, outbox: Outbox, health: DbHealth,
                 clock: Clock) -> None:
        self._intake = intake
        self._outbox = outbox
        self._health = health
        self._clock = clock
        self._sending = threading.Lock()  # one delivery at a time, oldest first

    @property
    def path(self):
        return self._outbox.path

    def close(self) -> None:
        self._outbox.close()

    # ------------------------------------------------------------------ outcomes
    def record(self, command: SeatCommand) -> Sent:
        """Keep the outcome locally, then deliver what waits (this one last). Runs in a
        worker: the event loop never waits on either database."""
        if command.kind not in KINDS:
            raise ValueError(command.kind)
        try:
            self._outbox.put(command.key, command.operator.id, command.kind, command.payload(),
                             self._clock.now(), blank_draft=IntakeDraft().to_dict())
            kept = True
        except (sqlite3.Error, OSError):
            log.exception("local outbox not writable; delivering %s directly", command.key)
            kept = False
        if kept and not self._health.up:
            return Sent(PENDING, command, waiting=self.counts()[0])
        with self._sending:
            if kept:
                report = self._flush_locked(stop_before=command.key)
                if report.outage:
                    return Sent(PENDING, command, waiting=report.waiting)
            try:
                result = self._send(command)
            except ServiceError as exc:
                # refused while the agent still has the form: nothing to keep here
                if kept:
                    self._outbox.withdraw(command.key, command.operator.id,
                                          command.draft.to_dict(), command.started_at,
                                          self._clock.now())
                return Sent(REFUSED, command, error=exc)
            except Exception as exc:
                if is_outage(exc):
                    self._health.failed(exc)
                else:  # e.g. a constraint race with another seat: kept, tried again
                    log.exception("delivering %s failed; kept for the next try", command.key)
                if not kept:
                    raise
                self._outbox.attempted(command.key, str(exc))
                return Sent(PENDING, command, waiting=self.counts()[0])
            if kept:
                self._outbox.delivered(command.key, _result_dict(result), self._clock.now())
            return Sent(DELIVERED, command, result)

    def _send(self, command: SeatCommand) -> IntakeResult:
        method = getattr(self._intake, command.kind)
        result = method(command.operator, command.draft, command.started_at, key=command.key,
                        **command.args)
        self._health.ok()
        return result

    def flush(self) -> FlushReport:
        """Deliver everything waiting, oldest first; stop at the first outage."""
        if not self._sending.acquire(blocking=False):
            return FlushReport(waiting=self.counts()[0])
        try:
            return self._flush_locked()
        finally:
            self._sending.release()

    def _flush_locked(self, stop_before: str | None = None) -> FlushReport:
        delivered, refused = [], []
        for entry in self._outbox.pending():
            if entry.key == stop_before:
                break
            command = SeatCommand.from_entry(entry)
            try:
                result = self._send(command)
            except ServiceError as exc:
                self._outbox.refused(entry.key, exc.message, self._clock.now())
                refused.append((command, exc.message))
                continue
            except Exception as exc:
                if is_outage(exc):
                    self._health.failed(exc)
                    self._outbox.attempted(entry.key, str(exc))
                    return FlushReport(tuple(delivered), tuple(refused), self.counts()[0], True)
                log.exception("delivering %s failed (attempt %d)", entry.key, entry.attempts + 1)
                if entry.attempts + 1 < MAX_ATTEMPTS:  # a race with another seat: later, in order
                    self._outbox.attempted(entry.key, str(exc))
                    return FlushReport(tuple(delivered), tuple(refused), self.counts()[0], False)
                self._outbox.refused(entry.key, "系统错误，详情见日志", self._clock.now())
                refused.append((command, "系统错误，详情见日志"))
                continue
            self._outbox.delivered(entry.key, _result_dict(result), self._clock.now())
            delivered.append((command, result))
        return FlushReport(tuple(delivered), tuple(refused), self.counts()[0], False)

    def counts(self) -> tuple[int, int]:
        """(waiting, refused) on this machine."""
        return self._outbox.counts()

    def entries(self, limit: int = 200) -> list[Entry]:
        return self._outbox.entries(limit)

    def held_submissions(self) -> frozenset[int]:
        """Online submissions whose outcome waits here (never handed back to the queue)."""
        out = set()
        for entry in self._outbox.pending():
            sid = (entry.payload.get("draft") or {}).get("submission_id")
            if sid not in (None, ""):
                out.add(int(sid))
        return frozenset(out)

    def take_back(self, key: str) -> SeatCommand | None:
        """A refused outcome back into the form: removed from here, its draft returned."""
        entry = self._outbox.get(key)
        if entry is None or entry.status != "refused":
            return None
        self._outbox.remove(key)
        return SeatCommand.from_entry(entry)

    # ------------------------------------------------------------------ drafts
    def save_draft(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime) -> bool:
        """On this machine and in the database (either is enough to survive; both are tried).
        True if the database has it. Raises only when neither could keep it."""
        now = self._clock.now()
        local_error: BaseException | None = None
        try:
            self._outbox.save_draft(operator.id, draft.to_dict(), started_at, now)
        except (sqlite3.Error, OSError) as exc:
            log.exception("draft not kept on this machine")
            local_error = exc
        try:
            self._intake.save_draft(operator, draft, started_at)
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._health.failed(exc)
            if local_error is not None:
                raise local_error from exc
            return False
        self._health.ok()
        return True

    def load_draft(self, operator: OperatorInfo) -> SavedDraft | None:
        """The newer of the local draft and the database's (the same agent at another seat);
        a blank local draft is a discard the database may not have heard of yet."""
        local = self._outbox.load_draft(operator.id)
        remote = None
        try:
            remote = self._intake.load_draft(operator)
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._health.failed(exc)
        if local is not None and (remote is None or remote.updated_at is None
                                  or local.updated_at >= remote.updated_at):
            draft = IntakeDraft.from_dict(local.data)
            return None if draft.is_blank else SavedDraft(draft, local.started_at,
                                                          local.updated_at)
        return remote

    def discard_draft(self, operator: OperatorInfo) -> None:
        now = self._clock.now()
        self._outbox.save_draft(operator.id, IntakeDraft().to_dict(), now, now)
        try:
            self._intake.discard_draft(operator)
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._health.failed(exc)
        else:
            self._health.ok()
