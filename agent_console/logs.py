"""Logging to a rotating file in the user log dir: tracebacks go there, never to the screen."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

LOG_NAME = "console.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Root logger → ``folder/console.log`` (rotated at 2 MB, five kept); uncaught exceptions
    in the main thread and in worker threads are logged with their traceback. Returns the
    file's path; if the folder cannot be written, logs go nowhere rather than to the screen."""
    path = folder / LOG_NAME
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_agent_console", False):
            root.removeHandler(handler)
            handler.close()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._agent_console = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    for noisy in ("sqlalchemy", "alembic", "asyncio", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    def log_uncaught(kind, value, tb) -> None:
        logging.getLogger("agent_console").critical("uncaught exception",
                                                   exc_info=(kind, value, tb))

    def log_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        logging.getLogger("agent_console").critical(
            "uncaught exception in thread %s", args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = log_uncaught
    threading.excepthook = log_thread
    return path
