"""What `leerwiki serve` does before and beside waitress, with a line in the log for each step.

The wiki answers within seconds of `leerwiki serve`, also on a fresh install: there deduce's
first load builds its lookup cache (about two minutes of CPU), so the privacy scanner is
prepared in the background while pages, search and reads are served. Saves wait a bounded
time for it (privacy_pool.SAVE_WAIT) and otherwise get a 503 with Retry-After; the sample
lessons of a first start are imported as soon as it is ready (they are scanned too).

With `--processes` above 1 deduce is loaded in the parent before the workers fork (shared
copy-on-write by them); an interim worker serves meanwhile (wiki/server.py), refusing saves.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask_babel import gettext

from wiki.cli_support import ensure_schema
from wiki.services import content_io, indexing, privacy, privacy_pool, setup

log = logging.getLogger(__name__)
PROGRESS_EVERY = 30.0  # seconds between "still preparing" lines


def configure_log() -> None:
    """Our log lines (the `wiki` loggers) go to stderr with the time of day."""
    logger = logging.getLogger("wiki")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # alembic's logging setup would print them a second time


def prepare(app: Flask, processes: int) -> Callable[[], None] | None:
    """Migrate, repair the index, start the privacy scanner and load the sample lessons of a
    first start (in the background with one process); logs each step. In an app context.

    With several processes returns what is left (loading deduce, then the sample lessons),
    for the parent to do while an interim worker serves (server.serve's `meanwhile`).
    """
    started = time.perf_counter()
    log.info(gettext("Checking the database ..."))
    done = ensure_schema(upgrade=True)
    if done:
        log.info(done)
    content_dir = Path(app.config["CONTENT_DIR"])
    first_start = content_dir.is_dir() and setup.is_empty()
    drift = indexing.repair()
    if not drift.clean and setup.is_empty():
        log.info(gettext("Search index created."))
    elif not drift.clean:
        log.info(gettext("Search index repaired: %(summary)s", summary=drift.summary()))
    _announce_scanner()
    if first_start:
        setup.expect_samples()
        count = len(content_io.lesson_files(content_dir))
        log.info(
            gettext(
                "Importing %(count)s sample lessons from %(folder)s once the privacy scanner "
                "is ready ...",
                count=count,
                folder=str(content_dir),
            )
        )
    log.info(gettext("Ready to serve in %(seconds).1f s.", seconds=time.perf_counter() - started))
    if processes > 1:
        # Loaded before the workers fork, so they all share one copy (see wiki/server.py).
        def rest() -> None:
            _wait_with_progress(_loaded_in_thread(privacy.warm), started)
            if first_start:
                _load_samples(content_dir)

        return rest
    else:
        scanner = privacy_pool.install(
            int(app.config["PRIVACY_WORKERS"]), save_wait=privacy_pool.SAVE_WAIT
        )
        threading.Thread(
            target=_after_scanner,
            args=(app, scanner, content_dir if first_start else None, started),
            name="first-start",
            daemon=True,
        ).start()
    return None


def _announce_scanner() -> None:
    if privacy_pool.deduce_cache_present():
        log.info(gettext("Privacy scanner loading (a few seconds) ..."))
    else:
        log.info(gettext("Privacy scanner being prepared (once, about 2 minutes) ..."))


def _after_scanner(
    app: Flask, scanner: privacy_pool.Scanner, content_dir: Path | None, started: float
) -> None:
    """Beside waitress: tell when the scanner is ready, then import the sample lessons."""
    with app.app_context():
        try:
            _wait_with_progress(scanner.wait_ready, started)
            if content_dir is not None:
                _load_samples(content_dir)
        except Exception:
            log.exception(gettext("First start failed; run 'leerwiki import-content content/'"))


def _loaded_in_thread(load: Callable[[], None]) -> privacy_pool.Readiness:
    """Run `load` in a thread that ends with it; returns a wait function for it."""
    thread = threading.Thread(target=load, name="privacy-load", daemon=True)
    thread.start()

    def wait_ready(timeout: float | None = None) -> bool:
        thread.join(timeout)
        return not thread.is_alive()

    return wait_ready


def _wait_with_progress(wait_ready: privacy_pool.Readiness, started: float) -> None:
    """Wait for the scanner, with a line every PROGRESS_EVERY seconds and one when ready."""
    since = time.perf_counter()
    while not wait_ready(PROGRESS_EVERY):
        log.info(
            gettext(
                "Privacy scanner still being prepared (%(seconds)d s); pages are served "
                "meanwhile, saves wait for it",
                seconds=time.perf_counter() - since,
            )
        )
    log.info(
        gettext(
            "Privacy scanner ready after %(seconds).0f s (%(total).0f s after start).",
            seconds=time.perf_counter() - since,
            total=time.perf_counter() - started,
        )
    )


def _load_samples(content_dir: Path) -> None:
    """Import the sample lessons into the empty wiki of a first start."""
    report = setup.load_content_if_empty(content_dir)
    if report is None:
        return
    log.info(gettext("Sample lessons imported: %(summary)s", summary=report.summary()))
    for rejection in report.rejected:
        log.warning("  " + gettext("rejected: %(rejection)s", rejection=rejection))
