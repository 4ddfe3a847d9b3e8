"""Shared pieces of the benchmarks: a fake Slack, the app (or a bare Bolt app) as a subprocess,
bulk-loaded leads, a concurrent load driver that signs slash commands like Slack, percentiles.

Everything listens on and talks to 127.0.0.1 only. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select

from slackapp.db import Store, upgrade
from slackapp.leads.models import Lead
from slackapp.leads.service import normalize_url
from slackapp.sandbox import payloads
from slackapp.sandbox.fake import FakeSlack, _Fault
from slackapp.sandbox.slackhttp import FORM, USER_AGENT, sign

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
TEAM_ID = "TBENCH0001"
CHANNEL_ID = "CBENCH0001"
EVENTS_PATH = "/slack/events"
HEALTH_TIMEOUT_S = 60.0

# ---- clean exits ---------------------------------------------------------------------------


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `finally` blocks still stop the servers, drop the scratch
    database and remove the temporary folder when a benchmark is stopped with kill."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# ---- fake Slack ---------------------------------------------------------------------------


def start_fake() -> FakeSlack:
    """A started FakeSlack on 127.0.0.1 (call .stop() when done)."""
    return FakeSlack().start()


class LimitedSlack(FakeSlack):
    """The fake, answering 429 (Retry-After: 1) to a random `share` of chat.postMessage calls;
    `limited_at` holds when (this process's monotonic clock)."""

    def __init__(self, share: float, seed: int = 7):
        super().__init__()
        self._share = share
        self._random = random.Random(seed)
        self._dice = threading.Lock()
        self.limited_at: list[float] = []

    def _take_fault(self, method, *, any_method, args=None):
        if method == "chat.postMessage":
            with self._dice:
                hit = self._random.random() < self._share
            if hit:
                self.limited_at.append(time.monotonic())
                return _Fault(status=429, error="ratelimited", retry_after=1, remaining=None)
        return super()._take_fault(method, any_method=any_method, args=args)


# ---- the servers under test ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    # Like tests.conftest.start_app: nothing from the caller's Slack settings (SLACK*, and so also
    # SLACKAPP_*: the app runs with its default workers/threads) and no proxies.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK") and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def port(self) -> int:
        return urlsplit(self.url).port

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _start(name: str, args: list[str], env: dict[str, str], port: int, workdir: Path) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log_file:
        # cwd is the scratch folder, so a .env in the repository is never read.
        process = subprocess.Popen(args, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=workdir)
    server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return server
            finally:
                connection.close()
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not become healthy within {HEALTH_TIMEOUT_S:.0f}s:\n{server.log()}")


def start_app(database_url: str, fake: FakeSlack, workdir: Path, **extra_env: str) -> Server:
    """`python -m slackapp run --http --port P` against `fake`, once GET /healthz answers 200."""
    port = free_port()
    # /metrics' own port: its default, PORT+1, may be taken.
    env = _server_env(fake, DATABASE_URL=database_url, SLACKAPP_METRICS_PORT=str(free_port()), **extra_env)
    return _start("app", [sys.executable, "-m", "slackapp", "run", "--http", "--port", str(port)], env, port, workdir)


def start_bare_app(fake: FakeSlack, workdir: Path, *, workers: int | None = None, threads: int | None = None) -> Server:
    """bench.bare_app: a Bolt app that only acks, behind the same gunicorn configuration; workers
    and threads default to the app's own defaults."""
    default_workers, default_threads = app_server_defaults()
    port = free_port()
    env = _server_env(fake)
    args = ["--port", str(port), "--workers", str(workers or default_workers), "--threads", str(threads or default_threads)]
    return _start("bare", [sys.executable, "-m", "bench.bare_app", *args], env, port, workdir)


def start_plain_peer(database_url: str, fake: FakeSlack, workdir: Path, *, workers: int = 1, threads: int = 32) -> Server:
    """bench.plain_peer (what a club developer would write: Bolt's WSGI adapter, SQLAlchemy, no
    cache) over `database_url`, behind bare_app's gunicorn configuration."""
    port = free_port()
    env = _server_env(fake, PEER_DATABASE_URL=database_url)
    args = ["--port", str(port), "--workers", str(workers), "--threads", str(threads)]
    return _start("peer", [sys.executable, "-m", "bench.plain_peer", *args], env, port, workdir)


def app_revision() -> str:
    """Where the app is loaded from: the commit, and how many files of slackapp/ differ from it
    (read-only git), or the folder when it is not a git checkout (e.g. a `git archive` snapshot)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        changed = subprocess.run(["git", "status", "--porcelain", "--", "slackapp"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        head = changed = None
    if head is None or head.returncode or changed.returncode:
        return f"{REPO} (not a git checkout)"
    lines = [line for line in changed.stdout.splitlines() if line.strip()]
    return head.stdout.strip() + (f" + {len(lines)} uncommitted file(s) in slackapp/" if lines else "")


def app_server_defaults() -> tuple[int, int]:
    """The app's own default gunicorn workers and threads, read from slackapp.config.Settings (the
    benchmarks start the app without any SLACKAPP_* variable, so these are what it runs with)."""
    from dataclasses import fields

    from slackapp.config import Settings

    defaults = {setting.name: setting.default_factory() if callable(setting.default_factory) else setting.default for setting in fields(Settings)}
    workers, threads = defaults.get("slackapp_http_workers", 1), defaults.get("slackapp_http_threads", 64)
    return int(workers), int(threads)


_SERVING = re.compile(r"(\d+) worker\(s\) x (\d+) threads")


def serving_shape(server: Server) -> str:
    """What the server's own log says it runs with ("1 worker(s) x 64 threads"), or "?"."""
    found = _SERVING.search(server.log())
    return f"{found.group(1)} worker(s) x {found.group(2)} threads" if found else "? (not in its log)"


# ---- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    """A database for one benchmark run: a SQLite file in a scratch folder, or a fresh PostgreSQL
    database created on the server `--database-url` names (and dropped afterwards)."""

    url: str
    _drop: Callable[[], None] | None = None

    def drop(self) -> None:
        if self._drop is not None:
            self._drop()
            self._drop = None


def store_kind(url: str) -> str:
    """"sqlite" or "postgresql", from a database URL."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def prepare_database(database_url: str | None, workdir: Path) -> Database:
    if not database_url:
        return Database(f"sqlite:///{workdir / 'bench.db'}")
    if database_url.startswith("sqlite"):
        return Database(database_url)
    import psycopg

    base = database_url.split("://", 1)[1]
    admin = "postgresql://" + base
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    head = database_url.split("?", 1)[0].rsplit("/", 1)[0]
    return Database(f"{head}/{name}", drop)


def sqlalchemy_url(url: str) -> str:
    # The app maps plain postgresql:// to psycopg 3 the same way (slackapp.config).
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# ---- bulk-loading leads -------------------------------------------------------------------

ROLE_LEVELS = ["", "", "", "Summer", "Fall", "Spring", "Junior", "Graduate", "Undergraduate", "Co-op"]
ROLE_FIELDS = [
    "Software Engineering", "Data Science", "Data Analyst", "Marketing", "Finance", "Product Design",
    "UX Research", "Machine Learning", "Mechanical Engineering", "Electrical Engineering", "Accounting",
    "Supply Chain", "Communications", "Policy Research", "Biology Lab", "Chemistry Lab", "Sales",
    "Business Analyst", "Operations", "Cybersecurity", "Civil Engineering", "Journalism", "Consulting",
    "Human Resources", "Investment Banking", "Game Development", "Embedded Systems", "Robotics",
]
ROLE_KINDS = ["Intern", "Intern", "Intern", "Internship", "Assistant", "Fellow", "Trainee", "Associate"]
COMPANY_HEADS = [
    "Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Acme", "Hooli",
    "Pied Piper", "Vandelay", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Massive Dynamic",
    "Oscorp", "Gringotts", "Monarch", "Blue Sun", "Virtucon", "Prestige", "Dunder", "Sterling", "Bluth",
    "Gekko", "Wernham", "Krusty", "Nakatomi", "Oceanic", "Rekall", "Sirius", "Tessier", "Weyland",
]
COMPANY_TAILS = [
    "Labs", "Analytics", "Health", "Capital", "Systems", "Energy", "Foods", "Media", "Robotics", "Bank",
    "Consulting", "Logistics", "Studios", "Pharma", "Motors", "Networks", "Foundation", "Partners",
]
# Description vocabulary, most common first; words are drawn with Zipf-like weights, so the head
# words appear in most leads and the tail in few.
VOCAB = """
team work students experience project data skills opportunity support learn develop business
company program summer research analysis engineering software tools build design customers
product communication strong internship role help apply weekly manager mentor collaborate
excel python sql reporting marketing finance models dashboards insights growth strategy social
content campaigns clients operations process improvement testing quality cloud web mobile api
backend frontend javascript react java security network infrastructure automation hardware
prototype cad manufacturing lab experiments biology chemistry clinical patients healthcare
policy government nonprofit community education writing editing journalism video audio
statistics machine learning visualization tableau forecasting budgeting accounting audit tax
investment portfolio trading risk compliance legal contracts procurement supply chain inventory
sustainability climate energy renewable environmental field survey mapping gis urban planning
events outreach fundraising volunteers recruiting onboarding training documentation figma
research papers literature review grants sensors firmware embedded robotics controls simulation
""".split()  # noqa: SIM905
RARE_WORDS = ["bioinformatics", "cryptography", "metallurgy", "oceanography", "paleontology", "actuarial",
              "glaciology", "lexicography", "horology", "apiculture"]
TAGS = [
    "python", "sql", "excel", "data", "marketing", "finance", "design", "research", "remote-friendly",
    "paid", "stem", "healthcare", "nonprofit", "government", "startup", "consulting", "engineering",
    "writing", "sales", "summer", "spring", "fall", "part-time", "cs", "biology", "chemistry", "policy",
    "ml", "ai", "cloud", "security", "hardware", "media", "education", "sustainability", "energy",
]
LOCATIONS = ["Storrs, CT", "Hartford, CT", "Boston, MA", "New York, NY", "Providence, RI", "Stamford, CT",
             "New Haven, CT", "Cambridge, MA", "Philadelphia, PA", "Washington, DC"]
PAYS = ["$18/hour", "$20/hour", "$22/hour", "$25/hour", "$30/hour", "$35/hour", "$4,000/month", "Stipend $2,000"]
KINDS = ["internship"] * 6 + ["micro"] * 2 + ["part-time"] + ["full-time"]

_ZIPF_WEIGHTS = [1.0 / (rank + 1) for rank in range(len(VOCAB))]
_CUM_WEIGHTS = list(itertools.accumulate(_ZIPF_WEIGHTS))


def _description(rng: random.Random) -> str:
    words = rng.choices(VOCAB, cum_weights=_CUM_WEIGHTS, k=rng.randint(15, 60))
    if rng.random() < 0.01:  # each rare word ends up in about 0.1% of leads
        words.insert(rng.randrange(len(words) + 1), rng.choice(RARE_WORDS))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def lead_row(rng: random.Random, index: int, *, team_id: str, now: datetime, today: date, created: datetime) -> dict:
    """One plausible lead. About 70% are open: ~10% closed, ~20% past their deadline."""
    level = rng.choice(ROLE_LEVELS)
    role = " ".join(filter(None, [level, rng.choice(ROLE_FIELDS), rng.choice(ROLE_KINDS)]))
    company = f"{rng.choice(COMPANY_HEADS)} {rng.choice(COMPANY_TAILS)}"
    host = company.lower().replace(" ", "") + ".example.com"
    url = f"https://{host}/careers/{index}-{rng.getrandbits(32):08x}?utm_source=slack"
    remote = rng.random() < 0.3
    roll = rng.random()
    if roll < 0.3:
        deadline = None
    elif roll < 0.8:
        deadline = today + timedelta(days=rng.randint(0, 180))
    else:
        deadline = today - timedelta(days=rng.randint(1, 120))
    closed = rng.random() < 0.1
    return {
        "team_id": team_id,
        "company": company,
        "role": role,
        "url": url,
        "url_key": normalize_url(url),
        "kind": rng.choice(KINDS),
        "location": None if remote and rng.random() < 0.5 else rng.choice(LOCATIONS),
        "remote": remote,
        "pay": rng.choice(PAYS) if rng.random() < 0.6 else None,
        "deadline": deadline,
        "description": _description(rng),
        "tags": ", ".join(dict.fromkeys(rng.sample(TAGS, rng.randint(0, 4)))) or None,
        "posted_by": f"UPOSTER{rng.randint(0, 499):04d}",
        "created_at": created,
        "updated_at": created,
        "closed_at": min(now, created + timedelta(days=1)) if closed else None,
        "closed_by": "UOFFICER01" if closed else None,
    }


def bulk_load_leads(store: Store, count: int, *, team_id: str = TEAM_ID, seed: int = 7, batch: int = 5000,
                    timezone_name: str = "America/New_York") -> float:
    """Migrate, then insert `count` leads in batches of core INSERTs; returns the seconds taken.

    The search index follows by itself (SQLite FTS5 triggers, PostgreSQL generated tsvector column).
    """
    from slackapp.club.models import Workspace

    upgrade(store.engine)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.date()
    started = time.perf_counter()
    with store.write() as session:
        if session.get(Workspace, team_id) is None:
            session.add(Workspace(team_id=team_id, timezone=timezone_name))
        first = session.scalar(select(func.count()).select_from(Lead).where(Lead.team_id == team_id)) or 0
    # Shared over the past year in id order, as the app stores them (created_at = now at insert).
    span = timedelta(days=365)
    for offset in range(0, count, batch):
        rows = [
            lead_row(rng, first + i, team_id=team_id, now=now, today=today, created=now - span + span * ((i + 1) / count))
            for i in range(offset, min(count, offset + batch))
        ]
        with store.write() as session:
            session.execute(insert(Lead.__table__), rows)
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE leads")
    return time.perf_counter() - started


# ---- load driver --------------------------------------------------------------------------


def slash_body(text: str = "", *, user_id: str = "UBENCH0001", command: str = "/internships",
               response_url: str | None = None, team_id: str = TEAM_ID, channel_id: str = CHANNEL_ID) -> bytes:
    """A slash command body shaped like Slack's (fresh trigger_id each time)."""
    return payloads.slash_command(command, text, user_id=user_id, team_id=team_id, channel_id=channel_id,
                                  response_url=response_url).encode()


def signed_headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Headers as Slack sends them: form-encoded for commands and interactivity, JSON for events."""
    ts = int(time.time())
    return {
        "Content-Type": "application/json" if body[:1] == b"{" else FORM,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, ts, body),
    }


@dataclass
class Sample:
    label: str
    latency: float  # seconds
    status: int | None
    error: str | None = None
    started: float = 0.0  # perf_counter at send


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0
    stopped_by_time: bool = False

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.error is None]

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error is not None]

    def latencies(self, label: str | None = None) -> list[float]:
        return [s.latency for s in self.ok if label is None or s.label == label]

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall else 0.0

    @property
    def ok_throughput(self) -> float:
        """Right answers per second (a server answering 500s fast doesn't gain by it)."""
        return len(self.ok) / self.wall if self.wall else 0.0


def drive(
    server_url: str,
    make_request: Callable[[int], tuple[str, bytes]],
    *,
    total: int,
    clients: int,
    time_limit: float,
    check: Callable[[int, bytes], str | None] | None = None,
    timeout: float = 10.0,
    secret: str = SECRET,
    check_labelled: Callable[[str, int, bytes], str | None] | None = None,
) -> LoadResult:
    """Closed loop: `clients` threads, each with its own keep-alive connection, send signed POSTs to
    /slack/events until `total` requests were sent or `time_limit` seconds passed.

    `make_request(i)` gives (label, body); building and signing happen before the clock starts.
    `check(status, body)` returns an error string for a bad answer (default: anything but 200);
    `check_labelled(label, status, body)`, when given, is used instead (answers that depend on the
    kind of request).
    """
    parts = urlsplit(server_url)
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult()
    start_gate = threading.Barrier(clients + 1)
    stop_at: list[float] = [0.0]
    check = check or (lambda status, _body: None if status == 200 else f"HTTP {status}")
    if check_labelled is None:
        check_labelled = lambda _label, status, data: check(status, data)  # noqa: E731

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        local: list[Sample] = []
        start_gate.wait()
        try:
            while True:
                with lock:
                    index = next(counter)
                if index >= total:
                    break
                if time.perf_counter() >= stop_at[0]:
                    result.stopped_by_time = True
                    break
                label, body = make_request(index)
                headers = signed_headers(body, secret)
                started = time.perf_counter()
                try:
                    connection.request("POST", EVENTS_PATH, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    latency = time.perf_counter() - started
                    local.append(Sample(label, latency, response.status, check_labelled(label, response.status, data), started))
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException) as exc:
                    latency = time.perf_counter() - started
                    local.append(Sample(label, latency, None, f"{type(exc).__name__}: {exc}", started))
                    connection.close()
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        finally:
            connection.close()
            with lock:
                result.samples.extend(local)

    threads = [threading.Thread(target=worker, name=f"client-{n}", daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + time_limit
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=time_limit + timeout + 5)
    result.wall = time.perf_counter() - began
    return result


def post_once(server_url: str, body: bytes, *, timeout: float = 10.0, secret: str = SECRET) -> tuple[float, int | None, bytes | str]:
    """One signed POST on its own connection: (seconds, status, body or error text)."""
    parts = urlsplit(server_url)
    headers = signed_headers(body, secret)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("POST", EVENTS_PATH, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return time.perf_counter() - started, response.status, data
    except (OSError, http.client.HTTPException) as exc:
        return time.perf_counter() - started, None, f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


# ---- figures ------------------------------------------------------------------------------


def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; nan when empty."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), -(-p * len(ordered) // 100)))  # ceil(p/100 * n)
    return ordered[int(rank) - 1]


def summary(values: Iterable[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "max": ordered[-1] if ordered else float("nan"),
        "mean": sum(ordered) / len(ordered) if ordered else float("nan"),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def describe_errors(samples: list[Sample], limit: int = 3) -> str:
    if not samples:
        return ""
    seen: dict[str, int] = {}
    for sample in samples:
        seen[sample.error or "?"] = seen.get(sample.error or "?", 0) + 1
    return "; ".join(f"{count}x {error[:120]}" for error, count in list(seen.items())[:limit])


def redact(url: str) -> str:
    """A database URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def log_problems(server: Server) -> tuple[int, list[str]]:
    """How many error lines and tracebacks the server's log holds, and a few to show: the first
    error lines and each distinct exception a traceback ended in."""
    lines = server.log().splitlines()
    errors = [line for line in lines if "Traceback" in line or " ERROR " in line or "[ERROR]" in line]
    shown: list[str] = []
    for number, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = number + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            if end < len(lines) and lines[end] not in shown:
                shown.append(lines[end])
        if len(shown) >= 3:
            break
    return len(errors), [line[:200] for line in errors[:2]] + [f"exception: {line[:200]}" for line in shown]


# ---- process trees ------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces; fields 3.. follow ") ".
    return text[text.rindex(")") + 2:].split()


def process_tree(pid: int) -> list[int]:
    """`pid` and all its living descendants (Linux /proc), parents before children."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        if _stat_fields(current) is None:
            continue
        tree.append(current)
        todo.extend(sorted(children.get(current, [])))
    return tree


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _CLOCK_TICKS


def wait_quiet(servers: Iterable[Server], *, busy_share: float = 0.05, window: float = 0.5, timeout: float = 30.0) -> float:
    """Wait until the servers' process trees use less than `busy_share` of one core over `window`
    seconds (work left over from the last round is done), or `timeout`; the seconds waited."""
    servers = list(servers)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pids = [pid for server in servers for pid in process_tree(server.process.pid)]
        before = cpu_seconds(pids)
        time.sleep(window)
        if cpu_seconds(pids) - before < busy_share * window:
            break
    return time.monotonic() - started


# ---- interleaved rounds -------------------------------------------------------------------


@dataclass
class Contender:
    """One server in an interleaved comparison: how to build its requests and judge its answers."""

    name: str
    server: Server
    make_request: Callable[[int], tuple[str, bytes]]
    check: Callable[[int, bytes], str | None] | None = None
    after_round: Callable[[LoadResult], str] | None = None  # returns a note for the round line
    # Kept open around each turn (warm-up included): e.g. a thread writing while the turn runs.
    during: Callable[[], contextlib.AbstractContextManager] | None = None
    check_labelled: Callable[[str, int, bytes], str | None] | None = None  # instead of `check`
    rounds: list[LoadResult] = field(default_factory=list)
    sent: int = 0

    def pooled(self) -> LoadResult:
        pooled = LoadResult()
        for run in self.rounds:
            pooled.samples.extend(run.samples)
            pooled.wall += run.wall
            pooled.stopped_by_time |= run.stopped_by_time
        return pooled


ROUND_HEADER = f"{'round':>5} {'server':6} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"


def round_line(label: str, name: str, run: LoadResult) -> str:
    s = summary(run.latencies())
    return (f"{label:>5} {name:6} {len(run.samples):8d} {len(run.errors):6d} {run.throughput:7.0f} "
            f"{ms(s['p50'])} {ms(s['p95'])} {ms(s['p99'])} {ms(s['max'])}")


def load_average() -> float:
    """The 1-minute load average (nan where the system doesn't tell)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def interleave(contenders: list[Contender], *, rounds: int, seconds: float, clients: int,
               warmup_seconds: float = 1.0, quiet_timeout: float = 30.0, show_load: bool = False) -> None:
    """Drive the contenders one at a time, in turn (A, B, A, B, …) for `rounds` rounds of `seconds`
    each, with `clients` closed-loop clients; the others stay up but idle. Before each turn every
    server's process tree must be quiet, so leftover work of one never lands in another's turn.
    Each contender first gets an unmeasured warm-up of `warmup_seconds`. Prints a line per turn
    (with `show_load`, ending in the 1-minute load average read just before the turn)."""

    def run(contender: Contender, limit: float) -> LoadResult:
        offset = contender.sent
        # The driver keeps every sample and the fake every call it got: a full collection of that
        # heap during a turn stalls the clients (and the fake) of whichever server is driven then.
        gc.collect()
        gc.freeze()
        with contender.during() if contender.during else contextlib.nullcontext():
            result = drive(contender.server.url, lambda i: contender.make_request(offset + i), total=10**9,
                           clients=clients, time_limit=limit, check=contender.check,
                           check_labelled=contender.check_labelled)
        contender.sent += len(result.samples)
        return result

    servers = [c.server for c in contenders]
    for contender in contenders:
        wait_quiet(servers, timeout=quiet_timeout)
        warm = run(contender, warmup_seconds)
        note = contender.after_round(warm) if contender.after_round else ""
        print(f"  warm-up {contender.name}: {len(warm.samples)} requests, {len(warm.errors)} errors {note}".rstrip())
        if warm.errors:
            print(f"    errors: {describe_errors(warm.errors)}")
    print()
    print(ROUND_HEADER + "  waited for quiet" + ("  load" if show_load else ""))
    for number in range(1, rounds + 1):
        for contender in contenders:
            waited = wait_quiet(servers, timeout=quiet_timeout)
            load = f" {load_average():5.2f}" if show_load else ""
            result = run(contender, seconds)
            contender.rounds.append(result)
            note = contender.after_round(result) if contender.after_round else ""
            print(f"{round_line(str(number), contender.name, result)}  {waited:5.1f}s{load} {note}".rstrip(), flush=True)
            if result.errors:
                print(f"      errors: {describe_errors(result.errors)}")


def print_overall(contenders: list[Contender]) -> dict[str, dict[str, float]]:
    """Pooled figures over all measured rounds; returns {name: summary + 'throughput'}."""
    figures = {}
    print(ROUND_HEADER)
    for contender in contenders:
        pooled = contender.pooled()
        print(round_line("all", contender.name, pooled))
        figures[contender.name] = dict(summary(pooled.latencies()), throughput=pooled.throughput, ok_throughput=pooled.ok_throughput,
                                       errors=len(pooled.errors), requests=len(pooled.samples))
    return figures


def per_round_ratios(app: Contender, bare: Contender, *, right_only: bool = False) -> tuple[list[float], list[float]]:
    """p99 ratio and throughput ratio (app / bare) of each pair of rounds (`right_only`: of right
    answers per second)."""
    p99s, rates = [], []
    for mine, theirs in zip(app.rounds, bare.rounds):
        p99s.append(percentile(mine.latencies(), 99) / percentile(theirs.latencies(), 99))
        a, b = (mine.ok_throughput, theirs.ok_throughput) if right_only else (mine.throughput, theirs.throughput)
        rates.append(a / b if b else float("nan"))
    return p99s, rates


# ---- targets ------------------------------------------------------------------------------


@dataclass
class Target:
    """One figure against its limit: at most `limit` (at_most=True) or at least `limit`."""

    label: str
    value: float
    limit: float
    at_most: bool
    unit: str = ""

    @property
    def holds(self) -> bool:
        if self.value != self.value:  # nan: nothing was measured
            return False
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def line(self) -> str:
        sign = "<=" if self.at_most else ">="
        return f"{'PASS' if self.holds else 'FAIL'}  {self.label}: {self.value:.2f}{self.unit} (target {sign} {self.limit:g}{self.unit})"


def verdict(targets: list[Target], checks: list[tuple[str, bool]] = ()) -> int:
    """Print PASS/FAIL per target and per sanity check; 0 when all hold, else 1."""
    for target in targets:
        print(target.line())
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    ok = all(t.holds for t in targets) and all(ok for _, ok in checks)
    print(f"=> {'all targets hold' if ok else 'targets MISSED'}")
    return 0 if ok else 1


# ---- RSVP events and reactions ------------------------------------------------------------


def create_rsvp_event(store: Store, *, team_id: str, channel: str, post_ts: str, title: str = "Meet the Firm Night") -> int:
    """An upcoming event whose announcement (and RSVP message) is `post_ts` in `channel`, created the
    way the app does it (slackapp.events.service); returns its id."""
    from slackapp.db import utcnow
    from slackapp.events import service

    starts = utcnow() + timedelta(days=3)
    with store.write() as session:
        draft = service.EventDraft(title, None, starts, starts + timedelta(hours=2), "Gampel Pavilion", None, None, channel)
        event = service.create_event(session, team_id=team_id, user_id="UOFFICER", is_officer=True, draft=draft)
        service.record_posts(session, team_id=team_id, event_id=event.id, channel=channel, rsvp_ts=post_ts, post_ts=post_ts)
        return event.id


def stored_actions(store: Store, event_id: int) -> int:
    """How many RSVP actions (reactions) the app has stored for the event."""
    from slackapp.events.models import RsvpAction

    with store.read() as session:
        return session.scalar(select(func.count()).select_from(RsvpAction).where(RsvpAction.event_id == event_id)) or 0


def reaction_body(kind: str, *, user: str, emoji: str, event_id: str, event_ts: str, team_id: str, channel: str, item_ts: str) -> bytes:
    """A signed-ready Events API body for a reaction on the bot's message, from Slack's own sample
    (slackapp.sandbox.payloads: in the test org, where the fake says the app is installed org-wide)."""
    build = payloads.reaction_added if kind == "reaction_added" else payloads.reaction_removed
    body = build(emoji, user_id=user, team_id=team_id, channel_id=channel, item_ts=item_ts,
                 item_user=payloads.BOT_USER_ID, event_ts=event_ts, event_id=event_id)
    return json.dumps(body).encode()

