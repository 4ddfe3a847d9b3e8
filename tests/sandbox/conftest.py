"""The sandbox, started once in this process on a free port with its demo workspace, and a real
headless Chromium (Debian's package, driven by Playwright) to use it as a person would."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SLACKAPP_CHROMIUM", "/usr/bin/chromium")


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set SLACKAPP_CHROMIUM)"
    return None


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    from slackapp.sandbox import serve

    started = serve.start(port=0, folder=tmp_path_factory.mktemp("sandbox"), reset=True)
    threading.Thread(target=started.server.serve_forever, name="sandbox-server", daemon=True).start()
    started.seeding.join(timeout=60)
    assert not started.seeding.is_alive(), "the demo workspace took over a minute to make"
    yield started
    started.stop()


@pytest.fixture(scope="session")
def chromium():
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    yield opened
    context.close()
