"""A first start on an empty wiki says why it is still empty: the sample lessons wait for the
privacy scanner (a real scanner process, as under `leerwiki serve`), and the pages say so
until they are imported."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask

from wiki import startup
from wiki.services import privacy_pool, setup

NOTICE = "De voorbeeldlessen verschijnen zodra de privacyscanner klaar is"


def test_pages_say_the_samples_are_coming_until_they_are_imported(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    with app.app_context():
        assert setup.is_empty()
        startup.prepare(app, processes=1)  # starts the scanner; samples follow in a thread
    try:
        assert setup.samples_pending()
        assert NOTICE in client.get("/").get_data(as_text=True)
        deadline = time.monotonic() + 120
        while setup.samples_pending():
            assert time.monotonic() < deadline, "the sample lessons were never imported"
            time.sleep(0.2)
        page = client.get("/").get_data(as_text=True)
        assert NOTICE not in page
        with app.app_context():
            assert not setup.is_empty()
    finally:
        privacy_pool.uninstall()
