"""Serving the app: gunicorn (threaded) over HTTP, or Socket Mode."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from slackapp.db import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class Routes:
    """WSGI entry point: Slack's requests go to Bolt, /healthz tells whether the store answers."""

    def __init__(self, app: App, store: Store):
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._store = store

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = self._store.ping()
            body = json.dumps({"ok": healthy, "store": "up" if healthy else "down"}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self._bolt(environ, start_response)


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
