"""The passport as a member reads it (the fast layer: views as data): counts are worded right,
one point and one activity as much as none or many."""

from __future__ import annotations

from datetime import date

import pytest

from slackapp.passport import views
from slackapp.passport.program import DEFAULT, WORKSHOPS, Stamp, period_of, score
from slackapp.slack.blocks import to_dicts
from tests.helpers import all_text

pytestmark = pytest.mark.fast

MEMBER = "UPASSVIEWS"
TODAY = date(2031, 10, 15)
FALL = period_of(TODAY, DEFAULT.period)


def record(workshops: int):
    stamps = [Stamp(user_id=MEMBER, category=WORKSHOPS, on=date(2031, 9, 1 + n), source="claim", title=f"Workshop {n}", ref=f"w:{n}") for n in range(workshops)]
    return score(MEMBER, stamps, DEFAULT, FALL)


def test_points_and_activities_are_worded_for_none_one_and_many():
    none, one, two = (all_text(to_dicts(views.record_blocks(record(count)))) for count in (0, 1, 2))
    assert "Workshops*: 0 points from 0 activities" in none
    assert "Workshops*: 1 point from 1 activity" in one
    assert "Workshops*: 2 points from 2 activities" in two
    for text in (none, one, two):
        assert " pts" not in text and "activitys" not in text


def test_the_leaderboard_says_point_for_one():
    text = all_text(to_dicts(views.leaderboard_blocks("Fall 2031", [record(1), record(2)])))
    assert f"1. <@{MEMBER}> — 1 point\n" in text + "\n" and f"2. <@{MEMBER}> — 2 points" in text
    assert " pts" not in text
