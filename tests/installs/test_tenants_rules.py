"""Which workspaces the app serves, and with which token (the fast layer): one workspace's token, or
each installation's own, remembered for a while in a process. Time is the test's own clock."""

from __future__ import annotations


import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import delete

from slackapp.db import Store
from slackapp.installs import tenants
from slackapp.installs.identity import Identity
from slackapp.installs.installations import Installed, SqlInstallationStore
from slackapp.installs.secrets import Sealer
from slackapp.installs.tenants import InstalledAuthorize, ManyWorkspaces, OneWorkspace
from tests.conftest import new_id
from tests.installs.test_installations_rules import installation

pytestmark = pytest.mark.fast

SEALER = Sealer(Fernet.generate_key().decode())


# ---- one workspace ---------------------------------------------------------------------------


def test_one_workspace_serves_its_own_team_with_its_one_client():
    client = WebClient(token="xoxb-one")
    one = OneWorkspace(Identity(team_id="TONE", enterprise_id=None, org_wide=False, bot_user_id="UBOTONE"), client)
    assert one.serves(team_id="TONE", enterprise_id=None)
    assert one.serves(team_id="TONE", enterprise_id=None, event_type="message")
    assert not one.serves(team_id="TOTHER", enterprise_id=None)
    # Even a departure from another workspace is not ours.
    assert not one.serves(team_id="TOTHER", enterprise_id=None, event_type="app_uninstalled")
    assert one.client_for("TONE") is client and one.client_for(None) is client
    assert one.bot_user_id("TONE") == "UBOTONE"
    one.forget("TONE")
    assert one.client_for("TONE") is client


def test_one_workspace_sends_with_a_client_made_from_its_token():
    identity = Identity(team_id="TONE", enterprise_id="EONE", org_wide=True, bot_user_id="UBOTONE")
    one = OneWorkspace(identity, WebClient(token="xoxb-one"))
    made = []
    sending = one.sending(lambda token: made.append(token) or WebClient(token=f"{token}-sending"))
    assert made == ["xoxb-one"]
    assert sending.identity is identity
    assert sending.client.token == "xoxb-one-sending"
    assert sending.serves(team_id="TANY", enterprise_id="EONE") and not sending.serves(team_id="TANY", enterprise_id="EOTHER")


# ---- many workspaces -----------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Installs:
    """Installations written through the store, as the OAuth flow writes them; removed afterwards."""

    def __init__(self, store: Store):
        self.store = store
        self.teams: list[str] = []
        self.saving = SqlInstallationStore(store, SEALER)

    def install(self, team: str, token: str) -> None:
        self.teams.append(team)
        self.saving.save(installation(team, bot_token=token))

    def uninstall(self, team: str) -> None:
        with self.store.write() as session:
            session.execute(delete(Installed).where(Installed.team_id == team))


@pytest.fixture
def installs(migrated_url):
    store = Store.from_url(migrated_url)
    made = Installs(store)
    yield made
    with store.write() as session:
        session.execute(delete(Installed).where(Installed.team_id.in_(made.teams or [""])))
    store.dispose()


class Clients:
    def __init__(self):
        self.made: list[str] = []

    def __call__(self, token: str) -> WebClient:
        self.made.append(token)
        return WebClient(token=token)


def many(installs: Installs, clock: Clock, clients: Clients | None = None) -> ManyWorkspaces:
    return ManyWorkspaces(installs.store, SEALER, clients or Clients(), monotonic=clock.monotonic)


def test_each_workspace_is_served_with_its_own_bot(installs, clock):
    first, second, stranger = new_id("T"), new_id("T"), new_id("T")
    installs.install(first, "xoxb-first")
    installs.install(second, "xoxb-second")
    clients = Clients()
    served = many(installs, clock, clients)
    assert served.bot(first).bot_token == "xoxb-first"
    assert served.client_for(first).token == "xoxb-first"
    assert served.client_for(second).token == "xoxb-second"
    assert served.bot_user_id(first) == "UBOT1"
    assert served.serves(team_id=first, enterprise_id=None)
    assert served.serves(team_id=first, enterprise_id=None, event_type="message")
    assert not served.serves(team_id=stranger, enterprise_id=None)
    assert not served.serves(team_id=stranger, enterprise_id=None, event_type="message")
    assert served.client_for(stranger) is None and served.bot_user_id(stranger) is None
    # One client per token, made once.
    assert served.client_for(first) is served.client_for(first)
    assert clients.made == ["xoxb-first", "xoxb-second"]


@pytest.mark.parametrize("event_type", sorted(tenants.DEPARTURES))
def test_a_departure_gets_through_after_the_tokens_are_gone(installs, clock, event_type):
    assert tenants.DEPARTURES == {"app_uninstalled", "tokens_revoked"}
    served = many(installs, clock)
    assert served.serves(team_id=new_id("T"), enterprise_id=None, event_type=event_type)
    assert served.serves(team_id=None, enterprise_id=None, event_type=event_type)


def test_no_team_is_no_bot_without_asking_the_store(clock):
    class NoStore:
        def read(self):
            raise AssertionError("the store was asked")

    served = ManyWorkspaces(NoStore(), SEALER, Clients(), monotonic=clock.monotonic)
    assert served.bot(None) is None and served.bot("") is None
    assert served.client_for(None) is None
    assert not served.serves(team_id=None, enterprise_id=None)


def test_a_bot_is_remembered_for_thirty_seconds(installs, clock):
    team = new_id("T")
    installs.install(team, "xoxb-remembered")
    served = many(installs, clock)
    assert served.bot(team).bot_token == "xoxb-remembered"
    installs.uninstall(team)
    clock.now += 29.9
    assert served.bot(team).bot_token == "xoxb-remembered"
    clock.now = 1000.0 + tenants.REMEMBER_SECONDS
    assert tenants.REMEMBER_SECONDS == 30.0
    assert served.bot(team) is None


def test_a_missing_bot_is_remembered_for_five_seconds(installs, clock):
    team = new_id("T")
    served = many(installs, clock)
    assert served.bot(team) is None
    installs.install(team, "xoxb-late")
    clock.now += 4.9
    assert served.bot(team) is None
    assert not served.serves(team_id=team, enterprise_id=None)
    clock.now = 1000.0 + tenants.REMEMBER_MISSING_SECONDS
    assert tenants.REMEMBER_MISSING_SECONDS == 5.0
    assert served.bot(team).bot_token == "xoxb-late"
    # Remembered from the moment it was found.
    installs.uninstall(team)
    clock.now += 29.9
    assert served.bot(team).bot_token == "xoxb-late"


def test_forgetting_a_workspace_drops_its_bot_and_client(installs, clock):
    team, other = new_id("T"), new_id("T")
    installs.install(team, "xoxb-forgotten")
    installs.install(other, "xoxb-kept")
    clients = Clients()
    served = many(installs, clock, clients)
    before = served.client_for(team)
    kept = served.client_for(other)
    installs.uninstall(team)
    served.forget(team)
    assert served.bot(team) is None and served.client_for(team) is None
    assert served.client_for(other) is kept
    # Installed again with the same token: a new client.
    installs.install(team, "xoxb-forgotten")
    served.forget(team)
    again = served.client_for(team)
    assert again is not None and again is not before
    assert clients.made == ["xoxb-forgotten", "xoxb-kept", "xoxb-forgotten"]
    # A bot remembered without a client made for it yet.
    bot_only = new_id("T")
    installs.install(bot_only, "xoxb-no-client-yet")
    assert served.bot(bot_only).bot_token == "xoxb-no-client-yet"
    served.forget(bot_only)
    assert clients.made == ["xoxb-forgotten", "xoxb-kept", "xoxb-forgotten"]
    # Forgetting what was never remembered, or a workspace remembered as missing, is fine.
    served.forget(new_id("T"))
    missing = new_id("T")
    assert served.bot(missing) is None
    served.forget(missing)


def test_the_scheduler_sends_with_clients_of_its_own_and_forgets_with_the_app(installs, clock):
    team = new_id("T")
    installs.install(team, "xoxb-shared")
    app_clients, sending_clients = Clients(), Clients()
    served = many(installs, clock, app_clients)
    sending = served.sending(sending_clients)
    assert sending.sealer is served.sealer
    assert served.client_for(team) is not sending.client_for(team)
    assert app_clients.made == ["xoxb-shared"] and sending_clients.made == ["xoxb-shared"]
    # What the app forgets, the scheduler forgets too.
    installs.uninstall(team)
    served.forget(team)
    assert sending.bot(team) is None
    # And what one remembers, the other does.
    other = new_id("T")
    installs.install(other, "xoxb-other")
    assert sending.bot(other).bot_token == "xoxb-other"
    installs.uninstall(other)
    assert served.bot(other).bot_token == "xoxb-other"


def test_bolts_authorize_uses_the_remembered_bot(installs, clock):
    team = new_id("T")
    installs.install(team, "xoxb-authorized")
    authorize = InstalledAuthorize(many(installs, clock))
    result = authorize(context={}, enterprise_id="E1", team_id=team, user_id="UASKS")
    assert (result.enterprise_id, result.team_id, result.user_id) == ("E1", team, "UASKS")
    assert (result.bot_token, result.bot_id, result.bot_user_id) == ("xoxb-authorized", "B1", "UBOT1")
    assert result.bot_scopes == ["commands", "chat:write"]
    assert authorize(context={}, enterprise_id=None, team_id=new_id("T"), user_id="UASKS") is None
