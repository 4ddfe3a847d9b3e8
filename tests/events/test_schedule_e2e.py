"""Reminders with a moved clock, time changes, cancelling, deleting and check-in, end to end on
SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from slackapp.db import utcnow
from slackapp.events.models import Rsvp, RsvpAction
from slackapp.scheduler.models import Job
from slackapp.sandbox import payloads
from tests.events.support import (
    DAY,
    GOING,
    HOUR,
    answer_all,
    attendance_of,
    attendance_rows,
    command,
    create_event,
    deliver,
    dms,
    edit_event,
    event_row,
    press,
    react,
    reaction,
    rsvps_of,
    submit_event,
    unix,
    wait_for_latest_update,
)
from tests.helpers import all_text, buttons, eventually, eventually_got, tick

NOT_MANAGER = "Only the person who created this event, or an officer"


def reminders(workspace, user: str, soon: str = "") -> list:
    return [c for c in dms(workspace, user, "Reminder") if soon in c.args["text"]]


def reminder_jobs(workspace, event_id: int) -> list[Job]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Job).where(Job.team_id == workspace.team_id, Job.kind == "event_reminder", Job.key.startswith(f"remind:{event_id}:"))))


# ---- 7. reminders -------------------------------------------------------------------------


def test_reminders_go_out_once_a_day_and_an_hour_before(workspace, dispatcher):
    officer, g1, g2, maybe, cant, switched = (workspace.member() if i else workspace.officer() for i in range(6))
    starts = unix(3 * DAY)
    event = create_event(workspace, officer, starts=starts)
    answer_all(workspace, event, {g1: "going", g2: "going", maybe: "maybe", cant: "no", switched: "going"})
    coming = (g1, g2, maybe)

    assert tick(workspace, dispatcher, starts - DAY - 600).sent == 0
    assert all(reminders(workspace, u) == [] for u in coming)
    assert len(reminder_jobs(workspace, event.id)) == 8  # planned for the four coming, 24 h and 1 h before
    answer_all(workspace, event, {switched: "no"})  # after planning: gets none either

    assert tick(workspace, dispatcher, starts - DAY).sent == 3
    for user in coming:
        [sent] = reminders(workspace, user, "tomorrow")
        assert event.title in sent.args["text"] and f"<!date^{starts}^" in all_text(sent.args["blocks"])
    assert "You said maybe" in all_text(reminders(workspace, maybe)[0].args["blocks"])
    assert "You said maybe" not in all_text(reminders(workspace, g1)[0].args["blocks"])

    assert tick(workspace, dispatcher, starts - DAY).sent == 0
    assert tick(workspace, dispatcher, starts - DAY + 1800).sent == 0
    assert tick(workspace, dispatcher, starts - 2 * HOUR).sent == 0

    assert tick(workspace, dispatcher, starts - HOUR).sent == 3
    assert tick(workspace, dispatcher, starts - HOUR).sent == 0
    assert tick(workspace, dispatcher, starts - 600).sent == 0
    for user in coming:
        assert len(reminders(workspace, user, "tomorrow")) == 1
        assert len(reminders(workspace, user, "in 1 hour")) == 1
        assert len(reminders(workspace, user)) == 2
    assert dms(workspace, cant) == [] and reminders(workspace, switched) == []


def test_changing_the_time_replans_the_reminders(workspace, dispatcher):
    officer, going, maybe = workspace.officer(), workspace.member(), workspace.member()
    old = unix(3 * DAY)
    event = create_event(workspace, officer, starts=old)
    answer_all(workspace, event, {going: "going", maybe: "maybe"})
    tick(workspace, dispatcher, old - DAY - 600)  # plans both reminders for the old time
    assert len(reminder_jobs(workspace, event.id)) == 4

    # The officer opens the edit form from the roster and moves the event two days later.
    trigger = payloads.new_trigger_id()
    workspace.click("event_edit", str(event.id), user=officer, response_url=workspace.response_url(), trigger_id=trigger)
    [opened] = eventually_got(lambda: workspace.fake.calls_to("views.open", trigger_id=trigger), count=1)
    view = opened.args["view"]
    assert view["callback_id"] == "event_form" and json.loads(view["private_metadata"])["event_id"] == event.id
    initial = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert initial["starts_at"]["initial_date_time"] == old and initial["title"]["initial_value"] == event.title
    new = old + 2 * DAY
    reply = submit_event(workspace, officer, private_metadata=view["private_metadata"], title=event.title, starts=new, ends=new + 2 * HOUR, with_channel=False)
    assert reply.status == 200 and reply.body == b"", reply.body
    assert int(event_row(workspace, event.id).starts_at.timestamp()) == new
    assert {job.status for job in reminder_jobs(workspace, event.id)} == {"cancelled"}
    wait_for_latest_update(workspace, event, f"<!date^{new}^")

    assert tick(workspace, dispatcher, old - DAY).sent == 0
    assert tick(workspace, dispatcher, old - HOUR).sent == 0
    assert tick(workspace, dispatcher, old).sent == 0
    assert reminders(workspace, going) == [] and reminders(workspace, maybe) == []

    assert tick(workspace, dispatcher, new - DAY).sent == 2
    assert tick(workspace, dispatcher, new - HOUR).sent == 2
    for user in (going, maybe):
        assert len(reminders(workspace, user, "tomorrow")) == 1 and len(reminders(workspace, user, "in 1 hour")) == 1
        assert all(f"<!date^{new}^" in all_text(c.args["blocks"]) for c in reminders(workspace, user))


# ---- 7. cancelling and deleting -----------------------------------------------------------


def test_cancelling_tells_everyone_who_answered_and_members_cannot(workspace, dispatcher):
    officer, going, waiting, maybe, cant, stranger = (workspace.member() if i else workspace.officer() for i in range(6))
    starts = unix(3 * DAY)
    event = create_event(workspace, officer, capacity="1", starts=starts)
    answer_all(workspace, event, {going: "going", waiting: "going", maybe: "maybe", cant: "no"})
    assert rsvps_of(workspace, event.id)[waiting] == ("going", "waitlist")
    tick(workspace, dispatcher, starts - DAY - 600)  # reminders are planned

    # A plain member's crafted cancel, edit button, edit form and delete change nothing.
    assert NOT_MANAGER in press(workspace, "event_cancel", str(event.id), user=stranger)["text"]
    trigger = payloads.new_trigger_id()
    assert NOT_MANAGER in press(workspace, "event_edit", str(event.id), user=stranger, trigger_id=trigger)["text"]
    # The refusal is the listener's last step: a form would have been opened before it.
    assert workspace.fake.calls_to("views.open", trigger_id=trigger) == []
    crafted = edit_event(workspace, stranger, event, title="Hijacked", capacity="50").json()
    assert crafted["response_action"] == "errors" and "officer" in " ".join(crafted["errors"].values())
    assert NOT_MANAGER in press(workspace, "event_delete", str(event.id), user=stranger)["text"]
    unchanged = event_row(workspace, event.id)
    assert (unchanged.title, unchanged.capacity, unchanged.cancelled_at) == (event.title, 1, None)

    done = press(workspace, "event_cancel", str(event.id), user=officer)
    assert "Cancelled" in done["text"] and "4 people" in done["text"]
    assert event_row(workspace, event.id).cancelled_at is not None
    dispatcher.run_due(utcnow(), team_id=workspace.team_id)  # or the app's own clock sends them
    for user in (going, waiting, maybe, cant):
        [notice] = eventually_got(lambda user=user: dms(workspace, user, "is cancelled"), count=1, timeout=20)
        assert event.title in notice.args["text"]
    # A second pass sends no notice twice. (It may send the post's update, which waits out the
    # spacing between updates and is the app's clock's or this dispatcher's to send, whichever comes first.)
    dispatcher.run_due(utcnow(), team_id=workspace.team_id)
    assert all(len(dms(workspace, user, "is cancelled")) == 1 for user in (going, waiting, maybe, cant))
    assert dms(workspace, stranger) == [] and dms(workspace, officer, "is cancelled") == []

    update = wait_for_latest_update(workspace, event, "Cancelled:")[-1]
    assert event.title in all_text(update.args["blocks"])
    assert [b for b in buttons(update.args["blocks"]) if b["action_id"] in ("event_going", "event_maybe", "event_cant")] == []

    # No reminders for a cancelled event; answers are no longer taken.
    assert tick(workspace, dispatcher, starts - DAY).sent == 0
    assert tick(workspace, dispatcher, starts - HOUR).sent == 0
    assert all(reminders(workspace, u) == [] for u in (going, maybe))
    deliver(workspace, reaction(workspace, event, stranger, GOING))
    # The barrier: a button press delivered after the reaction, refused and answered.
    assert "cancelled" in press(workspace, "event_going", str(event.id), user=stranger)["text"]
    assert stranger not in rsvps_of(workspace, event.id)
    assert "already cancelled" in press(workspace, "event_cancel", str(event.id), user=officer)["text"]


def test_deleting_is_refused_once_people_answered(workspace):
    officer, member = workspace.officer(), workspace.member()
    answered = create_event(workspace, officer)
    answer_all(workspace, answered, {member: "maybe"})
    refused = press(workspace, "event_delete", str(answered.id), user=officer)
    assert "can't be deleted" in refused["text"] and "cancel" in refused["text"]
    assert event_row(workspace, answered.id) is not None
    assert workspace.fake.calls_to("chat.delete", channel=answered.channel, ts=answered.post_ts) == []

    # An answer that was withdrawn again is no answer: the event can go, with its rows.
    quiet = create_event(workspace, officer)
    react(workspace, quiet, member, GOING)
    react(workspace, quiet, member, GOING, added=False)
    assert rsvps_of(workspace, quiet.id) == {member: ("none", "none")}
    done = press(workspace, "event_delete", str(quiet.id), user=officer)
    assert "Deleted" in done["text"]
    assert event_row(workspace, quiet.id) is None
    # The post's deletion is owed before the officer is answered, and sent right after.
    eventually(lambda: len(workspace.fake.calls_to("chat.delete", channel=quiet.channel, ts=quiet.post_ts)) == 1)
    with workspace.server.store.read() as session:
        assert session.scalars(select(Rsvp).where(Rsvp.event_id == quiet.id)).all() == []
        assert session.scalars(select(RsvpAction).where(RsvpAction.event_id == quiet.id)).all() == []
    assert "no longer exists" in press(workspace, "event_going", str(quiet.id), user=member)["text"]


# ---- 8. check-in --------------------------------------------------------------------------


def checkin_posts(workspace, event_id: int) -> list:
    return [
        c for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel)
        if not c.failed and any(b["action_id"] == "event_here" and b.get("value") == str(event_id) for b in buttons(c.args.get("blocks") or []))
    ]


def open_checkin(workspace, officer, event) -> str:
    reply = press(workspace, "event_open_checkin", str(event.id), user=officer)
    code = event_row(workspace, event.id).checkin_code
    assert code and f"/events checkin {code}" in reply["text"]
    return code


def test_check_in_opens_thirty_minutes_before(workspace):
    officer, member = workspace.officer(), workspace.member()
    starts = unix(2 * DAY)
    later = create_event(workspace, officer, starts=starts)
    code = open_checkin(workspace, officer, later)
    [post] = eventually_got(lambda: checkin_posts(workspace, later.id), count=1)
    [here] = [b for b in buttons(post.args["blocks"]) if b["action_id"] == "event_here"]
    assert here["text"]["text"] == "I'm here"

    early = command(workspace, f"checkin {code}", user=member)
    assert f"<!date^{starts - 1800}^" in early["text"] and "opens" in early["text"]
    pressed = press(workspace, "event_here", str(later.id), user=member)
    assert f"<!date^{starts - 1800}^" in pressed["text"]
    assert attendance_of(workspace, later.id) == {}

    assert NOT_MANAGER in press(workspace, "event_open_checkin", str(later.id), user=member)["text"]
    assert "doesn't match" in command(workspace, "checkin ZZZZZZ", user=member)["text"]


def test_check_in_by_button_code_and_officer_records_each_member_once(workspace):
    officer, by_code, by_button, walk_in, member = (workspace.member() if i else workspace.officer() for i in range(5))
    soon = create_event(workspace, officer, starts=unix(10 * 60), ends=unix(70 * 60))
    code = open_checkin(workspace, officer, soon)
    assert open_checkin(workspace, officer, soon) == code  # opening again keeps the code and the one post
    [post] = eventually_got(lambda: checkin_posts(workspace, soon.id), count=1)
    assert post.args["channel"] == soon.channel

    assert "Checked in" in command(workspace, f"checkin {code.lower()}", user=by_code)["text"]
    assert "already checked in" in command(workspace, f"checkin {code}", user=by_code)["text"]
    assert "Checked in" in press(workspace, "event_here", str(soon.id), user=by_button)["text"]
    assert "already checked in" in press(workspace, "event_here", str(soon.id), user=by_button)["text"]
    assert "already checked in" in press(workspace, "event_here", str(soon.id), user=by_code)["text"]
    assert attendance_of(workspace, soon.id) == {by_code: "code", by_button: "button"}

    refused = press(workspace, "event_mark_attended", None, user=member, block_id=f"attend_{soon.id}",
                    action_type="multi_users_select", action={"selected_users": [member]})
    assert "Only officers" in refused["text"]
    marked = press(workspace, "event_mark_attended", None, user=officer, block_id=f"attend_{soon.id}",
                   action_type="multi_users_select", action={"selected_users": [by_code, walk_in, walk_in]})
    assert "Marked 1 more" in marked["text"]
    assert attendance_of(workspace, soon.id) == {by_code: "code", by_button: "button", walk_in: "officer"}
    assert attendance_rows(workspace, soon.id) == 3

    roster = command(workspace, f"roster {soon.id}", user=officer)
    [checked] = [line for line in all_text(roster["blocks"]).splitlines() if line.startswith("*Checked in*")]
    assert checked.startswith("*Checked in* (3)") and all(f"<@{u}>" in checked for u in (by_code, by_button, walk_in))
