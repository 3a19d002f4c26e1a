"""The production server: waitress, in one process or in several forked from one parent.

A Python process runs on one core at a time (the GIL), so `leerwiki serve --processes N`
forks N workers that accept on one shared listening socket. The parent prepares everything
once (database, index repair, then deduce and the sample content while one interim worker
answers pages on that socket) and then only supervises: it runs no
thread (the one that loads deduce has ended before the workers fork), since a process forked
from a threaded one may inherit a held lock, so it can fork a replacement for a worker that
dies at any time. One more child follows the database's change
sequence for the shared index folder. SIGTERM or SIGINT stops them all; a child whose parent
is gone (kill -9) stops too, so no orphan keeps serving the port.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

import waitress
from flask import Flask
from limits import parse_many

from wiki import config as settings
from wiki.extensions import db
from wiki.processes import exit_with_parent
from wiki.services import following, indexing, privacy, privacy_pool

log = logging.getLogger(__name__)
RESTART_PAUSE = 1.0  # seconds before a worker that died is started again


def serve(
    app: Flask,
    host: str,
    port: int,
    threads: int,
    processes: int,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Serve until stopped; `processes` > 1 forks that many workers (POSIX only).

    With several processes, `meanwhile` (loading deduce, which the workers then share) runs
    in the parent while one interim worker serves pages; saves wait for the real workers.
    """
    # The follower is the node's one index writer: it follows other nodes' changes and
    # indexes this node's saves, which wake it.
    wakeup = following.Wakeup()
    indexing.leave_saves_to(app, wakeup.notify)
    if processes <= 1:
        following.Follower(app, wakeup).start()
        _warm_in_background()
        waitress.serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="leerwiki",
            clear_untrusted_proxy_headers=clears_proxy_headers(app),
        )
        return
    listener = socket.create_server((host, port), backlog=1024)
    if meanwhile is not None:
        _serve_meanwhile(app, listener, threads, meanwhile)
    _prepare_fork(app, processes)
    web = [lambda: _web(app, listener, threads)] * processes
    Supervisor([*web, lambda: following.Follower(app, wakeup).run()]).run()


def clears_proxy_headers(app: Flask) -> bool:
    """Whether waitress drops X-Forwarded-*: yes, unless TRUST_PROXY leaves them to ProxyFix.

    Waitress 3 drops every X-Forwarded-* header from a peer it was not told to trust, so
    under `serve` TRUST_PROXY would see none. With TRUST_PROXY set, waitress passes them on
    untouched and the app's ProxyFix (wiki/__init__.py), their one reader, turns them into
    the client's address, scheme and host, as under any other WSGI server. Without it,
    waitress keeps dropping them, so a client cannot forge its address.
    """
    return settings.proxy_count(app.config["TRUST_PROXY"]) == 0


def _warm_in_background() -> None:
    """Warm the search caches beside waitress: pages are served meanwhile."""
    threading.Thread(target=indexing.search_index().warm, daemon=True).start()


def _serve_meanwhile(
    app: Flask, listener: socket.socket, threads: int, work: Callable[[], None]
) -> None:
    """Run `work` here while one forked worker serves pages without a privacy scanner."""
    _close_shared(app)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(lambda: _interim_web(app, listener, threads), parent)  # never returns
    try:
        work()
    finally:
        # SIGINT lets waitress finish the requests it is answering; the listening socket
        # stays open, so connections arriving meanwhile wait for the workers.
        os.kill(pid, signal.SIGINT)
        os.waitpid(pid, 0)


def _interim_web(app: Flask, listener: socket.socket, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # waitress closes on it
    privacy_pool.install_preparing()  # never load deduce here: the parent is doing that
    waitress.serve(app, sockets=[listener], threads=threads, ident="leerwiki")


def _close_shared(app: Flask) -> None:
    """Close what a forked child must not share: the index's files, database connections."""
    indexing.search_index().close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _prepare_fork(app: Flask, processes: int) -> None:
    """Leave nothing open that workers would share, and share what is read-only."""
    # Deduce (1.1 GB) is loaded once here and shared copy-on-write by every worker, each of
    # which then scans in its own process; gc.freeze keeps the collector from touching (and
    # so copying) those pages.
    privacy.warm()
    # Each process counts failed sign-ins in its own memory unless the storage is shared: give
    # each its share of the limit, so an address gets no more attempts in all than configured.
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        app.config["LOGIN_RATE_LIMIT"] = per_process(app.config["LOGIN_RATE_LIMIT"], processes)
    _close_shared(app)
    gc.collect()
    gc.freeze()


def per_process(limit: str, processes: int) -> str:
    """A rate limit split over processes, rounded up: '5 per minute' over 2 is 3 each."""
    return ";".join(
        f"{-(-item.amount // processes)} per {item.multiples} {item.GRANULARITY.name}"
        for item in parse_many(limit)
    )


def _web(app: Flask, listener: socket.socket, threads: int) -> None:
    _warm_in_background()  # one other child follows the changes and indexes for all
    waitress.serve(
        app,
        sockets=[listener],
        threads=threads,
        ident="leerwiki",
        clear_untrusted_proxy_headers=clears_proxy_headers(app),
    )


def _child(work: Callable[[], None], parent: int) -> None:
    """Runs `work` in a forked child, which ends with it (or with the parent); never returns."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        exit_with_parent(parent)
        work()
    except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
        log.exception("server process %s failed", os.getpid())
        os._exit(1)
    os._exit(0)


class Supervisor:
    """Runs each job in a forked child, forks it again when it ends, stops them all on a
    signal."""

    def __init__(self, jobs: list[Callable[[], None]]) -> None:
        self.jobs = jobs
        self.children: dict[int, int] = {}  # pid -> job
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for job in range(len(self.jobs)):
            self._fork(job)
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            job = self.children.pop(pid, -1)
            if job < 0 or self.stopping:
                continue
            log.error("server process %s stopped (status %s); starting another", pid, status)
            time.sleep(RESTART_PAUSE)
            if not self.stopping:
                self._fork(job)
        sys.exit(0)

    def _fork(self, job: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(self.jobs[job], parent)  # never returns
        self.children[pid] = job

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.pop(pid, None)
