"""Closed vocabularies of the hotline (regulation terms in their Chinese labels)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SEAT_AGENT = "seat_agent"
    EXPERT = "expert"
    DISPATCHER = "dispatcher"
    CALLBACK = "callback"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    UNIT_LIAISON = "unit_liaison"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SEAT_AGENT: "话务座席",
    Role.EXPERT: "专家座席",
    Role.DISPATCHER: "派单员",
    Role.CALLBACK: "回访员",
    Role.SUPERVISOR: "督办员",
    Role.TRAINER: "培训师",
    Role.UNIT_LIAISON: "承办单位联络员",
    Role.ADMIN: "系统管理员",
}


class Channel(StrEnum):
    """Art. 3: the channels that make up the hotline."""

    PHONE = "12345电话"
    WEBSITE = "网站"
    WECHAT = "微信"
    EMAIL = "电子信箱"
    MENGSUBAN = "蒙速办"


class RequestType(StrEnum):
    """Art. 3: the kinds of request."""

    CONSULT = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "意见建议"


class Urgency(StrEnum):
    NORMAL = "一般"
    URGENT = "紧急"
    CRITICAL = "特急"


class Outcome(StrEnum):
    """How a call ended (Art. 11, 12, 15, 25)."""

    ANSWERED = "answered"
    EXPERT = "expert"
    WORK_ORDER = "work_order"
    NOT_ACCEPTED = "not_accepted"
    EMERGENCY = "emergency"
    WARNING = "warning"
    HUNG_UP = "hung_up"        # the caller hung up before the request could be taken
    INVALID = "invalid"        # silent, misdialled, test or unrelated call

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ANSWERED: "直接答复",
    Outcome.EXPERT: "转专家座席",
    Outcome.WORK_ORDER: "派发工单",
    Outcome.NOT_ACCEPTED: "不予受理",
    Outcome.EMERGENCY: "紧急联动",
    Outcome.WARNING: "劝阻警示",
    Outcome.HUNG_UP: "来电挂断",
    Outcome.INVALID: "无效来电",
}


class OrderStatus(StrEnum):
    """Work-order life (ARCHITECTURE.md); the transitions are in domain/workflow.py."""

    AWAITING_DISPATCH = "待派单"
    AWAITING_SIGN = "待签收"
    IN_PROGRESS = "办理中"
    RETURN_REVIEW = "退回审核"
    EXTENSION_REVIEW = "延期审核"
    TERMINATION_REVIEW = "终止审核"
    COMPLETED = "已办结"
    CALLED_BACK = "已回访"
    TERMINATED = "已终止"
    ARCHIVED = "已归档"


OPEN_ORDER_STATUSES = frozenset(
    {
        OrderStatus.AWAITING_DISPATCH,
        OrderStatus.AWAITING_SIGN,
        OrderStatus.IN_PROGRESS,
        OrderStatus.RETURN_REVIEW,
        OrderStatus.EXTENSION_REVIEW,
        OrderStatus.TERMINATION_REVIEW,
    }
)


class UnitKind(StrEnum):
    CITY_DEPARTMENT = "city_department"
    COUNTY_GOVERNMENT = "county_government"
    TOWN_STREET = "town_street"
    PUBLIC_UTILITY = "public_utility"
    DEVELOPMENT_ZONE = "development_zone"

    @property
    def label(self) -> str:
        return {
            UnitKind.CITY_DEPARTMENT: "市直部门",
            UnitKind.COUNTY_GOVERNMENT: "旗县市区政府",
            UnitKind.TOWN_STREET: "苏木乡镇街道",
            UnitKind.PUBLIC_UTILITY: "公共事业单位",
            UnitKind.DEVELOPMENT_ZONE: "开发区管委会",
        }[self]


class Routing(StrEnum):
    """How a category leaf finds its lead unit."""

    FIXED = "fixed"
    LOCAL = "local"
    UTILITY = "utility"


class EmergencyService(StrEnum):
    POLICE = "110"
    FIRE = "119"
    AMBULANCE = "120"
    TRAFFIC = "122"


class TransferStatus(StrEnum):
    WAITING = "待接听"
    ACCEPTED = "已接听"
    CLOSED = "已完成"


class TransferOutcome(StrEnum):
    """How a transfer ended (Art. 15): by the expert, or taken back by the seat."""

    ANSWERED = "answered"
    WORK_ORDER = "work_order"
    HANDED_BACK = "handed_back"
    TAKEN_BACK = "taken_back"

    @property
    def label(self) -> str:
        return {"answered": "专家已答复", "work_order": "专家已派单",
                "handed_back": "专家退回坐席", "taken_back": "坐席已收回"}[self.value]

    @property
    def back_at_seat(self) -> bool:
        """The call is the seat's again: the seat ends it with its own outcome."""
        return self in (TransferOutcome.HANDED_BACK, TransferOutcome.TAKEN_BACK)


class Connection(StrEnum):
    """Art. 15: the three ways the centre connects a caller with an expert seat."""

    LINKED = "专家座席联动"
    TRANSFER = "电话转接"
    THREE_WAY = "三方通话"


class Presence(StrEnum):
    AVAILABLE = "available"
    BREAK = "break"
    BUSY = "busy"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return {"available": "空闲", "break": "小休", "busy": "通话中",
                "offline": "离线"}[self.value]


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"pending": "待审核", "approved": "已发布", "rejected": "已退回",
                "withdrawn": "已撤回"}[self.value]


class RevisionAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    RETIRE = "retire"

    @property
    def label(self) -> str:
        return {"create": "新增", "edit": "修改", "retire": "停用"}[self.value]
