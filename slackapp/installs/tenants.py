"""Which workspaces the app serves, and with which token.

One workspace (SLACK_BOT_TOKEN): the token's own workspace or Enterprise Grid org (auth.test), as
always. Many workspaces (distribution mode): every workspace that installed the app through the
OAuth flow, each with its own bot token, looked up in the store and remembered briefly, so a
request or a scheduled send costs no query most of the time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot

from slackapp.db import Store
from slackapp.installs import installations
from slackapp.installs.identity import Identity
from slackapp.installs.secrets import Sealer

log = logging.getLogger(__name__)

# Slack tells every installation of the app these, even when the workspace's tokens are gone.
DEPARTURES = frozenset({"app_uninstalled", "tokens_revoked"})
# How long a workspace's bot (or that it has none) is remembered in a process.
REMEMBER_SECONDS = 30.0
REMEMBER_MISSING_SECONDS = 5.0


class OneWorkspace:
    """Single-workspace token mode: one token, the workspace (or org) auth.test names."""

    def __init__(self, identity: Identity, client: WebClient):
        self.identity = identity
        self.client = client

    def serves(self, *, team_id: str | None, enterprise_id: str | None, event_type: str | None = None) -> bool:
        return self.identity.serves(team_id=team_id, enterprise_id=enterprise_id)

    def client_for(self, team_id: str | None) -> WebClient | None:
        return self.client

    def bot_user_id(self, team_id: str | None) -> str | None:
        return self.identity.bot_user_id

    def forget(self, team_id: str) -> None:
        pass

    def sending(self, make_client: Callable[[str | None], WebClient]) -> "OneWorkspace":
        """The same workspace, with a client made for the scheduler."""
        return OneWorkspace(self.identity, make_client(self.client.token))


class ManyWorkspaces:
    """Distribution mode: each workspace with the bot token of its own installation."""

    def __init__(self, store: Store, sealer: Sealer, make_client: Callable[[str], WebClient], *, monotonic: Callable[[], float] = time.monotonic):
        self._store = store
        self.sealer = sealer
        self._make_client = make_client
        self._monotonic = monotonic
        self._bots: dict[str, tuple[float, Bot | None]] = {}
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def bot(self, team_id: str | None) -> Bot | None:
        if not team_id:
            return None
        now = self._monotonic()
        with self._lock:
            remembered = self._bots.get(team_id)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        with self._store.read() as session:
            bot = installations.newest_bot(session, self.sealer, team_id=team_id)
        with self._lock:
            self._bots[team_id] = (now + (REMEMBER_SECONDS if bot else REMEMBER_MISSING_SECONDS), bot)
        return bot

    def serves(self, *, team_id: str | None, enterprise_id: str | None, event_type: str | None = None) -> bool:
        # An uninstall must get through after the tokens are gone (tokens_revoked may come first).
        return event_type in DEPARTURES or self.bot(team_id) is not None

    def client_for(self, team_id: str | None) -> WebClient | None:
        bot = self.bot(team_id)
        if bot is None:
            return None
        with self._lock:
            client = self._clients.get(bot.bot_token)
            if client is None:
                client = self._clients[bot.bot_token] = self._make_client(bot.bot_token)
        return client

    def bot_user_id(self, team_id: str | None) -> str | None:
        bot = self.bot(team_id)
        return bot.bot_user_id if bot else None

    def forget(self, team_id: str) -> None:
        """Drop what this process remembers of the workspace (its tokens were just deleted)."""
        with self._lock:
            remembered = self._bots.pop(team_id, None)
            if remembered and remembered[1] is not None:
                self._clients.pop(remembered[1].bot_token, None)

    def sending(self, make_client: Callable[[str], WebClient]) -> "ManyWorkspaces":
        """The same workspaces, with clients made for the scheduler; what one forgets, both do."""
        other = ManyWorkspaces(self._store, self.sealer, make_client, monotonic=self._monotonic)
        other._bots, other._lock = self._bots, self._lock
        return other


class InstalledAuthorize(Authorize):
    """Bolt's authorize from our remembered installations: no auth.test per request."""

    def __init__(self, tenants: ManyWorkspaces):
        self._tenants = tenants

    def __call__(self, *, context, enterprise_id: str | None, team_id: str | None, user_id: str | None, **_) -> AuthorizeResult | None:
        bot = self._tenants.bot(team_id)
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )
