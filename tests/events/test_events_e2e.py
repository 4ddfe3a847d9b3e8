"""/events end to end: creating, answering with buttons, listing, rosters, calendar files, RSVP posts
from an officer's own message, and escaping; on SQLite and PostgreSQL.

RSVP reactions and capacity are in test_rsvp_e2e.py; reminders, cancelling and check-in in
test_schedule_e2e.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar

from slackapp.sandbox import payloads
from tests.conftest import new_id
from tests.events.support import (
    DAY,
    ESCAPED,
    EVIL,
    GOING,
    HOUR,
    LIVE,
    MAYBE,
    NO,
    action_count,
    announced_event,
    announcement_of,
    answer_all,
    attendance_of,
    command,
    counts,
    create_event,
    deliver,
    dms,
    event_row,
    event_values,
    events_of,
    form_metadata,
    mrkdwn_texts,
    plain,
    press,
    react,
    reaction,
    rsvps_of,
    submit_event,
    unix,
    uploads_to,
    wait_for_counts,
    wait_for_latest_update,
)
from tests.helpers import all_text, answer_to, buttons, configure_club, eventually, eventually_got, plan_all

PROMPT = "React :white_check_mark: going · :thinking_face: maybe · :x: can't go"


def opened_forms(workspace, trigger: str) -> list:
    return [c for c in workspace.fake.calls_to("views.open", trigger_id=trigger) if c.args.get("view", {}).get("callback_id") == "event_form"]


# ---- 1. creating --------------------------------------------------------------------------


def test_officer_opens_the_form_and_a_member_is_refused(workspace):
    officer, member = workspace.officer(), workspace.member()
    trigger = payloads.new_trigger_id()
    reply = workspace.server.slack.command(
        "/events", "new", user_id=officer, team_id=workspace.team_id, channel_id=workspace.channel,
        response_url=workspace.response_url(), trigger_id=trigger,
    )
    assert reply.status == 200
    [opened] = eventually_got(lambda: opened_forms(workspace, trigger), count=1)
    view = opened.args["view"]
    assert view["type"] == "modal"
    assert [b["block_id"] for b in view["blocks"]] == ["title", "description", "starts_at", "ends_at", "location", "online_link", "capacity", "category", "employer", "channel", "repeats", "until", "times", "announce_days"]
    assert json.loads(view["private_metadata"]) == {"event_id": None, "channel": workspace.channel, "rsvp_ts": None}

    url, trigger = workspace.response_url(), payloads.new_trigger_id()
    reply = workspace.server.slack.command(
        "/events", "new", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel, response_url=url, trigger_id=trigger,
    )
    refused = answer_to(workspace, reply, url)
    assert refused["response_type"] == "ephemeral" and "Only club officers can create events" in refused["text"]
    # The refusal is the listener's last step: a form would have been opened before it.
    assert workspace.fake.calls_to("views.open", trigger_id=trigger) == []


def test_submitting_announces_the_event_and_adds_the_prompt_reactions(workspace):
    officer = workspace.officer()
    starts = unix(3 * DAY)
    title = f"Meet the firms {new_id('E')}"
    event = create_event(
        workspace, officer, title=title, description="Bring a résumé & questions <3", starts=starts, ends=starts + 2 * HOUR,
        location="Room 101", online_link="https://meet.example/abc", capacity="40",
    )
    assert (event.title, event.capacity, event.location, event.online_link, event.created_by) == (title, 40, "Room 101", "https://meet.example/abc", officer)
    assert (int(event.starts_at.timestamp()), int(event.ends_at.timestamp())) == (starts, starts + 2 * HOUR)
    assert event.channel == workspace.channel and event.rsvp_ts == event.post_ts

    post = announcement_of(workspace, event)
    text = all_text(post.args["blocks"])
    assert title in text and title in post.args["text"]
    assert f"<!date^{starts}^" in text
    assert "Bring a résumé &amp; questions &lt;3" in text and "<3" not in text
    assert PROMPT in text
    assert counts(0, 0, 0) in plain(text)
    labelled = {b["text"]["text"]: (b["action_id"], b.get("value")) for b in buttons(post.args["blocks"])}
    assert labelled == {
        "Going": ("event_going", str(event.id)),
        "Maybe": ("event_maybe", str(event.id)),
        "Can't go": ("event_cant", str(event.id)),
        "Add to calendar": ("event_calendar", str(event.id)),
    }

    prompts = eventually_got(lambda: workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=event.post_ts), count=3)
    assert [c.args["name"] for c in prompts] == [GOING, MAYBE, NO]
    assert all(c.at > post.at for c in prompts)


def test_form_errors_are_answered_inside_the_modal(workspace):
    officer, member = workspace.officer(), workspace.member()
    starts = unix(2 * DAY)

    def errors(user=officer, **fields):
        reply = submit_event(workspace, user, **fields)
        assert reply.status == 200
        body = reply.json()
        assert body["response_action"] == "errors", body
        return body["errors"]

    assert "ends_at" in errors(starts=starts, ends=starts - HOUR)
    assert "ends_at" in errors(starts=starts, ends=starts)
    assert "starts_at" in errors(starts=unix(-HOUR), ends=unix(HOUR))
    assert "capacity" in errors(capacity="0")
    assert "capacity" in errors(capacity="-3")
    for link in ("ftp://files.example/x", "javascript:alert(1)", "meet.example/abc", "https://meet example.com"):
        assert "online_link" in errors(online_link=link), link
    assert "title" in errors(title="")
    assert "location" in errors(location=None, online_link=None)

    crafted = errors(member)
    assert "officers" in " ".join(crafted.values())
    # Events are stored before the form is answered and only stored events are announced.
    assert events_of(workspace) == []
    assert workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) == []


# ---- 5. buttons ---------------------------------------------------------------------------


def test_buttons_answer_like_reactions(workspace):
    officer, member = workspace.officer(), workspace.member()
    event = create_event(workspace, officer)

    assert "You're going to" in press(workspace, "event_going", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("going", "going")}
    wait_for_counts(workspace, event, 1, 0, 0)

    assert "maybe" in press(workspace, "event_maybe", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("maybe", "maybe")}
    wait_for_counts(workspace, event, 0, 1, 0)

    assert "can't make" in press(workspace, "event_cant", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("no", "no")}
    wait_for_counts(workspace, event, 0, 0, 0, cant=1)

    # A reaction made after the button press wins, like a later button press would.
    react(workspace, event, member, GOING)
    assert rsvps_of(workspace, event.id) == {member: ("going", "going")}

    gone = press(workspace, "event_going", "999999", user=member)
    assert "no longer exists" in gone["text"]


# ---- 6. listing, roster, CSV --------------------------------------------------------------


def test_list_shows_upcoming_events_with_my_answer(workspace):
    officer, member = workspace.officer(), workspace.member()
    first = create_event(workspace, officer, starts=unix(2 * DAY))
    second = create_event(workspace, officer, starts=unix(4 * DAY))
    third = create_event(workspace, officer, starts=unix(6 * DAY))
    answer_all(workspace, first, {member: "going"})
    answer_all(workspace, second, {member: "maybe"})

    listing = command(workspace, "", user=member)
    assert listing["response_type"] == "ephemeral"
    sections = [node["text"]["text"] for node in listing["blocks"] if node["type"] == "section"]
    by_event = {e.id: [s for s in sections if s.startswith(f"`#{e.id}`")] for e in (first, second, third)}
    assert all(len(found) == 1 for found in by_event.values()), sections
    assert first.title in by_event[first.id][0] and "you're going" in by_event[first.id][0]
    assert second.title in by_event[second.id][0] and "you said maybe" in by_event[second.id][0]
    assert third.title in by_event[third.id][0] and "you haven't answered" in by_event[third.id][0]
    assert [s for s in sections if s.startswith("`#")] == [by_event[e.id][0] for e in (first, second, third)]  # soonest first
    going = [b["value"] for b in buttons(listing["blocks"]) if b["action_id"] == "event_going"]
    assert going == [str(first.id), str(second.id), str(third.id)]


def test_roster_is_for_officers_and_exports_a_csv(workspace):
    officer = workspace.officer()
    names = {}
    for _ in range(6):
        name = f"member.{new_id('n').lower()}"
        names[workspace.member(name=name)] = name.replace(".", " ").title()
    g1, g2, w1, m1, n1, walk_in = names
    event = create_event(workspace, officer, capacity="2")
    answer_all(workspace, event, {g1: "going", g2: "going", w1: "going", m1: "maybe", n1: "no"})
    assert rsvps_of(workspace, event.id)[w1] == ("going", "waitlist")
    assert "Marked 2 more" in press(workspace, "event_mark_attended", None, user=officer, block_id=f"attend_{event.id}",
                                    action_type="multi_users_select", action={"selected_users": [g1, walk_in]})["text"]

    roster = command(workspace, f"roster {event.id}", user=officer)
    assert roster["response_type"] == "ephemeral"
    lines = {line.split(" (")[0].strip("*"): line for line in all_text(roster["blocks"]).splitlines() if line.startswith("*")}
    assert lines["Going"] == f"*Going* (2): <@{g1}>, <@{g2}>"
    assert lines["Maybe"] == f"*Maybe* (1): <@{m1}>"
    assert lines["Can't go"] == f"*Can't go* (1): <@{n1}>"
    assert lines["Waitlist"] == f"*Waitlist* (1): <@{w1}>"
    assert lines["Checked in"] == f"*Checked in* (2): <@{g1}>, <@{walk_in}>"
    actions = {b["action_id"]: b.get("value") for b in buttons(roster["blocks"])}
    assert actions["event_roster_csv"] == str(event.id) and {"event_cancel", "event_edit", "event_open_checkin", "event_delete"} <= set(actions)

    # By number with a '#', or by words of the title.
    assert f"<@{g1}>" in all_text(command(workspace, f"roster #{event.id}", user=officer)["blocks"])
    assert f"<@{g1}>" in all_text(command(workspace, f"roster {event.title.split()[-1].lower()}", user=officer)["blocks"])

    refused = command(workspace, f"roster {event.id}", user=m1)
    assert "Only club officers can see rosters" in refused["text"] and "blocks" not in refused

    refused_csv = press(workspace, "event_roster_csv", str(event.id), user=m1)
    assert "Only club officers" in refused_csv["text"]
    assert uploads_to(workspace, m1, ".csv") == []

    done = press(workspace, "event_roster_csv", str(event.id), user=officer)
    assert "DMs" in done["text"]
    [(file, content)] = eventually_got(lambda: uploads_to(workspace, officer, ".csv"), count=1)
    assert file["name"] == f"roster-event-{event.id}.csv"
    order = [c.method for c in workspace.fake.calls if c.method in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")
             and (c.args.get("file_id") == file["id"] or c.args.get("filename") == file["name"] or c.args.get("channel_id") == "D" + officer)]
    assert order[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert {row["user_id"]: (row["answer"], row["checked_in"]) for row in rows} == {
        g1: ("going", "yes"), g2: ("going", "no"), w1: ("waitlist", "no"), m1: ("maybe", "no"), n1: ("no", "no"), walk_in: ("none", "yes"),
    }
    assert len(rows) == 6 and {row["event"] for row in rows} == {event.title}
    assert {row["user_id"]: row["name"] for row in rows} == names
    assert attendance_of(workspace, event.id) == {g1: "officer", walk_in: "officer"}


# ---- 9. calendar --------------------------------------------------------------------------


def test_add_to_calendar_sends_an_ics_and_a_template_link(workspace):
    officer, member = workspace.officer(), workspace.member()
    starts = unix(5 * DAY)
    event = create_event(workspace, officer, starts=starts, ends=starts + 90 * 60, location="Hall B", online_link="https://meet.example/x")
    reply = press(workspace, "event_calendar", str(event.id), user=member)
    assert reply["response_type"] == "ephemeral" and reply.get("replace_original") is False
    link = reply["text"].split("<", 1)[1].split("|", 1)[0]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    query = parse_qs(parts.query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == [event.title]
    stamp = "%Y%m%dT%H%M%SZ"
    start_dt, end_dt = datetime.fromtimestamp(starts, timezone.utc), datetime.fromtimestamp(starts + 90 * 60, timezone.utc)
    assert query["dates"] == [f"{start_dt.strftime(stamp)}/{end_dt.strftime(stamp)}"]

    [(file, content)] = eventually_got(lambda: uploads_to(workspace, member, ".ics"), count=1)
    assert file["name"] == f"event-{event.id}.ics"
    calendar = Calendar.from_ical(content)
    [entry] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(entry["SUMMARY"]) == event.title
    assert entry.decoded("DTSTART") == start_dt
    assert entry.decoded("DTEND") == end_dt
    assert str(entry["LOCATION"]) == "Hall B"


# ---- 10. an officer's own message as the RSVP post ---------------------------------------


def test_make_rsvp_post_from_an_officers_own_message(workspace):
    officer, member, other = workspace.officer(), workspace.member(), workspace.officer()
    message_ts = payloads.new_ts()
    title = f"Spring mixer {new_id('E')}"
    trigger = payloads.new_trigger_id()
    shortcut = payloads.message_action(
        "make_rsvp_post", text=f"{title}\nCome &amp; meet the alumni board", user_id=officer, team_id=workspace.team_id,
        channel_id=workspace.channel, message_ts=message_ts, response_url=workspace.response_url(), trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200
    [opened] = eventually_got(lambda: opened_forms(workspace, trigger), count=1)
    view = opened.args["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert initial["title"] == title and initial["description"] == "Come & meet the alumni board"
    assert "channel" not in initial
    meta = json.loads(view["private_metadata"])
    assert meta == {"event_id": None, "channel": workspace.channel, "rsvp_ts": message_ts}

    starts = unix(3 * DAY)
    values = event_values(title=title, description="Come & meet the alumni board", starts=starts, with_channel=False)
    reply = workspace.submit("event_form", values, user=officer, private_metadata=view["private_metadata"])
    assert reply.status == 200 and reply.body == b"", reply.body
    event = announced_event(workspace, title)
    assert (event.channel, event.rsvp_ts) == (workspace.channel, message_ts) and event.post_ts != message_ts

    [counts_reply] = [c for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel, thread_ts=message_ts) if not c.failed]
    assert counts_reply.response["ts"] == event.post_ts
    assert counts(0, 0, 0) in plain(counts_reply.args["blocks"]) and title in all_text(counts_reply.args["blocks"])
    prompts = eventually_got(lambda: workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=message_ts), count=3)
    assert [c.args["name"] for c in prompts] == [GOING, MAYBE, NO]
    # No separate announcement: the officer's message is the post.
    assert [c for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel) if not c.failed and "thread_ts" not in c.args] == []

    react(workspace, event, member, GOING)
    assert rsvps_of(workspace, event.id) == {member: ("going", "going")}
    updated = wait_for_counts(workspace, event, 1, 0, 0)
    assert all(c.args["ts"] == event.post_ts for c in updated)
    assert workspace.fake.calls_to("chat.update", channel=workspace.channel, ts=message_ts) == []

    # Someone else's message can't be turned into an RSVP post.
    url, trigger = workspace.response_url(), payloads.new_trigger_id()
    foreign = payloads.message_action(
        "make_rsvp_post", text="Not mine", user_id=other, team_id=workspace.team_id, channel_id=workspace.channel,
        message_ts=payloads.new_ts(), message_user=officer, response_url=url, trigger_id=trigger,
    )
    assert workspace.server.slack.interact(foreign).status == 200
    refused = workspace.responses(url)[-1].args
    assert "you wrote yourself" in refused["text"]
    assert workspace.fake.calls_to("views.open", trigger_id=trigger) == []


def test_a_member_cannot_make_an_rsvp_post(workspace):
    member = workspace.member()
    url, trigger, ts = workspace.response_url(), payloads.new_trigger_id(), payloads.new_ts()
    shortcut = payloads.message_action(
        "make_rsvp_post", text="My party", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel,
        message_ts=ts, response_url=url, trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200
    assert "Only club officers" in workspace.responses(url)[-1].args["text"]
    assert workspace.fake.calls_to("views.open", trigger_id=trigger) == []
    crafted = workspace.submit("event_form", event_values(title="My party", with_channel=False), user=member,
                               private_metadata=form_metadata(channel=workspace.channel, rsvp_ts=ts)).json()
    assert crafted["response_action"] == "errors"
    assert events_of(workspace) == []
    assert workspace.fake.calls_to("reactions.add", timestamp=ts) == []


# ---- 11. escaping -------------------------------------------------------------------------


def test_event_text_never_goes_out_live(workspace, dispatcher):
    officer, early, late, maybe = workspace.officer(), workspace.member(), workspace.member(), workspace.member()
    start = len(workspace.fake.calls)
    starts = unix(DAY + 30 * 60)
    event = create_event(workspace, officer, title=EVIL, description=EVIL, location=EVIL, capacity="1", starts=starts)
    react(workspace, event, early, GOING)
    react(workspace, event, late, GOING)  # waitlisted: a DM
    press(workspace, "event_maybe", str(event.id), user=maybe)
    eventually_got(lambda: dms(workspace, late, "waitlist"), count=1)
    react(workspace, event, early, GOING, added=False)  # late is promoted: a DM
    eventually_got(lambda: dms(workspace, late, "A place opened up"), count=1)
    wait_for_counts(workspace, event, 1, 1, 0)

    replies = [
        command(workspace, "", user=maybe),
        command(workspace, f"roster {event.id}", user=officer),
        press(workspace, "event_calendar", str(event.id), user=maybe),
        press(workspace, "event_going", str(event.id), user=maybe),
        press(workspace, "event_open_checkin", str(event.id), user=officer),
    ]
    eventually_got(lambda: uploads_to(workspace, maybe, ".ics"), count=1)

    moment = datetime.fromtimestamp(starts - DAY, timezone.utc)
    plan_all(workspace.server.store, moment)
    dispatcher.run_due(moment, team_id=workspace.team_id)
    eventually_got(lambda: dms(workspace, late, "Reminder"), count=1)
    press(workspace, "event_cancel", str(event.id), user=officer)
    dispatcher.run_due(datetime.now(timezone.utc), team_id=workspace.team_id)  # or the app's own clock sends them
    for user in (late, maybe):
        eventually_got(lambda user=user: dms(workspace, user, "is cancelled"), count=1)
    wait_for_latest_update(workspace, event, "Cancelled:")

    ours = {workspace.channel, officer, early, late, maybe}
    sent = [c for c in workspace.fake.calls[start:] if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral") and c.args.get("channel") in ours]
    sent += [c for c in workspace.fake.calls[start:] if c.method == "response_url"]
    sent += [c for c in workspace.fake.calls[start:] if c.method == "files.completeUploadExternal" and c.args.get("channel_id") in {"D" + u for u in ours}]
    texts = [t for c in sent for t in mrkdwn_texts(c.args)] + [t for r in replies for t in mrkdwn_texts(r)]
    assert len(sent) >= 8
    assert any(ESCAPED in t for t in texts)
    for text in texts:
        for live in LIVE:
            assert live not in text, text


def rsvp_post_shortcut(workspace, user: str, message_ts: str, text: str) -> tuple[str, str]:
    """Message menu → Make RSVP post on a message `user` wrote; returns the (trigger id, response_url)
    the request carried."""
    trigger, url = payloads.new_trigger_id(), workspace.response_url()
    shortcut = payloads.message_action(
        "make_rsvp_post", text=text, user_id=user, team_id=workspace.team_id, channel_id=workspace.channel,
        message_ts=message_ts, response_url=url, trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200
    return trigger, url


def make_rsvp_post(workspace, officer: str, message_ts: str, title: str):
    """The officer's shortcut on their own message opens the form; submitting it makes the message
    the RSVP post of a new event. Returns the event once the bot's counts reply is recorded."""
    trigger, _ = rsvp_post_shortcut(workspace, officer, message_ts, title)
    [opened] = eventually_got(lambda: opened_forms(workspace, trigger), count=1)
    values = event_values(title=title, with_channel=False)
    reply = workspace.submit("event_form", values, user=officer, private_metadata=opened.args["view"]["private_metadata"])
    assert reply.status == 200 and reply.body == b"", reply.body
    return announced_event(workspace, title)


def test_a_message_made_into_an_rsvp_post_again_after_cancelling_counts_for_the_new_event(workspace):
    officer, member = workspace.officer(), workspace.member()
    message_ts = payloads.new_ts()
    first = make_rsvp_post(workspace, officer, message_ts, f"Picnic {new_id('E')}")
    react(workspace, first, member, MAYBE)  # the message is known as the first event's post
    assert "Cancelled" in press(workspace, "event_cancel", str(first.id), user=officer)["text"]

    second = make_rsvp_post(workspace, officer, message_ts, f"Picnic again {new_id('E')}")
    assert second.rsvp_ts == message_ts

    deliver(workspace, reaction(workspace, second, member, GOING))

    def counted_for_the_live_event():
        # The live event on this message takes the answer (not the cancelled one that used it before).
        assert rsvps_of(workspace, second.id) == {member: ("going", "going")}, (
            f"the reaction on the message was not counted for the live event #{second.id}; "
            f"answers logged for it: {action_count(workspace, second.id)}, for the cancelled #{first.id}: {action_count(workspace, first.id)}"
        )

    eventually(counted_for_the_live_event)
    assert rsvps_of(workspace, first.id) == {member: ("maybe", "maybe")}


def test_a_message_is_the_rsvp_post_of_one_live_event_only(workspace):
    # A second live event on the same message would never see a single answer: reactions on the
    # message are looked up as one event. So the shortcut is refused, and so is the form.
    officer = workspace.officer()
    message_ts = payloads.new_ts()
    first_title, second_title = f"Hike {new_id('E')}", f"Hike twice {new_id('E')}"
    make_rsvp_post(workspace, officer, message_ts, first_title)
    taken = f"This message is already the RSVP post for “{first_title}”."

    trigger, url = rsvp_post_shortcut(workspace, officer, message_ts, second_title)
    [refusal] = workspace.responses(url)
    assert taken in refusal.args["text"]
    assert workspace.fake.calls_to("views.open", trigger_id=trigger) == []

    # The form submitted anyway, with the metadata it would have carried (a crafted request could).
    crafted = workspace.submit(
        "event_form", event_values(title=second_title, with_channel=False), user=officer,
        private_metadata=form_metadata(channel=workspace.channel, rsvp_ts=message_ts),
    ).json()
    assert crafted["response_action"] == "errors"
    assert taken in " ".join(crafted["errors"].values())
    # Events are stored before the form is answered.
    live = [e.title for e in events_of(workspace) if e.rsvp_ts == message_ts and e.cancelled_at is None]
    assert live == [first_title]


def test_deleting_an_rsvp_post_event_takes_down_the_bots_counts_reply(workspace):
    officer = workspace.officer()
    message_ts = payloads.new_ts()
    event = make_rsvp_post(workspace, officer, message_ts, f"Book swap {new_id('E')}")
    assert "Deleted" in press(workspace, "event_delete", str(event.id), user=officer)["text"]
    # The officer's own message stays; the bot's reply under it carries Going/Maybe buttons for an
    # event that no longer exists, so it must go: the deletion is owed (stored) before the officer
    # is answered, and sent right after.
    eventually(lambda: [c.args["ts"] for c in workspace.fake.calls_to("chat.delete", channel=workspace.channel) if c.args["ts"] in (event.post_ts, message_ts)] == [event.post_ts])


def test_another_workspace_cannot_see_or_answer_an_event(workspace):
    from tests.conftest import Workspace

    officer, member = workspace.officer(), workspace.member()
    event = create_event(workspace, officer)
    press(workspace, "event_open_checkin", str(event.id), user=officer)
    code = event_row(workspace, event.id).checkin_code
    elsewhere = Workspace(server=workspace.server, fake=workspace.fake)
    outsider, their_officer = elsewhere.member(), elsewhere.officer()

    assert "no longer exists" in press(elsewhere, "event_going", str(event.id), user=outsider)["text"]
    assert "no longer exists" in command(elsewhere, f"roster {event.id}", user=their_officer)["text"]
    assert "no longer exists" in press(elsewhere, "event_cancel", str(event.id), user=their_officer)["text"]
    assert "doesn't match" in command(elsewhere, f"checkin {code}", user=outsider)["text"]
    crafted = elsewhere.submit("event_form", event_values(title="Hijack", with_channel=False), user=their_officer,
                               private_metadata=form_metadata(event_id=event.id, channel=elsewhere.channel)).json()
    assert crafted["response_action"] == "errors"
    deliver(workspace, {**reaction(workspace, event, outsider, GOING), "team_id": elsewhere.team_id})
    # The barrier: a reaction from the event's own workspace, delivered after the other one and
    # handed to the app's listeners after it, is counted; the outsider's is not.
    react(workspace, event, member, MAYBE)
    assert rsvps_of(workspace, event.id) == {member: ("maybe", "maybe")}
    assert (event_row(workspace, event.id).title, event_row(workspace, event.id).cancelled_at) == (event.title, None)
    assert "Upcoming events" in command(elsewhere, "", user=outsider)["text"]
    assert event.title not in json.dumps(command(elsewhere, "", user=outsider))


def test_reactions_on_a_deleted_events_message_never_count_for_another_event(workspace):
    officer, member, latecomer = workspace.officer(), workspace.member(), workspace.member()
    message_ts = payloads.new_ts()
    old = make_rsvp_post(workspace, officer, message_ts, f"Movie night {new_id('E')}")
    react(workspace, old, member, GOING)
    react(workspace, old, member, GOING, added=False)  # withdrawn: the event may be deleted
    assert "Deleted" in press(workspace, "event_delete", str(old.id), user=officer)["text"]

    new = create_event(workspace, officer)
    # The officer's own message is still in the channel with its reactions; one more arrives.
    deliver(workspace, reaction(workspace, old, latecomer, GOING))
    # The barrier: a reaction on the new event's own post, delivered after it, is counted.
    react(workspace, new, member, MAYBE)
    assert rsvps_of(workspace, new.id) == {member: ("maybe", "maybe")}, (
        f"a reaction on the deleted event #{old.id}'s message was counted for event #{new.id}"
    )


def test_the_form_starts_at_the_officers_events_channel_so_it_wins_over_where_it_was_opened(workspace):
    officer = workspace.officer()
    events_channel = new_id("C")
    workspace.fake.add_channel(events_channel, name=f"events-{events_channel.lower()}")
    configure_club(workspace, officer, events_channel=events_channel)
    trigger = payloads.new_trigger_id()
    reply = workspace.server.slack.command(
        "/events", "new", user_id=officer, team_id=workspace.team_id, channel_id=workspace.channel, trigger_id=trigger, response_url=workspace.response_url()
    )
    assert reply.status == 200
    [opened] = eventually_got(lambda: opened_forms(workspace, trigger), count=1)
    [select] = [block["element"] for block in opened.args["view"]["blocks"] if block.get("block_id") == "channel"]
    assert select["initial_conversation"] == events_channel

    # Submitted as it came (Slack sends the select's value), the event is announced there.
    title = f"Meet the Firm {new_id('E')}"
    submit_event(workspace, officer, title=title, channel=select["initial_conversation"])
    event = announced_event(workspace, title)
    assert event.channel == events_channel
