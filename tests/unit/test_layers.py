"""domain, search, services and store never import textual (the UI stays replaceable)."""

import subprocess
import sys
from pathlib import Path

import agent_console

PACKAGE = Path(agent_console.__file__).parent


def test_core_layers_do_not_import_textual():
    modules = []
    for layer in ("domain", "search", "services", "store"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            name = ".".join(rel.parts)
            modules.append(name.removesuffix(".__init__"))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) > 15
    assert out.stdout.strip() == ""


def test_migration_head_constant_matches_alembic(tmp_path):
    from agent_console.store import migrate
    from agent_console.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert migrate.needs_upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.head_revision(engine) == migrate.HEAD
    assert not migrate.needs_upgrade(engine)
    engine.dispose()


def test_migrations_match_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from agent_console.store import migrate
    from agent_console.store.engine import make_engine
    from agent_console.store.models import Base

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_open_status_list_matches_the_domain():
    from agent_console.domain.enums import OPEN_ORDER_STATUSES
    from agent_console.store.models import OPEN_STATUSES

    assert set(OPEN_STATUSES) == {s.value for s in OPEN_ORDER_STATUSES}
