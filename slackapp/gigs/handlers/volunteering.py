"""Volunteering, withdrawing (which promotes the next in line), and finishing a gig with hours."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.gigs import ids, jobs, service, views
from slackapp.gigs.models import Gig, GigStatus, Spot
from slackapp.scheduler import outbox
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in


def on_volunteer(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    gig_id = number_in(action.get("value"))
    with store.writing(session):
        joined = service.volunteer(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
        gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
        if joined.new and joined.spot == Spot.volunteer:
            welcome(session, gig, user_id)
        if joined.new:
            jobs.refresh(session, gig=gig)
    ack()
    respond(**ephemeral(views.joined(gig, joined)), replace_original=False)


def welcome(session: Session, gig: Gig, volunteer_id: str) -> None:
    outbox.dm(session, team_id=gig.team_id, user_id=volunteer_id, text=views.volunteer_dm(gig))
    outbox.dm(session, team_id=gig.team_id, user_id=gig.contact, text=views.volunteered(gig, volunteer_id))


def on_withdraw(ack, action, respond, session: Session, store: Store, team_id: str, user_id: str):
    gig_id = number_in(action.get("value"))
    with store.writing(session):
        promoted = service.withdraw(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
        gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
        if promoted:
            outbox.dm(session, team_id=team_id, user_id=promoted, text=views.SPOT_OPENED)
            welcome(session, gig, promoted)
        jobs.refresh(session, gig=gig)
    ack()
    respond(**ephemeral(views.withdrawn(gig)), replace_original=False)


def _officer_acting_on(club: Club, session: Session, user_id: str, gig_id: int) -> tuple[Gig, bool]:
    """The gig, and whether this person acts on it as an officer. The contact finishes their own
    gig; only someone else needs the (slower) officer check, asked before any write."""
    gig = service.get_gig(session, team_id=club.team_id, gig_id=gig_id)
    return gig, gig.contact != user_id and club.is_officer(user_id)


def on_done(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    """Mark done opens a form with each volunteer's hours."""
    gig, is_officer = _officer_acting_on(club, session, user_id, number_in(action.get("value")))
    if not service.may_finish(gig, user_id=user_id, is_officer=is_officer):
        raise UserError(views.ONLY_MANAGERS_FINISH)
    if gig.status != GigStatus.open.value:
        raise UserError(views.ALREADY_DONE)
    volunteers = service.roster(session, gig=gig).volunteers
    names = [(volunteer_id, slack.name_of(club.team_id, volunteer_id) or volunteer_id) for volunteer_id in volunteers]
    ack()
    slack.open_modal(body["trigger_id"], views.finish_form(gig, names))


def on_finish_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    gig, is_officer = _officer_acting_on(club, session, user_id, number_in(metadata(view).get("gig_id")))
    hours = {block_id.removeprefix(ids.HOURS_BLOCK): value for block_id, value in form_values(view).items() if block_id.startswith(ids.HOURS_BLOCK)}
    with store.writing(session):
        try:
            confirmed = service.finish(session, team_id=club.team_id, gig_id=gig.id, user_id=user_id, is_officer=is_officer, hours=hours)
        except UserError as exc:
            if not exc.fields:
                raise
            # The service names volunteers; the form's inputs are named after them.
            raise UserError.in_fields({f"{ids.HOURS_BLOCK}{volunteer}": message for volunteer, message in exc.fields.items()}) from None
        for volunteer_id, value in confirmed.items():
            outbox.dm(session, team_id=club.team_id, user_id=volunteer_id, text=views.thanks_dm(gig, value))
        jobs.refresh(session, gig=gig)
    ack()
