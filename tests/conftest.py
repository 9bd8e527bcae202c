"""Shared fixtures: a fresh database per test, a frozen clock, the shipped seed data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from agent_console.config import Settings, seed_data_dir
from agent_console.domain.clock import FrozenClock
from agent_console.services.container import Services, open_services


def _scratch_dir(variable: str, prefix: str) -> None:
    """Point `variable` at a directory of this test process, removed when the process ends."""
    if variable not in os.environ:
        path = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        os.environ[variable] = path


# The console's log and local outbox never land in the real user directories during tests.
_scratch_dir("AGENT_CONSOLE_LOG_DIR", "agent-console-test-log-")
_scratch_dir("AGENT_CONSOLE_STATE", "agent-console-test-state-")

# Fixtures of their own modules: a blank (production) database, and real outages.
pytest_plugins = ["tests.blank_db", "tests.outage"]

# A Thursday morning, a working day, before the 2026 winter holidays.
FROZEN_AT = datetime(2026, 11, 26, 9, 30, 0)


def database_urls() -> list[str]:
    urls = ["sqlite"]
    if os.environ.get("AGENT_CONSOLE_TEST_PG_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def data_dir() -> Path:
    return seed_data_dir()


PG_ADMIN_URL = os.environ.get("AGENT_CONSOLE_TEST_PG_URL")


def _seed(url: str, cache: Path) -> None:
    svc = open_services(Settings(db_url=url, data_dir=seed_data_dir(), cache_dir=cache, demo=True),
                        FrozenClock(FROZEN_AT))
    svc.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrated and seeded once; each test gets a copy (seeding costs ~0.3 s a test)."""
    import sqlite3

    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _seed(f"sqlite:///{path}", folder / "cache")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@contextmanager
def pg_database(prefix: str, template: str | None = None):
    """A throw-away database on the test server (a copy of ``template`` if given): its URL,
    dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    from sqlalchemy.engine import make_url

    with pg_database("tmpl") as url:
        _seed(url, tmp_path_factory.mktemp("pg-cache"))
        yield make_url(url).database


@pytest.fixture(params=database_urls())
def db_url(request, tmp_path: Path) -> str:
    """Every database-backed test runs on SQLite, and on PostgreSQL when CI provides one
    (AGENT_CONSOLE_TEST_PG_URL): a fresh, seeded database per test either way."""
    if request.param == "sqlite":
        import shutil

        target = tmp_path / "console.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    with pg_database("t", request.getfixturevalue("pg_template")) as url:
        yield url


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """Every test seeds the same KB version (frozen clock), so the built index is shared."""
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture
def settings(db_url: str, data_dir: Path, shared_cache: Path, tmp_path: Path) -> Settings:
    return Settings(db_url=db_url, data_dir=data_dir, cache_dir=shared_cache, demo=True,
                    state_dir=tmp_path / "state")


@pytest.fixture
def services(settings: Settings, clock: FrozenClock) -> Services:
    svc = open_services(settings, clock)
    yield svc
    svc.close()


@pytest.fixture
def agent(services: Services):
    return services.accounts.authenticate("1001", "demo")


@pytest.fixture
def expert(services: Services):
    """The demo's expert for 供热, 水电燃气 and 不动产与住房 (2002), logged in and available."""
    from agent_console.domain.enums import Presence

    who = services.accounts.authenticate("2002", "demo")
    services.expert.set_presence(who, Presence.AVAILABLE)
    return who


@pytest.fixture
def other_console(settings, clock):
    """A second console on the same database (its own engine, connections and feeds)."""
    svc = open_services(settings, clock, prepare=False)
    yield svc
    svc.close()


@pytest.fixture
def bench_url(db_url, tmp_path):
    """A new, empty database on the backend of ``db_url`` (that one holds demo accounts)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    with pg_database("bench") as url:
        yield url
