"""Serving the app: gunicorn (threaded) over HTTP, or Socket Mode.

gunicorn's master process only watches its workers; it imports no more than this module, so the
app itself (Bolt, SQLAlchemy, the features) is loaded in each worker, after the fork."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

from slackapp.slack import gate

if TYPE_CHECKING:
    from slack_bolt import App

    from slackapp.config import Settings

    from slackapp.db import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class Routes:
    """WSGI entry point: Slack's requests go through the gate to Bolt, /healthz tells whether the
    store answers."""

    def __init__(self, app: App, store: Store, *, settings: Settings):
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._store = store
        self._secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = self._store.ping()
            return _answer(start_response, "200 OK" if healthy else "503 Service Unavailable", {"ok": healthy, "store": "up" if healthy else "down"})
        if path == "/metrics" and method == "GET":
            from slackapp.metrics import exposition

            body, content_type = exposition(self._store)
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and method == "POST":
            return self._slack_request(environ, start_response)
        return self._bolt(environ, start_response)

    def _slack_request(self, environ, start_response):
        """A request from Slack, timed and counted by kind; one request id in every log line."""
        from slackapp import logs
        from slackapp.metrics import observe_request

        started, answered = time.perf_counter(), []

        def answer(status, headers, *rest):
            answered.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, *rest)

        with logs.request(environ.get("HTTP_X_SLACK_REQUEST_ID")):
            refused = self._refused(environ)
            body = environ["wsgi.input"].getvalue() if refused is None else b""
            result = _answer(answer, refused, {"ok": False}) if refused is not None else self._bolt(environ, answer)
        observe_request(_kind(body) if refused is None else "refused", answered[0] if answered else 500, time.perf_counter() - started)
        return result

    def _refused(self, environ) -> str | None:
        """Read the body once, let it through the gate or say the status; Bolt reads it again."""
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > gate.MAX_BODY:
            log.info("refused a request: body too large or of unknown length (%s)", length)
            return "413 Payload Too Large"
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        refusal = gate.check(headers, body, secret=self._secret, now=time.time())
        if refusal is None:
            return None
        log.info("refused a request from %s: %s (%d bytes)", environ.get("REMOTE_ADDR"), refusal.reason, len(body))
        return {400: "400 Bad Request", 401: "401 Unauthorized"}[refusal.status]


def _kind(body: bytes) -> str:
    """What Slack sent, for counting: command, event, or the interaction's type."""
    if body.startswith(b"{"):
        return "event"
    if b"command=" in body and not body.startswith(b"payload="):
        return "command"
    match = re.search(rb"%22type%22%3A\+?%22([a-z_]+)%22", body[:400])
    return match.group(1).decode() if match else "interaction"


def _answer(start_response, status: str, payload: dict):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class _Gunicorn(BaseApplication):
    def __init__(self, load: Callable[[], Callable], options: dict):
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return self._load()


def serve_http(load: Callable[[], Callable], *, port: int, workers: int, threads: int) -> None:
    """Run gunicorn's threaded workers; each worker calls `load()` after the fork to build its own app."""
    _Gunicorn(
        load,
        {
            "bind": f"0.0.0.0:{port}",
            "worker_class": "gthread",
            "workers": workers,
            "threads": threads,
            # Slack never waits more than 3 s, so a request older than this is already lost.
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "backlog": 2048,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            # gunicorn 24+ opens a control socket at one fixed path per user; two instances would collide.
            "control_socket_disable": True,
        },
    ).run()


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    # The handler reuses app.client, so apps.connections.open also goes to SLACK_API_URL.
    SocketModeHandler(app, app_token, web_client=app.client).start()
