"""An app in distribution mode (SLACK_CLIENT_ID/SECRET set, no SLACK_BOT_TOKEN): workspaces install
it through the OAuth flow and each is served with its own token."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tests.conftest import STORES, Workspace, new_id, serve
from tests.helpers import install

DISTRIBUTION_ENV = {
    "SLACK_BOT_TOKEN": "",
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "test-client-secret",
}


def distribution_env() -> dict[str, str]:
    return {**DISTRIBUTION_ENV, "SLACKAPP_ENCRYPTION_KEY": Fernet.generate_key().decode()}


@pytest.fixture(scope="session", params=STORES)
def distributed(request, fake_slack, tmp_path_factory):
    return serve(request, fake_slack, tmp_path_factory, "distributed", **distribution_env())


def installed_workspace(app, fake) -> tuple[Workspace, str]:
    """A new workspace that installed the app through the OAuth flow, with its own channel."""
    workspace = Workspace(server=app, fake=fake, team_id=new_id("T"))
    fake.add_channel(workspace.channel, name=workspace.channel.lower(), team_id=workspace.team_id)
    return workspace, install(app.url, fake, workspace.team_id)
