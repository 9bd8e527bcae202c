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

from agent_console.ui.widgets.text_entry import TextArea


class ContentArea(TextArea):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: list[str] = []

    async def _on_key(self, event: events.Key) -> None:
        if self.read_only or not event.is_printable or event.character is None:
            # the characters before it first; then the field's own binding for it, inline
            # (text_entry), or Textual's handler (Enter, Tab), in the order typed
            self.apply_waiting()
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
