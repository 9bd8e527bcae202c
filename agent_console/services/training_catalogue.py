"""The reference data training scenarios are checked against, from the console's catalog."""

from __future__ import annotations

from agent_console.services.catalog import CatalogService
from agent_console.services.reference import Reference
from agent_console.services.scenarios import Catalogue


def build_catalogue(catalog: CatalogService, reference: Reference) -> Catalogue:
    units = catalog.units()
    by_name = {u.name: u.code for u in units.values()}
    return Catalogue(
        units={u.code: u.name for u in units.values()},
        categories=frozenset(c.path for c in catalog.leaf_categories()),
        articles={a.id: (a.title, a.category_path, by_name.get(a.owner_unit or ""))
                  for a in catalog.articles()},
        reasons={item.code: item.title for item in reference.not_accepted},
        warnings={item.code: item.title for item in reference.warnings},
    )
