"""Log-in: staff number and password; demo accounts listed only in demo mode."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed


class LoginScreen(Screen):
    """Emits the operator through ``dismiss`` once the password checks out."""

    def __init__(self, accounts) -> None:
        super().__init__()
        self._accounts = accounts

    def compose(self) -> ComposeResult:
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(Text("通辽市12345政务服务便民热线", style="bold"), id="login-title")
                yield Static("坐席工作台 · 请登录", id="login-subtitle")
                yield Label("工号")
                yield Input(placeholder="4–8位数字", id="staff-no", max_length=8)
                yield Label("密码")
                yield Input(placeholder="密码", password=True, id="password", max_length=128)
                yield Static("", id="login-error")
                yield Button("登录", id="login-button", variant="primary")
                demo = self._accounts.demo_accounts()
                if demo:
                    yield Static("演示模式：以下账号的密码均为 demo", id="demo-title")
                    table = DataTable(id="demo-accounts", show_cursor=False)
                    table.add_columns("工号", "角色", "密码")
                    for no, role, pwd in demo:
                        table.add_row(no, role, pwd)
                    yield table
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#staff-no", Input))

    @on(Input.Submitted, "#staff-no")
    def _to_password(self) -> None:
        self.set_focus(self.query_one("#password", Input))

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-button")
    def _submit(self) -> None:
        staff_no = self.query_one("#staff-no", Input).value
        password = self.query_one("#password", Input).value
        error = self.query_one("#login-error", Static)
        try:
            operator: OperatorInfo = self._accounts.authenticate(staff_no, password)
        except ValidationFailed as exc:
            error.update(Text("；".join(exc.errors.values()), style="bold red"))
            target = "#staff-no" if "staff_no" in exc.errors else "#password"
            self.set_focus(self.query_one(target, Input))
            return
        except ServiceError as exc:
            error.update(Text(exc.message, style="bold red"))
            pw = self.query_one("#password", Input)
            pw.value = ""
            self.set_focus(pw)
            return
        error.update("")
        self.dismiss(operator)
