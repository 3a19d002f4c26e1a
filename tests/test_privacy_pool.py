"""Privacy scans in worker processes: the same findings as in-process, and a dead worker is
replaced without losing the scan."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from wiki.services import privacy, privacy_pool

TEXT = {
    "title": "Schuldhulp in Tilburg",
    "body": "Mevrouw Jansen belde op 06-12345678 over BSN 111222333.\n",
}


@pytest.fixture
def pool() -> Iterator[privacy_pool.ScanPool]:
    installed = privacy_pool.install(1)
    yield installed
    privacy_pool.uninstall()


def test_worker_finds_what_this_process_finds(pool: privacy_pool.ScanPool) -> None:
    remote = privacy.scan_fields(TEXT)  # goes to the installed pool
    assert {f.kind for f in remote} >= {"name", "phone", "bsn"}
    assert remote == privacy.scan_here(TEXT)
    assert privacy.scan_fields({"body": "Het wijkteam in Tilburg hielp."}) == []


def test_submitted_scans_run_in_parallel_and_keep_their_order(
    pool: privacy_pool.ScanPool,
) -> None:
    futures = [pool.submit({"body": f"Bel 06-1234567{n}."}) for n in range(6)]
    texts = [[f.text for f in future.result(60)] for future in futures]
    assert texts == [[f"06-1234567{n}"] for n in range(6)]


def test_a_killed_worker_is_replaced_and_the_scan_answered(
    pool: privacy_pool.ScanPool,
) -> None:
    assert privacy.scan_fields(TEXT)  # the worker is up
    workers = list(pool._executor._processes)  # noqa: SLF001 - the process ids to kill
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    assert {f.kind for f in privacy.scan_fields(TEXT)} >= {"bsn"}


def test_without_a_pool_scans_run_here(app: Any) -> None:
    assert privacy_pool.installed() is None
    assert {f.kind for f in privacy.scan_fields(TEXT)} >= {"bsn"}


def test_scanner_processes_end_with_a_killed_server(tmp_path: Any) -> None:
    """A server killed with SIGKILL must not leave its 1.1 GB scanner behind."""
    import subprocess
    import sys
    import time

    script = (
        "import time\n"
        "from wiki.services import privacy_pool\n"
        "pool = privacy_pool.install(1)\n"
        "print(*pool._executor._processes, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers
    parent.kill()
    parent.wait(10)
    parent.stdout.close()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
