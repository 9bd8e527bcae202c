"""Frozen results the services hand to the UI and CLI (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from agent_console.domain.enums import Role


@dataclass(frozen=True)
class OperatorInfo:
    id: int
    staff_no: str
    name: str
    role: Role
    unit_id: int | None = None
    unit_name: str | None = None


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    region: str | None
    domains: tuple[str, ...]
    service_area: tuple[str, ...]


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    path: str
    name: str
    level: int
    domain: str | None
    lead_unit_id: int | None
    routing: str | None


@dataclass(frozen=True)
class RegionInfo:
    name: str
    short: str
    kind: str
    towns: tuple[str, ...]


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    title: str
    phrasings: tuple[str, ...]
    answer: str
    policy_basis: str
    owner_unit: str | None
    valid_until: date | None
    keywords: tuple[str, ...]
    domain: str
    category_id: int | None
    category_path: str | None

    def is_stale(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today


def outcome_label(outcome: str, expert_outcome: str | None = None) -> str:
    """How a call ended, in words; a transferred call also says how the expert ended it."""
    from agent_console.domain.enums import Outcome, TransferOutcome

    label = Outcome(outcome).label if outcome in Outcome._value2member_map_ else outcome
    if expert_outcome in TransferOutcome._value2member_map_:
        return f"{label}→{TransferOutcome(expert_outcome).label}"
    if outcome == Outcome.EXPERT:
        return f"{label}（处理中）"
    return label


@dataclass(frozen=True)
class HistoryEntry:
    intake_id: int
    at: datetime
    outcome: str
    request_type: str
    content: str
    order_number: str | None
    order_status: str | None
    expert_outcome: str | None = None  # how the expert seat ended a transferred call

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome, self.expert_outcome)


@dataclass(frozen=True)
class WarningEntry:
    at: datetime
    code: int
    title: str


@dataclass(frozen=True)
class OpenOrder:
    number: str
    status: str
    lead_unit: str
    due_at: datetime


@dataclass(frozen=True)
class CallerHistory:
    phone: str
    name: str
    known: bool
    entries: tuple[HistoryEntry, ...] = ()
    open_orders: tuple[OpenOrder, ...] = ()
    warnings: tuple[WarningEntry, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.warnings)


@dataclass(frozen=True)
class RepeatNotice:
    intake_id: int
    at: datetime
    content: str
    outcome: str
    order_number: str | None
    similarity: float


@dataclass(frozen=True)
class DispatchProposal:
    category_path: str
    lead: UnitInfo
    alternatives: tuple[UnitInfo, ...]
    sign_by: datetime
    due_at: datetime
    rule_text: str
    reason: str


@dataclass(frozen=True)
class FollowUpProposal:
    """Art. 12: the order an emergency hand-off sends to the unit that must sign for it."""

    dispatch: DispatchProposal  # its lead, deadlines (on the real clock) and rule
    category_id: int
    request_type: str
    urgency: str
    co_handlers: tuple[UnitInfo, ...] = ()


@dataclass(frozen=True)
class IntakeResult:
    intake_id: int
    outcome: str
    message: str
    order_number: str | None = None
    transfer_id: int | None = None
    expert_name: str | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class CallerContact:
    """Art. 18(1): how the handling unit and the centre reach the caller of an order, as the
    seat took it down. ``phone`` is empty when the number was withheld; ``confidential``
    (Art. 8, 21): the caller asked that none of it be passed on."""

    phone: str
    name: str
    address: str
    region: str | None
    confidential: bool


@dataclass(frozen=True)
class OrderRow:
    number: str
    status: str
    lead_unit: str
    co_handlers: tuple[str, ...]
    request_type: str
    urgency: str
    category: str | None
    region: str | None
    content: str
    caller_phone: str
    confidential: bool
    created_at: datetime
    sign_by: datetime
    due_at: datetime
    created_by: str
    supervision_level: int = 0


@dataclass(frozen=True)
class UnitMonth:
    """One lead unit's orders created in a month, as they stand now."""
    unit: str
    created: int
    open: int
    overdue: int  # open and past the deadline now
    done: int  # completed, called back or archived


@dataclass(frozen=True)
class MonthCounts:
    month: str  # YYYY-MM
    created: int
    by_status: tuple[tuple[str, int], ...]  # in the workflow's order
    by_unit: tuple[UnitMonth, ...]  # most orders first


@dataclass(frozen=True)
class CallRow:
    id: int
    started_at: datetime
    ended_at: datetime
    operator: str
    caller_phone: str
    channel: str
    request_type: str
    outcome: str
    kb_article_id: str | None
    category: str | None
    region: str | None
    content: str
    confidential: bool
    order_number: str | None
    not_accepted_code: int | None
    expert_outcome: str | None = None

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome, self.expert_outcome)


@dataclass(frozen=True)
class TransferRow:
    id: int
    at: datetime
    domain: str
    status: str
    caller_phone: str
    content: str
    kb_article_id: str | None
    kb_title: str | None
    from_operator: str
    confidential: bool = False
    extra: dict = field(default_factory=dict)
