"""`slackapp sandbox`: the real app, started as in HTTP mode, against a local stand-in for Slack
(the fake Web API, keeping a demo workspace) and a page to use it from, all on 127.0.0.1.

One process: the page and the app's /slack/events share one threaded server; the fake Web API
listens on a port of its own. The sandbox keeps its own SQLite file (sandbox.db) and what its
workspace shows (sandbox.json) in the folder it was started from."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socketserver
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slackapp.db import Store, skip_ahead, upgrade, utcnow

log = logging.getLogger("slackapp.sandbox")

DATABASE = "sandbox.db"
STATE = "sandbox.json"
SAVE_EVERY_SECONDS = 2.0
# slack_sdk sends even loopback traffic through a configured proxy; the fake lives on loopback.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@dataclass(frozen=True)
class Files:
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / DATABASE

    @property
    def state(self) -> Path:
        return self.folder / STATE

    def remove(self) -> None:
        for path in (self.database, self.state, self.folder / f"{DATABASE}-wal", self.folder / f"{DATABASE}-shm"):
            path.unlink(missing_ok=True)


@dataclass
class Sandbox:
    """Everything running, for `serve_forever()` and `stop()` (tests start one too)."""

    server: _Server
    fake: object
    clock: object
    store: Store
    files: Files
    url: str
    seeding: threading.Thread | None = None
    _saved_version: int = -1

    def save(self) -> None:
        workspace = self.fake.workspace
        if workspace.version == self._saved_version:
            return
        self._saved_version = workspace.version
        state = {**workspace.to_dict(), "skipped_seconds": skip_ahead(timedelta(0)).total_seconds()}
        self.files.state.write_text(json.dumps(state))

    def serve_forever(self) -> None:
        stop = threading.Event()
        saver = threading.Thread(target=self._keep_saving, args=(stop,), name="sandbox-saver", daemon=True)
        saver.start()
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            stop.set()
            self.save()

    def _keep_saving(self, stop: threading.Event) -> None:
        while not stop.wait(SAVE_EVERY_SECONDS):
            try:
                self.save()
            except OSError:
                log.warning("could not save the sandbox's workspace to %s", self.files.state, exc_info=True)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.clock.stop()
        self.save()
        self.fake.stop()
        self.store.dispose()


def start(*, port: int, folder: Path, reset: bool = False, seed: bool = True) -> Sandbox:
    """Start the sandbox on 127.0.0.1:`port` (0: any free port)."""
    from slackapp.app import build_clock, create_app, registered, routes
    from slackapp.config import load_settings
    from slackapp.sandbox import demo
    from slackapp.sandbox.fake import FakeSlack
    from slackapp.sandbox.player import Player
    from slackapp.sandbox.slackhttp import SlackClient
    from slackapp.sandbox.web import Page, Skipped

    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    files = Files(folder)
    if reset:
        files.remove()
    fresh = not files.database.exists()
    fake = FakeSlack(clock=lambda: utcnow().timestamp()).start()
    demo.furnish(fake)
    if not fresh and files.state.exists():
        saved = json.loads(files.state.read_text())
        skip_ahead(timedelta(seconds=saved.get("skipped_seconds") or 0))
        fake.workspace.load(saved)

    secret = secrets.token_hex(16)
    server = make_server("127.0.0.1", port, lambda environ, respond: page(environ, respond), server_class=_Server, handler_class=_QuietHandler)
    address = f"127.0.0.1:{server.server_address[1]}"
    # Only the sandbox's own settings: a .env or SLACK_* variables for a real workspace must not leak in.
    settings = load_settings(
        slack_bot_token=demo.TOKEN, slack_signing_secret=secret, slack_app_token=None, slack_api_url=fake.url,
        database_url=f"sqlite:///{files.database}", slackapp_officers=demo.YOU, slackapp_scheduler=True, port=server.server_address[1],
    )
    store = Store.from_url(settings.database_url)
    upgrade(store.engine)
    assembled = create_app(settings, store)
    clock = build_clock(settings, store, assembled)
    clock.start()

    def skip_day() -> Skipped:
        """The next day, played: what falls due in it arrives at its own moment (see Clock.play_until)."""
        began = utcnow()
        sent = clock.play_until(began + timedelta(days=1))
        fake.workspace.mark_played(since=began.timestamp())
        return Skipped(until=utcnow(), came_due=_came_due(sent))

    listened = registered()
    player = Player(fake, SlackClient(f"http://{address}", secret), team_id=demo.TEAM_ID, commands=listened["command"], escaped_commands=demo.ESCAPED_COMMANDS)
    page = Page(
        player, app=routes(settings, store, assembled), channels=demo.CHANNELS, default_user=demo.YOU,
        shortcuts={cid: demo.SHORTCUT_NAMES.get(cid, cid.replace("_", " ").capitalize()) for cid in sorted(listened["shortcut"])},
        now=utcnow, skip_day=skip_day, address=address,
    )
    sandbox = Sandbox(server=server, fake=fake, clock=clock, store=store, files=files, url=f"http://{address}/")
    if fresh and seed:
        sandbox.seeding = threading.Thread(target=demo.seed, args=(player,), name="sandbox-seed", daemon=True)
        sandbox.seeding.start()
    return sandbox


def _came_due(sent: dict[str, int]) -> dict[str, int]:
    """What a member would call the timed work sent, counted (announcements, post updates,
    reactions and Home refreshes are the app's housekeeping, not news)."""
    from slackapp.digest import jobs as digest
    from slackapp.events import jobs as events
    from slackapp.gigs import jobs as gigs
    from slackapp.habit import jobs as habit
    from slackapp.leads import jobs as leads
    from slackapp.micro import jobs as micro

    names = {
        events.REMIND: "reminder", leads.KIND: "reminder", micro.DUE: "reminder", micro.MILESTONE: "reminder",
        digest.KIND: "digest", habit.KIND: "check-in", gigs.KIND: "overdue notice", micro.OVERDUE: "overdue notice",
    }
    counted: dict[str, int] = {}
    for kind, name in names.items():
        if sent.get(kind):
            counted[name] = counted.get(name, 0) + sent[kind]
    return counted


def run(*, port: int, reset: bool, folder: Path | None = None) -> int:
    """The command: start, say where, serve until stopped."""
    folder = folder or Path.cwd()
    # The scheduler's every tick and each migration would bury what the sandbox says.
    for noisy in ("apscheduler", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sandbox = start(port=port, folder=folder, reset=reset)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(
        f"\nThe slackapp sandbox is running: open {sandbox.url}\n"
        f"It listens on 127.0.0.1 only (this computer), plays Slack for the real app with a demo workspace, "
        f"and keeps its data in {sandbox.files.database} (start it with --reset to begin again). Ctrl-C stops it.\n",
        file=sys.stderr, flush=True,
    )
    try:
        sandbox.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        sandbox.clock.stop()
        sandbox.fake.stop()
    return 0
