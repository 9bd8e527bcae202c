"""Settings: database URL and paths, from the command line, AGENT_CONSOLE_* env vars or defaults."""

from __future__ import annotations

import os
import shlex
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


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_url(demo: bool = False) -> str:
    """The embedded SQLite file; demo mode has its own, so it never shares one with production."""
    path = user_data_dir() / ("demo.sqlite3" if demo else "console.sqlite3")
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    db_url: str
    data_dir: Path
    cache_dir: Path
    # Demo mode (--demo or AGENT_CONSOLE_DEMO=1): a fresh database gets the demo accounts.
    demo: bool = False
    # The seat's local outbox and drafts (user data dir unless AGENT_CONSOLE_STATE says).
    state_dir: Path | None = None
    # PostgreSQL: where the console LISTENs for other consoles' changes, when its queries go
    # through a transaction-pooling pgbouncer (which cannot keep a LISTEN): the server itself.
    listen_url: str | None = None

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir or user_data_dir()

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def db_option(self) -> str:
        """``--db URL`` for a command shown to the user, or "" for the production default file.
        A password in the URL is masked."""
        if self.db_url == default_db_url():
            return ""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            shown = make_url(self.db_url).render_as_string(hide_password=True)
        except ArgumentError:
            shown = self.db_url
        return f"--db {shlex.quote(shown)}"


def load_settings(db: str | None = None, env: dict[str, str] | None = None, *,
                  demo: bool = False) -> Settings:
    """``demo`` is the --demo flag; AGENT_CONSOLE_DEMO=1 is the same."""
    env = dict(os.environ) if env is None else env
    demo = demo or env.get("AGENT_CONSOLE_DEMO", "").strip().lower() in ("1", "true", "yes")
    db_url = db or env.get("AGENT_CONSOLE_DB") or default_db_url(demo)
    data_dir = Path(env["AGENT_CONSOLE_DATA"]) if env.get("AGENT_CONSOLE_DATA") else seed_data_dir()
    cache_dir = Path(env.get("AGENT_CONSOLE_CACHE") or platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    state_dir = Path(env["AGENT_CONSOLE_STATE"]) if env.get("AGENT_CONSOLE_STATE") else None
    return Settings(db_url=db_url, data_dir=data_dir, cache_dir=cache_dir, demo=demo,
                    state_dir=state_dir, listen_url=env.get("AGENT_CONSOLE_LISTEN_DB") or None)


def log_dir(env: dict[str, str] | None = None) -> Path:
    """Where console.log is written: AGENT_CONSOLE_LOG_DIR, else the platformdirs user log
    dir (~/.local/state/agent-console/log on Linux)."""
    env = dict(os.environ) if env is None else env
    if env.get("AGENT_CONSOLE_LOG_DIR"):
        return Path(env["AGENT_CONSOLE_LOG_DIR"])
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


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
