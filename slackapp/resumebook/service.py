"""Resume books: the rules, over a Session. No Slack here.

A book is opened by an officer for one firm, with a deadline and an audience (class years and/or
majors). Members in the audience (by their profile) are invited once each; each consents to that
book alone, with a preview of exactly what the firm gets, read from their profile; they may
withdraw until the book is sent. The export is read when it is made: exactly the members whose
consent stands then, with their profile as it is then (forget-me deletes a consent)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db import insert_for, inserted, team_row
from slackapp.errors import UserError
from slackapp.profiles.models import Profile
from slackapp.resumebook import ids
from slackapp.resumebook.models import Access, Book, Consent, Link, OptOut, Status
from slackapp.validation import text_field

FIRM_MAX = 150
MAJORS_MAX = 500
MAJOR_MAX = 100
LONGEST = timedelta(days=366)  # a deadline at most a year ahead
FIRST_YEAR = 1950
LINK_DAYS = 7
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,100}$")

NOT_YOURS = "That resume book isn't open to you."
NO_BOOK = "There is no such resume book."
NOT_OPEN = "That resume book is closed: it takes no more members."
ALREADY_SENT = "That resume book was already sent to the firm, so you can't withdraw from it any more."
NOT_IN = "You haven't opted in to that resume book."
STILL_OPEN = "That resume book is still open: close it first (members can opt in until it closes)."


# ---- opening a book ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    firm: str
    deadline: date
    years: tuple[int, ...]
    majors: tuple[str, ...]


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _years(raw: dict, errors: dict[str, str], today: date) -> tuple[int, ...]:
    text = str(raw.get(ids.YEARS) or "")
    words = [word for word in re.split(r"[\s,;]+", text) if word]
    latest = today.year + 10
    if any(not word.isdigit() or not FIRST_YEAR <= int(word) <= latest for word in words):
        errors[ids.YEARS] = f"Give graduation years between {FIRST_YEAR} and {latest}, separated by commas: 2027, 2028."
        return ()
    return tuple(sorted({int(word) for word in words}))


def _majors(raw: dict, errors: dict[str, str]) -> tuple[str, ...]:
    text = text_field(raw, ids.MAJORS, errors, limit=MAJORS_MAX) or ""
    majors = tuple(dict.fromkeys(" ".join(part.split()) for part in text.split(",") if part.strip()))
    if any(len(major) > MAJOR_MAX for major in majors):
        errors[ids.MAJORS] = f"Keep each major under {MAJOR_MAX} characters."
    return majors


def validate(raw: dict, *, today: date) -> Draft:
    errors: dict[str, str] = {}
    firm = text_field(raw, ids.FIRM, errors, limit=FIRM_MAX, required=True)
    deadline = None
    try:
        deadline = date.fromisoformat(str(raw.get(ids.DEADLINE) or ""))
    except ValueError:
        errors[ids.DEADLINE] = "Pick the day the book closes."
    if deadline is not None and not today <= deadline <= today + LONGEST:
        errors[ids.DEADLINE] = "Pick a day from today to a year ahead."
    years = _years(raw, errors, today)
    majors = _majors(raw, errors)
    if errors:
        raise UserError.in_fields(errors)
    return Draft(firm=firm, deadline=deadline, years=years, majors=majors)


def closes_at(deadline: date, tz: str) -> datetime:
    """A book is open all of its deadline's day on the club's clock."""
    return datetime.combine(deadline + timedelta(days=1), time.min, ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def open_book(session: Session, *, team_id: str, user_id: str, draft: Draft, tz: str, now: datetime) -> Book:
    book = Book(
        team_id=team_id, firm=draft.firm, deadline=draft.deadline, closes_at=closes_at(draft.deadline, tz),
        years=",".join(str(year) for year in draft.years), majors=",".join(draft.majors),
        status=Status.open.value, opened_by=user_id, opened_at=now,
    )
    session.add(book)
    session.flush()
    return book


def years_of(book: Book) -> list[int]:
    return [int(year) for year in book.years.split(",") if year]


def majors_of(book: Book) -> list[str]:
    return [major for major in book.majors.split(",") if major]


def in_audience(book: Book, profile: Profile | None) -> bool:
    """A member whose profile matches the book's class years (when it names some) and majors (when
    it names some; case and spacing don't matter)."""
    if profile is None:
        return False
    years, majors = years_of(book), {_norm(major) for major in majors_of(book)}
    if years and profile.graduation_year not in years:
        return False
    return not majors or _norm(profile.major or "") in majors


def invite_new(session: Session, *, book: Book, now: datetime) -> list[str]:
    """Invite the members of the audience not invited yet (each once, ever); returns those of them
    to tell by DM (not the ones who asked for no invitations)."""
    if book.status != Status.open.value:
        return []
    invited = select(Consent.user_id).where(Consent.team_id == book.team_id, Consent.book_id == book.id)
    statement = select(Profile).where(Profile.team_id == book.team_id, Profile.user_id.not_in(invited))
    if years_of(book):
        statement = statement.where(Profile.graduation_year.in_(years_of(book)))
    candidates = session.scalars(statement.order_by(Profile.id))
    new = [profile.user_id for profile in candidates if in_audience(book, profile)]
    if not new:
        return []
    for user_id in new:
        statement = insert_for(session)(Consent).values(team_id=book.team_id, book_id=book.id, user_id=user_id, invited_at=now)
        session.execute(statement.on_conflict_do_nothing())
    stopped = set(session.scalars(select(OptOut.user_id).where(OptOut.team_id == book.team_id, OptOut.user_id.in_(new))))
    return [user_id for user_id in new if user_id not in stopped]


def open_books(session: Session) -> list[Book]:
    return list(session.scalars(select(Book).where(Book.status == Status.open.value).order_by(Book.id)))


# ---- a member's consent ---------------------------------------------------------------------------


def invitation(session: Session, *, team_id: str, book_id: int, user_id: str, lock: bool = False) -> tuple[Book, Consent]:
    """The book and the member's own invitation to it; a book of another workspace, or one they
    weren't invited to, is refused alike."""
    book = team_row(session, Book, team_id=team_id, row_id=book_id, lock=lock)
    statement = select(Consent).where(Consent.team_id == team_id, Consent.book_id == book_id, Consent.user_id == user_id)
    consent = session.scalar(statement.with_for_update() if lock else statement) if book is not None else None
    if consent is None:
        raise UserError(NOT_YOURS)
    return book, consent


def consent(session: Session, *, team_id: str, book_id: int, user_id: str, now: datetime) -> Book:
    book, row = invitation(session, team_id=team_id, book_id=book_id, user_id=user_id, lock=True)
    if book.status != Status.open.value:
        raise UserError(NOT_OPEN)
    row.consented_at, row.withdrawn_at = now, None
    return book


def withdraw(session: Session, *, team_id: str, book_id: int, user_id: str, now: datetime) -> Book:
    book, row = invitation(session, team_id=team_id, book_id=book_id, user_id=user_id, lock=True)
    if book.status == Status.sent.value:
        raise UserError(ALREADY_SENT)
    if not consents(row):
        raise UserError(NOT_IN)
    row.withdrawn_at = now
    return book


def consents(row: Consent | None) -> bool:
    return row is not None and row.consented_at is not None and row.withdrawn_at is None


def stop_invitations(session: Session, *, team_id: str, user_id: str) -> bool:
    """False when they had already asked."""
    statement = insert_for(session)(OptOut).values(team_id=team_id, user_id=user_id).on_conflict_do_nothing()
    return inserted(session, statement, OptOut.id)


def books_of_member(session: Session, *, team_id: str, user_id: str, limit: int = 6) -> list[tuple[Book, Consent]]:
    """Books the member was invited to that are still in play (open, or closed and not sent), newest first."""
    statement = (
        select(Book, Consent)
        .join(Consent, (Consent.book_id == Book.id) & (Consent.team_id == Book.team_id))
        .where(Book.team_id == team_id, Consent.user_id == user_id, Book.status != Status.sent.value)
        .order_by(Book.id.desc())
        .limit(limit)
    )
    return [(book, row) for book, row in session.execute(statement).all()]


# ---- what the firm gets ---------------------------------------------------------------------------

FIELDS = (("school", "School"), ("major", "Major"), ("graduation_year", "Graduation year"), ("skills", "Skills"), ("link", "Resume link"))


@dataclass(frozen=True)
class Entry:
    """One member's line in a book: exactly these fields of their profile, nothing else."""

    school: str | None
    major: str | None
    graduation_year: int | None
    skills: str | None
    link: str | None

    @classmethod
    def of(cls, profile: Profile | None) -> "Entry":
        return cls(**{name: getattr(profile, name, None) for name, _ in FIELDS})

    def missing(self) -> list[str]:
        return [label for name, label in FIELDS if getattr(self, name) in (None, "")]

    def row(self) -> list:
        return [getattr(self, name) if getattr(self, name) is not None else "" for name, _ in FIELDS]


def entries(session: Session, *, book: Book) -> list[Entry]:
    """The book's content now: the members whose consent stands, with their profile as it is now,
    in the order they opted in."""
    statement = (
        select(Profile)
        .join(Consent, (Consent.team_id == Profile.team_id) & (Consent.user_id == Profile.user_id))
        .where(Consent.team_id == book.team_id, Consent.book_id == book.id, Consent.consented_at.is_not(None), Consent.withdrawn_at.is_(None))
        .order_by(Consent.consented_at, Consent.id)
    )
    return [Entry.of(profile) for profile in session.scalars(statement)]


def counts(session: Session, *, book: Book) -> tuple[int, int]:
    """(invited, consenting now)."""
    rows = list(session.scalars(select(Consent).where(Consent.team_id == book.team_id, Consent.book_id == book.id)))
    return len(rows), sum(1 for row in rows if consents(row))


# ---- officers ---------------------------------------------------------------------------------------


def the_book(session: Session, *, team_id: str, book_id: int, lock: bool = False) -> Book:
    book = team_row(session, Book, team_id=team_id, row_id=book_id, lock=lock)
    if book is None:
        raise UserError(NO_BOOK)
    return book


def books(session: Session, *, team_id: str, limit: int = 10) -> list[Book]:
    return list(session.scalars(select(Book).where(Book.team_id == team_id).order_by(Book.id.desc()).limit(limit)))


def close(session: Session, *, book: Book, user_id: str | None, now: datetime) -> bool:
    """Close an open book (by an officer, or at its deadline when `user_id` is None); False when it
    was closed already."""
    if book.status != Status.open.value:
        return False
    book.status, book.closed_at, book.closed_by = Status.closed.value, now, user_id
    return True


def due_to_close(session: Session, *, now: datetime) -> list[Book]:
    statement = select(Book).where(Book.status == Status.open.value, Book.closes_at <= now).order_by(Book.id).with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def exportable(book: Book) -> None:
    if book.status == Status.open.value:
        raise UserError(STILL_OPEN)


def mark_sent(book: Book, *, now: datetime) -> bool:
    exportable(book)
    if book.status == Status.sent.value:
        return False
    book.status, book.sent_at = Status.sent.value, now
    return True


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(session: Session, *, book: Book, user_id: str, now: datetime, days: int = LINK_DAYS) -> tuple[Link, str]:
    """A new link for the firm (the book counts as sent from now on): the token is returned once
    and only its hash is kept."""
    exportable(book)
    token = secrets.token_urlsafe(32)
    link = Link(team_id=book.team_id, book_id=book.id, token_hash=_hash(token), created_by=user_id, created_at=now, expires_at=now + timedelta(days=days))
    session.add(link)
    mark_sent(book, now=now)
    session.flush()
    return link, token


def visit(session: Session, *, token: str, now: datetime, what: str, address: str | None) -> tuple[Book, list[Entry]] | None:
    """What a link shows, with the access logged; None for a token that is malformed, unknown or
    expired (nothing is logged: there is no book to log it on)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    link = session.scalar(select(Link).where(Link.token_hash == _hash(token)))
    if link is None or link.expires_at <= now:
        return None
    book = team_row(session, Book, team_id=link.team_id, row_id=link.book_id)
    if book is None:
        return None
    session.add(Access(team_id=link.team_id, link_id=link.id, at=now, what=what, address=(address or "")[:64] or None))
    return book, entries(session, book=book)


def links_of(session: Session, *, book: Book) -> list[tuple[Link, list[Access]]]:
    links = list(session.scalars(select(Link).where(Link.team_id == book.team_id, Link.book_id == book.id).order_by(Link.id)))
    if not links:
        return []
    found = session.scalars(select(Access).where(Access.team_id == book.team_id, Access.link_id.in_([link.id for link in links])).order_by(Access.at, Access.id))
    by_link: dict[int, list[Access]] = {}
    for access in found:
        by_link.setdefault(access.link_id, []).append(access)
    return [(link, by_link.get(link.id, [])) for link in links]
