"""The work-order state machine: one table of transitions with the roles allowed (Art. 16–20).

Every transition the services perform is looked up here; anything not in the table is refused.
Statuses are the Chinese labels of ``OrderStatus``; actions are stable English ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agent_console.domain.enums import OrderStatus as S
from agent_console.domain.enums import Role


class Action(StrEnum):
    DISPATCH = "dispatch"                      # Art. 16: to a lead unit (and co-handlers)
    SIGN = "sign"                              # 签收
    REQUEST_RETURN = "request_return"          # Art. 17: not ours, with reason and basis
    APPROVE_RETURN = "approve_return"          # → redispatch
    REJECT_RETURN = "reject_return"            # → back to the unit with the reason
    REQUEST_EXTENSION = "request_extension"    # Art. 18(4)
    APPROVE_EXTENSION = "approve_extension"    # the deadline moves only now
    REJECT_EXTENSION = "reject_extension"
    REQUEST_TERMINATION = "request_termination"  # Art. 18(6), with evidence of contact
    APPROVE_TERMINATION = "approve_termination"
    REJECT_TERMINATION = "reject_termination"
    COMPLETE = "complete"                      # Art. 18(3): result and the caller's view
    CALLBACK = "callback"                      # Art. 20: satisfaction recorded
    REOPEN = "reopen"                          # Art. 20: unsatisfied and reasonable
    SUPERVISE = "supervise"                    # Art. 19: raise the supervision level
    ARCHIVE = "archive"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.DISPATCH: "派单",
    Action.SIGN: "签收",
    Action.REQUEST_RETURN: "申请退回",
    Action.APPROVE_RETURN: "同意退回",
    Action.REJECT_RETURN: "驳回退回",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "同意延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.REQUEST_TERMINATION: "申请终止",
    Action.APPROVE_TERMINATION: "同意终止",
    Action.REJECT_TERMINATION: "驳回终止",
    Action.COMPLETE: "办结",
    Action.CALLBACK: "回访",
    Action.REOPEN: "重办",
    Action.SUPERVISE: "督办",
    Action.ARCHIVE: "归档",
}

# The hotline centre's three desks (Art. 16-20); the administrator may stand in for any of them.
DISPATCH_DESK = frozenset({Role.DISPATCHER, Role.ADMIN})  # dispatch and the review queues
CALLBACK_DESK = frozenset({Role.CALLBACK, Role.ADMIN})  # callbacks and reopening (Art. 20)
SUPERVISION_DESK = frozenset({Role.SUPERVISOR, Role.ADMIN})  # tiered supervision (Art. 19)
CENTRE_ROLES = DISPATCH_DESK | CALLBACK_DESK | SUPERVISION_DESK
UNIT = frozenset({Role.UNIT_LIAISON})
OPEN = (S.AWAITING_SIGN, S.IN_PROGRESS, S.RETURN_REVIEW, S.EXTENSION_REVIEW,
        S.TERMINATION_REVIEW)


@dataclass(frozen=True)
class Transition:
    action: Action
    source: S
    target: S
    roles: frozenset[Role]
    needs_reason: bool = False


def _t(action, sources, target, roles, needs_reason=False) -> list[Transition]:
    if isinstance(sources, S):
        sources = (sources,)
    return [Transition(action, s, target, roles, needs_reason) for s in sources]


TRANSITIONS: tuple[Transition, ...] = tuple(
    _t(Action.DISPATCH, S.AWAITING_DISPATCH, S.AWAITING_SIGN, DISPATCH_DESK)
    + _t(Action.SIGN, S.AWAITING_SIGN, S.IN_PROGRESS, UNIT)
    + _t(Action.REQUEST_RETURN, (S.AWAITING_SIGN, S.IN_PROGRESS), S.RETURN_REVIEW, UNIT, True)
    + _t(Action.APPROVE_RETURN, S.RETURN_REVIEW, S.AWAITING_DISPATCH, DISPATCH_DESK, True)
    + _t(Action.REJECT_RETURN, S.RETURN_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REQUEST_EXTENSION, S.IN_PROGRESS, S.EXTENSION_REVIEW, UNIT, True)
    + _t(Action.APPROVE_EXTENSION, S.EXTENSION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REJECT_EXTENSION, S.EXTENSION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REQUEST_TERMINATION, S.IN_PROGRESS, S.TERMINATION_REVIEW, UNIT, True)
    + _t(Action.APPROVE_TERMINATION, S.TERMINATION_REVIEW, S.TERMINATED, DISPATCH_DESK, True)
    + _t(Action.REJECT_TERMINATION, S.TERMINATION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.COMPLETE, S.IN_PROGRESS, S.COMPLETED, UNIT, True)
    + _t(Action.CALLBACK, S.COMPLETED, S.CALLED_BACK, CALLBACK_DESK)
    + _t(Action.REOPEN, (S.COMPLETED, S.CALLED_BACK), S.IN_PROGRESS, CALLBACK_DESK, True)
    + [Transition(Action.SUPERVISE, s, s, SUPERVISION_DESK, True) for s in OPEN]
    + _t(Action.ARCHIVE, (S.CALLED_BACK, S.TERMINATED), S.ARCHIVED, DISPATCH_DESK | CALLBACK_DESK)
)

_BY_KEY = {(t.action, t.source): t for t in TRANSITIONS}


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def transition_for(action: Action, status: str, role: Role) -> Transition:
    """The allowed transition, or TransitionRefused with a Chinese reason."""
    try:
        current = S(status)
    except ValueError:
        raise TransitionRefused(f"未知的工单状态：{status}") from None
    t = _BY_KEY.get((action, current))
    if t is None:
        raise TransitionRefused(f"工单处于“{current.value}”状态，不能{action.label}")
    if role not in t.roles:
        raise TransitionRefused(f"{role.label}无权对工单{action.label}")
    return t


def allowed_actions(status: str, role: Role) -> list[Action]:
    return [t.action for t in TRANSITIONS if t.source.value == status and role in t.roles]
