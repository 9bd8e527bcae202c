"""Art. 16: who handles a request (lead unit + co-handlers), by when, under which number."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from agent_console.domain.deadlines import compute_deadlines, find_rule
from agent_console.domain.enums import Routing, UnitKind
from agent_console.domain.orders import MAX_DAILY_SEQUENCE, format_order_number
from agent_console.domain.triage import TriageResult
from agent_console.services.calendar import CalendarService
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import (
    CategoryInfo,
    DispatchProposal,
    FollowUpProposal,
    UnitInfo,
)
from agent_console.services.errors import ServiceError
from agent_console.services.reference import Reference
from agent_console.store.models import OrderCounter
from agent_console.store.upsert import dialect_insert

CITYWIDE = "全市"
LOCAL_KINDS = frozenset({UnitKind.COUNTY_GOVERNMENT, UnitKind.DEVELOPMENT_ZONE,
                         UnitKind.TOWN_STREET})


def next_order_number(session: Session, day: date) -> str:
    """Take the day's next sequence atomically (one INSERT … ON CONFLICT … RETURNING)."""
    key = f"{day:%Y%m%d}"
    stmt = dialect_insert(session, OrderCounter).values(day=key, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[OrderCounter.day], set_={"last": OrderCounter.last + 1}
    ).returning(OrderCounter.last)
    sequence = session.execute(stmt).scalar_one()
    if sequence > MAX_DAILY_SEQUENCE:
        raise ServiceError("当日工单编号已用尽，请联系管理员")
    return format_order_number(day, sequence)


class DispatchService:
    def __init__(self, catalog: CatalogService, reference: Reference,
                 calendar: CalendarService) -> None:
        self._catalog = catalog
        self._reference = reference
        self._calendar = calendar

    def _serves(self, unit: UnitInfo, region: str | None) -> bool:
        return CITYWIDE in unit.service_area or (region is not None and region in unit.service_area)

    def _region_government(self, region: str) -> UnitInfo | None:
        for unit in self._catalog.units().values():
            if unit.region == region and unit.kind in (UnitKind.COUNTY_GOVERNMENT,
                                                       UnitKind.DEVELOPMENT_ZONE):
                return unit
        return None

    def _lead_for(self, cat: CategoryInfo, region: str | None) -> tuple[UnitInfo, str]:
        units = self._catalog.units()
        fallback = units.get(cat.lead_unit_id) if cat.lead_unit_id else None
        routing = cat.routing or Routing.FIXED
        if routing == Routing.UTILITY and cat.domain:
            candidates = [u for u in units.values()
                          if u.kind == UnitKind.PUBLIC_UTILITY and cat.domain in u.domains]
            if region:
                local = [u for u in candidates if region in u.service_area]
                if local:
                    return local[0], f"{region}的{cat.domain}服务单位"
            if fallback is not None:
                return fallback, f"{cat.domain}默认服务单位（未填区域）" if not region else \
                    f"{cat.domain}默认服务单位"
            citywide = [u for u in candidates if CITYWIDE in u.service_area]
            if citywide:
                return citywide[0], f"{cat.domain}全市服务单位"
        if routing == Routing.LOCAL and region:
            gov = self._region_government(region)
            if gov is not None:
                return gov, f"属地管理：{region}"
        if fallback is None:
            raise ServiceError(f"分类“{cat.path}”没有默认牵头单位，请手动选择")
        return fallback, "分类默认牵头单位"

    def propose(self, category_id: int, region: str | None, request_type: str, urgency: str,
                now: datetime, *, immediate: bool = False) -> DispatchProposal:
        """The lead unit, co-handler candidates and the deadlines the order would get;
        ``immediate``: dispatched at once (Art. 12, utility fault or emergency), real clock."""
        cat = self._catalog.categories().get(category_id)
        if cat is None:
            raise ServiceError("诉求分类不存在，请重新选择")
        lead, reason = self._lead_for(cat, region or None)
        rule = find_rule(self._reference.deadlines, request_type, urgency, immediate)
        deadlines = compute_deadlines(now, rule, self._calendar.calendar())
        alternatives = self.co_handler_candidates(cat, region or None, exclude=lead.id)
        return DispatchProposal(cat.path, lead, tuple(alternatives), deadlines.sign_by,
                                deadlines.due_at, rule.describe(), reason)

    # ------------------------------------------------------------------ emergencies (Art. 12)
    def category_of(self, triage: TriageResult) -> int | None:
        """The category an emergency or a utility fault files under (data/emergency.json)."""
        follow = triage.follow_up
        if follow is None:
            return None
        return next((c.id for c in self._catalog.categories().values()
                     if c.path == follow.category), None)

    def for_emergency(self, proposal: DispatchProposal, triage: TriageResult,
                      category_id: int | None) -> DispatchProposal:
        """An emergency's order goes to the unit that must sign for that kind of emergency,
        not to the category's usual lead; a utility fault keeps the category's routing, which
        finds the utility serving the region."""
        follow = triage.follow_up
        if follow is None or follow.source.startswith("utility:") or \
                category_id != self.category_of(triage):
            return proposal
        unit = self._catalog.unit_by_code(follow.unit)
        if unit is None or unit.id == proposal.lead.id:
            return proposal
        kind = triage.kinds[0].name if triage.kinds else "紧急事项"
        others = tuple(u for u in (proposal.lead, *proposal.alternatives) if u.id != unit.id)
        return replace(proposal, lead=unit, alternatives=others,
                       reason=f"{kind}：须签收办理的单位（第十二条）")

    def follow_up(self, triage: TriageResult, category_id: int | None, region: str | None,
                  request_type: str, urgency: str, now: datetime) -> FollowUpProposal | None:
        """The follow-up order of a hand-off: the emergency's own category, type, urgency and
        signing unit where the text shows the kind, else the form's; dispatched at once, on
        the real clock. None when neither gives a category."""
        follow = triage.follow_up
        category = self.category_of(triage)
        category = category if category is not None else category_id
        if category is None:
            return None
        if follow is not None:
            request_type = follow.request_type or request_type
            urgency = follow.urgency
        proposal = self.propose(category, region, request_type, urgency, now, immediate=True)
        proposal = self.for_emergency(proposal, triage, category)
        co = []
        for code in (follow.co_units if follow is not None else ()):
            unit = self._catalog.unit_by_code(code)
            if unit is not None and unit.id != proposal.lead.id and unit not in co:
                co.append(unit)
        return FollowUpProposal(proposal, category, request_type, urgency, tuple(co))

    def co_handler_candidates(self, cat: CategoryInfo, region: str | None,
                              exclude: int) -> list[UnitInfo]:
        """Units that plausibly share the work: same domain, the region's government."""
        out: list[UnitInfo] = []
        for unit in self._catalog.units().values():
            if unit.id == exclude:
                continue
            if not cat.domain or cat.domain not in unit.domains:
                continue
            if unit.kind == UnitKind.PUBLIC_UTILITY and not self._serves(unit, region):
                continue
            if unit.kind in LOCAL_KINDS and unit.region != region:
                continue  # local governments only for the caller's own region
            out.append(unit)
        if region:
            gov = self._region_government(region)
            if gov is not None and gov.id != exclude and gov not in out:
                out.append(gov)
        return out[:12]
