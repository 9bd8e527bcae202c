"""The Textual application: log-in, then the screens the operator's role may use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding

from agent_console.config import keymap_path, load_keymap
from agent_console.domain.enums import Role
from agent_console.services.dto import OperatorInfo
from agent_console.ui.messages import IndexReady
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.login import LoginScreen
from agent_console.ui.screens.orders import OrdersScreen
from agent_console.ui.screens.seat import SeatScreen

if TYPE_CHECKING:
    from agent_console.search.index import KnowledgeIndex

KB_POLL_SECONDS = 10.0
SEAT_ROLES = frozenset({Role.SEAT_AGENT, Role.TRAINER, Role.ADMIN, Role.EXPERT})
ORDER_ROLES = frozenset({Role.DISPATCHER, Role.CALLBACK, Role.SUPERVISOR, Role.UNIT_LIAISON,
                         Role.ADMIN, Role.SEAT_AGENT, Role.TRAINER})
EXPERT_ROLES = frozenset({Role.EXPERT, Role.ADMIN})

HOME = {
    Role.SEAT_AGENT: "seat",
    Role.TRAINER: "seat",
    Role.ADMIN: "seat",
    Role.EXPERT: "expert",
    Role.DISPATCHER: "orders",
    Role.CALLBACK: "orders",
    Role.SUPERVISOR: "orders",
    Role.UNIT_LIAISON: "orders",
}


class ConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "通辽12345坐席工作台"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "退出", id="quit", priority=True),
        Binding("ctrl+t", "goto('seat')", "坐席受理", id="goto_seat"),
        Binding("ctrl+e", "goto('expert')", "专家队列", id="goto_expert"),
        Binding("ctrl+o", "goto('orders')", "工单列表", id="goto_orders"),
    ]

    def __init__(self, services, keymap: dict[str, str] | None = None,
                 keymap_file: Path | None = None) -> None:
        super().__init__()
        self.services = services
        self.operator: OperatorInfo | None = None
        self.kb_index: KnowledgeIndex | None = None
        self.index_seconds: float | None = None
        self.index_source: str | None = None
        self._kb_version: str | None = None
        self._kb_synced_at = None
        self._kb_poll = None
        self._keymap_error: str | None = None
        if keymap is None:
            keymap, self._keymap_error = load_keymap(keymap_file or keymap_path())
        self._keymap = keymap

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
        self.push_screen(LoginScreen(self.services.accounts), self._logged_in)

    # ------------------------------------------------------------------ index
    @work(thread=True, exclusive=True, group="index")
    def build_index(self) -> None:
        """Load the cached index for the KB version, or build it; the UI never waits on it."""
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
        for screen in self.screen_stack:
            if isinstance(screen, SeatScreen):
                screen._index_state_changed()

    @work(thread=True, exclusive=True, group="kb-poll")
    def poll_kb_changes(self) -> None:
        """Articles added or edited elsewhere (kb import, another console) join the live index."""
        index = self.kb_index
        if index is None:
            return
        version = self.services.knowledge.version()
        if version == self._kb_version:
            return
        since = self._kb_synced_at
        now = self.services.clock.now()
        changed = self.services.knowledge.documents(since=since)
        for doc in changed:
            index.upsert(doc)
        self._kb_version = version
        self._kb_synced_at = now
        if changed:
            self.call_from_thread(self.notify, f"知识库已更新 {len(changed)} 条", title="知识库")

    # ------------------------------------------------------------------ navigation
    def _logged_in(self, operator: OperatorInfo | None) -> None:
        if operator is None:
            self.exit()
            return
        self.operator = operator
        self.action_goto(HOME[operator.role])

    def _screen_for(self, name: str):
        if name == "seat":
            return SeatScreen(self.services, self.operator,
                              "培训受理" if self.operator.role is Role.TRAINER else "坐席受理")
        if name == "expert":
            return ExpertQueueScreen(self.services, self.operator)
        return OrdersScreen(self.services, self.operator)

    def _allowed(self, name: str) -> bool:
        if self.operator is None:
            return False
        role = self.operator.role
        return role in {"seat": SEAT_ROLES, "expert": EXPERT_ROLES, "orders": ORDER_ROLES}[name]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "goto":
            # only offered to roles that work on more than one kind of screen
            kinds = [k for k in ("seat", "expert", "orders") if self._allowed(k)]
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
