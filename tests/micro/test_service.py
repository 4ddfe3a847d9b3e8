"""The rules of micro-internships, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from slackapp.errors import UserError
from slackapp.micro import service
from slackapp.micro.models import Bid, Evaluation, Project
from slackapp.profiles import service as profiles

pytestmark = pytest.mark.fast

TEAM = "TMICRO"
OFFICER, POSTER, SUPERVISOR, STUDENT, OTHER, STRANGER = "UOFFICER", "UPOSTER", "USUPER", "USTUDENT", "UOTHER", "USTRANGER"
TODAY = date(2031, 3, 3)
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)


def form(**changes) -> dict:
    raw = {
        "title": "Market research", "organization": "Acme", "supervisor": SUPERVISOR, "description": "A 10-page report",
        "hours": "10", "fee": "400", "where": "remote", "positions": "1", "audience_school": None,
        "bid_deadline": "2031-03-10", "due_date": "2031-03-24",
    }
    raw.update(changes)
    return raw


def post(session, *, is_officer=False, is_guest=False, poster=POSTER, **changes) -> Project:
    draft = service.validate_project(form(**changes), today=TODAY, poster=poster)
    return service.post_project(session, team_id=TEAM, user_id=poster, is_officer=is_officer, is_guest=is_guest, draft=draft, now=T0)


def profile(session, user_id, school="University of Connecticut", major="Finance", year="2027"):
    draft = profiles.validate({"school": school, "major": major, "graduation_year": year}, today=TODAY)
    return profiles.save(session, team_id=TEAM, user_id=user_id, draft=draft)


BID = service.BidDraft(application="I have done market research before.", availability="10 h a week", portfolio=None)


def bid(session, project, user_id, draft=BID, today=TODAY) -> tuple[Bid, bool]:
    return service.place_bid(session, team_id=TEAM, project_id=project.id, user_id=user_id, draft=draft, today=today, now=T0)


def bids_of(session, project) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.project_id == project.id).order_by(Bid.id)))


# ---- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "cents"), [("400", 40000), ("$1,250.50", 125050), (" 99.99 ", 9999), ("0.01", 1), ("4E+2", 40000)])
def test_fees_as_people_type_them_become_whole_cents(typed, cents):
    assert service.parse_fee(typed) == cents


@pytest.mark.parametrize(("typed", "why"), [("12.345", "to the cent"), ("0", "more than"), ("-5", "more than"), ("abc", "in dollars"), ("NaN", "more than"), ("1e9", "at most")])
def test_fees_that_are_refused(typed, why):
    with pytest.raises(UserError, match=why):
        service.parse_fee(typed)


@pytest.mark.parametrize(
    ("fee", "hours", "per_hour"),
    [(40000, 10, 4000), (41250, 7, 5893), (2501, 2 * 1, 1251), (99999, 40, 2500), (10000, 3, 3333), (20000, 6, 3333), (5, 2, 3)],
)
def test_per_hour_is_exact_to_the_cent_rounded_half_up(fee, hours, per_hour):
    assert service.per_hour_cents(fee, hours) == per_hour


def test_the_floor_is_judged_on_exact_amounts_not_the_rounded_figure():
    assert service.below_floor(9999, 5) and not service.below_floor(10000, 5)
    # $139.99 over 7 hours rounds to $20.00 an hour, yet it is below $20 x 7 = $140.
    assert service.per_hour_cents(13999, 7) == 2000 and service.below_floor(13999, 7)


def test_one_month_after_keeps_the_day_or_the_months_last():
    assert service.one_month_after(date(2031, 1, 31)) == date(2031, 2, 28)
    assert service.one_month_after(date(2032, 1, 30)) == date(2032, 2, 29)
    assert service.one_month_after(date(2031, 12, 15)) == date(2032, 1, 15)


# ---- the project form ------------------------------------------------------------------------


def test_form_problems_are_keyed_by_input():
    with pytest.raises(UserError) as refused:
        service.validate_project(
            form(title="", hours="41", fee="12.345", where="moon", positions="0", bid_deadline="2031-03-02", supervisor="nobody", milestone_1="Draft"),
            today=TODAY, poster=POSTER,
        )
    assert set(refused.value.fields) == {"title", "hours", "fee", "where", "positions", "bid_deadline", "supervisor", "milestone_1_date"}


@pytest.mark.parametrize("due", ["2031-03-16", "2031-04-11"])
def test_due_date_is_one_week_to_one_month_after_bidding(due):
    with pytest.raises(UserError) as refused:
        service.validate_project(form(due_date=due), today=TODAY, poster=POSTER)
    assert set(refused.value.fields) == {"due_date"}


def test_milestones_are_kept_in_order_within_the_work():
    draft = service.validate_project(
        form(milestone_1="Final slides", milestone_1_date="2031-03-20", milestone_2="Outline", milestone_2_date="2031-03-12"), today=TODAY, poster=POSTER
    )
    assert draft.milestones == (("Outline", date(2031, 3, 12)), ("Final slides", date(2031, 3, 20)))
    with pytest.raises(UserError) as refused:
        service.validate_project(form(milestone_1="Late", milestone_1_date="2031-03-30"), today=TODAY, poster=POSTER)
    assert set(refused.value.fields) == {"milestone_1_date"}


# ---- approval ----------------------------------------------------------------------------------


def test_who_waits_for_an_officer(session):
    assert (post(session).status, post(session).approval_needed) == ("open", None)
    guest = post(session, is_guest=True)
    assert (guest.status, guest.approval_needed) == ("pending", service.GUEST)
    cheap = post(session, fee="199.99")  # 10 hours: the floor is $200
    assert (cheap.status, cheap.approval_needed) == ("pending", service.BELOW_FLOOR)
    both = post(session, is_guest=True, fee="50")
    assert both.approval_needed == f"{service.GUEST}, {service.BELOW_FLOOR}"
    officers_own = post(session, is_officer=True, fee="50", poster=OFFICER)
    assert (officers_own.status, officers_own.decided_by) == ("open", OFFICER)


def test_approval_is_for_officers_and_decided_once(session):
    project = post(session, is_guest=True)
    with pytest.raises(UserError, match="Only club officers"):
        service.decide_project(session, team_id=TEAM, project_id=project.id, officer_id=STRANGER, is_officer=False, approve=True)
    assert project.status == "pending"
    service.decide_project(session, team_id=TEAM, project_id=project.id, officer_id=OFFICER, is_officer=True, approve=True, now=T0)
    with pytest.raises(UserError, match="already approved"):
        service.decide_project(session, team_id=TEAM, project_id=project.id, officer_id="UOTHEROFF", is_officer=True, approve=False)
    assert (project.status, project.decided_by) == ("open", OFFICER)


def test_waiting_and_declined_projects_take_no_bids(session):
    profile(session, STUDENT)
    waiting = post(session, is_guest=True)
    with pytest.raises(UserError, match="isn't taking bids"):
        bid(session, waiting, STUDENT)
    assert service.open_projects(session, team_id=TEAM, today=TODAY) == []


# ---- bidding -----------------------------------------------------------------------------------


def test_bidding_needs_school_and_major(session):
    project = post(session)
    with pytest.raises(UserError, match="School and Major"):
        bid(session, project, STUDENT)
    profiles.complete_for_bidding(session, team_id=TEAM, user_id=STUDENT, raw={"school": "UConn", "major": "Finance"})
    assert bid(session, project, STUDENT)[1] is True


def test_a_project_for_one_school_takes_bids_only_from_its_students(session):
    project = post(session, audience_school="University of Connecticut")
    profile(session, STUDENT, school="  university of   CONNECTICUT ")
    profile(session, OTHER, school="Yale")
    assert bid(session, project, STUDENT)[1] is True
    with pytest.raises(UserError, match="for students of University of Connecticut only"):
        bid(session, project, OTHER)
    assert [b.user_id for b in bids_of(session, project)] == [STUDENT]


def test_the_schools_named_in_a_refused_bid_are_inert(session):
    project = post(session, audience_school="<!channel> University")
    profile(session, OTHER, school="<@U0BOSS>")
    with pytest.raises(UserError) as refused:
        bid(session, project, OTHER)
    assert "&lt;!channel&gt; University" in str(refused.value) and "&lt;@U0BOSS&gt;" in str(refused.value)
    assert "<!channel>" not in str(refused.value) and "<@U0BOSS>" not in str(refused.value)


def test_one_bid_per_member_edited_then_withdrawn_and_made_again(session):
    project = post(session)
    profile(session, STUDENT)
    first, new = bid(session, project, STUDENT)
    assert new
    edited = service.BidDraft(application="Better application", availability="5 h", portfolio="https://me.example")
    again, new = bid(session, project, STUDENT, draft=edited)
    assert (new, again.id, again.application, again.portfolio) == (False, first.id, "Better application", "https://me.example")
    service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, today=TODAY)
    assert bids_of(session, project)[0].status == "withdrawn"
    back, new = bid(session, project, STUDENT)
    assert (new, back.id, back.status) == (False, first.id, "pending")
    assert session.scalar(select(func.count()).select_from(Bid).where(Bid.project_id == project.id)) == 1


def test_after_the_bid_deadline_no_bids_edits_or_withdrawals(session):
    project = post(session)
    profile(session, STUDENT)
    profile(session, OTHER)
    bid(session, project, STUDENT)
    late = project.bid_deadline + timedelta(days=1)
    with pytest.raises(UserError, match="closed on Mar 10"):
        bid(session, project, OTHER, today=late)
    with pytest.raises(UserError, match="closed on Mar 10"):
        bid(session, project, STUDENT, today=late)
    with pytest.raises(UserError, match="no longer be withdrawn"):
        service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id=STUDENT, today=late)
    assert [(b.user_id, b.status, b.application) for b in bids_of(session, project)] == [(STUDENT, "pending", BID.application)]


def test_posters_and_supervisors_do_not_bid_on_their_own_project(session):
    project = post(session)
    for user_id in (POSTER, SUPERVISOR):
        profile(session, user_id)
        with pytest.raises(UserError, match="posted or supervise"):
            bid(session, project, user_id)


def test_bid_form_limits():
    with pytest.raises(UserError) as refused:
        service.validate_bid({"application": "x" * 1501, "availability": "", "portfolio": "not a link"})
    assert set(refused.value.fields) == {"application", "availability", "portfolio"}


# ---- choosing ------------------------------------------------------------------------------------


def accept(session, the_bid, user_id=POSTER, is_officer=False):
    return service.accept_bid(session, team_id=TEAM, bid_id=the_bid.id, user_id=user_id, is_officer=is_officer, now=T0)


def test_only_the_poster_or_an_officer_reviews_and_accepts(session):
    project = post(session)
    profile(session, STUDENT)
    mine, _ = bid(session, project, STUDENT)
    for who in (STRANGER, SUPERVISOR, STUDENT):
        with pytest.raises(UserError, match="poster or an officer"):
            accept(session, mine, user_id=who)
        with pytest.raises(UserError, match="poster or an officer"):
            service.review(session, team_id=TEAM, project_id=project.id, user_id=who, is_officer=False)
    assert (mine.status, project.status) == ("pending", "open")
    assert accept(session, mine, user_id=OFFICER, is_officer=True).bid.status == "in_progress"


def test_filling_the_last_position_ends_bidding_for_the_others(session):
    project = post(session, positions="2")
    users = [STUDENT, OTHER, "UTHIRD", "UFOURTH"]
    for user_id in users:
        profile(session, user_id)
    placed = [bid(session, project, user_id)[0] for user_id in users]
    service.withdraw_bid(session, team_id=TEAM, project_id=project.id, user_id="UFOURTH", today=TODAY)
    first = accept(session, placed[0])
    assert (first.not_selected, project.status) == ([], "open")
    second = accept(session, placed[1])
    assert (second.not_selected, project.status) == (["UTHIRD"], "closed")
    assert [b.status for b in bids_of(session, project)] == ["in_progress", "in_progress", "not_selected", "withdrawn"]
    with pytest.raises(UserError, match="closed"):
        accept(session, placed[2])


def test_closing_bidding_tells_each_waiting_bidder_once(session):
    project = post(session, positions="3")
    for user_id in (STUDENT, OTHER):
        profile(session, user_id)
        bid(session, project, user_id)
    with pytest.raises(UserError, match="poster or an officer"):
        service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=STRANGER, is_officer=False)
    _, told = service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False, now=T0)
    assert told == [STUDENT, OTHER]
    with pytest.raises(UserError, match="already closed"):
        service.close_bidding(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False)


def test_review_filters_by_school_major_and_year(session):
    project = post(session, positions="3")
    profile(session, STUDENT, school="University of Connecticut", major="Finance", year="2027")
    profile(session, OTHER, school="Yale", major="Finance", year="2026")
    profile(session, "UTHIRD", school="University of Connecticut", major="Marketing", year="2026")
    for user_id in (STUDENT, OTHER, "UTHIRD"):
        bid(session, project, user_id)

    def shown(**filters):
        found = service.review(session, team_id=TEAM, project_id=project.id, user_id=POSTER, is_officer=False, filters=service.Filters(**filters))
        return sorted(b.user_id for b, _ in found.shown)

    assert shown() == sorted([STUDENT, OTHER, "UTHIRD"])
    assert shown(school="university of conn") == sorted([STUDENT, "UTHIRD"])
    assert shown(major="finance") == sorted([STUDENT, OTHER])
    assert shown(year=2026) == sorted([OTHER, "UTHIRD"])
    assert shown(school="University of Connecticut", major="Marketing", year=2026) == ["UTHIRD"]


# ---- the work, payment and evaluation ------------------------------------------------------------------

SCORES = {"quality": "5", "communication": "4", "timeliness": "3", "feedback": "Clear report, a day late."}


def working(session, **changes) -> tuple[Project, Bid]:
    project = post(session, **changes)
    profile(session, STUDENT)
    placed, _ = bid(session, project, STUDENT)
    accept(session, placed)
    return project, placed


def test_the_work_moves_in_order_and_each_step_belongs_to_someone(session):
    project, work = working(session)
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    with pytest.raises(UserError, match="Only the student"):
        service.submit_work(**act, user_id=POSTER, link="https://work.example")
    with pytest.raises(UserError) as refused:
        service.submit_work(**act, user_id=STUDENT, link="not a link")
    assert set(refused.value.fields) == {"link"} and work.status == "in_progress"
    with pytest.raises(UserError, match="only submitted work"):
        service.confirm_completed(**act, user_id=SUPERVISOR, is_officer=False)
    service.submit_work(**act, user_id=STUDENT, link="https://work.example", now=T0)
    with pytest.raises(UserError, match="once the work is confirmed"):
        service.record_payment(**act, user_id=POSTER, is_officer=False)
    for who in (STUDENT, STRANGER):
        with pytest.raises(UserError, match="supervisor, its poster or an officer"):
            service.confirm_completed(**act, user_id=who, is_officer=False)
    service.confirm_completed(**act, user_id=SUPERVISOR, is_officer=False, now=T0)
    with pytest.raises(UserError, match="poster or an officer"):
        service.record_payment(**act, user_id=SUPERVISOR, is_officer=False)
    service.record_payment(**act, user_id=POSTER, is_officer=False, now=T0)
    assert (work.status, work.submission_link, work.completed_by, work.paid_cents, work.paid_by) == (
        "paid", "https://work.example", SUPERVISOR, project.fee_cents, POSTER)


def test_evaluation_once_then_the_students_rating_once(session):
    project, work = working(session)
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    with pytest.raises(UserError, match="once it is confirmed done"):
        service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES)
    service.submit_work(**act, user_id=STUDENT, link="https://work.example")
    service.confirm_completed(**act, user_id=SUPERVISOR, is_officer=False)
    with pytest.raises(UserError) as refused:
        service.evaluate(**act, user_id=POSTER, is_officer=False, raw={**SCORES, "quality": "6", "feedback": " "})
    assert set(refused.value.fields) == {"quality", "feedback"}
    with pytest.raises(UserError, match="poster, its supervisor or an officer"):
        service.evaluate(**act, user_id=STUDENT, is_officer=False, raw=SCORES)
    evaluation, _, _ = service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES, now=T0)
    assert (evaluation.quality, evaluation.communication, evaluation.timeliness, evaluation.student) == (5, 4, 3, STUDENT)
    with pytest.raises(UserError, match="already been evaluated"):
        service.evaluate(**act, user_id=SUPERVISOR, is_officer=False, raw=SCORES)
    with pytest.raises(UserError, match="Only the student"):
        service.rate_project(**act, user_id=POSTER, raw={"rating": "5"})
    service.rate_project(**act, user_id=STUDENT, raw={"rating": "4", "comment": "Good brief"}, now=T0)
    with pytest.raises(UserError, match="already rated"):
        service.rate_project(**act, user_id=STUDENT, raw={"rating": "1"})
    assert session.scalar(select(Evaluation.project_rating).where(Evaluation.bid_id == work.id)) == 4


def test_completed_projects_are_kept_for_the_passport(session):
    project, work = working(session, fee="412.50", hours="7", due_date="2031-03-20")
    act = dict(session=session, team_id=TEAM, bid_id=work.id)
    assert service.completed_for(session, team_id=TEAM, user_id=STUDENT) == []
    service.submit_work(**act, user_id=STUDENT, link="https://work.example")
    service.confirm_completed(**act, user_id=SUPERVISOR, is_officer=False, now=T0)
    service.record_payment(**act, user_id=POSTER, is_officer=False)
    service.evaluate(**act, user_id=POSTER, is_officer=False, raw=SCORES)
    [done] = service.completed_for(session, team_id=TEAM, user_id=STUDENT)
    assert (done.title, done.hours, done.fee_cents, done.paid_cents, done.quality, done.communication, done.timeliness, done.feedback) == (
        "Market research", 7, 41250, 41250, 5, 4, 3, SCORES["feedback"])
    assert service.completed_for(session, team_id="TOTHER", user_id=STUDENT) == []


def test_overdue_finds_students_who_have_not_submitted(session):
    project, work = working(session)
    assert service.overdue(session, team_id=TEAM, today=project.due_date) == []
    [(late, _)] = service.overdue(session, team_id=TEAM, today=project.due_date + timedelta(days=1))
    assert late.id == work.id
    service.submit_work(session, team_id=TEAM, bid_id=work.id, user_id=STUDENT, link="https://work.example")
    assert service.overdue(session, team_id=TEAM, today=project.due_date + timedelta(days=1)) == []


def test_every_row_stays_in_its_workspace(session):
    project = post(session)
    with pytest.raises(UserError, match="no longer exists"):
        service.get_project(session, team_id="TOTHER", project_id=project.id)
    assert service.open_projects(session, team_id="TOTHER", today=TODAY) == []
    assert [p.id for p in service.open_projects(session, team_id=TEAM, today=TODAY, words=("RESEARCH", "acme"))] == [project.id]
    assert service.open_projects(session, team_id=TEAM, today=TODAY, words=("100%",)) == []
