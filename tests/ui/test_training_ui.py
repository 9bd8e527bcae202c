"""Simulated calls end to end on the seat screen in 培训模式: a KB answer, an emergency with two
services and an Art. 11 refusal, each handled right and wrong; nothing reaches the real
database but the attempts."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.widgets import SelectionList, TextArea

from agent_console.store.models import Base, TrainingAttempt
from agent_console.ui.screens.debrief import DebriefScreen
from agent_console.ui.screens.dialogs import AnswerDialog, EmergencyDialog, ScriptPickDialog
from agent_console.ui.screens.practice import AskDialog, PracticeSeatScreen
from agent_console.ui.screens.training import TrainingScreen
from tests.ui.helpers import SIZE, login, make_app, said, screen_text, settle


def counts(services) -> dict[str, int]:
    with services.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


async def open_training(pilot, staff_no: str = "1001") -> TrainingScreen:
    await login(pilot, staff_no)
    await settle(pilot)
    if not isinstance(pilot.app.screen, TrainingScreen):
        await pilot.press("ctrl+g")
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TrainingScreen)
    screen._live_timer = False  # the call's clock moves by advance() only
    return screen


async def start(pilot, scenario_id: str) -> PracticeSeatScreen:
    screen = pilot.app.screen
    assert isinstance(screen, TrainingScreen)
    row = next(i for i, (s, _set) in enumerate(screen._practice_rows) if s.id == scenario_id)
    screen.query_one("#practice-list").move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)
    practice = pilot.app.screen
    assert isinstance(practice, PracticeSeatScreen)
    assert practice.scenario.id == scenario_id
    return practice


async def say(pilot, practice: PracticeSeatScreen, seconds: float, content: str) -> None:
    """The caller speaks for ``seconds``; the trainee types what they heard."""
    practice.advance(seconds)
    await pilot.press("f3")
    practice.query_one("#f-content", TextArea).insert(content)
    await settle(pilot, 0.7)


async def debrief(pilot) -> DebriefScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DebriefScreen), type(screen)
    return screen


async def back(pilot) -> None:
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TrainingScreen)


async def test_three_scenarios_right_and_wrong(services):
    before = counts(services)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot)

        # 1. a KB answer: right with the article, wrong with an order
        practice = await start(pilot, "kb-streetlight")
        assert practice.query_one("#f-number").value == "13904751234"
        assert "培训模式" in screen_text(app)
        await say(pilot, practice, 20, "小区门口路灯坏了好几天，问归谁管")
        transcript = screen_text(app)
        assert "归谁管啊" in transcript and "找哪个部门" in transcript
        assert practice.selected_article().id == "KB-UC-083"
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("enter")
        right = (await debrief(pilot))._debrief
        assert right.total == 100.0 and right.passed
        assert "KB-UC-083" in screen_text(app) and "按 F5 直接答复" in screen_text(app)
        await back(pilot)

        practice = await start(pilot, "kb-streetlight")
        await say(pilot, practice, 20, "小区门口路灯坏了好几天，问归谁管")
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, ScriptPickDialog)
        await pilot.press("enter")  # reason 1: not the way to handle it
        wrong = (await debrief(pilot))._debrief
        assert wrong.total < right.total and not wrong.passed
        assert {i.item: i.got for i in wrong.items}["outcome"] == 0.0
        await back(pilot)

        # 2. an emergency with two services: right with 122 and 120, half marks for one
        practice = await start(pilot, "em-122-120-ebike-hit")
        await say(pilot, practice, 15, "开发区辽河大街和滨河路路口车祸，老人被撞倒腿上流血")
        await pilot.press("f11")
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        await pilot.press("enter")  # 询问地址
        await settle(pilot)
        assert "东南角" in screen_text(app)  # the caller's answer in the transcript
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EmergencyDialog)
        assert set(app.screen.query_one("#em-services", SelectionList).selected) == {"122", "120"}
        await pilot.press("enter")
        right = (await debrief(pilot))._debrief
        assert right.total == 100.0
        await back(pilot)

        practice = await start(pilot, "em-122-120-ebike-hit")
        await say(pilot, practice, 15, "开发区辽河大街和滨河路路口车祸，老人被撞倒腿上流血")
        await pilot.press("f9")
        await settle(pilot)
        chooser = app.screen.query_one("#em-services", SelectionList)
        chooser.deselect("120")
        await settle(pilot)
        await pilot.press("ctrl+s")
        half = (await debrief(pilot))._debrief
        assert {i.item: i.got for i in half.items}["services"] == 0.5
        assert half.total == 35 + 45 * 0.5 + 20
        await back(pilot)

        # 3. an Art. 11 refusal: the right reason, then the wrong one
        for presses, expected in (((), 100.0), (("down",), 60.0)):
            practice = await start(pilot, "na-1-out-of-jurisdiction")
            await say(pilot, practice, 30, "老家在吉林双辽市卧虎镇，村里水泥路坏了想让修")
            await pilot.press("f8")
            await settle(pilot)
            await pilot.press(*presses, "enter")
            result = (await debrief(pilot))._debrief
            assert result.total == expected, [(i.item, i.got) for i in result.items]
            await back(pilot)

        attempts = services.training.attempts(services.accounts.authenticate("4001", "demo"))
        assert len(attempts) == 6
        table = app.screen.query_one("#practice-list")
        states = {screen_row[0].id: str(table.get_row_at(i)[0])
                  for i, screen_row in enumerate(app.screen._practice_rows)}
        assert states["kb-streetlight"] == "已通过" and states["kb-id-card-renew"] == "—"
    after = counts(services)
    assert after.pop("training_attempts") == before.pop("training_attempts") + 6
    after.pop("login_events"), before.pop("login_events")
    assert after == before  # no call, order, caller, hand-off, warning … in the real database


async def test_giving_up_scores_the_call_as_not_ended(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot)
        practice = await start(pilot, "na-1-out-of-jurisdiction")
        practice.advance(5)
        await pilot.press("ctrl+g")  # no leaving a simulated call for another screen
        await settle(pilot)
        assert app.screen is practice
        await pilot.press("ctrl+x")
        await settle(pilot)
        await pilot.press("y")
        result = (await debrief(pilot))._debrief
        assert result.total == 0.0
        first = app.screen.query_one("#debrief-items").get_row_at(0)
        assert [str(c) for c in first][3:] == ["不予受理", "未完成受理（中途结束）"]
    with services.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TrainingAttempt)).scalar_one() == 1


async def test_a_trainer_builds_assigns_follows_and_exports(services, tmp_path):
    from openpyxl import load_workbook
    from textual.widgets import Input

    from agent_console.ui.screens.training import SetDialog, TextDialog

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_training(pilot, "4001")
        await pilot.press("3")  # the 场景组 tab, by its number
        await settle(pilot)
        assert screen.query_one("#training-tabs").active == "tab-sets"
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SetDialog)
        dialog.query_one("#set-name", Input).value = "   "
        chooser = dialog.query_one("#set-scenarios", SelectionList)
        chooser.select("kb-streetlight")
        chooser.select("na-1-out-of-jurisdiction")
        await pilot.press("ctrl+s")
        await settle(pilot)
        again = app.screen  # refused: open again with what was typed, and why
        assert isinstance(again, SetDialog) and again is not dialog
        assert "场景组名称" in screen_text(app)
        assert set(again.query_one("#set-scenarios", SelectionList).selected) == \
            {"kb-streetlight", "na-1-out-of-jurisdiction"}
        again.query_one("#set-name", Input).value = "新人第一周 [bold]𠮷[/bold]"
        again.query_one("#set-kb", Input).value = "KB-UC-083，KB-NOPE"
        await pilot.press("ctrl+s")
        await settle(pilot)
        third = app.screen  # an article that does not exist: named, all else kept
        assert isinstance(third, SetDialog) and "kb:KB-NOPE" in screen_text(app)
        assert third.query_one("#set-kb", Input).value == "KB-UC-083，KB-NOPE"
        third.query_one("#set-kb", Input).value = "KB-UC-083"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        [made] = services.training.sets()
        assert made.name == "新人第一周 [bold]𠮷[/bold]"
        assert made.scenario_ids == ("kb-streetlight", "na-1-out-of-jurisdiction", "kb:KB-UC-083")

        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text-value", Input).value = "1001，9999"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog) and "9999" in screen_text(app)
        app.screen.query_one("#text-value", Input).value = "1001"
        await pilot.press("enter")
        await settle(pilot)
        assert services.training.sets()[0].trainees == ("1001 王晓雯",)

        out = tmp_path / "成绩.xlsx"
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        book = load_workbook(out)
        assert book.sheetnames == ["成绩记录", "学员进度", "常错场景"]

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_training(pilot, "1001")
        sources = [str(screen.query_one("#practice-list").get_row_at(i)[3]) for i in range(3)]
        assert all(s.startswith("新人第一周 ") for s in sources)  # the assigned set first, as text
        assert screen._practice_rows[2][0].id == "kb:KB-UC-083"
        await start(pilot, "kb-streetlight")
        await pilot.press("ctrl+x")
        await settle(pilot)
        await pilot.press("y")
        await debrief(pilot)
        await back(pilot)
    trainer = services.accounts.authenticate("4001", "demo")
    [attempt] = services.training.attempts(trainer)
    assert attempt.set_name == "新人第一周 [bold]𠮷[/bold]" and attempt.trainee_no == "1001"
    csv_out = tmp_path / "成绩.csv"
    assert services.training.export(trainer, csv_out) == 1
    assert "kb-streetlight" in csv_out.read_text(encoding="utf-8-sig")


async def test_quitting_during_a_practice_call_asks_and_keeps_the_attempt(services):
    from agent_console.ui.screens.dialogs import ConfirmDialog

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot)
        await start(pilot, "kb-streetlight")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and app.is_running
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PracticeSeatScreen)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    [attempt] = services.training.attempts(services.accounts.authenticate("4001", "demo"))
    assert attempt.outcome == "未完成受理（中途结束）" and attempt.score == 0.0


async def test_refusals_in_the_trainers_dialogs_are_shown(services):
    from textual.widgets import Input, Static

    from agent_console.ui.screens.training import SetDialog, TextDialog

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot, "4001")
        await pilot.press("3", "n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SetDialog)
        assert "新建场景组" in screen_text(app)  # still a new set, not an edit
        for selector in ("#set-name-error", "#set-error"):
            label = dialog.query_one(selector, Static)
            assert label.has_class("visible") and label.display, selector
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#text-value", Input).value = "/tmp/成绩.txt"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        error = app.screen.query_one("#text-error", Static)
        assert error.has_class("visible") and "仅支持导出为 .xlsx 或 .csv 文件" in str(error.render())


async def test_a_trainer_deletes_a_set_only_from_its_tab(services):
    trainer = services.accounts.authenticate("4001", "demo")
    services.training.save_set(trainer, "旧的场景组", ["kb-streetlight"])
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot, "4001")
        await pilot.press("delete")  # on the 练习 tab: nothing goes
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen) and len(services.training.sets()) == 1
        await pilot.press("3", "delete")
        await settle(pilot)
        assert "旧的场景组" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
    assert services.training.sets() == []


async def test_a_real_database_that_refuses_the_attempt_still_shows_the_debrief(services,
                                                                              monkeypatch):
    """The practice database takes the call; the real one fails as the attempt is kept (the
    error a full or read-only disk gives): the debrief shows all the same and says so."""
    import sqlite3

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_training(pilot)
        practice = await start(pilot, "na-1-out-of-jurisdiction")
        await say(pilot, practice, 30, "老家在吉林双辽市卧虎镇，村里水泥路坏了想让修")
        monkeypatch.setattr(services.training, "record_attempt", refuse)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        result = (await debrief(pilot))._debrief
        assert result.total == 100.0
        assert "成绩未能保存" in said(app)
        await back(pilot)
        monkeypatch.undo()
    assert services.training.attempts(services.accounts.authenticate("4001", "demo")) == []
