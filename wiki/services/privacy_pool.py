"""Privacy scans in worker processes.

Deduce holds about 1.1 GB once loaded. In worker processes it stays out of the web server
(whose memory then grows with the index, not with a language model), a crash in it cannot
take the server down, and a bulk import scans on every core at once. The findings are the
same as in-process scans: the workers run `privacy.scan_here` itself.

`leerwiki serve` and `leerwiki import-content` install a pool with `install()`; without one
(tests, other commands) `privacy` scans in the calling process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from wiki.processes import exit_with_parent
from wiki.services import privacy

log = logging.getLogger(__name__)
SCAN_TIMEOUT = 120.0  # seconds; the first scan may wait for deduce to load (a few seconds)
Fields = Mapping[str, str | None]


class ScanPool:
    """A fixed number of scanner processes, each with deduce loaded once."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._lock = threading.Lock()
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server has threads, and a forked copy of a threaded process
        # may inherit a held lock.
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
        )
        for _ in range(self.workers):  # start loading deduce now, in every worker
            executor.submit(_ready)
        return executor

    def scan_fields(self, fields: Fields) -> list[privacy.Finding]:
        """privacy.scan_fields in a worker; a crashed worker is replaced and asked again."""
        plain = dict(fields)
        for attempt in (1, 2):
            executor = self._executor
            try:
                return executor.submit(privacy.scan_here, plain).result(SCAN_TIMEOUT)
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                log.warning("a privacy scanner process died; starting a new one")
                self._restart(executor)
        raise AssertionError("unreachable")

    def submit(self, fields: Fields) -> Future[list[privacy.Finding]]:
        """Start a scan and return at once (a bulk import keeps every worker busy)."""
        return self._executor.submit(privacy.scan_here, dict(fields))

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()

    def close(self) -> None:
        """Stop the workers (waits for scans in progress)."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


def _start_worker(parent: int) -> None:
    """In a new scanner process: exit when the parent goes, then load deduce.

    A worker blocked on its task queue does not notice its parent's death (it holds both
    ends of the pipe), so without this every server stopped by SIGTERM or killed by SIGKILL
    would leave 1.1 GB behind.
    """
    exit_with_parent(parent)
    privacy.warm()


_installed: ScanPool | None = None


def install(workers: int = 1) -> ScanPool:
    """Scan in `workers` processes from now on (for this process); returns the pool."""
    global _installed
    if _installed is None:
        _installed = ScanPool(workers)
    return _installed


def installed() -> ScanPool | None:
    """The pool privacy scans go to, or None to scan in this process."""
    return _installed


def uninstall() -> None:
    """Scan in this process again and stop the workers."""
    global _installed
    pool, _installed = _installed, None
    if pool is not None:
        pool.close()
