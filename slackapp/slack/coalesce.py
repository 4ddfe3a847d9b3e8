"""Coalescing announcement updates: a burst of answers becomes at most one chat.update a second."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Coalescer:
    """Runs `refresh(key)` soon after `touch(key)`, but never more than once per `interval` per key.

    Touches that arrive while a refresh is waiting ride along with it; one that arrives during a
    refresh schedules the next, so the last state is always shown."""

    def __init__(self, refresh: Callable[[tuple], None], *, interval: float = 1.0):
        self._refresh = refresh
        self._interval = interval
        self._lock = threading.Lock()
        self._waiting: set[tuple] = set()
        self._busy: set[tuple] = set()
        self._dirty: set[tuple] = set()
        self._last: dict[tuple, float] = {}

    def touch(self, key: tuple) -> None:
        with self._lock:
            if key in self._busy:
                # Counted once the refresh in progress has finished.
                self._dirty.add(key)
                return
            if key in self._waiting:
                return
            self._waiting.add(key)
            delay = max(0.0, self._last.get(key, float("-inf")) + self._interval - time.monotonic())
        timer = threading.Timer(delay, self._fire, args=(key,))
        timer.daemon = True
        timer.start()

    def _fire(self, key: tuple) -> None:
        with self._lock:
            self._waiting.discard(key)
            self._busy.add(key)
        try:
            self._refresh(key)
        except Exception:  # logged; the next touch refreshes again, and the timer thread must not die silently
            log.exception("refreshing %s failed", key)
        finally:
            with self._lock:
                self._busy.discard(key)
                # Measured from the end of the refresh, so two updates are never closer than `interval`.
                self._last[key] = time.monotonic()
                again = key in self._dirty
                self._dirty.discard(key)
        if again:
            self.touch(key)
