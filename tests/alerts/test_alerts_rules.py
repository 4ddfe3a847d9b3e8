"""The rules of alerts at their edges, on a migrated database of each store (the fast layer): what
matches a saved search, one match per member and item, the caps of a DM, whose alerts a click may
touch, and the planner's bookkeeping (matched once; the DM each match goes in)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.alerts import jobs, service
from slackapp.alerts.models import Alert, AlertMatch, AlertState, Delivery
from slackapp.errors import UserError
from slackapp.leads import service as leads
from slackapp.leads.models import Lead, LeadType
from slackapp.micro.models import Project
from slackapp.scheduler.models import Job
from tests.helpers import built_anew_for_each_test, statements_run

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TALRULES", "TALOTHER"
POSTER, ADA, BOB = "UPOSTER", "UADA", "UBOB"
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


fresh_statements = built_anew_for_each_test(service._unmatched_teams)


def candidate(*, words="analyst intern acme", remote=False, paid=False, kind=LeadType.internship, owner=POSTER, company="Acme", item_id=1, item_kind="lead"):
    return service.Candidate(
        kind=item_kind, id=item_id, owner=owner, words=service.words_in(words), remote=remote, paid=paid, lead_type=kind, company=company
    )


def query(text: str):
    return leads.parse_query(text)


# ---- what matches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "item", "expected"),
    [
        ("analyst", {}, True),
        ("ANALY", {}, True),  # a term matches the words it begins
        ("nalyst", {}, False),  # …not words it is inside
        ("analyst acme", {}, True),
        ("analyst globex", {}, False),  # every term must match
        ("supply-chain", {"words": "supply chain analyst"}, True),  # split as search splits it
        ("data", {"words": "big-data engineer"}, True),
        ("remote", {}, False),
        ("remote", {"remote": True}, True),
        ("analyst remote", {"remote": True}, True),
        ("paid", {}, False),
        ("paid", {"paid": True}, True),
        ("type:internship", {}, True),
        ("type:micro", {}, False),
        ("type:micro", {"kind": LeadType.micro}, True),
        ("type:full-time analyst", {"kind": LeadType.full_time}, True),
    ],
)
def test_a_search_matches_as_internships_reads_it(search, item, expected):
    assert service.matches(query(search), candidate(**item)) is expected


def test_a_lead_is_seen_through_its_role_company_description_and_tags():
    lead = Lead(id=7, team_id=TEAM, company="Globex", role="Marketing intern", url="https://x.example", kind="part-time", remote=True,
                pay="$20/h", description="Help with social media", tags="brand, tiktok", posted_by=POSTER)
    seen = service.lead_candidate(lead)
    for search in ("globex", "marketing", "social", "tiktok", "paid remote type:part-time"):
        assert service.matches(query(search), seen), search
    assert not service.matches(query("type:internship"), seen)
    unpaid = service.lead_candidate(Lead(id=8, team_id=TEAM, company="A", role="B", url="u", kind="internship", remote=False, pay=None, posted_by=POSTER))
    assert not service.matches(query("paid"), unpaid)


def test_a_project_is_type_micro_and_always_paid():
    project = Project(id=3, team_id=TEAM, title="Survey analysis", organization="Campus Cafe", description="Tally a survey", remote=False, posted_by=POSTER)
    seen = service.project_candidate(project)
    assert (seen.kind, seen.lead_type, seen.paid, seen.company) == ("project", LeadType.micro, True, "Campus Cafe")
    for search in ("survey", "campus cafe", "paid", "type:micro", "tally paid type:micro"):
        assert service.matches(query(search), seen), search
    for search in ("type:internship", "remote", "marketing"):
        assert not service.matches(query(search), seen), search


# ---- one match per member and item ----------------------------------------------------------


def alert(alert_id: int, user: str, text: str, delivery=Delivery.daily, state=AlertState.active) -> Alert:
    return Alert(id=alert_id, team_id=TEAM, user_id=user, query=text, delivery=delivery.value, state=state.value)


def test_overlapping_alerts_owe_an_item_once_and_instant_wins():
    alerts = [
        alert(1, ADA, "analyst"),
        alert(2, ADA, "acme", Delivery.instant),
        alert(3, ADA, "intern"),
        alert(4, BOB, "intern"),
        alert(5, BOB, "analyst"),
    ]
    owed = service.owed(alerts, [candidate(item_id=1), candidate(item_id=2, words="globex intern")])
    assert {key: found.id for key, found in owed.items()} == {
        (ADA, "lead", 1): 2,  # instant before daily
        (ADA, "lead", 2): 3,
        (BOB, "lead", 1): 4,  # among equals, the oldest
        (BOB, "lead", 2): 4,
    }


def test_no_alert_for_ones_own_lead_nor_from_a_paused_alert():
    alerts = [alert(1, POSTER, "analyst"), alert(2, ADA, "analyst", state=AlertState.paused), alert(3, BOB, "analyst", state=AlertState.idle)]
    assert service.owed(alerts, [candidate()]) == {}


# ---- the caps -----------------------------------------------------------------------------


def test_a_dm_shows_ten_at_most_and_two_from_one_company():
    companies = ["Acme", "acme ", "ACME", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent"]
    shown = service.capped(companies)
    assert shown == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10]  # the third Acme is skipped; the tenth is Tyrell
    assert len(shown) == service.PER_DM == 10
    assert service.capped(["A"] * 5) == [0, 1]
    assert service.capped(["A", "B", "a", "b", "A", "c"], per_dm=10, per_company=2) == [0, 1, 2, 3, 5]
    assert service.capped([]) == []


# ---- saving, and whose alerts a click may touch ----------------------------------------------


def test_an_alert_is_the_search_normalized_and_saved_once(session):
    first, fresh = service.create_alert(session, team_id=TEAM, user_id=ADA, text="  paid Marketing type:Micro remote ", now=NOW)
    assert fresh and (first.query, first.delivery, first.state) == ("marketing remote paid type:micro", "daily", "active")
    again, fresh = service.create_alert(session, team_id=TEAM, user_id=ADA, text="MARKETING remote paid type:micro", now=NOW)
    assert (again.id, fresh) == (first.id, False)
    other, fresh = service.create_alert(session, team_id=TEAM, user_id=BOB, text="Marketing remote paid type:micro", now=NOW)
    assert fresh and other.id != first.id


@pytest.mark.parametrize("text", ["", "   ", "x" * 301, "type:nonsense"])
def test_no_alert_without_a_search_or_with_a_broken_one(session, text):
    with pytest.raises(UserError):
        service.create_alert(session, team_id=TEAM, user_id=ADA, text=text)
    assert service.mine(session, team_id=TEAM, user_id=ADA) == []


def test_a_member_keeps_at_most_twenty_alerts(session):
    for number in range(service.MAX_ALERTS):
        service.create_alert(session, team_id=TEAM, user_id=ADA, text=f"word{number}")
    with pytest.raises(UserError, match="20 alerts"):
        service.create_alert(session, team_id=TEAM, user_id=ADA, text="one-more")
    # The same search again is still answered as the one they have.
    assert service.create_alert(session, team_id=TEAM, user_id=ADA, text="word3")[1] is False


def test_only_the_members_own_alerts_are_changed(session):
    mine, _ = service.create_alert(session, team_id=TEAM, user_id=ADA, text="analyst")
    theirs, _ = service.create_alert(session, team_id=TEAM, user_id=BOB, text="analyst")
    elsewhere, _ = service.create_alert(session, team_id=OTHER_TEAM, user_id=ADA, text="analyst")
    for alert_row in (mine, theirs, elsewhere):
        alert_row.unclicked_since = NOW
    session.flush()

    for change in (service.pause, service.resume, service.delete_alerts):
        with pytest.raises(UserError):
            change(session, team_id=TEAM, user_id=ADA, alert_ids=[theirs.id, elsewhere.id])
    assert service.clicked(session, team_id=TEAM, user_id=ADA, alert_ids=[theirs.id, elsewhere.id, "1"]) == 0
    with pytest.raises(UserError):
        service.set_delivery(session, team_id=TEAM, user_id=ADA, alert_id=theirs.id, delivery="instant")
    session.expire_all()
    assert [(a.state, a.unclicked_since, a.delivery) for a in (theirs, elsewhere)] == [("active", NOW, "daily")] * 2

    assert [a.id for a in service.pause(session, team_id=TEAM, user_id=ADA, alert_ids=[mine.id, theirs.id])] == [mine.id]
    assert service.clicked(session, team_id=TEAM, user_id=ADA, alert_ids=[mine.id, theirs.id]) == 1
    session.expire_all()
    assert (mine.state, mine.unclicked_since, theirs.unclicked_since) == ("paused", None, NOW)
    with pytest.raises(UserError):
        service.set_delivery(session, team_id=TEAM, user_id=ADA, alert_id=mine.id, delivery="weekly")
    assert service.delete_alerts(session, team_id=TEAM, user_id=ADA, alert_ids=[mine.id]) == ["analyst"]
    assert service.mine(session, team_id=TEAM, user_id=ADA) == []
    assert len(service.mine(session, team_id=TEAM, user_id=BOB)) == 1


def test_quiet_alerts_are_those_unclicked_for_eight_weeks(session):
    quiet, _ = service.create_alert(session, team_id=TEAM, user_id=ADA, text="quiet")
    recent, _ = service.create_alert(session, team_id=TEAM, user_id=ADA, text="recent")
    paused, _ = service.create_alert(session, team_id=TEAM, user_id=ADA, text="paused")
    quiet.unclicked_since = NOW - timedelta(weeks=8)
    recent.unclicked_since = NOW - timedelta(weeks=8) + timedelta(seconds=1)
    paused.unclicked_since, paused.state = NOW - timedelta(weeks=20), "paused"
    session.flush()
    assert [a.id for a in service.quiet(session, now=NOW) if a.team_id == TEAM] == [quiet.id]


@pytest.mark.parametrize(
    ("now", "tz", "due"),
    [
        (datetime(2031, 3, 3, 12, 0, tzinfo=UTC), "America/New_York", datetime(2031, 3, 3, 14, 0, tzinfo=UTC)),
        (datetime(2031, 3, 3, 14, 0, tzinfo=UTC), "America/New_York", datetime(2031, 3, 4, 14, 0, tzinfo=UTC)),
        (datetime(2031, 3, 3, 12, 0, tzinfo=UTC), "Asia/Tokyo", datetime(2031, 3, 4, 0, 0, tzinfo=UTC)),
        # The day daylight saving starts in New York (March 9, 2031): 09:00 EDT is 13:00 UTC.
        (datetime(2031, 3, 8, 15, 0, tzinfo=UTC), "America/New_York", datetime(2031, 3, 9, 13, 0, tzinfo=UTC)),
    ],
)
def test_daily_means_the_next_nine_oclock_in_the_zone(now, tz, due):
    assert service.next_daily(now, tz) == due


# ---- the planner: matched once, each match in its DM ----------------------------------------


def share(session, *, n=0, company="Acme", role="Analyst intern", by=POSTER, team_id=TEAM, **changes) -> Lead:
    raw = {"company": company, "role": role, "url": f"https://jobs.example/{uuid.uuid4().hex}", "kind": "internship", "location": "Storrs", **changes}
    lead = leads.create_lead(session, team_id=team_id, user_id=by, draft=leads.validate(raw, today=TODAY), now=NOW)
    session.flush()
    return lead


def matches_of(session, user: str) -> list[AlertMatch]:
    return list(session.scalars(select(AlertMatch).where(AlertMatch.team_id == TEAM, AlertMatch.user_id == user).order_by(AlertMatch.id)))


def jobs_of(session, user: str) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.team_id == TEAM, Job.target == user).order_by(Job.id)))


def test_the_planner_matches_each_new_lead_once_into_one_dm_per_member(session):
    instant, _ = service.create_alert(session, team_id=TEAM, user_id=ADA, text="analyst")
    service.set_delivery(session, team_id=TEAM, user_id=ADA, alert_id=instant.id, delivery="instant")
    service.create_alert(session, team_id=TEAM, user_id=ADA, text="acme")  # overlapping, daily
    service.create_alert(session, team_id=TEAM, user_id=BOB, text="acme")
    first = share(session, n=1)
    second = share(session, n=2, company="Globex")
    pending = share(session, n=3, role="Analyst (waiting)")
    pending.status = "pending"
    session.flush()

    assert jobs.match_team(session, team_id=TEAM, club_tz="America/New_York", now=NOW) == 2
    ada, bob = matches_of(session, ADA), matches_of(session, BOB)
    assert [(m.item_id, m.alert_id) for m in ada] == [(first.id, instant.id), (second.id, instant.id)]
    assert len({m.job_key for m in ada}) == 1 and ada[0].job_key.startswith(f"alerts:instant:{ADA}:")
    assert [(m.item_id, m.job_key) for m in bob] == [(first.id, f"alerts:daily:{BOB}:2031-03-03")]  # 08:00 in New York: today's 09:00
    [ada_job], [bob_job] = jobs_of(session, ADA), jobs_of(session, BOB)
    assert (ada_job.kind, ada_job.key, ada_job.due_at) == (jobs.INSTANT, ada[0].job_key, NOW)
    assert (bob_job.kind, bob_job.due_at) == (jobs.DAILY, datetime(2031, 3, 3, 14, 0, tzinfo=UTC))
    assert first.alerts_matched_at == NOW and pending.alerts_matched_at is None

    # Matched once: the next turn finds nothing new.
    assert jobs.match_team(session, team_id=TEAM, club_tz="America/New_York", now=NOW + timedelta(seconds=10)) == 0
    # Approved later, the waiting lead is matched then, into Ada's instant DM still waiting.
    pending.status = "open"
    session.flush()
    assert jobs.match_team(session, team_id=TEAM, club_tz="America/New_York", now=NOW + timedelta(seconds=20)) == 0
    assert [m.job_key for m in matches_of(session, ADA)] == [ada_job.key] * 3
    # Once that DM is taken, what matches next goes in a new one.
    ada_job.status = "claimed"
    third = share(session, n=4, role="Senior analyst intern", company="Initech")
    assert jobs.match_team(session, team_id=TEAM, club_tz="America/New_York", now=NOW + timedelta(seconds=30)) == 1
    assert matches_of(session, ADA)[-1].item_id == third.id and matches_of(session, ADA)[-1].job_key != ada_job.key


def test_a_lead_matched_with_no_alerts_is_not_matched_by_an_alert_made_later(session):
    lead = share(session)
    assert jobs.match_team(session, team_id=TEAM, club_tz="UTC", now=NOW) == 0
    service.create_alert(session, team_id=TEAM, user_id=ADA, text="analyst")
    assert jobs.match_team(session, team_id=TEAM, club_tz="UTC", now=NOW) == 0
    session.refresh(lead)
    assert lead.alerts_matched_at == NOW and matches_of(session, ADA) == []


def test_a_dm_carries_what_is_still_shown_capped_with_how_many_more(session):
    service.create_alert(session, team_id=TEAM, user_id=ADA, text="intern")
    made = [share(session, n=n, company=f"Company{n % 6}", role=f"Intern {n}") for n in range(14)]
    jobs.match_team(session, team_id=TEAM, club_tz="UTC", now=NOW)
    key = matches_of(session, ADA)[0].job_key
    made[0].closed_at = NOW
    made[1].status = "hidden"
    session.flush()

    found = service.contents(session, team_id=TEAM, user_id=ADA, job_key=key, today=TODAY)
    assert [lead.id for lead in found.items] == [made[n].id for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11)]
    assert found.more == 2  # 12 still shown, 10 in the DM
    by_company = {}
    for lead in found.items:
        by_company[lead.company] = by_company.get(lead.company, 0) + 1
    assert max(by_company.values()) == 2
    # Another member's matches, or another DM's, are never in it.
    assert service.contents(session, team_id=TEAM, user_id=BOB, job_key=key, today=TODAY).items == []
    # A paused alert's DM is empty.
    service.pause(session, team_id=TEAM, user_id=ADA, alert_ids=[a.id for a in service.mine(session, team_id=TEAM, user_id=ADA)])
    assert service.contents(session, team_id=TEAM, user_id=ADA, job_key=key, today=TODAY).items == []


def test_the_same_item_is_never_recorded_twice_for_a_member(session):
    lead = share(session)
    row = {"team_id": TEAM, "user_id": ADA, "item_kind": "lead", "item_id": lead.id, "alert_id": None, "matched_at": NOW}
    assert service.record_matches(session, [{**row, "job_key": "k1"}]) == {(ADA, "k1")}
    assert service.record_matches(session, [{**row, "job_key": "k2"}, {**row, "user_id": BOB, "job_key": "k3"}]) == {(BOB, "k3")}
    assert [m.job_key for m in matches_of(session, ADA)] == ["k1"]


def project(*, bid_deadline, title="Survey analysis", team_id=TEAM) -> Project:
    return Project(team_id=team_id, title=title, organization="Cafe", supervisor=POSTER, description="Tally it", hours=10,
                   due_date=TODAY + timedelta(days=30), fee_cents=50000, remote=True, positions=1, bid_deadline=bid_deadline,
                   posted_by=POSTER, status="open", created_at=NOW)


def test_what_was_never_matched_before_its_last_day_passed_everywhere_is_looked_at_no_more(session):
    # Shared while the clock was down, say. It can't be shown again, so it can't be matched: were
    # its workspace found for it, the matcher would look there on every tick, for ever.
    lead = share(session, n=1)
    lead.expires_on = TODAY - timedelta(days=1)
    session.add(project(bid_deadline=TODAY - timedelta(days=1), team_id=OTHER_TEAM))
    session.flush()
    # At 11:59 UTC it is still yesterday at UTC-12, where both may still be shown.
    assert {TEAM, OTHER_TEAM} <= set(service.teams_with_unmatched(session, NOW - timedelta(minutes=1)))
    assert not {TEAM, OTHER_TEAM} & set(service.teams_with_unmatched(session, NOW))
    assert statements_run(session, lambda: jobs.match(session, NOW)) == 1
    # Kept open, it is shown again, and matched then.
    lead.expires_on = TODAY
    session.flush()
    assert TEAM in service.teams_with_unmatched(session, NOW)
    jobs.match(session, NOW)
    session.refresh(lead)
    assert lead.alerts_matched_at == NOW


def test_projects_open_for_bids_match_as_type_micro(session):
    service.create_alert(session, team_id=TEAM, user_id=ADA, text="survey type:micro paid")
    service.create_alert(session, team_id=TEAM, user_id=BOB, text="survey type:internship")
    open_one = project(bid_deadline=TODAY + timedelta(days=7))
    late = project(bid_deadline=TODAY - timedelta(days=1), title="Survey late")
    session.add_all([open_one, late])
    session.flush()
    jobs.match_team(session, team_id=TEAM, club_tz="UTC", now=NOW)
    assert [(m.item_kind, m.item_id) for m in matches_of(session, ADA)] == [("project", open_one.id)]
    assert matches_of(session, BOB) == []
    assert open_one.alerts_matched_at == NOW and late.alerts_matched_at is None


def test_a_departed_workspaces_purge_takes_its_alerts_and_matches(session):
    from slackapp.privacy import purge

    lead = share(session)
    kept, _ = service.create_alert(session, team_id=OTHER_TEAM, user_id=ADA, text="analyst")
    service.create_alert(session, team_id=TEAM, user_id=ADA, text="analyst")
    jobs.match_team(session, team_id=TEAM, club_tz="UTC", now=NOW)
    assert [m.item_id for m in matches_of(session, ADA)] == [lead.id]

    purge.purge(session, team_id=TEAM)

    assert session.scalars(select(Alert).where(Alert.team_id == TEAM)).all() == []
    assert matches_of(session, ADA) == []
    assert [a.id for a in session.scalars(select(Alert).where(Alert.team_id == OTHER_TEAM))] == [kept.id]
