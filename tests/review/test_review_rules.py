"""The review's rules on a migrated store of each kind and its pure pieces: the period asked for,
figures about small groups hidden, points by category as the passport counts them, the CSVs and
the chart."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from slackapp.errors import UserError
from slackapp.review import chart, service, views
from slackapp.review.service import Entry, Figure, Span, figure, parse_period
from tests.review import support

pytestmark = pytest.mark.fast

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- the period ----------------------------------------------------------------------------------


def test_two_dates_make_the_period():
    assert parse_period(["2026-08-01", "2027-05-31"]) == Span(date(2026, 8, 1), date(2027, 5, 31))
    assert parse_period(["2026-08-01", "2026-08-01"]) == Span(date(2026, 8, 1), date(2026, 8, 1))


@pytest.mark.parametrize(
    "words, says",
    [
        ([], "Give the first and last day"),
        (["2026-08-01"], "Give the first and last day"),
        (["2026-08-01", "2027-05-31", "extra"], "Give the first and last day"),
        (["soon", "2027-05-31"], "`soon` is not a date"),
        (["2026-08-01", "2027-02-30"], "`2027-02-30` is not a date"),
        (["2027-05-31", "2026-08-01"], "last day comes before its first day"),
        (["2026-08-01", "2028-08-01"], "at most 2 years"),
    ],
)
def test_a_period_that_isnt_one_is_refused(words, says):
    with pytest.raises(UserError, match=says):
        parse_period(words)


def test_two_whole_years_are_the_longest_period():
    assert parse_period(["2026-08-01", "2028-07-31"]).end == date(2028, 7, 31)
    assert parse_period(["2028-02-29", "2030-02-28"]).end == date(2030, 2, 28)
    for too_long in (["2025-08-01", "2027-08-01"], ["2028-02-29", "2030-03-01"]):
        with pytest.raises(UserError, match="at most 2 years"):
            parse_period(too_long)


def test_a_period_has_every_month_it_touches():
    assert Span(date(2026, 11, 30), date(2027, 2, 1)).months == (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1))
    assert Span(date(2027, 1, 31), date(2027, 1, 31)).months == (date(2027, 1, 1),)


# --- figures -------------------------------------------------------------------------------------


def _entries(users, amount=1, month=date(2026, 9, 1)):
    return [Entry(month, Decimal(amount), ((user,),)) for user in users]


def test_a_figure_about_fewer_than_five_members_is_hidden():
    assert figure(_entries(["A", "B", "C", "D", "E"])).shown == 5
    assert figure(_entries(["A", "B", "C", "D"] * 3)) == Figure(Decimal(12), 4)
    assert figure(_entries(["A", "B", "C", "D"] * 3)).shown is None
    assert figure([]).shown is None


def test_a_figure_about_two_roles_counts_the_smaller_one():
    month = date(2026, 9, 1)
    one_helper = [Entry(month, Decimal(1), ((asker,), ("H",))) for asker in "ABCDEF"]
    assert figure(one_helper) == Figure(Decimal(6), 1) and figure(one_helper).shown is None
    five_each = [Entry(month, Decimal(1), ((asker,), (helper,))) for asker, helper in zip("ABCDE", "VWXYZ")]
    assert figure(five_each).shown == 5


def test_a_group_counts_everyone_in_it():
    month = date(2026, 9, 1)
    assert figure([Entry(month, Decimal(1), (("A", "B"),)), Entry(month, Decimal(1), (("C", "D", "E"),))]) == Figure(Decimal(2), 5)


def test_amounts_and_hidden_figures_read_as_written():
    assert views.amount(Decimal("7.0")) == "7" and views.amount(Decimal("7.5")) == "7.5" and views.amount(Decimal(10)) == "10"
    assert views.shown(Figure(Decimal(3), 4)) == "&lt;5" and views.shown(Figure(Decimal(3), 4), mrkdwn=False) == "<5"
    assert views.shown(Figure(Decimal("12.5"), 5)) == "12.5"


# --- a seeded year -------------------------------------------------------------------------------


def test_the_review_of_a_seeded_year(session):
    support.seed_year(session, "TREVIEW1", "UOFFICER1")
    found = service.review(session, team_id="TREVIEW1", span=Span(support.START, support.END), tz="UTC", now=NOW)
    lines = views.summary_lines(found)
    assert lines[:5] == support.EXPECTED_SUMMARY
    assert (support.EXPECTED_INTROS in lines) == (support.Intro is not None)
    expected = support.EXPECTED_POINTS if support.Intro is not None else support.EXPECTED_POINTS_WITHOUT_INTROS
    assert {row["category"]: row["points after caps"] for row in rows_of(views.points_csv(found))} == expected
    assert [(event.title, event.day, views.shown(event.attended)) for event in found.events] == [
        ("Meet the Firm Night", date(2025, 9, 15), "6"),
        (support.FORMULA, date(2025, 10, 10), "&lt;5"),
        ("Consulting case night", date(2026, 2, 12), "7"),
    ]
    bars = dict(views.attendance_bars(found))
    assert len(bars) == 10 and bars["Sep 2025"] == 6 and bars["Feb 2026"] == 7
    assert [label for label, value in bars.items() if value is not None] == ["Sep 2025", "Feb 2026"]


def test_another_workspace_sees_none_of_it(session):
    support.seed_year(session, "TREVIEW2", "UOFFICER2")
    found = service.review(session, team_id="TREVIEW3", span=Span(support.START, support.END), tz="UTC", now=NOW)
    assert found.events == () and found.attendance.entries == () and all(area.entries == () for area in found.areas)
    assert found.points_total == Figure(Decimal(0), 0)


def test_events_yet_to_happen_are_not_held(session):
    support.seed_year(session, "TREVIEW4", "UOFFICER4")
    before_the_second = datetime(2025, 10, 1, tzinfo=UTC)
    found = service.review(session, team_id="TREVIEW4", span=Span(support.START, support.END), tz="UTC", now=before_the_second)
    assert [event.title for event in found.events] == ["Meet the Firm Night"]


def test_caps_apply_per_passport_period_within_the_dates(session):
    """7 leads in the fall and 7 in the spring: 6 points each semester (the cap), 12 over the year."""
    members = [f"UCAP{n}" for n in range(5)]
    for member in members:
        for day in ["2025-09-0" + str(n) for n in range(1, 8)] + ["2026-02-0" + str(n) for n in range(1, 8)]:
            support.add_lead(session, "TREVIEW5", member, day)
    session.flush()
    found = service.review(session, team_id="TREVIEW5", span=Span(support.START, support.END), tz="UTC", now=NOW)
    points = {row["category"]: row["points after caps"] for row in rows_of(views.points_csv(found))}
    assert points["Professional development"] == "60"
    assert {row["month"]: row["leads shared"] for row in rows_of(views.monthly_csv(found.area("leads")))}["2025-09"] == "35"


def test_months_follow_the_club_time_zone(session):
    """A check-in at an event on Sep 1, 02:00 UTC is in August in Chicago."""
    members = [f"UTZ{n}" for n in range(5)]
    support.add_event(session, "TREVIEW6", "UOFF6", "Late night", "2025-09-01", "career_events", members)
    session.flush()
    late = service.review(session, team_id="TREVIEW6", span=Span(support.START, support.END), tz="UTC", now=NOW)
    assert dict(views.attendance_bars(late))["Sep 2025"] == 5
    # at() puts events at 18:00 UTC: 13:00 in Chicago, the same day; move one to 02:00 UTC.
    support.add_event(session, "TREVIEW7", "UOFF7", "Early", "2025-09-01", "career_events", members).starts_at = datetime(2025, 9, 1, 2, tzinfo=UTC)
    session.flush()
    chicago = service.review(session, team_id="TREVIEW7", span=Span(support.START, support.END), tz="America/Chicago", now=NOW)
    assert dict(views.attendance_bars(chicago))["Aug 2025"] == 5


# --- what is sent --------------------------------------------------------------------------------


def test_every_area_has_a_formula_safe_csv(session):
    support.seed_year(session, "TREVIEW8", "UOFFICER8")
    found = service.review(session, team_id="TREVIEW8", span=Span(support.START, support.END), tz="UTC", now=NOW)
    files = {file["filename"]: file["content"] for file in views.csv_files(found)}
    areas = ["events", "leads", "gigs", "micro", "help"] + (["intros"] if support.Intro is not None else []) + ["passport"]
    assert list(files) == [f"review-{area}-2025-08-01-2026-05-31.csv" for area in areas]
    events = rows_of(files["review-events-2025-08-01-2026-05-31.csv"])
    assert events[1]["event"] == "'" + support.FORMULA and events[1]["checked_in"] == "<5"
    assert events[-1] == {"event": "All events", "date": "", "kind": "", "checked_in": "15"}
    gigs = rows_of(files["review-gigs-2025-08-01-2026-05-31.csv"])
    assert len(gigs) == 11 and gigs[-1] == {"month": "total", "gig hours confirmed": "<5"}
    assert {row["month"]: row["micro-internships completed"] for row in rows_of(files["review-micro-2025-08-01-2026-05-31.csv"])}["2026-03"] == "5"


def test_the_chart_is_a_png():
    png = chart.bar_chart([("Aug 2026", 12), ("Sep 2026", None)], title="Event check-ins by month", hidden_label="<5", note=views.chart_note())
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_serving_the_app_does_not_load_matplotlib():
    loaded = subprocess.run([sys.executable, "-c", "import sys, slackapp.app, slackapp.review.handlers; print('matplotlib' in sys.modules)"], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
