"""Saving and loading a built index (numpy arrays + JSON), so a restart skips the build."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from agent_console.search.index import FIELDS, KnowledgeIndex

FORMAT = 4  # bump whenever the analysis, the scoring or this layout changes
_DOC_SEP, _TEXT_SEP = "\n", "\x1f"


def _clean(text: str) -> str:
    return text.replace("\n", " ").replace("\x1f", " ").replace("\r", " ")


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
    }
    # Plain joined strings load far faster than JSON lists at 200k articles.
    ids = _DOC_SEP.join(_clean(i) for i in index.ids)
    titles = _DOC_SEP.join(_clean(t) for t in index.titles)
    texts = _DOC_SEP.join(_TEXT_SEP.join(_clean(x) for x in t) for t in index.texts)
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
                vocab=_blob("\n".join(t for t, _ in vocab)),
                ids=_blob(ids),
                titles=_blob(titles),
                texts=_blob(texts),
                meta=_blob(json.dumps(meta, ensure_ascii=False)),
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
        terms = _unblob(data["vocab"])
        n = int(meta["n"])
        index = KnowledgeIndex()
        index._synonyms = {k: tuple(v) for k, v in meta["synonyms"].items()}
        index.ids = _unblob(data["ids"]).split(_DOC_SEP) if n else []
        index.titles = _unblob(data["titles"]).split(_DOC_SEP) if n else []
        index.texts = [tuple(x for x in t.split(_TEXT_SEP) if x)
                       for t in _unblob(data["texts"]).split(_DOC_SEP)] if n else []
        if not (len(index.ids) == len(index.titles) == len(index.texts) == n):
            raise ValueError("索引缓存已损坏")
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
