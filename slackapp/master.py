"""The server of `slackapp run --http`: started afresh (by exec) once the CLI has checked the
settings, migrated the store and asked Slack who we are. With several workers it is gunicorn's
master: it only watches them, so it loads gunicorn and nothing of the app, and each worker builds
its own after the fork (app.worker_app). With one, this process is the worker (server.serve_http)."""

from __future__ import annotations

import atexit
import json
import os
import shutil

# What the CLI hands over: {"binds" (its listening sockets, fd://N), "workers", "threads"}, already checked.
MASTER_PLAN = "SLACKAPP_MASTER_PLAN"
# A metrics folder the CLI made for this run, to be removed when the master stops.
METRICS_TEMPORARY = "SLACKAPP_METRICS_TEMPORARY"


def _worker_app():
    from slackapp.app import worker_app

    return worker_app()


def main() -> None:
    plan = json.loads(os.environ.pop(MASTER_PLAN))
    temporary = os.environ.pop(METRICS_TEMPORARY, None)
    if temporary:
        atexit.register(shutil.rmtree, temporary, ignore_errors=True)
    from slackapp.slack.server import serve_http

    serve_http(_worker_app, binds=plan["binds"], workers=plan["workers"], threads=plan["threads"])


if __name__ == "__main__":
    main()
