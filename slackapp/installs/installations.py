"""Distribution mode: the workspaces that installed the app (Slack's OAuth flow), kept in our own
tables behind slack_sdk's InstallationStore and OAuthStateStore, with every token sealed.

Only what lookups need is in the clear (team, org, installer, when); the installation itself,
tokens included, is one sealed JSON value."""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import Boolean, Index, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from slackapp.db import Base, Store, UTCDateTime, utcnow
from slackapp.installs.secrets import Sealer, SealError

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What the app asks for when a workspace installs it (the manifest's bot scopes: a test checks).
BOT_SCOPES = ("commands", "chat:write", "channels:join", "users:read", "reactions:read", "reactions:write", "files:write", "im:write")
# The "Add to Slack" link is good for this long, and once.
STATE_LIFETIME = timedelta(minutes=10)


class Installed(Base):
    """One installation by one person; the newest one of a workspace holds its bot token."""

    __tablename__ = "installations"
    __table_args__ = (Index("ix_installations_team", "team_id", "enterprise_id", "installed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for an org-wide install (it serves every workspace of `enterprise_id`).
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    installer_id: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed: Mapped[str] = mapped_column(Text)


class Departure(Base):
    """A workspace that uninstalled the app: its data is purged after `purge_after`, unless it
    installs the app again first."""

    __tablename__ = "departures"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    left_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime)


class OAuthState(Base):
    """An "Add to Slack" link handed out and not used yet."""

    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _installation_of(row: Installed, sealer: Sealer) -> Installation | None:
    """None (and one log line) when no key opens it: its workspace is then served as one that hasn't
    installed the app, rather than with a 500 on every request."""
    try:
        return Installation(**json.loads(sealer.open(row.sealed)))
    except SealError:
        log.warning(
            "team %s: its installation opens with no key in SLACKAPP_ENCRYPTION_KEY; serving it as not installed "
            "until the key it was sealed with is listed again (new,old) or it installs the app again",
            row.team_id or f"(org-wide install in {row.enterprise_id})",
        )
        return None


def _newest(team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool | None):
    statement = select(Installed).order_by(Installed.installed_at.desc(), Installed.id.desc()).limit(1)
    if is_enterprise_install:
        return statement.where(Installed.enterprise_id == enterprise_id, Installed.is_enterprise_install.is_(True))
    # Team IDs are unique across orgs.
    return statement.where(Installed.team_id == (team_id or ""))


def newest_bot(session: Session, sealer: Sealer, *, team_id: str) -> Bot | None:
    """The bot of `team_id`'s newest installation, whichever org it is in."""
    row = session.scalar(select(Installed).where(Installed.team_id == team_id).order_by(Installed.installed_at.desc(), Installed.id.desc()).limit(1))
    if row is None:
        return None
    installation = _installation_of(row, sealer)
    return installation.to_bot() if installation is not None and installation.bot_token else None


def forget(session: Session, *, team_id: str) -> int:
    """Every token of the workspace, gone at once (an uninstall, revoked tokens)."""
    return session.execute(delete(Installed).where(Installed.team_id == team_id)).rowcount


def is_installed(session: Session, *, team_id: str) -> bool:
    return session.scalar(select(Installed.id).where(Installed.team_id == team_id).limit(1)) is not None


class SqlInstallationStore(InstallationStore):
    def __init__(self, store: Store, sealer: Sealer):
        self._store = store
        self._sealer = sealer

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        plain = json.dumps(installation.to_dict_for_copying(), default=str)
        with self._store.write() as session:
            # Back within the grace period: the workspace keeps its data.
            session.execute(delete(Departure).where(Departure.team_id == (installation.team_id or "")))
            session.add(
                Installed(
                    team_id=installation.team_id or "",
                    enterprise_id=installation.enterprise_id,
                    is_enterprise_install=bool(installation.is_enterprise_install),
                    installer_id=installation.user_id,
                    installed_at=utcnow(),
                    sealed=self._sealer.seal(plain),
                )
            )
        log.info("installed in team %s (enterprise %s)", installation.team_id, installation.enterprise_id)  # pragma: no mutate

    def find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None, is_enterprise_install: bool | None = False
    ) -> Installation | None:
        statement = _newest(team_id, enterprise_id, is_enterprise_install)
        if user_id is not None:
            statement = statement.where(Installed.installer_id == user_id)
        with self._store.read() as session:
            row = session.scalar(statement)
        return _installation_of(row, self._sealer) if row is not None else None

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False) -> Bot | None:
        installation = self.find_installation(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        return installation.to_bot() if installation is not None and installation.bot_token else None

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        statement = delete(Installed).where(Installed.team_id == (team_id or ""))
        if user_id is not None:
            statement = statement.where(Installed.installer_id == user_id)
        with self._store.write() as session:
            session.execute(statement)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # The bot token is part of every installation of the workspace.
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)


_ISSUED_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")  # token_urlsafe(32) is 43; the column holds 64


class SqlOAuthStateStore(OAuthStateStore):
    """States are single-use: consuming one deletes it, so a replayed redirect finds nothing."""

    def __init__(self, store: Store, lifetime: timedelta = STATE_LIFETIME, *, clock: Callable[[], datetime] = utcnow):
        self._store = store
        self._lifetime = lifetime
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock()
        with self._store.write() as session:
            session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
            session.add(OAuthState(state=state, expires_at=now + self._lifetime))
        return state

    def consume(self, state: str) -> bool:
        # Only a state of the shape we issue is looked up: anything else (a NUL, which PostgreSQL
        # refuses in text, or a megabyte of junk) is simply not ours.
        if not state or not _ISSUED_SHAPE.fullmatch(state):
            return False
        with self._store.write() as session:
            deleted = session.execute(delete(OAuthState).where(OAuthState.state == state).returning(OAuthState.expires_at)).first()
        return deleted is not None and deleted[0] > self._clock()


def named_briefly(teams: list[str], shown: int = 5) -> str:
    """A list of workspaces that fits on one log line."""
    return ", ".join(teams[:shown]) + (f" and {len(teams) - shown} more" if len(teams) > shown else "")


def unopened(session: Session, sealer: Sealer) -> tuple[int, list[str]]:
    """How many installations are stored, and the workspaces of those that no key opens."""
    stored, lost = 0, []
    for team_id, enterprise_id, sealed in session.execute(select(Installed.team_id, Installed.enterprise_id, Installed.sealed).order_by(Installed.id)):
        stored += 1
        if not sealer.opens(sealed):
            lost.append(team_id or f"(org-wide install in {enterprise_id})")
    return stored, lost


def reseal(session: Session, sealer: Sealer) -> int:
    """Seal every stored installation again under the newest key (after a key rotation); SealError,
    before anything changed, when some installation opens with no key (the old key must stay)."""
    _, lost = unopened(session, sealer)
    if lost:
        raise SealError(f"no key in SLACKAPP_ENCRYPTION_KEY opens the installation(s) of {named_briefly(sorted(set(lost)))}")
    rows = list(session.scalars(select(Installed)))
    for row in rows:
        row.sealed = sealer.reseal(row.sealed)
    return len(rows)
