"""Core benchmark: import N synthetic lessons, then time lesson pages served by `leerwiki serve`.

Usage: python bench/lesson_bench.py [--lessons 10000] [--requests 2000]
Prints the import time and the median / p95 latency of lesson pages over loopback HTTP.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import LEERWIKI, prepared_env, start  # noqa: E402
from bench.synthetic import write_lessons  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        slugs = write_lessons(folder, args.lessons, seed=1)
        env = prepared_env(Path(tmp))
        started = time.perf_counter()
        result = subprocess.run(
            [LEERWIKI, "import-content", str(folder)], env=env, capture_output=True, text=True
        )
        import_seconds = time.perf_counter() - started
        print(result.stdout.strip().splitlines()[-1])

        server, port = start(env)
        try:
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
