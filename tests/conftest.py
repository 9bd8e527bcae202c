"""Shared fixtures: a fresh database per test, a frozen clock, the shipped seed data."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from agent_console.config import Settings, seed_data_dir
from agent_console.domain.clock import FrozenClock
from agent_console.services.container import Services, open_services

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


@pytest.fixture(params=database_urls())
def db_url(request, tmp_path: Path) -> str:
    """Every database-backed test runs on SQLite, and on PostgreSQL when CI provides one
    (AGENT_CONSOLE_TEST_PG_URL): a fresh database per test either way."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.sqlite3'}"
        return
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(db_url: str, data_dir: Path, tmp_path: Path) -> Settings:
    return Settings(db_url=db_url, data_dir=data_dir, cache_dir=tmp_path / "cache", demo=True)


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
    return services.accounts.authenticate("2001", "demo")
