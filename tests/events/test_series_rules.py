"""The occurrence arithmetic of recurring events: weekly, every 2 weeks, monthly on the nth weekday,
until a date or N times, and the wall clock across daylight-saving changes; and the form's Repeats."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from slackapp.errors import UserError
from slackapp.events import series
from slackapp.events.models import Repeat
from slackapp.events.service import EventDraft

pytestmark = pytest.mark.fast
UTC = timezone.utc


def dates(rule: series.Rule, **options) -> list[date]:
    return [day for _, day in series.days(rule, **options)]


def test_weekly_counts_n_times_and_every_2_weeks_stops_at_until():
    assert dates(series.Rule(Repeat.weekly, date(2027, 3, 2), times=3)) == [date(2027, 3, 2), date(2027, 3, 9), date(2027, 3, 16)]
    assert dates(series.Rule(Repeat.biweekly, date(2027, 3, 2), until=date(2027, 3, 30))) == [date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30)]
    assert dates(series.Rule(Repeat.biweekly, date(2027, 3, 2), until=date(2027, 3, 29))) == [date(2027, 3, 2), date(2027, 3, 16)]


def test_numbers_continue_from_a_start_and_a_limit():
    rule = series.Rule(Repeat.weekly, date(2027, 1, 5), times=10)
    assert list(series.days(rule, start=8)) == [(8, date(2027, 3, 2)), (9, date(2027, 3, 9))]
    assert list(series.days(rule, start=2, limit=1)) == [(2, date(2027, 1, 19))]
    assert list(series.days(rule, start=10)) == []


def test_monthly_keeps_the_nth_weekday():
    # Tuesday 9 March 2027 is the 2nd Tuesday.
    rule = series.Rule(Repeat.monthly, date(2027, 3, 9), times=4)
    assert rule.nth == 2
    assert dates(rule) == [date(2027, 3, 9), date(2027, 4, 13), date(2027, 5, 11), date(2027, 6, 8)]
    assert dates(series.Rule(Repeat.monthly, date(2027, 11, 1), times=3)) == [date(2027, 11, 1), date(2027, 12, 6), date(2028, 1, 3)]


def test_a_5th_weekday_skips_months_without_one_and_they_do_not_count():
    # Tuesday 30 March 2027 is the 5th Tuesday; April, May and July 2027 have none, June and August do.
    rule = series.Rule(Repeat.monthly, date(2027, 3, 30), times=3)
    assert rule.nth == 5
    assert list(series.days(rule)) == [(0, date(2027, 3, 30)), (1, date(2027, 6, 29)), (2, date(2027, 8, 31))]
    assert series.nth_weekday(2027, 4, 1, 5) is None and series.nth_weekday(2027, 6, 1, 5) == date(2027, 6, 29)


def test_until_ends_a_monthly_series():
    assert dates(series.Rule(Repeat.monthly, date(2027, 3, 9), until=date(2027, 5, 10))) == [date(2027, 3, 9), date(2027, 4, 13)]


@pytest.mark.parametrize(
    ("tz", "before", "after", "utc_hours"),
    [
        ("America/Chicago", date(2027, 3, 9), date(2027, 3, 16), (0, 23)),  # CST -6 → CDT -5 on 14 March
        ("America/Chicago", date(2027, 11, 2), date(2027, 11, 9), (23, 0)),  # CDT → CST on 7 November
        ("Europe/Berlin", date(2027, 10, 26), date(2027, 11, 2), (16, 17)),  # CEST +2 → CET +1 on 31 October
    ],
)
def test_the_wall_clock_stays_across_daylight_saving_changes(tz, before, after, utc_hours):
    first, _ = series.occurrence_times(before, time(18), timedelta(hours=2), tz)
    second, ends = series.occurrence_times(after, time(18), timedelta(hours=2), tz)
    assert first.astimezone(ZoneInfo(tz)).time() == second.astimezone(ZoneInfo(tz)).time() == time(18)
    assert (first.hour, second.hour) == utc_hours
    assert ends - second == timedelta(hours=2)
    # Seven days on the calendar is not 168 hours across the change.
    assert second - first != timedelta(days=7)


def draft(starts: datetime, hours: int = 2) -> EventDraft:
    return EventDraft("Weekly meeting", None, starts, starts + timedelta(hours=hours), "Room 1", None, None, None)


STARTS = datetime(2027, 3, 9, 18, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)


def test_the_form_reads_the_rule_in_the_clubs_zone():
    got = series.validate_repeat({"repeats": "weekly", "times": "4", "announce_days": ""}, draft=draft(STARTS), tz="America/Chicago")
    assert got.rule == series.Rule(Repeat.weekly, date(2027, 3, 9), None, 4)
    assert (got.local_start, got.duration_minutes, got.announce_days, got.timezone) == ("18:00", 120, 7, "America/Chicago")
    got = series.validate_repeat({"repeats": "monthly", "until": "2027-12-31", "announce_days": "3"}, draft=draft(STARTS), tz="America/Chicago")
    assert (got.rule.until, got.rule.times, got.announce_days) == (date(2027, 12, 31), None, 3)
    assert series.validate_repeat({"repeats": "none"}, draft=draft(STARTS), tz="UTC") is None
    assert series.validate_repeat({}, draft=draft(STARTS), tz="UTC") is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"repeats": "weekly"}, "until"),  # neither until nor times
        ({"repeats": "weekly", "times": "3", "until": "2027-06-01"}, "times"),  # both
        ({"repeats": "none", "times": "3"}, "repeats"),  # a count for an event that doesn't repeat
        ({"repeats": "none", "until": "2027-06-01"}, "repeats"),
        ({"repeats": "weekly", "times": "1"}, "times"),
        ({"repeats": "weekly", "times": "101"}, "times"),
        ({"repeats": "weekly", "until": "2027-03-09"}, "until"),  # not after the first date
        ({"repeats": "weekly", "until": "2030-03-09"}, "until"),  # more than two years
        ({"repeats": "weekly", "until": "soon"}, "until"),
        ({"repeats": "weekly", "times": "3", "announce_days": "0"}, "announce_days"),
        ({"repeats": "yearly", "times": "3"}, "repeats"),
    ],
)
def test_a_bad_combination_is_a_form_error(raw, field):
    with pytest.raises(UserError) as refused:
        series.validate_repeat(raw, draft=draft(STARTS), tz="America/Chicago")
    assert field in refused.value.fields


def test_a_repeating_event_lasts_less_than_a_week():
    with pytest.raises(UserError) as refused:
        series.validate_repeat({"repeats": "weekly", "times": "3"}, draft=draft(STARTS, hours=24 * 7), tz="UTC")
    assert "ends_at" in refused.value.fields


def test_describe_says_the_rule_in_words():
    rule = series.Rule(Repeat.monthly, date(2027, 3, 9), times=4)
    assert series.describe(rule, "18:00", "Europe/Berlin") == "the 2nd Tuesday of each month at 18:00 (Europe/Berlin), 4 times"
    assert series.describe(series.Rule(Repeat.biweekly, date(2027, 3, 9), until=date(2027, 6, 1)), "9:00", "UTC").startswith("every other Tuesday")
