"""What Home reads, at its edges (the fast layer, on each store): five items and "more" from the
sixth, the member's own day in the club's time zone, this month's numbers between its first and
last instant, and which viewers' Home changed — per workspace, with the same member id in two."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.events.models import Attendance, Event, Rsvp, Seat
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.home import service
from slackapp.home.models import HomeViewer
from slackapp.leads.models import Lead, SavedLead
from slackapp.micro.models import Bid, Project
from slackapp.passport.models import Claim
from tests.helpers import built_anew_for_each_test

pytestmark = pytest.mark.fast

TEAM, OTHER = "THRULES", "THOTHER"
MEMBER, OFFICER = "UMEMBER", "UOFFICER"
TZ = "America/New_York"
# Monday 02:00 UTC is still Sunday evening in New York.
NOW = datetime(2031, 10, 6, 2, 0, tzinfo=timezone.utc)
# October 2031 in New York, in UTC: from Oct 1 04:00 until Nov 1 04:00 (EDT until Nov 2).
MONTH_START = datetime(2031, 10, 1, 4, 0, tzinfo=timezone.utc)
MONTH_END = datetime(2031, 11, 1, 4, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


fresh_statements = built_anew_for_each_test(service._changed_viewers)


def event(session, *, team_id=TEAM, title="Night", starts_at=NOW + timedelta(days=1), hours=2, cancelled=False) -> Event:
    row = Event(team_id=team_id, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), created_by=OFFICER,
                cancelled_at=NOW if cancelled else None)
    session.add(row)
    session.flush()
    return row


def lead(session, *, team_id=TEAM, n=0, created_at=NOW, deadline=None) -> Lead:
    row = Lead(team_id=team_id, company=f"Co {n}", role=f"Role {n}", url=f"https://l.example/{team_id}/{n}", url_key=f"l.example/{team_id}/{n}",
               kind="internship", posted_by=OFFICER, created_at=created_at, deadline=deadline)
    session.add(row)
    session.flush()
    return row


def project(session, *, team_id=TEAM, title="Market sizing", posted_by=OFFICER, supervisor=OFFICER, status="open", created_at=NOW - timedelta(days=1)) -> Project:
    row = Project(team_id=team_id, title=title, organization="Acme", supervisor=supervisor, description="d", hours=10, due_date=date(2031, 11, 20),
                  fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by=posted_by, status=status, created_at=created_at)
    session.add(row)
    session.flush()
    return row


def bid(session, proj, *, user_id=MEMBER, status="pending", updated_at=NOW - timedelta(days=1)) -> Bid:
    row = Bid(team_id=proj.team_id, project_id=proj.id, user_id=user_id, application="me", availability="5h", status=status, updated_at=updated_at)
    session.add(row)
    session.flush()
    return row


def gig(session, *, team_id=TEAM, title="Front desk", done_at=None, posted_by=OFFICER, contact=OFFICER) -> Gig:
    row = Gig(team_id=team_id, title=title, needed="help", hours=Decimal(2), slots=3, contact=contact, posted_by=posted_by,
              status="done" if done_at else "open", done_at=done_at)
    session.add(row)
    session.flush()
    return row


def board(session, *, user_id=MEMBER, officer=False, team_id=TEAM, now=NOW):
    return service.dashboard(session, team_id=team_id, user_id=user_id, officer=officer, now=now, tz=TZ)


# ---- five, then "more" ------------------------------------------------------------------------------


def test_shown_keeps_five_and_says_more_from_the_sixth():
    assert service.Shown.of([1, 2, 3, 4, 5]) == service.Shown(items=[1, 2, 3, 4, 5], more=False)
    assert service.Shown.of([1, 2, 3, 4, 5, 6]) == service.Shown(items=[1, 2, 3, 4, 5], more=True)
    assert service.Shown.of([]) == service.Shown(items=[], more=False)


def test_the_members_day_and_week_are_the_clubs_not_utcs(session):
    session.add(HabitMember(team_id=TEAM, user_id=MEMBER, enabled=True))
    # NOW is Sunday Oct 5 in New York: the week began Monday Sep 29 (in UTC it is already Monday Oct 6).
    session.add(HabitCheck(team_id=TEAM, user_id=MEMBER, week_start=date(2031, 9, 29), item="resume"))
    session.add(HabitCheck(team_id=TEAM, user_id=MEMBER, week_start=date(2031, 10, 6), item="email"))
    session.add(HabitCheck(team_id=OTHER, user_id=MEMBER, week_start=date(2031, 9, 29), item="coffee"))
    session.flush()
    got = board(session)
    assert (got.user_id, got.tz, got.today, got.habit_on, got.habit_ticks) == (MEMBER, TZ, date(2031, 10, 5), True, {"resume"})
    assert got.passport.user_id == MEMBER and got.passport.period.start <= date(2031, 10, 5) <= got.passport.period.end
    assert got.desk is None


def test_the_habit_is_on_only_for_an_enabled_member(session):
    assert board(session).habit_on is False
    session.add(HabitMember(team_id=TEAM, user_id=MEMBER, enabled=False))
    session.add(HabitMember(team_id=OTHER, user_id=MEMBER, enabled=True))
    session.flush()
    assert board(session).habit_on is False
    assert board(session, team_id=OTHER).habit_on is True


def test_five_upcoming_events_with_the_members_seat_and_more_from_the_sixth(session):
    rows = [event(session, title=f"E{n}", starts_at=NOW + timedelta(days=1, hours=n)) for n in range(6)]
    session.add(Rsvp(team_id=TEAM, event_id=rows[1].id, user_id=MEMBER, answer="maybe", seat="maybe"))
    session.add(Rsvp(team_id=TEAM, event_id=rows[2].id, user_id="USOMEONE", answer="going", seat="going"))
    session.flush()
    got = board(session).events
    assert [(row.title, seat) for row, seat in got.items] == [("E0", None), ("E1", Seat.maybe), ("E2", None), ("E3", None), ("E4", None)]
    assert got.more
    session.delete(rows[5])
    session.flush()
    assert not board(session).events.more and len(board(session).events.items) == 5


def test_five_saved_leads_in_play_and_more_from_the_sixth(session):
    saved = [lead(session, n=n, deadline=date(2031, 11, 1) + timedelta(days=n)) for n in range(6)]
    session.add_all(SavedLead(team_id=TEAM, user_id=MEMBER, lead_id=row.id, stage="saved") for row in saved)
    session.flush()
    got = board(session).leads
    assert [row.role for _, row in got.items] == [f"Role {n}" for n in range(5)] and got.more
    session.query(SavedLead).filter(SavedLead.lead_id == saved[5].id).delete()
    session.flush()
    assert not board(session).leads.more


def test_gigs_bids_and_projects_of_the_member(session):
    mine = gig(session, title="Volunteering", posted_by=OFFICER)
    session.add(GigVolunteer(team_id=TEAM, gig_id=mine.id, user_id=MEMBER, spot="volunteer"))
    gig(session, title="Posted", posted_by=MEMBER)
    other_project = project(session, title="Theirs")
    my_bid = bid(session, other_project)
    running = [project(session, title=f"Run {n}", posted_by=MEMBER, created_at=NOW - timedelta(days=10 - n)) for n in range(6)]
    bid(session, running[5], user_id="UBIDDER1")
    bid(session, running[5], user_id="UBIDDER2")
    bid(session, running[4], user_id="UBIDDER3", status="accepted")
    got = board(session)
    assert [(row.title, spot) for row, spot in got.gigs.items] == [("Volunteering", "volunteer")] and not got.gigs.more
    assert [(row.id, proj.title) for row, proj in got.bids.items] == [(my_bid.id, "Theirs")]
    assert [row.title for row in got.posted_gigs.items] == ["Posted"]
    assert [(proj.title, waiting) for proj, waiting in got.projects.items] == [("Run 5", 2), ("Run 4", 0), ("Run 3", 0), ("Run 2", 0), ("Run 1", 0)]
    assert got.projects.more


def test_the_officers_desk_counts_seats_of_the_five_events_it_shows(session):
    rows = [event(session, title=f"E{n}", starts_at=NOW + timedelta(days=1, hours=n)) for n in range(6)]
    for row in rows:
        session.add(Rsvp(team_id=TEAM, event_id=row.id, user_id=MEMBER, answer="going", seat="going"))
    session.add_all(Claim(team_id=TEAM, user_id=f"U{n}", category="workshops", title=f"Fair {n}", evidence="e", done_on=date(2031, 10, 1), status="pending") for n in range(6))
    session.add_all(GigRequest(team_id=TEAM, requester=f"U{n}", organization=f"Org {n}", needed="n", hours=Decimal(3), status="pending") for n in range(5))
    for n in range(6):
        project(session, title=f"Waiting {n}", posted_by="UGUEST", status="pending")
    session.flush()
    desk = board(session, officer=True).desk
    assert [row.title for row in desk.events.items] == [f"E{n}" for n in range(5)] and desk.events.more
    assert set(desk.counts) == {row.id for row in rows[:5]}
    assert all(counts[Seat.going] == 1 for counts in desk.counts.values())
    assert (len(desk.claims.items), desk.claims.more, len(desk.requests.items), desk.requests.more, len(desk.projects.items), desk.projects.more) == (5, True, 5, False, 5, True)
    assert desk.month == service.month_numbers(session, team_id=TEAM, now=NOW, tz=TZ)


# ---- this month's numbers ----------------------------------------------------------------------------


def test_this_month_is_counted_from_its_first_to_its_last_instant_in_club_time(session):
    inside = (MONTH_START, MONTH_END - SECOND)
    outside = (MONTH_START - SECOND, MONTH_END)
    for n, moment in enumerate(inside + outside):
        row = event(session, title=f"E{n}", starts_at=moment)
        session.add(Attendance(team_id=TEAM, event_id=row.id, user_id=MEMBER, method="officer", marked_by=OFFICER, at=moment))
        lead(session, n=n, created_at=moment)
        done = gig(session, title=f"G{n}", done_at=moment)
        session.add(GigVolunteer(team_id=TEAM, gig_id=done.id, user_id=MEMBER, spot="volunteer", hours=Decimal("1.5")))
    session.flush()
    month = service.month_numbers(session, team_id=TEAM, now=datetime(2031, 10, 31, 12, tzinfo=timezone.utc), tz=TZ)
    assert month == service.MonthNumbers(events=2, checkins=2, leads_shared=2, volunteer_hours=Decimal("3.0"))
    # In New York it is still September at Oct 1 03:00 UTC: only the moment just before October counts.
    september = service.month_numbers(session, team_id=TEAM, now=datetime(2031, 10, 1, 3, tzinfo=timezone.utc), tz=TZ)
    assert september == service.MonthNumbers(events=1, checkins=1, leads_shared=1, volunteer_hours=Decimal("1.5"))


def test_this_months_numbers_leave_out_cancelled_events_and_other_workspaces(session):
    event(session, title="Cancelled", starts_at=MONTH_START + timedelta(days=2), cancelled=True)
    theirs = event(session, team_id=OTHER, starts_at=MONTH_START + timedelta(days=2))
    session.add(Attendance(team_id=OTHER, event_id=theirs.id, user_id=MEMBER, method="officer", marked_by=OFFICER, at=MONTH_START + timedelta(days=2)))
    lead(session, team_id=OTHER, created_at=MONTH_START + timedelta(days=2))
    done = gig(session, team_id=OTHER, done_at=MONTH_START + timedelta(days=2))
    session.add(GigVolunteer(team_id=OTHER, gig_id=done.id, user_id=MEMBER, spot="volunteer", hours=Decimal(4)))
    open_gig = gig(session, title="Not done")
    session.add(GigVolunteer(team_id=TEAM, gig_id=open_gig.id, user_id=MEMBER, spot="volunteer", hours=Decimal(2)))
    session.flush()
    month = service.month_numbers(session, team_id=TEAM, now=NOW + timedelta(days=3), tz=TZ)
    assert month == service.MonthNumbers(events=0, checkins=0, leads_shared=0, volunteer_hours=Decimal(0))
    assert service.month_numbers(session, team_id=OTHER, now=NOW + timedelta(days=3), tz=TZ) == service.MonthNumbers(1, 1, 1, Decimal(4))


def test_december_ends_at_the_new_year(session):
    # Club time UTC: the month after December is January of the next year.
    for n, moment in enumerate((datetime(2031, 12, 1, tzinfo=timezone.utc), datetime(2031, 12, 31, 23, 59, 59, tzinfo=timezone.utc), datetime(2032, 1, 1, tzinfo=timezone.utc))):
        lead(session, n=n, created_at=moment)
    assert service.month_numbers(session, team_id=TEAM, now=datetime(2031, 12, 15, tzinfo=timezone.utc), tz="UTC").leads_shared == 2


# ---- who has Home open ---------------------------------------------------------------------------------


def test_opening_home_records_the_viewer_and_opening_again_updates_it(session):
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False, now=NOW)
    service.opened(session, team_id=OTHER, user_id=MEMBER, officer=True, now=NOW)
    first = service.viewer(session, team_id=TEAM, user_id=MEMBER)
    assert (first.team_id, first.user_id, first.officer, first.opened_at, first.seen_changes_at) == (TEAM, MEMBER, False, NOW, NOW)
    later = NOW + timedelta(hours=1)
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=True, now=later)
    session.expire_all()
    again = service.viewer(session, team_id=TEAM, user_id=MEMBER)
    assert (again.id, again.officer, again.opened_at, again.seen_changes_at) == (first.id, True, later, later)
    assert session.query(HomeViewer).filter(HomeViewer.user_id == MEMBER).count() == 2
    assert service.viewer(session, team_id=OTHER, user_id=MEMBER).opened_at == NOW
    assert service.viewer(session, team_id=TEAM, user_id=OFFICER) is None


def test_opening_home_without_a_time_stamps_now(session):
    before = datetime.now(timezone.utc)
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False)
    row = service.viewer(session, team_id=TEAM, user_id=MEMBER)
    assert row.opened_at >= before - SECOND and row.seen_changes_at == row.opened_at


def viewers(session, now=NOW) -> list[tuple[str, str]]:
    return [(row.team_id, row.user_id) for row in service.changed_viewers(session, now=now)]


def seen_at(session, moment=NOW - timedelta(hours=1)) -> None:
    """Every viewer last planned at `moment`."""
    for row in session.query(HomeViewer):
        row.seen_changes_at = moment
    session.flush()


def test_a_change_at_the_moment_last_seen_is_not_new_and_one_just_after_is(session):
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False, now=NOW - timedelta(hours=1))
    night = event(session)
    rsvp = Rsvp(team_id=TEAM, event_id=night.id, user_id=MEMBER, answer="going", seat="going", updated_at=NOW - timedelta(hours=1))
    session.add(rsvp)
    session.flush()
    assert viewers(session) == []
    rsvp.updated_at = NOW - timedelta(hours=1) + SECOND
    session.flush()
    assert viewers(session) == [(TEAM, MEMBER)]


def test_a_change_for_the_same_member_id_in_another_workspace_is_not_theirs(session):
    for team in (TEAM, OTHER):
        service.opened(session, team_id=team, user_id=MEMBER, officer=False, now=NOW - timedelta(hours=1))
    theirs = event(session, team_id=OTHER)
    session.add(Rsvp(team_id=OTHER, event_id=theirs.id, user_id=MEMBER, answer="going", seat="going", updated_at=NOW - timedelta(minutes=1)))
    session.add(Claim(team_id=OTHER, user_id=MEMBER, category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="approved",
                      decided_at=NOW - timedelta(minutes=1), created_at=NOW - timedelta(days=3)))
    proj = project(session, team_id=OTHER, posted_by=MEMBER)
    bid(session, proj, user_id=MEMBER, updated_at=NOW - timedelta(minutes=1))
    assert viewers(session) == [(OTHER, MEMBER)]


@pytest.mark.parametrize("change", ["claim decided", "own bid", "bid on a project they supervise", "bid on a project they posted"])
def test_each_change_of_a_members_own_plans_their_home(session, change):
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False, now=NOW - timedelta(hours=1))
    service.opened(session, team_id=TEAM, user_id="UBYSTANDER", officer=False, now=NOW - timedelta(hours=1))
    recently = NOW - timedelta(minutes=1)
    if change == "claim decided":
        session.add(Claim(team_id=TEAM, user_id=MEMBER, category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="approved",
                          decided_at=recently, created_at=NOW - timedelta(days=3)))
        session.flush()
    elif change == "own bid":
        bid(session, project(session, created_at=NOW - timedelta(days=3)), user_id=MEMBER, updated_at=recently)
    else:
        runner = {"supervisor": MEMBER} if change.endswith("supervise") else {"posted_by": MEMBER}
        bid(session, project(session, created_at=NOW - timedelta(days=3), **runner), user_id="UBIDDER", updated_at=recently)
    assert viewers(session) == [(TEAM, MEMBER)]


@pytest.mark.parametrize("change", ["claim", "gig request", "project"])
def test_something_new_to_approve_plans_every_officers_home_in_that_workspace(session, change):
    for team, user, officer in ((TEAM, OFFICER, True), (TEAM, MEMBER, False), (OTHER, OFFICER, True)):
        service.opened(session, team_id=team, user_id=user, officer=officer, now=NOW - timedelta(hours=1))
    recently = NOW - timedelta(minutes=1)
    if change == "claim":
        session.add(Claim(team_id=TEAM, user_id="UCLAIMER", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending", created_at=recently))
    elif change == "gig request":
        session.add(GigRequest(team_id=TEAM, requester="UASKER", organization="Org", needed="n", hours=Decimal(3), status="pending", created_at=recently))
    else:
        project(session, posted_by="UGUEST", status="pending", created_at=recently)
    session.flush()
    assert viewers(session) == [(TEAM, OFFICER)]


def test_planned_viewers_are_marked_seen_up_to_five_seconds_before_now_in_id_order(session):
    for user in ("UA", "UB", "UC"):
        service.opened(session, team_id=TEAM, user_id=user, officer=True, now=NOW - timedelta(hours=1))
    session.add(Claim(team_id=TEAM, user_id="UCLAIMER", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending",
                      created_at=NOW - timedelta(minutes=1)))
    session.flush()
    assert [row.user_id for row in service.changed_viewers(session, now=NOW, limit=2)] == ["UA", "UB"]
    assert [row.seen_changes_at for row in session.query(HomeViewer).order_by(HomeViewer.id)] == [NOW - timedelta(seconds=5)] * 2 + [NOW - timedelta(hours=1)]
    # A change stamped within the last five seconds is looked for once more.
    session.add(GigRequest(team_id=TEAM, requester="UASKER", organization="Org", needed="n", hours=Decimal(3), status="pending", created_at=NOW - timedelta(seconds=2)))
    session.flush()
    assert [row.user_id for row in service.changed_viewers(session, now=NOW)] == ["UA", "UB", "UC"]
    assert [row.user_id for row in service.changed_viewers(session, now=NOW + timedelta(seconds=10))] == ["UA", "UB", "UC"]
    assert [row.user_id for row in service.changed_viewers(session, now=NOW + timedelta(seconds=20))] == []


def test_a_viewer_seen_later_than_now_keeps_that_time(session):
    service.opened(session, team_id=TEAM, user_id=OFFICER, officer=True, now=NOW + timedelta(minutes=1))
    session.add(Claim(team_id=TEAM, user_id="UCLAIMER", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending",
                      created_at=NOW + timedelta(minutes=2)))
    session.flush()
    assert [row.seen_changes_at for row in service.changed_viewers(session, now=NOW)] == [NOW + timedelta(minutes=1)]


SEEN = NOW - timedelta(hours=1)


def change_at(session, change: str, moment: datetime) -> None:
    """One change of each kind Home watches, stamped at `moment`."""
    long_ago = NOW - timedelta(days=30)
    if change == "answer":
        session.add(Rsvp(team_id=TEAM, event_id=event(session).id, user_id=MEMBER, answer="going", seat="going", updated_at=moment))
    elif change == "claim decided":
        session.add(Claim(team_id=TEAM, user_id=MEMBER, category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="approved",
                          decided_at=moment, created_at=long_ago))
    elif change == "own bid":
        bid(session, project(session, created_at=long_ago), user_id=MEMBER, updated_at=moment)
    elif change == "bid on their project":
        bid(session, project(session, created_at=long_ago, posted_by=MEMBER), user_id="UBIDDER", updated_at=moment)
    elif change == "new claim":
        session.add(Claim(team_id=TEAM, user_id="UCLAIMER", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending", created_at=moment))
    elif change == "new gig request":
        session.add(GigRequest(team_id=TEAM, requester="UASKER", organization="Org", needed="n", hours=Decimal(3), status="pending", created_at=moment))
    else:
        project(session, posted_by="UGUEST", status="pending", created_at=moment)
    session.flush()


CHANGES = ["answer", "claim decided", "own bid", "bid on their project", "new claim", "new gig request", "new project"]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_stamped_at_or_before_the_last_plan_is_not_new(session, change):
    officer = change.startswith("new")
    service.opened(session, team_id=TEAM, user_id=OFFICER if officer else MEMBER, officer=officer, now=SEEN)
    change_at(session, change, SEEN)
    change_at(session, change, SEEN - timedelta(days=2))
    assert viewers(session) == []


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_stamped_just_after_the_last_plan_is_new(session, change):
    officer = change.startswith("new")
    service.opened(session, team_id=TEAM, user_id=OFFICER if officer else MEMBER, officer=officer, now=SEEN)
    change_at(session, change, SEEN + SECOND)
    assert viewers(session) == [(TEAM, OFFICER if officer else MEMBER)]


def test_five_hundred_homes_are_planned_at_a_time(session):
    session.add_all(HomeViewer(team_id=TEAM, user_id=f"U{n:04d}", officer=True, opened_at=SEEN, seen_changes_at=SEEN) for n in range(501))
    session.flush()
    change_at(session, "new claim", NOW - timedelta(minutes=1))
    assert len(service.changed_viewers(session, now=NOW)) == 500
    assert viewers(session) == [(TEAM, "U0500")]


def test_the_passport_on_home_is_the_members_record_in_this_workspace(session):
    from slackapp.passport import service as passport

    night = event(session, starts_at=NOW - timedelta(days=2))
    session.add(Attendance(team_id=TEAM, event_id=night.id, user_id=MEMBER, method="officer", marked_by=OFFICER, at=NOW - timedelta(days=2)))
    session.flush()
    got = board(session).passport
    assert got == passport.record(session, team_id=TEAM, user_id=MEMBER, today=date(2031, 10, 5), tz=TZ)
    assert [stamp.ref for stamp in got.stamps] == [f"event:{night.id}"]
    assert board(session, team_id=OTHER).passport.stamps == ()
