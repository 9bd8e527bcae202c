"""The seat's key line: every one-key outcome visible on one line from 80 columns up.

Textual's Footer gives each binding its full words and cuts the line at the terminal's edge, so
at 80 columns F9 (紧急联动) fell off while the triage banner said 按 F9. The key line words
each key in full where there is room, in short where there is not, and leaves out the focus
keys (F2, F3) only when even the short line does not fit. Keys come from the screen's own
bindings, so a remapped key shows as remapped.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    def __init__(self, short: dict[str, str], optional: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__("", **kwargs)
        self._short = short  # binding id → the short words
        self._optional = optional  # binding ids left out first when the line is too long

    def on_mount(self) -> None:
        self.call_after_refresh(self.refresh_keys)

    def on_resize(self) -> None:
        self.refresh_keys()

    def _keys(self) -> list[tuple[str, str, str]]:
        """(key as shown, description, id) of the screen's and the app's shown bindings, in
        their order (a field's own editing keys are not the console's)."""
        screen = self.screen
        rows = []
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node not in (screen, self.app) or not active.enabled:
                continue
            if not binding.show or not binding.description:
                continue
            key = self.app.get_key_display(binding)
            key = key.upper() if key.lower().startswith("f") else key
            rows.append((key, binding.description, binding.id or binding.action))
        # in the order the short words are listed (the bindings' own order depends on focus)
        order = {k: n for n, k in enumerate(self._short)}
        return sorted(rows, key=lambda r: order.get(r[2], len(order)))

    def line(self, width: int) -> Text:
        keys = self._keys()
        variants = [
            [(k, d) for k, d, _i in keys],
            [(k, self._short.get(i, d)) for k, d, i in keys],
            [(k, self._short.get(i, d)) for k, d, i in keys if i not in self._optional],
        ]
        for variant in variants:
            text = self._join(variant)
            if cell_len(text.plain) <= width:
                return text
        return self._join(variants[-1])

    @staticmethod
    def _join(items: list[tuple[str, str]]) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for n, (key, description) in enumerate(items):
            if n:
                text.append(" ")
            text.append(key, style="bold reverse")
            text.append(description)
        return text

    def refresh_keys(self) -> None:
        if self.size.width:
            self.update(self.line(self.size.width))
