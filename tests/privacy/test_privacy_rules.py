"""Export and forget-me, rule by rule (the fast layer): the export file's exact shape and values, the
pseudonym's shape, which mentions are rewritten and which are someone else's, ids matched literally,
what a kept bid says in place of what the member wrote, and the purge's record of each workspace
it deleted."""

from __future__ import annotations

import json
import logging
import string
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from slackapp.db import ERASED
from slackapp.events.models import Event
from slackapp.gigs.models import Gig, GigVolunteer
from slackapp.habit.models import HabitCheck
from slackapp.home.models import HomeViewer
from slackapp.installs.installations import Departure
from slackapp.micro.models import Bid, Project
from slackapp.models import metadata
from slackapp.privacy import purge, service
from slackapp.profiles.models import Profile
from slackapp.scheduler.models import Job
from tests.conftest import new_id

pytestmark = pytest.mark.fast

NOW = datetime(2031, 10, 6, 15, 0, tzinfo=UTC)


def event(team: str, **fields) -> Event:
    values = {"team_id": team, "title": "Night", "starts_at": NOW, "ends_at": NOW + timedelta(hours=1), "created_by": "UOFFICER01", "description": ""}
    values.update(fields)
    return Event(**values)


def dm(team: str, key: str, target: str, text: str) -> Job:
    return Job(team_id=team, kind="dm", key=key, target=target, payload={"text": text}, due_at=NOW, expires_at=NOW, next_attempt_at=NOW)


# ---- the export -----------------------------------------------------------------------------------


def test_the_export_is_indented_sorted_json_that_keeps_accents_and_explains_each_table():
    found = {"profiles": [{"school": "École", "major": "Finance"}], "something_new": [{"note": "x"}]}
    assert service.as_json(found, user_id="U1", team_id="T1") == (
        "{\n"
        '  "about": {\n'
        '    "profiles": "Your profile: school, major, graduation year, skills and links.",\n'
        '    "something_new": "Rows of this table that name you."\n'
        "  },\n"
        '  "tables": {\n'
        '    "profiles": [\n'
        "      {\n"
        '        "major": "Finance",\n'
        '        "school": "École"\n'
        "      }\n"
        "    ],\n"
        '    "something_new": [\n'
        "      {\n"
        '        "note": "x"\n'
        "      }\n"
        "    ]\n"
        "  },\n"
        '  "team_id": "T1",\n'
        '  "user_id": "U1"\n'
        "}"
    )


def test_exported_dates_times_and_amounts_are_plain_text(session):
    team, me = new_id("T"), new_id("U")
    gig = Gig(team_id=team, title="Web page", needed="help", hours=Decimal("2.5"), slots=3, contact="UOFFICER01", posted_by="UOFFICER01", status="open")
    session.add(gig)
    session.flush()
    session.add_all(
        [
            GigVolunteer(team_id=team, gig_id=gig.id, user_id=me, spot="volunteer", hours=Decimal("2.5")),
            HabitCheck(team_id=team, user_id=me, week_start=date(2031, 10, 6), item="resume"),
            HomeViewer(team_id=team, user_id=me, officer=False, opened_at=NOW, seen_changes_at=NOW),
        ]
    )
    session.flush()
    found = service.everything_about(session, team_id=team, user_id=me)
    [volunteered] = found["gig_volunteers"]
    assert isinstance(volunteered["hours"], str) and Decimal(volunteered["hours"]) == Decimal("2.5")
    assert found["habit_checks"][0]["week_start"] == "2031-10-06"
    assert found["home_viewers"][0]["opened_at"] == NOW.isoformat()
    json.loads(service.as_json(found, user_id=me, team_id=team))


def test_a_member_whose_id_fills_the_column_is_found(session):
    team = new_id("T")
    me = ("U" + "7" * 40)[:32]
    session.add(Profile(team_id=team, user_id=me, school="State U"))
    session.flush()
    assert [row["school"] for row in service.everything_about(session, team_id=team, user_id=me)["profiles"]] == ["State U"]


def test_a_workspaces_own_records_that_name_nobody_are_not_in_a_members_export(session):
    team, me = new_id("T"), new_id("U")
    session.add_all([Departure(team_id=team, left_at=NOW, purge_after=NOW + timedelta(days=30)), Profile(team_id=team, user_id=me, school="State U")])
    session.flush()
    assert set(service.everything_about(session, team_id=team, user_id=me)) == {"profiles"}


def test_an_export_names_no_row_of_another_workspace(session):
    """A saved lead pointing at another workspace's lead (which the app never makes) is exported
    with its id alone: nothing of the other workspace is read into it."""
    from slackapp.leads.models import Lead, SavedLead

    team, elsewhere, me = new_id("T"), new_id("T"), new_id("U")
    theirs = Lead(team_id=elsewhere, company="Secret Co", role="Quant", url=f"https://l.example/{elsewhere}", url_key=f"l.example/{elsewhere}", kind="internship", posted_by="UOTHER")
    ours = Lead(team_id=team, company="Acme", role="Analyst", url=f"https://l.example/{team}", url_key=f"l.example/{team}", kind="internship", posted_by="UOTHER")
    session.add_all([theirs, ours])
    session.flush()
    session.add_all([SavedLead(team_id=team, user_id=me, lead_id=theirs.id, stage="saved"), SavedLead(team_id=team, user_id=me, lead_id=ours.id, stage="applied")])
    session.flush()
    saved = sorted(service.everything_about(session, team_id=team, user_id=me)["saved_leads"], key=lambda row: row["stage"])
    assert [(row["lead_id"], row.get("lead")) for row in saved] == [(ours.id, {"company": "Acme", "role": "Analyst"}), (theirs.id, None)]


def test_forgetting_deletes_the_members_own_rows_and_no_one_elses(session):
    from tests.privacy.test_service import OTHER, TEAM, seed

    me = new_id("U")
    seed(session, me)
    seed(session, OTHER)
    tables = service.metadata.tables
    own = {name: session.scalar(select(func.count()).select_from(tables[name]).where(tables[name].c.team_id == TEAM, tables[name].c.user_id == OTHER)) for name in service.PERSONAL}
    assert all(own.values())
    stand_in = service.forget(session, team_id=TEAM, user_id=me)
    session.expire_all()
    # Their own rows are gone, not kept under the pseudonym; the other member's are all there.
    for name in service.PERSONAL:
        table = tables[name]
        remaining = session.scalars(select(table.c.user_id).where(table.c.team_id == TEAM, table.c.user_id.in_((me, stand_in, OTHER)))).all()
        assert sorted(remaining) == [OTHER] * own[name], name
    evaluations = tables["micro_evaluations"]
    assert session.scalars(select(evaluations.c.student).where(evaluations.c.team_id == TEAM, evaluations.c.student.in_((me, stand_in, OTHER)))).all() == [OTHER]
    # Only their bid is blanked.
    bids = dict(session.execute(select(Bid.user_id, Bid.application).where(Bid.team_id == TEAM, Bid.user_id.in_((stand_in, OTHER)))).all())
    assert bids == {stand_in: service.REMOVED, OTHER: "My application"}


# ---- the pseudonym --------------------------------------------------------------------------------


def test_the_pseudonym_is_random_starts_with_x_and_is_as_long_as_the_id_or_nine():
    allowed = set(string.ascii_uppercase + string.digits)
    for user_id, length in (("UFORGETME01", 11), ("U01234567890123", 15), ("U1", 9), ("U12345678", 9)):
        made = {service.pseudonym(user_id) for _ in range(20)}
        assert len(made) == 20
        for name in made:
            assert len(name) == length and name[0] == "X" and set(name) <= allowed
    # Every letter and digit turns up after the X.
    assert set("".join(service.pseudonym("U1")[1:] for _ in range(400))) == allowed


# ---- forgetting -----------------------------------------------------------------------------------


def test_mentions_of_the_member_are_rewritten_and_lookalikes_left_alone(session):
    team, me = new_id("T"), new_id("U")
    session.add(event(team, created_by=me, checkin_code=None, category=f"{me}X", description=f"Ask <@{me}> or <@{me}|me>, not <@{me}X> nor <@{me}X|them>; {me}"))
    session.flush()
    stand_in = service.forget(session, team_id=team, user_id=me)
    session.expire_all()
    kept = session.scalar(select(Event).where(Event.team_id == team))
    assert kept.created_by == stand_in
    assert kept.category == f"{me}X"
    assert kept.description == f"Ask <@{stand_in}> or <@{stand_in}|me>, not <@{me}X> nor <@{me}X|them>; {me}"


def test_ids_are_matched_literally(session):
    team = new_id("T")
    other = "UAB" + new_id("")[:8]
    # As long as real ids (the pseudonym is never shorter than nine characters).
    underscored, percent = "U_B" + other[3:], "U%" + other[3:]
    session.add_all(
        [
            Profile(team_id=team, user_id=other, school="State U"),
            event(team, description=f"Thanks <@{other}>!"),
            dm(team, f"dm:{other}", other, f"Hello <@{other}>"),
        ]
    )
    session.flush()
    before = service.everything_about(session, team_id=team, user_id=other)
    assert set(before) == {"profiles", "events", "jobs"}
    for lookalike in (underscored, percent):
        assert service.everything_about(session, team_id=team, user_id=lookalike) == {}
        service.forget(session, team_id=team, user_id=lookalike)
        session.expire_all()
        assert service.everything_about(session, team_id=team, user_id=other) == before


def test_what_the_member_wrote_in_a_bid_that_stays_is_removed(session):
    team, me = new_id("T"), new_id("U")
    project = Project(
        team_id=team,
        title="Deck",
        organization="Acme",
        supervisor="UOFFICER01",
        description="d",
        hours=10,
        due_date=date(2031, 11, 1),
        fee_cents=40000,
        remote=True,
        bid_deadline=date(2031, 10, 20),
        posted_by="UOFFICER01",
        status="open",
    )
    session.add(project)
    session.flush()
    session.add(
        Bid(
            team_id=team,
            project_id=project.id,
            user_id=me,
            application="My application",
            availability="10h",
            portfolio="https://me.example",
            submission_link="https://work.example",
            status="completed",
            completed_at=NOW,
        )
    )
    session.flush()
    stand_in = service.forget(session, team_id=team, user_id=me)
    session.expire_all()
    bid = session.scalar(select(Bid).where(Bid.team_id == team))
    assert (bid.user_id, bid.application, bid.availability, bid.portfolio, bid.submission_link, bid.status) == (stand_in, service.REMOVED, service.REMOVED, None, None, "completed")


def test_forgetting_deletes_work_owed_about_them_and_marks_the_store_for_scrubbing(session):
    team, me = new_id("T"), new_id("U")
    session.add_all([dm(team, "dm:1", me, "hi"), dm(team, "dm:2", "UOFFICER01", f"<@{me}> asked"), dm(team, "dm:3", "UOFFICER01", "someone asked")])
    session.flush()
    session.info.pop(ERASED, None)
    service.forget(session, team_id=team, user_id=me)
    assert session.info[ERASED] is True
    assert session.scalars(select(Job.key).where(Job.team_id == team)).all() == ["dm:3"]


def test_forgetting_leaves_the_search_index_without_their_words(session):
    """On SQLite the leads' search index keeps a rewritten lead's old words in older segments until
    they are merged; forgetting merges them, so the member's id is in no page of the index."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's text index is part of the leads' rows (the scrub's VACUUM cleans it)")
    from slackapp.leads.models import Lead

    # The index keeps words stemmed (porter drops a final "e" or "ed"), so the id ends in a letter no
    # stemming rule takes and its random middle is what is looked for.
    random_part = uuid.uuid4().hex[:10]
    team, me = new_id("T"), f"UQUAGGA{random_part.upper()}X"
    for n in range(3):
        session.add(
            Lead(
                team_id=team,
                company=f"Acme{n}",
                role="Analyst",
                url=f"https://l.example/{team}{n}",
                url_key=f"l.example/{team}{n}",
                kind="internship",
                posted_by="UOFFICER01",
                description=f"Ask <@{me}> about it",
            )
        )
        session.flush()
    # Written to the index's pages as a commit would (FTS5 writes what it holds in memory at every
    # savepoint): the leads were shared long before the member asked to be forgotten.
    session.begin_nested().commit()
    from sqlalchemy import text

    def pages_naming_them() -> int:
        # The index stores a word after the prefix it shares with the word before it (another
        # lead's words may begin alike), so its random part is what is looked for.
        return session.scalar(text("SELECT count(*) FROM leads_fts_data WHERE instr(block, CAST(:tail AS BLOB)) > 0"), {"tail": random_part})

    assert pages_naming_them() > 0
    service.forget(session, team_id=team, user_id=me)
    assert pages_naming_them() == 0


# ---- the purge ------------------------------------------------------------------------------------


def departed(session, team: str, purge_after: datetime) -> None:
    session.add_all([Departure(team_id=team, left_at=purge_after - timedelta(days=30), purge_after=purge_after), Profile(team_id=team, user_id="U1"), dm(team, "dm:1", "U1", "hi")])
    session.flush()


def test_the_purge_takes_every_workspace_due_records_each_and_how_many_rows(session, caplog):
    back, team, kept = new_id("T"), new_id("T"), new_id("T")
    long_ago = datetime(1990, 3, 1, tzinfo=UTC)
    # The first one due installed the app again: kept, and the purge goes on to the next.
    departed(session, back, long_ago - timedelta(days=1))
    installations = metadata.tables["installations"]
    session.execute(insert(installations).values(team_id=back, enterprise_id=None, is_enterprise_install=False, installer_id="UINSTALLER", installed_at=long_ago, sealed="sealed"))
    departed(session, team, long_ago)
    departed(session, kept, long_ago + timedelta(seconds=1))
    session.info.pop(ERASED, None)
    with caplog.at_level(logging.INFO, logger="slackapp.privacy.purge"):
        purged = purge.purge_due(session, now=long_ago)
    assert team in purged and back not in purged and kept not in purged
    messages = [record.getMessage() for record in caplog.records if record.name == "slackapp.privacy.purge" and team in record.getMessage()]
    assert messages == [f"purged team {team}: 3 rows"]
    assert session.info[ERASED] is True
    profiles = lambda which: session.scalar(select(func.count()).select_from(Profile).where(Profile.team_id == which))
    assert (profiles(team), profiles(back), profiles(kept)) == (0, 1, 1)
    assert session.scalar(select(func.count()).select_from(Departure).where(Departure.team_id.in_((back, team)))) == 0


def test_the_clocks_turn_purges_what_is_due_and_says_how_many(session):
    long_ago = datetime(1990, 2, 1, tzinfo=UTC)
    teams = [new_id("T"), new_id("T")]
    for team in teams:
        departed(session, team, long_ago - timedelta(hours=1))
    assert purge.plan(session, long_ago) == 2
    assert purge.plan(session, long_ago) == 0
