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



def test_a_page_read_for_a_member_says_which_of_its_leads_they_saved(session):
    kept, other, _ = (share(session, role=role, url=f"https://s.example/{role}", now=NOW + timedelta(minutes=i)) for i, role in enumerate(("Kept", "Other", "Filtered")))
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=kept.id)
    service.save_lead(session, team_id=TEAM, user_id="USOMEONE", lead_id=other.id)
    assert service.open_leads(session, team_id=TEAM, today=TODAY, member=MEMBER).saved == {kept.id}
    assert service.open_leads(session, team_id=TEAM, today=TODAY, member="USOMEONE").saved == {other.id}
    assert service.open_leads(session, team_id=TEAM, today=TODAY).saved == set()
    searched = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("kept"), member=MEMBER)
    assert titles(searched) == ["Kept"] and searched.saved == {kept.id}

# ---- search ranked by relevance ----------------------------------------------------------------

# One lead of each strength of match for "data", strongest first: the word in the role and the
# company, in the role, in the tags, once in the description.
STRENGTHS = (
    {"role": "Data analyst", "company": "Data Collective"},
    {"role": "Data analyst", "company": "Acme"},
    {"role": "Analyst", "company": "Acme", "tags": "data"},
    {"role": "Analyst", "company": "Acme", "description": "You will work with data."},
)


def share_matches(session, *, per_strength: int, team_id=TEAM) -> list[list[str]]:
    """`per_strength` leads of each strength, the strongest shared first, so that newest first is
    weakest first; returns their role titles (each with a number of its own) strongest first and
    newest first within a strength."""
    shared: list[list[str]] = [[] for _ in STRENGTHS]
    minute = 0
    for strength in range(len(STRENGTHS)):
        for _ in range(per_strength):
            minute += 1
            fields = dict(STRENGTHS[strength], role=f"{STRENGTHS[strength]['role']} {minute:03d}")
            share(session, team_id=team_id, url=f"https://s.example/{team_id}/{minute}", now=NOW + timedelta(minutes=minute), **fields)
            shared[strength].insert(0, fields["role"])
    return shared


def every_page(session, text: str, *, team_id=TEAM) -> list[service.Page]:
    pages = [service.open_leads(session, team_id=team_id, today=TODAY, query=service.parse_query(text))]
    while pages[-1].has_next:
        pages.append(service.open_leads(session, team_id=team_id, today=TODAY, query=service.parse_query(text), page=len(pages) + 1))
    return pages


def test_a_lead_naming_the_word_in_role_and_company_ranks_above_newer_mentions_in_descriptions(session):
    share(session, role="Data engineering intern", company="Northwind Data", url="https://r.example/best", now=NOW)
    for number in range(11):
        share(session, role=f"Analyst {number}", company="Globex", description="Weekly reports; some data cleaning.",
              url=f"https://r.example/{number}", now=NOW + timedelta(hours=number + 1))
    found = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    assert titles(found)[0] == "Data engineering intern"
    assert found.has_next


def test_equal_relevance_is_newest_first(session):
    for number, minutes in enumerate((5, 30, 10)):
        share(session, role="Data analyst", company="Acme", url=f"https://e.example/{number}", now=NOW + timedelta(minutes=minutes))
    same_time = [share(session, role="Data analyst", company="Acme", url=f"https://e.example/same{number}", now=NOW - timedelta(days=1)) for number in range(2)]
    found = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    assert [lead.url for lead in found.leads] == [
        "https://e.example/1", "https://e.example/2", "https://e.example/0", same_time[1].url, same_time[0].url
    ]


def test_the_plain_list_and_filter_only_lists_stay_newest_first(session):
    # Shared out of time order, and the oldest names every filter and word, so neither the order of
    # the ids nor relevance could explain the lists.
    share(session, role="Remote data micro", company="Data Co", url="https://n.example/old", kind="micro", remote=True,
          location=None, pay="$20/h", now=NOW - timedelta(days=2))
    share(session, role="Newest", url="https://n.example/new", kind="micro", remote=True, location=None, pay="$15/h", now=NOW)
    share(session, role="Middle", url="https://n.example/mid", kind="micro", remote=True, location=None, pay="$18/h", now=NOW - timedelta(days=1))
    for text in ("", "remote", "paid", "type:micro", "remote paid type:micro"):
        assert titles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query(text))) == [
            "Newest", "Middle", "Remote data micro"
        ], text


def test_pages_continue_the_ranked_order_without_repeats_or_gaps(session):
    strongest_first = share_matches(session, per_strength=6)
    pages = every_page(session, "data")
    assert [len(page.leads) for page in pages] == [10, 10, 4]
    assert [page.has_next for page in pages] == [True, True, False]
    assert [title for page in pages for title in titles(page)] == [title for strength in strongest_first for title in strength]


@pytest.mark.parametrize("ranked", [5, 15])
def test_matches_past_the_ranked_ones_follow_newest_first(session, monkeypatch, ranked):
    # Only the newest `ranked` matches are ranked (RANKED_MATCHES); a page may hold both kinds.
    monkeypatch.setattr(service, "RANKED_MATCHES", ranked)
    strongest_first = share_matches(session, per_strength=6)
    newest_first = sorted((title for strength in strongest_first for title in strength), key=lambda title: title[-3:], reverse=True)
    newest_ranked = set(newest_first[:ranked])
    expected = [title for strength in strongest_first for title in strength if title in newest_ranked] + newest_first[ranked:]
    pages = every_page(session, "data")
    assert [title for page in pages for title in titles(page)] == expected
    assert [page.has_next for page in pages] == [True, True, False]


def test_a_search_never_shows_another_workspaces_leads(session):
    share_matches(session, per_strength=3, team_id=OTHER_TEAM)
    ours = share(session, role="Analyst", company="Acme", description="Some data.", url="https://t.example/ours", now=NOW - timedelta(days=3))
    for text in ("data", "data analyst", "data remote", "collective"):
        pages = every_page(session, text)
        assert {lead.team_id for page in pages for lead in page.leads} <= {TEAM}, text
    assert [lead.id for lead in service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data")).leads] == [ours.id]
    assert len([lead for page in every_page(session, "data", team_id=OTHER_TEAM) for lead in page.leads]) == 3 * len(STRENGTHS)


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
