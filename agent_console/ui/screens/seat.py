"""The seat agent's screen: incoming-call form beside the knowledge base, one-key outcomes."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, OptionList, Select, Static

from agent_console.domain.enums import RequestType, Urgency
from agent_console.domain.intake import IntakeDraft, script_for_repeat
from agent_console.domain.triage import TriageResult
from agent_console.services.dto import (
    ArticleInfo,
    CallerHistory,
    IntakeResult,
    OperatorInfo,
    RepeatNotice,
)
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.health import is_outage
from agent_console.services.intake import SavedDraft
from agent_console.services.online import Submission
from agent_console.services.seat_outbox import DELIVERED, PENDING, SeatCommand, Sent
from agent_console.ui.live import LiveRefresh
from agent_console.ui.screens.dialogs import (
    AnswerChoice,
    AnswerDialog,
    CallEndDialog,
    DispatchChoice,
    DispatchDialog,
    EmergencyChoice,
    EmergencyDialog,
    FollowUpPlan,
    ScriptPickDialog,
)
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.screens.seat_transfer import ExpertHandoff
from agent_console.ui.widgets.call_form import CallForm
from agent_console.ui.widgets.caller_panel import CallerPanel
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.kb_pane import KbPane
from agent_console.ui.widgets.keybar import KeyBar
from agent_console.ui.widgets.text_entry import Input, TextArea
from agent_console.ui.work import run_db

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from agent_console.search.index import SearchHit
    from agent_console.search.semantic import SemanticStatus

DRAFT_SAVE_DELAY = 0.4
HISTORY_DELAY = 0.25
REPEAT_DELAY = 0.6
SHORT_HEIGHT = 34  # below this many lines the seat packs its fields
NARROW_WIDTH = 120  # below this many columns the form and the KB pane share the width equally
KB_LIMIT = 10
MEANING_DELAY = 0.15  # typing pauses this long before the query is encoded (search.semantic)
LEASE_RENEW_SECONDS = 60.0  # an online submission on screen keeps its lease (services.online)
HISTORY_CACHE = 500  # callers whose history is kept for an outage
REPEAT_CODE = 6  # Art. 11(6): no new facts, the same request again
# what a field holds before any proposal (the form's own defaults)
DEFAULTS = {"request_type": RequestType.CONSULT.value, "urgency": Urgency.NORMAL.value,
            "region": ""}


UNAVAILABLE = "（答复口径暂不可用：数据库连接中断，恢复后自动显示；可按标题答复或自拟答复）"


def unavailable_article(hit: SearchHit) -> ArticleInfo:
    """A hit the database could not give the answer of: its title, said as such."""
    return ArticleInfo(id=hit.id, title=hit.title, phrasings=(), answer=UNAVAILABLE,
                       policy_basis="", owner_unit=None, valid_until=None, keywords=(),
                       domain="", category_id=None, category_path=None)


# The key line's words when the full ones do not fit (80 columns)
SHORT_KEYS = {"help": "帮助", "focus_kb": "搜索", "focus_content": "内容", "outbox": "待交",
              "answer_online": "答复", "expert_seat": "专家", "work_order": "派单",
              "not_accepted": "不受理", "emergency": "紧急", "warning": "警示",
              "next_call": "下一通", "take_online": "网件", "quit": "退出",
              "goto_orders": "工单", "goto_expert": "专家队列", "goto_seat": "受理",
              "goto_training": "培训"}
# left out, in this order, when even the short words do not fit
OPTIONAL_KEYS = ("focus_kb", "focus_content", "goto_training", "goto_orders", "goto_expert",
                 "goto_seat", "quit")


class SeatScreen(ExpertHandoff, Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("f2", "focus_kb", "搜知识库", id="focus_kb", priority=True),
        Binding("f3", "focus_content", "诉求内容", id="focus_content", priority=True),
        Binding("f4", "outbox", "待提交", id="outbox", priority=True),
        Binding("f5", "answer", "直接答复", id="answer_online", priority=True),
        Binding("f6", "expert", "专家座席", id="expert_seat", priority=True),
        Binding("f7", "work_order", "派发工单", id="work_order", priority=True),
        Binding("f8", "not_accepted", "不予受理", id="not_accepted", priority=True),
        Binding("f9", "emergency", "紧急联动", id="emergency", priority=True),
        Binding("f10", "warning", "劝阻警示", id="warning", priority=True),
        Binding("ctrl+n", "next_call", "下一通", id="next_call", priority=True),
        Binding("f12", "take_online", "网上来件", id="take_online", priority=True),
        Binding("ctrl+r", "toggle_withheld", "未显示号码", id="number_withheld", show=False,
                priority=True),
        Binding("escape", "own_answer", "取消选中条目（自拟答复）", id="own_answer", show=False),
    ]

    def __init__(self, services, operator: OperatorInfo, title: str = "坐席受理") -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._title = title
        self._categories = services.catalog.leaf_categories()
        self._articles: dict[str, ArticleInfo] = {}  # only the articles shown, fetched per search
        self.started_at: datetime = services.clock.now()
        self._auto_category: int | None = None
        self._category_manual = False
        self._save_timer: Timer | None = None
        self._history_timer: Timer | None = None
        self._repeat_timer: Timer | None = None
        self._latest_query = ""
        self._shown_query: str | None = None  # the search the KB pane shows
        self._own_answer = False  # Esc: nothing selected until the agent picks or searches anew
        self._meaning_timer: Timer | None = None
        self._meaning_shown: str | None = None  # the query whose re-sorted hits the pane shows
        self._latest_phone = ""
        self._loading = False
        self._last_draft = IntakeDraft()
        self._submission_id: int | None = None
        self.last_result: IntakeResult | None = None
        self._changed_at: float | None = None
        self._recording = False  # an outcome is on its way: a second key does nothing
        self.last_pending: Sent | None = None  # the last outcome kept here for the database
        self._histories: dict[str, CallerHistory] = {}  # for an outage
        self._repeat: RepeatNotice | None = None  # Art. 11(6): the earlier similar request
        self._triage: TriageResult = services.reference.triage.classify("")
        self._auto: dict[str, str] = {}  # the values proposals put in the form
        self._manual = dict.fromkeys(DEFAULTS, False)  # fields the agent set by hand
        # an open expert transfer is read again when it changes (seat_transfer)
        self.live = LiveRefresh(self, self._check_transfer, self._transfer_concerns)
        # keystroke (content changed) → KB pane updated, in ms; read by the typing benchmark
        self.kb_latencies_ms: deque[float] = deque(maxlen=10_000)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, self._title, id="header")
        yield Static("", id="transfer-bar")  # while the call is with the expert seat
        with Horizontal(id="seat-body"):
            with Vertical(id="left"):
                yield CallForm(self.services.catalog.regions(), self._categories, id="call-form")
                yield CallerPanel(id="caller-panel")
            yield KbPane(id="kb-pane")
        yield KeyBar(SHORT_KEYS, optional=OPTIONAL_KEYS, id="keybar")

    @property
    def form(self) -> CallForm:
        return self.query_one(CallForm)

    @property
    def kb(self) -> KbPane:
        return self.query_one(KbPane)

    @property
    def panel(self) -> CallerPanel:
        return self.query_one(CallerPanel)

    def on_resize(self, event) -> None:
        """80×24 and the like: one line a field, a shorter hit list, panes side by side at
        equal width, so the content, the answer script and every key stay in view."""
        self.set_class(event.size.height < SHORT_HEIGHT, "short")
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")

    def on_mount(self) -> None:
        self.query_one(ConsoleHeader).call_started = self.started_at
        self._index_state_changed()
        if self.app.semantic_status is not None:
            self.kb.show_semantic(self.app.semantic_status)
        self.set_focus(self.query_one("#f-number", Input))
        self.set_interval(LEASE_RENEW_SECONDS, self._renew_submission)
        self.set_interval(1.0, self._watch_transfer)
        run_db(self, self._start, done=self._restore, group="draft-load", name="seat_start")

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def _start(self) -> tuple[SavedDraft | None, int, bool]:
        """In a worker: the draft left by a crash or restart (this machine's or the database's),
        and online submissions this seat had taken but no longer holds go back to the queue."""
        saved = self.services.outbox.load_draft(self.operator)
        held = set(self.services.outbox.held_submissions())
        sid = saved.draft.submission_id if saved is not None else None
        if sid is not None:
            held.add(sid)
        try:
            released = self.services.online.reclaim(self.operator, frozenset(held))
            still_mine = sid is None or self.services.online.renew(self.operator, sid)
        except Exception as exc:  # noqa: BLE001 - the draft is restored whatever happens here
            if not is_outage(exc):
                raise
            self.app.call_from_thread(self.app.database_failed, exc)
            released, still_mine = 0, True  # tried again at the next start
        return saved, released, still_mine

    def _restore(self, started: tuple[SavedDraft | None, int, bool]) -> None:
        saved, released, still_mine = started
        if released:
            self.notify(f"上次未处理完的网上来件 {released} 件已退回队列", title="网上来件")
        if saved is None or saved.draft.is_blank or not self.form.draft().is_blank:
            return
        draft = saved.draft
        if not still_mine:
            draft = IntakeDraft(**{**draft.to_dict(), "submission_id": None})
            self.notify("草稿中的网上来件已退回队列或已由他人处理，草稿内容已保留", severity="warning")
        self._loading = True
        self.form.load(draft)
        self._last_draft = draft
        self._submission_id = draft.submission_id
        self.started_at = saved.started_at
        self._category_manual = draft.category_id is not None
        self.call_after_refresh(self._end_loading)
        self.query_one(ConsoleHeader).call_started = self.started_at
        self.notify("已恢复上次未完成的来电草稿", title="草稿")
        self._refresh_derived(draft)

    def _end_loading(self) -> None:
        self._loading = False

    # ------------------------------------------------------------------ focus keys
    def action_focus_kb(self) -> None:
        self.set_focus(self.query_one("#kb-search", Input))

    def action_focus_content(self) -> None:
        self.set_focus(self.query_one("#f-content", TextArea))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self._title, binding_rows(self)))

    # ------------------------------------------------------------------ reacting to input
    @on(Input.Changed, "#f-number")
    def _number_changed(self, event: Input.Changed) -> None:
        self._latest_phone = event.value
        if self._history_timer:
            self._history_timer.stop()
        self._history_timer = self.set_timer(HISTORY_DELAY, self._load_history)
        self._form_changed()

    @on(TextArea.Changed, "#f-content")
    def _content_changed(self) -> None:
        self._changed_at = time.perf_counter()
        # a burst of keys arrives here once: ContentArea inserts it as one edit
        self._derive_from_content()
        if self._repeat_timer:
            self._repeat_timer.stop()
        self._repeat_timer = self.set_timer(REPEAT_DELAY, self._check_repeat)
        self._form_changed()

    def _derive_from_content(self) -> None:
        content = self.query_one("#f-content", TextArea).text
        self._triage = self.services.reference.triage.classify(content)
        self.panel.show_triage(self._triage, self._service_names())
        self._propose()
        if not self.query_one("#kb-search", Input).value.strip():
            self.request_search(content)

    # ------------------------------------------------------------------ proposals
    def _propose(self) -> None:
        """Request type, urgency, region and (for emergencies and utility faults) the category,
        proposed from the text and the address; what the agent set by hand stays."""
        draft = self.form.draft()
        triage = self._triage
        proposer = self.services.reference.proposer
        said: list[str] = []
        follow = triage.follow_up
        if not self._manual["request_type"]:
            p = proposer.request_type(draft.content) if proposer else None
            if triage.is_emergency and follow and follow.request_type:
                value = follow.request_type
            elif p is not None:
                value = p.value
            elif follow is not None:  # a utility fault or a disaster: help is asked for
                value = follow.request_type or RequestType.HELP.value
            else:
                value = RequestType.CONSULT.value
            self._auto_set("request_type", value)
            if p is not None and p.value == value:
                said.append("类型" + p.explain())
        if not self._manual["urgency"]:  # emergencies and utility faults: data/emergency.json
            value = triage.urgency if follow is not None else Urgency.NORMAL.value
            self._auto_set("urgency", value)
            if value != Urgency.NORMAL.value:
                word = triage.kinds[0].keyword if triage.kinds else \
                    (triage.utilities[0][1] if triage.utilities else "")
                said.append(f"紧急程度据“{word}”为{value}")
        if not self._manual["region"]:
            p = proposer.region(draft.address, draft.content) if proposer else None
            self._auto_set("region", p.value if p else "")
            if p is not None:
                said.append("区域" + p.explain())
        category = self._follow_up_category()
        if category is not None and not self._category_manual:
            self._auto_category = category
            self.form.set_category(category)
            what = triage.kinds[0].name if triage.kinds else \
                (follow.source.removeprefix("utility:") if follow else "")
            said.append(f"分类按“{what}”确定")
        self.form.show_proposals("；".join(said) + ("（均可修改）" if said else ""))

    def _auto_set(self, field: str, value: str) -> None:
        self._auto[field] = value
        self.form.set_value(field, value)

    def _follow_up_category(self) -> int | None:
        return self.services.dispatch.category_of(self._triage)

    def _service_names(self) -> dict[str, str]:
        return {r.service: r.name for r in self.services.reference.triage.emergency}

    @on(Input.Changed, "#kb-search")
    def _kb_query_changed(self, event: Input.Changed) -> None:
        query = event.value if event.value.strip() else self.query_one("#f-content", TextArea).text
        self.request_search(query)

    @on(Input.Changed, "#f-name")
    @on(Checkbox.Changed, "#f-confidential")
    @on(Checkbox.Changed, "#f-withheld")
    @on(Select.Changed, "#f-channel")
    def _other_changed(self) -> None:
        self._form_changed()

    @on(Input.Changed, "#f-address")
    def _address_changed(self) -> None:
        if not self._loading:
            self._propose()
        self._form_changed()

    @on(Select.Changed, "#f-type")
    @on(Select.Changed, "#f-urgency")
    @on(Select.Changed, "#f-region")
    def _proposed_changed(self, event: Select.Changed) -> None:
        """A value the agent picks is theirs: proposals no longer change it for this call."""
        field = {"f-type": "request_type", "f-urgency": "urgency", "f-region": "region"}[
            event.select.id or ""]
        value = "" if event.value is Select.NULL else str(event.value)
        if not self._loading and value != self._auto.get(field, DEFAULTS[field]):
            self._manual[field] = True
        self._form_changed()

    @on(Select.Changed, "#f-category")
    def _category_changed(self, event: Select.Changed) -> None:
        if not self._loading and event.value != self._auto_category and event.value is not Select.NULL:
            self._category_manual = True
        if event.value is Select.NULL:
            self._category_manual = False
        self._form_changed()

    def _form_changed(self) -> None:
        if self._loading:
            return
        draft = self.form.draft()
        if draft == self._last_draft:
            return  # echo of a programmatic load, not the agent typing
        self._last_draft = draft
        self.panel.show_outcome(None)
        if self.form.has_errors():
            self.form.refresh_errors(self.services.intake.validate_work_order(draft))
        if self._save_timer:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft_now)

    def _refresh_derived(self, draft: IntakeDraft) -> None:
        """A draft put back in the form (restart, online submission, F4): what it holds that
        differs from the defaults is kept as chosen; proposals fill the rest."""
        self._auto = {}
        self._manual = {f: getattr(draft, f) != DEFAULTS[f] for f in DEFAULTS}
        if draft.submission_id is not None:  # a citizen's online text: nothing chosen yet
            self._manual = dict.fromkeys(DEFAULTS, False)
        self._triage = self.services.reference.triage.classify(draft.content)
        self.panel.show_triage(self._triage, self._service_names())
        self.call_after_refresh(self._propose)  # once the loaded values are in the form
        self._latest_phone = draft.caller_number
        self._load_history()
        self.request_search(draft.content)

    # ------------------------------------------------------------------ drafts
    def save_draft_now(self) -> None:
        draft = self.form.draft()
        self._save_draft(draft, self.started_at)

    def _save_draft(self, draft: IntakeDraft, started_at: datetime) -> None:
        """On this machine first (it survives an outage and a crash), then the database."""
        def failed(_exc) -> None:
            self.notify("草稿无法保存：本机和数据库都无法写入（磁盘已满或不可写），"
                        "受理单内容仍在屏幕上，请勿关闭工作台", severity="error", timeout=8)

        run_db(self, self._store_draft, draft, started_at, group="draft", name="draft_save",
               outage=failed)

    def _store_draft(self, draft: IntakeDraft, started_at: datetime) -> None:
        self.services.outbox.save_draft(self.operator, draft, started_at)

    # ------------------------------------------------------------------ caller history
    def _load_history(self) -> None:
        self._fetch_history(self._latest_phone)

    def _fetch_history(self, phone: str) -> None:
        if not phone.strip():
            self._show_history(phone, None)
            return
        run_db(self, self.services.intake.caller_history, phone,
               done=lambda history: self._show_history(phone, history),
               outage=lambda _e: self._history_unavailable(phone),
               group="history", exclusive=True, name="caller_history")

    def _show_history(self, phone: str, history: CallerHistory | None) -> None:
        if history is not None:
            if len(self._histories) >= HISTORY_CACHE:
                self._histories.pop(next(iter(self._histories)))
            self._histories[history.phone] = history
        if phone != self._latest_phone:
            return
        self.panel.show_history(history, self.services.clock.now())

    def _history_unavailable(self, phone: str) -> None:
        """The database is away: what this seat saw of the caller earlier, said as such."""
        if phone != self._latest_phone:
            return
        from agent_console.domain.phone import normalise_phone

        cached = self._histories.get(normalise_phone(phone).number or "")
        self.panel.show_history(cached, self.services.clock.now(),
                                note="数据库连接中断：" + ("以下为本座席此前查询到的历史" if cached
                                                         else "暂时无法查询诉求人历史"))

    def _check_repeat(self) -> None:
        draft = self.form.draft()
        self._fetch_repeat(draft.caller_number, draft.content, draft.category_id)

    def _fetch_repeat(self, phone: str, content: str, category_id: int | None) -> None:
        run_db(self, self.services.intake.find_repeat, phone, content, category_id,
               done=self._repeat_found, group="repeat", exclusive=True, name="find_repeat")

    def _repeat_found(self, notice: RepeatNotice | None) -> None:
        self._repeat = notice
        self.panel.show_repeat(notice, self._triage.is_emergency)

    # ------------------------------------------------------------------ knowledge base
    def _index_state_changed(self) -> None:
        index = self.app.kb_index
        if index is None:
            self.kb.show_status("知识库索引加载中…")
        else:
            source = "缓存" if self.app.index_source == "cache" else "新建"
            self.kb.show_status(f"知识库 {len(index)} 条（索引{source}，{self.app.index_seconds:.1f} 秒）")
            query = self.query_one("#kb-search", Input).value.strip() or \
                self.query_one("#f-content", TextArea).text
            self.request_search(query)

    def request_search(self, query: str) -> None:
        self._latest_query = query
        if self.app.kb_index is None:
            return
        if not query.strip():
            self._apply_hits(query, [])
            return
        self._search(query)

    @work(thread=True, exclusive=True, group="kb", exit_on_error=False)
    def _search(self, query: str) -> None:
        """The index is in memory; the articles' answers come from the database. While it is
        away the hits still show, with their answers if this seat fetched them before."""
        index = self.app.kb_index
        hits = index.search(query, KB_LIMIT) if index is not None else []
        self.app.call_from_thread(self._apply_hits, query, hits, self._fetch_answers(hits))

    def _fetch_answers(self, hits: list[SearchHit]) -> dict[str, ArticleInfo]:
        """(worker thread) The answers of the matches this seat has not fetched yet."""
        # below the relevance floor only a dimmed title shows: no answer is needed
        missing = [h.id for h in hits if h.relevant and h.id not in self._articles]
        fetched: dict[str, ArticleInfo] = {}
        if missing:
            try:
                fetched = self.services.knowledge.articles_by_ids(missing)
            except Exception as exc:  # noqa: BLE001 - the hits still show, whatever happened
                if is_outage(exc):
                    self.app.call_from_thread(self.app.database_failed, exc)
                else:
                    log.exception("fetching KB articles failed")
                fetched = {h.id: unavailable_article(h) for h in hits if h.id in missing}
        return fetched

    # the meaning signal: after the lexical hits show, the query is encoded (debounced, one
    # worker at a time) and the same hits come back re-sorted; the selection stays where it is
    def _semantic_state_changed(self, status: SemanticStatus) -> None:
        self.kb.show_semantic(status)
        if status.state == "ready" and self._shown_query and self._meaning_shown != self._shown_query:
            self._request_meaning(self._shown_query)

    def _request_meaning(self, query: str) -> None:
        vectors = self.app.kb_vectors
        if self._meaning_timer is not None:
            self._meaning_timer.stop()
            self._meaning_timer = None
        if vectors is None or not vectors.status.usable or not query.strip():
            return
        self._meaning_timer = self.set_timer(MEANING_DELAY, lambda: self._meaning(query))

    @work(thread=True, exclusive=True, group="kb-meaning", exit_on_error=False)
    def _meaning(self, query: str) -> None:
        from agent_console.search.semantic import BLEND, resort

        index, vectors = self.app.kb_index, self.app.kb_vectors
        if index is None or vectors is None or query != self._latest_query:
            return
        qvec = vectors.query_vector(query)
        if qvec is None or query != self._latest_query:
            return  # unavailable, or the agent typed on meanwhile: a newer search follows
        hits = index.search(query, max(BLEND.depth, KB_LIMIT))
        ranked = resort(hits, vectors.cosines([h.id for h in hits], qvec))
        shown = ranked[:KB_LIMIT]
        self.app.call_from_thread(self._apply_meaning, query, shown, ranked,
                                  self._fetch_answers(shown))

    def _apply_meaning(self, query: str, hits: list[SearchHit], ranked: list[SearchHit],
                       fetched: dict[str, ArticleInfo]) -> None:
        if query != self._latest_query or query != self._shown_query:
            return  # stale: the pane shows another search by now
        keep = self.kb.selected_id()
        if keep is not None and keep not in {h.id for h in hits}:
            kept = next((h for h in ranked if h.id == keep), None)
            if kept is not None:  # re-sorted out of the list: it stays, last
                matches = [h for h in hits if h.relevant][: KB_LIMIT - 1]
                hits = [*matches, kept, *(h for h in hits if not h.relevant)][:KB_LIMIT]
        self._meaning_shown = query
        self._apply_hits(query, hits, fetched, meaning=True)

    def _apply_hits(self, query: str, hits: list[SearchHit],
                    fetched: dict[str, ArticleInfo] | None = None, meaning: bool = False) -> None:
        if fetched:
            if len(self._articles) > 2000:
                self._articles.clear()
            # an article shown without its answer (outage) is fetched again next time
            self._articles = {k: v for k, v in self._articles.items()
                              if v.answer != UNAVAILABLE}
            self._articles.update(fetched)
        if query != self._latest_query:
            return  # a newer keystroke already asked again
        if (not meaning and self._changed_at is not None and query.strip()
                and query == self.query_one("#f-content", TextArea).text):
            self.kb_latencies_ms.append((time.perf_counter() - self._changed_at) * 1000)
        new_search = query != self._shown_query
        if new_search:
            self._own_answer = False
        self._shown_query = query
        self.kb.show_hits(hits, self._articles, self.services.clock.now().date(),
                          keep=None if new_search else self.kb.selected_id(),
                          select=not self._own_answer)
        size = len(self.app.kb_index) if self.app.kb_index is not None else 0
        matches = sum(1 for h in hits if h.relevant)
        if matches:
            self.kb.show_status(f"知识库 {size} 条 · 匹配 {matches} 条")
        elif hits:
            self.kb.show_status("未找到匹配条目（灰色仅供参考）")  # fits the pane at 80×24
        elif query.strip():
            self.kb.show_status("未找到匹配条目，可自拟答复或派发工单")
        else:
            self.kb.show_status(f"知识库 {size} 条")
        if query.strip() and not matches:
            self._drop_article_category()  # it came from an article this text does not match
        self._show_selected_article()
        if not meaning:
            self._meaning_shown = None
            self._request_meaning(query)

    @on(OptionList.OptionHighlighted, "#kb-results")
    def _article_highlighted(self) -> None:
        if self.kb.selected_id() is not None:
            self._own_answer = False
        self._show_selected_article()

    def action_toggle_withheld(self) -> None:
        """Ctrl+R: the call came in without a number (or it did after all)."""
        box = self.query_one("#f-withheld", Checkbox)
        box.value = not box.value

    def action_own_answer(self) -> None:
        """Esc: no article is read; F5 then asks for the agent's own answer."""
        if self.kb.selected_id() is None:
            return
        self._own_answer = True
        self.kb.clear_selection(self.services.clock.now().date())
        self._drop_article_category()  # it came from the article no longer chosen
        self.notify("已取消选中知识库条目：F5 为自拟答复", title="知识库")

    def _drop_article_category(self) -> None:
        """The category a KB article put in the form goes with the article; one the agent
        chose, or an emergency's or a utility fault's, stays."""
        if (not self._category_manual and self._auto_category is not None
                and self._follow_up_category() is None):
            self._auto_category = None
            self.form.set_category(None)

    def _show_selected_article(self) -> None:
        article = self.selected_article()
        self.kb.show_article(article, self.services.clock.now().date())
        if (article is not None and not self._category_manual and article.category_id
                and self._follow_up_category() is None):
            self._auto_category = article.category_id
            self.form.set_category(article.category_id)

    def selected_article(self) -> ArticleInfo | None:
        article_id = self.kb.selected_id()
        return self._articles.get(article_id) if article_id else None

    # ------------------------------------------------------------------ outcomes
    def _draft_for_outcome(self) -> IntakeDraft:
        draft = self.form.draft()
        if draft.category_id is None:
            article = self.selected_article()
            if article is not None and article.category_id:
                self.form.set_category(article.category_id)
                draft = IntakeDraft(**{**draft.to_dict(), "category_id": article.category_id})
        return draft

    def _record(self, kind: str, **args) -> None:
        """One outcome: kept on this machine, then delivered (a worker). The form stays until
        the outcome is kept; a refusal leaves it as it is with the fields marked."""
        if self._recording:
            self.notify("正在记录上一个结果…", severity="warning")
            return
        self._recording = True
        command = SeatCommand(kind, self.operator, self._with_resume(self.form.draft()),
                              self.started_at, args)

        def not_kept(_exc) -> None:
            self._recording = False
            self.notify("未能记录：本机和数据库都无法写入，受理单内容仍在，请稍后再试",
                        title="未能记录", severity="error", timeout=10)

        run_db(self, self.services.outbox.record, command, done=self._sent, outage=not_kept,
               refused=self._refused, group="outcome", name=f"outcome_{kind}")

    def _refused(self, exc: ServiceError) -> None:
        self._recording = False
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.errors)
            self.notify(exc.message, title="请检查受理单", severity="error")
            return
        self.notify(exc.message, title="未能记录", severity="error")

    def _sent(self, sent: Sent) -> None:
        self._recording = False
        self.app._refresh_outbox_counts()
        if sent.status == DELIVERED:
            self._finish_call(sent.result)
            return
        if sent.status == PENDING:
            self._finish_pending(sent)
            return
        self._refused(sent.error)

    def _precheck(self, draft: IntakeDraft, errors: dict[str, str]) -> bool:
        if errors:
            self.form.show_errors(errors)
            self.notify("；".join(errors.values()), title="请检查受理单", severity="error")
            return False
        self.form.clear_errors()
        return True

    def action_answer(self) -> None:
        if self._transfer_blocks():
            return
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return
        article = self.selected_article()

        def done(choice: AnswerChoice | None) -> None:
            if choice is not None:
                self._record("answer_online", article_id=choice.article_id,
                             own_answer=choice.own_answer)

        self.app.push_screen(AnswerDialog(article, self.services.clock.now().date()), done)

    def action_work_order(self) -> None:
        if self._transfer_blocks():
            return
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_work_order(draft)):
            return
        triage = self.services.reference.triage.classify(draft.content)
        try:  # Art. 12: an order dispatched at once runs on the real clock
            proposal = self.services.dispatch.propose(draft.category_id, draft.region or None,
                                                      draft.request_type, draft.urgency,
                                                      self.services.clock.now(),
                                                      immediate=triage.immediate_dispatch)
        except ServiceError as exc:
            self.notify(exc.message, severity="error")
            return
        proposal = self.services.dispatch.for_emergency(proposal, triage, draft.category_id)
        article = self.selected_article()
        units = sorted(self.services.catalog.units().values(), key=lambda u: u.id)

        def done(choice: DispatchChoice | None) -> None:
            if choice is not None:
                self._record("create_work_order", lead_unit_id=choice.lead_unit_id,
                             co_handler_ids=list(choice.co_handler_ids),
                             article_id=article.id if article else None,
                             to_dispatcher=choice.to_dispatcher)

        self.app.push_screen(DispatchDialog(proposal, units, triage.immediate_dispatch), done)

    def action_not_accepted(self) -> None:
        if self._transfer_blocks():
            return
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return

        def done(code: int | None) -> None:
            if code is not None:
                self._record("not_accepted", code=code)

        # Art. 11(6) is for a request already handled, not for an emergency called in again
        repeat = self._repeat if not self._triage.is_emergency else None
        items = tuple(
            replace(i, script=script_for_repeat(i.script, repeat.order_number if repeat else None,
                                                repeat.at if repeat else None))
            for i in self.services.reference.not_accepted)
        self.app.push_screen(ScriptPickDialog("不予受理（第十一条）", items, "记录不予受理",
                                              initial=REPEAT_CODE if repeat else None), done)

    def _follow_up_plan(self, draft: IntakeDraft, triage: TriageResult):
        """(plan shown in F9, the proposal) of the hand-off's follow-up order, or None."""
        try:
            follow = self.services.dispatch.follow_up(
                triage, draft.category_id, draft.region or None, draft.request_type,
                draft.urgency, self.services.clock.now())
        except ServiceError:
            return None
        if follow is None:
            return None
        p = follow.dispatch
        names = "、".join(u.name for u in follow.co_handlers)
        plan = FollowUpPlan(
            unit=p.lead.name + (f"（配合：{names}）" if names else ""),
            category=p.category_path, request_type=follow.request_type, urgency=follow.urgency,
            deadline=f"{p.rule_text}；签收 {p.sign_by:%m-%d %H:%M} 前，"
                     f"办结 {p.due_at:%m-%d %H:%M} 前")
        return plan, follow

    def action_emergency(self) -> None:
        """F9: Art. 12. Every service the emergency needs, the follow-up order to the unit
        that must sign (shown for confirmation), then one record."""
        if self._transfer_blocks():
            return
        draft = self._draft_for_outcome()
        triage = self.services.reference.triage.classify(draft.content)
        self._triage = triage
        rules = self.services.reference.triage.emergency
        summary = " ".join(draft.content.split())[:200]
        planned = self._follow_up_plan(draft, triage)
        why = ""
        if triage.kinds:
            why = "识别为：" + "、".join(f"{k.name}（“{k.keyword}”）" for k in triage.kinds) + \
                "".join(f"、{name}（“{kw}”）" for name, kw in triage.modifiers)

        def done(choice: EmergencyChoice | None) -> None:
            if choice is None:
                return
            lead, co = None, ()
            if choice.follow_up and planned is not None:
                follow = planned[1]
                lead, co = follow.dispatch.lead.id, tuple(u.id for u in follow.co_handlers)
                # the record and the order carry what the dialog showed
                self.form.set_category(follow.category_id)
                self._category_manual = True
                self.form.set_value("request_type", follow.request_type)
                self.form.set_value("urgency", follow.urgency)
            self._record("emergency_handoff", services=list(choice.services),
                         summary=choice.summary, follow_up_lead_unit_id=lead,
                         co_handler_ids=list(co))

        self.app.push_screen(EmergencyDialog(
            [(r.service, r.name, r.script) for r in rules], triage.services, summary,
            planned[0] if planned else None, triage.advice, triage.utility_lines, why), done)

    def action_warning(self) -> None:
        if self._transfer_blocks():
            return
        def done(code: int | None) -> None:
            if code is not None:
                self._record("warn_caller", code=code)

        self.app.push_screen(ScriptPickDialog("劝阻警示（第二十五条）",
                                              self.services.reference.warnings,
                                              "记录警示"), done)

    # ------------------------------------------------------------------ online submissions
    def action_take_online(self) -> None:
        """Art. 3: the oldest website/WeChat/e-mail/蒙速办 request, into the same form."""
        if self._transfer_blocks():
            return
        if not self.form.draft().is_blank:
            self.notify("请先结束当前受理（或 Ctrl+N 放弃）再取网上来件", severity="warning")
            return
        run_db(self, self._take_next, done=self._took, group="online", exclusive=True,
               name="take_online",
               outage=lambda _e: self.notify("数据库连接中断，暂时无法取网上来件",
                                             severity="error"))

    def _take_next(self) -> tuple[Submission | None, int]:
        submission = self.services.online.take_next(self.operator)
        return submission, self.services.online.pending_count()

    def _took(self, taken: tuple[Submission | None, int]) -> None:
        submission, left = taken
        if submission is None:
            self.notify("网上来件队列为空", title="网上来件")
            return
        if not self.form.draft().is_blank:  # typed into meanwhile: the submission goes back
            run_db(self, self.services.online.release, self.operator, submission.id,
                   group="online-release")
            self.notify("受理单已有内容，网上来件已退回队列", severity="warning")
            return
        draft = submission.to_draft()
        self._loading = True
        self.form.load(draft)
        self._last_draft = draft
        self._submission_id = submission.id
        self.call_after_refresh(self._end_loading)
        self.started_at = self.services.clock.now()
        self.query_one(ConsoleHeader).call_started = self.started_at
        self._refresh_derived(draft)
        self.save_draft_now()
        self.notify(f"{submission.channel}来件 {submission.external_id}"
                    f"（{submission.received_at:%m-%d %H:%M}），剩余 {left} 件", title="网上来件")
        self.set_focus(self.query_one("#f-content", TextArea))

    def _renew_submission(self) -> None:
        """The submission on screen stays this seat's while the seat lives."""
        if self._submission_id is None:
            return
        sid = self._submission_id

        def renewed(still_mine: bool) -> None:
            if not still_mine and self._submission_id == sid:
                self.notify("该网上来件已被退回队列（长时间无响应）；记录结果时如他人已处理会提示",
                            severity="warning")

        run_db(self, self.services.online.renew, self.operator, sid, done=renewed,
               group="online-lease", exclusive=True, name="renew_lease")

    # ------------------------------------------------------------------ the outbox (F4)
    def action_outbox(self) -> None:
        from agent_console.ui.screens.outbox import OutboxScreen

        self.app.push_screen(OutboxScreen(self.services, self.operator), self._outbox_closed)

    def _outbox_closed(self, key: str | None) -> None:
        self.app._refresh_outbox_counts()
        if key is None:
            return
        if not self.form.draft().is_blank:
            self.notify("请先结束当前受理（或 Ctrl+N 放弃），再把未能提交的来电退回受理单",
                        severity="warning")
            return
        run_db(self, self.services.outbox.take_back, key, done=self._redo, group="outbox-back")

    def _redo(self, command: SeatCommand | None) -> None:
        self.app._refresh_outbox_counts()
        if command is None:
            return
        draft = command.draft
        if draft.submission_id is not None:
            draft = IntakeDraft(**{**draft.to_dict(), "submission_id": None})
        self._loading = True
        self.form.load(draft)
        self._last_draft = draft
        self._submission_id = None
        self.call_after_refresh(self._end_loading)
        self.started_at = command.started_at
        self.query_one(ConsoleHeader).call_started = self.started_at
        self._refresh_derived(draft)
        self.save_draft_now()
        self.notify("已退回受理单：修改后重新记录", title="待提交")

    # ------------------------------------------------------------------ call boundaries
    def action_next_call(self) -> None:
        """Ctrl+N: end this call. A hung-up or invalid call is recorded (it is a call the
        centre took); only a draft typed by mistake is discarded without a record."""
        if self._transfer_blocks():
            return
        if self.form.draft().is_blank:
            self._new_call()
            return
        online = self._submission_id is not None

        def done(choice: str | None) -> None:
            if choice in ("record_hung_up", "record_invalid"):
                self._record(choice)
                return
            if choice != "discard":
                return
            sid = self._submission_id
            run_db(self, self._abandon, sid, group="abandon", name="abandon_call")
            if sid is not None:
                self.notify("网上来件已退回队列")
            self._new_call()

        self.app.push_screen(CallEndDialog(online), done)

    def _abandon(self, submission_id: int | None) -> None:
        self.services.outbox.discard_draft(self.operator)
        if submission_id is not None:
            self.services.online.release(self.operator, submission_id)

    def _finish_call(self, result: IntakeResult) -> None:
        self.last_result = result
        if self._recorded_expert(result):
            return
        message = result.message
        if result.order_number:
            order_notice = self.services.reference.phrases.get("work_order_notice", "")
            deadline = f"{result.due_at:%Y年%m月%d日%H:%M}前" if result.due_at else "规定时限内"
            message += "\n" + order_notice.replace("{number}", result.order_number) \
                .replace("{deadline}", deadline)
        self.notify(result.message, title="已记录")
        self._new_call()
        self.panel.show_outcome(message)

    def _finish_pending(self, sent: Sent) -> None:
        """Kept on this machine: recorded for the agent, delivered when the database is back."""
        self.last_pending = sent
        message = (f"已记录（{sent.command.label}），保存在本机，数据库恢复后自动提交"
                   f"（待提交 {sent.waiting} 件，F4 查看）")
        if sent.command.kind in ("create_work_order", "emergency_handoff"):
            message += ("\n工单号在提交后生成（F4 可查看）：请告知诉求人诉求已受理，"
                        "可凭来电号码查询办理进度")
        self.notify(message, title="已记录（待提交）", severity="warning", timeout=8)
        self._new_call()
        self.panel.show_outcome(message)

    def _new_call(self) -> None:
        self._end_resume()
        if self._save_timer:
            self._save_timer.stop()
        self._loading = True
        self.form.load(IntakeDraft())
        self._last_draft = IntakeDraft()
        self._submission_id = None
        self.query_one("#kb-search", Input).value = ""
        self.call_after_refresh(self._end_loading)
        self._category_manual = False
        self._auto_category = None
        self.started_at = self.services.clock.now()
        self.query_one(ConsoleHeader).call_started = self.started_at
        self._latest_phone = ""
        self.panel.show_history(None)
        self._repeat = None
        self._auto = {}
        self._manual = dict.fromkeys(DEFAULTS, False)
        self._triage = self.services.reference.triage.classify("")
        self.form.show_proposals("")
        self.panel.show_repeat(None)
        self.panel.show_outcome(None)
        self.panel.show_triage(self._triage, {})
        self._latest_query = ""
        self._shown_query = None
        self._own_answer = False
        self._apply_hits("", [])
        self.set_focus(self.query_one("#f-number", Input))
