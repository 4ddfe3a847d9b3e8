"""Bolt glue for resume books: `/companies book …` (a word of the companies' command, answered by
its own listener), the officers' buttons (close, export, link, mark sent), and the member's
preview, opt-in, withdrawal and "stop these invitations"."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import App, BoltContext, BoltRequest
from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.profiles import service as profiles
from slackapp.resumebook import ids, jobs, service, views
from slackapp.resumebook.models import Status
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word, starting_with
from slackapp.slack.facade import Slack, tell
from slackapp.slack.forms import form_values, metadata, number_in


def _now() -> datetime:
    return datetime.now(UTC)


def _words(text: str) -> list[str]:
    return (text or "").split()[1:]


# ---- /companies book ----------------------------------------------------------------------------------


def on_command(ack, command, club: Club, slack: Slack, session: Session, user_id: str):
    words = _words(command.get("text"))
    verb = first_word(words[0]) if words else ""
    if verb not in ("", "new", "list"):
        ack(**ephemeral(views.USAGE))
        return
    club.require_officer(user_id, views.ONLY_OFFICERS)
    if verb == "list":
        items = [(book, service.counts(session, book=book), service.links_of(session, book=book)) for book in service.books(session, team_id=club.team_id)]
        text, blocks = views.book_list(items)
        ack(**ephemeral(text, blocks))
        return
    ack()
    slack.open_modal(command["trigger_id"], views.open_form())


def on_open_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """Checked again here: a member's crafted submission opens nothing."""
    club.require_officer(user_id, views.ONLY_OFFICERS)
    draft = service.validate(form_values(view), today=club.today())
    now = _now()
    with store.writing(session):
        book = service.open_book(session, team_id=club.team_id, user_id=user_id, draft=draft, tz=club.timezone, now=now)
        invited = jobs.invite(session, book=book, now=now)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.opened(book, invited))
    ack()


# ---- officers' buttons --------------------------------------------------------------------------------


def _send_export(slack: Slack, session: Session, user_id: str, book) -> bool:
    now = _now()
    found = service.entries(session, book=book)
    return slack.send_files(user_id, views.export_files(book, found, now), comment=views.export_comment(book, len(found)))


def on_close(ack, action, context: BoltContext, club: Club, slack: Slack, session: Session, store: Store, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS)
    with store.writing(session):
        book = service.the_book(session, team_id=club.team_id, book_id=number_in(action.get("value")), lock=True)
        changed = service.close(session, book=book, user_id=user_id, now=_now())
    ack()
    tell(context, views.closed_now(book, changed))
    _send_export(slack, session, user_id, book)


def on_export(ack, action, club: Club, slack: Slack, session: Session, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS)
    book = service.the_book(session, team_id=club.team_id, book_id=number_in(action.get("value")))
    service.exportable(book)
    ack()
    _send_export(slack, session, user_id, book)


def _public_url(request: BoltRequest) -> str | None:
    """This app's address as Slack reached it (the Request URL of the manifest): https, except on
    this machine (the sandbox, tests). None in Socket Mode, where nothing reaches us over HTTP."""
    if request.mode == "socket_mode":
        return None
    host = (request.headers.get("host") or [""])[0]
    if not host:
        return None
    forwarded = (request.headers.get("x-forwarded-proto") or [""])[0]
    local = host.split(":")[0] in ("127.0.0.1", "localhost", "::1", "[::1]")
    scheme = forwarded if forwarded in ("http", "https") else ("http" if local else "https")
    return f"{scheme}://{host}"


def on_link(ack, action, context: BoltContext, request: BoltRequest, club: Club, session: Session, store: Store, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS)
    base = _public_url(request)
    if base is None:
        ack()
        tell(context, views.LINKS_NEED_HTTP)
        return
    with store.writing(session):
        book = service.the_book(session, team_id=club.team_id, book_id=number_in(action.get("value")), lock=True)
        link, token = service.make_link(session, book=book, user_id=user_id, now=_now())
    ack()
    tell(context, views.link_made(f"{base}{ids.PATH}{token}", link))


def on_mark_sent(ack, action, context: BoltContext, club: Club, session: Session, store: Store, user_id: str):
    club.require_officer(user_id, views.ONLY_OFFICERS)
    with store.writing(session):
        book = service.the_book(session, team_id=club.team_id, book_id=number_in(action.get("value")), lock=True)
        changed = service.mark_sent(book, now=_now())
    ack()
    tell(context, views.marked_sent(book, changed))


# ---- members ---------------------------------------------------------------------------------------


def on_review(ack, action, body, club: Club, slack: Slack, session: Session, user_id: str):
    """The preview, read from the member's profile now; the book must be theirs and open."""
    book, _ = service.invitation(session, team_id=club.team_id, book_id=number_in(action.get("value")), user_id=user_id)
    if book.status != Status.open.value:
        raise UserError(service.NOT_OPEN)
    entry = service.Entry.of(profiles.profile_of(session, team_id=club.team_id, user_id=user_id))
    ack()
    slack.open_modal(body["trigger_id"], views.consent_form(book, entry))


def on_consent(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """The member's own consent: the user is who submitted, never something in the form."""
    book_id = metadata(view).get("book_id")
    now = _now()
    with store.writing(session):
        book = service.consent(session, team_id=club.team_id, book_id=book_id if isinstance(book_id, int) else 0, user_id=user_id, now=now)
        text, blocks = views.consented(book)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=text, blocks=blocks)
    ack()


def on_withdraw(ack, action, context: BoltContext, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        book = service.withdraw(session, team_id=club.team_id, book_id=number_in(action.get("value")), user_id=user_id, now=_now())
    ack()
    tell(context, views.withdrawn(book))


def on_stop(ack, context: BoltContext, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        stopped = service.stop_invitations(session, team_id=club.team_id, user_id=user_id)
    ack()
    tell(context, views.STOPPED if stopped else views.STOPPED_ALREADY)


def register(app: App) -> None:
    app.command(ids.COMMAND, matchers=[starting_with(ids.WORD)])(on_command)
    app.view(ids.OPEN_FORM)(on_open_form)
    app.view(ids.CONSENT_FORM)(on_consent)
    app.action(ids.CLOSE)(on_close)
    app.action(ids.EXPORT)(on_export)
    app.action(ids.LINK)(on_link)
    app.action(ids.MARK_SENT)(on_mark_sent)
    app.action(ids.REVIEW)(on_review)
    app.action(ids.WITHDRAW)(on_withdraw)
    app.action(ids.STOP_INVITES)(on_stop)
