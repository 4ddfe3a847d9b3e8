"""A seeded club year for the review's tests: rows put straight in the store, with groups of 5 or
more members (shown) and smaller ones (hidden), and rows just outside the rules and the dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from slackapp.ask.models import HelpRequest
from slackapp.events.models import Attendance, Event
from slackapp.gigs.models import Gig, GigVolunteer
from slackapp.leads.models import Lead
from slackapp.micro.models import Bid, Project
from tests.conftest import new_id

try:
    from slackapp.intros.models import Intro, IntroPerson, IntroRound
except ImportError:  # /intros not installed: the review leaves its line out
    Intro = None

START, END = date(2025, 8, 1), date(2026, 5, 31)
FORMULA = '=HYPERLINK("https://evil.example","Workshop")'


def at(day: str, hour: int = 18) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def add_event(session: Session, team_id: str, officer: str, title: str, day: str, category: str, attendees: list[str], *, cancelled: bool = False) -> Event:
    starts = at(day)
    event = Event(
        team_id=team_id, title=title, starts_at=starts, ends_at=starts + timedelta(hours=2), category=category, created_by=officer, cancelled_at=starts - timedelta(days=1) if cancelled else None
    )
    session.add(event)
    session.flush()
    session.add_all(Attendance(team_id=team_id, event_id=event.id, user_id=user, method="officer", marked_by=officer, at=starts) for user in attendees)
    return event


def add_lead(session: Session, team_id: str, user: str, day: str, status: str = "open") -> None:
    url = f"https://jobs.example/{new_id('L')}"
    session.add(
        Lead(
            team_id=team_id,
            company="Acme",
            role="Analyst intern",
            url=url,
            url_key=url,
            kind="internship",
            posted_by=user,
            created_at=at(day, 12),
            status=status,
            expires_on=date.fromisoformat(day) + timedelta(days=30),
        )
    )


def seed_year(session: Session, team_id: str, officer: str) -> list[str]:
    """The year 2025-08-01 to 2026-05-31 of a club of 8 members (returned); what the review of it
    shows is in EXPECTED."""
    m = [new_id("U") for _ in range(8)]
    # Events: 3 held in the period (6, 2 and 7 checked in); a cancelled one and one after the period don't count.
    add_event(session, team_id, officer, "Meet the Firm Night", "2025-09-15", "career_events", m[:6])
    add_event(session, team_id, officer, FORMULA, "2025-10-10", "workshops", m[:2])
    add_event(session, team_id, officer, "Consulting case night", "2026-02-12", "employer_meetings", m[:7])
    add_event(session, team_id, officer, "Cancelled mixer", "2025-11-05", "career_events", m[:6], cancelled=True)
    add_event(session, team_id, officer, "Summer social", "2026-06-10", "career_events", m[:6])
    # Leads: 6 shared in October by 6 members; one waiting for approval, one removed, one the year before.
    for user in m[:6]:
        add_lead(session, team_id, user, "2025-10-20")
    add_lead(session, team_id, m[6], "2025-10-21", status="pending")
    add_lead(session, team_id, m[7], "2025-10-22", status="removed")
    add_lead(session, team_id, m[0], "2024-10-20")
    # Gigs: 7 hours confirmed by 3 volunteers (a small group); an open gig's hours don't count.
    done = Gig(
        team_id=team_id, title="Career fair desk", needed="Staff the desk", hours=Decimal(4), slots=3, contact=officer, posted_by=officer, status="done", done_at=at("2025-11-20"), done_by=officer
    )
    still_open = Gig(team_id=team_id, title="Open gig", needed="Help", hours=Decimal(2), slots=1, contact=officer, posted_by=officer, status="open")
    session.add_all([done, still_open])
    session.flush()
    for user, hours in ((m[0], "3.5"), (m[1], "2"), (m[2], "1.5")):
        session.add(GigVolunteer(team_id=team_id, gig_id=done.id, user_id=user, spot="volunteer", hours=Decimal(hours), hours_confirmed_by=officer))
    session.add(GigVolunteer(team_id=team_id, gig_id=still_open.id, user_id=m[3], spot="volunteer", hours=Decimal(2)))
    # Micro-internships: 5 completed in March (2 of them paid); one still in progress.
    project = Project(
        team_id=team_id,
        title="Market sizing",
        organization="Acme",
        supervisor=officer,
        description="Size a market",
        hours=10,
        due_date=date(2026, 3, 31),
        fee_cents=50000,
        remote=True,
        positions=6,
        bid_deadline=date(2026, 2, 1),
        posted_by=officer,
        status="closed",
    )
    session.add(project)
    session.flush()
    for index, user in enumerate(m[:6]):
        status = "in_progress" if index == 5 else ("paid" if index < 2 else "completed")
        session.add(
            Bid(
                team_id=team_id,
                project_id=project.id,
                user_id=user,
                application="I'd like to",
                availability="10 h a week",
                status=status,
                completed_at=None if status == "in_progress" else at("2026-03-20"),
            )
        )
    # Help: 5 requests marked done in April, by 5 members, helped by 5 others; one withdrawn.
    for asker, helper in zip(m[:5], m[3:8]):
        session.add(
            HelpRequest(
                team_id=team_id,
                user_id=asker,
                kind="resume",
                topic="My resume",
                availability="Evenings",
                status="done",
                helper=helper,
                claimed_at=at("2026-04-01"),
                closed_at=at("2026-04-10"),
                rating=5,
            )
        )
    session.add(HelpRequest(team_id=team_id, user_id=m[5], kind="advice", topic="Careers", availability="Any", status="withdrawn", closed_at=at("2026-04-11")))
    # Introductions: 2 in January (4 people, a small group); the first pair met.
    if Intro is not None:
        intro_round = IntroRound(team_id=team_id, day=date(2026, 1, 12))
        session.add(intro_round)
        session.flush()
        for pair, answer in (((m[0], m[1]), "yes"), ((m[2], m[3]), None)):
            intro = Intro(team_id=team_id, round_id=intro_round.id, day=date(2026, 1, 12), check_in_on=date(2026, 1, 19))
            session.add(intro)
            session.flush()
            session.add_all(IntroPerson(team_id=team_id, intro_id=intro.id, user_id=user, answer=answer) for user in pair)
    session.flush()
    return m


# What the review of START..END shows ("<5": about fewer than 5 members).
EXPECTED_SUMMARY = [
    "*Events held:* 3 · *check-ins:* 15",
    "*Leads shared:* 6",
    "*Gig hours confirmed:* &lt;5",
    "*Micro-internships completed:* 5",
    "*Help requests closed:* 5",
]
EXPECTED_INTROS = "*Introductions made:* &lt;5"
# Passport points after caps (fall 2025 and spring 2026): events 2 points a check-in (workshops 1),
# gig hours 1 an hour (floored), leads and intros met 1, micro-internships 3, help given 2.
EXPECTED_POINTS = {
    "Career events": "12",
    "Employer meetings": "14",
    "Workshops": "<5",
    "Service": "<5",
    "Professional development": "10",
    "Micro-internships": "15",
    "Joining clubs": "<5",
    "Helping others": "10",
    "total": "69",
}
EXPECTED_POINTS_WITHOUT_INTROS = {**EXPECTED_POINTS, "Professional development": "8", "total": "67"}
# Check-ins by month: September 6, October 2 (hidden), February 7; months without any are hidden too.
EXPECTED_MONTHS = {"2025-09": "6", "2026-02": "7"}
