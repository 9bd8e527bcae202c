"""Stored text on screen as it was typed, never parsed as markup.

Textual parses a plain ``str`` given to a DataTable cell, a Select / SelectionList /
OptionList prompt, a RadioButton label or a Static as markup: an article id ``[/x]`` would
crash the screen and ``[@click=app.quit]…`` in a name would become a live action. Everything
that came from the database or a file goes through here (STYLE.md, convention 5)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import RenderOptions, Visual
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

V = TypeVar("V", bound=Hashable)


def plain(value: object) -> Text:
    """``value`` as literal text (None → ""); a ``Text`` is kept with its styles."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value))


def add_row(table: DataTable, *cells: object, key: str | None = None,
            height: int | None = 1) -> RowKey:
    """Add a row with every cell as ``Text`` (styled cells stay as they are)."""
    return table.add_row(*(plain(cell) for cell in cells), key=key, height=height)


def options(pairs: Iterable[tuple[object, V]]) -> list[tuple[Text, V]]:
    """(prompt, value) pairs for a Select or SelectionList, with literal prompts."""
    return [(plain(prompt), value) for prompt, value in pairs]


# ------------------------------------------------------------------ scripts read to callers
# Textual wraps a line at whitespace only; a Chinese sentence has none, so it is folded at
# whatever cell the width ends on: “拨打11 / 9消防救援”, “12333 / ，”. No character fixes that
# inside Textual's wrapper (U+2060 and U+200B are not whitespace to it, U+00A0 is a visible
# space it breaks at), so a script is a renderable that wraps itself: between any two CJK
# characters, never inside a number, phone number, article number or ASCII word, and never
# with closing punctuation at the start of a line or opening punctuation at the end.
_KEEP = re.compile(
    r"第[0-9一二三四五六七八九十百零〇两]+[条款项章节]"     # 第十二条, 第3款
    r"|[（(][0-9一二三四五六七八九十]+[）)]"                  # （六）
    r"|[+]?[0-9A-Za-z][0-9A-Za-z.\-_/:@%+#*]*[0-9A-Za-z%#*]"  # 12333, 0475-12345, 8:30, a.b
    r"|[0-9A-Za-z]"
)
_CLOSING = set("，。、；：！？）」』》〉】〕”’%…—·,.;:!?)]}")
_OPENING = set("（「『《〈【〔“‘([{")


def script_units(plain_text: str) -> list[str]:
    """The text cut where a line may break: each unit is kept whole on one line (a unit
    wider than the line is folded as a last resort)."""
    units: list[str] = []
    i = 0
    while i < len(plain_text):
        m = _KEEP.match(plain_text, i)
        unit = m.group(0) if m else plain_text[i]
        i += len(unit)
        if units and (unit[0] in _CLOSING or unit.isspace()
                      or (units[-1] and units[-1][-1] in _OPENING)):
            units[-1] += unit
        else:
            units.append(unit)
    return units


def script_breaks(plain_text: str, width: int) -> list[int]:
    """Offsets to break one line of ``plain_text`` at so that no line is wider than
    ``width`` cells (folding only a unit that cannot fit on any line)."""
    breaks: list[int] = []
    line = offset = 0
    for unit in script_units(plain_text):
        size = cell_len(unit.rstrip())
        if line and line + size > width:
            breaks.append(offset)
            line = 0
        if size > width:  # longer than a whole line: fold it by cells
            for ch in unit:
                w = cell_len(ch)
                if line and line + w > width:
                    breaks.append(offset)
                    line = 0
                line += w
                offset += 1
            continue
        line += cell_len(unit)
        offset += len(unit)
    return breaks


class ScriptText:
    """A script (KB answer, Art. 11 / Art. 12 / Art. 25 script) as literal text that wraps
    itself at render time (see above). ``.text`` is the styled ``Text``; ``str()`` the words."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text.plain

    def lines(self, width: int) -> list[Text]:
        out: list[Text] = []
        for paragraph in self.text.split("\n", allow_blank=True):
            for line in paragraph.divide(script_breaks(paragraph.plain, max(width, 1))):
                line.rstrip()
                out.append(line)
        return out

    def broken(self, width: int) -> Text:
        """The text with a line break wherever a line ends at ``width`` cells."""
        return Text("\n").join(self.lines(width))

    def visualize(self) -> Visual:
        """Textual's Visual protocol: a Static shows it through ``ScriptVisual``."""
        return ScriptVisual(self)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(u.rstrip()) for u in script_units(self.text.plain)), default=0)
        longest = max((cell_len(p) for p in self.text.plain.split("\n")), default=0)
        return Measurement(min(widest, options.max_width), min(longest, options.max_width))


class ScriptVisual(Visual):
    """Textual's side of ``ScriptText``: at each width the script is broken where it may
    break and handed to ``Content`` as lines that already fit (so Textual folds nothing)."""

    def __init__(self, script: ScriptText) -> None:
        self.script = script
        self._whole = Content.from_rich_text(script.text)
        self._at: tuple[int, Content] | None = None

    def __str__(self) -> str:
        return str(self.script)

    def _content(self, width: int) -> Content:
        if self._at is None or self._at[0] != width:
            self._at = (width, Content.from_rich_text(self.script.broken(width)))
        return self._at[1]

    def render_strips(self, width: int, height: int | None, style: VisualStyle,
                      options: RenderOptions) -> list[Strip]:
        return self._content(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._whole.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return max((cell_len(u.rstrip()) for u in script_units(self.script.text.plain)),
                   default=1)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self._content(width).get_height(rules, width)


def script_text(script: str | Text, style: str = "") -> ScriptText:
    """A script for a Static: literal (never markup), wrapping without splitting 12345,
    110/119/120/122, 0475-…, 第十八条 or an ASCII word, nor starting a line with “，”."""
    text = script.copy() if isinstance(script, Text) else Text(script or "", style=style)
    return ScriptText(text)
