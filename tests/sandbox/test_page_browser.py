"""The page's manners, as Slack's: a dialog owns the keyboard while it is open, emoji are pictures
(no emoji font needed), Home reads from the top, nothing 404s, and a phone's width is enough.

Each test leaves the people it uses without an open dialog (dialogs are kept per person)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from slackapp.sandbox.demo import CAREERS, EVENTS


@pytest.fixture
def problems(page):
    """What the browser complains about: console errors (htmx logs its own there) and failed loads."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("response", lambda response: seen.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    return seen


def composer_of(page, channel_name: str):
    return page.get_by_role("textbox", name=f"Message #{channel_name}")


def test_a_dialog_takes_the_keyboard_and_gives_it_back(page, sandbox, problems):
    page.goto(f"{sandbox.url}?as=UBEN&c={CAREERS}")
    composer = composer_of(page, "careers")
    composer.fill("/internships post")
    composer.press("Enter")
    form = page.get_by_role("dialog", name="Share a lead")
    company = form.get_by_label("Company", exact=True)
    expect(company).to_be_focused()  # its first input, not the message box behind
    page.keyboard.type("Wombat")
    expect(company).to_have_value("Wombat")

    page.keyboard.press("Shift+Tab")  # backwards from the first stop: the last one, still inside
    expect(form.get_by_role("button", name="Share")).to_be_focused()
    page.keyboard.press("Tab")  # forwards from the last stop: the first one again
    expect(company).to_be_focused()
    # The page behind is inert: nothing there takes focus, so nothing typed lands behind the dialog.
    assert page.evaluate("() => { document.getElementById('composer').focus(); return document.activeElement.id }") != "composer"
    expect(page.locator(".layout")).to_have_attribute("inert", "")

    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(composer).to_be_focused()  # back where it came from
    expect(page.locator(".layout")).not_to_have_attribute("inert", "")
    assert problems == []


def test_a_double_click_during_a_request_opens_one_dialog_without_errors(page, sandbox, problems):
    page.goto(f"{sandbox.url}?as=UEMMA&c=home")
    main = page.get_by_role("main")
    find = main.get_by_role("button", name="Find internships")
    expect(find).to_be_visible(timeout=15_000)
    find.dblclick()  # the second click comes while the first one's request is on its way
    form = page.get_by_role("dialog", name="Find internships")
    expect(form).to_be_visible()
    assert problems == []  # no request was cut short (htmx logs that as an error), none failed
    expect(form.get_by_role("textbox").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(main.get_by_role("button", name="Find internships")).to_be_focused()
    assert problems == []


def test_emoji_are_drawn_as_shipped_pictures(page, sandbox):
    page.goto(f"{sandbox.url}?as=UEMMA&c={EVENTS}")
    post = page.get_by_role("article").filter(has_text="going").first
    going = post.get_by_role("button", name=re.compile("^✅ \\d+$"))  # the picture's alt text names it
    expect(going.locator("img.emoji")).to_have_attribute("src", "/static/emoji/2705.svg")
    for shown in ("✅", "🤔", "❌"):
        picture = post.locator(f"img.emoji[alt='{shown}']").first
        expect(picture).to_be_attached()
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), f"{shown} did not load"
    # Every emoji on the page is a picture: none is left to a font that may not be there.
    leftover = page.evaluate(
        """() => [...document.querySelectorAll('#messages :not(script):not(style):not(option)')]
                   .flatMap(el => [...el.childNodes]).filter(node => node.nodeType === Node.TEXT_NODE)
                   .map(node => node.textContent).join('').match(/\\p{Extended_Pictographic}/gu)"""
    )
    assert leftover is None


def test_home_is_drawn_from_the_top(page, sandbox):
    page.goto(f"{sandbox.url}?as=UEMMA&c=home")
    pane = page.locator("#messages")
    first_block = pane.locator("form.home > *:not(input)").first
    expect(first_block).to_contain_text(re.compile("\\S"), timeout=15_000)
    gap = first_block.bounding_box()["y"] - pane.bounding_box()["y"]
    assert 0 <= gap < 40, f"Home starts {gap:.0f} px below the pane's top"


def test_nothing_on_the_page_is_missing(page, sandbox, problems):
    page.goto(f"{sandbox.url}?as=UEMMA&c={CAREERS}")
    expect(composer_of(page, "careers")).to_be_visible()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(sandbox.url.rstrip("/") + icon).ok
    assert page.request.get(sandbox.url + "favicon.ico").ok  # for whatever asks without reading the page
    assert problems == []


def test_a_phone_is_wide_enough(chromium, sandbox):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{sandbox.url}?as=UEMMA&c={CAREERS}")
        composer = composer_of(page, "careers")
        expect(composer).to_be_in_viewport()
        scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        assert scroll[0] <= scroll[1], f"the page scrolls sideways: {scroll[0]} px wide in {scroll[1]}"
        box = composer.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        composer.fill("/club help")
        composer.press("Enter")
        expect(page.get_by_role("article").filter(has_text="Only visible to you").last).to_be_visible()
        scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        assert scroll[0] <= scroll[1], f"the answer scrolls sideways: {scroll[0]} px wide in {scroll[1]}"
    finally:
        context.close()
