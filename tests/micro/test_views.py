"""Micro-internship views as data: what a reader sees, user text kept inert, valid Block Kit (no app, no database)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from slackapp.micro import views
from slackapp.micro.models import Bid, Evaluation, Milestone, Project
from slackapp.micro.service import Filters, Mine, Review
from slackapp.profiles.models import Profile
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems, view_problems
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons, walk

pytestmark = pytest.mark.fast
T0 = datetime(2031, 3, 3, 12, tzinfo=timezone.utc)


def project(**changes) -> Project:
    fields = dict(
        id=7, team_id="T1", title="Market research", organization="Acme", supervisor="USUPER", description="A 10-page report", hours=7,
        due_date=date(2031, 3, 24), fee_cents=41250, remote=True, positions=1, school=None, bid_deadline=date(2031, 3, 10),
        posted_by="UPOSTER", status="open", approval_needed=None,
    )
    fields.update(changes)
    return Project(**fields)


def bid(**changes) -> Bid:
    fields = dict(id=3, team_id="T1", project_id=7, user_id="USTUDENT", application="Pick me", availability="10 h", portfolio=None, status="pending")
    fields.update(changes)
    return Bid(**fields)


def valid(text: str, blocks) -> dict:
    found = {"text": text, "blocks": to_dicts(blocks)}
    assert message_problems(found) == []
    return found


def test_the_fee_shows_what_it_comes_to_per_estimated_hour_to_the_cent():
    text = views.project_text(project())
    assert "$412.50 fixed fee · $58.93 per estimated hour" in text  # 41250 / 7 = 5892.857… cents
    assert "$1,234.56" in views.fee_text(project(fee_cents=123456, hours=40)) and "$30.86 per estimated hour" in views.fee_text(project(fee_cents=123456, hours=40))


def test_the_list_offers_bid_edit_withdraw_and_review_as_they_apply():
    projects = [project(id=1), project(id=2), project(id=3)]
    message = valid("list", views.project_list(projects, my_bids={2: "pending", 3: "in_progress"}, manageable={3}))
    by_block = {block["block_id"]: [b["action_id"] + ":" + b["text"]["text"] for b in buttons(block)] for block in message["blocks"] if block.get("block_id", "").startswith("micro_")}
    assert by_block["micro_1"] == ["micro_bid:Bid"]
    assert by_block["micro_2"] == ["micro_bid:Edit my bid", "micro_withdraw:Withdraw my bid"]
    assert by_block["micro_3"] == ["micro_review:Review bids"]
    assert [b["action_id"] for b in buttons(message["blocks"][-2])] == ["micro_post"]


def test_user_text_is_inert_everywhere():
    evil = project(title=EVIL, organization=EVIL, description=EVIL, school=EVIL, approval_needed="posted by a guest")
    the_bid = bid(application=EVIL, availability=EVIL, portfolio=EVIL, submission_link=EVIL)
    profile = Profile(user_id="USTUDENT", school=EVIL, major=EVIL, graduation_year=2027)
    evaluation = Evaluation(bid_id=3, student="USTUDENT", quality=5, communication=4, timeliness=3, feedback=EVIL, project_rating=None)
    review = Review(project=evil, shown=[(the_bid, profile)], every=[(the_bid, profile)], filters=Filters())
    rendered = [
        valid("l", views.project_list([evil], my_bids={}, manageable={7})), valid("r", views.review_blocks(review)),
        valid(*views.kickoff(evil, [Milestone(title=EVIL, due_date=date(2031, 3, 20))], the_bid)), valid(*views.submitted(evil, the_bid)),
        valid(*views.evaluation_dm(evil, evaluation)), valid(*views.approval_request(evil)),
        valid("m", views.mine_page(Mine(bids=[(the_bid, evil, evaluation)], running=[evil]), user_id="UPOSTER")),
    ]
    for message in rendered:
        # plain_text (a header, an option's label) shows what it holds and pings nobody: mrkdwn is what must be escaped.
        shown = json.dumps([node["text"] for node in walk(message["blocks"]) if node.get("type") == "mrkdwn"]) + message["text"]
        assert not any(live in shown for live in LIVE), shown
    assert ESCAPED in all_text(rendered[1]["blocks"])


def test_filter_options_carry_the_whole_state_within_slacks_limits():
    long_school = "The " + "Very " * 40 + 'Long "Quoted" University'
    people = [(bid(id=n, user_id=f"U{n}"), Profile(user_id=f"U{n}", school=long_school if n % 2 else "Yale", major=f"Major {n}", graduation_year=2020 + n)) for n in range(1, 9)]
    review = Review(project=project(), shown=people, every=people, filters=Filters(school="Yale", year=2022))
    blocks = views.review_blocks(review)
    valid("r", blocks)
    options = [option for node in walk(blocks) if node.get("type") == "static_select" for option in node["options"]]
    assert options and all(len(option["value"]) <= 150 for option in options)
    states = [json.loads(option["value"]) for option in options]
    assert {"p": 7, "s": None, "m": None, "y": 2022} in states  # "Any school" keeps the year
    assert all(state["y"] == 2022 for state in states if state["s"] != "Yale" or state["m"])
    selects = [node for node in walk(blocks) if node.get("type") == "static_select"]
    assert [s["initial_option"]["text"]["text"] for s in selects] == ["Yale", "Any major", "2022"]


def test_accepted_work_shows_the_next_step_only():
    steps = {"pending": ["micro_accept"], "in_progress": [], "submitted": ["micro_confirm"], "completed": ["micro_paid", "micro_evaluate"], "paid": ["micro_evaluate"]}
    for status, expected in steps.items():
        the_bid = bid(status=status)
        review = Review(project=project(), shown=[(the_bid, None)], every=[(the_bid, None)], filters=Filters())
        blocks = views.review_blocks(review)
        found = [b["action_id"] for block in blocks if block.get("block_id") == "micro_bid_3" for b in buttons(block)]
        assert found == expected, status


def test_forms_are_valid_and_the_bid_form_asks_only_for_missing_profile_fields():
    for form in (views.project_form(poster="UPOSTER"), views.submit_form(bid(), project()), views.evaluation_form(bid(), project()), views.rating_form(bid(), project())):
        assert view_problems(form.to_dict()) == []
    asked = views.bid_form(project(), bid=None, missing=["major"]).to_dict()
    assert view_problems(asked) == []
    inputs = [block["block_id"] for block in asked["blocks"] if block["type"] == "input"]
    assert inputs == ["major", "application", "availability", "portfolio"]
    editing = views.bid_form(project(), bid=bid(), missing=[]).to_dict()
    assert editing["submit"]["text"] == "Save bid" and json.loads(editing["private_metadata"]) == {"project_id": 7}
