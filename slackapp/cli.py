"""`slackapp run` and friends: read settings once, build the app, start it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from slackapp.config import ConfigError, Settings, load_settings

log = logging.getLogger("slackapp")

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def setup_steps(settings: Settings, mode: str, *, forced_http: bool = False) -> str:
    missing = ", ".join(settings.missing_for(mode))
    if not forced_http and settings.slack_signing_secret is None and settings.slack_app_token is None:
        missing = " and ".join(filter(None, [", ".join(n for n in settings.missing_for("http") if n != "SLACK_SIGNING_SECRET"),
                                            "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)"]))
    manifest = str(MANIFEST) if MANIFEST.exists() else "manifest.yml (at the top of the slackapp repository)"
    env_file = Path.cwd() / ".env"
    return f"""slackapp needs Slack credentials before it can start (missing: {missing}).

1. Create the app: open https://api.slack.com/apps, choose "Create New App" -> "From an app manifest",
   pick your workspace and paste the contents of:
     {manifest}
2. Install it: "Install App" -> "Install to Workspace", and allow the permissions.
3. Set these variables in your shell, or put them in {env_file} (one NAME=value per line):
   Socket Mode (no public URL needed; best on a laptop):
     SLACK_BOT_TOKEN=xoxb-...      "OAuth & Permissions" -> Bot User OAuth Token
     SLACK_APP_TOKEN=xapp-...      "Basic Information" -> App-Level Tokens -> Generate (scope connections:write)
   or HTTP (Slack sends requests to https://your-host/slack/events):
     SLACK_BOT_TOKEN=xoxb-...
     SLACK_SIGNING_SECRET=...      "Basic Information" -> App Credentials -> Signing Secret
     (then turn Socket Mode off and set that URL under Slash Commands, Interactivity and Event Subscriptions)
   Optional: DATABASE_URL (default sqlite:///slackapp.db), SLACKAPP_OFFICERS=U012ABC,U034DEF, PORT.
4. Run `slackapp run` again.
"""


class Refused(Exception):
    """A start-up problem an operator can fix; the message is one line saying what and where."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [cause.__class__.__name__])[0]


def _prepared_store(settings: Settings):
    """The store, migrated to the newest schema; Refused when the database can't be used."""
    from slackapp.db import Store, upgrade

    store = Store.from_url(settings.database_url)
    try:
        upgrade(store.engine)
    except Exception as exc:  # any driver error: say which store failed and why, in one line
        store.dispose()
        raise Refused(f"could not use the database at DATABASE_URL ({store.engine.url!r}): {_first_line(exc)}") from None
    return store


def _check_slack(settings: Settings) -> None:
    """One auth.test before serving: a bad token or an unreachable Slack is said once, here, instead
    of failing in every worker."""
    from slack_sdk.errors import SlackApiError

    from slackapp.slack.client import web_client

    # slack_sdk logs each failed attempt itself; the one line below says it all.
    quiet = logging.getLogger("slack_sdk.web.base_client")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        web_client(settings, retries=False).auth_test()
    except SlackApiError as exc:
        raise Refused(f"Slack did not accept SLACK_BOT_TOKEN: {exc.response.get('error')}", status=2) from None
    except (OSError, ValueError) as exc:
        raise Refused(f"could not reach Slack at SLACK_API_URL ({settings.slack_api_url}): {_first_line(exc)}") from None
    finally:
        quiet.setLevel(level)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    mode = "http" if args.http or not settings.socket_mode else "socket"
    port = args.port or settings.port
    if settings.missing_for(mode):
        print(setup_steps(settings, mode, forced_http=args.http), file=sys.stderr)
        if not settings.has_no_slack_settings:
            return 2
        # Nothing set up yet: show the app working against the sandbox meanwhile.
        print("Until then, try it without Slack: starting the sandbox.", file=sys.stderr, flush=True)
        return _serve_sandbox(port=port, reset=False)
    if mode == "socket":
        _prepared_store(settings).dispose()
        _check_slack(settings)
        return _serve_socket_mode(settings)

    _metrics_folder()
    # Migrations and the token check run in a child process, so that gunicorn's master (which stays
    # up as long as the app does) never loads Alembic, SQLAlchemy or Bolt.
    prepared = subprocess.run([sys.executable, "-m", "slackapp", "prepare"], check=False)
    if prepared.returncode != 0:
        return prepared.returncode
    workers = args.workers or settings.slackapp_http_workers
    log.info("starting HTTP on port %s (%s worker(s) x %s threads)", port, workers, settings.slackapp_http_threads)
    # The settings are checked: the master starts afresh without them (this process becomes it,
    # keeping its pid), so it never holds pydantic or the app; each worker reads them again.
    from slackapp.master import MASTER_PLAN

    os.environ[MASTER_PLAN] = json.dumps({"port": port, "workers": workers, "threads": settings.slackapp_http_threads})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "slackapp.master"])


def _metrics_folder() -> None:
    """Where every gunicorn worker writes its counts for /metrics (prometheus-client's multiprocess
    mode): PROMETHEUS_MULTIPROC_DIR if set, emptied of a previous run's files, or a new folder."""
    import atexit
    import shutil
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)
        return
    folder = tempfile.mkdtemp(prefix="slackapp-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    # The master removes it when it stops (it is this process after exec, so it is told to).
    from slackapp.master import METRICS_TEMPORARY

    os.environ[METRICS_TEMPORARY] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def _serve_socket_mode(settings: Settings) -> int:
    import signal

    from slackapp.app import start
    from slackapp.db import Store
    from slackapp.slack.server import serve_socket_mode

    store = Store.from_url(settings.database_url)
    assembled = start(settings, store)
    # A plain SIGTERM would skip the clean shutdown of the clock; turn it into a normal exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("starting in Socket Mode")
    serve_socket_mode(assembled.bolt, settings.slack_app_token.get_secret_value())
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    return _serve_sandbox(port=args.port or load_settings().port, reset=args.reset)


def _serve_sandbox(*, port: int, reset: bool) -> int:
    from slackapp.sandbox.serve import run as run_sandbox

    try:
        return run_sandbox(port=port, reset=reset)
    except OSError as exc:
        raise Refused(f"the sandbox could not listen on 127.0.0.1:{port} ({_first_line(exc)}); give another with --port or PORT") from None


def _migrate(_args: argparse.Namespace) -> int:
    _prepared_store(load_settings()).dispose()
    print("database is up to date")
    return 0


def _prepare(_args: argparse.Namespace) -> int:
    settings = load_settings()
    _prepared_store(settings).dispose()
    if not settings.distribution:  # in distribution mode each workspace brings its own token
        _check_slack(settings)
    return 0


def _purge(_args: argparse.Namespace) -> int:
    from slackapp.db import utcnow
    from slackapp.privacy import purge

    store = _prepared_store(load_settings())
    with store.write() as session:
        purged = purge.purge_due(session, now=utcnow())
    print(f"purged {len(purged)} workspace(s) uninstalled more than SLACKAPP_PURGE_AFTER_DAYS ago" + (f": {', '.join(purged)}" if purged else ""))
    return 0


def _jobs(args: argparse.Namespace) -> int:
    from slackapp.scheduler import queue
    from slackapp.scheduler.models import JobStatus

    store = _prepared_store(load_settings())
    statuses = tuple(status.value for status in (JobStatus.pending, JobStatus.claimed, JobStatus.failed)) if not args.all else ()
    with store.read() as session:
        jobs = queue.listing(session, team_id=args.team, statuses=statuses, limit=args.limit)
    if not jobs:
        print("no pending or failed work" if not args.all else "no work recorded")
        return 0
    print(f"{'id':>6}  {'status':<9} {'kind':<8} {'team':<12} {'for':<12} {'when (UTC)':<16}  why")
    for job in jobs:
        when = (job.next_attempt_at if job.status == JobStatus.pending.value else job.finished_at or job.due_at).strftime("%Y-%m-%d %H:%M")
        print(f"{job.id:>6}  {job.status:<9} {job.kind:<8} {job.team_id:<12} {job.target:<12} {when:<16}  {job.reason or ''}")
    return 0


def _reseal(_args: argparse.Namespace) -> int:
    from slackapp.installs import installations
    from slackapp.installs.secrets import Sealer

    settings = load_settings()
    if settings.slackapp_encryption_key is None:
        raise ConfigError("SLACKAPP_ENCRYPTION_KEY: required to reseal the stored tokens (newest key first)")
    store = _prepared_store(settings)
    with store.write() as session:
        count = installations.reseal(session, Sealer(settings.slackapp_encryption_key.get_secret_value()))
    print(f"sealed {count} installation(s) with the first key of SLACKAPP_ENCRYPTION_KEY; older keys can now be dropped")
    return 0


def _number_between(low: int, high: int):
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return int(text)

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slackapp", description="The career side of a student club, in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    run.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    run.add_argument("--port", type=_number_between(1, 65535), help="HTTP port (default: PORT or 3000)")
    run.add_argument("--workers", type=_number_between(1, 64), help="HTTP worker processes (default: SLACKAPP_HTTP_WORKERS or 1)")
    run.set_defaults(handler=_run)
    sandbox = commands.add_parser("sandbox", help="try the app without Slack: a local stand-in for Slack with a web page, on 127.0.0.1")
    sandbox.add_argument("--port", type=_number_between(1, 65535), help="the page's port (default: PORT or 3000)")
    sandbox.add_argument("--reset", action="store_true", help="forget the sandbox's workspace and data (sandbox.db) and start a fresh demo")
    sandbox.set_defaults(handler=_sandbox)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date and exit")
    migrate.set_defaults(handler=_migrate)
    prepare = commands.add_parser("prepare", help="bring the database up to date and check the Slack token (run does this first)")
    prepare.set_defaults(handler=_prepare)
    jobs = commands.add_parser("jobs", help="list the timed work that is pending or failed, and why")
    jobs.add_argument("--team", help="only this workspace (team ID)")
    jobs.add_argument("--all", action="store_true", help="also list work that was sent, skipped, dropped or cancelled")
    jobs.add_argument("--limit", type=_number_between(1, 100_000), default=200)
    jobs.set_defaults(handler=_jobs)
    purge = commands.add_parser("purge", help="delete the data of workspaces that uninstalled the app longer ago than the grace period")
    purge.set_defaults(handler=_purge)
    reseal = commands.add_parser("reseal", help="seal the stored workspace tokens with the first (newest) key of SLACKAPP_ENCRYPTION_KEY")
    reseal.set_defaults(handler=_reseal)
    args = parser.parse_args(argv)
    from slackapp import logs

    logs.setup(os.environ.get("LOG_LEVEL", "INFO").upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"slackapp: configuration error: {exc}", file=sys.stderr)
        return 2
    except Refused as exc:
        print(f"slackapp: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
