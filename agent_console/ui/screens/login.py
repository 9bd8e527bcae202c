"""Log-in: staff number and password; demo accounts listed only in demo mode, the command for
the first administrator shown while the database has no active account."""

from __future__ import annotations

import logging

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Label, Static
from textual.worker import Worker, WorkerState

from agent_console.services.accounts import (
    NoAccounts,
    first_admin_command,
    no_accounts_message,
)
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.ui.widgets.text_entry import Input

log = logging.getLogger(__name__)

DB_DOWN = "数据库连接中断，暂时无法登录，请稍后重试"


class LoginScreen(Screen):
    """Emits the operator through ``dismiss`` once the password checks out."""

    # Enter as the app reads it (see the app's Tab): in 工号 it moves to 密码 before the keys
    # typed after it arrive; in 密码 or on the button it logs in.
    BINDINGS = [Binding("enter", "enter", "登录", show=False, priority=True, id="login_enter")]

    def __init__(self, accounts) -> None:
        super().__init__()
        self._accounts = accounts
        self._busy = False  # a log-in is in flight: a second Enter does nothing
        self._done = False

    def compose(self) -> ComposeResult:
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(Text("通辽市12345政务服务便民热线", style="bold"), id="login-title")
                yield Static("坐席工作台 · 请登录", id="login-subtitle")
                # one line a field: the box and all eight demo accounts fit in 80×24
                with Horizontal(classes="login-row"):
                    yield Label("工号", classes="login-label")
                    yield Input(placeholder="4–8位数字", id="staff-no", max_length=8, compact=True)
                with Horizontal(classes="login-row"):
                    yield Label("密码", classes="login-label")
                    yield Input(placeholder="密码", password=True, id="password", max_length=128,
                                compact=True)
                yield Static("", id="login-error")
                yield Button("登录 (Enter)", id="login-button", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#staff-no", Input))
        self._load_intro()

    # ------------------------------------------------------------------ what the box shows
    def _settings(self):
        services = getattr(self.app, "services", None)
        return getattr(services, "settings", None)

    @work(thread=True, exclusive=True, group="login-intro", exit_on_error=False)
    def _load_intro(self) -> None:
        try:
            demo = self._accounts.demo_accounts()
            has_accounts = bool(demo) or self._accounts.has_active_accounts()
        except (SQLAlchemyError, OSError):
            log.exception("login screen: reading the accounts failed")
            self._call(self._show_error, DB_DOWN)
            return
        self._call(self._show_intro, demo, has_accounts)

    def _show_intro(self, demo: list[tuple[str, str, str]], has_accounts: bool) -> None:
        box = self.query_one("#login-box", Vertical)
        if demo:
            table = DataTable(id="demo-accounts", show_cursor=False)
            table.add_columns("工号", "角色", "密码")
            for row in demo:
                table.add_row(*(Text(cell) for cell in row))
            box.mount(Static("演示模式：以下账号的密码均为 demo", id="demo-title"), table)
        elif not has_accounts:
            hint = Text("\n尚未创建任何可用账号。请先在终端运行以下命令创建第一个系统管理员"
                        "（按提示输入两次密码，至少8位）：\n")
            hint.append(first_admin_command(self._settings()), style="bold")
            box.mount(Static(hint, id="first-admin-hint"))

    # ------------------------------------------------------------------ log-in
    def action_enter(self) -> None:
        focused = self.focused
        if focused is self.query_one("#staff-no", Input):
            self._to_password()
        elif focused is not None:
            # after the keys already on their way to that field: it reads what was typed
            focused.call_later(self._submit)
        else:
            self._submit()

    @on(Input.Submitted, "#staff-no")
    def _to_password(self) -> None:
        self.set_focus(self.query_one("#password", Input))

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-button")
    def _submit(self) -> None:
        if self._busy or self._done:
            return
        self._busy = True
        self.query_one("#login-button", Button).disabled = True
        self._authenticate(self.query_one("#staff-no", Input).value,
                           self.query_one("#password", Input).value)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _authenticate(self, staff_no: str, password: str) -> None:
        """The password check (scrypt) and the database stay off the event loop."""
        try:
            operator = self._accounts.authenticate(staff_no, password)
        except ServiceError as exc:
            self._call(self._refused, exc)
            return
        except (SQLAlchemyError, OSError):
            log.exception("log-in failed on the database")
            self._call(self._show_error, DB_DOWN)
            return
        self._call(self._logged_in, operator)

    def _call(self, callback, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app closed while the worker ran
            pass

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "login" and event.state is WorkerState.ERROR:
            log.error("log-in worker failed", exc_info=event.worker.error)
            self._show_error("登录出错，请重试")

    def _ready(self) -> None:
        self._busy = False
        self.query_one("#login-button", Button).disabled = False

    def _show_error(self, message: str) -> None:
        """The error line; what was typed stays."""
        self._ready()
        self.query_one("#login-error", Static).update(Text(message, style="bold red"))

    def _refused(self, exc: ServiceError) -> None:
        self._ready()
        error = self.query_one("#login-error", Static)
        if isinstance(exc, ValidationFailed):
            error.update(Text("；".join(exc.errors.values()), style="bold red"))
            target = "#staff-no" if "staff_no" in exc.errors else "#password"
            self.set_focus(self.query_one(target, Input))
            return
        message = no_accounts_message(self._settings()) if isinstance(exc, NoAccounts) \
            else exc.message
        error.update(Text(message, style="bold red"))
        pw = self.query_one("#password", Input)
        pw.value = ""
        self.set_focus(pw)

    def _logged_in(self, operator: OperatorInfo) -> None:
        if self._done:
            return
        self._done = True
        self.query_one("#login-error", Static).update("")
        self.dismiss(operator)
