"""Following the database's change sequence, so each node's own index stays current.

Several app nodes share one database; each keeps its own Whoosh index. Every change the
index must reflect (a revision, a confirmation) adds a `lesson_change` row in the same
transaction. Each node reads the rows after the last one it applied, re-indexes those
lessons and remembers how far it got in a file next to its index, so a node that was down
catches up on what the others wrote meanwhile.

Sequence numbers can commit out of order on PostgreSQL (a transaction that took number 10
may commit after one that took 11), so the remembered position only advances over an
unbroken run of applied numbers; a gap is waited for, and given up after GAP_TIMEOUT (a
rolled-back transaction leaves a gap that never fills).
"""

from __future__ import annotations

import logging
import os
import select as fd_select  # sqlalchemy's select is the other one
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import LessonChange
from wiki.services import indexing

log = logging.getLogger(__name__)
POSITION_FILE = "applied_change"
GAP_TIMEOUT = 30.0  # seconds a missing sequence number is waited for
BATCH = 2000
POLL_INTERVAL = 0.5  # seconds between polls when no save of this node wakes the follower
# Seconds from one index commit to the next while saves keep coming. Every commit makes each
# server process open the new index generation, whose first searches cost about twice a
# later one. Spaced like this, a save was searchable on both nodes within 1.2 s in
# bench/nodes_bench.py.
COMMIT_SPACING = 1.0


@dataclass
class Position:
    """How far this node's index has followed the change sequence."""

    path: Path
    applied: int = 0  # every change up to and including this one is in the index
    beyond: set[int] = field(default_factory=set)  # applied changes after a gap
    gap_since: float | None = None

    @classmethod
    def load(cls, index_dir: str) -> Position:
        path = Path(index_dir) / POSITION_FILE
        try:
            applied = int(path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            applied = -1  # unknown: the caller decides where to start
        return cls(path, applied)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(str(self.applied))
        os.replace(temporary, self.path)  # atomic: a crash leaves the old or the new number


def latest_change() -> int:
    return int(db.session.execute(select(func.max(LessonChange.id))).scalar_one() or 0)


def mark_current(index_dir: str, upto: int) -> None:
    """After a full rebuild or repair from the database: the index holds everything up to
    `upto` (read before the rebuild began, so changes made during it are applied again)."""
    position = Position(Path(index_dir) / POSITION_FILE, upto)
    position.save()


def follow_once(position: Position, now: float | None = None) -> int:
    """Apply the changes after `position`; returns how many lessons were (re)written."""
    now = time.monotonic() if now is None else now
    rows = db.session.execute(
        select(LessonChange.id, LessonChange.lesson_id)
        .where(LessonChange.id > position.applied)
        .order_by(LessonChange.id)
        .limit(BATCH)
    ).all()
    db.session.rollback()  # end the read transaction: the next poll must see new commits
    fresh = [(change, lesson) for change, lesson in rows if change not in position.beyond]
    written = 0
    if fresh:
        # Raises on failure: the same changes are tried again at the next poll.
        written = indexing.index_lessons({lesson for _, lesson in fresh}, skip_current=True)
        position.beyond.update(change for change, _ in fresh)
    before = position.applied
    while True:
        while position.applied + 1 in position.beyond:
            position.applied += 1
            position.beyond.discard(position.applied)
        if not position.beyond:
            position.gap_since = None
            break
        if position.gap_since is None:
            position.gap_since = now
        if now - position.gap_since < GAP_TIMEOUT:
            break
        # The missing number never committed: skip to the next applied change.
        position.applied = min(position.beyond) - 1
        position.gap_since = None
    if position.applied != before:
        position.save()
    return written


class Wakeup:
    """A pipe on which a node's server processes tell its follower that they saved.

    Made before `leerwiki serve` forks, so every worker and the follower share it. A save
    writes one byte and goes on (a full pipe already means "wake up"); the follower wakes at
    once, and saves that land while it indexes wait in the pipe for its next round, so under
    load many saves go into one index commit.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def notify(self) -> None:
        try:
            os.write(self._write, b"\0")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already

    def wait(self, timeout: float) -> None:
        """Until a save was notified or `timeout` passed; takes every pending wake-up."""
        readable, _, _ = fd_select.select([self._read], [], [], timeout)
        if readable:
            try:
                while os.read(self._read, 4096):
                    pass
            except BlockingIOError:
                pass


class Follower(threading.Thread):
    """Follows the change sequence in the background of `leerwiki serve`.

    With a `wakeup`, it is also the node's indexer: the server processes leave their own
    saves to it (`indexing.leave_saves_to`), so one writer per node commits them in batches.
    """

    def __init__(
        self, app: Flask, wakeup: Wakeup | None = None, interval: float = POLL_INTERVAL
    ) -> None:
        super().__init__(name="change-follower", daemon=True)
        self.app = app
        self.wakeup = wakeup
        self.interval = interval
        self.stopping = threading.Event()
        self.last_write = float("-inf")

    def _pause(self) -> None:
        if self.wakeup is None:
            self.stopping.wait(self.interval)
        else:
            self.wakeup.wait(self.interval)
        # Saves that land meanwhile wait in the change sequence (and the pipe) for one commit.
        self.stopping.wait(self.last_write + COMMIT_SPACING - time.monotonic())

    def run(self) -> None:
        with self.app.app_context():
            position = Position.load(self.app.config["INDEX_DIR"])
            if position.applied < 0:  # a new or rebuilt index: start-up repair made it current
                position.applied = latest_change()
                position.save()
            while not self.stopping.is_set():
                self._pause()
                try:
                    if follow_once(position):
                        self.last_write = time.monotonic()
                except Exception:  # noqa: BLE001 - keep following; the next poll retries
                    log.exception("following the change sequence failed; retrying")
                    db.session.rollback()
                finally:
                    db.session.remove()
