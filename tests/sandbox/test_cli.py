"""`slackapp run` with no Slack settings prints the setup steps and starts the sandbox; `slackapp
sandbox` starts it explicitly. Both on 127.0.0.1 only, with their own sandbox.db."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys

import pytest

from tests.conftest import free_port
from tests.helpers import eventually


def page_answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False


@pytest.mark.parametrize("args", [["run"], ["sandbox", "--reset"]])
def test_without_slack_settings_the_sandbox_starts_on_loopback(tmp_path, args):
    port = free_port()
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env["PORT"] = str(port)
    log = tmp_path / "out.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "slackapp", *args], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: process.poll() is None and page_answers(port), timeout=60)
        said = log.read_text()
        assert f"open http://127.0.0.1:{port}/" in said and "listens on 127.0.0.1 only" in said
        # run still shows the way to a real workspace first
        steps = ("slackapp manifest", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", str(tmp_path / ".env"))
        assert all(needed in said for needed in steps) == (args == ["run"]), said
        assert "Traceback" not in said
        assert (tmp_path / "sandbox.db").exists() and not (tmp_path / "slackapp.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_run_with_some_slack_settings_still_stops_with_the_steps(tmp_path):
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env["SLACK_BOT_TOKEN"] = "xoxb-half-done"
    result = subprocess.run([sys.executable, "-m", "slackapp", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr and "sandbox" not in result.stderr


def test_only_the_sandboxs_own_page_may_use_it(sandbox):
    port = sandbox.server.server_address[1]

    def post(headers: dict) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/skip", body="as=UADA", headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
        return connection.getresponse().status

    assert post({"Origin": "http://evil.example"}) == 403
    assert post({"Host": f"rebound.example:{port}"}) == 403
