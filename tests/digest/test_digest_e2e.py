"""The weekly digest end to end: officers choose its day and time in `/club config` (through the
running app), the planner adds the job, and an in-process dispatcher on a moved clock posts it.

"Shared this week" is measured from when leads were really shared, so the digest moments here are
a day or more ahead of real time (never reached by the app servers' own schedulers while a test
runs) but within the week."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from slackapp.club.models import Workspace
from slackapp.leads.models import Lead
from slackapp.scheduler.models import Job
from tests.conftest import new_id
from tests.helpers import all_text, configure_club, eventually_got, finished, local_today, plan_all, share_lead, while_planning

UTC = timezone.utc
TZ = "America/Chicago"


def configure(workspace, officer: str, *, channel: str, day: int, at: str = "09:00", tz: str = TZ) -> None:
    configure_club(workspace, officer, timezone=tz, leads_channel=channel, digest_day=day, digest_time=at)
    with workspace.server.store.read() as session:
        found = session.get(Workspace, workspace.team_id)
        assert (found.timezone, found.leads_channel, found.digest_weekday, found.digest_time) == (tz, channel, day, at)


def at_local(day: date, at: time, tz: str = TZ) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def digest_jobs(workspace) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == workspace.team_id, Job.kind == "digest").order_by(Job.due_at, Job.id)))


def pending_digests(workspace) -> list[Job]:
    return [job for job in digest_jobs(workspace) if job.status == "pending"]


def posts_to(fake_slack, channel: str, since: int = 0) -> list:
    return [call for call in fake_slack.calls[since:] if call.method == "chat.postMessage" and call.args.get("channel") == channel and not call.failed]


def share(workspace, poster: str, *, role: str, company: str = "Acme", deadline: date | None = None, days_old: int = 0) -> Lead:
    url = f"https://digest.example/{uuid.uuid4().hex}"
    reply = share_lead(workspace, poster, role=role, company=company, url=url, deadline=deadline.isoformat() if deadline else None)
    assert reply.status == 200 and reply.body == b"", reply.text
    # The announcement is posted after the form is answered; wait for it, so it is not mistaken
    # for (or counted with) the digest.
    [lead] = eventually_got(lambda: _announced(workspace, url), count=1)
    with workspace.server.store.write() as session:
        if days_old:
            session.execute(update(Lead).where(Lead.id == lead.id).values(created_at=datetime.now(UTC) - timedelta(days=days_old)))
    return lead


def _announced(workspace, url: str) -> list[Lead]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Lead).where(Lead.team_id == workspace.team_id, Lead.url == url, Lead.announce_ts.is_not(None))))


def section_texts(blocks) -> list[str]:
    return [block["text"]["text"] for block in blocks if block.get("type") == "section"]


# ---- planning ------------------------------------------------------------------------------


def test_digest_is_planned_for_the_configured_day_and_time_in_the_workspace_zone(workspace):
    channel = new_id("C")
    target = local_today(TZ) + timedelta(days=2)
    configure(workspace, workspace.officer(), channel=channel, day=target.weekday(), at="09:30")

    plan_all(workspace.server.store, datetime.now(UTC))

    [job] = pending_digests(workspace)
    assert job.due_at == at_local(target, time(9, 30))
    assert (job.target, job.key) == (channel, f"digest:{target.isoformat()}")
    assert job.expires_at > job.due_at
    # Planning again changes nothing.
    plan_all(workspace.server.store, datetime.now(UTC))
    assert [row.id for row in pending_digests(workspace)] == [job.id]


def test_no_leads_channel_no_digest(workspace):
    plan_all(workspace.server.store, datetime.now(UTC))
    assert digest_jobs(workspace) == []


# ---- sending -------------------------------------------------------------------------------


def test_one_digest_message_lists_new_leads_and_leads_closing_soon(workspace, dispatcher, fake_slack):
    channel = new_id("C")
    officer, poster = workspace.officer(), workspace.member()
    target = local_today(TZ) + timedelta(days=2)
    configure(workspace, officer, channel=channel, day=target.weekday())
    plan_all(workspace.server.store, datetime.now(UTC))
    [job] = pending_digests(workspace)

    fresh = share(workspace, poster, role="Fresh <b>analyst</b> & co", company="Initech <Labs>")
    closing = share(workspace, poster, role="Closing soon intern", company="Globex", deadline=local_today(TZ) + timedelta(days=4), days_old=10)
    share(workspace, poster, role="Old and far", deadline=local_today(TZ) + timedelta(days=40), days_old=10)
    closed = share(workspace, poster, role="Closed already")
    with workspace.server.store.write() as session:
        session.get(Lead, closed.id).closed_at = datetime.now(UTC)
    assert fresh and closing

    start = len(fake_slack.calls)
    assert dispatcher.run_due(job.due_at - timedelta(minutes=1), team_id=workspace.team_id).sent == 0
    outcome = dispatcher.run_due(job.due_at, team_id=workspace.team_id)
    dispatcher.run_due(job.due_at + timedelta(minutes=5), team_id=workspace.team_id)

    assert outcome.sent == 1
    [post] = posts_to(fake_slack, channel, since=start)
    blocks = post.args["blocks"]
    sections = section_texts(blocks)
    [new_section] = [text for text in sections if text.startswith("*New leads*")]
    [closing_section] = [text for text in sections if text.startswith("*Closing within 7 days*")]
    assert "Fresh &lt;b&gt;analyst&lt;/b&gt; &amp; co" in new_section and "Initech &lt;Labs&gt;" in new_section
    assert "Closing soon intern" not in new_section
    assert "Closing soon intern" in closing_section and "Globex" in closing_section
    assert "Fresh" not in closing_section
    text = all_text(blocks)
    assert "Old and far" not in text and "Closed already" not in text
    assert "<b>" not in text
    assert post.args["text"] == "This week: 1 new lead, 1 closing soon"
    [sent] = digest_jobs(workspace)
    assert (sent.status, sent.result_channel, sent.result_ts) == ("sent", channel, post.response["ts"])


def test_a_week_with_nothing_new_and_nothing_closing_posts_nothing(workspace, dispatcher, fake_slack):
    channel = new_id("C")
    poster = workspace.member()
    target = local_today(TZ) + timedelta(days=2)
    configure(workspace, workspace.officer(), channel=channel, day=target.weekday())
    share(workspace, poster, role="Old and far", deadline=local_today(TZ) + timedelta(days=40), days_old=10)
    share(workspace, poster, role="Old, rolling", days_old=9)
    plan_all(workspace.server.store, datetime.now(UTC))
    [job] = pending_digests(workspace)

    start = len(fake_slack.calls)
    outcome = dispatcher.run_due(job.due_at, team_id=workspace.team_id)

    assert (outcome.sent, outcome.skipped) == (0, 1)
    assert posts_to(fake_slack, channel, since=start) == []
    [skipped] = digest_jobs(workspace)
    assert skipped.status == "skipped" and skipped.reason == "nothing new this week"


# ---- changing the schedule -----------------------------------------------------------------


def test_changing_the_digest_day_replans(workspace, dispatcher, fake_slack):
    channel, officer = new_id("C"), workspace.officer()
    first_day = local_today(TZ) + timedelta(days=2)
    configure(workspace, officer, channel=channel, day=first_day.weekday())
    plan_all(workspace.server.store, datetime.now(UTC))
    [old] = pending_digests(workspace)
    assert old.due_at == at_local(first_day, time(9))

    new_day = local_today(TZ) + timedelta(days=3)
    configure(workspace, officer, channel=channel, day=new_day.weekday())
    plan_all(workspace.server.store, datetime.now(UTC))
    jobs = {job.id: job for job in digest_jobs(workspace)}
    assert jobs[old.id].status == "cancelled" and jobs[old.id].reason
    [new] = pending_digests(workspace)
    assert new.due_at == at_local(new_day, time(9))
    assert new.key == f"digest:{new_day.isoformat()}"

    share(workspace, workspace.member(), role="Something new")
    start = len(fake_slack.calls)
    dispatcher.run_due(old.due_at, team_id=workspace.team_id)
    assert posts_to(fake_slack, channel, since=start) == []
    dispatcher.run_due(new.due_at, team_id=workspace.team_id)
    assert len(posts_to(fake_slack, channel, since=start)) == 1


def test_changing_only_the_time_replans_the_same_day(workspace):
    channel, officer = new_id("C"), workspace.officer()
    day = local_today(TZ) + timedelta(days=2)
    configure(workspace, officer, channel=channel, day=day.weekday(), at="09:00")
    plan_all(workspace.server.store, datetime.now(UTC))
    [old] = pending_digests(workspace)

    configure(workspace, officer, channel=channel, day=day.weekday(), at="17:45")
    plan_all(workspace.server.store, datetime.now(UTC))

    [new] = pending_digests(workspace)
    assert new.due_at == at_local(day, time(17, 45))
    assert [job.due_at for job in digest_jobs(workspace) if job.status == "pending" and job.due_at == old.due_at] == []


def test_changing_the_workspace_zone_replans_at_the_same_wall_clock_time(workspace):
    channel, officer = new_id("C"), workspace.officer()
    day = local_today("Asia/Tokyo") + timedelta(days=2)
    configure(workspace, officer, channel=channel, day=day.weekday(), tz="Asia/Tokyo")
    plan_all(workspace.server.store, datetime.now(UTC))
    [tokyo] = pending_digests(workspace)
    assert tokyo.due_at == at_local(day, time(9), "Asia/Tokyo")

    configure(workspace, officer, channel=channel, day=day.weekday(), tz="Europe/Berlin")
    plan_all(workspace.server.store, datetime.now(UTC))

    [berlin] = pending_digests(workspace)
    berlin_local = berlin.due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (berlin_local.weekday(), berlin_local.time()) == (day.weekday(), time(9))


# ---- a change that lands while the planner is running --------------------------------------


def test_a_digest_day_changed_while_the_planner_runs_is_not_posted_on_the_old_day(workspace, dispatcher, fake_slack):
    """The planner reads the workspaces' settings, then which digests are already planned, in
    separate statements. A /club config that commits between the two (PostgreSQL, READ COMMITTED)
    cancels the old digest; the planner then plans it again from the settings it read before.

    On SQLite every write transaction holds the database's write lock from its first statement, so
    the form cannot commit in between: the interleaving cannot happen there."""
    if workspace.server.store.dialect == "sqlite":
        pytest.skip("SQLite serialises write transactions; the form cannot commit while the planner runs")
    from sqlalchemy import event

    from slackapp.digest import jobs as digest

    channel, officer = new_id("C"), workspace.officer()
    old_day, new_day = local_today(TZ) + timedelta(days=2), local_today(TZ) + timedelta(days=3)
    configure(workspace, officer, channel=channel, day=old_day.weekday())
    plan_all(workspace.server.store, datetime.now(UTC))
    [old] = pending_digests(workspace)

    changing = []

    def before_each_statement(state):
        reads_jobs = state.is_select and any(d.get("entity") is Job for d in state.statement.column_descriptions)
        if reads_jobs and not changing:  # the settings were read; the officer saves the form now
            changing.append(
                while_planning(state.session, workspace.server.store, lambda: configure(workspace, officer, channel=channel, day=new_day.weekday()))
            )

    with workspace.server.store.write() as session:
        event.listen(session, "do_orm_execute", before_each_statement)
        digest.plan(session, datetime.now(UTC))
    assert changing
    finished(*changing[0])

    plan_all(workspace.server.store, datetime.now(UTC))
    planned = [(job.key, job.due_at) for job in pending_digests(workspace)]
    share(workspace, workspace.member(), role="Something new")
    start = len(fake_slack.calls)
    dispatcher.run_due(old.due_at, team_id=workspace.team_id)
    on_the_old_day = posts_to(fake_slack, channel, since=start)
    assert planned == [(f"digest:{new_day.isoformat()}", at_local(new_day, time(9)))] and on_the_old_day == [], (
        f"digest moved to {new_day:%A} is planned as {planned} and {len(on_the_old_day)} digest(s) went out on {old_day:%A}: "
        "the planner re-planned the cancelled digest from the settings it had read before the change committed"
    )


def test_digest_lists_events_coming_up_this_week(workspace):
    from slackapp.club import service as club_service
    from slackapp.digest import jobs as digest_jobs
    from slackapp.events import service as events_service
    from slackapp.scheduler.models import Job

    now = datetime.now(timezone.utc)
    store = workspace.server.store
    with store.write() as session:
        club_service.configure(session, team_id=workspace.team_id, change=club_service.ConfigChange(timezone="UTC", leads_channel=workspace.channel))
        for title, days in (("Meet the Firm Night <!here>", 3), ("Spring job fair", 20)):
            draft = events_service.EventDraft(title, None, now + timedelta(days=days), now + timedelta(days=days, hours=2), "Room 101", None, None, workspace.channel)
            events_service.create_event(session, team_id=workspace.team_id, user_id="UOFF", is_officer=True, draft=draft)
    job = Job(team_id=workspace.team_id, kind=digest_jobs.KIND, key="digest:x", target=workspace.channel, payload={})
    with store.read() as session:
        outgoing = digest_jobs.render(session, job, now)
    text = all_text(outgoing.blocks)
    assert "Coming up this week" in text and "Meet the Firm Night &lt;!here&gt;" in text
    assert "Spring job fair" not in text
