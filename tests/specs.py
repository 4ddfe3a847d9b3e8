"""Where Slack's own material for the tests is: tests/slack_specs (Block Kit limits, the manifest
schema, the signing vector). Slack's sample requests moved into the package
(slackapp/sandbox/slack_payloads), since the sandbox sends them too."""

from __future__ import annotations

import os
from pathlib import Path


def specs_dir() -> Path:
    env = os.environ.get("SLACK_SPECS_DIR")
    if env:
        path = Path(env)
        return path.parent if path.name == "payloads" else path
    return Path(__file__).resolve().parent / "slack_specs"
