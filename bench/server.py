"""Starting `leerwiki serve` for a benchmark and waiting until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

LEERWIKI = str(Path(sys.executable).with_name("leerwiki"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepared_env(tmp: Path) -> dict[str, str]:
    """Environment for a throwaway wiki in `tmp`, with its database migrated."""
    env = {
        **os.environ,
        "LEERWIKI_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
        "LEERWIKI_INDEX_DIR": f"{tmp}/index",
        "LEERWIKI_SECRET_KEY": "bench-" + "x" * 40,
        "LEERWIKI_CONTENT_DIR": f"{tmp}/empty",
    }
    subprocess.run([LEERWIKI, "db", "upgrade"], env=env, check=True, capture_output=True)
    return env


def start(env: dict[str, str], timeout: float = 120) -> tuple[subprocess.Popen[bytes], int]:
    """A running server on a free loopback port; the caller terminates it."""
    port = free_port()
    server = subprocess.Popen(
        [LEERWIKI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.terminate()
                raise
            time.sleep(0.2)
