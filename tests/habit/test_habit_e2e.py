"""The weekly job-search habit end to end: `/internships habit …` through the running app, the
weekly checklist DM sent by an in-process dispatcher on a moved clock, and ticks back through the app.

The app servers run their own scheduler on the real clock; every moment these tests deliver at lies
days (or years) ahead of real time, so the servers never race them. Their own plan for the real
next check-in is dropped as stale when our dispatcher reaches past it, and is never counted: DMs are
matched by the week in their block id."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.scheduler.models import Job, Member
from tests.helpers import all_text, answer_to, finished, plan_all, tick, walk, while_planning

TICK = "habit_tick"
ITEMS = ("resume", "job_board", "email", "network", "prepare")
UTC = timezone.utc


# ---- helpers ------------------------------------------------------------------------------


def habit(workspace, text: str, *, user: str) -> dict:
    """`/internships habit <text>` as `user`; the one answer the app gives."""
    response_url = workspace.response_url()
    reply = workspace.command("/internships", f"habit {text}".strip(), user=user, response_url=response_url)
    return answer_to(workspace, reply, response_url)


def habit_jobs(workspace, user: str) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(
            session.scalars(
                select(Job).where(Job.team_id == workspace.team_id, Job.kind == "habit", Job.target == user).order_by(Job.due_at, Job.id)
            )
        )


def pending_after(workspace, user: str, moment: datetime) -> list[Job]:
    return [job for job in habit_jobs(workspace, user) if job.status == "pending" and job.due_at > moment]


def block_id_of(blocks) -> str | None:
    return next((node["block_id"] for node in walk(blocks) if str(node.get("block_id", "")).startswith("habit_week_")), None)


def checklists_to(fake_slack, user: str, week: date | None = None) -> list:
    """Check-in DMs the app sent to `user` (for `week`, when given)."""
    found = []
    for call in fake_slack.calls_to("chat.postMessage", channel=user):
        if call.failed:
            continue
        block_id = block_id_of(call.args.get("blocks") or [])
        if block_id is None:
            continue
        if week is None or block_id == f"habit_week_{week.isoformat()}":
            found.append(call)
    return found


def checkboxes(blocks) -> dict:
    [element] = [node for node in walk(blocks) if node.get("type") == "checkboxes"]
    return element


def ticks(workspace, user: str, week: date) -> set[str]:
    with workspace.server.store.read() as session:
        return set(
            session.scalars(
                select(HabitCheck.item).where(HabitCheck.team_id == workspace.team_id, HabitCheck.user_id == user, HabitCheck.week_start == week)
            )
        )


def add_ticks(workspace, user: str, weeks: list[date], items=("resume",)) -> None:
    with workspace.server.store.write() as session:
        for week in weeks:
            for item in items:
                session.add(HabitCheck(team_id=workspace.team_id, user_id=user, week_start=week, item=item, checked_at=datetime.now(UTC)))


def next_local(after: datetime, *, weekday: int, at: time, tz: str) -> datetime:
    """Computed here independently of the app: the first `weekday` `at` (wall clock of `tz`) after `after`."""
    zone = ZoneInfo(tz)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 15):
        day = local_day + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("no such moment within two weeks")


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def click_tick(workspace, user: str, dm, selected: list[dict]) -> dict:
    """Tick `selected` (option dicts as the DM carries them) in the DM `dm`; the app's answer."""
    response_url = workspace.response_url()
    blocks = dm.args["blocks"]
    reply = workspace.click(
        TICK,
        None,
        user=user,
        response_url=response_url,
        action_type="checkboxes",
        block_id=block_id_of(blocks),
        action={"selected_options": selected},
        message=dm.response["message"],
        channel_id=dm.response["channel"],
    )
    assert reply.status == 200
    [call] = workspace.responses(response_url)
    return call.args


def opt_in(workspace, user: str) -> dict:
    return habit(workspace, "on", user=user)


def future_base() -> datetime:
    # Past the servers' own plan for the real next check-in (due within 7 days, useful for 1 more).
    return datetime.now(UTC) + timedelta(days=9)


# ---- opting in ---------------------------------------------------------------------------


def test_habit_on_opts_in_and_remembers_the_members_zone(workspace):
    user = workspace.member(tz="Asia/Tokyo")

    answer = opt_in(workspace, user)

    assert answer["response_type"] == "ephemeral"
    assert "Mon at 09:00" in answer["text"] and "Asia/Tokyo" in answer["text"]
    with workspace.server.store.read() as session:
        [row] = session.scalars(select(HabitMember).where(HabitMember.team_id == workspace.team_id, HabitMember.user_id == user)).all()
        assert (row.enabled, row.weekday, row.at_time) == (True, 0, "09:00")
        tz = session.scalar(select(Member.tz).where(Member.team_id == workspace.team_id, Member.user_id == user))
    assert tz == "Asia/Tokyo"


def test_an_unknown_habit_word_gets_the_usage(workspace):
    user = workspace.member()

    reply = workspace.command("/internships", "habit sometimes", user=user)

    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "/internships habit on" in body["text"] and "day tue 18:00" in body["text"]
    with workspace.server.store.read() as session:
        assert session.scalar(select(HabitMember).where(HabitMember.team_id == workspace.team_id)) is None


# ---- the weekly DM, in each member's own zone ----------------------------------------------


def test_checklist_arrives_monday_nine_in_each_members_own_zone(workspace, dispatcher, fake_slack):
    zones = {workspace.member(tz="Asia/Tokyo"): "Asia/Tokyo", workspace.member(tz="America/Los_Angeles"): "America/Los_Angeles"}
    for user in zones:
        opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)

    due = {}
    for user, tz in zones.items():
        [job] = pending_after(workspace, user, base)
        assert job.due_at == next_local(base, weekday=0, at=time(9), tz=tz)
        local = job.due_at.astimezone(ZoneInfo(tz))
        assert (local.weekday(), local.time()) == (0, time(9))
        due[user] = job.due_at
    assert len(set(due.values())) == 2  # the same local 9:00 is two different moments

    for user in sorted(due, key=due.get):
        tz = zones[user]
        week = due[user].astimezone(ZoneInfo(tz)).date()
        assert week.weekday() == 0
        tick(workspace, dispatcher, due[user] - timedelta(hours=1))
        assert checklists_to(fake_slack, user, week) == [], f"sent an hour early to the member in {tz}"
        tick(workspace, dispatcher, due[user])
        [dm] = checklists_to(fake_slack, user, week)
        others = [other for other in zones if other != user and due[other] > due[user]]
        for other in others:
            assert checklists_to(fake_slack, other) == [], "a later zone got its checklist early"

        blocks = dm.args["blocks"]
        assert block_id_of(blocks) == f"habit_week_{week.isoformat()}"
        element = checkboxes(blocks)
        assert element["action_id"] == TICK
        assert [option["value"] for option in element["options"]] == list(ITEMS)
        labels = " | ".join(option["text"]["text"].lower() for option in element["options"])
        for words in ("resume", "school job board", "email", "network", "job fair"):
            assert words in labels
        assert "meeting" in labels
        # Sent once, even when the clock keeps turning.
        tick(workspace, dispatcher, due[user] + timedelta(minutes=1))
        assert len(checklists_to(fake_slack, user, week)) == 1

    for user in zones:
        [sent] = [job for job in habit_jobs(workspace, user) if job.due_at == due[user]]
        assert sent.status == "sent" and sent.result_ts


# ---- ticking -------------------------------------------------------------------------------


def test_ticking_and_unticking_boxes_records_the_week_and_updates_the_message(workspace, dispatcher, fake_slack):
    user = workspace.member(tz="Europe/Berlin")
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [job] = pending_after(workspace, user, base)
    tick(workspace, dispatcher, job.due_at)
    week = job.due_at.astimezone(ZoneInfo("Europe/Berlin")).date()
    [dm] = checklists_to(fake_slack, user, week)
    options = {option["value"]: option for option in checkboxes(dm.args["blocks"])["options"]}

    answer = click_tick(workspace, user, dm, [options["resume"], options["network"]])
    assert ticks(workspace, user, week) == {"resume", "network"}
    assert answer["replace_original"] is True
    assert "1 week in a row" in all_text(answer["blocks"])
    assert "2 of 5 this week" in all_text(answer["blocks"])
    assert block_id_of(answer["blocks"]) == f"habit_week_{week.isoformat()}"
    assert {option["value"] for option in checkboxes(answer["blocks"]).get("initial_options", [])} == {"resume", "network"}

    answer = click_tick(workspace, user, dm, [options["resume"], options["email"]])
    assert ticks(workspace, user, week) == {"resume", "email"}
    assert "1 week in a row" in all_text(answer["blocks"])

    answer = click_tick(workspace, user, dm, [])
    assert ticks(workspace, user, week) == set()
    assert answer["replace_original"] is True
    assert "in a row" not in all_text(answer["blocks"])
    assert "initial_options" not in checkboxes(answer["blocks"])


def test_an_unknown_item_or_a_forged_week_records_nothing(workspace, dispatcher, fake_slack):
    user = workspace.member()
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [job] = pending_after(workspace, user, base)
    tick(workspace, dispatcher, job.due_at)
    [dm] = checklists_to(fake_slack, user)
    week = job.due_at.astimezone(ZoneInfo("America/New_York")).date()

    bogus = {"text": {"type": "plain_text", "text": "Hacked"}, "value": "hacked"}
    answer = click_tick(workspace, user, dm, [bogus])
    assert answer.get("replace_original") is False
    assert ticks(workspace, user, week) == set()

    forged = dict(dm.response["message"])
    response_url = workspace.response_url()
    workspace.click(
        TICK, None, user=user, response_url=response_url, action_type="checkboxes",
        block_id=f"habit_week_{(week + timedelta(days=2)).isoformat()}",  # a Wednesday: no week starts there
        action={"selected_options": [checkboxes(dm.args["blocks"])["options"][0]]}, message=forged,
    )
    [call] = workspace.responses(response_url)
    assert call.args.get("replace_original") is False
    with workspace.server.store.read() as session:
        assert session.scalars(select(HabitCheck).where(HabitCheck.team_id == workspace.team_id)).all() == []


# ---- streaks -------------------------------------------------------------------------------


def test_three_weeks_in_a_row_in_the_habit_view(workspace):
    user = workspace.member(tz="America/Chicago")
    opt_in(workspace, user)
    this_week = monday_of(datetime.now(ZoneInfo("America/Chicago")).date())
    add_ticks(workspace, user, [this_week - timedelta(weeks=2), this_week - timedelta(weeks=1), this_week], items=("resume", "email"))

    assert "3 weeks in a row" in all_text(habit(workspace, "", user=user)["blocks"])


def test_three_weeks_in_a_row_in_the_dm_then_a_fourth_tick(workspace, dispatcher, fake_slack):
    user = workspace.member(tz="America/Chicago")
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [job] = pending_after(workspace, user, base)
    week = job.due_at.astimezone(ZoneInfo("America/Chicago")).date()
    add_ticks(workspace, user, [week - timedelta(weeks=3), week - timedelta(weeks=2), week - timedelta(weeks=1)])

    tick(workspace, dispatcher, job.due_at)
    [dm] = checklists_to(fake_slack, user, week)
    assert "3 weeks in a row" in all_text(dm.args["blocks"])

    options = checkboxes(dm.args["blocks"])["options"]
    answer = click_tick(workspace, user, dm, [options[0]])
    assert "4 weeks in a row" in all_text(answer["blocks"])


def test_a_gap_breaks_the_streak(workspace):
    user = workspace.member(tz="America/Chicago")
    opt_in(workspace, user)
    this_week = monday_of(datetime.now(ZoneInfo("America/Chicago")).date())
    add_ticks(workspace, user, [this_week - timedelta(weeks=4), this_week - timedelta(weeks=3), this_week - timedelta(weeks=1), this_week])

    assert "2 weeks in a row" in all_text(habit(workspace, "", user=user)["blocks"])


# ---- moving and stopping the check-in ------------------------------------------------------


def test_day_moves_the_check_in_to_the_new_local_time(workspace, dispatcher, fake_slack):
    tz = "America/Los_Angeles"
    user = workspace.member(tz=tz)
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [monday] = pending_after(workspace, user, base)

    answer = habit(workspace, "day tue 18:00", user=user)
    assert answer["response_type"] == "ephemeral"
    assert "Tue at 18:00" in answer["text"] and tz in answer["text"]
    with workspace.server.store.read() as session:
        row = session.scalar(select(HabitMember).where(HabitMember.team_id == workspace.team_id, HabitMember.user_id == user))
        assert (row.enabled, row.weekday, row.at_time) == (True, 1, "18:00")
    [old] = [job for job in habit_jobs(workspace, user) if job.id == monday.id]
    assert old.status == "cancelled" and old.reason

    plan_all(workspace.server.store, base)
    [tuesday] = pending_after(workspace, user, base)
    assert tuesday.due_at == next_local(base, weekday=1, at=time(18), tz=tz)
    local = tuesday.due_at.astimezone(ZoneInfo(tz))
    assert (local.weekday(), local.time()) == (1, time(18))

    tick(workspace, dispatcher, tuesday.due_at - timedelta(hours=1))
    assert checklists_to(fake_slack, user) == []  # nothing early (nor at the old Monday 9:00, when that came first)
    tick(workspace, dispatcher, tuesday.due_at)
    [dm] = checklists_to(fake_slack, user)
    assert block_id_of(dm.args["blocks"]) == f"habit_week_{monday_of(local.date()).isoformat()}"
    tick(workspace, dispatcher, max(monday.due_at, tuesday.due_at) + timedelta(minutes=1))
    assert len(checklists_to(fake_slack, user)) == 1


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("day someday 18:00", "someday"),
        ("day tue 25:00", "25:00"),
        ("day tue", "/internships habit day tue 18:00"),
    ],
)
def test_a_bad_day_or_time_is_explained_and_changes_nothing(workspace, text, complaint):
    user = workspace.member()
    opt_in(workspace, user)

    answer = habit(workspace, text, user=user)

    assert answer["response_type"] == "ephemeral"
    assert complaint in answer["text"]
    assert "You're in" not in answer["text"]
    with workspace.server.store.read() as session:
        row = session.scalar(select(HabitMember).where(HabitMember.team_id == workspace.team_id, HabitMember.user_id == user))
        assert (row.enabled, row.weekday, row.at_time) == (True, 0, "09:00")


def test_off_stops_the_check_in(workspace, dispatcher, fake_slack):
    user = workspace.member()
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [job] = pending_after(workspace, user, base)

    answer = habit(workspace, "off", user=user)
    assert "off" in answer["text"].lower() and answer["response_type"] == "ephemeral"

    tick(workspace, dispatcher, job.due_at)
    tick(workspace, dispatcher, job.due_at + timedelta(days=7))
    assert checklists_to(fake_slack, user) == []
    [after] = [row for row in habit_jobs(workspace, user) if row.id == job.id]
    assert after.status in ("cancelled", "skipped") and after.reason
    assert pending_after(workspace, user, job.due_at + timedelta(days=7)) == []

    # On again: the next Monday is planned again.
    opt_in(workspace, user)
    plan_all(workspace.server.store, base)
    [again] = pending_after(workspace, user, base)
    assert again.due_at == job.due_at


# ---- the 8-week view -----------------------------------------------------------------------


def test_habit_view_shows_my_last_eight_weeks(workspace):
    tz = "America/New_York"
    user = workspace.member(tz=tz)
    opt_in(workspace, user)
    this_week = monday_of(datetime.now(ZoneInfo(tz)).date())
    add_ticks(workspace, user, [this_week], items=("resume", "email", "network"))
    add_ticks(workspace, user, [this_week - timedelta(weeks=7)], items=("resume",))
    add_ticks(workspace, user, [this_week - timedelta(weeks=8)], items=ITEMS)  # nine weeks ago: out of view

    view = habit(workspace, "", user=user)

    assert view["response_type"] == "ephemeral"
    lines = [line for line in all_text(view["blocks"]).splitlines() if line.startswith("`")]
    assert len(lines) == 8
    assert lines[-1].startswith(f"`{this_week:%b %d}`") and lines[-1].endswith("3/5")
    assert lines[0].startswith(f"`{this_week - timedelta(weeks=7):%b %d}`") and lines[0].endswith("1/5")
    assert all(line.endswith("0/5") for line in lines[1:-1])
    assert "The club" not in all_text(view["blocks"])
    assert "Mon at 09:00" in all_text(view["blocks"])


def test_officer_sees_club_counts_but_never_who(workspace):
    tz = "America/New_York"
    keen, lapsed, viewer = workspace.member(tz=tz), workspace.member(tz=tz), workspace.member(tz=tz)
    officer = workspace.officer()
    for user in (keen, lapsed, viewer):
        opt_in(workspace, user)
    this_week = monday_of(datetime.now(ZoneInfo(tz)).date())
    add_ticks(workspace, keen, [this_week, this_week - timedelta(weeks=1)], items=("resume", "email"))
    add_ticks(workspace, lapsed, [this_week - timedelta(weeks=1)])
    add_ticks(workspace, viewer, [this_week])

    view = habit(workspace, "", user=officer)
    text = all_text(view["blocks"])
    assert "3 members taking part" in text
    assert f"`{this_week:%b %d}`  2 of 3 kept the habit" in text
    assert f"`{this_week - timedelta(weeks=1):%b %d}`  2 of 3 kept the habit" in text
    assert f"`{this_week - timedelta(weeks=2):%b %d}`  0 of 3 kept the habit" in text
    rendered = json.dumps(view)
    for member in (keen, lapsed, viewer):
        assert member not in rendered and member.lower() not in rendered

    plain = all_text(habit(workspace, "", user=viewer)["blocks"])
    assert "The club" not in plain and "kept the habit" not in plain


# ---- daylight-saving changes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "start, before, after",
    [
        # First Sunday of November 2031 (Nov 2): EDT (UTC-4) -> EST (UTC-5).
        (datetime(2031, 10, 26, 12, 0, tzinfo=UTC), datetime(2031, 10, 27, 13, 0, tzinfo=UTC), datetime(2031, 11, 3, 14, 0, tzinfo=UTC)),
        # Second Sunday of March 2032 (Mar 14): EST (UTC-5) -> EDT (UTC-4).
        (datetime(2032, 3, 7, 12, 0, tzinfo=UTC), datetime(2032, 3, 8, 14, 0, tzinfo=UTC), datetime(2032, 3, 15, 13, 0, tzinfo=UTC)),
    ],
    ids=["november", "march"],
)
def test_monday_nine_stays_nine_across_a_daylight_saving_change(workspace, dispatcher, fake_slack, start, before, after):
    tz = "America/New_York"
    user = workspace.member(tz=tz)
    opt_in(workspace, user)

    tick(workspace, dispatcher, start)
    [first] = pending_after(workspace, user, start)
    assert first.due_at == before
    tick(workspace, dispatcher, before)
    assert len(checklists_to(fake_slack, user, before.date())) == 1

    [second] = pending_after(workspace, user, before)
    assert second.due_at == after
    assert after - before == timedelta(days=7, hours=1 if after.hour > before.hour else -1)
    for due in (first.due_at, second.due_at):
        local = due.astimezone(ZoneInfo(tz))
        assert (local.weekday(), local.time()) == (0, time(9))

    # An hour before the new moment (for November, the old UTC hour) is 8:00 on the wall clock.
    tick(workspace, dispatcher, after - timedelta(hours=1))
    assert checklists_to(fake_slack, user, after.date()) == []
    tick(workspace, dispatcher, after)
    assert len(checklists_to(fake_slack, user, after.date())) == 1


# ---- a move that lands while the planner is running ----------------------------------------


def test_a_check_in_moved_while_the_planner_runs_does_not_arrive_at_the_old_time(workspace, dispatcher, fake_slack, monkeypatch):
    """The planner reads who is opted in (and when), then which check-ins are already planned, in
    separate statements. A `day` command that commits between the two (PostgreSQL, READ COMMITTED)
    cancels the old check-in; the planner then plans it again from the schedule it read before.

    On SQLite every write transaction holds the database's write lock from its first statement, so
    the command cannot commit in between: the interleaving cannot happen there."""
    if workspace.server.store.dialect == "sqlite":
        pytest.skip("SQLite serialises write transactions; the command cannot commit while the planner runs")
    from slackapp.habit import jobs as habit_jobs
    from slackapp.habit import service as habit_service

    tz = "America/Los_Angeles"
    user = workspace.member(tz=tz)
    opt_in(workspace, user)
    base = future_base()
    plan_all(workspace.server.store, base)
    [monday] = pending_after(workspace, user, base)

    read_members = habit_service.enabled_members
    moving = []

    def members_then_the_member_moves_the_check_in(session):
        found = read_members(session)
        if not moving:  # the command arrives just after the planner read the schedule
            moving.append(while_planning(session, workspace.server.store, lambda: habit(workspace, "day tue 18:00", user=user)))
        return found

    monkeypatch.setattr(habit_service, "enabled_members", members_then_the_member_moves_the_check_in)
    with workspace.server.store.write() as session:
        habit_jobs.plan(session, base)
    monkeypatch.undo()
    assert "Tue at 18:00" in finished(*moving[0])["text"]

    plan_all(workspace.server.store, base)
    tuesday_due = next_local(base, weekday=1, at=time(18), tz=tz)
    stale = [(job.key, job.status) for job in pending_after(workspace, user, base) if job.due_at == monday.due_at]
    for moment in sorted([monday.due_at, tuesday_due]):
        tick(workspace, dispatcher, moment)
    sent = checklists_to(fake_slack, user)
    assert stale == [] and len(sent) == 1, (
        f"the check-in moved to Tue 18:00 is still planned for Mon 09:00 {stale} and {len(sent)} checklists were sent: "
        "the planner re-planned it from the schedule it had read before the move committed"
    )
