"""Bolt glue for /internships: parse the payload, call the service, render, answer."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

from slack_sdk.errors import SlackApiError

from slackapp.club import service as club
from slackapp.leads import ids, nudges, service, views
from slackapp.leads.models import Lead, Stage
from slackapp.slack import announce
from slackapp.slack.app import Deps, Wiring
from slackapp.slack.blocks import ephemeral, to_dicts
from slackapp.slack.forms import form_values, metadata
from slackapp.slack.text import escape, unescape

log = logging.getLogger(__name__)

_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|([^>]*))?>")


def register(wiring: Wiring, deps: Deps) -> None:
    store, officers = deps.store, deps.officers

    def show_list(team_id: str, user_id: str, query: service.Query, page: int = 1) -> dict:
        tz, today = deps.today(team_id)
        with store.read() as session:
            found = service.open_leads(session, team_id=team_id, today=today, query=query, page=page)
            saved = service.saved_ids(session, team_id=team_id, user_id=user_id, lead_ids=[lead.id for lead in found.leads])
        officer = officers.probably(team_id, user_id)
        manageable = {lead.id for lead in found.leads if service.may_manage(lead, user_id=user_id, is_officer=officer)}
        blocks = views.lead_list(found, tz=tz, saved=saved, manageable=manageable)
        return ephemeral(f"{len(found.leads)} internship leads", blocks)

    def show_mine(team_id: str, user_id: str) -> dict:
        tz, today = deps.today(team_id)
        with store.read() as session:
            saved = service.my_leads(session, team_id=team_id, user_id=user_id)
        return ephemeral("Your saved leads", views.my_leads(saved, tz=tz, today=today))

    def open_form(client, trigger_id: str, respond, *, values=None, lead_id=None, channel=None) -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=views.lead_form(values, lead_id=lead_id, channel=channel))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            respond(**ephemeral("Slack took too long to open the form. Please try again."))

    def on_command(ack, command, client, respond):
        team_id, user_id = command["team_id"], command["user_id"]
        text = (command.get("text") or "").strip()
        first = text.split(maxsplit=1)[0].lower() if text else ""
        delegate = wiring.subcommands.get((ids.COMMAND, first))
        if delegate is not None:
            delegate(ack=ack, command=command, client=client, respond=respond, words=text.split()[1:])
        elif first == "help":
            ack(**ephemeral(views.HELP, views.help_blocks()))
        elif first in ("post", "share"):
            ack()
            open_form(client, command["trigger_id"], respond, channel=command.get("channel_id"))
        elif first == "mine" and len(text.split()) == 1:
            ack(**show_mine(team_id, user_id))
        else:
            try:
                query = service.parse_query(text)
            except service.LeadError as exc:
                ack(**ephemeral(str(exc)))
                return
            ack(**show_list(team_id, user_id, query))

    def on_share(ack, body, client, respond):
        ack()
        channel = (body.get("channel") or {}).get("id")
        open_form(client, body["trigger_id"], respond, channel=channel)

    def on_save_message(ack, shortcut, client, respond):
        ack()
        message = shortcut.get("message") or {}
        raw_text = message.get("text") or ""
        link = _LINK.search(raw_text)
        description = _LINK.sub(lambda match: match.group(2) or match.group(1), raw_text)
        values = {"url": link.group(1) if link else None, "description": unescape(description).strip() or None}
        open_form(client, shortcut["trigger_id"], respond, values=values, channel=(shortcut.get("channel") or {}).get("id"))

    def on_page(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            wanted = json.loads(action.get("value") or "{}")
            query = service.parse_query(str(wanted.get("q", "")))
            page = int(wanted.get("p", 1))
        except (ValueError, TypeError, service.LeadError):
            respond(**ephemeral("That page link is broken. Run `/internships` again."), replace_original=False)
            return
        respond(**show_list(team_id, user_id, query, page), replace_original=True)

    def lead_id_of(action: dict) -> int | None:
        try:
            return int(action.get("value") or "")
        except ValueError:
            return None

    def on_save(ack, body, action, respond):
        ack()
        team_id, user_id, lead_id = body["team"]["id"], body["user"]["id"], lead_id_of(action)
        tz = deps.member_tz(team_id, user_id)
        try:
            with store.write() as session:
                fresh = service.save_lead(session, team_id=team_id, user_id=user_id, lead_id=lead_id or 0)
                lead = service.get_lead(session, team_id=team_id, lead_id=lead_id or 0)
                role = lead.role
                if fresh:
                    nudges.plan_for(session, team_id=team_id, user_id=user_id, lead=lead, tz=tz, now=datetime.now(timezone.utc))
        except service.LeadError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        note = "Saved" if fresh else "Already saved"
        respond(**ephemeral(f"{note}: {escape(role)}. Track it with `/internships mine`."), replace_original=False)

    def on_edit(ack, body, action, client, respond):
        ack()
        team_id, user_id, lead_id = body["team"]["id"], body["user"]["id"], lead_id_of(action)
        with store.read() as session:
            try:
                lead = service.get_lead(session, team_id=team_id, lead_id=lead_id or 0)
            except service.LeadError as exc:
                respond(**ephemeral(str(exc)), replace_original=False)
                return
        if not service.may_manage(lead, user_id=user_id, is_officer=lead.posted_by != user_id and officers.check(team_id, user_id)):
            respond(**ephemeral("Only the person who shared this lead, or an officer, can edit it."), replace_original=False)
            return
        channel = (body.get("channel") or {}).get("id")
        open_form(client, body["trigger_id"], respond, values=views.draft_values(lead), lead_id=lead.id, channel=channel)

    def on_close(ack, body, action, client, respond):
        ack()
        team_id, user_id, lead_id = body["team"]["id"], body["user"]["id"], lead_id_of(action)
        try:
            with store.write() as session:
                lead = service.get_lead(session, team_id=team_id, lead_id=lead_id or 0)
                is_officer = lead.posted_by != user_id and officers.check(team_id, user_id)
                lead = service.close_lead(session, team_id=team_id, lead_id=lead.id, user_id=user_id, is_officer=is_officer)
                nudges.cancel_for(session, team_id=team_id, lead_id=lead.id, now=datetime.now(timezone.utc), reason="the lead was closed")
        except service.LeadError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        refresh_announcement(client, lead)
        respond(**ephemeral(f"Closed: {escape(lead.role)} at {escape(lead.company)}. It has left the open list."), replace_original=False)

    def refresh_announcement(client, lead: Lead) -> None:
        if not (lead.announce_channel and lead.announce_ts):
            return
        text, blocks = views.announcement(lead, deps.timezone(lead.team_id))
        try:
            client.chat_update(channel=lead.announce_channel, ts=lead.announce_ts, text=text, blocks=to_dicts(blocks))
        except SlackApiError as exc:
            log.warning("could not update the announcement of lead %s: %s", lead.id, exc.response.get("error"))

    def on_form(ack, body, view, client):
        team_id = view.get("team_id") or body["team"]["id"]
        user_id = body["user"]["id"]
        meta = metadata(view)
        raw = form_values(view)
        raw["remote"] = "remote" in (raw.get("remote") or [])
        tz, today = deps.today(team_id)
        try:
            draft = service.validate(raw, today=today)
        except service.FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        editing = meta.get("lead_id")
        try:
            with store.write() as session:
                club.ensure_workspace(session, team_id=team_id)
                if editing:
                    lead = service.get_lead(session, team_id=team_id, lead_id=int(editing))
                    old_deadline = lead.deadline
                    is_officer = lead.posted_by != user_id and officers.check(team_id, user_id)
                    lead = service.update_lead(
                        session, team_id=team_id, lead_id=lead.id, user_id=user_id, is_officer=is_officer, draft=draft
                    )
                    if lead.deadline != old_deadline:
                        nudges.replan_lead(session, lead=lead, club_tz=tz, now=datetime.now(timezone.utc))
                else:
                    lead = service.create_lead(session, team_id=team_id, user_id=user_id, draft=draft)
                leads_channel = club.workspace(session, team_id=team_id).leads_channel
        except service.DuplicateLead as exc:
            ack(response_action="errors", errors={"url": str(exc)})
            return
        except (service.LeadError, ValueError) as exc:
            ack(response_action="errors", errors={"company": str(exc)[:150]})
            return
        ack()
        if editing:
            refresh_announcement(client, lead)
            return
        announce_new(client, lead, user_id=user_id, channel=leads_channel or meta.get("channel"))

    def announce_new(client, lead: Lead, *, user_id: str, channel) -> None:
        if not announce.is_channel_id(channel) or channel.startswith("D"):
            announce.tell(
                client,
                user_id=user_id,
                text="Your lead is saved and listed in `/internships`, but there is no leads channel to announce it in. "
                "An officer can choose one with `/club config`.",
            )
            return
        text, blocks = views.announcement(lead, deps.timezone(lead.team_id))
        try:
            posted_channel, ts = announce.post(client, channel=channel, text=text, blocks=to_dicts(blocks))
        except announce.CannotPost as exc:
            announce.tell(client, user_id=user_id, text=f"Your lead is saved and listed in `/internships`, but I couldn't announce it: {exc}")
            return
        with store.write() as session:
            service.record_announcement(session, team_id=lead.team_id, lead_id=lead.id, channel=posted_channel, ts=ts)

    def move(team_id: str, user_id: str, lead_id: int, stage: str) -> None:
        """Move a saved lead along; nudges only go to members who haven't applied yet."""
        tz = deps.member_tz(team_id, user_id) if stage == Stage.saved.value else None
        now = datetime.now(timezone.utc)
        with store.write() as session:
            saved = service.move_stage(session, team_id=team_id, user_id=user_id, lead_id=lead_id, stage=stage)
            if saved.stage == Stage.saved.value:
                nudges.plan_for(session, team_id=team_id, user_id=user_id, lead=saved.lead, tz=tz, now=now)
            else:
                nudges.cancel_for(session, team_id=team_id, lead_id=lead_id, user_id=user_id, now=now, reason=f"moved to {saved.stage}")

    def on_stage(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        lead_id, _, stage = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        try:
            move(team_id, user_id, int(lead_id) if lead_id.isdigit() else 0, stage)
        except service.LeadError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**show_mine(team_id, user_id), replace_original=True)

    def on_nudge_applied(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            move(team_id, user_id, lead_id_of(action) or 0, "applied")
        except service.LeadError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(text="Marked as applied. Good luck! Track it with `/internships mine`.", replace_original=True)

    def on_unsave(ack, body, action, respond):
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            with store.write() as session:
                service.unsave(session, team_id=team_id, user_id=user_id, lead_id=lead_id_of(action) or 0)
                nudges.cancel_for(session, team_id=team_id, lead_id=lead_id_of(action) or 0, user_id=user_id, now=datetime.now(timezone.utc), reason="no longer saved")
        except service.LeadError as exc:
            respond(**ephemeral(str(exc)), replace_original=False)
            return
        respond(**show_mine(team_id, user_id), replace_original=True)

    def on_open(ack):
        # A link button still reports its click; the browser has already opened the link.
        ack()

    wiring.command(ids.COMMAND, on_command)
    wiring.message_shortcut(ids.SHORTCUT_SAVE_MESSAGE, on_save_message)
    wiring.view(ids.FORM, on_form)
    wiring.action(ids.OPEN, on_open)
    wiring.action(ids.SHARE, on_share)
    wiring.action(ids.PAGE, on_page)
    wiring.action(ids.PAGE_BACK, on_page)
    wiring.action(ids.SAVE, on_save)
    wiring.action(ids.EDIT, on_edit)
    wiring.action(ids.CLOSE, on_close)
    wiring.action(ids.STAGE, on_stage)
    wiring.action(ids.UNSAVE, on_unsave)
    wiring.action(ids.NUDGE_APPLIED, on_nudge_applied)
