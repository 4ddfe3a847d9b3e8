"""Bolt glue for /companies: the directory, a company's page, Follow, reviews and their approval,
the contact log, merge and split. Officers are checked on the server, in the service."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import App
from sqlalchemy.orm import Session

from slackapp.alerts import service as alerts_service
from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.companies import ids, jobs, service, views
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.commands import first_word
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in

# Words of `/companies` other features answer (the resume book: `/companies book …`), each with a
# listener of its own and a matcher; ours leaves them alone, whichever is registered first.
_their_words: set[str] = {ids.BOOK_WORD}


def answer_word(word: str) -> None:
    """`/companies <word> …` is answered by the feature registering it, not by companies."""
    _their_words.add(word)


def answered_by_companies(command: dict) -> bool:
    """A Bolt matcher for our `/companies`: any text but another feature's word."""
    return first_word(command.get("text") or "") not in _their_words


def _now() -> datetime:
    return datetime.now(UTC)


def _page(club: Club, session: Session, user_id: str, company_id: int) -> dict:
    found = service.page(session, team_id=club.team_id, company_id=company_id, viewer=user_id, is_officer=club.is_officer(user_id), today=club.today(), now=_now())
    return ephemeral(*views.company_page(found, is_officer=club.is_officer(user_id)))


def on_command(ack, command, club: Club, session: Session, store: Store, user_id: str):
    text = " ".join((command.get("text") or "").split())
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb == "help":
        ack(**ephemeral(views.HELP))
    elif verb == "merge":
        source, found, target = rest.partition(" into ")
        if not found:
            raise UserError("Say which into which: `/companies merge <one> into <other>`.")
        is_officer = club.is_officer(user_id)
        with store.writing(session):
            merged, kept = service.merge(session, team_id=club.team_id, source_name=source, target_name=target, officer_id=user_id, is_officer=is_officer)
        ack(**ephemeral(f"Merged {views.name(merged)} into {views.name(kept)}: its leads, projects, events, reviews, contacts and follows are there now."))
    elif verb == "split":
        asked = service.parse_split(rest)
        is_officer = club.is_officer(user_id)
        with store.writing(session):
            company, moved = service.split(session, team_id=club.team_id, asked=asked, is_officer=is_officer)
        ack(**ephemeral(f"Moved {moved} to {views.name(company)}."))
    elif text:
        # Linked by now: a lead shared a moment ago may still wait for the clock.
        with store.writing(session):
            service.link_team(session, club.team_id)
        company = service.lookup(session, team_id=club.team_id, text=text)
        if company is None:
            ack(**ephemeral(*views.directory(service.directory(session, team_id=club.team_id, words=text), text)))
        else:
            ack(**_page(club, session, user_id, company.id))
    else:
        ack(**ephemeral(*views.directory(service.directory(session, team_id=club.team_id), "")))


def on_open(ack, action, respond, club: Club, session: Session, user_id: str):
    answer = _page(club, session, user_id, number_in(action.get("value")))
    ack()
    respond(**answer, replace_original=False)


def on_follow(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        company, fresh = service.follow(session, team_id=club.team_id, user_id=user_id, company_id=number_in(action.get("value")))
    answer = _page(club, session, user_id, company.id)
    ack()
    respond(**answer, replace_original=True)
    note = "You follow" if fresh else "You already follow"
    respond(**ephemeral(f"{note} {views.name(company)}: its new leads, micro-internships and events come to you by DM (it is listed in `/internships alerts`)."), replace_original=False)


def on_unfollow(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        company = service.unfollow(session, team_id=club.team_id, user_id=user_id, company_id=number_in(action.get("value")))
    answer = _page(club, session, user_id, company.id)
    ack()
    respond(**answer, replace_original=True)


def on_review_open(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    company = service.get_company(session, team_id=club.team_id, company_id=number_in(action.get("value")))
    review = service.review_of(session, team_id=club.team_id, company_id=company.id, author=user_id)
    ack()
    slack.open_modal(body["trigger_id"], views.review_form(company, review, year=club.today().year))


def on_review_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_review(form_values(view), today=club.today())
    with store.writing(session):
        club_service.ensure_workspace(session, team_id=club.team_id)
        review = service.write_review(session, team_id=club.team_id, company_id=number_in(metadata(view).get("company_id")), author=user_id, draft=draft)
        listed = [officer.user_id for officer in club_service.listed_officers(session, team_id=club.team_id)]
        jobs.ask_officers(session, review=review, reviewers=sorted(set(listed) | club.officers.configured))
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.review_sent(review.company))
    ack()


def on_review_withdraw(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        review = service.withdraw_review(session, team_id=club.team_id, review_id=number_in(action.get("value")), user_id=user_id)
        company_id = review.company_id
    answer = _page(club, session, user_id, company_id)
    ack()
    respond(**answer, replace_original=True)


def _decide(approve: bool, ack, action, respond, club: Club, session: Session, store: Store, user_id: str) -> None:
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        review = service.decide_review(session, team_id=club.team_id, review_id=number_in(action.get("value")), officer_id=user_id, is_officer=is_officer, approve=approve)
        outbox.dm(session, team_id=club.team_id, user_id=review.user_id, text=views.review_decided(review, review.company.name))
        text, blocks = views.review_question(review, review.company.name)
    ack()
    respond(text=text, blocks=blocks, replace_original=True)


def on_approve(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _decide(True, ack, action, respond, club, session, store, user_id)


def on_decline(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _decide(False, ack, action, respond, club, session, store, user_id)


def on_contact_open(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    club.require_officer(user_id, service.ONLY_OFFICERS)
    company = service.get_company(session, team_id=club.team_id, company_id=number_in(action.get("value")))
    ack()
    slack.open_modal(body["trigger_id"], views.contact_form(company, today=club.today()))


def on_contact_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_contact(form_values(view), today=club.today())
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        service.log_contact(session, team_id=club.team_id, company_id=number_in(metadata(view).get("company_id")), officer_id=user_id, is_officer=is_officer, draft=draft)
    ack()


def on_contact_log(ack, action, respond, club: Club, session: Session, user_id: str):
    """The whole log (officers); anyone else is refused, the log unread."""
    found = service.contact_log(session, team_id=club.team_id, company_id=number_in(action.get("value")), is_officer=club.is_officer(user_id))
    ack()
    respond(**ephemeral("Contact log", [views.section("\n".join(views.contact_text(contact) for contact in found[:40]) or "Nothing logged yet.")]), replace_original=False)


def register(app: App) -> None:
    # New leads, projects and events are linked in the alerts matcher's own transaction, so a follow sees them.
    alerts_service.before_matching("companies", service.link_team)
    app.command(ids.COMMAND, matchers=[answered_by_companies])(on_command)
    app.action(ids.OPEN)(on_open)
    app.action(ids.FOLLOW)(on_follow)
    app.action(ids.UNFOLLOW)(on_unfollow)
    app.action(ids.REVIEW_OPEN)(on_review_open)
    app.view(ids.REVIEW_FORM)(on_review_form)
    app.action(ids.REVIEW_WITHDRAW)(on_review_withdraw)
    app.action(ids.APPROVE)(on_approve)
    app.action(ids.DECLINE)(on_decline)
    app.action(ids.CONTACT_OPEN)(on_contact_open)
    app.view(ids.CONTACT_FORM)(on_contact_form)
    app.action(ids.CONTACT_LOG)(on_contact_log)
