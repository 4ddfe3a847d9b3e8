"""App Home on a migrated database of each store (the fast layer): a member's and an officer's
dashboard with 500 items behind every list stays valid Block Kit within 100 blocks; what changes
plans a new publish."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.events.models import Event, Rsvp
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.home import service, views
from slackapp.leads.models import Lead, SavedLead
from slackapp.micro.models import Bid, Project
from slackapp.passport.models import Claim
from tests.blockkit import view_problems
from tests.helpers import all_text

pytestmark = pytest.mark.fast

TEAM, OTHER = "THOME", "TOTHER"
MEMBER, OFFICER = "UMEMBER", "UOFFICER"
NOW = datetime(2031, 10, 6, 15, 0, tzinfo=timezone.utc)
TZ = "America/New_York"
BEHIND = 500


def many(session, make, count: int = BEHIND) -> None:
    session.add_all(make(n) for n in range(count))
    session.flush()


def fill(session) -> None:
    """500 of everything Home lists, for the member and for the officers' desk."""
    many(session, lambda n: Event(team_id=TEAM, title=f"Night <{n}>", starts_at=NOW + timedelta(days=1, minutes=n), ends_at=NOW + timedelta(days=1, hours=2, minutes=n), created_by=OFFICER))
    events = session.query(Event).filter(Event.team_id == TEAM).all()
    session.add_all(Rsvp(team_id=TEAM, event_id=event.id, user_id=MEMBER, answer="going", seat="going") for event in events)
    many(session, lambda n: Lead(team_id=TEAM, company=f"Co {n}", role="Analyst & *friend*", url=f"https://l.example/{n}", url_key=f"l.example/{n}", kind="internship", posted_by=OFFICER, deadline=date(2031, 11, 1)))
    leads = session.query(Lead).filter(Lead.team_id == TEAM).all()
    session.add_all(SavedLead(team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage="saved") for lead in leads)
    many(session, lambda n: Gig(team_id=TEAM, title=f"Gig {n}", needed="help", hours=Decimal(2), slots=1, contact=OFFICER, posted_by=OFFICER))
    gigs = session.query(Gig).filter(Gig.team_id == TEAM).all()
    session.add_all(GigVolunteer(team_id=TEAM, gig_id=gig.id, user_id=MEMBER, spot="volunteer") for gig in gigs)
    many(session, lambda n: Project(team_id=TEAM, title=f"Project {n}", organization="Acme", supervisor=OFFICER, description="d", hours=10, due_date=date(2031, 11, 20),
                                    fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by=OFFICER, status="pending"))
    projects = session.query(Project).filter(Project.team_id == TEAM).all()
    session.add_all(Bid(team_id=TEAM, project_id=p.id, user_id=MEMBER, application="me", availability="5h", status="pending") for p in projects)
    many(session, lambda n: Claim(team_id=TEAM, user_id=f"U{n:05d}", category="workshops", title=f"Fair {n}", evidence="e", done_on=date(2031, 10, 1), status="pending"))
    many(session, lambda n: GigRequest(team_id=TEAM, requester=f"U{n:05d}", organization=f"Org {n}", needed="n", hours=Decimal(3), status="pending"))
    session.add(HabitMember(team_id=TEAM, user_id=MEMBER, enabled=True))
    session.add_all(HabitCheck(team_id=TEAM, user_id=MEMBER, week_start=date(2031, 10, 6), item=item) for item in ("resume", "email"))
    session.flush()


@pytest.mark.parametrize("officer", [False, True], ids=["member", "officer"])
def test_home_stays_within_slacks_limits_with_500_items_behind_every_list(session, officer):
    fill(session)
    board = service.dashboard(session, team_id=TEAM, user_id=MEMBER, officer=officer, now=NOW, tz=TZ)
    view = views.home_view(board)
    assert view_problems(view) == []
    assert len(view["blocks"]) <= 60  # far inside the 100 Slack allows: every list ends in "see all"
    text = all_text(view["blocks"])
    for where in ("`/events`", "`/internships mine`", "`/gigs mine`", "`/internships micro mine`"):
        assert f"More in {where}." in text
    assert "Night &lt;0&gt;" in text and "<0>" not in text  # user text escaped
    assert "(2 of 5)" in text and "☑ Worked on my resume" in text
    assert ("Officers" in text) is officer and ("5+ passport claims" in text) is officer


def test_an_empty_home_says_where_to_start(session):
    board = service.dashboard(session, team_id=OTHER, user_id=MEMBER, officer=True, now=NOW, tz=TZ)
    text = all_text(views.home_view(board)["blocks"])
    assert "No upcoming events" in text and "Nothing saved yet" in text and "/internships habit on" in text
    assert "0 events · 0 check-ins · 0 leads shared · 0 volunteer hours" in text


def test_changes_plan_a_publish_once_for_viewers_only(session):
    event = Event(team_id=TEAM, title="Night", starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=1), created_by=OFFICER)
    session.add(event)
    session.flush()
    opened_at = NOW - timedelta(minutes=5)
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False, now=opened_at)
    service.opened(session, team_id=TEAM, user_id=OFFICER, officer=True, now=opened_at)
    assert service.changed_viewers(session, now=NOW) == []

    # The member's answer changes (a promotion from the waitlist touches the same row).
    session.add(Rsvp(team_id=TEAM, event_id=event.id, user_id=MEMBER, answer="going", seat="going", updated_at=NOW - timedelta(minutes=1)))
    # Someone who never opened Home answers too: nothing to publish for them.
    session.add(Rsvp(team_id=TEAM, event_id=event.id, user_id="UNOHOME", answer="going", seat="going", updated_at=NOW - timedelta(minutes=1)))
    session.flush()
    assert [(v.user_id, v.officer) for v in service.changed_viewers(session, now=NOW)] == [(MEMBER, False)]
    assert service.changed_viewers(session, now=NOW + timedelta(seconds=10)) == []

    # A new claim waits for officers: their Home changes, the member's doesn't.
    session.add(Claim(team_id=TEAM, user_id="USOMEONE", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending",
                      created_at=NOW + timedelta(seconds=20)))
    session.flush()
    assert [v.user_id for v in service.changed_viewers(session, now=NOW + timedelta(seconds=30))] == [OFFICER]


def test_the_gigs_and_projects_a_member_posted_are_on_their_home(session):
    """An officer who posted two gigs and a project with a bid waiting sees them, not "None yet"."""
    session.add_all([
        Gig(team_id=TEAM, title="Front desk", needed="help", hours=Decimal(2), slots=2, contact=OFFICER, posted_by=OFFICER),
        Gig(team_id=TEAM, title="Photo booth", needed="help", hours=Decimal(1), slots=1, contact=MEMBER, posted_by=OFFICER, status="done"),
    ])
    project = Project(team_id=TEAM, title="Market sizing", organization="Acme", supervisor=OFFICER, description="d", hours=10, due_date=date(2031, 11, 20),
                      fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by=OFFICER, status="open")
    session.add(project)
    session.flush()
    session.add(Bid(team_id=TEAM, project_id=project.id, user_id=MEMBER, application="me", availability="5h", status="pending"))
    session.flush()

    text = all_text(views.home_view(service.dashboard(session, team_id=TEAM, user_id=OFFICER, officer=True, now=NOW, tz=TZ))["blocks"])

    assert "None yet" not in text
    assert "• Gig *Front desk* · you posted it · open" in text and "• Gig *Photo booth* · you posted it · done" in text
    assert "• Project *Market sizing* · taking bids · 1 bid waiting · you posted it" in text
    # The contact of a gig someone else posted sees it too; a member with nothing sees where to start.
    contact = all_text(views.home_view(service.dashboard(session, team_id=TEAM, user_id=MEMBER, officer=False, now=NOW, tz=TZ))["blocks"])
    assert "• Gig *Photo booth* · you're the contact · done" in contact
    stranger = all_text(views.home_view(service.dashboard(session, team_id=TEAM, user_id="USTRANGER", officer=False, now=NOW, tz=TZ))["blocks"])
    assert "None yet." in stranger


def test_a_new_bid_on_a_members_project_publishes_their_home_again(session):
    project = Project(team_id=TEAM, title="Market sizing", organization="Acme", supervisor=OFFICER, description="d", hours=10, due_date=date(2031, 11, 20),
                      fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by=MEMBER, status="open")
    session.add(project)
    session.flush()
    service.opened(session, team_id=TEAM, user_id=MEMBER, officer=False, now=NOW - timedelta(minutes=5))
    assert service.changed_viewers(session, now=NOW) == []
    session.add(Bid(team_id=TEAM, project_id=project.id, user_id="UBIDDER", application="me", availability="5h", status="pending", updated_at=NOW - timedelta(minutes=1)))
    session.flush()
    assert [v.user_id for v in service.changed_viewers(session, now=NOW)] == [MEMBER]


def test_counts_of_one_on_the_officers_desk_read_right(session):
    session.add(Claim(team_id=TEAM, user_id="UCLAIMER", category="workshops", title="Fair", evidence="e", done_on=date(2031, 10, 1), status="pending"))
    session.add(GigRequest(team_id=TEAM, requester="UASKER", organization="Org", needed="n", hours=Decimal(3), status="pending"))
    session.add(Project(team_id=TEAM, title="Waiting", organization="Acme", supervisor=OFFICER, description="d", hours=10, due_date=date(2031, 11, 20),
                        fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by="UGUEST", status="pending"))
    gig = Gig(team_id=TEAM, title="Done", needed="help", hours=Decimal(1), slots=1, contact=OFFICER, posted_by=OFFICER, status="done", done_at=NOW - timedelta(days=1))
    session.add(gig)
    session.flush()
    session.add(GigVolunteer(team_id=TEAM, gig_id=gig.id, user_id=MEMBER, spot="volunteer", hours=Decimal(1)))
    session.flush()

    text = all_text(views.home_view(service.dashboard(session, team_id=TEAM, user_id=OFFICER, officer=True, now=NOW, tz=TZ))["blocks"])

    assert "1 passport claim · 1 gig request · 1 micro-internship post" in text
    assert text.endswith("· 1 volunteer hour")
