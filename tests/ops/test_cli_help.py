"""`slackapp --help` shows what an operator runs; `prepare`, which `run` starts by itself, is not
listed but still answers."""

from __future__ import annotations

import pytest

from slackapp import cli


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.main([*argv, "--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_help_lists_the_public_commands_only(capsys):
    said = _help(capsys)
    assert "prepare" not in said
    for command in ("run", "sandbox", "migrate", "jobs", "purge", "reseal", "manifest"):
        assert f"    {command}" in said, said
    assert "--sandbox" in _help(capsys, "jobs")


def test_the_hidden_prepare_command_still_answers(capsys):
    assert "usage: slackapp prepare" in _help(capsys, "prepare")
