"""`leerwiki serve` over real HTTP: first start loads content/, a restart imports nothing."""

from __future__ import annotations

import html
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTENT_DIR

from wiki import lessonfile
from wiki.services.validation import slugify

LEERWIKI = Path(sys.executable).with_name("leerwiki")
START_TIMEOUT = 90.0  # a loaded 2-core CI machine; the server is usually up in a few seconds
HTTP_TIMEOUT = 5


def content_lessons() -> list[tuple[str, str]]:
    """(slug, title) of every sample lesson file."""
    found = []
    for path in sorted(CONTENT_DIR.rglob("*.md")):
        meta = lessonfile.parse(path.read_bytes()).front_matter
        found.append((str(meta.get("slug") or slugify(meta["title"])), str(meta["title"])))
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read().decode("utf-8")


class Server:
    """One `leerwiki serve` process; its output goes to a log file."""

    def __init__(self, workdir: Path, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [str(LEERWIKI), "serve", "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                status, _, _ = fetch(self.base + "/api/v1/lessons?per_page=1")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
                continue
            if status == 200:
                return
        pytest.fail(f"server did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self._out.closed:
            self._out.close()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def json(self, path: str) -> Any:
        status, _, text = fetch(self.base + path)
        assert status == 200
        return json.loads(text)


@pytest.fixture
def start_server(tmp_path: Path, databases: Any) -> Iterator[Callable[[], Server]]:
    """Start servers sharing one (empty) database and index below tmp_path; stopped afterwards."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    database_url = databases.fresh(tmp_path, empty=True)
    env = {
        **os.environ,
        "LEERWIKI_DATABASE_URL": database_url,
        "LEERWIKI_INDEX_DIR": str(tmp_path / "index"),
        "LEERWIKI_SECRET_KEY": "x" * 32,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("LEERWIKI_CONTENT_DIR", None)
    env.pop("FLASK_APP", None)
    servers: list[Server] = []

    def start() -> Server:
        server = Server(workdir, env, tmp_path / f"serve-{len(servers) + 1}.log")
        servers.append(server)
        server.wait_until_up()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
        databases.drop(database_url)


def test_first_start_serves_the_sample_content(start_server: Callable[[], Server]) -> None:
    samples = content_lessons()
    assert samples, "content/ holds no lesson files"
    server = start_server()

    listing = server.json("/api/v1/lessons?per_page=100")
    assert listing["total"] == len(samples)
    assert sorted(item["slug"] for item in listing["lessons"]) == sorted(s for s, _ in samples)

    status, headers, page = fetch(server.base + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    text = html.unescape(page)
    assert f"{len(samples)} lessen" in text
    assert any(title in text for _, title in samples), "no sample lesson title on the home page"

    slug, title = samples[0]
    status, headers, page = fetch(f"{server.base}/lessons/{slug}")
    assert status == 200
    assert title in html.unescape(page)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"

    detail = server.json(f"/api/v1/lessons/{slug}")
    assert (detail["slug"], detail["title"], detail["revision"]) == (slug, title, 1)

    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(server.base + "/lessons/bestaat-echt-niet")
    assert missing.value.code == 404
    missing.value.close()

    assert f"created {len(samples)}" in server.output()
    assert "rejected 0" in server.output()


def test_restart_imports_nothing(start_server: Callable[[], Server]) -> None:
    samples = content_lessons()
    first = start_server()
    before = first.json("/api/v1/lessons?per_page=100")
    first.stop()
    assert f"created {len(samples)}" in first.output()
    assert "Voorbeeldinhoud geladen" in first.output()

    second = start_server()
    after = second.json("/api/v1/lessons?per_page=100")
    output = second.output()
    assert "Voorbeeldinhoud geladen" not in output
    assert "created" not in output
    assert "draait op" in output
    assert after["total"] == before["total"] == len(samples)
    assert [(i["slug"], i["revision"]) for i in after["lessons"]] == [
        (i["slug"], i["revision"]) for i in before["lessons"]
    ]


def test_simultaneous_edits_from_one_base_give_one_200_and_409s_never_a_500(
    start_server: Callable[[], Server], tmp_path: Path
) -> None:
    """Several PUTs from the same base revision at the same moment: exactly one is stored.

    The race between the base-revision check and the insert ends at the unique (lesson,
    number) constraint, which must answer 409 like any other conflict (found by the load run).
    """
    server = start_server()
    env = {**server.env, "LEERWIKI_INDEX_DIR": str(tmp_path / "index-cli")}
    subprocess.run(  # noqa: S603 - our own command line
        [LEERWIKI, "users", "create", "racer@example.nl", "--role", "curator"],
        env=env, input="correct horse battery\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    token = subprocess.run(  # noqa: S603
        [LEERWIKI, "tokens", "create", "racer@example.nl"],
        env=env, text=True, check=True, capture_output=True,
    ).stdout.split()[-1]  # fmt: skip
    slug = content_lessons()[0][0]

    def put(base: int, n: int, barrier: threading.Barrier) -> int:
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            f"{server.base}/api/v1/lessons/{slug}",
            method="PUT",
            data=json.dumps({"base_revision": base, "summary": f"Versie {base}-{n}"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            refused.close()
            return int(refused.code)

    for _round in range(5):
        base = server.json(f"/api/v1/lessons/{slug}")["revision"]
        barrier = threading.Barrier(4)
        with ThreadPoolExecutor(4) as pool:
            statuses = sorted(pool.map(lambda n, b=base, w=barrier: put(b, n, w), range(4)))
        assert statuses == [200, 409, 409, 409], statuses
        assert server.json(f"/api/v1/lessons/{slug}")["revision"] == base + 1
