"""The Textual application: log-in, then the screens the operator's role may use."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from agent_console.config import keymap_path, load_keymap
from agent_console.domain.enums import Role
from agent_console.services.dto import OperatorInfo
from agent_console.services.health import is_outage, outage_message
from agent_console.store.notify import ANY, KB
from agent_console.ui.bindings_zh import localise_bindings
from agent_console.ui.messages import DataChanged, IndexReady, SemanticProgress
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.login import LoginScreen
from agent_console.ui.screens.orders import OrdersScreen
from agent_console.ui.screens.seat import SeatScreen
from agent_console.ui.work import run_db

if TYPE_CHECKING:
    from agent_console.search.index import KnowledgeIndex
    from agent_console.search.semantic import ArticleVectors, SemanticStatus

log = logging.getLogger(__name__)

KB_POLL_SECONDS = 10.0
RETIRED = -1  # the live index's note of an article it dropped
WATCH_SECONDS = 3.0  # outage probe while the database is away; outbox delivery while it waits
RETRY_INDEX_SECONDS = 5.0
CALENDAR_RELOAD_SECONDS = 600.0  # another console's calendar import shows up by then
# A trainer's calls are simulated (the 培训 screen, over practice databases): no real seat
SEAT_ROLES = frozenset({Role.SEAT_AGENT, Role.ADMIN, Role.EXPERT})
TRAINING_ROLES = frozenset({Role.SEAT_AGENT, Role.TRAINER, Role.ADMIN})
ORDER_ROLES = frozenset({Role.DISPATCHER, Role.CALLBACK, Role.SUPERVISOR, Role.UNIT_LIAISON,
                         Role.ADMIN, Role.SEAT_AGENT, Role.TRAINER})
EXPERT_ROLES = frozenset({Role.EXPERT, Role.ADMIN})

KB_ROLES = frozenset({Role.UNIT_LIAISON, Role.SUPERVISOR, Role.ADMIN})
ROSTER_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
# 统计分析 (Art. 22): the centre's desks; a unit's liaison sees the own unit only
ANALYTICS_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN, Role.UNIT_LIAISON})
HOME_SCREENS = ("seat", "expert", "orders", "training", "kb", "roster", "analytics")
HOME = {
    Role.SEAT_AGENT: "seat",
    Role.TRAINER: "training",
    Role.ADMIN: "seat",
    Role.EXPERT: "expert",
    Role.DISPATCHER: "orders",
    Role.CALLBACK: "orders",
    Role.SUPERVISOR: "orders",
    Role.UNIT_LIAISON: "orders",
}


def _raised_in_a_handler(error: BaseException) -> bool:
    """Whether the error came up through a widget's message loop (which it has ended)."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    return any(f.name == "_dispatch_message" for f in frames)


class ConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "通辽12345坐席工作台"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "退出", id="quit", priority=True),
        # Before the keys after them: typed in one burst (1001 Tab demo Enter), the keys after
        # a Tab must land in the next field, so focus moves as the app reads the Tab.
        Binding("tab", "focus_next", "下一个输入项", show=False, priority=True, id="focus_next"),
        Binding("shift+tab", "focus_previous", "上一个输入项", show=False, priority=True,
                id="focus_previous"),
        Binding("ctrl+t", "goto('seat')", "坐席受理", id="goto_seat"),
        Binding("ctrl+e", "goto('expert')", "专家队列", id="goto_expert"),
        Binding("ctrl+o", "goto('orders')", "工单列表", id="goto_orders"),
        Binding("ctrl+g", "goto('training')", "培训", id="goto_training"),
        Binding("ctrl+k", "goto('kb')", "知识库", id="goto_kb"),
        Binding("ctrl+b", "goto('roster')", "专家值班", id="goto_roster"),
        Binding("ctrl+y", "goto('analytics')", "统计分析", id="goto_analytics"),
    ]

    def __init__(self, services, keymap: dict[str, str] | None = None,
                 keymap_file: Path | None = None, log_path: Path | None = None,
                 encoder_factory=None) -> None:
        """``encoder_factory``: the meaning signal's model loader (search.semantic.load_encoder,
        or a fake in tests); None leaves search lexical only."""
        localise_bindings()  # Textual's own key descriptions in Chinese, before any widget
        super().__init__()
        self.services = services
        self.log_path = log_path
        self.outbox_counts: tuple[int, int] = (0, 0)  # (waiting, refused) on this machine
        self._was_up = True  # what the header last said of the database
        self.operator: OperatorInfo | None = None
        self.kb_index: KnowledgeIndex | None = None
        self._encoder_factory = encoder_factory
        self.kb_vectors: ArticleVectors | None = None  # the meaning signal, once the index is in
        self.semantic_status: SemanticStatus | None = None
        self.index_seconds: float | None = None
        self.index_source: str | None = None
        self._kb_version: str | None = None
        self._kb_taken: dict[str, int] = {}  # article id → what the live index took of it
        self._kb_synced_at = None
        self._kb_poll = None
        self._keymap_error: str | None = None
        if keymap is None:
            keymap, self._keymap_error = load_keymap(keymap_file or keymap_path())
        self._keymap = keymap

    async def action_quit(self) -> None:
        """Ctrl+Q during a simulated call asks first, and the call is scored as given up
        (kept with the trainee's attempts) before the console closes."""
        from agent_console.ui.screens.practice import PracticeSeatScreen

        practice = next((s for s in self.screen_stack
                         if isinstance(s, PracticeSeatScreen) and not s.ended), None)
        if practice is None and self.operator is not None and self.operator.role is Role.EXPERT:
            self._expert_quits()
            return
        if practice is None:
            self.exit()
            return
        practice.give_up(then=self.exit, question="正在进行模拟来电，尚未记录受理结果。"
                                                  "退出将按未完成评分并保存，确定退出吗？")

    def _expert_quits(self) -> None:
        """An expert on a call is asked first: quitting hands the call back to its seat
        (cli.main does that as the console ends)."""
        from agent_console.ui.screens.dialogs import ConfirmDialog

        def asked(row) -> None:
            if row is None:
                self.exit()
                return
            self.push_screen(ConfirmDialog(
                "退出专家座席", "您正在处理一通转接来电。退出后这通来电将退回转出坐席继续处理，"
                "确定退出吗？"), lambda yes: self.exit() if yes else None)

        run_db(self, self.services.expert.open_call, self.operator, done=asked,
               outage=lambda _e: self.exit(), group="quit", name="expert_open_call")

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Toasts never parse markup: messages carry caller text, order numbers, file names."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self._keymap:
            self.set_keymap(self._keymap)
        if self._keymap_error:
            self.notify(self._keymap_error, severity="warning")
        self.build_index()
        self.set_interval(WATCH_SECONDS, self._watch_database)
        self.set_interval(CALENDAR_RELOAD_SECONDS, lambda: run_db(
            self, self.services.calendar.reload, group="calendar", exclusive=True,
            name="calendar_reload"))
        self._refresh_outbox_counts()
        self.push_screen(LoginScreen(self.services.accounts), self._logged_in)

    # ------------------------------------------------------------------ the database
    def database_failed(self, error: BaseException) -> None:
        """On the event loop: a worker found the database away (the header says so)."""
        if self.services.health.failed(error):
            self.notify(f"{outage_message(error)}：已输入的内容和受理结果保存在本机，"
                        "恢复后自动提交", title="数据库", severity="error", timeout=8)
        self._was_up = False
        self._refresh_headers()

    def database_answered(self) -> None:
        """From any thread: a write went through. The watch below says so on screen."""
        self.services.health.ok()

    def _watch_database(self) -> None:
        """Every few seconds: while the database is away, probe it with a small write; once it
        is back say so and deliver what waits here; while outcomes wait, deliver them."""
        up = self.services.health.up
        if up and not self._was_up:
            self._was_up = True
            self.notify("数据库已恢复连接", title="数据库", timeout=6)
            self._refresh_headers()
            self.flush_outbox()
            return
        self._was_up = up
        if not up:
            run_db(self, self.services.ping, done=lambda _r: self._watch_database(),
                   group="db-probe", exclusive=True, name="db_probe", write=True)
        elif self.outbox_counts[0]:
            self.flush_outbox()

    def flush_outbox(self, then=None) -> None:
        """Deliver what waits in the local outbox, oldest first (a worker; one at a time)."""
        def delivered(report) -> None:
            self._outbox_report(report)
            if then is not None:
                then()

        run_db(self, self.services.outbox.flush, done=delivered, group="outbox-flush",
               name="outbox_flush", outage=lambda _e: then and then())

    def _outbox_report(self, report) -> None:
        if report.delivered:
            numbers = [r.order_number for _c, r in report.delivered if r.order_number]
            extra = f"，工单 {'、'.join(numbers[:5])}" if numbers else ""
            self.notify(f"本机待提交的 {len(report.delivered)} 件受理结果已提交{extra}",
                        title="待提交", timeout=8)
        for command, reason in report.refused:
            self.notify(f"{command.label}（{command.draft.caller_number}）未能提交：{reason}；"
                        "按 F4 查看并退回受理单重办", title="待提交", severity="error", timeout=10)
        self._refresh_outbox_counts()

    def _refresh_outbox_counts(self) -> None:
        try:
            self.outbox_counts = self.services.outbox.counts()
        except Exception:  # noqa: BLE001 - the local file unreadable: the header says nothing
            log.exception("reading the local outbox failed")
        self._refresh_headers()

    def _refresh_headers(self) -> None:
        from agent_console.ui.widgets.header import ConsoleHeader

        for screen in self.screen_stack:
            for header in screen.query(ConsoleHeader):
                header.refresh_text()

    def _handle_exception(self, error: Exception) -> None:
        """The last net. A database error from a timer or a worker leaves the console running
        (the header says so). Anything else, and any error inside a message handler (Textual
        stops that widget's message loop), is logged with its traceback and the console exits
        with status 1 and one line that says where the log is."""
        cause = getattr(error, "error", None) or error  # a WorkerFailed carries the worker's
        if is_outage(cause) and not _raised_in_a_handler(cause):
            log.warning("database error reached the app: %r", cause)
            self.database_failed(cause)
            return
        log.critical("unexpected error", exc_info=(type(cause), cause, cause.__traceback__))
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._fatal_error()

    def unexpected(self, error: BaseException) -> None:
        """A bug caught where the console can go on (a worker, a result shown after one):
        logged, said in one line, and kept for the test run (Pilot re-raises it at exit)."""
        log.error("unexpected error (the console goes on)",
                  exc_info=(type(error), error, error.__traceback__))
        if self._exception is None and isinstance(error, Exception):
            self._exception = error
        try:
            self.notify("操作未完成：发生内部错误，详情已记入日志", severity="error")
        except Exception:  # noqa: BLE001 - stopping
            pass

    def _fatal_error(self) -> None:
        """No traceback on the screen: one line, and the log has the rest."""
        self.bell()
        where = f"：{self.log_path}" if self.log_path else ""
        self._exit_renderables.append(Text(f"工作台发生内部错误，已退出。详情见日志{where}"))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ index
    def build_index(self) -> None:
        """Load the cached index for the KB version, or build it; the UI never waits on it.
        A database that is away at start is tried again every few seconds."""
        run_db(self, self._load_index, group="index", exclusive=True, name="index",
               outage=lambda _e: self.set_timer(RETRY_INDEX_SECONDS, self.build_index))

    def _load_index(self) -> None:
        synced_at = self.services.clock.now()
        loaded = self.services.knowledge.load_or_build_index(
            self.services.settings.db_url, self.services.settings.data_dir)
        self.post_message(IndexReady(loaded.index, loaded.seconds, loaded.source,
                                     loaded.version, synced_at))
        # The word segmenter's dictionary loads on first use: here, not on the first keystroke.
        loaded.index.plan("来电诉求")

    def on_index_ready(self, message: IndexReady) -> None:
        self.kb_index = message.index
        self.index_seconds = message.seconds
        self.index_source = message.source
        self._kb_version = message.version
        self._kb_synced_at = message.synced_at
        if self._kb_poll is None:
            self._kb_poll = self.set_interval(KB_POLL_SECONDS, self.poll_kb_changes)
        self._start_vectors(message.index)
        for screen in self.screen_stack:
            if isinstance(screen, SeatScreen):
                screen._index_state_changed()

    def _start_vectors(self, index: KnowledgeIndex) -> None:
        """Article vectors for the meaning signal, computed in their own thread (cached on disk
        by text); the articles' phrasings come from the database, or the titles alone."""
        if self._encoder_factory is None:
            return
        from agent_console.search.semantic import ArticleVectors

        if self.kb_vectors is not None:
            self.kb_vectors.stop()
        vectors = ArticleVectors(self._encoder_factory,
                                 self.services.settings.cache_dir / "vectors",
                                 on_status=lambda st: self.post_message(SemanticProgress(st)))
        self.kb_vectors = vectors

        def job() -> None:
            try:
                docs = self.services.knowledge.documents()
            except Exception:  # noqa: BLE001 - away or failing: the titles still carry meaning
                log.warning("KB documents for the vectors unavailable; titles only", exc_info=True)
                docs = None
            vectors.start(index, docs)

        self.run_worker(job, thread=True, group="kb-vectors", exclusive=True,
                        exit_on_error=False, name="kb_vectors")

    def on_semantic_progress(self, message: SemanticProgress) -> None:
        self.semantic_status = message.status
        for screen in self.screen_stack:
            if isinstance(screen, SeatScreen):
                screen._semantic_state_changed(message.status)

    def poll_kb_changes(self) -> None:
        """Articles added or edited elsewhere (kb import, another console) join the live index.
        Also how an idle console notices the database is away."""
        if self.kb_index is not None:
            run_db(self, self._sync_index, group="kb-poll", exclusive=True, name="kb_poll")

    def _sync_index(self) -> None:
        index = self.kb_index
        version = self.services.knowledge.version()
        if version == self._kb_version:
            return
        since = self._kb_synced_at
        now = self.services.clock.now()
        # read from the last sync's second on (a change committed in it after the read is
        # not missed); what this console already took from an earlier read is skipped
        changed = [d for d in self.services.knowledge.documents(since=since)
                   if self._kb_taken.get(d.id) != hash(d)]
        retired = [i for i in self.services.knowledge.retired_since(since)
                   if self._kb_taken.get(i) != RETIRED]
        vectors = self.kb_vectors
        for doc in changed:
            index.upsert(doc)
            if vectors is not None:
                vectors.upsert(doc)
        for doc_id in retired:
            index.remove(doc_id)
        if len(self._kb_taken) > 10_000:
            self._kb_taken.clear()
        self._kb_taken.update({d.id: hash(d) for d in changed})
        self._kb_taken.update(dict.fromkeys(retired, RETIRED))
        self._kb_version = version
        self._kb_synced_at = now
        if changed or retired:
            words = "，".join(w for w in (f"更新 {len(changed)} 条" if changed else "",
                                         f"停用 {len(retired)} 条" if retired else "") if w)
            self.call_from_thread(self.notify, f"知识库已{words}", title="知识库")
            self.call_from_thread(self._kb_changed)

    def _kb_changed(self) -> None:
        """A seat's hit list is searched again: a published article shows (and a retired one
        leaves) without the agent typing; the agent's pick stays while the query is the same."""
        for screen in self.screen_stack:
            if isinstance(screen, SeatScreen):
                screen._index_state_changed()

    def on_data_changed(self, message: DataChanged) -> None:
        """Every screen with a live queue hears it, on top or switched away (those read
        again when they come back). A published KB change joins the live index at once."""
        if message.change.topic in (KB, ANY):
            self.poll_kb_changes()
        installed = [self.get_screen(name) for name in HOME_SCREENS if self.is_screen_installed(name)]
        for screen in {id(s): s for s in (*self.screen_stack, *installed)}.values():
            live = getattr(screen, "live", None)
            if live is not None:
                live.changed(message.change)

    # ------------------------------------------------------------------ navigation
    def _logged_in(self, operator: OperatorInfo | None) -> None:
        if operator is None:
            self.exit()
            return
        self.operator = operator
        if not self.services.feeds:
            # post_message is safe from the feed's thread; the screens decide what to read
            self.services.watch_changes(lambda change: self.post_message(DataChanged(change)))

        def warm() -> None:
            """Reference data the screens read on the event loop, loaded once here."""
            catalog = self.services.catalog
            catalog.regions(), catalog.units(), catalog.categories()
            self.services.calendar.calendar()  # deadlines, and the header's 节假日无数据

        def home(_result=None) -> None:
            self.action_goto(HOME[operator.role])

        def retry(_error) -> None:
            self.notify("数据库连接中断，正在重试进入工作台…", severity="warning")
            self.set_timer(WATCH_SECONDS, lambda: self._logged_in(operator))

        run_db(self, warm, done=home, outage=retry, group="warm", name="warm")

    def _screen_for(self, name: str):
        if name == "seat":
            return SeatScreen(self.services, self.operator, "坐席受理")
        if name == "training":
            from agent_console.ui.screens.training import TrainingScreen

            return TrainingScreen(self.services, self.operator)
        if name == "expert":
            return ExpertQueueScreen(self.services, self.operator)
        if name == "kb":
            if self.operator.role is Role.UNIT_LIAISON:
                from agent_console.ui.screens.kb_maintain import KbMaintainScreen

                return KbMaintainScreen(self.services, self.operator)
            from agent_console.ui.screens.kb_review import KbReviewScreen

            return KbReviewScreen(self.services, self.operator)
        if name == "roster":
            from agent_console.ui.screens.roster import RosterScreen

            return RosterScreen(self.services, self.operator)
        if name == "analytics":
            from agent_console.ui.screens.analytics import AnalyticsScreen

            return AnalyticsScreen(self.services, self.operator)
        return OrdersScreen(self.services, self.operator)

    def _allowed(self, name: str) -> bool:
        if self.operator is None:
            return False
        role = self.operator.role
        return role in {"seat": SEAT_ROLES, "expert": EXPERT_ROLES, "orders": ORDER_ROLES,
                        "training": TRAINING_ROLES, "kb": KB_ROLES, "roster": ROSTER_ROLES,
                        "analytics": ANALYTICS_ROLES}[name]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "goto":
            from agent_console.ui.screens.practice import PracticeSeatScreen

            if any(isinstance(s, PracticeSeatScreen) for s in self.screen_stack):
                return False  # a simulated call is finished (or given up) first
            # only offered to roles that work on more than one kind of screen
            kinds = [k for k in HOME_SCREENS if self._allowed(k)]
            return bool(parameters) and parameters[0] in kinds and len(kinds) > 1
        return True

    def action_goto(self, name: str) -> None:
        """One installed screen per kind, so the seat form keeps its state across switches."""
        if not self._allowed(name):
            return
        if not self.is_screen_installed(name):
            self.install_screen(self._screen_for(name), name)
        if len(self.screen_stack) <= 1:
            self.push_screen(name)
        elif self.get_screen(name) is not self.screen:
            self.switch_screen(name)
