"""The lead list and the club's snapshot in one statement (the fast layer).

`/internships` needs the club's settings (its zone decides which leads are past their last day)
and the list. The first read of a request brings both in one statement, for the club's date in the
zone this process last saw it in. When the snapshot says the club's date is another, the list is
read again for that date: the answer is always the club's own list.

The club works in the test's session, with the real clock: the zones are chosen so that the club's
date differs from UTC's when the test runs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.club.officers import Officers
from slackapp.leads import service
from slackapp.localtime import local
from tests.helpers import statements_run

pytestmark = pytest.mark.fast

POSTER, OFFICER, MEMBER = "ULWSPOSTER", "ULWSOFFICER", "ULWSMEMBER"


class Directory:
    def lookup(self, team_id, user_id):
        return SimpleNamespace(is_admin=False, is_guest=False, tz=None)

    cached = lookup


def club_of(session, team_id: str, user_id: str = MEMBER) -> Club:
    directory = Directory()
    return Club(team_id=team_id, session=session, officers=Officers(configured=frozenset(), directory=directory), directory=directory, user_id=user_id)


def listed(club: Club, session, query: str = "", page: int = 1) -> service.Page:
    """What the list's listener reads."""
    return club.read_with_snapshot(
        lambda today, run: service.open_leads(session, team_id=club.team_id, today=today, query=service.parse_query(query), page=page, member=club.user_id, run=run)
    )


def share(session, team_id: str, role: str, *, deadline=None, at: datetime | None = None):
    raw = {"company": "Acme", "role": role, "url": f"https://jobs.acme.example/{uuid.uuid4().hex}", "kind": "internship", "location": "Storrs, CT"}
    if deadline is not None:
        raw["deadline"] = deadline.isoformat()
    draft = service.validate(raw, today=(deadline or datetime.now(timezone.utc).date()) - timedelta(days=1))
    lead = service.create_lead(session, team_id=team_id, user_id=POSTER, draft=draft, now=at or datetime.now(timezone.utc))
    session.flush()  # written before the statements are counted, as a request's listener finds it
    return lead


def roles(page: service.Page) -> list[str]:
    return [lead.role for lead in page.leads]


def new_team() -> str:
    # A workspace this process has never read: its zone is guessed as UTC.
    return f"TLWS{uuid.uuid4().hex[:8].upper()}"


def configure(session, team_id: str, zone: str) -> None:
    club_service.configure(session, team_id=team_id, change=club_service.ConfigChange(timezone=zone, leads_channel=None))
    session.flush()


def test_the_list_comes_with_the_snapshot_in_one_statement_in_the_order_read_alone(session):
    team = new_team()
    configure(session, team, "UTC")
    assert club_service.add_officer(session, team_id=team, user_id=OFFICER, added_by=POSTER)
    start = datetime.now(timezone.utc) - timedelta(days=3)
    # Shared out of id order: the list is newest first by when they were shared.
    for hours, role in [(5, "Data analyst"), (1, "Data engineer"), (9, "Marketing data intern"), (3, "Supply chain analyst")]:
        share(session, team, role, at=start + timedelta(hours=hours))
    for query in ["", "data", "analyst", "remote"]:
        club = club_of(session, team, OFFICER)
        alone = service.open_leads(session, team_id=team, today=datetime.now(timezone.utc).date(), query=service.parse_query(query), member=OFFICER)
        found = []
        assert statements_run(session, lambda: found.append(listed(club, session, query))) == 1
        assert roles(found[0]) == roles(alone) and found[0].has_next == alone.has_next
        # The snapshot came with it: nothing more to read for the settings or the listing.
        assert statements_run(session, lambda: (club.settings, club.looks_like_officer(OFFICER))) == 0
        assert club.timezone == "UTC" and club.looks_like_officer(OFFICER) is True
    assert roles(alone) == []  # no lead is remote
    assert roles(service.open_leads(session, team_id=team, today=datetime.now(timezone.utc).date())) == [
        "Marketing data intern", "Data analyst", "Supply chain analyst", "Data engineer"
    ]


def test_an_empty_list_still_brings_the_snapshot(session):
    team = new_team()
    configure(session, team, "UTC")
    club = club_of(session, team)
    found = []
    assert statements_run(session, lambda: found.append(listed(club, session, "nothing-matches-this"))) == 1
    assert roles(found[0]) == [] and club.timezone == "UTC" and club.looks_like_officer(MEMBER) is False
    # A workspace with no settings yet: the defaults.
    unknown = club_of(session, new_team())
    assert roles(listed(unknown, session)) == [] and unknown.settings == club_service.Settings(team_id=unknown.team_id)


def test_a_club_whose_date_is_not_the_guessed_one_gets_the_list_for_its_own_date(session):
    now = datetime.now(timezone.utc)
    utc_today = now.date()
    # One of these two zones has another date than UTC at any moment: +14 from 10:00 UTC, -12 before 12:00 UTC.
    zone = "Pacific/Kiritimati" if local(now, "Pacific/Kiritimati").date() != utc_today else "Etc/GMT+12"
    club_today = local(now, zone).date()
    team = new_team()
    configure(session, team, zone)
    # The guess (UTC) and the club's date disagree on exactly this lead.
    boundary = share(session, team, "Last day in between", deadline=min(utc_today, club_today))
    share(session, team, "Open for weeks", deadline=utc_today + timedelta(days=20))
    expected = ["Open for weeks", "Last day in between"] if club_today < utc_today else ["Open for weeks"]
    assert boundary.expires_on == min(utc_today, club_today)

    first = club_of(session, team)
    found = []
    # The list for the guessed date with the snapshot, then the list for the club's date alone.
    assert statements_run(session, lambda: found.append(listed(first, session))) == 2
    assert roles(found[0]) == expected and first.today() == club_today

    # The next request guesses the zone this one read.
    second = club_of(session, team)
    assert statements_run(session, lambda: found.append(listed(second, session))) == 1
    assert roles(found[1]) == expected

    # The club moves to UTC: the guess is wrong once, and the list is UTC's.
    configure(session, team, "UTC")
    third = club_of(session, team)
    assert statements_run(session, lambda: found.append(listed(third, session))) == 2
    assert roles(found[2]) == (["Open for weeks", "Last day in between"] if boundary.expires_on >= utc_today else ["Open for weeks"])


def test_a_request_that_read_its_snapshot_already_reads_only_the_list(session):
    team = new_team()
    configure(session, team, "UTC")
    share(session, team, "Analyst intern")
    club = club_of(session, team)
    assert club.timezone == "UTC"  # read first, as a listener may
    found = []
    assert statements_run(session, lambda: found.append(listed(club, session))) == 1
    assert roles(found[0]) == ["Analyst intern"]
