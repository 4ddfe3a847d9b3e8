"""Lead views as data: what a reader sees, user text kept inert, and the largest inputs still fit
Slack's limits (the fast layer: no app, no database)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from slackapp.club import views as club_views
from slackapp.club.models import Workspace
from slackapp.leads import ids, views
from slackapp.leads.models import Lead, SavedLead
from slackapp.leads.service import LIMITS, Page, Query
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems, view_problems
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons

pytestmark = pytest.mark.fast
TODAY = date(2031, 3, 3)


def lead(**changes) -> Lead:
    fields = dict(
        id=7, team_id="T1", company="Acme", role="Analyst intern", url="https://jobs.acme.example/42", url_key="k", kind="internship",
        location="Storrs, CT", remote=False, pay=None, deadline=None, description=None, tags=None, posted_by="UPOSTER",
        created_at=datetime(2031, 3, 1, tzinfo=timezone.utc), closed_at=None,
    )
    fields.update(changes)
    return Lead(**fields)


def saved(row_lead: Lead, stage: str = "saved") -> SavedLead:
    row = SavedLead(team_id="T1", user_id="U1", lead_id=row_lead.id, stage=stage)
    row.lead = row_lead
    return row


def test_every_piece_of_user_text_in_a_lead_is_escaped():
    text = views.lead_text(lead(company=EVIL, role=EVIL, location=EVIL, pay=EVIL, description=EVIL, tags=EVIL), "UTC")
    assert text.count(ESCAPED) == 6  # company, role, location, pay, description and the one tag
    assert not [live for live in LIVE if live in text]


def test_the_announcement_is_valid_and_offers_open_and_save():
    text, blocks = views.announcement(lead(role=EVIL), "America/New_York")
    message = {"text": text, "blocks": to_dicts(blocks)}
    assert message_problems(message) == []
    assert [b["text"]["text"] for b in buttons(message["blocks"])] == ["Open", "Save", "Report"]
    assert EVIL not in json.dumps(message)


def test_only_managers_see_edit_and_close_and_a_closed_lead_has_no_close():
    def labels(shown: Lead, **kwargs):
        return [b["text"]["text"] for b in buttons(to_dicts([views.lead_buttons(shown, **kwargs)]))]

    assert labels(lead(), saved=False, can_manage=False) == ["Open", "Save", "Report"]
    assert labels(lead(), saved=True, can_manage=True) == ["Open", "Saved ✓", "Edit", "Close", "Report"]
    assert labels(lead(closed_at=datetime(2031, 3, 2, tzinfo=timezone.utc)), saved=False, can_manage=True) == ["Open", "Save", "Edit", "Report"]
    assert labels(lead(), saved=False, can_manage=True, officer=True) == ["Open", "Save", "Edit", "Close", "Report", "History"]


@pytest.mark.parametrize(("days", "flag"), [(0, ":warning: *due today* · "), (1, ":warning: *due in 1 day* · "), (7, ":warning: *due in 7 days* · "), (8, ""), (None, "")])
def test_my_leads_flag_deadlines_within_a_week(days, flag):
    deadline = None if days is None else TODAY + timedelta(days=days)
    blocks = to_dicts(views.my_leads([saved(lead(deadline=deadline))], tz="UTC", today=TODAY))
    [row] = [block for block in blocks if block.get("block_id") == "saved_7"]
    assert row["text"]["text"].startswith(flag + "*Analyst intern*")


def test_a_closed_saved_lead_is_not_flagged():
    blocks = to_dicts(views.my_leads([saved(lead(deadline=TODAY), stage="closed")], tz="UTC", today=TODAY))
    assert "due" not in all_text(blocks) and message_problems({"text": "mine", "blocks": blocks}) == []


def test_the_nudge_says_when_and_offers_i_applied():
    text, blocks = views.nudge(lead(role=EVIL, deadline=TODAY + timedelta(days=1)), days=1, tz="Asia/Tokyo")
    message = {"text": text, "blocks": to_dicts(blocks)}
    assert message_problems(message) == []
    assert text == f"Reminder: {ESCAPED} at Acme closes tomorrow."
    assert [b["action_id"] for b in buttons(message["blocks"])] == [ids.OPEN, ids.NUDGE_APPLIED]


def biggest_lead(number: int) -> Lead:
    return Lead(
        id=10_000_000 + number,
        team_id="T1",
        company="C" * LIMITS["company"],
        role="R&<>" * (LIMITS["role"] // 4),
        url="https://example.com/" + "a" * (LIMITS["url"] - 20),
        url_key="k",
        kind="micro",
        location="L" * LIMITS["location"],
        remote=True,
        pay="P" * LIMITS["pay"],
        deadline=date(2030, 1, 1),
        description="<!channel>" * (LIMITS["description"] // 10),
        tags=", ".join(["t" * 10] * 18),
        posted_by="U0123456789",
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )


def test_a_full_page_of_the_largest_leads_fits_one_message():
    leads = [biggest_lead(n) for n in range(10)]
    page = Page(leads=leads, number=3, has_next=True, query=Query(words=("x" * 500,), remote=True))
    blocks = to_dicts(views.lead_list(page, tz="America/New_York", saved={leads[0].id}, manageable={lead.id for lead in leads}))
    assert message_problems({"text": "leads", "blocks": blocks}) == []


def test_announcement_and_form_fit():
    text, blocks = views.announcement(biggest_lead(1), "Asia/Kolkata")
    assert message_problems({"text": text, "blocks": to_dicts(blocks)}) == []
    values = views.draft_values(biggest_lead(1))
    assert view_problems(views.lead_form(values, lead_id=10**12, channel="C" + "9" * 20).to_dict()) == []
    assert view_problems(views.lead_form().to_dict()) == []


def test_my_leads_with_many_saved_fits():
    saved = []
    for n in range(120):
        row = SavedLead(team_id="T1", user_id="U1", lead_id=n, stage="interviewing")
        row.lead = biggest_lead(n)
        saved.append(row)
    blocks = to_dicts(views.my_leads(saved, tz="UTC", today=date(2029, 12, 28)))
    assert message_problems({"text": "mine", "blocks": blocks}) == []


def test_club_screens_fit():
    settings = Workspace(team_id="T1", timezone="America/Argentina/ComodRivadavia", leads_channel="C123")
    assert view_problems(club_views.config_form(settings).to_dict()) == []
    assert message_problems({"text": "help", "blocks": to_dicts(club_views.help_blocks())}) == []


def test_the_checker_catches_what_slack_would_refuse():
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    assert message_problems({"text": "x", "blocks": too_many})
    long_button = [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}, "action_id": "a"}]}]
    assert message_problems({"text": "x", "blocks": long_button})
    assert view_problems({"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []})


def test_a_save_button_in_the_list_carries_its_page_and_one_in_an_announcement_only_the_lead():
    page = Page(leads=[lead()], number=2, has_next=False, query=Query(words=("analyst",), remote=True))
    [save] = [b for b in buttons(to_dicts(views.lead_list(page, tz="UTC", saved=set(), manageable=set()))) if b["action_id"] == ids.SAVE]
    assert json.loads(save["value"]) == {"lead": 7, "q": "analyst remote", "p": 2}
    _, blocks = views.announcement(lead(), "UTC")
    assert [b["value"] for b in buttons(to_dicts(blocks)) if b["action_id"] == ids.SAVE] == ["7"]


@pytest.mark.parametrize("value", ["7", "", None, "[1]", '{"lead": "x"}', "[" * 100_000, '{"q": "a"}'])
def test_a_save_value_that_is_not_a_lists_is_a_plain_lead_id(value):
    assert views.saved_from_list(value) is None
