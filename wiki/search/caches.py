"""A bounded, thread-safe cache: every search-side cache is one of these.

Most keys start with a segment id (segments are immutable, so an entry stays right until its
segment leaves the index; `forget` drops those). Least recently used entries go once the
total `size` of the values passes `limit`.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


def nbytes(array: np.ndarray) -> int:
    """A size for caches of arrays: their bytes."""
    return int(array.nbytes)


class LruCache(Generic[V]):
    def __init__(self, limit: float = math.inf, size: Callable[[V], int] = _one) -> None:
        self.limit = limit
        self.size = size
        self.total = 0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` and return it, or the value another thread kept for `key` first."""
        with self._lock:
            kept = self._items.get(key)
            if kept is not None:
                return kept
            self._items[key] = value
            self.total += self.size(value)
            while self.total > self.limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.total -= self.size(dropped)
            return value

    def forget(self, live_segments: set[str]) -> None:
        """Drop the entries of segments that are no longer in the index."""
        with self._lock:
            for key in [k for k in self._items if k[0] not in live_segments]:  # type: ignore[index]
                self.total -= self.size(self._items.pop(key))
