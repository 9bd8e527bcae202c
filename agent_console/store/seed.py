"""Load the shipped content in data/ into the database; safe to run again (upserts by key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.enums import Role
from agent_console.domain.passwords import hash_password
from agent_console.jsonl import read_jsonl
from agent_console.store.models import (
    AppMeta,
    Category,
    ExpertRoster,
    KbArticle,
    Operator,
    Region,
    Unit,
)

DEMO_PASSWORD = "demo"
DEMO_ACCOUNTS = (
    ("1001", "王晓雯", Role.SEAT_AGENT, None),
    ("2001", "李建国", Role.EXPERT, "rsj"),
    ("2002", "高志远", Role.EXPERT, "zjj"),
    ("2003", "白雪梅", Role.EXPERT, "sw"),
    ("3001", "张丽华", Role.DISPATCHER, None),
    ("3002", "孙静", Role.CALLBACK, None),
    ("3003", "周建军", Role.SUPERVISOR, None),
    ("4001", "赵敏", Role.TRAINER, None),
    ("5001", "刘洋", Role.UNIT_LIAISON, "heat_city"),
    ("9001", "系统管理员", Role.ADMIN, None),
)


NOT_A_DEMO_DATABASE = (
    "该数据库不是以演示模式创建的，不能加入演示账号（密码均为 demo）。"
    "体验演示请运行 agent-console --demo（不带 --db 时使用单独的 demo.sqlite3），"
    "或用 --db 指定一个新的数据库。"
)


class NotADemoDatabase(Exception):
    """Demo accounts asked for on a production database; the message is Chinese."""

    def __init__(self, message: str = NOT_A_DEMO_DATABASE) -> None:
        super().__init__(message)
        self.message = message


def is_demo_database(session: Session) -> bool:
    row = session.get(AppMeta, "demo_mode")
    return row is not None and row.value == "1"


def demo_allowed(session: Session) -> bool:
    """Demo accounts may go only into a demo database or a brand-new one (never seeded, no
    accounts): never into a production database."""
    if is_demo_database(session):
        return True
    seeded = session.get(AppMeta, "seeded_at") is not None
    return not seeded and session.scalar(select(Operator.id).limit(1)) is None


@dataclass(frozen=True)
class SeedReport:
    regions: int
    units: int
    categories: int
    articles: int
    demo_accounts: int


def _load_json(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_articles(data_dir: Path) -> list[dict]:
    rows: list[dict] = []
    for path in sorted((data_dir / "kb").glob("*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows


def seed(factory: sessionmaker[Session], data_dir: Path, *, demo: bool, now: datetime) -> SeedReport:
    """One transaction: either all the content lands or none of it. Demo accounts only go into
    a demo or a brand-new database (NotADemoDatabase otherwise)."""
    with factory.begin() as session:
        if demo and not demo_allowed(session):
            raise NotADemoDatabase()
        n_regions = _seed_regions(session, _load_json(data_dir / "regions.json"))
        units = _seed_units(session, _load_json(data_dir / "units.json"))
        n_categories = _seed_categories(session, _load_json(data_dir / "categories.json"), units)
        n_articles = _seed_articles(session, load_articles(data_dir), units, now)
        n_demo = _seed_demo(session, units, now) if demo else 0
        _set_meta(session, "seeded_at", now.isoformat(timespec="seconds"))
        _set_meta(session, "kb_version", now.isoformat(timespec="seconds"))
        if demo:
            _set_meta(session, "demo_mode", "1")
    return SeedReport(n_regions, len(units), n_categories, n_articles, n_demo)


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(AppMeta, key)
    if row is None:
        session.add(AppMeta(key=key, value=value))
    else:
        row.value = value


def _seed_regions(session: Session, regions: list[dict]) -> int:
    existing = {r.name: r for r in session.scalars(select(Region))}
    for pos, item in enumerate(regions):
        row = existing.get(item["name"]) or Region(name=item["name"])
        row.short = item.get("short") or item["name"]
        row.kind = item["kind"]
        row.towns = list(item.get("towns", []))
        row.position = pos
        session.add(row)
    return len(regions)


def _seed_units(session: Session, units: list[dict]) -> dict[str, Unit]:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for item in units:
        row = existing.get(item["code"]) or Unit(code=item["code"])
        row.name = item["name"]
        row.kind = item["kind"]
        row.region = item.get("region")
        row.service_area = list(item.get("service_area", []))
        row.domains = list(item.get("domains", []))
        session.add(row)
        existing[item["code"]] = row
    session.flush()
    for item in units:
        parent = item.get("parent")
        existing[item["code"]].parent_id = existing[parent].id if parent else None
    session.flush()
    return existing


def _seed_categories(session: Session, tree: list[dict], units: dict[str, Unit]) -> int:
    existing = {c.path: c for c in session.scalars(select(Category))}
    count = 0

    def visit(node: dict, parent: Category | None, level: int, prefix: str) -> None:
        nonlocal count
        path = f"{prefix}/{node['name']}" if prefix else node["name"]
        row = existing.get(path) or Category(path=path)
        row.name = node["name"]
        row.level = level
        row.parent_id = parent.id if parent else None
        row.domain = node.get("domain")
        lead = node.get("lead_unit")
        if lead is not None and lead not in units:
            raise ValueError(f"分类“{path}”的牵头单位编码 {lead} 不存在")
        row.lead_unit_id = units[lead].id if lead else None
        row.routing = node.get("routing")
        session.add(row)
        session.flush()
        existing[path] = row
        count += 1
        for child in node.get("children", []):
            visit(child, row, level + 1, path)

    for root in tree:
        visit(root, None, 1, "")
    return count


def _seed_articles(session: Session, articles: list[dict], units: dict[str, Unit],
                   now: datetime) -> int:
    categories = {c.path: c.id for c in session.scalars(select(Category))}
    existing = {a.id: a for a in session.scalars(select(KbArticle))}
    for item in articles:
        row = existing.get(item["id"]) or KbArticle(id=item["id"])
        row.title = item["title"]
        row.phrasings = list(item.get("phrasings", []))
        row.answer = item["answer"]
        row.policy_basis = item.get("policy_basis", "")
        owner = item.get("owner_unit")
        row.owner_unit_id = units[owner].id if owner in units else None
        valid = item.get("valid_until")
        row.valid_until = date.fromisoformat(valid) if valid else None
        row.keywords = list(item.get("keywords", []))
        row.domain = item.get("domain", "其他")
        row.category_id = categories.get(item.get("category", ""))
        row.updated_at = now
        session.add(row)
    return len(articles)


# Art. 14(1): the units' experts placed at the centre in the demo, and what each answers
DEMO_ROSTER = (
    ("2001", ("社会保障", "劳动就业")),
    ("2002", ("供热", "水电燃气", "不动产与住房")),
    ("2003", ("税务",)),
)


def _demo_roster(session: Session, now: datetime) -> None:
    paths = {c.path: c.id for c in session.scalars(select(Category))}
    for staff_no, tops in DEMO_ROSTER:
        expert = session.scalar(select(Operator).where(Operator.staff_no == staff_no))
        if expert is None or session.scalar(
                select(ExpertRoster.id).where(ExpertRoster.operator_id == expert.id)):
            continue
        session.add(ExpertRoster(operator_id=expert.id, unit_id=expert.unit_id,
                                 categories=[paths[p] for p in tops if p in paths],
                                 starts_on=now.date().replace(month=1, day=1), ends_on=None,
                                 note="演示值班",
                                 created_at=now))


def _seed_demo(session: Session, units: dict[str, Unit], now: datetime) -> int:
    added = 0
    hashed = hash_password(DEMO_PASSWORD)
    for staff_no, name, role, unit_code in DEMO_ACCOUNTS:
        if session.scalar(select(Operator).where(Operator.staff_no == staff_no)):
            continue
        unit = units.get(unit_code) if unit_code else None
        session.add(Operator(staff_no=staff_no, name=name, role=role.value, password_hash=hashed,
                             unit_id=unit.id if unit else None, active=True, created_at=now))
        added += 1
    session.flush()
    _demo_roster(session, now)
    return added
