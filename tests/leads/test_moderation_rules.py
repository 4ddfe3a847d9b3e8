"""The rules of reports, the officers' review and first leads waiting for approval, called directly on
a migrated database of each store (the fast layer): what hides a lead, who may decide, that every
decision is taken once, what the history records, and the officers' messages as data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from slackapp.errors import UserError
from slackapp.leads import history, ids, moderation, moderation_views, service
from slackapp.leads.models import LeadChange, LeadReport, LeadStatus, ReportReason
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons
from tests.leads.test_leads_rules import NOW, OFFICER, OTHER_TEAM, POSTER, TEAM, TODAY, draft, share

pytestmark = pytest.mark.fast

MEMBER, FRIEND, THIRD = "UMEMBER", "UFRIEND", "UTHIRD"


def message(call, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as refused:
        call(*args, **kwargs)
    return refused.value


def changes(session, lead) -> list[tuple[str, str, str | None]]:
    rows = session.scalars(select(LeadChange).where(LeadChange.team_id == lead.team_id, LeadChange.lead_id == lead.id).order_by(LeadChange.id))
    return [(row.actor, row.action, row.detail) for row in rows]


def report(session, lead, user=MEMBER, *, reason=ReportReason.spam, note=None, is_officer=False, now=NOW, team=TEAM):
    return moderation.report(session, team_id=team, lead_id=lead.id, user_id=user, is_officer=is_officer, reason=reason, note=note, now=now)


def review(session, lead, *, restore=True, officer=OFFICER, is_officer=True, now=NOW):
    return moderation.review(session, team_id=TEAM, lead_id=lead.id, officer_id=officer, is_officer=is_officer, restore=restore, now=now)


def approve(session, lead, *, approved=True, officer=OFFICER, is_officer=True, now=NOW):
    return moderation.approve(session, team_id=TEAM, lead_id=lead.id, officer_id=officer, is_officer=is_officer, approved=approved, now=now)


def listed(session) -> list[str]:
    return [row.role for row in service.open_leads(session, team_id=TEAM, today=TODAY).leads]


def lead_to_report(session, url: str, **changes):
    lead = share(session, url=f"https://mod.example/{url}", role=f"Role {url}", **changes)
    session.flush()
    return lead


# ---- the report form ------------------------------------------------------------------------------


def test_a_report_has_one_of_the_reasons_and_an_optional_note_of_at_most_500_characters():
    assert moderation.validate_report({ids.REPORT_REASON: "spam", ids.REPORT_NOTE: "  looks fake  "}) == (ReportReason.spam, "looks fake")
    assert moderation.validate_report({ids.REPORT_REASON: "closed", ids.REPORT_NOTE: "   "}) == (ReportReason.closed, None)
    assert moderation.validate_report({ids.REPORT_REASON: "other", ids.REPORT_NOTE: "x" * 500})[1] == "x" * 500
    assert message(moderation.validate_report, {ids.REPORT_REASON: "other", ids.REPORT_NOTE: "x" * 501}).fields == {ids.REPORT_NOTE: moderation.NOTE_TOO_LONG}
    for reason in (None, "", "scam", ["spam"]):
        assert message(moderation.validate_report, {ids.REPORT_REASON: reason}).fields == {ids.REPORT_REASON: "Pick a reason."}
    assert [reason.label for reason in ReportReason] == ["It's closed", "Spam or scam", "Wrong details", "Inappropriate", "Other"]


# ---- what hides a lead -------------------------------------------------------------------------------


def test_two_different_members_reports_hide_a_lead_and_the_history_says_so(session):
    lead = lead_to_report(session, "two")
    first = report(session, lead, MEMBER, reason=ReportReason.wrong, note="The link is dead")
    assert (first.hidden, lead.status, listed(session)) == (None, "open", ["Role two"])
    second = report(session, lead, FRIEND, reason=ReportReason.spam, now=NOW + timedelta(minutes=1))
    assert second.hidden is not None and lead.status == "hidden"
    assert listed(session) == []
    assert service.shared_since(session, team_id=TEAM, since=NOW - timedelta(days=1), today=TODAY) == []
    assert changes(session, lead) == [
        (POSTER, "posted", None),
        (MEMBER, "reported", "Wrong details: The link is dead"),
        (FRIEND, "reported", "Spam or scam"),
        (history.APP, "hidden", "2 members reported it"),
    ]
    stored = session.scalars(select(LeadReport).where(LeadReport.lead_id == lead.id).order_by(LeadReport.id)).all()
    assert [(row.user_id, row.reason, row.note, row.by_officer) for row in stored] == [
        (MEMBER, "wrong", "The link is dead", False), (FRIEND, "spam", None, False)]


def test_one_officers_report_hides_a_lead(session):
    lead = lead_to_report(session, "officer")
    done = report(session, lead, OFFICER, reason=ReportReason.inappropriate, is_officer=True)
    assert (lead.status, done.hidden.actor, done.hidden.detail) == ("hidden", OFFICER, "an officer reported it")
    assert changes(session, lead)[1:] == [(OFFICER, "reported", "Inappropriate (an officer)"), (OFFICER, "hidden", "an officer reported it")]


def test_a_member_reports_a_lead_only_once(session):
    lead = lead_to_report(session, "once")
    report(session, lead, MEMBER)
    refused = message(report, session, lead, MEMBER, reason=ReportReason.closed)
    assert refused.fields == {ids.REPORT_REASON: "You have already reported this lead. The officers see your report."}
    assert lead.status == "open"  # the same member twice is not two members
    assert len(session.scalars(select(LeadReport).where(LeadReport.lead_id == lead.id)).all()) == 1
    assert [action for _, action, _ in changes(session, lead)] == ["posted", "reported"]
    assert moderation.has_reported(session, team_id=TEAM, lead_id=lead.id, user_id=MEMBER)
    assert not moderation.has_reported(session, team_id=OTHER_TEAM, lead_id=lead.id, user_id=MEMBER)


def test_nobody_reports_their_own_lead_a_lead_not_listed_or_another_workspaces(session):
    lead = lead_to_report(session, "own")
    assert str(message(report, session, lead, POSTER)) == "You shared this lead: edit or close it instead of reporting it."
    assert str(message(report, session, lead, MEMBER, team=OTHER_TEAM)) == "That lead no longer exists."
    for status in (LeadStatus.pending, LeadStatus.removed, LeadStatus.declined):
        lead.status = status.value
        assert str(message(report, session, lead, MEMBER)) == "This lead isn't listed, so there is nothing to report."
    assert session.scalars(select(LeadReport).where(LeadReport.lead_id == lead.id)).all() == []


def test_reports_after_hiding_are_kept_and_a_closed_lead_is_not_hidden(session):
    lead = lead_to_report(session, "after")
    report(session, lead, MEMBER)
    report(session, lead, FRIEND)
    third = report(session, lead, THIRD, reason=ReportReason.closed, note="Filled")
    assert (third.hidden, lead.status) == (None, "hidden")
    assert [row.user_id for row in moderation.reports_of(session, lead=lead)] == [MEMBER, FRIEND, THIRD]
    assert [action for _, action, _ in changes(session, lead)].count("hidden") == 1

    closed = lead_to_report(session, "closed")
    service.close_lead(session, team_id=TEAM, lead_id=closed.id, user_id=POSTER, is_officer=False)
    report(session, closed, MEMBER)
    assert report(session, closed, FRIEND).hidden is None and closed.status == "open"


# ---- the officers' review ---------------------------------------------------------------------------------


def hidden_lead(session, url: str):
    lead = lead_to_report(session, url)
    report(session, lead, MEMBER)
    report(session, lead, FRIEND)
    return lead


def test_only_officers_restore_or_remove_and_nothing_changes_otherwise(session):
    lead = hidden_lead(session, "crafted")
    for restore in (True, False):
        assert str(message(review, session, lead, restore=restore, officer=MEMBER, is_officer=False)) == moderation.ONLY_OFFICERS_REVIEW
    assert lead.status == "hidden" and "restored" not in str(changes(session, lead))


def test_restoring_puts_the_lead_back_once_and_a_second_decision_is_refused(session):
    lead = hidden_lead(session, "restore")
    decided = review(session, lead, restore=True, now=NOW + timedelta(hours=1))
    assert (lead.status, decided.change.action, decided.change.actor) == ("open", "restored", OFFICER)
    assert listed(session) == ["Role restore"]
    for restore in (True, False):
        assert str(message(review, session, lead, restore=restore, officer="UOTHEROFFICER")) == f"<@{OFFICER}> already restored this lead."
    assert lead.status == "open"
    assert [action for _, action, _ in changes(session, lead)] == ["posted", "reported", "reported", "hidden", "restored"]


def test_removing_takes_the_lead_out_for_good(session):
    lead = hidden_lead(session, "remove")
    decided = review(session, lead, restore=False)
    assert (lead.status, decided.change.action) == ("removed", "removed")
    assert listed(session) == []
    assert str(message(review, session, lead, restore=True)) == f"<@{OFFICER}> already removed this lead."
    never = lead_to_report(session, "never")
    assert str(message(review, session, never)) == "This lead isn't waiting for a review."


def test_after_a_restore_only_newer_reports_hide_it_again(session):
    lead = hidden_lead(session, "again")
    first_time = moderation.last_hidden(session, lead=lead)
    review(session, lead, restore=True, now=NOW + timedelta(hours=1))
    assert report(session, lead, THIRD, now=NOW + timedelta(hours=2)).hidden is None
    assert lead.status == "open"
    again = report(session, lead, "UFOURTH", now=NOW + timedelta(hours=3))
    assert again.hidden is not None and lead.status == "hidden"
    assert again.hidden.id != first_time.id and moderation.last_hidden(session, lead=lead).id == again.hidden.id
    assert review(session, lead, restore=False, now=NOW + timedelta(hours=4)).change.action == "removed"


# ---- first leads wait ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_officer", "is_guest", "approve_first_leads", "has_shown_lead", "waits"),
    [
        (False, True, False, False, True),  # a guest's first lead
        (False, False, True, False, True),  # everyone's first lead, when the club says so
        (False, True, True, False, True),
        (False, False, False, False, False),  # a member's first lead, by default
        (False, True, False, True, False),  # a guest with a lead already shown
        (False, False, True, True, False),
        (True, True, True, False, False),  # officers never wait
        (True, False, True, False, False),
    ],
)
def test_who_waits_for_approval(is_officer, is_guest, approve_first_leads, has_shown_lead, waits):
    assert moderation.first_lead_waits(is_officer=is_officer, is_guest=is_guest, approve_first_leads=approve_first_leads, has_shown_lead=has_shown_lead) is waits


def test_only_a_lead_that_went_out_counts_as_shown(session):
    assert not moderation.has_shown_lead(session, team_id=TEAM, user_id=POSTER)
    waiting = service.create_lead(session, team_id=TEAM, user_id=POSTER, draft=draft(url="https://mod.example/w"), now=NOW, waits_for_approval=True)
    assert waiting.status == "pending"
    assert not moderation.has_shown_lead(session, team_id=TEAM, user_id=POSTER)
    approve(session, waiting, approved=False)
    assert not moderation.has_shown_lead(session, team_id=TEAM, user_id=POSTER)
    lead_to_report(session, "shown")
    assert moderation.has_shown_lead(session, team_id=TEAM, user_id=POSTER)
    assert not moderation.has_shown_lead(session, team_id=OTHER_TEAM, user_id=POSTER)


def waiting_lead(session, url: str):
    lead = service.create_lead(session, team_id=TEAM, user_id=POSTER, draft=draft(url=f"https://mod.example/{url}", role=f"Waiting {url}"),
                               now=NOW, waits_for_approval=True)
    session.flush()
    return lead


def test_approving_or_declining_a_waiting_lead_once_by_an_officer(session):
    lead, other = waiting_lead(session, "a"), waiting_lead(session, "b")
    assert listed(session) == []
    assert str(message(approve, session, lead, officer=MEMBER, is_officer=False)) == "Only club officers can approve or decline a lead."
    assert lead.status == "pending"
    assert approve(session, lead).change.action == "approved" and lead.status == "open"
    assert listed(session) == ["Waiting a"]
    assert str(message(approve, session, lead, approved=False, officer="UOTHEROFFICER")) == f"<@{OFFICER}> already approved this lead."
    assert approve(session, other, approved=False).change.action == "declined" and other.status == "declined"
    assert str(message(approve, session, other)) == f"<@{OFFICER}> already declined this lead."
    assert str(message(approve, session, lead_to_report(session, "open"))) == "This lead isn't waiting for an approval."
    assert changes(session, lead) == [(POSTER, "posted", "waiting for an officer's approval"), (OFFICER, "approved", None)]


# ---- the officers' queue, and what they read ----------------------------------------------------------------


def test_the_queue_holds_hidden_and_waiting_leads_with_every_report_oldest_first(session):
    hidden = hidden_lead(session, "q1")
    waiting = waiting_lead(session, "q2")
    lead_to_report(session, "q3")
    share(session, team_id=OTHER_TEAM, url="https://mod.example/q4")
    queue = moderation.review_queue(session, team_id=TEAM, limit=10)
    assert [(item.lead.id, [report.user_id for report in item.reports]) for item in queue] == [(hidden.id, [MEMBER, FRIEND]), (waiting.id, [])]
    assert [item.lead.id for item in moderation.review_queue(session, team_id=TEAM, limit=1)] == [hidden.id]
    review(session, hidden)
    assert [item.lead.id for item in moderation.review_queue(session, team_id=TEAM, limit=10)] == [waiting.id]


def test_the_review_message_lists_every_reason_escaped_and_its_buttons_until_decided(session):
    lead = lead_to_report(session, "msg", company=EVIL)
    report(session, lead, MEMBER, reason=ReportReason.wrong, note=EVIL)
    report(session, lead, FRIEND, reason=ReportReason.spam)
    text, blocks = moderation_views.review_request(lead, moderation.reports_of(session, lead=lead), None, "UTC")
    shown = all_text(blocks)
    assert "Wrong details" in shown and "Spam or scam" in shown and f"<@{MEMBER}>" in shown and f"<@{FRIEND}>" in shown
    assert ESCAPED in shown and not any(live in shown + text for live in LIVE)
    assert {button["action_id"]: button["value"] for button in buttons(blocks)} == {ids.RESTORE: str(lead.id), ids.REMOVE: str(lead.id)}
    decided = review(session, lead, restore=False)
    _, blocks = moderation_views.review_request(lead, moderation.reports_of(session, lead=lead), decided.change, "UTC")
    assert buttons(blocks) == [] and f"Removed by <@{OFFICER}>" in all_text(blocks)


def test_the_report_form_and_the_officers_home(session):
    lead = hidden_lead(session, "home")
    waiting = waiting_lead(session, "home2")
    form = moderation_views.report_form(lead).to_dict()
    assert [block.get("block_id") for block in form["blocks"] if block["type"] == "input"] == [ids.REPORT_REASON, ids.REPORT_NOTE]
    assert form["blocks"][2]["element"]["max_length"] == 500
    blocks = moderation_views.home_queue(moderation.review_queue(session, team_id=TEAM, limit=10), more=False)
    assert [(button["action_id"], button["value"]) for button in buttons(blocks)] == [
        (ids.RESTORE, str(lead.id)), (ids.REMOVE, str(lead.id)), (ids.APPROVE, str(waiting.id)), (ids.DECLINE, str(waiting.id))]
    assert "hidden after 2 reports: Spam or scam ×2" in all_text(blocks)
    assert "Nothing waiting" in all_text(moderation_views.home_queue([], more=False))
