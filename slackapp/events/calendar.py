"""Getting an event into someone's calendar: an .ics file and a calendar template link."""

from __future__ import annotations

from urllib.parse import urlencode

from slackapp.events.models import Event


def ics(event: Event, *, domain: str = "slackapp") -> bytes:
    # Imported here: a few MB that only a press on "Add to calendar" needs.
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//slackapp//club events//EN")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}-{event.team_id}@{domain}")
    entry.add("summary", event.title)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("dtstamp", event.updated_at or event.created_at)
    if event.location:
        entry.add("location", event.location)
    description = "\n\n".join(part for part in (event.description, event.online_link) if part)
    if description:
        entry.add("description", description)
    if event.online_link:
        entry.add("url", event.online_link)
    if event.cancelled_at is not None:
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    return calendar.to_ical()


def template_link(event: Event) -> str:
    """Google Calendar's "add event" template, which most people's calendars can take."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{event.starts_at.strftime(stamp)}/{event.ends_at.strftime(stamp)}",
        "details": "\n\n".join(part for part in (event.description, event.online_link) if part)[:1000],
        "location": event.location or event.online_link or "",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
