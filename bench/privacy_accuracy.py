"""Privacy guard accuracy on the labelled set tests/data/privacy_set.jsonl.

Usage: python bench/privacy_accuracy.py [--part tune|holdout|all] [--show-errors]

Each line of the set is one short Dutch text from the social domain: the field it stands in
("body", or "tags" for tags as the validation writes them, lower case), the kinds of personal
data it holds (none for a clean text) and a split: "tune" (looked at while tuning the guard)
or "holdout" (kept aside, only measured). Prints per kind precision and recall, counted per
text (a text that holds a BSN counts once for "bsn", however the BSN is written), and the
false-alarm rate: the share of clean texts with any finding. Scans run in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SET_FILE = ROOT / "tests" / "data" / "privacy_set.jsonl"
KINDS = ("name", "bsn", "email", "phone", "iban", "address", "birthdate")


def load_set(part: str = "all") -> list[dict[str, Any]]:
    """The labelled texts of one split ("tune", "holdout") or of both ("all")."""
    items = [json.loads(line) for line in SET_FILE.read_text(encoding="utf-8").splitlines()]
    return [item for item in items if part in ("all", item["split"])]


@dataclass
class Result:
    """Counts per kind, per text; `errors` lists (id, expected, found, findings) of misses."""

    expected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    clean: int = 0
    false_alarms: int = 0
    errors: list[tuple[int, list[str], list[str], list[tuple[str, str]]]] = field(
        default_factory=list
    )

    def recall(self, kind: str) -> float:
        return self.hits[kind] / self.expected[kind] if self.expected[kind] else 1.0

    def precision(self, kind: str) -> float:
        return self.hits[kind] / self.found[kind] if self.found[kind] else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.clean if self.clean else 0.0


def evaluate(items: Iterable[dict[str, Any]]) -> Result:
    """Scan every text (in its field) and count hits, misses and false alarms."""
    from wiki.services import privacy

    result = Result()
    for item in items:
        findings = privacy.scan_fields({item["field"]: item["text"]})
        found = sorted({f.kind for f in findings})
        expected = sorted(set(item["kinds"]))
        for kind in expected:
            result.expected[kind] += 1
        for kind in found:
            result.found[kind] += 1
            if kind in expected:
                result.hits[kind] += 1
        if not expected:
            result.clean += 1
            result.false_alarms += bool(found)
        if found != expected:
            result.errors.append(
                (item["id"], expected, found, [(f.kind, f.text) for f in findings])
            )
    return result


def report(label: str, result: Result) -> None:
    """Print the table of one evaluation."""
    print(f"{label}")
    print(f"  {'kind':<10} {'texts':>5} {'precision':>9} {'recall':>7}")
    for kind in KINDS:
        print(
            f"  {kind:<10} {result.expected[kind]:>5} {result.precision(kind):>9.1%} "
            f"{result.recall(kind):>7.1%}"
        )
    print(
        f"  false alarms: {result.false_alarms} of {result.clean} clean texts "
        f"({result.false_alarm_rate:.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("tune", "holdout", "fresh", "all"), default="all")
    parser.add_argument("--show-errors", action="store_true", help="list every wrong text")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    parts = ("tune", "holdout", "fresh") if args.part == "all" else (args.part,)
    for part in parts:
        result = evaluate(load_set(part))
        report(f"privacy set, {part} part ({SET_FILE.relative_to(ROOT)})", result)
        if args.show_errors:
            for error in result.errors:
                print("   ", *error)


if __name__ == "__main__":
    main()
