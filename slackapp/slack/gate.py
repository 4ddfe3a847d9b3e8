"""The door for Slack's HTTP requests: nothing reaches Bolt (or our logs, or our error handler)
unless Slack signed it, recently, and it is shaped like something Slack sends."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qs

# Slack's requests are a few KB; a large view submission stays far below this.
MAX_BODY = 1 << 20
# Slack's own rule: a signed request older than this may be a replay.
MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def check(headers: dict[str, str], body: bytes, *, secret: str, now: float) -> Refusal | None:
    """None when Slack sent this; else the HTTP status to answer and why (for one log line).

    `headers` are lower-cased names."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit():
        return Refusal(401, "no request timestamp")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return Refusal(401, "request timestamp too old or in the future")
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("x-slack-signature", "")):
        return Refusal(401, "bad signature")
    return _shape(headers.get("content-type", ""), body)


def _shape(content_type: str, body: bytes) -> Refusal | None:
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return None if isinstance(json.loads(text), dict) else Refusal(400, "JSON body is not an object")
        # Slack's interactions send one field, payload=<JSON>; a command's fields need no check here.
        form = parse_qs(text, keep_blank_values=True) if "payload=" in text else {}
        if "payload" in form:
            return None if isinstance(json.loads(form["payload"][0]), dict) else Refusal(400, "payload is not a JSON object")
    except ValueError:
        return Refusal(400, "body is not UTF-8 JSON or a form")
    return None
