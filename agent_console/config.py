"""Settings: database URL and paths, from the command line, AGENT_CONSOLE_* env vars or defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "agent-console"


def seed_data_dir() -> Path:
    """The shipped seed content: inside the wheel, or data/ beside the package in a checkout."""
    packaged = Path(__file__).parent / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def default_db_url() -> str:
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "console.sqlite3"
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    db_url: str
    data_dir: Path
    cache_dir: Path
    # Demo accounts on first start: by default only for the embedded SQLite database.
    demo: bool | None = None

    @property
    def seed_demo(self) -> bool:
        return self.is_sqlite if self.demo is None else self.demo

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def load_settings(db: str | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    db_url = db or env.get("AGENT_CONSOLE_DB") or default_db_url()
    data_dir = Path(env["AGENT_CONSOLE_DATA"]) if env.get("AGENT_CONSOLE_DATA") else seed_data_dir()
    cache_dir = Path(env.get("AGENT_CONSOLE_CACHE") or platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    demo_env = env.get("AGENT_CONSOLE_DEMO")
    demo = None if demo_env in (None, "") else demo_env.lower() in ("1", "true", "yes")
    return Settings(db_url=db_url, data_dir=data_dir, cache_dir=cache_dir, demo=demo)


def keymap_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    if env.get("AGENT_CONSOLE_KEYMAP"):
        return Path(env["AGENT_CONSOLE_KEYMAP"])
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "keymap.toml"


def load_keymap(path: Path) -> tuple[dict[str, str], str | None]:
    """Binding id → keys from a TOML file; returns (keymap, Chinese error message or None)."""
    import tomllib

    if not path.exists():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"键位配置 {path} 无法读取：{exc}"
    table = data.get("keymap", data)
    keymap = {str(k): str(v) for k, v in table.items() if isinstance(v, str) and v.strip()}
    return keymap, None
