"""Municipality reference data: loading, name matching and suggestions."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson, Municipality

DATA_FILE = "municipalities-2025.csv"


@dataclass(frozen=True)
class MunicipalityRecord:
    code: str
    name: str
    province: str
    aliases: tuple[str, ...]


def name_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "'s-Hertogenbosch" -> "shertogenbosch"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def read_data_file() -> list[MunicipalityRecord]:
    """The 342 municipalities of 1 January 2025, as shipped in the package."""
    text = resources.files("wiki.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return [
        MunicipalityRecord(
            code=row["code"],
            name=row["name"],
            province=row["province"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
        for row in rows
    ]


class Directory:
    """Resolves names and aliases to municipalities; built once per process from the data file."""

    def __init__(self, records: list[MunicipalityRecord]) -> None:
        self.records = records
        self._by_key: dict[str, MunicipalityRecord] = {}
        for record in records:
            for name in (record.name, *record.aliases):
                self._by_key.setdefault(name_key(name), record)
        self._display: dict[str, str] = {}
        for record in records:
            for name in (record.name, *record.aliases):
                self._display.setdefault(name_key(name), name)

    def resolve(self, name: str) -> MunicipalityRecord | None:
        """The municipality a name or alias stands for, or None."""
        key = name_key(name)
        return self._by_key.get(key) if key else None

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Official names closest to an unknown name, best first."""
        key = name_key(name)
        matches = difflib.get_close_matches(key, list(self._by_key), n=limit * 2, cutoff=0.6)
        names: list[str] = []
        for match in matches:
            official = self._by_key[match].name
            if official not in names:
                names.append(official)
        if not names and key:
            names = [r.name for r in self.records if name_key(r.name).startswith(key[:4])]
        return names[:limit]

    @property
    def provinces(self) -> list[str]:
        return sorted({r.province for r in self.records})


_directory: Directory | None = None


def directory() -> Directory:
    """The process-wide directory (reference data never changes while running)."""
    global _directory
    if _directory is None:
        _directory = Directory(read_data_file())
    return _directory


def get_by_name(name: str) -> Municipality | None:
    """The database row for a name or alias."""
    record = directory().resolve(name)
    if record is None:
        return None
    return db.session.execute(
        select(Municipality).where(Municipality.code == record.code)
    ).scalar_one_or_none()


def by_province(
    statuses: tuple[str, ...] = ("published",),
) -> dict[str, list[tuple[Municipality, int]]]:
    """Every municipality grouped by province, with its count of visible lessons."""
    counts = dict(
        db.session.execute(
            select(Lesson.municipality_id, func.count(Lesson.id))
            .where(Lesson.status.in_(statuses))
            .group_by(Lesson.municipality_id)
        ).all()
    )
    grouped: dict[str, list[tuple[Municipality, int]]] = {}
    for m in db.session.execute(select(Municipality).order_by(Municipality.name)).scalars():
        grouped.setdefault(m.province, []).append((m, counts.get(m.id, 0)))
    return dict(sorted(grouped.items()))


def with_counts(statuses: tuple[str, ...] = ("published",)) -> list[tuple[Municipality, int]]:
    """Every municipality with its count of visible lessons, by name."""
    return [pair for group in by_province(statuses).values() for pair in group]
