"""Textual's own key bindings in the console's language.

Textual's widgets bring English descriptions (Select's overlay shows ``esc Dismiss menu`` in
the Footer; Input, TextArea, DataTable, OptionList, the command palette … have more), and a
footer or help panel shows whatever a focused widget's bindings say. ``localise_bindings``
rewrites the ``BINDINGS`` of every Textual class once, before the app builds any widget, and
re-merges each class's bindings, so built-in widgets and our subclasses of them (defined
before or after) all carry the Chinese text. A description missing here stays English, and
tests/ui/test_bindings_zh.py fails on it."""

from __future__ import annotations

import importlib
from dataclasses import replace

from textual.binding import Binding

# Textual's description (and tooltip) → what the console says.
ZH: dict[str, str] = {
    # menus, lists, tables, trees
    "Dismiss menu": "关闭菜单", "Show menu": "打开菜单", "Select": "选择",
    "Toggle option": "勾选/取消", "Toggle": "切换", "Toggle collapsible": "展开/收起",
    "Expand or collapse all": "全部展开/收起", "Press button": "按下按钮",
    "Open link": "打开链接", "Next option": "下一项", "Previous option": "上一项",
    "Next tab": "下一个标签页", "Previous tab": "上一个标签页",
    "Up": "上移", "Down": "下移", "First": "第一项", "Last": "最后一项",
    "Cursor up": "上移", "Cursor down": "下移", "Cursor left": "左移", "Cursor right": "右移",
    "Cursor Up": "上移", "Cursor Down": "下移",
    "Cursor to parent": "到上一级", "Cursor to next ancestor": "到上一级的下一项",
    "Cursor to next sibling": "到下一个同级", "Cursor to previous sibling": "到上一个同级",
    "Page up": "上一页", "Page down": "下一页", "Page Up": "上一页", "Page Down": "下一页",
    "Page Left": "向左翻页", "Page Right": "向右翻页",
    "Top": "到顶部", "Bottom": "到底部", "Home": "到开头", "End": "到末尾",
    "Scroll Up": "向上滚动", "Scroll Down": "向下滚动", "Scroll Left": "向左滚动",
    "Scroll Right": "向右滚动", "Scroll Home": "滚动到开头", "Scroll End": "滚动到末尾",
    # text fields
    "Submit": "提交", "Move cursor left": "光标左移", "Move cursor right": "光标右移",
    "Move cursor right or accept the completion suggestion": "光标右移或采用补全建议",
    "Move cursor left and select": "向左选择", "Move cursor right and select": "向右选择",
    "Move cursor left a word": "左移一个词", "Move cursor right a word": "右移一个词",
    "Move cursor left a word and select": "向左选择一个词",
    "Move cursor right a word and select": "向右选择一个词",
    "Go to start": "到行首", "Go to end": "到行尾",
    "Select line start": "选择到行首", "Select line end": "选择到行尾",
    "Select all": "全选", "Select line": "选择整行",
    "Delete character left": "删除前一个字", "Delete character right": "删除后一个字",
    "Delete left to start of word": "删除前一个词", "Delete right to start of word": "删除后一个词",
    "Delete all to the left": "删除光标前全部", "Delete all to the right": "删除光标后全部",
    "Delete line": "删除整行", "Delete to line start": "删除到行首",
    "Delete to line end": "删除到行尾",
    "Cut selected text": "剪切", "Copy selected text": "复制",
    "Paste text from the clipboard": "粘贴", "Cut": "剪切", "Copy": "复制", "Paste": "粘贴",
    "Undo": "撤销", "Redo": "重做",
    "Cursor left select": "向左选择", "Cursor right select": "向右选择",
    "Cursor up select": "向上选择", "Cursor down select": "向下选择",
    "Cursor word left": "左移一个词", "Cursor word right": "右移一个词",
    "Cursor left word select": "向左选择一个词", "Cursor right word select": "向右选择一个词",
    "Cursor line start": "到行首", "Cursor line end": "到行尾",
    "Cursor line start select": "选择到行首", "Cursor line end select": "选择到行尾",
    "Cursor page up": "上一页", "Cursor page down": "下一页",
    # screens, the app, the command palette
    "Focus Next": "下一个输入项", "Focus Previous": "上一个输入项", "Quit": "退出",
    "Exit the command palette": "关闭命令面板", "Next command": "下一条命令",
    "Previous command": "上一条命令", "Next page": "下一页", "Previous page": "上一页",
    "Go to top": "到顶部", "Go to bottom": "到底部", "palette": "命令面板",
    "Open the command palette": "打开命令面板",
    "Quit the app and return to the command prompt.": "退出工作台，返回命令行",
}

# Modules holding Textual classes with bindings that are not exported by textual.widgets.
_MODULES = ("textual.app", "textual.screen", "textual.containers", "textual.command",
            "textual.widgets._select", "textual.widgets._collapsible",
            "textual.widgets._text_area", "textual.widgets._tabbed_content")


def zh(binding: Binding) -> Binding:
    """The binding with its description and tooltip in Chinese (unknown text kept)."""
    return replace(binding, description=ZH.get(binding.description, binding.description),
                   tooltip=ZH.get(binding.tooltip, binding.tooltip))


def _subclasses(cls: type) -> list[type]:
    out, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in out:
                out.append(sub)
                todo.append(sub)
    return out


def _load_textual_widgets() -> None:
    from textual import widgets

    for name in widgets.__all__:
        getattr(widgets, name)  # textual.widgets imports its classes lazily
    for module in _MODULES:
        importlib.import_module(module)


def localise_bindings() -> None:
    """Rewrite the descriptions of every Textual class's own ``BINDINGS`` and re-merge the
    bindings of every class (idempotent; call before the first widget is built)."""
    from textual.dom import DOMNode

    _load_textual_widgets()
    classes = _subclasses(DOMNode)
    for cls in classes:
        own = cls.__dict__.get("BINDINGS")
        if not own or not cls.__module__.startswith("textual."):
            continue
        cls.BINDINGS = [zh(b if isinstance(b, Binding) else Binding(*b)) for b in own]
    for cls in [DOMNode, *classes]:
        cls._merged_bindings = cls._merge_bindings()
