"""Reports, the officers' review queue and first leads waiting for approval, as Block Kit: pure
functions from domain objects to blocks and message text. Every piece of user text is escaped."""

from __future__ import annotations

from collections import Counter

from slack_sdk.models.blocks import ConfirmObject, InputBlock, Option, StaticSelectElement
from slack_sdk.models.views import View

from slackapp.leads import ids
from slackapp.leads.models import Lead, LeadChange, LeadReport, LeadStatus, ReportReason
from slackapp.leads.moderation import NOTE_LIMIT, REPORTS_TO_HIDE, ToReview
from slackapp.leads.views import lead_text
from slackapp.slack.blocks import actions, button, context, divider, modal, section, text_input
from slackapp.slack.phrases import date_token, plural
from slackapp.slack.text import escape

NO_REVIEWERS = "No officer is set up to review leads yet; please tell a club officer directly."
# Reports listed one by one in the officers' message (a section each, within Slack's 50 blocks).
REPORTS_SHOWN = 20
# On Home, a few lines per lead.
HOME_REPORTS_SHOWN = 5
HOME_NOTE = 150


def _name(lead: Lead, limit: int = 300) -> str:
    return f"*{escape(lead.role, limit)}* at {escape(lead.company, limit)}"


def _plain_name(lead: Lead) -> str:
    return f"{escape(lead.role, 150)} at {escape(lead.company, 100)}"


# --- the report form ---------------------------------------------------------------------------


def report_form(lead: Lead) -> View:
    reasons = [Option(value=reason.value, label=reason.label) for reason in ReportReason]
    blocks = [
        section(f"Report {_name(lead)}, shared by <@{lead.posted_by}>."),
        InputBlock(
            block_id=ids.REPORT_REASON,
            label="What's wrong with it?",
            element=StaticSelectElement(action_id=ids.VALUE, options=reasons, placeholder="Choose a reason"),
        ),
        text_input(ids.REPORT_NOTE, "Note for the officers", max_length=NOTE_LIMIT, optional=True, multiline=True,
                   placeholder="What did you notice?"),
        context(f"Officers review it. {REPORTS_TO_HIDE} members' reports, or an officer's, hide the lead until they do. "
                "The person who shared it isn't told who reported it."),
    ]
    return modal(ids.REPORT_FORM, "Report a lead", blocks, submit="Report", metadata={"lead_id": lead.id})


def reported(lead: Lead) -> dict:
    """What the report form turns into once the report is stored."""
    if lead.status == LeadStatus.hidden.value:
        words = "It is hidden from `/internships` until an officer reviews it."
    else:
        words = "The officers see it; a lead that more members report is hidden until an officer reviews it."
    body = f"Thanks for reporting {_name(lead)}. {words}"
    return View(type="modal", title="Report sent", close="Done", blocks=[section(body)]).to_dict()


# --- the officers' review queue ------------------------------------------------------------------------


def _report_line(report: LeadReport, note_limit: int) -> str:
    who = f"<@{report.user_id}>" + (" (officer)" if report.by_officer else "")
    line = f"• *{ReportReason(report.reason).label}* · {who}"
    return line + (f": {escape(report.note, note_limit)}" if report.note else "")


def _decided_line(change: LeadChange | None) -> str:
    if change is None:
        return "Decided."
    return f"{change.action.capitalize()} by <@{change.actor}> · {date_token(change.at)}"


def review_request(lead: Lead, reports: list[LeadReport], decided: LeadChange | None, tz: str) -> tuple[str, list]:
    """What officers see for a lead hidden by reports, with every report; once an officer decided,
    who did and what (no buttons)."""
    text = f"Reported lead hidden until an officer reviews it: {_plain_name(lead)}"
    waiting = lead.status == LeadStatus.hidden.value
    head = ":warning: *A reported lead is hidden until an officer reviews it*" if waiting else ":warning: *A reported lead, reviewed*"
    blocks: list = [section(head), section(lead_text(lead, tz)), section(f"*{plural(len(reports), 'report')}*")]
    blocks += [section(_report_line(report, 2500)) for report in reports[:REPORTS_SHOWN]]
    if len(reports) > REPORTS_SHOWN:
        blocks.append(context(f"…and {len(reports) - REPORTS_SHOWN} more (`/internships history {lead.id}`)."))
    blocks.append(review_buttons(lead) if waiting else context(_decided_line(decided)))
    return text, blocks


def approval_request(lead: Lead, decided: LeadChange | None, tz: str) -> tuple[str, list]:
    """What officers see for a first lead waiting for approval, and the decision once it is made."""
    text = f"Lead waiting for approval: {_plain_name(lead)}"
    waiting = lead.status == LeadStatus.pending.value
    blocks: list = [
        section(f":inbox_tray: <@{lead.posted_by}>'s first lead waits for an officer's approval before it is announced and listed."),
        section(lead_text(lead, tz)),
        approval_buttons(lead) if waiting else context(_decided_line(decided)),
    ]
    return text, blocks


def review_buttons(lead: Lead) -> dict:
    return _decision_buttons(lead, ("Restore", ids.RESTORE), ("Remove", ids.REMOVE), "It stays out of the list for good.", block_id=f"lead_review_{lead.id}")


def approval_buttons(lead: Lead) -> dict:
    return _decision_buttons(lead, ("Approve", ids.APPROVE), ("Decline", ids.DECLINE), "It won't be announced or listed.", block_id=f"lead_approval_{lead.id}")


def _decision_buttons(lead: Lead, keep: tuple[str, str], drop: tuple[str, str], dropped: str, *, block_id: str) -> dict:
    """An officer keeps the lead or drops it; dropping asks first, since its sharer is told."""
    (keep_label, keep_action), (drop_label, drop_action) = keep, drop
    return actions(
        button(keep_label, keep_action, str(lead.id), style="primary"),
        button(drop_label, drop_action, str(lead.id), style="danger", confirm=ConfirmObject(
            title=f"{drop_label} this lead?", text=f"{dropped} The person who shared it is told.", confirm=f"{drop_label} it", deny="Not yet")),
        block_id=block_id,
    )


def home_queue(items: list[ToReview], *, more: bool) -> list:
    """The officers' Home: leads hidden by reports and first leads waiting, each with its buttons."""
    blocks: list = [divider(), section("*Leads to review*")]
    if not items:
        return blocks + [context("Nothing waiting. Reported leads and first leads waiting for approval show here.")]
    for item in items:
        lead = item.lead
        if lead.status == LeadStatus.pending.value:
            line = f"{_name(lead, 150)} · shared by <@{lead.posted_by}> · first lead, waiting for approval"
            blocks += [section(line, block_id=f"home_lead_{lead.id}"), approval_buttons(lead)]
            continue
        counts = Counter(ReportReason(report.reason).label for report in item.reports)
        summary = ", ".join(f"{label} ×{count}" if count > 1 else label for label, count in counts.items())
        lines = [f"{_name(lead, 150)} · shared by <@{lead.posted_by}> · hidden after {plural(len(item.reports), 'report')}: {summary}"]
        lines += [_report_line(report, HOME_NOTE) for report in item.reports[:HOME_REPORTS_SHOWN]]
        if len(item.reports) > HOME_REPORTS_SHOWN:
            lines.append(f"…and {len(item.reports) - HOME_REPORTS_SHOWN} more")
        blocks += [section("\n".join(lines), block_id=f"home_lead_{lead.id}"), review_buttons(lead)]
    if more:
        blocks.append(context("More in the officers' channel or your DMs."))
    return blocks


# --- messages to the person who shared it ---------------------------------------------------------------


def waiting(lead: Lead) -> str:
    return (
        f"Thanks! Your lead {_name(lead)} waits for an officer's approval before it is announced and listed in `/internships` "
        "(a first lead does). I'll tell you here when it is decided."
    )


def approval_decided(lead: Lead, *, approved: bool) -> str:
    """To the poster of a first lead."""
    if approved:
        return f"Your lead {_name(lead)} was approved by an officer: it is announced and listed in `/internships`."
    return f"An officer declined your lead {_name(lead)}: it won't be announced or listed. A club officer can tell you why."


def review_decided(lead: Lead, *, restored: bool) -> str:
    """To the poster of a reported lead."""
    if restored:
        return f"Your lead {_name(lead)} was reported and hidden for a while; an officer reviewed it and restored it, so it is listed again."
    return f"Your lead {_name(lead)} was reported, and an officer reviewed it and removed it: it is no longer listed. A club officer can tell you why."
