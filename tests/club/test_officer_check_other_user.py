"""An officer check on someone other than the person asking answers for *them* (the fast layer).

A request reads once whether the person asking is on the officer list (the club's snapshot), and
reuses that for checks on that person. A check on anyone else must not reuse it: an officer asking
about a member must not make the member an officer, and a member asking about an officer must not
make the officer a member. No listener checks another person today, so this guards the rule itself.

The club works in the test's session, and Slack's directory is a stand-in that knows who is a
workspace admin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slackapp.club import service
from slackapp.club.context import Club
from slackapp.club.officers import Officers
from slackapp.errors import UserError

pytestmark = pytest.mark.fast

TEAM = "TOFFICERRULE"
OFFICER, MEMBER, ADMIN, CONFIGURED = "ULISTEDOFF", "UPLAINMEMBER", "UWSADMIN", "UCONFIGURED"


class Directory:
    """Slack's people: only workspace admins are admins."""

    def __init__(self, admins=()):
        self.admins = set(admins)

    def lookup(self, team_id, user_id):
        return SimpleNamespace(is_admin=user_id in self.admins, is_guest=False, tz=None)

    cached = lookup


def officers_on(directory: Directory) -> Officers:
    return Officers(configured=frozenset({CONFIGURED}), directory=directory)


def club_asked_by(session, user_id: str) -> Club:
    directory = Directory(admins=[ADMIN])
    club = Club(team_id=TEAM, session=session, officers=officers_on(directory), directory=directory, user_id=user_id)
    # What every request does first: the settings and the asker's listing, in one read.
    assert club.settings.team_id == TEAM
    return club


@pytest.fixture
def listed(session):
    assert service.add_officer(session, team_id=TEAM, user_id=OFFICER, added_by=CONFIGURED)


def test_an_officer_asking_about_a_member_does_not_make_them_an_officer(session, listed):
    club = club_asked_by(session, OFFICER)
    assert club.is_officer(OFFICER) is True
    assert club.is_officer(MEMBER) is False
    with pytest.raises(UserError, match="officers only"):
        club.require_officer(MEMBER, "officers only")


def test_a_member_asking_about_an_officer_still_finds_them_listed(session, listed):
    club = club_asked_by(session, MEMBER)
    assert club.is_officer(MEMBER) is False
    assert club.is_officer(OFFICER) is True
    club.require_officer(OFFICER, "officers only")  # no refusal


@pytest.mark.parametrize("asker", [OFFICER, MEMBER, ADMIN, CONFIGURED])
def test_every_check_answers_for_the_person_checked_whoever_asks(session, listed, asker):
    club = club_asked_by(session, asker)
    answers = {person: club.is_officer(person) for person in (OFFICER, MEMBER, ADMIN, CONFIGURED)}
    assert answers == {OFFICER: True, MEMBER: False, ADMIN: True, CONFIGURED: True}


def test_the_officer_rule_with_and_without_a_listing_already_read(session, listed):
    """Officers.check: `listed` stands for the person checked; without it the list is read."""
    officers = officers_on(Directory(admins=[ADMIN]))
    assert officers.check(session, TEAM, OFFICER) is True and officers.check(session, TEAM, MEMBER) is False
    assert officers.check(session, TEAM, MEMBER, listed=False) is False
    assert officers.check(session, TEAM, ADMIN, listed=False) is True  # admins are officers, listed or not
    assert officers.check(session, TEAM, CONFIGURED, listed=False) is True
    assert officers.check(session, "TANOTHERTEAM", OFFICER) is False  # listed in one workspace only
