"""Privacy guard benchmark: how long deduce takes to load, and what a scan costs per save.

Usage: python bench/privacy_bench.py [--rounds 20] [--big-repeat 50] [--loads 3] [--skip-cold]

Prints, each in a fresh Python process:
- cold load: deduce building its lookup structures from the source lists, as on the first
  load after an install (into a temporary cache folder; the installed cache is not touched);
- warm load: `privacy.warm()` with deduce's pickled cache in place, as on every server start;
- the import of `wiki.services.privacy` alone (must not load deduce);
then, in this process, the median / p95 time of `scan_fields` per save over the 44 sample
lessons (all text fields, as the save path scans them) and over a 10 kB lesson, with the
share spent in deduce; then precision and recall per kind on the labelled set (see
bench/privacy_accuracy.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import privacy_accuracy  # noqa: E402
from wiki.lessonfile import parse  # noqa: E402
from wiki.services import privacy  # noqa: E402

TEXT_FIELDS = ("title", "summary", "context", "owner", "organisation", "target_group")

# The build goes to a temporary cache folder; the collector is paused as privacy's loader
# pauses it (with it running, the build took 63 s instead of the figure printed).
COLD = """
import gc, json, resource, sys, time, logging
t0 = time.perf_counter()
import deduce
logging.getLogger().setLevel(logging.WARNING)
t1 = time.perf_counter()
gc.disable()
deduce.Deduce(cache_path=sys.argv[1], build_lookup_structs=True)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

WARM = """
import json, resource, sys, time
t0 = time.perf_counter()
from wiki.services import privacy
t1 = time.perf_counter()
loaded_at_import = "deduce" in sys.modules
privacy.warm()
t2 = time.perf_counter()
privacy.scan("Mevrouw Jansen belde.")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_scan": t3 - t2,
                  "deduce_at_import": loaded_at_import,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_snippet(code: str, *args: str) -> dict[str, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process"] = time.perf_counter() - started
    return figures


def lesson_fields(path: Path) -> dict[str, str | None]:
    """The text fields of a sample lesson, joined the way the save path joins them."""
    lesson = parse(path.read_bytes())
    meta = lesson.front_matter
    fields: dict[str, str | None] = {
        name: None if meta.get(name) is None else str(meta[name]) for name in TEXT_FIELDS
    }
    fields["active_elements"] = "; ".join(map(str, meta.get("active_elements") or []))
    fields["tags"] = ", ".join(map(str, meta.get("tags") or []))
    fields["body"] = lesson.body
    return fields


def big_lesson(samples: list[dict[str, str | None]], size: int = 10_000) -> dict[str, str | None]:
    """A 10 kB lesson made of real sample text (bodies one after another), plus a title."""
    body = ""
    for fields in samples:
        body += (fields["body"] or "") + "\n"
        if len(body) >= size:
            break
    return {"title": "Een lange les over schuldhulp en wijkteams", "body": body[:size]}


def timed(fields: dict[str, str | None]) -> tuple[float, float, float]:
    """Milliseconds for the whole scan_fields, for deduce's share of it, and the CPU time of
    the whole scan (this process's, so less sensitive to other load on the machine)."""
    vocabulary = privacy._lowercase_words(*(t for t in fields.values() if t))
    engine = privacy._engine()
    t0 = time.perf_counter()
    for text in fields.values():
        if text and text.strip():
            engine.names_and_addresses(text, vocabulary)
    t1, c1 = time.perf_counter(), time.process_time()
    privacy.scan_fields(fields)
    t2, c2 = time.perf_counter(), time.process_time()
    return (t2 - t1) * 1000, (t1 - t0) * 1000, (c2 - c1) * 1000


def summary(label: str, totals: list[float], deduce_part: list[float], cpu: list[float]) -> None:
    totals, deduce_part = sorted(totals), sorted(deduce_part)
    p95 = totals[min(len(totals) - 1, int(len(totals) * 0.95))]
    print(
        f"{label:<34} median {statistics.median(totals):7.2f} ms   p95 {p95:7.2f} ms   "
        f"max {totals[-1]:7.2f} ms   (deduce median {statistics.median(deduce_part):.2f} ms; "
        f"CPU median {statistics.median(cpu):.2f} ms; n={len(totals)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20, help="passes over the 44 samples")
    parser.add_argument("--big-repeat", type=int, default=50, help="scans of the 10 kB lesson")
    parser.add_argument("--loads", type=int, default=3, help="fresh processes for warm loads")
    parser.add_argument("--skip-cold", action="store_true", help="skip the 1-2 minute build")
    args = parser.parse_args()

    if not args.skip_cold:
        with tempfile.TemporaryDirectory() as tmp:
            cold = run_snippet(COLD, tmp)
        print(
            f"{'cold load (builds lookup structs)':<34} {cold['load']:7.1f} s   "
            f"(import deduce {cold['import']:.2f} s, process {cold['process']:.1f} s, "
            f"peak RSS {cold['rss_mb']:.0f} MB)"
        )
    for i in range(args.loads):
        warm = run_snippet(WARM)
        print(
            f"{f'warm load #{i + 1} (pickled cache)':<34} {warm['load']:7.1f} s   "
            f"(import privacy {warm['import']:.2f} s, deduce loaded at import: "
            f"{bool(warm['deduce_at_import'])}, first scan {warm['first_scan'] * 1000:.0f} ms, "
            f"process {warm['process']:.1f} s, peak RSS {warm['rss_mb']:.0f} MB)"
        )

    started = time.perf_counter()
    privacy.warm()
    print(f"{'warm load in this process':<34} {time.perf_counter() - started:7.1f} s")

    samples = [lesson_fields(p) for p in sorted((ROOT / "content").glob("*.md"))]
    sizes = sorted(sum(len(t or "") for t in f.values()) for f in samples)
    for fields in samples:  # warm-up: first calls build regex and trie caches
        privacy.scan_fields(fields)
    totals, deduce_part, cpu = [], [], []
    for _ in range(args.rounds):
        for fields in samples:
            total, part, used = timed(fields)
            totals.append(total)
            deduce_part.append(part)
            cpu.append(used)
    print(
        f"sample lessons: {len(samples)}, text per lesson {sizes[0]}-{sizes[-1]} chars "
        f"(median {statistics.median(sizes):.0f})"
    )
    summary("scan_fields, sample lesson", totals, deduce_part, cpu)

    big = big_lesson(samples)
    totals, deduce_part, cpu = [], [], []
    for _ in range(args.big_repeat):
        total, part, used = timed(big)
        totals.append(total)
        deduce_part.append(part)
        cpu.append(used)
    summary(f"scan_fields, {len(big['body'] or '') // 1000} kB lesson", totals, deduce_part, cpu)
    findings = sum(len(privacy.scan_fields(f)) for f in [*samples, big])
    print(f"findings in the samples and the 10 kB lesson: {findings} (expected 0)")

    for part in ("tune", "holdout", "fresh"):
        privacy_accuracy.report(
            f"accuracy, {part} part of {privacy_accuracy.SET_FILE.relative_to(ROOT)}",
            privacy_accuracy.evaluate(privacy_accuracy.load_set(part)),
        )


if __name__ == "__main__":
    main()
