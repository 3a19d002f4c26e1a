"""Privacy scans in worker processes.

Deduce holds about 1.1 GB once loaded. In worker processes it stays out of the web server
(whose memory then grows with the index, not with a language model), a crash in it cannot
take the server down, and a bulk import scans on every core at once. The findings are the
same as in-process scans: the workers run `privacy.scan_here` itself.

`leerwiki serve` and `leerwiki import-content` install a pool with `install()`; without one
(tests, other commands) `privacy` scans in the calling process. `leerwiki serve` answers
before deduce is ready (its first load after an install builds a lookup cache, about two
minutes): it installs the scanner with a `save_wait`, so a save waits that long for it and
then gets ScannerNotReady (503) instead of hanging; pages never scan.
"""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from wiki.processes import exit_with_parent
from wiki.services import privacy
from wiki.services.errors import ScannerNotReady

log = logging.getLogger(__name__)
SCAN_TIMEOUT = 120.0  # seconds a scan may take once the scanner is ready
SAVE_WAIT = 30.0  # seconds a save under `serve` waits for a scanner still being prepared
Fields = Mapping[str, str | None]
Readiness = Callable[[float | None], bool]  # waits at most that long; True once ready


class Scanner(Protocol):
    """Where privacy scans run: scanner processes (ScanPool) or this process (InProcess)."""

    def scan_fields(self, fields: Fields) -> list[privacy.Finding]: ...
    def submit(self, fields: Fields) -> Future[list[privacy.Finding]]: ...
    def wait_ready(self, timeout: float | None = None) -> bool: ...
    def close(self) -> None: ...


class ScanPool:
    """A fixed number of scanner processes, each with deduce loaded once."""

    def __init__(self, workers: int = 1, save_wait: float | None = None) -> None:
        self.workers = max(1, workers)
        self.save_wait = save_wait  # None: a scan waits as long as deduce takes to load
        self._lock = threading.Lock()
        self._ready: list[Future[bool]] = []
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server has threads, and a forked copy of a threaded process
        # may inherit a held lock.
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
        )
        # Start loading deduce now, in every worker; each answer comes after its initializer.
        self._ready = [executor.submit(_ready) for _ in range(self.workers)]
        return executor

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once the workers have loaded deduce; waits at most `timeout` seconds."""
        _done, pending = wait(self._ready, timeout)
        return not pending

    def scan_fields(self, fields: Fields) -> list[privacy.Finding]:
        """privacy.scan_fields in a worker; a crashed worker is replaced and asked again."""
        if self.save_wait is not None and not self.wait_ready(self.save_wait):
            raise ScannerNotReady()
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


class InProcess:
    """Scans in this process, with deduce loading in a background thread meanwhile."""

    def __init__(self, save_wait: float | None = None) -> None:
        self.save_wait = save_wait
        self._loaded = threading.Event()
        threading.Thread(target=self._load, name="privacy-load", daemon=True).start()

    def _load(self) -> None:
        try:
            privacy.warm()
        finally:  # a failed load is retried (and reported) by the first scan
            self._loaded.set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once deduce is loaded; waits at most `timeout` seconds."""
        return self._loaded.wait(timeout)

    def scan_fields(self, fields: Fields) -> list[privacy.Finding]:
        """privacy.scan_here, after at most `save_wait` seconds of waiting for deduce."""
        if self.save_wait is not None and not self.wait_ready(self.save_wait):
            raise ScannerNotReady()
        return privacy.scan_here(fields)

    def submit(self, fields: Fields) -> Future[list[privacy.Finding]]:
        """Scan now (this process has no workers to hand it to)."""
        future: Future[list[privacy.Finding]] = Future()
        future.set_result(privacy.scan_here(fields))
        return future

    def close(self) -> None:
        """Nothing to stop: deduce stays loaded for the life of the process."""


class Preparing:
    """No scanner in this process: another one is preparing deduce (serve --processes)."""

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Never ready here: this process ends when the scanning workers take over."""
        return False

    def scan_fields(self, fields: Fields) -> list[privacy.Finding]:
        """Refused at once: 503 with Retry-After."""
        raise ScannerNotReady()

    def submit(self, fields: Fields) -> Future[list[privacy.Finding]]:
        """Refused at once, like scan_fields."""
        raise ScannerNotReady()

    def close(self) -> None:
        """Nothing to stop."""


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


_installed: Scanner | None = None


def install(workers: int = 1, save_wait: float | None = None) -> Scanner:
    """Scan in `workers` processes from now on (0: in this process, deduce loading in the
    background); a scan waits at most `save_wait` seconds for the scanner to be ready."""
    global _installed
    if _installed is None:
        _installed = ScanPool(workers, save_wait) if workers > 0 else InProcess(save_wait)
    return _installed


def install_preparing() -> None:
    """Refuse scans in this process (a 503) while another process prepares deduce."""
    global _installed
    _installed = Preparing()


def deduce_cache_present() -> bool:
    """Whether deduce's lookup cache exists; without it the first load builds it (minutes)."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or spec.origin is None:
        return False
    cache = Path(spec.origin).parent / "data" / "lookup" / "cache" / "lookup_structs.pickle"
    return cache.is_file()


def installed() -> Scanner | None:
    """The pool privacy scans go to, or None to scan in this process."""
    return _installed


def uninstall() -> None:
    """Scan in this process again and stop the workers."""
    global _installed
    pool, _installed = _installed, None
    if pool is not None:
        pool.close()
