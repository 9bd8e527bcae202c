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
        (Action.CALLBACK, Role.DISPATCHER, OrderStatus.CALLED_BACK),
        (Action.ARCHIVE, Role.DISPATCHER, OrderStatus.ARCHIVED),
    ]
    status = OrderStatus.AWAITING_DISPATCH
    for action, role, expected in path:
        status = transition_for(action, status.value, role).target
        assert status is expected


def test_seat_agents_and_experts_cannot_move_orders():
    for status in OrderStatus:
        assert allowed_actions(status.value, Role.SEAT_AGENT) == []
        assert allowed_actions(status.value, Role.EXPERT) == []


def test_unknown_status_is_refused():
    with pytest.raises(TransitionRefused):
        transition_for(Action.SIGN, "乱码", Role.UNIT_LIAISON)
