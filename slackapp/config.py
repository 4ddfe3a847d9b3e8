"""Settings from the environment and `.env`, read once at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///slackapp.db"
SLACK_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# Read from the folder the app starts in; the process's environment wins over it.
ENV_FILE = ".env"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Secret:
    """A setting that must not show up in a log or a traceback: only get_secret_value() tells it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _setting(default: Any = None, *, kind: str = "text", low: float | None = None, high: float | None = None, above: float | None = None, default_factory=None):
    """A field read from the variable of its name in capitals. `kind`: text, secret, integer,
    number or switch; `low`/`high` bound it inclusively, `above` exclusively."""
    bounds = {"kind": kind, "low": low, "high": high, "above": above}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=bounds)
    return field(default=default, metadata=bounds)


@dataclass
class Settings:
    """Read by load_settings(); plain Python, so a worker doesn't carry a validation library (its
    memory counts: bench/idle_rss)."""

    slack_bot_token: Secret | None = _setting(kind="secret")
    slack_signing_secret: Secret | None = _setting(kind="secret")
    slack_app_token: Secret | None = _setting(kind="secret")
    database_url: str = _setting(DEFAULT_DATABASE_URL)
    slack_api_url: str = _setting(SLACK_API_URL)
    slackapp_officers: str = _setting("")
    port: int = _setting(3000, kind="integer", low=1, high=65535)
    # /metrics is for whoever runs the app, not for Slack: a port of its own (default PORT+1, see
    # metrics_port_beside), on this machine only unless told otherwise.
    slackapp_metrics_port: int | None = _setting(kind="integer", low=1, high=65535)
    slackapp_metrics_host: str = _setting("127.0.0.1")
    # Threads that run listeners. Only as many as the machine has cores work towards their ack at
    # once (slackapp.slack.middleware.ListenerPool); the rest wait on Slack after theirs. Bolt's
    # default of 5 lets five slow Web API calls starve every other request.
    slackapp_listener_threads: int = _setting(16, kind="integer", low=4, high=1024)
    # Requests one HTTP worker answers at once: one runs Python while the other waits on the store
    # or on Slack; more only take turns at the GIL, each turn a thread switch (club traffic, one
    # worker: 2 answered 0.98-0.99 of the plain peer's requests, 3 0.85, 8 0.83). A storm of
    # reactions holds its own with 2 as well (1.02 of the peer's acks/s, bench/reaction_ack), as
    # the inbox's writer hands on to the next request instead of keeping its thread.
    slackapp_http_threads: int = _setting(2, kind="integer", low=1, high=1024)
    # One per core, at most 4 (each holds its own database connections): on SQLite too, where
    # writers of all the processes queue on one file lock (slackapp.db).
    slackapp_http_workers: int = _setting(kind="integer", low=1, high=64, default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)))
    # Off: this process sends no timed work (another process on the same store does).
    slackapp_scheduler: bool = _setting(True, kind="switch")
    # How often the clock looks for due work nobody woke it for (work planned by another process,
    # timers that came due); work planned here, and retries, wake it themselves.
    slackapp_scheduler_tick_seconds: float = _setting(10.0, kind="number", low=1, high=3600)
    # Direct messages per second per workspace when fanning out timed work.
    slackapp_dm_per_second: float = _setting(20.0, kind="number", above=0, high=1000)
    # A posted message showing live counts is updated at most this often (chat.update is Tier 3).
    slackapp_post_update_seconds: float = _setting(1.0, kind="number", low=0.05, high=60)
    # Distribution mode (one install, many workspaces): the app's OAuth credentials.
    slack_client_id: str | None = _setting()
    slack_client_secret: Secret | None = _setting(kind="secret")
    # Only when the app has several Redirect URLs: the one of this deployment.
    slack_redirect_uri: str | None = _setting()
    # Fernet keys, comma-separated: the first seals tokens, all of them open (key rotation).
    slackapp_encryption_key: Secret | None = _setting(kind="secret")
    # A workspace's data is deleted this long after the app was uninstalled from it.
    slackapp_purge_after_days: float = _setting(30.0, kind="number", low=0, high=3650)

    @property
    def officer_ids(self) -> frozenset[str]:
        return frozenset(part for part in self.slackapp_officers.split(",") if part)

    @property
    def socket_mode(self) -> bool:
        # The OAuth flow needs HTTP: distribution mode always serves HTTP.
        return self.slack_app_token is not None and not self.distribution

    @property
    def distribution(self) -> bool:
        """One install, many workspaces: installed through Slack's OAuth flow, a token per workspace."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def has_no_slack_settings(self) -> bool:
        """No token or secret at all: someone who hasn't created the Slack app yet (run offers the sandbox)."""
        return self.slack_bot_token is None and self.slack_app_token is None and self.slack_signing_secret is None

    def metrics_port_beside(self, port: int) -> int:
        """Where /metrics listens when Slack's requests come to `port`; the same port only when
        the operator says so."""
        if self.slackapp_metrics_port is not None:
            return self.slackapp_metrics_port
        if port == 65535:
            raise ConfigError("SLACKAPP_METRICS_PORT: required when PORT is 65535 (/metrics listens on PORT+1 by default)")
        return port + 1

    def missing_for(self, mode: str) -> list[str]:
        """Names of the variables that `mode` ("socket" or "http") still needs."""
        needed = {"socket": ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"], "http": ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]}
        if self.distribution:
            needed["http"] = ["SLACK_SIGNING_SECRET"]
        return [name for name in needed[mode] if getattr(self, name.lower()) is None]

    def check_distribution(self) -> None:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            given, missing = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if self.slack_client_secret is None else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            raise ConfigError(f"{missing}: required with {given} (both are under Basic Information -> App Credentials)")
        if self.distribution and self.slackapp_encryption_key is None:
            raise ConfigError(
                "SLACKAPP_ENCRYPTION_KEY: required in distribution mode (SLACK_CLIENT_ID is set) to seal the workspaces' tokens; make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
            )


def _check_sqlite_path(url: str) -> None:
    path = url.split("://", 1)[1].removeprefix("/").split("?", 1)[0]
    if path in ("", ":memory:") or "mode=memory" in url:
        raise ValueError(
            "an in-memory database forgets everything when the app stops and isn't shared between its "
            "processes; give a file, like sqlite:///slackapp.db"
        )
    folder = Path(path).expanduser().parent
    if not folder.is_dir():
        raise ValueError(f"the folder {folder} does not exist; create it or give another path")


def load_settings(**overrides) -> Settings:
    """The settings from `overrides` (field names), else the environment, else `.env`; the first
    bad one raises ConfigError naming its variable."""
    given = _from_env_file(Path(ENV_FILE))
    given.update((name.lower(), value) for name, value in os.environ.items())
    given.update(overrides)
    values = {}
    for setting in fields(Settings):
        if setting.name not in given:
            continue
        try:
            values[setting.name] = _checked(setting.name, _parsed(given[setting.name], setting.metadata))
        except ValueError as exc:
            raise ConfigError(f"{setting.name.upper()}: {exc}") from None
    settings = Settings(**values)
    settings.check_distribution()
    _keep_secrets_out_of_logs(settings)
    return settings


def _from_env_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {name.lower(): value for name, value in dotenv_values(path, encoding="utf-8").items() if value is not None}


_SWITCH = {"true": True, "1": True, "yes": True, "on": True, "t": True, "y": True, "false": False, "0": False, "no": False, "off": False, "f": False, "n": False}


def _parsed(value: Any, bounds) -> Any:
    """A variable's text as its field's kind, within its bounds."""
    kind = bounds["kind"]
    if not isinstance(value, str):
        parsed = value
    elif kind == "secret":
        return Secret(value)
    elif kind == "text":
        return value
    elif kind == "switch":
        if value.strip().lower() not in _SWITCH:
            raise ValueError(f"must be true or false, not {value[:40]!r}")
        return _SWITCH[value.strip().lower()]
    else:
        try:
            parsed = int(value) if kind == "integer" else float(value)
        except ValueError:
            raise ValueError(f"must be {'a whole number' if kind == 'integer' else 'a number'}, not {value[:40]!r}") from None
    if isinstance(parsed, (int, float)) and not isinstance(parsed, bool):
        low, high, above = bounds["low"], bounds["high"], bounds["above"]
        if (low is not None and parsed < low) or (high is not None and parsed > high) or (above is not None and parsed <= above):
            floor = f"from {low:g}" if low is not None else f"above {above:g}"
            raise ValueError(f"must be {floor} to {high:g}, not {parsed:g}")
    return parsed


def _checked(name: str, value: Any) -> Any:
    """What a field's value must be besides its kind: the shape of a token, a URL, a list of IDs."""
    check = _CHECKS.get(name)
    return check(name, value) if check is not None else value


def _token_shape(name: str, value: Secret | None) -> Secret | None:
    prefix, kind = ("xoxb-", "a bot token") if name == "slack_bot_token" else ("xapp-", "an app-level token")
    if value is not None and value.get_secret_value() and not value.get_secret_value().startswith(prefix):
        raise ValueError(f"must be {kind} starting with {prefix}")
    return value if value is not None and value.get_secret_value() else None


def _empty_secret_is_unset(_name: str, value: Secret | None) -> Secret | None:
    return value if value is not None and value.get_secret_value() else None


def _empty_is_unset(_name: str, value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _fernet_keys(_name: str, value: Secret | None) -> Secret | None:
    from slackapp.installs.secrets import check_keys

    if value is None or not value.get_secret_value().strip():
        return None
    check_keys(value.get_secret_value())
    return value


def _api_url_shape(_name: str, value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http(s) URL such as https://slack.com/api/")
    # slack_sdk joins method names onto the base URL, so the trailing slash matters.
    return value if value.endswith("/") else value + "/"


def _database_url_shape(_name: str, value: str) -> str:
    value = value.strip()
    if not re.match(r"^(sqlite|postgresql|postgres)(\+\w+)?://", value):
        raise ValueError("must start with sqlite:/// or postgresql://")
    if value.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the driver we ship; plain URLs (and the postgres:// that hosting
        # providers hand out) would make SQLAlchemy look for psycopg2 or fail.
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    if value.startswith("sqlite"):
        _check_sqlite_path(value)
    return value


def _officer_ids(_name: str, value: str) -> str:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in ids if not _USER_ID.match(part)]
    if bad:
        raise ValueError(f"expected comma-separated Slack user IDs like U012ABC, got {bad[0]!r}")
    return ",".join(ids)


_CHECKS = {
    "slack_bot_token": _token_shape,
    "slack_app_token": _token_shape,
    "slack_signing_secret": _empty_secret_is_unset,
    "slack_client_secret": _empty_secret_is_unset,
    "slack_client_id": _empty_is_unset,
    "slack_redirect_uri": _empty_is_unset,
    "slackapp_encryption_key": _fernet_keys,
    "slack_api_url": _api_url_shape,
    "database_url": _database_url_shape,
    "slackapp_officers": _officer_ids,
}


def _keep_secrets_out_of_logs(settings: Settings) -> None:
    from slackapp import logs
    from slackapp.installs.secrets import keys_in

    secrets = [settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret, settings.slack_client_secret]
    keys = keys_in(settings.slackapp_encryption_key.get_secret_value()) if settings.slackapp_encryption_key else []
    logs.keep_out(*(secret.get_secret_value() for secret in secrets if secret is not None), *keys)
