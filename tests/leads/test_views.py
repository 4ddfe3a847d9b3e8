"""Lead views as data: the largest inputs still fit Slack's limits."""

from __future__ import annotations

from datetime import date, datetime, timezone

from slackapp.club import views as club_views
from slackapp.club.models import Workspace
from slackapp.leads import views
from slackapp.leads.models import Lead, SavedLead
from slackapp.leads.service import LIMITS, Page, Query
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems, view_problems


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
