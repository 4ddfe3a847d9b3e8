"""Keys that don't open the stored installations: said in one line at start (and by `slackapp
reseal`), and at request time the workspace is "not installed", never a 500 with a traceback."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select

from slackapp.db import Store, upgrade
from slackapp.installs.installations import Installed, SqlInstallationStore
from slackapp.installs.secrets import Sealer
from slackapp.sandbox import payloads
from tests.conftest import SECRET, STORES, fresh_database, new_id
from tests.installs.conftest import DISTRIBUTION_ENV
from tests.test_operator_errors import one_line, run


@pytest.fixture(params=STORES)
def database_url(request, tmp_path_factory) -> str:
    return fresh_database(request.param, request, tmp_path_factory)


def _installed_with(database_url: str, key: str, team_id: str | None = None) -> str:
    """An installation sealed with `key`, saved as the OAuth flow saves one; its team."""
    team_id = team_id or new_id("T")
    store = Store.from_url(database_url)
    try:
        upgrade(store.engine)
        SqlInstallationStore(store, Sealer(key)).save(
            Installation(app_id="AFAKE", team_id=team_id, bot_token=f"xoxb-{team_id.lower()}-sealed", bot_id="BBOT", bot_user_id="UBOT", user_id="UINSTALLER")
        )
    finally:
        store.dispose()
    return team_id


def _sealed_values(database_url: str) -> list[str]:
    store = Store.from_url(database_url)
    try:
        with store.read() as session:
            return list(session.scalars(select(Installed.sealed).order_by(Installed.id)))
    finally:
        store.dispose()


def _slackapp(tmp_path, database_url: str, key: str, *args: str, **env: str):
    return run(tmp_path, *args, DATABASE_URL=database_url, SLACK_SIGNING_SECRET=SECRET, SLACKAPP_ENCRYPTION_KEY=key, **DISTRIBUTION_ENV, **env)


@pytest.mark.parametrize("command", [("prepare",), ("run", "--http", "--port", "9")])
def test_a_start_with_keys_that_open_no_stored_installation_stops_in_one_line(tmp_path, database_url, command):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _installed_with(database_url, old)
    _installed_with(database_url, old)

    dropped_too_soon = _slackapp(tmp_path, database_url, new, *command)
    assert dropped_too_soon.returncode == 2, dropped_too_soon.stderr
    line = one_line(dropped_too_soon)
    assert "none of the 2 stored installations opens with SLACKAPP_ENCRYPTION_KEY" in line and new not in line

    if command == ("prepare",):
        rotated = _slackapp(tmp_path, database_url, f"{new},{old}", *command)
        assert rotated.returncode == 0, rotated.stderr


def test_a_start_where_only_some_installations_open_names_the_others_once(tmp_path, database_url):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    lost = _installed_with(database_url, old)
    kept = _installed_with(database_url, new)
    result = _slackapp(tmp_path, database_url, new, "prepare")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    said = [line for line in result.stderr.splitlines() if lost in line]
    assert len(said) == 1 and "1 of 2 stored installations" in said[0] and kept not in said[0]


def test_reseal_with_a_key_that_does_not_open_them_is_one_line_and_changes_nothing(tmp_path, database_url):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    team = _installed_with(database_url, old)
    before = _sealed_values(database_url)

    wrong = _slackapp(tmp_path, database_url, new, "reseal")
    assert wrong.returncode == 2
    line = one_line(wrong)
    assert "nothing was resealed" in line and team in line and new not in line
    assert _sealed_values(database_url) == before

    rotated = _slackapp(tmp_path, database_url, f"{new},{old}", "reseal")
    assert rotated.returncode == 0 and "sealed 1 installation(s)" in rotated.stdout, rotated.stderr
    assert _slackapp(tmp_path, database_url, new, "prepare").returncode == 0


@pytest.mark.parametrize("key", [",", " , ,"])
def test_an_encryption_key_of_only_commas_is_a_configuration_error(tmp_path, database_url, key):
    result = _slackapp(tmp_path, database_url, key, "prepare")
    assert result.returncode == 2
    assert one_line(result).startswith("slackapp: configuration error: SLACKAPP_ENCRYPTION_KEY: lists no key")


def test_an_installation_no_key_opens_is_not_installed_at_request_time(distributed, fake_slack):
    """A workspace sealed under a key the app no longer has (the others still open): its requests
    are answered as from a workspace that hasn't installed the app, with one line in the log."""
    lost = _installed_with(distributed.database_url, Fernet.generate_key().decode())
    log_before = len(distributed.log())

    def cannot_open() -> list[str]:
        return [line for line in distributed.log()[log_before:].splitlines() if lost in line and "SLACKAPP_ENCRYPTION_KEY" in line]

    reply = distributed.slack.command("/internships", "help", user_id=new_id("U"), team_id=lost, channel_id=new_id("C"))
    assert reply.status == 200 and "isn't installed for your workspace" in reply.json()["text"]
    assert len(cannot_open()) == 1
    event = payloads.reaction_added("white_check_mark", team_id=lost, user_id=new_id("U"), channel_id=new_id("C"), enterprise_id=None)
    assert distributed.slack.event(event).status == 200

    added = distributed.log()[log_before:]
    assert "Traceback" not in added and "SealError" not in added
    # Each lookup says it once at most (the missing token is remembered for a few seconds).
    assert len(cannot_open()) <= 2, added
