"""Event tests talk to an app that refreshes the posts showing live counts every 0.2 s instead of
every second, so waiting for a post's final counts takes less time. The default spacing is proven
on the default app (`default_workspace`, in the RSVP storm test)."""

from __future__ import annotations

import pytest

from tests.conftest import STORES, Workspace, serve

POST_UPDATE_SECONDS = 0.2


@pytest.fixture(scope="session", params=STORES)
def server(request, fake_slack, tmp_path_factory):
    return serve(request, fake_slack, tmp_path_factory, "events-app", SLACKAPP_POST_UPDATE_SECONDS=str(POST_UPDATE_SECONDS))


@pytest.fixture
def default_workspace(default_server, fake_slack) -> Workspace:
    """A workspace of its own on the app with default settings (posts updated at most once a second)."""
    return Workspace(server=default_server, fake=fake_slack)
