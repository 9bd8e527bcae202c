"""F1: every key of the current screen, as remapped by the user's keymap."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from agent_console.ui.safe import add_row


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "关闭")]

    def __init__(self, title: str, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title = title
        self._keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="help-dialog"):
            yield Static(Text(f"{self._title} · 快捷键", style="bold"), classes="dialog-title")
            table = DataTable(id="help-keys", show_cursor=False)
            table.add_columns("按键", "功能", "编号（用于自定义键位）")
            for key, description, binding_id in self._keys:
                add_row(table, key, description, binding_id)
            yield table
            yield Static(Text("自定义键位：在配置目录的 keymap.toml 中写 编号 = \"按键\"，"
                              "例如 work_order = \"f11\"。Esc 关闭。", style="dim"))

    def action_dismiss(self) -> None:
        self.dismiss(None)


# Keys every Textual screen inherits, in the console's language.
TEXTUAL_ACTIONS = {"app.focus_next": "下一个输入项", "app.focus_previous": "上一个输入项",
                   "focus_next": "下一个输入项", "focus_previous": "上一个输入项"}


def _ours(node, binding: Binding) -> bool:
    """Whether a console class bound it (not Textual's own class under one of ours: the text
    fields of ui/widgets/text_entry keep Textual's editing keys)."""
    for cls in type(node).__mro__:
        for own in cls.__dict__.get("BINDINGS", ()):
            action = own.action if isinstance(own, Binding) else own[1]
            if action == binding.action:
                return cls.__module__.startswith("agent_console")
    return type(node).__module__.startswith("agent_console")


def binding_rows(screen, elsewhere: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(key as shown, description, id) for the screen's and app's active bindings. Keys that
    Textual's own widgets bring (cursor movement in a text field …) are left out: they are
    standard editing keys, described in English by Textual, not the console's functions.

    ``elsewhere``: binding id → where it works, for the screen's keys that only work in one
    part of it (a tab, a small terminal): listed with that note when not active right now."""
    rows = []
    seen = set()
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not _ours(active.node, b):
            continue
        description = TEXTUAL_ACTIONS.get(b.action, b.description)
        if not description or description.isascii() or (b.id or b.action) in seen:
            continue
        seen.add(b.id or b.action)
        rows.append((screen.app.get_key_display(b), description, b.id or ""))
    for bindings in screen._bindings.key_to_bindings.values():
        for b in bindings:
            if b.id in (elsewhere or {}) and b.id not in seen:
                seen.add(b.id)
                rows.append((screen.app.get_key_display(b), f"{b.description}（{elsewhere[b.id]}）",
                             b.id))
    return rows
