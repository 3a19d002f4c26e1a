"""Load test: page views, API reads, searches and (conflicting) writes at once, then checked.

Usage: python bench/load_run.py [--lessons 10000] [--clients 50] [--seconds 60]
           [--page-seconds 20] [--writes 5] [--procs 2] [--server-threads 8] [--servers 1]
           [--processes 1] [--think-ms 0] [--reuse FOLDER]

Generates and imports N synthetic lessons, starts `leerwiki serve` (waitress, --server-threads
threads in each of --processes processes; --servers > 1 starts several on the one database,
each with its own index copy, as in a multi-node set-up) and runs C closed-loop clients, each
with its own keep-alive connection, spread over --procs worker processes so the Python client
is not the bottleneck. Two phases:

1. page views only (GET /lessons/{slug}) for --page-seconds: page views per second alone;
2. the mix for --seconds: page views, API reads, API searches and search pages (READS, with
   realistic Dutch queries and filters) and --writes % edits: GET the lesson, PUT it back
   changed with its base_revision (to a small set of popular lessons, so some race and get
   409); a third of them are deliberate conflicting edits, two PUTs from the same base
   revision sent together on two connections, of which exactly one may win. The GET before
   an edit counts as an API read.

Prints per request type the count, throughput, p50/p95/p99 latency and status codes, the CPU
used by server and clients, and then checks the database (read-only SQLite): no 5xx, every
PUT answered 200 is stored as the revision it named with the exact text sent, every refused
PUT was a 409 whose text is nowhere, revision numbers are contiguous. Exits 1 if a check fails.

With --think-ms 0 every client sends its next request as soon as the last one is answered, so
the server is saturated and latency is queueing: mean latency = clients / throughput.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import LEERWIKI, free_port, prepared_env  # noqa: E402
from bench.synthetic import write_lessons  # noqa: E402

BENCH_EMAIL = "bench@example.nl"
HOT_LESSONS = 50  # ordinary edits go to these, so concurrent edits of one lesson happen
# The edit appends (or replaces) one line; the kenmerk makes every text sent unique.
EDIT_MARK = "\n\nAanvulling uit de belastingtest: kenmerk "

READS = {"page view": 0.60, "api read": 0.15, "api search": 0.15, "search page": 0.10}
PAGES_ONLY = {"page view": 1.0}


def workload(write_percent: float) -> dict[str, float]:
    """Operation -> share: the READS, plus edits of which a third are conflicting pairs."""
    writes = write_percent / 100
    mix = {name: share * (1 - writes) for name, share in READS.items()}
    return {**mix, "edit": writes * 2 / 3, "conflicting edits": writes / 3}


SEARCHES = [
    {"q": "wijkteam"},
    {"q": "schulden jongeren"},
    {"q": '"eerste gesprek"'},
    {"q": "mantelzorg", "province": "Gelderland"},
    {"q": "wijkteam", "province": "Utrecht", "type": "generic"},
    {"q": "schuldhulpverlening", "theme": "armoede-en-schulden"},
    {"q": "eenzaamheid ouderen", "theme": "participatie-en-eenzaamheid"},
    {"q": "jeugdhulp school", "theme": "onderwijs", "type": "context-dependent"},
    {"q": "vroegsignalering"},
    {"q": "huisbezoek", "province": "Noord-Brabant"},
    {"q": "gemeente:Tilburg wijkteam"},
    {"q": "armoede kinderen", "sort": "updated"},
    {"q": "wijkteam", "page": "2"},
]


# ---- the wiki under test ---------------------------------------------------------------


@dataclass
class Wiki:
    """A throwaway wiki with imported lessons and a curator's API token."""

    env: dict[str, str]
    db_path: Path
    slugs: list[str]
    token: str
    import_summary: str
    import_seconds: float


def prepare_wiki(tmp: Path, lessons: int, seed: int) -> Wiki:
    """Generate and import `lessons` synthetic lessons; create a curator with a token."""
    folder = tmp / "content"
    write_lessons(folder, lessons, seed=seed)
    env = prepared_env(tmp)
    started = time.perf_counter()
    imported = subprocess.run(
        [LEERWIKI, "import-content", str(folder)], env=env, capture_output=True, text=True
    )
    import_seconds = time.perf_counter() - started
    summary = imported.stdout.strip().splitlines()[-1] if imported.stdout.strip() else ""
    if "created" not in summary:  # exit 1 also means "some files rejected": not fatal
        raise SystemExit(f"import failed: {imported.stderr[-2000:]}")
    # A curator may edit every lesson; an author only those of their own municipality.
    subprocess.run(
        [LEERWIKI, "users", "create", BENCH_EMAIL, "--role", "curator"],
        env=env,
        input="bench-password-123\n",
        text=True,
        check=True,
        capture_output=True,
    )
    created = subprocess.run(
        [LEERWIKI, "tokens", "create", BENCH_EMAIL],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    db_path = tmp / "bench.sqlite"
    with read_only(db_path) as conn:  # rejected files are not lessons: ask the database
        slugs = [row[0] for row in conn.execute("SELECT slug FROM lesson ORDER BY slug")]
    return Wiki(
        env, db_path, slugs, created.stdout.strip().splitlines()[-1], summary, import_seconds
    )


def reused_wiki(tmp: Path, lessons: int, seed: int, kept: Path) -> Wiki:
    """A copy, in `tmp`, of a wiki prepared once in `kept` (and left untouched there): the
    import takes minutes, and every run then starts from the same database and index."""
    about = kept / "wiki.json"
    if not about.exists():
        kept.mkdir(parents=True, exist_ok=True)
        made = prepare_wiki(kept, lessons, seed)
        about.write_text(
            json.dumps(
                {
                    "lessons": lessons,
                    "seed": seed,
                    "slugs": made.slugs,
                    "token": made.token,
                    "import_summary": made.import_summary,
                    "import_seconds": made.import_seconds,
                }
            )
        )
    saved = json.loads(about.read_text())
    if (saved["lessons"], saved["seed"]) != (lessons, seed):
        raise SystemExit(f"{kept} holds a wiki of {saved['lessons']} lessons: use another folder")
    for name in ("bench.sqlite", "bench.sqlite-wal"):
        if (kept / name).exists():
            shutil.copy2(kept / name, tmp / name)
    shutil.copytree(kept / "index", tmp / "index")
    env = prepared_env(tmp)
    return Wiki(
        env,
        tmp / "bench.sqlite",
        saved["slugs"],
        saved["token"],
        saved["import_summary"] + f" (copied from {kept})",
        saved["import_seconds"],
    )


def start_server(
    env: dict[str, str], threads: int, log: Path, processes: int = 1, timeout: float = 120
) -> tuple[subprocess.Popen[bytes], int]:
    """`leerwiki serve` on a free port, output appended to `log`; the caller stops it."""
    port = free_port()
    with log.open("ab") as out:
        server = subprocess.Popen(
            [LEERWIKI, "serve", "--port", str(port), "--threads", str(threads)]
            + ["--processes", str(processes)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.time() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/municipalities")
            conn.getresponse().read()
            conn.close()
            return server, port
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit(f"server did not start; see {log}") from None
            time.sleep(0.2)


@contextmanager
def read_only(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the SQLite file (the server may still be running)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def machine_busy_seconds() -> float:
    """CPU time all processes on this machine have used so far (from /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq = map(
        int, Path("/proc/stat").read_text().split()[1:8]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def reference_loop() -> float:
    """Seconds one core takes for a fixed piece of pure Python (best of 3)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best


def machine_speed() -> str:
    """The reference loop alone and on every core at once, to compare runs fairly.

    Shared hosts vary: here the same server has answered 210 to 550 page views a second
    within hours, and the loop on both cores at once has taken 1.0 to 1.9 times as long
    as alone (the two cores share hardware, and neighbours use it too).
    """
    alone = reference_loop()
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        together = list(pool.map(_reference_loop_of, range(cores)))
    return f"{alone:.2f} s alone, {max(together):.2f} s on all {cores} cores at once"


def _reference_loop_of(_: int) -> float:
    return reference_loop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children so far (from /proc):
    `serve --processes N` serves from forked children."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def edited(markdown: str, kenmerk: str) -> str:
    """The lesson text with our one line replaced; already normalised as the server stores it."""
    return markdown.split(EDIT_MARK)[0].rstrip("\n") + EDIT_MARK + kenmerk + ".\n"


# ---- the clients ------------------------------------------------------------------------


@dataclass
class Write:
    """One PUT: what was sent and what came back (status None: no answer)."""

    kind: str
    slug: str
    base: int
    text: str
    status: int | None = None
    revision: int | None = None
    pair: str | None = None  # the two PUTs of one conflicting pair share this


@dataclass
class Results:
    requests: list[tuple[str, int | str, float]] = field(default_factory=list)  # kind, status, ms
    writes: list[Write] = field(default_factory=list)
    cpu: float = 0.0

    def merge(self, other: Results) -> None:
        self.requests += other.requests
        self.writes += other.writes
        self.cpu += other.cpu


class Client:
    """One user: a keep-alive connection and a loop of operations drawn from a mix."""

    def __init__(self, port: int, token: str, name: str, slugs: list[str]) -> None:
        self.port = port
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.name = name
        self.slugs = slugs
        self.hot = slugs[:HOT_LESSONS]
        self.rng = random.Random(name)  # a str seed is reproducible, unlike hash()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.results = Results()
        self.edits = 0

    def request(
        self, kind: str, method: str, path: str, payload: dict | None = None
    ) -> tuple[int | str, bytes]:
        t0 = time.perf_counter()
        try:
            send(self.conn, method, path, payload, self.auth)
            status, body = receive(self.conn)
        except (OSError, http.client.HTTPException) as exc:
            status, body = f"error {type(exc).__name__}", b""
            self.conn.close()  # http.client reconnects on the next request
        self.results.requests.append((kind, status, (time.perf_counter() - t0) * 1000))
        return status, body

    def run(self, mix: dict[str, float], start_at: float, seconds: float, think_ms: float) -> None:
        operations = {
            "page view": self.page_view,
            "api read": self.api_read,
            "api search": self.api_search,
            "search page": self.search_page,
            "edit": self.edit,
            "conflicting edits": self.conflicting_edits,
        }
        names, weights = list(mix), list(mix.values())
        time.sleep(max(0.0, start_at - time.time()))
        end = start_at + seconds
        while time.time() < end:
            if think_ms:  # before each request, so the clients start spread out, not at once
                time.sleep(self.rng.expovariate(1000 / think_ms))
                if time.time() >= end:
                    break
            operations[self.rng.choices(names, weights)[0]]()
        self.conn.close()

    def page_view(self) -> None:
        self.request("page view", "GET", f"/lessons/{self.rng.choice(self.slugs)}")

    def api_read(self, slug: str | None = None) -> dict | None:
        status, body = self.request(
            "api read", "GET", f"/api/v1/lessons/{slug or self.rng.choice(self.slugs)}"
        )
        return json.loads(body) if status == 200 else None

    def api_search(self) -> None:
        query = urllib.parse.urlencode(self.rng.choice(SEARCHES))
        self.request("api search", "GET", f"/api/v1/search?{query}")

    def search_page(self) -> None:
        params = self.rng.choice(SEARCHES)
        self.request("search page", "GET", f"/search?{urllib.parse.urlencode(params)}")

    def next_kenmerk(self) -> str:
        self.edits += 1
        return f"{self.name}n{self.edits}"

    def edit(self) -> None:
        slug = self.rng.choice(self.hot)
        lesson = self.api_read(slug)
        if lesson is None:
            return
        text = edited(lesson["markdown"], self.next_kenmerk())
        write = Write("write", slug, lesson["revision"], text)
        status, body = self.request("write", "PUT", f"/api/v1/lessons/{slug}", payload(write))
        record(write, status, body)
        self.results.writes.append(write)

    def conflicting_edits(self) -> None:
        """Two PUTs from one base revision, both in the server before either is answered."""
        slug = self.rng.choice(self.slugs[HOT_LESSONS:])
        lesson = self.api_read(slug)
        if lesson is None:
            return
        pair = self.next_kenmerk()
        writes = [
            Write("conflicting write", slug, lesson["revision"], "", pair=pair) for _ in range(2)
        ]
        for n, write in enumerate(writes):
            write.text = edited(lesson["markdown"], f"{pair}p{n}")
        other = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = []
        try:
            for conn, write in zip((self.conn, other), writes, strict=True):
                started.append(time.perf_counter())
                send(conn, "PUT", f"/api/v1/lessons/{slug}", payload(write), self.auth)
            for conn, write, t0 in zip((self.conn, other), writes, started, strict=True):
                status, body = receive(conn)
                self.results.requests.append(
                    ("conflicting write", status, (time.perf_counter() - t0) * 1000)
                )
                record(write, status, body)
        except (OSError, http.client.HTTPException) as exc:
            self.results.requests.append(("conflicting write", f"error {type(exc).__name__}", 0))
            self.conn.close()
        finally:
            other.close()
        self.results.writes += writes


def send(
    conn: http.client.HTTPConnection, method: str, path: str, body: dict | None, auth: dict
) -> None:
    if body is None:
        conn.request(method, path)
    else:
        conn.request(method, path, body=json.dumps(body), headers=auth)


def receive(conn: http.client.HTTPConnection) -> tuple[int, bytes]:
    response = conn.getresponse()
    return response.status, response.read()


def payload(write: Write) -> dict:
    return {"base_revision": write.base, "markdown": write.text, "comment": "belastingtest"}


def record(write: Write, status: int | str, body: bytes) -> None:
    write.status = status if isinstance(status, int) else None
    if status == 200:
        write.revision = json.loads(body)["revision"]


@dataclass
class Phase:
    results: Results
    wall: float
    cpu_wall: float  # the CPU figures cover this time, a little longer than `wall`
    server_cpu: float  # seconds of CPU the server processes used
    machine_cpu: float  # seconds of CPU everything on the machine used


def run_clients(
    ports: list[int],
    token: str,
    slugs: list[str],
    mix: dict[str, float],
    clients: list[str],
    start_at: float,
    seconds: float,
    think_ms: float,
) -> Results:
    """One worker process: a thread per client (they wait on sockets, not on the GIL)."""
    cpu_before = sum(os.times()[:2])
    users = [Client(ports[n % len(ports)], token, name, slugs) for n, name in enumerate(clients)]
    threads = [
        threading.Thread(target=c.run, args=(mix, start_at, seconds, think_ms)) for c in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = Results(cpu=sum(os.times()[:2]) - cpu_before)
    for client in users:
        results.merge(client.results)
    return results


def run_phase(
    ports: list[int],
    token: str,
    slugs: list[str],
    mix: dict[str, float],
    *,
    clients: int,
    procs: int,
    seconds: float,
    think_ms: float,
    server_pids: list[int],
    phase: str,
) -> Phase:
    """All clients for `seconds`; their results, the wall time and who used the CPU."""
    names = [f"{phase}c{n}" for n in range(clients)]
    start_at = time.time() + 2  # every worker process starts its clients at this moment
    results = Results()
    server_before = sum(cpu_seconds(pid) for pid in server_pids)
    machine_before = machine_busy_seconds()
    measured_from = time.time()
    with ProcessPoolExecutor(procs) as pool:
        futures = [
            pool.submit(
                run_clients, ports, token, slugs, mix, names[p::procs], start_at, seconds, think_ms
            )
            for p in range(procs)
        ]
        for future in futures:
            results.merge(future.result())
    return Phase(
        results,
        wall=time.time() - start_at,
        cpu_wall=time.time() - measured_from,
        server_cpu=sum(cpu_seconds(pid) for pid in server_pids) - server_before,
        machine_cpu=machine_busy_seconds() - machine_before,
    )


# ---- reporting and checking -------------------------------------------------------------


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def print_table(title: str, phase: Phase) -> None:
    results, wall = phase.results, phase.wall
    print(f"\n## {title}")
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | status codes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    kinds = sorted({k for k, _, _ in results.requests}, key=list_order)
    for kind in [*kinds, "all"]:
        rows = [r for r in results.requests if kind in (r[0], "all")]
        ms = sorted(r[2] for r in rows)
        statuses = Counter(str(r[1]) for r in rows)
        codes = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
        print(
            f"| {kind} | {len(rows)} | {len(rows) / wall:.1f} | {pct(ms, 0.5):.1f} | "
            f"{pct(ms, 0.95):.1f} | {pct(ms, 0.99):.1f} | {codes} |"
        )
    # Other engineers' test runs share this machine: say how much CPU they took meanwhile.
    other = max(0.0, phase.machine_cpu - phase.server_cpu - results.cpu)
    print(
        f"wall {wall:.1f} s; CPU in % of one core ({os.cpu_count()} cores): "
        + ", ".join(
            f"{name} {100 * seconds / phase.cpu_wall:.0f}%"
            for name, seconds in [
                ("server", phase.server_cpu),
                ("clients", results.cpu),
                ("other processes", other),
            ]
        )
    )


def list_order(kind: str) -> int:
    order = ["page view", "api read", "api search", "search page", "write", "conflicting write"]
    return order.index(kind) if kind in order else len(order)


def stored_revisions(db_path: Path, slugs: Iterable[str]) -> dict[str, dict[int, str]]:
    """{slug: {revision number: body}} for these lessons, read from the SQLite file."""
    wanted = sorted(set(slugs))
    stored: dict[str, dict[int, str]] = {slug: {} for slug in wanted}
    with read_only(db_path) as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = conn.execute(
                "SELECT lesson.slug, revision.number, revision.body FROM revision "
                "JOIN lesson ON lesson.id = revision.lesson_id "
                f"WHERE lesson.slug IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for slug, number, body in rows:
                stored[slug][number] = body
    return stored


def write_problems(writes: list[Write], stored: dict[str, dict[int, str]]) -> list[str]:
    """Acknowledged writes that are not stored as answered, refused ones that are stored."""
    problems = []
    for w in writes:
        kenmerk = w.text.rsplit(EDIT_MARK, 1)[1]
        if w.status == 200:
            if w.revision != w.base + 1:
                problems.append(f"{w.slug}: PUT on base {w.base} answered revision {w.revision}")
            elif stored[w.slug].get(w.revision) != w.text:
                problems.append(f"{w.slug}: revision {w.revision} does not hold the text sent")
        elif w.status == 409:
            if any(kenmerk in body for body in stored[w.slug].values()):
                problems.append(f"{w.slug}: a write refused with 409 was stored anyway")
        elif w.status is not None:
            problems.append(f"{w.slug}: PUT answered {w.status} (only 200 or 409 expected)")
    return problems


def revision_gaps(db_path: Path) -> list[str]:
    """Lessons whose revisions are not exactly 1..revision_number."""
    numbers: dict[str, list[int]] = {}
    current: dict[str, int] = {}
    with read_only(db_path) as conn:
        rows = conn.execute(
            "SELECT lesson.slug, lesson.revision_number, revision.number FROM lesson "
            "LEFT JOIN revision ON revision.lesson_id = lesson.id "
            "ORDER BY lesson.id, revision.number"
        )
        for slug, revision_number, number in rows:
            current[slug] = revision_number
            numbers.setdefault(slug, []).append(number)
    return [
        f"{slug}: revisions {found[:5]}... but revision_number {current[slug]}"
        for slug, found in numbers.items()
        if found != list(range(1, current[slug] + 1))
    ]


def pair_outcomes(writes: list[Write]) -> Counter[str]:
    """How the conflicting pairs ended: '200+409' is right, '200+200' a lost update."""
    pairs: dict[str, list[str]] = {}
    for w in writes:
        if w.pair:
            pairs.setdefault(w.pair, []).append(str(w.status))
    return Counter("+".join(sorted(statuses)) for statuses in pairs.values())


def check(label: str, ok: bool, detail: str = "") -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}")
    return ok


def verify(wiki: Wiki, results: Results) -> bool:
    statuses = Counter(r[1] for r in results.requests)
    server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    no_answer = sum(n for s, n in statuses.items() if isinstance(s, str))
    put_statuses = Counter(str(w.status) for w in results.writes)
    stored = stored_revisions(wiki.db_path, (w.slug for w in results.writes))
    problems = write_problems(results.writes, stored)
    gaps = revision_gaps(wiki.db_path)
    pairs = pair_outcomes(results.writes)
    with read_only(wiki.db_path) as conn:
        lessons = conn.execute("SELECT count(*) FROM lesson").fetchone()[0]
    accepted = put_statuses["200"]
    print("\n## checks against the database")
    return all(
        [
            check(
                "no 5xx answers", server_errors == 0, f"{server_errors} of {len(results.requests)}"
            ),
            check("every request answered", no_answer == 0, f"{no_answer} without an answer"),
            check(
                "PUTs answered only 200 or 409",
                set(put_statuses) <= {"200", "409"},
                ", ".join(f"{s}: {n}" for s, n in sorted(put_statuses.items())),
            ),
            check(
                "every 200 is stored as that revision with the exact text, every 409 nowhere",
                not problems,
                f"{accepted} accepted, {put_statuses['409']} refused checked"
                + (f"; {len(problems)} problems, e.g. {problems[:3]}" if problems else ""),
            ),
            check(
                "conflicting pairs: never both accepted",
                pairs["200+200"] == 0,
                ", ".join(f"{k}: {n}" for k, n in sorted(pairs.items())),
            ),
            check(
                "revision numbers contiguous per lesson", not gaps, f"{len(gaps)} gaps {gaps[:3]}"
            ),
            check("no lesson lost or added", lessons == len(wiki.slugs), f"{lessons} lessons"),
        ]
    )


def print_tracebacks(log: Path) -> None:
    """Each distinct traceback in the server log once: its project frames, its error, a count."""
    lines = log.read_text(errors="replace").splitlines()
    seen: Counter[tuple[str, ...]] = Counter()
    for n, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        block = []
        for m in range(n + 1, len(lines)):
            if "/wiki/" in lines[m] and lines[m].lstrip().startswith("File"):
                block += [lines[m], lines[m + 1]]
            elif not lines[m].startswith(" "):
                block.append(lines[m][:300])  # the error line ends the traceback
                break
        if len(block) > 1:  # a chained exception's cause alone has no project frames
            seen[tuple(block)] += 1
    for block, count in seen.items():
        print(f"\n{count} x this traceback in the server log (project frames only):")
        print("\n".join(block))


def warm_up(port: int, token: str, slugs: list[str], name: str) -> Results:
    """Touch every route once and wait for the privacy guard (the first save loads deduce)."""
    client = Client(port, token, name, slugs)
    for _ in range(50):
        client.page_view()
        client.api_search()
    client.conflicting_edits()
    return client.results  # only checked, not in the tables


def start_servers(
    wiki: Wiki, count: int, threads: int, tmp: Path, processes: int = 1
) -> list[tuple[subprocess.Popen[bytes], int]]:
    """`count` servers on one database; each node keeps its own copy of the index."""
    for node in range(1, count):
        shutil.copytree(tmp / "index", tmp / f"index-{node}")
    servers = []
    for node in range(count):
        env = {**wiki.env, "LEERWIKI_INDEX_DIR": str(tmp / (f"index-{node}" if node else "index"))}
        servers.append(start_server(env, threads, tmp / f"server-{node}.log", processes))
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of the mixed phase")
    parser.add_argument("--page-seconds", type=float, default=20, help="page views only phase")
    parser.add_argument("--writes", type=float, default=5, help="%% of operations that edit")
    parser.add_argument("--procs", type=int, default=2, help="client worker processes")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--servers", type=int, default=1, help="server nodes, one database")
    parser.add_argument(
        "--processes", type=int, default=1, help="`serve --processes`: processes per node"
    )
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between requests")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="prepare the wiki once in this folder and start each run from a copy of it",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wiki = (
            reused_wiki(tmp, args.lessons, 1, args.reuse)
            if args.reuse
            else prepare_wiki(tmp, args.lessons, seed=1)
        )
        print(f"import: {wiki.import_summary} in {wiki.import_seconds:.1f} s")
        speed_before = machine_speed()
        servers = start_servers(wiki, args.servers, args.server_threads, tmp, args.processes)
        ports = [port for _, port in servers]
        try:
            all_results = Results()
            for node, port in enumerate(ports):
                all_results.merge(warm_up(port, wiki.token, wiki.slugs, f"warm{node}"))
            common = dict(
                clients=args.clients,
                procs=args.procs,
                think_ms=args.think_ms,
                server_pids=[server.pid for server, _ in servers],
            )
            print(
                f"\n{len(wiki.slugs)} lessons; {args.clients} clients in {args.procs} processes, "
                f"think time {args.think_ms:g} ms; {args.servers} x `leerwiki serve --threads "
                f"{args.server_threads} --processes {args.processes}`"
            )
            pages = run_phase(
                ports,
                wiki.token,
                wiki.slugs,
                PAGES_ONLY,
                seconds=args.page_seconds,
                phase="p",
                **common,
            )
            print_table(f"page views only, {args.page_seconds:g} s", pages)
            all_results.merge(pages.results)
            mix = workload(args.writes)
            mixed = run_phase(
                ports, wiki.token, wiki.slugs, mix, seconds=args.seconds, phase="m", **common
            )
            shares = ", ".join(f"{name} {100 * share:.1f}%" for name, share in mix.items())
            print_table(f"mixed workload, {args.seconds:g} s ({shares})", mixed)
            all_results.merge(mixed.results)
        finally:
            for server, _ in servers:
                server.terminate()
                server.wait(30)
        print(
            f"\nmachine speed (reference loop, lower is faster; figures scale with it): "
            f"{speed_before} before the phases; {machine_speed()} after"
        )
        ok = verify(wiki, all_results)
        if not ok:
            for node in range(args.servers):
                print_tracebacks(tmp / f"server-{node}.log")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
