"""Two layers of tests share these fixtures.

End to end, the app under test runs as Slack would see it: a real `slackapp run --http` process,
signed requests, a recording fake of the Slack Web API, and a real SQLite file or PostgreSQL
database (`server`, `workspace`).

The fast layer (`pytest -m fast`) calls services and views directly: `session` is a SQLAlchemy
session on a migrated database of each store, inside a transaction that is rolled back after the
test. It never starts the app or the fake Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sqlalchemy.orm import Session

from slackapp.db import Store, upgrade
from slackapp.sandbox import payloads
from tests import pg
from slackapp.sandbox.fake import FakeSlack
from slackapp.sandbox.slackhttp import SlackClient, post_signed

# slack_sdk sends even loopback traffic through a configured proxy; the fake lives on loopback.
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
CONFIGURED_OFFICER = "UCONFIGOFF1"
STORES = ["sqlite", "postgresql"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def fake_slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A PostgreSQL server: the one CI started, or a throwaway one from the local binaries."""
    url = os.environ.get("SLACKAPP_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if not pg.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI: set SLACKAPP_TEST_POSTGRES_URL or install PostgreSQL 15")
        pytest.skip("PostgreSQL binaries not found; set SLACKAPP_TEST_POSTGRES_URL to run the PostgreSQL half")
    server = pg.start_postgres(tmp_path_factory.mktemp("pg"))
    try:
        yield server.url
    finally:
        server.stop()


def fresh_database(kind: str, request, tmp_path_factory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'slackapp.db'}"
    base = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    import psycopg

    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


@dataclass
class AppServer:
    url: str
    database_url: str
    store: Store
    process: subprocess.Popen
    log_path: Path
    # /metrics has a port of its own, on 127.0.0.1 (SLACKAPP_METRICS_PORT).
    metrics_url: str = ""
    slack: SlackClient = field(init=False)

    def __post_init__(self):
        self.slack = SlackClient(self.url, SECRET)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.store.dispose()


def start_app(database_url: str, fake: FakeSlack, log_path: Path, *, port: int | None = None, **extra_env: str) -> AppServer:
    port = port or free_port()
    metrics_port = free_port()
    while metrics_port == port:
        metrics_port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK") and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=database_url,
        SLACKAPP_OFFICERS=CONFIGURED_OFFICER,
        PYTHONUNBUFFERED="1",
        # One worker (the default is one a core): a test's request and the check after it meet
        # the same process's short-lived caches (users.info, tokens). Several workers on one
        # store: tests/installs/test_scale_out_e2e.py.
        SLACKAPP_HTTP_WORKERS="1",
        # Its default, PORT+1, may be another test's.
        SLACKAPP_METRICS_PORT=str(metrics_port),
    )
    env.update(extra_env)
    log_file = open(log_path, "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp", "run", "--http", "--port", str(port)],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=log_path.parent,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import http.client

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"app did not become healthy:\n{log_path.read_text()}")
    metrics_url = f"http://127.0.0.1:{env['SLACKAPP_METRICS_PORT']}"
    return AppServer(url=url, database_url=database_url, store=Store.from_url(database_url), process=process, log_path=log_path, metrics_url=metrics_url)


def serve(request, fake_slack, tmp_path_factory, name: str, **extra_env: str):
    """An app of its own on a fresh database of the fixture's store, until the session ends."""
    database_url = fresh_database(request.param, request, tmp_path_factory)
    app = start_app(database_url, fake_slack, tmp_path_factory.mktemp(f"{name}-{request.param}") / "app.log", **extra_env)
    request.addfinalizer(app.stop)
    return app


@pytest.fixture(scope="session", params=STORES)
def default_server(request, fake_slack, tmp_path_factory):
    """One running app per store, with the settings a deployment gets by default."""
    return serve(request, fake_slack, tmp_path_factory, "app")


@pytest.fixture(scope="session")
def server(default_server):
    """The app the tests of a folder talk to (a folder's conftest may choose another one); tests
    stay apart by using their own workspace."""
    return default_server


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


@dataclass
class Workspace:
    """One test's own Slack workspace: its team, people and channels, and ways to act in it."""

    server: AppServer
    fake: FakeSlack
    team_id: str = field(default_factory=lambda: new_id("T"))
    channel: str = field(default_factory=lambda: new_id("C"))

    def member(self, *, admin: bool = False, tz: str = "America/New_York", name: str | None = None) -> str:
        user_id = new_id("U")
        self.fake.add_user(user_id, team_id=self.team_id, tz=tz, is_admin=admin, name=name or user_id.lower())
        return user_id

    def officer(self) -> str:
        return self.member(admin=True)

    def response_url(self) -> str:
        return self.fake.response_url(new_id("r"))

    def command(self, command: str, text: str = "", *, user: str, channel: str | None = None, response_url: str | None = None):
        return self.server.slack.command(
            command,
            text,
            user_id=user,
            team_id=self.team_id,
            channel_id=channel or self.channel,
            response_url=response_url or self.response_url(),
        )

    def click(self, action_id: str, value: str | None = None, *, user: str, response_url: str | None = None, **fields):
        payload = payloads.block_actions(
            action_id,
            value,
            user_id=user,
            team_id=self.team_id,
            channel_id=fields.pop("channel_id", self.channel),
            response_url=response_url or self.response_url(),
            **fields,
        )
        return self.server.slack.interact(payload)

    def submit(self, callback_id: str, values: dict, *, user: str, private_metadata: str = ""):
        payload = payloads.view_submission(
            callback_id, values, user_id=user, team_id=self.team_id, private_metadata=private_metadata
        )
        return self.server.slack.interact(payload)

    def responses(self, response_url: str, count: int = 1, timeout: float = 5.0):
        tag = response_url.rsplit("/", 1)[1]
        return self.fake.wait_for("response_url", count=count, timeout=timeout, predicate=lambda call: call.tag == tag)

    def posted(self, method: str = "chat.postMessage", count: int = 1, timeout: float = 5.0, **match):
        return self.fake.wait_for(
            method,
            count=count,
            timeout=timeout,
            predicate=lambda call: all(call.args.get(key) == value for key, value in match.items()),
        )


@pytest.fixture
def workspace(server, fake_slack) -> Workspace:
    return Workspace(server=server, fake=fake_slack)


@pytest.fixture
def dispatcher(workspace, fake_slack):
    """A scheduler sender of the test's own, on the app's store, driven with a moved clock."""
    from slack_sdk import WebClient

    from slackapp.scheduler.dispatch import Dispatcher
    from slackapp.app import job_renderers

    built = Dispatcher(
        workspace.server.store,
        WebClient(token="xoxb-test", base_url=fake_slack.url),
        renderers=job_renderers(),
        worker=new_id("w"),
        per_second=0,
    )
    yield built
    built.shutdown()


def signed_post(url: str, body: str, content_type: str, **kwargs):
    return post_signed(url, body, content_type=content_type, secret=SECRET, **kwargs)


# ---- the fast layer: services and views on a migrated database -------------------------------------

E2E_FIXTURES = ("server", "default_server", "fake_slack", "workspace", "default_workspace", "dispatcher")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("fast") and set(E2E_FIXTURES) & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid} is marked fast but uses the running app or the fake Slack")


@pytest.fixture(scope="session", params=STORES)
def migrated(request, tmp_path_factory):
    """An engine on a database of each store, migrated once for the whole run."""
    store = Store.from_url(fresh_database(request.param, request, tmp_path_factory))
    upgrade(store.engine)
    yield store.engine
    store.dispose()


@pytest.fixture
def migrated_url(migrated) -> str:
    """The URL of `migrated`'s database, for tests that open stores of their own on it (as other
    processes would). Tests share it: each uses its own team id."""
    return migrated.url.render_as_string(hide_password=False)


@pytest.fixture
def session(migrated):
    """A session whose work is rolled back after the test, so tests never see each other's rows.

    The test's transaction is the connection's outer one; the session works in savepoints inside it,
    so a service that commits or uses begin_nested() still leaves nothing behind."""
    with migrated.connect() as connection:
        outer = connection.begin()
        built = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield built
        finally:
            built.close()
            outer.rollback()


# ---- every test ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _everything_sent_is_valid_block_kit(request):
    """Every message and view the app sends during any test must pass Block Kit's rules."""
    if "fake_slack" not in request.fixturenames:
        yield
        return
    from tests.blockkit import call_problems

    fake = request.getfixturevalue("fake_slack")
    start = len(fake.calls)
    yield
    problems = [f"{call.method}: {problem}" for call in fake.calls[start:] for problem in call_problems(call)]
    assert problems == [], problems
