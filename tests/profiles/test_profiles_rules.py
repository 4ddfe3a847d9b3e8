"""Member profile rules: the form's limits in words, web links, schools as people type them, and each
member's own profile in each workspace (the fast layer, both stores)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from slackapp.errors import UserError
from slackapp.profiles import service
from slackapp.profiles.models import Profile

pytestmark = pytest.mark.fast

TEAM, ELSEWHERE = "TPRULES", "TPOTHER"
TODAY = date(2031, 3, 3)


def refused(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return caught.value


def save(session, user_id="UMEMBER", team=TEAM, **raw):
    return service.save(session, team_id=team, user_id=user_id, draft=service.validate(raw, today=TODAY))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://club.example", True), ("https://club.example/a?b=c", True), ("HTTPS://Club.Example", True),
        ("ftp://club.example", False), ("club.example", False), ("https://localhost", False), ("https://", False),
        ("https://club.example/a b", False), ("https:// club.example", False), ("javascript:alert(1)", False),
    ],
)
def test_web_links(url, ok):
    assert service.is_web_link(url) is ok


def test_schools_as_people_type_them():
    assert service.same_school("University of  Connecticut", "  UNIVERSITY of connecticut ")
    assert service.same_school("Straße", "STRASSE")  # casefold, not lower
    assert not service.same_school("University of Connecticut", "University of Connecticut State")
    for one, other in ((None, "Yale"), ("Yale", None), ("", ""), (None, None), ("", "Yale")):
        assert service.same_school(one, other) is False


def test_a_full_form_becomes_the_draft():
    draft = service.validate(
        {"school": " UConn ", "major": " Finance ", "graduation_year": " 2041 ", "skills": " Excel ", "link": " https://me.example ", "job_board": "yes"}, today=TODAY)
    assert draft == service.ProfileDraft(school="UConn", major="Finance", graduation_year=2041, skills="Excel", link="https://me.example", job_board=True)
    empty = service.validate({"graduation_year": "  ", "job_board": None}, today=TODAY)
    assert empty == service.ProfileDraft(school=None, major=None, graduation_year=None, skills=None, link=None, job_board=None)
    assert service.validate({"job_board": "no", "graduation_year": 1950}, today=TODAY) == service.ProfileDraft(
        school=None, major=None, graduation_year=1950, skills=None, link=None, job_board=False)
    assert service.validate({"job_board": "maybe"}, today=TODAY).job_board is None


def test_every_form_problem_in_words():
    fields = refused(
        service.validate, {"school": "s" * 101, "major": "m" * 101, "skills": "k" * 301, "link": "ftp://me.example", "graduation_year": "1949"}, today=TODAY).fields
    assert fields == {
        "school": "Keep this under 100 characters (it has 101).", "major": "Keep this under 100 characters (it has 101).",
        "skills": "Keep this under 300 characters (it has 301).", "link": "Give a web link starting with http:// or https://",
        "graduation_year": "Give a year between 1950 and 2041.",
    }
    assert refused(service.validate, {"link": "https://me.example/" + "x" * 1982, "graduation_year": "2042"}, today=TODAY).fields == {
        "link": "Keep this under 2000 characters (it has 2001).", "graduation_year": "Give a year between 1950 and 2041."}
    assert refused(service.validate, {"graduation_year": "20x7"}, today=TODAY).fields == {"graduation_year": "Give a year between 1950 and 2041."}
    assert refused(service.validate, {"graduation_year": "-2000"}, today=TODAY).fields == {"graduation_year": "Give a year between 1950 and 2041."}
    longest = service.validate({"school": "s" * 100, "major": "m" * 100, "skills": "k" * 300, "link": "https://me.example/" + "x" * 1981}, today=TODAY)
    assert (len(longest.school), len(longest.major), len(longest.skills), len(longest.link)) == (100, 100, 300, 2000)


def test_a_profile_is_saved_then_replaced_whole(session):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    first = save(session, school="UConn", major="Finance", graduation_year="2027", skills="Excel", link="https://me.example", job_board="yes")
    assert (first.team_id, first.user_id, first.school, first.major, first.graduation_year, first.skills, first.link, first.job_board) == (
        TEAM, "UMEMBER", "UConn", "Finance", 2027, "Excel", "https://me.example", True)
    assert first.updated_at >= before
    again = save(session, school="Yale")
    assert (again.id, again.school, again.major, again.graduation_year, again.skills, again.link, again.job_board) == (first.id, "Yale", None, None, None, None, None)
    assert session.scalar(select(func.count()).select_from(Profile).where(Profile.user_id == "UMEMBER")) == 1


def test_each_workspace_has_its_own_profile_for_the_same_member(session):
    here = save(session, school="UConn", major="Finance")
    there = save(session, team=ELSEWHERE, school="Yale", major="Law")
    assert here.id != there.id
    assert service.profile_of(session, team_id=TEAM, user_id="UMEMBER").school == "UConn"
    assert service.profile_of(session, team_id=ELSEWHERE, user_id="UMEMBER").school == "Yale"
    assert service.profile_of(session, team_id=TEAM, user_id="UNOBODY") is None
    save(session, user_id="UFRIEND", school="Trinity")
    found = service.profiles_of(session, team_id=TEAM, user_ids=["UMEMBER", "UFRIEND", "UNOBODY"])
    assert {user: p.school for user, p in found.items()} == {"UMEMBER": "UConn", "UFRIEND": "Trinity"}
    assert {user: p.school for user, p in service.profiles_of(session, team_id=ELSEWHERE, user_ids=["UMEMBER", "UFRIEND"]).items()} == {"UMEMBER": "Yale"}
    assert list(service.profiles_of(session, team_id=TEAM, user_ids=["UFRIEND"])) == ["UFRIEND"]
    assert service.profiles_of(session, team_id=TEAM, user_ids=["UNOBODY"]) == {}
    assert service.profiles_of(session, team_id=TEAM, user_ids=[]) == {}


def test_a_bid_form_completes_only_school_and_major(session):
    save(session, graduation_year="2027", skills="Excel", link="https://me.example", job_board="no")
    assert service.complete_for_bidding(session, team_id=TEAM, user_id="UMEMBER", raw={"application": "hi"}) is None
    assert service.profile_of(session, team_id=TEAM, user_id="UMEMBER").school is None
    assert refused(service.complete_for_bidding, session, team_id=TEAM, user_id="UMEMBER", raw={"school": " "}).fields == {
        "school": "Please fill this in.", "major": "Please fill this in."}
    assert refused(service.complete_for_bidding, session, team_id=TEAM, user_id="UMEMBER", raw={"major": "m" * 101}).fields == {
        "school": "Please fill this in.", "major": "Keep this under 100 characters (it has 101)."}
    done = service.complete_for_bidding(session, team_id=TEAM, user_id="UMEMBER", raw={"school": " UConn ", "major": "Finance"})
    assert (done.school, done.major, done.graduation_year, done.skills, done.link, done.job_board) == ("UConn", "Finance", 2027, "Excel", "https://me.example", False)
    new = service.complete_for_bidding(session, team_id=ELSEWHERE, user_id="UMEMBER", raw={"school": "Yale", "major": "Law"})
    assert (new.team_id, new.school, new.graduation_year) == (ELSEWHERE, "Yale", None)
    assert service.profile_of(session, team_id=TEAM, user_id="UMEMBER").school == "UConn"


def test_what_a_bid_still_needs(session):
    assert service.missing_for_bidding(None) == ["school", "major"]
    assert service.missing_for_bidding(save(session, major="Finance")) == ["school"]
    assert service.missing_for_bidding(save(session, school="UConn")) == ["major"]
    assert service.missing_for_bidding(save(session, school="UConn", major="Finance")) == []
