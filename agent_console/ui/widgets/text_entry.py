"""The console's text fields: Textual's Input and TextArea, with their own editing keys run in
the order they were typed.

Both widgets insert a typed character in their key handler, at once, but leave Backspace,
Ctrl+U, the arrows and their other bound keys to bubble up to the app, which runs the binding
later, on whatever has the focus by then (Textual issue #6605). Keys that arrive together — a
fast typist while the console is busy reading, a scanner, tmux — were then applied out of
order: in the custom-period dialog ``Ctrl+U 2026-11-01 Tab Ctrl+U 2026-11-30 Enter`` left the
end date empty (both Ctrl+U ran after the end date was typed, in the end field), and
``abc Backspace d`` could give ``abc``. Here a field runs its own bindings inside its key
handler, in the queue's order, on itself; a binding that declines (SkipAction, or a
check_action that refuses it) bubbles on as before. Every console screen takes Input and
TextArea from this module (a test checks no screen takes Textual's own).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input as _TextualInput
from textual.widgets import TextArea as _TextualTextArea


class InlineBindings:
    """Mixed in before a Textual text widget: its own non-priority bindings run inline."""

    async def _run_own_binding(self, event: events.Key) -> bool:
        if event.is_printable:
            return False  # the widget inserts it itself
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue  # the app ran those before the key was forwarded here
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return True
        return False

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls each class's _on_key down the MRO until one prevents the default:
        # a binding run here ends it; otherwise Textual's own handler comes next
        await self._run_own_binding(event)


class Input(InlineBindings, _TextualInput):
    pass


class TextArea(InlineBindings, _TextualTextArea):
    pass
