from __future__ import annotations

from agent_console.domain.intake import IntakeDraft

HEATING_PATH = "供热/供暖质量/供暖温度不达标"


def category_id(services, path: str) -> int:
    return next(c.id for c in services.catalog.categories().values() if c.path == path)


def draft(**kw) -> IntakeDraft:
    base = dict(caller_number="13912345678", caller_name="张三", content="小区暖气不热，家里只有十几度")
    base.update(kw)
    return IntakeDraft(**base)


def heating_article(services) -> str:
    cat = category_id(services, HEATING_PATH)
    for a in services.catalog.articles():
        if a.domain == "供热" and a.category_id == cat:
            return a.id
    return next(a.id for a in services.catalog.articles() if a.domain == "供热")


def units_also_handle(services, domain: str, codes=("rsj", "zjj", "sw")) -> None:
    """Let the demo experts' units handle ``domain`` too, so tests about the roster's dates
    and presence may place them on its categories (Art. 14(1) allows a unit's experts only
    on what the unit handles)."""
    from sqlalchemy import select

    from agent_console.store.engine import make_session_factory
    from agent_console.store.models import Unit

    with make_session_factory(services.engine).begin() as s:
        for unit in s.scalars(select(Unit).where(Unit.code.in_(codes))):
            unit.domains = [*unit.domains, domain]
