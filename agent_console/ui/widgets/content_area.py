"""The request-content field: a TextArea that takes a burst of typed characters as one edit.

Textual's TextArea re-wraps the whole edited line on every character. A citizen's request is
typically one long line, so each key cost time in proportion to the text already there: 4,900
characters sent into the field (tmux, a barcode-style paste without bracketed paste, a fast
typist on a slow link) took 30 s to appear, the screen frozen meanwhile. Characters that arrive
together are now inserted together, in one edit, once the keys already queued are read;
a single key typed by hand is still inserted at once. Anything that reads the text
(``text``) first applies what is waiting, so an F-key right after the burst sees every
character.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import TextArea

# The field's own editing keys (Backspace, Delete, arrows, Home, Ctrl+W …) as TextArea binds
# them. Run as bindings, they came after the characters typed behind them: held Backspace,
# then typing at once, deleted the new characters (abc, Backspace×5, XYZ gave "X").
# (Function keys are the seat's outcomes, never the field's.)
EDIT_KEYS = {key.strip(): b.action for b in TextArea.BINDINGS if isinstance(b, Binding)
             for key in b.key.split(",")
             if not (key.strip().startswith("f") and key.strip()[1:].isdigit())}


class ContentArea(TextArea):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: list[str] = []

    async def _on_key(self, event: events.Key) -> None:
        action = EDIT_KEYS.get(event.key)
        if action is not None and not self.read_only and not event.is_printable:
            # in the order typed: the characters before it, then the key itself, now
            event.stop()
            event.prevent_default()
            self.apply_waiting()
            await self.run_action(action)
            return
        if self.read_only or not event.is_printable or event.character is None:
            self.apply_waiting()
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        self._restart_blink()
        self._waiting.append(event.character)
        if len(self._waiting) == 1:
            # after the keys already in the queue: a burst becomes one edit
            self.call_later(self.apply_waiting)

    def apply_waiting(self) -> None:
        if not self._waiting:
            return
        insert = "".join(self._waiting)
        self._waiting.clear()
        start, end = self.selection
        self._replace_via_keyboard(insert, start, end)
        # once the new lines are wrapped: a long paste ends with its last line in view
        self.call_after_refresh(self.scroll_cursor_visible)

    @property
    def text(self) -> str:  # type: ignore[override]
        self.apply_waiting()
        return super().text

    @text.setter
    def text(self, value: str) -> None:
        self._waiting.clear()
        TextArea.text.fset(self, value)

    def load_text(self, text: str) -> None:
        self._waiting.clear()
        super().load_text(text)
