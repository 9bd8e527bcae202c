"""Art. 14–15: the expert seat's queue of transferred calls."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Role, TransferStatus
from agent_console.domain.phone import mask_phone
from agent_console.services.dto import OperatorInfo, TransferRow
from agent_console.services.errors import NotFound, PermissionDenied, ServiceError
from agent_console.store.models import Caller, ExpertTransfer, IntakeRecord, KbArticle, Operator

EXPERT_ROLES = frozenset({Role.EXPERT, Role.ADMIN})


class ExpertService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock

    def queue(self, expert: OperatorInfo, include_closed: bool = False) -> list[TransferRow]:
        if expert.role not in EXPERT_ROLES:
            raise PermissionDenied("只有专家座席可以查看转接队列")
        with self._factory() as s:
            stmt = (
                select(ExpertTransfer, IntakeRecord, Caller, Operator)
                .join(IntakeRecord, IntakeRecord.id == ExpertTransfer.intake_id)
                .join(Caller, Caller.id == IntakeRecord.caller_id)
                .join(Operator, Operator.id == IntakeRecord.operator_id)
                .order_by(ExpertTransfer.at.desc(), ExpertTransfer.id.desc())
            )
            if expert.role is Role.EXPERT:
                stmt = stmt.where(ExpertTransfer.expert_id == expert.id)
            if not include_closed:
                stmt = stmt.where(ExpertTransfer.status != TransferStatus.CLOSED.value)
            rows = []
            for t, r, c, op in s.execute(stmt.limit(500)).all():
                title = None
                if t.kb_article_id:
                    art = s.get(KbArticle, t.kb_article_id)
                    title = art.title if art else None
                rows.append(TransferRow(
                    id=t.id, at=t.at, domain=t.domain, status=t.status,
                    caller_phone=mask_phone(c.phone) if r.confidential else c.phone,
                    content=r.content, kb_article_id=t.kb_article_id, kb_title=title,
                    from_operator=f"{op.staff_no} {op.name}", confidential=r.confidential,
                ))
            return rows

    def set_status(self, expert: OperatorInfo, transfer_id: int, status: TransferStatus) -> None:
        if expert.role not in EXPERT_ROLES:
            raise PermissionDenied("只有专家座席可以处理转接")
        order = [TransferStatus.WAITING, TransferStatus.ACCEPTED, TransferStatus.CLOSED]
        with self._factory.begin() as s:
            t = s.get(ExpertTransfer, transfer_id)
            if t is None:
                raise NotFound("转接记录不存在")
            if expert.role is Role.EXPERT and t.expert_id != expert.id:
                raise PermissionDenied("这通转接不在您的队列中")
            current = TransferStatus(t.status)
            if order.index(status) <= order.index(current):
                raise ServiceError(f"转接已是“{current.value}”，不能改为“{status.value}”")
            t.status = status.value
