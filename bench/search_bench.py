"""Search benchmark: Whoosh through our HTTP API versus raw Whoosh and SQLite FTS5.

Usage: python bench/search_bench.py [--sizes 10000 100000] [--repeat 40]
For each size it generates synthetic lessons, imports them with `leerwiki import-content`
(the index follows every batch commit), starts `leerwiki serve`, and prints a table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import LEERWIKI, prepared_env, start  # noqa: E402
from bench.synthetic import write_lessons  # noqa: E402

QUERIES = {
    "common word": {"q": "wijkteam"},
    "rare word": {"q": "kangoeroezorg"},
    "two words": {"q": "schulden jongeren"},
    "phrase": {"q": '"eerste gesprek"'},
    "filtered + facets": {
        "q": "wijkteam",
        "province": "Utrecht",
        "type": "generic",
        "theme": "onderwijs",
    },
    # A section heading: in every lesson, the worst case for counting facets over all matches.
    "word in every lesson": {"q": "aanpak"},
}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The server's child processes (the privacy scanner and multiprocessing's helper)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


class Api:
    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def get(self, path: str, params: dict[str, str]) -> tuple[float, dict]:
        t0 = time.perf_counter()
        self.conn.request("GET", f"{path}?{urllib.parse.urlencode(params)}")
        response = self.conn.getresponse()
        body = json.loads(response.read())
        return (time.perf_counter() - t0) * 1000, body

    def put(self, path: str, payload: dict) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        self.conn.request("PUT", path, body=json.dumps(payload), headers=headers)
        response = self.conn.getresponse()
        body = json.loads(response.read())
        if response.status != 200:  # waiting for a refused save to show up would never end
            raise SystemExit(f"PUT {path} answered {response.status}: {body}")
        return body


def raw_whoosh(index_dir: Path, params: dict[str, str], per_page: int) -> float:
    """The engine alone: parse, search with all four facets over every match, no HTTP."""
    from whoosh import index, qparser, sorting
    from whoosh import query as wq

    ix = index.open_dir(str(index_dir))
    parser = qparser.MultifieldParser(
        ["title", "summary", "body", "tags", "owner"], ix.schema, group=qparser.AndGroup
    )
    facets = {
        n: sorting.FieldFacet(n, allow_overlap=(n == "themes"), maptype=sorting.Count)
        for n in ("municipality", "province", "type", "themes")
    }
    filters = [wq.Term("status", "published")]
    for key, field in (("province", "province"), ("type", "type"), ("theme", "themes")):
        if key in params:
            filters.append(wq.Term(field, params[key]))
    t0 = time.perf_counter()
    with ix.searcher() as searcher:
        results = searcher.search(
            parser.parse(params["q"]), filter=wq.And(filters), limit=per_page, groupedby=facets
        )
        [hit.fields() for hit in results[:per_page]]
        {n: results.groups(n) for n in facets}
    return (time.perf_counter() - t0) * 1000


def fts5(db_file: Path, folder: Path) -> sqlite3.Connection:
    """The same corpus in SQLite FTS5 (unicode61 with diacritics removed; no Dutch stemming)."""
    from wiki import lessonfile

    conn = sqlite3.connect(db_file)
    conn.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(slug UNINDEXED, title, body, province UNINDEXED, "
        "type UNINDEXED, themes UNINDEXED, municipality UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
    )
    from wiki.services.municipalities import directory

    rows = []
    for path in sorted(folder.glob("*.md")):
        parsed = lessonfile.parse(path.read_bytes())
        fm = parsed.front_matter
        record = directory().resolve(fm["municipality"])
        rows.append(
            (
                fm["slug"],
                fm["title"],
                parsed.body,
                record.province if record else "",
                fm["type"],
                ",".join(fm["themes"]),
                fm["municipality"],
            )
        )
    conn.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?)", rows)
    conn.commit()
    return conn


def fts5_query(conn: sqlite3.Connection, params: dict[str, str], per_page: int) -> float:
    match = params["q"]
    where, args = ["doc MATCH ?"], [match]
    for key in ("province", "type"):
        if key in params:
            where.append(f"{key} = ?")
            args.append(params[key])
    if "theme" in params:
        where.append("(',' || themes || ',') LIKE ?")
        args.append(f"%,{params['theme']},%")
    clause = " AND ".join(where)
    t0 = time.perf_counter()
    conn.execute(
        f"SELECT slug, title, snippet(doc, 2, '[', ']', '…', 12) FROM doc WHERE {clause} "  # noqa: S608
        f"ORDER BY rank LIMIT {per_page}",
        args,
    ).fetchall()
    for column in ("municipality", "province", "type"):
        conn.execute(
            f"SELECT {column}, count(*) FROM doc WHERE {clause} GROUP BY {column}", args
        ).fetchall()  # noqa: S608
    conn.execute(f"SELECT themes FROM doc WHERE {clause}", args).fetchall()  # noqa: S608 - split in Python
    return (time.perf_counter() - t0) * 1000


def run(size: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "content"
        slugs = write_lessons(folder, size, seed=size)
        env = prepared_env(tmp)
        t0 = time.perf_counter()
        imported = subprocess.run(
            [LEERWIKI, "import-content", str(folder)], env=env, capture_output=True, text=True
        )
        import_s = time.perf_counter() - t0
        summary = imported.stdout.strip().splitlines()[-1] if imported.stdout.strip() else ""
        if "created" not in summary:  # exit 1 also means "some files rejected": not fatal
            raise SystemExit(f"import failed: {imported.stderr[-2000:]}")
        subprocess.run(  # a curator may edit every lesson (imported ones have no creator)
            [LEERWIKI, "users", "create", "bench@example.nl", "--role", "curator"],
            env=env,
            input="bench-password-123\n",
            text=True,
            check=True,
            capture_output=True,
        )
        token = (
            subprocess.run(
                [LEERWIKI, "tokens", "create", "bench@example.nl"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        index_mb = du(tmp / "index") / 1e6

        server, port = start(env)
        rows = []
        try:
            api = Api(port, token)
            conn = fts5(tmp / "fts.sqlite", folder)
            for name, params in QUERIES.items():
                http_ms, raw_ms, fts_ms = [], [], []
                total = 0
                for i in range(repeat):
                    per_page = 10 + i  # a new cache key each time: these are uncached answers
                    ms, body = api.get("/api/v1/search", {**params, "per_page": str(per_page)})
                    http_ms.append(ms)
                    total = body["total"]
                    raw_ms.append(raw_whoosh(tmp / "index", params, per_page))
                    fts_ms.append(fts5_query(conn, params, per_page))
                cached = [
                    api.get("/api/v1/search", {**params, "per_page": "10"})[0]
                    for _ in range(repeat)
                ]
                rows.append((name, total, http_ms, raw_ms, fts_ms, cached))
            # What memory a long-running server settles at (the searcher caches are filled).
            delays = []
            for n in range(10):
                slug = slugs[n * 7]
                lesson = api.get(f"/api/v1/lessons/{slug}", {})[1]
                word = f"nieuwwoord{n}x"
                t0 = time.perf_counter()
                api.put(
                    f"/api/v1/lessons/{slug}",
                    {
                        "base_revision": lesson["revision"],
                        "markdown": lesson["markdown"] + f"\n{word}\n",
                    },
                )
                while api.get("/api/v1/search", {"q": word})[1]["total"] != 1:
                    time.sleep(0.01)
                delays.append((time.perf_counter() - t0) * 1000)
            memory = rss_mb(server.pid)
            helpers = sum(rss_mb(c) for c in children(server.pid))
        finally:
            server.terminate()
            server.wait(10)

    print(f"\n## {size} lessons")
    print(f"import: {summary}")
    print(
        f"import and index: {import_s:.1f} s; index size {index_mb:.0f} MB; "
        f"server RSS {memory:.0f} MB (its privacy-scanner processes: {helpers:.0f} MB more)"
    )
    print(
        f"save to searchable: median {statistics.median(delays):.0f} ms, p95 {pct(delays, 0.95):.0f} ms"
    )
    print(
        "| query | hits | first (cold) | API median | API p95 | repeated (cached) p95 | "
        "raw Whoosh median | API/raw | FTS5 median | Whoosh API/FTS5 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, total, http_ms, raw_ms, fts_ms, cached in rows:
        print(
            f"| {name} | {total} | {http_ms[0]:.1f} ms | {statistics.median(http_ms):.1f} ms | "
            f"{pct(http_ms, 0.95):.1f} ms | "
            f"{pct(cached, 0.95):.1f} ms | {statistics.median(raw_ms):.1f} ms | "
            f"{statistics.median(http_ms) / statistics.median(raw_ms):.2f} | {statistics.median(fts_ms):.1f} ms | "
            f"{statistics.median(http_ms) / max(statistics.median(fts_ms), 0.01):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.repeat)


if __name__ == "__main__":
    main()
