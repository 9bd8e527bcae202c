"""Art. 14–15: the experts the handling units place at the centre, their presence, the duty
roster routing reads, and the life of a transferred call: waiting (for an expert, or in the
category's queue), accepted, then ended by the expert (answered, work order, handed back) or
taken back by the seat before anyone accepted it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import (
    Outcome,
    Presence,
    RevisionAction,
    RevisionStatus,
    Role,
    TransferOutcome,
    TransferStatus,
)
from agent_console.domain.phone import mask_phone
from agent_console.domain.text import check_text
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import OperatorInfo, TransferRow
from agent_console.services.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from agent_console.store.models import (
    Caller,
    ExpertPresence,
    ExpertRoster,
    ExpertTransfer,
    IntakeRecord,
    KbArticle,
    KbRevision,
    Operator,
    Unit,
    WorkOrder,
)
from agent_console.store.notify import KB, TRANSFERS, notify_in

EXPERT_ROLES = frozenset({Role.EXPERT, Role.ADMIN})
ROSTER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER})
PRESENCE_TTL = timedelta(seconds=90)  # a console silent this long is away (crashed, cable)
HEARTBEAT_SECONDS = 30.0
ANSWER_MAX = 4000
NOTE_MAX = 1000
ATTENTION_MIN_CALLS = 20  # Art. 14(2): fewer calls in 30 days than this is never flagged
ATTENTION_TOP = 10        # … and only the ten categories called about most can be


@dataclass(frozen=True)
class ExpertOnDuty:
    operator_id: int
    staff_no: str
    name: str
    unit_name: str
    status: Presence
    load: int = 0  # calls waiting for or accepted by this expert

    @property
    def label(self) -> str:
        unit = f"（{self.unit_name}）" if self.unit_name else ""
        return f"{self.staff_no} {self.name}{unit} {self.status.label}"


@dataclass(frozen=True)
class DutyPicture:
    """Who is on duty for a category right now and how many calls are waiting for them."""

    category_id: int | None
    category: str
    experts: tuple[ExpertOnDuty, ...]
    waiting: int

    @property
    def reachable(self) -> bool:
        """Someone logged in covers the category (available now, or after a break or call)."""
        return any(e.status is not Presence.OFFLINE for e in self.experts)

    @property
    def available(self) -> tuple[ExpertOnDuty, ...]:
        return tuple(e for e in self.experts if e.status is Presence.AVAILABLE)


@dataclass(frozen=True)
class RosterRow:
    id: int
    staff_no: str
    name: str
    unit_name: str
    categories: tuple[str, ...]
    starts_on: date
    ends_on: date | None
    note: str
    active: bool
    presence: Presence


@dataclass(frozen=True)
class TransferState:
    """A transfer as its seat sees it while waiting (and after)."""

    id: int
    status: str
    outcome: str | None
    expert: str
    waited_seconds: float
    connection: str
    note: str = ""
    answer_text: str = ""
    order_number: str | None = None
    intake_id: int | None = None

    @property
    def waiting(self) -> bool:
        return self.status == TransferStatus.WAITING

    @property
    def back_at_seat(self) -> bool:
        return self.outcome is not None and TransferOutcome(self.outcome).back_at_seat


@dataclass(frozen=True)
class CallView:
    """The transferred call as the expert sees it: read-only."""

    transfer: TransferRow
    caller_name: str
    channel: str
    request_type: str
    urgency: str
    region: str
    address: str
    category: str
    category_id: int | None
    started_at: datetime
    waited_seconds: float
    history: tuple[tuple[datetime, str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AttentionRow:
    """Art. 14(2): a category's calls and how many were answered on the call."""

    category_id: int
    category: str
    calls_7: int
    calls_30: int
    answered_30: int
    flagged: bool

    @property
    def direct_rate(self) -> float | None:
        return self.answered_30 / self.calls_30 if self.calls_30 else None


def _covered(catalog: CatalogService, category_ids: Iterable[int]) -> set[int]:
    """The categories a roster names and every category below them."""
    cats = catalog.categories()
    chosen = {c for c in category_ids if c in cats}
    # one startswith of a tuple a category: a roster of a domain's 20 leaves is read for
    # every expert of every picture (the centre's 在岗专家 view asks for one a group)
    below = tuple(cats[c].path + "/" for c in chosen)
    return chosen | {cid for cid, c in cats.items() if below and c.path.startswith(below)}


class ExpertService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock,
                 catalog: CatalogService | None = None, intake=None) -> None:
        self._factory = factory
        self._clock = clock
        self._catalog = catalog
        self._intake = intake  # IntakeService: the work orders an expert makes

    # ------------------------------------------------------------------ presence
    def set_presence(self, expert: OperatorInfo, status: Presence) -> Presence:
        """Logged in (available), on a break, back, or logged out (offline). An expert with
        an accepted call stays busy until it is ended."""
        if expert.role is not Role.EXPERT:
            return Presence.OFFLINE
        now = self._clock.now()
        with self._factory.begin() as s:
            if status is not Presence.OFFLINE and self._open_call(s, expert.id) is not None:
                status = Presence.BUSY
            self._put_presence(s, expert.id, status, now)
            notify_in(s, TRANSFERS)
        return status

    def heartbeat(self, expert: OperatorInfo) -> Presence:
        """The expert's console is still there (every HEARTBEAT_SECONDS)."""
        if expert.role is not Role.EXPERT:
            return Presence.OFFLINE
        now = self._clock.now()
        with self._factory.begin() as s:
            row = s.get(ExpertPresence, expert.id)
            if row is None or row.status == Presence.OFFLINE:
                self._put_presence(s, expert.id, Presence.AVAILABLE, now)
                notify_in(s, TRANSFERS)  # back at the seat: the centre's views show it
                return Presence.AVAILABLE
            if now - row.seen_at > PRESENCE_TTL:  # counted away meanwhile, back now
                notify_in(s, TRANSFERS)
            row.seen_at = now
            return Presence(row.status)

    def presence(self, expert_id: int) -> Presence:
        with self._factory() as s:
            return self._presence_of(s.get(ExpertPresence, expert_id), self._clock.now())

    @staticmethod
    def _presence_of(row: ExpertPresence | None, now: datetime) -> Presence:
        if row is None or now - row.seen_at > PRESENCE_TTL:
            return Presence.OFFLINE
        return Presence(row.status)

    @staticmethod
    def _put_presence(s: Session, operator_id: int, status: Presence, now: datetime) -> None:
        row = s.get(ExpertPresence, operator_id)
        if row is None:
            s.add(ExpertPresence(operator_id=operator_id, status=status.value, since=now,
                                 seen_at=now))
            return
        if row.status != status.value:
            row.since = now
        row.status = status.value
        # a simulated expert's ALWAYS stays (going offline ends it)
        row.seen_at = now if status is Presence.OFFLINE else max(row.seen_at, now)

    @staticmethod
    def _open_call(s: Session, expert_id: int) -> ExpertTransfer | None:
        return s.scalar(select(ExpertTransfer).where(
            ExpertTransfer.expert_id == expert_id,
            ExpertTransfer.status == TransferStatus.ACCEPTED.value).limit(1))

    # ------------------------------------------------------------------ roster
    def _check_roster_role(self, viewer: OperatorInfo) -> None:
        if viewer.role not in ROSTER_ROLES:
            raise PermissionDenied("只有中心的值班长、派单员或管理员可以维护专家值班表")

    def experts(self) -> list[OperatorInfo]:
        with self._factory() as s:
            rows = s.scalars(select(Operator).where(Operator.role == Role.EXPERT.value,
                                                    Operator.active.is_(True))
                             .order_by(Operator.staff_no)).all()
            return [OperatorInfo(o.id, o.staff_no, o.name, Role(o.role), o.unit_id) for o in rows]

    def roster(self, include_past: bool = False) -> list[RosterRow]:
        today = self._clock.now().date()
        now = self._clock.now()
        cats = self._catalog.categories() if self._catalog else {}
        with self._factory() as s:
            stmt = (select(ExpertRoster, Operator, Unit)
                    .join(Operator, Operator.id == ExpertRoster.operator_id)
                    .outerjoin(Unit, Unit.id == ExpertRoster.unit_id)
                    .order_by(Operator.staff_no, ExpertRoster.starts_on, ExpertRoster.id))
            if not include_past:
                stmt = stmt.where(or_(ExpertRoster.ends_on.is_(None),
                                      ExpertRoster.ends_on >= today))
            presence = {p.operator_id: p for p in s.scalars(select(ExpertPresence))}
            out = []
            for r, op, unit in s.execute(stmt.limit(2000)).all():
                active = r.starts_on <= today and (r.ends_on is None or r.ends_on >= today)
                out.append(RosterRow(
                    r.id, op.staff_no, op.name, unit.name if unit else "",
                    tuple(cats[c].path for c in r.categories or () if c in cats),
                    r.starts_on, r.ends_on, r.note or "", active,
                    self._presence_of(presence.get(op.id), now)))
            return out

    def add_roster(self, viewer: OperatorInfo, staff_no: str, category_ids: Iterable[int],
                   starts_on: date, ends_on: date | None = None, note: str = "") -> int:
        """Art. 14(1): a unit's expert placed at the centre for categories and dates."""
        self._check_roster_role(viewer)
        errors: dict[str, str] = {}
        cats = self._catalog.categories() if self._catalog else {}
        chosen = sorted({int(c) for c in category_ids})
        if not chosen:
            errors["categories"] = "请至少选择一个诉求分类"
        elif unknown := [c for c in chosen if c not in cats]:
            errors["categories"] = f"诉求分类 {unknown[0]} 不存在"
        if ends_on is not None and ends_on < starts_on:
            errors["ends_on"] = "结束日期不能早于开始日期"
        if msg := check_text("备注", note, max_len=200):
            errors["note"] = msg
        with self._factory.begin() as s:
            no = staff_no.strip()
            op = s.scalar(select(Operator).where(Operator.staff_no == no)) if no else None
            if not no:
                errors["staff_no"] = "请选择值班的专家"
            elif op is None:
                errors["staff_no"] = f"工号 {no[:16]} 不存在"
            elif op.role != Role.EXPERT.value:
                errors["staff_no"] = f"工号 {no[:16]}（{op.name}）不是专家座席账号"
            elif not op.active:
                errors["staff_no"] = f"工号 {no[:16]}（{op.name}）已停用"
            elif "categories" not in errors and (msg := self._outside_unit(s, op, chosen)):
                errors["categories"] = msg
            if errors:
                raise ValidationFailed(errors)
            row = ExpertRoster(operator_id=op.id, unit_id=op.unit_id, categories=chosen,
                               starts_on=starts_on, ends_on=ends_on, note=note.strip(),
                               created_by_id=viewer.id, created_at=self._clock.now())
            s.add(row)
            s.flush()
            notify_in(s, TRANSFERS)
            return row.id

    def _outside_unit(self, s: Session, op: Operator, chosen: list[int]) -> str | None:
        """Art. 14(1): a unit places experts for what it handles. A category none of whose
        requests fall in the unit's domains is refused (an expert without a unit is not
        checked)."""
        unit = s.get(Unit, op.unit_id) if op.unit_id else None
        if unit is None or not unit.domains or self._catalog is None:
            return None
        cats = self._catalog.categories()
        handled = set(unit.domains)
        for cid in chosen:
            domains = {cats[c].domain for c in _covered(self._catalog, [cid])
                       if c in cats and cats[c].domain}
            if domains and not domains & handled:
                return (f"{op.name}所在的{unit.name}不承办“{cats[cid].path}”的诉求"
                        f"（该单位负责：{'、'.join(unit.domains)}）")
        return None

    def end_roster(self, viewer: OperatorInfo, roster_id: int) -> None:
        """The placement ends now: it last covered yesterday (kept in the roster's history).
        One not yet begun, or begun only today, is removed (ending it on ``today`` kept it on
        duty for the rest of the day)."""
        self._check_roster_role(viewer)
        today = self._clock.now().date()
        with self._factory.begin() as s:
            row = s.get(ExpertRoster, roster_id)
            if row is None:
                raise NotFound("值班记录不存在")
            if row.ends_on is not None and row.ends_on < today:
                raise ServiceError(f"这条值班已于 {row.ends_on:%Y-%m-%d} 结束")
            if row.starts_on >= today:
                s.delete(row)
            else:
                row.ends_on = today - timedelta(days=1)
            notify_in(s, TRANSFERS)

    def _on_duty_ids(self, s: Session, category_id: int | None, domain: str | None) -> list[int]:
        """The experts whose roster covers the category (or, with no category, the domain)
        today."""
        today = self._clock.now().date()
        rows = s.execute(select(ExpertRoster.operator_id, ExpertRoster.categories)
                         .join(Operator, Operator.id == ExpertRoster.operator_id)
                         .where(ExpertRoster.starts_on <= today,
                                or_(ExpertRoster.ends_on.is_(None), ExpertRoster.ends_on >= today),
                                Operator.active.is_(True))).all()
        cats = self._catalog.categories() if self._catalog else {}
        ids: list[int] = []
        for operator_id, covered in rows:
            span = _covered(self._catalog, covered or ()) if self._catalog else set(covered or ())
            if category_id is not None:
                hit = category_id in span
            else:
                hit = domain is not None and any(cats[c].domain == domain for c in span if c in cats)
            if hit and operator_id not in ids:
                ids.append(operator_id)
        return ids

    def _my_categories(self, s: Session, expert_id: int) -> set[int]:
        today = self._clock.now().date()
        covered: set[int] = set()
        for cats in s.scalars(select(ExpertRoster.categories).where(
                ExpertRoster.operator_id == expert_id, ExpertRoster.starts_on <= today,
                or_(ExpertRoster.ends_on.is_(None), ExpertRoster.ends_on >= today))):
            covered.update(cats or ())
        return _covered(self._catalog, covered) if self._catalog else covered

    def on_duty(self, category_id: int | None, domain: str | None = None) -> DutyPicture:
        """For the seat's F6 dialog: who covers the category right now and the queue."""
        with self._factory() as s:
            return self._picture(s, category_id, domain)

    def _picture(self, s: Session, category_id: int | None, domain: str | None) -> DutyPicture:
        now = self._clock.now()
        ids = self._on_duty_ids(s, category_id, domain)
        experts: list[ExpertOnDuty] = []
        if ids:
            presence = {p.operator_id: p for p in s.scalars(
                select(ExpertPresence).where(ExpertPresence.operator_id.in_(ids)))}
            load = dict(s.execute(
                select(ExpertTransfer.expert_id, func.count())
                .where(ExpertTransfer.expert_id.in_(ids),
                       ExpertTransfer.status != TransferStatus.CLOSED.value)
                .group_by(ExpertTransfer.expert_id)).all())
            for op, unit in s.execute(select(Operator, Unit).outerjoin(Unit, Unit.id == Operator.unit_id)
                                      .where(Operator.id.in_(ids))).all():
                experts.append(ExpertOnDuty(op.id, op.staff_no, op.name, unit.name if unit else "",
                                            self._presence_of(presence.get(op.id), now),
                                            int(load.get(op.id, 0))))
        order = {Presence.AVAILABLE: 0, Presence.BUSY: 1, Presence.BREAK: 2, Presence.OFFLINE: 3}
        experts.sort(key=lambda e: (order[e.status], e.load, e.staff_no))
        waiting = self._waiting_for(s, ids, category_id)
        cats = self._catalog.categories() if self._catalog else {}
        label = cats[category_id].path if category_id in cats else (domain or "")
        return DutyPicture(category_id, label, tuple(experts), waiting)

    def _waiting_for(self, s: Session, ids: list[int], category_id: int | None) -> int:
        clauses = []
        if ids:
            clauses.append(ExpertTransfer.expert_id.in_(ids))
        if category_id is not None:
            # a group's queue (社会保障) holds the calls queued under every category below it
            below = _covered(self._catalog, [category_id]) if self._catalog else set()
            clauses.append(and_(ExpertTransfer.expert_id.is_(None),
                                ExpertTransfer.category_id.in_(sorted(below | {category_id}))))
        if not clauses:
            return 0
        return s.scalar(select(func.count()).select_from(ExpertTransfer).where(
            ExpertTransfer.status == TransferStatus.WAITING.value, or_(*clauses))) or 0

    def route(self, s: Session, category_id: int | None, domain: str | None) -> int | None:
        """The expert a new transfer goes to: the available one with the fewest calls; None
        when everyone of the category is busy or on a break (the call waits in its queue).
        Nobody logged in: refused, so the seat makes a work order instead."""
        picture = self._picture(s, category_id, domain)
        if not picture.reachable:
            what = picture.category or domain or "该分类"
            raise ServiceError(f"当前没有“{what}”的专家座席在岗，请按 F7 派发工单")
        free = picture.available
        return free[0].operator_id if free else None

    # ------------------------------------------------------------------ the expert's queue
    def _check_expert(self, expert: OperatorInfo) -> None:
        if expert.role not in EXPERT_ROLES:
            raise PermissionDenied("只有专家座席可以处理转接")

    def queue(self, expert: OperatorInfo, include_closed: bool = False) -> list[TransferRow]:
        """Calls waiting for this expert, those in the queues of the expert's categories, and
        the one the expert is on (an administrator sees every queue)."""
        if expert.role not in EXPERT_ROLES:
            raise PermissionDenied("只有专家座席可以查看转接队列")
        now = self._clock.now()
        with self._factory() as s:
            stmt = (select(ExpertTransfer, IntakeRecord, Caller, Operator)
                    .join(IntakeRecord, IntakeRecord.id == ExpertTransfer.intake_id)
                    .join(Caller, Caller.id == IntakeRecord.caller_id)
                    .join(Operator, Operator.id == IntakeRecord.operator_id)
                    .order_by(ExpertTransfer.at.desc(), ExpertTransfer.id.desc()))
            if expert.role is Role.EXPERT:
                mine = self._my_categories(s, expert.id)
                shared = and_(ExpertTransfer.expert_id.is_(None),
                              ExpertTransfer.category_id.in_(sorted(mine) or [-1]))
                stmt = stmt.where(or_(ExpertTransfer.expert_id == expert.id, shared))
            if not include_closed:
                stmt = stmt.where(ExpertTransfer.status != TransferStatus.CLOSED.value)
            rows = s.execute(stmt.limit(500)).all()
            titles = self._titles(s, {t.kb_article_id for t, *_ in rows}
                                  | {t.answer_article_id for t, *_ in rows})
            experts = self._names(s, {t.expert_id for t, *_ in rows})
            orders = self._numbers(s, {t.order_id for t, *_ in rows})
            return [self._row(t, r, c, op, titles, experts, orders, now) for t, r, c, op in rows]

    @staticmethod
    def _titles(s: Session, ids: set) -> dict[str, str]:
        ids = {i for i in ids if i}
        if not ids:
            return {}
        return dict(s.execute(select(KbArticle.id, KbArticle.title)
                              .where(KbArticle.id.in_(sorted(ids)))).all())

    @staticmethod
    def _names(s: Session, ids: set) -> dict[int, str]:
        ids = {i for i in ids if i}
        if not ids:
            return {}
        return {i: f"{no} {name}" for i, no, name in s.execute(
            select(Operator.id, Operator.staff_no, Operator.name).where(Operator.id.in_(ids)))}

    @staticmethod
    def _numbers(s: Session, ids: set) -> dict[int, str]:
        ids = {i for i in ids if i}
        if not ids:
            return {}
        return dict(s.execute(select(WorkOrder.id, WorkOrder.number)
                              .where(WorkOrder.id.in_(ids))).all())

    def _row(self, t: ExpertTransfer, r: IntakeRecord, c: Caller, op: Operator,
             titles: dict, experts: dict, orders: dict, now: datetime) -> TransferRow:
        cats = self._catalog.categories() if self._catalog else {}
        end = t.accepted_at or t.ended_at or now
        return TransferRow(
            id=t.id, at=t.at, domain=t.domain, status=t.status,
            caller_phone=mask_phone(c.phone) if r.confidential else c.phone,
            content=r.content, kb_article_id=t.kb_article_id,
            kb_title=titles.get(t.kb_article_id) if t.kb_article_id else None,
            from_operator=f"{op.staff_no} {op.name}", confidential=r.confidential,
            extra={"category": cats[t.category_id].path if t.category_id in cats else "",
                   "expert": experts.get(t.expert_id, ""), "outcome": t.outcome or "",
                   "connection": t.connection or "", "waited": (end - t.at).total_seconds(),
                   "note": t.note or "", "answer_text": t.answer_text or "",
                   "answer_article_id": t.answer_article_id or "",
                   "answer_title": titles.get(t.answer_article_id, ""),
                   "order_number": orders.get(t.order_id, ""), "intake_id": r.id,
                   "category_id": t.category_id, "expert_id": t.expert_id},
        )

    def call_view(self, expert: OperatorInfo, transfer_id: int) -> CallView:
        self._check_expert(expert)
        now = self._clock.now()
        with self._factory() as s:
            found = s.execute(select(ExpertTransfer, IntakeRecord, Caller, Operator)
                              .join(IntakeRecord, IntakeRecord.id == ExpertTransfer.intake_id)
                              .join(Caller, Caller.id == IntakeRecord.caller_id)
                              .join(Operator, Operator.id == IntakeRecord.operator_id)
                              .where(ExpertTransfer.id == transfer_id)).first()
            if found is None:
                raise NotFound("转接记录不存在")
            t, r, c, op = found
            self._may_see(s, expert, t)
            titles = self._titles(s, {t.kb_article_id, t.answer_article_id})
            row = self._row(t, r, c, op, titles, self._names(s, {t.expert_id}),
                            self._numbers(s, {t.order_id}), now)
            earlier = s.execute(select(IntakeRecord.started_at, IntakeRecord.outcome,
                                       IntakeRecord.content)
                                .where(IntakeRecord.caller_id == c.id, IntakeRecord.id != r.id)
                                .order_by(IntakeRecord.started_at.desc()).limit(10)).all()
            cats = self._catalog.categories() if self._catalog else {}
            return CallView(
                transfer=row, caller_name=r.caller_name or "", channel=r.channel,
                request_type=r.request_type, urgency=r.urgency, region=r.region or "",
                address=r.address or "",
                category=cats[r.category_id].path if r.category_id in cats else "",
                category_id=r.category_id, started_at=r.started_at,
                waited_seconds=((t.accepted_at or now) - t.at).total_seconds(),
                history=tuple((at, Outcome(o).label if o in Outcome._value2member_map_ else o,
                               text) for at, o, text in earlier))

    def _may_see(self, s: Session, expert: OperatorInfo, t: ExpertTransfer) -> None:
        if expert.role is not Role.EXPERT:
            return
        if t.expert_id == expert.id:
            return
        if t.expert_id is None and t.category_id in self._my_categories(s, expert.id):
            return
        raise PermissionDenied("这通转接不在您的队列中")

    def accept(self, expert: OperatorInfo, transfer_id: int) -> TransferRow:
        """The expert picks the call up (one at a time); a queued call is claimed at once, so
        two experts of a category never both take it."""
        self._check_expert(expert)
        now = self._clock.now()
        with self._factory.begin() as s:
            t = s.get(ExpertTransfer, transfer_id)
            if t is None:
                raise NotFound("转接记录不存在")
            self._may_see(s, expert, t)
            if expert.role is Role.EXPERT and (busy := self._open_call(s, expert.id)) is not None \
                    and busy.id != transfer_id:
                raise ServiceError("您正在处理另一通来电，请先结束它")
            claimed = s.execute(
                update(ExpertTransfer)
                .where(ExpertTransfer.id == transfer_id,
                       ExpertTransfer.status == TransferStatus.WAITING.value,
                       or_(ExpertTransfer.expert_id.is_(None),
                           ExpertTransfer.expert_id == t.expert_id))
                .values(expert_id=expert.id, status=TransferStatus.ACCEPTED.value,
                        accepted_at=now, version=ExpertTransfer.version + 1)
                .execution_options(synchronize_session=False)).rowcount
            if not claimed:
                s.refresh(t)
                if t.outcome == TransferOutcome.TAKEN_BACK:
                    raise ServiceError("坐席已收回这通来电")
                raise ServiceError("这通来电已由其他专家接听或已结束")
            if expert.role is Role.EXPERT:
                self._put_presence(s, expert.id, Presence.BUSY, now)
            notify_in(s, TRANSFERS, [expert.id, t.seat_id])
        return self.queue_row(expert, transfer_id)

    def queue_row(self, expert: OperatorInfo, transfer_id: int) -> TransferRow:
        return self.call_view(expert, transfer_id).transfer

    def _accepted(self, s: Session, expert: OperatorInfo, transfer_id: int) -> ExpertTransfer:
        t = s.get(ExpertTransfer, transfer_id, with_for_update=True)
        if t is None:
            raise NotFound("转接记录不存在")
        if expert.role is Role.EXPERT and t.expert_id != expert.id:
            raise PermissionDenied("这通转接不在您的队列中")
        if t.status == TransferStatus.WAITING:
            raise ServiceError("请先按 a 接听这通来电，再结束")
        if t.status != TransferStatus.ACCEPTED:
            raise ServiceError(f"这通来电已结束（{TransferOutcome(t.outcome).label if t.outcome else t.status}）")
        return t

    def _end(self, s: Session, expert: OperatorInfo, t: ExpertTransfer,
             outcome: TransferOutcome) -> None:
        now = self._clock.now()
        t.status = TransferStatus.CLOSED.value
        t.outcome = outcome.value
        t.ended_at = now
        t.version = (t.version or 1) + 1
        if expert.role is Role.EXPERT:
            row = s.get(ExpertPresence, expert.id)
            back = Presence.AVAILABLE if row is None or row.status == Presence.BUSY \
                else Presence(row.status)
            self._put_presence(s, expert.id, back, now)

    def answer(self, expert: OperatorInfo, transfer_id: int, answer_text: str,
               article_id: str | None = None, propose: bool = False) -> TransferRow:
        """Answered by the expert: the answer given, the article used, and (``propose``) a
        new article drafted from it for the centre's review (Art. 13)."""
        self._check_expert(expert)
        if msg := check_text("专家答复", answer_text, required=True, min_len=4,
                             max_len=ANSWER_MAX, allow_newlines=True):
            raise ValidationFailed({"answer": msg})
        with self._factory.begin() as s:
            t = self._accepted(s, expert, transfer_id)
            article = s.get(KbArticle, article_id) if article_id else None
            if article_id and (article is None or article.retired_at is not None):
                raise ValidationFailed({"article": f"知识库条目 {article_id[:40]} 不存在或已停用"})
            t.answer_text = answer_text.strip()
            t.answer_article_id = article_id or None
            t.propose_article = propose
            record = s.get(IntakeRecord, t.intake_id)
            record.answer_text = answer_text.strip()
            if article_id and not record.kb_article_id:
                record.kb_article_id = article_id
            if propose:
                s.flush()
                self._propose(s, expert, t, record, answer_text.strip())
            self._end(s, expert, t, TransferOutcome.ANSWERED)
        return self.queue_row(expert, transfer_id)

    def _propose(self, s: Session, expert: OperatorInfo, t: ExpertTransfer,
                 record: IntakeRecord, answer: str) -> None:
        from agent_console.services.kb_review import proposal_from_answer

        unit = s.scalar(select(Unit).join(Operator, Operator.unit_id == Unit.id)
                        .where(Operator.id == expert.id))
        cats = self._catalog.categories() if self._catalog else {}
        category_id = t.category_id or record.category_id
        path = cats[category_id].path if category_id in cats else ""
        now = self._clock.now()
        article_id, data = proposal_from_answer(record.content, answer, t.domain, path,
                                                unit.code if unit else "", now)
        s.add(KbRevision(article_id=article_id, action=RevisionAction.CREATE.value,
                         status=RevisionStatus.PENDING.value, data=data, before=None,
                         unit_id=unit.id if unit else None, author_id=expert.id,
                         created_at=now, source="expert", transfer_id=t.id, reason=""))
        notify_in(s, KB)

    def make_order(self, expert: OperatorInfo, transfer_id: int, notes: str,
                   lead_unit_id: int, co_handler_ids: Iterable[int] = (),
                   to_dispatcher: bool = False) -> TransferRow:
        """A work order made by the expert: the expert's notes are its content, routed as at
        the seat (Art. 16)."""
        self._check_expert(expert)
        if msg := check_text("专家意见（工单内容）", notes, required=True, min_len=4,
                             max_len=ANSWER_MAX, allow_newlines=True):
            raise ValidationFailed({"notes": msg})
        with self._factory.begin() as s:
            t = self._accepted(s, expert, transfer_id)
            record = s.get(IntakeRecord, t.intake_id)
            if s.scalar(select(WorkOrder.id).where(WorkOrder.intake_id == record.id)):
                raise ServiceError("这通来电已有工单")
            original = record.content
            record.content = notes.strip()
            order = self._intake._new_order(s, expert, record, lead_unit_id,
                                            tuple(co_handler_ids), to_dispatcher)
            record.content = original  # the call keeps what the caller said
            self._intake._orders.number(s, order)
            t.order_id = order.id
            t.note = notes.strip()
            self._end(s, expert, t, TransferOutcome.WORK_ORDER)
        return self.queue_row(expert, transfer_id)

    def open_call(self, expert: OperatorInfo) -> TransferRow | None:
        """The call this expert has accepted and not ended (asked before the console quits)."""
        with self._factory() as s:
            t = self._open_call(s, expert.id)
            tid = t.id if t is not None else None
        return self.queue_row(expert, tid) if tid is not None else None

    def leave(self, expert: OperatorInfo) -> None:
        """The expert quits: an open call goes back to its seat, then off duty."""
        if expert.role is not Role.EXPERT:
            return
        row = self.open_call(expert)
        if row is not None:
            self.hand_back(expert, row.id, "专家已退出工作台，来电退回坐席")
        self.set_presence(expert, Presence.OFFLINE)

    def hand_back(self, expert: OperatorInfo, transfer_id: int, note: str) -> TransferRow:
        """Back to the seat with a note; the seat ends the call with its own outcome."""
        self._check_expert(expert)
        if msg := check_text("退回说明", note, required=True, min_len=2, max_len=NOTE_MAX,
                             allow_newlines=True):
            raise ValidationFailed({"note": msg})
        with self._factory.begin() as s:
            t = self._accepted(s, expert, transfer_id)
            t.note = note.strip()
            self._end(s, expert, t, TransferOutcome.HANDED_BACK)
        return self.queue_row(expert, transfer_id)

    # ------------------------------------------------------------------ the seat's side
    def seat_view(self, seat: OperatorInfo, transfer_id: int) -> TransferState:
        now = self._clock.now()
        with self._factory() as s:
            t = s.get(ExpertTransfer, transfer_id)
            if t is None:
                raise NotFound("转接记录不存在")
            if seat.role is not Role.ADMIN and t.seat_id not in (None, seat.id):
                raise PermissionDenied("这通转接不是您转出的")
            expert = self._names(s, {t.expert_id}).get(t.expert_id, "")
            number = self._numbers(s, {t.order_id}).get(t.order_id)
            end = t.accepted_at or t.ended_at or now
            return TransferState(t.id, t.status, t.outcome, expert, (end - t.at).total_seconds(),
                                 t.connection or "", t.note or "", t.answer_text or "", number,
                                 t.intake_id)

    def take_back(self, seat: OperatorInfo, transfer_id: int) -> TransferState:
        """The seat takes the call back while no expert has picked it up."""
        now = self._clock.now()
        with self._factory.begin() as s:
            t = s.get(ExpertTransfer, transfer_id)
            if t is None:
                raise NotFound("转接记录不存在")
            if seat.role is not Role.ADMIN and t.seat_id not in (None, seat.id):
                raise PermissionDenied("这通转接不是您转出的")
            # while waiting; or accepted by an expert whose console has gone away (quit,
            # crashed, cable): the caller must not be left with nobody
            gone = t.status == TransferStatus.ACCEPTED and t.expert_id is not None and \
                self._presence_of(s.get(ExpertPresence, t.expert_id), now) is Presence.OFFLINE
            done = s.execute(
                update(ExpertTransfer)
                .where(ExpertTransfer.id == transfer_id,
                       ExpertTransfer.status == (TransferStatus.ACCEPTED if gone
                                                 else TransferStatus.WAITING).value)
                .values(status=TransferStatus.CLOSED.value,
                        outcome=TransferOutcome.TAKEN_BACK.value, ended_at=now,
                        version=ExpertTransfer.version + 1)
                .execution_options(synchronize_session=False)).rowcount
            if not done:
                raise ServiceError("专家已接听，不能收回；请等待专家结束或退回")
            notify_in(s, TRANSFERS, [i for i in (t.expert_id, t.seat_id) if i])
        return self.seat_view(seat, transfer_id)

    # ------------------------------------------------------------------ Art. 14(2)
    def attention(self, days_short: int = 7, days_long: int = 30) -> list[AttentionRow]:
        """Categories ranked by calls in the last 7 and 30 days, with the share answered on the
        call (by the seat, or by an expert). Flagged for an on-site expert: among the ten
        categories called about most in 30 days (at least 20 calls) and answered directly less
        often than the centre as a whole."""
        now = self._clock.now()
        short, long = now - timedelta(days=days_short), now - timedelta(days=days_long)
        taken = (Outcome.ANSWERED.value, Outcome.EXPERT.value, Outcome.WORK_ORDER.value)
        with self._factory() as s:
            # one row a call: a call transferred twice (handed back, then sent again) is one
            # call, and one without a transfer is answered by its own outcome (an outer join
            # made that NULL + 1, never counted, and counted a twice-sent call twice)
            by_expert = select(ExpertTransfer.intake_id).where(
                ExpertTransfer.outcome == TransferOutcome.ANSWERED.value)
            answered_expr = func.sum(or_(IntakeRecord.outcome == Outcome.ANSWERED.value,
                                         IntakeRecord.id.in_(by_expert)).cast(Integer))
            rows = s.execute(
                select(IntakeRecord.category_id,
                       func.sum((IntakeRecord.started_at >= short).cast(Integer)),
                       func.count(), answered_expr)
                .where(IntakeRecord.started_at >= long, IntakeRecord.started_at <= now,
                       IntakeRecord.outcome.in_(taken), IntakeRecord.category_id.is_not(None))
                .group_by(IntakeRecord.category_id)).all()
        cats = self._catalog.categories() if self._catalog else {}
        total = sum(int(r[2] or 0) for r in rows)
        answered = sum(int(r[3] or 0) for r in rows)
        centre_rate = answered / total if total else 0.0
        ranked = sorted(rows, key=lambda r: (-int(r[1] or 0), -int(r[2] or 0), r[0]))
        top = {r[0] for r in sorted(rows, key=lambda r: (-int(r[2] or 0), r[0]))[:ATTENTION_TOP]}
        out = []
        for cat_id, n7, n30, ans in ranked:
            n30, ans = int(n30 or 0), int(ans or 0)
            flagged = cat_id in top and n30 >= ATTENTION_MIN_CALLS and ans / n30 < centre_rate
            out.append(AttentionRow(cat_id, cats[cat_id].path if cat_id in cats else str(cat_id),
                                    int(n7 or 0), n30, ans, flagged))
        return out


ALWAYS = datetime(9999, 12, 31)  # a simulated expert's console never goes quiet


def place_standing_expert(s: Session, operator_id: int, domain: str, today: date,
                          unit_id: int | None = None) -> None:
    """A simulated expert (practice calls, simulated days, benchmarks): on the roster for
    every category of ``domain`` from ``today`` on, and always available."""
    from agent_console.store.models import Category

    cats = sorted(s.scalars(select(Category.id).where(Category.domain == domain)))
    s.add(ExpertRoster(operator_id=operator_id, unit_id=unit_id, categories=cats,
                       starts_on=today, ends_on=None, note="模拟专家",
                       created_at=datetime.combine(today, datetime.min.time())))
    stand_by(s, operator_id, today)


def stand_by(s: Session, operator_id: int, today: date) -> None:
    """A simulated expert available until told otherwise (no console to send heartbeats)."""
    row = s.get(ExpertPresence, operator_id)
    since = datetime.combine(today, datetime.min.time())
    if row is None:
        s.add(ExpertPresence(operator_id=operator_id, status=Presence.AVAILABLE.value,
                             since=since, seen_at=ALWAYS))
        return
    row.status, row.since, row.seen_at = Presence.AVAILABLE.value, since, ALWAYS
