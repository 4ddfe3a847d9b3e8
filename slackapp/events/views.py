"""Events as Block Kit: pure functions from domain objects to slack_sdk models."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ConfirmObject,
    ConversationSelectElement,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    RadioButtonsElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp.csvfile import csv_text
from slackapp.events.ids import (
    ATTEND_BLOCK,
    CALENDAR,
    CANCEL,
    CANCEL_REST,
    CANT,
    DELETE,
    EDIT,
    FORM,
    GOING,
    HERE,
    MARK_ATTENDED,
    MAYBE,
    NEW,
    OPEN_CHECKIN,
    ROSTER_CSV,
    SCOPE_ONE,
    SCOPE_REST,
    SERIES_JOIN,
    SERIES_LEAVE,
    VALUE,
)
from slackapp.events.models import Category, Event, EventSeries, Repeat, Seat
from slackapp.events.service import LIMITS, Roster
from slackapp.slack.blocks import SECTION_TEXT, actions, button, context, divider, header, modal, section, text_input
from slackapp.slack.phrases import date_token, plural, time_range
from slackapp.slack.text import escape, truncate

PROMPT = "React :white_check_mark: going · :thinking_face: maybe · :x: can't go"
NOT_MANAGER = "Only the person who created this event, or an officer, can do that."
ONLY_OFFICERS_CREATE = "Only club officers can create events."
ONLY_OFFICERS_ROSTER = "Only club officers can see rosters."
ONLY_OFFICERS_EXPORT = "Only club officers can export rosters."
NOT_YOUR_MESSAGE = "Make RSVP post works on an announcement you wrote yourself."
NO_EVENTS_CHANNEL = "The event is saved, but there's no channel to announce it in. Choose an events channel in `/club config`."
NOT_ANNOUNCED = "The event is saved, but I couldn't announce it:"
NO_COUNTS_REPLY = "The event is saved and reactions on your message count, but I couldn't post the counts under it. Invite me to the channel."
ROSTER_SENT = "The roster is in your DMs with me."


def when(event: Event) -> str:
    return time_range(event.starts_at, event.ends_at)


def place(event: Event) -> str:
    parts = [escape(event.location, 400)] if event.location else []
    if event.online_link:
        parts.append(f"online: {escape(event.online_link, 600)}")
    return " · ".join(parts)


def counts_text(event: Event, roster: Roster) -> str:
    text = (
        f"*{roster.count(Seat.going)} going* · {roster.count(Seat.maybe)} maybe · {roster.count(Seat.no)} can't go"
        f" · {roster.count(Seat.waitlist)} waitlisted"
    )
    if event.capacity is not None:
        text += f" · {plural(event.capacity, 'place')}"
    return text


def event_text(event: Event, *, reserve: int = 0) -> str:
    """Title, time, place and as much of the description as fits (leaving `reserve` characters of
    the section for what the caller adds), every piece escaped."""
    lines = [f"*{escape(event.title, 450)}*", f":calendar: {when(event)}", f":round_pushpin: {place(event)}"]
    room = SECTION_TEXT - reserve - len("\n".join(lines)) - 1
    if event.description and room > 1:
        lines.append(escape(truncate(event.description, 1500), room))
    return "\n".join(lines)


def rsvp_buttons(event: Event):
    series = event.series_id is not None
    return actions(
        button("Going", GOING, str(event.id), style="primary"),
        button("Maybe", MAYBE, str(event.id)),
        button("Can't go", CANT, str(event.id)),
        button("Going to all", SERIES_JOIN, str(event.id)) if series else None,
        button("Not going to all", SERIES_LEAVE, str(event.id)) if series else None,
        button("Add to calendar", CALENDAR, str(event.id)),
        block_id=f"event_{event.id}",
    )


SERIES_NOTE = ":spiral_calendar_pad: Repeats · *Going to all* counts you in for every date; react on one date's post to change just that one."


def announcement(event: Event, roster: Roster, *, own_post: bool = True) -> tuple[str, list]:
    """The RSVP post (or, for an officer's own message, the bot's reply that carries the counts)."""
    if event.cancelled_at is not None:
        blocks = [section(f":no_entry: *Cancelled:* ~{escape(event.title)}~\n{when(event)}")]
        return f"Cancelled: {escape(event.title)}", blocks
    blocks = [section(event_text(event)) if own_post else section(f"RSVP for *{escape(event.title)}* · {when(event)}")]
    blocks += [context(PROMPT if own_post else PROMPT + " on the message above"), section(counts_text(event, roster)), rsvp_buttons(event)]
    if event.series_id is not None:
        blocks.append(context(SERIES_NOTE))
    return f"{escape(event.title)}: {roster.count(Seat.going)} going", blocks


_MY_SEAT = {
    Seat.going: ":white_check_mark: you're going",
    Seat.waitlist: ":hourglass: you're on the waitlist",
    Seat.maybe: ":thinking_face: you said maybe",
    Seat.no: ":x: you can't go",
}


def event_list(events: list[Event], *, mine: dict[int, Seat], officer: bool) -> list:
    blocks: list = [header("Upcoming events")]
    if not events:
        blocks.append(section("No upcoming events." + (" Create one with `/events new`." if officer else "")))
    for event in events[:10]:
        seat = mine.get(event.id)
        status = _MY_SEAT.get(seat, "you haven't answered") if seat else "you haven't answered"
        blocks.append(section(f"`#{event.id}` {event_text(event, reserve=100)}\n_{status}_"))
        blocks.append(rsvp_buttons(event))
    blocks.append(divider())
    if officer:
        blocks.append(actions(button("New event", NEW, "new", style="primary"), block_id="events_nav"))
    blocks.append(context("`/events roster <number>` for officers · `/events checkin CODE` at the door"))
    return blocks


def _names(users: list[str]) -> str:
    return ", ".join(f"<@{user}>" for user in users) or "—"


def roster_view(event: Event, roster: Roster, *, tz_note: str = "") -> list:
    rows = [
        ("Going", roster.seats[Seat.going]),
        ("Maybe", roster.seats[Seat.maybe]),
        ("Can't go", roster.seats[Seat.no]),
        ("Waitlist", roster.seats[Seat.waitlist]),
        ("Checked in", roster.attended),
    ]
    lines = [f"*{label}* ({len(users)}): {_names(users[:60])}" + (" …" if len(users) > 60 else "") for label, users in rows]
    blocks: list = [
        header(f"Roster: {event.title}"),
        context(f"`#{event.id}` · {when(event)}" + (" · *cancelled*" if event.cancelled_at else "")),
        section("\n".join(lines)),
        actions(
            button("Export CSV", ROSTER_CSV, str(event.id)),
            button("Open check-in", OPEN_CHECKIN, str(event.id), style="primary") if event.cancelled_at is None else None,
            button("Edit", EDIT, str(event.id)) if event.cancelled_at is None else None,
            button(
                "Cancel this one" if event.series_id is not None else "Cancel event",
                CANCEL,
                str(event.id),
                style="danger",
                confirm=ConfirmObject(title="Cancel this event?", text="Everyone who answered gets a DM.", confirm="Cancel it", deny="Keep it"),
            )
            if event.cancelled_at is None
            else None,
            button(
                "Cancel this and later",
                CANCEL_REST,
                str(event.id),
                style="danger",
                confirm=ConfirmObject(
                    title="Cancel the rest?",
                    text="This date and every later one are cancelled, and no more are announced. Everyone who answered gets one DM.",
                    confirm="Cancel them",
                    deny="Keep them",
                ),
            )
            if event.cancelled_at is None and event.series_id is not None
            else None,
            button("Delete", DELETE, str(event.id)),
            block_id=f"roster_{event.id}",
        ),
    ]
    if event.cancelled_at is None:
        blocks.append(
            section(
                "Mark people as attended:",
                block_id=f"{ATTEND_BLOCK}{event.id}",
                accessory=UserMultiSelectElement(action_id=MARK_ATTENDED, placeholder="Choose people"),
            )
        )
    return blocks


def roster_csv(event: Event, roster: Roster, names: dict[str, str]) -> str:
    attended = set(roster.attended)
    rows = [(user, seat.value, "yes" if user in attended else "no") for seat in (Seat.going, Seat.waitlist, Seat.maybe, Seat.no) for user in roster.seats[seat]]
    rows += [(user, "none", "yes") for user in roster.attended if user not in roster.answered]
    return csv_text(["event", "user_id", "name", "answer", "checked_in"], ([event.title, user, names.get(user, ""), answer, checked_in] for user, answer, checked_in in rows))


def checkin_post(event: Event) -> tuple[str, list]:
    text = f"Check in for {escape(event.title)}"
    blocks = [
        section(f":wave: *Check in: {escape(event.title)}*\nOpen from 30 minutes before the start until the end ({when(event)})."),
        actions(button("I'm here", HERE, str(event.id), style="primary"), block_id=f"here_{event.id}"),
    ]
    return text, blocks


def event_form(
    values: dict | None = None,
    *,
    event_id: int | None = None,
    channel: str | None = None,
    rsvp_ts: str | None = None,
    events_channel: str | None = None,
    in_series: bool = False,
) -> View:
    """The event modal. `channel` is where it was opened; the "Announce in" choice starts at the
    officers' events channel, so that it wins unless the officer picks another."""
    values = values or {}

    def text(name: str, label: str, **options) -> InputBlock:
        return text_input(name, label, max_length=LIMITS[name], initial=values.get(name), **options)

    blocks = [
        text("title", "Title"),
        text("description", "Description", optional=True, multiline=True),
        InputBlock(block_id="starts_at", label="Starts", element=DateTimePickerElement(action_id=VALUE, initial_date_time=values.get("starts_at"))),
        InputBlock(block_id="ends_at", label="Ends", element=DateTimePickerElement(action_id=VALUE, initial_date_time=values.get("ends_at"))),
        text("location", "Location", optional=True, hint="A room, or leave empty for an online-only event."),
        text("online_link", "Online link", optional=True),
        InputBlock(
            block_id="capacity",
            label="Capacity",
            optional=True,
            hint="Leave empty for no limit. When it is full, further “going” answers join a waitlist.",
            element=NumberInputElement(action_id=VALUE, is_decimal_allowed=False, min_value="1", initial_value=str(values["capacity"]) if values.get("capacity") else None),
        ),
        _category_input(values.get("category")),
        text("employer", "Employer", optional=True, hint="The company it is with, if any: the event shows on its /companies page."),
    ]
    if event_id is None and rsvp_ts is None:
        blocks.append(
            InputBlock(
                block_id="channel",
                label="Announce in",
                optional=True,
                hint="Empty: the events channel from /club config, else this channel.",
                element=ConversationSelectElement(action_id=VALUE, initial_conversation=events_channel or channel),
            )
        )
    if event_id is None and rsvp_ts is None:
        blocks += _repeat_inputs()
    if event_id is not None and in_series:
        blocks.append(_scope_input())
    title, submit = ("Edit event", "Save") if event_id else ("New event", "Announce")
    return modal(FORM, title, blocks, submit=submit, metadata={"event_id": event_id, "channel": channel, "rsvp_ts": rsvp_ts})


def _repeat_inputs() -> list[InputBlock]:
    options = [Option(value=repeat.value, label=repeat.label) for repeat in Repeat]
    return [
        InputBlock(
            block_id="repeats",
            label="Repeats",
            hint="Times are on the club's clock (/club config): an 18:00 meeting stays at 18:00 when the clocks change. "
            "Monthly skips months without that weekday (a 5th Tuesday).",
            element=StaticSelectElement(action_id=VALUE, options=options, initial_option=options[0]),
        ),
        InputBlock(block_id="until", label="Until", optional=True, hint="The last date; or give Times.", element=DatePickerElement(action_id=VALUE)),
        _optional_count("times", "Times", "How many dates in all; or give Until.", lowest=2, highest=100),
        _optional_count("announce_days", "Announce each date this many days ahead", "Each date gets its own RSVP post; empty: 7 days.", lowest=1, highest=60),
    ]


def _optional_count(block_id: str, label: str, hint: str, *, lowest: int, highest: int) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=NumberInputElement(action_id=VALUE, is_decimal_allowed=False, min_value=str(lowest), max_value=str(highest)),
    )


def _scope_input() -> InputBlock:
    options = [Option(value=SCOPE_ONE, label="Only this date"), Option(value=SCOPE_REST, label="This date and all later ones")]
    return InputBlock(
        block_id="scope",
        label="Change",
        hint="For all later ones, the time of day changes on each one's own date. Everyone who answered gets one DM.",
        element=RadioButtonsElement(action_id=VALUE, options=options, initial_option=options[0]),
    )


def _category_input(chosen: str | None) -> InputBlock:
    options = [Option(value=category.value, label=category.label) for category in Category]
    initial = next((option for option in options if option.value == (chosen or Category.career_events.value)), None)
    return InputBlock(
        block_id="category",
        label="Kind of event",
        hint="It decides which passport category attending counts in.",
        element=StaticSelectElement(action_id=VALUE, options=options, initial_option=initial),
    )


def draft_values(event: Event) -> dict:
    return {
        "title": event.title,
        "description": event.description,
        "starts_at": int(event.starts_at.timestamp()),
        "ends_at": int(event.ends_at.timestamp()),
        "location": event.location,
        "online_link": event.online_link,
        "capacity": event.capacity,
        "category": event.category,
        "employer": event.employer,
    }


HELP = """*Events*
• `/events` — upcoming events, your answer, and buttons to answer
• React to an event's post: :white_check_mark: going · :thinking_face: maybe · :x: can't go (the latest reaction counts; removing it withdraws)
• `/events new` — officers: announce an event (title, time, place, online link, capacity, channel); *Repeats* weekly, every 2 weeks or monthly (until a date or a number of times), each date announced on its own ahead
• *Going to all* on a repeating event's post — going to every date; react on one date's post to change just that one; *Not going to all* stops
• Message menu → *Make RSVP post* — officers: turn your own announcement into an event
• `/events roster <number or title>` — officers: who is going, maybe, can't, waitlisted, checked in; export CSV; open check-in; edit or cancel
• `/events checkin CODE` — check in at the door with the code the officer shows"""


def help_blocks() -> list:
    return [section(HELP)]


def unknown_command(verb: str) -> str:
    return f"I don't know `/events {escape(verb, 100)}`.\n{HELP}"


_ANSWERED = {
    Seat.going: "You're going to {title}. See you there!",
    Seat.waitlist: "{title} is full: you're on the waitlist.",
    Seat.maybe: "Noted: maybe for {title}.",
    Seat.no: "Noted: you can't make {title}.",
}


def answered(event: Event, seat: Seat) -> str:
    return _ANSWERED.get(seat, "Noted.").format(title=escape(event.title))


def waitlisted(event: Event, place: int) -> str:
    return f"*{escape(event.title)}* is full, so you're #{place} on the waitlist. I'll DM you if a place opens."


def promoted(event: Event) -> str:
    return f"A place opened up: you're going to *{escape(event.title)}* ({when(event)})."


def cancelled(event: Event, told: int) -> str:
    return f"Cancelled {escape(event.title)}. {plural(told, 'person', 'people')} who answered will get a DM."


def deleted(event: Event) -> str:
    return f"Deleted {escape(event.title)}."


def calendar_links(event: Event, link: str) -> str:
    return f"<{link}|Add {escape(event.title)} to Google Calendar> · the .ics file for any calendar is in your DMs."


def checkin_not_yet(opens) -> str:
    return f"Check-in opens at {date_token(opens)}, 30 minutes before the start."


def checked_in(event: Event, *, new: bool, by_code: bool) -> str:
    return f"{'Checked in' if new else 'You were already checked in'}: {escape(event.title)}." + (" Enjoy!" if by_code else "")


def checkin_opened(event: Event, opens) -> str:
    return (
        f"Check-in is open from {date_token(opens)}. Members can press *I'm here* in the channel, "
        f"or type `/events checkin {event.checkin_code}`."
    )


def checkin_post_failed(reason: str) -> str:
    return f"I couldn't post the check-in button: {reason}"


def marked(added: int) -> str:
    return f"Marked {added} more as attended."


def reminder(event: Event, *, hours: int, seat: str) -> tuple[str, list]:
    soon = "in 1 hour" if hours == 1 else "tomorrow" if hours == 24 else f"in {hours} hours"
    text = f"Reminder: {escape(event.title)} starts {soon}."
    body = f":alarm_clock: *{escape(event.title)}* starts {soon}.\n{when(event)} · {place(event)}"
    if seat == Seat.maybe.value:
        body += "\nYou said maybe: let the club know with Going or Can't go on the event's post."
    return text, [section(body)]


def cancellation(event: Event) -> tuple[str, list]:
    text = f"Cancelled: {escape(event.title)}"
    body = f":no_entry: *{escape(event.title)}* ({when(event)}) is cancelled. Sorry, and thanks for answering."
    return text, [section(body)]


# --- recurring events ----------------------------------------------------------------------------


def _dates(events: list[Event]) -> str:
    return "\n".join(f"• {when(event)}" for event in events[:20]) + (f"\n…and {len(events) - 20} more" if len(events) > 20 else "")


def series_saved(series: EventSeries, description: str, now) -> str:
    due = series.next_announce_at
    first = "none is left to announce" if due is None else "the first now" if due <= now else f"the first on {date_token(due)}"
    return (
        f"*{escape(series.title)}* repeats {escape(description)}. Each date gets its own RSVP post "
        f"{plural(series.announce_days, 'day')} ahead: {first}."
    )


def joined(series: EventSeries, going: int, waiting: int) -> str:
    text = f"You're going to all of *{escape(series.title)}*"
    if going or waiting:
        text += f": {plural(going, 'upcoming date')}" + (f", on the waitlist for {waiting}" if waiting else "")
    return text + ". I'll count you in for each new date as it's announced. React :x: on one date's post to skip just that one."


def left(series: EventSeries, withdrawn: int) -> str:
    text = f"You're no longer going to all of *{escape(series.title)}*."
    if withdrawn:
        text += f" Withdrawn from {plural(withdrawn, 'upcoming date')}; answers you gave on a date's own post stay."
    return text


def series_changed(series: EventSeries, events: list[Event]) -> tuple[str, list]:
    text = f"Changed: {escape(series.title)}, this date and later ones"
    first = events[0] if events else None
    where = f" · {place(first)}" if first is not None else ""
    body = f":memo: *{escape(series.title)}* changed from this date on{where}. Now:\n{_dates(events)}"
    return text, [section(body)]


def series_cancelled(series: EventSeries, events: list[Event]) -> tuple[str, list]:
    text = f"Cancelled: {escape(series.title)}, this date and every later one"
    body = f":no_entry: *{escape(series.title)}* is cancelled from this date on; no more dates will be announced. Cancelled:\n{_dates(events)}"
    return text, [section(body)]


def occurrence_changed(event: Event) -> str:
    return f":memo: *{escape(event.title)}* changed for one date: now {when(event)} · {place(event)}."


def cancelled_rest(series: EventSeries, count: int, told: int) -> str:
    return f"Cancelled {plural(count, 'date')} of {escape(series.title)}; no more will be announced. {plural(told, 'person', 'people')} will get a DM."


def roster_title(event: Event, *, escaped: bool = True) -> str:
    return f"Roster: {escape(event.title) if escaped else event.title}"


def roster_comment(event: Event) -> str:
    return f"Roster for {escape(event.title)}"
