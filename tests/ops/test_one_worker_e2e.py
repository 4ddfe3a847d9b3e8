"""One HTTP worker serves alone: `slackapp run --http --workers 1` is one process, gunicorn's
threaded worker without a master, and it stops the way a worker under a master does. Several
workers keep gunicorn's master: tests/installs/test_scale_out_e2e.py."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from tests.conftest import Workspace, fresh_database, start_app
from tests.helpers import eventually


def children(pid: int) -> list[str]:
    tasks = Path(f"/proc/{pid}/task")
    return [child for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_one_worker_is_one_process_serving_on_the_port_it_was_given(server):
    # The tests' app runs with SLACKAPP_HTTP_WORKERS=1 (tests/conftest.py) and answered /healthz.
    assert children(server.process.pid) == []
    listening = [line for line in server.log().splitlines() if "Listening at: " in line]
    port = server.url.rsplit(":", 1)[1]
    assert len(listening) == 1 and f":{port}," in listening[0] and f"({server.process.pid})" in listening[0], listening


@pytest.fixture
def own_app(request, fake_slack, tmp_path_factory):
    app = start_app(fresh_database("sqlite", request, tmp_path_factory), fake_slack, tmp_path_factory.mktemp("alone") / "app.log")
    yield app
    fake_slack.release("views.open")
    app.stop()


def test_sigterm_stops_taking_requests_and_exits_cleanly_once_the_work_in_hand_is_done(own_app, fake_slack):
    workspace = Workspace(server=own_app, fake=fake_slack)
    opened_before = len(fake_slack.calls_to("views.open"))
    fake_slack.hold("views.open")
    # `/internships post` acks at once and then opens the form: work in hand after the answer.
    assert workspace.command("/internships", "post", user=workspace.member()).status == 200
    [opening] = fake_slack.wait_for("views.open", count=opened_before + 1)[opened_before:]

    own_app.process.send_signal(signal.SIGTERM)
    port = int(own_app.url.rsplit(":", 1)[1])
    eventually(lambda: refuses_connections(port), timeout=8)
    # No longer listening, and still there: the form it is opening waits on Slack's answer.
    assert own_app.process.poll() is None

    fake_slack.release("views.open")
    assert own_app.process.wait(timeout=30) == 0, own_app.log()
    assert opening.answered_at is not None and not opening.failed
