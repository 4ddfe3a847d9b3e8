"""The passport's rules at their edges (the fast layer): stored programs read back, period
boundaries, the officers' form limits, claims and their exact refusals, the leaderboard and the
club's numbers, each workspace on its own even for the same member id."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.errors import UserError
from slackapp.passport import ids, service
from slackapp.passport.models import Claim, ClaimStatus, ProgramSettings
from slackapp.passport.program import (
    CAREER_EVENTS,
    CLUBS,
    DEFAULT,
    DEVELOPMENT,
    EMPLOYER_MEETINGS,
    SERVICE,
    WORKSHOPS,
    Period,
    PeriodKind,
    Program,
    Stamp,
    period_of,
    score,
)

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TPASSRULES", "TPASSRULES2"
MEMBER, OFFICER = "UPRMEMBER", "UPROFFICER"
TODAY = date(2031, 10, 15)  # Fall 2031
TZ = "America/New_York"
FALL = (date(2031, 8, 1), date(2031, 12, 31))


# ---- a stored program read back -------------------------------------------------------------


def test_a_stored_program_keeps_the_unit_of_each_category():
    stored = DEFAULT.as_json()
    units = {item["key"]: item["unit"] for item in stored["categories"]}
    assert units[SERVICE] == "hour" and units[WORKSHOPS] == "activity"
    assert (stored["target"], stored["required"], stored["period"]) == (12, [CAREER_EVENTS, EMPLOYER_MEETINGS], "semester")


def test_an_empty_stored_program_is_the_default():
    assert Program.from_json({}) == DEFAULT


def test_a_stored_category_without_points_or_cap_keeps_the_defaults():
    program = Program.from_json({"categories": [{"key": SERVICE}, {"key": CLUBS, "points": 4}]})
    assert (program.category(SERVICE).points, program.category(SERVICE).cap) == (1, 6)
    assert (program.category(CLUBS).points, program.category(CLUBS).cap) == (4, 2)
    # Categories missing from what was stored keep their defaults too.
    assert program.category(WORKSHOPS) == DEFAULT.category(WORKSHOPS)


def test_stored_entries_without_a_key_and_unknown_categories_are_dropped():
    program = Program.from_json({"categories": [{"points": 9}, "clubs", {"key": "astrology", "points": 5}], "required": ["astrology", WORKSHOPS]})
    assert program.categories == DEFAULT.categories
    assert program.required == (WORKSHOPS,)


# ---- stamps and periods ----------------------------------------------------------------------


def test_a_stamp_in_a_category_the_program_does_not_know_is_worth_nothing():
    assert Stamp(MEMBER, "astrology", TODAY, "claim", "Horoscope", "claim:1").points(DEFAULT) == 0


def test_an_activity_counts_once_whatever_its_units():
    """Only hour categories count units; an activity is one activity."""
    assert Stamp(MEMBER, WORKSHOPS, TODAY, "claim", "Two-part workshop", "claim:1", units=Decimal("2.5")).points(DEFAULT) == 1
    assert Stamp(MEMBER, SERVICE, TODAY, "gig", "Website", "gig:1", units=Decimal("2.5")).points(DEFAULT) == 2


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2031, 1, 1), "Spring 2031", date(2031, 1, 1), date(2031, 5, 31)),
        (date(2031, 5, 31), "Spring 2031", date(2031, 1, 1), date(2031, 5, 31)),
        (date(2031, 6, 1), "Summer 2031", date(2031, 6, 1), date(2031, 7, 31)),
        (date(2031, 7, 31), "Summer 2031", date(2031, 6, 1), date(2031, 7, 31)),
        (date(2031, 8, 1), "Fall 2031", date(2031, 8, 1), date(2031, 12, 31)),
    ],
)
def test_semester_boundaries(day, label, start, end):
    period = period_of(day, PeriodKind.semester)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    ("day", "label", "start"),
    [(date(2031, 7, 31), "2030–31", date(2030, 8, 1)), (date(2031, 8, 1), "2031–32", date(2031, 8, 1)), (date(2031, 9, 1), "2031–32", date(2031, 8, 1))],
)
def test_academic_year_boundaries(day, label, start):
    period = period_of(day, PeriodKind.year)
    assert (period.label, period.start, period.end) == (label, start, date(start.year + 1, 7, 31))


def test_a_period_holds_its_first_and_last_day():
    fall = period_of(TODAY, PeriodKind.semester)
    assert fall.holds(date(2031, 8, 1)) and fall.holds(date(2031, 12, 31))
    assert not fall.holds(date(2031, 7, 31)) and not fall.holds(date(2032, 1, 1))
    on_the_first = score(MEMBER, [Stamp(MEMBER, WORKSHOPS, date(2031, 8, 1), "claim", "First day", "claim:1")], DEFAULT, fall)
    assert on_the_first.total == 1


# ---- helpers over the store -----------------------------------------------------------------


def claim(session, *, user=MEMBER, team=TEAM, category=WORKSHOPS, done_on=date(2031, 9, 20), decide: bool | None = True) -> Claim:
    draft = service.validate_claim(
        {ids.CATEGORY: category, ids.TITLE: f"{category} by {user}", ids.EVIDENCE: "https://proof.example/1", ids.DONE_ON: done_on.isoformat()}, rules=DEFAULT, today=TODAY
    )
    made = service.submit_claim(session, team_id=team, user_id=user, draft=draft)
    if decide is not None:
        service.decide_claim(session, team_id=team, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=decide, comment=None if decide else "No evidence")
    return made


def form(**changes) -> dict:
    raw = {f"{ids.POINTS}{c.key}": str(c.points) for c in DEFAULT.categories}
    raw |= {f"{ids.CAP}{c.key}": str(c.cap) if c.cap is not None else None for c in DEFAULT.categories}
    raw |= {ids.TARGET: str(DEFAULT.target), ids.REQUIRED: list(DEFAULT.required), ids.PERIOD: DEFAULT.period.value}
    raw.update(changes)
    return raw


def configure(session, team=TEAM, **changes) -> Program:
    return service.configure(session, team_id=team, user_id=OFFICER, is_officer=True, raw=form(**changes), current=service.program(session, team_id=team))


def refusal(session, **changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        configure(session, **changes)
    assert service.program(session, team_id=TEAM) == DEFAULT  # nothing stored
    return refused.value.fields


# ---- the officers' form ---------------------------------------------------------------------


def test_the_form_takes_the_largest_and_smallest_numbers_allowed(session):
    configure(session, **{f"{ids.POINTS}{WORKSHOPS}": "100", f"{ids.POINTS}{CLUBS}": "0", f"{ids.CAP}{WORKSHOPS}": "1000", ids.TARGET: "1"})
    stored = service.program(session, team_id=TEAM)
    assert (stored.category(WORKSHOPS).points, stored.category(WORKSHOPS).cap, stored.category(CLUBS).points, stored.target) == (100, 1000, 0, 1)


def test_numbers_past_the_limits_are_refused_next_to_their_input(session):
    assert refusal(session, **{f"{ids.POINTS}{WORKSHOPS}": "101"}) == {f"{ids.POINTS}{WORKSHOPS}": "A whole number from 0 to 100."}
    assert refusal(session, **{f"{ids.CAP}{CLUBS}": "1001"}) == {f"{ids.CAP}{CLUBS}": "A whole number from 0 to 1000."}
    assert refusal(session, **{f"{ids.CAP}{CLUBS}": "-1"}) == {f"{ids.CAP}{CLUBS}": "A whole number from 0 to 1000."}
    assert refusal(session, **{ids.TARGET: "1001"}) == {ids.TARGET: "A whole number from 1 to 1000."}


def test_blank_points_and_target_are_refused_but_a_blank_cap_means_no_cap(session):
    assert refusal(session, **{f"{ids.POINTS}{CLUBS}": " ", ids.TARGET: None}) == {f"{ids.POINTS}{CLUBS}": "Please fill this in.", ids.TARGET: "Please fill this in."}
    configure(session, **{f"{ids.CAP}{CLUBS}": ""})
    assert service.program(session, team_id=TEAM).category(CLUBS).cap is None


def test_an_unknown_period_is_refused(session):
    assert refusal(session, **{ids.PERIOD: "decade"}) == {ids.PERIOD: "Pick semester or year."}


def test_the_program_is_stored_as_plain_json(session):
    configure(session, **{f"{ids.POINTS}{SERVICE}": "2", f"{ids.CAP}{SERVICE}": "8"})
    session.flush()
    session.expire_all()
    stored = session.get(ProgramSettings, TEAM)
    assert stored.updated_by == OFFICER
    assert stored.program["categories"][3] == {"key": SERVICE, "label": "Service", "points": 2, "cap": 8, "unit": "hour"}
    assert {key: stored.program[key] for key in ("target", "required", "period")} == {"target": 12, "required": [CAREER_EVENTS, EMPLOYER_MEETINGS], "period": "semester"}


def test_a_second_change_replaces_the_first(session):
    configure(session, **{ids.TARGET: "20"})
    configure(session, **{ids.TARGET: "30", ids.PERIOD: "year"})
    stored = service.program(session, team_id=TEAM)
    assert (stored.target, stored.period) == (30, PeriodKind.year)
    assert service.program(session, team_id=OTHER_TEAM) == DEFAULT


def test_the_current_period_follows_the_clubs_program(session):
    assert service.current_period(session, team_id=TEAM, today=TODAY) == Period("Fall 2031", date(2031, 8, 1), date(2031, 12, 31))
    configure(session, **{ids.PERIOD: "year"})
    assert service.current_period(session, team_id=TEAM, today=TODAY) == Period("2031–32", date(2031, 8, 1), date(2032, 7, 31))
    assert service.current_period(session, team_id=OTHER_TEAM, today=TODAY).label == "Fall 2031"


# ---- records for the export -----------------------------------------------------------------


def test_records_of_one_day_and_of_the_members_asked_for(session):
    claim(session, user=MEMBER)
    claim(session, user="UPRSOMEONE")
    one_day = service.records(session, team_id=TEAM, start=date(2031, 9, 20), end=date(2031, 9, 20), tz=TZ)
    assert [(r.user_id, r.total, r.period.label) for r in one_day] == [("UPRMEMBER", 1, "2031-09-20 to 2031-09-20"), ("UPRSOMEONE", 1, "2031-09-20 to 2031-09-20")]
    only = service.records(session, team_id=TEAM, start=FALL[0], end=FALL[1], tz=TZ, users=[MEMBER])
    assert [r.user_id for r in only] == [MEMBER]
    with pytest.raises(UserError) as refused:
        service.records(session, team_id=TEAM, start=date(2031, 9, 21), end=date(2031, 9, 20), tz=TZ)
    assert str(refused.value) == "The end date comes before the start date."


def test_records_follow_the_clubs_points(session):
    claim(session)
    configure(session, **{f"{ids.POINTS}{WORKSHOPS}": "7"})
    [found] = service.records(session, team_id=TEAM, start=FALL[0], end=FALL[1], tz=TZ)
    assert found.total == 7


# ---- claims ---------------------------------------------------------------------------------


def claim_form(**changes) -> dict:
    return {ids.CATEGORY: WORKSHOPS, ids.TITLE: "Resume review", ids.EVIDENCE: "https://proof.example/2", ids.DONE_ON: TODAY.isoformat(), **changes}


def claim_refusal(**changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        service.validate_claim(claim_form(**changes), rules=DEFAULT, today=TODAY)
    return refused.value.fields


def test_a_claim_for_today_and_one_for_a_year_ago_are_taken():
    assert service.validate_claim(claim_form(), rules=DEFAULT, today=TODAY).done_on == TODAY
    a_year_ago = TODAY - timedelta(days=366)
    assert service.validate_claim(claim_form(**{ids.DONE_ON: a_year_ago.isoformat()}), rules=DEFAULT, today=TODAY).done_on == a_year_ago


def test_claim_refusals_say_what_to_fix():
    assert claim_refusal(**{ids.CATEGORY: "astrology"}) == {ids.CATEGORY: "Pick a category."}
    assert claim_refusal(**{ids.DONE_ON: None}) == {ids.DONE_ON: "Pick the day you did it."}
    assert claim_refusal(**{ids.DONE_ON: "next tuesday"}) == {ids.DONE_ON: "Pick the day you did it."}
    assert claim_refusal(**{ids.DONE_ON: (TODAY + timedelta(days=1)).isoformat()}) == {ids.DONE_ON: "That day hasn't come yet."}
    too_old = (TODAY - timedelta(days=367)).isoformat()
    assert claim_refusal(**{ids.DONE_ON: too_old}) == {ids.DONE_ON: "Only activities of the past year can be claimed."}


def test_a_submitted_claim_waits_for_an_officer(session):
    made = claim(session, decide=None)
    session.expire_all()
    stored = session.get(Claim, made.id)
    assert (stored.status, stored.team_id, stored.user_id, stored.category, stored.done_on) == ("pending", TEAM, MEMBER, WORKSHOPS, date(2031, 9, 20))


def test_pending_claims_oldest_first_in_this_workspace_only(session):
    first, second = claim(session, decide=None), claim(session, decide=None)
    claim(session, team=OTHER_TEAM, decide=None)
    claim(session)  # decided
    first.created_at = datetime(2031, 10, 2, tzinfo=timezone.utc)
    second.created_at = datetime(2031, 10, 1, tzinfo=timezone.utc)
    session.flush()
    assert [c.id for c in service.pending_claims(session, team_id=TEAM)] == [second.id, first.id]


def test_at_most_fifty_pending_claims_at_once(session):
    made = [claim(session, decide=None) for _ in range(51)]
    listed = service.pending_claims(session, team_id=TEAM)
    assert [c.id for c in listed] == [c.id for c in made[:50]]


def test_a_members_own_claims_newest_first_ten_at_most_in_this_workspace(session):
    made = [claim(session, decide=None) for _ in range(11)]
    for n, each in enumerate(made):
        each.created_at = datetime(2031, 10, 1, tzinfo=timezone.utc) + timedelta(hours=n if n != 10 else -1)  # the last one made is the oldest
    someone = claim(session, user="UPRSOMEONE", decide=None)
    someone.created_at = datetime(2031, 10, 2, tzinfo=timezone.utc)  # newer than all of the member's
    claim(session, team=OTHER_TEAM, decide=None)
    session.flush()
    mine = service.my_claims(session, team_id=TEAM, user_id=MEMBER)
    assert [c.id for c in mine] == [c.id for c in reversed(made[:10])]
    assert [c.id for c in service.my_claims(session, team_id=TEAM, user_id="UPRSOMEONE")] == [someone.id]
    assert [c.user_id for c in service.my_claims(session, team_id=OTHER_TEAM, user_id=MEMBER)] == [MEMBER]


def test_a_members_claims_made_at_the_same_moment_newest_first(session):
    made = [claim(session, decide=None) for _ in range(3)]
    for each in made:
        each.created_at = datetime(2031, 10, 1, tzinfo=timezone.utc)
    session.flush()
    assert [c.id for c in service.my_claims(session, team_id=TEAM, user_id=MEMBER)] == [c.id for c in reversed(made)]


def test_approving_without_a_comment_stores_none_and_the_moment_given(session):
    made = claim(session, decide=None)
    at = datetime(2031, 10, 15, 14, 30, tzinfo=timezone.utc)
    service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=True, comment=None, now=at)
    session.flush()
    session.expire_all()
    stored = session.get(Claim, made.id)
    assert (stored.status, stored.comment, stored.decided_by, stored.decided_at) == ("approved", None, OFFICER, at)


def test_a_comment_of_the_longest_length_is_taken_and_a_longer_one_refused(session):
    made = claim(session, decide=None)
    with pytest.raises(UserError) as refused:
        service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=False, comment="x" * 501)
    assert refused.value.fields == {ids.COMMENT: "Keep the comment under 500 characters."}
    service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=False, comment="x" * 500)
    assert (made.status, made.comment) == (ClaimStatus.declined.value, "x" * 500)


def test_deciding_refusals_word_for_word(session):
    made = claim(session, decide=None)
    with pytest.raises(UserError) as refused:
        service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=False, comment=None)
    assert refused.value.fields == {ids.COMMENT: "Say why it is declined: the member will read it."}
    with pytest.raises(UserError) as refused:
        service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=MEMBER, is_officer=True, approve=True, comment=None)
    assert str(refused.value) == "Another officer decides on your own claims."
    with pytest.raises(UserError) as refused:
        service.decide_claim(session, team_id=OTHER_TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=True, comment=None)
    assert str(refused.value) == "That claim is gone."
    assert made.status == ClaimStatus.pending.value


# ---- the leaderboard ------------------------------------------------------------------------


def test_the_leaderboard_is_per_workspace_for_the_same_member_id(session):
    claim(session, user=MEMBER)
    claim(session, user=MEMBER, team=OTHER_TEAM)
    service.set_leaderboard(session, team_id=OTHER_TEAM, user_id=MEMBER, on=True)
    assert service.on_leaderboard(session, team_id=TEAM) == []
    assert service.leaderboard(session, team_id=TEAM, today=TODAY, tz=TZ)[1] == []
    assert [r.user_id for r in service.leaderboard(session, team_id=OTHER_TEAM, today=TODAY, tz=TZ)[1]] == [MEMBER]


def test_the_leaderboard_lists_ten_with_points_and_nobody_without(session):
    members = [f"UPRM{n:02d}" for n in range(12)]
    for n, member in enumerate(members):
        service.set_leaderboard(session, team_id=TEAM, user_id=member, on=True)
        if n < 11:
            claim(session, user=member)
    period, ranked = service.leaderboard(session, team_id=TEAM, today=TODAY, tz=TZ)
    assert period.label == "Fall 2031"
    assert [r.user_id for r in ranked] == members[:10]


def test_a_listed_member_without_points_is_not_on_the_leaderboard(session):
    service.set_leaderboard(session, team_id=TEAM, user_id=MEMBER, on=True)
    claim(session, user=MEMBER, done_on=date(2031, 5, 1))  # last semester: nothing this one
    assert service.leaderboard(session, team_id=TEAM, today=TODAY, tz=TZ)[1] == []


def test_the_leaderboard_uses_the_clubs_program(session):
    """Points and period are the workspace's own: an academic year reaches back to a claim in August."""
    service.set_leaderboard(session, team_id=TEAM, user_id=MEMBER, on=True)
    claim(session, done_on=date(2031, 8, 10))
    configure(session, **{f"{ids.POINTS}{WORKSHOPS}": "4", ids.PERIOD: "year"})
    period, ranked = service.leaderboard(session, team_id=TEAM, today=date(2032, 2, 1), tz=TZ)
    assert period.label == "2031–32"
    assert [(r.user_id, r.total) for r in ranked] == [(MEMBER, 4)]


# ---- the club's numbers ---------------------------------------------------------------------


def test_club_numbers_count_complete_records_by_the_clubs_program(session):
    """Five members, each complete under the club's own target; the figure is shown at exactly five."""
    configure(session, **{ids.TARGET: "1", ids.REQUIRED: []})
    for n in range(5):
        claim(session, user=f"UPRM{n}")
    numbers = service.club_numbers(session, team_id=TEAM, start=FALL[0], end=FALL[1], tz=TZ)
    assert (numbers.members, numbers.complete, numbers.by_category[WORKSHOPS], numbers.by_category[CLUBS]) == (5, 5, 5, None)
    assert (numbers.period.label, numbers.period.start, numbers.period.end) == ("Aug 1 – Dec 31", FALL[0], FALL[1])


def test_club_numbers_hide_fewer_than_five_complete_among_many_members(session):
    configure(session, **{ids.TARGET: "2", ids.REQUIRED: []})
    for n in range(6):
        claim(session, user=f"UPRM{n}")
    for n in range(4):
        claim(session, user=f"UPRM{n}", category=DEVELOPMENT)
    numbers = service.club_numbers(session, team_id=TEAM, start=FALL[0], end=FALL[1], tz=TZ)
    assert (numbers.members, numbers.complete, numbers.by_category[DEVELOPMENT]) == (6, None, None)
    claim(session, user="UPRM4", category=DEVELOPMENT)
    assert service.club_numbers(session, team_id=TEAM, start=FALL[0], end=FALL[1], tz=TZ).complete == 5

