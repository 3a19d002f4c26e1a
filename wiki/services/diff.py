"""Differences between two texts: line by line, with word-level highlights in changed lines."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass
class Segment:
    """A piece of a line: op is 'equal', 'insert' or 'delete'."""

    op: str
    text: str


@dataclass
class DiffLine:
    """One row of a diff: 'equal', 'insert', 'delete' or 'change' (with word segments)."""

    op: str
    old_no: int | None
    new_no: int | None
    segments: list[Segment]


def diff_texts(old: str, new: str) -> list[DiffLine]:
    """A line diff of two texts; replaced lines carry word-level segments."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    rows: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                rows.append(
                    DiffLine("equal", i1 + k + 1, j1 + k + 1, [Segment("equal", old_lines[i1 + k])])
                )
        elif tag == "delete":
            rows.extend(
                DiffLine("delete", i + 1, None, [Segment("delete", old_lines[i])])
                for i in range(i1, i2)
            )
        elif tag == "insert":
            rows.extend(
                DiffLine("insert", None, j + 1, [Segment("insert", new_lines[j])])
                for j in range(j1, j2)
            )
        else:
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                rows.append(
                    DiffLine(
                        "change",
                        i1 + k + 1,
                        j1 + k + 1,
                        diff_words(old_lines[i1 + k], new_lines[j1 + k]),
                    )
                )
            rows.extend(
                DiffLine("delete", i + 1, None, [Segment("delete", old_lines[i])])
                for i in range(i1 + pairs, i2)
            )
            rows.extend(
                DiffLine("insert", None, j + 1, [Segment("insert", new_lines[j])])
                for j in range(j1 + pairs, j2)
            )
    return rows


def diff_words(old: str, new: str) -> list[Segment]:
    """Word-level segments turning `old` into `new`."""
    a = _TOKEN.findall(old)
    b = _TOKEN.findall(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def has_changes(rows: list[DiffLine]) -> bool:
    """True when any row differs."""
    return any(row.op != "equal" for row in rows)
