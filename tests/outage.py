"""Real outages for tests: a private PostgreSQL server the test stops and starts, and a SQLite
file made unwritable (``chattr +i``: root cannot write it either)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateServer:
    """A throw-away PostgreSQL cluster owned by the test (never the suite's shared server)."""

    def __init__(self, root: Path) -> None:
        self.bin = _pg_bin()
        self.data = root / "pgdata"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        cmd = " ".join(f"'{a}'" for a in args)
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd], check=True,
                       capture_output=True, timeout=120)

    def init(self) -> None:
        self.data.mkdir(parents=True)
        shutil.chown(self.data, "postgres", "postgres")
        os.chmod(self.data, 0o700)
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.data / "server.log"), "-w", "-o",
                          f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off",
                          "start")

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                          "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@pytest.fixture
def private_pg():
    """Skipped where there is no PostgreSQL to start (CI installs it: .ci/postgres.sh). Its
    folder is outside pytest's (private, 0700) temporary tree so the postgres user reaches it."""
    if _pg_bin() is None or os.geteuid() != 0:
        pytest.skip("PostgreSQL server binaries (and root, to run them as postgres) needed")
    root = Path(tempfile.mkdtemp(prefix="agent-console-outage-", dir="/tmp"))
    os.chmod(root, 0o755)
    server = PrivateServer(root)
    try:
        server.init()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@contextmanager
def unwritable(db_file: Path):
    """The SQLite database and its WAL refuse every write until the block ends (reads work),
    and its folder takes no new file (a WAL that a checkpoint removed is not recreated). The
    shared-memory file stays writable: it is mapped, and a write to an immutable mapping would
    kill the process, which is not the outage under test. Use a folder of the test's own."""
    files = [p for p in (db_file, db_file.with_name(db_file.name + "-wal")) if p.exists()]
    files.append(db_file.parent)
    done = []
    try:
        for p in files:
            if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode != 0:
                pytest.skip("chattr +i not available here (needs root on ext4 or similar)")
            done.append(p)
        yield
    finally:
        for p in reversed(done):
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)


def wait_for(predicate, timeout: float = 10.0, step: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@contextmanager
def small_disk(size_mb: int = 16):
    """A tmpfs of its own (skipped where mounting is not allowed)."""
    root = Path(tempfile.mkdtemp(prefix="agent-console-disk-", dir="/tmp"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs",
                           str(root)], capture_output=True)
    if done.returncode != 0:
        root.rmdir()
        pytest.skip("mounting a small tmpfs is not allowed here")
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


class FullDisk:
    """The disk under ``db_file`` full to the last block, and kept full: SQLite frees a little
    when its last connection closes (the -wal and -shm files go), which the filler takes back
    at once, as other programs on a full disk would."""

    def __init__(self, folder: Path, db_file: Path) -> None:
        self.filler = folder / "filler.bin"
        self.db_file = db_file
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FullDisk:
        import sqlite3

        wal = self.db_file.with_name(self.db_file.name + "-wal")
        for _ in range(100):  # a reader in the middle of a transaction makes it busy: again
            con = sqlite3.connect(self.db_file)
            busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            con.close()
            if not busy and (not wal.exists() or wal.stat().st_size == 0):
                break
            time.sleep(0.05)
        self._fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self._fill()
        self._thread = threading.Thread(target=self._keep_full, daemon=True)
        self._thread.start()
        return self

    def _fill(self) -> None:
        for size in (65536, 4096, 512):  # then the last partial block
            try:
                while True:
                    os.write(self._fd, b"\0" * size)
            except OSError:
                pass

    def _keep_full(self) -> None:
        while not self._stop.wait(0.02):
            self._fill()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        os.close(self._fd)
        self.filler.unlink()
