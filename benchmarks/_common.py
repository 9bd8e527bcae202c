"""Helpers shared by the benchmark scripts: a throw-away database loaded with a big KB."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from agent_console.config import Settings, seed_data_dir
from agent_console.search.bench import documents_from_rows, pad, read_jsonl
from agent_console.services.container import open_services

ROOT = Path(__file__).resolve().parent.parent
LCQMC = ROOT.parent / "shared" / "bench" / "lcqmc"


def workspace(articles: int, kb_file: Path | None = None):
    """(settings, tmpdir) for a fresh SQLite database seeded and loaded with ``articles``."""
    tmp = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    settings = Settings(db_url=f"sqlite:///{tmp / 'bench.sqlite3'}", data_dir=seed_data_dir(),
                        cache_dir=tmp / "cache", demo=True, state_dir=tmp / "state")
    docs = documents_from_rows(read_jsonl(kb_file or LCQMC / "lcqmc_kb.jsonl"))
    docs = pad(docs, articles)[:articles]
    jsonl = tmp / "kb.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "title": d.title, "answer": d.body,
                                 "domain": "其他"}, ensure_ascii=False) + "\n")
    services = open_services(settings)
    services.knowledge.import_file(jsonl)
    services.close()
    return settings, tmp


async def seat_ready(pilot, timeout: float = 120.0) -> None:
    """Log in as the demo seat agent 1001 and wait until the KB index is loaded."""
    import time

    await pilot.pause()
    await pilot.press(*"1001", "tab", *"demo", "enter")
    deadline = time.monotonic() + timeout
    while pilot.app.kb_index is None and time.monotonic() < deadline:
        await pilot.pause(0.1)
