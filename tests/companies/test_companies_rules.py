"""Companies' rules on a migrated store, and names' normalization, without the running app."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.alerts import service as alerts
from slackapp.alerts import views as alert_views
from slackapp.alerts.models import Alert
from slackapp.companies import names, service, views
from slackapp.companies.models import Company, Contact, Follow, Review
from slackapp.errors import UserError
from slackapp.events import ids as event_ids
from slackapp.events import series
from slackapp.events.models import Event
from slackapp.events.service import EventDraft
from slackapp.leads.models import Lead, LeadType
from slackapp.micro.models import Project
from slackapp.profiles.models import Profile
from slackapp.slack.blocks import to_dicts
from tests.helpers import built_anew_for_each_test, statements_run

pytestmark = pytest.mark.fast

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


fresh_statements = built_anew_for_each_test(service._teams_to_link)


@pytest.fixture
def team() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


def lead(session, team: str, company: str, *, poster: str = "UPOSTER", role: str = "Analyst") -> Lead:
    row = Lead(team_id=team, company=company, role=role, url=f"https://x.example/{uuid.uuid4().hex}", url_key=uuid.uuid4().hex, kind=LeadType.internship.value, posted_by=poster)
    session.add(row)
    session.flush()
    return row


# ---- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["ACME Inc.", "Acme", "acme, inc.", "Acme Corporation", "  ACME   Corp ", "The Acme Company", "Acme Co. Ltd", "Acme S.A.", "ACME, LLC", "Acme GmbH", "Acme plc"])
def test_every_spelling_of_acme_is_one_key(spelling):
    assert names.key(spelling) == "acme"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Procter & Gamble Co.", "procter and gamble"),
        ("McDonald's Corporation", "mcdonalds"),
        ("Ernst & Young LLP", "ernst and young"),
        ("Acme Analytics", "acme analytics"),
        # A name made only of legal words keeps them (it is still a name).
        ("Company", "company"),
        ("Inc.", "inc"),
        ("Société Générale SA", "société générale"),
    ],
)
def test_keys(name, expected):
    assert names.key(name) == expected


def test_different_companies_stay_apart():
    assert names.key("Acme") != names.key("Acme Analytics")
    assert names.key("Globex") != names.key("Globex Holdings")


def test_a_blank_name_has_an_empty_key_and_is_never_linked():
    assert names.key("   ") == "" and names.clean("  a   b ") == "a b"


# ---- records and links ----------------------------------------------------------------------------


def test_linking_keeps_the_first_spelling_and_links_every_row(session, team):
    rows = [lead(session, team, name) for name in ("ACME Inc.", "Acme", "acme, inc.", "Acme Corporation", "Globex")]
    assert service.link_team(session, team, NOW) == 5
    session.expire_all()
    [acme] = session.scalars(select(Company).where(Company.team_id == team, Company.key == "acme")).all()
    assert acme.name == "ACME Inc."
    assert {row.company_id for row in rows[:4]} == {acme.id} and rows[4].company_id != acme.id
    assert service.link_team(session, team, NOW) == 0
    # Another workspace's Acme is its own.
    other = "T" + uuid.uuid4().hex[:10].upper()
    theirs = lead(session, other, "Acme")
    service.link_team(session, other, NOW)
    session.expire_all()
    assert theirs.company_id not in (None, acme.id)


def test_linking_costs_the_same_few_statements_for_three_rows_or_thirty(session, team):
    # The clock links every tick: a day of shared leads must not cost a statement or three each.
    for number in range(3):
        lead(session, team, f"Firm {number}")
    few = statements_run(session, lambda: service.link_team(session, team, NOW))
    for number in range(30):
        lead(session, team, f"Firm {number % 12} Inc." if number % 3 else f"Other {number}")
    many = statements_run(session, lambda: service.link_team(session, team, NOW))
    assert many == few
    session.expire_all()
    linked = session.scalars(select(Lead).where(Lead.team_id == team)).all()
    assert all(row.company_id is not None for row in linked)
    # "Firm 1 Inc." joined the record "Firm 1" made; "Firm 11 Inc." made its own, with its spelling:
    # the first three, six more firms (4, 5, 7, 8, 10, 11) and ten others.
    firms = {company.key: company.name for company in session.scalars(select(Company).where(Company.team_id == team))}
    assert firms["firm 1"] == "Firm 1" and firms["firm 11"] == "Firm 11 Inc." and len(firms) == 3 + 6 + 10


def test_linking_follows_a_merge_for_a_spelling_seen_later(session, team):
    lead(session, team, "Globex")
    lead(session, team, "Globex Holdings")
    service.link_team(session, team, NOW)
    _, target = service.merge(session, team_id=team, source_name="Globex Holdings", target_name="Globex", officer_id="U1", is_officer=True)
    later = lead(session, team, "Globex Holdings Inc.")
    assert service.link_team(session, team, NOW) == 1
    session.expire_all()
    assert later.company_id == target.id


def test_linking_one_workspace_neither_reads_nor_borrows_another_workspaces_names(session, team):
    other = "T" + uuid.uuid4().hex[:10].upper()
    ours = lead(session, team, "Acme")
    service.link_team(session, team, NOW)
    theirs = lead(session, other, "Acme")
    unseen = lead(session, other, "Hooli")
    service.link_team(session, other, NOW)
    later = lead(session, team, "ACME Inc.")
    stranger = lead(session, "T" + uuid.uuid4().hex[:10].upper(), "Initech")
    assert service.link_team(session, team, NOW) == 1
    session.expire_all()
    # Their newer Acme record has the same key: ours still links to our own.
    assert later.company_id == ours.company_id != theirs.company_id
    assert unseen.company_id != ours.company_id and stranger.company_id is None
    keys = set(session.scalars(select(Company.key).where(Company.team_id == team)))
    assert keys == {"acme"}
    made = session.scalar(select(Company).where(Company.team_id == team))
    assert made.created_at.replace(tzinfo=UTC) == NOW


def test_a_record_made_for_one_name_is_made_at_the_time_given(session, team):
    made = service.find_or_create(session, team_id=team, name="Umbrella Corp.", now=NOW)
    assert (made.name, made.key, made.created_at.replace(tzinfo=UTC)) == ("Umbrella Corp.", "umbrella", NOW)


def test_linking_counts_every_kind_of_row(session, team):
    lead(session, team, "Acme")
    event(session, team, "Acme night", employer="Globex")
    assert service.link_team(session, team, NOW) == 2


def test_the_workspaces_waiting_to_be_linked_are_read_in_one_statement(session, team):
    # The clock asks on every tick, mostly to hear "none".
    by_event, by_project = ("T" + uuid.uuid4().hex[:10].upper() for _ in range(2))
    lead(session, team, "Acme")
    event(session, by_event, "Globex night", employer="Globex")
    session.add(Project(team_id=by_project, title="Survey", organization="Cafe", supervisor="UP", description="Tally it", hours=10, due_date=TODAY,
                        fee_cents=50000, remote=True, positions=1, bid_deadline=TODAY, posted_by="UP", status="open", created_at=NOW))
    session.flush()
    found = []
    assert statements_run(session, lambda: found.extend(service.teams_to_link(session))) == 1
    assert {team, by_event, by_project} <= set(found) and found == sorted(set(found))
    for waiting in (team, by_event, by_project):
        service.link_team(session, waiting, NOW)
    assert not {team, by_event, by_project} & set(service.teams_to_link(session))


def test_a_merged_record_sends_its_spelling_to_the_kept_one(session, team):
    lead(session, team, "Globex")
    lead(session, team, "Globex Holdings")
    service.link_team(session, team, NOW)
    with pytest.raises(UserError, match="Only club officers"):
        service.merge(session, team_id=team, source_name="Globex Holdings", target_name="Globex", officer_id="U1", is_officer=False)
    source, target = service.merge(session, team_id=team, source_name="Globex Holdings", target_name="Globex", officer_id="U1", is_officer=True)
    assert source.merged_into == target.id
    assert service.find_or_create(session, team_id=team, name="Globex Holdings Inc.").id == target.id
    with pytest.raises(UserError, match="one company already"):
        service.merge(session, team_id=team, source_name="Globex Holdings", target_name="Globex", officer_id="U1", is_officer=True)
    with pytest.raises(UserError, match="I don't know"):
        service.merge(session, team_id=team, source_name="Nothing Here", target_name="Globex", officer_id="U1", is_officer=True)
    assert [c.name for c, _ in service.directory(session, team_id=team)] == ["Globex"]


def test_merging_keeps_one_review_and_one_follow_a_member(session, team):
    a, b = (service.find_or_create(session, team_id=team, name=name) for name in ("Initech", "Initrode"))
    draft = service.ReviewDraft(rating=3, text="ok", year=2025, role="Intern", anonymous=False)
    service.write_review(session, team_id=team, company_id=a.id, author="UBOTH", draft=draft)
    service.write_review(session, team_id=team, company_id=b.id, author="UBOTH", draft=draft)
    service.write_review(session, team_id=team, company_id=a.id, author="UONE", draft=draft)
    service.follow(session, team_id=team, user_id="UBOTH", company_id=a.id)
    service.follow(session, team_id=team, user_id="UBOTH", company_id=b.id)
    service.follow(session, team_id=team, user_id="UONE", company_id=a.id)
    service.merge(session, team_id=team, source_name="Initech", target_name="Initrode", officer_id="U1", is_officer=True)
    session.expire_all()
    assert sorted((r.user_id, r.company_id) for r in session.scalars(select(Review).where(Review.team_id == team))) == [("UBOTH", b.id), ("UONE", b.id)]
    follows = session.scalars(select(Follow).where(Follow.team_id == team)).all()
    assert sorted((f.user_id, f.company_id) for f in follows) == [("UBOTH", b.id), ("UONE", b.id)]
    queries = sorted(session.scalars(select(Alert.query).where(Alert.team_id == team)))
    assert queries == [f"company:{b.id} Initrode", f"company:{b.id} Initrode"]


def test_split_parses_and_moves_only_this_workspaces_rows(session, team):
    asked = service.parse_split("lead 1 2, project #3 events 4 into  Acme   Chicago ")
    assert asked.items == (("lead", 1), ("lead", 2), ("project", 3), ("event", 4)) and asked.into == "Acme Chicago"
    for bad in ("lead 1", "lead into X", "1 2 into X", "lead x into Y"):
        with pytest.raises(UserError):
            service.parse_split(bad)
    mine = lead(session, team, "Acme")
    theirs = lead(session, "TOTHER" + uuid.uuid4().hex[:6], "Acme")
    service.link_team(session, team, NOW)
    with pytest.raises(UserError, match="Only club officers"):
        service.split(session, team_id=team, asked=service.parse_split(f"lead {mine.id} into Acme Chicago"), is_officer=False)
    company, moved = service.split(session, team_id=team, asked=service.parse_split(f"lead {mine.id} {theirs.id} into Acme Chicago"), is_officer=True)
    session.expire_all()
    assert moved == 1 and mine.company_id == company.id and theirs.company_id is None


# ---- the page, reviews, contacts -------------------------------------------------------------------


def test_alumni_need_consent_and_a_matching_spelling(session, team):
    acme = service.find_or_create(session, team_id=team, name="Acme")
    for user, past, show in (("UYES", "Hooli; ACME Inc.", True), ("UNO", "Acme", False), ("UNONE", "Acme", None), ("UOTHER", "Acme Analytics", True)):
        session.add(Profile(team_id=team, user_id=user, past_employers=past, show_past_employers=show))
    session.flush()
    found = service.page(session, team_id=team, company_id=acme.id, viewer="UX", is_officer=False, today=TODAY, now=NOW)
    assert found.alumni == ["UYES"] and found.contacts is None


def test_reviews_are_checked_and_decided_once_by_officers(session, team):
    with pytest.raises(UserError) as problem:
        service.validate_review({"rating": "6", "text": "x" * 1501, "role": "", "year": "2999"}, today=TODAY)
    assert set(problem.value.fields) == {"rating", "text", "role", "year"}
    draft = service.validate_review({"rating": "5", "text": " Great ", "role": "Intern", "year": "2025", "anonymous": ["yes"]}, today=TODAY)
    assert draft == service.ReviewDraft(rating=5, text="Great", year=2025, role="Intern", anonymous=True)
    acme = service.find_or_create(session, team_id=team, name="Acme")
    written = service.write_review(session, team_id=team, company_id=acme.id, author="UA", draft=draft)
    with pytest.raises(UserError, match="Only club officers"):
        service.decide_review(session, team_id=team, review_id=written.id, officer_id="UB", is_officer=False, approve=True)
    assert written.status == "pending"
    service.decide_review(session, team_id=team, review_id=written.id, officer_id="UO", is_officer=True, approve=True)
    with pytest.raises(UserError, match="approved already"):
        service.decide_review(session, team_id=team, review_id=written.id, officer_id="UO", is_officer=True, approve=False)
    with pytest.raises(UserError):
        service.withdraw_review(session, team_id=team, review_id=written.id, user_id="USOMEONE")
    assert "by a member" in views.review_text(written, is_officer=False) and "UA" not in views.review_text(written, is_officer=False)
    assert "<@UA> (anonymous to members)" in views.review_text(written, is_officer=True)
    # Edited: pending again.
    again = service.write_review(session, team_id=team, company_id=acme.id, author="UA", draft=draft)
    assert again.id == written.id and again.status == "pending" and again.decided_by is None


def test_only_officers_log_and_read_contacts(session, team):
    acme = service.find_or_create(session, team_id=team, name="Acme")
    draft = service.validate_contact({"club_member": "UO", "their_person": "Dana", "contacted_on": "2026-03-01", "notes": "hi"}, today=TODAY)
    with pytest.raises(UserError):
        service.validate_contact({"club_member": "UO", "their_person": "Dana", "contacted_on": "2026-03-03"}, today=TODAY)
    with pytest.raises(UserError, match="Only club officers"):
        service.log_contact(session, team_id=team, company_id=acme.id, officer_id="UM", is_officer=False, draft=draft)
    service.log_contact(session, team_id=team, company_id=acme.id, officer_id="UO", is_officer=True, draft=draft)
    with pytest.raises(UserError, match="Only club officers"):
        service.contact_log(session, team_id=team, company_id=acme.id, is_officer=False)
    assert [c.their_person for c in service.contact_log(session, team_id=team, company_id=acme.id, is_officer=True)] == ["Dana"]
    assert session.scalar(select(Contact.logged_by).where(Contact.team_id == team)) == "UO"
    assert service.page(session, team_id=team, company_id=acme.id, viewer="UM", is_officer=False, today=TODAY, now=NOW).contacts is None


# ---- follows are alerts ------------------------------------------------------------------------------


def test_a_follow_is_an_instant_alert_matching_the_company_only(session, team):
    acme = service.find_or_create(session, team_id=team, name="Acme")
    _, fresh = service.follow(session, team_id=team, user_id="UF", company_id=acme.id)
    _, again = service.follow(session, team_id=team, user_id="UF", company_id=acme.id)
    assert fresh and not again
    [alert] = session.scalars(select(Alert).where(Alert.team_id == team)).all()
    assert alerts.followed_company(alert) == acme.id and alert.delivery == "instant"
    ours = alerts.Candidate(kind="lead", id=1, owner="UP", words=frozenset({"cook"}), remote=False, paid=False, lead_type=LeadType.internship, company="Acme", company_id=acme.id)
    others = alerts.Candidate(
        kind="lead", id=2, owner="UP", words=frozenset({"acme", "company"}), remote=False, paid=False, lead_type=LeadType.internship, company="Acme Analytics", company_id=acme.id + 1
    )
    own = alerts.Candidate(kind="lead", id=3, owner="UF", words=frozenset(), remote=False, paid=False, lead_type=LeadType.internship, company="Acme", company_id=acme.id)
    assert set(alerts.owed([alert], [ours, others, own])) == {("UF", "lead", 1)}
    service.unfollow(session, team_id=team, user_id="UF", company_id=acme.id)
    assert session.scalars(select(Alert).where(Alert.team_id == team)).all() == []
    assert session.scalars(select(Follow).where(Follow.team_id == team)).all() == []


def event(session, team: str, title: str, *, employer: str | None = "Acme Inc.", starts: datetime = NOW + timedelta(days=3), cancelled: bool = False) -> Event:
    row = Event(
        team_id=team, title=title, starts_at=starts, ends_at=starts + timedelta(hours=1), location="Room <1>", created_by="UO", employer=employer,
        cancelled_at=NOW if cancelled else None,
    )
    session.add(row)
    session.flush()
    return row


def test_a_follow_brings_the_companys_upcoming_events_and_a_search_never_does(session, team):
    acme = service.find_or_create(session, team_id=team, name="Acme")
    service.follow(session, team_id=team, user_id="UF", company_id=acme.id)
    follow = session.scalar(select(Alert).where(Alert.team_id == team, Alert.user_id == "UF"))
    # A search whose words are the event's title and employer: events are never searched.
    search, _ = alerts.create_alert(session, team_id=team, user_id="US", text="acme meet")
    upcoming = event(session, team, "Meet Acme")
    other = event(session, team, "Meet Globex", employer="Globex")
    event(session, team, "Acme last year", starts=NOW - timedelta(days=1))
    event(session, team, "Acme called off", cancelled=True)
    service.link_team(session, team, NOW)
    session.expire_all()
    assert upcoming.company_id == acme.id
    # Only upcoming events not cancelled are new to the matcher.
    unmatched = alerts.unmatched_events(session, team_id=team, now=NOW, lock=False)
    assert [e.id for e in unmatched] == [upcoming.id, other.id]
    assert team in alerts.teams_with_unmatched(session, NOW)
    assert alerts.owed([follow, search], [alerts.event_candidate(e) for e in unmatched]) == {("UF", "event", upcoming.id): follow}
    alerts.mark_matched(session, leads=[], projects=[], events=unmatched, now=NOW)
    assert alerts.unmatched_events(session, team_id=team, now=NOW, lock=False) == []

    # In the DM: its title, when and where, escaped, and the events' own Going button.
    alerts.record_matches(session, [{"team_id": team, "user_id": "UF", "item_kind": "event", "item_id": upcoming.id, "alert_id": follow.id, "job_key": "k1", "matched_at": NOW}])
    found = alerts.contents(session, team_id=team, user_id="UF", job_key="k1", today=TODAY, now=NOW)
    assert found.items == [upcoming]
    _, blocks = alert_views.digest(found, tz="UTC")
    shown = to_dicts(blocks)
    assert "*Meet Acme*" in str(shown) and "Room &lt;1&gt;" in str(shown) and "<!date^" in str(shown)
    going = [e for block in shown if block["type"] == "actions" for e in block["elements"] if e["action_id"] == event_ids.GOING]
    assert [button["value"] for button in going] == [str(upcoming.id)]
    # Cancelled (or started) before the DM goes out: it is left out.
    upcoming.cancelled_at = NOW
    session.flush()
    assert alerts.contents(session, team_id=team, user_id="UF", job_key="k1", today=TODAY, now=NOW).items == []


def test_each_date_of_a_repeating_event_keeps_its_employer(session, team):
    starts = NOW + timedelta(days=2)
    draft = EventDraft("Acme office hours", None, starts, starts + timedelta(hours=1), "Room 1", None, None, None, employer="ACME, Inc.")
    repeat = series.validate_repeat({"repeats": "weekly", "times": "3", "announce_days": "10"}, draft=draft, tz="UTC")
    made = series.create_series(session, team_id=team, user_id="UO", is_officer=True, draft=draft, repeat=repeat)
    dates = series.make_due(session, series=made, now=NOW + timedelta(days=1))
    assert [d.employer for d in dates] == ["ACME, Inc.", "ACME, Inc."]
    service.link_team(session, team, NOW)
    session.expire_all()
    acme = service.by_key(session, team_id=team, name="Acme")
    assert {d.company_id for d in dates} == {acme.id}
