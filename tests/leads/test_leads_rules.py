"""The rules of leads at their edges, called directly on a migrated database of each store (the
fast layer): the exact messages a member reads, the limits at their boundaries, what is stored, and
workspaces kept apart even when the same member id is in both."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from slackapp.errors import UserError
from slackapp.leads import service
from slackapp.leads.models import Lead, LeadType, SavedLead, Stage
from tests.helpers import built_anew_for_each_test

pytestmark = pytest.mark.fast

TEAM, OTHER_TEAM = "TLRULES", "TLOTHER"
POSTER, MEMBER, OFFICER = "UPOSTER", "UMEMBER", "UOFFICER"
TODAY = date(2031, 3, 3)
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=timezone.utc)

fresh_statements = built_anew_for_each_test(service.best_matches_statements, service.newest_statement)


def form(**changes) -> dict:
    raw = {"company": "Acme", "role": "Analyst intern", "url": "https://jobs.acme.example/42", "kind": "internship", "location": "Storrs, CT"}
    raw.update(changes)
    return raw


def draft(**changes) -> service.LeadDraft:
    return service.validate(form(**changes), today=TODAY)


def share(session, *, team_id=TEAM, by=POSTER, now=NOW, **changes) -> Lead:
    return service.create_lead(session, team_id=team_id, user_id=by, draft=draft(**changes), now=now)


def problems(**changes) -> dict[str, str]:
    with pytest.raises(UserError) as refused:
        service.validate(form(**changes), today=TODAY)
    return refused.value.fields


def roles(leads) -> list[str]:
    return [lead.role for lead in leads]


# ---- the link that identifies a posting -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTP://WWW.Example.COM/Jobs/7/", "https://example.com/Jobs/7"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com///", "https://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a?b=2&a=1#apply", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?utm_source=slack&UTM_Medium=x&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?ref=&id=3", "https://example.com/a?id=3&ref="),
        ("https://wwwide.example/a", "https://wwwide.example/a"),
        ("https://jobs.www.example/a", "https://jobs.www.example/a"),
        ("https://jobs.example/apply/X", "https://jobs.example/apply/X"),
    ],
)
def test_normalize_url_keeps_only_what_identifies_the_posting(url, key):
    assert service.normalize_url(url) == key


# ---- the share form --------------------------------------------------------------------------


def test_a_valid_form_is_trimmed_and_kept_whole():
    got = service.validate(
        form(company="  Acme  ", role=" Analyst ", url=" https://jobs.acme.example/42 ", location=" Storrs ", pay=" $20/h ",
             description=" Good. ", tags=" SQL , Excel ", deadline=TODAY.isoformat(), kind="part-time", remote="on"),
        today=TODAY,
    )
    assert got == service.LeadDraft(
        company="Acme", role="Analyst", url="https://jobs.acme.example/42", kind=LeadType.part_time, location="Storrs", remote=True,
        pay="$20/h", deadline=TODAY, description="Good.", tags="sql, excel",
    )


def test_optional_fields_left_empty_are_none():
    got = draft(pay="  ", description="", tags=None, deadline="")
    assert (got.pay, got.description, got.tags, got.deadline, got.remote) == (None, None, None, None, False)


def test_tags_of_only_commas_are_none():
    assert draft(tags=" , ,, ").tags is None


def test_each_missing_required_field_reads_please_fill_this_in():
    assert problems(company=None, role=" ", url="", kind="", location="Here") == {
        "company": "Please fill this in.", "role": "Please fill this in.", "url": "Please fill this in.", "kind": "Pick a type.",
    }


@pytest.mark.parametrize(("name", "limit"), [("company", 100), ("role", 150), ("location", 100), ("pay", 100), ("description", 2000), ("tags", 200)])
def test_each_text_may_be_as_long_as_its_limit_and_no_longer(name, limit):
    assert service.validate(form(**{name: "x" * limit}), today=TODAY) is not None
    assert problems(**{name: "x" * (limit + 1)}) == {name: f"Keep this under {limit} characters (it has {limit + 1})."}


def test_a_link_may_be_2000_characters_and_a_longer_one_is_told_its_length_only():
    prefix = "https://jobs.example/"
    assert draft(url=prefix + "a" * (2000 - len(prefix))).url.endswith("a")
    assert problems(url=prefix + "a" * (2001 - len(prefix))) == {"url": "Keep this under 2000 characters (it has 2001)."}
    assert problems(url="ftp://" + "a" * 1995) == {"url": "Keep this under 2000 characters (it has 2001)."}


@pytest.mark.parametrize("url", ["ftp://jobs.example/1", "jobs.example/1", "https://localhost/1", "https:///path", "https://jobs.example/a b", "mailto:a@b.example"])
def test_a_link_must_be_a_web_address(url):
    assert problems(url=url) == {"url": "Give a web link starting with http:// or https://"}


def test_plain_http_links_are_accepted():
    assert draft(url="http://jobs.example/1").url == "http://jobs.example/1"


@pytest.mark.parametrize("kind", list(LeadType))
def test_every_listed_type_is_accepted(kind):
    assert draft(kind=kind.value).kind is kind


def test_an_unknown_type_is_refused():
    assert problems(kind="weekend") == {"kind": "Pick one of the listed types."}


def test_a_lead_needs_a_location_or_remote():
    assert problems(location=None) == {"location": "Give a location, or tick Remote."}
    assert problems(location="  ", remote="") == {"location": "Give a location, or tick Remote."}
    assert draft(location=None, remote=True).location is None


def test_a_deadline_may_be_today_or_later_as_text_or_date():
    assert draft(deadline=TODAY.isoformat()).deadline == TODAY
    assert draft(deadline=TODAY + timedelta(days=1)).deadline == TODAY + timedelta(days=1)
    assert draft(deadline=None).deadline is None
    assert draft(deadline=20310303).deadline is None  # neither text nor a date: no deadline


def test_a_past_or_unreadable_deadline_is_refused():
    assert problems(deadline=(TODAY - timedelta(days=1)).isoformat()) == {"deadline": "That date has passed. Pick today or a later date."}
    assert problems(deadline=TODAY - timedelta(days=1)) == {"deadline": "That date has passed. Pick today or a later date."}
    assert problems(deadline="next friday") == {"deadline": "Pick a date from the calendar."}


def test_all_problems_come_together_in_one_message():
    with pytest.raises(UserError) as refused:
        service.validate(form(company="", kind="weekend"), today=TODAY)
    assert str(refused.value) == "Please fill this in.; Pick one of the listed types."


# ---- sharing, changing and closing ---------------------------------------------------------------


def test_a_shared_lead_stores_every_field(session):
    lead = share(session, pay="$20/h", description="Good.", tags="SQL", deadline=(TODAY + timedelta(days=9)).isoformat(), kind="micro", remote=True,
                 url="https://WWW.jobs.example/9/?utm_source=x")
    session.flush()
    stored = session.get(Lead, lead.id)
    assert (stored.team_id, stored.posted_by, stored.created_at, stored.url_key) == (TEAM, POSTER, NOW, "https://jobs.example/9")
    assert (stored.company, stored.role, stored.url, stored.kind, stored.location, stored.remote) == (
        "Acme", "Analyst intern", "https://WWW.jobs.example/9/?utm_source=x", "micro", "Storrs, CT", True)
    assert (stored.pay, stored.deadline, stored.description, stored.tags, stored.closed_at) == ("$20/h", TODAY + timedelta(days=9), "Good.", "sql", None)


def test_a_lead_shared_without_a_time_is_stamped_now(session):
    before = datetime.now(timezone.utc)
    lead = service.create_lead(session, team_id=TEAM, user_id=POSTER, draft=draft())
    session.flush()
    assert lead.created_at is not None and lead.created_at >= before - timedelta(seconds=1)


def test_the_duplicate_message_names_the_first_share_and_its_date(session):
    share(session, role="Ops intern", company="Globex", url="https://globex.example/7", now=datetime(2031, 2, 5, 9, tzinfo=timezone.utc))
    with pytest.raises(UserError) as refused:
        share(session, by=MEMBER, url="https://globex.example/7/")
    message = "This link was already shared as “Ops intern at Globex” on Feb 5, 2031. Find it with /internships Globex"
    assert refused.value.fields == {"url": message} and str(refused.value) == message


def test_a_long_duplicate_message_is_cut_at_150_characters(session):
    share(session, role="R" * 150, company="C" * 100, url="https://long.example/1")
    with pytest.raises(UserError) as refused:
        share(session, by=MEMBER, url="https://long.example/1")
    message = refused.value.fields["url"]
    assert len(message) == 150
    assert message == ("This link was already shared as “" + "R" * 150)[:150]


def test_a_link_shared_before_is_refused_by_the_unique_key_as_a_duplicate(session):
    # Nothing looks for the link before the insert: the unique key refuses the second share, as it
    # does when PostgreSQL lets two shares of one link reach the insert in the same instant.
    first = share(session, role="First", url="https://race.example/1")
    with pytest.raises(UserError) as refused:
        share(session, by=MEMBER, role="Second", url="https://race.example/1/")
    assert "“First at Acme”" in refused.value.fields["url"]
    assert roles(session.query(Lead).filter(Lead.team_id == TEAM)) == ["First"]
    assert first.role == "First"
    # The refused insert was rolled back to its savepoint only: the session goes on.
    share(session, by=MEMBER, role="Third", url="https://race.example/3")
    assert sorted(roles(session.query(Lead).filter(Lead.team_id == TEAM))) == ["First", "Third"]


def test_an_insert_refused_for_another_reason_is_not_called_a_duplicate(session, monkeypatch):
    share(session, url="https://race.example/2")
    monkeypatch.setattr(service, "existing_with_link", lambda session_, *, team_id, url_key: None)
    with pytest.raises(IntegrityError):
        share(session, by=MEMBER, url="https://race.example/2")


def test_a_missing_or_foreign_lead_no_longer_exists(session):
    lead = share(session, team_id=OTHER_TEAM)
    for lead_id in (lead.id, lead.id + 1000):
        with pytest.raises(UserError) as refused:
            service.get_lead(session, team_id=TEAM, lead_id=lead_id)
        assert str(refused.value) == "That lead no longer exists."


def test_changing_a_lead_stores_every_field_and_moves_its_link(session):
    lead = share(session, url="https://move.example/old")
    changed = service.update_lead(
        session, team_id=TEAM, lead_id=lead.id, user_id=OFFICER, is_officer=True,
        draft=draft(company="Globex", role="Ops", url="https://move.example/new", kind="full-time", location=None, remote=True,
                    pay="$30/h", description="New.", tags="ops", deadline=(TODAY + timedelta(days=3)).isoformat()),
    )
    assert (changed.company, changed.role, changed.url, changed.kind, changed.location, changed.remote) == ("Globex", "Ops", "https://move.example/new", "full-time", None, True)
    assert (changed.pay, changed.description, changed.tags, changed.deadline) == ("$30/h", "New.", "ops", TODAY + timedelta(days=3))
    assert changed.url_key == "https://move.example/new"
    # The old link is free again; the new one is taken.
    share(session, by=MEMBER, role="Reshared", url="https://move.example/old")
    with pytest.raises(UserError, match="“Ops at Globex”"):
        share(session, by=MEMBER, url="https://move.example/new")


def test_the_poster_may_change_a_lead_keeping_its_link(session):
    lead = share(session, url="https://keep.example/1")
    changed = service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, draft=draft(role="Renamed", url="https://www.keep.example/1/"))
    assert (changed.role, changed.url, changed.url_key) == ("Renamed", "https://www.keep.example/1/", "https://keep.example/1")


def test_changing_a_lead_to_another_leads_link_is_refused(session):
    share(session, role="Taken", url="https://taken.example/1")
    lead = share(session, role="Mine", url="https://taken.example/2")
    with pytest.raises(UserError) as refused:
        service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, draft=draft(role="Mine", url="https://taken.example/1"))
    assert list(refused.value.fields) == ["url"] and "“Taken at Acme”" in str(refused.value)
    assert (lead.url, lead.url_key) == ("https://taken.example/2", "https://taken.example/2")


def test_a_link_taken_only_in_another_workspace_is_free(session):
    share(session, team_id=OTHER_TEAM, url="https://both.example/1")
    lead = share(session, url="https://both.example/2")
    changed = service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, draft=draft(url="https://both.example/1"))
    assert changed.url_key == "https://both.example/1"


def test_the_same_member_id_in_another_workspace_may_not_manage_a_lead(session):
    lead = share(session)
    with pytest.raises(UserError) as refused:
        service.close_lead(session, team_id=OTHER_TEAM, lead_id=lead.id, user_id=POSTER, is_officer=True)
    assert str(refused.value) == "That lead no longer exists."
    with pytest.raises(UserError) as refused:
        service.update_lead(session, team_id=TEAM, lead_id=lead.id, user_id=MEMBER, is_officer=False, draft=draft(role="Hijacked"))
    assert str(refused.value) == "Only the person who shared this lead, or an officer, can change it."
    assert lead.closed_at is None and lead.role == "Analyst intern"


def test_closing_records_who_and_when_once(session):
    lead = share(session)
    closed = service.close_lead(session, team_id=TEAM, lead_id=lead.id, user_id=POSTER, is_officer=False, now=NOW)
    assert (closed.closed_at, closed.closed_by) == (NOW, POSTER)
    again = service.close_lead(session, team_id=TEAM, lead_id=lead.id, user_id=OFFICER, is_officer=True, now=NOW + timedelta(days=1))
    assert (again.closed_at, again.closed_by) == (NOW, POSTER)


def test_an_officer_may_close_someone_elses_lead_now(session):
    lead = share(session)
    before = datetime.now(timezone.utc)
    closed = service.close_lead(session, team_id=TEAM, lead_id=lead.id, user_id=OFFICER, is_officer=True)
    assert closed.closed_by == OFFICER and closed.closed_at >= before - timedelta(seconds=1)


def test_the_announcement_is_recorded_on_the_lead(session):
    lead = share(session)
    service.record_announcement(session, team_id=TEAM, lead_id=lead.id, channel="CJOBS", ts="1900000000.000100")
    assert (lead.announce_channel, lead.announce_ts) == ("CJOBS", "1900000000.000100")
    with pytest.raises(UserError, match="no longer exists"):
        service.record_announcement(session, team_id=OTHER_TEAM, lead_id=lead.id, channel="CX", ts="1")


# ---- searching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "kind"),
    [("internship", LeadType.internship), ("Internships", LeadType.internship), ("micro", LeadType.micro), ("micro-internship", LeadType.micro),
     ("part-time", LeadType.part_time), ("PartTime", LeadType.part_time), ("full-time", LeadType.full_time), ("fulltime", LeadType.full_time)],
)
def test_every_type_word_is_understood(word, kind):
    query = service.parse_query(f"TYPE:{word}")
    assert (query.kind, query.words, query.remote, query.paid) == (kind, (), False, False)
    assert query.as_text() == f"type:{kind.value}" and query.is_search


def test_an_unknown_type_is_echoed_inert_in_its_own_case():
    with pytest.raises(UserError) as refused:
        service.parse_query("data Type:<!channel>")
    assert str(refused.value) == (
        "I don't know the type “&lt;!channel&gt;”. Use type:internship, type:micro, type:part-time or type:full-time."
    )


def test_a_very_long_unknown_type_is_cut_to_100_characters():
    with pytest.raises(UserError) as refused:
        service.parse_query("type:" + "w" * 300)
    assert str(refused.value) == f"I don't know the type “{'w' * 99}…”. Use type:internship, type:micro, type:part-time or type:full-time."


def test_a_query_is_a_search_when_it_has_words_or_any_filter():
    assert not service.Query().is_search and service.Query().as_text() == ""
    assert service.parse_query("  ") == service.Query()
    for text in ("data", "remote", "Paid", "type:micro"):
        assert service.parse_query(text).is_search, text
    assert service.parse_query("REMOTE data").as_text() == "data remote"
    assert service.parse_query("paid").as_text() == "paid"


def test_words_without_letters_or_digits_find_nothing(session):
    share(session)
    page = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("+++ ***"))
    assert (page.leads, page.has_next, page.number, page.query.words) == ([], False, 1, ("+++", "***"))


def test_punctuation_inside_a_word_splits_it_into_terms(session):
    share(session, role="SQL analyst", url="https://p.example/1")
    share(session, role="Excel analyst", url="https://p.example/2")
    assert roles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("SQL/analyst")).leads) == ["SQL analyst"]
    assert roles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("(excel),")).leads) == ["Excel analyst"]


def test_a_page_number_below_one_is_the_first_page(session):
    share(session)
    for number in (0, -2):
        page = service.open_leads(session, team_id=TEAM, today=TODAY, page=number)
        assert (page.number, roles(page.leads), page.has_previous) == (1, ["Analyst intern"], False)


def test_exactly_ten_leads_fill_one_page_with_no_next(session):
    for number in range(10):
        share(session, role=f"R{number}", url=f"https://ten.example/{number}", now=NOW + timedelta(minutes=number))
    page = service.open_leads(session, team_id=TEAM, today=TODAY)
    assert len(page.leads) == 10 and not page.has_next
    searched = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("analyst"))
    assert len(searched.leads) == 0
    share(session, role="R10", url="https://ten.example/10", now=NOW + timedelta(minutes=10))
    assert service.open_leads(session, team_id=TEAM, today=TODAY).has_next


def test_filters_combine_with_words(session):
    share(session, role="Data remote paid micro", url="https://c.example/1", remote=True, location=None, pay="$1", kind="micro")
    share(session, role="Data remote unpaid micro", url="https://c.example/2", remote=True, location=None, kind="micro")
    share(session, role="Data onsite paid micro", url="https://c.example/3", pay="$1", kind="micro")
    share(session, role="Data remote paid internship", url="https://c.example/4", remote=True, location=None, pay="$1")
    share(session, role="Other remote paid micro", url="https://c.example/5", remote=True, location=None, pay="$1", kind="micro")
    for text in ("data remote paid type:micro", "remote paid type:micro data"):
        assert roles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query(text)).leads) == ["Data remote paid micro"]


def test_an_empty_pay_is_not_paid(session):
    lead = share(session, role="Unpaid", url="https://pay.example/1")
    lead.pay = ""
    share(session, role="Paid", url="https://pay.example/2", pay="$5")
    session.flush()
    assert roles(service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("paid")).leads) == ["Paid"]


def test_a_page_that_reaches_one_past_the_ranked_matches_says_there_is_more(session, monkeypatch):
    monkeypatch.setattr(service, "RANKED_MATCHES", 10)
    for number in range(12):
        share(session, role=f"Data {number:02d}", url=f"https://m.example/{number}", now=NOW + timedelta(minutes=number))
    first = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    assert roles(first.leads) == [f"Data {n:02d}" for n in range(11, 1, -1)] and first.has_next


def test_a_page_remembers_its_query(session):
    share(session, role="Data analyst", url="https://q.example/1", remote=True, location=None)
    for text in ("data", "remote", "data remote", ""):
        query = service.parse_query(text)
        assert service.open_leads(session, team_id=TEAM, today=TODAY, query=query).query == query, text


def test_a_search_past_the_ranked_matches_reaches_the_older_ones(session, monkeypatch):
    # Twelve matches, three ranked: page 2 starts past them, and its first older match is the 11th newest.
    monkeypatch.setattr(service, "RANKED_MATCHES", 3)
    for number in range(12):
        share(session, role=f"Data {number:02d}", url=f"https://o.example/{number}", now=NOW + timedelta(minutes=number))
    first = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    second = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"), page=2)
    assert roles(first.leads) == [f"Data {n:02d}" for n in range(11, 1, -1)] and first.has_next
    assert roles(second.leads) == ["Data 01", "Data 00"] and not second.has_next


def test_a_page_within_the_ranked_matches_adds_no_older_ones(session, monkeypatch):
    monkeypatch.setattr(service, "RANKED_MATCHES", 11)
    for number in range(12):
        share(session, role=f"Data {number:02d}", url=f"https://w.example/{number}", now=NOW + timedelta(minutes=number))
    first = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    assert roles(first.leads) == [f"Data {n:02d}" for n in range(11, 1, -1)] and first.has_next
    second = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"), page=2)
    assert roles(second.leads) == ["Data 01", "Data 00"] and not second.has_next


# ---- a member's saved leads --------------------------------------------------------------------


def test_saving_needs_a_lead_of_the_workspace(session):
    lead = share(session, team_id=OTHER_TEAM)
    with pytest.raises(UserError, match="That lead no longer exists."):
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    assert session.query(SavedLead).count() == 0


def test_a_saved_lead_starts_at_saved_for_that_member_and_workspace_only(session):
    ours, theirs = share(session), share(session, team_id=OTHER_TEAM)
    assert service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=ours.id) is True
    assert service.save_lead(session, team_id=OTHER_TEAM, user_id=MEMBER, lead_id=theirs.id) is True
    saved = service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=ours.id)
    assert (saved.team_id, saved.user_id, saved.lead_id, saved.stage) == (TEAM, MEMBER, ours.id, "saved")
    assert service.saved_of(session, team_id=OTHER_TEAM, user_id=MEMBER, lead_id=ours.id) is None
    assert service.saved_of(session, team_id=TEAM, user_id=POSTER, lead_id=ours.id) is None
    assert [row.lead_id for row in service.my_leads(session, team_id=TEAM, user_id=MEMBER)] == [ours.id]
    assert [row.lead_id for row in service.my_leads(session, team_id=OTHER_TEAM, user_id=MEMBER)] == [theirs.id]


def test_moving_a_stage_stamps_the_change_and_only_for_the_saver(session):
    lead = share(session)
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    saved = service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
    saved.updated_at = datetime(2001, 1, 1, tzinfo=timezone.utc)
    session.flush()
    before = datetime.now(timezone.utc)
    for stage in Stage:
        assert service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage=stage.value).stage == stage.value
    assert saved.updated_at >= before - timedelta(seconds=1)
    with pytest.raises(UserError) as refused:
        service.move_stage(session, team_id=OTHER_TEAM, user_id=MEMBER, lead_id=lead.id, stage="applied")
    assert str(refused.value) == "You haven't saved that lead. Press Save on it first."
    with pytest.raises(UserError) as refused:
        service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id, stage="hired")
    assert str(refused.value) == "That is not a status I know."
    with pytest.raises(UserError, match="haven't saved"):
        service.unsave(session, team_id=TEAM, user_id=POSTER, lead_id=lead.id)


def test_my_leads_put_leads_without_deadline_after_dated_ones_and_newest_saved_first(session):
    first = share(session, role="No deadline, saved first", url="https://my.example/1")
    second = share(session, role="No deadline, saved last", url="https://my.example/2")
    dated = share(session, role="Dated", url="https://my.example/3", deadline=(TODAY + timedelta(days=60)).isoformat())
    for number, lead in enumerate((first, dated, second)):
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
        service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id).saved_at = NOW + timedelta(minutes=number)
    session.flush()
    assert [row.lead.role for row in service.my_leads(session, team_id=TEAM, user_id=MEMBER)] == ["Dated", "No deadline, saved last", "No deadline, saved first"]


def test_saved_in_play_is_nearest_deadline_first_without_closed_ones_up_to_the_limit(session):
    leads = {
        "later": share(session, role="Later", url="https://ip.example/1", deadline=(TODAY + timedelta(days=20)).isoformat()),
        "sooner": share(session, role="Sooner", url="https://ip.example/2", deadline=(TODAY + timedelta(days=2)).isoformat()),
        "open1": share(session, role="Open, saved first", url="https://ip.example/3"),
        "open2": share(session, role="Open, saved last", url="https://ip.example/4"),
        "closed": share(session, role="Closed", url="https://ip.example/5", deadline=(TODAY + timedelta(days=1)).isoformat()),
    }
    for number, lead in enumerate(leads.values()):
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
        service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id).saved_at = NOW + timedelta(minutes=number)
    service.move_stage(session, team_id=TEAM, user_id=MEMBER, lead_id=leads["closed"].id, stage="closed")
    service.save_lead(session, team_id=TEAM, user_id=POSTER, lead_id=leads["sooner"].id)
    session.flush()
    found = service.saved_in_play(session, team_id=TEAM, user_id=MEMBER, limit=10)
    assert [lead.role for _, lead in found] == ["Sooner", "Later", "Open, saved last", "Open, saved first"]
    assert all(saved.user_id == MEMBER and saved.lead_id == lead.id for saved, lead in found)
    assert [lead.role for _, lead in service.saved_in_play(session, team_id=TEAM, user_id=MEMBER, limit=2)] == ["Sooner", "Later"]
    assert service.saved_in_play(session, team_id=OTHER_TEAM, user_id=MEMBER, limit=10) == []


def test_saved_in_play_breaks_a_tie_by_the_later_save_row(session):
    leads = [share(session, role=f"Same {n}", url=f"https://tie.example/{n}") for n in range(2)]
    for lead in leads:
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
        service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id).saved_at = NOW
    session.flush()
    assert [lead.role for _, lead in service.saved_in_play(session, team_id=TEAM, user_id=MEMBER, limit=5)] == ["Same 1", "Same 0"]


# ---- the weekly digest's leads -----------------------------------------------------------------


def test_shared_since_is_open_leads_from_that_moment_newest_first(session):
    since = NOW - timedelta(days=7)
    share(session, role="Just before", url="https://ss.example/0", now=since - timedelta(seconds=1))
    share(session, role="At the moment", url="https://ss.example/1", now=since)
    share(session, role="Same time, later id", url="https://ss.example/2", now=since)
    share(session, role="Newest", url="https://ss.example/3", now=NOW)
    closed = share(session, role="Closed", url="https://ss.example/4", now=NOW)
    service.close_lead(session, team_id=TEAM, lead_id=closed.id, user_id=POSTER, is_officer=False, now=NOW)
    share(session, role="Due yesterday", url="https://ss.example/5", now=NOW, deadline=TODAY.isoformat())
    share(session, team_id=OTHER_TEAM, role="Elsewhere", url="https://ss.example/6", now=NOW)
    found = service.shared_since(session, team_id=TEAM, since=since, today=TODAY + timedelta(days=1))
    assert roles(found) == ["Newest", "Same time, later id", "At the moment"]


def test_shared_since_and_closing_within_show_fifteen_at_most(session):
    for number in range(16):
        share(session, role=f"R{number:02d}", url=f"https://many.example/{number}", now=NOW + timedelta(minutes=number), deadline=(TODAY + timedelta(days=1)).isoformat())
    assert roles(service.shared_since(session, team_id=TEAM, since=NOW, today=TODAY)) == [f"R{n:02d}" for n in range(15, 0, -1)]
    assert roles(service.closing_within(session, team_id=TEAM, today=TODAY)) == [f"R{n:02d}" for n in range(15)]
    assert len(service.shared_since(session, team_id=TEAM, since=NOW, today=TODAY, limit=3)) == 3


def test_closing_within_is_the_next_seven_days_soonest_first(session):
    for days in (8, 7, 0, 3):
        share(session, role=f"In {days}", url=f"https://cw.example/{days}", deadline=(TODAY + timedelta(days=days)).isoformat())
    share(session, role="In 3 too", url="https://cw.example/3b", deadline=(TODAY + timedelta(days=3)).isoformat())
    share(session, role="No deadline", url="https://cw.example/none")
    share(session, team_id=OTHER_TEAM, role="Elsewhere", url="https://cw.example/x", deadline=(TODAY + timedelta(days=1)).isoformat())
    closed = share(session, role="Closed", url="https://cw.example/c", deadline=(TODAY + timedelta(days=1)).isoformat())
    service.close_lead(session, team_id=TEAM, lead_id=closed.id, user_id=POSTER, is_officer=False, now=NOW)
    assert roles(service.closing_within(session, team_id=TEAM, today=TODAY)) == ["In 0", "In 3", "In 3 too", "In 7"]
    assert roles(service.closing_within(session, team_id=TEAM, today=TODAY, days=3)) == ["In 0", "In 3", "In 3 too"]
    assert roles(service.closing_within(session, team_id=TEAM, today=TODAY + timedelta(days=1))) == ["In 3", "In 3 too", "In 7", "In 8"]


@pytest.mark.parametrize("newer", ["company", "role"])
def test_a_word_counts_the_same_in_the_role_as_in_the_company(session, newer):
    # Mirror images: the word in one's role and the other's company. Equal weight ties them, and the
    # newer comes first; a heavier role or company would put its match first whatever its age.
    in_role = {"role": "Data", "company": "Zeta"}
    in_company = {"role": "Zeta", "company": "Data"}
    older, newest = (in_role, in_company) if newer == "company" else (in_company, in_role)
    share(session, url="https://mirror.example/old", now=NOW - timedelta(days=1), **older)
    share(session, url="https://mirror.example/new", now=NOW, **newest)
    found = service.open_leads(session, team_id=TEAM, today=TODAY, query=service.parse_query("data"))
    assert [lead.url for lead in found.leads] == ["https://mirror.example/new", "https://mirror.example/old"]


def test_the_saved_marks_are_only_for_leads_on_the_page(session):
    oldest = share(session, role="Oldest", url="https://sv.example/old", now=NOW - timedelta(days=1))
    for number in range(10):
        share(session, role=f"R{number}", url=f"https://sv.example/{number}", now=NOW + timedelta(minutes=number))
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=oldest.id)
    first = service.open_leads(session, team_id=TEAM, today=TODAY, member=MEMBER)
    assert first.has_next and first.saved == set()
    assert service.open_leads(session, team_id=TEAM, today=TODAY, member=MEMBER, page=2).saved == {oldest.id}
    searched = service.open_leads(session, team_id=TEAM, today=TODAY, member=MEMBER, query=service.parse_query("acme"))
    assert searched.has_next and searched.saved == set()


def test_my_leads_are_only_the_members_own(session):
    mine, theirs = share(session, url="https://own.example/1"), share(session, url="https://own.example/2")
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=mine.id)
    service.save_lead(session, team_id=TEAM, user_id=POSTER, lead_id=theirs.id)
    assert [row.lead_id for row in service.my_leads(session, team_id=TEAM, user_id=MEMBER)] == [mine.id]
    assert [row.lead_id for row in service.my_leads(session, team_id=TEAM, user_id=POSTER)] == [theirs.id]


def stored(session, role: str, *, lead_id: int, created_at: datetime, deadline: date | None = None) -> Lead:
    """A lead stored with a number of its own choosing, so that the order of numbers isn't the order of time."""
    lead = Lead(id=lead_id, team_id=TEAM, company="Acme", role=role, url=f"https://id.example/{lead_id}", url_key=f"https://id.example/{lead_id}",
                kind="internship", posted_by=POSTER, created_at=created_at, deadline=deadline)
    session.add(lead)
    session.flush()
    return lead


def test_shared_since_orders_by_time_not_by_number(session):
    stored(session, "Shared last", lead_id=900001, created_at=NOW)
    stored(session, "Shared first", lead_id=900002, created_at=NOW - timedelta(days=1))
    assert roles(service.shared_since(session, team_id=TEAM, since=NOW - timedelta(days=7), today=TODAY)) == ["Shared last", "Shared first"]


def test_closing_within_breaks_a_tie_on_the_deadline_by_number(session):
    due = TODAY + timedelta(days=2)
    stored(session, "Higher number, shared first", lead_id=900012, created_at=NOW - timedelta(days=2), deadline=due)
    stored(session, "Lower number, shared last", lead_id=900011, created_at=NOW, deadline=due)
    assert roles(service.closing_within(session, team_id=TEAM, today=TODAY)) == ["Lower number, shared last", "Higher number, shared first"]


def test_saved_in_play_puts_the_latest_saved_first_among_equal_deadlines(session):
    first, second = share(session, role="Saved last", url="https://sl.example/1"), share(session, role="Saved first", url="https://sl.example/2")
    for lead, saved_at in ((first, NOW), (second, NOW - timedelta(days=1))):
        service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id)
        service.saved_of(session, team_id=TEAM, user_id=MEMBER, lead_id=lead.id).saved_at = saved_at
    session.flush()
    assert [lead.role for _, lead in service.saved_in_play(session, team_id=TEAM, user_id=MEMBER, limit=5)] == ["Saved last", "Saved first"]


@pytest.mark.parametrize("text", ["", "acme", "remote", "acme paid type:internship"])
def test_a_lead_is_listed_up_to_its_deadline_day_and_not_after(session, text):
    for role, days in (("Due yesterday", 0), ("Due today", 1), ("Due tomorrow", 2)):
        share(session, role=role, url=f"https://dl.example/{days}", remote=True, location=None, pay="$1",
              deadline=TODAY + timedelta(days=days), now=NOW + timedelta(minutes=days))
    listed = service.open_leads(session, team_id=TEAM, today=TODAY + timedelta(days=1), query=service.parse_query(text))
    assert roles(listed.leads) == ["Due tomorrow", "Due today"]


@pytest.mark.parametrize("text", ["", "acme"])
def test_the_saved_marks_are_the_members_own(session, text):
    mine = share(session, role="Mine", url="https://own.example/mine")
    theirs = share(session, role="Theirs", url="https://own.example/theirs")
    service.save_lead(session, team_id=TEAM, user_id=MEMBER, lead_id=mine.id)
    service.save_lead(session, team_id=TEAM, user_id=POSTER, lead_id=theirs.id)
    query = service.parse_query(text)
    assert service.open_leads(session, team_id=TEAM, today=TODAY, query=query, member=MEMBER).saved == {mine.id}
    assert service.open_leads(session, team_id=TEAM, today=TODAY, query=query, member=POSTER).saved == {theirs.id}
    assert service.open_leads(session, team_id=TEAM, today=TODAY, query=query).saved == set()
