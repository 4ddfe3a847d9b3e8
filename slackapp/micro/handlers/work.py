"""The work: the student submits it (with a link), the supervisor confirms it done, the poster
records the payment and evaluates it, and the student rates the project in turn."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.micro import service, views
from slackapp.micro.handlers.access import as_officer
from slackapp.micro.models import DONE, BidStatus
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in


def on_submit(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    bid = service.get_bid(session, team_id=club.team_id, bid_id=number_in(action.get("value")))
    project = service.get_project(session, team_id=club.team_id, project_id=bid.project_id)
    if bid.user_id != user_id:
        raise UserError("Only the student doing this project can submit its work.")
    if bid.status != BidStatus.in_progress.value:
        raise UserError(f"This work is {BidStatus(bid.status).label}, so there is nothing to submit.")
    ack()
    slack.open_modal(body["trigger_id"], views.submit_form(bid, project))


def on_submit_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    bid_id = number_in(metadata(view).get("bid_id"))
    with store.writing(session):
        bid, project = service.submit_work(session, team_id=club.team_id, bid_id=bid_id, user_id=user_id, link=form_values(view).get("link"))
        text, blocks = views.submitted(project, bid)
        for reviewer in dict.fromkeys((project.supervisor, project.posted_by)):
            outbox.dm(session, team_id=club.team_id, user_id=reviewer, text=text, blocks=blocks)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.work_sent(project))
    ack()


def on_confirm(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    bid_id = number_in(action.get("value"))
    is_officer = as_officer(club, session, user_id, bid_id=bid_id)
    with store.writing(session):
        bid, project = service.confirm_completed(session, team_id=club.team_id, bid_id=bid_id, user_id=user_id, is_officer=is_officer)
        text, blocks = views.completed(project, bid)
        outbox.dm(session, team_id=club.team_id, user_id=project.posted_by, text=text, blocks=blocks)
        outbox.dm(session, team_id=club.team_id, user_id=bid.user_id, text=views.completed_for_student(project))
    ack()
    respond(**ephemeral(views.confirmed(project, bid)), replace_original=False)


def on_paid(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    bid_id = number_in(action.get("value"))
    is_officer = as_officer(club, session, user_id, bid_id=bid_id)
    with store.writing(session):
        bid, project = service.record_payment(session, team_id=club.team_id, bid_id=bid_id, user_id=user_id, is_officer=is_officer)
        outbox.dm(session, team_id=club.team_id, user_id=bid.user_id, text=views.paid(project, bid))
    ack()
    respond(**ephemeral(views.paid(project, bid)), replace_original=False)


def on_evaluate(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    bid_id = number_in(action.get("value"))
    is_officer = as_officer(club, session, user_id, bid_id=bid_id)
    bid = service.get_bid(session, team_id=club.team_id, bid_id=bid_id)
    project = service.get_project(session, team_id=club.team_id, project_id=bid.project_id)
    evaluated = service.evaluation_of(session, team_id=club.team_id, bid_id=bid.id) is not None
    if not service.may_confirm(project, user_id=user_id, is_officer=is_officer):
        raise UserError("Only the project's poster, its supervisor or an officer can evaluate the work.")
    if bid.status not in DONE or evaluated:
        raise UserError("This work has already been evaluated." if evaluated else "Work is evaluated once it is confirmed done.")
    ack()
    slack.open_modal(body["trigger_id"], views.evaluation_form(bid, project))


def on_evaluation_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    bid_id = number_in(metadata(view).get("bid_id"))
    is_officer = as_officer(club, session, user_id, bid_id=bid_id)
    with store.writing(session):
        evaluation, bid, project = service.evaluate(
            session, team_id=club.team_id, bid_id=bid_id, user_id=user_id, is_officer=is_officer, raw=form_values(view)
        )
        text, blocks = views.evaluation_dm(project, evaluation)
        outbox.dm(session, team_id=club.team_id, user_id=bid.user_id, text=text, blocks=blocks)
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.evaluated(project, bid))
    ack()


def on_rate(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    bid = service.get_bid(session, team_id=club.team_id, bid_id=number_in(action.get("value")))
    project = service.get_project(session, team_id=club.team_id, project_id=bid.project_id)
    evaluation = service.evaluation_of(session, team_id=club.team_id, bid_id=bid.id)
    if bid.user_id != user_id:
        raise UserError("Only the student who did this project can rate it.")
    if evaluation is None or evaluation.project_rating is not None:
        raise UserError("You have already rated this project." if evaluation else "You can rate the project once your work is evaluated.")
    ack()
    slack.open_modal(body["trigger_id"], views.rating_form(bid, project))


def on_rating_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    with store.writing(session):
        evaluation, project = service.rate_project(
            session, team_id=club.team_id, bid_id=number_in(metadata(view).get("bid_id")), user_id=user_id, raw=form_values(view)
        )
        outbox.dm(session, team_id=club.team_id, user_id=project.posted_by, text=views.rated(project, evaluation))
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.rating_saved(project))
    ack()
