"""Reports and moderation of leads, and first leads that wait for an officer's approval: the rules,
over the store. Nothing here knows about Slack.

- Any member reports a lead once, with a reason and an optional note. Two different members'
  reports, or one officer's, hide it (status hidden: out of search, digests and alerts) until an
  officer restores it (open again) or removes it (removed). Reports made after it was hidden are
  kept and shown to the officers too; after a restore, only newer reports count towards hiding it
  again.
- A guest's first lead, and every member's first lead when the club turns that on, is stored
  pending: an officer approves it (open, announced) or declines it (declined). Officers' leads
  never wait.
- Every decision is taken once: from the status it decides on, with the lead's row locked, so a
  double click or two officers at once find it decided already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db import insert_for, inserted, team_row, utcnow
from slackapp.errors import UserError
from slackapp.leads import history, ids
from slackapp.leads.history import Action
from slackapp.leads.models import OPEN_FOR, Lead, LeadChange, LeadReport, LeadStatus, ReportReason

# Reports from this many different members hide a lead; one officer's report is enough.
REPORTS_TO_HIDE = 2
NOTE_LIMIT = 500

GONE = "That lead no longer exists."
PICK_A_REASON = "Pick a reason."
NOTE_TOO_LONG = f"Keep the note under {NOTE_LIMIT} characters."
OWN_LEAD = "You shared this lead: edit or close it instead of reporting it."
ALREADY_REPORTED = "You have already reported this lead. The officers see your report."
NOT_LISTED = "This lead isn't listed, so there is nothing to report."
ONLY_OFFICERS_REVIEW = "Only club officers can restore or remove a reported lead."
ONLY_OFFICERS_APPROVE = "Only club officers can approve or decline a lead."
NOT_IN_REVIEW = "This lead isn't waiting for a review."
NOT_WAITING = "This lead isn't waiting for an approval."

DECISIONS = (Action.restored, Action.removed, Action.approved, Action.declined)


# --- reporting ---------------------------------------------------------------------------------------


def validate_report(raw: dict) -> tuple[ReportReason, str | None]:
    """The report form's reason and note; UserError next to the field that is wrong."""
    try:
        reason = ReportReason(str(raw.get(ids.REPORT_REASON) or ""))
    except ValueError:
        raise UserError(PICK_A_REASON, field=ids.REPORT_REASON) from None
    note = raw.get(ids.REPORT_NOTE)
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > NOTE_LIMIT:
        raise UserError(NOTE_TOO_LONG, field=ids.REPORT_NOTE)
    return reason, note or None


def may_report(lead: Lead, *, user_id: str) -> None:
    """Whether `user_id` may report `lead` at all (not whether they already did)."""
    if lead.posted_by == user_id:
        raise UserError(OWN_LEAD, field=ids.REPORT_REASON)
    if lead.status not in (LeadStatus.open.value, LeadStatus.hidden.value):
        raise UserError(NOT_LISTED, field=ids.REPORT_REASON)


def has_reported(session: Session, *, team_id: str, lead_id: int, user_id: str) -> bool:
    return session.scalar(
        select(LeadReport.id).where(LeadReport.team_id == team_id, LeadReport.lead_id == lead_id, LeadReport.user_id == user_id)
    ) is not None


@dataclass(frozen=True)
class Reported:
    lead: Lead
    report: LeadReport
    # The history line of hiding the lead, when this report hid it; its id tells this time in
    # review apart from the next one.
    hidden: LeadChange | None = None


def report(
    session: Session, *, team_id: str, lead_id: int, user_id: str, is_officer: bool, reason: ReportReason, note: str | None, now: datetime | None = None
) -> Reported:
    """Store a member's report (once per member and lead) and hide the lead when it has enough."""
    now = now or utcnow()
    # Locked, reports of one lead are counted one at a time (PostgreSQL; SQLite's write lock already is).
    lead = team_row(session, Lead, team_id=team_id, row_id=lead_id, lock=True, missing=GONE)
    may_report(lead, user_id=user_id)
    values = {"team_id": team_id, "lead_id": lead.id, "user_id": user_id, "reason": reason.value, "note": note, "by_officer": is_officer, "created_at": now}
    statement = insert_for(session)(LeadReport).values(**values).on_conflict_do_nothing()
    if not inserted(session, statement, LeadReport.id):
        raise UserError(ALREADY_REPORTED, field=ids.REPORT_REASON)
    stored = session.scalar(select(LeadReport).where(LeadReport.team_id == team_id, LeadReport.lead_id == lead.id, LeadReport.user_id == user_id))
    history.record(session, lead=lead, actor=user_id, action=Action.reported, detail=_report_detail(reason, note, is_officer), at=now)
    hidden = None
    if lead.status == LeadStatus.open.value and lead.closed_at is None:
        if is_officer:
            hidden = _hide(session, lead, actor=user_id, detail="an officer reported it", now=now)
        else:
            reporters = _reporters_since_review(session, lead)
            if reporters >= REPORTS_TO_HIDE:
                hidden = _hide(session, lead, actor=history.APP, detail=f"{reporters} members reported it", now=now)
    return Reported(lead=lead, report=stored, hidden=hidden)


def _report_detail(reason: ReportReason, note: str | None, is_officer: bool) -> str:
    return reason.label + (" (an officer)" if is_officer else "") + (f": {note}" if note else "")


def _hide(session: Session, lead: Lead, *, actor: str, detail: str, now: datetime) -> LeadChange:
    lead.status = LeadStatus.hidden.value
    change = history.record(session, lead=lead, actor=actor, action=Action.hidden, detail=detail, at=now)
    session.flush()
    return change


def _reporters_since_review(session: Session, lead: Lead) -> int:
    """Members whose reports count towards hiding the lead: all of them, or, once an officer has
    restored it, those who reported it since."""
    restored = session.scalar(
        select(func.max(LeadChange.id)).where(LeadChange.team_id == lead.team_id, LeadChange.lead_id == lead.id, LeadChange.action == Action.restored.value)
    )
    counted = select(func.count(func.distinct(LeadReport.user_id))).where(LeadReport.team_id == lead.team_id, LeadReport.lead_id == lead.id)
    if restored is not None:
        restored_at = session.scalar(select(LeadChange.at).where(LeadChange.id == restored))
        counted = counted.where(LeadReport.created_at > restored_at)
    return session.scalar(counted) or 0


def reports_of(session: Session, *, lead: Lead) -> list[LeadReport]:
    """Every report of the lead, oldest first."""
    return list(session.scalars(select(LeadReport).where(LeadReport.team_id == lead.team_id, LeadReport.lead_id == lead.id).order_by(LeadReport.id)))


def last_hidden(session: Session, *, lead: Lead) -> LeadChange | None:
    """The history line of the lead's latest hiding: its id names this time in review."""
    return session.scalar(
        select(LeadChange)
        .where(LeadChange.team_id == lead.team_id, LeadChange.lead_id == lead.id, LeadChange.action == Action.hidden.value)
        .order_by(LeadChange.id.desc())
        .limit(1)
    )


def last_decision(session: Session, *, lead: Lead) -> LeadChange | None:
    """The latest officer's decision on the lead (restored, removed, approved or declined)."""
    return session.scalar(
        select(LeadChange)
        .where(LeadChange.team_id == lead.team_id, LeadChange.lead_id == lead.id, LeadChange.action.in_([action.value for action in DECISIONS]))
        .order_by(LeadChange.id.desc())
        .limit(1)
    )


# --- officers' decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    lead: Lead
    # The decision's line in the history: its id makes the poster's DM about it one of a kind.
    change: LeadChange


def _decide(session: Session, *, team_id: str, lead_id: int, officer_id: str, waiting: LeadStatus, to: LeadStatus, action: Action,
            not_waiting: str, now: datetime | None) -> Decided:
    lead = team_row(session, Lead, team_id=team_id, row_id=lead_id, lock=True, missing=GONE)
    if lead.status != waiting.value:
        decided = last_decision(session, lead=lead)
        raise UserError(f"<@{decided.actor}> already {decided.action} this lead." if decided is not None else not_waiting)
    lead.status = to.value
    change = history.record(session, lead=lead, actor=officer_id, action=action, at=now or utcnow())
    session.flush()
    return Decided(lead=lead, change=change)


def review(session: Session, *, team_id: str, lead_id: int, officer_id: str, is_officer: bool, restore: bool, now: datetime | None = None) -> Decided:
    """An officer restores a hidden lead (open again) or removes it; only while it is hidden."""
    if not is_officer:
        raise UserError(ONLY_OFFICERS_REVIEW)
    to, action = (LeadStatus.open, Action.restored) if restore else (LeadStatus.removed, Action.removed)
    return _decide(session, team_id=team_id, lead_id=lead_id, officer_id=officer_id, waiting=LeadStatus.hidden, to=to, action=action,
                   not_waiting=NOT_IN_REVIEW, now=now)


def approve(session: Session, *, team_id: str, lead_id: int, officer_id: str, is_officer: bool, approved: bool, now: datetime | None = None) -> Decided:
    """An officer approves a waiting lead (open, to be announced) or declines it; only while it waits."""
    if not is_officer:
        raise UserError(ONLY_OFFICERS_APPROVE)
    to, action = (LeadStatus.open, Action.approved) if approved else (LeadStatus.declined, Action.declined)
    decided = _decide(session, team_id=team_id, lead_id=lead_id, officer_id=officer_id, waiting=LeadStatus.pending, to=to, action=action,
                      not_waiting=NOT_WAITING, now=now)
    if approved and decided.lead.deadline is None:
        # Its 30 days are counted from when members can first see it.
        decided.lead.expires_on = max(decided.lead.expires_on, decided.change.at.date() + OPEN_FOR)
    return decided


# --- first leads wait -------------------------------------------------------------------------------


def has_shown_lead(session: Session, *, team_id: str, user_id: str) -> bool:
    """Whether the member has a lead that was approved or went out at once (it is open now)."""
    return session.scalar(
        select(Lead.id).where(Lead.team_id == team_id, Lead.posted_by == user_id, Lead.status == LeadStatus.open.value).limit(1)
    ) is not None


def first_lead_waits(*, is_officer: bool, is_guest: bool, approve_first_leads: bool, has_shown_lead: bool) -> bool:
    """A guest's first lead waits for an officer's approval; so does everyone's first lead when the
    club turns that on. Officers' leads never wait."""
    return not is_officer and not has_shown_lead and (is_guest or approve_first_leads)


# --- the officers' queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToReview:
    lead: Lead
    reports: list[LeadReport]


def review_queue(session: Session, *, team_id: str, limit: int) -> list[ToReview]:
    """Leads waiting for an officer, oldest first: hidden by reports (with every report), and
    first leads waiting for approval."""
    leads = list(
        session.scalars(
            select(Lead)
            .where(Lead.team_id == team_id, Lead.status.in_((LeadStatus.hidden.value, LeadStatus.pending.value)))
            .order_by(Lead.id)
            .limit(limit)
        )
    )
    found: dict[int, list[LeadReport]] = {lead.id: [] for lead in leads}
    if leads:
        for row in session.scalars(select(LeadReport).where(LeadReport.team_id == team_id, LeadReport.lead_id.in_(found)).order_by(LeadReport.id)):
            found[row.lead_id].append(row)
    return [ToReview(lead=lead, reports=found[lead.id]) for lead in leads]
