"""Installations kept sealed in our own tables (the fast layer): which one serves a workspace, what
a lost key does, what an uninstall removes, single-use "Add to Slack" states, and resealing after a
key rotation. Each test uses workspaces of its own; those written through the installation store
(committed, as Bolt's OAuth flow does) are removed afterwards."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import delete, select

from slackapp.db import Store
from slackapp.installs import installations
from slackapp.installs.installations import Departure, Installed, OAuthState, SqlInstallationStore, SqlOAuthStateStore
from slackapp.installs.secrets import Sealer, SealError
from tests.conftest import new_id

pytestmark = pytest.mark.fast

KEY = Fernet.generate_key().decode()
SEALER = Sealer(KEY)
T0 = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)


def installation(team_id: str | None, *, user_id: str = "UINSTALLER", bot_token: str | None = "xoxb-1", enterprise_id: str | None = None, org_wide: bool = False, **extra):
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        user_id=user_id,
        bot_token=bot_token,
        bot_id="B1" if bot_token else None,
        bot_user_id="UBOT1" if bot_token else None,
        bot_scopes="commands,chat:write" if bot_token else None,
        is_enterprise_install=org_wide,
        **extra,
    )


def row(installed: Installation, *, at: datetime = T0, sealer: Sealer = SEALER) -> Installed:
    return Installed(
        team_id=installed.team_id or "",
        enterprise_id=installed.enterprise_id,
        is_enterprise_install=bool(installed.is_enterprise_install),
        installer_id=installed.user_id,
        installed_at=at,
        sealed=sealer.seal(json.dumps(installed.to_dict_for_copying(), default=str)),
    )


@pytest.fixture
def store(migrated_url):
    """A store of its own on the migrated database, as the OAuth flow uses; what the test wrote
    through it (its workspaces' and org's rows) is deleted afterwards."""
    opened = Store.from_url(migrated_url)
    written: list[str] = []
    yield opened, written
    with opened.write() as session:
        for key in written:
            session.execute(delete(Installed).where((Installed.team_id == key) | (Installed.enterprise_id == key)))
            session.execute(delete(Departure).where(Departure.team_id == key))
    opened.dispose()


def rows_of(store: Store, team_id: str) -> list[Installed]:
    with store.read() as session:
        return list(session.scalars(select(Installed).where(Installed.team_id == team_id).order_by(Installed.id)))


# ---- what serves a workspace ---------------------------------------------------------------------


def test_the_newest_installation_holds_the_workspaces_bot(session):
    team, other = new_id("T"), new_id("T")
    session.add_all(
        [
            row(installation(team, bot_token="xoxb-old"), at=T0),
            row(installation(team, bot_token="xoxb-new"), at=T0 + timedelta(seconds=1)),
            row(installation(team, bot_token="xoxb-older"), at=T0 - timedelta(days=1)),
            row(installation(other, bot_token="xoxb-other"), at=T0 + timedelta(days=1)),
        ]
    )
    session.flush()
    bot = installations.newest_bot(session, SEALER, team_id=team)
    assert (bot.bot_token, bot.bot_id, bot.bot_user_id, bot.team_id) == ("xoxb-new", "B1", "UBOT1", team)
    assert installations.newest_bot(session, SEALER, team_id=other).bot_token == "xoxb-other"


def test_of_two_installed_at_the_same_moment_the_later_row_wins(session):
    team = new_id("T")
    session.add(row(installation(team, bot_token="xoxb-first"), at=T0))
    session.flush()
    session.add(row(installation(team, bot_token="xoxb-second"), at=T0))
    session.flush()
    assert installations.newest_bot(session, SEALER, team_id=team).bot_token == "xoxb-second"


def test_no_bot_when_not_installed_or_the_newest_has_no_bot_token(session):
    team = new_id("T")
    assert installations.newest_bot(session, SEALER, team_id=team) is None
    session.add_all([row(installation(team, bot_token="xoxb-old"), at=T0), row(installation(team, bot_token=None), at=T0 + timedelta(hours=1))])
    session.flush()
    assert installations.newest_bot(session, SEALER, team_id=team) is None


def test_an_installation_no_key_opens_is_served_as_not_installed_and_said_once(session, caplog):
    team = new_id("T")
    session.add(row(installation(team), sealer=Sealer(Fernet.generate_key().decode())))
    session.flush()
    with caplog.at_level(logging.WARNING, logger="slackapp.installs.installations"):
        assert installations.newest_bot(session, SEALER, team_id=team) is None
    [said] = [record.getMessage() for record in caplog.records if record.name == "slackapp.installs.installations"]
    assert said == (
        f"team {team}: its installation opens with no key in SLACKAPP_ENCRYPTION_KEY; serving it as not installed "
        "until the key it was sealed with is listed again (new,old) or it installs the app again"
    )


def test_an_org_wide_install_no_key_opens_is_named_by_its_org(store, caplog):
    opened, written = store
    org = new_id("E")
    written.append(org)
    with opened.write() as session:
        session.add(row(installation(None, enterprise_id=org, org_wide=True), sealer=Sealer(Fernet.generate_key().decode())))
    with caplog.at_level(logging.WARNING, logger="slackapp.installs.installations"):
        assert SqlInstallationStore(opened, SEALER).find_installation(enterprise_id=org, team_id=None, is_enterprise_install=True) is None
    [said] = [record.getMessage() for record in caplog.records if record.name == "slackapp.installs.installations"]
    assert said.startswith(f"team (org-wide install in {org}): its installation")


def test_forget_removes_every_token_of_the_workspace_and_only_its(session):
    team, other = new_id("T"), new_id("T")
    session.add_all([row(installation(team)), row(installation(team, user_id="USECOND")), row(installation(other))])
    session.flush()
    assert installations.is_installed(session, team_id=team) and installations.is_installed(session, team_id=other)
    assert installations.forget(session, team_id=team) == 2
    assert not installations.is_installed(session, team_id=team)
    assert installations.newest_bot(session, SEALER, team_id=team) is None
    assert installations.is_installed(session, team_id=other)
    assert installations.forget(session, team_id=team) == 0


# ---- the installation store Bolt's OAuth flow uses ---------------------------------------------------


def test_an_installation_is_saved_sealed_with_only_lookups_in_the_clear(store):
    opened, written = store
    team = new_id("T")
    written.append(team)
    sealed_store = SqlInstallationStore(opened, SEALER)
    assert sealed_store.logger is logging.getLogger("slackapp.installs.installations")
    sealed_store.save(installation(team, user_id="UWHO", bot_token="xoxb-secret-token"))
    [saved] = rows_of(opened, team)
    assert (saved.team_id, saved.enterprise_id, saved.is_enterprise_install, saved.installer_id) == (team, None, False, "UWHO")
    assert saved.installed_at is not None and abs(saved.installed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert "xoxb-secret-token" not in saved.sealed
    assert json.loads(SEALER.open(saved.sealed))["bot_token"] == "xoxb-secret-token"
    found = sealed_store.find_installation(enterprise_id=None, team_id=team)
    assert (found.team_id, found.user_id, found.bot_token) == (team, "UWHO", "xoxb-secret-token")


def test_installing_again_within_the_grace_keeps_the_workspaces_data(store):
    opened, written = store
    team, other = new_id("T"), new_id("T")
    written.extend([team, other])
    with opened.write() as session:
        session.add_all([Departure(team_id=team, left_at=T0, purge_after=T0 + timedelta(days=30)), Departure(team_id=other, left_at=T0, purge_after=T0 + timedelta(days=30))])
    SqlInstallationStore(opened, SEALER).save(installation(team))
    with opened.read() as session:
        assert session.scalars(select(Departure.team_id).where(Departure.team_id.in_([team, other]))).all() == [other]


def test_an_org_wide_install_is_found_by_its_org(store):
    opened, written = store
    org, team = new_id("E"), new_id("T")
    written.extend([org, team])
    sealed_store = SqlInstallationStore(opened, SEALER)
    sealed_store.save(installation(None, enterprise_id=org, org_wide=True, bot_token="xoxb-org"))
    sealed_store.save(installation(team, enterprise_id=org, bot_token="xoxb-team-in-org"))
    with opened.read() as session:
        [saved] = session.scalars(select(Installed).where(Installed.enterprise_id == org, Installed.team_id == "")).all()
    assert (saved.enterprise_id, saved.is_enterprise_install) == (org, True)
    found = sealed_store.find_installation(enterprise_id=org, team_id=None, is_enterprise_install=True)
    assert found.bot_token == "xoxb-org"
    assert sealed_store.find_bot(enterprise_id=org, team_id=team, is_enterprise_install=True).bot_token == "xoxb-org"
    # The workspace's own installation is found by its team.
    assert sealed_store.find_bot(enterprise_id=org, team_id=team).bot_token == "xoxb-team-in-org"
    assert sealed_store.find_bot(enterprise_id=org, team_id=team, is_enterprise_install=None).bot_token == "xoxb-team-in-org"
    assert sealed_store.find_installation(enterprise_id=new_id("E"), team_id=None, is_enterprise_install=True) is None


def test_find_installation_of_one_installer(store):
    opened, written = store
    team = new_id("T")
    written.append(team)
    sealed_store = SqlInstallationStore(opened, SEALER)
    sealed_store.save(installation(team, user_id="UFIRST", bot_token="xoxb-a"))
    sealed_store.save(installation(team, user_id="USECOND", bot_token="xoxb-b"))
    assert sealed_store.find_installation(enterprise_id=None, team_id=team).user_id == "USECOND"
    assert sealed_store.find_installation(enterprise_id=None, team_id=team, user_id="UFIRST").bot_token == "xoxb-a"
    assert sealed_store.find_installation(enterprise_id=None, team_id=team, user_id="UNOBODY") is None
    assert sealed_store.find_installation(enterprise_id=None, team_id=new_id("T")) is None
    assert sealed_store.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-b"


def test_the_store_finds_the_newest_installation_not_the_last_written(store):
    opened, written = store
    team, org = new_id("T"), new_id("E")
    written.extend([team, org])
    with opened.write() as session:
        # Written in this order: the newest first, then an older one, then two at the same moment.
        session.add(row(installation(team, bot_token="xoxb-newest"), at=T0 + timedelta(days=2)))
        session.flush()
        session.add(row(installation(team, bot_token="xoxb-older"), at=T0))
        session.flush()
        session.add(row(installation(None, enterprise_id=org, org_wide=True, bot_token="xoxb-org-first"), at=T0))
        session.flush()
        session.add(row(installation(None, enterprise_id=org, org_wide=True, bot_token="xoxb-org-second"), at=T0))
    sealed_store = SqlInstallationStore(opened, SEALER)
    assert sealed_store.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-newest"
    assert sealed_store.find_installation(enterprise_id=None, team_id=team).bot_token == "xoxb-newest"
    # Of two installed at the same moment, the later row.
    assert sealed_store.find_bot(enterprise_id=org, team_id=None, is_enterprise_install=True).bot_token == "xoxb-org-second"


def test_find_bot_is_none_without_a_bot_token(store):
    opened, written = store
    team = new_id("T")
    written.append(team)
    sealed_store = SqlInstallationStore(opened, SEALER)
    sealed_store.save(installation(team, bot_token=None))
    assert sealed_store.find_installation(enterprise_id=None, team_id=team) is not None
    assert sealed_store.find_bot(enterprise_id=None, team_id=team) is None
    assert sealed_store.find_bot(enterprise_id=None, team_id=new_id("T")) is None


def test_a_lost_key_makes_find_installation_none(store):
    opened, written = store
    team = new_id("T")
    written.append(team)
    SqlInstallationStore(opened, Sealer(Fernet.generate_key().decode())).save(installation(team))
    assert SqlInstallationStore(opened, SEALER).find_installation(enterprise_id=None, team_id=team) is None


@pytest.mark.parametrize("how", ["delete_installation", "delete_bot", "delete_all"])
def test_deleting_removes_the_workspaces_installations_and_only_its(store, how):
    opened, written = store
    team, other = new_id("T"), new_id("T")
    written.extend([team, other])
    sealed_store = SqlInstallationStore(opened, SEALER)
    for user in ("U1", "U2"):
        sealed_store.save(installation(team, user_id=user))
        sealed_store.save(installation(other, user_id=user))
    getattr(sealed_store, how)(enterprise_id=None, team_id=team)
    assert rows_of(opened, team) == []
    assert [saved.installer_id for saved in rows_of(opened, other)] == ["U1", "U2"]


def test_deleting_one_installers_installation(store):
    opened, written = store
    team = new_id("T")
    written.append(team)
    sealed_store = SqlInstallationStore(opened, SEALER)
    for user in ("U1", "U2"):
        sealed_store.save(installation(team, user_id=user))
    sealed_store.delete_installation(enterprise_id=None, team_id=team, user_id="U1")
    assert [saved.installer_id for saved in rows_of(opened, team)] == ["U2"]


# ---- "Add to Slack" states -----------------------------------------------------------------------


@pytest.fixture
def state_store(migrated_url):
    opened = Store.from_url(migrated_url)
    yield opened
    opened.dispose()


def test_a_state_is_good_for_its_lifetime_and_then_refused(state_store):
    states = SqlOAuthStateStore(state_store, lifetime=timedelta(minutes=10))
    assert installations.STATE_LIFETIME == timedelta(minutes=10)
    state = states.issue()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", state)  # 32 random bytes, URL-safe
    with state_store.read() as session:
        expires = session.scalar(select(OAuthState.expires_at).where(OAuthState.state == state))
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    # Expired already: refused, and gone.
    stale = SqlOAuthStateStore(state_store, lifetime=timedelta(seconds=-1))
    old = stale.issue()
    assert stale.consume(old) is False
    with state_store.read() as session:
        assert session.scalar(select(OAuthState.id).where(OAuthState.state == old)) is None
    assert states.consume(state) is True


def test_a_state_is_refused_from_the_moment_it_expires(state_store):
    issued = datetime.now(UTC)
    moment = [issued]
    states = SqlOAuthStateStore(state_store, lifetime=timedelta(minutes=10), clock=lambda: moment[0])
    on_time, late = states.issue(), states.issue()
    moment[0] = issued + timedelta(minutes=10) - timedelta(microseconds=1)
    assert states.consume(on_time) is True
    moment[0] = issued + timedelta(minutes=10)
    assert states.consume(late) is False


def test_issuing_clears_expired_states_and_keeps_live_ones(state_store):
    expired = SqlOAuthStateStore(state_store, lifetime=timedelta(seconds=-5))
    live = SqlOAuthStateStore(state_store)
    old = expired.issue()
    kept = live.issue()
    newer = live.issue()
    with state_store.read() as session:
        present = set(session.scalars(select(OAuthState.state).where(OAuthState.state.in_([old, kept, newer]))))
    assert present == {kept, newer}
    assert live.consume(kept) and live.consume(newer)


def test_the_states_default_lifetime_is_ten_minutes(state_store):
    states = SqlOAuthStateStore(state_store)
    assert states.logger is logging.getLogger("slackapp.installs.installations")
    state = states.issue()
    with state_store.read() as session:
        expires = session.scalar(select(OAuthState.expires_at).where(OAuthState.state == state))
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    assert states.consume(state)


@pytest.mark.parametrize("length, ours", [(19, False), (20, True), (64, True)])
def test_only_a_state_of_the_issued_shape_is_looked_up(state_store, length, ours):
    state = ("Ab0_-" * 30)[:length]
    with state_store.write() as session:
        session.add(OAuthState(state=state, expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    try:
        assert SqlOAuthStateStore(state_store).consume(state) is ours
    finally:
        with state_store.write() as session:
            session.execute(delete(OAuthState).where(OAuthState.state == state))


# ---- keys --------------------------------------------------------------------------------------------


def test_named_briefly():
    assert installations.named_briefly([]) == ""
    assert installations.named_briefly(["T1"]) == "T1"
    assert installations.named_briefly(["T1", "T2", "T3", "T4", "T5"]) == "T1, T2, T3, T4, T5"
    assert installations.named_briefly(["T1", "T2", "T3", "T4", "T5", "T6"]) == "T1, T2, T3, T4, T5 and 1 more"
    assert installations.named_briefly([f"T{n}" for n in range(9)], shown=2) == "T0, T1 and 7 more"


def only_these(session, *rows: Installed) -> None:
    """The session's installations are these (others' are deleted inside the test's transaction)."""
    session.execute(delete(Installed))
    session.add_all(rows)
    session.flush()


def test_unopened_counts_every_installation_and_names_the_lost_ones(session):
    other_key = Sealer(Fernet.generate_key().decode())
    team, lost_team, org = new_id("T"), new_id("T"), new_id("E")
    only_these(
        session,
        row(installation(team)),
        row(installation(lost_team), sealer=other_key),
        row(installation(None, enterprise_id=org, org_wide=True), sealer=other_key),
    )
    assert installations.unopened(session, SEALER) == (3, [lost_team, f"(org-wide install in {org})"])
    assert installations.unopened(session, other_key) == (3, [team])


def test_reseal_puts_every_installation_under_the_newest_key(session):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    teams = [new_id("T"), new_id("T")]
    only_these(session, *(row(installation(team, bot_token=f"xoxb-{team}"), sealer=Sealer(old)) for team in teams))
    assert installations.reseal(session, Sealer(f"{new},{old}")) == 2
    session.flush()
    for team in teams:
        assert installations.newest_bot(session, Sealer(new), team_id=team).bot_token == f"xoxb-{team}"
    assert installations.unopened(session, Sealer(old)) == (2, teams)


def test_reseal_changes_nothing_when_a_key_is_missing(session):
    old, new, lost_key = (Fernet.generate_key().decode() for _ in range(3))
    kept, lost = new_id("T"), [new_id("T") for _ in range(6)]
    only_these(session, row(installation(kept), sealer=Sealer(old)), *(row(installation(team), sealer=Sealer(lost_key)) for team in lost), row(installation(lost[0]), sealer=Sealer(lost_key)))
    before = {saved.id: saved.sealed for saved in session.scalars(select(Installed))}
    with pytest.raises(SealError) as refused:
        installations.reseal(session, Sealer(f"{new},{old}"))
    shown = sorted(lost)
    assert str(refused.value) == f"no key in SLACKAPP_ENCRYPTION_KEY opens the installation(s) of {', '.join(shown[:5])} and 1 more"
    assert {saved.id: saved.sealed for saved in session.scalars(select(Installed))} == before
