"""argparse in Chinese: help, usage and every error of every subcommand.

argparse looks its own words up through gettext (``argparse._`` / ``argparse.ngettext``, the
hook it has for translations); ``ChineseArgumentParser`` answers those look-ups from ``ZH``
while one of its methods runs, and only then, so no other parser in the process (pytest's …)
changes. Subparsers are made of the same class (``add_subparsers`` uses the parent's type), so
``agent-console db upgrade --help`` is Chinese too. The msgids are argparse's own, stable
across versions like any gettext catalog; an unknown one stays English and
tests/unit/test_cli_zh.py fails on it."""

from __future__ import annotations

import argparse
import functools
import re
from contextlib import contextmanager

ZH: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示此帮助信息并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个参数值",
    "expected at most one argument": "最多需要一个参数值",
    "expected at least one argument": "至少需要一个参数值",
    "expected %s argument": "需要 %s 个参数值",
    "expected %s arguments": "需要 %s 个参数值",
    "invalid %(type)s value: %(value)r": "无效的%(type)s值：%(value)r",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须指定其中之一",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的子命令 %(parser_name)r（可选：%(choices)s）",
    "ignored explicit argument %r": "忽略了多余的参数值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unexpected option string: %s": "意外的选项：%s",
}
# Type names argparse puts into “invalid %(type)s value”.
TYPE_NAMES = {"int": "整数", "float": "数字", "Path": "路径", "date": "日期",
              "fromisoformat": "日期"}


def _gettext(message: str) -> str:
    return ZH.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


@contextmanager
def chinese():
    """argparse's gettext look-ups answered in Chinese for the duration."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _in_chinese(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with chinese():
            return method(*args, **kwargs)
    return wrapper


class ChineseHelpFormatter(argparse.HelpFormatter):
    """“用法：” and Chinese section titles, whoever formats."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, ZH["usage: "] if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with chinese():
            super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        if kwargs.get("action") == "version":
            kwargs.setdefault("help", ZH["show program's version number and exit"])
        with chinese():
            return super().add_argument(*args, **kwargs)

    def error(self, message: str):
        message = re.sub(r"无效的(\w+)值", lambda m: f"无效的{TYPE_NAMES.get(m[1], m[1])}值",
                         message)
        with chinese():
            super().error(message)

    parse_args = _in_chinese(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_chinese(argparse.ArgumentParser.parse_known_args)
    format_usage = _in_chinese(argparse.ArgumentParser.format_usage)
    format_help = _in_chinese(argparse.ArgumentParser.format_help)
    add_subparsers = _in_chinese(argparse.ArgumentParser.add_subparsers)
    exit = _in_chinese(argparse.ArgumentParser.exit)
