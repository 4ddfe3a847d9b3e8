"""The one place the app remembers computed things between requests.

`Remembered` keeps values computed from the store (a listener's whole answer, the club's
settings) while every table they were read from is unchanged: slackapp.changes tells, in every
process, when a committed write touched one of them. Nothing has to be invalidated by hand and no
feature says what it read. `VersionedCache` is for values whose key already carries the version
of what they were computed from. Entries are only dropped to stay within `size` (and, for
`Remembered`, after `max_age`, a bound on what a writer killed between its commit and telling
the others could leave behind).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slackapp import changes

Value = TypeVar("Value")


class VersionedCache(Generic[Value]):
    def __init__(self, size: int = 4096):
        self._size = size
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


@dataclass(frozen=True)
class _Entry:
    value: Any
    # (slot, generation) of every table it was computed from
    seen: tuple[tuple[int, int], ...]
    until: float


class Remembered:
    """Values read from the store, kept while what they were read from is unchanged.

    A value is shared by every request that asks for the same key: treat it as read-only."""

    def __init__(self, generations: changes.Generations, *, size: int = 512, max_age: float = 60.0):
        self._generations = generations
        self._size = size
        self._max_age = max_age
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """`compute()`'s value for `key`, computed again only once a table it read has changed.
        `key` must name everything else the value depends on (who asks, today's date …)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is not None and entry.until > time.monotonic() and self._generations.unchanged(entry.seen):
            changes.also_read(slot for slot, _ in entry.seen)
            return entry.value
        # Generations first, then the read: a write committed in between shows as a change later.
        before = self._generations.vector()
        if before is None:
            return compute()
        with changes.reading() as slots:
            value = compute()
        seen = tuple((slot, self._generations.at(slot, before)) for slot in sorted(slots))
        with self._lock:
            self._entries[key] = _Entry(value, seen, time.monotonic() + self._max_age)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value
