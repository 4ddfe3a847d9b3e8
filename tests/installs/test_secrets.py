"""Sealed tokens: key rotation with several keys, and the one-line errors of distribution mode."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from slackapp.config import ConfigError, load_settings
from slackapp.installs.secrets import Sealer, SealError

pytestmark = pytest.mark.fast


def test_a_rotated_key_still_opens_what_the_old_one_sealed_and_reseals_with_the_new():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = Sealer(old).seal("xoxb-secret")
    rotated = Sealer(f"{new},{old}")
    assert rotated.open(sealed) == "xoxb-secret"
    resealed = rotated.reseal(sealed)
    assert Sealer(new).open(resealed) == "xoxb-secret"
    with pytest.raises(SealError):
        Sealer(old).open(resealed)


def test_distribution_mode_needs_a_key_said_in_one_line(tmp_path):
    database = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError) as missing:
        load_settings(slack_client_id="1.2", slack_client_secret="s", database_url=database)
    assert str(missing.value).startswith("SLACKAPP_ENCRYPTION_KEY: required") and "\n" not in str(missing.value)
    with pytest.raises(ConfigError) as bad:
        load_settings(slack_client_id="1.2", slack_client_secret="s", slackapp_encryption_key="not-a-key", database_url=database)
    assert str(bad.value).startswith("SLACKAPP_ENCRYPTION_KEY: key 1 is not a Fernet key") and "not-a-key" not in str(bad.value)
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET: required with SLACK_CLIENT_ID"):
        load_settings(slack_client_id="1.2", database_url=database)
    settings = load_settings(slack_client_id="1.2", slack_client_secret="s", slackapp_encryption_key=Fernet.generate_key().decode(), database_url=database)
    assert settings.distribution and settings.missing_for("http") == ["SLACK_SIGNING_SECRET"]


def test_an_encryption_key_of_only_commas_lists_no_key(tmp_path):
    with pytest.raises(ConfigError) as commas:
        load_settings(slack_client_id="1.2", slack_client_secret="s", slackapp_encryption_key=" , ,", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    assert str(commas.value).startswith("SLACKAPP_ENCRYPTION_KEY: lists no key") and "\n" not in str(commas.value)
