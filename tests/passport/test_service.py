"""The passport's rules on a migrated database of each store (the fast layer): stamps from every
source, caps, periods, claims, the leaderboard, the club's numbers and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.errors import UserError
from slackapp.events.models import Attendance, Event
from slackapp.gigs.models import Gig, GigVolunteer
from slackapp.habit.models import HabitCheck
from slackapp.leads.models import Lead
from slackapp.micro.models import Bid, Project
from slackapp.passport import ids, service, views
from slackapp.passport.models import ClaimStatus
from slackapp.passport.program import DEFAULT, PeriodKind, Program, period_of, score
from slackapp.passport.sources import stamps

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TPASS", "TOTHER"
MEMBER, OFFICER, SECOND_OFFICER = "UMEMBER", "UOFFICER", "UOFFICER2"
TODAY = date(2031, 10, 15)  # Fall 2031
NOON = datetime(2031, 10, 1, 16, 0, tzinfo=timezone.utc)
TZ = "America/New_York"


def event(session, *, category="career_events", at=NOON, team=TEAM, cancelled=False, attendees=(MEMBER,)) -> Event:
    found = Event(team_id=team, title=f"{category} night", starts_at=at, ends_at=at + timedelta(hours=2), created_by=OFFICER, category=category,
                  cancelled_at=at if cancelled else None)
    session.add(found)
    session.flush()
    for user in attendees:
        session.add(Attendance(team_id=team, event_id=found.id, user_id=user, method="button", marked_by=user, at=at))
    session.flush()
    return found


def gig(session, *, hours: str, done=True, user=MEMBER, at=NOON) -> Gig:
    found = Gig(team_id=TEAM, title="Club website", needed="A page", hours=Decimal(hours), slots=1, contact=OFFICER, posted_by=OFFICER,
                status="done" if done else "open", done_at=at if done else None)
    session.add(found)
    session.flush()
    session.add(GigVolunteer(team_id=TEAM, gig_id=found.id, user_id=user, spot="volunteer", hours=Decimal(hours), hours_confirmed_by=OFFICER))
    session.flush()
    return found


def lead(session, *, user=MEMBER, at=NOON) -> Lead:
    found = Lead(team_id=TEAM, company="Acme", role="Analyst", url=f"https://a.example/{at.timestamp()}", url_key=f"a.example/{at.timestamp()}",
                 kind="internship", posted_by=user, created_at=at, updated_at=at)
    session.add(found)
    session.flush()
    return found


def habit_week(session, week: date, items: int, user=MEMBER) -> None:
    for item in ["resume", "job_board", "email", "network", "prepare"][:items]:
        session.add(HabitCheck(team_id=TEAM, user_id=user, week_start=week, item=item))
    session.flush()


def claim(session, *, user=MEMBER, category="clubs", done_on=date(2031, 9, 20), decide: bool | None = True):
    draft = service.validate_claim({ids.CATEGORY: category, ids.TITLE: "Joined the finance club", ids.EVIDENCE: "https://clubs.example/me", ids.DONE_ON: done_on.isoformat()},
                                   rules=DEFAULT, today=TODAY)
    made = service.submit_claim(session, team_id=TEAM, user_id=user, draft=draft)
    if decide is not None:
        service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=decide, comment=None if decide else "No evidence")
    return made


def completed_project(session, *, status="paid", user=MEMBER, at=NOON) -> Project:
    project = Project(team_id=TEAM, title="Market sizing", organization="Acme", supervisor=OFFICER, description="A deck", hours=10,
                      due_date=date(2031, 10, 20), fee_cents=40000, remote=True, bid_deadline=date(2031, 9, 1), posted_by=OFFICER, status="open")
    session.add(project)
    session.flush()
    session.add(Bid(team_id=TEAM, project_id=project.id, user_id=user, application="Me", availability="10h", status=status, completed_at=at if status in ("completed", "paid") else None))
    session.flush()
    return project


def my_record(session, user=MEMBER):
    return service.record(session, team_id=TEAM, user_id=user, today=TODAY, tz=TZ)


def points(record) -> dict[str, int]:
    return {s.category.key: s.counted for s in record.scores}


# ---- stamps from every source -------------------------------------------------------------


def test_every_source_stamps_with_its_date_and_source(session):
    event(session, category="employer_meetings")
    event(session, category="workshops", cancelled=True)  # a cancelled event earns nothing
    event(session, team=OTHER_TEAM)  # another workspace's check-in is not ours
    gig(session, hours="3.5")
    gig(session, hours="2", done=False)  # not confirmed yet
    lead(session)
    habit_week(session, date(2031, 9, 1), 3)
    habit_week(session, date(2031, 9, 8), 2)  # too few ticks for a habit week
    claim(session)
    claim(session, category="workshops", decide=False)
    claim(session, category="workshops", decide=None)  # still waiting
    completed_project(session)
    completed_project(session, status="in_progress")  # not done yet

    found = stamps(session, team_id=TEAM, users=[MEMBER], start=date(2031, 8, 1), end=date(2031, 12, 31), tz=TZ)
    assert sorted((s.source, s.category, s.on.isoformat()) for s in found) == [
        ("claim", "clubs", "2031-09-20"),
        ("event", "employer_meetings", "2031-10-01"),
        ("gig", "service", "2031-10-01"),
        ("habit", "professional_development", "2031-09-01"),
        ("lead", "professional_development", "2031-10-01"),
        ("micro", "micro_internships", "2031-10-01"),
    ]
    record = my_record(session)
    # Service counts whole hours: 3.5 h is 3 points.
    assert points(record) == {"career_events": 0, "employer_meetings": 2, "workshops": 0, "service": 3, "professional_development": 2, "micro_internships": 3, "clubs": 1,
                              "helping_others": 0}  # help given: tests/ask/test_ask_rules.py
    assert record.total == 11 and [c.key for c in record.missing] == ["career_events"] and not record.complete


def test_an_event_counts_on_the_clubs_local_day(session):
    late = datetime(2031, 8, 1, 2, 0, tzinfo=timezone.utc)  # July 31, 10 pm in New York: still summer
    event(session, at=late)
    assert my_record(session).total == 0
    assert service.record(session, team_id=TEAM, user_id=MEMBER, today=date(2031, 7, 20), tz=TZ).total == 2


def test_caps_limit_a_category_and_the_target_completes_the_record(session):
    for _ in range(4):
        claim(session, category="clubs")
    for day in (1, 2):
        event(session, category="career_events", at=NOON + timedelta(days=day))
    event(session, category="employer_meetings")
    gig(session, hours="12")
    record = my_record(session)
    clubs = next(s for s in record.scores if s.category.key == "clubs")
    assert (clubs.earned, clubs.counted, clubs.activities) == (4, 2, 4)
    assert points(record)["service"] == 6  # capped at 6
    assert record.total == 2 + 4 + 2 + 6 and record.complete
    assert "capped at 2" in views.record_blocks(record)[2]["text"]["text"]


def test_periods_semester_and_academic_year():
    assert period_of(date(2031, 3, 1), PeriodKind.semester).label == "Spring 2031"
    assert period_of(date(2031, 6, 30), PeriodKind.semester).label == "Summer 2031"
    fall = period_of(date(2031, 12, 31), PeriodKind.semester)
    assert (fall.label, fall.start, fall.end) == ("Fall 2031", date(2031, 8, 1), date(2031, 12, 31))
    year = period_of(date(2032, 2, 1), PeriodKind.year)
    assert (year.start, year.end) == (date(2031, 8, 1), date(2032, 7, 31))


def test_stamps_outside_the_period_do_not_count(session):
    claim(session, category="workshops", done_on=date(2031, 5, 20))  # spring
    assert my_record(session).total == 0


# ---- the program ---------------------------------------------------------------------------


def config_form(**changes) -> dict:
    raw = {f"{ids.POINTS}{c.key}": str(c.points) for c in DEFAULT.categories} | {f"{ids.CAP}{c.key}": str(c.cap) if c.cap is not None else None for c in DEFAULT.categories}
    raw |= {ids.TARGET: "10", ids.REQUIRED: ["workshops"], ids.PERIOD: "year"}
    raw.update(changes)
    return raw


def test_officers_change_the_program_and_records_follow(session):
    claim(session, category="workshops")
    assert points(my_record(session))["workshops"] == 1
    service.configure(session, team_id=TEAM, user_id=OFFICER, is_officer=True, raw=config_form(**{f"{ids.POINTS}workshops": "5", f"{ids.CAP}workshops": "4"}), current=DEFAULT)
    changed = service.program(session, team_id=TEAM)
    assert (changed.target, changed.required, changed.period) == (10, ("workshops",), PeriodKind.year)
    record = my_record(session)
    assert points(record)["workshops"] == 4 and record.period.label == "2031–32" and record.missing == []
    assert service.program(session, team_id=OTHER_TEAM) == DEFAULT


def test_program_changes_are_checked_and_only_officers_make_them(session):
    with pytest.raises(UserError, match="Only club officers"):
        service.configure(session, team_id=TEAM, user_id=MEMBER, is_officer=False, raw=config_form(), current=DEFAULT)
    with pytest.raises(UserError) as refused:
        service.configure(session, team_id=TEAM, user_id=OFFICER, is_officer=True, raw=config_form(**{ids.TARGET: "0", f"{ids.POINTS}clubs": "x"}), current=DEFAULT)
    assert set(refused.value.fields) == {ids.TARGET, f"{ids.POINTS}clubs"}
    assert service.program(session, team_id=TEAM) == DEFAULT


def test_a_stored_program_round_trips():
    program = Program.from_json(DEFAULT.as_json())
    assert program == DEFAULT


# ---- claims -------------------------------------------------------------------------------


def test_claims_are_checked(session):
    with pytest.raises(UserError) as refused:
        service.validate_claim({ids.CATEGORY: "astrology", ids.TITLE: " ", ids.EVIDENCE: "x" * 1001, ids.DONE_ON: "2031-10-16"}, rules=DEFAULT, today=TODAY)
    assert set(refused.value.fields) == {ids.CATEGORY, ids.TITLE, ids.EVIDENCE, ids.DONE_ON}
    with pytest.raises(UserError, match="past year"):
        service.validate_claim({ids.CATEGORY: "clubs", ids.TITLE: "t", ids.EVIDENCE: "e", ids.DONE_ON: "2029-01-01"}, rules=DEFAULT, today=TODAY)


def test_deciding_a_claim(session):
    waiting = claim(session, decide=None)
    assert [c.id for c in service.pending_claims(session, team_id=TEAM)] == [waiting.id]
    with pytest.raises(UserError, match="Only club officers"):
        service.decide_claim(session, team_id=TEAM, claim_id=waiting.id, user_id=MEMBER, is_officer=False, approve=True, comment=None)
    with pytest.raises(UserError, match="Say why"):
        service.decide_claim(session, team_id=TEAM, claim_id=waiting.id, user_id=OFFICER, is_officer=True, approve=False, comment="  ")
    with pytest.raises(UserError, match="gone"):
        service.decide_claim(session, team_id=OTHER_TEAM, claim_id=waiting.id, user_id=OFFICER, is_officer=True, approve=True, comment=None)
    service.decide_claim(session, team_id=TEAM, claim_id=waiting.id, user_id=OFFICER, is_officer=True, approve=True, comment="Nice")
    assert waiting.status == ClaimStatus.approved.value and service.pending_claims(session, team_id=TEAM) == []
    with pytest.raises(UserError, match="already approved"):
        service.decide_claim(session, team_id=TEAM, claim_id=waiting.id, user_id=SECOND_OFFICER, is_officer=True, approve=False, comment="No")
    assert "approved" in views.decided_dm(waiting, DEFAULT) and "Nice" in views.decided_dm(waiting, DEFAULT)


def test_an_officer_does_not_approve_their_own_claim(session):
    own = claim(session, user=OFFICER, decide=None)
    with pytest.raises(UserError, match="Another officer"):
        service.decide_claim(session, team_id=TEAM, claim_id=own.id, user_id=OFFICER, is_officer=True, approve=True, comment=None)


# ---- leaderboard, club numbers, export ----------------------------------------------------


def test_the_leaderboard_lists_only_members_who_opted_in(session):
    members = [f"UM{n}" for n in range(3)]
    for n, member in enumerate(members):
        for _ in range(n + 1):
            claim(session, user=member, category="workshops")
    service.set_leaderboard(session, team_id=TEAM, user_id="UM0", on=True)
    service.set_leaderboard(session, team_id=TEAM, user_id="UM2", on=True)
    service.set_leaderboard(session, team_id=TEAM, user_id="UM2", on=False)
    service.set_leaderboard(session, team_id=TEAM, user_id="UM1", on=True)
    _, ranked = service.leaderboard(session, team_id=TEAM, today=TODAY, tz=TZ)
    assert [(r.user_id, r.total) for r in ranked] == [("UM1", 2), ("UM0", 1)]


def test_club_numbers_hide_groups_smaller_than_five(session):
    for n in range(5):
        claim(session, user=f"UM{n}", category="workshops")
    claim(session, user="UM0", category="clubs")
    numbers = service.club_numbers(session, team_id=TEAM, start=date(2031, 8, 1), end=date(2031, 12, 31), tz=TZ)
    assert numbers.members == 5 and numbers.by_category["workshops"] == 5
    assert numbers.by_category["clubs"] is None and numbers.complete is None
    assert "&lt;5" in views.numbers_line(numbers, DEFAULT)


def test_the_csv_lists_every_stamp_and_the_totals(session):
    event(session, category="employer_meetings")
    claim(session, category="clubs")
    lead(session, user="=cmd")  # a user id is never like this, but nothing in a cell may be a formula
    found = service.records(session, team_id=TEAM, start=date(2031, 8, 1), end=date(2031, 12, 31), tz=TZ)
    rows = list(csv.reader(io.StringIO(views.records_csv(found, {MEMBER: "Mia Member"}))))
    assert rows[0] == ["member_id", "member", "date", "category", "points", "source", "activity"]
    assert ["UMEMBER", "Mia Member", "2031-10-01", "Employer meetings", "2", "event", "employer_meetings night"] in rows
    assert ["UMEMBER", "Mia Member", "2031-09-20", "Joining clubs", "1", "claim", "Joined the finance club"] in rows
    assert ["UMEMBER", "Mia Member", "", "Employer meetings", "2", "total after cap", ""] in rows
    assert all(not row[0].startswith("=") for row in rows)
    with pytest.raises(UserError, match="end date"):
        service.records(session, team_id=TEAM, start=date(2031, 12, 1), end=date(2031, 8, 1), tz=TZ)


def test_score_is_pure_and_ignores_other_members():
    from slackapp.passport.program import Stamp

    period = period_of(TODAY, PeriodKind.semester)
    mixed = [Stamp(MEMBER, "workshops", TODAY, "claim", "a", "claim:1"), Stamp("USOMEONE", "workshops", TODAY, "claim", "b", "claim:2")]
    assert score(MEMBER, mixed, DEFAULT, period).total == 1
