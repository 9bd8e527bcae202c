"""After a simulated call: the score per rubric item and in total, the time, what was expected
and why, and the trainee's own actions in order."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.domain.training import Debrief, Scenario
from agent_console.ui.safe import add_row, script_text
from agent_console.ui.widgets.header import format_duration


def debrief_summary(scenario_title: str, debrief: Debrief, time_limit: int | None) -> Text:
    text = Text()
    text.append(f"{scenario_title}\n", style="bold")
    verdict, style = ("通过", "bold green") if debrief.passed else ("未通过", "bold red")
    text.append(f"总分 {debrief.total:.1f} 分  ", style="bold")
    text.append(verdict, style=style)
    text.append(f"    用时 {format_duration(int(debrief.seconds))[3:]}")
    if time_limit:
        text.append(f"（时限 {format_duration(time_limit)[3:]}）")
    return text


class DebriefScreen(Screen):
    BINDINGS = [
        Binding("escape", "close", "返回", id="debrief_close"),
        Binding("enter", "close", "返回", show=False),
    ]

    def __init__(self, scenario: Scenario | None, debrief: Debrief | dict, title: str = "") -> None:
        """``debrief``: as just scored, or as kept with an attempt (a dict)."""
        super().__init__()
        self._scenario = scenario
        self._debrief = debrief if isinstance(debrief, Debrief) else debrief_from_dict(debrief)
        self._title = title or (scenario.title if scenario else self._debrief.scenario_id)

    def compose(self) -> ComposeResult:
        with Vertical(id="debrief-body"):
            yield Static(Text(" 培训复盘 ", style="bold reverse"), id="debrief-title")
            yield Static(debrief_summary(self._title, self._debrief,
                                         self._scenario.time_limit if self._scenario else None),
                         id="debrief-summary")
            yield DataTable(id="debrief-items", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="debrief-detail"):
                yield Static("", id="debrief-why")
                yield Static("", id="debrief-steps")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#debrief-items", DataTable)
        table.add_columns("评分项", "得分", "分值", "应为", "实际")
        for item in self._debrief.items:
            style = "green" if item.got >= 1 else ("yellow" if item.got > 0 else "red")
            add_row(table, item.label, Text(f"{item.points:.1f}", style=style), str(item.weight),
                    item.expected, item.actual)
        why = Text()
        why.append("应当如何处理\n", style="bold")
        why.append(self._debrief.explanation)
        self.query_one("#debrief-why", Static).update(script_text(why))  # CJK wrapping
        steps = Text()
        steps.append("\n你的操作（按先后）\n", style="bold")
        for step in self._debrief.steps:
            steps.append(f"{format_duration(int(step.at))[3:]}  ", style="dim")
            steps.append(step.what + "\n")
        self.query_one("#debrief-steps", Static).update(script_text(steps))
        self.set_focus(table)

    def action_close(self) -> None:
        self.dismiss(None)


def debrief_from_dict(data: dict) -> Debrief:
    from agent_console.domain.training import ItemScore, Step

    return Debrief(
        scenario_id=str(data.get("scenario_id", "")),
        items=tuple(ItemScore(**{k: i[k] for k in ("item", "label", "weight", "got", "expected",
                                                   "actual")}) for i in data.get("items", ())),
        total=float(data.get("total", 0.0)), seconds=float(data.get("seconds", 0.0)),
        explanation=str(data.get("explanation", "")),
        steps=tuple(Step(float(s["at"]), str(s["what"])) for s in data.get("steps", ())),
    )
