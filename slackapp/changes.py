"""What the store's writers changed, made known to every process that reads the same store.

Each table has a generation: a number that grows each time a transaction that wrote to it
commits. Whoever remembers something read from the store (slackapp.cache) notes the generations
of the tables it was read from, and trusts it only while they are unchanged.

Which tables a statement reads or writes is read off its SQL as it is sent, so no feature has to
say what it touched. A write also changes the tables the database changes for it: rows a foreign
key deletes along (ON DELETE CASCADE / SET NULL) and the SQLite search index its triggers keep.

- SQLite: every process using the file is on one machine, so the generations are a small shared
  file next to the database (`<database>-changes`, memory-mapped); a writer bumps them, under a
  file lock, right after its commit.
- PostgreSQL: processes may be on several machines. A writing transaction sends NOTIFY with the
  tables it wrote (PostgreSQL delivers it only if and when the transaction commits); each process
  listens on a connection of its own and bumps its own generations, and bumps its own writes at
  once. While it is not listening (before the first connection, after one drops) it trusts
  nothing it remembers; when it listens again, every generation moves on.

Writes made outside the Store's sessions (a raw connection) are not seen; migrations bump
everything (slackapp.db.upgrade).
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import re
import struct
import threading
import weakref
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache

from sqlalchemy import Engine, event

try:
    import fcntl
except ImportError:  # Windows: one process serves there (no gunicorn), so no lock between processes
    fcntl = None

log = logging.getLogger(__name__)

SLOTS = 512
_SLOT = struct.Struct("<Q")
EVERYTHING = "*"
CHANNEL = "slackapp_changes"
# The tables a trigger writes when the key table is written (migration 0001: the FTS5 index).
MAINTAINED_BY_TRIGGERS = {"leads": ("leads_fts",)}

_NAMED = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)', re.IGNORECASE)
_WRITES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_SCHEMA = re.compile(r"^\s*(?:CREATE|ALTER|DROP)\b", re.IGNORECASE)
_WRITTEN = "slackapp.changes.written"


def slot_of(table: str) -> int:
    # crc32, not hash(): every process must put a table in the same slot.
    return zlib.crc32(table.lower().encode()) % SLOTS


@lru_cache(maxsize=2048)
def statement_tables(statement: str) -> tuple[frozenset[str], bool]:
    """The tables a statement names, and whether it writes. Words that only look like a table
    (EXTRACT(… FROM column), DO UPDATE SET) cost a spurious slot, never a missed one."""
    if _SCHEMA.match(statement):
        return frozenset({EVERYTHING}), True
    return frozenset(name.lower() for name in _NAMED.findall(statement)), bool(_WRITES.search(statement))


@lru_cache(maxsize=1)
def _dependents() -> dict[str, set[str]]:
    """Table -> tables whose rows the database changes when its rows change."""
    from slackapp import models

    found: dict[str, set[str]] = {}
    for table in models.metadata.tables.values():
        for key in table.foreign_keys:
            actions = {(key.ondelete or "").upper(), (key.onupdate or "").upper()}
            if actions & {"CASCADE", "SET NULL", "SET DEFAULT"}:
                found.setdefault(key.column.table.name, set()).add(table.name)
    for table, maintained in MAINTAINED_BY_TRIGGERS.items():
        found.setdefault(table, set()).update(maintained)
    return found


def affected(written: Iterable[str]) -> set[str]:
    """The written tables and every table the database changes along with them."""
    result, todo = set(), list(written)
    dependents = _dependents()
    while todo:
        table = todo.pop()
        if table not in result:
            result.add(table)
            todo.extend(dependents.get(table, ()))
    return result


class _Reading(threading.local):
    def __init__(self):
        # The slots read by each `reading()` block open in this thread, innermost last.
        self.open: list[set[int]] = []
        # The tables of the transaction this thread is committing, between the commit and its end.
        self.committing: set[str] | None = None


_thread = _Reading()


@contextlib.contextmanager
def reading() -> Iterator[set[int]]:
    """The slots of every table read in this thread inside the block (outer blocks see them too)."""
    slots: set[int] = set()
    _thread.open.append(slots)
    try:
        yield slots
    finally:
        _thread.open.pop()


def also_read(slots: Iterable[int]) -> None:
    """Count these as read by the open blocks (a remembered value used inside them)."""
    for block in _thread.open:
        block.update(slots)


class Generations:
    """SLOTS counters in a buffer; the base for the ways processes share them."""

    def __init__(self, buffer=None):
        self._buffer = buffer if buffer is not None else bytearray(SLOTS * _SLOT.size)
        self._lock = threading.Lock()

    def trusted(self) -> bool:
        return True

    def vector(self) -> bytes | None:
        """Every generation now; None when this process can't tell what changed."""
        return bytes(self._buffer) if self.trusted() else None

    def at(self, slot: int, vector: bytes) -> int:
        return _SLOT.unpack_from(vector, slot * _SLOT.size)[0]

    def unchanged(self, seen: tuple[tuple[int, int], ...]) -> bool:
        if not self.trusted():
            return False
        buffer = self._buffer
        return all(_SLOT.unpack_from(buffer, slot * _SLOT.size)[0] == generation for slot, generation in seen)

    def committed(self, tables: Iterable[str]) -> None:
        """Called in the writing process right after its commit."""
        self._bump(tables)

    def announce(self, dbapi_connection, tables: set[str]) -> None:
        """Called just before the commit, on the committing connection."""

    def _bump(self, tables: Iterable[str]) -> None:
        tables = set(tables)
        slots = range(SLOTS) if EVERYTHING in tables else {slot_of(table) for table in affected(tables)}
        with self._lock, self._locked_across_processes():
            for slot in slots:
                offset = slot * _SLOT.size
                _SLOT.pack_into(self._buffer, offset, _SLOT.unpack_from(self._buffer, offset)[0] + 1)

    def _locked_across_processes(self):
        return contextlib.nullcontext()

    def close(self) -> None:
        pass


class InProcess(Generations):
    """An in-memory SQLite database: only this process can see it."""


class SharedFile(Generations):
    """A SQLite file: the counters are a memory-mapped file beside it, shared by its processes."""

    def __init__(self, path: str):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        size = SLOTS * _SLOT.size
        if os.fstat(self._fd).st_size < size:
            os.ftruncate(self._fd, size)
        super().__init__(mmap.mmap(self._fd, size))

    @contextlib.contextmanager
    def _locked_across_processes(self):
        if fcntl is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with contextlib.suppress(BufferError, ValueError):
            self._buffer.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)


class Listening(Generations):
    """PostgreSQL: counters of this process, moved by the NOTIFY of every committed write."""

    RETRY_SECONDS = 1.0

    def __init__(self, conninfo: str):
        super().__init__()
        self._conninfo = conninfo
        self._listening = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def trusted(self) -> bool:
        if self._thread is None:
            self._start()
        return self._listening.is_set()

    def wait_listening(self, timeout: float) -> bool:
        self.trusted()
        return self._listening.wait(timeout)

    def announce(self, dbapi_connection, tables: set[str]) -> None:
        payload = EVERYTHING if EVERYTHING in tables else ",".join(sorted(tables))
        with dbapi_connection.cursor() as cursor:
            # NOTIFY's payload must stay under 8,000 bytes.
            cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload if len(payload) < 7900 else EVERYTHING))

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._listen, name="store-changes", daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    # What was written while nobody listened is unknown: everything has changed.
                    self._bump([EVERYTHING])
                    self._listening.set()
                    while not self._stopping.is_set():
                        for note in connection.notifies(timeout=1.0):
                            self._bump(note.payload.split(","))
            except Exception:  # the store went away: trust nothing until listening again
                if not self._stopping.is_set():
                    log.warning("lost the store's change notifications; retrying in %.0fs", self.RETRY_SECONDS, exc_info=True)
            finally:
                self._listening.clear()
            self._stopping.wait(self.RETRY_SECONDS)

    def close(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)


_of_engine: weakref.WeakKeyDictionary[Engine, Generations] = weakref.WeakKeyDictionary()
_of_engine_lock = threading.Lock()


def of(engine: Engine) -> Generations:
    """The engine's generations, watching its statements from the first call on."""
    with _of_engine_lock:
        generations = _of_engine.get(engine)
        if generations is None:
            generations = _of_engine[engine] = for_engine(engine)
            _track(engine, generations)
        return generations


def for_engine(engine: Engine) -> Generations:
    if engine.dialect.name == "postgresql":
        return Listening(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return InProcess()
    return SharedFile(f"{database}-changes")


def _track(engine: Engine, generations: Generations) -> None:
    """Note the tables each statement reads (for `reading()`) and writes (for the commit)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(connection, cursor, statement, parameters, context, executemany):
        tables, writes = statement_tables(statement)
        if _thread.open:
            slots = {slot_of(table) for table in tables}
            for block in _thread.open:
                block.update(slots)
        if writes:
            connection.info.setdefault(_WRITTEN, set()).update(tables)

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.info.pop(_WRITTEN, None)
        _thread.committing = None

    @event.listens_for(engine, "commit")
    def _commit(connection):
        written = connection.info.pop(_WRITTEN, None)
        if written:
            generations.announce(connection.connection.dbapi_connection, written)
        _thread.committing = written

    @event.listens_for(engine, "rollback")
    def _rollback(connection):
        connection.info.pop(_WRITTEN, None)


def committed_in_this_thread() -> set[str] | None:
    """The tables written by the transaction this thread just committed (for Session after_commit)."""
    written, _thread.committing = _thread.committing, None
    return written


def everything_changed(engine: Engine) -> None:
    """Tell every process of this store that anything may have changed (after a migration)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT pg_notify(%(channel)s, %(payload)s)", {"channel": CHANNEL, "payload": EVERYTHING})
    of(engine).committed([EVERYTHING])
