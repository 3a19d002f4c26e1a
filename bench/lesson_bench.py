"""Core benchmark: import N synthetic lessons, then time lesson pages served by `leerwiki serve`.

Usage: python bench/lesson_bench.py [--lessons 10000] [--requests 2000]
Prints the import time and the median / p95 latency of lesson pages over loopback HTTP.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import write_lessons  # noqa: E402

LEERWIKI = str(Path(sys.executable).with_name("leerwiki"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        slugs = write_lessons(folder, args.lessons, seed=1)
        env = {
            **os.environ,
            "LEERWIKI_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
            "LEERWIKI_INDEX_DIR": f"{tmp}/index",
            "LEERWIKI_SECRET_KEY": "bench-" + "x" * 40,
            "LEERWIKI_CONTENT_DIR": f"{tmp}/empty",
        }
        subprocess.run([LEERWIKI, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        result = subprocess.run(
            [LEERWIKI, "import-content", str(folder)], env=env, capture_output=True, text=True
        )
        import_seconds = time.perf_counter() - started
        print(result.stdout.strip().splitlines()[-1])

        port = free_port()
        server = subprocess.Popen(
            [LEERWIKI, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            rng = random.Random(2)
            for slug in rng.sample(slugs, 50):  # warm-up: connections, imports, template cache
                conn.request("GET", f"/lessons/{slug}")
                conn.getresponse().read()
            timings = []
            for _ in range(args.requests):
                slug = rng.choice(slugs)
                t0 = time.perf_counter()
                conn.request("GET", f"/lessons/{slug}")
                response = conn.getresponse()
                response.read()
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status == 200, response.status
            conn.close()
        finally:
            server.terminate()
            server.wait(10)

    timings.sort()
    print(f"lessons in database       {args.lessons}")
    print(f"import time               {import_seconds:.1f} s   (target <= 60 s for 10,000)")
    print(f"lesson page median        {statistics.median(timings):.2f} ms   (target <= 5 ms)")
    print(f"lesson page p95           {timings[int(len(timings) * 0.95)]:.2f} ms")
    print(f"requests timed            {len(timings)} (one keep-alive client, loopback)")


if __name__ == "__main__":
    main()
