"""The knowledge base as a capability: index lifecycle (build, disk cache, in-place updates),
import and export of articles (Art. 13: the hotline and the units keep it current)."""

from __future__ import annotations

import csv
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.text import check_text
from agent_console.jsonl import read_jsonl
from agent_console.services.dto import ArticleInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.models import AppMeta, Category, KbArticle, Unit

if TYPE_CHECKING:
    from agent_console.search.index import KnowledgeIndex

EXPORT_FIELDS = ("id", "title", "phrasings", "answer", "policy_basis", "owner_unit",
                 "valid_until", "keywords", "domain", "category")
LIST_FIELDS = ("phrasings", "keywords")
MAX_IMPORT_ERRORS = 20


INDEX_FORMAT = 7  # keep equal to search.store.FORMAT (checked by a test)


@dataclass(frozen=True)
class IndexLoad:
    index: "KnowledgeIndex"
    source: str  # "cache" or "built"
    seconds: float
    version: str


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    version: str


def _split_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in ("|", "；", ";", "\n"):
        text = text.replace(sep, "\x1f")
    return [p.strip() for p in text.split("\x1f") if p.strip()]


def read_rows(path: Path) -> list[dict]:
    """Rows of a .jsonl, .csv or .xlsx file as dicts (header names as keys)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise ServiceError(f"文件不存在：{path}")
    if suffix == ".jsonl":
        try:
            return read_jsonl(path)
        except ValueError as exc:
            raise ServiceError(str(exc)) from exc
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [dict(r) for r in csv.DictReader(fh)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = wb.active
            it = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(it, [])]
            rows = []
            for values in it:
                if values is None or all(v is None for v in values):
                    continue
                rows.append({h: v for h, v in zip(header, values) if h})
            return rows
        finally:
            wb.close()
    raise ServiceError("仅支持 .jsonl、.csv 和 .xlsx 文件")


def bump_kb_version(s: Session, now: datetime) -> str:
    """A new KB version, in the transaction that changed the articles: every console's live
    index (and the cached index files) follow it."""
    version = f"{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    meta = s.get(AppMeta, "kb_version")
    if meta is None:
        s.add(AppMeta(key="kb_version", value=version))
    else:
        meta.value = version
    return version


class _ImportHistory:
    """``kb import`` publishes directly (the centre's own load): each article it changes still
    gets its next version, kept with the others, signed by the centre's system account."""

    def __init__(self, s: Session, now: datetime) -> None:
        from agent_console.services.kb_review import snapshot
        from agent_console.store.models import Operator

        self._s, self._now, self._snapshot = s, now, snapshot
        self._units = dict(s.execute(select(Unit.id, Unit.code)).all())
        self._cats = dict(s.execute(select(Category.id, Category.path)).all())
        self._author = None
        if s.scalar(select(Operator.id).limit(1)) is not None:
            from agent_console.services.orders import system_actor

            self._author = system_actor(s).id

    def before(self, row: KbArticle | None) -> dict | None:
        return self._snapshot(row, self._units, self._cats) if row is not None else None

    def published(self, row: KbArticle, before: dict | None) -> None:
        from agent_console.domain.enums import RevisionAction, RevisionStatus
        from agent_console.services.kb_review import article_data
        from agent_console.store.models import KbRevision

        self._s.flush()
        after = self._snapshot(row, self._units, self._cats)
        if after == before:
            return  # the same text again: no new version
        row.revision = (row.revision or 0) + 1
        if self._author is None:
            return  # a database without accounts yet (the first load): nobody to sign
        self._s.add(KbRevision(
            article_id=row.id, status=RevisionStatus.APPROVED.value,
            action=(RevisionAction.EDIT if before else RevisionAction.CREATE).value,
            data=article_data(row, self._units, self._cats), before=before,
            unit_id=row.owner_unit_id, author_id=self._author, created_at=self._now,
            source="import", number=row.revision, reviewer_id=self._author,
            reviewed_at=self._now, reason="kb import 直接发布"))


class KnowledgeService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, cache_dir: Path,
                 synonyms: dict[str, list[str]]) -> None:
        self._factory = factory
        self._clock = clock
        self._cache_dir = cache_dir
        self._synonyms = synonyms

    # ------------------------------------------------------------------ versions and documents
    def version(self) -> str:
        with self._factory() as s:
            row = s.get(AppMeta, "kb_version")
            return row.value if row else ""

    def documents(self, since: datetime | None = None) -> list:
        from agent_console.search.index import KbDocument

        stmt = select(KbArticle.id, KbArticle.title, KbArticle.answer, KbArticle.phrasings,
                      KbArticle.keywords).where(KbArticle.retired_at.is_(None))
        if since is not None:
            # at or after: a change committed in the second of the last sync, after it read,
            # is read again rather than missed (an upsert of the same text changes nothing)
            stmt = stmt.where(KbArticle.updated_at >= since)
        with self._factory() as s:
            return [KbDocument(id=r.id, title=r.title, body=r.answer or "",
                               phrasings=tuple(r.phrasings or ()), keywords=tuple(r.keywords or ()))
                    for r in s.execute(stmt.order_by(KbArticle.id))]

    def retired_since(self, since: datetime) -> list[str]:
        """Articles retired (after review) since ``since``: they leave the live index."""
        with self._factory() as s:
            return list(s.scalars(select(KbArticle.id).where(
                KbArticle.retired_at.is_not(None), KbArticle.updated_at >= since)))

    def article_ids(self) -> set[str]:
        with self._factory() as s:
            return set(s.scalars(select(KbArticle.id)))

    def articles_by_ids(self, ids: list[str]) -> dict[str, ArticleInfo]:
        from agent_console.services.catalog import CatalogService

        if not ids:
            return {}
        with self._factory() as s:
            rows = s.scalars(select(KbArticle).where(KbArticle.id.in_(ids[:500]))).all()
            unit_ids = {a.owner_unit_id for a in rows if a.owner_unit_id}
            cat_ids = {a.category_id for a in rows if a.category_id}
            units = {u.id: u.name for u in s.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} \
                if unit_ids else {}
            cats = {c.id: c.path for c in s.scalars(select(Category).where(Category.id.in_(cat_ids)))} \
                if cat_ids else {}
            return {a.id: CatalogService._article(a, units, cats) for a in rows}

    # ------------------------------------------------------------------ index lifecycle
    def cache_path(self, version: str) -> Path:
        key = hashlib.sha256(f"{version}|{INDEX_FORMAT}|{sorted(self._synonyms.items())}".encode()).hexdigest()
        return self._cache_dir / f"kb-index-{key[:20]}.npz"

    def article_count(self) -> int:
        from sqlalchemy import func

        with self._factory() as s:
            return s.scalar(select(func.count()).select_from(KbArticle)
                            .where(KbArticle.retired_at.is_(None))) or 0

    def build_and_cache(self) -> Path:
        """Build the index for the current version and write it to the cache (no load)."""
        from agent_console.search.index import KnowledgeIndex
        from agent_console.search.store import save_index

        path = self.cache_path(self.version())
        index = KnowledgeIndex.build(self.documents(), self._synonyms)
        self._drop_stale(path)
        save_index(index, path)
        return path

    def _drop_stale(self, keep: Path) -> None:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        for old in self._cache_dir.glob("kb-index-*.npz"):
            if old != keep:
                old.unlink(missing_ok=True)

    def _build_in_subprocess(self, db_url: str, data_dir: Path) -> bool:
        """A big KB is built by a child process, so the console's UI thread never competes
        with the build for the interpreter lock."""
        import os
        import subprocess
        import sys

        env = dict(os.environ, AGENT_CONSOLE_DATA=str(data_dir),
                   AGENT_CONSOLE_CACHE=str(self._cache_dir))
        try:
            done = subprocess.run(
                [sys.executable, "-m", "agent_console.services.index_build", "--db", db_url],
                env=env, capture_output=True, timeout=1800, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    def load_or_build_index(self, db_url: str | None = None, data_dir: Path | None = None,
                            external_over: int = 5000) -> IndexLoad:
        """The cached index for the current KB version, or a fresh build (then cached).
        With ``db_url`` given and more than ``external_over`` articles, the build runs in a
        child process."""
        # The engine (numpy, pypinyin, rjieba) loads here, in the worker, not at start-up.
        from agent_console.search.index import KnowledgeIndex
        from agent_console.search.store import load_index, save_index

        started = time.perf_counter()
        version = self.version()
        path = self.cache_path(version)
        if path.exists():
            try:
                index = load_index(path)
                return IndexLoad(index, "cache", time.perf_counter() - started, version)
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)  # damaged or foreign: rebuild below
        if db_url and data_dir and self.article_count() > external_over:
            if self._build_in_subprocess(db_url, data_dir) and path.exists():
                try:
                    index = load_index(path)
                    return IndexLoad(index, "built", time.perf_counter() - started, version)
                except (OSError, ValueError, KeyError):
                    path.unlink(missing_ok=True)
        index = KnowledgeIndex.build(self.documents(), self._synonyms)
        try:
            self._drop_stale(path)
            save_index(index, path)
        except OSError:
            pass  # a read-only cache dir costs a rebuild next time, nothing more
        return IndexLoad(index, "built", time.perf_counter() - started, version)

    # ------------------------------------------------------------------ import / export
    def _validate(self, rows: list[dict], units: dict[str, int],
                  categories: dict[str, int]) -> tuple[list[dict], dict[str, str]]:
        clean, errors = [], {}
        seen: set[str] = set()
        for n, row in enumerate(rows, 1):
            if len(errors) >= MAX_IMPORT_ERRORS:
                break
            key = f"第{n}行"
            art_id = str(row.get("id") or "").strip()
            title = str(row.get("title") or "").strip()
            answer = str(row.get("answer") if row.get("answer") is not None else row.get("body") or "")
            if not art_id:
                errors[key] = "缺少编号 id"
                continue
            if msg := check_text("编号", art_id, max_len=40, allow_emoji=False):
                errors[key] = msg
                continue
            if art_id in seen:
                errors[key] = f"编号 {art_id} 在文件中重复"
                continue
            seen.add(art_id)
            if msg := (check_text("标题", title, required=True, max_len=200)
                       or check_text("答复口径", answer, max_len=20000, allow_newlines=True)):
                errors[key] = f"{art_id}：{msg}"
                continue
            owner = str(row.get("owner_unit") or "").strip()
            if owner and owner not in units:
                errors[key] = f"{art_id}：责任单位编码 {owner} 不存在"
                continue
            category = str(row.get("category") or "").strip()
            if category and category not in categories:
                errors[key] = f"{art_id}：诉求分类“{category}”不存在"
                continue
            valid = row.get("valid_until")
            valid_date = None
            if valid not in (None, ""):
                try:
                    valid_date = valid.date() if isinstance(valid, datetime) else \
                        valid if isinstance(valid, date) else date.fromisoformat(str(valid).strip()[:10])
                except ValueError:
                    errors[key] = f"{art_id}：有效期应为 YYYY-MM-DD"
                    continue
            clean.append({
                "id": art_id, "title": title, "answer": answer.strip(),
                "phrasings": _split_list(row.get("phrasings")),
                "keywords": _split_list(row.get("keywords")),
                "policy_basis": str(row.get("policy_basis") or "").strip(),
                "owner_unit_id": units.get(owner), "valid_until": valid_date,
                "domain": str(row.get("domain") or "其他").strip()[:20] or "其他",
                "category_id": categories.get(category),
            })
        return clean, errors

    def import_file(self, path: Path) -> ImportReport:
        """All rows or none: one bad row rejects the file with every error named."""
        rows = read_rows(path)
        if not rows:
            raise ServiceError("文件中没有知识库条目")
        now = self._clock.now()
        with self._factory.begin() as s:
            units = {u.code: u.id for u in s.scalars(select(Unit))}
            categories = {c.path: c.id for c in s.scalars(select(Category))}
            clean, errors = self._validate(rows, units, categories)
            if errors:
                raise ValidationFailed(errors)
            ids = [r["id"] for r in clean]
            existing: set[str] = set()
            for at in range(0, len(ids), 500):  # stay under the SQL variable limit
                existing.update(s.scalars(select(KbArticle.id).where(
                    KbArticle.id.in_(ids[at : at + 500]))))
            history = _ImportHistory(s, now)
            for item in clean:
                row = s.get(KbArticle, item["id"]) if item["id"] in existing else None
                before = history.before(row)
                if row is None:
                    row = KbArticle(id=item["id"], revision=0)
                    s.add(row)
                for name, value in item.items():
                    if name != "id":
                        setattr(row, name, value)
                row.updated_at = now
                row.retired_at = None  # an import is the centre's own publication
                history.published(row, before)
            version = bump_kb_version(s, now)
        return ImportReport(len(clean) - len(existing), len(existing), version)

    def export_file(self, path: Path) -> int:
        with self._factory() as s:
            units = {u.id: u.code for u in s.scalars(select(Unit))}
            cats = {c.id: c.path for c in s.scalars(select(Category))}
            rows = [{
                "id": a.id, "title": a.title, "phrasings": list(a.phrasings or []),
                "answer": a.answer, "policy_basis": a.policy_basis or "",
                "owner_unit": units.get(a.owner_unit_id, ""),
                "valid_until": a.valid_until.isoformat() if a.valid_until else "",
                "keywords": list(a.keywords or []), "domain": a.domain,
                "category": cats.get(a.category_id, ""),
            } for a in s.scalars(select(KbArticle).order_by(KbArticle.id))]
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            with path.open("w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        elif suffix in (".csv", ".xlsx"):
            flat = [{k: "|".join(v) if k in LIST_FIELDS else v for k, v in r.items()} for r in rows]
            if suffix == ".csv":
                with path.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=EXPORT_FIELDS)
                    writer.writeheader()
                    writer.writerows(flat)
            else:
                from agent_console.services.tabular import save_xlsx

                # formula-looking text (an answer starting with "=") stays text
                save_xlsx(path, [("知识库", list(EXPORT_FIELDS),
                                  ([r[k] for k in EXPORT_FIELDS] for r in flat))])
        else:
            raise ServiceError("仅支持导出为 .jsonl、.csv 或 .xlsx 文件")
        return len(rows)
