"""The first `leerwiki serve` of a fresh install: seconds until / answers 200, until the
privacy scanner is ready (its log line) and until the sample lessons are listed.

    python bench/first_start.py [--leerwiki PATH] [--port 8791]

Run it with the `leerwiki` of a fresh virtualenv (deduce without its lookup cache) for the
newcomer's first start; it prints whether the cache was there when the server started.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT = 900.0  # seconds


def deduce_cache(python: Path) -> Path:
    """Where that interpreter's deduce keeps its lookup cache."""
    code = "import importlib.util as u; print(u.find_spec('deduce').origin)"
    origin = subprocess.run(  # noqa: S603 - the virtualenv's own interpreter
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(origin).parent / "data" / "lookup" / "cache" / "lookup_structs.pickle"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leerwiki", default=str(Path(sys.executable).with_name("leerwiki")))
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    leerwiki = Path(args.leerwiki)
    cache = deduce_cache(leerwiki.with_name("python"))
    samples = len(list((Path(__file__).resolve().parent.parent / "content").rglob("*.md")))
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEERWIKI_", "FLASK_"))}
        env.update(
            LEERWIKI_DATABASE_URL=f"sqlite:///{tmp}/wiki.sqlite",
            LEERWIKI_INDEX_DIR=f"{tmp}/index",
            LEERWIKI_SECRET_KEY="first-start-bench-0123456789abcdef",  # noqa: S106 - a throwaway wiki
            PYTHONUNBUFFERED="1",
        )
        log = Path(tmp) / "serve.log"
        print(f"deduce cache present at start: {cache.is_file()} ({cache})")
        base = f"http://127.0.0.1:{args.port}"
        started = time.perf_counter()
        with log.open("wb") as out:
            server = subprocess.Popen(  # noqa: S603 - our own console script
                [str(leerwiki), "serve", "--port", str(args.port)],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        marks: dict[str, float] = {}
        try:
            while time.perf_counter() - started < TIMEOUT:
                # Older versions log no scanner line: there the lessons listed are the end.
                expected = 3 if "Privacyscanner" in log.read_text() else 2
                if len(marks) >= expected:
                    break
                if server.poll() is not None:
                    raise SystemExit(f"serve exited:\n{log.read_text()}")
                now = time.perf_counter() - started
                if "home page 200" not in marks and get(base + "/")[0] == 200:
                    marks["home page 200"] = now
                if "scanner ready" not in marks and "Privacyscanner klaar" in log.read_text():
                    marks["scanner ready"] = now
                if "sample lessons listed" not in marks:
                    status, body = get(base + "/api/v1/lessons?per_page=1")
                    if status == 200 and json.loads(body)["total"] == samples:
                        marks["sample lessons listed"] = now
                time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"deduce cache present at the end: {cache.is_file()}")
        for name, seconds in sorted(marks.items(), key=lambda item: item[1]):
            print(f"{name}: {seconds:.1f} s after `leerwiki serve`")
        print("serve log:")
        print(log.read_text())


if __name__ == "__main__":
    main()
