"""Resume books' rules on a migrated database of each store (the fast layer): the form, who is in a
book's audience and invited once, consent and withdrawal and when each is refused, exactly who is
in an export (not the withdrawn, the forgotten or anyone of another book), formula-safe files,
links that keep only a hash, log each opening and expire, and the deadline's close."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.errors import UserError
from slackapp.privacy import service as privacy
from slackapp.profiles.models import Profile
from slackapp.resumebook import ids, jobs, service, views
from slackapp.resumebook.models import Access, Consent, Link, OptOut
from slackapp.scheduler.models import Job
from tests.helpers import ESCAPED, EVIL, LIVE, all_text

pytestmark = pytest.mark.fast

TEAM, OTHER = "TBOOKRULES", "TBOOKOTHER"
OFFICER = "UBOOKOFF01"
NOW = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


def profile(session, user, *, year=2027, major="Finance", team=TEAM, skills="Excel", link=None):
    session.add(Profile(team_id=team, user_id=user, school="State U", major=major, graduation_year=year, skills=skills,
                        link=link if link is not None else f"https://cv.example/{user}.pdf"))
    session.flush()


def draft(**overrides) -> service.Draft:
    raw = {ids.FIRM: "Acme", ids.DEADLINE: (TODAY + timedelta(days=10)).isoformat(), ids.YEARS: "2027", ids.MAJORS: "Finance"} | overrides
    return service.validate(raw, today=TODAY)


def book_of(session, team=TEAM, **overrides):
    return service.open_book(session, team_id=team, user_id=OFFICER, draft=draft(**overrides), tz="America/New_York", now=NOW)


def test_the_form_needs_a_firm_and_a_day_within_a_year_and_reads_years_and_majors():
    with pytest.raises(UserError) as refused:
        service.validate({ids.FIRM: " ", ids.DEADLINE: (TODAY - timedelta(days=1)).isoformat(), ids.YEARS: "2027, next"}, today=TODAY)
    assert set(refused.value.fields) == {ids.FIRM, ids.DEADLINE, ids.YEARS}
    with pytest.raises(UserError) as refused:
        service.validate({ids.FIRM: "Acme", ids.DEADLINE: (TODAY + timedelta(days=367)).isoformat()}, today=TODAY)
    assert set(refused.value.fields) == {ids.DEADLINE}
    found = draft(**{ids.YEARS: "2028 2027, 2027", ids.MAJORS: " Finance ,  Data   Science,,finance"})
    assert (found.years, found.majors) == ((2027, 2028), ("Finance", "Data Science", "finance"))
    assert service.closes_at(date(2026, 10, 11), "America/New_York") == datetime(2026, 10, 12, 4, 0, tzinfo=UTC)


def test_the_audience_is_invited_once_each_and_stopping_ends_only_the_dms(session):
    book = book_of(session, **{ids.MAJORS: "finance, Accounting"})
    for user, year, major in (("UIN1BOOKUSER", 2027, "Finance"), ("UIN2BOOKUSER", 2027, "ACCOUNTING"), ("UOUT1BOOKUSER", 2028, "Finance"), ("UOUT2BOOKUSER", 2027, "Art")):
        profile(session, user, year=year, major=major)
    profile(session, "UIN1BOOKUSER", team=OTHER)
    service.stop_invitations(session, team_id=TEAM, user_id="UIN2BOOKUSER")
    assert service.stop_invitations(session, team_id=TEAM, user_id="UIN2BOOKUSER") is False
    assert jobs.invite(session, book=book, now=NOW) == 1
    assert jobs.invite(session, book=book, now=NOW) == 0
    invited = session.scalars(select(Consent.user_id).where(Consent.team_id == TEAM, Consent.book_id == book.id)).all()
    assert sorted(invited) == ["UIN1BOOKUSER", "UIN2BOOKUSER"]
    dms = session.scalars(select(Job.target).where(Job.team_id == TEAM, Job.kind == jobs.INVITE)).all()
    assert dms == ["UIN1BOOKUSER"]
    # Home still shows the book to the one who stopped the DMs.
    assert [found.id for found, _ in service.books_of_member(session, team_id=TEAM, user_id="UIN2BOOKUSER")] == [book.id]


def _invited(session, book, users):
    for user in users:
        profile(session, user)
    jobs.invite(session, book=book, now=NOW)


def test_the_export_holds_exactly_the_members_whose_consent_stands(session):
    book, other = book_of(session), book_of(session, **{ids.FIRM: "Other"})
    users = ["UC1BOOKUSER", "UC2BOOKUSER", "UC3BOOKUSER", "UC4BOOKUSER", "UC5BOOKUSER"]
    _invited(session, book, users)
    for user in users:
        service.consent(session, team_id=TEAM, book_id=book.id, user_id=user, now=NOW)
    service.withdraw(session, team_id=TEAM, book_id=book.id, user_id="UC4BOOKUSER", now=NOW)
    privacy.forget(session, team_id=TEAM, user_id="UC5BOOKUSER")
    assert [entry.link for entry in service.entries(session, book=book)] == [f"https://cv.example/{user}.pdf" for user in ("UC1BOOKUSER", "UC2BOOKUSER", "UC3BOOKUSER")]
    assert service.entries(session, book=other) == []
    assert service.counts(session, book=book) == (4, 3)
    # Withdrawing twice, or without having opted in, is refused.
    with pytest.raises(UserError, match="haven't opted in"):
        service.withdraw(session, team_id=TEAM, book_id=book.id, user_id="UC4BOOKUSER", now=NOW)
    # Opting in again after a withdrawal counts.
    service.consent(session, team_id=TEAM, book_id=book.id, user_id="UC4BOOKUSER", now=NOW + timedelta(hours=1))
    assert len(service.entries(session, book=book)) == 4


def test_a_forged_or_foreign_book_and_a_closed_or_sent_one_are_refused(session):
    book = book_of(session)
    foreign = book_of(session, team=OTHER)
    _invited(session, book, ["UF1BOOKUSER"])
    for book_id, team in ((foreign.id, TEAM), (book.id, OTHER), (book.id + 999, TEAM), (0, TEAM)):
        with pytest.raises(UserError, match="isn't open to you"):
            service.consent(session, team_id=team, book_id=book_id, user_id="UF1BOOKUSER", now=NOW)
    with pytest.raises(UserError, match="isn't open to you"):
        service.consent(session, team_id=TEAM, book_id=book.id, user_id="UNOTINVITED", now=NOW)
    service.consent(session, team_id=TEAM, book_id=book.id, user_id="UF1BOOKUSER", now=NOW)
    with pytest.raises(UserError, match="still open"):
        service.make_link(session, book=book, user_id=OFFICER, now=NOW)
    assert service.close(session, book=book, user_id=OFFICER, now=NOW) is True
    assert service.close(session, book=book, user_id=OFFICER, now=NOW) is False
    with pytest.raises(UserError, match="is closed"):
        service.consent(session, team_id=TEAM, book_id=book.id, user_id="UF1BOOKUSER", now=NOW)
    assert service.mark_sent(book, now=NOW) is True
    with pytest.raises(UserError, match="already sent"):
        service.withdraw(session, team_id=TEAM, book_id=book.id, user_id="UF1BOOKUSER", now=NOW)


def test_files_are_formula_safe_and_hold_only_the_five_fields(session):
    book = book_of(session)
    profile(session, "UX1BOOKUSER", skills="=1+1", link="")
    entries = [service.Entry.of(session.scalar(select(Profile).where(Profile.user_id == "UX1BOOKUSER", Profile.team_id == TEAM)))]
    rows = list(csv.reader(io.StringIO(views.export_csv(entries))))
    assert rows == [["School", "Major", "Graduation year", "Skills", "Resume link"], ["State U", "Finance", "2027", "'=1+1", ""]]
    assert "(no link given)" in views.links_document(book, entries, NOW)
    assert entries[0].missing() == ["Resume link"]
    form = views.consent_form(book, entries[0]).to_dict()
    assert "Missing: Resume link" in all_text(form["blocks"]) and "/club profile" in all_text(form["blocks"])


def test_user_text_is_inert_in_messages_and_on_the_page(session):
    book = book_of(session, **{ids.FIRM: EVIL})
    for text, blocks in (views.invitation(book), views.consented(book), views.closed_dm(book, 1)):
        shown = text + all_text(blocks)
        assert ESCAPED in shown and not any(live in shown for live in LIVE)
    entry = service.Entry(school="<script>", major=None, graduation_year=None, skills=None, link="https://cv.example/a\"b")
    page = views.page(book, [entry], csv_href="t.csv")
    assert "<script>" not in page and "&lt;script&gt;" in page and 'a&quot;b' in page


def test_a_link_keeps_only_a_hash_logs_each_opening_and_expires(session):
    book = book_of(session)
    _invited(session, book, ["UL1BOOKUSER"])
    service.consent(session, team_id=TEAM, book_id=book.id, user_id="UL1BOOKUSER", now=NOW)
    service.close(session, book=book, user_id=OFFICER, now=NOW)
    link, token = service.make_link(session, book=book, user_id=OFFICER, now=NOW)
    assert book.status == "sent" and token not in link.token_hash and link.expires_at == NOW + timedelta(days=7)
    found_book, entries = service.visit(session, token=token, now=NOW + timedelta(days=6), what="page", address="192.0.2.1")
    assert found_book.id == book.id and [entry.link for entry in entries] == ["https://cv.example/UL1BOOKUSER.pdf"]
    assert service.visit(session, token=token, now=NOW + timedelta(days=7), what="page", address=None) is None
    assert service.visit(session, token=token[:-1] + ("A" if token[-1] != "A" else "B"), now=NOW, what="page", address=None) is None
    assert service.visit(session, token="../../etc", now=NOW, what="page", address=None) is None
    accesses = session.scalars(select(Access).where(Access.team_id == TEAM)).all()
    assert [(access.link_id, access.address) for access in accesses] == [(link.id, "192.0.2.1")]
    [(listed, logged)] = service.links_of(session, book=book)
    assert listed.id == link.id and len(logged) == 1
    assert session.scalar(select(Link.token_hash).where(Link.id == link.id)) != token


def test_the_deadline_closes_a_book_once_and_tells_its_officers(session):
    book = book_of(session)
    assert jobs.plan(session, book.closes_at - timedelta(seconds=1)) == 0 and book.status == "open"
    jobs.plan(session, book.closes_at)
    assert book.status == "closed" and book.closed_by is None
    jobs.plan(session, book.closes_at + timedelta(minutes=1))
    told = session.scalars(select(Job.target).where(Job.team_id == TEAM, Job.kind == ids.CLOSED_DM)).all()
    assert told == [OFFICER]


def test_forget_me_deletes_consents_and_opt_outs_and_keeps_books_under_a_stand_in(session):
    book = book_of(session)
    _invited(session, book, ["UG1BOOKUSER"])
    service.stop_invitations(session, team_id=TEAM, user_id="UG1BOOKUSER")
    service.consent(session, team_id=TEAM, book_id=book.id, user_id="UG1BOOKUSER", now=NOW)
    assert set(privacy.everything_about(session, team_id=TEAM, user_id="UG1BOOKUSER")) >= {"resume_book_consents", "resume_book_optouts"}
    privacy.forget(session, team_id=TEAM, user_id="UG1BOOKUSER")
    assert session.scalars(select(Consent).where(Consent.team_id == TEAM, Consent.user_id == "UG1BOOKUSER")).all() == []
    assert session.scalars(select(OptOut).where(OptOut.team_id == TEAM)).all() == []
    stand_in = privacy.forget(session, team_id=TEAM, user_id=OFFICER)
    session.refresh(book)
    assert book.opened_by == stand_in
