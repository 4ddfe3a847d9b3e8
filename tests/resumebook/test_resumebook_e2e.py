"""Resume books end to end, through signed requests on each store: an officer opens a book for a
firm, the audience (by profile) is invited once each, members opt in after a preview of exactly
what the firm gets, one withdraws, one is forgotten; the officers' export (CSV plus a document of
resume links) holds exactly the consenting members, formula-safe; the signed link serves only
that book, logs each opening and 404s when expired or wrong; crafted requests change nothing."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from slackapp.privacy import ids as privacy_ids
from slackapp.profiles import ids as profile_ids
from slackapp.resumebook import ids
from slackapp.resumebook.models import Access, Book, Consent, Link
from tests.events.support import uploads_to
from tests.helpers import all_text, dms, eventually, eventually_got, http_get, press, text_state, tick

FIRM = "Acme Capital"
EVIL_SKILLS = "=HYPERLINK(\"https://evil.example\",\"x\")"


def set_profile(workspace, user, *, year, major, skills="Excel, SQL", link=None):
    values = {
        profile_ids.SCHOOL: text_state("State University"), profile_ids.MAJOR: text_state(major),
        profile_ids.GRADUATION_YEAR: {"value": {"type": "number_input", "value": str(year)}},
        profile_ids.SKILLS: text_state(skills), profile_ids.LINK: text_state(link or f"https://cv.example/{user}.pdf"),
    }
    reply = workspace.submit(profile_ids.FORM, values, user=user)
    assert reply.status == 200 and reply.body == b"", reply.text


def open_values(*, firm=FIRM, deadline=None, years="2027", majors="Finance"):
    deadline = deadline or (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
    return {
        ids.FIRM: text_state(firm),
        ids.DEADLINE: {"value": {"type": "datepicker", "selected_date": deadline}},
        ids.YEARS: text_state(years),
        ids.MAJORS: text_state(majors),
    }


def books_of(workspace) -> list[Book]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Book).where(Book.team_id == workspace.team_id).order_by(Book.id)))


def consents_of(workspace) -> dict[str, Consent]:
    with workspace.server.store.read() as session:
        return {row.user_id: row for row in session.scalars(select(Consent).where(Consent.team_id == workspace.team_id))}


def open_book(workspace, officer, **values) -> Book:
    before = len(books_of(workspace))
    reply = workspace.submit(ids.OPEN_FORM, open_values(**values), user=officer)
    assert reply.status == 200 and reply.body == b"", reply.text
    return books_of(workspace)[before]


def consent(workspace, user, book_id):
    return workspace.submit(ids.CONSENT_FORM, {}, user=user, private_metadata=json.dumps({"book_id": book_id}))


def consent_refused(workspace, user, book_id, text: str) -> None:
    """The consent form has no input to show an error next to: the member is told by DM."""
    before = len(dms(workspace, user, contains=text))
    reply = consent(workspace, user, book_id)
    assert reply.status == 200 and reply.text == "{}", reply.text
    eventually_got(lambda: dms(workspace, user, contains=text), count=before + 1)


def refused(reply, text: str) -> None:
    assert reply.status == 200
    assert text in reply.text, reply.text


def invitations(workspace, user) -> list:
    return dms(workspace, user, contains="collecting resumes")


def test_a_book_goes_to_its_audience_once_and_exports_exactly_who_consented(workspace, dispatcher):
    officer = workspace.officer()
    audience = [workspace.member() for _ in range(5)]
    outsider = workspace.member()
    for user in audience:
        set_profile(workspace, user, year=2027, major="finance" if user == audience[0] else "Finance")
    set_profile(workspace, audience[1], year=2027, major="Finance", skills=EVIL_SKILLS)
    set_profile(workspace, outsider, year=2030, major="Finance")

    # A member can't open a book, by command or by a crafted form.
    reply = workspace.command(ids.COMMAND, "book", user=audience[0])
    refused(reply, "Only officers")
    reply = workspace.submit(ids.OPEN_FORM, open_values(), user=audience[0])
    assert reply.status == 200 and "Only officers" in reply.text
    assert books_of(workspace) == []

    book = open_book(workspace, officer)
    assert (book.firm, book.status, book.years, book.majors, book.opened_by) == (FIRM, "open", "2027", "Finance", officer)
    for user in audience:
        eventually_got(lambda user=user: invitations(workspace, user), count=1)
    eventually_got(lambda: dms(workspace, officer, contains="5 members invited"), count=1)
    assert invitations(workspace, outsider) == []
    # The clock's next turns invite nobody twice.
    tick(workspace, dispatcher, datetime.now(UTC))
    tick(workspace, dispatcher, datetime.now(UTC))
    assert [len(invitations(workspace, user)) for user in audience] == [1] * 5
    assert set(consents_of(workspace)) == set(audience)

    # The preview: exactly what the firm gets, from the profile; nothing to retype.
    trigger = uuid.uuid4().hex
    reply = workspace.click(ids.REVIEW, str(book.id), user=audience[1], trigger_id=trigger)
    assert reply.status == 200
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    preview = all_text(opened.args["view"]["blocks"])
    for shown in ("State University", "Finance", "2027", "HYPERLINK", f"https://cv.example/{audience[1]}.pdf"):
        assert shown in preview
    assert audience[1] not in preview.replace(f"cv.example/{audience[1]}", "")
    assert json.loads(opened.args["view"]["private_metadata"]) == {"book_id": book.id}

    for user in audience:
        reply = consent(workspace, user, book.id)
        assert reply.status == 200 and reply.body == b"", reply.text
    eventually_got(lambda: dms(workspace, audience[0], contains="You're in the resume book"), count=1)

    # A withdrawal, and a member forgotten: both out of every export.
    answer = press(workspace, ids.WITHDRAW, str(book.id), user=audience[3])
    assert "withdrew" in answer["text"]
    reply = workspace.submit(privacy_ids.FORGET_FORM, {privacy_ids.CONFIRM: text_state("FORGET")}, user=audience[4])
    assert reply.status == 200, reply.text
    eventually(lambda: audience[4] not in consents_of(workspace))

    # Crafted: the outsider (never invited), a book of no workspace of theirs, a member exporting.
    before = {user: (row.consented_at, row.withdrawn_at) for user, row in consents_of(workspace).items()}
    consent_refused(workspace, outsider, book.id, "isn't open to you")
    consent_refused(workspace, audience[3], book.id + 10_000, "isn't open to you")
    answer = press(workspace, ids.EXPORT, str(book.id), user=audience[0])
    assert "Only officers" in answer["text"]
    answer = press(workspace, ids.CLOSE, str(book.id), user=audience[0])
    assert "Only officers" in answer["text"]
    assert {user: (row.consented_at, row.withdrawn_at) for user, row in consents_of(workspace).items()} == before
    assert books_of(workspace)[0].status == "open"
    assert uploads_to(workspace, audience[0], ".csv") == []

    # Closing sends the officer the export: exactly the three who consented, values read now.
    set_profile(workspace, audience[2], year=2027, major="Finance", skills="Python", link="https://cv.example/new.pdf")
    answer = press(workspace, ids.CLOSE, str(book.id), user=officer)
    assert "is closed" in answer["text"]
    [(_, content)] = eventually_got(lambda: uploads_to(workspace, officer, f"resume-book-{book.id}.csv"), count=1)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == ["School", "Major", "Graduation year", "Skills", "Resume link"]
    assert sorted(row[4] for row in rows[1:]) == sorted([f"https://cv.example/{audience[0]}.pdf", f"https://cv.example/{audience[1]}.pdf", "https://cv.example/new.pdf"])
    [evil] = [row for row in rows[1:] if row[4].endswith(f"{audience[1]}.pdf")]
    assert evil[3] == "'" + EVIL_SKILLS
    [(_, document)] = eventually_got(lambda: uploads_to(workspace, officer, f"resume-book-{book.id}-links.md"), count=1)
    assert document.decode().count("Resume: https://cv.example/") == 3
    assert audience[3] not in document.decode() and audience[4] not in content.decode()
    assert books_of(workspace)[0].status == "closed"
    # Closed: nobody opts in any more.
    consent_refused(workspace, audience[3], book.id, "is closed")


def test_the_signed_link_serves_only_its_book_logs_each_opening_and_expires(workspace, dispatcher):
    officer = workspace.officer()
    member, other = workspace.member(), workspace.member()
    set_profile(workspace, member, year=2028, major="Accounting")
    set_profile(workspace, other, year=2028, major="Marketing")
    book = open_book(workspace, officer, years="2028", majors="Accounting", firm="Book & <Co>")
    second = open_book(workspace, officer, years="2028", majors="Marketing", firm="Other Firm")
    assert consent(workspace, member, book.id).body == b""
    assert consent(workspace, other, second.id).body == b""
    # Still open: no export, no link yet.
    assert "still open" in press(workspace, ids.LINK, str(book.id), user=officer)["text"]

    # The deadline passes: the clock closes the book and tells the officer, once.
    tick(workspace, dispatcher, book.closes_at + timedelta(seconds=1))
    tick(workspace, dispatcher, book.closes_at + timedelta(seconds=2))
    assert [found.status for found in books_of(workspace)] == ["closed", "closed"]
    eventually_got(lambda: dms(workspace, officer, contains="for Book &amp; &lt;Co&gt; closed at its deadline: 1 member opted in"), count=1)
    eventually_got(lambda: dms(workspace, officer, contains="for Other Firm closed at its deadline: 1 member opted in"), count=1)

    # A member can't make a link.
    assert "Only officers" in press(workspace, ids.LINK, str(book.id), user=member)["text"]
    with workspace.server.store.read() as session:
        assert session.scalars(select(Link).where(Link.team_id == workspace.team_id)).all() == []

    answer = press(workspace, ids.LINK, str(book.id), user=officer)
    url = next(word for word in answer["text"].split() if word.startswith(workspace.server.url + ids.PATH))
    token = url.rsplit("/", 1)[1]
    with workspace.server.store.read() as session:
        [link] = session.scalars(select(Link).where(Link.team_id == workspace.team_id)).all()
        assert token not in (link.token_hash,) and len(link.token_hash) == 64
        assert link.expires_at - link.created_at == timedelta(days=7)

    status, headers, page = http_get(url)
    assert status == 200 and headers["cache-control"] == "no-store"
    assert f"https://cv.example/{member}.pdf" in page and "Book &amp; &lt;Co&gt;" in page
    assert other not in page and "Marketing" not in page
    status, headers, body = http_get(url + ".csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert [row[4] for row in list(csv.reader(io.StringIO(body)))[1:]] == [f"https://cv.example/{member}.pdf"]
    with workspace.server.store.read() as session:
        accesses = session.scalars(select(Access).where(Access.team_id == workspace.team_id).order_by(Access.id)).all()
    assert [(access.link_id, access.what) for access in accesses] == [(link.id, "page"), (link.id, "csv")]
    listed = workspace.command(ids.COMMAND, "book list", user=officer)
    assert "opened 2 times" in listed.text

    # Sent: no more withdrawals.
    assert "already sent" in press(workspace, ids.WITHDRAW, str(book.id), user=member)["text"]

    # Wrong and expired tokens: 404 with nothing in it, and nothing logged.
    for wrong in (url[:-1] + ("A" if url[-1] != "A" else "B"), workspace.server.url + ids.PATH + "x", workspace.server.url + ids.PATH):
        status, _, body = http_get(wrong)
        assert (status, body) == (404, "Not found\n")
    with workspace.server.store.write() as session:
        session.execute(update(Link).where(Link.id == link.id).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    for expired in (url, url + ".csv"):
        status, _, body = http_get(expired)
        assert (status, body) == (404, "Not found\n")
    with workspace.server.store.read() as session:
        assert len(session.scalars(select(Access).where(Access.team_id == workspace.team_id)).all()) == 2
