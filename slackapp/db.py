"""The store: engine, sessions and migrations, built once per process."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, exc, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# One advisory lock id for "someone is migrating", so app processes starting together on
# PostgreSQL don't run the same revision twice.
_MIGRATION_LOCK = 4_711_2026


# How far the sandbox's "skip ahead" control has moved this process's clock; always zero elsewhere.
_skipped = timedelta(0)


def utcnow() -> datetime:
    """Now, for every rule, record and timer of the app."""
    return datetime.now(timezone.utc) + _skipped


def skip_ahead(by: timedelta) -> timedelta:
    """Move this process's clock forward (the sandbox only: so reminders and digests can be seen
    without waiting); returns how far it is ahead in all."""
    global _skipped
    _skipped += by
    return _skipped


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=4, max_overflow=40)
        _tune_sqlite(engine)
        return engine
    # Up to 4 workers a process each (config): 80 connections fit PostgreSQL's default 100. Last
    # in, first out: the connections in use stay few and warm, and the rest sit idle (see below).
    #
    # psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan it
    # once for any parameters: that generic plan served the lead search's common words in 100 ms
    # and more (bench/search p95 130 ms, 14 with this). Each run is planned for its own words; the
    # prepared statement still saves parsing.
    #
    # Connections are opened in autocommit, the mode of reads (Store): a connection switched to it
    # at each checkout and back at each return cost every request 140 µs of the worker's CPU, over
    # a quarter of running its first statement. A write switches its connection for its transaction.
    engine = create_engine(url, pool_size=10, max_overflow=10, pool_use_lifo=True, isolation_level="AUTOCOMMIT",
                           connect_args={"options": "-c plan_cache_mode=force_custom_plan"})
    _ping_after_idling(engine)
    return engine


# A pooled connection unused for longer than this is asked whether it still works before it is
# handed out: a database restarted (or a connection closed by the server) while the app was quiet
# then costs no request an error. Pinging every checkout (pool_pre_ping) would add a round trip to
# every request of a busy club, whose connections never idle that long; one that dies in use fails
# its request once, and SQLAlchemy then replaces every connection the pool held before it.
IDLE_BEFORE_PING_SECONDS = 1.0


def _ping_after_idling(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idled(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The documented way to have the pool drop this connection and hand out a new one.
            raise exc.DisconnectionError(f"an idle connection no longer answers: {error}") from error


_BUSY_TIMEOUT_MS = 30000


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and as DEFERRED; a read-then-write transaction then fails
    # with "database is locked" under concurrency. We take over BEGIN ourselves (SQLAlchemy's
    # documented recipe) so write transactions can ask for the write lock up front.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros in the pages, so a forgotten member isn't left in
        # the file's free space (what is left in the write-ahead log goes with Store.scrub).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    # A read needs no transaction: each statement reads a consistent state of the file, and a
    # BEGIN would cost a statement of every request.
    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get("write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_for(session: Session):
    """The dialect's INSERT, which knows ON CONFLICT."""
    return dialect_insert(session.get_bind().dialect.name)


def dialect_insert(dialect: str):
    """The INSERT of `dialect` ("postgresql" or "sqlite"). Only the store's own dialect package is
    imported: PostgreSQL's, with all its drivers, would cost a worker on SQLite over 2 MiB."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def inserted(session: Session, statement, key_column) -> bool:
    """Run an INSERT … ON CONFLICT and tell whether it wrote a row.

    rowcount can't say: with implicit RETURNING psycopg reports -1, so we ask for the key back.
    """
    return session.execute(statement.returning(key_column)).first() is not None


def team_row(session: Session, model, *, team_id: str, row_id: int, lock: bool = False, missing: str | None = None):
    """A row by id, only if it belongs to the workspace. `lock` takes a row lock (PostgreSQL) so
    concurrent changes to the same row queue up; SQLite's write transaction already serialises.
    With `missing`, a row that isn't there is the person's error, told with that message."""
    from sqlalchemy import select

    from slackapp.errors import UserError

    statement = select(model).where(model.team_id == team_id, model.id == row_id)
    if lock:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None and missing:
        raise UserError(missing)
    return row


# Other sessions of this database whose snapshot or transaction is older than a transaction id.
_OLDER_TRANSACTIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND (age(backend_xmin) > age(%s::xid) OR age(backend_xid) > age(%s::xid))"
)
# Set on a session whose transaction erased someone's data (forget-me, a purge): once it commits,
# the store is scrubbed (Store.scrub) so the old copies of those rows leave the store's files too.
ERASED = "erased_data"


class _Writers:
    """Queues this machine's writers of one SQLite file: SQLite allows one writer at a time, and a
    connection that finds the lock taken sleeps and retries (for up to 100 ms a try). Writers of
    this process wait on a lock, those of other processes on a file lock next to the database
    (`<db>.lock`, which holds nothing), so each gets in as soon as the one before is done.
    PostgreSQL locks rows, not the database: its writers don't queue (Store.__init__)."""

    def __init__(self, engine: Engine):
        database = engine.url.database
        self._path = f"{database}.lock" if database and database != ":memory:" else None
        self._in_process = threading.RLock()
        self._file: int | None = None
        self._depth = 0

    def __enter__(self):
        self._in_process.acquire()
        self._depth += 1
        if self._path and self._depth == 1:
            if self._file is None:
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)

    def __exit__(self, *_):
        self._depth -= 1
        if self._path and self._depth == 0:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._in_process.release()


class _Scrubs:
    """Scrubs owed after erasing commits, run on a thread of their own so neither the answer to
    Slack nor the clock waits for them; requests that arrive during a scrub are served by one more.
    Not a daemon: a process that stops finishes the scrub in hand first."""

    # A scrub that finds the store busy (a long read holding the SQLite log) is tried again.
    TRIES = 3
    RETRY_SECONDS = 5.0

    def __init__(self, scrub: Callable[[], bool]):
        self._scrub = scrub
        self._lock = threading.Lock()
        self._owed = False
        self._thread: threading.Thread | None = None

    def owed(self) -> None:
        with self._lock:
            self._owed = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="scrub")
                self._thread.start()

    def _run(self) -> None:
        failures = 0
        while True:
            with self._lock:
                if not self._owed:
                    self._thread = None
                    return
                self._owed = False
            if self._scrubbed():
                failures = 0
                continue
            failures += 1
            if failures < self.TRIES:
                with self._lock:
                    self._owed = True
                time.sleep(self.RETRY_SECONDS)

    def _scrubbed(self) -> bool:
        try:
            done = self._scrub()
        except Exception:  # the rows are deleted already; their old bytes wait for the next try
            log.exception("scrubbing the store after an erasure failed")
            return False
        if done:
            log.info("store scrubbed: erased rows are out of its files")
        else:
            log.warning("store not scrubbed yet: a reader kept the write-ahead log busy")
        return done


class Store:
    """The engine and its sessions, built once per process. Whoever opens a session owns it and its
    transactions: a request's middleware, a job's wrapper, a command of the CLI."""

    def __init__(self, engine: Engine):
        # PostgreSQL reads run outside a transaction, as SQLite's do (make_engine): each statement
        # sees what was committed when it began, as it would inside one at READ COMMITTED, without
        # a BEGIN and a ROLLBACK on every request. Writes take a transaction (writing). make_engine
        # opens PostgreSQL's connections in autocommit; whoever uses the engine itself (migrations,
        # the health check) gets PostgreSQL's transactions, as from any engine.
        self._reads_autocommit = engine.dialect.name == "postgresql"
        self.engine = engine.execution_options(isolation_level="READ COMMITTED") if self._reads_autocommit else engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._committed_hooks: list[Callable[[set[str]], None]] = []
        event.listen(self._sessions, "after_commit", self._after_commit)
        # Queued in this process too, PostgreSQL's writers of different rows waited for each other:
        # a storm of RSVPs went one transaction at a time in each worker.
        self._writers = _Writers(engine) if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        self._scrubs = _Scrubs(self.scrub)

    def on_commit(self, hook: Callable[[set[str]], None]) -> None:
        """Call `hook(flags)` after a transaction commits with flags set in `session.info`
        (e.g. "work was planned", so a sender can look at the queue at once)."""
        self._committed_hooks.append(hook)

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released; the transaction goes on
        flags = {key for key, value in session.info.items() if value is True}
        session.info.clear()
        if ERASED in flags:
            self._scrubs.owed()
        if flags:
            for hook in self._committed_hooks:
                hook(flags)

    @classmethod
    def from_url(cls, url: str) -> "Store":
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session; the caller closes it. Reads need no transaction; writes go through `writing`."""
        return self._sessions()

    @contextlib.contextmanager
    def writing(self, session: Session) -> Iterator[Session]:
        """The session's next transaction, as a write: it holds the write lock from its first
        statement and commits at the end of the block (rolls back if the block raises). A read
        the session had open ends first, and what it loaded is read again when next used: a row
        read before may have changed before this transaction began."""
        if session.in_transaction():
            session.rollback()
        with self._writers:
            # READ COMMITTED is PostgreSQL's default, the level the app's row locks are written for.
            session.connection(execution_options={"write": True, "isolation_level": "READ COMMITTED"} if self._reads_autocommit else {"write": True})
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session of its own, for work outside a request (jobs, the CLI)."""
        # Closing (not rolling back) keeps loaded objects readable after the block, detached.
        with self._sessions() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session of its own in one write transaction, for work outside a request."""
        with self._sessions() as session, self.writing(session):
            yield session

    def scrub(self) -> bool:
        """Make the rows deleted or rewritten by committed transactions unrecoverable from the
        store's files, as far as the store allows; False when it could not be done now.

        SQLite zeroes deleted rows in its pages as it goes (secure_delete), but the pages as they
        were before stay in the write-ahead log: a TRUNCATE checkpoint copies the current pages
        into the database and empties the log. PostgreSQL keeps deleted row versions, and the
        index entries pointing at them, until VACUUM removes them (and ANALYZE replaces the sample
        values kept as statistics); their bytes can stay in free space, PostgreSQL's own log and
        backups until overwritten (README, "What we keep")."""
        return self._checkpoint() if self.dialect == "sqlite" else self._vacuum()

    def _checkpoint(self) -> bool:
        # As a writer: our own writers queue on the lock instead of sleeping in busy retries. The
        # checkpoint waits for readers of an older state of the file, and writers wait for it
        # meanwhile: not for long (it is tried again later).
        with self._writers, self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=1000")
            try:
                busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        return not busy

    def _vacuum(self, wait_seconds: float = 10.0) -> bool:
        quote = self.engine.dialect.identifier_preparer.quote
        tables = ", ".join(quote(table.name) for table in Base.metadata.sorted_tables)
        # VACUUM can't run inside a transaction block.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # VACUUM leaves the row versions a running transaction may still see (a read that began
            # before the erasure committed): wait until none began before this moment.
            now = connection.exec_driver_sql("SELECT xid(pg_current_xact_id())::text").scalar()
            deadline = time.monotonic() + wait_seconds
            while connection.exec_driver_sql(_OLDER_TRANSACTIONS, (now, now)).scalar():
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)
            connection.exec_driver_sql(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {tables}")
        return True

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # the health check must answer, whatever the driver raised
            log.warning("store did not answer the health check", exc_info=True)
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call from several processes at once."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    # On SQLite the write option makes the migration take the write lock first, which serialises
    # two processes starting on the same file.
    with engine.execution_options(write=True).connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK})
                connection.commit()
