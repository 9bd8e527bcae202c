"""Characters sent into the request content in one burst (tmux send-keys, a paste without
bracketed paste, a fast typist on a slow link) until the screen shows them all.

Runs the real console (headless, 80×24) and posts N key events at once into 诉求内容, then
waits until the field holds all N. Prints the time for the console's field (ContentArea, which
takes a burst as one edit) and, in the same run, for Textual's plain TextArea as the baseline.
Repeats each size and prints the median.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time

from textual import events
from textual.widgets import TextArea

import agent_console.ui.widgets.call_form as call_form
from agent_console.services.container import open_services
from agent_console.ui.app import ConsoleApp
from agent_console.ui.widgets.content_area import ContentArea

from _common import seat_ready, workspace

TEXT = "小区供暖温度不达标，家里很冷，老人孩子都在家，请尽快处理。"


async def burst(settings, n: int) -> float:
    services = open_services(settings)
    app = ConsoleApp(services, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await seat_ready(pilot)
        await pilot.pause(0.5)
        await pilot.press("f3")
        area = app.screen.query_one("#f-content")
        text = (TEXT * (n // len(TEXT) + 1))[:n]
        start = time.perf_counter()
        for ch in text:
            app.post_message(events.Key(ch, ch))
        while len(area.text) < n and time.perf_counter() - start < 300:
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - start
        await app.workers.wait_for_complete()
    services.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 4900])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings, tmp = workspace(args.articles)
    for n in args.sizes:
        row = []
        for label, field in (("工作台", ContentArea), ("TextArea 基线", TextArea)):
            call_form.ContentArea = field
            runs = [asyncio.run(burst(settings, n)) for _ in range(args.repeat)]
            row.append(f"{label} 中位数 {statistics.median(runs):.2f} s")
        call_form.ContentArea = ContentArea
        print(f"一次送入 {n} 字到全部显示：" + "；".join(row))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
