"""Deadline nudges end to end: saving, moving, un-saving, closing and editing leads through the
running app plans and cancels rows in `jobs`; an in-process dispatcher on a moved clock sends them.

Every nudge is due at least a day ahead of real time, so the app servers' own schedulers never send
one while a test runs."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from slackapp.leads import ids
from slackapp.leads.models import Lead
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import all_text, buttons, eventually, owed_now, press, share_lead

UTC = timezone.utc
TZ = "America/Los_Angeles"


def today() -> date:
    # The workspace has no settings, so the club's zone (and the form's "today") is UTC.
    return datetime.now(UTC).date()


def nine_local(day: date, tz: str = TZ) -> datetime:
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def shared(workspace, poster: str, *, deadline: date | None, role: str = "Nudged intern") -> Lead:
    url = f"https://nudge.example/{new_id('j')}"
    reply = share_lead(workspace, poster, role=role, url=url, deadline=deadline.isoformat() if deadline else None)
    assert reply.status == 200 and reply.body == b""
    with workspace.server.store.read() as session:
        return session.scalar(select(Lead).where(Lead.team_id == workspace.team_id, Lead.url == url))


def save(workspace, lead: Lead, member: str) -> None:
    answer = press(workspace, ids.SAVE, str(lead.id), user=member)
    assert answer["text"].startswith("Saved")


def nudge_jobs(workspace, member: str) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(
            session.scalars(
                select(Job).where(Job.team_id == workspace.team_id, Job.kind == "nudge", Job.target == member).order_by(Job.due_at, Job.id)
            )
        )


def pending(workspace, member: str) -> list[Job]:
    return [job for job in nudge_jobs(workspace, member) if job.status == "pending"]


def nudges_to(fake_slack, member: str) -> list:
    return [
        call
        for call in fake_slack.calls_to("chat.postMessage", channel=member)
        if not call.failed and ids.NUDGE_APPLIED in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]
    ]


def run(workspace, dispatcher, now: datetime):
    # What the app owes now (a post, a Home publish) is its own sender's to send, not this turn's:
    # taken here on the moved clock it would be dropped as stale and counted.
    eventually(lambda: owed_now(workspace) == [], timeout=10)
    return dispatcher.run_due(now, team_id=workspace.team_id)


def set_up(workspace, *, days_ahead: int):
    poster, member = workspace.member(), workspace.member(tz=TZ)
    deadline = today() + timedelta(days=days_ahead)
    lead = shared(workspace, poster, deadline=deadline)
    return poster, member, lead, deadline


# ---- planning and sending ------------------------------------------------------------------


def test_saving_a_lead_plans_two_nudges_each_sent_exactly_once(workspace, dispatcher, fake_slack):
    poster, member, lead, deadline = set_up(workspace, days_ahead=10)

    save(workspace, lead, member)

    three, one = pending(workspace, member)
    assert (three.due_at, one.due_at) == (nine_local(deadline - timedelta(days=3)), nine_local(deadline - timedelta(days=1)))
    assert (three.payload["days"], one.payload["days"]) == (3, 1)
    assert {job.payload["lead_id"] for job in (three, one)} == {lead.id}
    # Saving again (a double click) plans nothing more.
    assert press(workspace, ids.SAVE, str(lead.id), user=member)["text"].startswith("Already saved")
    assert len(nudge_jobs(workspace, member)) == 2

    assert run(workspace, dispatcher, three.due_at - timedelta(minutes=1)).handled == 0
    assert nudges_to(fake_slack, member) == []
    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, three.due_at + timedelta(hours=3))
    [first] = nudges_to(fake_slack, member)
    assert "Nudged intern" in first.args["text"] and "in 3 days" in first.args["text"]
    [applied] = [b for b in buttons(first.args["blocks"]) if b["action_id"] == ids.NUDGE_APPLIED]
    assert applied["value"] == str(lead.id)

    run(workspace, dispatcher, one.due_at)
    run(workspace, dispatcher, one.due_at + timedelta(minutes=5))
    first_again, second = nudges_to(fake_slack, member)
    assert first_again is first
    assert "tomorrow" in second.args["text"]
    assert [job.status for job in nudge_jobs(workspace, member)] == ["sent", "sent"]
    assert fake_slack.calls_to("chat.postMessage", channel=poster) == []


def test_a_deadline_two_days_away_plans_only_the_one_day_nudge(workspace):
    _, member, lead, deadline = set_up(workspace, days_ahead=2)

    save(workspace, lead, member)

    [job] = nudge_jobs(workspace, member)
    assert (job.status, job.payload["days"], job.due_at) == ("pending", 1, nine_local(deadline - timedelta(days=1)))


def test_a_lead_without_a_deadline_plans_no_nudge(workspace):
    poster, member = workspace.member(), workspace.member(tz=TZ)
    lead = shared(workspace, poster, deadline=None)

    save(workspace, lead, member)

    assert nudge_jobs(workspace, member) == []


# ---- what cancels them ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["stage_select", "nudge_button"])
def test_applying_before_the_first_nudge_cancels_both(workspace, dispatcher, fake_slack, how):
    _, member, lead, _ = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    three, one = pending(workspace, member)

    if how == "stage_select":
        answer = press(workspace, ids.STAGE, None, user=member, action_type="static_select", selected_option=f"{lead.id}:applied")
        assert answer["replace_original"] is True
    else:
        answer = press(workspace, ids.NUDGE_APPLIED, str(lead.id), user=member)
        assert "applied" in answer["text"].lower()

    assert [job.status for job in nudge_jobs(workspace, member)] == ["cancelled", "cancelled"]
    assert all("applied" in job.reason for job in nudge_jobs(workspace, member))
    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, one.due_at)
    assert nudges_to(fake_slack, member) == []


def test_i_applied_in_the_first_nudge_cancels_the_second(workspace, dispatcher, fake_slack):
    _, member, lead, _ = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    three, one = pending(workspace, member)
    run(workspace, dispatcher, three.due_at)
    [first] = nudges_to(fake_slack, member)
    [applied] = [b for b in buttons(first.args["blocks"]) if b["action_id"] == ids.NUDGE_APPLIED]

    answer = press(
        workspace, ids.NUDGE_APPLIED, applied["value"], user=member,
        message=first.response["message"], channel_id=first.response["channel"],
    )

    assert answer["replace_original"] is True and "applied" in answer["text"].lower()
    assert [job.status for job in nudge_jobs(workspace, member)] == ["sent", "cancelled"]
    run(workspace, dispatcher, one.due_at)
    assert len(nudges_to(fake_slack, member)) == 1
    mine = all_text(workspace.command("/internships", "mine", user=member).json()["blocks"])
    assert "Nudged intern" in mine


def test_unsaving_cancels_the_nudges(workspace, dispatcher, fake_slack):
    _, member, lead, _ = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    three, one = pending(workspace, member)

    press(workspace, ids.UNSAVE, str(lead.id), user=member)

    assert [job.status for job in nudge_jobs(workspace, member)] == ["cancelled", "cancelled"]
    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, one.due_at)
    assert nudges_to(fake_slack, member) == []


def test_closing_the_lead_cancels_everyones_nudges(workspace, dispatcher, fake_slack):
    poster, member, lead, _ = set_up(workspace, days_ahead=10)
    other = workspace.member(tz="Asia/Tokyo")
    save(workspace, lead, member)
    save(workspace, lead, other)
    assert len(pending(workspace, member)) == 2 and len(pending(workspace, other)) == 2
    last = max(job.due_at for job in pending(workspace, member) + pending(workspace, other))

    answer = press(workspace, ids.CLOSE, str(lead.id), user=poster)
    assert answer["text"].startswith("Closed")

    for who in (member, other):
        assert [job.status for job in nudge_jobs(workspace, who)] == ["cancelled", "cancelled"]
    run(workspace, dispatcher, last)
    assert nudges_to(fake_slack, member) == [] and nudges_to(fake_slack, other) == []


def test_a_nudge_planned_before_a_change_the_app_missed_is_skipped_at_send_time(workspace, dispatcher, fake_slack):
    """Render-time checks are the last line: a nudge whose lead has meanwhile closed says nothing."""
    _, member, lead, _ = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    three, _ = pending(workspace, member)
    with workspace.server.store.write() as session:
        session.get(Lead, lead.id).closed_at = datetime.now(UTC)

    run(workspace, dispatcher, three.due_at)

    assert nudges_to(fake_slack, member) == []
    assert [(job.status, job.reason) for job in nudge_jobs(workspace, member)][0] == ("skipped", "the lead was closed")


def test_saving_again_after_unsaving_or_moving_back_to_saved_plans_the_nudges_again(workspace, dispatcher, fake_slack):
    _, member, lead, _ = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    keys = [job.key for job in pending(workspace, member)]

    press(workspace, ids.UNSAVE, str(lead.id), user=member)
    assert pending(workspace, member) == []
    save(workspace, lead, member)
    assert [job.key for job in pending(workspace, member)] == keys

    press(workspace, ids.STAGE, None, user=member, action_type="static_select", selected_option=f"{lead.id}:interviewing")
    assert pending(workspace, member) == []
    press(workspace, ids.STAGE, None, user=member, action_type="static_select", selected_option=f"{lead.id}:saved")
    three, one = pending(workspace, member)
    assert [three.key, one.key] == keys

    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, one.due_at)
    assert len(nudges_to(fake_slack, member)) == 2


def test_nudge_text_is_inert(workspace, dispatcher, fake_slack):
    poster, member = workspace.member(), workspace.member(tz=TZ)
    evil = "<!channel> Intern & <https://evil.example|co>"
    lead = shared(workspace, poster, deadline=today() + timedelta(days=10), role=evil)
    save(workspace, lead, member)
    three, _ = pending(workspace, member)

    run(workspace, dispatcher, three.due_at)

    [nudge] = nudges_to(fake_slack, member)
    rendered = json.dumps(nudge.args)
    assert "<!channel>" not in rendered and "<https://evil.example|co>" not in rendered
    assert "&lt;!channel&gt; Intern &amp; &lt;https://evil.example|co&gt;" in all_text(nudge.args["blocks"])


# ---- editing the deadline ------------------------------------------------------------------


def test_editing_the_deadline_replans_the_nudges(workspace, dispatcher, fake_slack):
    poster, member, lead, deadline = set_up(workspace, days_ahead=10)
    applied_member = workspace.member(tz="Europe/Berlin")
    save(workspace, lead, member)
    save(workspace, lead, applied_member)
    press(workspace, ids.STAGE, None, user=applied_member, action_type="static_select", selected_option=f"{lead.id}:applied")
    old_three, old_one = pending(workspace, member)

    new_deadline = deadline + timedelta(days=6)
    reply = share_lead(
        workspace, poster, role="Nudged intern", url=lead.url, deadline=new_deadline.isoformat(),
        private_metadata=json.dumps({"lead_id": lead.id}),
    )
    assert reply.status == 200 and reply.body == b""

    jobs = {job.id: job for job in nudge_jobs(workspace, member)}
    assert jobs[old_three.id].status == "cancelled" and jobs[old_one.id].status == "cancelled"
    assert "deadline" in jobs[old_three.id].reason
    three, one = pending(workspace, member)
    assert (three.due_at, one.due_at) == (nine_local(new_deadline - timedelta(days=3)), nine_local(new_deadline - timedelta(days=1)))
    assert {job.payload["deadline"] for job in (three, one)} == {new_deadline.isoformat()}
    assert pending(workspace, applied_member) == []  # who has applied gets no new nudges

    run(workspace, dispatcher, old_three.due_at)
    run(workspace, dispatcher, old_one.due_at)
    assert nudges_to(fake_slack, member) == []
    run(workspace, dispatcher, three.due_at)
    run(workspace, dispatcher, one.due_at)
    first, second = nudges_to(fake_slack, member)
    assert "in 3 days" in first.args["text"] and "tomorrow" in second.args["text"]
    assert nudges_to(fake_slack, applied_member) == []


def test_editing_the_deadline_back_plans_the_old_moments_again(workspace):
    poster, member, lead, deadline = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    before = [(job.key, job.due_at) for job in pending(workspace, member)]

    for moved in (deadline + timedelta(days=4), deadline):
        share_lead(
            workspace, poster, role="Nudged intern", url=lead.url, deadline=moved.isoformat(),
            private_metadata=json.dumps({"lead_id": lead.id}),
        )

    assert [(job.key, job.due_at) for job in pending(workspace, member)] == before


def test_editing_without_changing_the_deadline_keeps_the_nudges(workspace):
    poster, member, lead, deadline = set_up(workspace, days_ahead=10)
    save(workspace, lead, member)
    before = [job.id for job in pending(workspace, member)]

    share_lead(
        workspace, poster, role="Renamed intern", url=lead.url, deadline=deadline.isoformat(),
        private_metadata=json.dumps({"lead_id": lead.id}),
    )

    # The nudges are replanned (or not) before the form is answered.
    assert [job.id for job in pending(workspace, member)] == before
