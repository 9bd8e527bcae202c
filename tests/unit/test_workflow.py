"""Every (action, status, role) combination: allowed exactly when the table says so."""

from __future__ import annotations

import itertools

import pytest

from agent_console.domain.enums import OrderStatus, Role
from agent_console.domain.workflow import (
    TRANSITIONS,
    Action,
    TransitionRefused,
    allowed_actions,
    transition_for,
)

ALLOWED = {(t.action, t.source, r) for t in TRANSITIONS for r in t.roles}


@pytest.mark.parametrize(("action", "status", "role"),
                         list(itertools.product(Action, OrderStatus, Role)))
def test_each_combination(action, status, role):
    if (action, status, role) in ALLOWED:
        t = transition_for(action, status.value, role)
        assert t.action is action and t.source is status
    else:
        with pytest.raises(TransitionRefused) as exc:
            transition_for(action, status.value, role)
        assert exc.value.message  # a Chinese reason for the user


def test_the_life_of_an_order():
    path = [
        (Action.DISPATCH, Role.DISPATCHER, OrderStatus.AWAITING_SIGN),
        (Action.SIGN, Role.UNIT_LIAISON, OrderStatus.IN_PROGRESS),
        (Action.COMPLETE, Role.UNIT_LIAISON, OrderStatus.COMPLETED),
        (Action.CALLBACK, Role.CALLBACK, OrderStatus.CALLED_BACK),
        (Action.ARCHIVE, Role.CALLBACK, OrderStatus.ARCHIVED),
    ]
    status = OrderStatus.AWAITING_DISPATCH
    for action, role, expected in path:
        status = transition_for(action, status.value, role).target
        assert status is expected


def test_the_centre_desks_are_separate():
    """Dispatchers dispatch and review; callback staff call back and reopen (Art. 20);
    supervisors supervise (Art. 19). The administrator may act for any desk."""
    assert set(allowed_actions("待派单", Role.DISPATCHER)) == {Action.DISPATCH}
    assert allowed_actions("待派单", Role.CALLBACK) == []
    assert set(allowed_actions("退回审核", Role.DISPATCHER)) == {Action.APPROVE_RETURN,
                                                            Action.REJECT_RETURN}
    assert allowed_actions("退回审核", Role.SUPERVISOR) == [Action.SUPERVISE]
    assert set(allowed_actions("已办结", Role.CALLBACK)) == {Action.CALLBACK, Action.REOPEN}
    assert allowed_actions("已办结", Role.DISPATCHER) == []
    assert allowed_actions("办理中", Role.SUPERVISOR) == [Action.SUPERVISE]
    assert Action.SUPERVISE not in allowed_actions("办理中", Role.DISPATCHER)
    assert Action.SUPERVISE not in allowed_actions("办理中", Role.CALLBACK)
    for role in (Role.DISPATCHER, Role.CALLBACK, Role.SUPERVISOR):
        for action in (Action.SIGN, Action.COMPLETE, Action.REQUEST_RETURN):
            with pytest.raises(TransitionRefused):
                transition_for(action, "办理中" if action is not Action.SIGN else "待签收", role)
    for status in OrderStatus:
        admin = set(allowed_actions(status.value, Role.ADMIN))
        desks = set().union(*(allowed_actions(status.value, r)
                              for r in (Role.DISPATCHER, Role.CALLBACK, Role.SUPERVISOR)))
        assert admin == desks


def test_seat_agents_and_experts_cannot_move_orders():
    for status in OrderStatus:
        assert allowed_actions(status.value, Role.SEAT_AGENT) == []
        assert allowed_actions(status.value, Role.EXPERT) == []


def test_unknown_status_is_refused():
    with pytest.raises(TransitionRefused):
        transition_for(Action.SIGN, "乱码", Role.UNIT_LIAISON)
