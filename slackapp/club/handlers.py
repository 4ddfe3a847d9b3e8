"""Bolt glue for /club: help, settings and the officer list."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone

from slack_sdk.errors import SlackApiError

from slackapp.club import service, views
from slackapp.digest import jobs as digest_jobs
from slackapp.slack import announce
from slackapp.slack.app import Deps, Wiring
from slackapp.slack.blocks import ephemeral
from slackapp.slack.forms import form_values

log = logging.getLogger(__name__)

COMMAND = "/club"
# With "escape" on, Slack sends mentions as <@U123|name>; people also paste raw IDs.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")
NOT_OFFICER = "Only club officers can do that. `/club officers list` shows who they are."


def register(wiring: Wiring, deps: Deps) -> None:
    store, officers = deps.store, deps.officers

    def on_command(ack, command, client, respond):
        team_id, user_id = command["team_id"], command["user_id"]
        words = (command.get("text") or "").split()
        first = words[0].lower() if words else "help"
        if first == "help":
            ack(**ephemeral("What I can do", views.help_blocks()))
        elif first == "config":
            ack()
            if not officers.check(team_id, user_id):
                respond(**ephemeral(NOT_OFFICER))
                return
            with store.read() as session:
                settings = service.workspace(session, team_id=team_id)
            try:
                client.views_open(trigger_id=command["trigger_id"], view=views.config_form(settings))
            except SlackApiError as exc:
                log.warning("views.open failed: %s", exc.response.get("error"))
                respond(**ephemeral("Slack took too long to open the settings. Please try again."))
        elif first == "officers":
            ack()
            respond(**ephemeral(manage_officers(team_id, user_id, words[1:], command.get("text") or "")))
        else:
            ack(**ephemeral(f"I don't know `/club {first}`. Here is what I can do:", views.help_blocks()))

    def manage_officers(team_id: str, user_id: str, words: list[str], raw_text: str) -> str:
        verb = words[0].lower() if words else "list"
        if verb == "list":
            with store.read() as session:
                listed = service.listed_officers(session, team_id=team_id)
            return views.officer_list(listed, deps.settings.officer_ids)
        if verb not in ("add", "remove"):
            return "Use `/club officers list`, `/club officers add @someone` or `/club officers remove @someone`."
        targets = [a or b for a, b in _MENTION.findall(raw_text)]
        if not targets:
            return f"Whom should I {verb}? Mention them: `/club officers {verb} @someone`."
        if not officers.check(team_id, user_id):
            return NOT_OFFICER
        done = []
        with store.write() as session:
            for target in dict.fromkeys(targets):
                if verb == "add":
                    changed = service.add_officer(session, team_id=team_id, user_id=target, added_by=user_id)
                    done.append(f"<@{target}> is {'now' if changed else 'already'} an officer.")
                else:
                    changed = service.remove_officer(session, team_id=team_id, user_id=target)
                    note = "" if target not in deps.settings.officer_ids else " (still listed in SLACKAPP_OFFICERS)"
                    done.append(f"<@{target}> {'is no longer' if changed else 'was not'} on the officer list{note}.")
        return "\n".join(done)

    def on_config(ack, body, view, client):
        team_id = view.get("team_id") or body["team"]["id"]
        user_id = body["user"]["id"]
        values = form_values(view)
        if not officers.check(team_id, user_id):
            ack(response_action="errors", errors={views.TIMEZONE: NOT_OFFICER[:150]})
            return
        channel = values.get(views.LEADS_CHANNEL)
        for block_id in (views.LEADS_CHANNEL, views.EVENTS_CHANNEL, views.GIGS_CHANNEL, views.OFFICERS_CHANNEL):
            if values.get(block_id) is not None and not announce.is_channel_id(values.get(block_id)):
                ack(response_action="errors", errors={block_id: "Pick a channel from the list."})
                return
        try:
            day = int(values.get(views.DIGEST_DAY) or 0)
        except ValueError:
            day = -1
        change = service.ConfigChange(
            timezone=str(values.get(views.TIMEZONE) or ""),
            leads_channel=channel,
            digest_weekday=day,
            digest_time=str(values.get(views.DIGEST_TIME) or "09:00"),
            gigs_channel=values.get(views.GIGS_CHANNEL),
            events_channel=values.get(views.EVENTS_CHANNEL),
            officers_channel=values.get(views.OFFICERS_CHANNEL),
        )
        try:
            with store.write() as session:
                service.configure(session, team_id=team_id, change=change)
                digest_jobs.replan(session, team_id=team_id, now=datetime.now(timezone.utc))
        except service.ClubError as exc:
            ack(response_action="errors", errors={exc.field or views.TIMEZONE: str(exc)[:150]})
            return
        ack()
        for chosen in dict.fromkeys(filter(None, (channel, change.events_channel, change.gigs_channel, change.officers_channel))):
            join_or_explain(client, channel=chosen, user_id=user_id)

    def join_or_explain(client, *, channel: str, user_id: str) -> None:
        """Join the chosen channel now, so the first announcement doesn't fail; else say how to invite."""
        try:
            client.conversations_join(channel=channel)
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel, exc.response.get("error"))
            announce.tell(
                client,
                user_id=user_id,
                text=f"Settings saved. I can't join <#{channel}> by myself (it is probably private): "
                "invite me there with `/invite @slackapp` so I can post there.",
            )

    wiring.command(COMMAND, on_command)
    wiring.view(views.CONFIG_FORM, on_config)
