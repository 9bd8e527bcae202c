"""Log-in and operator accounts."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Role
from agent_console.domain.passwords import hash_password, verify_password
from agent_console.domain.text import check_text
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.models import AppMeta, Operator, Unit
from agent_console.store.seed import DEMO_ACCOUNTS, DEMO_PASSWORD

STAFF_NO = re.compile(r"^\d{4,8}$")


def to_info(op: Operator, unit: Unit | None = None) -> OperatorInfo:
    return OperatorInfo(op.id, op.staff_no, op.name, Role(op.role), op.unit_id,
                        unit.name if unit else None)


class AccountService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock

    def is_demo(self) -> bool:
        with self._factory() as session:
            row = session.get(AppMeta, "demo_mode")
            return row is not None and row.value == "1"

    def demo_accounts(self) -> list[tuple[str, str, str]]:
        """(staff no, role label, password) — only in demo mode."""
        if not self.is_demo():
            return []
        return [(no, role.label, DEMO_PASSWORD) for no, _name, role, _unit in DEMO_ACCOUNTS]

    def authenticate(self, staff_no: str, password: str) -> OperatorInfo:
        staff_no = staff_no.strip()
        errors = {}
        if not staff_no:
            errors["staff_no"] = "请输入工号"
        elif not STAFF_NO.match(staff_no):
            errors["staff_no"] = "工号应为4到8位数字"
        if not password:
            errors["password"] = "请输入密码"
        if errors:
            raise ValidationFailed(errors)
        with self._factory() as session:
            op = session.scalar(select(Operator).where(Operator.staff_no == staff_no))
            if op is None or not verify_password(password, op.password_hash):
                raise ServiceError("工号或密码不正确")
            if not op.active:
                raise ServiceError("该账号已停用，请联系管理员")
            unit = session.get(Unit, op.unit_id) if op.unit_id else None
            return to_info(op, unit)

    def add_user(self, staff_no: str, name: str, role: str, password: str,
                 unit_code: str | None = None) -> OperatorInfo:
        errors: dict[str, str] = {}
        if not STAFF_NO.match(staff_no or ""):
            errors["staff_no"] = "工号应为4到8位数字"
        if msg := check_text("姓名", name, required=True, max_len=30, allow_emoji=False):
            errors["name"] = msg
        try:
            role_enum = Role(role)
        except ValueError:
            errors["role"] = "角色无效，可选：" + "、".join(r.value for r in Role)
            role_enum = None
        if len(password) < 8:
            errors["password"] = "密码至少8位"
        if role_enum is Role.UNIT_LIAISON and not unit_code:
            errors["unit"] = "承办单位联络员必须指定所属单位（--unit 单位编码）"
        if errors:
            raise ValidationFailed(errors)
        with self._factory.begin() as session:
            if session.scalar(select(Operator).where(Operator.staff_no == staff_no)):
                raise ServiceError(f"工号 {staff_no} 已存在")
            unit = None
            if unit_code:
                unit = session.scalar(select(Unit).where(Unit.code == unit_code))
                if unit is None:
                    raise ServiceError(f"单位编码 {unit_code} 不存在")
            op = Operator(staff_no=staff_no, name=name.strip(), role=role_enum.value,
                          password_hash=hash_password(password), unit_id=unit.id if unit else None,
                          active=True, created_at=self._clock.now())
            session.add(op)
            session.flush()
            return to_info(op, unit)

    def now(self) -> datetime:
        return self._clock.now()
