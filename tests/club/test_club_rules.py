"""Workspace settings and the officer list at their edges (the fast layer): what one request reads
(the snapshot), the digest's limits, the exact refusals, and each workspace's officers on their own
even for the same member id."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from slackapp.club import ids, service
from slackapp.club.models import Officer
from slackapp.errors import UserError

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TCLUBRULES", "TCLUBRULES2"
OFFICER, MEMBER = "UCRPOFFICER", "UCRMEMBER"


def change(**fields) -> service.ConfigChange:
    return service.ConfigChange(**{"timezone": "Europe/Berlin", "leads_channel": "CLEADS", **fields})


def configure(session, team=TEAM, **fields):
    return service.configure(session, team_id=team, change=change(**fields))


# ---- the snapshot one request reads ---------------------------------------------------------


def test_a_snapshot_of_a_workspace_with_no_settings_is_the_defaults(session):
    service.add_officer(session, team_id=TEAM, user_id=OFFICER, added_by=MEMBER)
    found = service.snapshot(session, team_id=TEAM, user_id=OFFICER)
    assert found == service.Snapshot(settings=service.Settings(team_id=TEAM), listed=True)
    assert service.snapshot(session, team_id=TEAM, user_id=MEMBER) == service.Snapshot(settings=service.Settings(team_id=TEAM), listed=False)
    assert service.snapshot(session, team_id=TEAM, user_id=None).listed is False


def test_a_snapshot_reads_every_setting_and_the_listing(session):
    configure(session, digest_weekday=5, digest_time="18:30", gigs_channel="CGIGS", events_channel="CEVENTS", officers_channel="COFFICERS")
    service.add_officer(session, team_id=TEAM, user_id=OFFICER, added_by=MEMBER)
    session.flush()
    expected = service.Settings(
        team_id=TEAM, timezone="Europe/Berlin", leads_channel="CLEADS", gigs_channel="CGIGS", events_channel="CEVENTS", officers_channel="COFFICERS", digest_weekday=5, digest_time="18:30"
    )
    assert service.snapshot(session, team_id=TEAM, user_id=OFFICER) == service.Snapshot(settings=expected, listed=True)
    assert service.snapshot(session, team_id=TEAM, user_id=MEMBER) == service.Snapshot(settings=expected, listed=False)
    # Listed in this workspace only; the other workspace still reads as the defaults.
    assert service.snapshot(session, team_id=OTHER_TEAM, user_id=OFFICER) == service.Snapshot(settings=service.Settings(team_id=OTHER_TEAM), listed=False)


def test_a_fact_a_feature_registers_is_read_with_the_settings_of_its_workspace(session):
    # Registered for the rest of this test process: one more EXISTS in every snapshot, false elsewhere.
    service.read_with_settings("test_added_by_uyes", "SELECT 1 FROM officers f WHERE f.team_id = :team AND f.added_by = 'UYES' AND :since IS NOT NULL")
    assert service.snapshot(session, team_id=TEAM, user_id=MEMBER).facts["test_added_by_uyes"] is False
    service.add_officer(session, team_id=TEAM, user_id=OFFICER, added_by="UYES")
    session.flush()
    assert service.snapshot(session, team_id=TEAM, user_id=MEMBER).facts["test_added_by_uyes"] is True
    assert service.snapshot(session, team_id=OTHER_TEAM, user_id=MEMBER).facts["test_added_by_uyes"] is False


# ---- settings -------------------------------------------------------------------------------


def test_an_unknown_workspace_reads_as_its_own_defaults(session):
    found = service.workspace(session, team_id="TCLUBRULESNEW")
    assert (found.team_id, found.timezone, found.leads_channel) == ("TCLUBRULESNEW", "UTC", None)


def test_configuring_stores_the_events_channel_and_sunday(session):
    configure(session, digest_weekday=6, digest_time="23:59", events_channel="CEVENTS")
    session.flush()
    session.expire_all()
    stored = service.workspace(session, team_id=TEAM)
    assert (stored.events_channel, stored.digest_weekday, stored.digest_time) == ("CEVENTS", 6, "23:59")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"digest_weekday": 7}, ids.DIGEST_DAY, "Pick a day of the week for the digest."),
        ({"digest_weekday": -1}, ids.DIGEST_DAY, "Pick a day of the week for the digest."),
        ({"digest_time": "09:60"}, ids.DIGEST_TIME, "Pick a time of day for the digest."),
        ({"digest_time": "9am"}, ids.DIGEST_TIME, "Pick a time of day for the digest."),
    ],
)
def test_digest_refusals_word_for_word(session, fields, field, message):
    with pytest.raises(UserError) as refused:
        configure(session, **fields)
    assert (str(refused.value), refused.value.fields) == (message, {field: message})


def test_an_unknown_time_zone_is_echoed_cut_to_forty_characters():
    with pytest.raises(UserError) as refused:
        service.valid_timezone("Z" * 50)
    assert str(refused.value) == f"“{'Z' * 39}…” is not a time zone I know. Use a name like America/New_York or Europe/Berlin."


def test_ensuring_a_workspace_reads_what_is_stored_now(session):
    """Another request may have changed the settings since this session first read them."""
    configure(session)
    session.flush()
    held = service.workspace(session, team_id=TEAM)
    assert held.timezone == "Europe/Berlin"
    session.connection().execute(text("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE team_id = :team"), {"team": TEAM})
    assert service.ensure_workspace(session, team_id=TEAM).timezone == "Asia/Tokyo"


def test_ensuring_a_new_workspace_stores_the_defaults(session):
    found = service.ensure_workspace(session, team_id=TEAM)
    assert (found.team_id, found.timezone, found.digest_weekday, found.digest_time) == (TEAM, "UTC", 0, "09:00")


# ---- the officer list -------------------------------------------------------------------------


def test_officers_are_listed_in_the_order_they_were_added(session):
    for user, at in [("UCRLATE", datetime(2031, 5, 2, tzinfo=timezone.utc)), ("UCREARLY", datetime(2031, 5, 1, tzinfo=timezone.utc))]:
        session.add(Officer(team_id=TEAM, user_id=user, added_by=MEMBER, added_at=at))
        session.flush()
    assert [o.user_id for o in service.listed_officers(session, team_id=TEAM)] == ["UCREARLY", "UCRLATE"]


def test_officers_added_at_the_same_moment_are_listed_in_the_order_they_came(session):
    at = datetime(2031, 5, 1, tzinfo=timezone.utc)
    for user in ("UCRZED", "UCRABE", "UCRMID"):
        session.add(Officer(team_id=TEAM, user_id=user, added_by=MEMBER, added_at=at))
        session.flush()
    assert [o.user_id for o in service.listed_officers(session, team_id=TEAM)] == ["UCRZED", "UCRABE", "UCRMID"]


def test_removing_an_officer_is_per_workspace_for_the_same_member_id(session):
    for team, user in [(TEAM, OFFICER), (TEAM, "UCROTHEROFF"), (OTHER_TEAM, OFFICER)]:
        assert service.add_officer(session, team_id=team, user_id=user, added_by=MEMBER) is True
    assert service.remove_officer(session, team_id=TEAM, user_id=OFFICER) is True
    assert service.is_listed_officer(session, team_id=OTHER_TEAM, user_id=OFFICER)
    assert service.is_listed_officer(session, team_id=TEAM, user_id="UCROTHEROFF")
    assert not service.is_listed_officer(session, team_id=TEAM, user_id=OFFICER)
