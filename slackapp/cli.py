"""`slackapp run` and friends: read settings once, build the app, start it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from slackapp.config import ConfigError, Settings, load_settings

log = logging.getLogger("slackapp")

# Shipped in the package (package data), so `slackapp manifest` works from a pip install too.
MANIFEST = "manifest.yml"


def setup_steps(settings: Settings, mode: str, *, forced_http: bool = False) -> str:
    missing = ", ".join(settings.missing_for(mode))
    if not forced_http and settings.slack_signing_secret is None and settings.slack_app_token is None:
        missing = " and ".join(filter(None, [", ".join(n for n in settings.missing_for("http") if n != "SLACK_SIGNING_SECRET"),
                                            "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)"]))
    env_file = Path.cwd() / ".env"
    return f"""slackapp needs Slack credentials before it can start (missing: {missing}).

1. Create the app: open https://api.slack.com/apps, choose "Create New App" -> "From an app manifest",
   pick your workspace and paste what this prints:
     slackapp manifest                              (Socket Mode)
     slackapp manifest --url https://your-host      (HTTP: every request URL filled in)
2. Install it: "Install App" -> "Install to Workspace", and allow the permissions.
3. Set these variables in your shell, or put them in {env_file} (one NAME=value per line):
   Socket Mode (no public URL needed; best on a laptop):
     SLACK_BOT_TOKEN=xoxb-...      "OAuth & Permissions" -> Bot User OAuth Token
     SLACK_APP_TOKEN=xapp-...      "Basic Information" -> App-Level Tokens -> Generate (scope connections:write)
   or HTTP (Slack sends requests to https://your-host/slack/events):
     SLACK_BOT_TOKEN=xoxb-...
     SLACK_SIGNING_SECRET=...      "Basic Information" -> App Credentials -> Signing Secret
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

    return _serve_http(settings, port=port, workers=args.workers or settings.slackapp_http_workers)


def _serve_http(settings: Settings, *, port: int, workers: int) -> int:
    """Check what the operator may have got wrong, prepare the store, take the ports, and become
    the server: gunicorn's master, or with one worker the worker itself."""
    metrics_port = settings.metrics_port_beside(port)
    metrics_lock = _metrics_folder()
    # Migrations and the token check run in a child process, so that the server (which stays up as
    # long as the app does) never loads Alembic, nor, as gunicorn's master, SQLAlchemy or Bolt.
    prepared = subprocess.run([sys.executable, "-m", "slackapp", "prepare"], check=False)
    if prepared.returncode != 0:
        return prepared.returncode
    listeners = _listeners(settings, port, metrics_port)
    log.info(
        "starting HTTP on port %s, /metrics on %s (%s worker(s) x %s threads)", port,
        f"port {port}" if metrics_port == port else f"{settings.slackapp_metrics_host}:{metrics_port}", workers, settings.slackapp_http_threads,
    )
    # The settings are checked: the server starts afresh without them (this process becomes it,
    # keeping its pid and the sockets and lock handed over), so a master never holds the app;
    # each worker reads them again, with the ports actually served.
    from slackapp.master import MASTER_PLAN

    for kept in [*listeners, *([metrics_lock] if metrics_lock else [])]:
        os.set_inheritable(kept.fileno(), True)
    os.environ.update(PORT=str(port), SLACKAPP_METRICS_PORT=str(metrics_port))
    binds = [f"fd://{listener.fileno()}" for listener in listeners]
    os.environ[MASTER_PLAN] = json.dumps({"binds": binds, "workers": workers, "threads": settings.slackapp_http_threads})
    # glibc gives each thread that allocates an arena of its own, which keeps what it freed apart
    # from the others: with a worker's 30-odd threads, two arenas hold 3 MiB less when idle (bench/idle_rss).
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "slackapp.master"])


def _listeners(settings: Settings, port: int, metrics_port: int) -> list:
    """The sockets gunicorn serves, listening already: gunicorn is handed them (fd://), so a port
    already taken is said here in one line, not by five seconds of gunicorn's retries."""
    slack = _listening("0.0.0.0", port, "Slack's requests", "free it or give another with --port or PORT")
    if metrics_port == port:  # the operator asked for /metrics next to Slack's requests
        return [slack]
    fix = "free it or give another with SLACKAPP_METRICS_PORT (default PORT+1) or SLACKAPP_METRICS_HOST"
    return [slack, _listening(settings.slackapp_metrics_host, metrics_port, "/metrics", fix)]


def _listening(host: str, port: int, purpose: str, fix: str):
    import socket

    from slackapp.slack.server import BACKLOG

    listener = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, proto)
        # As gunicorn sets it on its own sockets: a restart needn't wait out the old connections.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(BACKLOG)
    except OSError as exc:
        if listener is not None:
            listener.close()
        raise Refused(f"could not listen on {host}:{port} for {purpose} ({_first_line(exc)}); {fix}", status=2) from None
    return listener


# Inside PROMETHEUS_MULTIPROC_DIR, the folder the HTTP workers' counts go in, and the file that marks
# it as ours and is held locked while the app runs.
METRICS_SUBFOLDER = "slackapp-metrics"
METRICS_MARK = "made-by-slackapp"
# prometheus-client's own files: <kind>_<pid>.db, and gauges with their mode (gauge_livesum_<pid>.db).
_COUNTS_FILE = re.compile(r"^(counter|histogram|summary|gauge_[a-z]+)_\d+\.db$")


def _metrics_folder():
    """Where every gunicorn worker writes its counts for /metrics (prometheus-client's multiprocess
    mode): a folder of our own inside PROMETHEUS_MULTIPROC_DIR, which may hold anything else (the
    database, another app's counts), or a new temporary folder. Returns the mark of our own folder,
    open and locked, for the server to hold while it runs."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        return _own_metrics_folder(Path(given).expanduser().absolute() / METRICS_SUBFOLDER)
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="slackapp-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    # The server removes it when it stops (it is this process after exec, so it is told to).
    from slackapp.master import METRICS_TEMPORARY

    os.environ[METRICS_TEMPORARY] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return None


def _own_metrics_folder(ours: Path):
    """Made and marked by us, or refused: emptied of a previous run's counts (which would add up
    with this run's), never of a file we did not make, and never while another app uses it."""
    import fcntl

    mark = ours / METRICS_MARK
    try:
        ours.mkdir(parents=True, exist_ok=True)
        if not mark.exists() and any(ours.iterdir()):
            raise Refused(f"PROMETHEUS_MULTIPROC_DIR: {ours} holds files slackapp did not make; move them, or give another folder", status=2)
        held = open(mark, "a")  # noqa: SIM115 -- open for as long as the app runs: its lock says the folder is in use
    except OSError as exc:
        raise Refused(f"PROMETHEUS_MULTIPROC_DIR: could not use {ours} ({_first_line(exc)})", status=2) from None
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        raise Refused(f"PROMETHEUS_MULTIPROC_DIR: {ours} is in use by another running slackapp; give each its own folder", status=2) from None
    if mark.stat().st_size == 0:
        held.write("slackapp keeps its HTTP workers' counts for /metrics in this folder and empties it of them when it starts.\n")
        held.flush()
    for stale in ours.iterdir():
        if _COUNTS_FILE.match(stale.name):
            stale.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(ours)
    return held


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
    from slackapp.installs import installations
    from slackapp.installs.secrets import Sealer

    settings = load_settings()
    store = _prepared_store(settings)
    if not settings.distribution:  # in distribution mode each workspace brings its own token
        store.dispose()
        _check_slack(settings)
        return 0
    # The tokens are only opened per request: a key dropped before `slackapp reseal` is said here,
    # once, rather than by every workspace's requests.
    with store.read() as session:
        stored, lost = installations.unopened(session, Sealer(settings.slackapp_encryption_key.get_secret_value()))
    store.dispose()
    if lost and len(lost) == stored:
        raise Refused(
            f"none of the {stored} stored installations opens with SLACKAPP_ENCRYPTION_KEY: list the key they were sealed with "
            "after the new one (new,old) and run `slackapp reseal`; if that key is lost, every workspace must install the app "
            "again (delete the rows of the installations table first)",
            status=2,
        )
    if lost:
        log.warning(
            "%d of %d stored installations open with no key in SLACKAPP_ENCRYPTION_KEY (%s): those workspaces are served as "
            "not installed until the key they were sealed with is listed again (new,old) or they install the app again",
            len(lost), stored, installations.named_briefly(lost),
        )
    return 0


def _purge(_args: argparse.Namespace) -> int:
    from slackapp.db import utcnow
    from slackapp.privacy import purge

    store = _prepared_store(load_settings())
    with store.write() as session:
        purged = purge.purge_due(session, now=utcnow())
    print(f"purged {len(purged)} workspace(s) uninstalled more than SLACKAPP_PURGE_AFTER_DAYS ago" + (f": {', '.join(purged)}" if purged else ""))
    return 0


def _jobs_settings(sandbox: bool) -> Settings:
    """The settings whose database `jobs` reads: with --sandbox, the one `slackapp sandbox` keeps in
    this folder. A default SQLite file that isn't there is not made: an empty database would report
    nothing, so say where the data is instead."""
    from slackapp.config import DEFAULT_DATABASE_URL
    from slackapp.sandbox.serve import DATABASE as SANDBOX_DATABASE

    sandbox_database = Path.cwd() / SANDBOX_DATABASE
    if sandbox:
        if not sandbox_database.exists():
            raise Refused(f"no sandbox database at {sandbox_database}; run this in the folder you ran `slackapp sandbox` from", status=2)
        return load_settings(database_url=f"sqlite:///{sandbox_database}")
    settings = load_settings()
    default = Path.cwd() / DEFAULT_DATABASE_URL.removeprefix("sqlite:///")
    if settings.database_url == DEFAULT_DATABASE_URL and not default.exists():
        where = (f"the sandbox's work is in {sandbox_database}: `slackapp jobs --sandbox` lists it" if sandbox_database.exists()
                 else "set DATABASE_URL to the app's database, or run this in the folder the app runs from")
        raise Refused(f"no database at {default} (DATABASE_URL's default); {where}", status=2)
    return settings


def _jobs(args: argparse.Namespace) -> int:
    from slackapp.scheduler import queue
    from slackapp.scheduler.models import JobStatus

    store = _prepared_store(_jobs_settings(args.sandbox))
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
    from slackapp.installs.secrets import Sealer, SealError

    settings = load_settings()
    if settings.slackapp_encryption_key is None:
        raise ConfigError("SLACKAPP_ENCRYPTION_KEY: required to reseal the stored tokens (newest key first)")
    store = _prepared_store(settings)
    try:
        with store.write() as session:
            count = installations.reseal(session, Sealer(settings.slackapp_encryption_key.get_secret_value()))
    except SealError as exc:
        raise Refused(f"{exc}: nothing was resealed; list the key they were sealed with after the new one (new,old)", status=2) from None
    finally:
        store.dispose()
    print(f"sealed {count} installation(s) with the first key of SLACKAPP_ENCRYPTION_KEY; older keys can now be dropped")
    return 0


def _manifest(args: argparse.Namespace) -> int:
    print(manifest_text(args.url), end="")
    return 0


def manifest_text(url: str | None = None) -> str:
    """The Slack app's manifest for "Create New App -> From an app manifest": as shipped (Socket
    Mode), or for HTTP mode at `url`, with Socket Mode off and every request URL filled in."""
    from importlib import resources

    shipped = resources.files("slackapp").joinpath(MANIFEST).read_text()
    if url is None:
        return shipped
    import yaml

    from slackapp.installs.installations import REDIRECT_PATH
    from slackapp.slack.server import EVENTS_PATH

    manifest = yaml.safe_load(shipped)
    events = url + EVENTS_PATH  # commands, interactivity and events all come to one path
    for command in manifest["features"]["slash_commands"]:
        command["url"] = events
    settings = manifest["settings"]
    settings["interactivity"]["request_url"] = events
    settings["event_subscriptions"]["request_url"] = events
    settings["socket_mode_enabled"] = False
    # Only distribution mode sends anyone through OAuth, but a listed redirect URL is harmless.
    manifest["oauth_config"]["redirect_urls"] = [url + REDIRECT_PATH]
    header = f"# slackapp in HTTP mode at {url} (made by `slackapp manifest --url {url}`).\n"
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)  # no folded lines


def _web_address(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise argparse.ArgumentTypeError("give the address Slack reaches the app at, like https://your-host")
    return text.strip().rstrip("/")


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
    commands.add_parser("migrate", help="bring the database schema up to date and exit").set_defaults(handler=_migrate)
    # What `run` does first (migrate, check the token), in a process of its own: not in --help.
    commands.add_parser("prepare", description="bring the database up to date and check the Slack token (run does this first)").set_defaults(handler=_prepare)
    manifest = commands.add_parser("manifest", help="print the Slack app's manifest, to create the app from (Socket Mode, or HTTP with --url)")
    manifest.add_argument("--url", type=_web_address, help="the app's public address, like https://your-host: a manifest for HTTP mode")
    manifest.set_defaults(handler=_manifest)
    jobs = commands.add_parser("jobs", help="list the timed work that is pending or failed, and why")
    jobs.add_argument("--team", help="only this workspace (team ID)")
    jobs.add_argument("--all", action="store_true", help="also list work that was sent, skipped, dropped or cancelled")
    jobs.add_argument("--limit", type=_number_between(1, 100_000), default=200)
    jobs.add_argument("--sandbox", action="store_true", help="read the sandbox's database (sandbox.db in this folder) instead of DATABASE_URL's")
    jobs.set_defaults(handler=_jobs)
    commands.add_parser("purge", help="delete the data of workspaces that uninstalled the app longer ago than the grace period").set_defaults(handler=_purge)
    commands.add_parser("reseal", help="seal the stored workspace tokens with the first (newest) key of SLACKAPP_ENCRYPTION_KEY").set_defaults(handler=_reseal)
    commands.metavar = "{" + ",".join(name for name in commands.choices if name != "prepare") + "}"
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
