"""Shared helpers for the /events end-to-end tests: building the form, reacting, reading rows and calls."""

from __future__ import annotations

import json
import time
import uuid

from sqlalchemy import func, select

from slackapp.events.models import Attendance, Event, Rsvp, RsvpAction
from slackapp.sandbox import payloads
from tests.conftest import new_id
from tests.helpers import EVIL, ESCAPED, LIVE, all_text, dms, eventually, eventually_got, post_updates, press, text_state, walk  # noqa: F401

GOING, MAYBE, NO = "white_check_mark", "thinking_face", "x"
HOUR = 3600
DAY = 24 * HOUR


# ---- the event form -----------------------------------------------------------------------


def unix(offset_seconds: int = 0) -> int:
    return int(time.time()) + offset_seconds


def event_values(
    *,
    title: str | None = None,
    description: str | None = "Meet alumni and recruiters.",
    starts: int | None = None,
    ends: int | None = None,
    location: str | None = "Room 101",
    online_link: str | None = None,
    capacity: str | None = None,
    channel: str | None = None,
    with_channel: bool = True,
    category: str | None = None,
) -> dict:
    """view_submission state for event_form, shaped like Slack's for each input type."""
    starts = unix(3 * DAY) if starts is None else starts
    ends = starts + 2 * HOUR if ends is None else ends
    values = {
        "title": text_state(title if title is not None else f"Career night {new_id('E')}"),
        "description": text_state(description),
        "starts_at": {"value": {"type": "datetimepicker", "selected_date_time": starts}},
        "ends_at": {"value": {"type": "datetimepicker", "selected_date_time": ends}},
        "location": text_state(location),
        "online_link": text_state(online_link),
        "capacity": {"value": {"type": "number_input", "value": capacity}},
    }
    if category is not None:
        values["category"] = {"value": {"type": "static_select", "selected_option": {"value": category}}}
    if with_channel:
        values["channel"] = {"value": {"type": "conversations_select", "selected_conversation": channel}}
    return values


def form_metadata(*, event_id=None, channel=None, rsvp_ts=None) -> str:
    return json.dumps({"event_id": event_id, "channel": channel, "rsvp_ts": rsvp_ts})


def submit_event(workspace, user, *, event_id=None, rsvp_ts=None, private_metadata=None, **fields):
    """Submit event_form as `user`; a new event unless `event_id` is given (then it is the edit form)."""
    if event_id is not None:
        fields.setdefault("with_channel", False)
    else:
        fields.setdefault("channel", workspace.channel)
    metadata = private_metadata if private_metadata is not None else form_metadata(event_id=event_id, channel=workspace.channel, rsvp_ts=rsvp_ts)
    return workspace.submit("event_form", event_values(**fields), user=user, private_metadata=metadata)


def edit_values_of(event: Event, **changes) -> dict:
    """The edit form's fields for `event`, with `changes` applied."""
    fields = {
        "title": event.title,
        "description": event.description,
        "starts": int(event.starts_at.timestamp()),
        "ends": int(event.ends_at.timestamp()),
        "location": event.location,
        "online_link": event.online_link,
        "capacity": str(event.capacity) if event.capacity is not None else None,
    }
    fields.update(changes)
    return fields


def edit_event(workspace, user, event: Event, **changes):
    return submit_event(workspace, user, event_id=event.id, **edit_values_of(event, **changes))


# ---- reading the store --------------------------------------------------------------------


def events_of(workspace) -> list[Event]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Event).where(Event.team_id == workspace.team_id).order_by(Event.id)))


def event_row(workspace, event_id: int) -> Event | None:
    with workspace.server.store.read() as session:
        return session.scalar(select(Event).where(Event.team_id == workspace.team_id, Event.id == event_id))


def rsvps_of(workspace, event_id: int) -> dict[str, tuple[str, str]]:
    """user -> (answer, seat)"""
    with workspace.server.store.read() as session:
        rows = session.execute(select(Rsvp.user_id, Rsvp.answer, Rsvp.seat).where(Rsvp.event_id == event_id, Rsvp.team_id == workspace.team_id))
        return {user: (answer, seat) for user, answer, seat in rows}


def rsvp_rows(workspace, event_id: int) -> list[Rsvp]:
    with workspace.server.store.read() as session:
        return list(session.scalars(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.team_id == workspace.team_id).order_by(Rsvp.id)))


def seats(workspace, event_id: int) -> dict[str, str]:
    return {user: seat for user, (_, seat) in rsvps_of(workspace, event_id).items()}


def action_count(workspace, event_id: int) -> int:
    with workspace.server.store.read() as session:
        return session.scalar(
            select(func.count()).select_from(RsvpAction).where(RsvpAction.event_id == event_id, RsvpAction.team_id == workspace.team_id)
        )


def attendance_of(workspace, event_id: int) -> dict[str, str]:
    """user -> method"""
    with workspace.server.store.read() as session:
        rows = session.execute(select(Attendance.user_id, Attendance.method).where(Attendance.event_id == event_id, Attendance.team_id == workspace.team_id))
        return dict(rows.all())


def attendance_rows(workspace, event_id: int) -> int:
    with workspace.server.store.read() as session:
        return session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event_id))


# ---- creating and announcing --------------------------------------------------------------


def create_event(workspace, officer, **fields) -> Event:
    """Submit the form as an officer and wait until the announcement is recorded."""
    title = fields.setdefault("title", f"Career night {new_id('E')}")
    reply = submit_event(workspace, officer, **fields)
    assert reply.status == 200 and reply.body == b"", reply.body
    return announced_event(workspace, title)


def announced_event(workspace, title: str) -> Event:
    """The one event called `title`, once its post is recorded (after the form was answered)."""
    [event] = eventually_got(lambda: [e for e in events_of(workspace) if e.title == title and e.post_ts], count=1, timeout=10)
    return event


def announcement_of(workspace, event: Event):
    [call] = [
        c
        for c in workspace.fake.calls_to("chat.postMessage", channel=event.channel)
        if not c.failed and isinstance(c.response, dict) and c.response.get("ts") == event.post_ts
    ]
    return call


def updates_of(workspace, event: Event, *, failed: bool = False) -> list:
    """chat.update calls for the event's post; only those Slack took, unless `failed`."""
    return post_updates(workspace, event.channel, event.post_ts, failed=failed)


def plain(blocks_or_text) -> str:
    """Text as read, without mrkdwn's bold and strike markers."""
    text = blocks_or_text if isinstance(blocks_or_text, str) else all_text(blocks_or_text)
    return text.replace("*", "").replace("~", "")


def counts(going: int, maybe: int, waitlisted: int, *, cant: int = 0) -> str:
    return f"{going} going · {maybe} maybe · {cant} can't go · {waitlisted} waitlisted"


def wait_for_latest_update(workspace, event: Event, showing: str, timeout: float = 15) -> list:
    """Wait until the latest chat.update of the post that Slack took shows `showing` (read as
    plain text); return the post's updates."""

    def latest():
        found = updates_of(workspace, event)
        assert found, "no chat.update for the post yet"
        assert showing in plain(found[-1].args["blocks"]), plain(found[-1].args["blocks"])

    eventually(latest, timeout=timeout)
    return updates_of(workspace, event)


def wait_for_counts(workspace, event: Event, going: int, maybe: int, waitlisted: int, *, cant: int = 0, timeout: float = 15) -> list:
    """Wait until the latest chat.update of the post that Slack took shows these counts."""
    return wait_for_latest_update(workspace, event, counts(going, maybe, waitlisted, cant=cant), timeout=timeout)


# ---- acting as members --------------------------------------------------------------------


def slack_ts(seconds: int, micro: int) -> str:
    return f"{seconds}.{micro:06d}"


def reaction(workspace, event: Event | None, user: str, emoji: str = GOING, *, added: bool = True, channel=None, ts=None, event_ts=None, event_id=None) -> dict:
    build = payloads.reaction_added if added else payloads.reaction_removed
    return build(
        emoji,
        user_id=user,
        team_id=workspace.team_id,
        channel_id=channel or event.channel,
        item_ts=ts or event.rsvp_ts,
        item_user=event.created_by if event else None,
        event_ts=event_ts,
        event_id=event_id or "Ev" + uuid.uuid4().hex[:12].upper(),
    )


def deliver(workspace, payload: dict, retry_num: int | None = None) -> None:
    reply = workspace.server.slack.event(payload, retry_num=retry_num)
    assert reply.status == 200, (reply.status, reply.text)


def react(workspace, event: Event, user: str, emoji: str = GOING, *, added: bool = True, **fields) -> dict:
    """Deliver one reaction event that counts, and wait until the app has logged it."""
    before = action_count(workspace, event.id)
    payload = reaction(workspace, event, user, emoji, added=added, **fields)
    deliver(workspace, payload)
    eventually(lambda: action_count(workspace, event.id) == before + 1, timeout=10)
    return payload


def command(workspace, text: str, *, user: str) -> dict:
    """Run /events `text`; the reply is the ack body, or else what came through the response_url."""
    url = workspace.response_url()
    reply = workspace.command("/events", text, user=user, response_url=url)
    assert reply.status == 200, reply.text
    if reply.body:
        return reply.json()
    return workspace.responses(url, timeout=10)[-1].args


def answer_all(workspace, event: Event, answers: dict[str, str]) -> None:
    """Answer with the buttons, one member after the other: user -> "going" | "maybe" | "no"."""
    action = {"going": "event_going", "maybe": "event_maybe", "no": "event_cant"}
    for user, answer in answers.items():
        press(workspace, action[answer], str(event.id), user=user)


def uploads_to(workspace, user: str, suffix: str) -> list[tuple[dict, bytes]]:
    """(completed file, uploaded bytes) for files shared into the DM with `user` whose name ends with suffix."""
    found = []
    for complete in workspace.fake.calls_to("files.completeUploadExternal", channel_id="D" + user):
        for file in complete.response.get("files") or []:
            if not file["name"].endswith(suffix):
                continue
            [upload] = [c for c in workspace.fake.calls_to("upload") if c.args["file_id"] == file["id"]]
            found.append((file, upload.args["content"]))
    return found


def mrkdwn_texts(args: dict) -> list[str]:
    """What Slack parses as mrkdwn in a message: the fallback text and every mrkdwn text object."""
    texts = [args.get("text") or "", args.get("initial_comment") or ""]
    texts += [node["text"] for node in walk(args.get("blocks") or []) if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str)]
    return texts
