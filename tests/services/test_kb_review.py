"""The knowledge base the units keep (Art. 13, 19(4)): a liaison's change waits for the
centre's review; approved it is the article's next version at the seats, rejected it goes
back with the reason; every version is kept with who and when."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from agent_console.domain.enums import RevisionStatus
from agent_console.services.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from agent_console.services.kb_review import FieldChange
from agent_console.store.engine import make_session_factory
from agent_console.store.models import KbArticle, KbRevision
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, draft

UNIT = "heat_city"
OWN = "KB-UC-005"  # 室温不达标低于18℃怎么办, heat_city's
MARKUP = "[bold]x[/bold] [@click=app.quit]退出[/] 𠮷🔥 '; DROP TABLE kb_articles; --"


def article(**changes) -> dict:
    data = {"title": "供热费缴纳新增蒙速办渠道", "phrasings": ["暖气费能在手机上交吗", "蒙速办怎么交暖气费"],
            "answer": "自2026年供热期起，城区居民可通过蒙速办App的“供热缴费”栏目缴纳供热费，"
                      "缴费成功后电子票据即时发送。",
            "policy_basis": "通辽市2026年供热工作通知", "keywords": ["蒙速办", "缴费"],
            "valid_until": "2027-04-30", "domain": "供热", "category": HEATING_PATH}
    data.update(changes)
    return data


@pytest.fixture
def liaison(services):
    return services.accounts.authenticate("5001", "demo")


@pytest.fixture
def reviewer(services):
    return services.accounts.authenticate("3003", "demo")


@pytest.fixture
def admin(services):
    return services.accounts.authenticate("9001", "demo")


def revisions(services) -> list[KbRevision]:
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(KbRevision).order_by(KbRevision.id)).all()


def other_units_article(services) -> str:
    own = services.catalog.unit_by_code(UNIT).name
    return next(a.id for a in services.catalog.articles() if a.owner_unit and a.owner_unit != own)


def published(services, article_id: str):
    return next((a for a in services.catalog.articles() if a.id == article_id), None)


# ---------------------------------------------------------------------- the review cycle
def test_rejected_then_edited_again_and_approved_keeps_every_version(services, clock, liaison,
                                                                      reviewer):
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit(liaison, None, article(answer="可以在蒙速办交。"))
    assert caught.value.errors == {"answer": "答复口径过短，至少需要10个字"}
    assert not revisions(services)
    first = services.kb_review.submit(liaison, None, article(title="供热费缴纳渠道"))
    (row,) = services.kb_review.pending(reviewer)
    assert (row.id, row.action_label, row.status_label, row.source_label) == \
        (first, "新增", "待审核", "单位维护")
    assert row.article_id == "KB-HEAT_CITY-001" and row.unit_name == "通辽市城区集中供热公司"
    assert row.author == "5001 刘洋" and row.created_at == FROZEN_AT
    assert published(services, row.article_id) is None  # not at the seats before review
    with pytest.raises(PermissionDenied):
        services.kb_review.approve(liaison, first)

    clock.advance(minutes=30)
    services.kb_review.reject(reviewer, first, "标题应写明“蒙速办”，便于坐席检索")
    (mine,) = services.kb_review.mine(liaison)
    assert mine.status_label == "已退回" and mine.reason == "标题应写明“蒙速办”，便于坐席检索"
    assert mine.reviewer == "3003 周建军" and mine.reviewed_at == datetime(2026, 11, 26, 10, 0)
    assert services.kb_review.pending(reviewer) == []

    # edited again: the editor starts from the rejected text
    data, origin = services.kb_review.starting_point(liaison, row.article_id)
    assert origin.id == first and data["title"] == "供热费缴纳渠道"
    clock.advance(minutes=30)
    second = services.kb_review.submit(liaison, row.article_id, dict(data, title=article()["title"]))
    clock.advance(minutes=30)
    assert services.kb_review.approve(reviewer, second) == row.article_id

    info = published(services, row.article_id)
    assert info.title == "供热费缴纳新增蒙速办渠道" and info.owner_unit == "通辽市城区集中供热公司"
    assert info.phrasings == ("暖气费能在手机上交吗", "蒙速办怎么交暖气费")
    assert info.valid_until == date(2027, 4, 30) and info.category_path == HEATING_PATH
    history = services.kb_review.history(liaison, row.article_id)
    assert [(h.id, h.status_label, h.number) for h in history] == \
        [(second, "已发布", 1), (first, "已退回", None)]
    assert history[0].created_at == datetime(2026, 11, 26, 10, 30)
    assert history[0].reviewed_at == datetime(2026, 11, 26, 11, 0)
    assert history[0].reviewer == "3003 周建军" and history[1].author == "5001 刘洋"

    # the next edit is version 2, its review shows what changed
    third = services.kb_review.submit(liaison, row.article_id,
                                      dict(data, title=info.title, valid_until="2028-04-30"))
    change = {c.field: c for c in services.kb_review.detail(reviewer, third).changes}
    assert set(change) == {"valid_until"}
    assert change["valid_until"].spans() == [("del", "2027"), ("add", "2028"), ("same", "-04-30")]
    services.kb_review.approve(reviewer, third)
    assert [h.number for h in services.kb_review.history(reviewer, row.article_id)] == [2, 1, None]
    assert published(services, row.article_id).valid_until == date(2028, 4, 30)


def test_a_new_article_shows_every_field_as_added(services, liaison, reviewer):
    rev = services.kb_review.submit(liaison, None, article())
    detail = services.kb_review.detail(reviewer, rev)
    by_field = {c.field: c for c in detail.changes}
    assert by_field["title"].spans() == [("add", "供热费缴纳新增蒙速办渠道")]
    assert by_field["phrasings"].after == "暖气费能在手机上交吗\n蒙速办怎么交暖气费"
    assert by_field["owner_unit"].after == UNIT
    assert "policy_basis" in by_field and not detail.stale


def test_an_edit_shows_deleted_and_added_runs(services, liaison, reviewer):
    data = services.kb_review.current(liaison, OWN)
    new_answer = data["answer"].replace("不低于18℃", "不低于20℃")
    rev = services.kb_review.submit(liaison, OWN, dict(data, answer=new_answer,
                                                       keywords=data["keywords"] + ["二十度"]))
    detail = services.kb_review.detail(reviewer, rev)
    assert [c.label for c in detail.changes] == ["答复口径", "关键词"]
    spans = detail.changes[0].spans()
    assert ("del", "18") in spans and ("add", "20") in spans
    assert "".join(t for kind, t in spans if kind != "add") == detail.changes[0].before
    assert "".join(t for kind, t in spans if kind != "del") == detail.changes[0].after
    assert detail.changes[1].spans()[-1] == ("add", "\n二十度")


def test_field_change_spans_of_plain_strings():
    change = FieldChange("title", "标题", "供暖期10月20日开始", "供暖期10月15日开始")
    assert change.spans() == [("same", "供暖期10月"), ("del", "20"), ("add", "15"),
                              ("same", "日开始")]
    assert FieldChange("t", "标题", "", "新").spans() == [("add", "新")]
    assert FieldChange("t", "标题", "旧", "").spans() == [("del", "旧")]
    # numbers and Latin words change whole; runs of one kind are one run
    assert FieldChange("t", "编号", "GB/T 33833-2017", "GB/T 33833-2024").spans() == \
        [("same", "GB/T 33833-"), ("del", "2017"), ("add", "2024")]
    assert FieldChange("t", "标题", "拨打12345咨询", "拨打0475-12345咨询").spans() == \
        [("same", "拨打"), ("add", "0475-"), ("same", "12345咨询")]
    assert FieldChange("t", "标题", "甲乙丙", "丁戊己").spans() == [("del", "甲乙丙"), ("add", "丁戊己")]
    # a short value changed in several places: old → new, whole
    assert FieldChange("valid_until", "有效期至", "2027-12-31", "2028-04-30").spans() == \
        [("del", "2027-12-31"), ("add", "2028-04-30")]
    long_before = "供热期内室温不低于18℃。" * 5
    long_after = long_before.replace("18", "20")
    spans = FieldChange("answer", "答复口径", long_before, long_after).spans()
    assert spans[:3] == [("same", "供热期内室温不低于"), ("del", "18"), ("add", "20")]


def test_a_pending_change_edited_again_replaces_it_and_can_be_withdrawn(services, liaison,
                                                                         reviewer):
    data = services.kb_review.current(liaison, OWN)
    first = services.kb_review.submit(liaison, OWN, dict(data, title="室温不达标（低于18℃）怎么办"))
    start, origin = services.kb_review.starting_point(liaison, OWN)
    assert origin.id == first and start["title"] == "室温不达标（低于18℃）怎么办"
    second = services.kb_review.submit(liaison, OWN, dict(start, valid_until="2028-12-31"))
    assert [r.id for r in services.kb_review.pending(reviewer)] == [second]
    status = {r.id: (r.status, r.reason) for r in revisions(services)}
    assert status[first] == (RevisionStatus.WITHDRAWN, "已由新的修改替代")
    (article_row,) = [a for a in services.kb_review.unit_articles(liaison, OWN)]
    assert article_row.pending == 1
    with pytest.raises(PermissionDenied):
        services.kb_review.withdraw(reviewer, second)
    services.kb_review.withdraw(liaison, second)
    assert services.kb_review.pending(reviewer) == []
    with pytest.raises(ServiceError, match="^这条修改已撤回，不能撤回$"):
        services.kb_review.withdraw(liaison, second)
    with pytest.raises(ServiceError, match="^这条修改已撤回$"):
        services.kb_review.approve(reviewer, second)
    # nothing pending: an edit starts from the published text
    start, origin = services.kb_review.starting_point(liaison, OWN)
    assert origin is None and start == data


def test_an_unchanged_edit_is_not_sent(services, liaison):
    with pytest.raises(ServiceError, match="相同"):
        services.kb_review.submit(liaison, OWN, services.kb_review.current(liaison, OWN))
    assert not revisions(services)


def test_approved_and_rejected_changes_say_so_once(services, liaison, reviewer):
    rev = services.kb_review.submit(liaison, None, article())
    services.kb_review.approve(reviewer, rev)
    for attempt in (lambda: services.kb_review.approve(reviewer, rev),
                    lambda: services.kb_review.reject(reviewer, rev, "重复审核")):
        with pytest.raises(ServiceError) as caught:
            attempt()
        assert caught.value.message == "这条修改已发布"
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.reject(reviewer, rev, " ")
    assert caught.value.errors == {"reason": "退回原因不能为空"}


def test_keywords_split_at_commas_and_enumeration_marks(services, liaison, reviewer):
    rev = services.kb_review.submit(liaison, None, article(keywords="蒙速办，缴费、暖气费,电子票据"))
    assert services.kb_review.detail(reviewer, rev).data["keywords"] == \
        ["蒙速办", "缴费", "暖气费", "电子票据"]
    rev = services.kb_review.submit(liaison, None,
                                    article(phrasings="暖气费能在手机上交吗，怎么交\n蒙速办交暖气费"))
    assert services.kb_review.detail(reviewer, rev).data["phrasings"] == \
        ["暖气费能在手机上交吗，怎么交", "蒙速办交暖气费"]


def test_each_bad_field_has_its_own_chinese_message(services, liaison):
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit(liaison, None, article(
            title="暖气", answer="", valid_until="2027-02-30", category="供热/不存在",
            keywords=["蒙速办"] * 31, domain="一个非常非常非常非常非常长的领域名称超过二十个字"))
    errors = caught.value.errors
    assert errors["title"] == "标题过短，至少需要4个字"
    assert errors["answer"] == "答复口径不能为空"
    assert errors["valid_until"] == "有效期应为 YYYY-MM-DD，例如 2027-12-31"
    assert errors["category"] == "诉求分类“供热/不存在”不存在"
    assert errors["keywords"] == "关键词最多30条，现有31条"
    assert errors["domain"].startswith("领域过长")
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit(liaison, None, article(valid_until="2027-12-31 垃圾"))
    assert set(caught.value.errors) == {"valid_until"}


# ---------------------------------------------------------------------- whose article
def test_a_liaison_cannot_touch_another_unit_s_article(services, liaison, reviewer, tmp_path):
    foreign = other_units_article(services)
    review = services.kb_review
    for attempt in (lambda: review.current(liaison, foreign),
                    lambda: review.starting_point(liaison, foreign),
                    lambda: review.submit(liaison, foreign, article()),
                    lambda: review.retire(liaison, foreign, "政策已废止"),
                    lambda: review.history(liaison, foreign)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert foreign not in {a.id for a in review.unit_articles(liaison)}
    with pytest.raises(ValidationFailed) as caught:
        review.submit(liaison, None, article(owner_unit="zjj"))
    assert caught.value.errors == {"owner_unit": "只能维护本单位（heat_city）的条目，不能改为 zjj"}
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(dict(article(), id=foreign), ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        review.submit_batch(liaison, path)
    assert caught.value.errors == {"第1行": f"{foreign}：不是本单位负责的条目"}
    assert not revisions(services)


def test_another_unit_s_liaison_sees_and_withdraws_nothing_of_this_unit(services, liaison,
                                                                        reviewer):
    other = services.accounts.add_user("5002", "李娜", "unit_liaison", "Pass-word-5002", "zjj")
    rev = services.kb_review.submit(liaison, None, article())
    article_id = services.kb_review.detail(reviewer, rev).row.article_id
    with pytest.raises(PermissionDenied):
        services.kb_review.detail(other, rev)
    with pytest.raises(PermissionDenied):
        services.kb_review.withdraw(other, rev)
    assert services.kb_review.mine(other) == []
    assert services.kb_review.history(other, article_id) == []
    assert OWN not in {a.id for a in services.kb_review.unit_articles(other)}


def test_only_liaisons_edit_and_only_the_centre_reviews(services, agent, liaison):
    with pytest.raises(PermissionDenied):
        services.kb_review.submit(agent, None, article())
    with pytest.raises(PermissionDenied):
        services.kb_review.unit_articles(agent)
    for attempt in (lambda: services.kb_review.pending(liaison),
                    lambda: services.kb_review.reject(liaison, 1, "不予通过")):
        with pytest.raises(PermissionDenied, match="只有中心"):
            attempt()


# ---------------------------------------------------------------------- retiring
def test_a_retired_article_leaves_the_seats_and_can_be_published_again(services, clock, liaison,
                                                                      reviewer):
    version = services.knowledge.version()
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.retire(liaison, OWN, "")
    assert caught.value.errors == {"reason": "停用原因不能为空"}
    rev = services.kb_review.retire(liaison, OWN, "测温退费政策已并入新条目")
    detail = services.kb_review.detail(reviewer, rev)
    assert detail.row.action_label == "停用"
    assert [(c.label, c.after) for c in detail.changes] == [("停用原因", "测温退费政策已并入新条目")]
    assert published(services, OWN) is not None  # still at the seats while it waits
    clock.advance(minutes=5)
    since = clock.now()
    clock.advance(minutes=5)
    services.kb_review.approve(reviewer, rev)
    assert published(services, OWN) is None
    assert OWN not in {d.id for d in services.knowledge.documents()}
    assert services.knowledge.retired_since(since) == [OWN]
    assert services.knowledge.version() != version
    (row,) = services.kb_review.unit_articles(liaison, OWN)
    assert row.retired and row.revision == 1
    with pytest.raises(ServiceError, match=f"^条目 {OWN} 已停用$"):
        services.kb_review.retire(liaison, OWN, "再次停用")

    # edited again, it is published again
    data = services.kb_review.current(liaison, OWN)
    rev = services.kb_review.submit(liaison, OWN, data)  # the same text: it is retired
    changes = services.kb_review.detail(reviewer, rev).changes
    assert [(c.label, c.before, c.after) for c in changes] == [("状态", "已停用", "有效（重新启用）")]
    services.kb_review.approve(reviewer, rev)
    assert OWN in {d.id for d in services.knowledge.documents()}
    assert not services.kb_review.unit_articles(liaison, OWN)[0].retired


def test_an_approved_change_reaches_the_live_index(services, clock, liaison, reviewer):
    clock.advance(minutes=1)  # past the seed's own second
    since = clock.now()
    clock.advance(minutes=1)
    rev = services.kb_review.submit(liaison, None, article())
    assert services.knowledge.documents(since=since) == []
    article_id = services.kb_review.approve(reviewer, rev)
    (doc,) = services.knowledge.documents(since=since)
    assert doc.id == article_id and doc.title == "供热费缴纳新增蒙速办渠道"
    assert doc.keywords == ("蒙速办", "缴费")


# ---------------------------------------------------------------------- stale changes
def test_approving_a_stale_change_is_refused(services, clock, liaison, reviewer, admin):
    data = services.kb_review.current(liaison, OWN)
    unit_change = services.kb_review.submit(liaison, OWN, dict(data, title="室温低于18℃怎么办"))
    clock.advance(minutes=1)
    centre_change = services.kb_review.submit(admin, OWN, dict(data, valid_until="2028-12-31"))
    rows = {r.id: r for r in services.kb_review.pending(reviewer)}
    assert not rows[unit_change].stale and not rows[centre_change].stale
    services.kb_review.approve(reviewer, centre_change)
    assert services.kb_review.detail(reviewer, unit_change).stale
    (row,) = services.kb_review.pending(reviewer)
    assert row.id == unit_change and row.stale
    with pytest.raises(ServiceError, match="已有新的版本发布"):
        services.kb_review.approve(reviewer, unit_change)
    assert published(services, OWN).title == "室温不达标低于18℃怎么办"
    services.kb_review.reject(reviewer, unit_change, "请在新版本上修改")
    assert not services.kb_review.detail(reviewer, unit_change).stale  # no longer pending


def test_a_change_made_before_a_retirement_is_stale(services, liaison, reviewer, admin):
    data = services.kb_review.current(liaison, OWN)
    edit = services.kb_review.submit(liaison, OWN, dict(data, valid_until="2028-12-31"))
    services.kb_review.approve(reviewer, services.kb_review.retire(admin, OWN, "政策废止"))
    with pytest.raises(ServiceError, match="已有新的版本发布"):
        services.kb_review.approve(reviewer, edit)
    assert published(services, OWN) is None  # the edit did not bring it back


def test_two_new_articles_under_one_number_publish_once(services, liaison, reviewer, admin):
    first = services.kb_review.submit(liaison, "KB-HEAT-NEW-1", article())
    second = services.kb_review.submit(admin, "KB-HEAT-NEW-1", article(title="另一条同编号条目"))
    services.kb_review.approve(reviewer, first)
    assert services.kb_review.detail(reviewer, second).stale
    with pytest.raises(ServiceError, match="已有新的版本发布"):
        services.kb_review.approve(reviewer, second)
    assert published(services, "KB-HEAT-NEW-1").title == "供热费缴纳新增蒙速办渠道"


# ---------------------------------------------------------------------- batches
FIELDS = ["id", "title", "phrasings", "answer", "policy_basis", "owner_unit", "valid_until",
          "keywords", "domain", "category"]


def write_csv(path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("|".join(v) if isinstance(v, list) else v)
                             for k, v in row.items()})


def test_a_batch_is_all_or_nothing_with_every_row_s_error(services, liaison, reviewer, tmp_path):
    own = services.kb_review.current(liaison, OWN)
    unchanged = services.kb_review.current(liaison, "KB-UC-006")
    path = tmp_path / "policies.csv"
    good_new = dict(article(), id="", owner_unit=UNIT)
    rows = [good_new,
            dict(own, id=OWN, answer="太短了"),
            dict(article(category="供热/不存在"), id="KB-HEAT-NEW-2"),
            dict(unchanged, id="KB-UC-006"),
            dict(own, id=OWN, title="重复的编号")]
    write_csv(path, rows)
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit_batch(liaison, path)
    assert caught.value.errors == {
        "第2行": f"{OWN}：答复口径过短，至少需要10个字",
        "第3行": "KB-HEAT-NEW-2：诉求分类“供热/不存在”不存在",
        "第5行": f"编号 {OWN} 在文件中重复",
    }
    assert not revisions(services)  # nothing was sent

    rows[1] = dict(own, id=OWN, valid_until="2028-12-31")
    rows[2] = dict(article(title="供热费电子票据如何下载"), id="KB-HEAT-NEW-2")
    write_csv(path, rows[:4])
    report = services.kb_review.submit_batch(liaison, path)
    assert report.rows == (
        (1, "KB-HEAT_CITY-001", "新增"), (2, OWN, "修改"), (3, "KB-HEAT-NEW-2", "新增"),
        (4, "KB-UC-006", "无变化"))
    assert report.submitted == 3
    pending = services.kb_review.pending(reviewer)
    assert [(r.article_id, r.source_label, r.batch) for r in pending] == [
        ("KB-HEAT_CITY-001", "单位批量", report.batch), (OWN, "单位批量", report.batch),
        ("KB-HEAT-NEW-2", "单位批量", report.batch)]
    for row in pending:
        services.kb_review.approve(reviewer, row.id)
    assert published(services, OWN).valid_until == date(2028, 12, 31)
    assert published(services, "KB-HEAT-NEW-2").title == "供热费电子票据如何下载"


def test_a_batch_reads_xlsx_and_jsonl(services, liaison, reviewer, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(FIELDS)
    data = article()
    sheet.append(["", data["title"], "|".join(data["phrasings"]), data["answer"],
                  data["policy_basis"], UNIT, datetime(2027, 4, 30), 12345, "供热", HEATING_PATH])
    xlsx = tmp_path / "policies.xlsx"
    book.save(xlsx)
    report = services.kb_review.submit_batch(liaison, xlsx)
    (row,) = report.rows
    detail = services.kb_review.detail(reviewer, services.kb_review.pending(reviewer)[0].id)
    assert row == (1, "KB-HEAT_CITY-001", "新增")
    assert detail.data["valid_until"] == "2027-04-30" and detail.data["keywords"] == ["12345"]

    jsonl = tmp_path / "policies.jsonl"
    jsonl.write_text(json.dumps(dict(article(title="蒙速办缴费常见问题"), id="KB-HEAT-NEW-3"),
                                ensure_ascii=False) + "\n", encoding="utf-8")
    assert services.kb_review.submit_batch(liaison, jsonl).rows == ((1, "KB-HEAT-NEW-3", "新增"),)


@pytest.mark.parametrize("name, content, message", [
    ("broken.xlsx", b"not a workbook", "无法读取文件 broken.xlsx：不是有效的 CSV、XLSX 或 JSONL 文件"),
    ("broken.jsonl", b'{"id": "x"\n', "broken.jsonl 第1行不是有效的 JSON"),
    ("latin.csv", "id,title\nx,caf\xe9".encode("latin-1"), "无法读取文件 latin.csv"),
    ("empty.csv", b"id,title\n", "文件中没有知识库条目"),
    ("policies.txt", b"id,title\n", "仅支持 .jsonl、.csv 和 .xlsx 文件"),
])
def test_an_unreadable_batch_file_is_refused_in_chinese(services, liaison, tmp_path, name,
                                                        content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ServiceError) as caught:
        services.kb_review.submit_batch(liaison, path)
    assert caught.value.message.startswith(message)
    with pytest.raises(ServiceError, match="文件不存在"):
        services.kb_review.submit_batch(liaison, tmp_path / "missing.csv")


# ---------------------------------------------------------------------- text as typed
def test_markup_and_rare_characters_survive_every_field(services, liaison, reviewer, tmp_path):
    data = article(title=MARKUP, phrasings=[MARKUP, "𠮷野家的暖气🔥"], answer=MARKUP + "\n第二行",
                   policy_basis=MARKUP, keywords=["[bold]", "[@click=app.quit]", "𠮷", "🔥",
                                                  "'; DROP TABLE kb_articles; --"],
                   domain="[b]𠮷🔥'--")
    rev = services.kb_review.submit(liaison, None, data)
    detail = services.kb_review.detail(reviewer, rev)
    assert detail.row.title == MARKUP
    assert services.kb_review.pending(reviewer)[0].title == MARKUP
    article_id = services.kb_review.approve(reviewer, rev)
    info = published(services, article_id)
    assert (info.title, info.answer, info.policy_basis, info.domain) == \
        (MARKUP, MARKUP + "\n第二行", MARKUP, "[b]𠮷🔥'--")
    assert info.phrasings == (MARKUP, "𠮷野家的暖气🔥")
    assert info.keywords == ("[bold]", "[@click=app.quit]", "𠮷", "🔥",
                             "'; DROP TABLE kb_articles; --")
    assert services.kb_review.current(liaison, article_id)["title"] == MARKUP
    assert [a.title for a in services.kb_review.unit_articles(liaison, "DROP TABLE")] == [MARKUP]
    assert [a.title for a in services.kb_review.unit_articles(liaison, "[@click")] == [MARKUP]
    assert services.kb_review.unit_articles(liaison, "%") == []  # LIKE's wildcards are literal
    assert services.kb_review.history(liaison, article_id)[0].title == MARKUP
    with make_session_factory(services.engine)() as s:
        assert s.scalar(select(func.count()).select_from(KbArticle)) > 100  # the table is there

    # through a batch file as well
    path = tmp_path / "marked.jsonl"
    path.write_text(json.dumps(dict(data, id="KB-HEAT-MARK", answer=MARKUP + "：第二版"),
                               ensure_ascii=False) + "\n", encoding="utf-8")
    services.kb_review.submit_batch(liaison, path)
    (row,) = services.kb_review.pending(reviewer)
    services.kb_review.approve(reviewer, row.id)
    assert published(services, "KB-HEAT-MARK").answer == MARKUP + "：第二版"


@pytest.mark.parametrize("field, value", [
    ("title", "暖气费\x07缴纳渠道"),
    ("title", "暖气费缴纳\u202e渠道"),
    ("answer", "暖气费可以在蒙速办缴纳\x00，缴费成功后即时发送票据。"),
    ("answer", "暖气费可以在蒙速办缴纳\x1b[31m，缴费成功后即时发送票据。"),
    ("policy_basis", "通辽市\x0b供热通知"),
    ("phrasings", ["暖气费\x08能在手机上交吗"]),
    ("keywords", ["蒙速\x7f办"]),
    ("domain", "供\x1f热"),
    ("valid_until", "2027-04-30\x00"),
])
def test_control_characters_are_refused_in_chinese(services, liaison, tmp_path, field, value):
    from agent_console.domain.text import find_control_char

    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit(liaison, None, article(**{field: value}))
    message = caught.value.errors[field]
    assert ("控制字符" in message) or field == "valid_until"
    assert find_control_char(message) is None  # the message itself shows nothing invisible
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(dict(article(**{field: value}), id="KB-HEAT-CTRL")) + "\n",
                    encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        services.kb_review.submit_batch(liaison, path)
    assert list(caught.value.errors) == ["第1行"]
    assert not revisions(services)


def test_an_answer_keeps_its_line_breaks(services, liaison, reviewer):
    steps = "第一步：登录蒙速办。\n第二步：选择供热缴费。"
    rev = services.kb_review.submit(liaison, None, article(answer=steps))
    assert services.kb_review.detail(reviewer, rev).data["answer"] == steps


# ---------------------------------------------------------------------- experts
def test_an_expert_s_proposed_article_enters_the_same_review(services, agent, expert, reviewer):
    from tests.services.helpers import heating_article

    services.intake.transfer_to_expert(
        agent, draft(content="暖气费今年能不能在蒙速办上交"), FROZEN_AT, heating_article(services),
        consent=True)
    (transfer,) = services.expert.queue(expert)
    services.expert.accept(expert, transfer.id)
    services.expert.answer(expert, transfer.id, "今年起可在蒙速办App供热缴费栏目缴纳暖气费。",
                           propose=True)
    (row,) = services.kb_review.pending(reviewer)
    assert row.source_label == "专家建议" and row.action_label == "新增"
    assert row.title == "暖气费今年能不能在蒙速办上交"
    article_id = services.kb_review.approve(reviewer, row.id)
    info = published(services, article_id)
    assert info.answer == "今年起可在蒙速办App供热缴费栏目缴纳暖气费。"
    assert info.phrasings == ("暖气费今年能不能在蒙速办上交",)


def test_nothing_found_is_said_in_chinese(services, liaison, reviewer):
    with pytest.raises(NotFound, match="不存在"):
        services.kb_review.current(liaison, "KB-NOPE")
    with pytest.raises(NotFound, match="不存在"):
        services.kb_review.starting_point(liaison, "KB-NOPE")
    with pytest.raises(NotFound, match="修改记录不存在"):
        services.kb_review.approve(reviewer, 999999)
