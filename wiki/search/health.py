"""Telling a missing or damaged index from a passing error, and reading an index through.

The database is the truth and the index can always be rebuilt from it, but a rebuild must
never follow from an error that says nothing about the index (too many open files, a held
writer lock): those pass, and the next search tries again.
"""

from __future__ import annotations

import errno
import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import CorruptIndexError

INDEX_NAME = "MAIN"
# Errors of the machine, not of the index files: a rebuild would not help.
PASSING_ERRNOS = frozenset(
    {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN, errno.EINTR, errno.EACCES}
    | {errno.EPERM, errno.EIO, errno.ENOSPC}
)


class IndexUnavailable(Exception):
    """The folder holds no usable index: `missing` (no table of contents at all), or damaged
    (`definite` when Whoosh itself found a damaged block)."""

    def __init__(self, reason: str, *, missing: bool = False, definite: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing
        self.definite = definite


def classify(error: BaseException) -> IndexUnavailable | None:
    """What an error while opening or reading the index says about it; None: it passes."""
    if isinstance(error, IndexUnavailable):
        return error
    if isinstance(error, index.EmptyIndexError):
        return IndexUnavailable("no index in the folder", missing=True)
    if isinstance(error, index.LockError | MemoryError):
        return None
    if isinstance(error, OSError) and error.errno in PASSING_ERRNOS:
        return None
    return IndexUnavailable(
        f"damaged ({type(error).__name__}: {error})"[:300],
        definite=isinstance(error, CorruptIndexError),
    )


def diagnose(folder: Path) -> IndexUnavailable | None:
    """Open the folder's current index afresh (no cached reader) and read a little of every
    part of every segment: None when all of it reads. Raises passing errors.

    Opening a segment reads the headers of its terms, postings and column files, so a
    truncated or overwritten file shows here; one posting list and the first and last
    stored document per segment are read on top.
    """
    if not folder.is_dir():
        return IndexUnavailable("the index folder is gone", missing=True)
    storage = FileStorage(str(folder))
    with quiet_leaks():
        try:
            if index.TOC._latest_generation(storage, INDEX_NAME) < 0:  # noqa: SLF001
                return IndexUnavailable("no index in the folder", missing=True)
            ix = storage.open_index(INDEX_NAME)
            with ix.searcher() as searcher:
                for sub, _offset in searcher.leaf_searchers():
                    _read_segment(sub.reader())
        except Exception as error:  # noqa: BLE001 - which errors mean damage is classify's
            problem = classify(error)
            if problem is None:
                raise
            return problem
    return None


@contextmanager
def quiet_leaks() -> Iterator[None]:
    """Whoosh leaves a file open when reading it fails; it is closed when the error is
    dropped, which must not warn (the damage is what gets reported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield
        gc.collect()


def _read_segment(reader: Any) -> None:
    count = reader.doc_count_all()
    if not count:
        return
    for docnum in (0, count - 1):
        reader.stored_fields(docnum)
        reader.doc_field_length(docnum, "body")
    for column in ("slug", "revision_id"):
        values = reader.column_reader(column)
        _ = (values[0], values[count - 1])  # reading them is the check
    for term in reader.lexicon("body"):
        reader.postings("body", term).all_ids()
        break
