"""Art. 13, 19(4): the knowledge base the handling units keep. A unit's liaison creates, edits
and retires the unit's own articles (one by one, or a batch file in the ``kb import``
formats); an expert proposes articles from answers given on calls. Every change waits for the
centre's review; an approved change becomes the article's next version and reaches the seats'
live index, a rejected one goes back to the unit with the reviewer's reason. Every version is
kept, with who and when."""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import RevisionAction, RevisionStatus, Role
from agent_console.domain.text import check_text, done_label, find_control_char
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from agent_console.store.models import Category, KbArticle, KbRevision, Operator, Unit
from agent_console.store.notify import KB, notify_in

REVIEW_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
AUTHOR_ROLES = frozenset({Role.UNIT_LIAISON, Role.ADMIN})
MAX_BATCH = 2000
MAX_LIST_ITEMS = 30
KEYWORD_SEPARATORS = ",，、"  # besides the list separators of ``kb import`` (| ; ； newline)
FIELD_LABELS = {
    "title": "标题", "phrasings": "常见问法", "answer": "答复口径", "policy_basis": "政策依据",
    "keywords": "关键词", "valid_until": "有效期至", "domain": "领域", "category": "诉求分类",
    "owner_unit": "责任单位",
}
FIELDS = tuple(FIELD_LABELS)
SHORT_VALUE = 40  # a one-line value this long changed in several places shows whole
_TOKEN = re.compile(r"[0-9A-Za-z]+|.", re.DOTALL)  # what a diff compares: words, numbers, chars


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str

    def spans(self) -> list[tuple[str, str]]:
        """The change as (kind, text) runs: ``same``, ``del`` (only before), ``add``. A number
        or a Latin word changes as a whole (2027 → 2028, not 202·7·8); Chinese by character."""
        before, after = _TOKEN.findall(self.before), _TOKEN.findall(self.after)
        opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        if self._short() and sum(1 for op, *_ in opcodes if op != "equal") > 1:
            # a date or a name changed in several places reads best as old → new
            return [(k, t) for k, t in (("del", self.before), ("add", self.after)) if t]
        out: list[tuple[str, str]] = []
        for op, a0, a1, b0, b1 in opcodes:
            if op == "equal":
                _run(out, "same", "".join(before[a0:a1]))
                continue
            _run(out, "del", "".join(before[a0:a1]))
            _run(out, "add", "".join(after[b0:b1]))
        return out

    def _short(self) -> bool:
        return all(len(v) <= SHORT_VALUE and "\n" not in v for v in (self.before, self.after))


def _run(out: list[tuple[str, str]], kind: str, text: str) -> None:
    """Append a run, joined to the last one of the same kind."""
    if not text:
        return
    if out and out[-1][0] == kind:
        out[-1] = (kind, out[-1][1] + text)
    else:
        out.append((kind, text))


@dataclass(frozen=True)
class RevisionRow:
    id: int
    article_id: str
    title: str
    action: str
    status: str
    source: str
    unit_name: str
    author: str
    created_at: datetime
    reviewer: str
    reviewed_at: datetime | None
    reason: str
    number: int | None
    batch: str | None
    stale: bool = False  # pending, and the article changed after it was submitted

    @property
    def action_label(self) -> str:
        return RevisionAction(self.action).label

    @property
    def status_label(self) -> str:
        return RevisionStatus(self.status).label

    @property
    def source_label(self) -> str:
        return {"liaison": "单位维护", "expert": "专家建议", "batch": "单位批量",
                "import": "中心导入"}.get(
            self.source, self.source)


@dataclass(frozen=True)
class RevisionDetail:
    row: RevisionRow
    data: dict
    changes: tuple[FieldChange, ...]
    stale: bool  # the article changed after this was submitted


@dataclass(frozen=True)
class UnitArticle:
    id: str
    title: str
    valid_until: date | None
    retired: bool
    revision: int
    pending: int  # changes of it waiting for review
    category: str


@dataclass(frozen=True)
class BatchReport:
    batch: str
    rows: tuple[tuple[int, str, str], ...]  # (row number, article id, 新增/修改/停用/无变化)

    @property
    def submitted(self) -> int:
        return sum(1 for *_x, what in self.rows if what != "无变化")


def _lines(items, separators: str = "") -> list[str]:
    """A list field as its items: a list as it is, text (or a spreadsheet's number) split at
    | ; ； and line ends (and ``separators``)."""
    if items is None:
        return []
    if isinstance(items, (list, tuple)):
        parts = [str(p) for p in items]
    else:
        text = str(items)
        for sep in ("；", ";", "|", *separators):
            text = text.replace(sep, "\n")
        parts = text.splitlines()
    return [p.strip() for p in parts if p and p.strip()]


def _visible(text: str, most: int) -> str:
    """Typed text to quote in a message: its first ``most`` characters, control characters
    left out (a message is shown as it is)."""
    out = []
    for ch in text[:most]:
        if find_control_char(ch) is None:
            out.append(ch)
    return "".join(out)


def _date(value) -> str:
    """A valid-until date as YYYY-MM-DD ("" when blank); ValueError when it is not one."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return ""
    if len(text) > 10:  # a spreadsheet's date and time: 2027-12-31 00:00:00
        return datetime.fromisoformat(text).date().isoformat()
    return date.fromisoformat(text).isoformat()


def _show(field: str, value) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def article_data(a: KbArticle, units: dict[int, str], cats: dict[int, str]) -> dict:
    """An article's text as a revision stores it (import field names, codes and paths)."""
    return {
        "title": a.title, "phrasings": list(a.phrasings or []), "answer": a.answer or "",
        "policy_basis": a.policy_basis or "", "keywords": list(a.keywords or []),
        "valid_until": a.valid_until.isoformat() if a.valid_until else "",
        "domain": a.domain or "其他", "category": cats.get(a.category_id, ""),
        "owner_unit": units.get(a.owner_unit_id, ""),
    }


def snapshot(a: KbArticle, units: dict[int, str], cats: dict[int, str]) -> dict:
    """An article as a change was made on: its text and whether it is retired. A pending
    change is stale once the article no longer matches the snapshot it was submitted on."""
    return dict(article_data(a, units, cats), retired=a.retired_at is not None)


def proposal_from_answer(content: str, answer: str, domain: str, category: str,
                         unit_code: str, now: datetime) -> tuple[str, dict]:
    """A new article drafted from an expert's answer (its id and text): the caller's words are
    its first phrasing; the reviewer reads the title before it is published."""
    said = " ".join(content.split())
    key = hashlib.sha1(f"{said}|{answer}|{uuid.uuid4().hex}".encode()).hexdigest()[:6].upper()
    return f"KB-ZJ-{now:%y%m%d}-{key}", {
        "title": said[:40] or "专家答复", "phrasings": [said[:200]] if said else [],
        "answer": answer, "policy_basis": "", "keywords": [], "valid_until": "",
        "domain": domain or "其他", "category": category, "owner_unit": unit_code}


class KbReviewService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock,
                 catalog: CatalogService) -> None:
        self._factory = factory
        self._clock = clock
        self._catalog = catalog

    # ------------------------------------------------------------------ look-ups
    @staticmethod
    def _maps(s: Session) -> tuple[dict[int, str], dict[str, int], dict[int, str], dict[str, int]]:
        units = dict(s.execute(select(Unit.id, Unit.code)).all())
        cats = dict(s.execute(select(Category.id, Category.path)).all())
        return units, {v: k for k, v in units.items()}, cats, {v: k for k, v in cats.items()}

    def _unit_of(self, author: OperatorInfo) -> int | None:
        if author.role not in AUTHOR_ROLES:
            raise PermissionDenied("只有承办单位的联络员可以维护本单位的知识库条目")
        if author.role is Role.UNIT_LIAISON and author.unit_id is None:
            raise PermissionDenied("您的账号未关联承办单位，请联系管理员")
        return author.unit_id

    @staticmethod
    def _owned(author: OperatorInfo, unit_id: int | None, article: KbArticle) -> None:
        """A liaison changes only the own unit's articles (an administrator: any)."""
        if author.role is Role.UNIT_LIAISON and article.owner_unit_id != unit_id:
            raise PermissionDenied(f"条目 {article.id} 不是本单位负责的，不能修改")

    def unit_articles(self, author: OperatorInfo, query: str = "") -> list[UnitArticle]:
        """The unit's own articles (an administrator: every article), newest change first."""
        unit_id = self._unit_of(author)
        q = query.strip()
        with self._factory() as s:
            cats = dict(s.execute(select(Category.id, Category.path)).all())
            stmt = select(KbArticle).order_by(KbArticle.updated_at.desc(), KbArticle.id)
            if author.role is Role.UNIT_LIAISON:
                stmt = stmt.where(KbArticle.owner_unit_id == unit_id)
            if q:
                like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                stmt = stmt.where(KbArticle.title.like(like, escape="\\")
                                  | KbArticle.id.like(like, escape="\\"))
            rows = s.scalars(stmt.limit(1000)).all()
            pending = dict(s.execute(
                select(KbRevision.article_id, func.count())
                .where(KbRevision.status == RevisionStatus.PENDING.value,
                       KbRevision.article_id.in_([a.id for a in rows] or [""]))
                .group_by(KbRevision.article_id)).all())
            return [UnitArticle(a.id, a.title, a.valid_until, a.retired_at is not None,
                                a.revision or 0, int(pending.get(a.id, 0)),
                                cats.get(a.category_id, "")) for a in rows]

    def current(self, author: OperatorInfo, article_id: str) -> dict:
        """The article's text as published, to start an edit from."""
        unit_id = self._unit_of(author)
        with self._factory() as s:
            a = s.get(KbArticle, article_id)
            if a is None:
                raise NotFound(f"知识库条目 {_visible(article_id, 40)} 不存在")
            self._owned(author, unit_id, a)
            units, _, cats, _ = self._maps(s)
            return article_data(a, units, cats)

    def starting_point(self, author: OperatorInfo,
                       article_id: str) -> tuple[dict, RevisionRow | None]:
        """The text an edit of ``article_id`` starts from: the unit's latest change of it while
        that waits for review or came back rejected (to fix and send again), with that change;
        else the article as published (and None)."""
        unit_id = self._unit_of(author)
        with self._factory() as s:
            article = s.get(KbArticle, article_id)
            if article is not None:
                self._owned(author, unit_id, article)
            stmt = select(KbRevision).where(KbRevision.article_id == article_id)
            if author.role is Role.UNIT_LIAISON:
                stmt = stmt.where(KbRevision.unit_id == unit_id)
            latest = s.scalars(stmt.order_by(KbRevision.id.desc()).limit(1)).first()
            if latest is not None and latest.action != RevisionAction.RETIRE \
                    and latest.status in (RevisionStatus.PENDING, RevisionStatus.REJECTED):
                (row,) = self._rows(s, select(KbRevision).where(KbRevision.id == latest.id))
                return dict(latest.data), row
            if article is None:
                raise NotFound(f"知识库条目 {_visible(article_id, 40)} 不存在")
            units, _, cats, _ = self._maps(s)
            return article_data(article, units, cats), None

    # ------------------------------------------------------------------ validation
    def validate(self, data: dict, unit_code: str | None) -> tuple[dict, dict[str, str]]:
        """The fields of an edit, cleaned, and a Chinese message per bad field."""
        with self._factory() as s:
            _, unit_ids, _, cat_ids = self._maps(s)
        return self._clean(data, unit_code, unit_ids, cat_ids)

    @staticmethod
    def _clean(data: dict, unit_code: str | None, unit_ids: dict[str, int],
               cat_ids: dict[str, int]) -> tuple[dict, dict[str, str]]:
        errors: dict[str, str] = {}
        texts = _clean_texts(data, errors)
        lists = {name: _clean_list(data.get(name), name, errors) for name in ("phrasings", "keywords")}
        try:
            valid = _date(data.get("valid_until"))
        except ValueError:
            valid = str(data.get("valid_until"))
            errors["valid_until"] = "有效期应为 YYYY-MM-DD，例如 2027-12-31"
        category = str(data.get("category") or "").strip()
        if category and category not in cat_ids:
            errors["category"] = f"诉求分类“{_visible(category, 40)}”不存在"
        owner = str(data.get("owner_unit") or "").strip() or (unit_code or "")
        if unit_code and owner != unit_code:
            errors["owner_unit"] = (f"只能维护本单位（{unit_code}）的条目，"
                                    f"不能改为 {_visible(owner, 20)}")
        elif owner and owner not in unit_ids:
            errors["owner_unit"] = f"责任单位编码 {_visible(owner, 20)} 不存在"
        clean = {"title": texts["title"], "phrasings": lists["phrasings"],
                 "answer": texts["answer"], "policy_basis": texts["policy_basis"],
                 "keywords": lists["keywords"], "valid_until": valid, "domain": texts["domain"],
                 "category": category, "owner_unit": owner}
        return clean, errors

    # ------------------------------------------------------------------ submitting
    def submit(self, author: OperatorInfo, article_id: str | None, data: dict,
               *, source: str = "liaison") -> int:
        """A new article (``article_id`` None: numbered here) or an edit, sent for review.
        A change of the same article still waiting is replaced (withdrawn) by this one."""
        unit_id = self._unit_of(author)
        with self._factory.begin() as s:
            units, unit_ids, cats, cat_ids = self._maps(s)
            code = units.get(unit_id) if author.role is Role.UNIT_LIAISON else None
            clean, errors = self._clean(data, code, unit_ids, cat_ids)
            if errors:
                raise ValidationFailed(errors)
            article = s.get(KbArticle, article_id) if article_id else None
            if article is not None and article.retired_at is None \
                    and article_data(article, units, cats) == clean:
                raise ServiceError("内容与当前发布的版本相同，没有需要审核的修改")
            revision = self._add(s, author, unit_id, article_id, clean, units, cats,
                                 source=source, batch=None)
            notify_in(s, KB)
            return revision.id

    def _add(self, s: Session, author: OperatorInfo, unit_id: int | None, article_id: str | None,
             clean: dict, units: dict, cats: dict, *, source: str, batch: str | None,
             action: RevisionAction | None = None) -> KbRevision:
        article = s.get(KbArticle, article_id) if article_id else None
        if article is not None:
            self._owned(author, unit_id, article)
        if article_id is None:
            article_id = self._new_id(s, units.get(unit_id) or "ZX")
        before = snapshot(article, units, cats) if article is not None else None
        if action is None:  # editing a retired article publishes it again
            action = RevisionAction.EDIT if article is not None else RevisionAction.CREATE
        s.execute(update(KbRevision)
                  .where(KbRevision.article_id == article_id,
                         KbRevision.status == RevisionStatus.PENDING.value,
                         KbRevision.author_id == author.id)
                  .values(status=RevisionStatus.WITHDRAWN.value, reason="已由新的修改替代")
                  .execution_options(synchronize_session=False))
        row = KbRevision(article_id=article_id, action=action.value,
                         status=RevisionStatus.PENDING.value, data=clean, before=before,
                         unit_id=unit_id, author_id=author.id, created_at=self._clock.now(),
                         source=source, batch=batch, reason="")
        s.add(row)
        s.flush()
        return row

    @staticmethod
    def _new_id(s: Session, unit_code: str) -> str:
        prefix = f"KB-{unit_code.upper()[:12]}-"
        taken = set(s.scalars(select(KbArticle.id).where(KbArticle.id.like(prefix + "%"))))
        taken |= set(s.scalars(select(KbRevision.article_id)
                               .where(KbRevision.article_id.like(prefix + "%"))))
        n = len(taken) + 1
        while f"{prefix}{n:03d}" in taken:
            n += 1
        return f"{prefix}{n:03d}"

    def retire(self, author: OperatorInfo, article_id: str, reason: str) -> int:
        """Retire an article (the policy ended); after review it leaves the seats' search."""
        unit_id = self._unit_of(author)
        if msg := check_text("停用原因", reason, required=True, min_len=2, max_len=500):
            raise ValidationFailed({"reason": msg})
        with self._factory.begin() as s:
            units, _, cats, _ = self._maps(s)
            article = s.get(KbArticle, article_id)
            if article is None:
                raise NotFound(f"知识库条目 {_visible(article_id, 40)} 不存在")
            self._owned(author, unit_id, article)
            if article.retired_at is not None:
                raise ServiceError(f"条目 {article_id} 已停用")
            data = dict(article_data(article, units, cats), retire_reason=reason.strip())
            row = self._add(s, author, unit_id, article_id, data, units, cats, source="liaison",
                            batch=None, action=RevisionAction.RETIRE)
            notify_in(s, KB)
            return row.id

    def withdraw(self, author: OperatorInfo, revision_id: int) -> None:
        with self._factory.begin() as s:
            row = s.get(KbRevision, revision_id, with_for_update=True)
            if row is None:
                raise NotFound("修改记录不存在")
            if row.author_id != author.id and author.role is not Role.ADMIN:
                raise PermissionDenied("只能撤回自己提交的修改")
            if row.status != RevisionStatus.PENDING:
                raise ServiceError(
                    f"这条修改{done_label(RevisionStatus(row.status).label)}，不能撤回")
            row.status = RevisionStatus.WITHDRAWN.value
            notify_in(s, KB)

    def submit_batch(self, author: OperatorInfo, path: Path) -> BatchReport:
        """A unit's latest policies as a file (CSV, XLSX, JSON Lines: the ``kb import``
        formats): every row valid or nothing is sent; each row's article is new or an edit."""
        unit_id = self._unit_of(author)
        rows = _read_batch(path)
        batch = f"{self._clock.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self._factory.begin() as s:
            maps = self._maps(s)
            code = maps[0].get(unit_id) if author.role is Role.UNIT_LIAISON else None
            cleaned, errors = self._check_batch(s, rows, code, maps)
            if errors:
                raise ValidationFailed(errors)
            report = [self._batch_row(s, author, unit_id, n, art_id, clean, maps, batch)
                      for n, art_id, clean in cleaned]
            notify_in(s, KB)
        return BatchReport(batch, tuple(report))

    def _check_batch(self, s: Session, rows: list[dict], code: str | None,
                     maps) -> tuple[list[tuple[int, str | None, dict]], dict[str, str]]:
        """Every row cleaned, or a message for each bad row (“第3行”: why)."""
        units, unit_ids, _cats, cat_ids = maps
        errors: dict[str, str] = {}
        cleaned: list[tuple[int, str | None, dict]] = []
        seen: set[str] = set()
        for n, raw in enumerate(rows, 1):
            key = f"第{n}行"
            art_id = str(raw.get("id") or "").strip() or None
            if art_id and (msg := check_text("编号", art_id, max_len=40, allow_emoji=False)):
                errors[key] = msg
                continue
            if art_id in seen:
                errors[key] = f"编号 {art_id} 在文件中重复"
                continue
            if art_id:
                seen.add(art_id)
            clean, bad = self._clean(raw, code, unit_ids, cat_ids)
            if bad:
                errors[key] = (f"{art_id}：" if art_id else "") + "；".join(bad.values())
                continue
            article = s.get(KbArticle, art_id) if art_id and code else None
            if article is not None and units.get(article.owner_unit_id) != code:
                errors[key] = f"{art_id}：不是本单位负责的条目"
                continue
            cleaned.append((n, art_id, clean))
        return cleaned, errors

    def _batch_row(self, s: Session, author: OperatorInfo, unit_id: int | None, n: int,
                   art_id: str | None, clean: dict, maps, batch: str) -> tuple[int, str, str]:
        units, _unit_ids, cats, _cat_ids = maps
        article = s.get(KbArticle, art_id) if art_id else None
        if article is not None and article.retired_at is None \
                and article_data(article, units, cats) == clean:
            return n, art_id, "无变化"
        row = self._add(s, author, unit_id, art_id, clean, units, cats, source="batch",
                        batch=batch)
        return n, row.article_id, RevisionAction(row.action).label

    # ------------------------------------------------------------------ lists and details
    def _rows(self, s: Session, stmt) -> list[RevisionRow]:
        revs = s.scalars(stmt.limit(1000)).all()
        people = dict(s.execute(select(Operator.id, Operator.staff_no + " " + Operator.name)
                                .where(Operator.id.in_({r.author_id for r in revs}
                                                       | {r.reviewer_id for r in revs if r.reviewer_id}
                                                       or {-1}))).all())
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        stale = self._stale_ids(s, [r for r in revs if r.status == RevisionStatus.PENDING])
        return [RevisionRow(r.id, r.article_id, str((r.data or {}).get("title", "")), r.action,
                            r.status, r.source, units.get(r.unit_id, ""),
                            people.get(r.author_id, ""), r.created_at,
                            people.get(r.reviewer_id, ""), r.reviewed_at, r.reason or "",
                            r.number, r.batch, r.id in stale) for r in revs]

    def _stale_ids(self, s: Session, pending: list[KbRevision]) -> set[int]:
        """The pending changes whose article no longer is what they were made on (another
        change published meanwhile, or a new article's number taken by another)."""
        if not pending:
            return set()
        units, _, cats, _ = self._maps(s)
        ids = sorted({r.article_id for r in pending})
        articles: dict[str, KbArticle] = {}
        for at in range(0, len(ids), 500):  # under the SQL variable limit
            articles.update((a.id, a) for a in s.scalars(
                select(KbArticle).where(KbArticle.id.in_(ids[at:at + 500]))))
        now = {i: snapshot(a, units, cats) for i, a in articles.items()}
        return {r.id for r in pending if now.get(r.article_id) != r.before}

    def mine(self, author: OperatorInfo) -> list[RevisionRow]:
        """The changes the unit sent, newest first (with the reviewer's reason if returned)."""
        unit_id = self._unit_of(author)
        with self._factory() as s:
            stmt = select(KbRevision).order_by(KbRevision.created_at.desc(), KbRevision.id.desc())
            if author.role is Role.UNIT_LIAISON:
                stmt = stmt.where(KbRevision.unit_id == unit_id)
            return self._rows(s, stmt)

    def pending(self, reviewer: OperatorInfo) -> list[RevisionRow]:
        """What waits for the centre, oldest first."""
        self._check_reviewer(reviewer)
        with self._factory() as s:
            return self._rows(s, select(KbRevision)
                              .where(KbRevision.status == RevisionStatus.PENDING.value)
                              .order_by(KbRevision.created_at, KbRevision.id))

    def pending_count(self) -> int:
        with self._factory() as s:
            return s.scalar(select(func.count()).select_from(KbRevision).where(
                KbRevision.status == RevisionStatus.PENDING.value)) or 0

    def history(self, viewer: OperatorInfo, article_id: str) -> list[RevisionRow]:
        """Every change of one article, newest first. A liaison sees the history of the own
        unit's articles (and of the unit's proposals not yet published)."""
        with self._factory() as s:
            stmt = select(KbRevision).where(KbRevision.article_id == article_id)
            if viewer.role is Role.UNIT_LIAISON:
                article = s.get(KbArticle, article_id)
                if article is not None and article.owner_unit_id != viewer.unit_id:
                    raise PermissionDenied("只能查看本单位条目的版本历史")
                if article is None:
                    stmt = stmt.where(KbRevision.unit_id == viewer.unit_id)
            return self._rows(s, stmt.order_by(KbRevision.id.desc()))

    def detail(self, viewer: OperatorInfo, revision_id: int) -> RevisionDetail:
        with self._factory() as s:
            rev = s.get(KbRevision, revision_id)
            if rev is None:
                raise NotFound("修改记录不存在")
            if viewer.role is Role.UNIT_LIAISON and rev.unit_id != viewer.unit_id:
                raise PermissionDenied("只能查看本单位的修改")
            (row,) = self._rows(s, select(KbRevision).where(KbRevision.id == revision_id))
            return RevisionDetail(row, dict(rev.data), self._changes(rev.before, rev.data,
                                                                     rev.action), row.stale)

    @staticmethod
    def _changes(before: dict | None, after: dict, action: str) -> tuple[FieldChange, ...]:
        before = before or {}
        out = []
        if action == RevisionAction.EDIT and before.get("retired"):
            out.append(FieldChange("retired", "状态", "已停用", "有效（重新启用）"))
        for name in FIELDS:
            old, new = _show(name, before.get(name)), _show(name, after.get(name))
            if old != new or (action == RevisionAction.CREATE and new):
                out.append(FieldChange(name, FIELD_LABELS[name], old, new))
        if action == RevisionAction.RETIRE:
            out.append(FieldChange("retire", "停用原因", "", str(after.get("retire_reason", ""))))
        return tuple(out)

    # ------------------------------------------------------------------ review
    def _check_reviewer(self, reviewer: OperatorInfo) -> None:
        if reviewer.role not in REVIEW_ROLES:
            raise PermissionDenied("只有中心的值班长或管理员可以审核知识库修改")

    def _pending_for_review(self, s: Session, revision_id: int) -> KbRevision:
        rev = s.get(KbRevision, revision_id, with_for_update=True)
        if rev is None:
            raise NotFound("修改记录不存在")
        if rev.status != RevisionStatus.PENDING:
            raise ServiceError(f"这条修改{done_label(RevisionStatus(rev.status).label)}")
        return rev

    def approve(self, reviewer: OperatorInfo, revision_id: int) -> str:
        """Publish: the article takes the change as its next version; the KB version moves
        on, so every console's live index takes it within seconds."""
        self._check_reviewer(reviewer)
        now = self._clock.now()
        with self._factory.begin() as s:
            rev = self._pending_for_review(s, revision_id)
            units, unit_ids, cats, cat_ids = self._maps(s)
            # locked: two reviewers publishing changes of one article wait for each other
            article = s.get(KbArticle, rev.article_id, with_for_update=True)
            if article is None and rev.action != RevisionAction.CREATE:
                raise ServiceError(f"条目 {rev.article_id} 已不存在")
            if article is not None and snapshot(article, units, cats) != rev.before:
                raise ServiceError("条目在提交后已有新的版本发布，请退回，由单位在新版本上重新修改")
            if article is None:
                article = KbArticle(id=rev.article_id, revision=0)
                s.add(article)
            if rev.action == RevisionAction.RETIRE:
                article.retired_at = now
            else:
                _publish(article, rev, unit_ids, cat_ids)
            article.updated_at = now
            article.revision = (article.revision or 0) + 1
            rev.status = RevisionStatus.APPROVED.value
            rev.number = article.revision
            rev.reviewer_id = reviewer.id
            rev.reviewed_at = now
            self._bump_version(s, now)
            notify_in(s, KB)
            try:
                s.flush()
            except IntegrityError as exc:  # the same new number published by another meanwhile
                raise ServiceError(f"条目 {rev.article_id} 已由他人发布，请刷新后重新审核") from exc
            return rev.article_id

    def reject(self, reviewer: OperatorInfo, revision_id: int, reason: str) -> None:
        self._check_reviewer(reviewer)
        if msg := check_text("退回原因", reason, required=True, min_len=2, max_len=500,
                             allow_newlines=True):
            raise ValidationFailed({"reason": msg})
        with self._factory.begin() as s:
            rev = self._pending_for_review(s, revision_id)
            rev.status = RevisionStatus.REJECTED.value
            rev.reason = reason.strip()
            rev.reviewer_id = reviewer.id
            rev.reviewed_at = self._clock.now()
            notify_in(s, KB)

    @staticmethod
    def _bump_version(s: Session, now: datetime) -> None:
        from agent_console.services.knowledge import bump_kb_version

        bump_kb_version(s, now)


def _clean_texts(data: dict, errors: dict[str, str]) -> dict[str, str]:
    """Title, answer, policy basis and domain, stripped; a message in ``errors`` per bad one."""
    title = str(data.get("title") or "")
    answer = str(data.get("answer") if data.get("answer") is not None else data.get("body") or "")
    basis = str(data.get("policy_basis") or "")
    domain = str(data.get("domain") or "").strip() or "其他"
    checks = (("title", check_text("标题", title, required=True, min_len=4, max_len=200)),
              ("answer", check_text("答复口径", answer, required=True, min_len=10, max_len=20000,
                                    allow_newlines=True)),
              ("policy_basis", check_text("政策依据", basis, max_len=2000, allow_newlines=True)),
              ("domain", check_text("领域", domain, max_len=20)))
    errors.update((name, msg) for name, msg in checks if msg)
    return {"title": title.strip(), "answer": answer.strip(), "policy_basis": basis.strip(),
            "domain": domain}


def _clean_list(value, name: str, errors: dict[str, str]) -> list[str]:
    """常见问法 (one a line) or 关键词 (also split at commas and 、) as items."""
    label = FIELD_LABELS[name]
    items = _lines(value, KEYWORD_SEPARATORS if name == "keywords" else "")
    if len(items) > MAX_LIST_ITEMS:
        errors[name] = f"{label}最多{MAX_LIST_ITEMS}条，现有{len(items)}条"
    for item in items:
        if msg := check_text(label, item, max_len=200 if name == "phrasings" else 40):
            errors[name] = f"“{_visible(item, 12)}”：{msg}"
            break
    return items


def _publish(article: KbArticle, rev: KbRevision, unit_ids: dict[str, int],
             cat_ids: dict[str, int]) -> None:
    """The change's text onto the article (published again if it was retired)."""
    data = rev.data
    article.title = data["title"]
    article.phrasings = list(data.get("phrasings") or [])
    article.answer = data["answer"]
    article.policy_basis = data.get("policy_basis") or ""
    article.keywords = list(data.get("keywords") or [])
    article.valid_until = date.fromisoformat(data["valid_until"]) \
        if data.get("valid_until") else None
    article.domain = data.get("domain") or "其他"
    article.category_id = cat_ids.get(data.get("category") or "")
    article.owner_unit_id = unit_ids.get(data.get("owner_unit") or "", rev.unit_id)
    article.retired_at = None


def _read_batch(path: Path) -> list[dict]:
    """The rows of a batch file, or a ServiceError that says why there are none."""
    from openpyxl.utils.exceptions import InvalidFileException

    from agent_console.services.knowledge import read_rows

    try:
        rows = read_rows(path)
    except ServiceError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError, csv.Error, zipfile.BadZipFile,
            InvalidFileException) as exc:
        raise ServiceError(f"无法读取文件 {_visible(path.name, 60)}："
                           f"不是有效的 CSV、XLSX 或 JSONL 文件（{exc.__class__.__name__}）") from exc
    if not rows:
        raise ServiceError("文件中没有知识库条目")
    if len(rows) > MAX_BATCH:
        raise ServiceError(f"一次最多提交 {MAX_BATCH} 条，文件中有 {len(rows)} 条")
    return rows
