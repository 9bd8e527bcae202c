"""An event is judged by what was in force when it was written (migration 0016): a reopen after a
callback moves the order's deadline, a redispatch moves its lead unit, and neither may turn a
late completion into an on-time one or hand the leaving unit's events to the next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agent_console.domain.workflow import Action
from agent_console.services.analytics import Period, Scope
from agent_console.store.models import OrderEvent, WorkOrder
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft

DONE = {"resolution": "已解决", "caller_view": "满意"}


def act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def new_order(services, agent) -> str:
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    return services.intake.create_work_order(agent, draft(category_id=cat, region="科尔沁区",
                                                          request_type="投诉"),
                                             FROZEN_AT, lead.id).order_number


def events(services, number: str) -> list:
    with services.engine.connect() as conn:
        order_id = conn.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
        return conn.execute(select(OrderEvent.__table__).where(OrderEvent.order_id == order_id)
                            .order_by(OrderEvent.id)).mappings().all()


def figures(services, clock, **scope) -> dict:
    today = clock.now().date()
    period = Period(today - timedelta(days=40), today, "近 40 天")
    dash = services.analytics.dashboard(Scope(period, **scope))
    return {key: f.value for key, f in dash.figures.items()}


def test_a_reopen_does_not_make_a_late_completion_on_time(services, agent, clock):
    liaison = services.accounts.authenticate("5001", "demo")
    callback = services.accounts.authenticate("3002", "demo")
    number = new_order(services, agent)
    first = services.orders.show(number)
    clock.advance(seconds=(first.sign_by - clock.now()).total_seconds() + 3600)
    act(services, liaison, number, Action.SIGN)                       # an hour past 签收时限
    clock.advance(seconds=(first.due_at - clock.now()).total_seconds() + 3600)
    act(services, liaison, number, Action.COMPLETE, "已上门调整阀门", **DONE)  # past 办结时限
    clock.advance(hours=1)
    view = act(services, callback, number, Action.CALLBACK, "室温仍低于18℃",
               satisfaction="不满意", ruling="合理合法")
    assert view.reopen_count == 1 and view.due_at > clock.now()  # Art. 20: a new deadline
    kept = {e["action"]: e for e in events(services, number)}
    assert kept["sign"]["deadline"] == first.sign_by
    assert kept["complete"]["deadline"] == first.due_at
    unit = services.catalog.unit_by_code("heat_city").id
    assert all(e["unit_id"] == unit for e in events(services, number))
    got = figures(services, clock)
    assert (got["signed"], got["signed_on_time"]) == (1, 0)
    assert (got["completed"], got["completed_on_time"]) == (1, 0)
    assert got["on_time_rate"] == 0.0
    # the list behind the figure says the same
    scope = Scope(Period(clock.now().date() - timedelta(days=40), clock.now().date(), "近 40 天"))
    drill = services.analytics.drill("completed", scope)
    assert [r.mark for r in drill.rows] == ["超时办结"]
    assert services.analytics.drill("completed_on_time", scope).total == 0


def test_a_redispatched_order_s_events_stay_with_the_unit_that_wrote_them(services, agent, clock):
    liaison = services.accounts.authenticate("5001", "demo")
    dispatcher = services.accounts.authenticate("3001", "demo")
    heat = services.catalog.unit_by_code("heat_city")
    other = services.catalog.unit_by_code("zjj")
    number = new_order(services, agent)
    act(services, liaison, number, Action.REQUEST_RETURN, "不属本公司供热范围")
    act(services, dispatcher, number, Action.APPROVE_RETURN, "理由成立")
    clock.advance(minutes=5)
    act(services, dispatcher, number, Action.DISPATCH, "改派", lead_unit_id=other.id)
    assert services.orders.show(number).lead_unit_id == other.id
    by_action = {e["action"]: e["unit_id"] for e in events(services, number)}
    assert by_action["request_return"] == by_action["approve_return"] == heat.id
    left = figures(services, clock, unit_id=heat.id)
    took = figures(services, clock, unit_id=other.id)
    assert (left["returns_requested"], left["returns_approved"]) == (1, 1)
    assert (took["returns_requested"], took["returns_approved"]) == (0, 0)
    # the ranking judges each unit by its own events too
    scope = Scope(Period(clock.now().date() - timedelta(days=40), clock.now().date(), "近 40 天"))
    assert services.analytics.drill("returns_requested",
                                    Scope(scope.period, unit_id=heat.id)).total == 1
    assert services.analytics.drill("returns_requested",
                                    Scope(scope.period, unit_id=other.id)).total == 0


def found_ten_days_late(services, agent, clock) -> str:
    """An order signed, then left open until the scan finds it ten days past its deadline."""
    liaison = services.accounts.authenticate("5001", "demo")
    supervisor = services.accounts.authenticate("3003", "demo")
    number = new_order(services, agent)
    act(services, liaison, number, Action.SIGN)
    due = services.orders.show(number).due_at
    clock.advance(seconds=(due - clock.now()).total_seconds() + 11 * 86400)
    services.supervision.scan(supervisor)
    return number


def test_an_order_found_ten_days_late_counts_as_a_third_level_supervision(services, agent,
                                                                          clock):
    """The scan raises an order to the level its lateness calls for: first found ten days
    late it goes 0 → 3 in one event, a 三级督办 (it was counted 一级, by its place among the
    order's supervise events)."""
    number = found_ten_days_late(services, agent, clock)
    raised = [e for e in events(services, number) if e["action"] == Action.SUPERVISE.value]
    assert [(e["level"], e["reason"][-4:]) for e in raised] == [(3, " 0→3")]
    assert all(e["level"] is None for e in events(services, number)
               if e["action"] != Action.SUPERVISE.value)
    got = figures(services, clock)
    assert (got["supervised_1"], got["supervised_2"], got["supervised_3"]) == (0, 0, 1)
    scope = Scope(Period(clock.now().date() - timedelta(days=40), clock.now().date(), "近 40 天"))
    assert [r.number for r in services.analytics.drill("supervised_3", scope).rows] == [number]
    assert services.analytics.drill("supervised_1", scope).total == 0


def test_the_migration_fills_in_the_level_of_earlier_supervise_events(services, agent, clock):
    """0017 on events written before it: the level the reason states, else one above the
    order's previous supervise event (a supervisor raises by one)."""
    from alembic import command

    from agent_console.store.migrate import alembic_config, upgrade

    liaison = services.accounts.authenticate("5001", "demo")
    supervisor = services.accounts.authenticate("3003", "demo")
    number = new_order(services, agent)
    act(services, liaison, number, Action.SIGN)
    due = services.orders.show(number).due_at
    clock.advance(seconds=(due - clock.now()).total_seconds() + 3600)
    services.supervision.scan(supervisor)                               # 0 → 1, stated
    clock.advance(hours=1)
    act(services, supervisor, number, Action.SUPERVISE, "群众多次来电催办")  # 1 → 2, by hand
    clock.advance(days=10)
    services.supervision.scan(supervisor)                               # 2 → 3, stated
    written = [e["level"] for e in events(services, number) if e["action"] == "supervise"]
    assert written == [1, 2, 3]
    engine = services.engine
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    upgrade(engine)
    assert [e["level"] for e in events(services, number) if e["action"] == "supervise"] \
        == written


def test_a_list_says_what_it_is_of(services, agent, clock):
    """A live figure's list is of now, not of the period; a filter is in the title; a
    supervision list's time is when the order was raised (the trial saw the period over the
    overdue list and the creation time in the 督办 lists)."""
    number = found_ten_days_late(services, agent, clock)
    raised_at = clock.now()
    period = Period(clock.now().date() - timedelta(days=40), clock.now().date(), "近 40 天")
    analytics = services.analytics
    overdue = analytics.drill("orders_overdue_now", Scope(period))
    assert overdue.title == "当前超期 · 当前（不受时间段限制）" and overdue.total == 1
    heating = category_id(services, HEATING_PATH)
    third = analytics.drill("supervised_3", Scope(period, region="科尔沁区", category_id=heating))
    assert third.title == f"三级督办 · 近 40 天 · 科尔沁区 · {HEATING_PATH}"
    assert [(r.number, r.at) for r in third.rows] == [(number, raised_at)]
