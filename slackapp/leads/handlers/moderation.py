"""Reporting a lead, the officers' review of a hidden one (Restore / Remove), their approval of a
first lead (Approve / Decline), and what the share form asks of it: whether a first lead waits.

Officers are checked on the server for every decision; the rules (leads.moderation) decide only
from the status they change, with the lead's row locked, so a decision is taken and told once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slackapp.club import service as club_service
from slackapp.club.context import Club
from slackapp.db import Store
from slackapp.errors import UserError
from slackapp.leads import jobs, moderation, moderation_views, sections, service
from slackapp.leads.models import Lead, LeadStatus
from slackapp.scheduler import outbox
from slackapp.slack.facade import Slack, is_announceable
from slackapp.slack.forms import form_values, metadata, number_in


def _reviewers(club: Club, session: Session) -> list[str]:
    listed = {officer.user_id for officer in club_service.listed_officers(session, team_id=club.team_id)}
    return sorted(listed | club.officers.configured)


def _tell_poster(session: Session, decided: moderation.Decided, text: str) -> None:
    """One DM per decision: its key is the decision's history line."""
    lead = decided.lead
    outbox.send(session, team_id=lead.team_id, kind=outbox.DM, key=f"{outbox.DM}:lead-decision-{decided.change.id}", target=lead.posted_by,
                payload={"text": text, "blocks": []})


def _answered_in_place(body: dict) -> str | None:
    """The message whose button was pressed, when it was one (Home has none): it is replaced by the
    listener's answer, so the outbox need not update it too."""
    container = body.get("container") or {}
    return container.get("message_ts") if container.get("type") == "message" else None


# --- reporting ---------------------------------------------------------------------------------


def on_report(ack, body, action, club: Club, session: Session, slack: Slack, user_id: str):
    lead = service.get_lead(session, team_id=club.team_id, lead_id=number_in(action.get("value")))
    moderation.may_report(lead, user_id=user_id)
    if moderation.has_reported(session, team_id=club.team_id, lead_id=lead.id, user_id=user_id):
        raise UserError(moderation.ALREADY_REPORTED)
    ack()
    slack.open_modal(body["trigger_id"], moderation_views.report_form(lead))


def on_report_form(ack, view, club: Club, session: Session, store: Store, user_id: str):
    lead_id = number_in(metadata(view).get("lead_id"))
    reason, note = moderation.validate_report(form_values(view))
    is_officer = club.is_officer(user_id)  # may ask Slack: before the write
    with store.writing(session):
        done = moderation.report(session, team_id=club.team_id, lead_id=lead_id, user_id=user_id, is_officer=is_officer, reason=reason, note=note)
        if done.hidden is not None:
            jobs.refresh(session, lead=done.lead)
            jobs.ask_review(session, lead=done.lead, hidden=done.hidden.id, reviewers=_reviewers(club, session))
        elif done.lead.status == LeadStatus.hidden.value:
            # A report after hiding: the officers' question shows it too.
            hidden = moderation.last_hidden(session, lead=done.lead)
            jobs.REVIEW_ASKED.show_now(session, row=done.lead, occasion=str(hidden.id) if hidden else None)
        if done.lead.status == LeadStatus.hidden.value:
            sections.review_changed(session, club.team_id)
    ack(response_action="update", view=moderation_views.reported(done.lead))


# --- officers: Restore / Remove a hidden lead, Approve / Decline a first lead ---------------------------


def _after_decision(session: Session, club: Club, body: dict, decided: moderation.Decided, asked, told: str, *, occasion: str | None = None) -> tuple[str, list]:
    """In the decision's write: the poster told once, the officers' question shown decided, officers'
    Homes refreshed. Returns the question as it is now, for the message whose button was pressed."""
    _tell_poster(session, decided, told)
    asked.show_now(session, row=decided.lead, occasion=occasion, except_ts=_answered_in_place(body))
    sections.review_changed(session, club.team_id)
    return asked.render(decided.lead)


def _answer(ack, body, respond, question: tuple[str, list]) -> None:
    ack()
    if _answered_in_place(body):
        text, blocks = question
        respond(text=text, blocks=blocks, replace_original=True)


def _review(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str, *, restore: bool):
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        decided = moderation.review(session, team_id=club.team_id, lead_id=number_in(action.get("value")), officer_id=user_id, is_officer=is_officer,
                                    restore=restore)
        jobs.refresh(session, lead=decided.lead)
        hidden = moderation.last_hidden(session, lead=decided.lead)
        told = moderation_views.review_decided(decided.lead, restored=restore)
        question = _after_decision(session, club, body, decided, jobs.REVIEW_ASKED, told, occasion=str(hidden.id) if hidden else None)
    _answer(ack, body, respond, question)


def on_restore(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _review(ack, body, action, respond, club, session, store, user_id, restore=True)


def on_remove(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _review(ack, body, action, respond, club, session, store, user_id, restore=False)


def _approve(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str, *, approved: bool):
    is_officer = club.is_officer(user_id)
    with store.writing(session):
        decided = moderation.approve(session, team_id=club.team_id, lead_id=number_in(action.get("value")), officer_id=user_id, is_officer=is_officer,
                                     approved=approved)
        lead = decided.lead
        # While it waited, announce_channel kept where it was shared (see hold_for_approval).
        channel, lead.announce_channel = lead.announce_channel, None
        if approved:
            jobs.announce(session, lead=lead, channel=club_service.workspace(session, team_id=club.team_id).leads_channel or channel, poster=lead.posted_by)
        told = moderation_views.approval_decided(lead, approved=approved)
        question = _after_decision(session, club, body, decided, jobs.APPROVAL_ASKED, told)
    _answer(ack, body, respond, question)


def on_approve(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _approve(ack, body, action, respond, club, session, store, user_id, approved=True)


def on_decline(ack, body, action, respond, club: Club, session: Session, store: Store, user_id: str):
    _approve(ack, body, action, respond, club, session, store, user_id, approved=False)


# --- what the share form asks ------------------------------------------------------------------------------


def first_lead_waits(club: Club, session: Session, user_id: str) -> bool:
    """Whether a new lead of `user_id` waits for an officer's approval. Asked before the form's
    write: Slack may be asked whether they are a guest or an officer (only when it matters)."""
    if moderation.has_shown_lead(session, team_id=club.team_id, user_id=user_id):
        return False
    approve_first = club.settings.approve_first_leads
    is_guest = club.is_guest(user_id)
    is_officer = (is_guest or approve_first) and club.is_officer(user_id)
    return moderation.first_lead_waits(is_officer=is_officer, is_guest=is_guest, approve_first_leads=approve_first, has_shown_lead=False)


def hold_for_approval(session: Session, club: Club, *, lead: Lead, channel: str | None) -> None:
    """In the form's write, for a lead stored waiting: the poster is told, the officers are asked.
    Until it is decided, announce_channel keeps where it would have been announced (announce_ts
    stays empty: it is not announced)."""
    lead.announce_channel = channel if is_announceable(channel) and len(channel) <= 32 else None
    outbox.dm(session, team_id=club.team_id, user_id=lead.posted_by, text=moderation_views.waiting(lead))
    jobs.ask_approval(session, lead=lead, reviewers=_reviewers(club, session))
    sections.review_changed(session, club.team_id)
