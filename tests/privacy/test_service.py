"""Export and forget-me on a migrated database of each store (the fast layer): a member in every
table, found in every table, then gone from every table while the club's counts stay right."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Text, cast, func, or_, select

from slackapp.alerts.models import Alert, AlertMatch
from slackapp.ask.models import Helper, HelpRequest
from slackapp.intros.models import IntroAvoid, IntroMember
from slackapp.club.models import Officer
from slackapp.companies.models import Company, Contact, Follow, Review
from slackapp.events.models import Attendance, Event, EventSeries, Rsvp, RsvpAction, SeriesMember
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer
from slackapp.habit.models import HabitCheck, HabitMember
from slackapp.home.models import HomeViewer
from slackapp.leads.models import Lead, SavedLead
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

TEAM = "TPRIVACY"
ME, OTHER, OFFICER = "UFORGETME01", "UOTHER0001", "UOFFICER01"
NOW = datetime(2031, 10, 6, 15, 0, tzinfo=timezone.utc)


def seed(session, user: str) -> None:
    """The member everywhere the app can store them."""
    event = Event(team_id=TEAM, title="Night", starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by=OFFICER, description=f"Ask <@{user}> about it")
    lead = Lead(team_id=TEAM, company="Acme", role="Analyst", url=f"https://l.example/{len(user)}{user[-2:]}", url_key=f"l.example/{len(user)}{user[-2:]}", kind="internship", posted_by=user)
    gig = Gig(team_id=TEAM, title="Web page", needed="help", hours=Decimal(2), slots=3, contact=OFFICER, posted_by=OFFICER, status="done", done_at=NOW)
    project = Project(team_id=TEAM, title="Deck", organization="Acme", supervisor=OFFICER, description="d", hours=10, due_date=date(2031, 11, 1),
                      fee_cents=40000, remote=True, bid_deadline=date(2031, 10, 20), posted_by=OFFICER, status="open")
    series = EventSeries(team_id=TEAM, rule="weekly", first_day=date(2031, 10, 7), local_start="18:00", timezone="UTC", duration_minutes=60, times=4,
                         title="Weekly", category="workshops", created_by=OFFICER, status="active", next_occurrence=0)
    session.add_all([event, lead, gig, project, series])
    session.flush()
    bid = Bid(team_id=TEAM, project_id=project.id, user_id=user, application="My application", availability="10h", portfolio="https://me.example",
              status="completed", completed_at=NOW)
    session.add_all([
        Rsvp(team_id=TEAM, event_id=event.id, user_id=user, answer="going", seat="going"), SeriesMember(team_id=TEAM, series_id=series.id, user_id=user),
        RsvpAction(team_id=TEAM, event_id=event.id, user_id=user, delivery_id=f"Ev{user[-4:]}", action="going", at="1.0"),
        Attendance(team_id=TEAM, event_id=event.id, user_id=user, method="button", marked_by=user),
        SavedLead(team_id=TEAM, user_id=user, lead_id=lead.id, stage="applied"),
        Alert(team_id=TEAM, user_id=user, query="analyst"),
        AlertMatch(team_id=TEAM, user_id=user, item_kind="lead", item_id=lead.id, job_key=f"alerts:daily:{user}:2031-10-06"),
        HelpRequest(team_id=TEAM, user_id=user, kind="resume", topic="My resume", link="https://me.example/cv", availability="Evenings", status="done",
                    helper=OFFICER, claimed_at=NOW, closed_at=NOW, rating=5, note="Great help"),
        Helper(team_id=TEAM, user_id=user, kinds="advice"),
        IntroMember(team_id=TEAM, user_id=user, counted_since=date(2031, 10, 6)), IntroAvoid(team_id=TEAM, user_id=user, avoided=OFFICER),
        GigVolunteer(team_id=TEAM, gig_id=gig.id, user_id=user, spot="volunteer", hours=Decimal(2), hours_confirmed_by=OFFICER),
        GigRequest(team_id=TEAM, requester=user, organization="Org", needed="n", hours=Decimal(3), status="pending"),
        HabitMember(team_id=TEAM, user_id=user), HabitCheck(team_id=TEAM, user_id=user, week_start=date(2031, 10, 6), item="resume"),
        HomeViewer(team_id=TEAM, user_id=user, officer=False, opened_at=NOW, seen_changes_at=NOW),
        Claim(team_id=TEAM, user_id=user, category="workshops", title="Fair", evidence="photo", done_on=date(2031, 10, 1), status="pending"),
        PassportMember(team_id=TEAM, user_id=user, leaderboard=True),
        BookConsent(team_id=TEAM, book_id=1, user_id=user, invited_at=NOW, consented_at=NOW), BookOptOut(team_id=TEAM, user_id=user),
        Profile(team_id=TEAM, user_id=user, school="State U", major="Finance"),
        Member(team_id=TEAM, user_id=user, tz="America/Chicago"),
        Officer(team_id=TEAM, user_id=user, added_by=OFFICER),
        bid,
        Job(team_id=TEAM, kind="dm", key=f"dm:{user}", target=user, payload={"text": "hi"}, due_at=NOW, expires_at=NOW, next_attempt_at=NOW),
        Job(team_id=TEAM, kind="dm", key=f"dm:about:{user}", target=OFFICER, payload={"text": f"<@{user}> asked"}, due_at=NOW, expires_at=NOW, next_attempt_at=NOW),
        InboxEvent(team_id=TEAM, event_id=f"Ev{user[-4:]}", body={"event": {"user": user}}, received_at=NOW, attempts=0),
    ])
    session.flush()
    session.add(Evaluation(team_id=TEAM, bid_id=bid.id, student=user, quality=5, communication=5, timeliness=5, feedback="Great", evaluated_by=OFFICER))
    session.flush()
    # One record per seeded member (the key names nobody).
    company = Company(team_id=TEAM, name="Acme", key=f"acme {session.scalar(select(func.count()).select_from(Company))}")
    session.add(company)
    session.flush()
    session.add_all([
        Review(team_id=TEAM, company_id=company.id, user_id=user, rating=4, text="Kind interviewers", year=2031, role="Intern", anonymous=True, status="approved"),
        Follow(team_id=TEAM, company_id=company.id, user_id=user),
        Contact(team_id=TEAM, company_id=company.id, club_member=user, their_person="Dana", contacted_on=date(2031, 10, 1), logged_by=OFFICER),
    ])
    session.flush()


def traces(session, user: str) -> dict[str, int]:
    """Rows of each table that still contain the member's id anywhere."""
    found = {}
    for table in (t for t in metadata.sorted_tables if "team_id" in t.c):
        count = session.scalar(select(func.count()).select_from(table).where(table.c.team_id == TEAM, or_(*(cast(column, Text).contains(user) for column in table.columns))))
        if count:
            found[table.name] = count
    return found


def counts(session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model).where(model.team_id == TEAM))
            for model in (Rsvp, RsvpAction, Attendance, GigVolunteer, Lead, Bid, GigRequest)}


def test_a_member_is_found_in_every_table_that_names_them(session):
    seed(session, ME)
    seed(session, OTHER)
    found = service.everything_about(session, team_id=TEAM, user_id=ME)
    assert set(found) == {
        "events", "leads", "rsvps", "rsvp_actions", "attendance", "saved_leads", "gig_volunteers", "gig_requests", "habit_members", "habit_checks",
        "home_viewers", "passport_claims", "passport_members", "profiles", "members", "officers", "micro_bids", "micro_evaluations", "jobs", "inbox",
        "lead_alerts", "alert_matches", "help_requests", "helpers", "intro_members", "intro_avoids", "event_series_members",
        "resume_book_consents", "resume_book_optouts",
        "company_reviews", "company_contacts", "company_follows",
    }
    assert [row["school"] for row in found["profiles"]] == ["State U"] and len(found["saved_leads"]) == 1
    assert '"user_id": "UFORGETME01"' in service.as_json(found, user_id=ME, team_id=TEAM)


def test_forgetting_leaves_no_trace_and_keeps_the_counts(session):
    seed(session, ME)
    seed(session, OTHER)
    before = counts(session)
    assert traces(session, ME) != {}
    stand_in = service.forget(session, team_id=TEAM, user_id=ME)
    assert traces(session, ME) == {}
    assert counts(session) == before  # answers, check-ins, volunteering, leads and bids still count
    assert session.scalar(select(Event.description).where(Event.team_id == TEAM, Event.description.contains(stand_in))) == f"Ask <@{stand_in}> about it"
    assert session.scalar(select(Bid.application).where(Bid.user_id == stand_in)) == service.REMOVED
    # The other member is untouched.
    assert service.everything_about(session, team_id=TEAM, user_id=OTHER)["profiles"][0]["school"] == "State U"
    assert traces(session, OTHER) != {}


def test_each_row_names_what_it_refers_to_next_to_the_id(session):
    seed(session, ME)
    found = service.everything_about(session, team_id=TEAM, user_id=ME)
    [saved] = found["saved_leads"]
    assert isinstance(saved["lead_id"], int) and saved["lead"] == {"company": "Acme", "role": "Analyst"}
    for table in ("rsvps", "rsvp_actions", "attendance"):
        [row] = found[table]
        assert row["event"] == {"title": "Night", "starts_at": NOW.isoformat()} and isinstance(row["event_id"], int)
    [spot] = found["gig_volunteers"]
    assert spot["gig"] == {"title": "Web page", "due_date": None}
    [bid] = found["micro_bids"]
    assert bid["project"] == {"title": "Deck", "organization": "Acme"}
    # An evaluation names the bid it is about, and the bid its project.
    [evaluation] = found["micro_evaluations"]
    assert evaluation["bid"] == {"project_id": bid["project_id"], "project": {"title": "Deck", "organization": "Acme"}}
    explained = json.loads(service.as_json(found, user_id=ME, team_id=TEAM))["about"]
    assert set(explained) == set(found) and all(explained.values())
