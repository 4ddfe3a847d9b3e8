"""Another organization asks the club for a volunteer; officers approve (posting a gig) or decline."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.gigs import jobs, service, views
from slackapp.gigs.models import RequestStatus
from slackapp.scheduler import outbox
from slackapp.slack.facade import Slack, is_channel_id
from slackapp.slack.forms import form_values, metadata, number_in

ONLY_OFFICERS_DECIDE = "Only club officers can approve or decline requests."


def on_request_open(ack, body, slack: Slack):
    """App Home's "Request a volunteer": the same form as `/gigs request`."""
    ack()
    slack.open_modal(body["trigger_id"], views.request_form())


def on_request_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    draft = service.validate_request(form_values(view), today=club.today())
    with store.writing(session):
        club_service.ensure_workspace(session, team_id=club.team_id)
        request = service.create_request(session, team_id=club.team_id, user_id=user_id, draft=draft)
        listed = [officer.user_id for officer in club_service.listed_officers(session, team_id=club.team_id)]
        jobs.ask_officers(session, request=request, reviewers=sorted(set(listed) | club.officers.configured))
        outbox.dm(session, team_id=club.team_id, user_id=user_id, text=views.request_sent(request))
    ack()


def on_approve(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        request, gig = service.decide(
            session, team_id=club.team_id, request_id=number_in(action.get("value")), officer_id=user_id, is_officer=is_officer, approve=True
        )
        jobs.announce(session, gig=gig, channel=None, poster=user_id)
        outbox.dm(session, team_id=club.team_id, user_id=request.requester, text=views.request_approved(request))
    text, blocks = views.request_review(request)
    ack()
    respond(text=text, blocks=blocks, replace_original=True)


def on_decline(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    """Declining asks for a reason first, in a modal."""
    club.require_officer(user_id, ONLY_OFFICERS_DECIDE)
    request = service.get_request(session, team_id=club.team_id, request_id=number_in(action.get("value")))
    if request.status != RequestStatus.pending.value:
        raise service.already_decided(request)
    container = body.get("container") or {}
    ack()
    slack.open_modal(body["trigger_id"], views.decline_form(request, channel=container.get("channel_id"), ts=container.get("message_ts")))


def on_decline_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    meta = metadata(view)
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        request, _ = service.decide(
            session,
            team_id=club.team_id,
            request_id=number_in(meta.get("request_id")),
            officer_id=user_id,
            is_officer=is_officer,
            approve=False,
            reason=str(form_values(view).get("reason") or ""),
        )
        outbox.dm(session, team_id=club.team_id, user_id=request.requester, text=views.request_declined(request))
        if is_channel_id(meta.get("channel")) and meta.get("ts"):
            text, blocks = views.request_review(request)
            outbox.update(session, team_id=club.team_id, channel=meta["channel"], ts=str(meta["ts"]), text=text, blocks=blocks)
    ack()
