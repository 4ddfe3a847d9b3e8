"""The habit's DM and history as data (the fast layer: no app, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from slackapp.habit import views
from slackapp.habit.ids import BLOCK_PREFIX, TICK
from slackapp.habit.models import HabitMember
from slackapp.habit.service import ClubHabit, History
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems
from tests.helpers import all_text, walk

pytestmark = pytest.mark.fast

WEEK = date(2031, 3, 3)


def test_the_checklist_carries_its_week_and_the_boxes_already_ticked():
    text, blocks = views.checklist(WEEK, {"resume", "email"}, streak=3)
    rendered = to_dicts(blocks)
    assert message_problems({"text": text, "blocks": rendered}) == []
    [checkboxes] = [node for node in walk(rendered) if node.get("type") == "checkboxes"]
    assert checkboxes["action_id"] == TICK
    assert [block["block_id"] for block in rendered if block["type"] == "actions"] == [f"{BLOCK_PREFIX}2031-03-03"]
    assert sorted(option["value"] for option in checkboxes["initial_options"]) == ["email", "resume"]
    assert ":fire: 3 weeks in a row · 2 of 5 this week" in all_text(rendered)


def test_an_empty_week_invites_a_first_tick():
    _, blocks = views.checklist(WEEK, set(), streak=0)
    rendered = to_dicts(blocks)
    assert "initial_options" not in [node for node in walk(rendered) if node.get("type") == "checkboxes"][0]
    assert "Tick a box to start a streak." in all_text(rendered)


def test_history_and_the_club_summary_show_counts_only():
    weeks = [(WEEK - timedelta(weeks=7 - n), count) for n, count in enumerate((0, 1, 2, 3, 4, 5, 0, 2))]
    mine = to_dicts(views.my_history(HabitMember(weekday=1, at_time="18:00", enabled=True), History(weeks=weeks, streak=2), "Asia/Tokyo"))
    assert message_problems({"text": "habit", "blocks": mine}) == []
    assert "`Mar 03`  ■■□□□  2/5" in all_text(mine) and "Tue at 18:00 (Asia/Tokyo time)" in all_text(mine)
    club = to_dicts(views.club_summary(ClubHabit(participants=4, weeks=weeks)))
    assert "*The club* — 4 members taking part" in all_text(club) and "`Mar 03`  2 of 4 kept the habit" in all_text(club)
