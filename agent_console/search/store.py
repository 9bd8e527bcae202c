"""Saving and loading a built index (numpy arrays + JSON), so a restart skips the build."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from agent_console.search.index import FIELDS, KnowledgeIndex

FORMAT = 3  # bump whenever the analysis or the scoring changes


def save_index(index: KnowledgeIndex, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous file or none, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if index._delta or index._dead:
        raise ValueError("only a freshly built index can be saved")
    meta = {
        "format": FORMAT,
        "ids": index.ids,
        "titles": index.titles,
        "texts": [list(t) for t in index.texts],
        "avg_len": index.avg_len,
        "synonyms": {k: list(v) for k, v in index._synonyms.items()},
    }
    vocab = sorted(index.vocab.items(), key=lambda kv: kv[1])
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                offsets=index.offsets,
                post_docs=index.post_docs,
                post_w=index.post_w,
                df=index.df,
                vocab=np.frombuffer("\n".join(t for t, _ in vocab).encode("utf-8"), dtype=np.uint8),
                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"),
                                   dtype=np.uint8),
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_index(path: Path) -> KnowledgeIndex:
    """Raises ValueError (or OSError) when the file is missing, foreign or damaged."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data["meta"].tobytes().decode("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError("索引缓存格式已过期")
        terms = data["vocab"].tobytes().decode("utf-8")
        index = KnowledgeIndex()
        index._synonyms = {k: tuple(v) for k, v in meta["synonyms"].items()}
        index.ids = list(meta["ids"])
        index.titles = list(meta["titles"])
        index.texts = [tuple(t) for t in meta["texts"]]
        index.pos = {doc_id: i for i, doc_id in enumerate(index.ids)}
        index.vocab = {t: i for i, t in enumerate(terms.split("\n"))} if terms else {}
        index.offsets = data["offsets"]
        index.post_docs = data["post_docs"]
        index.post_w = data["post_w"]
        index.df = data["df"]
        index.avg_len = {f: float(meta["avg_len"][f]) for f in FIELDS}
    n = len(index.ids)
    if len(index.offsets) != len(index.vocab) + 1 or len(index.df) != len(index.vocab):
        raise ValueError("索引缓存已损坏")
    index.alive = np.ones(n, dtype=bool)
    index.n_base = n
    return index
