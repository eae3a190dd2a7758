"""Counts worked out from thousands of entries, kept in each server process's memory under a key that
says what they were worked out from: when the key read from the database changes, they are worked
out again.

Kept as the objects themselves, not in Django's cache: the local-memory cache pickles every value on
each read, and unpickling a big city's thousands of facts cost more than the page. Each keeper holds
a few keys, the least recently used dropped; a keeper with ``seconds`` also works a value out again
once it is that old, so that whatever a key could miss (a write that sends no signal) lasts at most
that long, as the public pages' (reviews.public.cache)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

# How old a value kept for a round at work may grow: the same five minutes the public pages' cache
# and the city's proxy allow (reviews.public.cache).
KEPT_SECONDS = 300

_keepers: list[Keeper] = []


class Keeper:
    def __init__(self, size: int, seconds: float | None = None):
        self.size, self.seconds = size, seconds
        self._kept: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        _keepers.append(self)

    def get(self, key: Hashable, make: Callable[[], T], unchanged: Callable[[], bool] | None = None) -> T:
        """The value kept under ``key``, or ``make()`` kept under it. ``unchanged``: asked after
        ``make()``, whether the key read again is still ``key``; when not, the value is returned but
        not kept (it may count a change made meanwhile, and a key that can come back to what it was
        would then find counts of another state)."""
        now = time.monotonic()
        with self._lock:
            found = self._kept.get(key)
            if found is not None and (self.seconds is None or now - found[0] < self.seconds):
                self._kept.move_to_end(key)
                return found[1]
        value = make()  # outside the lock: two threads may both work it out once, the same result
        if unchanged is not None and not unchanged():
            return value
        with self._lock:
            self._kept[key] = (now, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def forget_all() -> None:
    """Drop everything every keeper holds (tests start without another test's counts)."""
    for keeper in _keepers:
        keeper.clear()
