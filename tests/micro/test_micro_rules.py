"""Micro-internship rules at their edges: exact amounts, exact limits, the exact words a member is
told, who may do what, and every row kept in its workspace (the fast layer, both stores)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from slackapp.errors import UserError
from slackapp.micro import service
from slackapp.micro.models import Bid, Evaluation, Milestone, Project
from slackapp.profiles import service as profiles
from slackapp.slack.text import escape
from tests.helpers import locked_tables
from tests.micro.test_service import form

pytestmark = pytest.mark.fast

TEAM, ELSEWHERE = "TMRULES", "TMOTHER"
OFFICER, POSTER, SUPERVISOR, STUDENT, OTHER, STRANGER = "UOFFICER", "UPOSTER", "USUPER", "USTUDENT", "UOTHER", "USTRANGER"
TODAY = date(2031, 3, 3)
DEADLINE = date(2031, 3, 10)
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)



def refused_fields(raw: dict, today: date = TODAY, poster: str = POSTER) -> dict:
    with pytest.raises(UserError) as refused:
        service.validate_project(raw, today=today, poster=poster)
    return refused.value.fields


def post(session, *, team=TEAM, is_officer=False, is_guest=False, poster=POSTER, now=T0, **changes) -> Project:
    draft = service.validate_project(form(**changes), today=TODAY, poster=poster)
    return service.post_project(session, team_id=team, user_id=poster, is_officer=is_officer, is_guest=is_guest, draft=draft, now=now)


def profile(session, user_id, school="University of Connecticut", major="Finance", year="2027", team=TEAM):
    draft = profiles.validate({"school": school, "major": major, "graduation_year": year}, today=TODAY)
    return profiles.save(session, team_id=team, user_id=user_id, draft=draft)


BID = service.BidDraft(application="I have done market research before.", availability="10 h a week", portfolio=None)


def bid(session, project, user_id, draft=BID, today=TODAY, team=TEAM, now=T0):
    return service.place_bid(session, team_id=team, project_id=project.id, user_id=user_id, draft=draft, today=today, now=now)


def accept(session, the_bid, user_id=POSTER, is_officer=False, team=TEAM, now=T0):
    return service.accept_bid(session, team_id=team, bid_id=the_bid.id, user_id=user_id, is_officer=is_officer, now=now)


def message(call, *args, **kwargs) -> str:
    with pytest.raises(UserError) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def bids_of(session, project) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.project_id == project.id).order_by(Bid.id)))


# ---- money -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [(" $400", 40000), ("$ 400 ", 40000), ("1,000", 100000), ("50000", 5_000_000), ("50,000.00", 5_000_000), ("0.10", 10), (400, 40000), ("12.3", 1230)],
)
def test_fees_to_cents_at_the_edges(typed, cents):
    assert service.parse_fee(typed) == cents


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (None, "Give the fee in dollars, like 400 or 412.50."),
        ("", "Give the fee in dollars, like 400 or 412.50."),
        ("four hundred", "Give the fee in dollars, like 400 or 412.50."),
        ("0", "The fee must be more than $0."),
        ("0.00", "The fee must be more than $0."),
        ("-0.01", "The fee must be more than $0."),
        ("Infinity", "The fee must be more than $0."),
        ("-Infinity", "The fee must be more than $0."),
        ("NaN", "The fee must be more than $0."),
        ("0.001", "Give the fee to the cent at most, like 412.50."),
        ("400.005", "Give the fee to the cent at most, like 412.50."),
        ("50000.01", "The fee can be at most $50,000."),
        ("$50,001", "The fee can be at most $50,000."),
    ],
)
def test_fees_refused_with_the_reason(typed, said):
    assert message(service.parse_fee, typed) == said


def test_the_floor_is_twenty_dollars_an_estimated_hour_exactly():
    assert service.below_floor(2000 * 5 - 1, 5) and not service.below_floor(2000 * 5, 5)
    assert service.below_floor(2000 * 40 - 1, 40) and not service.below_floor(2000 * 40, 40)
    assert service.per_hour_cents(2000 * 7, 7) == 2000
    # Half a cent rounds up, a hair under half rounds down.
    assert service.per_hour_cents(5, 2) == 3 and service.per_hour_cents(7, 2) == 4 and service.per_hour_cents(10001, 40) == 250


# ---- the project form ---------------------------------------------------------------------------------


def test_a_valid_form_becomes_the_whole_draft():
    draft = service.validate_project(
        form(title="  Market research ", hours=" 40 ", fee="$1,250.50", where="on_site", positions="20", audience_school="  UConn ",
             bid_deadline="2031-03-03", due_date="2031-03-10", milestone_2="Outline", milestone_2_date="2031-03-04"),
        today=TODAY, poster=POSTER,
    )
    assert draft == service.ProjectDraft(
        title="Market research", organization="Acme", supervisor=SUPERVISOR, description="A 10-page report", hours=40, due_date=date(2031, 3, 10),
        fee_cents=125050, remote=False, positions=20, school="UConn", bid_deadline=date(2031, 3, 3), milestones=(("Outline", date(2031, 3, 4)),),
    )
    remote = service.validate_project(form(supervisor=None, positions=None, hours="5"), today=TODAY, poster=POSTER)
    assert (remote.remote, remote.supervisor, remote.positions, remote.hours, remote.school, remote.milestones) == (True, POSTER, 1, 5, None, ())


def test_every_form_problem_has_its_own_words():
    fields = refused_fields({"supervisor": ["UPOSTER"], "where": None, "fee": "abc", "positions": "21", "hours": "4", "bid_deadline": "someday", "due_date": None})
    assert fields == {
        "title": "Please fill this in.",
        "organization": "Please fill this in.",
        "description": "Please fill this in.",
        "supervisor": "Pick a person from the list.",
        "hours": "Estimate between 5 and 40 hours, in whole hours.",
        "positions": "Offer between 1 and 20 positions.",
        "fee": "Give the fee in dollars, like 400 or 412.50.",
        "where": "Pick remote or on site.",
        "bid_deadline": "Pick a date from the calendar.",
        "due_date": "Pick the due date.",
    }


@pytest.mark.parametrize(("hours", "ok"), [("4", False), ("5", True), ("40", True), ("41", False), ("", False), ("7.5", False), ("-6", False)])
def test_hours_are_five_to_forty_whole_hours(hours, ok):
    if ok:
        assert service.validate_project(form(hours=hours), today=TODAY, poster=POSTER).hours == int(hours)
    else:
        assert refused_fields(form(hours=hours)) == {"hours": "Estimate between 5 and 40 hours, in whole hours."}


@pytest.mark.parametrize(("positions", "ok"), [("0", False), ("1", True), ("20", True), ("21", False), (" 3 ", True)])
def test_positions_are_one_to_twenty(positions, ok):
    if ok:
        assert service.validate_project(form(positions=positions), today=TODAY, poster=POSTER).positions == int(positions)
    else:
        assert refused_fields(form(positions=positions)) == {"positions": "Offer between 1 and 20 positions."}


@pytest.mark.parametrize(
    ("name", "limit"), [("title", 150), ("organization", 150), ("description", 2500), ("audience_school", 100), ("milestone_1", 150)]
)
def test_project_text_limits(name, limit):
    extra = {"milestone_1_date": "2031-03-12"} if name == "milestone_1" else {}
    draft = service.validate_project(form(**{name: "x" * limit}, **extra), today=TODAY, poster=POSTER)
    assert "x" * limit in (draft.title, draft.organization, draft.description, draft.school, *(title for title, _ in draft.milestones))
    assert refused_fields(form(**{name: "x" * (limit + 1)}, **extra)) == {name: f"Keep this under {limit} characters (it has {limit + 1})."}


def test_the_supervisor_must_be_a_person():
    for who in ("UAB", "WAB1", "U12"):
        assert service.validate_project(form(supervisor=who), today=TODAY, poster=POSTER).supervisor == who
    for who in ("U1", "XABC", "uabc", "UAB-1", "UABC "):
        assert refused_fields(form(supervisor=who)) == {"supervisor": "Pick a person from the list."}


def test_the_bid_deadline_is_today_or_later():
    assert service.validate_project(form(bid_deadline="2031-03-03", due_date="2031-03-10"), today=TODAY, poster=POSTER).bid_deadline == TODAY
    assert refused_fields(form(bid_deadline="2031-03-02", due_date="2031-03-10")) == {"bid_deadline": "That date has passed."}
    assert refused_fields(form(bid_deadline=None)) == {"bid_deadline": "Pick the last day to bid."}
    assert refused_fields(form(bid_deadline=None, due_date="garbage")) == {"bid_deadline": "Pick the last day to bid.", "due_date": "Pick a date from the calendar."}


@pytest.mark.parametrize(
    ("deadline", "due", "ok"),
    [
        ("2031-03-10", "2031-03-17", True),  # exactly a week of work
        ("2031-03-10", "2031-03-16", False),
        ("2031-03-10", "2031-04-10", True),  # exactly a month
        ("2031-03-10", "2031-04-11", False),
        ("2031-12-15", "2032-01-15", True),
        ("2031-12-15", "2032-01-16", False),
        ("2032-01-31", "2032-02-29", True),  # the month's last day
        ("2032-01-31", "2032-03-01", False),
    ],
)
def test_the_work_takes_a_week_to_a_month_after_the_deadline(deadline, due, ok):
    if ok:
        assert service.validate_project(form(bid_deadline=deadline, due_date=due), today=TODAY, poster=POSTER).due_date == date.fromisoformat(due)
    else:
        assert refused_fields(form(bid_deadline=deadline, due_date=due)) == {
            "due_date": "Make it 1 week to 1 month after the bid deadline (when the work starts)."}


def test_one_month_after_each_month():
    assert [service.one_month_after(date(2031, month, 15)) for month in range(1, 13)] == [
        date(2031, month, 15) for month in range(2, 13)] + [date(2032, 1, 15)]
    assert service.one_month_after(date(2031, 3, 31)) == date(2031, 4, 30)


def test_milestones_rules():
    three = service.validate_project(
        form(milestone_3="Slides", milestone_3_date="2031-03-24", milestone_1="Outline", milestone_1_date="2031-03-11", milestone_4="Ignored",
             milestone_4_date="2031-03-12", milestone_0="Ignored too", milestone_0_date="2031-03-13"),
        today=TODAY, poster=POSTER,
    )
    # At most three milestones are read, from the day after the bid deadline to the due date itself.
    assert three.milestones == (("Outline", date(2031, 3, 11)), ("Slides", date(2031, 3, 24)))
    assert refused_fields(form(milestone_2="Outline")) == {"milestone_2_date": "Pick the milestone's date."}
    assert refused_fields(form(milestone_2_date="2031-03-12")) == {"milestone_2": "Say what is due on this date, or clear the date."}
    assert refused_fields(form(milestone_1="Outline", milestone_1_date="soon")) == {"milestone_1_date": "Pick a date from the calendar."}
    outside = "Pick a date after the bid deadline and by the due date."
    assert refused_fields(form(milestone_1="Kickoff", milestone_1_date="2031-03-10")) == {"milestone_1_date": outside}
    assert refused_fields(form(milestone_3="Late", milestone_3_date="2031-03-25")) == {"milestone_3_date": outside}
    # Without a deadline to measure from, only the deadline is wrong.
    assert refused_fields(form(bid_deadline=None, milestone_1="Outline", milestone_1_date="2031-03-01")) == {"bid_deadline": "Pick the last day to bid."}
    assert refused_fields(form(due_date=None, milestone_1="Outline", milestone_1_date="2031-05-01")) == {"due_date": "Pick the due date."}


# ---- posting and approval -----------------------------------------------------------------------------


def test_what_is_stored_when_a_project_is_posted(session):
    project = post(session, milestone_2="Outline", milestone_2_date="2031-03-12", milestone_1="Draft", milestone_1_date="2031-03-18", audience_school="UConn")
    stored = session.get(Project, project.id)
    assert (stored.team_id, stored.title, stored.organization, stored.supervisor, stored.description, stored.hours, stored.due_date, stored.fee_cents,
            stored.remote, stored.positions, stored.school, stored.bid_deadline, stored.posted_by, stored.status, stored.approval_needed,
            stored.decided_by, stored.decided_at) == (
        TEAM, "Market research", "Acme", SUPERVISOR, "A 10-page report", 10, date(2031, 3, 24), 40000, True, 1, "UConn", DEADLINE, POSTER, "open", None, None, None)
    assert stored.created_at == T0
    milestones = service.milestones_of(session, project=project)
    assert [(m.team_id, m.project_id, m.title, m.due_date) for m in milestones] == [
        (TEAM, project.id, "Outline", date(2031, 3, 12)), (TEAM, project.id, "Draft", date(2031, 3, 18))]
    assert service.milestones_of(session, project=post(session)) == []


def test_approval_reasons_in_words(session):
    assert service.GUEST == "posted by a guest" and service.BELOW_FLOOR == "fee below $20 an estimated hour"
    both = post(session, is_guest=True, fee="199.99")
    assert (both.status, both.approval_needed, both.decided_by, both.decided_at) == ("pending", "posted by a guest, fee below $20 an estimated hour", None, None)
    at_floor = post(session, fee="200")  # 10 hours at exactly $20
    assert (at_floor.status, at_floor.approval_needed) == ("open", None)
    officer = post(session, is_officer=True, is_guest=True, fee="1", poster=OFFICER)
    assert (officer.status, officer.approval_needed, officer.decided_by, officer.decided_at) == ("open", None, OFFICER, T0)
    draft = service.validate_project(form(fee="1"), today=TODAY, poster=POSTER)
    assert service.approval_needed(draft, is_officer=True, is_guest=True) == []
    assert service.approval_needed(draft, is_officer=False, is_guest=False) == ["fee below $20 an estimated hour"]


def test_a_post_without_a_time_is_stamped_now(session):
    before = datetime.now(timezone.utc)
    project = post(session, now=None, is_officer=True, poster=OFFICER)
    after = datetime.now(timezone.utc)
    assert before - timedelta(seconds=1) <= project.created_at <= after + timedelta(seconds=1)
    assert project.decided_at == project.created_at


def decide(session, project, *, approve=True, officer=OFFICER, is_officer=True, team=TEAM, now=T1):
    return service.decide_project(session, team_id=team, project_id=project.id, officer_id=officer, is_officer=is_officer, approve=approve, now=now)


def test_deciding_a_waiting_project(session):
    waiting, declined = post(session, is_guest=True), post(session, is_guest=True)
    assert message(decide, session, waiting, is_officer=False) == "Only club officers can approve or decline projects."
    assert message(decide, session, waiting, team=ELSEWHERE) == "That project no longer exists."
    assert session.get(Project, waiting.id).status == "pending"
    approved = decide(session, waiting)
    assert (approved.status, approved.decided_by, approved.decided_at) == ("open", OFFICER, T1)
    assert message(decide, session, waiting, approve=False, officer="UOTHEROFF") == f"<@{OFFICER}> already approved this project."
    gone = decide(session, declined, approve=False, officer="UOTHEROFF")
    assert (gone.status, gone.decided_by, gone.decided_at) == ("declined", "UOTHEROFF", T1)
    assert message(decide, session, declined) == "<@UOTHEROFF> already declined this project."
    assert message(decide, session, post(session)) == "This project didn't need an approval."
    assert message(decide, session, post(session, is_officer=True, poster=OFFICER)) == f"<@{OFFICER}> already approved this project."
    assert message(service.decide_project, session, team_id=TEAM, project_id=waiting.id, officer_id=OFFICER, is_officer=False, approve=True) == service.ONLY_OFFICERS_DECIDE


def test_a_decision_without_a_time_is_stamped_now(session):
    waiting = post(session, is_guest=True)
    before = datetime.now(timezone.utc)
    decided = decide(session, waiting, now=None)
    assert before - timedelta(seconds=1) <= decided.decided_at <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_open_for_bids_through_the_deadline_day(session):
    project = post(session)
    assert service.is_open_for_bids(project, today=DEADLINE) and not service.is_open_for_bids(project, today=DEADLINE + timedelta(days=1))
    assert not service.is_open_for_bids(post(session, is_guest=True), today=TODAY)


def test_open_projects_newest_first_through_their_deadline(session):
    old = post(session, title="Old", now=T0)
    new = post(session, title="New", now=T2)
    same = post(session, title="Same time", now=T2)
    on_site = post(session, title="On site", where="on_site", now=T1)
    post(session, title="Waiting", is_guest=True, now=T2)
    post(session, title="Elsewhere", team=ELSEWHERE, now=T2)
    titles = lambda **kw: [p.title for p in service.open_projects(session, team_id=TEAM, **kw)]
    assert titles(today=TODAY) == [same.title, new.title, on_site.title, old.title]
    assert titles(today=TODAY, remote=True) == [same.title, new.title, old.title]
    assert titles(today=TODAY, limit=2) == [same.title, new.title]
    assert titles(today=DEADLINE) == [same.title, new.title, on_site.title, old.title]
    assert titles(today=DEADLINE + timedelta(days=1)) == []


def test_open_projects_shows_fifty_at_most(session):
    for number in range(51):
        post(session, title=f"Project {number}", now=T0 + timedelta(minutes=number))
    found = service.open_projects(session, team_id=TEAM, today=TODAY)
    assert len(found) == 50 and found[0].title == "Project 50" and found[-1].title == "Project 1"


def test_search_words_are_literal_characters(session):
    post(session, title="50% off design", description="d")
    post(session, title="5000 flyers", description="d")
    post(session, title="a_b testing", description="d")
    post(session, title="axb testing", description="d")
    post(session, title="Logo a/b", description="d")
    post(session, title="Logo ab", description="d", organization="Slash/Co")
    found = lambda *words: sorted(p.title for p in service.open_projects(session, team_id=TEAM, today=TODAY, words=words))
    assert found("50%") == ["50% off design"]
    assert found("A_B") == ["a_b testing"]
    assert found("a/b") == ["Logo a/b"]
    assert found("slash/") == ["Logo ab"]
    assert found("logo", "co") == ["Logo ab"]
    assert found("%") == ["50% off design"]
    assert found("nowhere") == []


# ---- bidding -----------------------------------------------------------------------------------------------


def test_bid_form_in_words():
    with pytest.raises(UserError) as refused:
        service.validate_bid({"application": " ", "availability": None, "portfolio": "ftp://me.example"})
    assert refused.value.fields == {"application": "Please fill this in.", "availability": "Please fill this in.", "portfolio": "Give a web link starting with http:// or https://"}
    long_link = "https://" + "x" * 1993
    with pytest.raises(UserError) as refused:
        service.validate_bid({"application": "a" * 1501, "availability": "b" * 201, "portfolio": long_link})
    assert refused.value.fields == {
        "application": "Keep this under 1500 characters (it has 1501).", "availability": "Keep this under 200 characters (it has 201).",
        "portfolio": "Keep this under 2000 characters (it has 2001)."}
    draft = service.validate_bid({"application": "a" * 1500, "availability": " b " + "c" * 197, "portfolio": "https://me.example/" + "x" * 1981})
    assert (len(draft.application), draft.availability, len(draft.portfolio)) == (1500, "b " + "c" * 197, 2000)
    assert service.validate_bid({"application": "a", "availability": "b", "portfolio": ""}).portfolio is None


def test_who_may_bid_in_words(session):
    project = post(session, audience_school="University of Connecticut")
    student = profile(session, STUDENT)
    check = lambda who=STUDENT, prof=student, today=TODAY, **kw: service.check_may_bid(project, prof, user_id=who, today=today, **kw)
    assert check(today=DEADLINE) is None
    assert message(check, today=DEADLINE + timedelta(days=1)) == "Bidding on this project closed on Mar 10."
    assert message(check, who=POSTER) == "You can't bid on a project you posted or supervise."
    assert message(check, who=SUPERVISOR) == "You can't bid on a project you posted or supervise."
    assert message(check, prof=None) == "Bidding needs your School and Major: add them in the bid form or with `/club profile`."
    # Opening the bid form asks for what the profile lacks.
    assert check(prof=None, complete=False) is None
    no_major = profiles.save(session, team_id=TEAM, user_id=OTHER, draft=profiles.validate({"school": "Yale"}, today=TODAY))
    assert message(check, who=OTHER, prof=no_major) == "Bidding needs your School and Major: add them in the bid form or with `/club profile`."
    assert message(check, who=OTHER, prof=no_major, complete=False) == (
        "This project is for students of University of Connecticut only, and your profile names Yale.")
    assert message(service.check_may_bid, post(session, is_guest=True), student, user_id=STUDENT, today=TODAY) == "This project isn't taking bids."
    anyone = post(session)
    assert service.check_may_bid(anyone, profile(session, "UYALE", school="Yale"), user_id="UYALE", today=TODAY) is None


def test_a_long_school_is_cut_before_it_is_escaped(session):
    school = "A&B " + "x" * 96
    project = post(session, audience_school=school)
    profile(session, OTHER, school="Yale & Co")
    said = message(bid, session, project, OTHER)
    assert said == f"This project is for students of {escape(school, 100)} only, and your profile names Yale &amp; Co."
    assert escape(school, 100).endswith("…")
    theirs = "Yale & " + "y" * 93  # 100 characters, longer once escaped
    profile(session, OTHER, school=theirs)
    assert message(bid, session, project, OTHER) == (
        f"This project is for students of {escape(school, 100)} only, and your profile names {escape(theirs, 100)}.")
    assert len(escape(theirs, 100)) == 100


def test_a_bid_is_stored_and_edited_in_place(session):
    project = post(session)
    profile(session, STUDENT)
    first, new = bid(session, project, STUDENT, now=T0)
    stored = session.get(Bid, first.id)
    assert new is True
    assert (stored.team_id, stored.project_id, stored.user_id, stored.application, stored.availability, stored.portfolio, stored.status,
            stored.created_at, stored.updated_at) == (TEAM, project.id, STUDENT, BID.application, BID.availability, None, "pending", T0, T0)
    edited = service.BidDraft(application="Better", availability="5 h", portfolio="https://me.example")
    again, new = bid(session, project, STUDENT, draft=edited, now=T1)
    assert (new, again.id, again.application, again.availability, again.portfolio, again.status, again.created_at, again.updated_at) == (
        False, first.id, "Better", "5 h", "https://me.example", "pending", T0, T1)
    withdrawn = service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, today=DEADLINE, now=T2)
    assert (withdrawn.status, withdrawn.updated_at) == ("withdrawn", T2)
    back, new = bid(session, project, STUDENT, now=T2 + timedelta(hours=1))
    assert (new, back.status, back.updated_at, back.application) == (False, "pending", T2 + timedelta(hours=1), BID.application)


def test_a_bid_without_a_time_is_stamped_now(session):
    project = post(session)
    profile(session, STUDENT)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    placed, _ = service.place_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, draft=BID, today=TODAY)
    assert placed.created_at >= before and placed.updated_at == placed.created_at
    again, _ = service.place_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, draft=BID, today=TODAY)
    assert again.updated_at >= before
    gone = service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, today=TODAY)
    assert gone.updated_at >= before and gone.status == "withdrawn"


def test_an_accepted_bid_cannot_be_changed_or_withdrawn(session):
    project = post(session, positions="2")
    profile(session, STUDENT)
    placed, _ = bid(session, project, STUDENT)
    accept(session, placed)
    assert message(bid, session, project, STUDENT) == "Your bid on this project is already in progress; it can't be changed."
    assert message(service.withdraw_bid, session, team_id=TEAM, project_id=project.id, user_id=STUDENT, today=TODAY) == (
        "Your bid is already in progress, so it can't be withdrawn.")
    assert session.get(Bid, placed.id).application == BID.application


def test_a_bid_accepted_meanwhile_is_not_overwritten(session, monkeypatch):
    """Another submission may change the bid between this one's first look and its insert: the
    insert then does nothing, and the bid it finds is checked again."""
    project = post(session, positions="2")
    profile(session, STUDENT)
    placed, _ = bid(session, project, STUDENT)
    accept(session, placed)
    real, calls = service.bid_of, []

    def first_look_before_the_accept(session, **kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(session, **kwargs)

    monkeypatch.setattr(service, "bid_of", first_look_before_the_accept)
    assert message(bid, session, project, STUDENT) == "Your bid on this project is already in progress; it can't be changed."
    assert session.get(Bid, placed.id).status == "in_progress" and session.get(Bid, placed.id).application == BID.application


def test_withdrawing_in_words(session):
    project = post(session, positions="3")
    for user_id in (STUDENT, OTHER):
        profile(session, user_id)
        bid(session, project, user_id)
    withdraw = lambda who=STUDENT, today=TODAY: service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=who, today=today, now=T1)
    assert message(withdraw, who=STRANGER) == "You haven't bid on this project."
    assert message(withdraw, today=DEADLINE + timedelta(days=1)) == "Bidding on this project is over, so bids can no longer be withdrawn."
    assert withdraw(today=DEADLINE).status == "withdrawn"
    assert message(withdraw) == "You haven't bid on this project."
    service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False, now=T1)
    assert message(withdraw, who=OTHER) == "Your bid is already not selected, so it can't be withdrawn."


def test_my_bid_statuses_are_mine_on_the_asked_projects(session):
    one, two, three = post(session), post(session), post(session)
    profile(session, STUDENT)
    profile(session, OTHER)
    bid(session, one, STUDENT)
    bid(session, two, STUDENT)
    bid(session, three, OTHER)
    service.withdraw_bid(session, team_id=TEAM, project_id=two.id, user_id=STUDENT, today=TODAY)
    assert service.my_bid_statuses(session, team_id=TEAM, user_id=STUDENT, project_ids=[one.id, two.id, three.id]) == {one.id: "pending", two.id: "withdrawn"}
    assert service.my_bid_statuses(session, team_id=TEAM, user_id=STUDENT, project_ids=[two.id]) == {two.id: "withdrawn"}
    assert service.my_bid_statuses(session, team_id=ELSEWHERE, user_id=STUDENT, project_ids=[one.id]) == {}
    assert service.my_bid_statuses(session, team_id=TEAM, user_id=STUDENT, project_ids=[]) == {}


def test_the_same_member_in_two_workspaces(session):
    """The same user id in another workspace has a profile, bids and projects of its own."""
    here = post(session, audience_school="University of Connecticut")
    there = post(session, team=ELSEWHERE, audience_school="University of Connecticut")
    profile(session, STUDENT)
    profile(session, STUDENT, school="Yale", team=ELSEWHERE)
    assert bid(session, here, STUDENT)[1] is True
    assert message(bid, session, there, STUDENT, team=ELSEWHERE) == (
        "This project is for students of University of Connecticut only, and your profile names Yale.")
    assert message(bid, session, here, STUDENT, team=ELSEWHERE) == "That project no longer exists."
    review = service.review(session, team_id=TEAM, project_id=here.id, user_id=POSTER, is_officer=False)
    assert [(b.user_id, p.school) for b, p in review.every] == [(STUDENT, "University of Connecticut")]
    assert service.mine(session, team_id=ELSEWHERE, user_id=STUDENT).bids == []
    assert [p.id for p in service.mine(session, team_id=ELSEWHERE, user_id=POSTER).running] == [there.id]
    placed = bids_of(session, here)[0]
    assert message(accept, session, placed, team=ELSEWHERE) == "That bid no longer exists."
    assert service.waiting_bids(session, team_id=ELSEWHERE, project_ids=[here.id]) == {}
    assert service.waiting_bids(session, team_id=TEAM, project_ids=[here.id]) == {here.id: 1}


# ---- choosing --------------------------------------------------------------------------------------------


def test_who_may_manage_and_confirm(session):
    project = post(session)
    assert service.may_manage(project, user_id=POSTER, is_officer=False) and service.may_manage(project, user_id=STRANGER, is_officer=True)
    assert not service.may_manage(project, user_id=SUPERVISOR, is_officer=False)
    assert service.may_confirm(project, user_id=SUPERVISOR, is_officer=False) and service.may_confirm(project, user_id=POSTER, is_officer=False)
    assert service.may_confirm(project, user_id=STRANGER, is_officer=True) and not service.may_confirm(project, user_id=STRANGER, is_officer=False)
    assert service.ONLY_MANAGERS == "Only the project's poster or an officer can do that."


def test_filter_keys():
    assert service.filter_key('  The "Best"\\  University\tof  X ') == "The Best University of X"
    assert service.filter_key(None) == "" and service.filter_key("") == ""
    assert service.filter_key("y" * 41) == "y" * 40 and service.filter_key("z" * 40) == "z" * 40


def test_filters_admit_by_prefix_any_case_and_the_exact_year():
    member = profiles.ProfileDraft(school="University of Connecticut", major="Finance", graduation_year=2027, skills=None, link=None, job_board=None)
    admit = lambda **filters: service.Filters(**filters).admit(member)
    assert admit() and admit(school='UNIVERSITY  "of"') and admit(major="fin") and admit(year=2027)
    assert not admit(school="of Connecticut") and not admit(major="Marketing") and not admit(year=2026)
    assert admit(school="university of connecticut", major="FINANCE", year=2027)
    assert not admit(school="university", major="Finance", year=2028) and not admit(school="Yale", major="Finance", year=2027)
    assert not admit(school="University", major="Law", year=2027)
    assert service.Filters().admit(None) and not service.Filters(school="U").admit(None) and not service.Filters(year=2027).admit(None)
    assert service.Filters(school="").admit(None)  # an empty key begins every value


def test_review_orders_accepted_then_waiting_and_counts_the_filled(session):
    project = post(session, positions="3")
    for minute, user_id in enumerate((STUDENT, OTHER, "UTHIRD", "UFOURTH")):
        profile(session, user_id)
        bid(session, project, user_id, now=T0 + timedelta(minutes=minute))
    service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id="UFOURTH", today=TODAY)
    placed = {b.user_id: b for b in bids_of(session, project)}
    accept(session, placed["UTHIRD"])
    review = lambda **kw: service.review(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False, **kw)
    found = review()
    assert [b.user_id for b, _ in found.every] == ["UTHIRD", STUDENT, OTHER]
    assert [p.user_id for _, p in found.every] == ["UTHIRD", STUDENT, OTHER]
    assert (found.filled, found.project.id, found.filters) == (1, project.id, service.Filters())
    accept(session, placed[STUDENT])
    _, told = service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False, now=T1)
    assert told == [OTHER]
    closed = service.review(session, team_id=TEAM, project_id=project.id, user_id=OFFICER, is_officer=True, filters=service.Filters(year=2026))
    assert [b.user_id for b, _ in closed.every] == [STUDENT, "UTHIRD", OTHER] and closed.filled == 2 and closed.shown == []
    assert message(service.review, session, team_id=TEAM, project_id=project.id, user_id=SUPERVISOR, is_officer=False) == (
        "Only the project's poster or an officer can do that.")
    assert message(service.review, session, team_id=ELSEWHERE, project_id=project.id, user_id=POSTER, is_officer=True) == "That project no longer exists."


def test_accepting_in_words_and_what_is_stored(session):
    project = post(session, positions="2")
    for user_id in (STUDENT, OTHER, "UTHIRD"):
        profile(session, user_id)
        bid(session, project, user_id)
    placed = {b.user_id: b for b in bids_of(session, project)}
    assert message(accept, session, placed[STUDENT], user_id=SUPERVISOR) == "Only the project's poster or an officer can do that."
    done = accept(session, placed[STUDENT], user_id=OFFICER, is_officer=True, now=T1)
    assert (done.bid.status, done.bid.decided_by, done.bid.decided_at, done.project.id, done.not_selected) == ("in_progress", OFFICER, T1, project.id, [])
    assert message(accept, session, placed[STUDENT]) == "That bid is in progress, not waiting for a decision."
    service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=OTHER, today=TODAY)
    assert message(accept, session, placed[OTHER]) == "That bid is withdrawn, not waiting for a decision."
    # Work already submitted still holds its position.
    service.submit_work(session, team_id=TEAM, bid_id=placed[STUDENT].id, user_id=STUDENT, link="https://work.example")
    last = accept(session, placed["UTHIRD"], now=T2)
    assert (last.not_selected, last.project.status, last.project.closed_by, last.project.closed_at) == ([], "closed", POSTER, T2)
    assert message(accept, session, placed[OTHER]) == "Bidding on this project is closed, so no more bids can be accepted."


def test_the_last_position_tells_the_rest_and_stamps_them(session):
    project = post(session, positions="1")
    for user_id in (STUDENT, OTHER, "UTHIRD"):
        profile(session, user_id)
        bid(session, project, user_id)
    placed = {b.user_id: b for b in bids_of(session, project)}
    done = accept(session, placed[OTHER], now=T1)
    assert done.not_selected == [STUDENT, "UTHIRD"]
    assert [(b.user_id, b.status, b.decided_by, b.decided_at) for b in bids_of(session, project)] == [
        (STUDENT, "not_selected", POSTER, T1), (OTHER, "in_progress", POSTER, T1), ("UTHIRD", "not_selected", POSTER, T1)]


def test_accepting_without_a_time_is_stamped_now(session):
    project = post(session)
    profile(session, STUDENT)
    placed, _ = bid(session, project, STUDENT)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    done = service.accept_bid(session, team_id=TEAM, bid_id=placed.id, user_id=POSTER, is_officer=False)
    assert done.bid.decided_at >= before and done.project.closed_at >= before


def test_closing_bidding_in_words(session):
    project = post(session, positions="3")
    profile(session, STUDENT)
    bid(session, project, STUDENT)
    closing = lambda who=POSTER, is_officer=False, now=T1: service.close_bidding(
        session, team_id=TEAM, project_id=project.id, user_id=who, is_officer=is_officer, now=now)
    assert message(closing, who=SUPERVISOR) == "Only the project's poster or an officer can do that."
    closed, told = closing(who=OFFICER, is_officer=True)
    assert (closed.status, closed.closed_by, closed.closed_at, told) == ("closed", OFFICER, T1, [STUDENT])
    assert [(b.status, b.decided_by, b.decided_at) for b in bids_of(session, project)] == [("not_selected", OFFICER, T1)]
    assert message(closing) == "Bidding on this project is already closed."
    other = post(session)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    closed, told = service.close_bidding(session, team_id=TEAM, project_id=other.id, user_id=POSTER, is_officer=False)
    assert closed.closed_at >= before and told == []


# ---- the work --------------------------------------------------------------------------------------------------


SCORES = {"quality": "5", "communication": "4", "timeliness": "3", "feedback": "Clear report."}


def working(session, positions="1", students=(STUDENT,), **changes):
    project = post(session, positions=positions, **changes)
    placed = []
    for user_id in students:
        profile(session, user_id)
        one, _ = bid(session, project, user_id)
        accept(session, one)
        placed.append(one)
    return project, placed


def test_submitting_work_in_words(session):
    project, [work] = working(session)
    submit = lambda who=STUDENT, link="https://work.example", now=T1: service.submit_work(
        session, team_id=TEAM, bid_id=work.id, user_id=who, link=link, now=now)
    assert message(submit, who=POSTER) == "Only the student doing this project can submit its work."
    with pytest.raises(UserError) as refused:
        submit(link=None)
    assert refused.value.fields == {"link": "Please fill this in."}
    with pytest.raises(UserError) as refused:
        submit(link="https://" + "x" * 1993)
    assert refused.value.fields == {"link": "Keep this under 2000 characters (it has 2001)."}
    with pytest.raises(UserError) as refused:
        submit(link="work.example")
    assert refused.value.fields == {"link": "Give a web link starting with http:// or https://"}
    done, its_project = submit(link=" https://work.example/" + "x" * 1979 + " ")
    assert (done.status, done.submission_link, done.submitted_at, its_project.id) == ("submitted", "https://work.example/" + "x" * 1979, T1, project.id)
    assert message(submit) == "This work is submitted, so there is nothing to submit."
    assert message(service.submit_work, session, team_id=ELSEWHERE, bid_id=work.id, user_id=STUDENT, link="https://w.example") == "That bid no longer exists."


def test_confirming_and_paying_in_words(session):
    project, [work] = working(session, fee="412.50", hours="7", due_date="2031-03-20")
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    assert message(service.confirm_completed, **act, user_id=SUPERVISOR, is_officer=False) == (
        "This work is in progress; only submitted work can be confirmed.")
    assert message(service.confirm_completed, **act, user_id=STUDENT, is_officer=False) == (
        "Only the project's supervisor, its poster or an officer can confirm the work is done.")
    assert message(service.record_payment, **act, user_id=POSTER, is_officer=False) == (
        "This work is in progress; payment is recorded once the work is confirmed done.")
    service.submit_work(**act, user_id=STUDENT, link="https://work.example", now=T0)
    confirmed, its_project = service.confirm_completed(**act, user_id=OFFICER, is_officer=True, now=T1)
    assert (confirmed.status, confirmed.completed_by, confirmed.completed_at, its_project.id) == ("completed", OFFICER, T1, project.id)
    assert message(service.record_payment, **act, user_id=SUPERVISOR, is_officer=False) == "Only the project's poster or an officer can do that."
    paid, its_project = service.record_payment(**act, user_id=OFFICER, is_officer=True, now=T2)
    assert (paid.status, paid.paid_cents, paid.paid_by, paid.paid_at, its_project.id) == ("paid", 41250, OFFICER, T2, project.id)
    assert message(service.record_payment, **act, user_id=POSTER, is_officer=False) == (
        "This work is paid; payment is recorded once the work is confirmed done.")
    assert message(service.confirm_completed, **act, user_id=POSTER, is_officer=False) == "This work is paid; only submitted work can be confirmed."
    stored = session.get(Bid, work.id)
    assert (stored.status, stored.paid_cents, stored.completed_by) == ("paid", 41250, OFFICER)


def test_steps_without_a_time_are_stamped_now(session):
    _, [work] = working(session)
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    service.submit_work(**act, user_id=STUDENT, link="https://work.example")
    service.confirm_completed(**act, user_id=POSTER, is_officer=False)
    service.record_payment(**act, user_id=POSTER, is_officer=False)
    evaluation, _, _ = service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES)
    rated, _ = service.rate_project(**act, user_id=STUDENT, raw={"rating": "5"})
    stored = session.get(Bid, work.id)
    assert min(stored.submitted_at, stored.completed_at, stored.paid_at, evaluation.evaluated_at, rated.rated_at) >= before


def done_work(session, students=(STUDENT,), pay=False):
    project, placed = working(session, positions=str(len(students)), students=students)
    for one in placed:
        act = dict(session=session, team_id=TEAM, bid_id=one.id)
        service.submit_work(**act, user_id=one.user_id, link="https://work.example")
        service.confirm_completed(**act, user_id=SUPERVISOR, is_officer=False, now=T1)
        if pay:
            service.record_payment(**act, user_id=POSTER, is_officer=False, now=T2)
    return project, placed


@pytest.mark.parametrize("pay", [False, True])
def test_every_score_from_one_to_five(session, pay):
    project, placed = done_work(session, students=(STUDENT, OTHER), pay=pay)
    first, _, its_project = service.evaluate(
        session, team_id=TEAM, bid_id=placed[0].id, user_id=SUPERVISOR, is_officer=False, raw={"quality": "1", "communication": " 2 ", "timeliness": "3", "feedback": " Fine "},
        now=T2)
    assert (first.team_id, first.bid_id, first.student, first.quality, first.communication, first.timeliness, first.feedback, first.evaluated_by,
            first.evaluated_at, its_project.id) == (TEAM, placed[0].id, STUDENT, 1, 2, 3, "Fine", SUPERVISOR, T2, project.id)
    second, _, _ = service.evaluate(session, team_id=TEAM, bid_id=placed[1].id, user_id=OFFICER, is_officer=True, raw={**SCORES, "quality": "4", "timeliness": "5"})
    assert (second.quality, second.communication, second.timeliness, second.student) == (4, 4, 5, OTHER)
    rated, its_project = service.rate_project(session, team_id=TEAM, bid_id=placed[1].id, user_id=OTHER, raw={"rating": "1"}, now=T2)
    assert (rated.project_rating, rated.project_comment, rated.rated_at, its_project.id) == (1, None, T2, project.id)
    rated, _ = service.rate_project(session, team_id=TEAM, bid_id=placed[0].id, user_id=STUDENT, raw={"rating": "5", "comment": " Good brief "}, now=T2)
    assert (rated.project_rating, rated.project_comment) == (5, "Good brief")


def test_evaluating_in_words(session):
    _, [work] = done_work(session)
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    with pytest.raises(UserError) as refused:
        service.evaluate(**act, user_id=POSTER, is_officer=False, raw={"quality": "0", "communication": "6", "timeliness": None, "feedback": "f" * 2001})
    assert refused.value.fields == {"quality": "Pick 1 to 5.", "communication": "Pick 1 to 5.", "timeliness": "Pick 1 to 5.",
                                    "feedback": "Keep this under 2000 characters (it has 2001)."}
    assert message(service.evaluate, **act, user_id=STUDENT, is_officer=False, raw=SCORES) == (
        "Only the project's poster, its supervisor or an officer can evaluate the work.")
    assert service.evaluation_of(session, team_id=TEAM, bid_id=work.id) is None
    service.evaluate(**act, user_id=POSTER, is_officer=False, raw={**SCORES, "feedback": "f" * 2000})
    assert message(service.evaluate, **act, user_id=POSTER, is_officer=False, raw=SCORES) == "This work has already been evaluated."
    assert service.evaluation_of(session, team_id=ELSEWHERE, bid_id=work.id) is None
    assert message(service.evaluate, session, team_id=ELSEWHERE, bid_id=work.id, user_id=POSTER, is_officer=True, raw=SCORES) == "That bid no longer exists."
    _, [submitted] = working(session, students=(OTHER,))
    service.submit_work(session, team_id=TEAM, bid_id=submitted.id, user_id=OTHER, link="https://work.example")
    assert message(service.evaluate, session, team_id=TEAM, bid_id=submitted.id, user_id=POSTER, is_officer=False, raw=SCORES) == (
        "Work is evaluated once it is confirmed done.")


def test_rating_the_project_in_words(session):
    _, [work] = done_work(session)
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    assert message(service.rate_project, **act, user_id=POSTER, raw={"rating": "5"}) == "Only the student who did this project can rate it."
    assert message(service.rate_project, **act, user_id=STUDENT, raw={"rating": "5"}) == "You can rate the project once the poster has evaluated your work."
    with pytest.raises(UserError) as refused:
        service.rate_project(**act, user_id=STUDENT, raw={"rating": "9", "comment": "c" * 1001})
    assert refused.value.fields == {"rating": "Pick 1 to 5.", "comment": "Keep this under 1000 characters (it has 1001)."}
    service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES)
    rated, _ = service.rate_project(**act, user_id=STUDENT, raw={"rating": "3", "comment": "c" * 1000}, now=T1)
    assert (rated.project_rating, rated.project_comment, rated.rated_at) == (3, "c" * 1000, T1)
    assert message(service.rate_project, **act, user_id=STUDENT, raw={"rating": "2"}) == "You have already rated this project."
    assert session.scalar(select(Evaluation.project_rating).where(Evaluation.bid_id == work.id)) == 3
    assert message(service.rate_project, session, team_id=ELSEWHERE, bid_id=work.id, user_id=STUDENT, raw={"rating": "2"}) == "That bid no longer exists."


# ---- what members have done ------------------------------------------------------------------------------------


def test_mine_lists_my_bids_newest_first_and_the_projects_i_run(session):
    first = post(session, title="First", now=T0)
    second = post(session, title="Second", now=T1, supervisor=STUDENT, poster=OTHER)
    third = post(session, title="Third", now=T1)
    profile(session, STUDENT)
    bid(session, third, STUDENT, now=T1)
    bid(session, first, STUDENT, now=T0)
    gone = post(session, title="Withdrawn")
    bid(session, gone, STUDENT, now=T2)
    service.withdraw_bid(session, team_id=TEAM, project_id=gone.id, user_id=STUDENT, today=TODAY)
    done, [work] = done_work(session, students=(OTHER,))
    evaluation, _, _ = service.evaluate(session, team_id=TEAM, bid_id=work.id, user_id=POSTER, is_officer=False, raw=SCORES)
    mine = service.mine(session, team_id=TEAM, user_id=STUDENT)
    assert [(b.project_id, p.title, e) for b, p, e in mine.bids] == [(third.id, "Third", None), (first.id, "First", None)]
    assert [p.title for p in mine.running] == ["Second"]
    theirs = service.mine(session, team_id=TEAM, user_id=OTHER)
    assert [(p.id, e.id) for _, p, e in theirs.bids] == [(done.id, evaluation.id)]
    assert [p.id for p in theirs.running] == [second.id]
    posters = service.mine(session, team_id=TEAM, user_id=POSTER)
    assert [p.title for p in posters.running] == ["Third", "Market research", "Withdrawn", "First"]
    assert posters.bids == []


def test_waiting_bids_count_only_waiting_ones_per_project(session):
    one, two, quiet = post(session, positions="3"), post(session, positions="3"), post(session)
    for user_id in (STUDENT, OTHER, "UTHIRD"):
        profile(session, user_id)
        bid(session, one, user_id)
    bid(session, two, STUDENT)
    accept(session, bids_of(session, one)[0])
    service.withdraw_bid(session, team_id=TEAM, project_id=one.id, user_id=OTHER, today=TODAY)
    assert service.waiting_bids(session, team_id=TEAM, project_ids=[one.id, two.id, quiet.id]) == {one.id: 1, two.id: 1}
    assert service.waiting_bids(session, team_id=TEAM, project_ids=[two.id]) == {two.id: 1}
    assert service.waiting_bids(session, team_id=TEAM, project_ids=[]) == {}


def test_completed_for_the_passport_oldest_first(session):
    early = post(session, title="Early", positions="1")  # bid on first
    late = post(session, title="Late", positions="1", fee="300", hours="12")
    submitted = post(session, title="Only submitted")
    profile(session, STUDENT)
    placed = {}
    for project in (early, late, submitted):
        one, _ = bid(session, project, STUDENT)
        accept(session, one)
        service.submit_work(session, team_id=TEAM, bid_id=one.id, user_id=STUDENT, link="https://work.example")
        placed[project.title] = one
    # Bid first, finished last: the passport lists by completion.
    service.confirm_completed(session, team_id=TEAM, bid_id=placed["Late"].id, user_id=POSTER, is_officer=False, now=T0)
    service.confirm_completed(session, team_id=TEAM, bid_id=placed["Early"].id, user_id=POSTER, is_officer=False, now=T1)
    service.record_payment(session, team_id=TEAM, bid_id=placed["Late"].id, user_id=POSTER, is_officer=False)
    service.evaluate(session, team_id=TEAM, bid_id=placed["Late"].id, user_id=POSTER, is_officer=False, raw=SCORES)
    found = service.completed_for(session, team_id=TEAM, user_id=STUDENT)
    assert found == [
        service.Completed(project_id=late.id, title="Late", organization="Acme", hours=12, fee_cents=30000, completed_at=T0, paid_cents=30000,
                          quality=5, communication=4, timeliness=3, feedback="Clear report."),
        service.Completed(project_id=early.id, title="Early", organization="Acme", hours=10, fee_cents=40000, completed_at=T1, paid_cents=None,
                          quality=None, communication=None, timeliness=None, feedback=None),
    ]
    assert service.completed_for(session, team_id=TEAM, user_id=OTHER) == []


def test_awaiting_approval_oldest_first_within_the_limit(session):
    second = post(session, is_guest=True, title="Second", now=T1)
    first = post(session, fee="10", title="First", now=T0)
    third = post(session, is_guest=True, title="Third", now=T1)
    post(session, title="Open")
    post(session, is_guest=True, team=ELSEWHERE)
    decided = post(session, is_guest=True, now=T0)
    decide(session, decided, approve=False)
    assert [p.id for p in service.awaiting_approval(session, team_id=TEAM, limit=10)] == [first.id, second.id, third.id]
    assert [p.id for p in service.awaiting_approval(session, team_id=TEAM, limit=2)] == [first.id, second.id]


def test_overdue_is_work_in_progress_past_its_due_date(session):
    project, placed = working(session, positions="3", students=(STUDENT, OTHER, "UTHIRD"))
    service.submit_work(session, team_id=TEAM, bid_id=placed[1].id, user_id=OTHER, link="https://work.example")
    late = project.due_date + timedelta(days=1)
    assert [(b.id, p.id) for b, p in service.overdue(session, team_id=TEAM, today=late)] == [(placed[0].id, project.id), (placed[2].id, project.id)]
    assert service.overdue(session, team_id=TEAM, today=project.due_date) == []
    assert service.overdue(session, team_id=ELSEWHERE, today=late) == []


def test_overdue_lists_students_in_the_order_they_were_accepted(session):
    """Bids on two projects, interleaved: the list follows the bids, not the projects."""
    first, second = post(session, positions="2"), post(session, positions="2")
    profile(session, STUDENT)
    profile(session, OTHER)
    order = [bid(session, second, STUDENT)[0], bid(session, first, STUDENT)[0], bid(session, second, OTHER)[0], bid(session, first, OTHER)[0]]
    for one in order:
        accept(session, one)
    late = first.due_date + timedelta(days=1)
    assert [(b.id, p.id) for b, p in service.overdue(session, team_id=TEAM, today=late)] == [(one.id, one.project_id) for one in order]


def test_milestones_are_listed_by_date(session):
    project = post(session)
    for title, day in (("Final", date(2031, 3, 20)), ("Outline", date(2031, 3, 12)), ("Sources", date(2031, 3, 12))):
        session.add(Milestone(team_id=TEAM, project_id=project.id, title=title, due_date=day))
    session.flush()
    assert [m.title for m in service.milestones_of(session, project=project)] == ["Outline", "Sources", "Final"]


def test_search_is_any_case_beyond_ascii(session):
    post(session, title="Café menu design")
    post(session, title="Cafe sign")
    assert [p.title for p in service.open_projects(session, team_id=TEAM, today=TODAY, words=("CAFÉ",))] == ["Café menu design"]
    assert [p.title for p in service.open_projects(session, team_id=TEAM, today=TODAY, words=("café",))] == ["Café menu design"]


# ---- one change at a time ---------------------------------------------------------------------------------------


def test_changes_to_a_project_hold_its_row_lock_and_reads_hold_none(session):
    project = post(session, positions="2")
    profile(session, STUDENT)
    profile(session, OTHER)
    locked = locked_tables(session)
    placed, _ = bid(session, project, STUDENT)
    bid(session, project, OTHER)
    service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=OTHER, today=TODAY)
    assert locked == ["micro_projects"] * 3
    locked.clear()
    service.review(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False)
    service.get_project(session, team_id=TEAM, project_id=project.id)
    service.mine(session, team_id=TEAM, user_id=STUDENT)
    assert locked == []
    act = dict(session=session, team_id=TEAM, bid_id=placed.id)
    accept(session, placed)
    service.submit_work(**act, user_id=STUDENT, link="https://work.example")
    service.confirm_completed(**act, user_id=POSTER, is_officer=False)
    service.record_payment(**act, user_id=POSTER, is_officer=False)
    service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES)
    service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False)
    assert locked == ["micro_projects"] * 6


def test_a_bid_changed_by_another_process_is_read_afresh(session):
    """This session has the bid as it was; another process accepted it since."""
    project = post(session, positions="2")
    profile(session, STUDENT)
    profile(session, OTHER)
    placed, _ = bid(session, project, STUDENT)
    other, _ = bid(session, project, OTHER)
    table = Bid.__table__
    session.connection().execute(update(table).where(table.c.id.in_([placed.id, other.id])).values(status="in_progress"))
    assert placed.status == "pending"  # what this session last saw
    assert message(bid, session, project, STUDENT) == "Your bid on this project is already in progress; it can't be changed."
    assert message(service.withdraw_bid, session, team_id=TEAM, project_id=project.id, user_id=OTHER, today=TODAY) == (
        "Your bid is already in progress, so it can't be withdrawn.")
    assert service.bid_of(session, team_id=TEAM, project_id=project.id, user_id=STUDENT).application == BID.application


def test_review_lists_bids_in_the_order_they_came_on_this_project_only(session):
    project, elsewhere = post(session, positions="3"), post(session)
    for user_id in ("UZED", "UABE", "UMID", OTHER):
        profile(session, user_id)
    # Bid ids: UZED, UABE, UMID. UMID bid first; UZED and UABE at the same moment, UZED's bid before UABE's.
    bid(session, project, "UZED", now=T1)
    bid(session, project, "UABE", now=T1)
    bid(session, project, "UMID", now=T0)
    bid(session, elsewhere, OTHER, now=T0)
    found = service.review(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False)
    assert [b.user_id for b, _ in found.every] == ["UMID", "UZED", "UABE"]
    assert [b.user_id for b, _ in found.shown] == ["UMID", "UZED", "UABE"]


def test_other_projects_bids_neither_fill_positions_nor_hear_no(session):
    busy, quiet, other = post(session, title="Busy", positions="1"), post(session, title="Quiet", positions="2"), post(session, title="Other")
    for user_id in (STUDENT, OTHER, "UTHIRD"):
        profile(session, user_id)
    accept(session, bid(session, busy, STUDENT)[0])
    waiting, _ = bid(session, other, "UTHIRD")
    first, _ = bid(session, quiet, OTHER)
    done = accept(session, first)
    # Busy's accepted bid doesn't count toward Quiet's two positions.
    assert (done.project.status, done.not_selected) == ("open", [])
    _, told = service.close_bidding(session, team_id=TEAM, project_id=quiet.id, user_id=POSTER, is_officer=False, now=T1)
    assert told == [] and session.get(Bid, waiting.id).status == "pending"


def test_mine_lists_bids_made_at_the_same_moment_latest_first(session):
    one, two, three = post(session, title="One"), post(session, title="Two"), post(session, title="Three")
    profile(session, STUDENT)
    for project in (two, one, three):
        bid(session, project, STUDENT, now=T1 if project is not three else T0)
    assert [p.title for _, p, _ in service.mine(session, team_id=TEAM, user_id=STUDENT).bids] == ["One", "Two", "Three"]
