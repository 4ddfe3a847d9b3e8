"""Resume books' timed work: invitations by DM (once per member and book, rendered when sent, moot
once the book closed), and closing a book at its deadline with a DM to the officers (a planner)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.club import service as club
from slackapp.resumebook import ids, service, views
from slackapp.resumebook.models import Book, Status
from slackapp.scheduler import outbox
from slackapp.scheduler.dispatch import Outgoing, Skip, Work
from slackapp.scheduler.models import Job
from slackapp.slack.blocks import to_dicts

INVITE = "book_invite"


def invite(session: Session, *, book: Book, now: datetime) -> int:
    """Invite the book's audience not invited yet, in the caller's transaction; each DM is owed once."""
    people = service.invite_new(session, book=book, now=now)
    for user_id in people:
        outbox.send(session, team_id=book.team_id, kind=INVITE, key=f"{INVITE}:{book.id}:{user_id}", target=user_id, payload={"book_id": book.id}, now=now)
    return len(people)


def officers_of(session: Session, book: Book) -> list[str]:
    """Who hears that a book closed: the officer who opened it and the officer list."""
    listed = [officer.user_id for officer in club.listed_officers(session, team_id=book.team_id)]
    return list(dict.fromkeys([book.opened_by, *listed]))


def plan(session: Session, now: datetime) -> int:
    planned = 0
    for book in service.due_to_close(session, now=now):
        service.close(session, book=book, user_id=None, now=now)
        for officer in officers_of(session, book):
            key = f"{ids.CLOSED_DM}:{book.id}:{officer}"
            planned += outbox.send(session, team_id=book.team_id, kind=ids.CLOSED_DM, key=key, target=officer, payload={"book_id": book.id}, now=now)
    # Members whose profile came to match an open book (or who made one) are invited too.
    for book in service.open_books(session):
        planned += invite(session, book=book, now=now)
    return planned


def _book(session: Session, job: Job) -> Book:
    return outbox.owed_row(session, job, Book, id_key="book_id", gone="the book was deleted")


def _render_invite(session: Session, job: Job, now: datetime) -> Outgoing:
    book = _book(session, job)
    if book.status != Status.open.value:
        raise Skip("the book closed before the invitation went out")
    text, blocks = views.invitation(book)
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


def _render_closed(session: Session, job: Job, now: datetime) -> Outgoing:
    book = _book(session, job)
    text, blocks = views.closed_dm(book, service.counts(session, book=book)[1])
    return Outgoing(channel=job.target, text=text, blocks=to_dicts(blocks))


RENDERERS = {INVITE: Work(_render_invite), ids.CLOSED_DM: Work(_render_closed)}
PLANNERS = (plan,)
