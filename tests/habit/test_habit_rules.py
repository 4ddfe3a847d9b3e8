"""The weekly habit's rules at their edges (the fast layer): each workspace and each member on
their own (the same member id in two workspaces), the exact refusals, the streak's two-year
reach, the eight weeks of history, and the club's counts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from slackapp.errors import UserError
from slackapp.habit import service
from slackapp.habit.models import HabitCheck

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "THABITRULES", "THABITRULES2"
USER, OTHER_USER = "UHRUSER", "UHRUSER2"
THIS_WEEK = date(2031, 3, 3)  # a Monday
NOW = datetime(2031, 3, 5, 12, 0, tzinfo=timezone.utc)


def tick(session, *items: str, team=TEAM, user=USER, week=THIS_WEEK) -> set[str]:
    return service.record(session, team_id=team, user_id=user, week=week, ticked=set(items), now=NOW)


def ticks(session, *, team=TEAM, user=USER, week=THIS_WEEK) -> set[str]:
    return service.ticks(session, team_id=team, user_id=user, week=week)


# ---- members and schedules ------------------------------------------------------------------


def test_a_member_is_found_in_their_own_workspace_only(session):
    service.turn(session, team_id=OTHER_TEAM, user_id=USER, on=True)
    service.turn(session, team_id=TEAM, user_id=OTHER_USER, on=True)
    assert service.member(session, team_id=TEAM, user_id=USER) is None
    found = service.member(session, team_id=OTHER_TEAM, user_id=USER)
    assert (found.team_id, found.user_id) == (OTHER_TEAM, USER)


def test_turning_off_first_stores_a_member_who_is_off_with_the_default_schedule(session):
    found = service.turn(session, team_id=TEAM, user_id=USER, on=False)
    assert found.enabled is False
    assert service.schedule_text(found) == "Mon at 09:00"


def test_moving_the_check_in_of_someone_new_turns_it_on(session):
    moved = service.reschedule(session, team_id=TEAM, user_id=USER, weekday=4, at=time(7, 5))
    session.flush()
    session.expire_all()
    stored = service.member(session, team_id=TEAM, user_id=USER)
    assert (stored.team_id, stored.enabled, service.schedule_text(stored)) == (TEAM, True, "Fri at 07:05")
    assert moved.id == stored.id


def test_moving_the_check_in_changes_only_that_workspace(session):
    service.turn(session, team_id=OTHER_TEAM, user_id=USER, on=False)
    service.reschedule(session, team_id=TEAM, user_id=USER, weekday=2, at=time(18))
    other = service.member(session, team_id=OTHER_TEAM, user_id=USER)
    assert (other.enabled, service.schedule_text(other)) == (False, "Mon at 09:00")


def test_the_schedule_usage_word_for_word():
    with pytest.raises(UserError) as refused:
        service.parse_schedule(["tue", "18:00", "weekly"])
    assert str(refused.value) == "Say a day and a time, like `/internships habit day tue 18:00`."


def test_a_refused_word_is_echoed_cut_to_forty_characters():
    day = "d" * 50
    with pytest.raises(UserError) as refused:
        service.parse_schedule([day, "18:00"])
    assert str(refused.value) == f"“{'d' * 39}…” is not a day I know. Use mon, tue, wed, thu, fri, sat or sun."
    with pytest.raises(UserError) as refused:
        service.parse_schedule(["tue", "9" * 50])
    assert str(refused.value) == f"“{'9' * 39}…” is not a time I understand. Use 24-hour time like 18:00, or 6pm."
    with pytest.raises(UserError) as refused:
        service.parse_schedule(["tue", "teatime"])
    assert str(refused.value) == "“teatime” is not a time I understand. Use 24-hour time like 18:00, or 6pm."


# ---- the checklist ---------------------------------------------------------------------------


def test_checklist_refusals_word_for_word(session):
    with pytest.raises(UserError) as refused:
        tick(session, "nap")
    assert str(refused.value) == "That checklist item is not one I know."
    with pytest.raises(UserError) as refused:
        tick(session, "resume", week=THIS_WEEK + timedelta(days=1))
    assert str(refused.value) == "That checklist belongs to no week I know."


def test_a_tick_stores_when_it_was_made(session):
    tick(session, "resume")
    session.flush()
    session.expire_all()
    stored = session.scalars(select(HabitCheck).where(HabitCheck.team_id == TEAM)).all()
    assert [(c.user_id, c.week_start, c.item, c.checked_at) for c in stored] == [(USER, THIS_WEEK, "resume", NOW)]


def test_unticking_touches_only_that_members_week_in_that_workspace(session):
    last_week = THIS_WEEK - timedelta(weeks=1)
    for team, user, week in [(TEAM, USER, last_week), (OTHER_TEAM, USER, THIS_WEEK), (TEAM, OTHER_USER, THIS_WEEK), (TEAM, USER, THIS_WEEK)]:
        tick(session, "resume", "email", team=team, user=user, week=week)
    tick(session, "email")  # USER in TEAM, this week: "resume" unticked
    assert ticks(session) == {"email"}
    assert ticks(session, week=last_week) == {"resume", "email"}
    assert ticks(session, team=OTHER_TEAM) == {"resume", "email"}
    assert ticks(session, user=OTHER_USER) == {"resume", "email"}


# ---- streak and history ---------------------------------------------------------------------


def test_the_streak_and_history_are_each_members_own_in_each_workspace(session):
    for weeks_ago in range(3):
        tick(session, "resume", team=OTHER_TEAM, week=THIS_WEEK - timedelta(weeks=weeks_ago))
        tick(session, "resume", "email", user=OTHER_USER, week=THIS_WEEK - timedelta(weeks=weeks_ago))
    tick(session, "network")
    mine = service.history(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK)
    assert mine.streak == 1
    assert mine.weeks == [(THIS_WEEK - timedelta(weeks=7 - n), 0) for n in range(7)] + [(THIS_WEEK, 1)]
    theirs = service.history(session, team_id=TEAM, user_id=OTHER_USER, this_week=THIS_WEEK)
    assert (theirs.streak, theirs.weeks[-3:]) == (3, [(THIS_WEEK - timedelta(weeks=2), 2), (THIS_WEEK - timedelta(weeks=1), 2), (THIS_WEEK, 2)])
    assert service.history(session, team_id=OTHER_TEAM, user_id=USER, this_week=THIS_WEEK).streak == 3


def test_history_shows_eight_weeks_from_the_first_one_on(session):
    first = THIS_WEEK - timedelta(weeks=7)
    tick(session, "resume", "email", week=first)
    tick(session, "resume", week=first - timedelta(weeks=1))  # one week too old to be shown
    found = service.history(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK)
    assert found.weeks[0] == (first, 2) and len(found.weeks) == 8
    assert sum(count for _, count in found.weeks) == 2


def test_the_streak_reaches_back_two_years_at_most(session):
    for weeks_ago in range(107):
        session.add(HabitCheck(team_id=TEAM, user_id=USER, week_start=THIS_WEEK - timedelta(weeks=weeks_ago), item="resume", checked_at=NOW))
    session.flush()
    assert service.streak(session, team_id=TEAM, user_id=USER, this_week=THIS_WEEK) == 105


# ---- the club's counts ------------------------------------------------------------------------


def test_the_club_counts_its_own_members_taking_part(session):
    for team, user in [(TEAM, USER), (TEAM, OTHER_USER), (OTHER_TEAM, USER), (OTHER_TEAM, "UHRTHIRD")]:
        service.turn(session, team_id=team, user_id=user, on=True)
    service.turn(session, team_id=TEAM, user_id="UHROFF", on=False)
    tick(session, "resume", "email", "network")  # three ticks: still one member
    tick(session, "resume", user=OTHER_USER, week=THIS_WEEK - timedelta(weeks=1))
    tick(session, "resume", team=OTHER_TEAM)
    tick(session, "resume", team=OTHER_TEAM, user="UHRTHIRD")
    tick(session, "resume", user="UHROFF")  # not taking part: not counted
    summary = service.club_habit(session, team_id=TEAM, this_week=THIS_WEEK)
    assert summary.participants == 2
    assert summary.weeks == [(THIS_WEEK - timedelta(weeks=7 - n), 0) for n in range(6)] + [(THIS_WEEK - timedelta(weeks=1), 1), (THIS_WEEK, 1)]


def test_the_clubs_first_week_counts_and_the_one_before_does_not(session):
    service.turn(session, team_id=TEAM, user_id=USER, on=True)
    first = THIS_WEEK - timedelta(weeks=7)
    tick(session, "resume", week=first)
    tick(session, "resume", week=first - timedelta(weeks=1))
    summary = service.club_habit(session, team_id=TEAM, this_week=THIS_WEEK)
    assert summary.weeks[0] == (first, 1) and sum(count for _, count in summary.weeks) == 1


def test_a_club_with_nobody_taking_part(session):
    service.turn(session, team_id=TEAM, user_id=USER, on=False)
    summary = service.club_habit(session, team_id=TEAM, this_week=THIS_WEEK)
    assert summary.participants == 0 and all(count == 0 for _, count in summary.weeks)


def test_the_planner_sees_every_workspaces_members_taking_part(session):
    service.turn(session, team_id=TEAM, user_id=USER, on=True)
    service.turn(session, team_id=OTHER_TEAM, user_id=USER, on=True)
    service.turn(session, team_id=TEAM, user_id=OTHER_USER, on=False)
    found = {(m.team_id, m.user_id) for m in service.enabled_members(session) if m.team_id in (TEAM, OTHER_TEAM)}
    assert found == {(TEAM, USER), (OTHER_TEAM, USER)}
