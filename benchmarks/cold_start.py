"""Console start with a big KB: time to the login screen and to the seat screen, and when the
knowledge-base index is ready, first from a cold build, then from the disk cache.

Each measurement runs in a fresh Python process (imports included)."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time

CHILD = r'''
import time
t0 = time.perf_counter()
import asyncio, json, sys
from agent_console.config import Settings, seed_data_dir
from agent_console.services.container import open_services
from agent_console.ui.app import ConsoleApp
from agent_console.ui.screens.login import LoginScreen
from agent_console.ui.screens.seat import SeatScreen
from pathlib import Path
db, cache = sys.argv[1], sys.argv[2]

async def main():
    services = open_services(Settings(db_url=db, data_dir=seed_data_dir(), cache_dir=Path(cache),
                                      demo=True, state_dir=Path(cache) / "state"))
    app = ConsoleApp(services, keymap={})
    out = {}
    async with app.run_test(size=(160, 45)) as pilot:
        while not isinstance(app.screen, LoginScreen):
            await pilot.pause(0.005)
        out["login_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        app.screen.query_one("#staff-no").value = "1001"
        app.screen.query_one("#password").value = "demo"
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        while not (isinstance(app.screen, SeatScreen) and app.screen.is_mounted
                   and app.focused is not None and app.focused.id == "f-number"):
            await pilot.pause(0.005)
        out["seat_s"] = out["login_s"] + time.perf_counter() - t1
        out["login_to_seat_s"] = time.perf_counter() - t1
        while app.kb_index is None:
            await pilot.pause(0.02)
        out["index_s"] = app.index_seconds
        out["index_source"] = app.index_source
        out["index_ready_s"] = time.perf_counter() - t0
    services.close()
    print(json.dumps(out))

asyncio.run(main())
'''


def measure(db: str, cache: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, db, cache], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from _common import workspace

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--restarts", type=int, default=5, help="cached restarts to measure")
    args = parser.parse_args()
    t = time.perf_counter()
    settings, tmp = workspace(args.articles)
    print(f"准备数据库：{args.articles} 条知识库，用时 {time.perf_counter() - t:.1f} 秒")
    r = measure(settings.db_url, str(settings.cache_dir))
    print(f"冷启动（无索引缓存）：启动→登录屏 {r['login_s']:.2f} 秒，登录→坐席屏可输入 "
          f"{r['login_to_seat_s']:.2f} 秒，索引就绪 {r['index_ready_s']:.2f} 秒（{r['index_source']}，"
          f"建索引 {r['index_s']:.2f} 秒）")
    runs = [measure(settings.db_url, str(settings.cache_dir)) for _ in range(args.restarts)]
    for n, r in enumerate(runs, 1):
        print(f"再次启动 {n}（有索引缓存）：启动→登录屏 {r['login_s']:.2f} 秒，登录→坐席屏可输入 "
              f"{r['login_to_seat_s']:.2f} 秒，索引就绪 {r['index_ready_s']:.2f} 秒"
              f"（{r['index_source']}，载入 {r['index_s']:.2f} 秒）")
    for key, label in (("login_s", "启动→登录屏"), ("login_to_seat_s", "登录→坐席屏"),
                       ("index_ready_s", "启动→索引就绪")):
        values = sorted(r[key] for r in runs)
        print(f"有缓存 {len(values)} 次 {label}：中位数 {statistics.median(values):.2f} 秒，"
              f"最大 {values[-1]:.2f} 秒")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
