"""A brand-new database (no template, no demo accounts) on SQLite and, when CI provides one,
PostgreSQL: what a production first start sees. (Registered in conftest.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_console.config import Settings
from tests.conftest import PG_ADMIN_URL, database_urls


@pytest.fixture(params=database_urls())
def blank_db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite3'}"
        return
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"blank_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def production_settings(blank_db_url: str, data_dir: Path, shared_cache: Path) -> Settings:
    return Settings(db_url=blank_db_url, data_dir=data_dir, cache_dir=shared_cache)
