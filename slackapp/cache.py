"""The one place the app keeps computed things between requests: `VersionedCache`, for values
whose key carries the version of what they were computed from, set by the code that writes it
(a lead's text is keyed by the lead's id and `updated_at`). Nothing is invalidated; entries are
only dropped to stay within `size`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

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
