"""A scheduler process for tests: drains one workspace's due work at a given moment, then exits.

Runs as its own OS process so tests can start two at once on one store, or stop one mid-fan-out."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime

from slack_sdk import WebClient

from slackapp.db import Store
from slackapp.scheduler.dispatch import Dispatcher, Outgoing

stopping = threading.Event()


def render_note(session, job, now) -> Outgoing:
    return Outgoing(channel=job.target, text=job.payload.get("text", "note"))


def main() -> int:
    database_url, api_url, now_text, team_id, worker = sys.argv[1:6]
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    dispatcher = Dispatcher(
        Store.from_url(database_url),
        WebClient(token="xoxb-test", base_url=api_url),
        renderers={"note": render_note},
        worker=worker,
        senders=4,
        per_second=0,
    )
    now = datetime.fromisoformat(now_text)
    sent = 0
    # One small batch at a time, so a SIGTERM stops the fan-out between batches, never mid-send.
    while not stopping.is_set():
        outcome = dispatcher.run_due(now, team_id=team_id, max_batches=1)
        sent += outcome.sent
        if not outcome.handled:
            break
    dispatcher.shutdown()
    print(f"sent={sent}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
