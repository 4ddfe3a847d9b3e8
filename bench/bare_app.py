"""The floor any Bolt app can reach: a Bolt app that acks `/internships` with a static reply and
has reaction_added / reaction_removed listeners that do nothing (Bolt acks events itself), served
by gunicorn's gthread workers with the same settings as slackapp.slack.server.serve_http.

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:…/api/ \
        .venv/bin/python -m bench.bare_app --port 3001 [--workers N] [--threads N]

Workers and threads default to slackapp's own defaults (slackapp.config.Settings); the benchmarks
pass them explicitly (bench.common.start_bare_app). The gunicorn settings are copied here rather
than imported, so this process loads neither slackapp nor SQLAlchemy: its memory is the floor too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

EVENTS_PATH = "/slack/events"


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

    def nothing():
        pass

    app.event("reaction_added")(nothing)
    app.event("reaction_removed")(nothing)

    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    healthy = json.dumps({"ok": True}).encode()

    def routes(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(healthy)))])
            return [healthy]
        return bolt(environ, start_response)

    return routes


def serve(port: int, workers: int, threads: int, loader=None) -> None:
    """gunicorn gthread on `port`; each worker builds its WSGI app with `loader` (default: this
    module's `load`). bench.plain_peer serves itself through here too, so both run with the same
    options."""
    from gunicorn.app.base import BaseApplication

    loader = loader or load

    # The options of slackapp.slack.server.serve_http.
    options = {
        "bind": f"0.0.0.0:{port}",
        "worker_class": "gthread",
        "workers": workers,
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "backlog": 2048,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "control_socket_disable": True,
    }

    class Bare(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return loader()

    Bare().run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bare_app")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: slackapp's default)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: slackapp's default)")
    args = parser.parse_args(argv)
    if args.workers is None or args.threads is None:
        from bench.common import app_server_defaults

        workers, threads = app_server_defaults()
        args.workers = args.workers or workers
        args.threads = args.threads or threads
    # The same words as slackapp's own start-up line, so bench.common.serving_shape reads both.
    print(f"bare: starting HTTP on port {args.port} ({args.workers} worker(s) x {args.threads} threads)", file=sys.stderr, flush=True)
    serve(args.port, args.workers, args.threads)


if __name__ == "__main__":
    main()
