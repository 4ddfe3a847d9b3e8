"""What the weekly digest reads (the fast layer, on each store): the week's leads, gigs and events,
by the club's calendar, and never another workspace's."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.digest import service
from slackapp.events.models import Event
from slackapp.gigs.models import Gig, GigVolunteer
from slackapp.leads.models import Lead

pytestmark = pytest.mark.fast

TEAM, OTHER = "TDRULES", "TDOTHER"
TZ = "America/New_York"
# Monday 02:00 UTC: still Sunday Oct 5 in New York.
NOW = datetime(2031, 10, 6, 2, 0, tzinfo=timezone.utc)
LOCAL_TODAY = date(2031, 10, 5)


def lead(session, role: str, *, team_id=TEAM, created_at=NOW - timedelta(days=1), deadline=None) -> Lead:
    row = Lead(team_id=team_id, company="Acme", role=role, url=f"https://d.example/{team_id}/{role}", url_key=f"d.example/{team_id}/{role}",
               kind="internship", posted_by="UPOSTER", created_at=created_at, deadline=deadline)
    session.add(row)
    session.flush()
    return row


def event(session, title: str, *, team_id=TEAM, starts_at, hours=1) -> Event:
    row = Event(team_id=team_id, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), created_by="UOFFICER")
    session.add(row)
    session.flush()
    return row


def gig(session, title: str, *, team_id=TEAM, slots=1, status="open") -> Gig:
    row = Gig(team_id=team_id, title=title, needed="help", hours=Decimal(2), slots=slots, contact="UOFFICER", posted_by="UOFFICER", status=status)
    session.add(row)
    session.flush()
    return row


def week(session, *, team_id=TEAM, now=NOW, tz=TZ) -> service.Week:
    return service.this_week(session, team_id=team_id, tz=tz, now=now)


def test_a_workspace_with_nothing_has_a_quiet_week(session):
    lead(session, "Elsewhere", team_id=OTHER, deadline=LOCAL_TODAY)
    gig(session, "Elsewhere", team_id=OTHER)
    event(session, "Elsewhere", team_id=OTHER, starts_at=NOW + timedelta(days=1))
    quiet = week(session)
    assert (quiet.new, quiet.closing, quiet.gigs, quiet.events, quiet.is_quiet) == ([], [], [], [], True)
    assert not week(session, team_id=OTHER).is_quiet


def test_the_weeks_new_leads_are_those_shared_in_the_last_seven_days(session):
    lead(session, "Exactly a week ago", created_at=NOW - timedelta(days=7))
    lead(session, "Just over a week ago", created_at=NOW - timedelta(days=7, seconds=1))
    lead(session, "Yesterday", created_at=NOW - timedelta(days=1))
    got = week(session)
    assert [row.role for row in got.new] == ["Yesterday", "Exactly a week ago"] and not got.is_quiet
    assert got.closing == []


def test_deadlines_are_read_on_the_clubs_calendar(session):
    # Due on Sunday Oct 5: open all day in New York, though Monday has begun in UTC.
    lead(session, "Due today", deadline=LOCAL_TODAY)
    lead(session, "Due in a week", deadline=LOCAL_TODAY + timedelta(days=7), created_at=NOW - timedelta(days=30))
    lead(session, "Due in eight days", deadline=LOCAL_TODAY + timedelta(days=8), created_at=NOW - timedelta(days=30))
    lead(session, "Due yesterday", deadline=LOCAL_TODAY - timedelta(days=1))
    got = week(session)
    assert [row.role for row in got.new] == ["Due today"]
    assert [row.role for row in got.closing] == ["Due today", "Due in a week"] and not got.is_quiet
    assert [row.role for row in week(session, tz="UTC").closing] == ["Due in a week", "Due in eight days"]


def test_open_gigs_with_a_free_spot_are_in_the_week(session):
    free = gig(session, "Free", slots=2)
    full = gig(session, "Full", slots=1)
    session.add(GigVolunteer(team_id=TEAM, gig_id=full.id, user_id="U1", spot="volunteer"))
    gig(session, "Done", status="done")
    session.flush()
    got = week(session)
    assert [(row.title, roster.volunteers) for row, roster in got.gigs] == [("Free", [])] and got.gigs[0][0] == free
    assert not got.is_quiet


def test_the_weeks_events_start_within_seven_days_and_have_not_ended(session):
    event(session, "Ended", starts_at=NOW - timedelta(hours=2))
    event(session, "Running", starts_at=NOW - timedelta(minutes=30))
    event(session, "In exactly a week", starts_at=NOW + timedelta(days=7))
    event(session, "Just over a week", starts_at=NOW + timedelta(days=7, seconds=1))
    got = week(session)
    assert [row.title for row in got.events] == ["Running", "In exactly a week"] and not got.is_quiet
