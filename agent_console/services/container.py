"""Wiring: one object that owns the engine and hands each service its dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, inspect, update

from agent_console.config import Settings
from agent_console.domain.clock import Clock, SystemClock
from agent_console.services.accounts import AccountService
from agent_console.services.analytics import AnalyticsService
from agent_console.services.calendar import CalendarService
from agent_console.services.catalog import CatalogService
from agent_console.services.dispatch import DispatchService
from agent_console.services.expert import ExpertService
from agent_console.services.kb_review import KbReviewService
from agent_console.services.health import DbHealth
from agent_console.services.intake import IntakeService
from agent_console.services.knowledge import KnowledgeService
from agent_console.services.online import OnlineIntakeService
from agent_console.services.orders import OrderService
from agent_console.services.practice import PracticeRoom
from agent_console.services.records import RecordsService
from agent_console.services.reference import Reference, load_reference
from agent_console.services.seat_outbox import SeatOutbox
from agent_console.services.supervision import SupervisionService
from agent_console.services.training import TrainingService
from agent_console.services.training_catalogue import build_catalogue
from agent_console.store import migrate
from agent_console.store.engine import (
    make_engine,
    make_read_factory,
    make_session_factory,
)
from agent_console.store.models import AppMeta
from agent_console.store.notify import Change, ChangeFeed, change_feed
from agent_console.store.outbox import Outbox, outbox_path
from agent_console.store.seed import NotADemoDatabase, SeedReport, demo_allowed, seed

PROBE_KEY = "outage_probe"  # app_meta row the outage probe rewrites


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
    kb_review: KbReviewService
    knowledge: KnowledgeService
    orders: OrderService
    supervision: SupervisionService
    online: OnlineIntakeService
    health: DbHealth
    outbox: SeatOutbox
    calendar: CalendarService
    training: TrainingService
    practice: PracticeRoom
    analytics: AnalyticsService
    feeds: list[ChangeFeed] = field(default_factory=list)

    def watch_changes(self, on_change: Callable[[Change], None]) -> ChangeFeed | None:
        """Hear every committed change to orders, transfers and online submissions (NOTIFY
        on PostgreSQL, the file's data_version on SQLite), in a thread of its own, until
        ``close()``. None when the database cannot say (in-memory SQLite)."""
        feed = change_feed(self.engine, on_change, self.settings.listen_url)
        if feed is not None:
            self.feeds.append(feed.start())
        return feed

    def calendar_warning(self) -> str | None:
        """For the header, e.g. 2027年节假日无数据: a year of the year ahead has no holiday and
        调休 schedule (library or centre import). No database read: None until loaded."""
        return self.calendar.warning(self.clock.now().date())

    def ping(self) -> None:
        """The outage probe: one small committed write (a database that still reads but cannot
        write — a read-only or full disk — is not back yet); raises while it is away."""
        mark = str(time.time_ns())  # a new value: SQLite skips rewriting an unchanged row
        try:
            with self.engine.begin() as conn:
                done = conn.execute(update(AppMeta).where(AppMeta.key == PROBE_KEY)
                                    .values(value=mark)).rowcount
                if not done:
                    conn.execute(insert(AppMeta).values(key=PROBE_KEY, value=mark))
        except Exception:
            # connections that saw the outage (a SQLite handle after an I/O error, a socket to
            # a server that restarted) are dropped: the next probe starts afresh
            self.engine.dispose()
            raise

    def close(self) -> None:
        for feed in self.feeds:
            feed.stop()
        self.feeds.clear()
        self.outbox.close()
        self.engine.dispose()


def prepare_database(engine: Engine, settings: Settings, clock: Clock) -> SeedReport | None:
    """Migrate to head; seed a fresh database, with the demo accounts only in demo mode.
    Demo mode on a production database raises NotADemoDatabase."""
    if migrate.needs_upgrade(engine):
        migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        seeded = session.get(AppMeta, "seeded_at") is not None
        if seeded and settings.demo and not demo_allowed(session):
            raise NotADemoDatabase()
    if seeded:
        return None
    return seed(factory, settings.data_dir, demo=settings.demo, now=clock.now())


def open_services(settings: Settings, clock: Clock | None = None, *, prepare: bool = True) -> Services:
    clock = clock or SystemClock()
    engine = make_engine(settings.db_url)
    if prepare:
        try:
            prepare_database(engine, settings, clock)
        except BaseException:
            engine.dispose()
            raise
    elif not inspect(engine).has_table("app_meta"):
        engine.dispose()
        raise RuntimeError("数据库尚未初始化，请先运行 agent-console db upgrade 和 agent-console seed")
    factory = make_session_factory(engine)
    reads = make_read_factory(engine)
    reference = load_reference(settings.data_dir)
    catalog = CatalogService(factory)
    calendar = CalendarService(factory, clock)
    dispatch = DispatchService(catalog, reference, calendar)
    orders = OrderService(factory, clock, reference, calendar, reads,
                          catalog.known_unit_names)
    intake = IntakeService(factory, clock, catalog, dispatch, reference, orders, reads)
    health = DbHealth(clock)
    expert = ExpertService(factory, clock, catalog, intake)
    intake.experts = expert
    analytics = AnalyticsService(reads, clock, catalog, settings.data_dir)
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        reference=reference,
        accounts=AccountService(factory, clock),
        catalog=catalog,
        dispatch=dispatch,
        intake=intake,
        records=RecordsService(reads, catalog),
        expert=expert,
        kb_review=KbReviewService(factory, clock, catalog),
        knowledge=KnowledgeService(factory, clock, settings.cache_dir, reference.synonyms),
        orders=orders,
        supervision=SupervisionService(factory, clock, orders, analytics),
        online=OnlineIntakeService(factory, clock, catalog.region_names()),
        health=health,
        outbox=SeatOutbox(intake, Outbox(outbox_path(settings.outbox_dir, settings.db_url)),
                          health, clock),
        calendar=calendar,
        training=TrainingService(factory, clock, settings.data_dir / "training",
                                 lambda: build_catalogue(catalog, reference)),
        practice=PracticeRoom(settings, lambda: (catalog.articles(), catalog.kb_version()), clock),
        analytics=analytics,
    )
