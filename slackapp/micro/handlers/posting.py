"""Posting a project, and the officers' approval of a guest's post or a fee below the floor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.micro import jobs, service, views
from slackapp.micro.models import ProjectStatus
from slackapp.scheduler import outbox
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, number_in


def on_post(ack, body, slack: Slack, user_id: str):
    ack()
    slack.open_modal(body["trigger_id"], views.project_form(poster=user_id))


def on_project_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_project(form_values(view), today=club.today(), poster=user_id)
    is_officer = club.is_officer(user_id)
    is_guest = not is_officer and club.is_guest(user_id)
    with store.writing(session):
        club_service.ensure_workspace(session, team_id=club.team_id)
        project = service.post_project(session, team_id=club.team_id, user_id=user_id, is_officer=is_officer, is_guest=is_guest, draft=draft)
        if project.status == ProjectStatus.pending.value:
            listed = {officer.user_id for officer in club_service.listed_officers(session, team_id=club.team_id)}
            jobs.ask_officers(session, project=project, reviewers=sorted(listed | club.officers.configured))
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.posted(project))
    ack()


def _decide(ack, action, respond, club: Club, session: Session, store: Store, user_id: str, *, approve: bool):
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        project = service.decide_project(
            session, team_id=club.team_id, project_id=number_in(action.get("value")), officer_id=user_id, is_officer=is_officer, approve=approve
        )
        outbox.dm(session, team_id=club.team_id, user_id=project.posted_by, text=(views.approved if approve else views.declined)(project))
    text, blocks = views.approval_request(project)
    ack()
    respond(text=text, blocks=blocks, replace_original=True)


def on_approve(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _decide(ack, action, respond, club, session, store, user_id, approve=True)


def on_decline(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _decide(ack, action, respond, club, session, store, user_id, approve=False)
