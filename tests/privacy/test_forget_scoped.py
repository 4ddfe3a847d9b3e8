"""Forget-me forgets the member in the workspace that asked, and only there (the fast layer).

Slack user ids are only unique within a workspace as far as this app is concerned (and an Enterprise
Grid member has one id in every workspace of the org), so the same id is seeded in two workspaces:
forgetting it in one must leave every row of the other exactly as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from slackapp.alerts.models import Alert, AlertMatch
from slackapp.ask.models import Helper, HelpRequest
from slackapp.intros.models import IntroAvoid, IntroMember
from slackapp.club.models import Officer
from slackapp.companies.models import Company, Contact, Follow, Review
from slackapp.events.models import Attendance, Event, EventSeries, Rsvp, RsvpAction, SeriesMember
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.home.models import HomeViewer
from slackapp.leads.models import Lead, LeadReport, SavedLead
from slackapp.micro.models import Bid, Evaluation, Project
from slackapp.models import metadata
from slackapp.passport.models import Claim, PassportMember
from slackapp.privacy import service
from slackapp.profiles.models import Profile
from slackapp.resumebook.models import Consent as BookConsent
from slackapp.resumebook.models import OptOut as BookOptOut
from slackapp.scheduler.models import Job, Member
from slackapp.slack.inbox import InboxEvent

pytestmark = pytest.mark.fast

ASKING, KEPT = "TFORGETHERE", "TKEEPTHERE"
ME, OFFICER = "USAMEIDBOTH", "UOFFICERBOTH"
NOW = datetime(2031, 10, 6, 15, 0, tzinfo=UTC)


def seed(session, team: str, user: str) -> None:
    """The member in every kind of row the app keeps about them, in one workspace."""
    event = Event(team_id=team, title="Night", starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by=OFFICER, description=f"Ask <@{user}> about it")
    lead = Lead(team_id=team, company="Acme", role="Analyst", url=f"https://l.example/{team}", url_key=f"l.example/{team}", kind="internship", posted_by=user)
    gig = Gig(team_id=team, title="Web page", needed="help", hours=Decimal(2), slots=3, contact=OFFICER, posted_by=OFFICER, status="done", done_at=NOW)
    project = Project(
        team_id=team,
        title="Deck",
        organization="Acme",
        supervisor=OFFICER,
        description="d",
        hours=10,
        due_date=date(2031, 11, 1),
        fee_cents=40000,
        remote=True,
        bid_deadline=date(2031, 10, 20),
        posted_by=OFFICER,
        status="open",
    )
    series = EventSeries(team_id=team, rule="weekly", first_day=date(2031, 10, 7), local_start="18:00", timezone="UTC", duration_minutes=60, times=4,
                         title="Weekly", category="workshops", created_by=OFFICER, status="active", next_occurrence=0)
    company = Company(team_id=team, name="Acme", key="acme")
    session.add_all([event, lead, gig, project, series, company])
    session.flush()
    session.add_all(
        [
            Review(team_id=team, company_id=company.id, user_id=user, rating=4, text="Kind interviewers", year=2031, role="Intern", anonymous=True, status="approved", decided_by=OFFICER),
            Follow(team_id=team, company_id=company.id, user_id=user),
            Contact(team_id=team, company_id=company.id, club_member=user, their_person="Dana", contacted_on=date(2031, 10, 1), logged_by=OFFICER),
        ]
    )
    bid = Bid(team_id=team, project_id=project.id, user_id=user, application="My application", availability="10h", portfolio="https://me.example", status="completed", completed_at=NOW)
    session.add_all(
        [
            Rsvp(team_id=team, event_id=event.id, user_id=user, answer="going", seat="going"), SeriesMember(team_id=team, series_id=series.id, user_id=user),
            RsvpAction(team_id=team, event_id=event.id, user_id=user, delivery_id=f"Ev{team[-4:]}", action="going", at="1.0"),
            Attendance(team_id=team, event_id=event.id, user_id=user, method="button", marked_by=user),
            SavedLead(team_id=team, user_id=user, lead_id=lead.id, stage="applied"),
            LeadReport(team_id=team, lead_id=lead.id, user_id=user, reason="spam", note="Looks like a scam"),
            Alert(team_id=team, user_id=user, query="analyst"),
            AlertMatch(team_id=team, user_id=user, item_kind="lead", item_id=lead.id, job_key=f"alerts:daily:{user}:2031-10-06"),
            HelpRequest(team_id=team, user_id=user, kind="resume", topic="My resume", link="https://me.example/cv", availability="Evenings",
                        status="done", helper=OFFICER, claimed_at=NOW, closed_at=NOW, rating=5, note="Great help"),
            Helper(team_id=team, user_id=user, kinds="advice"),
            IntroMember(team_id=team, user_id=user, counted_since=date(2031, 10, 6)),
            IntroAvoid(team_id=team, user_id=user, avoided=OFFICER),
            GigVolunteer(team_id=team, gig_id=gig.id, user_id=user, spot="volunteer", hours=Decimal(2), hours_confirmed_by=OFFICER),
            GigRequest(team_id=team, requester=user, organization="Org", needed="n", hours=Decimal(3), status="pending"),
            HabitMember(team_id=team, user_id=user),
            HabitCheck(team_id=team, user_id=user, week_start=date(2031, 10, 6), item="resume"),
            HomeViewer(team_id=team, user_id=user, officer=False, opened_at=NOW, seen_changes_at=NOW),
            Claim(team_id=team, user_id=user, category="workshops", title="Fair", evidence="photo", done_on=date(2031, 10, 1), status="pending"),
            PassportMember(team_id=team, user_id=user, leaderboard=True),
            BookConsent(team_id=team, book_id=1, user_id=user, invited_at=NOW, consented_at=NOW), BookOptOut(team_id=team, user_id=user),
            Profile(team_id=team, user_id=user, school="State U", major="Finance"),
            Member(team_id=team, user_id=user, tz="America/Chicago"),
            Officer(team_id=team, user_id=user, added_by=OFFICER),
            bid,
            Job(team_id=team, kind="dm", key=f"dm:{user}", target=user, payload={"text": "hi"}, due_at=NOW, expires_at=NOW, next_attempt_at=NOW),
            Job(team_id=team, kind="dm", key=f"dm:about:{user}", target=OFFICER, payload={"text": f"<@{user}> asked"}, due_at=NOW, expires_at=NOW, next_attempt_at=NOW),
            InboxEvent(team_id=team, event_id=f"Ev{team[-4:]}", body={"event": {"user": user}}, received_at=NOW, attempts=0),
        ]
    )
    session.flush()
    session.add(Evaluation(team_id=team, bid_id=bid.id, student=user, quality=5, communication=5, timeliness=5, feedback="Great", evaluated_by=OFFICER))
    session.flush()


def rows_per_table(session, team: str) -> dict[str, int]:
    tables = (table for table in metadata.sorted_tables if "team_id" in table.c)
    counts = {table.name: session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team)) for table in tables}
    return {name: count for name, count in counts.items() if count}


def test_forgetting_a_member_leaves_the_same_id_in_another_workspace_untouched(session):
    seed(session, ASKING, ME)
    seed(session, KEPT, ME)
    kept_rows = rows_per_table(session, KEPT)
    kept_about_me = service.everything_about(session, team_id=KEPT, user_id=ME)
    # Every table the member can be in (the deletes, the blanked bid, the rewritten ids and mentions).
    assert set(kept_about_me) >= set(service.PERSONAL) | set(service.ABOUT) | set(service.LOGS) | set(service.WRITTEN)

    stand_in = service.forget(session, team_id=ASKING, user_id=ME)
    session.expire_all()

    # Gone where it was asked for ...
    assert service.everything_about(session, team_id=ASKING, user_id=ME) == {}
    # ... and every row of the other workspace is exactly as it was: nothing deleted, blanked or rewritten.
    assert rows_per_table(session, KEPT) == kept_rows
    assert service.everything_about(session, team_id=KEPT, user_id=ME) == kept_about_me
    assert service.everything_about(session, team_id=KEPT, user_id=stand_in) == {}


def test_forgetting_in_a_workspace_where_they_never_were_changes_nothing_elsewhere(session):
    seed(session, KEPT, ME)
    before = service.everything_about(session, team_id=KEPT, user_id=ME)
    service.forget(session, team_id=ASKING, user_id=ME)
    session.expire_all()
    assert service.everything_about(session, team_id=KEPT, user_id=ME) == before
