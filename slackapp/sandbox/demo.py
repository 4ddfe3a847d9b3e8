"""The demo workspace: its people and channels, and what happened in it before you arrived (a few
leads, an upcoming event, a gig), made the way people would make them: by typing commands and
filling in the app's own forms through the sandbox."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from slackapp.club import ids as club_ids
from slackapp.db import utcnow
from slackapp.events import ids as events_ids
from slackapp.gigs import ids as gigs_ids
from slackapp.leads import ids as leads_ids
from slackapp.sandbox.blockkit import field_name, initial_fields
from slackapp.sandbox.fake import FakeSlack
from slackapp.sandbox.player import Player

log = logging.getLogger(__name__)

TEAM_ID = "T0SANDBOX"
TOKEN = "xoxb-sandbox"
GENERAL, EVENTS, CAREERS, OFFICERS = "C0GENERAL", "C0EVENTS", "C0CAREERS", "C0OFFICERS"
CHANNELS = [(GENERAL, "general"), (EVENTS, "events"), (CAREERS, "careers"), (OFFICERS, "officers")]
YOU = "UADA"  # the officer the page starts as
PEOPLE = [
    # id, handle, name, time zone, officer
    (YOU, "ada", "Ada Lovelace", "America/New_York", True),
    ("UBEN", "ben", "Ben Okafor", "America/Chicago", False),
    ("UCHLOE", "chloe", "Chloe Martin", "America/Los_Angeles", False),
    ("UDEV", "dev", "Dev Patel", "America/New_York", False),
    ("UEMMA", "emma", "Emma Rossi", "Europe/Rome", False),
]
ESCAPED_COMMANDS = frozenset({club_ids.COMMAND})  # manifest.yml: should_escape
SHORTCUT_NAMES = {leads_ids.SHORTCUT_SAVE_MESSAGE: "Save as internship lead", events_ids.SHORTCUT: "Make RSVP post"}


def furnish(fake: FakeSlack) -> None:
    """The people and channels (the same on every start)."""
    fake.set_identity(TOKEN, team_id=TEAM_ID)
    for user_id, handle, name, tz, officer in PEOPLE:
        fake.add_user(user_id, team_id=TEAM_ID, name=handle, real_name=name, tz=tz, is_admin=officer, email=f"{handle}@club.example")
    for channel_id, name in CHANNELS:
        fake.add_channel(channel_id, name=name)


def fill(player: Player, user_id: str, command: str, text: str, channel: str, answers: dict[str, object]) -> None:
    """Type `command`, then fill the modal it opens (block id -> value or values) and submit it."""
    player.command(user_id, channel, command, text)
    view = _opened(player, user_id)
    if view is None:
        log.warning("demo: %s %s opened no form", command, text)
        return
    form = initial_fields(view.get("blocks"), player.person(user_id).tz)
    for block in view.get("blocks") or []:
        if block.get("block_id") in answers:
            value = answers[block["block_id"]]
            form[field_name(block["block_id"], block["element"]["action_id"])] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    player.submit(user_id, form)
    if player.workspace.top_view(user_id) is not None:
        log.warning("demo: the form of %s %s was refused: %s", command, text, player.workspace.top_view(user_id).get("errors"))
        player.close(user_id)


def _opened(player: Player, user_id: str, timeout: float = 10.0) -> dict | None:
    """The modal the app opened for `user_id` (it opens it after answering the command)."""
    deadline = time.monotonic() + timeout
    while (view := player.workspace.top_view(user_id)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return view


def seed(player: Player) -> None:
    """What the club did before you arrived."""
    tz = ZoneInfo("America/New_York")
    today = utcnow().astimezone(tz).date()
    player.type(YOU, GENERAL, "Welcome to the Career Club sandbox! Try /internships in #careers, /events in #events, /gigs anywhere.")
    fill(player, YOU, club_ids.COMMAND, "config", OFFICERS, {
        club_ids.TIMEZONE: "America/New_York", club_ids.LEADS_CHANNEL: CAREERS, club_ids.EVENTS_CHANNEL: EVENTS,
        club_ids.GIGS_CHANNEL: GENERAL, club_ids.OFFICERS_CHANNEL: OFFICERS,
    })
    leads = [
        ("UBEN", "Northwind Logistics", "Supply chain analyst intern", "https://careers.northwind.example/analyst", "Hartford, CT", [], "$22/hour", 20, "analytics, supply chain"),
        ("UCHLOE", "Lumen Health", "UX research intern", "https://lumen.example/jobs/ux-intern", "", ["remote"], "$25/hour", 9, "design, research"),
        ("UDEV", "Brightside Credit Union", "Data engineering co-op", "https://brightside.example/careers/co-op", "Storrs, CT", [], "", 2, "python, sql"),
    ]
    for poster, company, role, url, location, remote, pay, days, tags in leads:
        fill(player, poster, leads_ids.COMMAND, "post", CAREERS, {
            "company": company, "role": role, "url": url, "kind": "internship", "location": location, "remote": remote,
            "pay": pay, "deadline": (today + timedelta(days=days)).isoformat(), "tags": tags,
            "description": f"{role} at {company}. Shared from the school job board.",
        })
    starts = (utcnow().astimezone(tz) + timedelta(days=2)).replace(hour=18, minute=0, second=0, microsecond=0)
    fill(player, YOU, events_ids.COMMAND, "new", EVENTS, {
        "title": "Resume review night", "description": "Bring a printed resume; alumni from three companies will give feedback.",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Student Union 304", "capacity": "25", "channel": EVENTS,
    })
    fill(player, YOU, gigs_ids.COMMAND, "post", GENERAL, {
        "title": "Photographer for the spring career fair", "needed": "Take photos of the booths and the panel for our page.",
        "skills": ["social media", "video"], "hours": "3", "slots": "2", "due_date": (today + timedelta(days=14)).isoformat(), "contact": YOU,
    })
