"""Sign and send requests to the app's HTTP endpoint the way Slack does.

Slack signs ``v0:{timestamp}:{raw body}`` with HMAC-SHA256 and sends the result in
``X-Slack-Signature`` next to ``X-Slack-Request-Timestamp``.  Events travel as a JSON body;
slash commands as a form body; interactivity as a form body with one ``payload`` field.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode, urlsplit

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(secret: str, timestamp: int, body: bytes | str) -> str:
    if isinstance(body, str):
        body = body.encode("utf-8")
    base = f"v0:{timestamp}:".encode("utf-8") + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage  # case-insensitive: resp.headers["content-type"]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def post_signed(
    url: str,
    body: bytes | str,
    *,
    content_type: str,
    secret: str | None,
    timestamp: int | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> Response:
    """POST ``body`` signed with ``secret`` (``None`` sends no signature headers).

    ``headers`` are applied last, so a test can override or tamper with the signature.
    Uses http.client directly: urllib would honour HTTP(S)_PROXY and raise on 4xx/5xx.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    sent = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    if secret is not None:
        sent["X-Slack-Request-Timestamp"] = str(ts)
        sent["X-Slack-Signature"] = sign(secret, ts, body)
    sent.update(headers or {})

    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers=sent)
        resp = conn.getresponse()
        return Response(status=resp.status, headers=resp.headers, body=resp.read())
    finally:
        conn.close()


class SlackClient:
    """Plays Slack's side of an HTTP-mode Bolt app at ``base_url + "/slack/events"``."""

    def __init__(self, base_url: str, secret: str, *, path: str = "/slack/events", timeout: float = 10):
        self.url = base_url.rstrip("/") + path
        self.secret = secret
        self.timeout = timeout

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return post_signed(
            self.url, body, content_type=content_type, secret=self.secret,
            timestamp=timestamp, headers=headers, timeout=self.timeout,
        )

    def command(
        self,
        command: str = "/hello",
        text: str = "",
        *,
        body: str | None = None,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> Response:
        """Send a slash command; ``fields`` go to :func:`payloads.slash_command`, or pass ``body``."""
        if body is None:
            body = _payloads().slash_command(command, text, **fields)
        return self.post(body, FORM, timestamp=timestamp, headers=headers)

    def interact(
        self,
        payload: dict,
        *,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, FORM, timestamp=timestamp, headers=headers)

    def event(
        self,
        payload: dict,
        retry_num: int | None = None,
        *,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = retry_reason
        extra.update(headers or {})
        return self.post(json.dumps(payload), JSON, timestamp=timestamp, headers=extra)


def _payloads():
    from slackapp.sandbox import payloads

    return payloads
