"""Simulated calls for training: a scenario (who calls, what they say and when, what the right
handling is), what the trainee did, and the score of the one against the other.

Pure: no I/O. Scenario files are read and checked in services.scenarios, a practice call is
played over its own database in services.practice; this module only says what is expected
and how close a handling came to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_console.domain.enums import Outcome

# The outcomes a scenario may expect, by the label on the seat's keys (what a trainer writes).
ACTIONS: dict[str, Outcome] = {
    "直接答复": Outcome.ANSWERED,
    "专家座席": Outcome.EXPERT,
    "派发工单": Outcome.WORK_ORDER,
    "不予受理": Outcome.NOT_ACCEPTED,
    "紧急联动": Outcome.EMERGENCY,
    "劝阻警示": Outcome.WARNING,
}
ACTION_LABELS = {outcome: label for label, outcome in ACTIONS.items()}
ACTION_LABELS.update({Outcome.HUNG_UP: "来电挂断", Outcome.INVALID: "无效来电"})

# What the caller can be asked (the training screen's 询问 keys) and answers from the file.
QUESTIONS = {"address": "询问地址", "name": "询问姓名", "consent": "询问是否同意转接",
             "phone": "询问联系电话"}
# Form fields a scenario may require to be filled (fields:), with their labels.
FIELDS = {"address": "地址", "caller_name": "姓名", "region": "区域",
          "confidential": "保密", "caller_number": "联系电话"}

# Rubric items: what each scores, in [0, 1]. A scenario gives each item it uses a weight.
RUBRIC_ITEMS = {
    "outcome": "受理结果",
    "request_type": "诉求类型",
    "category": "诉求分类",
    "lead_unit": "牵头单位",
    "co_handlers": "配合单位",
    "kb_article": "知识库条目",
    "reason": "不予受理情形",
    "services": "联动热线",
    "warning": "警示情形",
    "fields": "必填信息",
    "asked": "向诉求人询问",
    "time": "用时",
}
# The expected value an item needs (an item with nothing expected cannot be scored).
NEEDS = {"request_type": "request_type", "category": "category", "lead_unit": "lead_unit",
         "co_handlers": "co_handlers", "kb_article": "kb_article", "reason": "reason",
         "services": "services", "warning": "warning", "fields": "fields", "asked": "ask"}
PASS_MARK = 80.0
NOT_ENDED = "未完成受理（中途结束）"


@dataclass(frozen=True)
class CallerLine:
    at: float  # seconds after the call starts
    text: str


@dataclass(frozen=True)
class HistoryCall:
    """An earlier call of the scenario's number, put into the practice database first (a
    repeat caller, Art. 11(6); warnings on record, Art. 25)."""

    days_ago: int
    content: str
    category: str | None = None
    outcome: str = "派发工单"
    lead_unit: str | None = None
    warning: int | None = None  # a warning given on that call (Art. 25 code)


@dataclass(frozen=True)
class Persona:
    name: str
    phone: str = ""  # empty: the number was withheld
    profile: str = ""

    @property
    def withheld(self) -> bool:
        return not self.phone


@dataclass(frozen=True)
class Expected:
    action: Outcome
    request_type: str | None = None
    category: str | None = None  # category path
    lead_unit: str | None = None  # unit code
    co_handlers: tuple[str, ...] = ()
    kb_article: str | None = None
    reason: int | None = None  # Art. 11 code
    services: tuple[str, ...] = ()  # Art. 12: 110/119/120/122
    warning: int | None = None  # Art. 25 code
    fields: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()  # questions the trainee should put to the caller
    articles: tuple[str, ...] = ()  # the regulation's articles that decide it
    why: str = ""


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    persona: Persona
    lines: tuple[CallerLine, ...]
    expected: Expected
    rubric: tuple[tuple[str, int], ...]
    summary: str = ""
    level: str = "入门"
    time_limit: int | None = None  # seconds
    replies: dict[str, str] = field(default_factory=dict)  # question → the caller's answer
    history: tuple[HistoryCall, ...] = ()
    source: str = ""  # the file, or 知识库 KB-…
    consent: bool | None = None  # what the caller says to a transfer (replies["consent"])

    def reply(self, question: str) -> str:
        default = {"address": "这个我说不清楚，你们看着办吧。", "name": "我不想说名字。",
                   "consent": "不用转了，你直接帮我登记吧。", "phone": "就打进来的这个号码。"}
        return self.replies.get(question) or default.get(question, "嗯？")


@dataclass(frozen=True)
class Step:
    at: float  # seconds after the call started
    what: str  # in Chinese, as the debrief shows it


@dataclass(frozen=True)
class Handling:
    """What the trainee did, as the practice database and the training screen saw it."""

    action: Outcome | None = None  # None: the call was not ended
    request_type: str | None = None
    category: str | None = None
    lead_unit: str | None = None
    co_handlers: tuple[str, ...] = ()
    kb_article: str | None = None
    reason: int | None = None
    services: tuple[str, ...] = ()
    warning: int | None = None
    filled: dict[str, str] = field(default_factory=dict)  # FIELDS key → value ("" empty)
    asked: tuple[str, ...] = ()
    seconds: float = 0.0
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class ItemScore:
    item: str
    label: str
    weight: int
    got: float  # in [0, 1]
    expected: str
    actual: str

    @property
    def points(self) -> float:
        return self.weight * self.got


@dataclass(frozen=True)
class Debrief:
    scenario_id: str
    items: tuple[ItemScore, ...]
    total: float  # 0–100
    seconds: float
    explanation: str
    steps: tuple[Step, ...]

    @property
    def passed(self) -> bool:
        return self.total >= PASS_MARK


def _label_set(values, names: dict | None = None) -> str:
    values = list(values)
    if not values:
        return "无"
    return "、".join(str(names.get(v, v)) if names else str(v) for v in values)


def _jaccard(a, b) -> float:
    a, b = set(a), set(b)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _category_score(expected: str, actual: str | None) -> float:
    """The same leaf 1; the same second-level branch (社会保障/养老保险) 0.5; else 0."""
    if not actual:
        return 0.0
    if actual == expected:
        return 1.0
    return 0.5 if expected.split("/")[:2] == actual.split("/")[:2] else 0.0


def _time_score(seconds: float, limit: int | None) -> float:
    """Within the limit 1; down to 0 at twice the limit. No limit: 1 once the call ended."""
    if not limit:
        return 1.0
    if seconds <= limit:
        return 1.0
    return max(0.0, 1.0 - (seconds - limit) / limit)


def _clause(code: int | None, titles: dict[int, str]) -> str:
    """第（3）项 已进入信访渠道, or 无."""
    return f"第（{code}）项 {titles.get(code, '')}".strip() if code else "无"


def _filled(handling: Handling, name: str) -> bool:
    value = handling.filled.get(name, "")
    return bool(str(value).strip()) and str(value) not in ("False", "0")


def score(scenario: Scenario, handling: Handling, *, units: dict[str, str] | None = None,
          reasons: dict[int, str] | None = None, warnings: dict[int, str] | None = None,
          articles: dict[str, str] | None = None) -> Debrief:
    """Each rubric item of the scenario scored against the handling; ``units`` (code → name),
    ``reasons`` and ``warnings`` (code → title) and ``articles`` (KB id → title) name what the
    debrief shows."""
    exp = scenario.expected
    units = units or {}
    reasons = reasons or {}
    warnings = warnings or {}
    right_action = handling.action is exp.action
    out: list[ItemScore] = []
    for item, weight in scenario.rubric:
        label = RUBRIC_ITEMS[item]
        if item == "outcome":
            got = 1.0 if right_action else 0.0
            e = ACTION_LABELS[exp.action]
            a = ACTION_LABELS.get(handling.action, NOT_ENDED) if handling.action else NOT_ENDED
        elif item == "request_type":
            got = float(handling.request_type == exp.request_type)
            e, a = exp.request_type or "", handling.request_type or "未选"
        elif item == "category":
            got = _category_score(exp.category or "", handling.category)
            e, a = exp.category or "", handling.category or "未选"
        elif item == "lead_unit":
            got = float(right_action and handling.lead_unit == exp.lead_unit)
            e = units.get(exp.lead_unit or "", exp.lead_unit or "")
            a = units.get(handling.lead_unit or "", handling.lead_unit or "无")
        elif item == "co_handlers":
            got = _jaccard(exp.co_handlers, handling.co_handlers) if right_action else 0.0
            e, a = _label_set(exp.co_handlers, units), _label_set(handling.co_handlers, units)
        elif item == "kb_article":
            # the article counts with the right outcome only: an order that cites it is no answer
            got = float(right_action and handling.kb_article == exp.kb_article)
            e, a = exp.kb_article or "", handling.kb_article or "未选用"
        elif item == "reason":
            got = float(right_action and handling.reason == exp.reason)
            e, a = _clause(exp.reason, reasons), _clause(handling.reason, reasons)
        elif item == "services":
            got = _jaccard(exp.services, handling.services) if right_action else 0.0
            e, a = _label_set(exp.services), _label_set(handling.services)
        elif item == "warning":
            got = float(right_action and handling.warning == exp.warning)
            e, a = _clause(exp.warning, warnings), _clause(handling.warning, warnings)
        elif item == "fields":
            have = [f for f in exp.fields if _filled(handling, f)]
            got = len(have) / len(exp.fields) if exp.fields else 1.0
            e = _label_set(exp.fields, FIELDS)
            a = _label_set(have, FIELDS) if have else "均未填写"
        elif item == "asked":
            have = [q for q in exp.ask if q in handling.asked]
            got = len(have) / len(exp.ask) if exp.ask else 1.0
            e = _label_set(exp.ask, QUESTIONS)
            a = _label_set(handling.asked, QUESTIONS) if handling.asked else "未询问"
        elif item == "time":
            # speed counts only for the right outcome (a fast wrong answer earns nothing)
            got = _time_score(handling.seconds, scenario.time_limit) if right_action else 0.0
            e = f"{scenario.time_limit} 秒内" if scenario.time_limit else "不限时（处理正确即得分）"
            a = f"{int(handling.seconds)} 秒"
        else:  # pragma: no cover - the loader refuses unknown items
            raise ValueError(item)
        out.append(ItemScore(item, label, weight, round(got, 4), e, a))
    total_weight = sum(w for _i, w in scenario.rubric) or 1
    total = round(100.0 * sum(s.points for s in out) / total_weight, 1)
    return Debrief(scenario.id, tuple(out), total, handling.seconds,
                   explanation(scenario, units, articles), handling.steps)


def explanation(scenario: Scenario, units: dict[str, str] | None = None,
                articles: dict[str, str] | None = None) -> str:
    """What was expected and why, in plain Chinese (the debrief's last part)."""
    exp = scenario.expected
    units = units or {}
    parts = [f"应当：{ACTION_LABELS[exp.action]}"]
    if exp.kb_article:
        title = (articles or {}).get(exp.kb_article)
        parts.append(f"可答复的知识库条目：{exp.kb_article}" + (f"《{title}》" if title else ""))
    if exp.lead_unit and exp.action in (Outcome.WORK_ORDER, Outcome.EMERGENCY):
        lead = units.get(exp.lead_unit, exp.lead_unit)
        parts.append(f"牵头单位：{lead}")
    elif exp.lead_unit:  # an answer: who keeps the article, should the caller need an order
        parts.append(f"如需派单，承办单位为：{units.get(exp.lead_unit, exp.lead_unit)}")
    if exp.co_handlers:
        parts.append(f"配合单位：{_label_set(exp.co_handlers, units)}")
    if exp.services:
        parts.append(f"联动：{_label_set(exp.services)}")
    if exp.articles:
        parts.append(f"依据：《通辽市政务服务便民热线条例》{'、'.join(exp.articles)}")
    text = "；".join(parts) + "。"
    if exp.why:
        text += exp.why
    return text
