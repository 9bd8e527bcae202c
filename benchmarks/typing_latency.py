"""Keystroke → updated KB pane, in the real console driven by Pilot (default 20k articles).

Types real queries one character at a time into the request content; the seat screen records,
for every keystroke, the time from the content change to the KB pane showing that text's
results. Prints median and percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil

from agent_console.search.bench import percentile, read_jsonl
from agent_console.services.container import open_services
from agent_console.ui.app import ConsoleApp

from _common import LCQMC, seat_ready, workspace


async def run(settings, queries: list[str]) -> list[float]:
    services = open_services(settings)
    app = ConsoleApp(services, keymap={})
    async with app.run_test(size=(160, 45)) as pilot:
        await seat_ready(pilot)
        seat = app.screen
        area = seat.query_one("#f-content")
        for query in queries:
            await pilot.press("f3")
            for ch in query:
                await pilot.press(ch)
                await pilot.pause(0.02)
            await pilot.pause(0.1)
            area.clear()
            await pilot.pause(0.05)
        latencies = list(seat.kb_latencies_ms)
    services.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=80)
    args = parser.parse_args()
    settings, tmp = workspace(args.articles)
    queries = [q["query"] for q in read_jsonl(LCQMC / "lcqmc_queries.jsonl")][: args.queries]
    latencies = sorted(asyncio.run(run(settings, queries)))
    print(f"知识库 {args.articles} 条，键入 {len(queries)} 条查询，共 {len(latencies)} 次按键")
    print(f"按键→知识库窗格更新：p50 {percentile(latencies, 50):.1f} ms  "
          f"p95 {percentile(latencies, 95):.1f} ms  p99 {percentile(latencies, 99):.1f} ms  "
          f"max {latencies[-1]:.1f} ms")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
