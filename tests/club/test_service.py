"""Workspace settings and the officer list, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

import pytest

from slackapp.club import ids, service
from slackapp.errors import UserError

pytestmark = pytest.mark.fast

TEAM = "TCLUB"


def change(**fields) -> service.ConfigChange:
    return service.ConfigChange(**{"timezone": "Europe/Berlin", "leads_channel": "CLEADS", **fields})


@pytest.mark.parametrize(
    ("fields", "key"),
    [({"timezone": "Mars/Olympus_Mons"}, ids.TIMEZONE), ({"digest_weekday": 7}, ids.DIGEST_DAY), ({"digest_time": "24:00"}, ids.DIGEST_TIME), ({"digest_time": "9:5"}, ids.DIGEST_TIME)],
)
def test_configuration_errors_are_keyed_by_field(session, fields, key):
    with pytest.raises(UserError) as refused:
        service.configure(session, team_id=TEAM, change=change(**fields))
    assert list(refused.value.fields) == [key]
    assert service.workspace(session, team_id=TEAM).timezone == "UTC"


def test_valid_timezone_is_trimmed_and_unknown_ones_named():
    assert service.valid_timezone(" America/New_York ") == "America/New_York"
    with pytest.raises(UserError, match="“Nowhere/Land” is not a time zone I know") as refused:
        service.valid_timezone("Nowhere/Land")
    assert list(refused.value.fields) == [ids.TIMEZONE]


def test_an_unknown_workspace_reads_as_the_defaults(session):
    settings = service.workspace(session, team_id="TNEW")
    assert (settings.timezone, settings.leads_channel) == ("UTC", None)


def test_configuring_stores_every_setting(session):
    service.configure(session, team_id=TEAM, change=change(digest_weekday=4, digest_time="17:45", gigs_channel="CGIGS", officers_channel="COFF"))
    session.flush()
    session.expire_all()  # read back what was written, not the objects in hand
    stored = service.workspace(session, team_id=TEAM)
    assert (stored.timezone, stored.leads_channel, stored.digest_weekday, stored.digest_time, stored.gigs_channel, stored.officers_channel) == (
        "Europe/Berlin", "CLEADS", 4, "17:45", "CGIGS", "COFF")


def test_the_officer_list(session):
    assert service.add_officer(session, team_id=TEAM, user_id="U1", added_by="UADMIN") is True
    assert service.add_officer(session, team_id=TEAM, user_id="U1", added_by="UADMIN") is False
    assert service.is_listed_officer(session, team_id=TEAM, user_id="U1")
    assert [officer.user_id for officer in service.listed_officers(session, team_id=TEAM)] == ["U1"]
    assert service.remove_officer(session, team_id=TEAM, user_id="U1") is True
    assert service.remove_officer(session, team_id=TEAM, user_id="U1") is False
    assert not service.is_listed_officer(session, team_id=TEAM, user_id="U1")
