"""Event views as data: what a reader sees, user text kept inert, and valid Block Kit (the fast
layer: no app, no database)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from slackapp.events import ids, views
from slackapp.events.models import Event, Seat
from slackapp.events.service import Roster
from slackapp.slack.blocks import to_dicts
from tests.blockkit import message_problems, view_problems
from tests.helpers import ESCAPED, EVIL, LIVE, all_text, buttons

pytestmark = pytest.mark.fast

STARTS = datetime(2031, 3, 6, 18, 0, tzinfo=timezone.utc)


def event(**changes) -> Event:
    fields = dict(
        id=12, team_id="T1", title="Career night", description="Meet alumni.", starts_at=STARTS, ends_at=STARTS + timedelta(hours=2),
        location="Room 101", online_link=None, capacity=None, channel="C1", rsvp_ts="1.000001", post_ts="1.000001", created_by="UOFF",
        cancelled_at=None, checkin_code=None,
    )
    fields.update(changes)
    return Event(**fields)


def roster(going=(), maybe=(), no=(), waitlist=(), attended=()) -> Roster:
    seats = {seat: [] for seat in Seat}
    seats.update({Seat.going: list(going), Seat.maybe: list(maybe), Seat.no: list(no), Seat.waitlist: list(waitlist)})
    return Roster(seats=seats, attended=list(attended))


def message(text_and_blocks) -> dict:
    text, blocks = text_and_blocks
    found = {"text": text, "blocks": to_dicts(blocks)}
    assert message_problems(found) == []
    return found


def test_the_post_shows_the_event_the_prompt_the_counts_and_the_buttons():
    post = message(views.announcement(event(capacity=2), roster(going=["U1", "U2"], maybe=["U3"], waitlist=["U4"])))
    text = all_text(post["blocks"])
    assert views.PROMPT in text and "*2 going* · 1 maybe · 0 can't go · 1 waitlisted · 2 places" in text
    assert f"<!date^{int(STARTS.timestamp())}^" in text
    assert [(b["action_id"], b["value"]) for b in buttons(post["blocks"])] == [
        (ids.GOING, "12"), (ids.MAYBE, "12"), (ids.CANT, "12"), (ids.CALENDAR, "12")]
    assert post["text"] == "Career night: 2 going"


def test_user_text_in_the_post_is_escaped():
    post = message(views.announcement(event(title=EVIL, description=EVIL, location=EVIL, online_link=EVIL), roster()))
    rendered = json.dumps(post)
    assert ESCAPED in all_text(post["blocks"]) and not [live for live in LIVE if live in rendered]


def test_a_cancelled_event_shows_no_answer_buttons():
    post = message(views.announcement(event(cancelled_at=STARTS - timedelta(days=1)), roster(going=["U1"])))
    assert post["text"] == "Cancelled: Career night" and buttons(post["blocks"]) == []


def test_the_counts_reply_under_an_officers_own_message_points_up():
    post = message(views.announcement(event(rsvp_ts="1.000001", post_ts="1.000002"), roster(), own_post=False))
    assert "RSVP for *Career night*" in all_text(post["blocks"]) and "on the message above" in all_text(post["blocks"])


@pytest.mark.parametrize("editing", [False, True])
def test_the_event_form_is_a_valid_modal(editing):
    values = views.draft_values(event(title=EVIL, capacity=40)) if editing else None
    view = views.event_form(values, event_id=12 if editing else None, channel="C1").to_dict()
    assert view_problems(view) == []
    block_ids = [block["block_id"] for block in view["blocks"]]
    assert ("channel" in block_ids) is (not editing)
    assert json.loads(view["private_metadata"]) == {"event_id": 12 if editing else None, "channel": "C1", "rsvp_ts": None}


def test_the_roster_lists_each_answer_and_hides_changes_for_a_cancelled_event():
    shown = roster(going=["U1"], maybe=["U2"], no=["U3"], waitlist=["U4"], attended=["U1", "U9"])
    blocks = to_dicts(views.roster_view(event(), shown))
    assert message_problems({"text": "roster", "blocks": blocks}) == []
    lines = [line for line in all_text(blocks).splitlines() if line.startswith("*")]
    assert lines == ["*Going* (1): <@U1>", "*Maybe* (1): <@U2>", "*Can't go* (1): <@U3>", "*Waitlist* (1): <@U4>", "*Checked in* (2): <@U1>, <@U9>"]
    cancelled = to_dicts(views.roster_view(event(cancelled_at=STARTS), shown))
    assert [b["action_id"] for b in buttons(cancelled)] == [ids.ROSTER_CSV, ids.DELETE]


def test_the_roster_csv_has_a_row_per_answer_and_walk_in():
    content = views.roster_csv(event(title=EVIL), roster(going=["U1"], waitlist=["U4"], attended=["U1", "U9"]), {"U1": "Ada"})
    rows = [(row["user_id"], row["name"], row["answer"], row["checked_in"], row["event"]) for row in csv.DictReader(io.StringIO(content))]
    assert rows == [("U1", "Ada", "going", "yes", EVIL), ("U4", "", "waitlist", "no", EVIL), ("U9", "", "none", "yes", EVIL)]


def test_reminders_say_when_and_ask_maybes_to_decide():
    text, blocks = views.reminder(event(title=EVIL), hours=24, seat="maybe")
    sent = message((text, blocks))
    assert text == f"Reminder: {ESCAPED} starts tomorrow." and "You said maybe" in all_text(sent["blocks"])
    assert "You said maybe" not in all_text(to_dicts(views.reminder(event(), hours=1, seat="going")[1]))


def test_counts_of_one_read_right():
    assert views.cancelled(event(), 1).endswith("1 person who answered will get a DM.")
    assert views.cancelled(event(), 3).endswith("3 people who answered will get a DM.")
    assert views.counts_text(event(capacity=1), roster()).endswith("· 1 place")
    assert views.counts_text(event(capacity=20), roster()).endswith("· 20 places")
