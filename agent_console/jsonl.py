"""Reading JSON Lines files (KB articles, bench data, online submissions): one object a line."""

from __future__ import annotations

import json
from pathlib import Path


def read_jsonl(path: Path) -> list[dict]:
    """Every non-blank line as a dict; ValueError names the first bad line in Chinese."""
    rows: list[dict] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} 第{lineno}行不是有效的 JSON：{exc.msg}") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path.name} 第{lineno}行应为 JSON 对象")
            rows.append(row)
    return rows
