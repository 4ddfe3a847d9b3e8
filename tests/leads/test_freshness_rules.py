"""The rules of fresh leads and their history at their edges, called directly on a migrated
database of each store (the fast layer): when a lead expires, what Keep open gives, who may keep
it open, what counts as a duplicate, when the poster is asked, and what the history records."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from slackapp.club.models import Workspace
from slackapp.errors import UserError
from slackapp.leads import freshness, history, jobs, service
from slackapp.leads.models import Lead, LeadChange, LeadStatus
from slackapp.scheduler import queue
from slackapp.scheduler.models import Job
from tests.helpers import statements_run
from tests.leads.test_leads_rules import NOW, OFFICER, OTHER_TEAM, POSTER, TEAM, TODAY, draft, share

pytestmark = pytest.mark.fast

MEMBER = "U0FRESH1234"  # as long as a real id: shorter ones fit columns no id goes in


def changes(session, lead_id: int, team_id: str = TEAM) -> list[tuple[str, str, str | None]]:
    rows = session.scalars(select(LeadChange).where(LeadChange.team_id == team_id, LeadChange.lead_id == lead_id).order_by(LeadChange.id))
    return [(row.actor, row.action, row.detail) for row in rows]


def still_open_jobs(session) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.kind == jobs.STILL_OPEN).order_by(Job.id)))


# ---- expiry -------------------------------------------------------------------------------------


def test_a_lead_without_a_deadline_expires_30_days_after_it_was_shared(session):
    lead = share(session, url="https://x.example/1")
    session.flush()
    assert lead.expires_on == NOW.date() + timedelta(days=30)


def test_a_lead_with_a_deadline_expires_on_it(session):
    lead = share(session, url="https://x.example/2", deadline=TODAY + timedelta(days=5))
    session.flush()
    assert lead.expires_on == TODAY + timedelta(days=5)


@pytest.mark.parametrize(
    ("deadline", "shared_on", "today", "expected"),
    [
        (date(2031, 4, 1), date(2031, 1, 1), date(2031, 3, 3), date(2031, 4, 1)),
        (None, date(2031, 3, 1), date(2031, 3, 3), date(2031, 3, 31)),
        (None, date(2031, 2, 1), date(2031, 3, 3), date(2031, 3, 3)),
        (None, date(2031, 2, 1), date(2031, 3, 4), date(2031, 4, 3)),
    ],
)
def test_an_edited_deadline_sets_the_expiry(deadline, shared_on, today, expected):
    assert service.expiry_after_edit(deadline, shared_on=shared_on, today=today) == expected


def test_editing_the_deadline_moves_the_expiry_and_records_the_fields_changed(session):
    lead = share(session, url="https://x.example/3")
    session.flush()
    edited = draft(url="https://x.example/3", role="Senior analyst", deadline=TODAY + timedelta(days=9))
    service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, draft=edited, today=TODAY)
    assert lead.expires_on == TODAY + timedelta(days=9)
    assert changes(session, lead.id)[-1] == (POSTER, "edited", "role, deadline")
    # Saving the form unchanged records nothing.
    service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, draft=edited, today=TODAY)
    assert [action for _, action, _ in changes(session, lead.id)] == ["posted", "edited"]


def test_expired_means_past_its_last_day():
    lead = Lead(expires_on=TODAY)
    assert not freshness.is_expired(lead, today=TODAY)
    assert freshness.is_expired(lead, today=TODAY + timedelta(days=1))


# ---- keep open ----------------------------------------------------------------------------------


def test_keep_open_adds_30_days_to_the_expiry(session):
    lead = share(session, url="https://x.example/4")
    session.flush()
    kept = freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, today=TODAY)
    assert kept.expires_on == NOW.date() + timedelta(days=60)
    assert changes(session, lead.id)[-1] == (POSTER, "kept open", f"until {kept.expires_on.isoformat()}")


def test_keep_open_after_expiry_counts_from_today_and_brings_it_back(session):
    lead = share(session, url="https://x.example/5")
    session.flush()
    lead.expires_on = TODAY - timedelta(days=2)
    lead.expired_at = NOW
    kept = freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=OFFICER, is_officer=True, today=TODAY)
    assert kept.expires_on == TODAY + timedelta(days=30) and kept.expired_at is None and kept.is_shown


def test_only_the_poster_or_an_officer_keeps_a_lead_open(session):
    lead = share(session, url="https://x.example/6")
    session.flush()
    with pytest.raises(UserError, match="Only the person who shared this lead, or an officer"):
        freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=MEMBER, is_officer=False, today=TODAY)
    assert lead.expires_on == NOW.date() + timedelta(days=30)
    with pytest.raises(UserError, match="no longer exists"):
        freshness.keep_open(session, team_id=OTHER_TEAM, lead_id=lead.id, user_id=POSTER, is_officer=True, today=TODAY)


@pytest.mark.parametrize("status", [LeadStatus.hidden, LeadStatus.removed, LeadStatus.pending, LeadStatus.declined])
def test_a_lead_that_is_not_open_cannot_be_kept_open(session, status):
    lead = share(session, url=f"https://x.example/7{status.value}")
    lead.status = status.value
    session.flush()
    with pytest.raises(UserError, match="isn't open any more"):
        freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, today=TODAY)


# ---- duplicates ---------------------------------------------------------------------------------


def test_the_same_company_and_role_in_any_case_and_spacing_is_a_duplicate(session):
    first = share(session, url="https://x.example/8", company="Acme Corp", role="Data intern")
    session.flush()
    found = freshness.similar_open(session, team_id=TEAM, company=" acme   corp", role="DATA INTERN", today=TODAY, now=NOW)
    assert found is first
    assert freshness.similar_open(session, team_id=TEAM, company="Acme Corp", role="Data analyst", today=TODAY, now=NOW) is None
    assert freshness.similar_open(session, team_id=OTHER_TEAM, company="Acme Corp", role="Data intern", today=TODAY, now=NOW) is None


def test_only_open_leads_of_the_last_30_days_are_duplicates(session):
    old = share(session, url="https://x.example/9", company="Old Co", role="Intern", now=NOW - timedelta(days=31))
    old.expires_on = TODAY + timedelta(days=10)
    closed = share(session, url="https://x.example/10", company="Closed Co", role="Intern")
    closed.closed_at = NOW
    hidden = share(session, url="https://x.example/11", company="Hidden Co", role="Intern")
    hidden.status = LeadStatus.hidden.value
    recent = share(session, url="https://x.example/12", company="Recent Co", role="Intern", now=NOW - timedelta(days=29))
    session.flush()
    found = {company: freshness.similar_open(session, team_id=TEAM, company=company, role="Intern", today=TODAY, now=NOW) for company in ("Old Co", "Closed Co", "Hidden Co", "Recent Co")}
    assert found == {"Old Co": None, "Closed Co": None, "Hidden Co": None, "Recent Co": recent}


# ---- the clock: asking and expiring -------------------------------------------------------------


# The zones farthest ahead of UTC and behind it, and one between.
@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_the_poster_is_asked_at_nine_their_time_three_days_before_expiry_once(session, tz):
    queue.remember_timezone(session, team_id=TEAM, user_id=POSTER, tz=tz)
    lead = share(session, url="https://x.example/13", deadline=TODAY + timedelta(days=10))
    session.flush()
    nine = datetime.combine(TODAY + timedelta(days=7), time(9), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    # More than an hour ahead: not planned yet.
    assert jobs.plan_freshness(session, nine - timedelta(hours=1, minutes=1)) == 0
    assert still_open_jobs(session) == []
    assert jobs.plan_freshness(session, nine - timedelta(minutes=50)) == 1
    [job] = still_open_jobs(session)
    assert (job.target, job.due_at, job.key) == (POSTER, nine, f"lead_still_open:{lead.id}:{lead.expires_on.isoformat()}")
    assert job.payload == {"lead_id": lead.id, "expires_on": lead.expires_on.isoformat(), "tz": tz}
    assert lead.still_open_asked_for == lead.expires_on
    assert jobs.plan_freshness(session, nine) == 0
    assert len(still_open_jobs(session)) == 1


def test_the_still_open_dm_is_skipped_once_the_lead_is_kept_open_or_closed(session):
    lead = share(session, url="https://x.example/14", deadline=TODAY + timedelta(days=4))
    session.flush()
    # 08:30 UTC the day after: the ask (9:00 in the poster's zone, UTC here) is within the hour.
    jobs.plan_freshness(session, NOW + timedelta(hours=20, minutes=30))
    [job] = still_open_jobs(session)
    assert "still open" in jobs.render_still_open(session, job, NOW).text
    freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, today=TODAY)
    with pytest.raises(jobs.Skip, match="kept open"):
        jobs.render_still_open(session, job, NOW)
    service.close_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, now=NOW)
    with pytest.raises(jobs.Skip, match="closed"):
        jobs.render_still_open(session, job, NOW)


def test_a_lead_expiring_within_three_days_of_being_shared_is_not_asked_about(session):
    lead = share(session, url="https://x.example/15", deadline=TODAY + timedelta(days=1))
    session.flush()
    assert jobs.plan_freshness(session, NOW) == 0
    assert still_open_jobs(session) == [] and lead.still_open_asked_for == lead.expires_on


def test_expiry_is_recorded_once_after_the_last_day_in_the_clubs_zone(session):
    lead = share(session, url="https://x.example/16", deadline=TODAY)
    other = share(session, team_id=OTHER_TEAM, url="https://x.example/16", deadline=TODAY + timedelta(days=1))
    session.flush()
    last_moment = datetime.combine(TODAY, time(23, 59), tzinfo=timezone.utc)
    jobs.plan_freshness(session, last_moment)
    assert lead.expired_at is None
    jobs.plan_freshness(session, last_moment + timedelta(minutes=2))
    assert lead.expired_at == last_moment + timedelta(minutes=2) and other.expired_at is None
    assert changes(session, lead.id)[-1] == (history.APP, "expired", f"last day {TODAY.isoformat()}")
    jobs.plan_freshness(session, last_moment + timedelta(hours=1))
    assert [action for _, action, _ in changes(session, lead.id)].count("expired") == 1
    # Gone from the open list the day after its last.
    assert service.open_leads(session, team_id=TEAM, today=TODAY + timedelta(days=1)).leads == []


def test_expiry_is_recorded_after_the_last_day_in_a_zone_ahead_of_utc(session):
    session.add(Workspace(team_id=TEAM, timezone="Pacific/Kiritimati"))  # UTC+14
    lead = share(session, url="https://x.example/19", deadline=TODAY)
    session.flush()
    # Its last day ends at 23:59 there, 09:59 UTC.
    jobs.plan_freshness(session, NOW.replace(hour=9, minute=58))
    assert lead.expired_at is None
    jobs.plan_freshness(session, NOW.replace(hour=10, minute=1))
    assert lead.expired_at == NOW.replace(hour=10, minute=1)


def test_a_lead_already_asked_about_is_not_read_again_until_its_last_day_has_passed(session):
    # The clock comes by every few seconds; between the question and the expiry there is nothing to do.
    soon = share(session, url="https://x.example/20", deadline=TODAY + timedelta(days=2))
    share(session, url="https://x.example/21", deadline=TODAY + timedelta(days=10))
    session.flush()
    jobs.plan_freshness(session, NOW)
    assert soon.still_open_asked_for == soon.expires_on
    session.flush()
    for later in (NOW + timedelta(seconds=10), NOW + timedelta(days=1)):
        # One statement that finds nothing to read.
        assert statements_run(session, lambda: jobs.plan_freshness(session, later)) == 1
    # Its last day over in the club's zone (UTC here), its expiry is recorded.
    jobs.plan_freshness(session, datetime.combine(soon.expires_on + timedelta(days=1), time(0, 1), tzinfo=timezone.utc))
    assert soon.expired_at is not None


# ---- history ------------------------------------------------------------------------------------


def test_history_finds_a_lead_by_number_or_by_words_and_not_in_another_workspace(session):
    first = share(session, url="https://x.example/17", company="Histo Corp", role="Analyst 100%")
    second = share(session, url="https://x.example/18", company="Histo Corp", role="Designer")
    session.flush()
    assert history.find(session, team_id=TEAM, words=f"#{first.id}") == [(first.id, "Analyst 100% at Histo Corp")]
    assert history.find(session, team_id=TEAM, words="histo") == [(second.id, "Designer at Histo Corp"), (first.id, "Analyst 100% at Histo Corp")]
    assert history.find(session, team_id=TEAM, words="histo 100%") == [(first.id, "Analyst 100% at Histo Corp")]
    # % and _ are letters here, not patterns.
    assert history.find(session, team_id=TEAM, words="_") == []
    assert history.find(session, team_id=OTHER_TEAM, words=str(first.id)) == []
    assert history.find(session, team_id=TEAM, words="9999999999") == []


def test_history_outlives_the_lead(session):
    lead = share(session, url="https://x.example/19", company="Gone Co", role="Analyst")
    session.flush()
    lead_id = lead.id
    session.delete(lead)
    session.flush()
    assert history.find(session, team_id=TEAM, words=str(lead_id)) == [(lead_id, "Analyst at Gone Co")]
    assert [change.action for change in history.of_lead(session, team_id=TEAM, lead_id=lead_id)] == ["posted"]


def test_forget_me_replaces_the_members_id_in_history(session):
    from slackapp.privacy import service as privacy

    lead = share(session, by=MEMBER, url="https://x.example/20")
    session.flush()
    freshness.keep_open(session, team_id=TEAM, lead_id=lead.id, user_id=MEMBER, is_officer=False, today=TODAY)
    session.flush()
    stand_in = privacy.forget(session, team_id=TEAM, user_id=MEMBER)
    assert [actor for actor, _, _ in changes(session, lead.id)] == [stand_in, stand_in]
    assert MEMBER not in str(changes(session, lead.id))


def test_forget_me_keeps_a_report_under_the_stand_in_without_its_note(session):
    from slackapp.leads import moderation
    from slackapp.leads.models import LeadReport, ReportReason
    from slackapp.privacy import service as privacy

    lead = share(session, url="https://x.example/21")
    session.flush()
    moderation.report(session, team_id=TEAM, lead_id=lead.id, user_id=MEMBER, is_officer=False, reason=ReportReason.spam, note="my words")
    session.flush()
    stand_in = privacy.forget(session, team_id=TEAM, user_id=MEMBER)
    [kept] = session.scalars(select(LeadReport).where(LeadReport.team_id == TEAM, LeadReport.lead_id == lead.id))
    assert (kept.user_id, kept.reason, kept.note) == (stand_in, "spam", None)
