"""Wiring: one object that owns the engine and hands each service its dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, inspect

from agent_console.config import Settings
from agent_console.domain.clock import Clock, SystemClock
from agent_console.services.accounts import AccountService
from agent_console.services.catalog import CatalogService
from agent_console.services.dispatch import DispatchService
from agent_console.services.expert import ExpertService
from agent_console.services.intake import IntakeService
from agent_console.services.knowledge import KnowledgeService
from agent_console.services.online import OnlineIntakeService
from agent_console.services.orders import OrderService
from agent_console.services.supervision import SupervisionService
from agent_console.services.records import RecordsService
from agent_console.services.reference import Reference, load_reference
from agent_console.store import migrate
from agent_console.store.engine import make_engine, make_session_factory
from agent_console.store.models import AppMeta
from agent_console.store.seed import SeedReport, seed


@dataclass
class Services:
    settings: Settings
    engine: Engine
    clock: Clock
    reference: Reference
    accounts: AccountService
    catalog: CatalogService
    dispatch: DispatchService
    intake: IntakeService
    records: RecordsService
    expert: ExpertService
    knowledge: KnowledgeService
    orders: OrderService
    supervision: SupervisionService
    online: OnlineIntakeService

    def close(self) -> None:
        self.engine.dispose()


def prepare_database(engine: Engine, settings: Settings, clock: Clock) -> SeedReport | None:
    """Migrate to head; seed a fresh database (in demo mode when it is the embedded SQLite)."""
    if migrate.needs_upgrade(engine):
        migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        seeded = session.get(AppMeta, "seeded_at") is not None
    if seeded:
        return None
    return seed(factory, settings.data_dir, demo=settings.seed_demo, now=clock.now())


def open_services(settings: Settings, clock: Clock | None = None, *, prepare: bool = True) -> Services:
    clock = clock or SystemClock()
    engine = make_engine(settings.db_url)
    if prepare:
        prepare_database(engine, settings, clock)
    elif not inspect(engine).has_table("app_meta"):
        engine.dispose()
        raise RuntimeError("数据库尚未初始化，请先运行 agent-console db upgrade 和 agent-console seed")
    factory = make_session_factory(engine)
    reference = load_reference(settings.data_dir)
    catalog = CatalogService(factory)
    dispatch = DispatchService(catalog, reference)
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        reference=reference,
        accounts=AccountService(factory, clock),
        catalog=catalog,
        dispatch=dispatch,
        intake=IntakeService(factory, clock, catalog, dispatch, reference),
        records=RecordsService(factory),
        expert=ExpertService(factory, clock),
        knowledge=KnowledgeService(factory, clock, settings.cache_dir, reference.synonyms),
        orders=OrderService(factory, clock, reference),
        supervision=SupervisionService(factory, clock),
        online=OnlineIntakeService(factory, clock, catalog.region_names()),
    )
