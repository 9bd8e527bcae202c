"""Stored text on screen as it was typed, never parsed as markup.

Textual parses a plain ``str`` given to a DataTable cell, a Select / SelectionList /
OptionList prompt, a RadioButton label or a Static as markup: an article id ``[/x]`` would
crash the screen and ``[@click=app.quit]…`` in a name would become a live action. Everything
that came from the database or a file goes through here (STYLE.md, convention 5)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from rich.text import Text
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
