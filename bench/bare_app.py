"""The baseline for bench.ack_latency: a Bolt app whose only listener acks `/internships` with a
static reply, served by the same gunicorn gthread configuration as slackapp (serve_http, with
slackapp's default workers and threads), so the difference in ack latency is the app's own work.

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:…/api/ \
        python -m bench.bare_app --port 3001
"""

from __future__ import annotations

import argparse
import json
import os

from slackapp.config import Settings
from slackapp.slack.server import EVENTS_PATH, serve_http

DEFAULT_WORKERS = Settings.model_fields["slackapp_http_workers"].default
DEFAULT_THREADS = Settings.model_fields["slackapp_http_threads"].default


def load():
    """Called by each gunicorn worker after the fork, like slackapp's own `load`."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        name="bare",
    )

    @app.command("/internships")
    def internships(ack):
        ack("static reply")

    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    healthy = json.dumps({"ok": True}).encode()

    def routes(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(healthy)))])
            return [healthy]
        return bolt(environ, start_response)

    return routes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bare_app")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args(argv)
    serve_http(load, port=args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    main()
