"""Bolt glue for /gigs: parse, call the service, render, answer."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from slack_sdk.errors import SlackApiError

from slackapp.club import service as club
from slackapp.gigs import service, views
from slackapp.gigs.models import Gig
from slackapp.slack import announce
from slackapp.slack.app import Deps, Wiring
from slackapp.slack.blocks import ephemeral, section, to_dicts
from slackapp.slack.forms import form_values, metadata
from slackapp.slack.text import escape

log = logging.getLogger(__name__)


def register(wiring: Wiring, deps: Deps) -> None:
    store, officers = deps.store, deps.officers
    # Re-rendering a post reads the roster then updates the message; one at a time per gig, so the
    # last update a process makes shows the latest roster.
    post_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)

    def refresh_post(client, gig_id: int, team_id: str) -> None:
        with post_locks[gig_id]:
            with store.read() as session:
                gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
                current = service.roster(session, gig=gig)
            if not (gig.announce_channel and gig.announce_ts):
                return
            text, blocks = views.announcement(gig, current)
            try:
                client.chat_update(channel=gig.announce_channel, ts=gig.announce_ts, text=text, blocks=to_dicts(blocks))
            except SlackApiError as exc:
                log.warning("could not update the post of gig %s: %s", gig_id, exc.response.get("error"))

    def announce_gig(client, gig: Gig, *, channel, user_id: str) -> None:
        with store.read() as session:
            gigs_channel = club.workspace(session, team_id=gig.team_id).gigs_channel
            current = service.roster(session, gig=gig)
        target = gigs_channel or channel
        if not announce.is_channel_id(target) or target.startswith("D"):
            announce.tell(client, user_id=user_id, text="The gig is posted and listed in `/gigs`. Choose a gigs channel in `/club config` to announce gigs.")
            return
        text, blocks = views.announcement(gig, current)
        try:
            posted_channel, ts = announce.post(client, channel=target, text=text, blocks=to_dicts(blocks))
        except announce.CannotPost as exc:
            announce.tell(client, user_id=user_id, text=f"The gig is posted and listed in `/gigs`, but I couldn't announce it: {exc}")
            return
        with store.write() as session:
            found = service.get_gig(session, team_id=gig.team_id, gig_id=gig.id)
            found.announce_channel, found.announce_ts = posted_channel, ts

    def open_view(client, trigger_id: str, view, respond) -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            respond(**ephemeral("Slack took too long to open the form. Please try again."))

    def on_command(ack, command, client, respond):
        team_id, user_id = command["team_id"], command["user_id"]
        words = (command.get("text") or "").split()
        verb = words[0].lower() if words else ""
        if verb == "help":
            ack(**ephemeral(views.HELP, [section(views.HELP)]))
        elif verb == "post":
            ack()
            if not officers.check(team_id, user_id):
                respond(**ephemeral(service.ONLY_OFFICERS_POST))
                return
            open_view(client, command["trigger_id"], views.gig_form(poster=user_id, channel=command.get("channel_id")), respond)
        elif verb == "request":
            ack()
            open_view(client, command["trigger_id"], views.request_form(), respond)
        elif verb == "mine":
            with store.read() as session:
                volunteered, posted = service.my_gigs(session, team_id=team_id, user_id=user_id)
            ack(**ephemeral("Your gigs", views.my_gigs(volunteered, posted)))
        elif verb == "":
            with store.read() as session:
                found = service.open_gigs(session, team_id=team_id)
            ack(**ephemeral("Volunteer gigs", views.gig_list(found)))
        else:
            ack(**ephemeral(f"I don't know `/gigs {verb}`.\n{views.HELP}"))

    def on_gig_form(ack, body, view, client):
        team_id, user_id = view.get("team_id") or body["team"]["id"], body["user"]["id"]
        _, today = deps.today(team_id)
        raw = form_values(view)
        try:
            draft = service.validate_gig(raw, today=today, poster=user_id)
            with store.write() as session:
                club.ensure_workspace(session, team_id=team_id)
                gig = service.post_gig(session, team_id=team_id, user_id=user_id, is_officer=officers.check(team_id, user_id), draft=draft)
        except service.FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except service.GigError as exc:
            ack(response_action="errors", errors={"title": str(exc)[:150]})
            return
        ack()
        announce_gig(client, gig, channel=metadata(view).get("channel"), user_id=user_id)

    def send_to_officers(client, request) -> None:
        text, blocks = views.request_review(request)
        with store.read() as session:
            channel = club.workspace(session, team_id=request.team_id).officers_channel
            listed = [officer.user_id for officer in club.listed_officers(session, team_id=request.team_id)]
        if channel:
            try:
                announce.post(client, channel=channel, text=text, blocks=to_dicts(blocks))
                return
            except announce.CannotPost as exc:
                log.warning("officers' channel unusable for team %s: %s", request.team_id, exc)
        reviewers = sorted(set(listed) | deps.settings.officer_ids)
        for officer_id in reviewers:
            try:
                client.chat_postMessage(channel=officer_id, text=text, blocks=to_dicts(blocks))
            except SlackApiError as exc:
                log.warning("could not DM officer %s: %s", officer_id, exc.response.get("error"))
        if not reviewers:
            announce.tell(client, user_id=request.requester, text="Thanks! No officer is set up to review requests yet; please tell a club officer directly.")

    def on_request_form(ack, body, view, client):
        team_id, user_id = view.get("team_id") or body["team"]["id"], body["user"]["id"]
        _, today = deps.today(team_id)
        try:
            draft = service.validate_request(form_values(view), today=today)
        except service.FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        with store.write() as session:
            club.ensure_workspace(session, team_id=team_id)
            request = service.create_request(session, team_id=team_id, user_id=user_id, draft=draft)
        ack()
        send_to_officers(client, request)
        announce.tell(client, user_id=user_id, text=f"Thanks! Your request for {escape(request.organization)} went to the club's officers. You'll hear back here.")

    def request_id_of(action: dict) -> int:
        value = action.get("value") or ""
        return int(value) if value.isdigit() else 0

    def on_approve(ack, body, action, client, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            with store.write() as session:
                request, gig = service.decide(
                    session, team_id=team_id, request_id=request_id_of(action), officer_id=user_id, is_officer=officers.check(team_id, user_id), approve=True
                )
        except service.GigError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        text, blocks = views.request_review(request)
        respond(text=text, blocks=to_dicts(blocks), replace_original=True)
        announce_gig(client, gig, channel=None, user_id=user_id)
        announce.tell(client, user_id=request.requester, text=f"Good news: the club approved your request from {escape(request.organization)}. It is posted as a gig with you as the contact.")

    def on_decline(ack, body, action, client, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not officers.check(team_id, user_id):
            respond(**ephemeral("Only club officers can approve or decline requests."), replace_original=False)
            return
        with store.read() as session:
            try:
                request = service.get_request(session, team_id=team_id, request_id=request_id_of(action))
            except service.GigError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return
        if request.status != "pending":
            respond(**ephemeral(str(service.AlreadyDecided(request))), replace_original=False)
            return
        container = body.get("container") or {}
        view = views.decline_form(request, channel=container.get("channel_id"), ts=container.get("message_ts"))
        open_view(client, body["trigger_id"], view, respond)

    def on_decline_form(ack, body, view, client):
        team_id, user_id = view.get("team_id") or body["team"]["id"], body["user"]["id"]
        meta = metadata(view)
        try:
            with store.write() as session:
                request, _ = service.decide(
                    session,
                    team_id=team_id,
                    request_id=int(meta.get("request_id") or 0),
                    officer_id=user_id,
                    is_officer=officers.check(team_id, user_id),
                    approve=False,
                    reason=str(form_values(view).get("reason") or ""),
                )
        except service.FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except service.GigError as exc:
            ack(response_action="errors", errors={"reason": str(exc)[:150]})
            return
        ack()
        announce.tell(client, user_id=request.requester, text=f"The club's officers declined your request from {escape(request.organization)}: {escape(request.reason)}")
        if announce.is_channel_id(meta.get("channel")) and meta.get("ts"):
            text, blocks = views.request_review(request)
            try:
                client.chat_update(channel=meta["channel"], ts=meta["ts"], text=text, blocks=to_dicts(blocks))
            except SlackApiError as exc:
                log.info("could not update the request message: %s", exc.response.get("error"))

    def gig_id_of(action: dict) -> int:
        value = action.get("value") or ""
        return int(value) if value.isdigit() else 0

    def on_volunteer(ack, body, action, client, respond):
        ack()
        team_id, user_id, gig_id = body["team"]["id"], body["user"]["id"], gig_id_of(action)
        try:
            with store.write() as session:
                joined = service.volunteer(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
                gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
        except service.GigError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        if joined.spot.value == "waitlist":
            respond(**ephemeral(f"All spots are taken, so you're #{joined.position} on the waitlist for {escape(gig.title)}. I'll DM you if a spot frees up."), replace_original=False)
        elif not joined.new:
            respond(**ephemeral(f"You're already volunteering for {escape(gig.title)}."), replace_original=False)
        else:
            respond(**ephemeral(f"You're in: {escape(gig.title)}. Details are in your DMs."), replace_original=False)
            welcome(client, gig, user_id)
        if joined.new:
            refresh_post(client, gig_id, team_id)

    def welcome(client, gig: Gig, volunteer_id: str) -> None:
        announce.tell(client, user_id=volunteer_id, text=views.volunteer_dm(gig))
        announce.tell(client, user_id=gig.contact, text=f"<@{volunteer_id}> volunteered for *{escape(gig.title)}*.")

    def on_withdraw(ack, body, action, client, respond):
        ack()
        team_id, user_id, gig_id = body["team"]["id"], body["user"]["id"], gig_id_of(action)
        try:
            with store.write() as session:
                promoted = service.withdraw(session, team_id=team_id, gig_id=gig_id, user_id=user_id)
                gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
        except service.GigError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**ephemeral(f"You've withdrawn from {escape(gig.title)}."), replace_original=False)
        if promoted:
            announce.tell(client, user_id=promoted, text="A spot opened up and it's yours!")
            welcome(client, gig, promoted)
        refresh_post(client, gig_id, team_id)

    def on_done(ack, body, action, client, respond):
        ack()
        team_id, user_id, gig_id = body["team"]["id"], body["user"]["id"], gig_id_of(action)
        with store.read() as session:
            try:
                gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
            except service.GigError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return
            volunteers = service.roster(session, gig=gig).volunteers
        if not service.may_finish(gig, user_id=user_id, is_officer=gig.contact != user_id and officers.check(team_id, user_id)):
            respond(**ephemeral("Only the gig's contact or an officer can mark it done and confirm hours."), replace_original=False)
            return
        if gig.status != "open":
            respond(**ephemeral("This gig is already marked done."), replace_original=False)
            return
        names = []
        for volunteer_id in volunteers:
            person = deps.directory.lookup(team_id, volunteer_id)
            names.append((volunteer_id, person.name if person else volunteer_id))
        open_view(client, body["trigger_id"], views.finish_form(gig, names), respond)

    def on_finish_form(ack, body, view, client):
        team_id, user_id = view.get("team_id") or body["team"]["id"], body["user"]["id"]
        gig_id = int(metadata(view).get("gig_id") or 0)
        hours = {block_id.removeprefix(views.HOURS_BLOCK): value for block_id, value in form_values(view).items() if block_id.startswith(views.HOURS_BLOCK)}
        try:
            with store.write() as session:
                gig = service.get_gig(session, team_id=team_id, gig_id=gig_id)
                is_officer = gig.contact != user_id and officers.check(team_id, user_id)
                confirmed = service.finish(session, team_id=team_id, gig_id=gig_id, user_id=user_id, is_officer=is_officer, hours=hours)
        except service.FormErrors as exc:
            ack(response_action="errors", errors={f"{views.HOURS_BLOCK}{key}": message for key, message in exc.errors.items()})
            return
        except service.GigError as exc:
            first_block = next(iter(view.get("state", {}).get("values", {}) or {}), None)
            if first_block:
                ack(response_action="errors", errors={first_block: str(exc)[:150]})
            else:
                ack()
                announce.tell(client, user_id=user_id, text=str(exc))
            return
        ack()
        for volunteer_id, value in confirmed.items():
            announce.tell(client, user_id=volunteer_id, text=views.thanks_dm(gig, value))
        refresh_post(client, gig_id, team_id)

    wiring.command(views.COMMAND, on_command)
    wiring.view(views.FORM, on_gig_form)
    wiring.view(views.REQUEST_FORM, on_request_form)
    wiring.view(views.DECLINE_FORM, on_decline_form)
    wiring.view(views.FINISH_FORM, on_finish_form)
    wiring.action(views.VOLUNTEER, on_volunteer)
    wiring.action(views.WITHDRAW, on_withdraw)
    wiring.action(views.DONE, on_done)
    wiring.action(views.APPROVE, on_approve)
    wiring.action(views.DECLINE, on_decline)
