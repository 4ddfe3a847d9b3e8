"""Sharing a lead (the form, the message shortcut), announcing it, editing and closing it."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.leads import freshness, jobs, service, views
from slackapp.leads.handlers import moderation as moderating
from slackapp.leads.models import Lead
from slackapp.slack.blocks import ephemeral
from slackapp.slack.facade import Slack
from slackapp.slack.forms import form_values, metadata, number_in
from slackapp.slack.text import unescape

_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|([^>]*))?>")


def on_share(ack, body, slack: Slack):
    ack()
    slack.open_modal(body["trigger_id"], views.lead_form(channel=(body.get("channel") or {}).get("id")))


def on_save_message(ack, shortcut, slack: Slack):
    """Message menu → Save as internship lead: the form, prefilled from the message."""
    raw_text = (shortcut.get("message") or {}).get("text") or ""
    link = _LINK.search(raw_text)
    description = _LINK.sub(lambda match: match.group(2) or match.group(1), raw_text)
    values = {"url": link.group(1) if link else None, "description": unescape(description).strip() or None}
    ack()
    slack.open_modal(shortcut["trigger_id"], views.lead_form(values, channel=(shortcut.get("channel") or {}).get("id")))


def _is_officer_acting_on(lead: Lead, club: Club, user_id: str) -> bool:
    # The poster manages their own lead; only someone else needs the (slower) officer check.
    return lead.posted_by != user_id and club.is_officer(user_id)


def _officer_acting_on(club: Club, session: Session, user_id: str, lead_id: int) -> bool:
    """Asked before a write transaction opens: the officer check may wait on Slack."""
    lead = service.get_lead(session, team_id=club.team_id, lead_id=lead_id)
    return _is_officer_acting_on(lead, club, user_id)


def on_edit(ack, body, action, club: Club, slack: Slack, session: Session, user_id: str):
    lead = service.get_lead(session, team_id=club.team_id, lead_id=number_in(action.get("value")))
    if not service.may_manage(lead, user_id=user_id, is_officer=_is_officer_acting_on(lead, club, user_id)):
        raise UserError(views.ONLY_MANAGERS_EDIT)
    form = views.lead_form(views.draft_values(lead), lead_id=lead.id, channel=(body.get("channel") or {}).get("id"))
    ack()
    slack.open_modal(body["trigger_id"], form)


def on_close(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    lead_id = number_in(action.get("value"))
    is_officer = _officer_acting_on(club, session, user_id, lead_id)
    with store.writing(session):
        lead = service.close_lead(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, is_officer=is_officer)
        jobs.cancel_for(session, team_id=club.team_id, lead_id=lead.id, now=datetime.now(timezone.utc), reason="the lead was closed")
        jobs.refresh(session, lead=lead)
    ack()
    respond(**ephemeral(views.closed(lead)), replace_original=False)


def on_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    """The share or edit form: stored (with the announcement it owes) before the form closes."""
    meta = metadata(view)
    raw = form_values(view)
    raw["remote"] = "remote" in (raw.get("remote") or [])
    draft = service.validate(raw, today=club.today())
    editing = number_in(meta.get("lead_id")) if meta.get("lead_id") else None
    if editing is None:
        like = freshness.similar_open(session, team_id=club.team_id, company=draft.company, role=draft.role, today=club.today(), now=datetime.now(timezone.utc))
        if like is not None and meta.get("shared_anyway") != like.id:
            ack(response_action="update", view=views.lead_form(raw, channel=meta.get("channel"), like=like))
            return
    is_officer = editing is not None and _officer_acting_on(club, session, user_id, editing)
    waits = editing is None and moderating.first_lead_waits(club, session, user_id)
    # The poster's zone: their "Still open?" DM comes at 9:00 their time.
    club.member_timezone(user_id)
    with store.writing(session):
        workspace = club_service.ensure_workspace(session, team_id=club.team_id)
        club.keep_timezone(user_id)
        if editing is not None:
            lead = _edit(session, club, user_id, lead_id=editing, is_officer=is_officer, draft=draft)
            jobs.refresh(session, lead=lead)
        else:
            lead = service.create_lead(session, team_id=club.team_id, user_id=user_id, draft=draft, waits_for_approval=waits)
            leads_channel = workspace.leads_channel
            if waits:
                moderating.hold_for_approval(session, club, lead=lead, channel=leads_channel or meta.get("channel"))
            else:
                jobs.announce(session, lead=lead, channel=leads_channel or meta.get("channel"), poster=user_id)
    ack()


def _edit(session, club: Club, user_id: str, *, lead_id: int, is_officer: bool, draft: service.LeadDraft) -> Lead:
    old_deadline = service.get_lead(session, team_id=club.team_id, lead_id=lead_id).deadline
    lead = service.update_lead(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, is_officer=is_officer, draft=draft, today=club.today())
    if lead.deadline != old_deadline:
        jobs.replan_lead(session, lead=lead, club_tz=club.timezone, now=datetime.now(timezone.utc))
    return lead


def on_keep_open(ack, action, respond, club: Club, session: Session, store: Store, user_id: str):
    """The poster's "Still open?" DM: 30 more days; the DM says until when."""
    lead_id = number_in(action.get("value"))
    is_officer = _officer_acting_on(club, session, user_id, lead_id)
    with store.writing(session):
        lead = freshness.keep_open(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, is_officer=is_officer, today=club.today())
        jobs.refresh(session, lead=lead)
    ack()
    respond(text=views.kept_open(lead), replace_original=True)
