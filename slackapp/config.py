"""Settings from the environment and `.env`, read once at start-up."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///slackapp.db"
SLACK_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = SLACK_API_URL
    slackapp_officers: str = ""
    port: int = Field(default=3000, ge=1, le=65535)
    # /metrics is for whoever runs the app, not for Slack: a port of its own (default PORT+1, see
    # metrics_port_beside), on this machine only unless told otherwise.
    slackapp_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    slackapp_metrics_host: str = "127.0.0.1"
    # Threads that run listeners. Only as many as the machine has cores work towards their ack at
    # once (slackapp.slack.middleware.ListenerPool); the rest wait on Slack after theirs. Bolt's
    # default of 5 lets five slow Web API calls starve every other request.
    slackapp_listener_threads: int = Field(default=16, ge=4, le=1024)
    # Requests one HTTP worker answers at once. Each waits for its listener's ack; more threads
    # only wake more often to look (bench/club_traffic: 8 did better than 32 and than 4).
    slackapp_http_threads: int = Field(default=8, ge=1, le=1024)
    # One per core, at most 4 (each holds its own database connections): on SQLite too, where
    # writers of all the processes queue on one file lock (slackapp.db).
    slackapp_http_workers: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)), ge=1, le=64)
    # Off: this process sends no timed work (another process on the same store does).
    slackapp_scheduler: bool = True
    # How often the clock looks for due work nobody woke it for (work planned by another process,
    # timers that came due); work planned here, and retries, wake it themselves.
    slackapp_scheduler_tick_seconds: float = Field(default=10.0, ge=1, le=3600)
    # Direct messages per second per workspace when fanning out timed work.
    slackapp_dm_per_second: float = Field(default=20.0, gt=0, le=1000)
    # A posted message showing live counts is updated at most this often (chat.update is Tier 3).
    slackapp_post_update_seconds: float = Field(default=1.0, ge=0.05, le=60)
    # Distribution mode (one install, many workspaces): the app's OAuth credentials.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Only when the app has several Redirect URLs: the one of this deployment.
    slack_redirect_uri: str | None = None
    # Fernet keys, comma-separated: the first seals tokens, all of them open (key rotation).
    slackapp_encryption_key: SecretStr | None = None
    # A workspace's data is deleted this long after the app was uninstalled from it.
    slackapp_purge_after_days: float = Field(default=30.0, ge=0, le=3650)

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None, info) -> SecretStr | None:
        prefix, kind = ("xoxb-", "a bot token") if info.field_name == "slack_bot_token" else ("xapp-", "an app-level token")
        if value is not None and value.get_secret_value() and not value.get_secret_value().startswith(prefix):
            raise ValueError(f"must be {kind} starting with {prefix}")
        return value or None

    @field_validator("slack_signing_secret", "slack_client_secret")
    @classmethod
    def _empty_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("slack_client_id")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("slackapp_encryption_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        from slackapp.installs.secrets import check_keys

        if value is None or not value.get_secret_value().strip():
            return None
        check_keys(value.get_secret_value())
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        # slack_sdk joins method names onto the base URL, so the trailing slash matters.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
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

    @field_validator("slackapp_officers")
    @classmethod
    def _officer_ids(cls, value: str) -> str:
        ids = [part.strip() for part in value.split(",") if part.strip()]
        bad = [part for part in ids if not _USER_ID.match(part)]
        if bad:
            raise ValueError(f"expected comma-separated Slack user IDs like U012ABC, got {bad[0]!r}")
        return ",".join(ids)

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
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    settings.check_distribution()
    _keep_secrets_out_of_logs(settings)
    return settings


def _keep_secrets_out_of_logs(settings: Settings) -> None:
    from slackapp import logs
    from slackapp.installs.secrets import keys_in

    secrets = [settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret, settings.slack_client_secret]
    keys = keys_in(settings.slackapp_encryption_key.get_secret_value()) if settings.slackapp_encryption_key else []
    logs.keep_out(*(secret.get_secret_value() for secret in secrets if secret is not None), *keys)
