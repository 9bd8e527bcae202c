"""A real console process for the SIGKILL tests: logs in as 1001, records one call with F7 +
Enter (a work order), starts typing the next call, and says on stdout how far it got, so the
test can kill it at any of those moments. Run: python -m tests.ui.kill_driver DB STATE CACHE [f7|f12]; f12 takes an online submission
and says F12 at once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.widgets import Input, TextArea

from agent_console.config import Settings, seed_data_dir
from agent_console.domain.clock import FrozenClock
from agent_console.services.container import open_services
from agent_console.ui.app import ConsoleApp
from tests.conftest import FROZEN_AT

FIRST = ("13900001111", "小区暖气不热，家里只有十几度，老人孩子都冻感冒了")
NEXT = ("13900002222", "楼道里的灯坏了半个月没人修")


def say(word: str) -> None:
    print(word, flush=True)


async def main(db: str, state: str, cache: str, mode: str = "f7") -> None:
    services = open_services(Settings(db_url=db, data_dir=seed_data_dir(), cache_dir=Path(cache),
                                      demo=True, state_dir=Path(state)), FrozenClock(FROZEN_AT))
    app = ConsoleApp(services, keymap={})
    async with app.run_test(size=(160, 45)) as pilot:
        from tests.ui.helpers import login, settle

        await login(pilot)
        await settle(pilot)
        while app.kb_index is None:
            await pilot.pause(0.05)
        screen = app.screen
        if mode == "f12":
            await pilot.press("f12")
            say("F12")
            await asyncio.sleep(3600)
        screen.query_one("#f-number", Input).value = FIRST[0]
        await pilot.press("f3")
        screen.query_one("#f-content", TextArea).insert(FIRST[1])
        await settle(pilot, 0.8)
        await pilot.press("f7")
        await settle(pilot)
        say("F7")
        say("ENTER")  # the kill may come while the key is still on its way
        await pilot.press("enter")
        while screen.last_result is None and not screen.last_pending:
            await pilot.pause(0.01)
        say("RECORDED")
        screen.query_one("#f-number", Input).value = NEXT[0]
        await pilot.press("f3")
        screen.query_one("#f-content", TextArea).insert(NEXT[1])
        await settle(pilot, 0.8)
        # the draft is saved on its own (a timer, then a worker): on a loaded machine later
        # than the pause above, so say TYPED only once this machine's copy holds it
        operator = screen.operator
        for _ in range(500):
            saved = services.outbox.load_draft(operator)
            if saved is not None and saved.draft.content == NEXT[1]:
                break
            await pilot.pause(0.02)
        say("TYPED")
        await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
