"""The header warns when a year ahead has no holiday schedule, until the centre imports it."""

from __future__ import annotations

from agent_console.ui.widgets.header import ConsoleHeader
from tests.ui.helpers import SIZE, login, make_app, settle


def header(app) -> str:
    return str(app.screen.query_one(ConsoleHeader).render())


async def test_header_warns_of_a_year_without_a_schedule(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        # 2026-11-26: the year ahead runs into 2027, which the library has no 调休 for
        assert "2027年节假日无数据" in header(app).split("工号")[0]
        services.calendar.import_text("2027-02-20,上班,春节调休上班\n")  # the centre imports 2027
        app.screen.query_one(ConsoleHeader).refresh_text()
        await settle(pilot)
        assert "节假日无数据" not in header(app)
