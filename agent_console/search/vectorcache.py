"""An on-disk cache of text vectors, keyed by a hash of (model id, kind, the exact text encoded).

A restart finds every article it encoded before, whatever its row or id; an edited article
misses (its text changed) and is encoded alone. Vectors are stored as float16 in append-only
segment files (``seg-*.npz``: ``keys`` n×16 bytes, ``vecs`` n×dim); a load with many segments
writes them back as one. Nothing here knows the model or the index.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

KEY_BYTES = 16
COMPACT_AT = 16  # segments on disk before a load merges them


def text_key(model_id: str, kind: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model_id}\x00{kind}\x00{text}".encode("utf-8"),
                           digest_size=KEY_BYTES).digest()


class VectorCache:
    """``get``/``put`` by key in memory; ``flush`` appends the new ones as one segment.
    A directory that cannot be written only costs encoding again next time."""

    def __init__(self, directory: Path | None, dim: int) -> None:
        self.directory = directory
        self.dim = dim
        self._rows: dict[bytes, int] = {}
        self._vecs = np.zeros((0, dim), dtype=np.float16)
        self._new_keys: list[bytes] = []
        self._new_vecs: list[np.ndarray] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows) + len(self._new_keys)

    def load(self) -> int:
        """Read every segment; returns the number of vectors known."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        segments = sorted(self.directory.glob("seg-*.npz"))
        keys, vecs = [], []
        for path in segments:
            try:
                with np.load(path) as data:
                    k, v = data["keys"], data["vecs"]
            except Exception:  # noqa: BLE001 - a torn or foreign file is skipped, not fatal
                log.warning("skipping unreadable vector cache segment %s", path)
                continue
            if k.ndim != 2 or k.shape[1] != KEY_BYTES or v.shape != (len(k), self.dim):
                continue
            keys.append(k)
            vecs.append(v.astype(np.float16, copy=False))
        if not keys:
            return 0
        all_keys = np.concatenate(keys)
        with self._lock:
            self._vecs = np.concatenate(vecs)
            raw = all_keys.tobytes()
            self._rows = {raw[i * KEY_BYTES:(i + 1) * KEY_BYTES]: i for i in range(len(all_keys))}
        if len(segments) > COMPACT_AT:
            self._compact(segments)
        return len(self._rows)

    def get(self, key: bytes) -> np.ndarray | None:
        row = self._rows.get(key)
        if row is not None:
            return self._vecs[row]
        with self._lock:
            if key in self._new_keys:  # rare: only what was put since the last flush
                return self._new_vecs[self._new_keys.index(key)]
        return None

    def put(self, key: bytes, vec: np.ndarray) -> None:
        with self._lock:
            self._new_keys.append(key)
            self._new_vecs.append(np.asarray(vec, dtype=np.float16))

    def flush(self) -> None:
        with self._lock:
            if not self._new_keys:
                return
            keys, vecs = self._new_keys, self._new_vecs
            self._new_keys, self._new_vecs = [], []
            start = len(self._vecs)
            block = np.stack(vecs)
            self._vecs = np.concatenate([self._vecs, block])
            for i, key in enumerate(keys):
                self._rows[key] = start + i
        self._write(np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, KEY_BYTES), block)

    def _write(self, keys: np.ndarray, vecs: np.ndarray) -> Path | None:
        if self.directory is None:
            return None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"seg-{uuid.uuid4().hex}.npz"
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vecs=vecs)
            os.replace(tmp, path)
            return path
        except OSError:
            log.warning("vector cache %s not writable", self.directory, exc_info=True)
            return None

    def _compact(self, segments: list[Path]) -> None:
        with self._lock:
            order = sorted(self._rows.items(), key=lambda kv: kv[1])
            keys = np.frombuffer(b"".join(k for k, _ in order), dtype=np.uint8).reshape(-1, KEY_BYTES)
            vecs = self._vecs[[row for _, row in order]]
        if self._write(keys, vecs) is None:
            return
        for path in segments:  # only those read: another console's new segment stays
            try:
                path.unlink()
            except OSError:
                pass
