"""Compact, load-fast containers for the index: many strings in one UTF-8 buffer (the
vocabulary is sorted 64-bit term keys: ``search.terms``).

Loading a 200k-article index must not create millions of Python objects while the console is
drawing its first screens (they would hold the GIL): these load as a few numpy arrays and
decode an item only when a search touches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np


class PackedStrings(Sequence[str]):
    """An append-only list of strings stored as one UTF-8 buffer plus offsets."""

    __slots__ = ("_blob", "_offsets", "_extra")

    def __init__(self, blob: bytes = b"", offsets: np.ndarray | None = None) -> None:
        self._blob = blob
        self._offsets = offsets if offsets is not None else np.zeros(1, dtype=np.int64)
        self._extra: list[str] = []

    @classmethod
    def of(cls, items: Iterable[str]) -> PackedStrings:
        encoded = [s.encode("utf-8") for s in items]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(b"".join(encoded), offsets)

    @property
    def base_len(self) -> int:
        return len(self._offsets) - 1

    def __len__(self) -> int:
        return self.base_len + len(self._extra)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = self.base_len
        if i < 0:
            i += len(self)
        if 0 <= i < n:
            return self._blob[self._offsets[i] : self._offsets[i + 1]].decode("utf-8")
        if n <= i < len(self):
            return self._extra[i - n]
        raise IndexError(i)

    def __iter__(self) -> Iterator[str]:
        blob, offsets = self._blob, self._offsets
        for i in range(self.base_len):
            yield blob[offsets[i] : offsets[i + 1]].decode("utf-8")
        yield from self._extra

    def append(self, value: str) -> None:
        self._extra.append(value)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(buffer, offsets) for saving; only a list without appended items can be saved."""
        if self._extra:
            raise ValueError("appended items cannot be saved")
        return np.frombuffer(self._blob, dtype=np.uint8), self._offsets

    @classmethod
    def from_arrays(cls, blob: np.ndarray, offsets: np.ndarray) -> PackedStrings:
        offsets = np.asarray(offsets, dtype=np.int64)
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob) or \
                (len(offsets) > 1 and bool(np.any(np.diff(offsets) < 0))):
            raise ValueError("索引缓存已损坏")
        return cls(blob.tobytes(), offsets)
