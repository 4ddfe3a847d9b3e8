"""Alerts end to end: Alert me under a search, `/internships alerts`, leads and projects shared
through the app, and the DMs they owe.

Instant DMs are sent by the app's own clock (every 10 s it matches what became shown), so a test
waits for them. Daily DMs are due at the member's next 09:00, in a zone chosen so that moment is
hours away: the app's own clock never reaches it while a test runs, and an in-process dispatcher
on a moved clock sends it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slackapp.alerts import ids, jobs
from slackapp.alerts.models import Alert, AlertMatch
from slackapp.leads.models import Lead
from slackapp.scheduler import runner
from slackapp.scheduler.models import Job, Member
from tests.conftest import new_id
from tests.helpers import EVIL, LIVE, all_text, buttons, eventually, eventually_got, leads_of, press, share_lead
from tests.micro.test_micro_e2e import posted as posted_project

# The app's clock matches every 10 s and sends at once; a minute is the promise.
INSTANT_WAIT = 60


# ---- acting and reading ------------------------------------------------------------------------


def search(workspace, text: str, *, user: str) -> list:
    reply = workspace.command("/internships", text, user=user)
    assert reply.status == 200
    return reply.json()["blocks"]


def alert_me_button(blocks) -> dict | None:
    return next((b for b in buttons(blocks) if b["action_id"] == ids.CREATE), None)


def alert_me(workspace, text: str, *, user: str) -> dict:
    """Search, then press Alert me under the results; the app's answer."""
    button = alert_me_button(search(workspace, text, user=user))
    assert button is not None
    return press(workspace, ids.CREATE, button["value"], user=user)


def alerts(workspace, user: str) -> list[Alert]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Alert).where(Alert.team_id == workspace.team_id, Alert.user_id == user).order_by(Alert.id)))


def make_instant(workspace, answer: dict, *, user: str) -> dict:
    [switch] = [b for b in buttons(answer["blocks"]) if b["action_id"] == ids.DELIVERY]
    assert switch["value"].endswith(":instant")
    return press(workspace, ids.DELIVERY, switch["value"], user=user, block_id=f"alert_saved_{switch['value'].split(':')[0]}")


def shared(workspace, poster: str, **fields) -> Lead:
    url = f"https://alerts.example/{new_id('j')}"
    reply = share_lead(workspace, poster, url=url, **fields)
    assert reply.status == 200 and reply.body == b"", reply.text
    [lead] = [lead for lead in leads_of(workspace) if lead.url == url]
    return lead


def alert_dms(workspace, user: str) -> list:
    """Alert DMs Slack took for `user` (they carry Pause and Stop)."""
    return [
        call
        for call in workspace.fake.calls_to("chat.postMessage", channel=user)
        if not call.failed and ids.STOP in [b["action_id"] for b in buttons(call.args.get("blocks") or [])]
    ]


def leads_in(dm) -> list[int]:
    """The leads a DM carries, by their Save buttons."""
    import json

    return [json.loads(b["value"])["i"] for b in buttons(dm.args["blocks"]) if b["action_id"] == ids.SAVE]


def carried(dm, action_id: str) -> str:
    """The value of the DM's (first) button `action_id`."""
    return next(b for b in buttons(dm.args["blocks"]) if b["action_id"] == action_id)["value"]


def click(workspace, dm, action_id: str, *, user: str, value: str | None = None) -> dict:
    return press(workspace, action_id, value or carried(dm, action_id), user=user, message=dm.response["message"], channel_id=dm.response["channel"])


def matched(workspace, lead: Lead) -> bool:
    with workspace.server.store.read() as session:
        return session.scalar(select(Lead.alerts_matched_at).where(Lead.id == lead.id)) is not None


def alert_jobs(workspace, user: str) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(
            session.scalars(
                select(Job).where(Job.team_id == workspace.team_id, Job.target == user, Job.kind.in_((jobs.INSTANT, jobs.DAILY, jobs.IDLE))).order_by(Job.id)
            )
        )


def zones_far_from_nine(count: int) -> list[str]:
    """Zones where it is now between 11:00 and 21:00, so their next 09:00 is at least 12 hours away."""
    now = datetime.now(UTC)
    found = []
    for offset in range(-12, 15):
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
        if 11 <= now.astimezone(ZoneInfo(name)).hour < 21:
            found.append(name)
    # Zones a whole day apart (GMT-10 and GMT+14) share their 09:00, so two zones are taken whose
    # clocks differ by less than a day.
    found = [name for name in found if abs(now.astimezone(ZoneInfo(name)).utcoffset() - now.astimezone(ZoneInfo(found[0])).utcoffset()) < timedelta(hours=24)]
    assert len(found) >= count
    return [found[0], found[-1]][:count] if count == 2 else found[:count]


def next_nine(tz: str, after: datetime) -> datetime:
    """Computed here, apart from the app: the first 09:00 of `tz` after `after`."""
    zone = ZoneInfo(tz)
    day = after.astimezone(zone).date()
    for offset in range(3):
        moment = datetime.combine(day + timedelta(days=offset), time(9), tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("no 09:00 within three days")


def daily_job(workspace, user: str) -> Job:
    [job] = eventually_got(lambda: [job for job in alert_jobs(workspace, user) if job.kind == jobs.DAILY], count=1, timeout=INSTANT_WAIT)
    return job


# ---- making alerts -----------------------------------------------------------------------------


def test_alert_me_saves_the_search_daily_once_and_alerts_lists_it(workspace):
    tz = "Asia/Tokyo"
    member = workspace.member(tz=tz)
    # Only a search has Alert me, and only on its first page.
    assert alert_me_button(search(workspace, "", user=member)) is None
    assert alert_me_button(search(workspace, "  Marketing  remote ", user=member))["value"] == "Marketing remote"

    answer = alert_me(workspace, "Marketing remote", user=member)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "Alert saved" in answer["text"] and "marketing remote" in answer["text"] and f"daily at 09:00 your time ({tz})" in answer["text"]
    again = alert_me(workspace, "marketing   remote", user=member)
    assert "already have an alert" in again["text"]
    [alert] = alerts(workspace, member)
    assert (alert.query, alert.delivery, alert.state) == ("marketing remote", "daily", "active")
    with workspace.server.store.read() as session:
        assert session.scalar(select(Member.tz).where(Member.team_id == workspace.team_id, Member.user_id == member)) == tz

    switched = make_instant(workspace, answer, user=member)
    assert "right away" in switched["text"]
    assert alerts(workspace, member)[0].delivery == "instant"

    listed = workspace.command("/internships", "alerts", user=member).json()
    text = all_text(listed["blocks"])
    assert listed["response_type"] == "ephemeral"
    assert "marketing remote" in text and "Instant" in text and "Active" in text
    assert {b["action_id"] for b in buttons(listed["blocks"])} == {ids.LIST_PAUSE, ids.DELIVERY, ids.LIST_DELETE}

    for words in ("alerts help",):
        assert "Alert me" in workspace.command("/internships", words, user=member).json()["text"]
    nobody = workspace.member()
    assert "Alert me" in all_text(workspace.command("/internships", "alerts", user=nobody).json()["blocks"])
    assert "/internships alerts" in all_text(workspace.command("/internships", "help", user=nobody).json()["blocks"])


def test_a_search_echoed_in_alerts_is_inert(workspace):
    member = workspace.member()
    answer = alert_me(workspace, EVIL, user=member)
    listed = workspace.command("/internships", "alerts", user=member).json()
    for shown in (answer["text"], all_text(answer["blocks"]), all_text(listed["blocks"])):
        assert not any(live in shown for live in LIVE)
        assert "&lt;!channel&gt;" in shown


# ---- delivery ------------------------------------------------------------------------------------


def test_instant_alerts_arrive_within_a_minute_each_lead_once(workspace):
    poster, member = workspace.member(), workspace.member()
    make_instant(workspace, alert_me(workspace, "analyst", user=member), user=member)

    first = shared(workspace, poster, company="Acme", role="Analyst intern")
    second = shared(workspace, poster, company="Globex", role="Data analyst")
    other = shared(workspace, poster, company="Initech", role="Marketing intern")
    own = shared(workspace, member, company="Hooli", role="Analyst of my own")

    def delivered():
        found = [lead_id for dm in alert_dms(workspace, member) for lead_id in leads_in(dm)]
        assert sorted(found) == sorted([first.id, second.id])
        return True

    eventually(delivered, timeout=INSTANT_WAIT)
    eventually(lambda: matched(workspace, other) and matched(workspace, own), timeout=INSTANT_WAIT)
    dm = alert_dms(workspace, member)[0]
    assert "Acme" in all_text(dm.args["blocks"]) or "Globex" in all_text(dm.args["blocks"])
    assert {b["action_id"] for b in buttons(dm.args["blocks"])} >= {ids.OPEN, ids.SAVE, ids.PAUSE, ids.STOP}
    [open_button] = [b for b in buttons(dm.args["blocks"]) if b["action_id"] == ids.OPEN][:1]
    assert open_button["url"] in (first.url, second.url)
    [stop] = [b for b in buttons(dm.args["blocks"]) if b["action_id"] == ids.STOP]
    assert stop["confirm"]["confirm"]["text"] == "Delete"
    # Recorded sent once Slack's answer is in (a moment after the fake saw the DM).
    eventually(lambda: all(job.status == "sent" for job in alert_jobs(workspace, member)))
    # Saved from the DM as leads' own Save does.
    answer = click(workspace, dm, ids.SAVE, user=member)
    assert answer["text"].startswith("Saved")


def test_daily_alerts_come_at_nine_in_each_members_own_zone(workspace, dispatcher):
    east, west = zones_far_from_nine(2)
    poster = workspace.member()
    members = {workspace.member(tz=east): east, workspace.member(tz=west): west}
    for member in members:
        alert_me(workspace, "marketing", user=member)
    lead = shared(workspace, poster, company="Umbrella", role="Marketing intern")

    due = {}
    for member, tz in members.items():
        job = daily_job(workspace, member)
        due[member] = job.due_at
        assert job.due_at == next_nine(tz, lead.created_at)
        assert job.due_at.astimezone(ZoneInfo(tz)).time() == time(9)
    assert len(set(due.values())) == 2

    for member in sorted(due, key=due.get):
        dispatcher.run_due(due[member] - timedelta(minutes=1), team_id=workspace.team_id)
        assert alert_dms(workspace, member) == []
        dispatcher.run_due(due[member], team_id=workspace.team_id)
        [dm] = alert_dms(workspace, member)
        assert leads_in(dm) == [lead.id]
        for later in (other for other in due if due[other] > due[member]):
            assert alert_dms(workspace, later) == [], "a later zone got its DM early"
        dispatcher.run_due(due[member] + timedelta(minutes=1), team_id=workspace.team_id)
        assert len(alert_dms(workspace, member)) == 1


def test_a_dm_carries_ten_at_most_two_from_a_company_and_says_how_many_more(workspace, dispatcher):
    [tz] = zones_far_from_nine(1)
    poster, member = workspace.member(), workspace.member(tz=tz)
    alert_me(workspace, "intern", user=member)
    companies = ["Acme", "ACME", "acme", "Acme ", "Globex", "Globex", "Globex"] + [f"Solo {n}" for n in range(7)]
    made = [shared(workspace, poster, company=company, role=f"Intern {number}") for number, company in enumerate(companies)]
    eventually(lambda: all(matched(workspace, lead) for lead in made), timeout=INSTANT_WAIT)
    job = daily_job(workspace, member)

    dispatcher.run_due(job.due_at, team_id=workspace.team_id)

    [dm] = alert_dms(workspace, member)
    shown = leads_in(dm)
    assert len(shown) == 10
    by_id = {lead.id: lead.company.strip().lower() for lead in made}
    assert [by_id[lead_id] for lead_id in shown].count("acme") == 2 and [by_id[lead_id] for lead_id in shown].count("globex") == 2
    text = all_text(dm.args["blocks"])
    assert "4 more matches" in text and "/internships intern" in text
    assert len(dm.args["blocks"]) <= 50


def test_overlapping_alerts_never_bring_the_same_lead_twice(workspace, dispatcher):
    [tz] = zones_far_from_nine(1)
    poster, member = workspace.member(), workspace.member(tz=tz)
    alert_me(workspace, "analyst", user=member)
    alert_me(workspace, "intern", user=member)
    make_instant(workspace, alert_me(workspace, "acme", user=member), user=member)

    both = shared(workspace, poster, company="Acme", role="Analyst intern")
    eventually_got(lambda: alert_dms(workspace, member), count=1, timeout=INSTANT_WAIT)
    daily_only = shared(workspace, poster, company="Globex", role="Analyst intern")
    job = daily_job(workspace, member)
    dispatcher.run_due(job.due_at, team_id=workspace.team_id)

    instant, daily = eventually_got(lambda: alert_dms(workspace, member), count=2)
    assert (leads_in(instant), leads_in(daily)) == ([both.id], [daily_only.id])
    with workspace.server.store.read() as session:
        rows = session.scalars(select(AlertMatch).where(AlertMatch.team_id == workspace.team_id, AlertMatch.user_id == member)).all()
    assert sorted(row.item_id for row in rows) == sorted([both.id, daily_only.id])


def test_projects_match_as_type_micro(workspace):
    poster, member, picky = workspace.member(), workspace.member(), workspace.member()
    make_instant(workspace, alert_me(workspace, "market type:micro paid", user=member), user=member)
    make_instant(workspace, alert_me(workspace, "market type:internship", user=picky), user=picky)

    project = posted_project(workspace, poster, title=f"Market research {new_id('P')}")

    [dm] = eventually_got(lambda: alert_dms(workspace, member), count=1, timeout=INSTANT_WAIT)
    assert project.title in all_text(dm.args["blocks"])
    [bid] = [b for b in buttons(dm.args["blocks"]) if b["action_id"] == ids.BID]
    eventually(lambda: _project_matched(workspace, project.id), timeout=INSTANT_WAIT)
    assert alert_dms(workspace, picky) == []
    # Bid opens the bid form, as the project's own Bid does.
    trigger = new_id("trig")
    reply = workspace.click(ids.BID, bid["value"], user=member, trigger_id=trigger, message=dm.response["message"], channel_id=dm.response["channel"])
    assert reply.status == 200
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    assert opened.args["view"]["callback_id"] == "micro_bid_form"


def _project_matched(workspace, project_id: int) -> bool:
    from slackapp.micro.models import Project

    with workspace.server.store.read() as session:
        return session.scalar(select(Project.alerts_matched_at).where(Project.id == project_id)) is not None


# ---- Pause, Stop, Resume -------------------------------------------------------------------------


def test_pause_and_stop_from_the_dm_and_resume_from_the_list(workspace):
    poster, member = workspace.member(), workspace.member()
    make_instant(workspace, alert_me(workspace, "finance", user=member), user=member)
    shared(workspace, poster, company="Bank", role="Finance intern")
    [dm] = eventually_got(lambda: alert_dms(workspace, member), count=1, timeout=INSTANT_WAIT)

    answer = click(workspace, dm, ids.PAUSE, user=member)
    assert answer["text"].startswith("Paused") and "finance" in answer["text"]
    assert alerts(workspace, member)[0].state == "paused"
    quiet = shared(workspace, poster, company="Bank", role="Finance analyst")
    eventually(lambda: matched(workspace, quiet), timeout=INSTANT_WAIT)
    listed = workspace.command("/internships", "alerts", user=member).json()
    assert "Paused" in all_text(listed["blocks"])
    [resume] = [b for b in buttons(listed["blocks"]) if b["action_id"] == ids.LIST_RESUME]

    answer = press(workspace, ids.LIST_RESUME, resume["value"], user=member)
    assert answer["replace_original"] is True and "Active" in all_text(answer["blocks"])
    assert alerts(workspace, member)[0].state == "active"
    again = shared(workspace, poster, company="Bank", role="Finance associate")
    second = eventually_got(lambda: alert_dms(workspace, member), count=2, timeout=INSTANT_WAIT)[1]
    assert leads_in(second) == [again.id]  # the lead that came while paused never comes

    answer = click(workspace, second, ids.STOP, user=member)
    assert answer["text"].startswith("Deleted") and "finance" in answer["text"]
    assert alerts(workspace, member) == []
    gone = shared(workspace, poster, company="Bank", role="Finance manager")
    eventually(lambda: matched(workspace, gone), timeout=INSTANT_WAIT)
    assert len(alert_dms(workspace, member)) == 2


def test_an_alert_unclicked_for_eight_weeks_pauses_itself_once(workspace, dispatcher):
    poster, quiet, busy = workspace.member(), workspace.member(), workspace.member()
    for member in (quiet, busy):
        make_instant(workspace, alert_me(workspace, "consulting", user=member), user=member)
    shared(workspace, poster, company="Bain", role="Consulting intern")
    eventually_got(lambda: alert_dms(workspace, quiet), count=1, timeout=INSTANT_WAIT)
    [busy_dm] = eventually_got(lambda: alert_dms(workspace, busy), count=1, timeout=INSTANT_WAIT)
    # The DM's job is recorded sent, and the alert counts quiet weeks from then, in one transaction.
    eventually(lambda: alerts(workspace, quiet)[0].unclicked_since is not None and alerts(workspace, busy)[0].unclicked_since is not None)
    since = alerts(workspace, quiet)[0].unclicked_since
    # Any click counts, even Open (a link: Slack still reports it).
    answer_url = workspace.response_url()
    reply = workspace.click(ids.OPEN, carried(busy_dm, ids.OPEN), user=busy, response_url=answer_url, message=busy_dm.response["message"])
    assert reply.status == 200
    eventually(lambda: alerts(workspace, busy)[0].unclicked_since is None)

    def pause_quiet(at: datetime):
        runner.plan_all(workspace.server.store, [jobs.pause_quiet], at)
        dispatcher.run_due(at, team_id=workspace.team_id)

    pause_quiet(since + timedelta(weeks=8) - timedelta(minutes=1))
    assert alerts(workspace, quiet)[0].state == "active"
    pause_quiet(since + timedelta(weeks=8))
    assert alerts(workspace, quiet)[0].state == "idle" and alerts(workspace, busy)[0].state == "active"
    [note] = [c for c in workspace.fake.calls_to("chat.postMessage", channel=quiet) if not c.failed and "paused itself" in c.args["text"]]
    assert "consulting" in note.args["text"] and "8 weeks" in note.args["text"]
    pause_quiet(since + timedelta(weeks=9))
    assert len([c for c in workspace.fake.calls_to("chat.postMessage", channel=quiet) if "paused itself" in (c.args.get("text") or "")]) == 1
    listed = all_text(workspace.command("/internships", "alerts", user=quiet).json()["blocks"])
    assert "Paused by itself after 8 quiet weeks" in listed

    [resume] = [b for b in buttons(note.args["blocks"]) if b["action_id"] == ids.RESUME]
    answer = press(workspace, ids.RESUME, resume["value"], user=quiet, message=note.response["message"], channel_id=note.response["channel"])
    assert answer["text"].startswith("Resumed")
    [alert] = alerts(workspace, quiet)
    assert (alert.state, alert.unclicked_since) == ("active", None)


# ---- crafted clicks, and forgetting --------------------------------------------------------------


def test_a_forged_click_on_someone_elses_alert_changes_nothing(workspace):
    owner, stranger = workspace.member(), workspace.member()
    alert_me(workspace, "audit", user=owner)
    [alert] = alerts(workspace, owner)
    with workspace.server.store.write() as session:
        session.get(Alert, alert.id).unclicked_since = datetime.now(UTC) - timedelta(days=1)
    before = alerts(workspace, owner)[0]
    forged = f'{{"a":[{alert.id}],"i":1}}'

    for action_id, value in (
        (ids.PAUSE, forged), (ids.STOP, forged), (ids.RESUME, forged),
        (ids.LIST_PAUSE, str(alert.id)), (ids.LIST_RESUME, str(alert.id)), (ids.LIST_DELETE, str(alert.id)),
        (ids.DELIVERY, f"{alert.id}:instant"), (ids.PAUSE, "not json"), (ids.STOP, '{"a":["1 or 1=1"]}'),
    ):
        answer = press(workspace, action_id, value, user=stranger)
        assert "isn't one of yours" in answer["text"] or "broken" in answer["text"], (action_id, answer)
    # Open answers nothing (a link); it has changed what it changes once Slack has its 200.
    assert workspace.click(ids.OPEN, forged, user=stranger).status == 200
    assert "lead" in press(workspace, ids.SAVE, forged, user=stranger)["text"]
    [after] = alerts(workspace, owner)
    assert (after.state, after.delivery, after.unclicked_since) == (before.state, before.delivery, before.unclicked_since)
    assert alerts(workspace, stranger) == []


def test_forget_me_removes_alerts_and_what_they_matched(workspace):
    from slackapp.sandbox import payloads

    poster, member = workspace.member(), workspace.member()
    make_instant(workspace, alert_me(workspace, "ledger", user=member), user=member)
    shared(workspace, poster, company="Ledger Co", role="Ledger intern")
    eventually_got(lambda: alert_dms(workspace, member), count=1, timeout=INSTANT_WAIT)

    trigger = payloads.new_trigger_id()
    workspace.server.slack.command("/club", "forget-me", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel,
                                   response_url=workspace.response_url(), trigger_id=trigger)
    eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    done = workspace.submit("privacy_forget", {"confirm": {"value": {"type": "plain_text_input", "value": "FORGET"}}}, user=member)
    assert done.json()["response_action"] == "update"

    with workspace.server.store.read() as session:
        assert session.scalars(select(Alert).where(Alert.team_id == workspace.team_id)).all() == []
        assert session.scalars(select(AlertMatch).where(AlertMatch.team_id == workspace.team_id)).all() == []
