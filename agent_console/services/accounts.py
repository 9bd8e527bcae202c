"""Log-in, lockout and operator accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from agent_console.config import Settings
from agent_console.domain.clock import Clock
from agent_console.domain.enums import Role
from agent_console.domain.passwords import hash_password, verify_password
from agent_console.domain.text import check_text
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import NotFound, ServiceError, ValidationFailed
from agent_console.store.models import LoginEvent, Operator, Unit
from agent_console.store.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, is_demo_database

STAFF_NO = re.compile(r"^\d{4,8}$")
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
BAD_LOGIN = "工号或密码不正确"

# login_events.result
OK, BAD_PASSWORD, LOCKED, DISABLED, UNKNOWN, LOCKOUT_EVENT = (
    "ok", "bad_password", "locked", "disabled", "unknown", "lockout")
RESULT_LABELS = {
    OK: "登录成功",
    BAD_PASSWORD: "密码错误",
    LOCKED: "锁定期间尝试登录",
    DISABLED: "账号已停用",
    UNKNOWN: "工号不存在",
    LOCKOUT_EVENT: f"连续{MAX_FAILED_LOGINS}次密码错误，锁定{LOCKOUT.seconds // 60}分钟",
}

FIRST_ADMIN_COMMAND = "agent-console user add --staff-no 9001 --name 姓名 --role admin"


def first_admin_command(settings: Settings | None = None) -> str:
    """The command that creates the first administrator (with ``--db`` when the database is
    not the default one; never a password)."""
    option = settings.db_option() if settings is not None else ""
    return f"{FIRST_ADMIN_COMMAND} {option}" if option else FIRST_ADMIN_COMMAND


def no_accounts_message(settings: Settings | None = None) -> str:
    return ("尚未创建任何可用账号。请先在终端运行以下命令创建第一个系统管理员"
            f"（按提示输入两次密码，至少{MIN_PASSWORD}位）：\n{first_admin_command(settings)}")


class NoAccounts(ServiceError):
    """A log-in on a database without any active account."""

    def __init__(self) -> None:
        super().__init__(no_accounts_message())


def locked_message(until: datetime) -> str:
    return (f"连续{MAX_FAILED_LOGINS}次密码错误，账号已锁定，"
            f"请于 {until:%H:%M} 后再试或联系管理员解锁")


@dataclass(frozen=True)
class AccountRow:
    staff_no: str
    name: str
    role: str
    role_label: str
    unit: str
    status: str  # 启用 / 停用 / 锁定至 …
    active: bool
    locked_until: datetime | None
    failed_logins: int
    last_login_at: datetime | None


@dataclass(frozen=True)
class LoginEventRow:
    at: datetime
    staff_no: str
    name: str
    result: str
    result_label: str


@cache
def _dummy_hash() -> str:
    """Checked against for an unknown staff number, so it costs as long as a wrong password."""
    return hash_password("no such account", salt=b"\0" * 16)


def to_info(op: Operator, unit: Unit | None = None) -> OperatorInfo:
    return OperatorInfo(op.id, op.staff_no, op.name, Role(op.role), op.unit_id,
                        unit.name if unit else None)


def _status(active: bool, locked_until: datetime | None, now: datetime) -> str:
    if not active:
        return "停用"
    if locked_until is not None and locked_until > now:
        return f"锁定至 {locked_until:%Y-%m-%d %H:%M}"
    return "启用"


class AccountService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock

    def is_demo(self) -> bool:
        with self._factory() as session:
            return is_demo_database(session)

    def demo_accounts(self) -> list[tuple[str, str, str]]:
        """(staff no, role label, password) — only in demo mode."""
        if not self.is_demo():
            return []
        return [(no, role.label, DEMO_PASSWORD) for no, _name, role, _unit in DEMO_ACCOUNTS]

    def has_active_accounts(self) -> bool:
        with self._factory() as session:
            return session.scalar(select(Operator.id).where(Operator.active.is_(True)).limit(1)) \
                is not None

    def operator_by_staff_no(self, staff_no: str) -> OperatorInfo | None:
        """An active account by staff number (for commands run on someone's behalf)."""
        with self._factory() as session:
            op = session.scalar(select(Operator).where(Operator.staff_no == staff_no.strip(),
                                                       Operator.active.is_(True)))
            if op is None:
                return None
            unit = session.get(Unit, op.unit_id) if op.unit_id else None
            return to_info(op, unit)

    # ------------------------------------------------------------------ log-in
    def authenticate(self, staff_no: str, password: str) -> OperatorInfo:
        """Every attempt is recorded; five wrong passwords in a row lock the account for
        fifteen minutes. An unknown number and a wrong password read the same."""
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
        now = self._clock.now()
        with self._factory() as session:
            op = session.scalar(select(Operator).where(Operator.staff_no == staff_no))
            any_active = op is not None or session.scalar(
                select(Operator.id).where(Operator.active.is_(True)).limit(1)) is not None
        # The password is checked outside any transaction: scrypt takes tens of milliseconds.
        if op is None:
            verify_password(password, _dummy_hash())
            self._record(staff_no, None, UNKNOWN, now)
            raise NoAccounts() if not any_active else ServiceError(BAD_LOGIN)
        if op.locked_until is not None and op.locked_until > now:
            self._record(staff_no, op.id, LOCKED, now)
            raise ServiceError(locked_message(op.locked_until))
        if not verify_password(password, op.password_hash):
            raise self._count_failure(op, now)
        if not op.active:
            self._record(staff_no, op.id, DISABLED, now)
            raise ServiceError("该账号已停用，请联系管理员")
        with self._factory.begin() as session:
            # A success resets the counter, unless another console locked the account meanwhile.
            done = session.execute(
                update(Operator).where(Operator.id == op.id, _not_locked(now))
                .values(failed_logins=0, locked_until=None)
                .execution_options(synchronize_session=False)).rowcount
            if done:
                session.add(LoginEvent(at=now, staff_no=staff_no, operator_id=op.id, result=OK))
                unit = session.get(Unit, op.unit_id) if op.unit_id else None
                return to_info(op, unit)
            refusal = self._locked_meanwhile(session, op, now)
        raise refusal

    def _count_failure(self, op: Operator, now: datetime) -> ServiceError:
        """One more wrong password, counted in SQL so consoles failing at once all count; the
        fifth locks the account. Returns the refusal to raise."""
        with self._factory.begin() as session:
            count = session.execute(
                update(Operator).where(Operator.id == op.id, _not_locked(now))
                .values(failed_logins=Operator.failed_logins + 1, locked_until=None)
                .returning(Operator.failed_logins)
                .execution_options(synchronize_session=False)).scalar()
            if count is None:
                return self._locked_meanwhile(session, op, now)
            session.add(LoginEvent(at=now, staff_no=op.staff_no, operator_id=op.id,
                                   result=BAD_PASSWORD))
            if count < MAX_FAILED_LOGINS:
                return ServiceError(BAD_LOGIN)
            until = now + LOCKOUT
            session.execute(
                update(Operator).where(Operator.id == op.id)
                .values(locked_until=until, failed_logins=0)
                .execution_options(synchronize_session=False))
            session.add(LoginEvent(at=now, staff_no=op.staff_no, operator_id=op.id,
                                   result=LOCKOUT_EVENT))
            return ServiceError(locked_message(until))

    @staticmethod
    def _locked_meanwhile(session: Session, op: Operator, now: datetime) -> ServiceError:
        """Another console's failure locked the account between our read and our write."""
        until = session.scalar(select(Operator.locked_until).where(Operator.id == op.id))
        session.add(LoginEvent(at=now, staff_no=op.staff_no, operator_id=op.id, result=LOCKED))
        return ServiceError(locked_message(until or now + LOCKOUT))

    def _record(self, staff_no: str, operator_id: int | None, result: str, now: datetime) -> None:
        with self._factory.begin() as session:
            session.add(LoginEvent(at=now, staff_no=staff_no, operator_id=operator_id,
                                   result=result))

    # ------------------------------------------------------------------ accounts
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
        if msg := _password_problem(password):
            errors["password"] = msg
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

    def list_users(self) -> list[AccountRow]:
        """Every account by staff number, with its status and last successful log-in."""
        now = self._clock.now()
        last = (select(LoginEvent.operator_id, func.max(LoginEvent.at).label("at"))
                .where(LoginEvent.result == OK).group_by(LoginEvent.operator_id).subquery())
        with self._factory() as session:
            rows = session.execute(
                select(Operator, Unit.name, last.c.at)
                .outerjoin(Unit, Unit.id == Operator.unit_id)
                .outerjoin(last, last.c.operator_id == Operator.id)
                .order_by(Operator.staff_no)).all()
        return [AccountRow(op.staff_no, op.name, op.role, Role(op.role).label, unit or "",
                           _status(op.active, op.locked_until, now), op.active, op.locked_until,
                           op.failed_logins, last_at)
                for op, unit, last_at in rows]

    def set_password(self, staff_no: str, password: str) -> AccountRow:
        """A new password (same rules as a new account); also lifts a lockout."""
        if msg := _password_problem(password):
            raise ValidationFailed({"password": msg})
        hashed = hash_password(password)
        return self._change(staff_no, password_hash=hashed, failed_logins=0, locked_until=None)

    def disable(self, staff_no: str) -> AccountRow:
        return self._change(staff_no, active=False)

    def enable(self, staff_no: str) -> AccountRow:
        """Active again, and any lockout lifted."""
        return self._change(staff_no, active=True, failed_logins=0, locked_until=None)

    def _change(self, staff_no: str, **values) -> AccountRow:
        staff_no = (staff_no or "").strip()
        with self._factory.begin() as session:
            op = session.scalar(select(Operator).where(Operator.staff_no == staff_no))
            if op is None:
                raise NotFound(f"工号 {staff_no} 不存在")
            for key, value in values.items():
                setattr(op, key, value)
            session.flush()
        return next(r for r in self.list_users() if r.staff_no == staff_no)

    def login_events(self, staff_no: str | None = None, limit: int = 50) -> list[LoginEventRow]:
        """The log-in and lockout record, newest first; for one staff number if given."""
        limit = max(1, min(limit, 10_000))
        with self._factory() as session:
            query = (select(LoginEvent, Operator.name)
                     .outerjoin(Operator, Operator.id == LoginEvent.operator_id)
                     .order_by(LoginEvent.at.desc(), LoginEvent.id.desc()).limit(limit))
            if staff_no is not None:
                staff_no = staff_no.strip()
                if session.scalar(select(Operator.id).where(Operator.staff_no == staff_no)) is None:
                    raise NotFound(f"工号 {staff_no} 不存在")
                query = query.where(LoginEvent.staff_no == staff_no)
            rows = session.execute(query).all()
        return [LoginEventRow(e.at, e.staff_no, name or "", e.result,
                              RESULT_LABELS.get(e.result, e.result)) for e, name in rows]

    def now(self) -> datetime:
        return self._clock.now()


def _not_locked(now: datetime):
    return Operator.locked_until.is_(None) | (Operator.locked_until <= now)


def _password_problem(password: str) -> str | None:
    return f"密码至少{MIN_PASSWORD}位" if len(password or "") < MIN_PASSWORD else None
