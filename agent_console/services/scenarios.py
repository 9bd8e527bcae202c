"""Training scenarios: read from plain YAML files (data/training/), checked against the
reference data the console really uses (units, categories, KB articles, the Art. 11 reasons,
the Art. 12 services, the Art. 25 warnings), every error named by file and line; and practice
calls made from KB articles, so practice never runs out.

PyYAML is used for its node tree: it keeps the line of every key and value, which is what a
trainer needs to find a mistake in a file of their own.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent_console.domain.enums import EmergencyService, RequestType
from agent_console.domain.text import check_text
from agent_console.domain.training import (
    ACTIONS,
    FIELDS,
    NEEDS,
    QUESTIONS,
    RUBRIC_ITEMS,
    CallerLine,
    Expected,
    HistoryCall,
    Persona,
    Scenario,
)
from agent_console.domain.phone import normalise_phone
from agent_console.domain.enums import Outcome

KB_PREFIX = "kb:"  # a practice call made from a KB article: kb:KB-SV-009
MAX_FILE_BYTES = 256 * 1024
MAX_LINES = 60
MAX_TIME_LIMIT = 3600
LEVELS = ("入门", "进阶", "考核")
TOP_KEYS = {"id", "title", "summary", "level", "time_limit", "persona", "lines", "replies",
            "history", "expected", "rubric"}
EXPECTED_KEYS = {"action", "request_type", "category", "lead_unit", "co_handlers", "kb_article",
                 "reason", "services", "warning", "fields", "ask", "articles", "why"}
DEFAULT_RUBRIC = {
    Outcome.ANSWERED: (("outcome", 40), ("kb_article", 30), ("category", 10), ("time", 20)),
    Outcome.EXPERT: (("outcome", 40), ("asked", 25), ("category", 15), ("time", 20)),
    Outcome.WORK_ORDER: (("outcome", 30), ("category", 20), ("lead_unit", 20), ("fields", 15),
                         ("time", 15)),
    Outcome.NOT_ACCEPTED: (("outcome", 40), ("reason", 40), ("time", 20)),
    Outcome.EMERGENCY: (("outcome", 40), ("services", 40), ("time", 20)),
    Outcome.WARNING: (("outcome", 50), ("warning", 30), ("time", 20)),
}


@dataclass(frozen=True)
class ScenarioError:
    path: str
    line: int  # 1-based; 0: the file as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Catalogue:
    """The reference data a scenario is checked against (codes and paths, from the database's
    catalog: what the seat screen offers)."""

    units: dict[str, str]  # code → name
    categories: frozenset[str]  # leaf paths
    articles: dict[str, tuple[str, str | None, str | None]]  # id → (title, category path, unit code)
    reasons: dict[int, str]  # Art. 11 code → title
    warnings: dict[int, str]  # Art. 25 code → title


class _Reader:
    """Values of a YAML node tree with the line of each, and the errors found on the way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ScenarioError] = []
        self.expected_keys: set[str] = set()  # the keys written under expected:

    def error(self, node, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.errors.append(ScenarioError(self.path, line, message))

    def mapping(self, node, what: str) -> dict[str, tuple[object, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what}应为“键: 值”的形式")
            return {}
        out: dict[str, tuple[object, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error(key_node, f"{what}中的键应为文字")
                continue
            if key in out:
                self.error(key_node, f"{what}中的“{key}”重复出现")
                continue
            out[key] = (value_node, key_node)
        return out

    def text(self, node, what: str, *, required: bool = True, max_len: int = 500) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{what}应为一段文字")
            return ""
        value = str(node.value)
        if msg := check_text(what, value, required=required, max_len=max_len,
                             allow_newlines=True):
            self.error(node, msg)
        return value.strip()

    def integer(self, node, what: str, lo: int, hi: int) -> int | None:
        if node is None:
            return None
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            self.error(node, f"{what}应为 {lo}–{hi} 的整数")
            return None
        if not lo <= value <= hi:
            self.error(node, f"{what}应为 {lo}–{hi} 的整数")
            return None
        return value

    def number(self, node, what: str, lo: float, hi: float) -> float | None:
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        try:
            value = float(str(raw))
        except (TypeError, ValueError):
            self.error(node, f"{what}应为 {lo:g}–{hi:g} 的数字（秒）")
            return None
        if not lo <= value <= hi:
            self.error(node, f"{what}应为 {lo:g}–{hi:g} 的数字（秒）")
            return None
        return value

    def texts(self, node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of words (or one written alone)."""
        if node is None:
            return []
        if isinstance(node, yaml.ScalarNode):
            return [(str(node.value).strip(), node)] if str(node.value).strip() else []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what}应为列表")
            return []
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                self.error(item, f"{what}的每一项应为文字")
                continue
            out.append((str(item.value).strip(), item))
        return out


def parse_scenario(text: str, path: str, catalogue: Catalogue) -> tuple[Scenario | None, list[ScenarioError]]:
    """One scenario file's text → the scenario, or None and every error found (file:line)."""
    r = _Reader(path)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [ScenarioError(path, 0, f"文件过大（超过 {MAX_FILE_BYTES // 1024} KB）")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return None, [ScenarioError(path, line, f"格式错误：{_yaml_problem(exc.problem or str(exc))}")]
    except yaml.YAMLError as exc:
        return None, [ScenarioError(path, 0, f"YAML 格式错误：{exc}")]
    if root is None:
        return None, [ScenarioError(path, 0, "文件为空")]
    top = r.mapping(root, "场景")
    if not top:
        return None, r.errors or [ScenarioError(path, 1, "场景内容为空")]
    for key, (_v, key_node) in top.items():
        if key not in TOP_KEYS:
            r.error(key_node, f"未知的项“{key}”（可用：{'、'.join(sorted(TOP_KEYS))}）")

    def get(key: str):
        return top.get(key, (None, None))[0]

    sid = r.text(get("id"), "场景编号", max_len=60)
    if "id" not in top:
        r.error(root, "缺少 id（场景编号）")
    elif sid and (sid.startswith(KB_PREFIX) or not all(ch.isalnum() or ch in "-_" for ch in sid)):
        r.error(get("id"), "场景编号只能由字母、数字、- 和 _ 组成")
    title = r.text(get("title"), "场景标题", max_len=60)
    if "title" not in top:
        r.error(root, "缺少 title（场景标题）")
    summary = r.text(get("summary"), "场景简介", required=False, max_len=300)
    level = r.text(get("level"), "难度", required=False, max_len=10) or "入门"
    if level not in LEVELS:
        r.error(get("level"), f"难度应为：{'、'.join(LEVELS)}")
    time_limit = r.integer(get("time_limit"), "时限", 10, MAX_TIME_LIMIT)

    persona = _persona(r, get("persona"), root)
    lines = _lines(r, get("lines"), root)
    replies = _replies(r, get("replies"))
    history = _history(r, get("history"), catalogue)
    expected = _expected(r, get("expected"), root, catalogue, persona)
    rubric = _rubric(r, get("rubric"), expected)
    if r.errors or expected is None or persona is None:
        return None, r.errors
    consent = replies.get("consent")
    return Scenario(
        id=sid, title=title, persona=persona, lines=tuple(lines), expected=expected,
        rubric=rubric, summary=summary, level=level, time_limit=time_limit, replies=replies,
        history=tuple(history), source=path,
        consent=None if consent is None else _agrees(consent),
    ), []


YAML_PROBLEMS = (
    ("expected ',' or ']'", "方括号 [ ] 未闭合或缺少逗号；以 [ 开头的文字请加引号"),
    ("expected ',' or '}'", "花括号 { } 未闭合或缺少逗号；以 { 开头的文字请加引号"),
    ("mapping values are not allowed", "冒号用法不对：“键: 值”的冒号后要有空格，文字中含“: ”请整段加引号"),
    ("found character '\\t'", "不能用 Tab 缩进，请用空格"),
    ("could not find expected ':'", "缺少“键: 值”中的冒号"),
    ("did not find expected key", "缩进不一致：同一层的项应对齐"),
    ("did not find expected '-' indicator", "列表项缩进不一致：每项以“- ”开头并对齐"),
    ("found unexpected end of stream", "引号未闭合"),
    ("found undefined alias", "* 开头的文字请加引号"),
    ("found duplicate anchor", "& 开头的文字请加引号"),
    ("found unknown escape character", "双引号中的反斜杠 \\ 用法不对，可改用单引号"),
)


def _yaml_problem(problem: str) -> str:
    for english, chinese in YAML_PROBLEMS:
        if english in problem:
            return chinese
    return f"无法读取（{problem}）"


def _agrees(reply: str) -> bool:
    return not any(w in reply for w in ("不同意", "不用", "不要", "不行", "算了", "别转"))


def _persona(r: _Reader, node, root) -> Persona | None:
    if node is None:
        r.error(root, "缺少 persona（来电人）")
        return None
    m = r.mapping(node, "来电人")
    for key, (_v, key_node) in m.items():
        if key not in {"name", "phone", "withheld", "profile"}:
            r.error(key_node, f"来电人中未知的项“{key}”（可用：name、phone、withheld、profile）")
    name = r.text(m.get("name", (None,))[0], "来电人姓名", required=False, max_len=30)
    phone = r.text(m.get("phone", (None,))[0], "来电号码", required=False, max_len=20)
    withheld_node = m.get("withheld", (None,))[0]
    withheld = bool(withheld_node is not None and str(withheld_node.value).lower() in
                    ("true", "yes", "是", "1"))
    if withheld and phone:
        r.error(withheld_node, "未显示号码（withheld）的来电不应再写来电号码")
    if not withheld:
        if not phone:
            r.error(node, "缺少来电号码 phone（未显示号码的来电写 withheld: true）")
        elif (err := normalise_phone(phone).error):
            r.error(m["phone"][0], f"来电号码：{err}")
    profile = r.text(m.get("profile", (None,))[0], "来电人画像", required=False, max_len=300)
    return Persona(name=name, phone="" if withheld else phone, profile=profile)


def _lines(r: _Reader, node, root) -> list[CallerLine]:
    if node is None:
        r.error(root, "缺少 lines（来电人说的话）")
        return []
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        r.error(node, "lines 应为列表，每项含 at（第几秒）和 say（说的话）")
        return []
    if len(node.value) > MAX_LINES:
        r.error(node, f"来电人台词最多 {MAX_LINES} 句")
    out: list[CallerLine] = []
    last = -1.0
    for item in node.value:
        m = r.mapping(item, "台词")
        for key, (_v, key_node) in m.items():
            if key not in {"at", "say"}:
                r.error(key_node, f"台词中未知的项“{key}”（可用：at、say）")
        if "say" not in m:
            r.error(item, "台词缺少 say（说的话）")
            continue
        at = r.number(m["at"][0], "at", 0, MAX_TIME_LIMIT) if "at" in m else max(last, 0.0)
        text = r.text(m["say"][0], "台词", max_len=500)
        if at is None:
            continue
        if at < last:
            r.error(m["at"][0], "台词的时间（at）应按先后排列")
        last = at
        out.append(CallerLine(at, text))
    return out


def _replies(r: _Reader, node) -> dict[str, str]:
    if node is None:
        return {}
    out = {}
    for key, (value, key_node) in r.mapping(node, "来电人回答").items():
        if key not in QUESTIONS:
            r.error(key_node, f"来电人回答中未知的问题“{key}”（可用：{'、'.join(QUESTIONS)}）")
            continue
        out[key] = r.text(value, f"对“{QUESTIONS[key]}”的回答", max_len=300)
    return out


def _history(r: _Reader, node, catalogue: Catalogue) -> list[HistoryCall]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        r.error(node, "history 应为列表")
        return []
    out = []
    for item in node.value:
        m = r.mapping(item, "来电记录")
        for key, (_v, key_node) in m.items():
            if key not in {"days_ago", "content", "category", "outcome", "lead_unit", "warning"}:
                r.error(key_node, f"来电记录中未知的项“{key}”")
        days = r.integer(m.get("days_ago", (None,))[0], "days_ago（几天前）", 0, 365)
        if "days_ago" not in m:
            r.error(item, "来电记录缺少 days_ago（几天前）")
        content = r.text(m.get("content", (None,))[0], "来电记录内容", max_len=500)
        if "content" not in m:
            r.error(item, "来电记录缺少 content（当时反映的内容）")
        category = _category(r, m.get("category", (None,))[0], catalogue)
        outcome = r.text(m.get("outcome", (None,))[0], "来电记录结果", required=False,
                         max_len=10) or "派发工单"
        if outcome not in ("派发工单", "直接答复", "劝阻警示"):
            r.error(m["outcome"][0], "来电记录的 outcome 应为：派发工单、直接答复、劝阻警示")
        lead = _unit(r, m.get("lead_unit", (None,))[0], catalogue)
        if outcome == "派发工单" and (category is None or lead is None) and "content" in m:
            r.error(item, "派发工单的来电记录须写 category（分类）和 lead_unit（牵头单位）")
        warning = _code(r, m.get("warning", (None,))[0], catalogue.warnings, "警示情形")
        if outcome == "劝阻警示" and warning is None:
            r.error(item, "劝阻警示的来电记录须写 warning（第二十五条情形编号）")
        if days is not None and content:
            out.append(HistoryCall(days, content, category, outcome, lead, warning))
    return out


def _category(r: _Reader, node, catalogue: Catalogue) -> str | None:
    if node is None:
        return None
    path = r.text(node, "诉求分类", max_len=120)
    if path and path not in catalogue.categories:
        near = [c for c in catalogue.categories if c.endswith("/" + path.rsplit("/", 1)[-1])]
        hint = f"（是否为：{near[0]}）" if near else "（应为“一级/二级/三级”的完整分类路径）"
        r.error(node, f"诉求分类“{path}”不存在{hint}")
        return None
    return path or None


def _unit(r: _Reader, node, catalogue: Catalogue) -> str | None:
    if node is None:
        return None
    code = r.text(node, "单位代码", max_len=40)
    if code and code not in catalogue.units:
        r.error(node, f"承办单位代码“{code}”不存在（见 data/units.json 的 code）")
        return None
    return code or None


def _code(r: _Reader, node, known: dict[int, str], what: str) -> int | None:
    if node is None:
        return None
    value = r.integer(node, what, 1, 99)
    if value is not None and value not in known:
        r.error(node, f"{what}应为 {'、'.join(str(k) for k in sorted(known))} 之一")
        return None
    return value


def _expected(r: _Reader, node, root, catalogue: Catalogue, persona: Persona | None) -> Expected | None:
    if node is None:
        r.error(root, "缺少 expected（正确的处理）")
        return None
    m = r.mapping(node, "正确的处理")
    r.expected_keys = set(m)
    for key, (_v, key_node) in m.items():
        if key not in EXPECTED_KEYS:
            r.error(key_node, f"expected 中未知的项“{key}”（可用：{'、'.join(sorted(EXPECTED_KEYS))}）")

    def get(key: str):
        return m.get(key, (None, None))[0]

    label = r.text(get("action"), "受理结果", max_len=10)
    action = ACTIONS.get(label)
    if "action" not in m:
        r.error(node, f"expected 缺少 action（受理结果：{'、'.join(ACTIONS)}）")
    elif action is None:
        r.error(get("action"), f"受理结果应为：{'、'.join(ACTIONS)}")
    # the rest is checked all the same: every mistake of the file in one run
    request_type = r.text(get("request_type"), "诉求类型", required=False, max_len=10) or None
    if request_type and request_type not in {t.value for t in RequestType}:
        r.error(get("request_type"), f"诉求类型应为：{'、'.join(t.value for t in RequestType)}")
    category = _category(r, get("category"), catalogue)
    lead = _unit(r, get("lead_unit"), catalogue)
    co = []
    for code, item in r.texts(get("co_handlers"), "配合单位"):
        if code not in catalogue.units:
            r.error(item, f"配合单位代码“{code}”不存在（见 data/units.json 的 code）")
        elif code == lead:
            r.error(item, "配合单位不能同时是牵头单位")
        else:
            co.append(code)
    article = r.text(get("kb_article"), "知识库条目", required=False, max_len=40) or None
    if article and article not in catalogue.articles:
        r.error(get("kb_article"), f"知识库条目“{article}”不存在")
    reason = _code(r, get("reason"), catalogue.reasons, "不予受理情形")
    warning = _code(r, get("warning"), catalogue.warnings, "警示情形")
    known_services = {s.value for s in EmergencyService}
    services = []
    for sv, item in r.texts(get("services"), "联动热线"):
        if sv not in known_services:
            r.error(item, f"联动热线应为：{'、'.join(sorted(known_services))}")
        elif sv not in services:
            services.append(sv)
    fields = []
    for f, item in r.texts(get("fields"), "必填信息"):
        if f not in FIELDS:
            r.error(item, f"必填信息应为：{'、'.join(FIELDS)}")
        else:
            fields.append(f)
    ask = []
    for q, item in r.texts(get("ask"), "询问"):
        if q not in QUESTIONS:
            r.error(item, f"询问应为：{'、'.join(QUESTIONS)}")
        else:
            ask.append(q)
    articles = [a for a, _n in r.texts(get("articles"), "条例条款")]
    why = r.text(get("why"), "说明", required=False, max_len=1000)

    # what each outcome cannot do without
    needs = {
        Outcome.ANSWERED: ("kb_article", "直接答复须写 kb_article（可答复的知识库条目）"),
        Outcome.WORK_ORDER: ("lead_unit", "派发工单须写 lead_unit（牵头单位）"),
        Outcome.NOT_ACCEPTED: ("reason", "不予受理须写 reason（第十一条情形编号）"),
        Outcome.EMERGENCY: ("services", "紧急联动须写 services（110/119/120/122）"),
        Outcome.WARNING: ("warning", "劝阻警示须写 warning（第二十五条情形编号）"),
    }
    if action in needs:
        key, message = needs[action]
        if key not in m:
            r.error(node, message)
    if action is Outcome.WORK_ORDER and "category" not in m:
        r.error(node, "派发工单须写 category（诉求分类）")
    if action is None:
        return None
    return Expected(
        action=action, request_type=request_type, category=category, lead_unit=lead,
        co_handlers=tuple(co), kb_article=article, reason=reason, services=tuple(services),
        warning=warning, fields=tuple(fields), ask=tuple(ask), articles=tuple(articles), why=why,
    )


def _rubric(r: _Reader, node, expected: Expected | None) -> tuple[tuple[str, int], ...]:
    if expected is None:
        return ()
    if node is None:
        return DEFAULT_RUBRIC[expected.action]
    out = []
    for item, (value, key_node) in r.mapping(node, "评分").items():
        if item not in RUBRIC_ITEMS:
            r.error(key_node, f"评分项“{item}”未知（可用：{'、'.join(RUBRIC_ITEMS)}）")
            continue
        weight = r.integer(value, f"评分项“{item}”的分值", 1, 100)
        need = NEEDS.get(item)
        if need and not getattr(expected, need) and need not in r.expected_keys:
            r.error(key_node, f"评分项“{item}”需要在 expected 中写 {need}")
            continue
        if weight is not None:
            out.append((item, weight))
    if not out and not r.errors:
        r.error(node, "评分（rubric）至少要有一项")
    return tuple(out)


# ---------------------------------------------------------------------- files
@dataclass(frozen=True)
class Loaded:
    scenarios: tuple[Scenario, ...]
    errors: tuple[ScenarioError, ...]
    files: int


def scenario_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_scenarios(path: Path, catalogue: Catalogue) -> Loaded:
    """Every scenario file under ``path`` (or the one file), checked; ids must be unique."""
    scenarios: list[Scenario] = []
    errors: list[ScenarioError] = []
    files = scenario_files(path) if path.exists() else []
    if not path.exists():
        errors.append(ScenarioError(str(path), 0, "文件或目录不存在"))
    seen: dict[str, str] = {}
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            errors.append(ScenarioError(str(file), 0, "文件不是 UTF-8 编码"))
            continue
        except OSError as exc:
            errors.append(ScenarioError(str(file), 0, f"无法读取：{exc.strerror or exc}"))
            continue
        scenario, found = parse_scenario(text, str(file), catalogue)
        errors.extend(found)
        if scenario is None:
            continue
        if scenario.id in seen:
            errors.append(ScenarioError(str(file), 1, f"场景编号“{scenario.id}”与 {seen[scenario.id]} 重复"))
            continue
        seen[scenario.id] = str(file)
        scenarios.append(scenario)
    return Loaded(tuple(scenarios), tuple(errors), len(files))


# ---------------------------------------------------------------------- from the KB
def from_article(article_id: str, catalogue: Catalogue, phrasings: Iterable[str],
                 seed: int | None = None) -> Scenario:
    """A practice call made from a KB article: the caller says one of its common phrasings
    (the rest as follow-ups), the article is the answer; its category and its unit are what
    the debrief names (the unit leads should the caller need an order)."""
    title, category, unit = catalogue.articles[article_id]
    lines = [p for p in phrasings if p.strip()] or [title]
    rng = random.Random(seed if seed is not None else article_id)
    first = rng.choice(lines)
    # one question, as a caller asks it (the other phrasings say the same thing another way)
    said = [CallerLine(0.0, "喂，你好，我想问个事儿。"), CallerLine(3.0, first),
            CallerLine(12.0, "这个该怎么办，你给我说说吧。")]
    phone = f"139{rng.randrange(10**8):08d}"
    # the title names the field only: the article's own title would give the answer away
    field = category.rsplit("/", 1)[-1] if category else "政策咨询"
    return Scenario(
        id=f"{KB_PREFIX}{article_id}", title=f"知识库练习：{field}",
        persona=Persona(name="", phone=phone, profile="普通市民，按知识库条目的常见问法提问"),
        lines=tuple(said),
        expected=Expected(action=Outcome.ANSWERED, category=category, lead_unit=unit,
                          kb_article=article_id, articles=("第十三条", "第十五条"),
                          why=f"知识库条目“{title}”可直接答复（第十五条：能够直接答复的当即答复）。"),
        rubric=(("outcome", 40), ("kb_article", 40), ("time", 20)) if not category else
        (("outcome", 40), ("kb_article", 30), ("category", 10), ("time", 20)),
        summary="由知识库条目生成的练习", level="入门", time_limit=180,
        source=f"知识库 {article_id}",
    )
