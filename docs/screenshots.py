"""Take the README's pictures of the sandbox: `.venv/bin/python docs/screenshots.py` (needs the dev
extra and Debian's chromium; fonts-noto-color-emoji draws the emoji)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from slackapp.sandbox import serve
from slackapp.sandbox.demo import CAREERS, EVENTS

DOCS = Path(__file__).parent


def main() -> None:
    sandbox = serve.start(port=0, folder=Path(tempfile.mkdtemp()), reset=True)
    threading.Thread(target=sandbox.server.serve_forever, daemon=True).start()
    sandbox.seeding.join(timeout=60)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.goto(f"{sandbox.url}?as=UBEN&c={EVENTS}")
        post = page.get_by_role("article").filter(has_text="Resume review night")
        post.get_by_role("button", name="✅ 1").click()
        expect(post).to_contain_text("1 going")
        page.screenshot(path=DOCS / "sandbox-event.png")
        page.goto(f"{sandbox.url}?as=UADA&c={CAREERS}")
        page.screenshot(path=DOCS / "sandbox-careers.png")
        composer = page.get_by_role("textbox", name="Message #careers")
        composer.fill("/internships post")
        composer.press("Enter")
        form = page.get_by_role("dialog", name="Share a lead")
        form.get_by_label("Company", exact=True).fill("Acme Analytics")
        form.get_by_label("Role", exact=True).fill("Data analyst intern")
        form.get_by_label("Link", exact=True).fill("acme dot com")
        form.get_by_label("Type", exact=True).select_option(label="Internship")
        form.get_by_role("button", name="Share").click()
        expect(form.get_by_label("Link", exact=True)).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=DOCS / "sandbox-form.png")
        browser.close()
    sandbox.stop()


if __name__ == "__main__":
    main()
