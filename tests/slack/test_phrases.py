"""Counts as every feature words them (the fast layer): one of a thing, and many."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slackapp.slack.phrases import plural

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    "count, noun, many, said",
    [
        (0, "activity", None, "0 activities"),
        (1, "activity", None, "1 activity"),
        (2, "day", None, "2 days"),
        (1, "point", None, "1 point"),
        (0, "point", None, "0 points"),
        (1, "person", "people", "1 person"),
        (3, "person", "people", "3 people"),
        (Decimal("1.0"), "volunteer hour", None, "1 volunteer hour"),
        (Decimal("2.5"), "volunteer hour", None, "2.5 volunteer hours"),
        (Decimal("0"), "volunteer hour", None, "0 volunteer hours"),
    ],
)
def test_plural(count, noun, many, said):
    assert plural(count, noun, many) == said
