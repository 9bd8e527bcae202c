"""Taking a call: caller history, repeat detection, drafts, and the one-key outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    delete,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import (
    Connection,
    EmergencyService,
    Outcome,
    TransferOutcome,
    TransferStatus,
)
from agent_console.domain.intake import (
    CONTENT_MAX,
    REPEAT_WINDOW,
    IntakeDraft,
    repeat_score,
    script_for_repeat,
    validate_call_end,
    validate_common,
    validate_for_work_order,
)
from agent_console.domain.phone import normalise_phone
from agent_console.domain.text import check_text
from agent_console.domain.workflow import CALL_TAKERS, Create
from agent_console.services.catalog import CatalogService
from agent_console.services.dispatch import DispatchService
from agent_console.services.dto import (
    CallerHistory,
    HistoryEntry,
    IntakeResult,
    OpenOrder,
    OperatorInfo,
    RepeatNotice,
    WarningEntry,
)
from agent_console.services.errors import (
    PermissionDenied,
    ServiceError,
    ValidationFailed,
)
from agent_console.services.orders import OrderService
from agent_console.services.reference import Reference
from agent_console.store.models import (
    OPEN_STATUS_SQL,
    CallDraft,
    Caller,
    CallerWarning,
    EmergencyHandoff,
    ExpertTransfer,
    IntakeRecord,
    KbArticle,
    Operator,
    WorkOrder,
)
from agent_console.store.upsert import dialect_insert, retried

OWN_ANSWER_MAX = 2000
WITHHELD = ""  # the caller row of calls whose number was not shown
CALL_END_TEXT = {Outcome.HUNG_UP: "（来电挂断，未能受理）", Outcome.INVALID: "（无效来电）"}
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class SavedDraft:
    draft: IntakeDraft
    started_at: datetime
    updated_at: datetime | None = None


@cache
def _history_statement():
    """A caller's latest calls and open orders in one statement (rows told apart by
    ``kind``), each part off its own index: ix_intake_caller_started with the orders by
    ix_order_intake, and ix_order_caller_open, newest first. Built once (building it costs
    more than running it); the caller is the ``caller_id`` parameter."""
    caller_id = bindparam("caller_id")
    calls = select(
        literal("call").label("kind"), IntakeRecord.id.label("intake_id"),
        IntakeRecord.started_at.label("at"), IntakeRecord.outcome, IntakeRecord.request_type,
        IntakeRecord.content, WorkOrder.number, WorkOrder.status,
        cast(null(), Integer).label("lead"), cast(null(), DateTime).label("due_at")) \
        .outerjoin(WorkOrder, WorkOrder.intake_id == IntakeRecord.id) \
        .where(IntakeRecord.caller_id == caller_id) \
        .order_by(IntakeRecord.started_at.desc(), IntakeRecord.id.desc()).limit(HISTORY_LIMIT)
    orders = select(
        literal("order").label("kind"), cast(null(), Integer).label("intake_id"),
        WorkOrder.created_at.label("at"), cast(null(), String).label("outcome"),
        cast(null(), String).label("request_type"), cast(null(), Text).label("content"),
        WorkOrder.number, WorkOrder.status, WorkOrder.lead_unit_id.label("lead"),
        WorkOrder.due_at) \
        .where(WorkOrder.caller_id == caller_id, text(OPEN_STATUS_SQL))
    # each part a subquery of its own: SQLite takes ORDER BY … LIMIT in a compound
    # select's members only so
    both = union_all(select(calls.subquery()), select(orders.subquery())).subquery()
    return select(both).order_by(both.c.kind, both.c.at.desc())


def expert_outcomes(s: Session, intake_ids: list[int]) -> dict[int, str | None]:
    """The last transfer's outcome of each transferred call (None while still with the
    expert)."""
    if not intake_ids:
        return {}
    out: dict[int, str | None] = {}
    for intake_id, outcome in s.execute(
            select(ExpertTransfer.intake_id, ExpertTransfer.outcome)
            .where(ExpertTransfer.intake_id.in_(intake_ids)).order_by(ExpertTransfer.id)):
        out[intake_id] = outcome
    return out


def _with_expert_outcomes(s: Session, entries: list[HistoryEntry]) -> list[HistoryEntry]:
    ids = [e.intake_id for e in entries if e.outcome == Outcome.EXPERT.value]
    if not ids:
        return entries
    found = expert_outcomes(s, ids)
    return [replace(e, expert_outcome=found.get(e.intake_id)) if e.intake_id in found else e
            for e in entries]


class IntakeService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, catalog: CatalogService,
                 dispatch: DispatchService, reference: Reference, orders: OrderService,
                 reads: sessionmaker[Session] | None = None) -> None:
        self._factory = factory
        self._reads = reads or factory  # sessions that only read (store.engine.make_read_factory)
        self._orders = orders
        self._clock = clock
        self._catalog = catalog
        self._dispatch = dispatch
        self._reference = reference
        self.experts = None  # ExpertService (routing), set by the container

    # ----------------------------------------------------------------- look-ups
    def caller_history(self, raw_phone: str) -> CallerHistory | None:
        """Earlier requests, open orders and warnings of a number (None if it is invalid)."""
        phone = normalise_phone(raw_phone).number
        if phone is None:
            return None
        # reference data first: the catalog reads on a connection of its own, which must not
        # wait behind this session's (SQLite takes its write lock at BEGIN)
        units = {uid: u.name for uid, u in self._catalog.units().items()}
        with self._reads() as s:
            # two statements of plain columns (a seat asks this on every ring): the number with
            # its warnings; then its latest calls (with their order) and its open orders
            found = s.execute(
                select(Caller.id, Caller.name, CallerWarning.at, CallerWarning.code)
                .outerjoin(CallerWarning, CallerWarning.caller_id == Caller.id)
                .where(Caller.phone == phone)
                .order_by(CallerWarning.at.desc(), CallerWarning.id.desc())).all()
            if not found:
                return CallerHistory(phone=phone, name="", known=False)
            caller_id, name = found[0][0], found[0][1]
            warns = tuple(WarningEntry(at, code, self._warning_title(code))
                          for _id, _name, at, code in found if code is not None)
            entries, open_orders = [], []
            for kind, intake_id, at, outcome, request_type, content, number, status, lead, \
                    due_at in s.execute(_history_statement(), {"caller_id": caller_id}):
                if kind == "call":
                    entries.append(HistoryEntry(intake_id, at, outcome, request_type, content,
                                                number, status))
                else:
                    open_orders.append(OpenOrder(number, status, units.get(lead, ""), due_at))
            entries.sort(key=lambda e: (e.at, e.intake_id), reverse=True)
            entries = _with_expert_outcomes(s, entries)
            return CallerHistory(phone, name, True, tuple(entries), tuple(open_orders), warns)

    def _warning_title(self, code: int) -> str:
        try:
            return self._reference.warning(code).title
        except KeyError:
            return f"第{code}项"

    def find_repeat(self, raw_phone: str, content: str,
                    category_id: int | None = None) -> RepeatNotice | None:
        """Art. 11(6): the most similar request of this caller in the last 30 days."""
        phone = normalise_phone(raw_phone).number
        if phone is None or len(content.strip()) < 4:
            return None
        now = self._clock.now()
        with self._reads() as s:
            return self._find_repeat(s, phone, content, category_id, now)

    def _find_repeat(self, s: Session, phone: str, content: str, category_id: int | None,
                     now: datetime, caller: Caller | None = None) -> RepeatNotice | None:
        """``caller``: the number's row when the caller already has it (the outcome's own
        transaction), saving the read."""
        caller_id = caller.id if caller is not None else \
            s.scalar(select(Caller.id).where(Caller.phone == phone))
        if caller_id is None:
            return None
        rows = s.execute(
            select(IntakeRecord.id, IntakeRecord.started_at, IntakeRecord.content,
                   IntakeRecord.outcome, IntakeRecord.category_id, WorkOrder.number)
            .outerjoin(WorkOrder, WorkOrder.intake_id == IntakeRecord.id)
            .where(IntakeRecord.caller_id == caller_id,
                   IntakeRecord.started_at >= now - REPEAT_WINDOW)
            .order_by(IntakeRecord.started_at.desc()).limit(200)
        ).all()
        best: RepeatNotice | None = None
        for intake_id, started_at, earlier, outcome, earlier_category, number in rows:
            score = repeat_score(content, earlier, started_at, now, same_category=(
                category_id is not None and earlier_category == category_id))
            if score is not None and (best is None or score > best.similarity):
                best = RepeatNotice(intake_id, started_at, earlier, outcome, number,
                                    round(score, 1))
        return best

    # ----------------------------------------------------------------- drafts
    def save_draft(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime) -> None:
        with self._factory.begin() as s:
            row = s.get(CallDraft, operator.id)
            if row is None:
                s.add(CallDraft(operator_id=operator.id, data=draft.to_dict(),
                                started_at=started_at, updated_at=self._clock.now()))
            else:
                row.data = draft.to_dict()
                row.started_at = started_at
                row.updated_at = self._clock.now()

    def load_draft(self, operator: OperatorInfo) -> SavedDraft | None:
        with self._factory() as s:
            row = s.get(CallDraft, operator.id)
            if row is None:
                return None
            return SavedDraft(IntakeDraft.from_dict(dict(row.data or {})), row.started_at,
                              row.updated_at)

    def discard_draft(self, operator: OperatorInfo) -> None:
        with self._factory.begin() as s:
            s.execute(delete(CallDraft).where(CallDraft.operator_id == operator.id))

    # ----------------------------------------------------------------- outcomes
    def _check_role(self, operator: OperatorInfo) -> None:
        if operator.role not in CALL_TAKERS:
            raise PermissionDenied(f"{operator.role.label}无权受理来电")

    def _regions(self) -> frozenset[str]:
        return self._catalog.region_names()

    def _record(self, s: Session, operator: OperatorInfo, draft: IntakeDraft, outcome: Outcome,
                started_at: datetime, **extra) -> IntakeRecord:
        # validated by the caller of _record; withheld (or no number on a hung-up call): the one
        # caller row without a number, which has no history and no repeats
        phone = normalise_phone(draft.caller_number).number or WITHHELD
        now = self._clock.now()
        caller = self._caller(s, phone, "" if phone == WITHHELD else draft.caller_name.strip(),
                              now)
        repeat = (self._find_repeat(s, phone, draft.content, draft.category_id, now, caller)
                  if phone != WITHHELD else None)
        triage = self._reference.triage.classify(draft.content)
        fields = dict(
            caller_id=caller.id, operator_id=operator.id, channel=draft.channel,
            request_type=draft.request_type, urgency=draft.urgency, content=draft.content.strip(),
            region=draft.region or None, address=draft.address.strip(),
            caller_name=draft.caller_name.strip(), confidential=draft.confidential,
            category_id=draft.category_id, outcome=outcome.value,
            immediate_dispatch=triage.immediate_dispatch, ended_at=now, **extra,
        )
        if draft.resumes_intake_id is not None:
            return self._resume(s, operator, draft.resumes_intake_id, fields)
        record = IntakeRecord(
            repeat_of_id=repeat.intake_id if repeat else None,
            started_at=min(started_at, now), **fields,
        )
        s.add(record)
        s.flush()
        if draft.submission_id is not None:
            from agent_console.services.online import mark_processed

            mark_processed(s, draft.submission_id, record.id)
        s.execute(delete(CallDraft).where(CallDraft.operator_id == operator.id))
        return record

    @staticmethod
    def _resume(s: Session, operator: OperatorInfo, intake_id: int, fields: dict) -> IntakeRecord:
        """A call the expert handed back (or the seat took back) ends at the seat: the one
        record of the call takes the seat's outcome; the transfer keeps its history."""
        record = s.get(IntakeRecord, intake_id, with_for_update=True)
        last = s.scalar(select(ExpertTransfer).where(ExpertTransfer.intake_id == intake_id)
                        .order_by(ExpertTransfer.id.desc()).limit(1))
        if record is None or last is None or record.operator_id != operator.id:
            raise ServiceError("退回的来电记录不存在或不是您受理的")
        if record.outcome != Outcome.EXPERT.value or last.outcome is None \
                or not TransferOutcome(last.outcome).back_at_seat:
            raise ServiceError("这通来电已由专家结束，不能再次记录")
        for name, value in fields.items():
            setattr(record, name, value)
        s.execute(delete(CallDraft).where(CallDraft.operator_id == operator.id))
        return record

    @staticmethod
    def _caller(s: Session, phone: str, name: str, now: datetime) -> Caller:
        """The caller row of a number, made on the first call. Two first calls from one number
        at once (two seats) both get the one row: INSERT … ON CONFLICT DO NOTHING waits for the
        other transaction and then finds its row, where a plain INSERT raised
        IntegrityError callers_phone_key. A known number (most calls) is one read."""
        by_phone = select(Caller).where(Caller.phone == phone) \
            .execution_options(populate_existing=True)
        caller = s.scalars(by_phone).one_or_none()
        if caller is None:
            s.execute(dialect_insert(s, Caller)
                      .values(phone=phone, name=name, warning_count=0, created_at=now)
                      .on_conflict_do_nothing(index_elements=[Caller.phone]))
            caller = s.scalars(by_phone).one()
        if name and caller.name != name:
            caller.name = name
        return caller

    def _once(self, key: str | None, body: Callable[[Session], IntakeResult]) -> IntakeResult:
        """One transaction, tried again when PostgreSQL chose it as a deadlock victim or could
        not serialise it (nothing of it was kept). An outcome already recorded under ``key``
        (the seat's outbox delivering again after an outage or a crash) is returned as it was,
        not recorded twice."""
        return retried(lambda: self._once_try(key, body))

    def _once_try(self, key: str | None,
                  body: Callable[[Session], IntakeResult]) -> IntakeResult:
        try:
            with self._factory.begin() as s:
                if key is not None and (done := self._recorded(s, key)) is not None:
                    return done
                return body(s)
        except IntegrityError:
            if key is not None:  # two deliveries of the same key at once: the other one won
                with self._factory() as s:
                    if (done := self._recorded(s, key)) is not None:
                        return done
            raise

    @staticmethod
    def _recorded(s: Session, key: str) -> IntakeResult | None:
        record = s.scalar(select(IntakeRecord).where(IntakeRecord.idempotency_key == key))
        if record is None:
            return None
        order = s.scalar(select(WorkOrder).where(WorkOrder.intake_id == record.id))
        transfer = s.scalar(select(ExpertTransfer).where(ExpertTransfer.intake_id == record.id)
                            .order_by(ExpertTransfer.id.desc()).limit(1))
        label = Outcome(record.outcome).label
        message = f"已记录（{label}）" + (f"，工单 {order.number}" if order else "")
        return IntakeResult(record.id, record.outcome, message,
                            order_number=order.number if order else None,
                            transfer_id=transfer.id if transfer else None,
                            due_at=order.due_at if order else None)

    def _check_article(self, s: Session, article_id: str | None) -> KbArticle | None:
        if article_id is None:
            return None
        article = s.get(KbArticle, article_id)
        if article is None:
            raise ServiceError(f"知识库条目 {article_id} 不存在或已删除")
        return article

    def answer_online(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                      article_id: str | None, own_answer: str = "", *,
                      key: str | None = None) -> IntakeResult:
        """Art. 15: answered from the knowledge base (or the agent's own answer)."""
        self._check_role(operator)
        errors = validate_common(draft, self._regions())
        if article_id is None:
            if msg := check_text("答复内容", own_answer, required=True, min_len=4,
                                 max_len=OWN_ANSWER_MAX, allow_newlines=True):
                errors["answer"] = msg + "（未选用知识库时须填写自拟答复）"
        if errors:
            raise ValidationFailed(errors)

        def body(s: Session) -> IntakeResult:
            self._check_article(s, article_id)
            record = self._record(s, operator, draft, Outcome.ANSWERED, started_at,
                                  idempotency_key=key,
                                  kb_article_id=article_id, answer_text=own_answer.strip())
            used = f"知识库 {article_id}" if article_id else "自拟答复"
            return IntakeResult(record.id, Outcome.ANSWERED.value, f"已直接答复并记录（{used}）")

        return self._once(key, body)

    def transfer_to_expert(self, operator: OperatorInfo, draft: IntakeDraft,
                           started_at: datetime, article_id: str | None,
                           consent: bool, connection: str = Connection.LINKED.value, *,
                           key: str | None = None) -> IntakeResult:
        """Art. 15: only with the caller's consent, to an available expert whose roster covers
        the request's category, or into the category's queue while they are all busy."""
        self._check_role(operator)
        if not consent:
            raise ServiceError("诉求人未同意转接专家座席，不能转接；可直接答复或派发工单")
        if connection not in {c.value for c in Connection}:
            raise ServiceError("请选择接通方式：专家座席联动、电话转接或三方通话")
        errors = validate_common(draft, self._regions())
        if errors:
            raise ValidationFailed(errors)
        category_id, domain = self._target_of(article_id, draft.category_id)
        if category_id is None and domain is None:
            raise ServiceError("无法确定专家座席：请先选择诉求分类或选中知识库条目")

        def body(s: Session) -> IntakeResult:
            self._check_article(s, article_id)
            expert_id = self.experts.route(s, category_id, domain)
            record = self._record(s, operator, draft, Outcome.EXPERT, started_at,
                                  idempotency_key=key,
                                  kb_article_id=article_id)
            transfer = ExpertTransfer(intake_id=record.id, expert_id=expert_id,
                                      domain=domain or "其他", category_id=category_id,
                                      seat_id=operator.id, connection=connection,
                                      kb_article_id=article_id, consent=True,
                                      status=TransferStatus.WAITING.value, at=self._clock.now())
            s.add(transfer)
            s.flush()
            if expert_id is None:
                return IntakeResult(record.id, Outcome.EXPERT.value,
                                    "专家均在通话或小休，已进入专家队列，等待接听",
                                    transfer_id=transfer.id)
            expert = s.get(Operator, expert_id)
            return IntakeResult(record.id, Outcome.EXPERT.value,
                                f"已转接专家座席 {expert.staff_no} {expert.name}，等待接听",
                                transfer_id=transfer.id, expert_name=expert.name)

        return self._once(key, body)

    def expert_target(self, article_id: str | None,
                      category_id: int | None) -> tuple[int | None, str | None]:
        """The category (and domain) a transfer would be routed by."""
        return self._target_of(article_id, category_id)

    def _target_of(self, article_id: str | None,
                   category_id: int | None) -> tuple[int | None, str | None]:
        cats = self._catalog.categories()
        article = self._catalog.article(article_id) if article_id else None
        if category_id is None and article is not None:
            category_id = article.category_id
        domain = cats[category_id].domain if category_id in cats else None
        if not domain and article is not None:
            domain = article.domain or None
        return category_id, domain

    def _domain_of(self, article_id: str | None, category_id: int | None) -> str | None:
        if article_id:
            article = self._catalog.article(article_id)
            if article is not None and article.domain:
                return article.domain
        if category_id is not None:
            cat = self._catalog.categories().get(category_id)
            if cat is not None and cat.domain:
                return cat.domain
        return None

    def validate_common(self, draft: IntakeDraft) -> dict[str, str]:
        return validate_common(draft, self._regions())

    def validate_work_order(self, draft: IntakeDraft) -> dict[str, str]:
        return validate_for_work_order(draft, self._regions())

    def create_work_order(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                          lead_unit_id: int, co_handler_ids: list[int] | tuple[int, ...] = (),
                          article_id: str | None = None,
                          to_dispatcher: bool = False, *,
                          key: str | None = None) -> IntakeResult:
        """Art. 15–16: a work order to a lead unit (and co-handlers) with the table's deadline."""
        self._check_role(operator)
        errors = validate_for_work_order(draft, self._regions())
        if errors:
            raise ValidationFailed(errors)

        def body(s: Session) -> IntakeResult:
            self._check_article(s, article_id)
            record = self._record(s, operator, draft, Outcome.WORK_ORDER, started_at,
                                  idempotency_key=key,
                                  kb_article_id=article_id)
            order = self._new_order(s, operator, record, lead_unit_id, co_handler_ids,
                                    to_dispatcher)
            unit = self._unit_name(s, lead_unit_id)
            number = self._orders.number(s, order)  # last: the counter is held to the commit only
            if to_dispatcher:
                return IntakeResult(record.id, Outcome.WORK_ORDER.value,
                                    f"工单 {number} 已交派单员协商派单（第十六条第（三）项）",
                                    order_number=number, due_at=order.due_at)
            return IntakeResult(record.id, Outcome.WORK_ORDER.value,
                                f"工单 {number} 已派发至 {unit}",
                                order_number=number, due_at=order.due_at)

        return self._once(key, body)

    def _unit_name(self, s: Session, unit_id: int) -> str:
        return self._orders.unit_names(s, (unit_id,)).get(unit_id, str(unit_id))

    def _new_order(self, s: Session, operator: OperatorInfo, record: IntakeRecord,
                   lead_unit_id: int, co_handler_ids, to_dispatcher: bool = False) -> WorkOrder:
        command = Create(lead_unit_id=lead_unit_id, co_handler_ids=tuple(co_handler_ids),
                         request_type=record.request_type, urgency=record.urgency,
                         immediate_dispatch=record.immediate_dispatch,
                         to_dispatcher=to_dispatcher)
        return self._orders.create(
            s, operator, command, intake_id=record.id, caller_id=record.caller_id,
            category_id=record.category_id, region=record.region, content=record.content,
            confidential=record.confidential)

    def not_accepted(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                     code: int, *,
                     key: str | None = None) -> IntakeResult:
        """Art. 11: not accepted, with the explanation read to the caller."""
        self._check_role(operator)
        try:
            reason = self._reference.not_accepted_reason(code)
        except KeyError:
            raise ServiceError("请选择第十一条规定的不予受理情形（1–7）") from None
        errors = validate_common(draft, self._regions())
        if errors:
            raise ValidationFailed(errors)

        def body(s: Session) -> IntakeResult:
            record = self._record(s, operator, draft, Outcome.NOT_ACCEPTED, started_at,
                                  idempotency_key=key,
                                  not_accepted_code=code, answer_text=reason.script)
            earlier = s.get(IntakeRecord, record.repeat_of_id) if record.repeat_of_id else None
            order = s.scalar(select(WorkOrder).where(WorkOrder.intake_id == earlier.id)) \
                if earlier is not None else None
            record.answer_text = script_for_repeat(reason.script, order.number if order else None,
                                                   earlier.started_at if earlier else None)
            return IntakeResult(record.id, Outcome.NOT_ACCEPTED.value,
                                f"已记录不予受理：{reason.title}（{reason.clause}）")

        return self._once(key, body)

    def emergency_handoff(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                          services: list[str] | tuple[str, ...] = (), summary: str = "",
                          follow_up_lead_unit_id: int | None = None,
                          co_handler_ids: tuple[int, ...] = (), *, service: str | None = None,
                          key: str | None = None) -> IntakeResult:
        """Art. 12: hand off to one or more of 110/119/120/122 (a fire with an injured person
        goes to 119 and 120), and tell the unit that must sign through a follow-up order in
        the same step. ``service``: one service, as outcomes kept before this took several."""
        self._check_role(operator)
        if isinstance(services, str):
            services = [services]
        chosen = list(dict.fromkeys([*services, *([service] if service else [])]))
        known = {s.value for s in EmergencyService}
        if not chosen or any(sv not in known for sv in chosen):
            raise ServiceError("请勾选联动热线：110、119、120、122（可多选）")
        errors = (validate_for_work_order(draft, self._regions(), emergency=True)
                  if follow_up_lead_unit_id else validate_common(draft, self._regions()))
        if msg := check_text("联动摘要", summary, required=True, min_len=4, max_len=500,
                             allow_newlines=True):
            errors["summary"] = msg
        if errors:
            raise ValidationFailed(errors)

        def body(s: Session) -> IntakeResult:
            record = self._record(s, operator, draft, Outcome.EMERGENCY, started_at,
                                  idempotency_key=key)
            order = None
            if follow_up_lead_unit_id:
                record.immediate_dispatch = True  # Art. 12: the unit is told at once, real clock
                order = self._new_order(s, operator, record, follow_up_lead_unit_id, co_handler_ids)
            for sv in chosen:
                s.add(EmergencyHandoff(intake_id=record.id, operator_id=operator.id, service=sv,
                                       summary=summary.strip(), at=self._clock.now(),
                                       follow_up_order_id=order.id if order else None))
            msg = f"已记录{'、'.join(chosen)}紧急联动"
            if order is not None:
                unit = self._unit_name(s, order.lead_unit_id)
                number = self._orders.number(s, order)  # last: the counter to the commit only
                msg += f"，后续工单 {number} 已派发至 {unit}"
            return IntakeResult(record.id, Outcome.EMERGENCY.value, msg,
                                order_number=order.number if order else None,
                                due_at=order.due_at if order else None)

        return self._once(key, body)

    def record_hung_up(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                       *, key: str | None = None) -> IntakeResult:
        """The caller hung up before the request could be taken: the call is still counted."""
        return self._end_call(operator, draft, started_at, Outcome.HUNG_UP, key)

    def record_invalid(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                       *, key: str | None = None) -> IntakeResult:
        """A silent, misdialled, test or unrelated call."""
        return self._end_call(operator, draft, started_at, Outcome.INVALID, key)

    def _end_call(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                  outcome: Outcome, key: str | None) -> IntakeResult:
        self._check_role(operator)
        if errors := validate_call_end(draft):
            raise ValidationFailed(errors)
        if not draft.content.strip():
            draft = IntakeDraft(**{**draft.to_dict(), "content": CALL_END_TEXT[outcome]})

        def body(s: Session) -> IntakeResult:
            record = self._record(s, operator, draft, outcome, started_at, idempotency_key=key)
            return IntakeResult(record.id, outcome.value, f"已记录（{outcome.label}）")

        return self._once(key, body)

    def warn_caller(self, operator: OperatorInfo, draft: IntakeDraft, started_at: datetime,
                    code: int, note: str = "", *,
                    key: str | None = None) -> IntakeResult:
        """Art. 25: dissuade, educate, criticise; the caller is flagged from now on."""
        self._check_role(operator)
        try:
            item = self._reference.warning(code)
        except KeyError:
            raise ServiceError("请选择第二十五条规定的情形（1–5）") from None
        errors: dict[str, str] = {}
        phone = normalise_phone(draft.caller_number)
        if phone.error:
            errors["caller_number"] = phone.error
        if msg := check_text("备注", note, max_len=500, allow_newlines=True):
            errors["note"] = msg
        if msg := check_text("诉求内容", draft.content, max_len=CONTENT_MAX, allow_newlines=True):
            errors["content"] = msg
        if errors:
            raise ValidationFailed(errors)
        if not draft.content.strip():
            draft = IntakeDraft(**{**draft.to_dict(), "content": f"（劝阻警示：{item.title}）"})

        def body(s: Session) -> IntakeResult:
            record = self._record(s, operator, draft, Outcome.WARNING, started_at,
                                  idempotency_key=key,
                                  answer_text=item.script)
            s.add(CallerWarning(caller_id=record.caller_id, intake_id=record.id,
                                operator_id=operator.id, code=code, script=item.script,
                                note=note.strip(), at=self._clock.now()))
            caller = s.get(Caller, record.caller_id)
            caller.warning_count += 1
            return IntakeResult(record.id, Outcome.WARNING.value,
                                f"已记录劝阻警示：{item.title}（累计{caller.warning_count}次）")

        return self._once(key, body)
