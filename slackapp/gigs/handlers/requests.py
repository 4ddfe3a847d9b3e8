"""Another organization asks the club for a volunteer; officers approve (posting a gig) or decline."""

from __future__ import annotations

import logging

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.gigs import service, views
from slackapp.gigs.handlers.posting import announce
from slackapp.gigs.models import GigRequest, RequestStatus
from slackapp.slack.facade import CannotPost, Slack, is_channel_id
from slackapp.slack.forms import form_values, metadata, number_in

log = logging.getLogger(__name__)

ONLY_OFFICERS_DECIDE = "Only club officers can approve or decline requests."


def on_request_form(ack, view, club: Club, slack: Slack, store: Store, user_id: str):
    draft = service.validate_request(form_values(view), today=club.today())
    with store.write() as session:
        club_service.ensure_workspace(session, team_id=club.team_id)
        request = service.create_request(session, team_id=club.team_id, user_id=user_id, draft=draft)
    ack()
    send_to_officers(slack, store, club, request)
    slack.dm(user_id, views.request_sent(request))


def send_to_officers(slack: Slack, store: Store, club: Club, request: GigRequest) -> None:
    """To the officers' channel; without one (or when it can't be used), to each officer by DM."""
    text, blocks = views.request_review(request)
    with store.read() as session:
        channel = club_service.workspace(session, team_id=request.team_id).officers_channel
        listed = [officer.user_id for officer in club_service.listed_officers(session, team_id=request.team_id)]
    if channel:
        try:
            slack.post(channel, text, blocks)
            return
        except CannotPost as exc:
            log.warning("officers' channel unusable for team %s: %s", request.team_id, exc)
    reviewers = sorted(set(listed) | club.officers.configured)
    for officer_id in reviewers:
        slack.dm(officer_id, text, blocks)
    if not reviewers:
        slack.dm(request.requester, views.NO_REVIEWERS)


def on_approve(ack, action, respond, club: Club, slack: Slack, store: Store, user_id: str):
    ack()
    with store.write() as session:
        request, gig = service.decide(
            session, team_id=club.team_id, request_id=number_in(action.get("value")), officer_id=user_id, is_officer=club.is_officer(user_id), approve=True
        )
    text, blocks = views.request_review(request)
    respond(text=text, blocks=blocks, replace_original=True)
    announce(slack, store, gig, channel=None, poster=user_id)
    slack.dm(request.requester, views.request_approved(request))


def on_decline(ack, body, action, club: Club, slack: Slack, store: Store, user_id: str):
    """Declining asks for a reason first, in a modal."""
    ack()
    club.require_officer(user_id, ONLY_OFFICERS_DECIDE)
    with store.read() as session:
        request = service.get_request(session, team_id=club.team_id, request_id=number_in(action.get("value")))
    if request.status != RequestStatus.pending.value:
        raise service.already_decided(request)
    container = body.get("container") or {}
    slack.open_modal(body["trigger_id"], views.decline_form(request, channel=container.get("channel_id"), ts=container.get("message_ts")))


def on_decline_form(ack, view, club: Club, slack: Slack, store: Store, user_id: str):
    meta = metadata(view)
    with store.write() as session:
        request, _ = service.decide(
            session,
            team_id=club.team_id,
            request_id=number_in(meta.get("request_id")),
            officer_id=user_id,
            is_officer=club.is_officer(user_id),
            approve=False,
            reason=str(form_values(view).get("reason") or ""),
        )
    ack()
    slack.dm(request.requester, views.request_declined(request))
    if is_channel_id(meta.get("channel")) and meta.get("ts"):
        slack.update(meta["channel"], str(meta["ts"]), *views.request_review(request))
