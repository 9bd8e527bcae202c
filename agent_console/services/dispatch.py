"""Art. 16: who handles a request (lead unit + co-handlers), by when, under which number."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from agent_console.domain.deadlines import compute_deadlines, find_rule
from agent_console.domain.enums import Routing, UnitKind
from agent_console.domain.orders import MAX_DAILY_SEQUENCE, format_order_number
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import CategoryInfo, DispatchProposal, UnitInfo
from agent_console.services.errors import ServiceError
from agent_console.services.reference import Reference
from agent_console.store.models import OrderCounter

CITYWIDE = "全市"
LOCAL_KINDS = frozenset({UnitKind.COUNTY_GOVERNMENT, UnitKind.DEVELOPMENT_ZONE,
                         UnitKind.TOWN_STREET})


def next_order_number(session: Session, day: date) -> str:
    """Take the day's next sequence atomically (one INSERT … ON CONFLICT … RETURNING)."""
    key = f"{day:%Y%m%d}"
    conn: Connection = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        stmt = sqlite.insert(OrderCounter).values(day=key, last=1)
    elif dialect == "postgresql":
        stmt = postgresql.insert(OrderCounter).values(day=key, last=1)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise ServiceError(f"不支持的数据库：{dialect}")
    stmt = stmt.on_conflict_do_update(
        index_elements=[OrderCounter.day], set_={"last": OrderCounter.last + 1}
    ).returning(OrderCounter.last)
    sequence = session.execute(stmt).scalar_one()
    if sequence > MAX_DAILY_SEQUENCE:
        raise ServiceError("当日工单编号已用尽，请联系管理员")
    return format_order_number(day, sequence)


class DispatchService:
    def __init__(self, catalog: CatalogService, reference: Reference) -> None:
        self._catalog = catalog
        self._reference = reference

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
                now: datetime) -> DispatchProposal:
        cat = self._catalog.categories().get(category_id)
        if cat is None:
            raise ServiceError("诉求分类不存在，请重新选择")
        lead, reason = self._lead_for(cat, region or None)
        rule = find_rule(self._reference.deadlines, request_type, urgency)
        deadlines = compute_deadlines(now, rule)
        alternatives = self.co_handler_candidates(cat, region or None, exclude=lead.id)
        return DispatchProposal(cat.path, lead, tuple(alternatives), deadlines.sign_by,
                                deadlines.due_at, rule.describe(), reason)

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
