"""A port already taken, Slack's or /metrics', is an operator mistake like any other: one line on
stderr naming the port and the setting that moves it, exit status 2, and none of gunicorn's retries."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import SECRET, free_port
from tests.test_operator_errors import BOT_TOKEN, one_line, run


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.fixture
def taken_port_after_a_free_one():
    """(free, free + 1), the second held by someone else: where /metrics goes by default."""
    for _ in range(50):
        free = free_port()
        with socket.socket() as holder:
            try:
                holder.bind(("127.0.0.1", free + 1))
            except OSError:
                continue
            holder.listen()
            yield free, free + 1
            return
    pytest.fail("found no free port followed by another free one")


def _run_http(tmp_path, fake_slack, *args: str, **env: str):
    return run(tmp_path, "run", "--http", *args, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.url, **env)


def _refused(result, port: int, setting: str) -> None:
    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert str(port) in line and setting in line, line
    assert "Connection in use" not in result.stderr and "Retrying" not in result.stderr


def test_a_taken_slack_port_is_one_line(tmp_path, fake_slack, taken_port):
    result = _run_http(tmp_path, fake_slack, "--port", str(taken_port), SLACKAPP_METRICS_PORT=str(free_port()))
    _refused(result, taken_port, "PORT")


def test_a_taken_metrics_port_is_one_line(tmp_path, fake_slack, taken_port):
    result = _run_http(tmp_path, fake_slack, "--port", str(free_port()), SLACKAPP_METRICS_PORT=str(taken_port))
    _refused(result, taken_port, "SLACKAPP_METRICS_PORT")


def test_a_taken_port_next_to_slacks_is_one_line(tmp_path, fake_slack, taken_port_after_a_free_one):
    slack_port, metrics_port = taken_port_after_a_free_one
    result = _run_http(tmp_path, fake_slack, "--port", str(slack_port))
    _refused(result, metrics_port, "SLACKAPP_METRICS_PORT")
