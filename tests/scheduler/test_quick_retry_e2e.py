"""A message Slack fails with a server error is tried again by the sender itself, about a second
later: it does not wait for the clock's next turn. The app here has a clock that turns once an hour,
so only the sender waking for its own retry can deliver the announcement while the test waits.
The retry's time is the app's own record (the job's next attempt), set from when Slack failed it;
the exact schedule (a second, then 10 s doubling, with jitter) is pinned on a moved clock in
test_backoff_schedule.py."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from slackapp.leads.jobs import ANNOUNCE
from slackapp.scheduler.models import Job
from tests.conftest import STORES, new_id, serve
from tests.helpers import eventually_got, share_lead


@pytest.fixture(scope="module", params=STORES)
def server(request, fake_slack, tmp_path_factory):
    return serve(request, fake_slack, tmp_path_factory, "hourly-clock", SLACKAPP_SCHEDULER_TICK_SECONDS="3600")


def announcements(workspace) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == workspace.team_id, Job.kind == ANNOUNCE)))


def test_an_announcement_slack_fails_with_500_is_retried_by_the_sender_itself(workspace):
    workspace.fake.fail("chat.postMessage", status=500, times=1, match={"channel": workspace.channel})
    share_lead(workspace, workspace.member(), role=f"Retried {new_id('R')}")

    [job] = eventually_got(lambda: [job for job in announcements(workspace) if job.status == "sent"], count=1, timeout=30)
    posts = workspace.fake.calls_to("chat.postMessage", channel=workspace.channel)
    assert [call.status for call in posts] == [500, 200]
    assert job.attempts == 2
    # The retry was set for at most 1.25 s after the try began (a second, with jitter), which is
    # before Slack's answer plus a few seconds; the old schedule's 10 s never is.
    failed_at = datetime.fromtimestamp(posts[0].at + time.time() - time.monotonic(), timezone.utc)  # the fake notes monotonic time
    assert job.next_attempt_at - failed_at < timedelta(seconds=5)
