"""Saving and loading a built index, so a restart skips the build.

The file is a handful of numpy arrays (an uncompressed .npz): loading creates no per-article
or per-term Python objects, so a 200k-article index is ready in a fraction of a second without
holding up the screens being drawn meanwhile.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from agent_console.search.index import FIELDS, KnowledgeIndex
from agent_console.search.packed import PackedStrings
from agent_console.search.terms import TermKeys, Vocabulary

FORMAT = 7  # bump whenever the analysis, the scoring or this layout changes
_PACKED = ("ids", "titles", "texts", "keywords")


def _blob(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _unblob(array: np.ndarray) -> str:
    return array.tobytes().decode("utf-8")


def save_index(index: KnowledgeIndex, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous file or none, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if index._delta or index._dead:
        raise ValueError("only a freshly built index can be saved")
    meta = {
        "format": FORMAT,
        "n": len(index.ids),
        "avg_len": index.avg_len,
        "synonyms": {k: list(v) for k, v in index._synonyms.items()},
        # the pinyin terms' syllable ids, as this index numbered them
        "syllables": list(index.vocab.terms.syllables),
    }
    arrays = {}
    for name in _PACKED:
        blob, offsets = getattr(index, name).arrays()
        arrays[f"{name}_blob"], arrays[f"{name}_offsets"] = blob, offsets
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                offsets=index.offsets,
                post_docs=index.post_docs,
                post_q=index.post_q,
                df=index.df,
                vocab=index.vocab.keys,
                meta=_blob(json.dumps(meta, ensure_ascii=False)),
                **arrays,
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_index(path: Path) -> KnowledgeIndex:
    """Raises ValueError (or OSError) when the file is missing, foreign or damaged."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(_unblob(data["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError("索引缓存格式已过期")
        n = int(meta["n"])
        index = KnowledgeIndex()
        index._synonyms = {k: tuple(v) for k, v in meta["synonyms"].items()}
        for name in _PACKED:
            setattr(index, name, PackedStrings.from_arrays(data[f"{name}_blob"],
                                                           data[f"{name}_offsets"]))
        index.vocab = Vocabulary(data["vocab"], TermKeys(meta["syllables"]))
        index.offsets = data["offsets"]
        index.post_docs = data["post_docs"]
        index.post_q = data["post_q"]
        index.df = data["df"]
        index.avg_len = {f: float(meta["avg_len"][f]) for f in FIELDS}
    if not (len(index.ids) == len(index.titles) == len(index.texts) == len(index.keywords) == n):
        raise ValueError("索引缓存已损坏")
    v = len(index.vocab)
    if len(index.offsets) != v + 1 or len(index.df) != v or index.vocab.keys.dtype != np.uint64 \
            or len(index.post_docs) != len(index.post_q) or int(index.offsets[-1]) != len(index.post_docs):
        raise ValueError("索引缓存已损坏")
    index.alive = np.ones(n, dtype=bool)
    index.n_base = n
    return index
