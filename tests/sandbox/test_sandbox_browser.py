"""Using the sandbox in a real browser, as a club member would: the real app behind it, Slack
played by the sandbox, every step through the page's accessible names."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from slackapp.db import skip_ahead, utcnow
from slackapp.sandbox.demo import CAREERS, EVENTS

from playwright.sync_api import expect  # noqa: E402  (the chromium fixture skips when it is missing)


def open_channel(page, sandbox, channel: str, person: str):
    page.goto(f"{sandbox.url}?as={person}&c={channel}")


def type_command(page, channel_name: str, text: str) -> None:
    composer = page.get_by_role("textbox", name=f"Message #{channel_name}")
    composer.fill(text)
    composer.press("Enter")


def test_a_lead_posted_through_the_modal_is_announced(page, sandbox):
    company = f"Quokka Labs {uuid.uuid4().hex[:6]}"
    open_channel(page, sandbox, CAREERS, "UBEN")
    type_command(page, "careers", "/internships post")
    form = page.get_by_role("dialog", name="Share a lead")
    form.get_by_label("Company", exact=True).fill(company)
    form.get_by_label("Role", exact=True).fill("Robotics intern")
    form.get_by_label("Link", exact=True).fill(f"https://quokka.example/jobs/{uuid.uuid4().hex[:8]}")
    form.get_by_label("Type", exact=True).select_option(label="Internship")
    form.get_by_label("Location (optional)", exact=True).fill("Boston, MA")
    form.get_by_role("button", name="Share").click()
    expect(form).to_be_hidden()
    announcement = page.get_by_role("article").filter(has_text=company)
    expect(announcement).to_contain_text("Robotics intern")
    expect(announcement).to_contain_text("shared by @Ben Okafor")
    expect(announcement.get_by_role("button", name="Save")).to_be_visible()


def test_a_modals_validation_error_shows_next_to_its_field(page, sandbox):
    open_channel(page, sandbox, CAREERS, "UCHLOE")
    type_command(page, "careers", "/internships post")
    form = page.get_by_role("dialog", name="Share a lead")
    form.get_by_label("Company", exact=True).fill("Wombat Works")
    form.get_by_label("Role", exact=True).fill("Intern")
    form.get_by_label("Link", exact=True).fill("not a link")
    form.get_by_label("Type", exact=True).select_option(label="Internship")
    form.get_by_label("Location (optional)", exact=True).fill("Remote-first")
    form.get_by_role("button", name="Share").click()
    link = form.get_by_label("Link", exact=True)
    expect(link).to_have_attribute("aria-invalid", "true")
    expect(link).to_have_accessible_description(re.compile("Give a web link starting with http"))
    expect(link).to_have_value("not a link")  # what was typed is still there
    expect(form.get_by_label("Company", exact=True)).not_to_have_attribute("aria-invalid", "true")
    form.get_by_role("button", name="Cancel").click()
    expect(form).to_be_hidden()


def test_an_event_counts_the_members_who_react_going(page, sandbox):
    title = f"Mock interviews {uuid.uuid4().hex[:6]}"
    tz = ZoneInfo("America/New_York")  # Ada's zone: the form's times are hers
    starts = (utcnow().astimezone(tz) + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    open_channel(page, sandbox, EVENTS, "UADA")
    type_command(page, "events", "/events new")
    form = page.get_by_role("dialog", name="New event")
    form.get_by_label("Title", exact=True).fill(title)
    form.get_by_label("Starts", exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends", exact=True).fill((starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Location (optional)", exact=True).fill("Career center")
    form.get_by_role("button", name="Announce").click()
    expect(form).to_be_hidden()
    post = page.get_by_role("article").filter(has_text=title)
    expect(post.get_by_role("button", name="✅ 1")).to_be_visible()  # the app's own ✅ shows how to answer

    for person, count in (("UBEN", 2), ("UCHLOE", 3)):
        open_channel(page, sandbox, EVENTS, person)
        post.get_by_role("button", name=f"✅ {count - 1}").click()
        expect(post.get_by_role("button", name=f"✅ {count}")).to_have_attribute("aria-pressed", "true")
    expect(post).to_contain_text("2 going")
    expect(page.locator("#app")).to_have_count(1)  # an answer replaces the page, never nests inside it


def test_app_home_shows_the_members_dashboard_and_its_buttons_work(page, sandbox):
    open_channel(page, sandbox, CAREERS, "UDEV")
    page.get_by_role("link", name="slackapp — Home").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Your club, at a glance", timeout=15_000)
    expect(main).to_contain_text("Your next events")
    main.get_by_role("button", name="Find internships").click()
    form = page.get_by_role("dialog", name="Find internships")
    form.get_by_role("button", name="Search").click()
    expect(page.get_by_role("dialog", name="Find internships")).to_contain_text("To save a lead or see more")


def test_skip_ahead_moves_the_apps_clock_a_day(page, sandbox):
    open_channel(page, sandbox, CAREERS, "UADA")
    try:
        page.get_by_role("button", name="Skip ahead 1 day").click()
        expect(page.get_by_role("banner")).to_contain_text("(1 day ahead)")
    finally:
        skip_ahead(-timedelta(days=1))  # the clock is this test process's: put it back
