"""The seat's side of an expert transfer (Art. 14–15): F6 shows who is on duty for the
request's category right now, asks the caller's consent and how to connect; then the seat
watches the wait, may take the call back (F6 again) while no expert has picked it up, and
sees how the expert ended it. A call handed back (or taken back) is the seat's again: the
form opens as it was and the seat's outcome completes the same call record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from rich.text import Text

from agent_console.domain.enums import Outcome, TransferOutcome, TransferStatus
from agent_console.domain.intake import IntakeDraft
from agent_console.services.dto import IntakeResult
from agent_console.services.expert import DutyPicture, TransferState
from agent_console.store.notify import TRANSFERS
from agent_console.ui.screens.dialogs import ConsentDialog
from agent_console.ui.work import run_db

POLL_SECONDS = 5.0  # a safety net under the change feed while a transfer is open


@dataclass
class OpenTransfer:
    id: int
    intake_id: int
    state: TransferState | None = None
    read_at: datetime | None = None  # when ``state`` was read (the wait goes on from there)


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ExpertHandoff:
    """Mixed into SeatScreen: every method here runs on the seat screen."""

    _transfer: OpenTransfer | None = None
    _resumes: int | None = None  # the call record a handed-back call completes

    # ------------------------------------------------------------------ F6
    def action_expert(self) -> None:
        if self._transfer is not None:
            self._take_back()
            return
        draft = self._draft_for_outcome()
        if not self._precheck(draft, self.services.intake.validate_common(draft)):
            return
        article = self.selected_article()
        category_id, domain = self.services.intake.expert_target(
            article.id if article is not None else None, draft.category_id)
        if category_id is None and domain is None:
            self.notify("请先选择诉求分类或选中知识库条目，以确定专家座席", severity="error")
            return
        run_db(self, self.services.expert.on_duty, category_id, domain,
               done=lambda picture: self._ask_consent(picture, article),
               outage=lambda _e: self.notify(
                   "数据库连接中断，无法转接专家座席（专家看不到来电）：请直接答复或派发工单",
                   severity="error"),
               group="expert", exclusive=True, name="expert_on_duty")

    def _ask_consent(self, picture: DutyPicture, article) -> None:
        if not picture.reachable:
            what = picture.category or "该分类"
            self.notify(f"当前没有“{what}”的专家座席在岗，请按 F7 派发工单", severity="error")
            return

        def done(connection: str | bool | None) -> None:
            if connection is None:
                return
            if connection is False:
                self.notify("诉求人不同意转接，未转接。可按 F5 直接答复或 F7 派发工单。",
                            title="未转接")
                return
            self._record("transfer_to_expert",
                         article_id=article.id if article is not None else None, consent=True,
                         connection=connection)

        question = self.services.reference.phrases.get("consent_expert", "")
        self.app.push_screen(ConsentDialog(question, picture), done)

    # ------------------------------------------------------------------ waiting
    def _await_expert(self, result: IntakeResult) -> None:
        """The call stays on this seat's screen until the expert ends it or it comes back."""
        self._transfer = OpenTransfer(result.transfer_id, result.intake_id)
        self.form.disabled = True
        self.notify(result.message, title="转接专家座席")
        self._show_transfer()
        self._check_transfer()

    def _watch_transfer(self) -> None:
        """Every second while a transfer is open: the wait shown; now and then, a read."""
        if self._transfer is None:
            return
        self._transfer_ticks = getattr(self, "_transfer_ticks", 0) + 1
        self._show_transfer()
        if self._transfer_ticks % int(POLL_SECONDS) == 0:
            self._check_transfer()

    def _transfer_concerns(self, change) -> bool:
        return self._transfer is not None and change.concerns(TRANSFERS, self.operator.id)

    def _check_transfer(self) -> None:
        if self._transfer is None:
            return
        run_db(self, self.services.expert.seat_view, self.operator, self._transfer.id,
               done=self._transfer_read, outage=lambda _e: None, group="transfer-watch",
               exclusive=True, name="transfer_watch")

    def _transfer_read(self, state: TransferState) -> None:
        if self._transfer is None or state.id != self._transfer.id:
            return
        self._transfer.state = state
        self._transfer.read_at = self.services.clock.now()
        if state.status != TransferStatus.CLOSED:
            self._show_transfer()
            return
        if state.back_at_seat:
            self._back_at_seat(state)
        else:
            self._expert_ended(state)

    def _bar(self, line: Text | None) -> None:
        """One line under the header, in view at any size, while the call is away."""
        from textual.widgets import Static

        bar = self.query_one("#transfer-bar", Static)
        bar.update(line or "")
        bar.set_class(line is not None, "visible")

    def _show_transfer(self) -> None:
        state = self._transfer.state if self._transfer else None
        if state is None or state.waiting:
            who = state.expert if state is not None and state.expert else "专家队列"
            seconds = self._waited()
            self._bar(Text(f" 转接中：等待 {who} 接听 {_clock(seconds)} · F6 收回 ",
                           style="bold black on yellow"))
        else:
            self._bar(Text(f" 转接中：专家 {state.expert} 已接听 · 等待专家结束 ",
                           style="bold black on green"))
        text = Text()
        text.append("转接专家座席中  ", style="bold yellow")
        if state is None or state.waiting:
            who = f"专家 {state.expert}" if state is not None and state.expert else "专家队列"
            waited = _clock(self._waited())
            text.append(f"等待{who}接听，已等待 {waited}", style="bold")
            text.append("\n诉求人在线等待；按 F6 收回来电由本座席继续处理", style="dim")
        else:
            text.append(f"专家 {state.expert} 已接听（{state.connection or '专家座席联动'}），"
                        f"接听前等待 {_clock(state.waited_seconds)}", style="bold")
            text.append("\n专家结束后结果显示在这里；专家也可能退回本座席", style="dim")
        self.panel.show_outcome(text)

    def _waited(self) -> float:
        """How long the caller has waited for an expert, now (the clock's, not the ticks')."""
        t = self._transfer
        if t is None or t.state is None:
            return 0.0
        if not t.state.waiting or t.read_at is None:
            return t.state.waited_seconds
        return t.state.waited_seconds + (self.services.clock.now() - t.read_at).total_seconds()

    def _take_back(self) -> None:
        """The service decides: while waiting, or when the expert who accepted has gone."""
        run_db(self, self.services.expert.take_back, self.operator, self._transfer.id,
               done=self._transfer_read,
               outage=lambda _e: self.notify("数据库连接中断，未能收回，请稍后再试",
                                             severity="error"),
               group="transfer-back", name="take_back")

    # ------------------------------------------------------------------ the end of it
    def _expert_ended(self, state: TransferState) -> None:
        label = TransferOutcome(state.outcome).label
        message = f"{label}（{state.expert}）"
        if state.order_number:
            message += f"，工单 {state.order_number}"
        self._transfer = None
        self._resumes = None
        self.form.disabled = False
        self._bar(None)
        self.notify(message, title="专家座席")
        self._new_call()
        self.panel.show_outcome(message + (f"\n专家答复：{state.answer_text}"
                                           if state.answer_text else ""))

    def _back_at_seat(self, state: TransferState) -> None:
        self._transfer = None
        self._resumes = state.intake_id
        self.form.disabled = False
        label = TransferOutcome(state.outcome).label
        self._bar(Text(f" {label}：请继续处理这通来电（结果记入同一来电） ",
                       style="bold black on yellow"))
        text = Text()
        text.append(f"{label}", style="bold yellow")
        if state.note:
            text.append(f"：{state.note}")
        text.append("\n请继续处理这通来电：F5 答复、F6 再次转接、F7 派单等，结果记入同一来电",
                    style="dim")
        self.notify(f"{label}{'：' + state.note if state.note else ''}", title="专家座席",
                    severity="warning")
        self.panel.show_outcome(text)
        self.set_focus(self.query_one("#f-content"))

    def _transfer_blocks(self) -> bool:
        """Outcome keys wait while the call is with the expert seat."""
        if self._transfer is None:
            return False
        self.notify("来电正在转接专家座席：请等待专家结束，或按 F6 收回", severity="warning")
        return True

    def _end_resume(self) -> None:
        """A new call: nothing of the last transfer stays on screen."""
        self._resumes = None
        self._bar(None)

    def _with_resume(self, draft: IntakeDraft) -> IntakeDraft:
        if self._resumes is None:
            return draft
        return replace(draft, resumes_intake_id=self._resumes)

    def _recorded_expert(self, result: IntakeResult) -> bool:
        """After an outcome was delivered: a transfer starts the wait (True)."""
        if result.outcome == Outcome.EXPERT and result.transfer_id:
            self._await_expert(result)
            return True
        self._resumes = None
        return False
