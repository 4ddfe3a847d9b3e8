"""The HTTP front door and the process around it: only requests Slack signed get in, /healthz tells the
truth about the store, slow Web API calls don't starve other requests, writes don't trip over each
other, and `slackapp run` starts Socket Mode or explains what it is missing."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from slackapp.db import IDLE_BEFORE_PING_SECONDS
from slackapp.leads import ids
from slackapp.leads.models import SavedLead
from slackapp.sandbox import payloads
from tests.conftest import BOT_TOKEN, SECRET, Workspace, fresh_database, start_app
from tests.helpers import all_text, announced_leads, eventually, eventually_got, lead_values, leads_of, share_lead
from slackapp.sandbox.slackhttp import FORM, post_signed

# ---- helpers ------------------------------------------------------------------------------


def share_body(workspace, user: str, **fields) -> str:
    """The form body Slack would send when `user` submits the share form from the workspace's channel."""
    payload = payloads.view_submission(
        ids.FORM,
        lead_values(**fields),
        user_id=user,
        team_id=workspace.team_id,
        private_metadata=json.dumps({"lead_id": None, "channel": workspace.channel}),
    )
    return urlencode({"payload": json.dumps(payload)})


def about_workspace(call, workspace, *people: str) -> bool:
    """Whether a Web API call concerns this test's workspace (its team, channel or people)."""
    text = json.dumps(call.args, default=str)
    return any(marker in text for marker in (workspace.team_id, workspace.channel, *people))


def get(base_url: str, path: str, timeout: float = 30) -> tuple[int, bytes]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def bare_env(**extra: str) -> dict[str, str]:
    """An environment with no Slack settings at all: only PATH and HOME survive."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update(extra)
    return env


def run_cli(tmp_path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slackapp", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


# ---- signed requests ----------------------------------------------------------------------

REJECTED = {
    # Signed, but with a secret that isn't the app's.
    "wrong_secret": lambda body: {"secret": "not-the-signing-secret"},
    # Correctly signed headers, then the signature replaced by a well-formed but wrong one.
    "tampered_signature": lambda body: {"secret": SECRET, "headers": {"X-Slack-Signature": "v0=" + "0" * 64}},
    # Correctly signed, six minutes ago: Slack's rule is at most five.
    "six_minutes_old": lambda body: {"secret": SECRET, "timestamp": int(time.time()) - 6 * 60},
}


@pytest.mark.parametrize("how", sorted(REJECTED))
def test_unsigned_or_stale_request_is_refused_and_changes_nothing(workspace, how):
    user = workspace.member()
    start = len(workspace.fake.calls)
    body = share_body(workspace, user, role="Rejected role", url=f"https://rejected.example/{uuid.uuid4().hex}")

    refused = post_signed(workspace.server.slack.url, body, content_type=FORM, **REJECTED[how](body))

    assert refused.status == 401
    assert leads_of(workspace) == []
    # A correctly signed submission afterwards is the barrier: once its announcement is recorded, anything
    # the refused request had set off would have had its turn too.
    accepted_url = f"https://accepted.example/{uuid.uuid4().hex}"
    assert share_lead(workspace, user, role="Accepted role", url=accepted_url).status == 200
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert (lead.role, lead.url) == ("Accepted role", accepted_url)
    sent = [call for call in workspace.fake.calls[start:] if about_workspace(call, workspace, user)]
    # The accepted share asks Slack whether its poster is a guest (a guest's first lead waits), then is announced.
    assert [call.method for call in sent] == ["users.info", "chat.postMessage"]
    assert "Accepted role" in sent[-1].args["text"]


def test_four_minute_old_request_is_accepted(workspace):
    user = workspace.member()
    url = f"https://four-minutes.example/{uuid.uuid4().hex}"
    body = share_body(workspace, user, role="Late but valid", url=url)

    reply = post_signed(workspace.server.slack.url, body, content_type=FORM, secret=SECRET, timestamp=int(time.time()) - 4 * 60)

    assert reply.status == 200 and reply.body == b""
    announcement = workspace.posted(channel=workspace.channel)[-1]
    assert "Late but valid" in announcement.args["text"]
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    assert (lead.role, lead.url, lead.posted_by) == ("Late but valid", url, user)


# ---- health -------------------------------------------------------------------------------


def test_healthz_answers_200_while_the_store_is_up(server):
    status, body = get(server.url, "/healthz")
    assert status == 200
    assert json.loads(body) == {"ok": True, "store": "up"}


def test_healthz_answers_503_when_the_postgresql_database_is_gone(request, fake_slack, tmp_path_factory):
    import psycopg

    base = request.getfixturevalue("postgres")  # skips when there is no PostgreSQL
    database_url = fresh_database("postgresql", request, tmp_path_factory)
    name = database_url.rsplit("/", 1)[1]
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    app = start_app(database_url, fake_slack, tmp_path_factory.mktemp("app-pg-gone") / "app.log")
    try:
        assert get(app.url, "/healthz")[0] == 200
        app.store.dispose()  # the test's own pool must not hold the database open either
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
            )
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

        status, body = get(app.url, "/healthz")

        assert status == 503
        assert json.loads(body) == {"ok": False, "store": "down"}
    finally:
        app.stop()


def test_a_database_restarted_while_the_app_was_quiet_costs_no_request(request, fake_slack, tmp_path_factory):
    """Connections that idled in the pool are checked before use; the first command after the
    database dropped them is answered like any other."""
    import psycopg

    base = request.getfixturevalue("postgres")  # skips when there is no PostgreSQL
    database_url = fresh_database("postgresql", request, tmp_path_factory)
    name = database_url.rsplit("/", 1)[1]
    # No scheduler: its clock would meet a cut connection first and have the pool replace them all.
    app = start_app(database_url, fake_slack, tmp_path_factory.mktemp("app-pg-restart") / "app.log", SLACKAPP_SCHEDULER="off")
    try:
        workspace = Workspace(app, fake_slack)
        member = workspace.member()
        assert workspace.command("/internships", user=member).status == 200
        app.store.dispose()
        with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
            dropped = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
            ).fetchone()[0]
        assert dropped >= 1  # the app's pooled connections were cut
        time.sleep(IDLE_BEFORE_PING_SECONDS * 1.5)  # the pool's connections have now idled past the limit

        reply = workspace.command("/internships", user=member)

        assert reply.status == 200, reply.body[:300]
        assert json.loads(reply.body)["blocks"]
    finally:
        app.stop()


# ---- concurrency --------------------------------------------------------------------------


def test_slow_web_api_calls_do_not_starve_other_commands(workspace):
    fake = workspace.fake
    posters = [workspace.member() for _ in range(6)]
    readers = [workspace.member() for _ in range(20)]

    def ours(call) -> bool:
        view = call.args.get("view")
        return isinstance(view, dict) and view.get("callback_id") == ids.FORM and workspace.channel in view.get("private_metadata", "")

    # The fake records a call when it arrives (Call.at), then sleeps set_delay's seconds, then
    # answers; Call.answered_at says when the answer was written back.
    def delivered() -> list:
        return [call for call in fake.calls if call.method == "views.open" and ours(call) and call.answered_at is not None]

    try:
        fake.set_delay("views.open", 4)
        with ThreadPoolExecutor(max_workers=len(posters) + len(readers)) as pool:
            posts = [pool.submit(workspace.command, "/internships", "post", user=user) for user in posters]
            # All six slow views.open calls are in flight (each holds one app listener thread) before any
            # list command is sent.
            fake.wait_for("views.open", count=len(posters), predicate=ours)
            assert delivered() == [], "a views.open answer came back before all six were in flight: too few listener threads"
            lists = [pool.submit(workspace.command, "/internships", user=user) for user in readers]
            replies = [future.result() for future in lists]
            # Ordering check: at the moment the last of the 20 list answers has come back, not one of the
            # delayed views.open answers has been delivered yet. A starved listener pool would queue the
            # list commands behind the views.open calls, so they could only answer after some of them.
            delivered_before_lists_done = delivered()
            post_replies = [future.result() for future in posts]

        assert delivered_before_lists_done == []
        assert [reply.status for reply in replies] == [200] * len(readers)
        for reply in replies:
            body = reply.json()
            assert body["response_type"] == "ephemeral"
            assert "No open leads yet" in all_text(body["blocks"])
        assert [reply.status for reply in post_replies] == [200] * len(posters)
        # The slow calls were real and did finish, after the lists.
        eventually(lambda: len(delivered()) == len(posters), timeout=30)
    finally:
        fake.set_delay("views.open", None)


def test_thirty_members_saving_one_lead_at_once_are_all_saved(workspace):
    poster = workspace.member()
    share_lead(workspace, poster, role="Popular role", url=f"https://popular.example/{uuid.uuid4().hex}")
    [lead] = eventually_got(lambda: announced_leads(workspace), count=1)
    members = [workspace.member() for _ in range(30)]
    response_urls = [workspace.response_url() for _ in members]
    log_start = len(workspace.server.log())
    barrier = threading.Barrier(len(members))

    def click(member: str, response_url: str):
        barrier.wait()
        return workspace.click(ids.SAVE, str(lead.id), user=member, response_url=response_url)

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        replies = list(pool.map(click, members, response_urls))

    assert [reply.status for reply in replies] == [200] * len(members)
    for response_url in response_urls:
        [answer] = workspace.responses(response_url, timeout=30)
        assert answer.args["response_type"] == "ephemeral"
        assert answer.args["text"].startswith("Saved: Popular role")
    with workspace.server.store.read() as session:
        rows = session.execute(
            select(SavedLead.user_id, SavedLead.stage).where(SavedLead.team_id == workspace.team_id, SavedLead.lead_id == lead.id)
        ).all()
    assert sorted(rows) == sorted((member, "saved") for member in members)
    assert "database is locked" not in workspace.server.log()[log_start:]


# ---- starting the process -----------------------------------------------------------------


def test_socket_mode_opens_a_connection_with_the_app_token(fake_slack, tmp_path):
    app_token = "xapp-1-test"
    env = bare_env(
        SLACK_APP_TOKEN=app_token,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'socket.db'}",
        PYTHONUNBUFFERED="1",
    )
    start = len(fake_slack.calls)
    log_path = tmp_path / "socket.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "slackapp", "run"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:

        def connections_opened():
            return [call for call in fake_slack.calls[start:] if call.method == "apps.connections.open"]

        def opened() -> bool:
            assert process.poll() is None, f"slackapp exited with {process.returncode}:\n{log_path.read_text()}"
            return bool(connections_opened())

        # The fake serves no WebSocket, so the client may ask for a connection again: every ask counts.
        eventually(opened, timeout=60)
        calls = connections_opened()
        assert [(call.token, call.failed) for call in calls] == [(app_token, False)] * len(calls)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# `run` without any Slack settings shows the setup steps and then starts the sandbox:
# tests/sandbox/test_cli.py.


@pytest.mark.parametrize(("name", "value"), [("PORT", "abc"), ("SLACKAPP_OFFICERS", "not an id")])
def test_a_bad_setting_is_named_in_one_line(tmp_path, name, value):
    result = run_cli(tmp_path, "run", env=bare_env(**{name: value}))

    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode != 0
    assert len(lines) == 1, lines
    assert name in lines[0]
    assert "Traceback" not in result.stderr
