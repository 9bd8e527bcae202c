"""The practice room: each simulated call runs over a database of its own.

A practice database is a SQLite file with the same reference data as the real one (units,
categories, regions, the real database's knowledge base), simulated experts on duty for every
domain, the trainee as a seat agent, and the scenario's earlier calls. The seat screen runs on
it with the ordinary services, so every check and every one-key outcome behaves as it will
live, and nothing reaches real orders, real units, calls or reports. The file is thrown away
when the call is debriefed.

A template is seeded once per knowledge-base version, kept in the cache directory, and copied
for each call (seeding takes seconds, a copy milliseconds).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from agent_console.config import Settings
from agent_console.domain.clock import Clock, SystemClock
from agent_console.domain.enums import Outcome, RequestType, Role
from agent_console.domain.intake import IntakeDraft
from agent_console.domain.passwords import hash_password
from agent_console.domain.training import Handling, HistoryCall, Scenario, Step
from agent_console.services.dto import ArticleInfo, OperatorInfo
from agent_console.services.expert import place_standing_expert
from agent_console.store.engine import make_engine, make_session_factory
from agent_console.store.models import (
    CallerWarning,
    Category,
    EmergencyHandoff,
    IntakeRecord,
    KbArticle,
    Operator,
    OrderCoHandler,
    Unit,
    WorkOrder,
)

log = logging.getLogger(__name__)

SIM_EXPERT_PREFIX = "P9"  # staff numbers of the simulated experts (practice databases only)
TRAINEE_NAME_MARK = "（学员）"


TEMPLATE_DAYS = 7  # older templates (of earlier KB versions) are removed when a new one is made


def practice_root(settings: Settings) -> Path:
    """Where the practice calls' databases live while they run (the user's data dir)."""
    return settings.outbox_dir / "practice"


def template_dir(settings: Settings) -> Path:
    """Where templates are kept: a cache (made again from the real database when missing)."""
    return settings.cache_dir / "practice-templates"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass
class PracticeCall:
    """One simulated call: the practice database's services, the trainee in it, the scenario."""

    scenario: Scenario
    services: object  # services.container.Services over the practice database
    operator: OperatorInfo
    path: Path

    def observe(self, intake_id: int | None, asked: tuple[str, ...], steps: tuple[Step, ...],
                seconds: float, draft: IntakeDraft | None = None) -> Handling:
        """What the trainee did: the outcome as the practice database recorded it (``intake_id``
        of the call's result; None when the call was not ended), with the questions asked and
        the steps the screen saw."""
        filled = {}
        if draft is not None:
            filled = {"address": draft.address, "caller_name": draft.caller_name,
                      "region": draft.region, "confidential": "1" if draft.confidential else "",
                      "caller_number": draft.caller_number}
        if intake_id is None:
            return Handling(filled=filled, asked=asked, seconds=seconds, steps=steps)
        factory = make_session_factory(self.services.engine)
        with factory() as s:
            record = s.get(IntakeRecord, intake_id)
            if record is None:
                return Handling(filled=filled, asked=asked, seconds=seconds, steps=steps)
            codes = {u.id: u.code for u in s.scalars(select(Unit))}
            category = s.get(Category, record.category_id) if record.category_id else None
            order = s.scalar(select(WorkOrder).where(WorkOrder.intake_id == record.id))
            co = ()
            if order is not None:
                co = tuple(codes[c.unit_id] for c in s.scalars(
                    select(OrderCoHandler).where(OrderCoHandler.order_id == order.id)))
            services = tuple(s.scalars(select(EmergencyHandoff.service)
                                       .where(EmergencyHandoff.intake_id == record.id)))
            warning = s.scalar(select(CallerWarning.code)
                               .where(CallerWarning.intake_id == record.id))
            filled = {"address": record.address, "caller_name": record.caller_name,
                      "region": record.region or "",
                      "confidential": "1" if record.confidential else "",
                      "caller_number": "" if draft is None else draft.caller_number}
            return Handling(
                action=Outcome(record.outcome), request_type=record.request_type,
                category=category.path if category else None,
                lead_unit=codes.get(order.lead_unit_id) if order is not None else None,
                co_handlers=co, kb_article=record.kb_article_id,
                reason=record.not_accepted_code, services=services, warning=warning,
                filled=filled, asked=asked, seconds=seconds, steps=steps,
            )

    def close(self) -> None:
        """Close the practice database and remove it, with the seat's local outbox for it."""
        from agent_console.store.outbox import outbox_path

        try:
            self.services.close()
        finally:
            outbox = outbox_path(self.path.parent, _sqlite_url(self.path))
            for suffix, base in ((s, b) for b in (self.path, outbox)
                                 for s in ("", "-wal", "-shm", "-journal")):
                try:
                    os.unlink(f"{base}{suffix}")
                except FileNotFoundError:
                    pass
                except OSError:
                    log.warning("practice file %s%s not removed", base, suffix, exc_info=True)


class PracticeRoom:
    """Makes practice databases from the real one's reference data (see the module doc)."""

    def __init__(self, settings: Settings, articles, clock: Clock | None = None) -> None:
        """``articles``: a callable returning the real database's KB articles (ArticleInfo)
        and its KB version, read when a template is made."""
        self._settings = settings
        self._articles = articles
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.root = practice_root(settings)
        self.templates = template_dir(settings)

    def _template(self, version: str, articles: list[ArticleInfo]) -> Path:
        from agent_console.store.migrate import HEAD

        digest = hashlib.sha256(  # a new schema makes a new template
            f"{version}|{HEAD}|{self._settings.data_dir.resolve()}".encode()).hexdigest()[:16]
        path = self.templates / f"template-{digest}.sqlite3"
        if path.exists():
            return path
        self.templates.mkdir(parents=True, exist_ok=True)
        # templates of earlier KB versions go after a while (another console may still be
        # copying one made a moment ago)
        cutoff = time.time() - TEMPLATE_DAYS * 86400
        for old in self.templates.glob("template-*.sqlite3"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass
        building = self.templates / f"building-{os.getpid()}-{secrets.token_hex(4)}.sqlite3"
        from agent_console.services.container import prepare_database

        settings = replace(self._settings, db_url=_sqlite_url(building), demo=False,
                           listen_url=None)
        engine = make_engine(settings.db_url)
        try:
            prepare_database(engine, settings, self._clock)
            _copy_articles(make_session_factory(engine), articles, self._clock)
            _add_experts(make_session_factory(engine), self._clock)
        except BaseException:
            engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{building}{suffix}").unlink(missing_ok=True)
            raise
        engine.dispose()
        os.replace(building, path)  # whole or not at all: a half-built template never serves
        return path

    def open(self, scenario: Scenario, trainee: OperatorInfo) -> PracticeCall:
        """A fresh practice database for ``scenario``, with ``trainee`` in it as a seat agent."""
        from agent_console.services.container import open_services

        articles, version = self._articles()
        with self._lock:
            template = self._template(version, articles)
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"call-{trainee.staff_no}-{time.time_ns()}-{secrets.token_hex(3)}.sqlite3"
        shutil.copyfile(template, path)
        settings = replace(self._settings, db_url=_sqlite_url(path), demo=False, listen_url=None,
                           state_dir=self.root)
        services = open_services(settings, self._clock, prepare=False)
        try:
            operator = _add_trainee(make_session_factory(services.engine), trainee, self._clock)
            call = PracticeCall(scenario, services, operator, path)
            _add_history(call, scenario.history)
        except BaseException:
            PracticeCall(scenario, services, trainee, path).close()
            raise
        return call


def _copy_articles(factory, articles: list[ArticleInfo], clock: Clock) -> None:
    """The real database's KB in the practice one: what the trainee finds, answers from."""
    with factory.begin() as s:
        units = {u.name: u.id for u in s.scalars(select(Unit))}
        cats = {c.path: c.id for c in s.scalars(select(Category))}
        s.execute(delete(KbArticle))
        now = clock.now()
        for a in articles:
            s.add(KbArticle(
                id=a.id, title=a.title, phrasings=list(a.phrasings), answer=a.answer,
                policy_basis=a.policy_basis, owner_unit_id=units.get(a.owner_unit or ""),
                valid_until=a.valid_until, keywords=list(a.keywords), domain=a.domain,
                category_id=cats.get(a.category_path or ""), updated_at=now))


def _unusable_password() -> str:
    return hash_password(secrets.token_urlsafe(24))


def _add_experts(factory, clock: Clock) -> None:
    """One simulated expert on duty for every domain of the categories."""
    with factory.begin() as s:
        domains = sorted({d for d in s.scalars(select(Category.domain)) if d})
        password = _unusable_password()
        for i, domain in enumerate(domains, 1):
            expert = Operator(staff_no=f"{SIM_EXPERT_PREFIX}{i:03d}", name=f"{domain}专家（模拟）",
                              role=Role.EXPERT.value, password_hash=password,
                              created_at=clock.now())
            s.add(expert)
            s.flush()
            place_standing_expert(s, expert.id, domain, date(2000, 1, 1))


def _add_trainee(factory, trainee: OperatorInfo, clock: Clock) -> OperatorInfo:
    with factory.begin() as s:
        row = Operator(staff_no=trainee.staff_no, name=trainee.name, role=Role.SEAT_AGENT.value,
                       password_hash=_unusable_password(), created_at=clock.now())
        s.add(row)
        s.flush()
        return OperatorInfo(row.id, row.staff_no, row.name, Role.SEAT_AGENT, None)


def _add_history(call: PracticeCall, history: tuple[HistoryCall, ...]) -> None:
    """The scenario's earlier calls, recorded through the practice services, then moved back
    in time (a repeat caller's earlier request, warnings on record)."""
    if not history:
        return
    services = call.services
    phone = call.scenario.persona.phone
    categories = {c.path: c.id for c in services.catalog.categories().values()}
    now = services.clock.now()
    for item in sorted(history, key=lambda h: -h.days_ago):
        draft = IntakeDraft(caller_number=phone, number_withheld=not phone,
                            caller_name=call.scenario.persona.name, content=item.content,
                            request_type=RequestType.HELP.value,
                            category_id=categories.get(item.category or ""))
        if item.outcome == "派发工单":
            unit = services.catalog.unit_by_code(item.lead_unit or "")
            result = services.intake.create_work_order(call.operator, draft, now, unit.id)
        elif item.outcome == "劝阻警示":
            result = services.intake.warn_caller(call.operator, draft, now, item.warning or 1)
        else:
            article = None
            result = services.intake.answer_online(call.operator, draft, now, article,
                                                   own_answer="已当场答复来电人。")
        when = now - timedelta(days=item.days_ago)
        with services.engine.begin() as conn:
            conn.execute(update(IntakeRecord).where(IntakeRecord.id == result.intake_id)
                         .values(started_at=when, ended_at=when + timedelta(minutes=4)))
            conn.execute(update(WorkOrder).where(WorkOrder.intake_id == result.intake_id)
                         .values(created_at=when + timedelta(minutes=4)))
            conn.execute(update(CallerWarning).where(CallerWarning.intake_id == result.intake_id)
                         .values(at=when + timedelta(minutes=4)))
