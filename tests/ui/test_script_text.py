"""Scripts never break inside a number (issue 9): measured on a real Static at a narrow width."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from agent_console.ui.safe import ScriptText, script_breaks, script_text

SCRIPT = ("根据《通辽市政务服务便民热线条例》第十二条的规定，您反映的情况十分紧急，我现在立即为您转接"
          "119消防救援，请不要挂机。也可拨打人社服务热线12333，或0475-8231234咨询，"
          "工作时间8:30至17:30（第十八条第（六）项）。")
KEPT = ("119", "12333", "0475-8231234", "8:30", "17:30", "第十二条", "第十八条", "（六）")


class Narrow(App):
    CSS = "Static { width: 100%; }"

    def __init__(self, content) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        yield Static(self.content, id="s")


async def _lines(content, width: int) -> list[str]:
    app = Narrow(content)
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        static = app.query_one("#s", Static)
        lines = [static.render_line(y).text.rstrip() for y in range(static.size.height)]
    return [line for line in lines if line]


def _split(lines: list[str]) -> list[str]:
    """Kept runs cut across a line end, and lines that start with closing punctuation."""
    bad = []
    for a, b in pairwise(lines):
        joined = a + b
        for run in KEPT:
            for m in re.finditer(re.escape(run), joined):
                if m.start() < len(a) < m.end():
                    bad.append(f"{a!r} / {b!r}")
        if b[:1] in "，。、；：）":
            bad.append(f"{a!r} / {b!r}")
    return bad


async def test_textual_folds_plain_text_inside_numbers():
    """The cause: a Chinese line has no space, so Textual folds it at any cell."""
    found = []
    for width in range(14, 40):
        found += _split(await _lines(Text(SCRIPT), width))
    assert found  # e.g. '…转接11' / '9消防救援…'


@pytest.mark.parametrize("width", [12, 13, 17, 20, 23, 29, 31, 36, 47])
async def test_script_text_keeps_numbers_whole_on_a_real_static(width):
    lines = await _lines(script_text(SCRIPT), width)
    assert "".join(lines) == SCRIPT  # nothing lost, nothing added
    assert all(cell_len(line) <= width for line in lines)
    assert _split(lines) == [], lines


async def test_script_text_is_literal_and_keeps_styles_and_newlines():
    lines = await _lines(script_text("[@click=app.quit]点我[/]\n第二段拨打110"), 40)
    assert lines == ["[@click=app.quit]点我[/]", "第二段拨打110"]
    styled = script_text(Text("12345热线", style="bold"))
    assert isinstance(styled, ScriptText) and styled.text.style == "bold"
    assert str(styled) == "12345热线"


def test_breaks_fold_only_what_cannot_fit():
    assert script_breaks("拨打12333", 4) == [2, 6]  # 拨打 / 1233 / 3: wider than a line
    assert script_breaks("请拨打12333，谢谢", 8) == [3, 9]  # 请拨打 / 12333， / 谢谢
