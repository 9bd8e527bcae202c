"""The seat agent's screen: incoming-call form beside the knowledge base, one-key outcomes."""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Footer, Input, OptionList, Select, TextArea

from agent_console.domain.intake import IntakeDraft
from agent_console.services.dto import ArticleInfo, CallerHistory, IntakeResult, OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.ui.screens.dialogs import (
    AnswerChoice,
    AnswerDialog,
    ConfirmDialog,
    ConsentDialog,
    DispatchChoice,
    DispatchDialog,
    EmergencyChoice,
    EmergencyDialog,
    ScriptPickDialog,
)
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.call_form import CallForm
from agent_console.ui.widgets.caller_panel import CallerPanel
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.kb_pane import KbPane

if TYPE_CHECKING:
    from agent_console.search.index import SearchHit

DRAFT_SAVE_DELAY = 0.4
HISTORY_DELAY = 0.25
REPEAT_DELAY = 0.6
KB_LIMIT = 10


class SeatScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("f2", "focus_kb", "搜知识库", id="focus_kb", priority=True),
        Binding("f3", "focus_content", "诉求内容", id="focus_content", priority=True),
        Binding("f5", "answer", "直接答复", id="answer_online", priority=True),
        Binding("f6", "expert", "专家座席", id="expert_seat", priority=True),
        Binding("f7", "work_order", "派发工单", id="work_order", priority=True),
        Binding("f8", "not_accepted", "不予受理", id="not_accepted", priority=True),
        Binding("f9", "emergency", "紧急联动", id="emergency", priority=True),
        Binding("f10", "warning", "劝阻警示", id="warning", priority=True),
        Binding("ctrl+n", "next_call", "下一通", id="next_call", priority=True),
        Binding("f12", "take_online", "网上来件", id="take_online", priority=True),
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
        self._latest_phone = ""
        self._loading = False
        self._last_draft = IntakeDraft()
        self._submission_id: int | None = None
        self.last_result: IntakeResult | None = None
        self._changed_at: float | None = None
        # keystroke (content changed) → KB pane updated, in ms; read by the typing benchmark
        self.kb_latencies_ms: deque[float] = deque(maxlen=10_000)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, self._title, id="header")
        with Horizontal(id="seat-body"):
            with Vertical(id="left"):
                yield CallForm(self.services.catalog.regions(), self._categories, id="call-form")
                yield CallerPanel(id="caller-panel")
            yield KbPane(id="kb-pane")
        yield Footer()

    @property
    def form(self) -> CallForm:
        return self.query_one(CallForm)

    @property
    def kb(self) -> KbPane:
        return self.query_one(KbPane)

    @property
    def panel(self) -> CallerPanel:
        return self.query_one(CallerPanel)

    def on_mount(self) -> None:
        saved = self.services.intake.load_draft(self.operator)
        if saved is not None and not saved.draft.is_blank:
            self._loading = True
            self.form.load(saved.draft)
            self._last_draft = saved.draft
            self._submission_id = saved.draft.submission_id
            self.started_at = saved.started_at
            self._category_manual = saved.draft.category_id is not None
            self.call_after_refresh(self._end_loading)
            self.notify("已恢复上次未完成的来电草稿", title="草稿")
            self._refresh_derived(saved.draft)
        self.query_one(ConsoleHeader).call_started = self.started_at
        self._index_state_changed()
        self.set_focus(self.query_one("#f-number", Input))

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
        content = self.query_one("#f-content", TextArea).text
        self.panel.show_triage(self.services.reference.triage.classify(content),
                               self._emergency_scripts())
        if not self.query_one("#kb-search", Input).value.strip():
            self.request_search(content)
        if self._repeat_timer:
            self._repeat_timer.stop()
        self._repeat_timer = self.set_timer(REPEAT_DELAY, self._check_repeat)
        self._form_changed()

    @on(Input.Changed, "#kb-search")
    def _kb_query_changed(self, event: Input.Changed) -> None:
        query = event.value if event.value.strip() else self.query_one("#f-content", TextArea).text
        self.request_search(query)

    @on(Input.Changed, "#f-name")
    @on(Input.Changed, "#f-address")
    @on(Checkbox.Changed, "#f-confidential")
    @on(Select.Changed, "#f-channel")
    @on(Select.Changed, "#f-type")
    @on(Select.Changed, "#f-urgency")
    @on(Select.Changed, "#f-region")
    def _other_changed(self) -> None:
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
        if self._save_timer:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft_now)

    def _emergency_scripts(self) -> dict[str, str]:
        return {r.service: r.script for r in self.services.reference.triage.emergency}

    def _refresh_derived(self, draft: IntakeDraft) -> None:
        self.panel.show_triage(self.services.reference.triage.classify(draft.content),
                               self._emergency_scripts())
        self._latest_phone = draft.caller_number
        self._load_history()
        self.request_search(draft.content)

    # ------------------------------------------------------------------ drafts
    def save_draft_now(self) -> None:
        draft = self.form.draft()
        self._save_draft(draft, self.started_at)

    @work(thread=True, exclusive=True, group="draft")
    def _save_draft(self, draft: IntakeDraft, started_at: datetime) -> None:
        try:
            self.services.intake.save_draft(self.operator, draft, started_at)
        except Exception as exc:  # noqa: BLE001 - surfaced to the agent, never lost silently
            self.app.call_from_thread(self.notify, f"草稿保存失败：{exc}", severity="error")

    # ------------------------------------------------------------------ caller history
    def _load_history(self) -> None:
        self._fetch_history(self._latest_phone)

    @work(thread=True, exclusive=True, group="history")
    def _fetch_history(self, phone: str) -> None:
        history = self.services.intake.caller_history(phone) if phone.strip() else None
        self.app.call_from_thread(self._show_history, phone, history)

    def _show_history(self, phone: str, history: CallerHistory | None) -> None:
        if phone != self._latest_phone:
            return
        self.panel.show_history(history, self.services.clock.now())

    def _check_repeat(self) -> None:
        draft = self.form.draft()
        self._fetch_repeat(draft.caller_number, draft.content, draft.category_id)

    @work(thread=True, exclusive=True, group="repeat")
    def _fetch_repeat(self, phone: str, content: str, category_id: int | None) -> None:
        notice = self.services.intake.find_repeat(phone, content, category_id)
        self.app.call_from_thread(self.panel.show_repeat, notice)

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

    @work(thread=True, exclusive=True, group="kb")
    def _search(self, query: str) -> None:
        index = self.app.kb_index
        hits = index.search(query, KB_LIMIT) if index is not None else []
        missing = [h.id for h in hits if h.id not in self._articles]
        fetched = self.services.knowledge.articles_by_ids(missing) if missing else {}
        self.app.call_from_thread(self._apply_hits, query, hits, fetched)

    def _apply_hits(self, query: str, hits: list[SearchHit],
                    fetched: dict[str, ArticleInfo] | None = None) -> None:
        if fetched:
            if len(self._articles) > 2000:
                self._articles.clear()
            self._articles.update(fetched)
        if query != self._latest_query:
            return  # a newer keystroke already asked again
        if (self._changed_at is not None and query.strip()
                and query == self.query_one("#f-content", TextArea).text):
            self.kb_latencies_ms.append((time.perf_counter() - self._changed_at) * 1000)
        self.kb.show_hits(hits, self._articles, self.services.clock.now().date())
        size = len(self.app.kb_index) if self.app.kb_index is not None else 0
        if hits:
            self.kb.show_status(f"知识库 {size} 条 · 匹配 {len(hits)} 条")
        elif query.strip():
            self.kb.show_status("没有匹配的知识库条目，可自拟答复或派发工单")
        else:
            self.kb.show_status(f"知识库 {size} 条")
        self._show_selected_article()

    @on(OptionList.OptionHighlighted, "#kb-results")
    def _article_highlighted(self) -> None:
        self._show_selected_article()

    def _show_selected_article(self) -> None:
        article = self.selected_article()
        self.kb.show_article(article, self.services.clock.now().date())
        if article is not None and not self._category_manual and article.category_id:
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

    def _run(self, fn, *args, **kwargs) -> IntakeResult | None:
        try:
            result = fn(*args, **kwargs)
        except ValidationFailed as exc:
            self.form.show_errors(exc.errors)
            self.notify(exc.message, title="请检查受理单", severity="error")
            return None
        except ServiceError as exc:
            self.notify(exc.message, title="未能记录", severity="error")
            return None
        self._finish_call(result)
        return result

    def _precheck(self, draft: IntakeDraft, errors: dict[str, str]) -> bool:
        if errors:
            self.form.show_errors(errors)
            self.notify("；".join(errors.values()), title="请检查受理单", severity="error")
            return False
        self.form.clear_errors()
        return True

    def action_answer(self) -> None:
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return
        article = self.selected_article()

        def done(choice: AnswerChoice | None) -> None:
            if choice is None:
                return
            self._run(self.services.intake.answer_online, self.operator, self.form.draft(),
                      self.started_at, choice.article_id, choice.own_answer)

        self.app.push_screen(AnswerDialog(article, self.services.clock.now().date()), done)

    def action_expert(self) -> None:
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return
        article = self.selected_article()
        domain, expert = self.services.intake.expert_target(
            article.id if article else None, draft.category_id)
        if domain is None:
            self.notify("请先选中知识库条目或选择诉求分类，以确定专家座席领域", severity="error")
            return
        if expert is None:
            self.notify(markup=False, message=f"当前没有“{domain}”领域的专家座席在岗，请按 F7 派发工单", severity="error")
            return
        target = f"领域：{domain}　在岗专家：{expert.staff_no} {expert.name}"

        def done(consent: bool | None) -> None:
            if consent is None:
                return
            if not consent:
                self.notify("诉求人不同意转接，未转接。可按 F5 直接答复或 F7 派发工单。",
                            title="未转接")
                return
            self._run(self.services.intake.transfer_to_expert, self.operator, self.form.draft(),
                      self.started_at, article.id if article else None, True)

        question = self.services.reference.phrases.get("consent_expert", "")
        self.app.push_screen(ConsentDialog(question, target), done)

    def action_work_order(self) -> None:
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_work_order(draft)):
            return
        try:
            proposal = self.services.dispatch.propose(draft.category_id, draft.region or None,
                                                      draft.request_type, draft.urgency,
                                                      self.services.clock.now())
        except ServiceError as exc:
            self.notify(exc.message, severity="error")
            return
        triage = self.services.reference.triage.classify(draft.content)
        article = self.selected_article()
        units = sorted(self.services.catalog.units().values(), key=lambda u: u.id)

        def done(choice: DispatchChoice | None) -> None:
            if choice is None:
                return
            self._run(self.services.intake.create_work_order, self.operator, self.form.draft(),
                      self.started_at, choice.lead_unit_id, choice.co_handler_ids,
                      article.id if article else None, choice.to_dispatcher)

        self.app.push_screen(DispatchDialog(proposal, units, triage.immediate_dispatch), done)

    def action_not_accepted(self) -> None:
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return

        def done(code: int | None) -> None:
            if code is None:
                return
            self._run(self.services.intake.not_accepted, self.operator, self.form.draft(),
                      self.started_at, code)

        self.app.push_screen(ScriptPickDialog("不予受理（第十一条）",
                                              self.services.reference.not_accepted,
                                              "记录不予受理"), done)

    def action_emergency(self) -> None:
        draft = self._draft_for_outcome()
        triage = self.services.reference.triage.classify(draft.content)
        rules = self.services.reference.triage.emergency
        suggested = triage.services[0] if triage.services else None
        can_follow = draft.category_id is not None
        summary = " ".join(draft.content.split())[:200]

        def done(choice: EmergencyChoice | None) -> None:
            if choice is None:
                return
            current = self.form.draft()
            lead = None
            if choice.follow_up and current.category_id is not None:
                try:
                    lead = self.services.dispatch.propose(
                        current.category_id, current.region or None, current.request_type,
                        current.urgency, self.services.clock.now()).lead.id
                except ServiceError as exc:
                    self.notify(exc.message, severity="error")
                    return
            self._run(self.services.intake.emergency_handoff, self.operator, current,
                      self.started_at, choice.service, choice.summary, lead)

        self.app.push_screen(EmergencyDialog([(r.service, r.name, r.script) for r in rules],
                                             suggested, summary, can_follow), done)

    def action_warning(self) -> None:
        def done(code: int | None) -> None:
            if code is None:
                return
            self._run(self.services.intake.warn_caller, self.operator, self.form.draft(),
                      self.started_at, code)

        self.app.push_screen(ScriptPickDialog("劝阻警示（第二十五条）",
                                              self.services.reference.warnings,
                                              "记录警示"), done)

    def action_take_online(self) -> None:
        """Art. 3: the oldest website/WeChat/e-mail/蒙速办 request, into the same form."""
        if not self.form.draft().is_blank:
            self.notify("请先结束当前受理（或 Ctrl+N 放弃）再取网上来件", severity="warning")
            return
        submission = self.services.online.take_next(self.operator)
        if submission is None:
            self.notify("网上来件队列为空", title="网上来件")
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
        self.notify(markup=False, message=f"{submission.channel}来件 {submission.external_id}（{submission.received_at:%m-%d %H:%M}）"
                    f"，剩余 {self.services.online.pending_count()} 件", title="网上来件")
        self.set_focus(self.query_one("#f-content", TextArea))

    def action_next_call(self) -> None:
        if self.form.draft().is_blank:
            self._new_call()
            return

        def done(ok: bool | None) -> None:
            if ok:
                self.services.intake.discard_draft(self.operator)
                if self._submission_id is not None:
                    self.services.online.release(self.operator, self._submission_id)
                    self.notify("网上来件已退回队列")
                self._new_call()

        self.app.push_screen(ConfirmDialog("放弃当前来电？",
                                           "当前受理单尚未记录结果，放弃后草稿将被删除。"), done)

    # ------------------------------------------------------------------ call boundaries
    def _finish_call(self, result: IntakeResult) -> None:
        self.last_result = result
        message = result.message
        if result.order_number:
            order_notice = self.services.reference.phrases.get("work_order_notice", "")
            deadline = f"{result.due_at:%Y年%m月%d日%H:%M}前" if result.due_at else "规定时限内"
            message += "\n" + order_notice.replace("{number}", result.order_number) \
                .replace("{deadline}", deadline)
        self.notify(result.message, title="已记录")
        self._new_call()
        self.panel.show_outcome(message)

    def _new_call(self) -> None:
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
        self.panel.show_repeat(None)
        self.panel.show_outcome(None)
        self.panel.show_triage(self.services.reference.triage.classify(""), {})
        self._latest_query = ""
        self._apply_hits("", [])
        self.set_focus(self.query_one("#f-number", Input))
