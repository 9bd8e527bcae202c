"""Training: the scenario library, trainers' sets and assignments, attempts and progress.

Scenarios come from files (data/training/, services.scenarios) and from KB articles. Sets,
assignments and attempts live in the real database (tables training_*); the simulated calls
themselves run over practice databases (services.practice), so no attempt is ever a call, an
order or a figure in a report.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Role
from agent_console.domain.text import check_text
from agent_console.domain.training import ACTION_LABELS, NOT_ENDED, Debrief, Handling, Scenario
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import PermissionDenied, ServiceError, ValidationFailed
from agent_console.services.scenarios import KB_PREFIX, Catalogue, Loaded, from_article, load_scenarios
from agent_console.store.models import (
    Operator,
    TrainingAssignment,
    TrainingAttempt,
    TrainingSet,
    TrainingSetItem,
)

TRAINERS = frozenset({Role.TRAINER, Role.ADMIN})
TRAINEES = frozenset({Role.SEAT_AGENT, Role.TRAINER, Role.ADMIN})
SET_NAME_MAX = 60
SET_MAX_SCENARIOS = 100


@dataclass(frozen=True)
class SetInfo:
    id: int
    name: str
    description: str
    scenario_ids: tuple[str, ...]
    created_by: str  # "staff number name"
    created_at: datetime
    trainees: tuple[str, ...]  # "staff number name" of each assigned


@dataclass(frozen=True)
class AssignmentInfo:
    set_id: int
    set_name: str
    scenario_ids: tuple[str, ...]
    done: tuple[str, ...]  # scenarios of the set this trainee has passed
    assigned_at: datetime


@dataclass(frozen=True)
class AttemptInfo:
    id: int
    trainee_no: str
    trainee_name: str
    scenario_id: str
    scenario_title: str
    set_name: str
    started_at: datetime
    seconds: float
    score: float
    passed: bool
    outcome: str  # the label (直接答复 …), or 未结束通话
    debrief: dict


@dataclass(frozen=True)
class ScenarioFailures:
    scenario_id: str
    title: str
    attempts: int
    failed: int
    mean_score: float

    @property
    def fail_rate(self) -> float:
        return self.failed / self.attempts if self.attempts else 0.0


def debrief_to_dict(debrief: Debrief, handling: Handling) -> dict:
    data = asdict(debrief)
    data["passed"] = debrief.passed
    data["handling"] = {
        "action": handling.action.value if handling.action else None,
        "request_type": handling.request_type, "category": handling.category,
        "lead_unit": handling.lead_unit, "co_handlers": list(handling.co_handlers),
        "kb_article": handling.kb_article, "reason": handling.reason,
        "services": list(handling.services), "warning": handling.warning,
        "asked": list(handling.asked),
    }
    return data


class TrainingService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, scenario_dir: Path,
                 catalogue) -> None:
        """``catalogue``: a callable returning the Catalogue (read when first needed)."""
        self._factory = factory
        self._clock = clock
        self.scenario_dir = scenario_dir
        self._catalogue_of = catalogue
        self._catalogue: Catalogue | None = None
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the library
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = self._catalogue_of()
        return self._catalogue

    def library(self, reload: bool = False) -> Loaded:
        """The scenario files, checked (a file with errors is left out; ``errors`` says why)."""
        with self._lock:
            if self._loaded is None or reload:
                self._loaded = load_scenarios(self.scenario_dir, self.catalogue())
            return self._loaded

    def scenario(self, scenario_id: str) -> Scenario:
        """A file's scenario, or ``kb:ID`` for a practice call made from a KB article."""
        if scenario_id.startswith(KB_PREFIX):
            article_id = scenario_id[len(KB_PREFIX):]
            catalogue = self.catalogue()
            if article_id not in catalogue.articles:
                raise ServiceError(f"知识库条目 {article_id} 不存在，无法生成练习")
            return from_article(article_id, catalogue, self._phrasings(article_id))
        for scenario in self.library().scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise ServiceError(f"培训场景 {scenario_id} 不存在（或其文件有错误，可运行 agent-console train validate 查看）")

    def _phrasings(self, article_id: str) -> tuple[str, ...]:
        from agent_console.store.models import KbArticle

        with self._factory() as s:
            article = s.get(KbArticle, article_id)
            return tuple(article.phrasings or ()) if article is not None else ()

    def random_article_scenario(self, seed: int | None = None) -> Scenario:
        """A practice call from a KB article with common phrasings (never runs out)."""
        import random

        from agent_console.store.models import KbArticle

        with self._factory() as s:
            ids = [a for a, p in s.execute(select(KbArticle.id, KbArticle.phrasings)) if p]
        if not ids:
            raise ServiceError("知识库中没有带常见问法的条目，无法生成练习")
        return self.scenario(KB_PREFIX + random.Random(seed).choice(sorted(ids)))

    # ------------------------------------------------------------------ sets (trainers)
    @staticmethod
    def _check_trainer(operator: OperatorInfo) -> None:
        if operator.role not in TRAINERS:
            raise PermissionDenied("只有培训师可以管理培训场景组")

    def sets(self) -> list[SetInfo]:
        with self._factory() as s:
            staff = {i: f"{no} {name}" for i, no, name in
                     s.execute(select(Operator.id, Operator.staff_no, Operator.name))}
            items: dict[int, list[str]] = defaultdict(list)
            for row in s.scalars(select(TrainingSetItem).order_by(TrainingSetItem.set_id,
                                                                  TrainingSetItem.position)):
                items[row.set_id].append(row.scenario_id)
            trainees: dict[int, list[str]] = defaultdict(list)
            for a in s.scalars(select(TrainingAssignment).order_by(TrainingAssignment.id)):
                trainees[a.set_id].append(staff.get(a.trainee_id, "?"))
            return [SetInfo(t.id, t.name, t.description, tuple(items[t.id]),
                            staff.get(t.created_by, "?"), t.created_at, tuple(trainees[t.id]))
                    for t in s.scalars(select(TrainingSet).order_by(TrainingSet.id))]

    def save_set(self, operator: OperatorInfo, name: str, scenario_ids: list[str],
                 description: str = "", set_id: int | None = None) -> SetInfo:
        """Create a set (``set_id`` None) or replace its name and scenarios; all at once."""
        self._check_trainer(operator)
        errors: dict[str, str] = {}
        if msg := check_text("场景组名称", name, required=True, max_len=SET_NAME_MAX,
                             allow_emoji=False):
            errors["name"] = msg
        if msg := check_text("说明", description, max_len=300, allow_newlines=True):
            errors["description"] = msg
        ids = list(dict.fromkeys(i.strip() for i in scenario_ids if i.strip()))
        if not ids:
            errors["scenarios"] = "场景组至少要有一个场景"
        elif len(ids) > SET_MAX_SCENARIOS:
            errors["scenarios"] = f"一个场景组最多 {SET_MAX_SCENARIOS} 个场景"
        else:
            unknown = []
            for sid in ids:
                try:
                    self.scenario(sid)
                except ServiceError:
                    unknown.append(sid)
            if unknown:
                errors["scenarios"] = f"场景不存在：{'、'.join(unknown[:5])}"
        if errors:
            raise ValidationFailed(errors)
        try:
            with self._factory.begin() as s:
                if set_id is None:
                    row = TrainingSet(name=name.strip(), description=description.strip(),
                                      created_by=operator.id, created_at=self._clock.now())
                    s.add(row)
                    s.flush()
                else:
                    row = s.get(TrainingSet, set_id)
                    if row is None:
                        raise ServiceError("场景组不存在或已被删除")
                    row.name, row.description = name.strip(), description.strip()
                    s.execute(delete(TrainingSetItem).where(TrainingSetItem.set_id == set_id))
                s.add_all(TrainingSetItem(set_id=row.id, position=i, scenario_id=sid)
                          for i, sid in enumerate(ids))
                new_id = row.id
        except IntegrityError:
            raise ValidationFailed({"name": f"已有名为“{name.strip()}”的场景组"}) from None
        return next(x for x in self.sets() if x.id == new_id)

    def assign(self, operator: OperatorInfo, set_id: int, staff_nos: list[str]) -> int:
        """Assign a set to seat agents by staff number; already assigned ones are left as
        they are. Returns how many were newly assigned."""
        self._check_trainer(operator)
        wanted = list(dict.fromkeys(n.strip() for n in staff_nos if n.strip()))
        if not wanted:
            raise ValidationFailed({"trainees": "请填写学员工号"})
        with self._factory.begin() as s:
            if s.get(TrainingSet, set_id) is None:
                raise ServiceError("场景组不存在或已被删除")
            rows = {o.staff_no: o for o in s.scalars(
                select(Operator).where(Operator.staff_no.in_(wanted)))}
            missing = [n for n in wanted if n not in rows]
            wrong = [n for n in wanted if n in rows and rows[n].role not in
                     {r.value for r in TRAINEES}]
            if missing or wrong:
                parts = []
                if missing:
                    parts.append(f"工号不存在：{'、'.join(missing)}")
                if wrong:
                    parts.append(f"不是坐席人员：{'、'.join(wrong)}")
                raise ValidationFailed({"trainees": "；".join(parts)})
            have = set(s.scalars(select(TrainingAssignment.trainee_id)
                                 .where(TrainingAssignment.set_id == set_id)))
            added = 0
            for n in wanted:
                if rows[n].id not in have:
                    s.add(TrainingAssignment(set_id=set_id, trainee_id=rows[n].id,
                                             assigned_by=operator.id, assigned_at=self._clock.now()))
                    added += 1
            return added

    def unassign(self, operator: OperatorInfo, set_id: int, staff_nos: list[str]) -> int:
        """Take a set back from trainees (their attempts stay). Returns how many."""
        self._check_trainer(operator)
        wanted = [n.strip() for n in staff_nos if n.strip()]
        if not wanted:
            raise ValidationFailed({"trainees": "请填写学员工号"})
        with self._factory.begin() as s:
            ids = list(s.scalars(select(Operator.id).where(Operator.staff_no.in_(wanted))))
            return s.execute(delete(TrainingAssignment).where(
                TrainingAssignment.set_id == set_id,
                TrainingAssignment.trainee_id.in_(ids))).rowcount or 0

    def delete_set(self, operator: OperatorInfo, set_id: int) -> str:
        """Delete a set with its assignments, in one transaction; the attempts made in it stay,
        with the set's name. Returns the name."""
        self._check_trainer(operator)
        with self._factory.begin() as s:
            row = s.get(TrainingSet, set_id)
            if row is None:
                raise ServiceError("场景组不存在或已被删除")
            name = row.name
            s.execute(update(TrainingAttempt).where(TrainingAttempt.set_id == set_id)
                      .values(set_id=None, set_name=name))
            s.execute(delete(TrainingAssignment).where(TrainingAssignment.set_id == set_id))
            s.execute(delete(TrainingSetItem).where(TrainingSetItem.set_id == set_id))
            s.delete(row)
        return name

    def assignments(self, trainee: OperatorInfo) -> list[AssignmentInfo]:
        with self._factory() as s:
            rows = s.execute(
                select(TrainingAssignment, TrainingSet)
                .join(TrainingSet, TrainingSet.id == TrainingAssignment.set_id)
                .where(TrainingAssignment.trainee_id == trainee.id)
                .order_by(TrainingAssignment.assigned_at.desc(), TrainingAssignment.id.desc())
            ).all()
            passed = set(s.scalars(select(TrainingAttempt.scenario_id).where(
                TrainingAttempt.trainee_id == trainee.id, TrainingAttempt.passed.is_(True))))
            out = []
            for a, t in rows:
                ids = tuple(s.scalars(select(TrainingSetItem.scenario_id)
                                      .where(TrainingSetItem.set_id == t.id)
                                      .order_by(TrainingSetItem.position)))
                out.append(AssignmentInfo(t.id, t.name, ids, tuple(i for i in ids if i in passed),
                                          a.assigned_at))
            return out

    # ------------------------------------------------------------------ attempts
    def record_attempt(self, trainee: OperatorInfo, scenario: Scenario, started_at: datetime,
                       debrief: Debrief, handling: Handling, set_id: int | None = None) -> int:
        if trainee.role not in TRAINEES:
            raise PermissionDenied("只有坐席人员和培训师可以参加模拟来电")
        with self._factory.begin() as s:
            kept_set = s.get(TrainingSet, set_id) if set_id is not None else None
            row = TrainingAttempt(
                trainee_id=trainee.id, set_id=kept_set.id if kept_set else None,
                set_name=kept_set.name if kept_set else None, scenario_id=scenario.id,
                scenario_title=scenario.title[:80], started_at=started_at,
                ended_at=self._clock.now(), seconds=round(debrief.seconds, 1),
                score=debrief.total, passed=debrief.passed,
                outcome=handling.action.value if handling.action else None,
                debrief=debrief_to_dict(debrief, handling))
            s.add(row)
            s.flush()
            return row.id

    def attempts(self, viewer: OperatorInfo, trainee_no: str | None = None,
                 limit: int = 500) -> list[AttemptInfo]:
        """Newest first. Trainers see everyone's; a seat agent only their own."""
        if viewer.role not in TRAINERS:
            trainee_no = viewer.staff_no
        with self._factory() as s:
            stmt = (select(TrainingAttempt, Operator, TrainingSet.name)
                    .join(Operator, Operator.id == TrainingAttempt.trainee_id)
                    .outerjoin(TrainingSet, TrainingSet.id == TrainingAttempt.set_id)
                    .order_by(TrainingAttempt.ended_at.desc(), TrainingAttempt.id.desc())
                    .limit(limit))
            if trainee_no:
                stmt = stmt.where(Operator.staff_no == trainee_no)
            return [self._attempt(a, o, set_name) for a, o, set_name in s.execute(stmt)]

    @staticmethod
    def _attempt(a: TrainingAttempt, o: Operator, set_name: str | None) -> AttemptInfo:
        from agent_console.domain.enums import Outcome

        outcome = ACTION_LABELS.get(Outcome(a.outcome)) if a.outcome else NOT_ENDED
        name = set_name or (f"{a.set_name}（已删除）" if a.set_name else "自选练习")
        return AttemptInfo(a.id, o.staff_no, o.name, a.scenario_id, a.scenario_title,
                           name, a.started_at, a.seconds, a.score, a.passed,
                           outcome or a.outcome or "", a.debrief or {})

    def most_failed(self, viewer: OperatorInfo, limit: int = 10) -> list[ScenarioFailures]:
        self._check_trainer(viewer)
        with self._factory() as s:
            rows = s.execute(
                select(TrainingAttempt.scenario_id, func.max(TrainingAttempt.scenario_title),
                       func.count(), func.avg(TrainingAttempt.score),
                       func.sum(case((TrainingAttempt.passed.is_(True), 1), else_=0)))
                .group_by(TrainingAttempt.scenario_id)).all()
        out = [ScenarioFailures(sid, title, n, n - int(passed or 0), round(float(mean or 0), 1))
               for sid, title, n, mean, passed in rows]
        out.sort(key=lambda f: (-f.fail_rate, -f.failed, f.mean_score, f.scenario_id))
        return [f for f in out if f.failed][:limit]

    def trainees(self, viewer: OperatorInfo) -> list[tuple[str, str, int, float | None]]:
        """(staff number, name, attempts, mean score) of every seat agent, for the trainer."""
        self._check_trainer(viewer)
        with self._factory() as s:
            counts = {tid: (n, mean) for tid, n, mean in s.execute(
                select(TrainingAttempt.trainee_id, func.count(), func.avg(TrainingAttempt.score))
                .group_by(TrainingAttempt.trainee_id))}
            out = []
            for o in s.scalars(select(Operator).where(Operator.role == Role.SEAT_AGENT.value,
                                                      Operator.active.is_(True))
                               .order_by(Operator.staff_no)):
                n, mean = counts.get(o.id, (0, None))
                out.append((o.staff_no, o.name, n, round(float(mean), 1) if mean is not None else None))
            return out

    # ------------------------------------------------------------------ progress and export
    def progress(self, viewer: OperatorInfo, trainee_no: str) -> list[tuple[datetime, float, bool, str]]:
        """A trainee's attempts oldest first: (when, score, passed, scenario title), for the
        chart."""
        rows = self.attempts(viewer, trainee_no=trainee_no, limit=10_000)
        return [(a.started_at, a.score, a.passed, a.scenario_title) for a in reversed(rows)]

    def export(self, viewer: OperatorInfo, path: Path) -> int:
        """Every attempt to .xlsx (with the trainees' progress and the most failed scenarios,
        a sheet each) or .csv (the attempts); text is never a formula. Returns the rows."""
        from agent_console.services.tabular import save_csv, save_xlsx

        self._check_trainer(viewer)
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ServiceError("仅支持导出为 .xlsx 或 .csv 文件")
        attempts = self.attempts(viewer, limit=1_000_000)
        headers = ["时间", "工号", "姓名", "场景编号", "场景", "场景组", "结果", "得分", "是否通过",
                   "用时（秒）"]
        rows = [[f"{a.started_at:%Y-%m-%d %H:%M}", a.trainee_no, a.trainee_name, a.scenario_id,
                 a.scenario_title, a.set_name, a.outcome, a.score, "通过" if a.passed else "未通过",
                 a.seconds] for a in attempts]
        try:
            if suffix == ".csv":
                save_csv(path, headers, rows)
            else:
                by_trainee: dict[str, list[AttemptInfo]] = defaultdict(list)
                for a in attempts:
                    by_trainee[a.trainee_no].append(a)
                progress = [[no, items[0].trainee_name, len(items),
                             round(sum(a.score for a in items) / len(items), 1),
                             f"{sum(a.passed for a in items) / len(items):.0%}",
                             max(a.score for a in items), items[0].score]
                            for no, items in sorted(by_trainee.items())]
                failed = [[f.scenario_id, f.title, f.attempts, f.failed, f"{f.fail_rate:.0%}",
                           f.mean_score] for f in self.most_failed(viewer, limit=1000)]
                save_xlsx(path, [
                    ("成绩记录", headers, rows),
                    ("学员进度", ["工号", "姓名", "练习次数", "平均分", "通过率", "最高分", "最近得分"],
                     progress),
                    ("常错场景", ["场景编号", "场景", "练习次数", "未通过次数", "未通过率", "平均分"],
                     failed),
                ])
        except OSError as exc:
            raise ServiceError(f"无法写入 {path}：{exc.strerror or exc}") from None
        return len(rows)
