"""The ORM schema. Change it only together with a new Alembic revision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from agent_console.domain.enums import OPEN_ORDER_STATUSES, OrderStatus
from agent_console.domain.workflow import UNIT_HOLDS

# The open statuses in the enum's order: the same text as the partial indexes' WHERE clause in
# migrations 0006 and 0007 (SQLite uses a partial index only for a query with that clause).
OPEN_STATUSES = tuple(s.value for s in OrderStatus if s in OPEN_ORDER_STATUSES)
OPEN_STATUS_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
SUPERVISED_SQL = f"supervision_level > 0 AND {OPEN_STATUS_SQL}"  # open orders under supervision
# The same on a co-handler row's copy of its order (migration 0012's partial indexes).
CO_OPEN_SQL = OPEN_STATUS_SQL.replace("status IN", "order_status IN")
CO_SUPERVISED_SQL = f"order_level > 0 AND {CO_OPEN_SQL}"
# The overdue scan's orders (Art. 19), the text of migration 0011's partial indexes: open ones a
# unit holds (past the dispatch desk), and those unsigned and not yet raised.
HELD_STATUS_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in UNIT_HOLDS))
UNSIGNED_SQL = f"status = '{OrderStatus.AWAITING_SIGN.value}' AND supervision_level = 0"


class Base(DeclarativeBase):
    pass


class AppMeta(Base):
    """Key/value facts about this database (demo mode, seed version, KB version)."""

    __tablename__ = "app_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    region: Mapped[str | None] = mapped_column(String(40))
    service_area: Mapped[list] = mapped_column(JSON, default=list)
    domains: Mapped[list] = mapped_column(JSON, default=list)


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Consecutive wrong passwords (counted in SQL, never read-modify-write) and the lockout.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class LoginEvent(Base):
    """Every log-in attempt and every lockout; written with the counter change it caused."""

    __tablename__ = "login_events"
    __table_args__ = (
        Index("ix_login_event_staff_at", "staff_no", "at"),
        Index("ix_login_event_at", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    staff_no: Mapped[str] = mapped_column(String(16))  # as typed, also for unknown numbers
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    result: Mapped[str] = mapped_column(String(16))  # ok bad_password locked disabled unknown lockout


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    short: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    towns: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(160), unique=True)
    domain: Mapped[str | None] = mapped_column(String(20))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    routing: Mapped[str | None] = mapped_column(String(10))


class KbArticle(Base):
    __tablename__ = "kb_articles"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    phrasings: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    policy_basis: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    valid_until: Mapped[date | None] = mapped_column(Date)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    domain: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)  # no longer shown to seats
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Caller(Base):
    __tablename__ = "callers"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40), default="")
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class IntakeRecord(Base):
    """One request as received: what was said, by whom, and how the call ended."""

    __tablename__ = "intake_records"
    __table_args__ = (
        Index("ix_intake_caller_started", "caller_id", "started_at"),
        # the calls of a period (newest first), with what the statistics group and count by:
        # the call figures read the index alone (migration 0015)
        Index("ix_intake_started_cube", "started_at", "id", "outcome", "channel", "region",
              "category_id", "ended_at", "repeat_of_id", "caller_id", "not_accepted_code"),
        Index("ux_intake_idempotency_key", "idempotency_key", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    channel: Mapped[str] = mapped_column(String(20))
    request_type: Mapped[str] = mapped_column(String(10))
    urgency: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(400), default="")
    caller_name: Mapped[str] = mapped_column(String(40), default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    kb_article_id: Mapped[str | None] = mapped_column(ForeignKey("kb_articles.id"))
    answer_text: Mapped[str] = mapped_column(Text, default="")
    not_accepted_code: Mapped[int | None] = mapped_column(Integer)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("intake_records.id"))
    immediate_dispatch: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    # The seat's key for this outcome (local outbox): delivered twice, recorded once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))


class OrderCounter(Base):
    """Per-day work-order sequence, advanced atomically with INSERT … ON CONFLICT."""

    __tablename__ = "order_counters"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class WorkOrder(Base):
    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_order_status_due", "status", "due_at"),
        # a unit's queues: its orders by status, newest first; its open and supervised ones by
        # deadline (the co-handled ones come off ix_co_handler_unit_created)
        Index("ix_order_lead_status_created", "lead_unit_id", "status", "created_at", "id"),
        Index("ix_order_lead_open_due", "lead_unit_id", "due_at", "id",
              sqlite_where=text(OPEN_STATUS_SQL), postgresql_where=text(OPEN_STATUS_SQL)),
        Index("ix_order_lead_supervised_due", "lead_unit_id", "due_at", "id",
              sqlite_where=text(SUPERVISED_SQL), postgresql_where=text(SUPERVISED_SQL)),
        Index("ix_order_caller", "caller_id"),
        # a caller's history: the order of each call, and the number's open orders
        Index("ix_order_intake", "intake_id"),
        Index("ix_order_caller_open", "caller_id", "created_at",
              sqlite_where=text(OPEN_STATUS_SQL), postgresql_where=text(OPEN_STATUS_SQL)),
        Index("ix_order_created", "created_at"),
        Index("ix_order_lead_created", "lead_unit_id", "created_at"),
        Index("ix_order_status_created", "status", "created_at"),
        Index("ix_order_status_sign", "status", "sign_by"),
        Index("ix_order_supervised_due", "due_at",
              sqlite_where=text(SUPERVISED_SQL), postgresql_where=text(SUPERVISED_SQL)),
        # Overdue lists read only open orders, oldest deadline first; the statistics count the
        # open orders by unit, region and category from the index alone (PostgreSQL), or from
        # the same columns behind status (SQLite, without statistics, takes an index on status
        # for ``status IN (…)``)
        Index("ix_order_open_due", "due_at", "id", "lead_unit_id", "region", "category_id",
              "supervision_level",
              sqlite_where=text(OPEN_STATUS_SQL), postgresql_where=text(OPEN_STATUS_SQL)),
        Index("ix_order_open_status", "status", "lead_unit_id", "region", "category_id",
              "supervision_level", "due_at",
              sqlite_where=text(OPEN_STATUS_SQL), postgresql_where=text(OPEN_STATUS_SQL)),
        # The supervision scan: per level, the orders whose deadline lies far enough back for
        # the next tier; and the unsigned ones by sign-for deadline. Exactly what it raises.
        Index("ix_order_held_level_due", "supervision_level", "due_at", "id",
              sqlite_where=text(HELD_STATUS_SQL), postgresql_where=text(HELD_STATUS_SQL)),
        Index("ix_order_unsigned_sign", "sign_by", "id",
              sqlite_where=text(UNSIGNED_SQL), postgresql_where=text(UNSIGNED_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intake_records.id"))
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id"))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    request_type: Mapped[str] = mapped_column(String(10))
    urgency: Mapped[str] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    immediate_dispatch: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10))
    sign_by: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    supervision_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requested_due_at: Mapped[datetime | None] = mapped_column(DateTime)  # pending extension
    satisfaction: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    co_handlers: Mapped[list[OrderCoHandler]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )


class OrderCoHandler(Base):
    """A unit asked to help with an order. The row carries a copy of what the order's queues
    select and sort on (store.orders keeps it with the order, in the same transaction), so a
    unit's co-handled orders of a queue are one range of one index (migration 0012)."""

    __tablename__ = "order_co_handlers"
    __table_args__ = (
        Index("ix_co_handler_unit_created", "unit_id", "order_created_at", "order_id"),
        Index("ix_co_handler_unit_status_created", "unit_id", "order_status", "order_created_at",
              "order_id"),
        Index("ix_co_handler_unit_open_due", "unit_id", "order_due_at", "order_id",
              sqlite_where=text(CO_OPEN_SQL), postgresql_where=text(CO_OPEN_SQL)),
        Index("ix_co_handler_unit_supervised_due", "unit_id", "order_due_at", "order_id",
              sqlite_where=text(CO_SUPERVISED_SQL), postgresql_where=text(CO_SUPERVISED_SQL)),
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    order_created_at: Mapped[datetime] = mapped_column(DateTime)
    order_status: Mapped[str] = mapped_column(String(10))
    order_due_at: Mapped[datetime] = mapped_column(DateTime)
    order_level: Mapped[int] = mapped_column(Integer)
    order: Mapped[WorkOrder] = relationship(back_populates="co_handlers")


class OrderEvent(Base):
    __tablename__ = "order_events"
    __table_args__ = (Index("ix_event_order_at", "order_id", "at"),
                      # the events of a period by action, with their order (migration 0015)
                      Index("ix_event_action_at", "action", "at", "order_id"),
                      # each order's supervise events in order: the level a raise reached
                      Index("ix_event_action_order", "action", "order_id", "at", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    # What was in force when it was written (migration 0016), so a later reopen, extension or
    # redispatch does not change how it is judged: the lead unit it belongs to, and for a
    # signature or a completion the deadline it met or missed. NULL on events written before.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # A supervise event: the supervision level it raised its order to (migration 0017; the
    # scan may raise 0 → 3 at once). NULL on every other event.
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)


class KbNotice(Base):
    """Art. 19(4): a supervision notice to a unit whose knowledge-base articles are out of date
    (a unit-level notice: it belongs to no work order)."""

    __tablename__ = "kb_notices"
    __table_args__ = (Index("ix_kb_notice_unit_at", "unit_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    level: Mapped[int] = mapped_column(Integer)
    articles: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")


class OrderNote(Base):
    """Work on an order that is not a status change: contact attempts (Art. 18(1)), a
    co-handler's part (Art. 16(2)), a consultation on unclear ownership (Art. 16(3))."""

    __tablename__ = "order_notes"
    __table_args__ = (Index("ix_note_order_kind", "order_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(12))  # contact | part | consultation
    result: Mapped[str | None] = mapped_column(String(12))
    content: Mapped[str] = mapped_column(Text, default="")
    units_consulted: Mapped[list] = mapped_column(JSON, default=list)


class CallerWarning(Base):
    """Art. 25: a warning given to a caller, with the script that was read."""

    __tablename__ = "caller_warnings"
    __table_args__ = (Index("ix_caller_warning_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id"), index=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intake_records.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    code: Mapped[int] = mapped_column(Integer)
    script: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class EmergencyHandoff(Base):
    """Art. 12: a live emergency passed to 110/119/120/122."""

    __tablename__ = "emergency_handoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intake_records.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    service: Mapped[str] = mapped_column(String(4))
    summary: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    follow_up_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))


class ExpertRoster(Base):
    """Art. 14(1): an expert a handling unit placed at the centre, the categories the expert
    answers and the days of the placement (``ends_on`` None: until further notice). Routing
    reads it: a transfer goes to the experts whose roster covers the request's category today."""

    __tablename__ = "expert_roster"
    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    categories: Mapped[list] = mapped_column(JSON, default=list)  # category ids, any level
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ExpertPresence(Base):
    """Whether an expert is at the seat: available, on a break or busy on a call; ``seen_at``
    is the console's last sign of life (a console that stopped is away after PRESENCE_TTL)."""

    __tablename__ = "expert_presence"
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # available | break | busy | offline
    since: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class ExpertTransfer(Base):
    """Art. 15: a call passed to an expert seat with the caller's consent. ``expert_id`` is
    None while it waits in the category's queue (every expert of it was busy or on a break);
    ``outcome`` says how it ended: answered, work_order, handed_back (by the expert, with
    ``note``) or taken_back (by the seat, before an expert accepted)."""

    __tablename__ = "expert_transfers"
    __table_args__ = (Index("ix_transfer_expert_status", "expert_id", "status"),
                      Index("ix_transfer_status_at", "status", "at"),
                      # a call's transfers, the last one first looked up (its ending)
                      Index("ix_transfer_intake", "intake_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intake_records.id"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    domain: Mapped[str] = mapped_column(String(20))
    kb_article_id: Mapped[str | None] = mapped_column(ForeignKey("kb_articles.id"))
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    connection: Mapped[str] = mapped_column(String(12), default="", server_default="")
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
    answer_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    answer_article_id: Mapped[str | None] = mapped_column(ForeignKey("kb_articles.id"))
    propose_article: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class KbRevision(Base):
    """Art. 13, 19(4): one change to an article as a unit (or an expert) proposed it: the whole
    new text in ``data``, the text it replaced in ``before`` (None for a new article). It
    reaches the seats only once the centre approves it; ``number`` is then the article's
    version. Rejected changes keep the reviewer's reason for the unit."""

    __tablename__ = "kb_revisions"
    __table_args__ = (Index("ix_kb_revision_status", "status", "created_at"),
                      Index("ix_kb_revision_article", "article_id", "id"),
                      Index("ix_kb_revision_unit", "unit_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))   # create | edit | retire
    status: Mapped[str] = mapped_column(String(10))   # pending | approved | rejected | withdrawn
    data: Mapped[dict] = mapped_column(JSON)
    before: Mapped[dict | None] = mapped_column(JSON)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(10))   # liaison | expert | batch
    batch: Mapped[str | None] = mapped_column(String(40))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("expert_transfers.id"))
    number: Mapped[int | None] = mapped_column(Integer)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class OnlineSubmission(Base):
    """Art. 3: a request from the website, WeChat, e-mail or 蒙速办, waiting for an agent."""

    __tablename__ = "online_submissions"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_submission_status_received", "status", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    caller_phone: Mapped[str] = mapped_column(String(24), default="")
    caller_name: Mapped[str] = mapped_column(String(40), default="")
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(400), default="")
    region: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake_records.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CallDraft(Base):
    """The form as the agent left it: restored after a crash or restart."""

    __tablename__ = "call_drafts"
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarDayRow(Base):
    """The centre's own calendar entries (Art. 18 deadlines): a make-up working day (上班) or
    a day off (休息) over the statutory calendar, seen by every console."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))  # 上班 / 休息
    name: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class TrainingSet(Base):
    """A trainer's set of practice scenarios (issue 12), assigned to seat agents."""

    __tablename__ = "training_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class TrainingSetItem(Base):
    __tablename__ = "training_set_items"
    set_id: Mapped[int] = mapped_column(ForeignKey("training_sets.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(80))


class TrainingAssignment(Base):
    __tablename__ = "training_assignments"
    __table_args__ = (UniqueConstraint("set_id", "trainee_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("training_sets.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    assigned_by: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)


class TrainingAttempt(Base):
    """One simulated call and its debrief. Never a call, an order or a report figure: the
    call itself ran over a practice database (services.practice)."""

    __tablename__ = "training_attempts"
    __table_args__ = (
        Index("ix_training_attempt_trainee_ended", "trainee_id", "ended_at"),
        Index("ix_training_attempt_scenario", "scenario_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    set_id: Mapped[int | None] = mapped_column(ForeignKey("training_sets.id"))
    set_name: Mapped[str | None] = mapped_column(String(60))  # kept when the set is deleted
    scenario_id: Mapped[str] = mapped_column(String(80))
    scenario_title: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    seconds: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(String(20))
    debrief: Mapped[dict] = mapped_column(JSON)
