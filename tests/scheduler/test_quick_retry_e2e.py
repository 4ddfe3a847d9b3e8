"""A message Slack fails with a server error is tried again about a second later, not on the clock's
next 10-second turn: the sender wakes for the retry itself. Timed by the app's own record of the
job (when it was due, when its retry was set for, when Slack took it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from slackapp.leads.jobs import ANNOUNCE
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import eventually_got, share_lead


def announcements(workspace) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == workspace.team_id, Job.kind == ANNOUNCE)))


def test_an_announcement_slack_fails_with_500_is_retried_within_about_a_second(workspace):
    workspace.fake.fail("chat.postMessage", status=500, times=1, match={"channel": workspace.channel})
    share_lead(workspace, workspace.member(), role=f"Retried {new_id('R')}")

    [job] = eventually_got(lambda: [job for job in announcements(workspace) if job.status == "sent"], count=1, timeout=15)
    posts = workspace.fake.calls_to("chat.postMessage", channel=workspace.channel)
    assert [call.status for call in posts] == [500, 200]
    assert job.attempts == 2
    # The failed try came when the announcement fell due; its retry was set about a second later ...
    assert timedelta(0) < job.next_attempt_at - job.due_at < timedelta(seconds=2)
    # ... and the retry went out as soon as it was due, not at the clock's next turn.
    assert job.finished_at - job.next_attempt_at < timedelta(seconds=2)
