"""Art. 3: online submissions: import (file and drop folder), the queue, processing."""

from __future__ import annotations

import json
import threading

import pytest

from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.engine import make_session_factory
from agent_console.store.models import IntakeRecord, OnlineSubmission
from tests.conftest import FROZEN_AT

ROWS = [
    {"channel": "微信", "id": "wx-1", "content": "小区门口路灯坏了一个月", "phone": "13800001111",
     "received_at": "2026-11-26T08:00:00"},
    {"channel": "蒙速办", "id": "msb-7", "content": "营业执照年报怎么填", "name": "李女士",
     "received_at": "2026-11-26T08:30:00"},
    {"channel": "网站", "id": "web-3", "content": "暖气不热，测温申请", "phone": "0475-8211234",
     "region": "科尔沁区", "received_at": "2026-11-26T07:30:00"},
]


def write(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_import_dedupes_and_queues_oldest_first(services, tmp_path):
    report = services.online.import_file(write(tmp_path / "in.jsonl", ROWS))
    assert (report.added, report.duplicates) == (3, 0)
    again = services.online.import_file(write(tmp_path / "again.jsonl", ROWS[:1]))
    assert (again.added, again.duplicates) == (0, 1)
    assert [s.external_id for s in services.online.queue()] == ["web-3", "wx-1", "msb-7"]
    assert services.online.queue()[0].caller_phone == "04758211234"


def test_bad_rows_reject_the_file(services, tmp_path):
    bad = [dict(ROWS[0]), {"channel": "12345电话", "id": "x", "content": "电话不是网上渠道"},
           {"channel": "微信", "id": "y", "content": ""}, {"channel": "微信", "id": "z",
                                                        "content": "内容", "phone": "abc"}]
    with pytest.raises(ValidationFailed) as exc:
        services.online.import_file(write(tmp_path / "bad.jsonl", bad))
    assert len(exc.value.errors) == 3
    assert services.online.pending_count() == 0
    with pytest.raises(ServiceError):
        services.online.import_file(tmp_path / "missing.jsonl")


def test_drop_folder(services, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    write(drop / "a.jsonl", ROWS)
    (drop / "b.jsonl").write_text("{broken", encoding="utf-8")
    results = dict(services.online.sweep_folder(drop))
    assert results["a.jsonl"].startswith("新增 3")
    assert results["b.jsonl"].startswith("失败")
    assert (drop / "processed" / "a.jsonl").exists()
    assert (drop / "failed" / "b.jsonl").exists() and (drop / "failed" / "b.errors.txt").exists()


def test_every_file_goes_on_its_own_and_no_name_is_overwritten(services, tmp_path):
    """A NUL in an id, a folder named x.jsonl, bytes that are not UTF-8: each goes to failed/
    with its reason, and the good files before and after them are imported; a name already in
    processed/ or failed/ is kept and the new one gets -2."""
    drop = tmp_path / "drop"
    drop.mkdir()
    write(drop / "1-good.jsonl", ROWS[:1])
    write(drop / "2-nul.jsonl", [{"channel": "微信", "id": "w\x00x", "content": "暖气不热"}])
    (drop / "3-dir.jsonl").mkdir()
    (drop / "4-bytes.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    write(drop / "5-good.jsonl", ROWS[1:2])
    results = dict(services.online.sweep_folder(drop))
    assert results["1-good.jsonl"].startswith("新增 1")
    assert results["5-good.jsonl"].startswith("新增 1")
    for name in ("2-nul.jsonl", "3-dir.jsonl", "4-bytes.jsonl"):
        assert results[name].startswith("失败"), results[name]
        assert (drop / "failed" / name).exists()
        assert (drop / "failed" / name).with_suffix(".errors.txt").read_text(encoding="utf-8")
    assert "控制字符" in (drop / "failed" / "2-nul.errors.txt").read_text(encoding="utf-8")
    assert services.online.pending_count() == 2
    # the same names again: nothing already there is overwritten
    write(drop / "1-good.jsonl", ROWS[2:3])
    write(drop / "2-nul.jsonl", [{"channel": "微信", "id": "w\x00y", "content": "暖气不热"}])
    results = dict(services.online.sweep_folder(drop))
    assert "1-good-2.jsonl" in results["1-good.jsonl"]
    assert (drop / "processed" / "1-good.jsonl").exists()
    assert (drop / "processed" / "1-good-2.jsonl").exists()
    assert (drop / "failed" / "2-nul-2.jsonl").exists()
    assert (drop / "failed" / "2-nul-2.errors.txt").exists()
    assert services.online.pending_count() == 3


def test_two_agents_never_take_the_same_submission(services, agent, tmp_path):
    services.online.import_file(write(tmp_path / "in.jsonl", ROWS))
    other = services.accounts.add_user("1002", "李四", "seat_agent", "long-password")
    taken: list[int] = []
    barrier = threading.Barrier(2)

    def grab(op):
        barrier.wait()
        sub = services.online.take_next(op)
        if sub:
            taken.append(sub.id)

    threads = [threading.Thread(target=grab, args=(op,)) for op in (agent, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 2 and len(set(taken)) == 2
    assert services.online.pending_count() == 1


def test_processing_marks_the_submission_in_the_same_transaction(services, agent, tmp_path):
    services.online.import_file(write(tmp_path / "in.jsonl", ROWS))
    sub = services.online.take_next(agent)
    draft = sub.to_draft()
    assert draft.channel == "网站" and draft.submission_id == sub.id
    result = services.intake.answer_online(agent, draft, FROZEN_AT, None, "已告知测温申请流程")
    with make_session_factory(services.engine)() as s:
        row = s.get(OnlineSubmission, sub.id)
        assert row.status == "processed" and row.intake_id == result.intake_id
        record = s.get(IntakeRecord, result.intake_id)
        assert record.channel == "网站"
    with pytest.raises(ServiceError):
        services.intake.answer_online(agent, draft, FROZEN_AT, None, "再次处理")


def test_release_puts_it_back(services, agent, tmp_path):
    services.online.import_file(write(tmp_path / "in.jsonl", ROWS))
    sub = services.online.take_next(agent)
    services.online.release(agent, sub.id)
    assert services.online.pending_count() == 3
    assert services.online.take_next(agent).id == sub.id


def test_a_crashed_seats_submission_comes_back_after_the_lease(services, agent, expert, clock):
    services.online.import_rows(ROWS)
    taken = services.online.take_next(agent)  # then the seat is killed: no draft, no release
    assert services.online.pending_count() == 2
    clock.advance(minutes=4)
    assert services.online.renew(agent, taken.id)  # a live seat renews its lease
    clock.advance(minutes=4)
    assert services.online.take_next(expert).id != taken.id  # still the first seat's
    clock.advance(minutes=2)  # 6 minutes without renewal: given back before the next take
    assert services.online.take_next(expert).id == taken.id
    assert not services.online.renew(agent, taken.id)  # the first seat is told it lost it


def test_a_seat_gets_back_what_it_no_longer_holds_at_its_next_start(services, agent):
    services.online.import_rows(ROWS)
    first = services.online.take_next(agent)
    second = services.online.take_next(agent)
    assert services.online.reclaim(agent, keep=frozenset({second.id})) == 1
    assert [s.id for s in services.online.queue()][0] == first.id
    assert services.online.reclaim(agent) == 1
    assert services.online.pending_count() == 3


def test_an_administrator_releases_any_taken_submission(services, agent):
    services.online.import_rows(ROWS)
    taken = services.online.take_next(agent)
    (row,) = [r for r in services.online.listing() if r.status == "taken"]
    assert row.id == taken.id and row.taken_by.startswith("1001")
    assert services.online.release_any(taken.id).id == taken.id
    assert services.online.pending_count() == 3
    with pytest.raises(ServiceError, match="待处理"):
        services.online.release_any(taken.id)
    with pytest.raises(ServiceError, match="不存在"):
        services.online.release_any(99999)


def test_twelve_seats_at_once_each_get_one_of_twelve_pending(services, agent, tmp_path):
    """Never "queue empty" while something is pending: every seat of a burst gets its own."""
    seats = 12
    rows = [{"channel": "微信", "id": f"burst-{n}", "content": f"第{n}件：小区路灯不亮"}
            for n in range(seats)]
    services.online.import_file(write(tmp_path / "burst.jsonl", rows))
    operators = [services.accounts.add_user(f"11{n:02d}", f"坐席{n}", "seat_agent",
                                            "long-password") for n in range(seats)]
    got: list[int | None] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(seats)

    def grab(op):
        try:
            barrier.wait()
            sub = services.online.take_next(op)
            got.append(sub.id if sub else None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=grab, args=(op,)) for op in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert None not in got and len(set(got)) == seats
    assert services.online.pending_count() == 0
