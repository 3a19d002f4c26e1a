"""Two nodes on one PostgreSQL: how long until a save on node A is searchable on node B.

Usage: python bench/nodes_bench.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
           [--saves 30] [--down-saves 20]

Creates a fresh database on the server, starts two `leerwiki serve` processes on it, each
with its own index folder, and times, for each of --saves new lessons posted to A, the delay
until B's search API finds the lesson's unique word (and A's, for comparison). Then it stops
B, posts --down-saves more lessons to A, starts B again and times how long B needs after it
answers until every one of them is searchable. Prints median, p95 and maximum.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import LEERWIKI, start  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account in a throwaway database


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Node:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.server, self.port = start(env)

    def request(self, method: str, path: str, token: str = "", body: object = None) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {answer}")
        return answer

    def found(self, word: str) -> bool:
        return self.request("GET", f"/api/v1/search?q={word}")["total"] == 1

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(30)


def until(check, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"not within {timeout} s")
        time.sleep(0.01)
    return time.perf_counter() - started


def lesson(word: str) -> dict[str, object]:
    return {
        "title": f"Knooppunt {word}",
        "municipality": "Tilburg",
        "type": "generic",
        "themes": ["integraal-werken"],
        "owner": "Wijkteam Tilburg",
        "active_elements": ["vaste contactpersoon"],
        "markdown": f"## Aanpak\n\nDe aanpak heet {word}.\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--down-saves", type=int, default=20)
    args = parser.parse_args()

    name = f"leerwiki_nodes_{os.getpid()}"
    with psycopg.connect(args.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.url.rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            base = {
                **os.environ,
                "LEERWIKI_DATABASE_URL": url,
                "LEERWIKI_SECRET_KEY": "nodes-" + "x" * 40,
                "LEERWIKI_CONTENT_DIR": str(tmp / "empty"),
            }
            env_a = {**base, "LEERWIKI_INDEX_DIR": str(tmp / "index-a")}
            env_b = {**base, "LEERWIKI_INDEX_DIR": str(tmp / "index-b")}
            subprocess.run([LEERWIKI, "db", "upgrade"], env=env_a, check=True, capture_output=True)
            subprocess.run(
                [LEERWIKI, "users", "create", "a@example.nl", "--role", "author"]
                + ["--municipality", "Tilburg"],
                env=env_a,
                input=PASSWORD + "\n",
                text=True,
                check=True,
                capture_output=True,
            )
            token = subprocess.run(
                [LEERWIKI, "tokens", "create", "a@example.nl"],
                env=env_a,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            a, b = Node(env_a), Node(env_b)
            a.request("POST", "/api/v1/lessons", token, lesson("opwarmwoord"))  # deduce loads
            until(lambda: b.found("opwarmwoord"))
            on_a, on_b = [], []
            for _ in range(args.saves):
                word = "w" + uuid.uuid4().hex[:12]
                started = time.perf_counter()
                a.request("POST", "/api/v1/lessons", token, lesson(word))
                seen: dict[str, float] = {}
                while len(seen) < 2:  # poll both nodes; note when each first finds it
                    for label, node in (("a", a), ("b", b)):
                        if label not in seen and node.found(word):
                            seen[label] = time.perf_counter() - started
                    if time.perf_counter() - started > 30:
                        raise SystemExit(f"{word} not searchable on both nodes within 30 s")
                    time.sleep(0.01)
                on_a.append(seen["a"])
                on_b.append(seen["b"])
            b.stop()
            missed = []
            for _ in range(args.down_saves):
                word = "w" + uuid.uuid4().hex[:12]
                a.request("POST", "/api/v1/lessons", token, lesson(word))
                missed.append(word)
            b = Node(env_b)
            catch_up = until(lambda: all(b.found(w) for w in missed), timeout=60)
            a.stop()
            b.stop()
    finally:
        with psycopg.connect(args.url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def row(label: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (
            f"| {label} | {len(ms)} | {statistics.median(ms):.0f} ms | "
            f"{pct(ms, 0.95):.0f} ms | {max(ms):.0f} ms |"
        )

    print("| save on node A, searchable on | saves | median | p95 | max |")
    print("|---|---|---|---|---|")
    print(row("node A (the node that saved)", on_a))
    print(row("node B (follows the change sequence)", on_b))
    print(
        f"\nnode B down during {args.down_saves} saves on A: all searchable on B "
        f"{catch_up * 1000:.0f} ms after B answered again"
    )


if __name__ == "__main__":
    main()
