"""Database work off the event loop: every read and write a screen starts runs in a worker
thread, and whatever becomes of it comes back to the screen as a call on the event loop.

A rule's refusal (``ServiceError``) goes to ``refused``; a database that is away goes to the
app (the header says 数据库连接中断) and to ``outage``; anything else is logged with its
traceback and shown as one Chinese line. Nothing here ever closes the console."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.dom import DOMNode

from agent_console.services.errors import ServiceError
from agent_console.services.health import is_outage

log = logging.getLogger(__name__)


def _post(node: DOMNode, callback: Callable | None, *args) -> None:
    """Run ``callback`` on the event loop, unless the app is gone (it stopped meanwhile)."""
    if callback is None:
        return
    app = node.app

    def deliver() -> None:
        if app._exit or not app.is_running or not getattr(node, "is_attached", True):
            return  # the screen was closed (or the app is stopping) meanwhile
        callback(*args)

    try:
        app.call_from_thread(deliver)
    except RuntimeError as exc:
        if app._exit or not app.is_running:  # the app has closed: nobody left to tell
            log.debug("result of a worker dropped: the app has stopped")
            return
        app.call_from_thread(app.unexpected, exc)
    except Exception as exc:  # noqa: BLE001 - a bug in showing the result: the app goes on
        app.call_from_thread(app.unexpected, exc)


def run_db(node: DOMNode, fn: Callable[..., Any], *args: Any,
           done: Callable[[Any], None] | None = None,
           refused: Callable[[ServiceError], None] | None = None,
           outage: Callable[[BaseException], None] | None = None,
           group: str = "default", exclusive: bool = False, name: str = "",
           write: bool = False) -> None:
    """Run ``fn(*args)`` in a worker thread of ``node`` and report back on the event loop.
    Without ``refused``, a refusal is shown as an error toast. Only a ``write`` that went
    through tells the app the database is back (a read-only or full disk still reads)."""
    app = node.app

    def job() -> None:
        try:
            result = fn(*args)
        except ServiceError as exc:
            _post(node, refused or (lambda e: app.notify(e.message, severity="error")), exc)
            return
        except Exception as exc:  # noqa: BLE001 - the console must outlive any of these
            if is_outage(exc):
                _post(node, app.database_failed, exc)
                _post(node, outage, exc)
                return
            log.exception("worker %s failed", name or getattr(fn, "__name__", fn))
            _post(node, app.unexpected, exc)
            _post(node, outage, exc)
            return
        if write:
            app.database_answered()
        _post(node, done, result)

    node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False,
                    name=name or getattr(fn, "__name__", "db"))
