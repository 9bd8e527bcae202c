"""The incoming-call form (left side of the seat screen)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Label, Select, Static

from agent_console.domain.enums import Channel, RequestType, Urgency
from agent_console.domain.intake import IntakeDraft
from agent_console.services.dto import CategoryInfo, RegionInfo
from agent_console.ui.safe import options
from agent_console.ui.widgets.content_area import ContentArea
from agent_console.ui.widgets.text_entry import Input, TextArea

FIELD_IDS = {
    "caller_number": "f-number",
    "number_withheld": "f-withheld",
    "caller_name": "f-name",
    "confidential": "f-confidential",
    "channel": "f-channel",
    "request_type": "f-type",
    "urgency": "f-urgency",
    "region": "f-region",
    "address": "f-address",
    "content": "f-content",
    "category": "f-category",
}


def _blank_to_none(value):
    return None if value is Select.NULL else value


class CallForm(VerticalScroll):
    """Fields of one request; ``draft()`` reads them, ``load()`` writes them back."""

    def __init__(self, regions: tuple[RegionInfo, ...], categories: list[CategoryInfo],
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._regions = regions
        self._categories = categories
        self._category_ids = {c.id for c in categories}
        self._categories_ready = False
        self._pending_category: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("来电受理单", style="bold"), classes="pane-title")
        with Horizontal(classes="form-row"):
            yield Label("来电号码", classes="field-label")
            yield Input(id="f-number", placeholder="手机或座机号码", compact=True)
            # not a Tab stop: "number, Tab, name" is the agent's motion; Ctrl+R ticks it
            withheld = Checkbox("隐号^R", id="f-withheld", compact=True,
                                tooltip="来电未显示号码（Ctrl+R）；诉求人留下的回拨电话可填入号码栏")
            withheld.can_focus = False
            yield withheld
        yield Static("", id="e-caller_number", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Label("姓名", classes="field-label")
            yield Input(id="f-name", placeholder="诉求人姓名（可不填）", compact=True)
            yield Checkbox("保密", id="f-confidential", compact=True)
        yield Static("", id="e-caller_name", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Label("渠道", classes="field-label")
            yield Select(options((c.value, c.value) for c in Channel), value=Channel.PHONE.value,
                         allow_blank=False, id="f-channel", compact=True)
            yield Label("类型", classes="field-label-short")
            yield Select(options((t.value, t.value) for t in RequestType),
                         value=RequestType.CONSULT.value, allow_blank=False, id="f-type", compact=True)
            yield Label("紧急", classes="field-label-short")
            yield Select(options((u.value, u.value) for u in Urgency), value=Urgency.NORMAL.value,
                         allow_blank=False, id="f-urgency", compact=True)
        with Horizontal(classes="form-row"):
            yield Label("区域", classes="field-label")
            yield Select(options((r.name, r.name) for r in self._regions), prompt="请选择旗县市区",
                         id="f-region", compact=True)
        yield Static("", id="e-region", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Label("地址", classes="field-label")
            yield Input(id="f-address", placeholder="具体地址（小区、楼号、单元）", compact=True)
        yield Static("", id="e-address", classes="field-error")
        yield Label("诉求内容（F3）", classes="field-label-block")
        yield ContentArea(id="f-content", soft_wrap=True, show_line_numbers=False,
                          max_checkpoints=200)
        yield Static("", id="e-content", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Label("诉求分类", classes="field-label")
            # ~500 options: filled right after the first paint so the screen shows at once
            yield Select([], prompt="随知识库自动建议", id="f-category", type_to_search=True,
                         compact=True)
        yield Static("", id="e-category", classes="field-error")
        yield Static("", id="f-proposals")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fill_categories)

    def _fill_categories(self) -> None:
        select = self.query_one("#f-category", Select)
        if self._categories_ready:
            return
        wanted = self._pending_category
        select.set_options(options((c.path, c.id) for c in self._categories))
        self._categories_ready = True
        if wanted is not None:
            select.value = wanted

    # -------------------------------------------------------------- values
    submission_id: int | None = None

    def draft(self) -> IntakeDraft:
        q = self.query_one
        return IntakeDraft(
            submission_id=self.submission_id,
            caller_number=q("#f-number", Input).value,
            number_withheld=q("#f-withheld", Checkbox).value,
            caller_name=q("#f-name", Input).value,
            confidential=q("#f-confidential", Checkbox).value,
            channel=str(_blank_to_none(q("#f-channel", Select).value) or Channel.PHONE.value),
            request_type=str(_blank_to_none(q("#f-type", Select).value) or RequestType.CONSULT.value),
            urgency=str(_blank_to_none(q("#f-urgency", Select).value) or Urgency.NORMAL.value),
            region=str(_blank_to_none(q("#f-region", Select).value) or ""),
            address=q("#f-address", Input).value,
            content=q("#f-content", TextArea).text,
            category_id=_blank_to_none(q("#f-category", Select).value)
            if self._categories_ready else self._pending_category,
        )

    def load(self, draft: IntakeDraft) -> None:
        q = self.query_one
        self.submission_id = draft.submission_id
        q("#f-number", Input).value = draft.caller_number
        q("#f-withheld", Checkbox).value = draft.number_withheld
        q("#f-name", Input).value = draft.caller_name
        q("#f-confidential", Checkbox).value = draft.confidential
        q("#f-channel", Select).value = draft.channel
        q("#f-type", Select).value = draft.request_type
        q("#f-urgency", Select).value = draft.urgency
        region = q("#f-region", Select)
        if draft.region and draft.region in {r.name for r in self._regions}:
            region.value = draft.region
        else:
            region.clear()
        q("#f-address", Input).value = draft.address
        q("#f-content", TextArea).load_text(draft.content)
        self.set_category(draft.category_id)
        self.clear_errors()

    def set_value(self, field: str, value: str) -> None:
        """A proposed request type, urgency or region ("" clears the region)."""
        select = self.query_one(f"#{FIELD_IDS[field]}", Select)
        current = _blank_to_none(select.value)
        if (current or "") == value:
            return
        if value:
            select.value = value
        elif select._allow_blank:  # noqa: SLF001 - Select has no public "allows blank"
            select.clear()

    def show_proposals(self, text: str) -> None:
        """Where the proposals came from (据“明仁小区”推断为科尔沁区), under the fields."""
        widget = self.query_one("#f-proposals", Static)
        widget.update(Text(text, style="dim"))
        widget.set_class(bool(text), "visible")

    def set_category(self, category_id: int | None) -> None:
        select = self.query_one("#f-category", Select)
        if category_id is None or category_id not in self._category_ids:
            self._pending_category = None
            select.clear()
        elif not self._categories_ready:
            self._pending_category = category_id  # applied once the options are in
        else:
            select.value = category_id

    def show_errors(self, errors: dict[str, str]) -> None:
        self.clear_errors()
        first = None
        for key, message in errors.items():
            try:
                target = self.query_one(f"#e-{key}", Static)
            except Exception:
                continue
            target.update(Text(message))
            target.add_class("visible")
            first = first or key
        if first and first in FIELD_IDS:
            widget = self.query_one(f"#{FIELD_IDS[first]}")
            self.screen.set_focus(widget)

    def has_errors(self) -> bool:
        return bool(self.query(".field-error.visible"))

    def refresh_errors(self, errors: dict[str, str]) -> None:
        """Errors shown earlier follow the fields: gone once fixed, reworded if still wrong."""
        for widget in self.query(".field-error.visible"):
            key = (widget.id or "").removeprefix("e-")
            if key in errors:
                widget.update(Text(errors[key]))
            else:
                widget.update("")
                widget.remove_class("visible")

    def clear_errors(self) -> None:
        for widget in self.query(".field-error"):
            widget.update("")
            widget.remove_class("visible")
