"""Art. 3: requests from the website, WeChat, e-mail and 蒙速办 arrive in an intake queue.

``agent-console intake import FILE.jsonl`` and the watched drop folder put them in; agents take
the oldest one into the same incoming form and end it with the same one-key outcomes."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Channel
from agent_console.domain.intake import CONTENT_MAX, IntakeDraft
from agent_console.domain.phone import normalise_phone
from agent_console.domain.text import check_text
from agent_console.jsonl import read_jsonl
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.health import is_outage
from agent_console.store.models import OnlineSubmission

ONLINE_CHANNELS = tuple(c.value for c in Channel if c is not Channel.PHONE)
log = logging.getLogger(__name__)

PENDING, TAKEN, DONE = "pending", "taken", "processed"
CLAIM_ATTEMPTS = 200  # each lost claim is a row another seat took
STATUS_LABELS = {PENDING: "待处理", TAKEN: "处理中", DONE: "已处理"}
MAX_ERRORS = 20
# A taken submission is the seat's while the seat shows it (its heartbeat renews the lease);
# a seat that crashed stops renewing and the submission goes back to the queue.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Submission:
    id: int
    channel: str
    external_id: str
    received_at: datetime
    caller_phone: str
    caller_name: str
    content: str
    address: str
    region: str | None

    def to_draft(self) -> IntakeDraft:
        return IntakeDraft(caller_number=self.caller_phone, caller_name=self.caller_name,
                           channel=self.channel, content=self.content, address=self.address,
                           region=self.region or "", submission_id=self.id)


@dataclass(frozen=True)
class QueueRow:
    id: int
    channel: str
    external_id: str
    received_at: datetime
    status: str
    taken_by: str
    taken_at: datetime | None


@dataclass(frozen=True)
class SubmissionImport:
    added: int
    duplicates: int


def _as_submission(row: OnlineSubmission) -> Submission:
    return Submission(row.id, row.channel, row.external_id, row.received_at, row.caller_phone,
                      row.caller_name, row.content, row.address, row.region)


class OnlineIntakeService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock,
                 regions: frozenset[str] | None = None) -> None:
        self._factory = factory
        self._clock = clock
        self._regions = regions

    # ------------------------------------------------------------------ arriving
    def _validate(self, rows: list[dict]) -> tuple[list[dict], dict[str, str]]:
        clean, errors = [], {}
        for n, row in enumerate(rows, 1):
            if len(errors) >= MAX_ERRORS:
                break
            key = f"第{n}行"
            channel = str(row.get("channel") or "").strip()
            ext = str(row.get("id") or row.get("external_id") or "").strip()
            content = str(row.get("content") or "")
            phone_raw = str(row.get("phone") or row.get("caller_phone") or "").strip()
            name = str(row.get("name") or row.get("caller_name") or "")
            address = str(row.get("address") or "")
            region = str(row.get("region") or "").strip() or None
            if channel not in ONLINE_CHANNELS:
                errors[key] = f"渠道应为：{'、'.join(ONLINE_CHANNELS)}"
                continue
            if not ext or len(ext) > 64:
                errors[key] = "缺少来件编号 id（最多64个字符）"
                continue
            if msg := check_text("来件编号", ext, max_len=64, allow_emoji=False):
                errors[key] = msg  # a NUL in an id made PostgreSQL refuse the whole file
                continue
            if msg := (check_text("诉求内容", content, required=True, min_len=2, max_len=CONTENT_MAX,
                                  allow_newlines=True)
                       or check_text("姓名", name, max_len=40)
                       or check_text("地址", address, max_len=400)):
                errors[key] = f"{ext}：{msg}"
                continue
            phone = ""
            if phone_raw:
                checked = normalise_phone(phone_raw)
                if checked.error:
                    errors[key] = f"{ext}：{checked.error}"
                    continue
                phone = checked.number
            received = row.get("received_at")
            try:
                received_at = datetime.fromisoformat(str(received)) if received else self._clock.now()
            except ValueError:
                errors[key] = f"{ext}：收件时间应为 ISO 格式，如 2026-11-26T09:30:00"
                continue
            if region and self._regions is not None and region not in self._regions:
                region = None  # an unknown region is left for the agent to choose
            clean.append(dict(channel=channel, external_id=ext, content=content.strip(),
                              caller_phone=phone, caller_name=name.strip(),
                              address=address.strip(), region=region,
                              received_at=received_at.replace(tzinfo=None)))
        return clean, errors

    def import_rows(self, rows: list[dict]) -> SubmissionImport:
        """All rows or none; a submission already received (same channel and id) is skipped."""
        clean, errors = self._validate(rows)
        if errors:
            raise ValidationFailed(errors)
        added = dup = 0
        with self._factory.begin() as s:
            for item in clean:
                exists = s.scalar(select(OnlineSubmission.id).where(
                    OnlineSubmission.channel == item["channel"],
                    OnlineSubmission.external_id == item["external_id"]))
                if exists:
                    dup += 1
                    continue
                s.add(OnlineSubmission(status=PENDING, **item))
                s.flush()
                added += 1
        return SubmissionImport(added, dup)

    def import_file(self, path: Path) -> SubmissionImport:
        if not path.exists():
            raise ServiceError(f"文件不存在：{path}")
        try:
            rows = read_jsonl(path)
        except ValueError as exc:
            raise ServiceError(str(exc)) from exc
        if not rows:
            raise ServiceError("文件中没有来件")
        return self.import_rows(rows)

    def sweep_folder(self, folder: Path) -> list[tuple[str, str]]:
        """Import every *.jsonl in the drop folder, each on its own: imported → processed/,
        refused or unreadable → failed/ with a reason file beside it; a name already there is
        never overwritten. A bad file (a NUL in an id, a folder named x.jsonl, bytes that are
        not UTF-8) never blocks the files after it; only an outage stops the sweep, leaving the
        rest where they are for the next one. Returns (file name, result) pairs."""
        results = []
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        (folder / "failed").mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.glob("*.jsonl")):
            if not path.is_file():
                results.append(self._failed(folder, path, "不是文件（目录或特殊文件），未导入"))
                continue
            try:
                report = self.import_file(path)
            except ValidationFailed as exc:
                reason = "\n".join(f"{k}：{v}" for k, v in exc.errors.items())
                results.append(self._failed(folder, path, reason,
                                            f"失败：{len(exc.errors)} 处错误"))
                continue
            except ServiceError as exc:
                results.append(self._failed(folder, path, exc.message))
                continue
            except Exception as exc:  # noqa: BLE001 - one file's fault must not stop the rest
                if is_outage(exc):
                    results.append((path.name, "数据库连接中断：本次停止，文件留待下次导入"))
                    break
                log.exception("importing %s failed", path)
                results.append(self._failed(folder, path, f"导入出错（{type(exc).__name__}），"
                                                          "请检查文件内容；详情见日志"))
                continue
            target = _free_name(folder / "processed", path.name)
            shutil.move(str(path), target)
            note = "" if target.name == path.name else f"（已存为 {target.name}）"
            results.append((path.name, f"新增 {report.added} 件，重复 {report.duplicates} 件{note}"))
        return results

    @staticmethod
    def _failed(folder: Path, path: Path, reason: str, result: str | None = None):
        target = _free_name(folder / "failed", path.name)
        try:
            shutil.move(str(path), target)
            target.with_suffix(".errors.txt").write_text(reason + "\n", encoding="utf-8")
        except OSError as exc:  # cannot even move it: say so, the next file still goes
            return path.name, f"失败：{reason}；且无法移入 failed/（{exc.strerror or exc}）"
        return path.name, result or f"失败：{reason}"

    # ------------------------------------------------------------------ the queue
    def pending_count(self) -> int:
        with self._factory() as s:
            return s.scalar(select(func.count()).select_from(OnlineSubmission)
                            .where(OnlineSubmission.status == PENDING)) or 0

    def queue(self, limit: int = 200) -> list[Submission]:
        with self._factory() as s:
            rows = s.scalars(select(OnlineSubmission).where(OnlineSubmission.status == PENDING)
                             .order_by(OnlineSubmission.received_at, OnlineSubmission.id)
                             .limit(limit)).all()
            return [_as_submission(r) for r in rows]

    def take_next(self, operator: OperatorInfo) -> Submission | None:
        """Claim the oldest pending submission; two agents never get the same one. Leases of
        seats that stopped renewing are handed back first."""
        self.expire_leases()
        # PostgreSQL: FOR UPDATE SKIP LOCKED hands each seat a different row at once, so the
        # queue is never "empty" while something is pending (five read-then-claim attempts lost
        # the race 262 times in 300 with twenty seats). SQLite ignores the clause and
        # serialises writers: a lost claim means another seat took that row, so trying again
        # always makes progress and ends when the queue is empty.
        for _attempt in range(CLAIM_ATTEMPTS):
            with self._factory.begin() as s:
                row = s.scalar(select(OnlineSubmission).where(OnlineSubmission.status == PENDING)
                               .order_by(OnlineSubmission.received_at, OnlineSubmission.id)
                               .limit(1).with_for_update(skip_locked=True))
                if row is None:
                    return None
                claimed = s.execute(
                    update(OnlineSubmission)
                    .where(OnlineSubmission.id == row.id, OnlineSubmission.status == PENDING)
                    .values(status=TAKEN, taken_by_id=operator.id, taken_at=self._clock.now(),
                            version=OnlineSubmission.version + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed == 1:
                    return _as_submission(row)
        return None

    def _give_back(self, s: Session, *where) -> int:
        return s.execute(update(OnlineSubmission)
                         .where(OnlineSubmission.status == TAKEN, *where)
                         .values(status=PENDING, taken_by_id=None, taken_at=None,
                                 version=OnlineSubmission.version + 1)
                         .execution_options(synchronize_session=False)).rowcount

    def release(self, operator: OperatorInfo, submission_id: int) -> None:
        """Give a taken submission back to the queue (the agent abandoned the call)."""
        with self._factory.begin() as s:
            self._give_back(s, OnlineSubmission.id == submission_id,
                            OnlineSubmission.taken_by_id == operator.id)

    def renew(self, operator: OperatorInfo, submission_id: int) -> bool:
        """The seat still has it on screen: the lease starts again. False if it is no longer
        this seat's (handed back after a crash, or released)."""
        with self._factory.begin() as s:
            return s.execute(update(OnlineSubmission)
                             .where(OnlineSubmission.id == submission_id,
                                    OnlineSubmission.status == TAKEN,
                                    OnlineSubmission.taken_by_id == operator.id)
                             .values(taken_at=self._clock.now())
                             .execution_options(synchronize_session=False)).rowcount == 1

    def reclaim(self, operator: OperatorInfo, keep: frozenset[int] = frozenset()) -> int:
        """At a seat's start: what it had taken and no longer holds (no draft shows it, no
        outcome for it waits in the outbox) goes back to the queue."""
        with self._factory.begin() as s:
            where = [OnlineSubmission.taken_by_id == operator.id]
            if keep:
                where.append(OnlineSubmission.id.not_in(sorted(keep)))
            return self._give_back(s, *where)

    def expire_leases(self) -> int:
        with self._factory.begin() as s:
            return self._give_back(s, OnlineSubmission.taken_at < self._clock.now() - LEASE)

    def release_any(self, submission_id: int) -> Submission:
        """``agent-console intake release ID``: an administrator hands a taken submission back
        whoever took it."""
        with self._factory.begin() as s:
            row = s.get(OnlineSubmission, submission_id)
            if row is None:
                raise ServiceError(f"网上来件 {submission_id} 不存在")
            if row.status != TAKEN:
                raise ServiceError(f"网上来件 {submission_id} 当前为“{STATUS_LABELS.get(row.status, row.status)}”，"
                                   "无需退回")
            self._give_back(s, OnlineSubmission.id == submission_id)
            return _as_submission(row)

    def listing(self, limit: int = 200) -> list[QueueRow]:
        """Waiting and taken submissions, oldest first (for ``intake list``)."""
        from agent_console.store.models import Operator

        with self._factory() as s:
            rows = s.execute(
                select(OnlineSubmission, Operator.staff_no, Operator.name)
                .outerjoin(Operator, Operator.id == OnlineSubmission.taken_by_id)
                .where(OnlineSubmission.status.in_([PENDING, TAKEN]))
                .order_by(OnlineSubmission.received_at, OnlineSubmission.id).limit(limit)).all()
            return [QueueRow(r.id, r.channel, r.external_id, r.received_at, r.status,
                             f"{no} {name}" if no else "", r.taken_at)
                    for r, no, name in rows]


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3`` … before the suffix when that is taken."""
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists() or target.with_suffix(".errors.txt").exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def mark_processed(s: Session, submission_id: int, intake_id: int) -> None:
    """Inside the outcome's own transaction: the submission and its intake record land together."""
    row = s.get(OnlineSubmission, submission_id)
    if row is None:
        raise ServiceError("网上来件不存在")
    if row.status == DONE:
        raise ServiceError("该网上来件已处理过")
    row.status = DONE
    row.intake_id = intake_id
