"""Read-only reference data from the database: regions, units, categories, KB articles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_console.services.dto import ArticleInfo, CategoryInfo, RegionInfo, UnitInfo
from agent_console.store.models import AppMeta, Category, KbArticle, Region, Unit


def unit_info(u: Unit) -> UnitInfo:
    return UnitInfo(u.id, u.code, u.name, u.kind, u.region, tuple(u.domains or ()),
                    tuple(u.service_area or ()))


class CatalogService:
    """Loaded once per console (small, read-mostly); articles are re-read on demand."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._regions: tuple[RegionInfo, ...] | None = None
        self._units: dict[int, UnitInfo] | None = None
        self._unit_names: dict[int, str] = {}
        self._categories: dict[int, CategoryInfo] | None = None

    def regions(self) -> tuple[RegionInfo, ...]:
        if self._regions is None:
            with self._factory() as s:
                rows = s.scalars(select(Region).order_by(Region.position))
                self._regions = tuple(RegionInfo(r.name, r.short, r.kind, tuple(r.towns or ()))
                                      for r in rows)
        return self._regions

    def region_names(self) -> frozenset[str]:
        return frozenset(r.name for r in self.regions())

    def units(self) -> dict[int, UnitInfo]:
        if self._units is None:
            with self._factory() as s:
                self._units = {u.id: unit_info(u) for u in s.scalars(select(Unit).order_by(Unit.id))}
            self._unit_names = {uid: u.name for uid, u in self._units.items()}
        return self._units

    def known_unit_names(self) -> dict[int, str]:
        """The units' names as read so far, without reading (safe inside another session,
        where a cold catalog read would wait behind SQLite's write lock): {} until units()."""
        return self._unit_names

    def unit_by_code(self, code: str) -> UnitInfo | None:
        return next((u for u in self.units().values() if u.code == code), None)

    def categories(self) -> dict[int, CategoryInfo]:
        if self._categories is None:
            with self._factory() as s:
                self._categories = {
                    c.id: CategoryInfo(c.id, c.path, c.name, c.level, c.domain, c.lead_unit_id,
                                       c.routing)
                    for c in s.scalars(select(Category).order_by(Category.id))
                }
        return self._categories

    def leaf_categories(self) -> list[CategoryInfo]:
        cats = list(self.categories().values())
        parent_paths = {self._parent_path(c) for c in cats}
        return [c for c in cats if c.path not in parent_paths]

    @staticmethod
    def _parent_path(c: CategoryInfo) -> str:
        return c.path.rsplit("/", 1)[0] if "/" in c.path else ""

    def kb_version(self) -> str:
        with self._factory() as s:
            row = s.get(AppMeta, "kb_version")
            return row.value if row else ""

    def articles(self) -> list[ArticleInfo]:
        with self._factory() as s:
            units = {u.id: u.name for u in s.scalars(select(Unit))}
            cats = {c.id: c.path for c in s.scalars(select(Category))}
            return [self._article(a, units, cats)
                    for a in s.scalars(select(KbArticle).where(KbArticle.retired_at.is_(None))
                                       .order_by(KbArticle.id))]

    def article(self, article_id: str) -> ArticleInfo | None:
        with self._factory() as s:
            a = s.get(KbArticle, article_id)
            if a is None:
                return None
            unit = s.get(Unit, a.owner_unit_id) if a.owner_unit_id else None
            cat = s.get(Category, a.category_id) if a.category_id else None
            return self._article(a, {unit.id: unit.name} if unit else {},
                                 {cat.id: cat.path} if cat else {})

    @staticmethod
    def _article(a: KbArticle, units: dict[int, str], cats: dict[int, str]) -> ArticleInfo:
        return ArticleInfo(
            id=a.id, title=a.title, phrasings=tuple(a.phrasings or ()), answer=a.answer,
            policy_basis=a.policy_basis or "", owner_unit=units.get(a.owner_unit_id),
            valid_until=a.valid_until, keywords=tuple(a.keywords or ()), domain=a.domain,
            category_id=a.category_id, category_path=cats.get(a.category_id),
        )


def to_document(article: ArticleInfo):
    from agent_console.search.index import KbDocument

    return KbDocument(
        id=article.id,
        title=article.title,
        body=article.answer,
        phrasings=article.phrasings,
        keywords=article.keywords,
    )
