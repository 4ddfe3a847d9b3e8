"""/events end to end: creating, answering with buttons, listing, rosters, calendar files, RSVP posts
from an officer's own message, and escaping; on SQLite and PostgreSQL.

RSVP reactions and capacity are in test_rsvp_e2e.py; reminders, cancelling and check-in in
test_schedule_e2e.py."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar

from tests import payloads
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
    announcement_of,
    answer_all,
    attendance_of,
    click,
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
    react,
    reaction,
    rsvps_of,
    submit_event,
    unix,
    uploads_to,
    wait_for_counts,
)
from tests.helpers import all_text, buttons, eventually

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
    [opened] = eventually(lambda: opened_forms(workspace, trigger))
    view = opened.args["view"]
    assert view["type"] == "modal"
    assert [b["block_id"] for b in view["blocks"]] == ["title", "description", "starts_at", "ends_at", "location", "online_link", "capacity", "channel"]
    assert json.loads(view["private_metadata"]) == {"event_id": None, "channel": workspace.channel, "rsvp_ts": None}

    url, trigger = workspace.response_url(), payloads.new_trigger_id()
    reply = workspace.server.slack.command(
        "/events", "new", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel, response_url=url, trigger_id=trigger,
    )
    assert reply.status == 200
    refused = workspace.responses(url)[-1].args
    assert refused["response_type"] == "ephemeral" and "Only club officers can create events" in refused["text"]
    workspace.fake.assert_no_call("views.open", within=0.3, trigger_id=trigger)


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

    prompts = eventually(lambda: len(workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=event.post_ts)) >= 3 and
                         workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=event.post_ts))
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
    assert events_of(workspace) == []
    workspace.fake.assert_no_call("chat.postMessage", within=0.3, channel=workspace.channel)


# ---- 5. buttons ---------------------------------------------------------------------------


def test_buttons_answer_like_reactions(workspace):
    officer, member = workspace.officer(), workspace.member()
    event = create_event(workspace, officer)

    assert "You're going to" in click(workspace, "event_going", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("going", "going")}
    wait_for_counts(workspace, event, 1, 0, 0)

    assert "maybe" in click(workspace, "event_maybe", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("maybe", "maybe")}
    wait_for_counts(workspace, event, 0, 1, 0)

    assert "can't make" in click(workspace, "event_cant", str(event.id), user=member)["text"]
    assert rsvps_of(workspace, event.id) == {member: ("no", "no")}
    wait_for_counts(workspace, event, 0, 0, 0)

    # A reaction made after the button press wins, like a later button press would.
    react(workspace, event, member, GOING)
    eventually(lambda: rsvps_of(workspace, event.id) == {member: ("going", "going")})

    gone = click(workspace, "event_going", "999999", user=member)
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
    assert "Marked 2 more" in click(workspace, "event_mark_attended", None, user=officer, block_id=f"attend_{event.id}",
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

    refused_csv = click(workspace, "event_roster_csv", str(event.id), user=m1)
    assert "Only club officers" in refused_csv["text"]
    assert uploads_to(workspace, m1, ".csv") == []

    done = click(workspace, "event_roster_csv", str(event.id), user=officer)
    assert "DMs" in done["text"]
    [(file, content)] = eventually(lambda: uploads_to(workspace, officer, ".csv"))
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
    reply = click(workspace, "event_calendar", str(event.id), user=member)
    assert reply["response_type"] == "ephemeral" and reply.get("replace_original") is False
    link = reply["text"].split("<", 1)[1].split("|", 1)[0]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    query = parse_qs(parts.query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == [event.title]
    stamp = "%Y%m%dT%H%M%SZ"
    start_dt, end_dt = datetime.fromtimestamp(starts, timezone.utc), datetime.fromtimestamp(starts + 90 * 60, timezone.utc)
    assert query["dates"] == [f"{start_dt.strftime(stamp)}/{end_dt.strftime(stamp)}"]

    [(file, content)] = eventually(lambda: uploads_to(workspace, member, ".ics"))
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
    [opened] = eventually(lambda: opened_forms(workspace, trigger))
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
    [event] = eventually(lambda: [e for e in events_of(workspace) if e.title == title and e.post_ts])
    assert (event.channel, event.rsvp_ts) == (workspace.channel, message_ts) and event.post_ts != message_ts

    [counts_reply] = [c for c in workspace.fake.calls_to("chat.postMessage", channel=workspace.channel, thread_ts=message_ts) if not c.failed]
    assert counts_reply.response["ts"] == event.post_ts
    assert counts(0, 0, 0) in plain(counts_reply.args["blocks"]) and title in all_text(counts_reply.args["blocks"])
    prompts = eventually(lambda: len(workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=message_ts)) >= 3
                         and workspace.fake.calls_to("reactions.add", channel=workspace.channel, timestamp=message_ts))
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
    workspace.fake.assert_no_call("views.open", within=0.3, trigger_id=trigger)


def test_a_member_cannot_make_an_rsvp_post(workspace):
    member = workspace.member()
    url, trigger, ts = workspace.response_url(), payloads.new_trigger_id(), payloads.new_ts()
    shortcut = payloads.message_action(
        "make_rsvp_post", text="My party", user_id=member, team_id=workspace.team_id, channel_id=workspace.channel,
        message_ts=ts, response_url=url, trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200
    assert "Only club officers" in workspace.responses(url)[-1].args["text"]
    workspace.fake.assert_no_call("views.open", within=0.3, trigger_id=trigger)
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
    click(workspace, "event_maybe", str(event.id), user=maybe)
    eventually(lambda: dms(workspace, late, "waitlist"))
    react(workspace, event, early, GOING, added=False)  # late is promoted: a DM
    eventually(lambda: dms(workspace, late, "A place opened up"))
    wait_for_counts(workspace, event, 1, 1, 0)

    replies = [
        command(workspace, "", user=maybe),
        command(workspace, f"roster {event.id}", user=officer),
        click(workspace, "event_calendar", str(event.id), user=maybe),
        click(workspace, "event_going", str(event.id), user=maybe),
        click(workspace, "event_open_checkin", str(event.id), user=officer),
    ]
    from tests.helpers import plan_all

    moment = datetime.fromtimestamp(starts - DAY, timezone.utc)
    plan_all(workspace.server.store, moment)
    dispatcher.run_due(moment, team_id=workspace.team_id)
    eventually(lambda: dms(workspace, late, "Reminder"))
    click(workspace, "event_cancel", str(event.id), user=officer)
    dispatcher.run_due(datetime.now(timezone.utc), team_id=workspace.team_id)
    eventually(lambda: dms(workspace, maybe, "Cancelled"))
    eventually(lambda: "Cancelled" in all_text(workspace.fake.calls_to("chat.update", channel=event.channel, ts=event.post_ts)[-1].args["blocks"]))

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


def make_rsvp_post(workspace, officer, message_ts: str, title: str):
    """The officer's shortcut on their message, then the form submitted. If the shortcut is refused
    (no form opens), the form is submitted anyway with the metadata the form would have carried, as
    a crafted request could. Returns (the shortcut's refusal or None, the submission's response)."""
    trigger, url = payloads.new_trigger_id(), workspace.response_url()
    shortcut = payloads.message_action(
        "make_rsvp_post", text=title, user_id=officer, team_id=workspace.team_id, channel_id=workspace.channel,
        message_ts=message_ts, response_url=url, trigger_id=trigger,
    )
    assert workspace.server.slack.interact(shortcut).status == 200

    def answered():
        return opened_forms(workspace, trigger) or workspace.fake.calls_to("response_url", tag=url.rsplit("/", 1)[1]) or None

    eventually(answered, timeout=5)
    opened = opened_forms(workspace, trigger)
    refusal = None if opened else workspace.responses(url)[-1].args
    metadata = opened[-1].args["view"]["private_metadata"] if opened else form_metadata(channel=workspace.channel, rsvp_ts=message_ts)
    values = event_values(title=title, with_channel=False)
    return refusal, workspace.submit("event_form", values, user=officer, private_metadata=metadata)


def test_a_message_made_into_an_rsvp_post_again_after_cancelling_counts_for_the_new_event(workspace):
    officer, member = workspace.officer(), workspace.member()
    message_ts = payloads.new_ts()
    first_title, second_title = f"Picnic {new_id('E')}", f"Picnic again {new_id('E')}"
    assert make_rsvp_post(workspace, officer, message_ts, first_title)[1].body == b""
    [first] = eventually(lambda: [e for e in events_of(workspace) if e.title == first_title and e.post_ts])
    react(workspace, first, member, MAYBE)  # the message is known as the first event's post
    assert "Cancelled" in click(workspace, "event_cancel", str(first.id), user=officer)["text"]

    refusal, reply = make_rsvp_post(workspace, officer, message_ts, second_title)
    assert refusal is None, refusal
    assert reply.status == 200 and reply.body == b"", reply.body
    [second] = eventually(lambda: [e for e in events_of(workspace) if e.title == second_title and e.post_ts])
    assert second.rsvp_ts == message_ts

    deliver(workspace, reaction(workspace, second, member, GOING))
    # The live event on this message takes the answer (not the cancelled one that used it before).
    try:
        eventually(lambda: rsvps_of(workspace, second.id) == {member: ("going", "going")}, timeout=5)
    except AssertionError:
        pass
    assert rsvps_of(workspace, second.id) == {member: ("going", "going")}, (
        f"the reaction on the message was not counted for the live event #{second.id}; "
        f"answers logged for it: {action_count(workspace, second.id)}, for the cancelled #{first.id}: {action_count(workspace, first.id)}"
    )


def test_a_message_is_the_rsvp_post_of_one_live_event_only(workspace):
    officer = workspace.officer()
    message_ts = payloads.new_ts()
    first_title, second_title = f"Hike {new_id('E')}", f"Hike twice {new_id('E')}"
    assert make_rsvp_post(workspace, officer, message_ts, first_title)[1].body == b""
    eventually(lambda: [e for e in events_of(workspace) if e.title == first_title and e.post_ts])
    refusal, reply = make_rsvp_post(workspace, officer, message_ts, second_title)
    time.sleep(0.5)
    live = [e for e in events_of(workspace) if e.rsvp_ts == message_ts and e.cancelled_at is None]
    # A second live event on the same message would never see a single answer: reactions on the
    # message are looked up as one event. The second attempt has to be refused (or reuse the first).
    assert len(live) == 1, [(e.id, e.title) for e in live]
    assert refusal is not None or reply.json().get("response_action") == "errors"
    if refusal is not None:
        assert first_title in refusal["text"] or "already" in refusal["text"], refusal


def test_deleting_an_rsvp_post_event_takes_down_the_bots_counts_reply(workspace):
    officer = workspace.officer()
    message_ts = payloads.new_ts()
    title = f"Book swap {new_id('E')}"
    assert make_rsvp_post(workspace, officer, message_ts, title)[1].body == b""
    [event] = eventually(lambda: [e for e in events_of(workspace) if e.title == title and e.post_ts])
    assert "Deleted" in click(workspace, "event_delete", str(event.id), user=officer)["text"]
    # The officer's own message stays; the bot's reply under it carries Going/Maybe buttons for an
    # event that no longer exists (and whose number SQLite hands to the next event), so it must go.
    eventually(lambda: workspace.fake.calls_to("chat.delete", channel=workspace.channel, ts=event.post_ts), timeout=5)
    assert workspace.fake.calls_to("chat.delete", channel=workspace.channel, ts=message_ts) == []


def test_another_workspace_cannot_see_or_answer_an_event(workspace):
    from tests.conftest import Workspace

    officer, member = workspace.officer(), workspace.member()
    event = create_event(workspace, officer)
    click(workspace, "event_open_checkin", str(event.id), user=officer)
    code = event_row(workspace, event.id).checkin_code
    elsewhere = Workspace(server=workspace.server, fake=workspace.fake)
    outsider, their_officer = elsewhere.member(), elsewhere.officer()

    assert "no longer exists" in click(elsewhere, "event_going", str(event.id), user=outsider)["text"]
    assert "no longer exists" in command(elsewhere, f"roster {event.id}", user=their_officer)["text"]
    assert "no longer exists" in click(elsewhere, "event_cancel", str(event.id), user=their_officer)["text"]
    assert "doesn't match" in command(elsewhere, f"checkin {code}", user=outsider)["text"]
    crafted = elsewhere.submit("event_form", event_values(title="Hijack", with_channel=False), user=their_officer,
                               private_metadata=form_metadata(event_id=event.id, channel=elsewhere.channel)).json()
    assert crafted["response_action"] == "errors"
    deliver(workspace, {**reaction(workspace, event, outsider, GOING), "team_id": elsewhere.team_id})
    react(workspace, event, member, MAYBE)  # a sentinel from the event's own workspace
    time.sleep(0.3)
    assert rsvps_of(workspace, event.id) == {member: ("maybe", "maybe")}
    assert (event_row(workspace, event.id).title, event_row(workspace, event.id).cancelled_at) == (event.title, None)
    assert "Upcoming events" in command(elsewhere, "", user=outsider)["text"]
    assert event.title not in json.dumps(command(elsewhere, "", user=outsider))


def test_reactions_on_a_deleted_events_message_never_count_for_another_event(workspace):
    officer, member, latecomer = workspace.officer(), workspace.member(), workspace.member()
    message_ts = payloads.new_ts()
    title = f"Movie night {new_id('E')}"
    assert make_rsvp_post(workspace, officer, message_ts, title)[1].body == b""
    [old] = eventually(lambda: [e for e in events_of(workspace) if e.title == title and e.post_ts])
    react(workspace, old, member, GOING)
    react(workspace, old, member, GOING, added=False)  # withdrawn: the event may be deleted
    assert "Deleted" in click(workspace, "event_delete", str(old.id), user=officer)["text"]

    new = create_event(workspace, officer)  # SQLite hands out the deleted event's number again
    # The officer's own message is still in the channel with its reactions; one more arrives.
    deliver(workspace, reaction(workspace, old, latecomer, GOING))
    react(workspace, new, member, MAYBE)  # a sentinel on the new event's own post
    time.sleep(0.3)
    assert rsvps_of(workspace, new.id) == {member: ("maybe", "maybe")}, (
        f"a reaction on the deleted event #{old.id}'s message was counted for event #{new.id}"
    )
