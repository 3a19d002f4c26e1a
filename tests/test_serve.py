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
from wiki.server import per_process
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

    def __init__(
        self, workdir: Path, env: dict[str, str], log: Path, args: tuple[str, ...] = ()
    ) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [str(LEERWIKI), "serve", "--port", str(self.port), *args],
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
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"server did not answer within {START_TIMEOUT} s:\n{self.output()}")
        # It answers before the privacy scanner is ready and the sample lessons are in: the
        # tests expect both, so wait for the log to tell.
        while self.first_start_pending():
            if time.monotonic() > deadline + START_TIMEOUT or self.process.poll() is not None:
                pytest.fail(f"the first start did not finish:\n{self.output()}")
            time.sleep(0.2)

    def first_start_pending(self) -> bool:
        """Whether the scanner is still being prepared or the sample lessons imported."""
        output = self.output()
        if "Privacyscanner klaar" not in output:
            return True
        importing = "voorbeeldlessen importeren" in output
        return importing and "Voorbeeldlessen geïmporteerd" not in output

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
def start_server(tmp_path: Path, databases: Any) -> Iterator[Callable[..., Server]]:
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

    def start(*args: str) -> Server:
        server = Server(workdir, env, tmp_path / f"serve-{len(servers) + 1}.log", args)
        servers.append(server)
        server.wait_until_up()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
        databases.drop(database_url)


def curator_token(server: Server, tmp_path: Path) -> str:
    """A curator's API token, made with the command line on the server's database."""
    env = {**server.env, "LEERWIKI_INDEX_DIR": str(tmp_path / "index-cli")}
    subprocess.run(  # noqa: S603 - our own command line
        [LEERWIKI, "users", "create", "racer@example.nl", "--role", "curator"],
        env=env, input="correct horse battery\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    return subprocess.run(  # noqa: S603
        [LEERWIKI, "tokens", "create", "racer@example.nl"],
        env=env, text=True, check=True, capture_output=True,
    ).stdout.split()[-1]  # fmt: skip


def test_first_start_serves_the_sample_content(start_server: Callable[..., Server]) -> None:
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

    output = server.output()
    assert f"created {len(samples)}" in output
    assert "rejected 0" in output
    # Each step is told, and the wiki answered before the scanner and the samples were ready.
    steps = [
        "Database controleren",
        "Database aangemaakt",
        "Privacyscanner wordt",
        f"{len(samples)} voorbeeldlessen importeren",
        "draait op http://127.0.0.1",
        "Privacyscanner klaar",
        "Voorbeeldlessen geïmporteerd",
    ]
    positions = [output.find(step) for step in steps]
    assert -1 not in positions, output
    assert positions == sorted(positions), output


def test_restart_imports_nothing(start_server: Callable[..., Server]) -> None:
    samples = content_lessons()
    first = start_server()
    before = first.json("/api/v1/lessons?per_page=100")
    first.stop()
    assert f"created {len(samples)}" in first.output()
    assert "Voorbeeldlessen geïmporteerd" in first.output()

    second = start_server()
    after = second.json("/api/v1/lessons?per_page=100")
    output = second.output()
    assert "voorbeeldlessen" not in output.lower()
    assert "created" not in output
    assert "draait op" in output
    assert after["total"] == before["total"] == len(samples)
    assert [(i["slug"], i["revision"]) for i in after["lessons"]] == [
        (i["slug"], i["revision"]) for i in before["lessons"]
    ]


def test_simultaneous_edits_from_one_base_give_one_200_and_409s_never_a_500(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    """Several PUTs from the same base revision at the same moment: exactly one is stored.

    The race between the base-revision check and the insert ends at the unique (lesson,
    number) constraint, which must answer 409 like any other conflict (found by the load run).
    """
    server = start_server()
    token = curator_token(server, tmp_path)
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


def children_of(pid: int) -> list[int]:
    """Child processes of `pid`, oldest first (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:  # field 4, ppid; field 22, start time
                found.append((int(fields[19]), int(entry.name)))
    return [child for _, child in sorted(found)]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_several_processes_share_the_port_the_index_and_their_end(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    """--processes 2: two web processes answer on the one port and see each other's saves
    (one index folder); a third follows the change sequence and indexes their saves; all end
    with their parent."""
    server = start_server("--processes", "2")
    # An interim worker answered while the parent loaded deduce for the workers to share.
    output = server.output()
    steps = ["draait op", "Privacyscanner klaar", "Voorbeeldlessen geïmporteerd"]
    positions = [output.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), output
    deadline = time.monotonic() + 10  # the first child may answer before the last is forked
    while len(children := children_of(server.process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(children) == 3, children  # two web processes, then the follower
    web = children[:2]
    before = [cpu_ticks(pid) for pid in web]
    slugs = [slug for slug, _ in content_lessons()]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda n: fetch(f"{server.base}/lessons/{slugs[n % len(slugs)]}")[0], range(160)
            )
        )
    assert statuses == [200] * 160
    worked = [cpu_ticks(pid) - ticks for pid, ticks in zip(web, before, strict=True)]
    assert all(ticks > 0 for ticks in worked), worked  # both took connections

    token = curator_token(server, tmp_path)
    slug = slugs[0]
    base = server.json(f"/api/v1/lessons/{slug}")["revision"]
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{server.base}/api/v1/lessons/{slug}",
        method="PUT",
        data=json.dumps({"base_revision": base, "summary": "Over kangoeroezorg."}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        assert answer.status == 200
    # The node's follower indexes the save (woken by it), for both processes' searches.
    deadline = time.monotonic() + 2
    while server.json("/api/v1/search?q=kangoeroezorg")["total"] == 0:
        assert time.monotonic() < deadline, "not searchable within 2 s"
        time.sleep(0.05)
    # Every search below goes over a new connection, to either process: all must find it.
    for _ in range(10):
        found = server.json("/api/v1/search?q=kangoeroezorg")
        assert [hit["slug"] for hit in found["hits"]] == [slug]

    server.process.kill()  # kill -9: no chance to stop the children
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == [], f"children outlived their parent: {alive}"


def test_a_memory_rate_limit_is_split_over_the_processes() -> None:
    """Each process counts failed sign-ins in its own memory: each gets its share."""
    assert per_process("5 per minute;20 per hour", 2) == "3 per 1 minute;10 per 1 hour"
    assert per_process("5 per minute", 1) == "5 per 1 minute"
