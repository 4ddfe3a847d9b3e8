"""Volunteering, withdrawing (which promotes the next in line), and finishing a gig with hours."""

from __future__ import annotations

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.gigs import ids, service, views
from slackapp.gigs.handlers.posting import refresh_post
from slackapp.gigs.models import Gig, GigStatus, Spot
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in


def on_volunteer(ack, action, respond, slack: Slack, store: Store, team_id: str, user_id: str):
    ack()
    gig_id = number_in(action.get("value"))
    with store.write() as session:
        joined = service.volunteer(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
        gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
    respond(**ephemeral(views.joined(gig, joined)), replace_original=False)
    if joined.new and joined.spot == Spot.volunteer:
        welcome(slack, gig, user_id)
    if joined.new:
        refresh_post(slack, store, team_id=team_id, gig_id=gig_id)


def welcome(slack: Slack, gig: Gig, volunteer_id: str) -> None:
    slack.dm(volunteer_id, views.volunteer_dm(gig))
    slack.dm(gig.contact, views.volunteered(gig, volunteer_id))


def on_withdraw(ack, action, respond, slack: Slack, store: Store, team_id: str, user_id: str):
    ack()
    gig_id = number_in(action.get("value"))
    with store.write() as session:
        promoted = service.withdraw(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
        gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
    respond(**ephemeral(views.withdrawn(gig)), replace_original=False)
    if promoted:
        slack.dm(promoted, views.SPOT_OPENED)
        welcome(slack, gig, promoted)
    refresh_post(slack, store, team_id=team_id, gig_id=gig_id)


def _is_officer_acting_on(gig: Gig, club: Club, user_id: str) -> bool:
    # The contact finishes their own gig; only someone else needs the (slower) officer check.
    return gig.contact != user_id and club.is_officer(user_id)


def on_done(ack, body, action, club: Club, slack: Slack, store: Store, user_id: str):
    """Mark done opens a form with each volunteer's hours."""
    ack()
    with store.read() as session:
        gig = service.get_gig(session, team_id=club.team_id, gig_id=number_in(action.get("value")))
        volunteers = service.roster(session, gig=gig).volunteers
    if not service.may_finish(gig, user_id=user_id, is_officer=_is_officer_acting_on(gig, club, user_id)):
        raise UserError(views.ONLY_MANAGERS_FINISH)
    if gig.status != GigStatus.open.value:
        raise UserError(views.ALREADY_DONE)
    names = [(volunteer_id, slack.name_of(club.team_id, volunteer_id) or volunteer_id) for volunteer_id in volunteers]
    slack.open_modal(body["trigger_id"], views.finish_form(gig, names))


def on_finish_form(ack, view, club: Club, slack: Slack, store: Store, user_id: str):
    gig_id = number_in(metadata(view).get("gig_id"))
    hours = {block_id.removeprefix(ids.HOURS_BLOCK): value for block_id, value in form_values(view).items() if block_id.startswith(ids.HOURS_BLOCK)}
    with store.write() as session:
        gig = service.get_gig(session, team_id=club.team_id, gig_id=gig_id)
        try:
            confirmed = service.finish(
                session, team_id=club.team_id, gig_id=gig_id, user_id=user_id, is_officer=_is_officer_acting_on(gig, club, user_id), hours=hours
            )
        except UserError as exc:
            if not exc.fields:
                raise
            # The service names volunteers; the form's inputs are named after them.
            raise UserError.in_fields({f"{ids.HOURS_BLOCK}{volunteer}": message for volunteer, message in exc.fields.items()}) from None
    ack()
    for volunteer_id, value in confirmed.items():
        slack.dm(volunteer_id, views.thanks_dm(gig, value))
    refresh_post(slack, store, team_id=club.team_id, gig_id=gig_id)
