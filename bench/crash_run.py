"""Crash test: `kill -9` the server in the middle of a burst of API writes, restart, check.

Usage: python bench/crash_run.py [--lessons 2000] [--writers 8] [--seconds 20] [--kills 3]

Imports N synthetic lessons and starts `leerwiki serve`. Then, --kills times: W writer threads
edit a pool of lessons through the API (GET, then PUT with base_revision; each text carries
a unique kenmerk) and record every PUT answered 200 with its revision number. At a random
moment in the second half of --seconds (counted from the first 200, as the first save waits
for deduce) the server gets SIGKILL; it is restarted (its start-up repairs search-index drift)
and the script checks, for all writes so far:

- `PRAGMA integrity_check` says ok;
- every PUT answered 200 is stored as that revision with that exact text, no 409 is stored;
- every lesson's revision numbers are 1..revision_number, without gaps or duplicates;
- `leerwiki reindex --check` exits 0, and the current text of edited lessons is searchable.

PUTs sent before the kill and never answered ("in flight") may or may not have been
committed; the script reports which. Exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_run import (  # noqa: E402
    EDIT_MARK,
    Write,
    check,
    edited,
    prepare_wiki,
    print_tracebacks,
    read_only,
    revision_gaps,
    start_server,
    stored_revisions,
    write_problems,
)
from bench.server import LEERWIKI  # noqa: E402

POOL = 40  # lessons the writers edit: enough contention for 409s, many revisions per lesson


@dataclass
class CrashWrite(Write):
    kill: int = 0  # which burst it belonged to
    sent_at: float = 0.0  # time.monotonic() when the PUT went out; 0: never sent


class Burst:
    """Writer threads editing lessons through the API until `stop()`."""

    def __init__(self, port: int, token: str, pool: list[str], writers: int, kill: int) -> None:
        self.port = port
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.pool = pool
        self.kill = kill
        self.writes: list[CrashWrite] = []  # list.append is atomic: threads share it
        self.first_ack = threading.Event()
        self._stop = threading.Event()
        self.threads = [threading.Thread(target=self.write_loop, args=(n,)) for n in range(writers)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join()

    def write_loop(self, writer: int) -> None:
        rng = random.Random(f"{self.kill}-{writer}")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        n = 0
        while not self._stop.is_set():
            slug = rng.choice(self.pool)
            try:
                conn.request("GET", f"/api/v1/lessons/{slug}")
                response = conn.getresponse()
                lesson = json.loads(response.read())
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()  # the server is gone; wait for stop()
                time.sleep(0.05)
                continue
            if response.status != 200:
                continue
            n += 1
            kenmerk = f"k{self.kill}w{writer}n{n}"
            write = CrashWrite(
                "write", slug, lesson["revision"], edited(lesson["markdown"], kenmerk)
            )
            write.kill = self.kill
            body = {"base_revision": write.base, "markdown": write.text, "comment": "crashtest"}
            self.writes.append(write)
            try:
                write.sent_at = time.monotonic()
                conn.request("PUT", f"/api/v1/lessons/{slug}", json.dumps(body), self.auth)
                response = conn.getresponse()
                answer = response.read()
                write.status = response.status
                if response.status == 200:
                    write.revision = json.loads(answer)["revision"]
                    self.first_ack.set()
            except (OSError, http.client.HTTPException):
                conn.close()  # no answer: status stays None
        conn.close()


def restart_repairs(log: Path, offset: int) -> list[str]:
    """What the restarted server printed about its start-up (index repair, ready time)."""
    text = log.read_bytes()[offset:].decode(errors="replace")
    return [line for line in text.splitlines() if line.startswith(("Zoekindex", "Klaar"))]


def integrity(db_path: Path) -> str:
    with read_only(db_path) as conn:
        return ", ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def reindex_check(env: dict[str, str]) -> tuple[int, str]:
    result = subprocess.run(
        [LEERWIKI, "reindex", "--check"], env=env, capture_output=True, text=True
    )
    return result.returncode, (result.stdout + result.stderr).strip().replace("\n", " / ")


def unsearchable(port: int, slugs: list[str], db_path: Path) -> list[str]:
    """Edited lessons whose current kenmerk does not find them through the search API."""
    current = {}
    with read_only(db_path) as conn:
        for slug in slugs:
            body = conn.execute(
                "SELECT revision.body FROM lesson JOIN revision ON revision.lesson_id = lesson.id "
                "AND revision.number = lesson.revision_number WHERE lesson.slug = ?",
                (slug,),
            ).fetchone()[0]
            if EDIT_MARK in body:
                current[slug] = body.rsplit(EDIT_MARK, 1)[1].rstrip(".\n")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    missing = []
    for slug, kenmerk in current.items():
        conn.request("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": kenmerk}))
        hits = json.loads(conn.getresponse().read())["hits"]
        if [hit["slug"] for hit in hits] != [slug]:
            missing.append(f"{slug} ({kenmerk})")
    conn.close()
    return missing


def verify(wiki_env: dict[str, str], db_path: Path, port: int, writes: list[CrashWrite]) -> bool:
    """All checks after a restart, over the writes of every round so far."""
    stored = stored_revisions(db_path, (w.slug for w in writes))
    problems = write_problems(writes, stored)
    statuses = Counter(str(w.status) for w in writes if w.sent_at)
    gaps = revision_gaps(db_path)
    code, reindex_output = reindex_check(wiki_env)
    missing = unsearchable(port, sorted({w.slug for w in writes}), db_path)
    result = integrity(db_path)
    return all(
        [
            check("PRAGMA integrity_check", result == "ok", result),
            check(
                "every 200 stored as that revision with that text, no 409 stored",
                not problems,
                f"{statuses['200']} acknowledged, {statuses['409']} refused"
                + (f"; {len(problems)} problems, e.g. {problems[:3]}" if problems else ""),
            ),
            check(
                "PUTs answered only 200 or 409 (or not at all: killed)",
                set(statuses) <= {"200", "409", "None"},
                ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())),
            ),
            check("revision numbers 1..n per lesson", not gaps, f"{len(gaps)} gaps {gaps[:3]}"),
            check("`leerwiki reindex --check` exits 0", code == 0, reindex_output),
            check(
                "current text of every edited lesson found by search",
                not missing,
                f"{len(missing)} not found {missing[:3]}",
            ),
        ]
    )


def in_flight_outcome(writes: list[CrashWrite], stored: dict[str, dict[int, str]]) -> str:
    """Unanswered PUTs sent before the kill: how many had been committed anyway."""
    landed = sum(stored[w.slug].get(w.base + 1) == w.text for w in writes)
    return f"{len(writes)} in flight at the kill: {landed} committed, {len(writes) - landed} not"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=int, default=2_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="burst length before a kill")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads")
    args = parser.parse_args()
    rng = random.Random(3)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wiki = prepare_wiki(tmp, args.lessons, seed=2)
        print(f"import: {wiki.import_summary} in {wiki.import_seconds:.1f} s")
        pool = rng.sample(wiki.slugs, POOL)
        log = tmp / "server.log"
        server, port = start_server(wiki.env, args.server_threads, log)
        writes: list[CrashWrite] = []
        ok = True
        try:
            for number in range(1, args.kills + 1):
                burst = Burst(port, wiki.token, pool, args.writers, number)
                burst.start()
                if not burst.first_ack.wait(120):
                    raise SystemExit("no write was acknowledged within 120 s")
                time.sleep(rng.uniform(0.5, 1.0) * args.seconds)
                server.kill()  # SIGKILL: no shutdown code runs
                killed_at = time.monotonic()
                server.wait()
                burst_seconds = killed_at - burst_started(burst)
                burst.stop()
                writes += burst.writes
                in_flight = [
                    w for w in burst.writes if w.status is None and 0 < w.sent_at < killed_at
                ]
                offset = log.stat().st_size
                t0 = time.perf_counter()
                server, port = start_server(wiki.env, args.server_threads, log)
                restart_s = time.perf_counter() - t0
                acked = sum(w.status == 200 for w in burst.writes)
                refused = sum(w.status == 409 for w in burst.writes)
                stored = stored_revisions(wiki.db_path, (w.slug for w in in_flight))
                print(f"\n## kill {number} after {burst_seconds:.1f} s of writes")
                print(f"writes acknowledged (200): {acked}; refused (409): {refused}")
                print(in_flight_outcome(in_flight, stored))
                print(f"restart: answering after {restart_s:.1f} s; {restart_repairs(log, offset)}")
                ok = verify(wiki.env, wiki.db_path, port, writes) and ok
        finally:
            server.terminate()
            server.wait(30)
        total = Counter(str(w.status) for w in writes if w.sent_at)
        print(
            f"\nall rounds: {len(wiki.slugs)} lessons, pool of {POOL}, {args.writers} writers, "
            f"{args.kills} kills; PUTs {dict(sorted(total.items()))} (None: no answer)"
        )
        if not ok:
            print_tracebacks(log)
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


def burst_started(burst: Burst) -> float:
    return min((w.sent_at for w in burst.writes if w.sent_at), default=time.monotonic())


if __name__ == "__main__":
    main()
