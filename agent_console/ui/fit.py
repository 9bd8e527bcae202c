"""DataTable columns that fit the terminal (80×24 up to 160×45 and wider).

A column has the cells it needs (``width``), may grow into what is left (``flex``, up to
``most``) and may be left out on a narrow terminal (``drop``: the highest goes first; 0 never).
Widths are counted in terminal cells (CJK characters are two cells wide, STYLE.md 6)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from agent_console.ui.safe import plain

# DataTable's own cell padding (1 on each side) and the vertical scrollbar it shows.
CELL_PADDING = 1
SCROLLBAR = 2


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int
    flex: int = 0
    most: int | None = None
    drop: int = 0


def fit(cols: tuple[Col, ...], total: int) -> tuple[tuple[Col, int], ...]:
    """The columns that fit in ``total`` cells, in their order, each with its width."""
    shown = list(cols)

    def need(columns: list[Col]) -> int:
        return sum(c.width + 2 * CELL_PADDING for c in columns)

    while need(shown) > total and any(c.drop for c in shown):
        shown.remove(max((c for c in shown if c.drop), key=lambda c: c.drop))
    widths = {c.key: c.width for c in shown}
    spare = total - need(shown)
    growing = [c for c in shown if c.flex]
    while spare > 0:
        room = [c for c in growing if c.most is None or widths[c.key] < c.most]
        if not room:
            break
        # one cell at a time to the column furthest below its share
        pick = min(room, key=lambda c: (widths[c.key] - c.width) / c.flex)
        widths[pick.key] += 1
        spare -= 1
    return tuple((c, widths[c.key]) for c in shown)


def table_room(screen_width: int, gutter: int = 2) -> int:
    """The cells a full-width table has on a screen (``gutter``: the body's padding)."""
    return max(20, screen_width - gutter - SCROLLBAR)


def set_columns(table: DataTable, layout: tuple[tuple[Col, int], ...]) -> None:
    """Replace the table's columns (and rows) with ``layout``."""
    table.clear(columns=True)
    for col, width in layout:
        table.add_column(Text(col.label), width=width, key=col.key)


def one_line(value: object) -> Text:
    """A list cell on one line, cut with … where the column ends (the full text is in the
    detail); stored text stays literal."""
    text = plain(value).copy()
    if "\n" in text.plain or "\r" in text.plain:
        text = Text(" ".join(text.plain.split()), style=text.style)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text
