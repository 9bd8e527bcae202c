"""A brand-new database (no template, no demo accounts) on SQLite and, when CI provides one,
PostgreSQL: what a production first start sees. (Registered in conftest.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_console.config import Settings
from tests.conftest import database_urls, pg_database


@pytest.fixture(params=database_urls())
def blank_db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite3'}"
        return
    with pg_database("blank") as url:
        yield url


@pytest.fixture
def production_settings(blank_db_url: str, data_dir: Path, shared_cache: Path,
                        tmp_path: Path) -> Settings:
    return Settings(db_url=blank_db_url, data_dir=data_dir, cache_dir=shared_cache,
                    state_dir=tmp_path / "state")
