"""Operator mistakes get one clear line and a non-zero exit, never a traceback or a restart loop."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import SECRET

BOT_TOKEN = "xoxb-operator-test"


def run(tmp_path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    clean = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "slackapp", *args], env=clean, cwd=tmp_path, capture_output=True, text=True, timeout=timeout)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "url, says",
    [
        ("sqlite:///:memory:", "in-memory database forgets everything"),
        ("sqlite://", "in-memory database forgets everything"),
        ("sqlite:////no/such/folder/slackapp.db", "the folder /no/such/folder does not exist"),
        ("mysql://localhost/db", "must start with sqlite:/// or postgresql://"),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "jobs"])
def test_a_database_url_that_cannot_work_is_refused_in_one_line(tmp_path, command, url, says):
    result = run(tmp_path, command, DATABASE_URL=url)
    assert result.returncode == 2
    assert says in one_line(result)


@pytest.mark.parametrize("command", ["migrate", "jobs"])
def test_an_unreachable_postgresql_is_one_line(tmp_path, command):
    result = run(tmp_path, command, DATABASE_URL="postgresql://nobody:secret@127.0.0.1:9/slackapp")
    assert result.returncode == 1
    line = one_line(result)
    assert "could not use the database" in line and "secret" not in line


def test_the_postgres_scheme_hosting_providers_hand_out_is_accepted(tmp_path, postgres):
    url = postgres.replace("postgresql+psycopg://", "postgres://")
    result = run(tmp_path, "migrate", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout


@pytest.mark.parametrize("args, env", [(["run", "--http", "--port", "70000"], {}), (["run", "--http"], {"PORT": "70000"})])
def test_a_port_out_of_range_is_refused(tmp_path, fake_slack, args, env):
    result = run(tmp_path, *args, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.url, **env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and ("65535" in result.stderr or "PORT" in result.stderr)


def test_a_token_slack_refuses_stops_http_mode_at_once(tmp_path, fake_slack):
    fake_slack.revoke("xoxb-revoked")
    result = run(tmp_path, "run", "--http", SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.url)
    assert result.returncode == 2
    assert "Slack did not accept SLACK_BOT_TOKEN: invalid_auth" in one_line(result)
    assert len([call for call in fake_slack.calls_to("auth.test") if call.token == "xoxb-revoked"]) == 1  # no worker respawn loop


def test_slack_unreachable_at_start_is_one_line(tmp_path):
    result = run(tmp_path, "run", "--http", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL="http://127.0.0.1:9/api/")
    assert result.returncode == 1
    assert "could not reach Slack at SLACK_API_URL" in one_line(result)
