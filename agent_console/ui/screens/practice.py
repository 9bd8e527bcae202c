"""A simulated call on the real seat screen (培训模式): the seat form, the KB pane and every
one-key outcome as live, over a practice database (services.practice), with the caller's lines
appearing over time in a transcript, a key to ask the caller, a timer against the scenario's
limit, and the debrief when the call ends."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_console.domain.training import QUESTIONS, Scenario, Step
from agent_console.services.dto import IntakeResult, OperatorInfo
from agent_console.services.practice import PracticeCall
from agent_console.services.training_play import debrief_for
from agent_console.ui.safe import script_text
from agent_console.ui.screens.dialogs import Dialog
from agent_console.ui.screens.seat import OPTIONAL_KEYS, SHORT_KEYS, SeatScreen
from agent_console.ui.widgets.call_form import CallForm
from agent_console.ui.widgets.caller_panel import CallerPanel
from agent_console.ui.widgets.header import ConsoleHeader, format_duration
from agent_console.ui.widgets.kb_pane import KbPane
from agent_console.ui.widgets.keybar import KeyBar
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db

TICK_SECONDS = 0.5
ASK_LINES = {"address": "请问您说的具体地址是哪里？", "name": "请问您怎么称呼？",
             "consent": "您的问题需要专家座席解答，请问您是否同意我为您转接？",
             "phone": "请问您方便留一个联系电话吗？承办单位需要联系您。"}
REPLY_DELAY = 1.5  # seconds before the caller answers
PRACTICE_KEYS = {**SHORT_KEYS, "ask_caller": "询问", "give_up": "结束"}
OUTCOME_STEPS = {"answer": "按 F5 直接答复", "expert": "按 F6 转专家座席", "work_order": "按 F7 派发工单",
                 "not_accepted": "按 F8 不予受理", "emergency": "按 F9 紧急联动",
                 "warning": "按 F10 劝阻警示"}


class AskDialog(Dialog):
    """F11: what to ask the caller."""

    def __init__(self, asked: tuple[str, ...]) -> None:
        super().__init__()
        self._asked = asked

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("询问来电人", style="bold"), classes="dialog-title")
            yield OptionList(*[Option(Text(f"{label}" + ("（已问过）" if key in self._asked else "")),
                                      id=key) for key, label in QUESTIONS.items()],
                             id="ask-options")
            yield Static(Text("↑↓ 选择，Enter 询问，Esc 取消", style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#ask-options", OptionList))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class Transcript(VerticalScroll):
    """What was said on the call so far, newest last (user text: never markup)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="transcript-text")

    def on_mount(self) -> None:
        self.border_title = "通话（模拟来电人）"

    def show(self, lines: list[tuple[float, str, str]]) -> None:
        text = Text()
        for at, who, said in lines:
            if text:
                text.append("\n")
            style = "bold cyan" if who == "来电人" else "bold green"
            text.append(f"{format_duration(int(at))[3:]} {who}：", style=style)
            text.append(said)
        # wrapped as CJK text (between any two characters), not at the spaces
        self.query_one("#transcript-text", Static).update(
            script_text(text) if text else Text("（等待来电人说话…）", style="dim"))
        self.call_after_refresh(self.scroll_end, animate=False)  # the newest line in view


class PracticeSeatScreen(SeatScreen):
    BINDINGS = [
        *SeatScreen.BINDINGS,
        Binding("f11", "ask", "询问来电人", id="ask_caller", priority=True),
        Binding("ctrl+x", "give_up", "结束练习", id="give_up", priority=True),
    ]

    def __init__(self, call: PracticeCall, training, trainee: OperatorInfo,
                 set_id: int | None = None, *, live_timer: bool = True) -> None:
        """``training``: the real database's TrainingService (where the attempt is kept);
        ``trainee``: the trainee's own account there. ``live_timer`` False: time moves only by
        ``advance`` (tests and snapshots)."""
        super().__init__(call.services, call.operator, "培训模式·模拟来电")
        self.call = call
        self.scenario: Scenario = call.scenario
        self._training = training
        self._trainee = trainee
        self._set_id = set_id
        self._live_timer = live_timer
        self.elapsed = 0.0
        self._last_tick: float | None = None
        self._said: list[tuple[float, str, str]] = []  # (at, who, text)
        self._next_line = 0
        self._pending_replies: list[tuple[float, str]] = []
        self.asked: list[str] = []
        self.steps: list[Step] = [Step(0.0, "接听模拟来电")]
        self._outcome_draft = None
        self._ended = False
        self.debrief = None  # once the call has ended and been scored
        self.add_class("training")

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, self._title, id="header")
        yield Static("", id="training-banner")
        with Horizontal(id="seat-body"):
            with Vertical(id="left"):
                yield CallForm(self.services.catalog.regions(), self._categories, id="call-form")
                yield CallerPanel(id="caller-panel")
            with Vertical(id="practice-right"):
                yield Transcript(id="transcript")
                yield KbPane(id="kb-pane")
        yield KeyBar(PRACTICE_KEYS, optional=OPTIONAL_KEYS, id="keybar")

    def on_mount(self) -> None:
        super().on_mount()
        persona = self.scenario.persona
        if persona.withheld:
            self.action_toggle_withheld()
        else:
            self.query_one("#f-number", Input).value = persona.phone  # as the phone system shows it
        self.query_one(Transcript).show([])
        self._show_banner()
        self._reveal()
        if self._live_timer:
            self._last_tick = time.monotonic()
            self.set_interval(TICK_SECONDS, self._tick)

    def _start(self):
        """A practice call starts blank: no draft of an earlier practice call comes back."""
        return None, 0, True

    # ------------------------------------------------------------------ time and the caller
    def _tick(self) -> None:
        now = time.monotonic()
        if self._last_tick is not None and not self._ended:
            self.advance(now - self._last_tick)
        self._last_tick = now

    def advance(self, seconds: float) -> None:
        """Move the call's clock on: the caller says what falls due."""
        self.elapsed += max(0.0, seconds)
        self._reveal()
        self._show_banner()

    def _reveal(self) -> None:
        lines = self.scenario.lines
        changed = False
        while self._next_line < len(lines) and lines[self._next_line].at <= self.elapsed:
            line = lines[self._next_line]
            self._said.append((line.at, "来电人", line.text))
            self._next_line += 1
            changed = True
        due = [r for r in self._pending_replies if r[0] <= self.elapsed]
        for at, reply in due:
            self._said.append((at, "来电人", reply))
            self._pending_replies.remove((at, reply))
            changed = True
        if changed:
            self.query_one(Transcript).show(self._said)

    def _show_banner(self) -> None:
        limit = self.scenario.time_limit
        text = Text()
        text.append(" 培训模式 ", style="bold reverse")
        text.append(f" {self.scenario.title}  ", style="bold")
        text.append(f"用时 {format_duration(int(self.elapsed))[3:]}")
        if limit:
            over = self.elapsed > limit
            text.append(f" / 时限 {format_duration(limit)[3:]}", style="bold red" if over else "")
        text.append("  模拟来电，不产生真实工单  F11 询问来电人  Ctrl+X 结束练习", style="dim")
        self.query_one("#training-banner", Static).update(text)

    def action_ask(self) -> None:
        if self._ended:
            return

        def done(question: str | None) -> None:
            if question is None:
                return
            self._said.append((self.elapsed, "坐席", ASK_LINES[question]))
            if question not in self.asked:
                self.asked.append(question)
            self.steps.append(Step(self.elapsed, QUESTIONS[question]))
            self._pending_replies.append((self.elapsed + REPLY_DELAY, self.scenario.reply(question)))
            self.query_one(Transcript).show(self._said)
            if not self._live_timer:
                self.advance(REPLY_DELAY)

        self.app.push_screen(AskDialog(tuple(self.asked)), done)

    # ------------------------------------------------------------------ outcomes
    def _record(self, kind: str, **args) -> None:
        if self._ended:
            return
        self._outcome_draft = self.form.draft()
        super()._record(kind, **args)

    def action_answer(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["answer"]))
        super().action_answer()

    def action_expert(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["expert"]))
        super().action_expert()

    def action_work_order(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["work_order"]))
        super().action_work_order()

    def action_not_accepted(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["not_accepted"]))
        super().action_not_accepted()

    def action_emergency(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["emergency"]))
        super().action_emergency()

    def action_warning(self) -> None:
        self.steps.append(Step(self.elapsed, OUTCOME_STEPS["warning"]))
        super().action_warning()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """One call per practice: no next call, no online submissions, no local outbox (the
        keys leave the key line, which then has room for F11 and Ctrl+X at 80 columns)."""
        if action in ("next_call", "take_online", "outbox"):
            return False
        return True

    @property
    def ended(self) -> bool:
        return self._ended

    def action_give_up(self) -> None:
        self.give_up()

    def give_up(self, then=None, question: str = "尚未记录受理结果。现在结束将按未完成评分，确定吗？") -> None:
        """Ctrl+X (or Ctrl+Q): after a yes, the call is scored as not ended and kept; ``then``
        runs once it is kept (the app closing), else the debrief shows."""
        if self._ended:
            return
        from agent_console.ui.screens.dialogs import ConfirmDialog

        def done(yes: bool | None) -> None:
            if yes:
                self.steps.append(Step(self.elapsed, "结束练习（未完成受理）"))
                self._end(None, then=then)

        self.app.push_screen(ConfirmDialog("结束练习", question), done)

    def _finish_call(self, result: IntakeResult) -> None:
        self.steps.append(Step(self.elapsed, f"结束通话（模拟，仅在练习数据库中）：{result.message}"))
        self._end(result.intake_id)

    def _finish_pending(self, sent) -> None:
        self.steps.append(Step(self.elapsed, "结束通话（结果未能写入练习数据库）"))
        self._end(None)

    def _end(self, intake_id: int | None, then=None) -> None:
        self._ended = True
        draft = self._outcome_draft or self.form.draft()
        asked, steps, seconds = tuple(self.asked), tuple(self.steps), self.elapsed
        started = self.started_at

        def score_and_keep():
            handling = self.call.observe(intake_id, asked, steps, seconds, draft)
            debrief = debrief_for(self.call, handling)
            self._training.record_attempt(self._trainee, self.scenario, started, debrief,
                                          handling, set_id=self._set_id)
            return debrief

        def kept(debrief) -> None:
            self.debrief = debrief
            if then is not None:
                then()
                return
            self._show_debrief(debrief)

        def not_kept(_exc) -> None:
            self.notify("成绩未能保存（数据库连接中断），复盘仍可查看", severity="error")
            handling = self.call.observe(intake_id, asked, steps, seconds, draft)
            kept(debrief_for(self.call, handling))

        run_db(self, score_and_keep, done=kept, outage=not_kept, group="practice-end",
               name="practice_end", write=True)

    def _show_debrief(self, debrief) -> None:
        from agent_console.ui.screens.debrief import DebriefScreen

        def closed(_result=None) -> None:
            self.dismiss(debrief)

        self.app.push_screen(DebriefScreen(self.scenario, debrief), closed)

    def on_unmount(self) -> None:
        # the practice database goes with the screen (a worker may still hold it: in a thread)
        import threading

        threading.Thread(target=self.call.close, name="practice-close", daemon=True).start()
