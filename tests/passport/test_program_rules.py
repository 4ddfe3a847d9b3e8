"""The passport program's two rules a member would notice if they slipped (the fast layer): a cap of 0
means the category adds nothing (not "no cap"), and a record is complete only with the target reached
*and* every required category done."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from slackapp.passport import ids, service
from slackapp.passport.program import (
    CAREER_EVENTS,
    CLUBS,
    DEFAULT,
    EMPLOYER_MEETINGS,
    SERVICE,
    WORKSHOPS,
    Program,
    Stamp,
    period_of,
    score,
)

pytestmark = pytest.mark.fast

TEAM = "TPROGRULES"
MEMBER, OFFICER = "UPROGMEMBER", "UPROGOFFICER"
TODAY = date(2031, 10, 15)  # Fall 2031
FALL = period_of(TODAY, DEFAULT.period)
TZ = "America/New_York"


def stamps(category: str, count: int, *, units: str = "1") -> list[Stamp]:
    return [Stamp(user_id=MEMBER, category=category, on=date(2031, 9, 1 + n), source="claim", title=f"{category} {n}", ref=f"{category}:{n}", units=Decimal(units)) for n in range(count)]


def capped(program: Program, key: str, cap: int | None) -> Program:
    return replace(program, categories=tuple(replace(c, cap=cap) if c.key == key else c for c in program.categories))


def counted(record, key: str) -> tuple[int, int, int]:
    found = next(s for s in record.scores if s.category.key == key)
    return found.earned, found.counted, found.activities


# ---- a cap of 0 ---------------------------------------------------------------------------------


def test_a_cap_of_zero_counts_nothing_in_that_category():
    rules = capped(DEFAULT, CLUBS, 0)
    record = score(MEMBER, stamps(CLUBS, 3) + stamps(WORKSHOPS, 2), rules, FALL)
    # Still seen (earned and activities), but adds nothing to the total.
    assert counted(record, CLUBS) == (3, 0, 3)
    assert record.total == 2  # only the two workshops


def test_a_cap_of_zero_on_hours_counts_nothing():
    rules = capped(DEFAULT, SERVICE, 0)
    record = score(MEMBER, stamps(SERVICE, 1, units="5"), rules, FALL)
    assert counted(record, SERVICE) == (5, 0, 1) and record.total == 0


def test_no_cap_is_not_a_cap_of_zero():
    """The other side of the same line: None means uncapped."""
    rules = capped(DEFAULT, CLUBS, None)
    assert counted(score(MEMBER, stamps(CLUBS, 5), rules, FALL), CLUBS) == (5, 5, 5)


def _claim(session, category: str) -> None:
    draft = service.validate_claim(
        {ids.CATEGORY: category, ids.TITLE: f"Did {category}", ids.EVIDENCE: "https://proof.example/1", ids.DONE_ON: "2031-09-20"},
        rules=DEFAULT,
        today=TODAY,
    )
    made = service.submit_claim(session, team_id=TEAM, user_id=MEMBER, draft=draft)
    service.decide_claim(session, team_id=TEAM, claim_id=made.id, user_id=OFFICER, is_officer=True, approve=True, comment=None)


def _form(**changes) -> dict:
    raw = {f"{ids.POINTS}{c.key}": str(c.points) for c in DEFAULT.categories}
    raw |= {f"{ids.CAP}{c.key}": str(c.cap) if c.cap is not None else None for c in DEFAULT.categories}
    raw |= {ids.TARGET: str(DEFAULT.target), ids.REQUIRED: list(DEFAULT.required), ids.PERIOD: DEFAULT.period.value}
    raw.update(changes)
    return raw


def test_an_officer_setting_a_cap_of_zero_stops_the_category_counting(session):
    """Through the store: the officers' form saves 0 (not "no cap"), and records follow it."""
    for _ in range(2):
        _claim(session, CLUBS)
    _claim(session, WORKSHOPS)
    service.configure(session, team_id=TEAM, user_id=OFFICER, is_officer=True, raw=_form(**{f"{ids.CAP}{CLUBS}": "0"}), current=DEFAULT)
    assert service.program(session, team_id=TEAM).category(CLUBS).cap == 0
    record = service.record(session, team_id=TEAM, user_id=MEMBER, today=TODAY, tz=TZ)
    assert counted(record, CLUBS) == (2, 0, 2)
    assert record.total == 1


# ---- complete: the target and the required categories ---------------------------------------------


def test_enough_points_with_a_required_category_empty_is_not_complete():
    assert set(DEFAULT.required) == {CAREER_EVENTS, EMPLOYER_MEETINGS}
    # 7 career events (14 points) alone pass the target of 12; employer meetings is still empty.
    record = score(MEMBER, stamps(CAREER_EVENTS, 7), DEFAULT, FALL)
    assert record.total >= DEFAULT.target
    assert [c.key for c in record.missing] == [EMPLOYER_MEETINGS]
    assert record.complete is False


def test_the_target_and_every_required_category_make_it_complete():
    record = score(MEMBER, stamps(CAREER_EVENTS, 5) + stamps(EMPLOYER_MEETINGS, 1), DEFAULT, FALL)
    assert record.total == DEFAULT.target and record.missing == []
    assert record.complete is True


def test_every_required_category_but_too_few_points_is_not_complete():
    record = score(MEMBER, stamps(CAREER_EVENTS, 1) + stamps(EMPLOYER_MEETINGS, 1), DEFAULT, FALL)
    assert record.missing == [] and record.total < DEFAULT.target
    assert record.complete is False


def test_a_required_category_worth_no_points_still_has_to_be_done():
    """Done means an activity in it, not points: a required category worth 0 still counts as done
    once there is one, and as missing until then."""
    rules = replace(
        DEFAULT,
        categories=tuple(replace(c, points=0) if c.key == EMPLOYER_MEETINGS else c for c in DEFAULT.categories),
    )
    without = score(MEMBER, stamps(CAREER_EVENTS, 6), rules, FALL)
    assert without.total == 12 and [c.key for c in without.missing] == [EMPLOYER_MEETINGS] and not without.complete
    with_it = score(MEMBER, stamps(CAREER_EVENTS, 6) + stamps(EMPLOYER_MEETINGS, 1), rules, FALL)
    assert with_it.total == 12 and with_it.missing == [] and with_it.complete
