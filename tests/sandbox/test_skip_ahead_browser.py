"""The page's "Skip ahead 1 day" plays the skipped day: everything that came due in it arrives, in
due order, each as it read at its own moment, and the page says what came. A sandbox of its own,
so the day's timed work is only what this test sets up (the shared one holds other tests' events)."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from slackapp.db import skip_ahead, utcnow
from slackapp.sandbox.demo import CAREERS, EVENTS

NEW_YORK = ZoneInfo("America/New_York")  # the club's zone, and Ada's and Dev's


@pytest.fixture
def own_sandbox(chromium, tmp_path):
    from slackapp.sandbox import serve

    started = serve.start(port=0, folder=tmp_path, reset=True)
    threading.Thread(target=started.server.serve_forever, name="own-sandbox-server", daemon=True).start()
    started.seeding.join(timeout=60)
    assert not started.seeding.is_alive(), "the demo workspace took over a minute to make"
    yield started
    started.stop()


@pytest.fixture
def sunday_morning():
    """The sandbox's clock at the coming Sunday 9:55 AM in New York (the clock is this test
    process's: it is put back afterwards)."""
    before = skip_ahead(timedelta(0))
    now = utcnow().astimezone(NEW_YORK)
    sunday = now.date() + timedelta(days=(6 - now.weekday()) % 7 or 7)
    scene = datetime.combine(sunday, time(9, 55), NEW_YORK)
    skip_ahead(scene - utcnow())
    yield scene
    skip_ahead(before - skip_ahead(timedelta(0)))


def _open(page, sandbox, channel: str, person: str) -> None:
    page.goto(f"{sandbox.url}?as={person}&c={channel}")


def _type(page, channel_name: str, text: str) -> None:
    composer = page.get_by_role("textbox", name=f"Message #{channel_name}")
    composer.fill(text)
    composer.press("Enter")


def _share_lead_closing(page, sandbox, company: str, role: str, deadline) -> None:
    _open(page, sandbox, CAREERS, "UBEN")
    _type(page, "careers", "/internships post")
    form = page.get_by_role("dialog", name="Share a lead")
    form.get_by_label("Company", exact=True).fill(company)
    form.get_by_label("Role", exact=True).fill(role)
    form.get_by_label("Link", exact=True).fill(f"https://example.org/jobs/{uuid.uuid4().hex[:8]}")
    form.get_by_label("Type", exact=True).select_option(label="Internship")
    form.get_by_label("Location (optional)", exact=True).fill("New York, NY")
    form.get_by_label("Deadline (optional)", exact=True).fill(deadline.isoformat())
    form.get_by_role("button", name="Share").click()
    expect(form).to_be_hidden()


def _announce_event(page, sandbox, title: str, starts: datetime) -> None:
    _open(page, sandbox, EVENTS, "UADA")
    _type(page, "events", "/events new")
    form = page.get_by_role("dialog", name="New event")
    form.get_by_label("Title", exact=True).fill(title)
    form.get_by_label("Starts", exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends", exact=True).fill((starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Location (optional)", exact=True).fill("Alumni hall")
    form.get_by_role("button", name="Announce").click()
    expect(form).to_be_hidden()


def test_skipping_a_day_delivers_everything_due_in_it_as_it_read_then(page, own_sandbox, sunday_morning):
    monday = sunday_morning.date() + timedelta(days=1)
    company, role, title = f"Heron Bank {uuid.uuid4().hex[:4]}", "Treasury intern", f"Alumni breakfast {uuid.uuid4().hex[:4]}"
    # Due in the day from Sunday 9:55: the 24 h reminder (Sun 10:30), the digest and Dev's deadline
    # DM (Mon 9:00), the 1 h reminder (Mon 9:30).
    _share_lead_closing(page, own_sandbox, company, role, deadline=monday + timedelta(days=1))
    _open(page, own_sandbox, CAREERS, "UDEV")
    page.get_by_role("article").filter(has_text=company).get_by_role("button", name="Save").click()
    expect(page.get_by_role("article").filter(has_text=f"Saved: {role}")).to_be_visible()
    _announce_event(page, own_sandbox, title, datetime.combine(monday, time(10, 30), NEW_YORK))
    _open(page, own_sandbox, EVENTS, "UDEV")
    post = page.get_by_role("article").filter(has_text=title)
    post.get_by_role("button", name="✅ 1").click()
    expect(post.get_by_role("button", name="✅ 2")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Skip ahead 1 day").click()
    expect(page.get_by_role("status").filter(has_text="Skipped to")).to_have_text(re.compile(r"Skipped to Mon 9:5\d AM: 3 reminders, 1 digest"))

    page.get_by_role("link", name="slackapp — Messages").click()
    main = page.get_by_role("main")
    day_before = main.get_by_role("article").filter(has_text=f"{title} starts tomorrow")
    deadline = main.get_by_role("article").filter(has_text=f"{role} at {company} closes tomorrow")
    hour_before = main.get_by_role("article").filter(has_text=f"{title} starts in 1 hour")
    expect(day_before).to_have_accessible_name(re.compile(r", \w+ \d+, 10:30 AM$"))  # sent on Sunday
    expect(day_before).to_contain_text("Tomorrow at 10:30 AM")  # as it read on Sunday
    expect(deadline).to_have_accessible_name(re.compile(r", 9:00 AM$"))
    expect(hour_before).to_have_accessible_name(re.compile(r", 9:30 AM$"))
    expect(hour_before).to_contain_text("Today at 10:30 AM")
    mine = main.get_by_role("article").filter(has_text=re.compile(f"{re.escape(title)}|{re.escape(company)}"))
    expect(mine).to_have_count(3)
    texts = mine.all_inner_texts()
    assert ["starts tomorrow" in texts[0], "closes tomorrow" in texts[1], "starts in 1 hour" in texts[2]] == [True] * 3, texts
    expect(main).not_to_contain_text("Yesterday")

    _open(page, own_sandbox, CAREERS, "UDEV")
    digest = page.get_by_role("article").filter(has_text="This week in the club")
    expect(digest).to_have_accessible_name(re.compile(r", 9:00 AM$"))
    expect(digest).to_contain_text(company)
