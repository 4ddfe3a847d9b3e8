"""Officer roles, role notes and handovers: the rules, on a rolled-back session (SQLite and
PostgreSQL). Every open item the outgoing officer owns moves; nothing of anyone else's does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from slackapp.ask.models import HelpRequest
from slackapp.club import service as club
from slackapp.errors import UserError
from slackapp.events.models import Event
from slackapp.gigs.models import Gig
from slackapp.micro.models import Bid, Project
from slackapp.roles import jobs, openitems, service
from slackapp.roles.models import OfficerRole
from slackapp.scheduler.models import Job
from tests.conftest import new_id

pytestmark = pytest.mark.fast

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


def test_the_default_term_is_the_academic_year_or_the_next_when_it_ends_within_14_days():
    assert service.default_term_end(date(2026, 11, 30)) == date(2027, 7, 31)
    assert service.default_term_end(date(2027, 7, 17)) == date(2027, 7, 31)
    assert service.default_term_end(date(2027, 7, 18)) == date(2028, 7, 31)
    assert service.default_term_end(date(2027, 8, 1)) == date(2028, 7, 31)


def test_words_read_people_title_and_until():
    words = service.read_words("<@UAAAAAAA1|ada> VP   Events until 2027-05-31")
    assert (words.people, words.title, words.until) == (["UAAAAAAA1"], "VP Events", date(2027, 5, 31))
    assert service.read_words("UBBBBBBB2 President").people == ["UBBBBBBB2"]
    with pytest.raises(UserError):
        service.read_words("<@UAAAAAAA1> President until 2027-02-30")


@pytest.mark.parametrize("title", ["", "   ", "x" * 61, "<!channel>", "*bold*"])
def test_a_title_is_short_plain_text(title):
    with pytest.raises(UserError):
        service.clean_title(title)


def test_a_role_makes_its_holder_an_officer_and_moves_to_another_only_by_handover(session):
    team, ada, bob = new_id("T"), new_id("U"), new_id("U")
    role = service.give_role(session, team_id=team, user_id=ada, title="VP Events", by=ada, today=TODAY)
    assert (role.holder, role.term_end, role.key) == (ada, date(2027, 7, 31), "vp events")
    assert club.is_listed_officer(session, team_id=team, user_id=ada)
    with pytest.raises(UserError, match="hand it over"):
        service.give_role(session, team_id=team, user_id=bob, title="vp  events", by=ada, today=TODAY)
    # The same holder may change the term; a term ends after today.
    assert service.give_role(session, team_id=team, user_id=ada, title="VP Events", by=ada, today=TODAY, until=date(2027, 5, 31)).term_end == date(2027, 5, 31)
    with pytest.raises(UserError):
        service.give_role(session, team_id=team, user_id=ada, title="VP Events", by=ada, today=TODAY, until=TODAY)
    # Another workspace's role of the same name is another role.
    other = service.give_role(session, team_id=new_id("T"), user_id=bob, title="VP Events", by=bob, today=TODAY)
    assert other.id != role.id


def test_notes_keep_every_edit_and_only_holder_and_officers_read_them(session):
    team, ada, bob = new_id("T"), new_id("U"), new_id("U")
    role = service.give_role(session, team_id=team, user_id=ada, title="Treasurer", by=ada, today=TODAY)
    assert service.edit_notes(session, role=role, text="Bank: *First National*", by=ada, now=NOW) is not None
    assert service.edit_notes(session, role=role, text="Bank: *First National*", by=ada, now=NOW) is None  # unchanged: no new version
    service.edit_notes(session, role=role, text="Bank: First National; budget in the drive", by=bob, now=NOW + timedelta(hours=1))
    versions = service.notes_of(session, role=role)
    assert [(note.edited_by, note.text) for note in versions] == [(bob, "Bank: First National; budget in the drive"), (ada, "Bank: *First National*")]
    with pytest.raises(UserError):
        service.edit_notes(session, role=role, text="x" * 3001, by=ada, now=NOW)
    assert service.may_read_notes(role, user_id=ada, is_officer=False)
    assert service.may_read_notes(role, user_id=bob, is_officer=True)
    assert not service.may_read_notes(role, user_id=bob, is_officer=False)


def _items(session, team, *, owner, other):
    """One open item of every kind owned by `owner`, the same closed or past, and one owned by `other`."""
    event = Event(team_id=team, title="Meet the Firm Night", starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2), created_by=owner)
    past = Event(team_id=team, title="Last year's fair", starts_at=NOW - timedelta(days=3), ends_at=NOW - timedelta(days=3), created_by=owner)
    others = Event(team_id=team, title="Not theirs", starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3), created_by=other)
    gig = Gig(team_id=team, title="Webmaster", needed="A site", hours=Decimal(4), slots=1, contact=owner, posted_by=owner, status="open")
    done_gig = Gig(team_id=team, title="Old gig", needed="x", hours=Decimal(1), slots=1, contact=owner, posted_by=owner, status="done")
    project = Project(team_id=team, title="Market study", organization="Acme", supervisor=owner, description="d", hours=10, due_date=TODAY + timedelta(days=30),
                      fee_cents=50000, remote=True, positions=1, bid_deadline=TODAY + timedelta(days=5), posted_by=other, status="closed")
    posted = Project(team_id=team, title="Logo", organization="Club", supervisor=other, description="d", hours=5, due_date=TODAY + timedelta(days=30),
                     fee_cents=20000, remote=True, positions=1, bid_deadline=TODAY + timedelta(days=5), posted_by=owner, status="open")
    help_request = HelpRequest(team_id=team, user_id=other, kind="resume", topic="t", availability="a", status="claimed", helper=owner, claimed_at=NOW)
    session.add_all([event, past, others, gig, done_gig, project, posted, help_request])
    session.flush()
    session.add(Bid(team_id=team, project_id=project.id, user_id=new_id("U"), application="a", availability="a", status="in_progress"))
    session.flush()
    return event, gig, project, posted, help_request


def test_a_handover_moves_the_role_and_every_open_item_and_leaves_nothing_behind(session):
    team, ada, bob, carol = new_id("T"), new_id("U"), new_id("U"), new_id("U")
    role = service.give_role(session, team_id=team, user_id=ada, title="President", by=ada, today=TODAY)
    _items(session, team, owner=ada, other=carol)
    words = service.read_words(f"<@{bob}>")
    plan = service.plan_handover(session, team_id=team, user_id=ada, words=words)
    assert (plan.old, plan.new, plan.role_id) == (ada, bob, role.id)
    assert service.Plan.from_value(plan.as_value()) == plan
    shown = service.preview(session, team_id=team, plan=plan, now=NOW, today=TODAY)
    assert {key: len(items) for key, items in shown.items.items()} == {"event": 1, "gig": 1, "project_supervised": 1, "project_posted": 1, "help_request": 1}
    assert shown.old_keeps == [] and not shown.old_stays_officer

    done = service.hand_over(session, team_id=team, plan=plan, by=ada, now=NOW, today=TODAY)
    assert all(items == [] for items in openitems.owned_by(session, team_id=team, owner=ada, now=NOW).values())
    assert {key: len(items) for key, items in openitems.owned_by(session, team_id=team, owner=bob, now=NOW).items()} == {key: 1 for key in shown.items}
    assert len(done.told) == 2  # the student of the supervised project and the member helped
    assert role.holder == bob and role.term_end == date(2027, 7, 31)
    assert club.is_listed_officer(session, team_id=team, user_id=bob) and not club.is_listed_officer(session, team_id=team, user_id=ada)
    # The past event and the finished gig stay where they were; so does everything of carol's.
    assert session.scalar(select(Event.created_by).where(Event.team_id == team, Event.title == "Last year's fair")) == ada
    assert session.scalar(select(Event.created_by).where(Event.team_id == team, Event.title == "Not theirs")) == carol
    # The same preview confirmed again changes nothing.
    with pytest.raises(UserError):
        service.hand_over(session, team_id=team, plan=plan, by=ada, now=NOW, today=TODAY)


def test_the_outgoing_holder_stays_an_officer_while_holding_another_role(session):
    team, ada, bob = new_id("T"), new_id("U"), new_id("U")
    service.give_role(session, team_id=team, user_id=ada, title="President", by=ada, today=TODAY)
    service.give_role(session, team_id=team, user_id=ada, title="Treasurer", by=ada, today=TODAY)
    with pytest.raises(UserError, match="name the one"):
        service.plan_handover(session, team_id=team, user_id=ada, words=service.read_words(f"<@{bob}>"))
    plan = service.plan_handover(session, team_id=team, user_id=bob, words=service.read_words(f"<@{bob}> treasurer"))
    assert plan.old == ada
    service.hand_over(session, team_id=team, plan=plan, by=bob, now=NOW, today=TODAY)
    assert club.is_listed_officer(session, team_id=team, user_id=ada)


def test_a_term_ending_within_14_days_starts_a_new_one_for_the_next_holder(session):
    team, ada, bob = new_id("T"), new_id("U"), new_id("U")
    role = service.give_role(session, team_id=team, user_id=ada, title="President", by=ada, today=TODAY, until=TODAY + timedelta(days=10))
    plan = service.plan_handover(session, team_id=team, user_id=ada, words=service.read_words(f"<@{bob}>"))
    service.hand_over(session, team_id=team, plan=plan, by=ada, now=NOW, today=TODAY)
    assert role.term_end == date(2027, 7, 31)


def test_the_checklist_is_owed_once_per_term_end_to_each_officer(session):
    team, ada, bob = new_id("T"), new_id("U"), new_id("U")
    club.add_officer(session, team_id=team, user_id=bob, added_by=bob)
    end = date(2040, 5, 31)
    service.give_role(session, team_id=team, user_id=ada, title="President", by=ada, today=TODAY, until=end)
    service.give_role(session, team_id=team, user_id=bob, title="Treasurer", by=ada, today=TODAY, until=end)

    def owed():
        return sorted(session.scalars(select(Job.target).where(Job.team_id == team, Job.kind == "role_term_checklist")))

    jobs.plan(session, datetime(2040, 5, 16, 12, tzinfo=UTC))
    assert owed() == []
    jobs.plan(session, datetime(2040, 5, 17, 12, tzinfo=UTC))
    assert owed() == sorted([ada, bob])
    jobs.plan(session, datetime(2040, 5, 18, 12, tzinfo=UTC))
    assert owed() == sorted([ada, bob])
    assert {role.checklist_for for role in session.scalars(select(OfficerRole).where(OfficerRole.team_id == team))} == {end}
