"""The incoming-call form: its fields, their limits and the checks before an outcome."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from agent_console.domain.enums import Channel, RequestType, Urgency
from agent_console.domain.normalize import normalize
from agent_console.domain.phone import normalise_phone
from agent_console.domain.text import check_text

NAME_MAX = 30
ADDRESS_MAX = 200
CONTENT_MIN = 4
CONTENT_MAX = 5000  # online submissions carry up to this much; the form takes all of it
REPEAT_WINDOW = timedelta(days=30)
REPEAT_THRESHOLD = 62.0


@dataclass(frozen=True)
class IntakeDraft:
    """Everything typed into the form; saved as the agent types (never loses input)."""

    caller_number: str = ""
    number_withheld: bool = False  # the caller's number was not shown (隐藏号码)
    caller_name: str = ""
    confidential: bool = False
    channel: str = Channel.PHONE.value
    request_type: str = RequestType.CONSULT.value
    urgency: str = Urgency.NORMAL.value
    region: str = ""
    address: str = ""
    content: str = ""
    category_id: int | None = None
    submission_id: int | None = None  # an online submission being processed (Art. 3)
    resumes_intake_id: int | None = None  # a call back from the expert seat, ended here

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> IntakeDraft:
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in data.items() if k in known}
        draft = cls(**clean)
        # Coerce types defensively: drafts come back from disk after a crash.
        return replace(
            draft,
            caller_number=str(draft.caller_number or ""),
            number_withheld=bool(draft.number_withheld),
            caller_name=str(draft.caller_name or ""),
            confidential=bool(draft.confidential),
            region=str(draft.region or ""),
            address=str(draft.address or ""),
            content=str(draft.content or ""),
            category_id=int(draft.category_id) if draft.category_id not in (None, "") else None,
            submission_id=int(draft.submission_id) if draft.submission_id not in (None, "") else None,
            resumes_intake_id=int(draft.resumes_intake_id)
            if draft.resumes_intake_id not in (None, "") else None,
        )

    @property
    def is_blank(self) -> bool:
        return not (self.number_withheld or self.caller_number.strip() or self.caller_name.strip()
                    or self.address.strip() or self.content.strip())


def validate_common(draft: IntakeDraft, regions: frozenset[str]) -> dict[str, str]:
    """Checks every outcome needs: a reachable caller and a recordable request."""
    errors: dict[str, str] = {}
    if msg := check_number(draft):
        errors["caller_number"] = msg
    if msg := check_text("姓名", draft.caller_name, max_len=NAME_MAX, allow_emoji=False):
        errors["caller_name"] = msg
    if msg := check_text("地址", draft.address, max_len=ADDRESS_MAX):
        errors["address"] = msg
    if msg := check_text("诉求内容", draft.content, required=True, min_len=CONTENT_MIN,
                         max_len=CONTENT_MAX, allow_newlines=True):
        errors["content"] = msg
    if draft.channel not in {c.value for c in Channel}:
        errors["channel"] = "请选择受理渠道"
    if draft.request_type not in {t.value for t in RequestType}:
        errors["request_type"] = "请选择诉求类型"
    if draft.urgency not in {u.value for u in Urgency}:
        errors["urgency"] = "请选择紧急程度"
    if draft.region and draft.region not in regions:
        errors["region"] = "区域不在通辽市行政区划内，请从列表中选择"
    return errors


def check_number(draft: IntakeDraft) -> str | None:
    """A valid number, or none at all when the call came in withheld; a withheld caller may
    leave a number to be called back on, which is checked like any other."""
    if draft.number_withheld and not draft.caller_number.strip():
        return None
    error = normalise_phone(draft.caller_number).error
    if error == "来电号码不能为空":
        return "来电号码不能为空；来电未显示号码时请勾选“未显示号码”"
    return error


def validate_for_work_order(draft: IntakeDraft, regions: frozenset[str],
                            emergency: bool = False) -> dict[str, str]:
    """A work order also needs its category and, except after an emergency hand-off, a number
    the unit can call back (Art. 18(1))."""
    errors = validate_common(draft, regions)
    if draft.category_id is None:
        errors["category"] = "派发工单前请选择诉求分类"
    if (draft.number_withheld and not draft.caller_number.strip() and not emergency
            and "caller_number" not in errors):
        errors["caller_number"] = ("来电未显示号码：派发工单须请诉求人留下联系电话，"
                                   "填入来电号码栏（承办单位须联系诉求人）")
    return errors


def validate_call_end(draft: IntakeDraft) -> dict[str, str]:
    """A hung-up or invalid call: the number if there is one; whatever was typed is kept."""
    errors: dict[str, str] = {}
    if (draft.caller_number.strip() or draft.number_withheld) and (msg := check_number(draft)):
        errors["caller_number"] = msg
    if msg := check_text("诉求内容", draft.content, max_len=CONTENT_MAX, allow_newlines=True):
        errors["content"] = msg
    if msg := check_text("姓名", draft.caller_name, max_len=NAME_MAX, allow_emoji=False):
        errors["caller_name"] = msg
    return errors


@lru_cache(maxsize=4096)
def _normal(text: str) -> str:
    # a caller's earlier requests are compared again on each check of the call
    return normalize(text)


def similarity(a: str, b: str) -> float:
    """How alike two requests read (0–100), tolerant of word order and extra words."""
    na, nb = _normal(a), _normal(b)
    if not na or not nb:
        return 0.0
    return max(fuzz.ratio(na, nb), fuzz.token_set_ratio(na, nb) * 0.95,
               fuzz.partial_ratio(na, nb) * 0.9 if min(len(na), len(nb)) >= 8 else 0.0)


def script_for_repeat(script: str, order_number: str | None, at: datetime | None) -> str:
    """The Art. 11(6) script naming the earlier request: ``{earlier}`` and ``{number}``."""
    earlier = ""
    if at is not None:
        earlier = f"（{at:%Y年%m月%d日}登记" + (f"，工单编号{order_number}" if order_number else "") + "）"
    return script.replace("{earlier}", earlier).replace("{number}", order_number or "")


def is_repeat(content: str, earlier_content: str, earlier_at: datetime, now: datetime,
              same_category: bool = False) -> bool:
    """Art. 11(6): the same caller raising a similar request within 30 days."""
    return repeat_score(content, earlier_content, earlier_at, now, same_category) is not None


def repeat_score(content: str, earlier_content: str, earlier_at: datetime, now: datetime,
                 same_category: bool = False) -> float | None:
    """How alike a repeat is (``similarity``), or None when the earlier request is not one."""
    if now - earlier_at > REPEAT_WINDOW:
        return None
    threshold = REPEAT_THRESHOLD - (12 if same_category else 0)
    score = similarity(content, earlier_content)
    return score if score >= threshold else None
