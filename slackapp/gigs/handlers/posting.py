"""The /gigs command, the officers' gig form, and the gig's post in the gigs channel."""

from __future__ import annotations

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.gigs import service, views
from slackapp.gigs.models import Gig
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Post, Render, Slack
from slackapp.slack.forms import form_values, metadata


def on_command(ack, command, club: Club, slack: Slack, store: Store, user_id: str):
    words = (command.get("text") or "").split()
    verb = words[0].lower() if words else ""
    if verb == "help":
        ack(**ephemeral(views.HELP, views.help_blocks()))
    elif verb == "post":
        ack()
        club.require_officer(user_id, service.ONLY_OFFICERS_POST)
        slack.open_modal(command["trigger_id"], views.gig_form(poster=user_id, channel=command.get("channel_id")))
    elif verb == "request":
        ack()
        slack.open_modal(command["trigger_id"], views.request_form())
    elif verb == "mine":
        with store.read() as session:
            volunteered, posted = service.my_gigs(session, team_id=club.team_id, user_id=user_id)
        ack(**ephemeral("Your gigs", views.my_gigs(volunteered, posted)))
    elif verb == "":
        with store.read() as session:
            found = service.open_gigs(session, team_id=club.team_id)
        ack(**ephemeral("Volunteer gigs", views.gig_list(found)))
    else:
        ack(**ephemeral(views.unknown_command(verb)))


def on_gig_form(ack, view, club: Club, slack: Slack, store: Store, user_id: str):
    draft = service.validate_gig(form_values(view), today=club.today(), poster=user_id)
    with store.write() as session:
        club_service.ensure_workspace(session, team_id=club.team_id)
        gig = service.post_gig(session, team_id=club.team_id, user_id=user_id, is_officer=club.is_officer(user_id), draft=draft)
    ack()
    announce(slack, store, gig, channel=metadata(view).get("channel"), poster=user_id)


def announce(slack: Slack, store: Store, gig: Gig, *, channel: str | None, poster: str) -> None:
    """In the gigs channel from /club config, else where the gig was posted."""
    with store.read() as session:
        gigs_channel = club_service.workspace(session, team_id=gig.team_id).gigs_channel
        current = service.roster(session, gig=gig)
    text, blocks = views.announcement(gig, current)
    posted = slack.announce(gigs_channel or channel, text, blocks, poster=poster, no_channel=views.NO_GIGS_CHANNEL, cannot_post=views.NOT_ANNOUNCED)
    if posted:
        with store.write() as session:
            service.record_announcement(session, team_id=gig.team_id, gig_id=gig.id, channel=posted[0], ts=posted[1])


def refresh_post(slack: Slack, store: Store, *, team_id: str, gig_id: int) -> None:
    slack.refresh(("gig", team_id, gig_id), post_of(store, team_id, gig_id))


def post_of(store: Store, team_id: str, gig_id: int) -> Render:
    """How the gig's post should look when Slack next lets us update it."""

    def render() -> Post | None:
        with store.read() as session:
            gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
            current = service.roster(session, gig=gig)
        if not (gig.announce_channel and gig.announce_ts):
            return None
        text, blocks = views.announcement(gig, current)
        return Post(gig.announce_channel, gig.announce_ts, text, blocks)

    return render
