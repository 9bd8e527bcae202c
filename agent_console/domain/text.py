"""Checks on free text typed by agents: control characters, length, emoji."""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates can disguise text; they have no place in a request.
_BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def find_control_char(text: str, allow_newlines: bool = False) -> str | None:
    """Return the first disallowed invisible control character in ``text``, if any."""
    for ch in text:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS:
            return ch
    return None


def is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or cp in (0xFE0F, 0x200D)
    )


def has_emoji(text: str) -> bool:
    return any(is_emoji(ch) for ch in text)


def done_label(label: str) -> str:
    """“已…” for what has just been done: 接听 → 已接听; a label that already says it
    (已接听, 已完成, 已办结) is kept as it is, never 已已接听."""
    label = label.strip()
    return label if label.startswith("已") else f"已{label}"


def describe_char(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def check_text(
    label: str,
    value: str,
    *,
    required: bool = False,
    min_len: int = 0,
    max_len: int,
    allow_newlines: bool = False,
    allow_emoji: bool = True,
) -> str | None:
    """Validate one text field; return a Chinese message or None when it is fine."""
    stripped = value.strip()
    if not stripped:
        return f"{label}不能为空" if required else None
    bad = find_control_char(value, allow_newlines=allow_newlines)
    if bad is not None:
        return f"{label}含有不可见的控制字符（{describe_char(bad)}），请删除后再提交"
    if not allow_emoji and has_emoji(value):
        return f"{label}不能包含表情符号"
    if len(stripped) < min_len:
        return f"{label}过短，至少需要{min_len}个字"
    if len(value) > max_len:
        return f"{label}过长：{len(value)}字，最多{max_len}字"
    return None
