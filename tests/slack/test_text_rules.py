"""User text made inert in mrkdwn, cut to fit, and the shared wording of dates, hours, counts and
money (the fast layer): exactly what a member reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from slackapp.slack.phrases import date_token, deadline, due_day, hours, money, plural, time_range
from slackapp.slack.text import escape, truncate, unescape

pytestmark = pytest.mark.fast


# ---- escape ----------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_escapes_to_nothing(empty):
    assert escape(empty) == ""
    assert escape(empty, 5) == ""


def test_only_ampersand_and_angle_brackets_are_escaped():
    assert escape("<@U123> & <!channel> *bold* _it_ `code`") == "&lt;@U123&gt; &amp; &lt;!channel&gt; *bold* _it_ `code`"


def test_an_escaped_text_that_fits_is_kept_whole():
    assert escape("a&b", None) == "a&amp;b"
    assert escape("a&b", 7) == "a&amp;b"  # exactly the limit
    assert escape("abcde", 5) == "abcde"


def test_a_text_too_long_is_cut_to_the_limit_with_an_ellipsis():
    assert escape("abcdef", 5) == "abcd…"
    assert len(escape("abcdef", 5)) == 5
    assert escape("abcdef", 2) == "a…"
    assert escape("abcdef", 1) == "…"


def test_a_cut_never_splits_an_entity():
    # "ab&amp;cd": the entity fits whole in 8 (with the ellipsis), not in 7.
    assert escape("ab&cd", 8) == "ab&amp;…"
    assert escape("ab&cd", 7) == "ab…"
    assert escape("<<<<", 10) == "&lt;&lt;…"
    assert escape("x>y>z", 11) == "x&gt;y&gt;z"  # fits exactly
    assert escape("x>y>z", 10) == "x&gt;y…"


def test_a_cut_counts_every_piece_it_kept():
    cut = escape("a<b<c<d<e", 12)
    assert cut == "a&lt;b&lt;c…"
    assert len(cut) <= 12


def test_unescape_gives_back_what_the_author_typed():
    assert unescape("&lt;b&gt; &amp; c") == "<b> & c"
    # An author who typed an entity: Slack sends it with its & escaped.
    assert unescape("&amp;lt;") == "&lt;"
    assert unescape(escape("if a < b & b > c")) == "if a < b & b > c"


def test_truncate():
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
    assert truncate("", 1) == ""


# ---- phrases ----------------------------------------------------------------------------------


def test_a_date_token_carries_the_moment_and_a_utc_fallback():
    moment = datetime(2024, 1, 2, 3, 4, 59, tzinfo=UTC)
    assert date_token(moment) == "<!date^1704164699^{date_short_pretty} at {time}|2024-01-02 03:04 UTC>"
    # A moment given in another zone is shown in UTC in the fallback.
    eastern = datetime(2024, 1, 1, 22, 4, tzinfo=timezone(timedelta(hours=-5)))
    assert date_token(eastern, "{time}") == "<!date^1704164640^{time}|2024-01-02 03:04 UTC>"


def test_the_fallback_is_utc_whatever_the_servers_time_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert date_token(datetime(2024, 1, 2, 3, 4, tzinfo=UTC), "{time}") == "<!date^1704164640^{time}|2024-01-02 03:04 UTC>"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_time_range_shows_the_end_as_a_time():
    starts = datetime(2024, 1, 2, 3, 0, tzinfo=UTC)
    ends = starts + timedelta(hours=1, minutes=30)
    assert time_range(starts, ends) == (
        "<!date^1704164400^{date_short_pretty} at {time}|2024-01-02 03:00 UTC> – <!date^1704169800^{time}|2024-01-02 04:30 UTC>"
    )


def test_a_deadline_is_open_all_of_its_day_on_the_clubs_clock():
    assert deadline(None, "America/New_York") == "rolling deadline"
    # 23:59 in New York on March 5th is 04:59 UTC on the 6th.
    assert deadline(date(2024, 3, 5), "America/New_York") == "apply by <!date^1709701140^{date_short_pretty} at {time}|2024-03-06 04:59 UTC>"
    assert deadline(date(2024, 3, 5), "UTC") == "apply by <!date^1709683140^{date_short_pretty} at {time}|2024-03-05 23:59 UTC>"


def test_due_day():
    assert due_day(date(2024, 3, 5)) == "Mar 5"
    assert due_day(date(2024, 11, 25)) == "Nov 25"
    assert due_day(None) == "no due date"


@pytest.mark.parametrize("value, said", [(Decimal("4.0"), "4"), (Decimal("2.50"), "2.5"), (Decimal(10), "10"), (Decimal("0.5"), "0.5"), (3, "3"), ("1.5", "1.5")])
def test_hours(value, said):
    assert hours(value) == said


@pytest.mark.parametrize(
    "count, noun, many, said",
    [
        (2, "key", None, "2 keys"),
        (2, "boy", None, "2 boys"),
        (2, "city", None, "2 cities"),
        (1, "city", None, "1 city"),
        (2, "Xy", None, "2 Xies"),
        (2, "lead", "leads!", "2 leads!"),
        (Decimal("1.50"), "hour", None, "1.5 hours"),
        (Decimal(10), "hour", None, "10 hours"),
        (-1, "point", None, "-1 points"),
    ],
)
def test_plural_more(count, noun, many, said):
    assert plural(count, noun, many) == said


@pytest.mark.parametrize(
    "cents, said",
    [(123456, "$1,234.56"), (0, "$0.00"), (5, "$0.05"), (100, "$1.00"), (99, "$0.99"), (-5, "-$0.05"), (-123456, "-$1,234.56"), (100000000, "$1,000,000.00")],
)
def test_money(cents, said):
    assert money(cents) == said
