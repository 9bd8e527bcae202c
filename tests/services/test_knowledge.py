"""Index lifecycle with the database: cache keyed by KB version, stale cache rebuilt,
import/export round trips, bad files rejected whole."""

from __future__ import annotations

import json

import pytest

from agent_console.config import Settings
from agent_console.services.errors import ServiceError, ValidationFailed


@pytest.fixture
def settings(db_url, data_dir, tmp_path) -> Settings:
    """These tests are about the cache itself: each gets an empty one."""
    return Settings(db_url=db_url, data_dir=data_dir, cache_dir=tmp_path / "cache", demo=True)


def test_index_is_cached_and_rebuilt_when_the_kb_changes(services, tmp_path):
    first = services.knowledge.load_or_build_index()
    assert first.source == "built" and len(first.index) >= 300
    again = services.knowledge.load_or_build_index()
    assert again.source == "cache"
    assert [h.id for h in again.index.search("暖气不热", 3)] == \
        [h.id for h in first.index.search("暖气不热", 3)]
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "KB-NEW-1", "title": "民用无人机实名登记怎么办理",
                               "answer": "在民航局无人机实名登记系统填报信息。",
                               "keywords": ["无人机", "实名登记"]}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    report = services.knowledge.import_file(new)
    assert report.added == 1
    third = services.knowledge.load_or_build_index()
    assert third.source == "built"  # the old cache was stale
    assert third.index.search("无人机实名登记", 1)[0].id == "KB-NEW-1"
    caches = list(services.settings.cache_dir.glob("kb-index-*.npz"))
    assert len(caches) == 1


def test_damaged_cache_file_is_rebuilt(services):
    services.knowledge.load_or_build_index()
    (path,) = services.settings.cache_dir.glob("kb-index-*.npz")
    path.write_bytes(b"garbage")
    loaded = services.knowledge.load_or_build_index()
    assert loaded.source == "built" and len(loaded.index) >= 300


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_export_import_round_trip(services, tmp_path, suffix):
    path = tmp_path / f"kb{suffix}"
    count = services.knowledge.export_file(path)
    assert count >= 300
    report = services.knowledge.import_file(path)
    assert report.added == 0 and report.updated == count
    article = services.catalog.article("KB-UC-005")
    assert article.phrasings and article.keywords and article.category_path


def test_bad_rows_reject_the_whole_file(services, tmp_path):
    path = tmp_path / "bad.jsonl"
    rows = [
        {"id": "OK-1", "title": "正常条目", "answer": "内容"},
        {"id": "", "title": "缺编号"},
        {"id": "BAD-2", "title": ""},
        {"id": "BAD-3", "title": "单位不存在", "owner_unit": "nope"},
        {"id": "BAD-4", "title": "日期错", "valid_until": "明年"},
        {"id": "OK-1", "title": "重复"},
        {"id": "BAD-5", "title": "分类不存在", "category": "甲/乙/丙"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        services.knowledge.import_file(path)
    assert len(exc.value.errors) == 6
    assert services.catalog.article("OK-1") is None  # nothing half-written


def test_unreadable_files_get_a_clear_message(services, tmp_path):
    with pytest.raises(ServiceError, match="不存在"):
        services.knowledge.import_file(tmp_path / "missing.jsonl")
    bad = tmp_path / "x.txt"
    bad.write_text("hello")
    with pytest.raises(ServiceError, match="仅支持"):
        services.knowledge.import_file(bad)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1,\n')
    with pytest.raises(ServiceError, match="第1行"):
        services.knowledge.import_file(broken)


def test_kb_import_keeps_versions_and_makes_pending_changes_stale(services, tmp_path):
    """``kb import`` publishes at once, but as the next version of each article it changes,
    kept with the others; a unit's change waiting on the old text can no longer be approved."""
    from sqlalchemy import select

    from agent_console.store.engine import make_session_factory
    from agent_console.store.models import KbArticle, KbRevision

    liaison = services.accounts.authenticate("5001", "demo")
    reviewer = services.accounts.authenticate("3003", "demo")
    own = next(a.id for a in services.kb_review.unit_articles(liaison))
    data = services.kb_review.current(liaison, own)
    pending = services.kb_review.submit(liaison, own, dict(data, title=data["title"] + "（修订）"))
    path = tmp_path / "load.jsonl"
    row = dict(data, id=own, answer=data["answer"] + "以最新通知为准。")
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    services.knowledge.import_file(path)
    services.knowledge.import_file(path)  # the same text again: no new version
    with make_session_factory(services.engine)() as s:
        assert s.get(KbArticle, own).revision == 1
        (kept,) = s.scalars(select(KbRevision).where(KbRevision.source == "import")).all()
        assert kept.status == "approved" and kept.number == 1 and kept.before["answer"] == \
            data["answer"]
    with pytest.raises(ServiceError, match="新的版本"):
        services.kb_review.approve(reviewer, pending)
    history = services.kb_review.history(liaison, own)
    assert [r.source_label for r in history][:1] == ["中心导入"]
