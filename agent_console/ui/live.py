"""A queue on screen that reads itself again when another console changes what it shows."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.screen import Screen

from agent_console.store.notify import Change

SETTLE_SECONDS = 0.2  # a burst of changes (one order's dispatch touches several rows) → one read
MIN_GAP_SECONDS = 1.0  # a busy centre's notifications never read a queue more than once a second


class LiveRefresh:
    """Owned by a screen: ``changed`` is given every change the console hears; those the
    screen's queue cares about (``wants``) read it again, coalesced and at most once a
    ``MIN_GAP_SECONDS``. A screen not on top reads again when it comes back."""

    def __init__(self, screen: Screen, refresh: Callable[[], None],
                 wants: Callable[[Change], bool]) -> None:
        self._screen = screen
        self._refresh = refresh
        self._wants = wants
        self._timer = None
        self._last = 0.0
        self.stale = False

    def changed(self, change: Change) -> None:
        if not self._wants(change):
            return
        if not self._screen.is_current:
            self.stale = True
            return
        if self._timer is not None:
            return
        delay = max(SETTLE_SECONDS, self._last + MIN_GAP_SECONDS - time.monotonic())
        self._timer = self._screen.set_timer(delay, self._fire)

    def resumed(self) -> None:
        if self.stale:
            self.stale = False
            self._fire()

    def _fire(self) -> None:
        self._timer = None
        self._last = time.monotonic()
        self._refresh()
