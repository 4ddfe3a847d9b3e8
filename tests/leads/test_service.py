"""The rules of leads, called directly on a migrated database of each store (the fast layer)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from slackapp.errors import UserError
from slackapp.leads import service
from slackapp.leads.models import LeadType, Stage

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TLEADS", "TOTHER"
POSTER, MEMBER, STRANGER = "UPOSTER", "UMEMBER", "USTRANGER"
TODAY = date(2031, 3, 3)
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)


def form(**changes) -> dict:
    """What the share form submits, as the handler hands it to the service."""
    raw = {"company": "Acme", "role": "Analyst intern", "url": "https://jobs.acme.example/42", "kind": "internship", "location": "Storrs, CT"}
    raw.update(changes)
    return raw


def share(session, *, team_id=TEAM, by=POSTER, now=NOW, **changes):
    return service.create_lead(session, team_id=team_id, user_id=by, draft=service.validate(form(**changes), today=TODAY), now=now)


def problems(**changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        service.validate(form(**changes), today=TODAY)
    return refused.value.fields


# ---- validating the form --------------------------------------------------------------------


def test_every_missing_required_field_is_named():
    assert set(problems(company="  ", role=None, url="", kind=None, location="")) == {"company", "role", "url", "kind", "location"}


def test_a_remote_lead_needs_no_location():
    draft = service.validate(form(location=None, remote=True), today=TODAY)
    assert (draft.location, draft.remote, draft.kind) == (None, True, LeadType.internship)


def test_bad_link_past_deadline_and_long_text_are_keyed_by_field():
    found = problems(url="ftp://files.example/x", deadline=(TODAY - timedelta(days=1)).isoformat(), description="x" * 2001, kind="weekend")
    assert set(found) == {"url", "deadline", "description", "kind"}
    assert "2001" in found["description"]


def test_tags_are_lowercased_and_deduplicated():
    draft = service.validate(form(tags="Analytics, SQL, analytics, , sql"), today=TODAY)
    assert draft.tags == "analytics, sql"


def test_the_same_link_twice_is_refused_on_the_url_field(session):
    first = share(session, role="Ops intern", company="Globex", url="https://globex.example/jobs/7")
    with pytest.raises(UserError) as refused:
        share(session, by=MEMBER, url="https://WWW.globex.example/jobs/7/?utm_source=slack#top")
    assert list(refused.value.fields) == ["url"]
    assert "Ops intern at Globex" in refused.value.fields["url"]
    assert service.get_lead(session, team_id=TEAM, lead_id=first.id).posted_by == POSTER


def test_the_same_link_is_new_in_another_workspace(session):
    share(session, url="https://only.example/1")
    elsewhere = share(session, team_id=OTHER_TEAM, url="https://only.example/1")
    assert elsewhere.team_id == OTHER_TEAM
    with pytest.raises(UserError, match="no longer exists"):
        service.get_lead(session, team_id=TEAM, lead_id=elsewhere.id)


# ---- finding leads ------------------------------------------------------------------------------


def test_parse_query_reads_words_and_filters():
    query = service.parse_query("data Analyst remote PAID type:micro")
    assert (query.words, query.remote, query.paid, query.kind) == (("data", "Analyst"), True, True, LeadType.micro)
    assert query.as_text() == "data Analyst remote paid type:micro"


def test_parse_query_refuses_an_unknown_type():
    with pytest.raises(UserError, match="type:part-time"):
        service.parse_query("type:weekend")


def titles(page) -> list[str]:
    return [lead.role for lead in page.leads]


def test_search_matches_words_in_role_description_and_tags(session):
    share(session, role="Supply chain analyst", url="https://a.example/1")
    share(session, role="Research assistant", url="https://a.example/2", description="data analysis in R")
    share(session, role="Social media project", url="https://a.example/3", tags="marketing")

    def search(text):
        return titles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query(text)))

    assert search("analyst") == ["Supply chain analyst"]
    assert search("marketing") == ["Social media project"]
    assert search("research") == ["Research assistant"]
    assert search('"); DROP TABLE leads; --') == []


def test_filters_remote_paid_and_type(session):
    share(session, role="Remote paid", url="https://f.example/1", remote=True, location=None, pay="$20/h")
    share(session, role="Micro", url="https://f.example/2", kind="micro")

    def search(text):
        return titles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query(text)))

    assert search("remote") == ["Remote paid"]
    assert search("paid") == ["Remote paid"]
    assert search("type:micro") == ["Micro"]


def test_closed_and_past_deadline_leads_leave_the_open_list(session):
    share(session, role="Due today", url="https://d.example/1", deadline=TODAY.isoformat())
    expiring = share(session, role="Due tomorrow", url="https://d.example/2", deadline=(TODAY + timedelta(days=1)).isoformat())
    closing = share(session, role="Closed", url="https://d.example/3")
    service.close_lead(session, team_id=TEAM, lead_id=closing.id, user_id=POSTER, is_officer=False, now=NOW)
    assert titles(service.open_leads(session, team_id=TEAM, today=TODAY)) == ["Due tomorrow", "Due today"]
    assert titles(service.open_leads(session, team_id=TEAM, today=expiring.deadline)) == ["Due tomorrow"]


def test_pages_of_ten_newest_first(session):
    for number in range(12):
        share(session, role=f"Role {number:02d}", url=f"https://p.example/{number}", now=NOW + timedelta(minutes=number))
    first = service.open_leads(session, team_id=TEAM, today=TODAY)
    second = service.open_leads(session, team_id=TEAM, today=TODAY, page=2)
    assert titles(first) == [f"Role {number:02d}" for number in range(11, 1, -1)] and first.has_next and not first.has_previous
    assert titles(second) == ["Role 01", "Role 00"] and not second.has_next and second.has_previous


# ---- a member's own tracking --------------------------------------------------------------------


def test_saving_twice_is_harmless(session):
    lead = share(session)
    assert service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id) is True
    assert service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id) is False
    assert [(row.lead_id, row.stage) for row in service.my_leads(session, team_id=TEAM, user_id=MEMBER)] == [(lead.id, "saved")]


def test_moving_along_the_stages_and_unsaving(session):
    lead = share(session)
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    assert service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage="applied").stage == Stage.applied.value
    with pytest.raises(UserError, match="not a status"):
        service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage="promoted")
    service.unsave(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    assert service.my_leads(session, team_id=TEAM, user_id=MEMBER) == []
    with pytest.raises(UserError, match="haven't saved"):
        service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage="offer")


def test_my_leads_put_open_ones_first_by_nearest_deadline(session):
    later = share(session, role="Later", url="https://m.example/1", deadline=(TODAY + timedelta(days=30)).isoformat())
    sooner = share(session, role="Sooner", url="https://m.example/2", deadline=(TODAY + timedelta(days=3)).isoformat())
    done = share(session, role="Done", url="https://m.example/3", deadline=(TODAY + timedelta(days=1)).isoformat())
    for lead in (later, sooner, done):
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=done.id, stage="closed")
    assert [row.lead.role for row in service.my_leads(session, team_id=TEAM, user_id=MEMBER)] == ["Sooner", "Later", "Done"]


def test_only_the_poster_or_an_officer_may_manage_a_lead(session):
    lead = share(session)
    assert service.may_manage(lead, user_id=POSTER, is_officer=False)
    assert service.may_manage(lead, user_id=STRANGER, is_officer=True)
    assert not service.may_manage(lead, user_id=STRANGER, is_officer=False)
    with pytest.raises(UserError, match="Only the person who shared"):
        service.close_lead(session, team_id=TEAM, lead_id=lead.id, user_id=STRANGER, is_officer=False)
    with pytest.raises(UserError, match="Only the person who shared"):
        service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=STRANGER, is_officer=False, draft=service.validate(form(role="Hijacked"), today=TODAY))
    assert (lead.role, lead.closed_at) == ("Analyst intern", None)


@pytest.mark.parametrize(("days", "expected"), [(None, None), (-1, None), (0, 0), (7, 7), (8, None)])
def test_due_soon_is_the_next_week(days, expected):
    assert service.due_soon(None if days is None else TODAY + timedelta(days=days), today=TODAY) == expected
