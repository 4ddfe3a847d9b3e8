"""Recurring events end to end on SQLite and PostgreSQL: a series made with the event form's
Repeats, each date made and announced as its own RSVP post 7 days ahead (by the planner, on a moved
clock) at the same wall-clock time across daylight-saving changes, "Going to all", changing one
date or this and all later ones, cancelling the rest, and members refused.

The app's own clock runs on real time; every series here starts months ahead (next year's
changes of the clocks), so only the in-process dispatcher on a moved clock (tick) makes and
announces their dates."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from slackapp.events.models import Event, EventSeries, SeriesMember
from slackapp.events.series import nth_weekday
from slackapp.passport.sources import Window, event_checkins
from slackapp.sandbox import payloads
from tests.conftest import new_id
from tests.events.support import (
    NO,
    attendance_of,
    command,
    dms,
    event_values,
    form_metadata,
    press,
    react,
    seats,
    unix,
    wait_for_latest_update,
)
from tests.helpers import all_text, buttons, configure_club, eventually, eventually_got, tick

UTC = timezone.utc
YEAR = datetime.now(UTC).year + 1
NOT_MANAGER = "Only the person who created this event, or an officer"


def wall(day: date, hour: int, tz: str, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def repeats_state(repeats: str, *, until: str | None = None, times: str | None = None, announce_days: str | None = None) -> dict:
    return {
        "repeats": {"value": {"type": "static_select", "selected_option": {"value": repeats}}},
        "until": {"value": {"type": "datepicker", "selected_date": until}},
        "times": {"value": {"type": "number_input", "value": times}},
        "announce_days": {"value": {"type": "number_input", "value": announce_days}},
    }


def submit_series(workspace, user: str, *, starts: datetime, hours: int = 2, repeats: str = "weekly", until=None, times=None, announce_days=None, **fields):
    start = int(starts.timestamp())
    values = event_values(starts=start, ends=start + hours * 3600, channel=workspace.channel, **fields)
    values.update(repeats_state(repeats, until=until, times=times, announce_days=announce_days))
    return workspace.submit("event_form", values, user=user, private_metadata=form_metadata(channel=workspace.channel))


def make_series(workspace, officer: str, *, starts: datetime, **options) -> tuple[EventSeries, str]:
    title = options.pop("title", None) or f"Weekly meeting {new_id('S')}"
    reply = submit_series(workspace, officer, starts=starts, title=title, **options)
    assert reply.status == 200 and reply.body == b"", reply.body
    [found] = series_of(workspace, title)
    return found, title


def series_of(workspace, title: str) -> list[EventSeries]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(EventSeries).where(EventSeries.team_id == workspace.team_id, EventSeries.title == title)))


def series_row(workspace, series_id: int) -> EventSeries:
    with workspace.server.store.read() as session:
        return session.scalar(select(EventSeries).where(EventSeries.team_id == workspace.team_id, EventSeries.id == series_id))


def occurrences(workspace, series_id: int) -> list[Event]:
    with workspace.server.store.read() as session:
        found = select(Event).where(Event.team_id == workspace.team_id, Event.series_id == series_id).order_by(Event.occurrence)
        return list(session.scalars(found))


def series_members(workspace, series_id: int) -> list[str]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(SeriesMember.user_id).where(SeriesMember.team_id == workspace.team_id, SeriesMember.series_id == series_id)))


def posts_of(workspace, event: Event) -> list:
    return [
        c
        for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel)
        if not c.failed and isinstance(c.response, dict) and c.response.get("ts") == event.post_ts
    ]


def announce_through(workspace, dispatcher, found: EventSeries, starts: list[datetime], *, days: int = 7) -> list[Event]:
    """Move the clock to each date's announcement moment in turn; the occurrences, each posted."""
    for moment in starts:
        tick(workspace, dispatcher, moment - timedelta(days=days))
    made = occurrences(workspace, found.id)
    assert len(made) == len(starts) and all(event.post_ts for event in made)
    return made


def local_times(events: list[Event], tz: str) -> list[str]:
    return [f"{event.starts_at.astimezone(ZoneInfo(tz)):%a %H:%M}" for event in events]


# ---- time: posts 7 days ahead, at 18:00 on the club's clock across the changes ---------------------


def test_a_weekly_series_in_chicago_is_announced_7_days_ahead_at_18_00_across_march_and_november(workspace, dispatcher):
    tz = "America/Chicago"
    officer = workspace.officer()
    configure_club(workspace, officer, timezone=tz, events_channel=workspace.channel)
    for month, sunday in ((3, nth_weekday(YEAR, 3, 6, 2)), (11, nth_weekday(YEAR, 11, 6, 1))):
        tuesday = sunday - timedelta(days=5)  # the Tuesday before the clocks change
        first = wall(tuesday, 18, tz)
        found, title = make_series(workspace, officer, starts=first, times="3")
        assert (found.rule, found.local_start, found.timezone, found.times, found.announce_days) == ("weekly", "18:00", tz, 3, 7)
        # Nothing is made up front: the first date is announced 7 days before it.
        assert occurrences(workspace, found.id) == []
        [saved] = eventually_got(lambda title=title: dms(workspace, officer, title), count=1)
        assert f"every Tuesday at 18:00 ({tz}), 3 times" in saved.args["text"]
        assert f"<!date^{int((first - timedelta(days=7)).timestamp())}^" in saved.args["text"]

        tick(workspace, dispatcher, first - timedelta(days=7, minutes=1))
        assert occurrences(workspace, found.id) == []
        starts = [wall(tuesday + timedelta(weeks=week), 18, tz) for week in range(3)]
        made = announce_through(workspace, dispatcher, found, starts)
        assert local_times(made, tz) == ["Tue 18:00"] * 3
        # The same wall clock is another UTC hour once the clocks changed.
        utc_hours = [event.starts_at.astimezone(UTC).hour for event in made]
        assert utc_hours == ([0, 23, 23] if month == 3 else [23, 0, 0])
        assert [event.occurrence for event in made] == [0, 1, 2]
        for event in made:
            [post] = posts_of(workspace, event)
            assert f"<!date^{int(event.starts_at.timestamp())}^" in all_text(post.args["blocks"])
            labels = [b["text"]["text"] for b in buttons(post.args["blocks"])]
            assert "Going to all" in labels and "Not going to all" in labels
        # The series is done: the clock coming by again makes nothing more.
        tick(workspace, dispatcher, starts[-1] + timedelta(days=30))
        assert len(occurrences(workspace, found.id)) == 3 and series_row(workspace, found.id).status == "ended"


def test_every_2_weeks_in_berlin_with_its_own_lead_time_stays_at_18_00_across_october(workspace, dispatcher):
    tz = "Europe/Berlin"
    officer = workspace.officer()
    configure_club(workspace, officer, timezone=tz)
    last_sunday = max(day for day in (date(YEAR, 10, d) for d in range(25, 32)) if day.weekday() == 6)
    first_day = last_sunday - timedelta(days=12)  # a Tuesday: the next date (two weeks on) is after the change
    found, _ = make_series(workspace, officer, starts=wall(first_day, 18, tz), repeats="biweekly", until=str(first_day + timedelta(weeks=4)), announce_days="3")
    assert (found.rule, found.until, found.announce_days) == ("biweekly", first_day + timedelta(weeks=4), 3)
    starts = [wall(first_day + timedelta(weeks=2 * n), 18, tz) for n in range(3)]
    tick(workspace, dispatcher, starts[0] - timedelta(days=3, minutes=1))
    assert occurrences(workspace, found.id) == []
    made = announce_through(workspace, dispatcher, found, starts, days=3)
    assert local_times(made, tz) == ["Tue 18:00"] * 3
    assert [event.starts_at.astimezone(UTC).hour for event in made] == [16, 17, 17]


# ---- going to all ---------------------------------------------------------------------------------------


def test_going_to_all_counts_a_member_in_for_every_date_with_the_waitlist_and_one_date_can_change(workspace, dispatcher):
    officer, ada, bo, cy = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    first = wall(date(YEAR, 6, 1), 18, "UTC")
    found, title = make_series(workspace, officer, starts=first, times="4", capacity="2")
    starts = [first + timedelta(weeks=n) for n in range(4)]
    one, two = announce_through(workspace, dispatcher, found, starts[:2])

    joined = press(workspace, "event_series_join", str(one.id), user=ada)
    assert "going to all" in joined["text"] and "2 upcoming dates" in joined["text"]
    assert series_members(workspace, found.id) == [ada]
    assert seats(workspace, one.id) == {ada: "going"} and seats(workspace, two.id) == {ada: "going"}
    press(workspace, "event_going", str(two.id), user=bo)
    # Pressed on the second date's post: the same series. Its capacity holds: the waitlist.
    joined = press(workspace, "event_series_join", str(two.id), user=cy)
    assert "on the waitlist for 1" in joined["text"]
    assert seats(workspace, two.id) == {ada: "going", bo: "going", cy: "waitlist"}
    eventually_got(lambda: dms(workspace, cy, "waitlist"), count=1)

    # Ada skips one date by reacting on its post; she stays going to all, and Cy moves up.
    # (Slack stamps the reaction; the fake's stamps count within the current second, so one is given.)
    react(workspace, two, ada, NO, event_ts=f"{unix(1)}.000001")
    eventually(lambda: seats(workspace, two.id) == {ada: "no", bo: "going", cy: "going"})
    eventually_got(lambda: dms(workspace, cy, "A place opened up"), count=1)
    assert sorted(series_members(workspace, found.id)) == sorted([ada, cy])
    wait_for_latest_update(workspace, two, "2 going")

    # A date made later counts everyone going to all in, as it is made.
    three = announce_through(workspace, dispatcher, found, starts[:3])[2]
    assert seats(workspace, three.id) == {ada: "going", cy: "going"}
    assert "2 going" in all_text(posts_of(workspace, three)[0].args["blocks"]).replace("*", "")

    # Reminders are per date: a day before the third, both get one for it.
    tick(workspace, dispatcher, starts[2] - timedelta(hours=24))
    for user in (ada, cy):
        [reminder] = eventually_got(lambda user=user: dms(workspace, user, "Reminder"), count=1)
        assert f"<!date^{int(starts[2].timestamp())}^" in all_text(reminder.args["blocks"])

    # Not going to all: out of the dates where the series answered for her; her own answer stays.
    left = press(workspace, "event_series_leave", str(three.id), user=ada)
    assert "no longer going to all" in left["text"]
    assert series_members(workspace, found.id) == [cy]
    assert seats(workspace, one.id)[ada] == "none" and seats(workspace, two.id)[ada] == "no" and seats(workspace, three.id)[ada] == "none"
    four = announce_through(workspace, dispatcher, found, starts)[3]
    assert seats(workspace, four.id) == {cy: "going"}


def test_a_date_starting_soon_is_announced_at_once_and_checks_in_like_any_event(workspace):
    officer, member = workspace.officer(), workspace.member()
    start = datetime.fromtimestamp(unix(20 * 60), UTC)
    found, title = make_series(workspace, officer, starts=start, hours=1, times="2")
    # The first date is within 7 days: made and posted with the form, by the app's own clock.
    [first] = eventually_got(lambda: [e for e in occurrences(workspace, found.id) if e.post_ts], count=1, timeout=10)
    assert first.occurrence == 0
    [saved] = eventually_got(lambda: dms(workspace, officer, title), count=1)
    assert "the first now" in saved.args["text"]
    press(workspace, "event_series_join", str(first.id), user=member)
    press(workspace, "event_open_checkin", str(first.id), user=officer)
    here = press(workspace, "event_here", str(first.id), user=member)
    assert "Checked in" in here["text"]
    assert attendance_of(workspace, first.id) == {member: "button"}
    # The passport counts the date like any event (the series' kind decides the category).
    window = Window(start.date() - timedelta(days=1), start.date() + timedelta(days=1), "UTC")
    with workspace.server.store.read() as session:
        [stamp] = event_checkins(session, workspace.team_id, [member], window)
    assert (stamp.user_id, stamp.category, stamp.source) == (member, "career_events", "event")
    roster = command(workspace, f"roster {first.id}", user=officer)
    text = all_text(roster["blocks"])
    assert f"<@{member}>" in text and "Cancel this and later" in [b["text"]["text"] for b in buttons(roster["blocks"])]


# ---- changing one date, or this and all later ones ------------------------------------------------


def edit_state(event: Event, *, scope: str, starts: datetime | None = None, location: str | None = None) -> dict:
    start = int((starts or event.starts_at).timestamp())
    values = event_values(
        title=event.title, description=event.description, starts=start, ends=start + int((event.ends_at - event.starts_at).total_seconds()),
        location=location or event.location, online_link=event.online_link, capacity=str(event.capacity) if event.capacity else None, with_channel=False,
    )
    values["scope"] = {"value": {"type": "radio_buttons", "selected_option": {"value": scope}}}
    return values


def submit_edit(workspace, user: str, event: Event, **changes):
    return workspace.submit("event_form", edit_state(event, **changes), user=user, private_metadata=form_metadata(event_id=event.id))


def test_editing_one_date_or_this_and_all_later_ones_tells_each_person_once(workspace, dispatcher):
    tz = "America/Chicago"
    officer, ada, bo, cy = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    configure_club(workspace, officer, timezone=tz, events_channel=workspace.channel)
    tuesday = nth_weekday(YEAR, 3, 6, 2) - timedelta(days=5)
    found, title = make_series(workspace, officer, starts=wall(tuesday, 18, tz), times="4")
    starts = [wall(tuesday + timedelta(weeks=n), 18, tz) for n in range(4)]
    one, two, three = announce_through(workspace, dispatcher, found, starts[:3])
    press(workspace, "event_series_join", str(one.id), user=ada)
    press(workspace, "event_going", str(two.id), user=bo)
    press(workspace, "event_maybe", str(three.id), user=cy)

    # The edit form of a date of a series asks which dates the change is for.
    trigger = payloads.new_trigger_id()
    workspace.click("event_edit", str(one.id), user=officer, response_url=workspace.response_url(), trigger_id=trigger)
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    assert [b["block_id"] for b in opened.args["view"]["blocks"]][-1] == "scope"
    assert json.loads(opened.args["view"]["private_metadata"])["event_id"] == one.id

    # Only this date: only who answered it is told.
    reply = submit_edit(workspace, officer, one, scope="one", location="Room 9")
    assert reply.status == 200 and reply.body == b"", reply.body
    [told] = eventually_got(lambda: dms(workspace, ada, "changed for one date"), count=1)
    assert "Room 9" in told.args["text"]
    assert [e.location for e in occurrences(workspace, found.id)] == ["Room 9", "Room 101", "Room 101"]

    # This date and all later ones: 19:00 on each one's own day, a new room; everyone told once.
    reply = submit_edit(workspace, officer, two, scope="rest", starts=wall(tuesday + timedelta(weeks=1), 19, tz), location="Room 7")
    assert reply.status == 200 and reply.body == b"", reply.body
    changed = occurrences(workspace, found.id)
    assert local_times(changed, tz) == ["Tue 18:00", "Tue 19:00", "Tue 19:00"]
    assert [e.location for e in changed] == ["Room 9", "Room 7", "Room 7"]
    for user in (ada, bo, cy):
        [notice] = eventually_got(lambda user=user: dms(workspace, user, "this date and later ones"), count=1)
        assert "Room 7" in all_text(notice.args["blocks"])
    assert len(dms(workspace, bo)) == 1 and len(dms(workspace, cy)) == 1 and len(dms(workspace, ada)) == 2
    assert series_row(workspace, found.id).local_start == "19:00"
    wait_for_latest_update(workspace, changed[2], "Room 7")

    # Moving the day is for one date only.
    refused = submit_edit(workspace, officer, three, scope="rest", starts=wall(tuesday + timedelta(weeks=2, days=1), 19, tz))
    assert "starts_at" in refused.json()["errors"]

    # A date made after the change follows it.
    four = announce_through(workspace, dispatcher, found, [*starts[:3], wall(tuesday + timedelta(weeks=3), 19, tz)])[3]
    assert local_times([four], tz) == ["Tue 19:00"] and four.location == "Room 7"
    assert seats(workspace, four.id) == {ada: "going"}


def test_cancelling_the_rest_stops_the_series_and_tells_each_person_once(workspace, dispatcher):
    officer, ada, bo, dee = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    first = wall(date(YEAR, 5, 4), 18, "UTC")
    found, title = make_series(workspace, officer, starts=first, times="5")
    starts = [first + timedelta(weeks=n) for n in range(5)]
    one, two, three = announce_through(workspace, dispatcher, found, starts[:3])
    press(workspace, "event_series_join", str(one.id), user=ada)
    press(workspace, "event_going", str(three.id), user=bo)
    press(workspace, "event_going", str(one.id), user=dee)

    done = press(workspace, "event_cancel_rest", str(two.id), user=officer)
    assert "Cancelled 2 dates" in done["text"] and "2 people will get a DM" in done["text"]
    cancelled = occurrences(workspace, found.id)
    assert [e.cancelled_at is not None for e in cancelled] == [False, True, True]
    assert series_row(workspace, found.id).status == "cancelled"
    for user in (ada, bo):
        [notice] = eventually_got(lambda user=user: dms(workspace, user, "every later one"), count=1)
        assert f"<!date^{int(starts[1].timestamp())}^" in all_text(notice.args["blocks"])
    assert dms(workspace, dee) == []
    wait_for_latest_update(workspace, cancelled[2], "Cancelled")

    # No reminders for the cancelled dates, and no more dates are made.
    tick(workspace, dispatcher, starts[2] - timedelta(hours=24))
    tick(workspace, dispatcher, starts[4])
    assert len(occurrences(workspace, found.id)) == 3
    assert dms(workspace, bo, "Reminder") == [] and len(dms(workspace, ada)) == 1


def test_a_member_cannot_cancel_or_edit_a_series_and_nothing_changes(workspace, dispatcher):
    officer, member = workspace.officer(), workspace.member()
    first = wall(date(YEAR, 4, 6), 18, "UTC")
    found, title = make_series(workspace, officer, starts=first, times="3")
    [one] = announce_through(workspace, dispatcher, found, [first])
    press(workspace, "event_series_join", str(one.id), user=member)

    refused = press(workspace, "event_cancel_rest", str(one.id), user=member)
    assert NOT_MANAGER in refused["text"]
    reply = submit_edit(workspace, member, one, scope="rest", location="Hijacked")
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    reply = submit_edit(workspace, member, one, scope="one", location="Hijacked")
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    # Nor can a member make a series.
    reply = submit_series(workspace, member, starts=first, title=f"Member series {new_id('S')}", times="3")
    assert reply.status == 200 and "Only club officers" in json.dumps(reply.json())

    after = series_row(workspace, found.id)
    assert (after.status, after.location, after.title) == ("active", "Room 101", title)
    [still] = occurrences(workspace, found.id)
    assert (still.cancelled_at, still.location) == (None, "Room 101")
    assert dms(workspace, member, "Cancelled") == [] and dms(workspace, member, "changed") == []
    assert series_of(workspace, title) and len(series_members(workspace, found.id)) == 1
