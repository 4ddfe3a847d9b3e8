"""The weekly habit's rules, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from slackapp.errors import UserError
from slackapp.habit import service

pytestmark = pytest.mark.fast

TEAM, USER = "THABIT", "UHABIT"
THIS_WEEK = date(2031, 3, 3)  # a Monday
NOW = datetime(2031, 3, 5, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("words", "expected"), [(["tue", "18:00"], (1, time(18))), (["Sunday", "6pm"], (6, time(18))), (["mon", "9:30am"], (0, time(9, 30)))])
def test_a_day_and_a_time(words, expected):
    assert service.parse_schedule(words) == expected


@pytest.mark.parametrize(("words", "why"), [(["tue"], "Say a day and a time"), (["someday", "18:00"], "not a day I know"), (["tue", "25:00"], "not a time I understand"), (["tue", "13pm"], "not a time")])
def test_a_schedule_that_is_refused(words, why):
    with pytest.raises(UserError, match=why):
        service.parse_schedule(words)


def tick_boxes(session, week: date, *items: str) -> set[str]:
    return service.record(session, team_id=TEAM, user_id=USER, week=week, ticked=set(items), now=NOW)


def test_a_weeks_ticks_are_exactly_the_last_selection(session):
    tick_boxes(session, THIS_WEEK, "resume", "email")
    tick_boxes(session, THIS_WEEK, "email", "network")
    assert service.ticks(session, team_id=TEAM, user_id=USER, week=THIS_WEEK) == {"email", "network"}
    tick_boxes(session, THIS_WEEK)
    assert service.ticks(session, team_id=TEAM, user_id=USER, week=THIS_WEEK) == set()


def test_unknown_items_and_weeks_are_refused(session):
    with pytest.raises(UserError, match="checklist item"):
        tick_boxes(session, THIS_WEEK, "resume", "nap")
    with pytest.raises(UserError, match="no week"):
        tick_boxes(session, THIS_WEEK + timedelta(days=2), "resume")


def test_the_streak_counts_weeks_in_a_row_back_from_this_week(session):
    for weeks_ago in (0, 1, 2, 4):
        tick_boxes(session, THIS_WEEK - timedelta(weeks=weeks_ago), "resume")
    assert service.streak(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK) == 3


def test_an_open_week_does_not_break_the_streak(session):
    for weeks_ago in (1, 2):
        tick_boxes(session, THIS_WEEK - timedelta(weeks=weeks_ago), "resume")
    assert service.streak(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK) == 2
    assert service.history(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK).weeks[-3:] == [
        (THIS_WEEK - timedelta(weeks=2), 1), (THIS_WEEK - timedelta(weeks=1), 1), (THIS_WEEK, 0)]


def test_turning_on_off_and_moving_the_check_in(session):
    assert service.turn(session, team_id=TEAM, user_id=USER, on=True).enabled is True
    assert service.turn(session, team_id=TEAM, user_id=USER, on=False).enabled is False
    moved = service.reschedule(session, team_id=TEAM, user_id=USER, weekday=1, at=time(18))
    assert (moved.enabled, service.schedule_text(moved)) == (True, "Tue at 18:00")


def test_the_club_sees_counts_of_members_taking_part_only(session):
    service.turn(session, team_id=TEAM, user_id=USER, on=True)
    service.turn(session, team_id=TEAM, user_id="UGONE", on=True)
    tick_boxes(session, THIS_WEEK, "resume")
    service.record(session, team_id=TEAM, user_id="UGONE", week=THIS_WEEK, ticked={"email"}, now=NOW)
    service.turn(session, team_id=TEAM, user_id="UGONE", on=False)
    summary = service.club_habit(session, team_id=TEAM, this_week=THIS_WEEK)
    assert (summary.participants, summary.weeks[-1]) == (1, (THIS_WEEK, 1))


def test_words_echoed_in_a_refusal_are_inert():
    with pytest.raises(UserError) as refused:
        service.parse_schedule(["<!channel>", "18:00"])
    assert "&lt;!channel&gt;" in str(refused.value) and "<!channel>" not in str(refused.value)
    with pytest.raises(UserError) as refused:
        service.parse_schedule(["tue", "<https://evil.example|noon>"])
    assert "<https://" not in str(refused.value)
