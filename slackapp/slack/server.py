"""Serving the app: gunicorn (threaded) over HTTP, or Socket Mode.

gunicorn's master process only watches its workers; it imports no more than this module, so the
app itself (Bolt, SQLAlchemy, the features) is loaded in each worker, after the fork. One worker
serves alone, without a master (serve_http)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from gunicorn import sock
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

if TYPE_CHECKING:
    from slack_bolt import App

    from slackapp.config import Settings
    from slackapp.db import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's requests are a few KB; a large view submission stays far below this.
MAX_BODY = 1 << 20
# Connections waiting to be accepted (gunicorn's backlog, also on the sockets the CLI binds for it).
BACKLOG = 2048


class Routes:
    """WSGI entry point: Slack's requests go through the door to Bolt, /healthz tells whether the
    store answers. /metrics is answered only on its own port (`metrics_port`), which answers
    nothing else unless the operator made it the port Slack talks to (`slack_port`).

    The door does only what Bolt can't: it refuses a body too large to read, checks the signature
    (slack_sdk's SignatureVerifier) before anything reads the body, and refuses a signed body that
    isn't Slack's shape (Bolt would fail on it, in its error handler, with the body in the log).
    Bolt checks the signature again, as it always does."""

    def __init__(self, app: App, store: Store, *, settings: Settings, metrics: Callable[[], tuple[bytes, str]],
                 metrics_port: int | None = None, slack_port: int | None = None, pages: dict[str, Callable] | None = None):
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk.signature import SignatureVerifier

        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._store = store
        self._metrics = metrics
        self._metrics_port, self._slack_port = metrics_port, slack_port
        # Pages a feature serves to people outside Slack (a firm's resume book link): path prefix -> WSGI app.
        self._pages = dict(pages or {})
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        self._verifier = SignatureVerifier(secret) if secret else None

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        listener = local_port(environ)
        if self._metrics_port is not None and listener == self._metrics_port:
            if path == "/metrics" and method == "GET":
                body, content_type = self._metrics()
                start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
                return [body]
            if listener != self._slack_port:
                return _answer(start_response, "404 Not Found", {"ok": False})
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = self._store.ping()
            return _answer(start_response, "200 OK" if healthy else "503 Service Unavailable", {"ok": healthy, "store": "up" if healthy else "down"})
        if path == EVENTS_PATH and method == "POST":
            return self._slack_request(environ, start_response)
        for prefix, page in self._pages.items():
            if path and path.startswith(prefix):
                return page(environ, start_response)
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
        observe_request(request_kind(body) if refused is None else "refused", answered[0] if answered else 500, time.perf_counter() - started)
        return result

    def _refused(self, environ) -> str | None:
        """Read the body once and let it through the door, or say the status (one log line, without
        the body); Bolt reads it again."""
        length = environ.get("CONTENT_LENGTH") or "0"
        if not (length.isascii() and length.isdigit()):  # gunicorn refuses these itself; the sandbox's server doesn't
            log.info("refused a request: Content-Length is not a number (%.40r)", length)  # pragma: no mutate
            return "400 Bad Request"
        if int(length) > MAX_BODY:
            log.info("refused a request: body too large (%s bytes)", length)  # pragma: no mutate
            return "413 Payload Too Large"
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8, and the signature is checked on text
            log.info("refused a request from %s: body is not UTF-8 (%d bytes)", environ.get("REMOTE_ADDR"), len(body))  # pragma: no mutate
            return "400 Bad Request"
        headers = {"x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE")}
        try:
            signed = self._verifier is not None and self._verifier.is_valid_request(text, headers)
        except ValueError:  # a timestamp that isn't a number
            signed = False
        if not signed:
            log.info("refused a request from %s: no valid signature, or a timestamp more than 5 minutes off (%d bytes)", environ.get("REMOTE_ADDR"), len(body))  # pragma: no mutate
            return "401 Unauthorized"
        problem = not_slacks_shape(environ.get("CONTENT_TYPE", ""), text)
        if problem:
            log.info("refused a request from %s: %s (%d bytes)", environ.get("REMOTE_ADDR"), problem, len(body))  # pragma: no mutate
            return "400 Bad Request"
        return None


def local_port(environ) -> int | None:
    """The port this request came in on, from the connection itself (SERVER_PORT may be taken
    from the Host header, which the client chooses); None off gunicorn (the sandbox's server)."""
    connection = environ.get("gunicorn.socket")
    return connection.getsockname()[1] if connection is not None else None


def not_slacks_shape(content_type: str, text: str) -> str | None:
    """Events come as a JSON object, interactions as a form with payload=<JSON object>; a
    command's form fields need no check. Bolt reads a body starting with "{" as JSON whatever its
    type, and a form's last payload."""
    try:
        if content_type.startswith("application/json") or text.startswith("{"):
            return not_slacks_object(json.loads(text), "JSON body")
        payloads = [value for name, value in parse_qsl(text, keep_blank_values=True) if name == "payload"] if "payload" in text else []
        for payload in payloads:
            problem = not_slacks_object(json.loads(payload), "payload")
            if problem:
                return problem
    except ValueError:
        return "body is not JSON or a form"
    except RecursionError:  # JSON nested deeper than Python's stack
        return "JSON nested too deep"
    return None


# What Bolt and the middleware read of a body before any listener runs (to build the request's
# context and pick its listener), and what each must be there; Slack always sends them so.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "event": (dict,),
    "view": (dict,),
    "message": (dict,),
    "actions": (list,),
    "response_urls": (list,),
    "authorizations": (list, type(None)),
    "team": (str, dict, type(None)),
    "user": (str, dict, type(None)),
    "enterprise": (str, dict, type(None)),
    "channel": (str, dict, type(None)),
}


def not_slacks_object(found: object, name: str) -> str | None:
    """What in `found` (the body or its payload, called `name` in the answer) is not as Slack sends
    it, of what Bolt reads before any listener runs; None when all is."""
    if not isinstance(found, dict):
        return f"{name} is not a JSON object"
    for field, types in _FIELD_TYPES.items():
        value = found.get(field)
        if field in found and not isinstance(value, types):
            return f"{name}'s {field} is a {type(value).__name__}"
        if isinstance(value, list) and not all(isinstance(item, dict) for item in value):
            return f"{name}'s {field} holds something other than objects"
    return None


def request_kind(body: bytes) -> str:
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


class Gunicorn(BaseApplication):
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


def serve_http(load: Callable[[], Callable], *, binds: list[str], workers: int, threads: int) -> None:
    """Run gunicorn's threaded workers on `binds` (the CLI's listening sockets, as fd://N); each
    worker calls `load()` after the fork to build its own app. One worker runs in this process."""
    server = gunicorn_server(load, binds=binds, workers=workers, threads=threads)
    if workers > 1:
        server.run()
        return
    # A master beside a single worker would only restart it: the tree would hold the libraries
    # twice (bench/idle_rss, PostgreSQL: 104.9 MiB with a master, 83.5 without). Whoever runs
    # one process (a laptop, a one-core host, Docker's restart policy) restarts it if it dies.
    log = server.cfg.logger_class(server.cfg)
    listeners = sock.create_sockets(server.cfg, log)
    log.info("Listening at: %s (%s), one gthread worker without a master", ",".join(map(str, listeners)), os.getpid())
    worker = AloneWorker(1, os.getppid(), listeners, server, server.cfg.timeout, server.cfg, log)
    worker.pid = os.getpid()  # a master sets it after the fork; the worker's log lines name it
    worker.init_process()


class AloneWorker(ThreadWorker):
    """gunicorn's threaded worker serving with no master. It handles signals as it does under
    one: SIGTERM stops taking requests and lets those in hand finish (graceful_timeout)."""

    def is_parent_alive(self) -> bool:
        # gunicorn's worker stops when its master is gone; this one's parent is whoever started
        # the app, which may exit and leave it running (nohup, a closed terminal's shell).
        return True


def gunicorn_server(load: Callable[[], Callable], *, binds: list[str], workers: int, threads: int) -> Gunicorn:
    """gunicorn, configured as serve_http runs it (not started)."""
    return Gunicorn(
        load,
        {
            "bind": binds,
            "worker_class": "gthread",
            "workers": workers,
            "threads": threads,
            # Slack never waits more than 3 s, so a request older than this is already lost.
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "backlog": BACKLOG,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            # gunicorn 24+ opens a control socket at one fixed path per user; two instances would collide.
            "control_socket_disable": True,
        },
    )


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    # The handler reuses app.client, so apps.connections.open also goes to SLACK_API_URL.
    SocketModeHandler(app, app_token, web_client=app.client).start()
