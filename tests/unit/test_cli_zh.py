"""Every CLI help and argparse error is Chinese, for every subcommand (issue 9)."""

from __future__ import annotations

import argparse
import re

import pytest

from agent_console.cli import build_parser, main

# argparse's own words (its gettext msgids and fixed help), none of which may show.
ENGLISH = re.compile(r"usage:|positional arguments|optional arguments|options:|show this help|"
                     r"show program's|error:|the following arguments|invalid choice|"
                     r"unrecognized arguments|expected (?:one|at most|at least|\d)|invalid \w+ value|"
                     r"argument [-\w]+:|not allowed with|is required|ambiguous option|"
                     r"unknown parser|choose from")


def _commands(parser: argparse.ArgumentParser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands(build_parser())]


def _run(capsys, argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out = capsys.readouterr()
    return done.value.code, out.out + out.err


def test_the_walk_reaches_every_subcommand():
    assert len(COMMANDS) > 20 and ("db", "upgrade") in COMMANDS and ("user", "add") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "agent-console")
def test_help_is_chinese(capsys, path):
    code, text = _run(capsys, [*path, "--help"])
    assert code == 0
    assert text.startswith("用法：") and "显示此帮助信息并退出" in text
    assert ENGLISH.findall(text) == [], text


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "agent-console")
def test_a_bad_invocation_is_refused_in_chinese(capsys, path):
    code, text = _run(capsys, [*path, "--no-such-option"])
    assert code == 2
    assert "错误：" in text and ENGLISH.findall(text) == [], text


@pytest.mark.parametrize(("argv", "expected"), [
    (["bogus"], "无效的选项：'bogus'（可选："),
    (["db"], "缺少必需的参数：操作"),
    (["user", "add", "--name", "张三"], "缺少必需的参数："),
    (["simulate", "--days", "x"], "参数 --days：无效的整数值：'x'"),
    (["orders", "list", "--db"], "参数 --db：需要一个参数值"),
])
def test_argparse_errors_in_chinese(capsys, argv, expected):
    code, text = _run(capsys, argv)
    assert code == 2 and expected in text and ENGLISH.findall(text) == [], text


def test_version_is_listed_in_chinese(capsys):
    _code, text = _run(capsys, ["--help"])
    assert "显示版本号并退出" in text


def test_other_parsers_keep_their_own_language():
    """The translation is scoped to the console's parser: argparse itself is untouched."""
    build_parser().format_help()
    assert "usage:" in argparse.ArgumentParser(prog="x").format_help()
