"""Scale-out: `slackapp run --http --workers 3` on PostgreSQL, every worker running its own clock
over one store, several workspaces installed: every scheduled message is sent exactly once, each
with its own workspace's token."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from slackapp.scheduler import outbox
from slackapp.scheduler.models import Job
from tests.conftest import fresh_database, start_app
from tests.helpers import eventually, http_get
from tests.installs.conftest import distribution_env, installed_workspace

WORKERS = 3
MEMBERS = 40


@pytest.fixture(scope="module")
def workers(request, fake_slack, tmp_path_factory):
    database_url = fresh_database("postgresql", request, tmp_path_factory)
    app = start_app(
        database_url, fake_slack, tmp_path_factory.mktemp("scale-out") / "app.log",
        SLACKAPP_HTTP_WORKERS=str(WORKERS), SLACKAPP_DM_PER_SECOND="200", **distribution_env(),
    )
    yield app
    app.stop()


def _worker_pids(app) -> set[str]:
    return {line.split("Booting worker with pid: ")[1].strip() for line in app.log().splitlines() if "Booting worker with pid:" in line}


def test_every_scheduled_send_happens_exactly_once_across_worker_processes(workers, fake_slack):
    eventually(lambda: len(_worker_pids(workers)) == WORKERS, timeout=30)
    spaces = [installed_workspace(workers, fake_slack) for _ in range(3)]
    token_of = {}
    with workers.store.write() as session:
        for workspace, token in spaces:
            for index in range(MEMBERS):
                member = workspace.member()
                token_of[member] = token
                outbox.dm(session, team_id=workspace.team_id, user_id=member, text=f"once {member} {index}")

    def sent():
        return [call for call in fake_slack.calls_to("chat.postMessage") if call.args.get("text", "").startswith("once ") and call.args["channel"] in token_of]

    def jobs():
        with workers.store.read() as session:
            return list(session.scalars(select(Job).where(Job.team_id.in_([workspace.team_id for workspace, _ in spaces]))))

    # A job is marked sent after Slack answers, so the post can be seen before its row says so:
    # wait for every job to be settled, not for the posts.
    eventually(lambda: not {job.status for job in jobs()} & {"pending", "claimed"}, timeout=60)
    settled = jobs()
    assert {job.status for job in settled} == {"sent"} and len(settled) == len(token_of)
    deliveries = Counter(call.args["channel"] for call in sent())
    assert [channel for channel, count in deliveries.items() if count != 1] == []
    assert [call for call in sent() if call.token != token_of[call.args["channel"]]] == []
    assert [call for call in fake_slack.token_mismatches if call.token in token_of.values()] == []
    # The workers shared the work (each claims in batches; which one takes which is up to them).
    print(f"sends by worker: {Counter(job.claimed_by.split(':')[1] for job in settled)}")
    status, _, metrics = http_get(workers.metrics_url + "/metrics")
    assert status == 200 and "slackapp_web_api_seconds_count" in metrics
